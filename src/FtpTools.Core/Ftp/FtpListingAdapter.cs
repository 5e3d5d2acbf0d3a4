using System;
using System.Collections.Generic;
using FtpTools.Core.Ftp.Listing;

namespace FtpTools.Core.Ftp;

/// <summary>
/// The one place where the session meets the listing parsers (Ftp/Listing). Lines the parsers
/// cannot use, or refuse because their name would leave the directory ("../x", "a/b"), are
/// reported to the protocol log, never dropped silently.
/// </summary>
internal static class FtpListingAdapter
{
    /// <summary>The listing's items; its rejected lines go to <paramref name="report"/>.</summary>
    public static IReadOnlyList<RemoteItem> Complete(FtpListingBuilder listing, string directory, Action<string> report)
    {
        var result = listing.ToResult();
        foreach (var rejected in result.Rejected)
        {
            report($"Listing line {rejected.LineNumber} of {directory} ignored ({rejected.Reason}): \"{FtpReplyParser.Printable(rejected.Line, 200)}\"");
        }

        return result.Items;
    }

    /// <summary>The item described by the fact line of an MLST reply (RFC 3659 §7.2), or null when it cannot be read.</summary>
    public static RemoteItem? ParseMlst(string line, string path, Action<string> report)
    {
        var result = FtpListingParser.ParseMlst(line, path);
        if (result.Status == ListingLineStatus.Item)
        {
            return result.Item;
        }

        report($"MLST line for {path} ignored ({result.Reason}): \"{FtpReplyParser.Printable(line, 200)}\"");
        return null;
    }
}
