using System;
using System.Collections.Generic;

namespace FtpTools.Core.Transfers;

/// <summary>
/// What <see cref="RemoteWalker"/> yields, with Get-ChildItem's semantics: <see cref="Filter"/>,
/// <see cref="Include"/>, <see cref="Exclude"/>, <see cref="FilesOnly"/> and <see cref="DirectoriesOnly"/> decide which
/// items are yielded, by name and kind; they never stop the walk from descending (an excluded directory's
/// children are still visited and yielded when they match), as in PowerShell.
/// </summary>
public sealed class RemoteWalkOptions
{
    /// <summary>Descend into directories (-Recurse).</summary>
    public bool Recurse { get; init; }

    /// <summary>
    /// Levels below the first one (-Depth); implies <see cref="Recurse"/>. 0 yields only the first level: the
    /// children of a directory path, or the items a wildcard path matched.
    /// </summary>
    public int? Depth { get; init; }

    /// <summary>One wildcard on item names (-Filter).</summary>
    public string? Filter { get; init; }

    /// <summary>Wildcards on item names; an item must match one of them when any are given (-Include).</summary>
    public IReadOnlyList<string>? Include { get; init; }

    /// <summary>Wildcards on item names; an item matching any of them is not yielded (-Exclude).</summary>
    public IReadOnlyList<string>? Exclude { get; init; }

    /// <summary>
    /// Yield only non-directories (-File): files, and links that do not lead to a directory. With
    /// <see cref="DirectoriesOnly"/> as well, both kinds are yielded. Either alone asks each link where it leads
    /// (a listing of it on FTP, a stat on SFTP).
    /// </summary>
    public bool FilesOnly { get; init; }

    /// <summary>Yield only directories (-Directory): directories, and links that lead to one.</summary>
    public bool DirectoriesOnly { get; init; }

    /// <summary>
    /// Descend through symbolic links that lead to directories. Off by default: links are yielded as items
    /// (Kind SymbolicLink; <see cref="FilesOnly"/> and <see cref="DirectoriesOnly"/> take them for what they lead to)
    /// and not entered, so a link to an
    /// ancestor cannot make the walk endless. When on, a directory reached twice is entered once and link
    /// chains are cut after <see cref="MaxLinkHops"/> nested links.
    /// </summary>
    public bool FollowSymbolicLinks { get; init; }

    public const int MaxLinkHops = 8;

    /// <summary>
    /// A path without wildcards that names a directory is refused (TransferRefusedReason.SourceIsDirectory) instead
    /// of yielding its children, unless <see cref="Recurse"/> or <see cref="Depth"/> is given: Receive-FtpFile's
    /// piped items, where a directory from a recursive listing would bring its files a second time.
    /// </summary>
    public bool RefuseNamedDirectories { get; init; }

    /// <summary>Name patterns compare case-insensitively, as PowerShell's wildcards do.</summary>
    public bool CaseSensitive { get; init; }

    internal int MaxDepth => Depth is int depth ? depth : Recurse ? int.MaxValue : 0;

    internal void Validate()
    {
        if (Depth < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(Depth), Depth, "The depth cannot be negative.");
        }
    }
}
