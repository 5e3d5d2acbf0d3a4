using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;
using FtpTools.Core.Paths;

namespace FtpTools.Core.Transfers;

/// <summary>
/// Expands remote paths with wildcards and walks directories, for Get-FtpItem and Receive-FtpFile.
/// <para>
/// Pull model, so results stream without IAsyncEnumerable and without callbacks on foreign threads:
/// each <see cref="NextBatchAsync"/> does one round of work (expand one root path, or list one
/// directory) and returns what it found; null means the walk is over. A cmdlet awaits it from its pipeline
/// thread and writes the batch before asking for the next, so memory holds one listing plus the queue of
/// directories still to visit. The walk is depth-first with a directory's own entries first (Get-ChildItem's order).
/// </para>
/// <para>
/// Paths: relative ones resolve against the session's current directory. Wildcards ('*', '?', '[a-z]', '`'
/// escape; <see cref="Wildcard"/>) may appear in any segment; a segment with wildcards lists its parent and
/// keeps matching names. A path without wildcards that names a directory yields the directory's children (or, with
/// <see cref="RemoteWalkOptions.RefuseNamedDirectories"/> and no recursion, an error: SourceIsDirectory); one
/// that names a file or link yields that item; one that does not exist gives an error (SourceNotFound).
/// A path with wildcards yields every item it matches (directories included, and descended with Recurse) and
/// is silently empty when nothing matches, as in PowerShell, unless the directory before its first wildcard is
/// missing: that is SourceNotFound, as Get-ChildItem /missing/*.csv reports it.
/// </para>
/// <para>
/// Errors: a directory that cannot be listed, or a missing path, is reported in <see cref="RemoteWalkBatch.Errors"/>
/// and the walk goes on. <see cref="ConnectionLostException"/> and cancellation are thrown.
/// </para>
/// </summary>
public sealed class RemoteWalker
{
    private readonly IRemoteSession _session;
    private readonly RemoteWalkOptions _options;
    private readonly ItemFilter _filter;
    private readonly Stack<Work> _work = new();
    private readonly HashSet<string> _visited = new(StringComparer.Ordinal);

    public RemoteWalker(IRemoteSession session, IEnumerable<string> paths, RemoteWalkOptions? options)
    {
        _session = session ?? throw new ArgumentNullException(nameof(session));
        if (paths is null)
        {
            throw new ArgumentNullException(nameof(paths));
        }

        _options = options ?? new RemoteWalkOptions();
        _options.Validate();
        _filter = new ItemFilter(_options);

        foreach (var path in paths.Reverse())
        {
            if (string.IsNullOrEmpty(path))
            {
                throw new ArgumentException("A remote path cannot be empty.", nameof(paths));
            }

            _work.Push(Work.ForRoot(path));
        }
    }

    /// <summary>Walks everything and returns all entries and errors at once (for callers that do not stream).</summary>
    public static async Task<(IReadOnlyList<RemoteWalkEntry> Entries, IReadOnlyList<RemoteWalkError> Errors)> CollectAsync(
        IRemoteSession session,
        IEnumerable<string> paths,
        RemoteWalkOptions? options,
        CancellationToken cancellationToken)
    {
        var walker = new RemoteWalker(session, paths, options);
        var entries = new List<RemoteWalkEntry>();
        var errors = new List<RemoteWalkError>();
        while (await walker.NextBatchAsync(cancellationToken).ConfigureAwait(false) is { } batch)
        {
            entries.AddRange(batch.Entries);
            errors.AddRange(batch.Errors);
        }

        return (entries, errors);
    }

