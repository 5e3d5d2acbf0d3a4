using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Paths;

namespace FtpTools.Core.Transfers;

/// <summary>
/// Transfers files one after another on one session, as <see cref="TransferEngine"/> does, except that each file's
/// last step runs while the next file transfers:
/// <list type="bullet">
/// <item>a download's flush to disk, last write time and rename to the final name, all local. For many small files
/// that step is a good part of each file's time (an fsync takes longer than the server's confirmation on most
/// disks), and the session is free during it;</item>
/// <item>an upload's rename to the final name (and its last write time where the close could not set it): on a
/// session that runs several operations at once (SFTP) the rename's round trip overlaps the next file's open, one
/// round trip of three per small file; on FTP (one control connection) the length check comes first, then RNFR and
/// RNTO are sent and their answers read with the next file's first command (<see cref="IRenameBehind"/>), one round
/// trip of five.</item>
/// </list>
/// <list type="bullet">
/// <item>The guarantees are the engine's: a file reaches its final name only once all of it is confirmed (on the
/// local disk, or by the server), a failed file leaves nothing under its final name, nothing is overwritten without
/// <see cref="TransferOptions.Overwrite"/> (or <see cref="TransferOptions.NewerOnly"/>, for an older destination).</item>
/// <item>Results come in the order of the transfers, each exactly once: a file whose transfer ended without a
/// commit ahead (failed, refused, skipped, cancelled, or committed already) is returned by its own call; a file on
/// its way to its final name is handed to the <c>finished</c> callback of the next call (as soon as it is in
/// place, while that call's transfer runs, and always before that call returns) or of <see cref="CompleteAsync"/>.</item>
/// <item>A transfer to the same destination as the file before it (or one a case-insensitive file system takes
/// for it), or in the other direction, waits until that file is in place.</item>
/// <item>One call at a time, like the session's own transfers. Cancelling a call cancels its own file only: the
/// file before it is complete and confirmed, so it is still put in place.</item>
/// <item>With <see cref="TransferOptions.RemoveSource"/>, a completed file's source is removed before its result is
/// handed out: an upload's local file as soon as the file is in place, a download's remote file once the session is
/// free again (after the next file's transfer, or in <see cref="CompleteAsync"/>), since the session runs one
/// request at a time.</item>
/// </list>
/// Callers must end with <see cref="CompleteAsync"/>, or the last file's result is never handed out (the file itself
/// is put in place either way).
/// </summary>
public sealed class TransferQueue
{
    private readonly TransferOptions _options;
    private Pending? _pending;

    public TransferQueue(IRemoteSession session, TransferOptions? options)
    {
        Session = session ?? throw new ArgumentNullException(nameof(session));
        _options = options ?? new TransferOptions();
        _options.Validate(session);
    }

    /// <summary>The session every transfer of this queue uses.</summary>
    public IRemoteSession Session { get; }

    /// <summary>True while a transfer's result has not been handed out (its commit may still be under way).</summary>
    public bool HasPending => _pending is not null;

    /// <summary>
    /// Downloads <paramref name="remoteItem"/>, an item as listed, to <paramref name="localPath"/>. Returns this file's
    /// result when its download ended without a commit ahead; null when the file is on its way to its final name
    /// (its result goes, with <paramref name="state"/>, to the next call's callback or <see cref="CompleteAsync"/>'s).
    /// <paramref name="earlierFinished"/> receives the result of the file before, and its state; it may run on a
    /// pool thread, or (FTP) where the session reads the server's answer to that file's rename, under the session's
    /// lock, so it must not throw nor wait for the session.
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

