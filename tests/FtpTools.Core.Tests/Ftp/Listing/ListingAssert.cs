using System;
using System.Globalization;
using FtpTools.Core.Ftp.Listing;
using Xunit;

namespace FtpTools.Core.Tests.Ftp.Listing;

/// <summary>Compact, complete descriptions of parse results so test tables can state every field of an item.</summary>
internal static class ListingAssert
{
    public const string Directory = "/pub/data";

    /// <summary>The moment the captured lines were taken (vsftpd/proftpd/pure-ftpd on this machine, 2026-11-21 13:34 UTC).</summary>
    public static readonly DateTime CaptureNowUtc = new(2026, 11, 21, 13, 40, 0, DateTimeKind.Utc);

    /// <summary>"Kind|Name|Length|Time|Permissions|Bits|Owner|Group|LinkTarget", "null" for missing values.</summary>
    public static string Describe(RemoteItem item)
    {
        string Or(string? s) => s ?? "null";
        var time = item.LastWriteTimeUtc is { } t
            ? t.ToString(t.Ticks % TimeSpan.TicksPerSecond == 0 ? "yyyy-MM-dd HH:mm:ss" : "yyyy-MM-dd HH:mm:ss.fffffff", CultureInfo.InvariantCulture)
            : "null";
        var bits = item.PermissionBits is { } b ? Convert.ToString(b, 8) : "null";
        return string.Join("|", item.Kind, item.Name, Or(item.Length?.ToString(CultureInfo.InvariantCulture)), time, Or(item.Permissions), bits, Or(item.Owner), Or(item.Group), Or(item.LinkTarget));
    }

    /// <summary>The line must yield an item inside <see cref="Directory"/> matching <paramref name="expected"/> field for field.</summary>
    public static RemoteItem AssertItem(ListingLineResult result, string expected, string directory = Directory)
    {
        Assert.True(result.Status == ListingLineStatus.Item, "expected an item, got " + result);
        var item = result.Item!;
        Assert.Equal(expected, Describe(item));
        Assert.Equal(directory.TrimEnd('/') + "/" + item.Name, item.FullName);
        if (item.LastWriteTimeUtc is { } time)
        {
            Assert.Equal(DateTimeKind.Utc, time.Kind);
        }

        return item;
    }
}
