using System;
using FtpTools.Core;
using FtpTools.Core.Paths;

namespace FtpTools;

/// <summary>
/// A remote file, directory or link, the same for every protocol, with the session it came from so that
/// piping it into Receive-FtpFile, Remove-FtpItem or Rename-FtpItem uses that session.
/// </summary>
public sealed class FtpToolsItem
{
    internal FtpToolsItem(RemoteItem item, FtpToolsSession session)
    {
        Item = item ?? throw new ArgumentNullException(nameof(item));
        Session = session ?? throw new ArgumentNullException(nameof(session));
    }

    public string Name => Item.Name;

    /// <summary>Absolute remote path; binds to -Path of Receive-FtpFile, Remove-FtpItem and Rename-FtpItem.</summary>
    public string FullName => Item.FullName;

    /// <summary>The remote directory that holds the item; the format view groups by it like Get-ChildItem.</summary>
    public string Directory => RemotePath.GetDirectoryName(Item.FullName);

    public RemoteItemKind Kind => Item.Kind;

    public bool IsDirectory => Item.IsDirectory;

    /// <summary>
    /// A file's length in bytes; null for a directory, whose size some servers give (4096, the directory file's) and
    /// some do not, so that Measure-Object -Sum of a listing adds up the files on every server, as of Get-ChildItem's.
    /// </summary>
    public long? Length => Item.Kind == RemoteItemKind.Directory ? null : Item.Length;

    /// <summary>Last write time in local time, like FileInfo.LastWriteTime; null when the server did not say.</summary>
    public DateTime? LastWriteTime => Item.LastWriteTimeUtc?.ToLocalTime();

    public DateTime? LastWriteTimeUtc => Item.LastWriteTimeUtc;

    /// <summary>Unix-style mode string ("drwxr-xr-x") when the permission bits are known, else the server's text.</summary>
    public string? Mode => Item.PermissionBits is int bits ? FormatMode(Item.Kind, bits) : Item.Permissions;

    public string? Permissions => Item.Permissions;

    public int? PermissionBits => Item.PermissionBits;

    public string? Owner => Item.Owner;

    public string? Group => Item.Group;

    public string? LinkTarget => Item.LinkTarget;

    public FtpToolsSession Session { get; }

    /// <summary>
    /// The Id of <see cref="Session"/>. A cmdlet this item is piped into binds it by property name and refuses to
    /// work on the item with another session (one given with -Session or $PSDefaultParameterValues). Not named
    /// "SessionId": a parameter (or alias) beginning with "Sess" would make an abbreviated -Session ambiguous.
    /// </summary>
    public int FtpSessionId => Session.Id;

    /// <summary>The protocol-independent item from the core.</summary>
    public RemoteItem Item { get; }

    public override string ToString() => Item.FullName;

    internal static string FormatMode(RemoteItemKind kind, int bits)
    {
        var chars = new char[10];
        chars[0] = kind switch
        {
            RemoteItemKind.Directory => 'd',
            RemoteItemKind.SymbolicLink => 'l',
            RemoteItemKind.File => '-',
            _ => '?',
        };
        const string Letters = "rwxrwxrwx";
        for (var i = 0; i < 9; i++)
        {
            chars[i + 1] = (bits & (1 << (8 - i))) != 0 ? Letters[i] : '-';
        }

        // setuid, setgid and sticky replace the execute letters (POSIX ls).
        if ((bits & 0x800) != 0)
        {
            chars[3] = chars[3] == 'x' ? 's' : 'S';
        }

        if ((bits & 0x400) != 0)
        {
            chars[6] = chars[6] == 'x' ? 's' : 'S';
        }

        if ((bits & 0x200) != 0)
        {
            chars[9] = chars[9] == 'x' ? 't' : 'T';
        }

        return new string(chars);
    }
}