        CheckPath(localPath, nameof(localPath), "A local path is required.");
        var source = RemotePath.Combine(Session.CurrentDirectory, remoteItem.FullName);
        return RunAsync(
            TransferDirection.Download,
            Path.GetFullPath(localPath),
            () => TransferEngine.StartDownloadAsync(Session, source, remoteItem, localPath, _options, progress, flushBehind: true, cancellationToken),
            null,
            state,
            earlierFinished,
            cancellationToken);
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
        CheckPath(remotePath, nameof(remotePath), "A remote path is required.");
        CheckPath(localPath, nameof(localPath), "A local path is required.");
        var source = RemotePath.Combine(Session.CurrentDirectory, remotePath);
        return RunAsync(
            TransferDirection.Download,
            Path.GetFullPath(localPath),
            () => TransferEngine.StartDownloadAsync(Session, source, null, localPath, _options, progress, flushBehind: true, cancellationToken),
            null,
            state,
            earlierFinished,
            cancellationToken);
    }

    /// <summary>
    /// Uploads the local file <paramref name="localPath"/> to <paramref name="remotePath"/> (relative paths resolve
    /// against the session's current directory), as <see cref="TransferEngine.UploadFileAsync"/> does. Returns this
    /// file's result when its upload ended without a commit ahead; null when its rename is still on its way (its
    /// result goes, with <paramref name="state"/>, to the next call's callback or <see cref="CompleteAsync"/>'s).
    /// </summary>
    public Task<TransferResult?> UploadAsync(
        string localPath,
        string remotePath,
        IProgress<TransferProgress>? progress,
        object? state,
        Action<TransferResult, object?>? earlierFinished,
        CancellationToken cancellationToken)
    {
        CheckPath(localPath, nameof(localPath), "A local path is required.");
        CheckPath(remotePath, nameof(remotePath), "A remote path is required.");
        var stamp = SourceRemoval.Stamp(localPath, _options);
        return RunAsync(
            TransferDirection.Upload,
            RemotePath.Combine(Session.CurrentDirectory, remotePath),
            () => TransferEngine.StartUploadAsync(Session, localPath, remotePath, _options, progress, commitBehind: true, cancellationToken),
            stamp,
            state,
            earlierFinished,
            cancellationToken);
    }

    /// <summary>
    /// Waits until the last file is in place (or has failed) and hands its result to <paramref name="finished"/>,
    /// returning it as well; null when no result was pending. Not cancellable: it waits for one flush to disk or one
    /// rename (bounded by the session's request timeout) at most, and with <see cref="TransferOptions.RemoveSource"/>
    /// one removal (bounded by <see cref="TransferOptions.CleanupTimeout"/>). A caller that is or may be stopped passes
    /// <paramref name="stopped"/> (cancelled already when it is being stopped): the last file still goes in place, but
    /// its source is left when the token is cancelled by the time the file is in place (a stopped command moves
    /// nothing more, and no new request goes to a session whose last transfer was just cancelled).
    /// </summary>
    public async Task<TransferResult?> CompleteAsync(Action<TransferResult, object?>? finished, CancellationToken stopped = default)
    {
        if (_pending is not { } pending)
        {
            return null;
        }

        _pending = null;
        var mayRemove = pending.Committing.ContinueWith(_ => !stopped.IsCancellationRequested, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        var reporting = ReportAsync(pending, finished, mayRemove);
        await AnswersReadAsync(reporting).ConfigureAwait(false);
        return await reporting.ConfigureAwait(false);
    }

    private async Task<TransferResult?> RunAsync(
        TransferDirection direction,
        string destination,
        Func<Task<TransferEngine.TransferStart>> start,
        SourceRemoval.LocalStamp? stamp,
        object? state,
        Action<TransferResult, object?>? earlierFinished,
        CancellationToken cancellationToken)
    {
        Task? reporting = null;
        // Set once this call's transfer has left the session (or before it starts): when the earlier file's remote
        // source may be removed (true), or not, as this call was cancelled (false).
        var sessionFree = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (_pending is { } before)
        {
            _pending = null;
            // An upload's source is local: it goes as soon as its file is in place.
            reporting = ReportAsync(before, earlierFinished, before.Direction == TransferDirection.Upload ? Task.FromResult(true) : sessionFree.Task);
            if (before.Direction != direction || string.Equals(before.Destination, destination, StringComparison.OrdinalIgnoreCase))
            {
                // Its part file is this one's (or this transfer may read what it is putting in place): the earlier
                // file must be in place before this one starts.
                sessionFree.TrySetResult(!cancellationToken.IsCancellationRequested);
                await AnswersReadAsync(reporting).ConfigureAwait(false);
                await reporting.ConfigureAwait(false);
            }
        }

        TransferEngine.TransferStart started = default;
        try
        {
            started = await start().ConfigureAwait(false);
        }
        finally
        {
            sessionFree.TrySetResult(!cancellationToken.IsCancellationRequested);
            if (reporting is not null)
            {
                // A transfer that reached its commit asked the server something, and so read the earlier file's
                // rename answer (FTP); one that failed before may not have.
                if (started.Committing is null)
                {
                    await AnswersReadAsync(reporting).ConfigureAwait(false);
                }

                await reporting.ConfigureAwait(false);
            }
        }

        if (started.Final is { } final)
        {
            return await SourceRemoval.RemoveAsync(Session, final, _options, stamp).ConfigureAwait(false);
        }

        _pending = new Pending(direction, destination, started.Committing!, stamp, state);
        return null;
    }

    /// <summary>
    /// Before waiting for an earlier file's commit where no command of the next file will read the answer to its rename
    /// (<see cref="IRenameBehind"/>): reads it.
    /// </summary>
    private Task AnswersReadAsync(Task reporting) =>
        !reporting.IsCompleted && Session is IRenameBehind behind ? behind.ReadOwedAnswersAsync() : Task.CompletedTask;

    /// <summary>
    /// The earlier file's commit, then (<see cref="TransferOptions.RemoveSource"/>) the removal of its source: an
    /// upload's local file at once, a download's remote file once the session is free; either only when
    /// <paramref name="mayRemove"/> says so (false: the command is being stopped). Then its result to
    /// <paramref name="finished"/>.
    /// </summary>
    private async Task<TransferResult> ReportAsync(Pending pending, Action<TransferResult, object?>? finished, Task<bool> mayRemove)
    {
        var result = await pending.Committing.ConfigureAwait(false);
        if (SourceRemoval.Applies(result, _options))
        {
            result = await mayRemove.ConfigureAwait(false)
                ? await SourceRemoval.RemoveAsync(Session, result, _options, pending.Stamp).ConfigureAwait(false)
                : result.WithSourceRemoval(new Errors.SourceNotRemovedException(
                    $"The source '{result.Source}' was not removed: the command was stopped before its removal.", result.Source));
        }

        finished?.Invoke(result, pending.State);
        return result;
    }

    private static void CheckPath(string path, string name, string message)
    {
        if (string.IsNullOrEmpty(path))
        {
            throw new ArgumentException(message, name);
        }
    }

    private sealed class Pending
    {
        public Pending(TransferDirection direction, string destination, Task<TransferResult> committing, SourceRemoval.LocalStamp? stamp, object? state)
        {
            Direction = direction;
            Destination = destination;
            Committing = committing;
            Stamp = stamp;
            State = state;
        }

        /// <summary>An upload's local source as it was when the upload started (<see cref="TransferOptions.RemoveSource"/>).</summary>
        public SourceRemoval.LocalStamp? Stamp { get; }

        public TransferDirection Direction { get; }

        public string Destination { get; }

        public Task<TransferResult> Committing { get; }

        public object? State { get; }
    }
}
