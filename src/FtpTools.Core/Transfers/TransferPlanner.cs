using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;
using FtpTools.Core.IO;
using FtpTools.Core.Paths;

namespace FtpTools.Core.Transfers;

/// <summary>One file to transfer: what <see cref="TransferEngine"/> gets as source and destination.</summary>
public sealed class PlannedTransfer
{
    public PlannedTransfer(TransferDirection direction, string source, string destination, long? length)
    {
        Direction = direction;
        Source = source;
        Destination = destination;
        Length = length;
    }

    /// <summary>A download of an item a walk or listing has just described; the engine does not look it up again.</summary>
    public PlannedTransfer(RemoteItem remoteItem, string destination)
        : this(TransferDirection.Download, remoteItem?.FullName ?? throw new ArgumentNullException(nameof(remoteItem)), destination, remoteItem.Kind == RemoteItemKind.File ? remoteItem.Length : null)
    {
        RemoteItem = remoteItem;
    }

    public TransferDirection Direction { get; }

    /// <summary>Absolute remote path (download) or absolute local path (upload).</summary>
    public string Source { get; }

    /// <summary>Absolute local path (download) or absolute remote path (upload).</summary>
    public string Destination { get; }

    /// <summary>Bytes expected, when known; for batch progress.</summary>
    public long? Length { get; }

    /// <summary>For a download: the remote item as listed, when the plan came from a walk (see <see cref="TransferEngine.DownloadFileAsync(IRemoteSession, RemoteItem, string, TransferOptions, IProgress{TransferProgress}, System.Threading.CancellationToken)"/>).</summary>
    public RemoteItem? RemoteItem { get; }

    public override string ToString() => Source + " -> " + Destination;
}

/// <summary>A source that cannot be transferred, with the reason; the rest of the plan still stands.</summary>
public sealed class PlanError
{
    public PlanError(string source, Exception exception)
    {
        Source = source;
        Exception = exception;
    }

    public string Source { get; }

    /// <summary>
    /// <see cref="TransferRefusedException"/> (UnsafeRemoteName, SourceNotFound, DestinationExists for two sources
    /// mapping to one destination or a file in the way of a destination directory), or <see cref="FtpToolsException"/>
    /// for a directory given without -Recurse or an item that is not a regular file.
    /// </summary>
    public Exception Exception { get; }
}

/// <summary>What a batch will do: directories to create first, then files to transfer, and what was refused.</summary>
public sealed class TransferPlan
{
    internal TransferPlan(IReadOnlyList<string> directories, IReadOnlyList<PlannedTransfer> transfers, IReadOnlyList<PlanError> errors)
    {
        Directories = directories;
        Transfers = transfers;
        Errors = errors;
    }

    /// <summary>
    /// Destination directories to create before the transfers, parents before children: local directories of a
    /// download (including empty ones of a recursive walk), remote directories of an upload (including the
    /// destination itself when it does not exist yet; create each with <see cref="TransferEngine.EnsureRemoteDirectoryAsync"/>).
    /// </summary>
    public IReadOnlyList<string> Directories { get; }

    public IReadOnlyList<PlannedTransfer> Transfers { get; }

    public IReadOnlyList<PlanError> Errors { get; }

    /// <summary>Sum of the known lengths of <see cref="Transfers"/>.</summary>
    public long TotalBytes => Transfers.Sum(t => t.Length ?? 0);
}

/// <summary>
/// Turns what the user named into (source, destination) pairs, the way Copy-Item and cp do:
/// <list type="bullet">
/// <item>The destination is a directory when it already is one, when it ends with a separator, when there is more
/// than one file, when a directory is part of the batch, or (downloads) when the file was found inside a walked
/// directory; each file then lands at destination/relative-path. Otherwise (one file the user named, and a
/// destination that is not a directory) the destination is that file's new name.</item>
/// <item>Downloads keep the walk's relative paths (see <see cref="RemoteWalkEntry.RelativePath"/>), every one mapped
/// with <see cref="LocalPathMapper"/>, so a hostile name is refused for that item only.</item>
/// <item>Uploads of a directory with recurse recreate it under the destination (destination/dir/...); without
/// recurse a directory is refused. Local symbolic links to directories are not followed (no loops); links to
/// files are uploaded as the file they lead to.</item>
/// </list>
/// </summary>
public static class TransferPlanner
{
    private const string IntoDirectoryHint =
        ": several files, a -Path with wildcards and piped items go into a directory; name one file with -LiteralPath to give it a new name.";

    private static StringComparer LocalComparer =>
        RuntimeInformation.IsOSPlatform(OSPlatform.Windows) || RuntimeInformation.IsOSPlatform(OSPlatform.OSX)
            ? StringComparer.OrdinalIgnoreCase
            : StringComparer.Ordinal;