    /// <summary>One step of the walk; null when there is nothing left. Not thread-safe: one caller at a time.</summary>
    public async Task<RemoteWalkBatch?> NextBatchAsync(CancellationToken cancellationToken)
    {
        if (_work.Count == 0)
        {
            return null;
        }

        cancellationToken.ThrowIfCancellationRequested();
        var work = _work.Pop();
        if (work.RootPath is not null)
        {
            // The loop guard is per root: the stack finishes one root's directories before the next root pops,
            // and two roots that overlap each yield their own items, as two Get-ChildItem calls would.
            _visited.Clear();
        }

        var entries = new List<RemoteWalkEntry>();
        var errors = new List<RemoteWalkError>();
        if (work.RootPath is not null)
        {
            await ExpandRootAsync(work.RootPath, entries, errors, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await ListAsync(work, entries, errors, cancellationToken).ConfigureAwait(false);
        }

        return new RemoteWalkBatch(entries, errors);
    }

    private async Task ExpandRootAsync(string rootPath, List<RemoteWalkEntry> entries, List<RemoteWalkError> errors, CancellationToken cancellationToken)
    {
        // The current directory is a name, not a pattern: a relative root is read in it as escaped ("/a[1]" is where
        // "*.tmp" is looked for, never "/a1").
        var absolute = RemotePath.Combine(Wildcard.EscapeLiteralPath(_session.CurrentDirectory), rootPath);

        // A path whose wildcard characters are all escaped (a -LiteralPath, a completed name) names one item, as a
        // path without any does: a directory yields its children, and a missing one is an error.
        if (Wildcard.LiteralPathOf(absolute) is { } literalPath)
        {
            await ExpandLiteralAsync(literalPath, entries, errors, cancellationToken).ConfigureAwait(false);
            return;
        }

        var segments = absolute.Split(new[] { '/' }, StringSplitOptions.RemoveEmptyEntries);
        var firstWildcard = Array.FindIndex(segments, segment => Wildcard.LiteralOf(segment) is null);
        var baseDirectory = "/" + string.Join("/", segments.Take(firstWildcard).Select(segment => Wildcard.LiteralOf(segment)));
        var candidates = new List<RemoteItem?> { null };
        var candidatePaths = new List<string> { baseDirectory };
        for (var i = firstWildcard; i < segments.Length; i++)
        {
            var last = i == segments.Length - 1;
            var nextItems = new List<RemoteItem?>();
            var nextPaths = new List<string>();
            for (var c = 0; c < candidatePaths.Count; c++)
            {
                var parent = candidatePaths[c];
                if (Wildcard.LiteralOf(segments[i]) is { } name)
                {
                    var path = RemotePath.Combine(parent, name);
                    var found = await GetItemOrRecordAsync(path, errors, cancellationToken).ConfigureAwait(false);
                    if (found is not null && (last || CanDescend(found)))
                    {
                        nextItems.Add(found);
                        nextPaths.Add(path);
                    }

                    continue;
                }

                var pattern = new Wildcard(segments[i], !_options.CaseSensitive);
                var errorsBefore = errors.Count;
                var listing = await ListOrRecordAsync(parent, errors, quietWhenMissing: true, cancellationToken).ConfigureAwait(false);
                if (i == firstWildcard && listing.Count == 0 && errors.Count == errorsBefore)
                {
                    await CheckBaseDirectoryAsync(baseDirectory, errors, cancellationToken).ConfigureAwait(false);
                }
                foreach (var child in listing)
                {
                    if (pattern.IsMatch(child.Name) && (last || CanDescend(child)))
                    {
                        nextItems.Add(child);
                        nextPaths.Add(child.FullName);
                    }
                }
            }

            candidates = nextItems;
            candidatePaths = nextPaths;
        }

        var directories = new List<Work>();
        for (var c = 0; c < candidates.Count; c++)
        {
            var item = candidates[c]!;
            var relative = Relative(baseDirectory, candidatePaths[c]);
            if (await YieldsAsync(item, candidatePaths[c], cancellationToken).ConfigureAwait(false))
            {
                entries.Add(new RemoteWalkEntry(item, baseDirectory, relative, 0));
            }

            if (_options.MaxDepth > 0 && CanDescend(item))
            {
                var hops = item.Kind == RemoteItemKind.SymbolicLink ? 1 : 0;
                var work = Work.ForDirectory(item, candidatePaths[c], baseDirectory, relative, depth: 1, hops);
                if (await EnterAsync(work, cancellationToken).ConfigureAwait(false)
                    && (item.Kind != RemoteItemKind.SymbolicLink || await TransferEngine.LeadsToDirectoryAsync(_session, work.Path, cancellationToken).ConfigureAwait(false)))
                {
                    directories.Add(work);
                }
            }
        }

        PushAll(directories);
    }

    /// <summary>
    /// Why a path its own lookup did not find is not there: missing (SourceNotFound), or behind a directory this
    /// account may not enter, or one itself (PermissionDenied), which an FTP server's 550 does not tell apart (see
    /// <see cref="RemotePathProbe.ClosedDirectoryOnTheWayAsync"/>). Asked only on the way to reporting it.
    /// </summary>
    private async Task<FtpToolsException> MissingOrClosedAsync(string absolute, CancellationToken cancellationToken)
    {
        if (await RemotePathProbe.ClosedDirectoryOnTheWayAsync(_session, absolute, includeSelf: true, cancellationToken).ConfigureAwait(false) is { } closed)
        {
            return new CommandRefusedException(
                closed == absolute
                    ? $"Cannot open remote path '{absolute}': it is there, but this account may not enter it."
                    : $"Cannot open remote path '{absolute}': this account may not enter '{closed}'.",
                RemoteErrorKind.PermissionDenied,
                path: absolute);
        }

        return new TransferRefusedException($"Cannot find remote path '{absolute}' because it does not exist.", TransferRefusedReason.SourceNotFound, absolute);
    }

    /// <summary>
    /// The directory a pattern's first wildcard segment was looked for in gave nothing: when it is not there at all,
    /// that is an error (as Get-ChildItem /missing/*.csv says), so a misspelt directory in a nightly job is not a quiet
    /// success. Asked only then: some servers list a missing directory as an empty one (vsftpd).
    /// </summary>
    private async Task CheckBaseDirectoryAsync(string baseDirectory, List<RemoteWalkError> errors, CancellationToken cancellationToken)
    {
        if (await TransferEngine.LeadsToDirectoryAsync(_session, baseDirectory, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        var errorsBefore = errors.Count;
        var item = await GetItemOrRecordAsync(baseDirectory, errors, cancellationToken).ConfigureAwait(false);
        if (errors.Count != errorsBefore)
        {
            return;
        }

        if (item is { Kind: RemoteItemKind.Directory })
        {
            // There, but not to be entered (Pure-FTPd answers its listing with a 550 that reads "not found").
            errors.Add(new RemoteWalkError(baseDirectory, new CommandRefusedException($"Cannot list remote directory '{baseDirectory}': this account may not enter it.", RemoteErrorKind.PermissionDenied, path: baseDirectory)));
        }
        else if (item is null)
        {
            errors.Add(new RemoteWalkError(baseDirectory, await MissingOrClosedAsync(baseDirectory, cancellationToken).ConfigureAwait(false)));
        }
    }

    private async Task ExpandLiteralAsync(string absolute, List<RemoteWalkEntry> entries, List<RemoteWalkError> errors, CancellationToken cancellationToken)
    {
        var errorsBefore = errors.Count;
        var item = await GetItemOrRecordAsync(absolute, errors, cancellationToken).ConfigureAwait(false);
        if (item is null)
        {
            if (errors.Count == errorsBefore)
            {
                errors.Add(new RemoteWalkError(absolute, await MissingOrClosedAsync(absolute, cancellationToken).ConfigureAwait(false)));
            }

            return;
        }

        var isRoot = absolute == "/";
        var baseDirectory = isRoot ? "/" : RemotePath.GetDirectoryName(absolute);
        var relative = isRoot ? "" : RemotePath.GetFileName(absolute);

        if (item.Kind == RemoteItemKind.Directory && _options.RefuseNamedDirectories && _options.MaxDepth == 0)
        {
            errors.Add(new RemoteWalkError(absolute, new TransferRefusedException(
                $"The remote path '{absolute}' is a directory; use -Recurse to download it with everything in it (Get-FtpItem -File lists files only).",
                TransferRefusedReason.SourceIsDirectory,
                absolute)));
            return;
        }

        // A directory (or, when following links, a link that leads to one) named without wildcards yields its children.
        if (item.Kind == RemoteItemKind.Directory || (item.Kind == RemoteItemKind.SymbolicLink && _options.FollowSymbolicLinks))
        {
            var work = Work.ForDirectory(item, absolute, baseDirectory, relative, depth: 0, linkHops: 0);
            if (item.Kind == RemoteItemKind.Directory || await TransferEngine.LeadsToDirectoryAsync(_session, absolute, cancellationToken).ConfigureAwait(false))
            {
                if (await EnterAsync(work, cancellationToken).ConfigureAwait(false))
                {
                    await ListAsync(work, entries, errors, cancellationToken).ConfigureAwait(false);
                }

                return;
            }
        }

        if (await YieldsAsync(item, absolute, cancellationToken).ConfigureAwait(false))
        {
            entries.Add(new RemoteWalkEntry(item, baseDirectory, relative, 0));
        }
    }

    private async Task ListAsync(Work work, List<RemoteWalkEntry> entries, List<RemoteWalkError> errors, CancellationToken cancellationToken)
    {
        var listing = await ListOrRecordAsync(work.Path, errors, quietWhenMissing: false, cancellationToken).ConfigureAwait(false);
        var directories = new List<Work>();
        foreach (var child in listing)
        {
            var relative = work.RelativePath.Length == 0 ? child.Name : work.RelativePath + "/" + child.Name;
            if (await YieldsAsync(child, ChildPath(work.Path, child), cancellationToken).ConfigureAwait(false))
            {
                entries.Add(new RemoteWalkEntry(child, work.BaseDirectory, relative, work.Depth));
            }

            if (work.Depth < _options.MaxDepth && CanDescend(child))
            {
                var hops = child.Kind == RemoteItemKind.SymbolicLink ? work.LinkHops + 1 : work.LinkHops;
                if (hops > RemoteWalkOptions.MaxLinkHops)
                {
                    continue;
                }

                var next = Work.ForDirectory(child, ChildPath(work.Path, child), work.BaseDirectory, relative, work.Depth + 1, hops);
                if (await EnterAsync(next, cancellationToken).ConfigureAwait(false)
                    && (child.Kind != RemoteItemKind.SymbolicLink || await TransferEngine.LeadsToDirectoryAsync(_session, next.Path, cancellationToken).ConfigureAwait(false)))
                {
                    directories.Add(next);
                }
            }
        }

        PushAll(directories);
    }

    // -File and -Directory take a link for what it leads to, as Get-ChildItem does: one question per link whose
    // name matches, asked only when one of them is given.
    private async Task<bool> YieldsAsync(RemoteItem item, string path, CancellationToken cancellationToken) =>
        _filter.NeedsLinkTarget(item)
            ? _filter.IsMatch(item, await TransferEngine.LeadsToDirectoryAsync(_session, path, cancellationToken).ConfigureAwait(false))
            : _filter.IsMatch(item);

    private bool CanDescend(RemoteItem item) =>
        item.Kind == RemoteItemKind.Directory || (item.Kind == RemoteItemKind.SymbolicLink && _options.FollowSymbolicLinks);

    // Loop guard: every directory is entered once, keyed by its path, or for a link by where the link points
    // (as find -L does); a link pointing at an ancestor of itself is never entered.
    private async Task<bool> EnterAsync(Work work, CancellationToken cancellationToken)
    {
        var key = work.Path;
        if (work.Item?.Kind == RemoteItemKind.SymbolicLink)
        {
            var linkTarget = work.Item.LinkTarget;
            if (string.IsNullOrEmpty(linkTarget))
            {
                // Listings do not always carry the target (SFTP's readdir does not); the item itself may.
                linkTarget = (await GetItemOrRecordAsync(work.Path, new List<RemoteWalkError>(), cancellationToken).ConfigureAwait(false))?.LinkTarget;
            }

            if (string.IsNullOrEmpty(linkTarget))
            {
                // Without the target we cannot key on it; the hop limit bounds the walk instead.
                return _visited.Add(key);
            }

            var target = RemotePath.Combine(RemotePath.GetDirectoryName(work.Path), linkTarget!);
            if (target == "/" || work.Path.StartsWith(target + "/", StringComparison.Ordinal) || work.Path == target)
            {
                return false;
            }

            key = target;
        }

        return _visited.Add(key);
    }

    private async Task<RemoteItem?> GetItemOrRecordAsync(string path, List<RemoteWalkError> errors, CancellationToken cancellationToken)
    {
        try
        {
            return await _session.GetItemAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (CommandRefusedException e) when (e.Kind != RemoteErrorKind.NotFound)
        {
            errors.Add(new RemoteWalkError(path, e));
            return null;
        }
        catch (CommandRefusedException)
        {
            return null;
        }
        catch (DataConnectionFailedException e)
        {
            // Listing the parent to learn about the path failed; the session goes on, and so does the walk.
            errors.Add(new RemoteWalkError(path, e));
            return null;
        }
    }

    private async Task<IReadOnlyList<RemoteItem>> ListOrRecordAsync(string path, List<RemoteWalkError> errors, bool quietWhenMissing, CancellationToken cancellationToken)
    {
        try
        {
            var listing = await _session.ListDirectoryAsync(path, cancellationToken).ConfigureAwait(false);
            return listing
                .Where(i => i.Name != "." && i.Name != "..")
                .OrderBy(i => i.Name, StringComparer.OrdinalIgnoreCase)
                .ThenBy(i => i.Name, StringComparer.Ordinal)
                .ToList();
        }
        catch (CommandRefusedException e)
        {
            if (!quietWhenMissing && e.Kind == RemoteErrorKind.NotFound && e.FtpReplyCode is not null)
            {
                // A directory just described or listed by its parent, whose own listing an FTP server refuses with a
                // 550 that reads "not found" (Pure-FTPd: "Can't check for file existence") for one it may not open.
                errors.Add(new RemoteWalkError(path, new CommandRefusedException(
                    $"{Ftp.FtpErrors.Sentence(e.Message)} The directory was there a moment ago, so this account most likely may not list it (or it was removed just now).",
                    RemoteErrorKind.PermissionDenied,
                    e.FtpReplyCode,
                    e.SftpStatus,
                    path)));
            }
            else if (!(quietWhenMissing && e.Kind == RemoteErrorKind.NotFound))
            {
                errors.Add(new RemoteWalkError(path, e));
            }

            return Array.Empty<RemoteItem>();
        }
        catch (DataConnectionFailedException e)
        {
            errors.Add(new RemoteWalkError(path, e));
            return Array.Empty<RemoteItem>();
        }
    }

    // Depth-first with a directory's entries before its subdirectories' and subdirectories in name order:
    // push in reverse so the first pops first.
    private void PushAll(List<Work> directories)
    {
        for (var i = directories.Count - 1; i >= 0; i--)
        {
            _work.Push(directories[i]);
        }
    }

    private static string ChildPath(string directory, RemoteItem child) =>
        string.IsNullOrEmpty(child.FullName) ? RemotePath.Combine(directory, child.Name) : child.FullName;

    private static string Relative(string baseDirectory, string path)
    {
        var prefix = baseDirectory == "/" ? "/" : baseDirectory + "/";
        return path.StartsWith(prefix, StringComparison.Ordinal) ? path.Substring(prefix.Length) : RemotePath.GetFileName(path);
    }

    private sealed class Work
    {
        private Work(string? rootPath, RemoteItem? item, string path, string baseDirectory, string relativePath, int depth, int linkHops)
        {
            RootPath = rootPath;
            Item = item;
            Path = path;
            BaseDirectory = baseDirectory;
            RelativePath = relativePath;
            Depth = depth;
            LinkHops = linkHops;
        }

        /// <summary>Set for a root path still to expand; null for a directory to list.</summary>
        public string? RootPath { get; }

        public RemoteItem? Item { get; }

        public string Path { get; }

        public string BaseDirectory { get; }

        public string RelativePath { get; }

        /// <summary>Depth of the entries this directory's listing yields.</summary>
        public int Depth { get; }

        public int LinkHops { get; }

        public static Work ForRoot(string path) => new(path, null, path, "", "", 0, 0);

        public static Work ForDirectory(RemoteItem? item, string path, string baseDirectory, string relativePath, int depth, int linkHops) =>
            new(null, item, path, baseDirectory, relativePath, depth, linkHops);
    }
}
