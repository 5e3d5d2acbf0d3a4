using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Paths;

namespace FtpTools.Core.Transfers;

/// <summary>
/// Downloads files one after another on one session, as <see cref="TransferEngine.DownloadFileAsync(IRemoteSession, RemoteItem, string, TransferOptions, IProgress{TransferProgress}, CancellationToken)"/>
/// does, except that each file's last step (its flush to disk, last write time and rename to the final name, all
/// local) runs while the next file transfers. For many small files that step is a good part of each file's time
/// (an fsync takes longer than the server's confirmation on most disks), and the session is free during it.
/// <list type="bullet">
/// <item>The guarantees are the engine's: the bytes reach the disk before the rename, a failed file leaves nothing
/// under its final name, nothing is overwritten without <see cref="TransferOptions.Overwrite"/>.</item>
/// <item>Results come in the order of the downloads, each exactly once: a file whose download ended without a rename
/// ahead (failed, refused, skipped, cancelled) is returned by its own call; a file on its way to its final name is
/// handed to the <c>finished</c> callback of the next call (as soon as it is in place, while that call's
/// transfer runs, and always before that call returns) or of <see cref="CompleteAsync"/>.</item>
/// <item>A download to the same destination as the file before it (or one a case-insensitive disk takes for it)
/// waits until that file is in place.</item>
/// <item>One call at a time, like the session's own transfers. Cancelling a call cancels its own file only: the
/// file before it is complete and confirmed, so it is still put in place.</item>
/// </list>
/// Callers must end with <see cref="CompleteAsync"/>, or the last file's result is never handed out (the file itself
/// is put in place either way).
/// </summary>
public sealed class DownloadQueue
{
    private readonly TransferOptions _options;
    private Pending? _pending;

    public DownloadQueue(IRemoteSession session, TransferOptions? options)
    {
        Session = session ?? throw new ArgumentNullException(nameof(session));
        _options = options ?? new TransferOptions();
        _options.Validate();
    }

    /// <summary>The session every download of this queue uses.</summary>
    public IRemoteSession Session { get; }

    /// <summary>True while a download's result has not been handed out (its rename may still be under way).</summary>
    public bool HasPending => _pending is not null;

    /// <summary>
    /// Downloads <paramref name="remoteItem"/>, an item as listed, to <paramref name="localPath"/>. Returns this file's
    /// result when its download ended without a rename ahead; null when the file is on its way to its final name
    /// (its result goes, with <paramref name="state"/>, to the next call's callback or <see cref="CompleteAsync"/>'s).
    /// <paramref name="earlierFinished"/> receives the result of the file before, and its state; it may run on a
    /// pool thread and must not throw.
    /// </summary>
    public Task<TransferResult?> DownloadAsync(
        RemoteItem remoteItem,
        string localPath,
        IProgress<TransferProgress>? progress,
        object? state,
        Action<TransferResult, object?>? earlierFinished,
        CancellationToken cancellationToken)
    {
        if (remoteItem is null)
        {
            throw new ArgumentNullException(nameof(remoteItem));
        }

        CheckLocalPath(localPath);
        return RunAsync(RemotePath.Combine(Session.CurrentDirectory, remoteItem.FullName), remoteItem, localPath, progress, state, earlierFinished, cancellationToken);
    }

    /// <summary>As the other overload, for a path (relative paths resolve against the session's current directory) that the server is asked about first.</summary>
    public Task<TransferResult?> DownloadAsync(
        string remotePath,
        string localPath,
        IProgress<TransferProgress>? progress,
        object? state,
        Action<TransferResult, object?>? earlierFinished,
        CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(remotePath))
        {
            throw new ArgumentException("A remote path is required.", nameof(remotePath));
        }

        CheckLocalPath(localPath);
        return RunAsync(RemotePath.Combine(Session.CurrentDirectory, remotePath), null, localPath, progress, state, earlierFinished, cancellationToken);
    }

    /// <summary>
    /// Waits until the last file is in place (or has failed) and hands its result to <paramref name="finished"/>,
    /// returning it as well; null when no result was pending. Not cancellable: it waits for one flush to disk at most.
    /// </summary>
    public async Task<TransferResult?> CompleteAsync(Action<TransferResult, object?>? finished)
    {
        if (_pending is not { } pending)
        {
            return null;
        }

        _pending = null;
        return await ReportAsync(pending, finished).ConfigureAwait(false);
    }

    private async Task<TransferResult?> RunAsync(
        string source,
        RemoteItem? listed,
        string localPath,
        IProgress<TransferProgress>? progress,
        object? state,
        Action<TransferResult, object?>? earlierFinished,
        CancellationToken cancellationToken)
    {
        var destination = Path.GetFullPath(localPath);
        Task? reporting = null;
        if (_pending is { } before)
        {
            _pending = null;
            reporting = ReportAsync(before, earlierFinished);
            if (string.Equals(before.Destination, destination, StringComparison.OrdinalIgnoreCase))
            {
                // Its part file is this one's: the earlier file must be in place before this one starts.
                await reporting.ConfigureAwait(false);
            }
        }

        TransferEngine.DownloadStart started;
        try
        {
            started = await TransferEngine.StartDownloadAsync(Session, source, listed, localPath, _options, progress, flushBehind: true, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (reporting is not null)
            {
                await reporting.ConfigureAwait(false);
            }
        }

        if (started.Final is { } final)
        {
            return final;
        }

        _pending = new Pending(destination, started.Committing!, state);
        return null;
    }

    private static async Task<TransferResult> ReportAsync(Pending pending, Action<TransferResult, object?>? finished)
    {
        var result = await pending.Committing.ConfigureAwait(false);
        finished?.Invoke(result, pending.State);
        return result;
    }

    private static void CheckLocalPath(string localPath)
    {
        if (string.IsNullOrEmpty(localPath))
        {
            throw new ArgumentException("A local path is required.", nameof(localPath));
        }
    }

    private sealed class Pending
    {
        public Pending(string destination, Task<TransferResult> committing, object? state)
        {
            Destination = destination;
            Committing = committing;
            State = state;
        }

        public string Destination { get; }

        public Task<TransferResult> Committing { get; }

        public object? State { get; }
    }
}
