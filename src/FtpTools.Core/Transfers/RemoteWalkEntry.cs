using System;
using System.Collections.Generic;

namespace FtpTools.Core.Transfers;

/// <summary>One item found by <see cref="RemoteWalker"/>, with where it sits relative to the walk's base.</summary>
public sealed class RemoteWalkEntry
{
    public RemoteWalkEntry(RemoteItem item, string baseDirectory, string relativePath, int depth)
    {
        Item = item ?? throw new ArgumentNullException(nameof(item));
        BaseDirectory = baseDirectory ?? throw new ArgumentNullException(nameof(baseDirectory));
        RelativePath = relativePath ?? throw new ArgumentNullException(nameof(relativePath));
        Depth = depth;
    }

    public RemoteItem Item { get; }

    /// <summary>
    /// The remote directory the relative path starts from: the parent of a path without wildcards
    /// ("/data" for "/data/dir" and "/data/a.txt"; "/" for "/"), or the last directory before the first
    /// wildcard segment ("/data" for "/data/*/logs").
    /// </summary>
    public string BaseDirectory { get; }

    /// <summary>'/'-separated path from <see cref="BaseDirectory"/> to the item ("dir/sub/a.txt"). Names come from the server: map them with <see cref="LocalPathMapper"/>.</summary>
    public string RelativePath { get; }

    /// <summary>0 for the first level (see <see cref="RemoteWalkOptions.Depth"/>), 1 below it, and so on.</summary>
    public int Depth { get; }

    public override string ToString() => Item.FullName;
}

/// <summary>A path or directory the walk could not read. The walk goes on with the rest.</summary>
public sealed class RemoteWalkError
{
    public RemoteWalkError(string path, Exception exception)
    {
        Path = path;
        Exception = exception;
    }

    public string Path { get; }

    /// <summary><see cref="Errors.TransferRefusedException"/> (SourceNotFound) for a named path that does not exist, else the session's <see cref="Errors.CommandRefusedException"/> or <see cref="Errors.DataConnectionFailedException"/>.</summary>
    public Exception Exception { get; }
}

/// <summary>What one step of the walk produced: one root path's matches, or one directory's listing.</summary>
public sealed class RemoteWalkBatch
{
    internal RemoteWalkBatch(IReadOnlyList<RemoteWalkEntry> entries, IReadOnlyList<RemoteWalkError> errors)
    {
        Entries = entries;
        Errors = errors;
    }

    /// <summary>Items that passed the filters, in name order within a directory.</summary>
    public IReadOnlyList<RemoteWalkEntry> Entries { get; }

    public IReadOnlyList<RemoteWalkError> Errors { get; }
}