    /// <summary>
    /// Plans a download of walked remote items to <paramref name="localDestination"/> (an absolute local path, or
    /// relative to the process's current directory). With <paramref name="recurse"/>, directory entries become
    /// local directories (so empty ones are kept); without it they are left out.
    /// </summary>
    public static TransferPlan PlanDownloads(IEnumerable<RemoteWalkEntry> entries, string localDestination, bool recurse)
    {
        if (entries is null)
        {
            throw new ArgumentNullException(nameof(entries));
        }

        if (string.IsNullOrEmpty(localDestination))
        {
            throw new ArgumentException("A local destination is required.", nameof(localDestination));
        }

        var list = entries.ToList();
        var destination = Path.GetFullPath(localDestination);
        var endsWithSeparator = localDestination.EndsWith(Path.DirectorySeparatorChar.ToString(), StringComparison.Ordinal)
            || localDestination.EndsWith(Path.AltDirectorySeparatorChar.ToString(), StringComparison.Ordinal);
        var fileCount = list.Count(e => e.Item.Kind != RemoteItemKind.Directory);
        var hasDirectories = recurse && list.Any(e => e.Item.Kind == RemoteItemKind.Directory);

        // Only a file the user named (a literal path or a wildcard match, so a single-segment relative path) can be
        // renamed by the destination; a file found inside a walked directory always keeps its place under it.
        var fromDirectory = list.Any(e => e.RelativePath.IndexOf('/') >= 0);
        var intoDirectory = Directory.Exists(destination) || endsWithSeparator || fileCount != 1 || hasDirectories || fromDirectory;

        var directories = new List<string>();
        var seenDirectories = new HashSet<string>(LocalComparer);
        var transfers = new List<PlannedTransfer>();
        var errors = new List<PlanError>();
        var owners = new Dictionary<string, string>(LocalComparer);
        var asFile = destination.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
        if (intoDirectory && fileCount > 0 && asFile.Length > 0 && File.Exists(asFile))
        {
            // Said once, not as each file's failure to make the directory.
            errors.Add(new PlanError(asFile, new TransferRefusedException($"The local destination '{asFile}' is a file, not a directory{IntoDirectoryHint}", TransferRefusedReason.DestinationExists, asFile)));
            return new TransferPlan(directories, transfers, errors);
        }
        foreach (var entry in list)
        {
            var item = entry.Item;
            try
            {
                switch (item.Kind)
                {
                    case RemoteItemKind.Directory:
                        if (recurse)
                        {
                            var local = LocalPathMapper.MapUnder(destination, entry.RelativePath);
                            if (seenDirectories.Add(local))
                            {
                                directories.Add(local);
                            }
                        }

                        break;
                    case RemoteItemKind.File:
                    case RemoteItemKind.SymbolicLink:
                        var target = intoDirectory ? LocalPathMapper.MapUnder(destination, entry.RelativePath) : destination;
                        if (Claim(owners, target, item.FullName, errors))
                        {
                            transfers.Add(new PlannedTransfer(item, target));
                        }

                        break;
                    default:
                        errors.Add(new PlanError(item.FullName, new FtpToolsException($"The remote item '{item.FullName}' is not a regular file and cannot be downloaded.")));
                        break;
                }
            }
            catch (TransferRefusedException e)
            {
                errors.Add(new PlanError(item.FullName, e));
            }
        }

        return new TransferPlan(directories, transfers, errors);
    }

    /// <summary>Plans an upload, asking the session whether <paramref name="remoteDestination"/> is an existing directory.</summary>
    public static async Task<TransferPlan> PlanUploadsAsync(
        IRemoteSession session,
        IEnumerable<string> localPaths,
        bool recurse,
        string remoteDestination,
        CancellationToken cancellationToken)
    {
        if (session is null)
        {
            throw new ArgumentNullException(nameof(session));
        }

        if (string.IsNullOrEmpty(remoteDestination))
        {
            throw new ArgumentException("A remote destination is required.", nameof(remoteDestination));
        }

        var absolute = RemotePath.Combine(session.CurrentDirectory, remoteDestination);
        var existing = await session.GetItemAsync(absolute, cancellationToken).ConfigureAwait(false);

        // Keep a trailing '/' (Combine drops it): it says "a directory" as in cp.
        var keepSlash = remoteDestination.EndsWith("/", StringComparison.Ordinal) && absolute != "/" ? absolute + "/" : absolute;
        return PlanUploads(localPaths, recurse, keepSlash, existing);
    }

