using System;

namespace FtpTools.Core;

public enum RemoteItemKind
{
    File,
    Directory,
    SymbolicLink,
    Other,
}

/// <summary>One entry of a remote directory, the same shape for every protocol.</summary>
public sealed class RemoteItem
{
    public RemoteItem(string name, string fullName, RemoteItemKind kind)
    {
        Name = name;
        FullName = fullName;
        Kind = kind;
    }

    /// <summary>The entry's name within its directory, never containing '/'.</summary>
    public string Name { get; }

    /// <summary>Absolute remote path ("/dir/name").</summary>
    public string FullName { get; }

    public RemoteItemKind Kind { get; }

    /// <summary>Size in bytes; null when the server did not say.</summary>
    public long? Length { get; init; }

    /// <summary>Last modification time in UTC; null when unknown.</summary>
    public DateTime? LastWriteTimeUtc { get; init; }

    /// <summary>
    /// How precise <see cref="LastWriteTimeUtc"/> is when the listing gave less than the second: a minute ("Nov 25
    /// 02:02", a DOS listing), or a day (a Unix listing's "May 6 2024" for a file older than six months, whose time
    /// of day is unknown). Null: to the second or better, or not known.
    /// </summary>
    public TimeSpan? LastWriteTimePrecision { get; init; }

    /// <summary>Unix permission bits (e.g. 0o644) when known.</summary>
    public int? PermissionBits { get; init; }

    /// <summary>Permissions as text ("rwxr-xr-x", or the server's MLSD perm facts) when known.</summary>
    public string? Permissions { get; init; }

    public string? Owner { get; init; }

    public string? Group { get; init; }

    public string? LinkTarget { get; init; }

    public bool IsDirectory => Kind == RemoteItemKind.Directory;

    public override string ToString() => FullName;
}