    /// <summary>
    /// Plans an upload of local files and directories (absolute paths, wildcards already resolved) to the absolute
    /// remote path <paramref name="remoteDestination"/>, given what is there now (<paramref name="destinationItem"/>,
    /// null when nothing). A trailing '/' marks the destination as a directory.
    /// </summary>
    public static TransferPlan PlanUploads(IEnumerable<string> localPaths, bool recurse, string remoteDestination, RemoteItem? destinationItem)
    {
        if (localPaths is null)
        {
            throw new ArgumentNullException(nameof(localPaths));
        }

        if (string.IsNullOrEmpty(remoteDestination) || remoteDestination[0] != '/')
        {
            throw new ArgumentException("The remote destination must be an absolute path.", nameof(remoteDestination));
        }

        var sources = localPaths.Select(p => Path.GetFullPath(p)).ToList();
        var destination = RemotePath.Normalize(remoteDestination);
        var destinationIsDirectory = destinationItem is { Kind: RemoteItemKind.Directory }
            || (destinationItem is { Kind: RemoteItemKind.SymbolicLink } && remoteDestination.EndsWith("/", StringComparison.Ordinal));
        var intoDirectory = destinationIsDirectory
            || remoteDestination.EndsWith("/", StringComparison.Ordinal)
            || sources.Count != 1
            || sources.Any(Directory.Exists);

        var directories = new List<string>();
        var transfers = new List<PlannedTransfer>();
        var errors = new List<PlanError>();
        var owners = new Dictionary<string, string>(StringComparer.Ordinal);
        if (intoDirectory && destinationItem is not null && !destinationIsDirectory && destinationItem.Kind != RemoteItemKind.SymbolicLink)
        {
            errors.Add(new PlanError(destination, new TransferRefusedException($"The remote destination '{destination}' is a file, not a directory{IntoDirectoryHint}", TransferRefusedReason.DestinationExists, destination)));
            return new TransferPlan(directories, transfers, errors);
        }

        if (intoDirectory && destinationItem is null)
        {
            directories.Add(destination);
        }

        foreach (var source in sources)
        {
            if (File.Exists(source))
            {
                var target = intoDirectory ? RemotePath.Combine(destination, Path.GetFileName(source)) : destination;
                if (Claim(owners, target, source, errors))
                {
                    transfers.Add(new PlannedTransfer(TransferDirection.Upload, source, target, LocalSource.LengthOf(source)));
                }
            }
            else if (Directory.Exists(source))
            {
                if (!recurse)
                {
                    errors.Add(new PlanError(source, new TransferRefusedException($"The local path '{source}' is a directory; use -Recurse to send it.", TransferRefusedReason.SourceIsDirectory, source)));
                    continue;
                }

                var name = Path.GetFileName(source.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar));
                var root = name.Length == 0 ? destination : RemotePath.Combine(destination, name);
                AddTree(new DirectoryInfo(source), root, directories, transfers, errors, owners);
            }
            else
            {
                errors.Add(new PlanError(source, new TransferRefusedException($"The local path '{source}' does not exist.", TransferRefusedReason.SourceNotFound, source)));
            }
        }

        return new TransferPlan(directories, transfers, errors);
    }

    private static void AddTree(
        DirectoryInfo directory,
        string remoteDirectory,
        List<string> directories,
        List<PlannedTransfer> transfers,
        List<PlanError> errors,
        Dictionary<string, string> owners)
    {
        // Iterative so a deep tree cannot exhaust the stack; reparse points (symbolic links, junctions) to
        // directories are not entered, so a link to an ancestor cannot loop.
        var pending = new Stack<(DirectoryInfo Local, string Remote)>();
        var known = new HashSet<string>(directories, StringComparer.Ordinal);
        pending.Push((directory, remoteDirectory));
        while (pending.Count > 0)
        {
            var (local, remote) = pending.Pop();
            if (known.Add(remote))
            {
                directories.Add(remote);
            }

            FileSystemInfo[] children;
            try
            {
                children = local.GetFileSystemInfos().OrderBy(c => c.Name, StringComparer.Ordinal).ToArray();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                errors.Add(new PlanError(local.FullName, e));
                continue;
            }

            var subdirectories = new List<(DirectoryInfo, string)>();
            foreach (var child in children)
            {
                var target = RemotePath.Combine(remote, child.Name);
                if (child is DirectoryInfo sub)
                {
                    if ((sub.Attributes & FileAttributes.ReparsePoint) == 0)
                    {
                        subdirectories.Add((sub, target));
                    }
                }
                else if (child is FileInfo file && Claim(owners, target, file.FullName, errors))
                {
                    transfers.Add(new PlannedTransfer(TransferDirection.Upload, file.FullName, target, LocalSource.LengthOf(file.FullName)));
                }
            }

            for (var i = subdirectories.Count - 1; i >= 0; i--)
            {
                pending.Push(subdirectories[i]);
            }
        }
    }

    // Two sources must never write one destination: the second would silently replace the first.
    private static bool Claim(Dictionary<string, string> owners, string destination, string source, List<PlanError> errors)
    {
        if (!owners.TryGetValue(destination, out var owner))
        {
            owners.Add(destination, source);
            return true;
        }

        if (!string.Equals(owner, source, StringComparison.Ordinal))
        {
            errors.Add(new PlanError(source, new TransferRefusedException(
                $"'{source}' and '{owner}' would both be written to '{destination}'; only the first is transferred.",
                TransferRefusedReason.DestinationExists,
                destination)));
        }

        return false;
    }
}
