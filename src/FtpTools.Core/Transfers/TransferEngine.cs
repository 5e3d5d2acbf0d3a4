using System;
using System.Buffers;
using System.Diagnostics;
using System.IO;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;
using FtpTools.Core.IO;
using FtpTools.Core.Paths;

namespace FtpTools.Core.Transfers;

/// <summary>
/// Moves one file between the local disk and a remote session, the same way for every protocol.
/// <para>
/// Contract: a transfer writes to a part file next to the destination (<see cref="PartFile"/>) and renames it
/// to the final name only after the server confirmed the end of the stream and the length matched; a failed or
/// cancelled transfer never leaves anything new under the final name. Per-file outcomes, failures included,
/// come back as a <see cref="TransferResult"/> (never as an exception) so a batch can go on; only invalid
/// arguments throw. A cancelled token gives <see cref="TransferStatus.Cancelled"/>.
/// </para>
/// <para>
/// Memory is constant: two buffers of <see cref="TransferOptions.BufferSize"/> bytes per transfer. Progress is
/// reported from the copy loop itself (no thread, no timer of its own) at most once per
/// <see cref="TransferOptions.ProgressInterval"/> and once at the end.
/// </para>
/// </summary>
public static class TransferEngine
{
    private static readonly TransferOptions Defaults = new();

    /// <summary>
    /// Downloads <paramref name="remotePath"/> (relative paths resolve against the session's current directory)
    /// to the local file <paramref name="localPath"/> (made absolute against the process's current directory; callers
    /// resolve PowerShell locations first). The local parent directory is created when missing.
    /// <list type="bullet">
    /// <item>The bytes go to <c>.&lt;name&gt;.ftptools-part</c> in the destination directory, renamed to the final name when complete.</item>
    /// <item>An existing destination fails with <see cref="TransferRefusedReason.DestinationExists"/> unless
    /// <see cref="TransferOptions.Overwrite"/>; with <see cref="TransferOptions.Resume"/>, an existing destination whose
    /// length equals the remote length is taken as already downloaded (Completed, Resumed, 0 bytes transferred);
    /// of another length it is refused unless Overwrite as well. With <see cref="TransferOptions.NewerOnly"/> instead,
    /// a destination as long as the remote file and not older is left alone (Skipped) and any other is replaced.</item>
    /// <item>With Resume, a part file continues from its length (restarting when it is longer than the remote file)
    /// and is kept after a failure or cancellation; without Resume it is removed.</item>
    /// <item>PreserveTimestamp sets the local last write time to the remote one (a warning when the server gave none).</item>
    /// <item>A remote directory, or a symbolic link to one, gives <see cref="TransferStatus.Skipped"/> with a warning.</item>
    /// </list>
    /// </summary>
    public static Task<TransferResult> DownloadFileAsync(
        IRemoteSession session,
        string remotePath,
        string localPath,
        TransferOptions? options,
        IProgress<TransferProgress>? progress,
        CancellationToken cancellationToken)
    {
        CheckArguments(session, remotePath, localPath);
        return DownloadAsync(session, RemotePath.Combine(session.CurrentDirectory, remotePath), listed: null, localPath, options, progress, cancellationToken);
    }

    /// <summary>
    /// Downloads <paramref name="remoteItem"/>, an item a listing or walk has just described (what
    /// <c>Get-FtpItem | Receive-FtpFile</c> pipes), as <see cref="DownloadFileAsync(IRemoteSession, string, string, TransferOptions, IProgress{TransferProgress}, CancellationToken)"/>
    /// does, without asking the server about it again: one round trip less per file (two for an FTP server without
    /// MLST). Its kind and length are taken as they were listed; when the bytes received differ from the listed
    /// length, the file is looked at once more, and only a length that still differs fails the download (a file that
    /// changed since the listing is downloaded as it is now).
    /// </summary>
    public static Task<TransferResult> DownloadFileAsync(
        IRemoteSession session,
        RemoteItem remoteItem,
        string localPath,
        TransferOptions? options,
        IProgress<TransferProgress>? progress,
        CancellationToken cancellationToken)
    {
        if (remoteItem is null)
        {
            throw new ArgumentNullException(nameof(remoteItem));
        }

        CheckArguments(session, remoteItem.FullName, localPath);
        return DownloadAsync(session, RemotePath.Combine(session.CurrentDirectory, remoteItem.FullName), remoteItem, localPath, options, progress, cancellationToken);
    }

    /// <summary>
    /// The remote source of a completed download (<see cref="TransferOptions.RemoveSource"/>) whose removal was cut
    /// short by a lost connection (<see cref="LostItsRemoval"/>), removed on <paramref name="session"/>, a connection
    /// made since, as it would have been: only if it is still the plain file of the downloaded length and of the time it had when its download started. Returns the
    /// result that says whether it was; any other result as it is. Never throws.
    /// </summary>
    public static Task<TransferResult> RemoveSourceAgainAsync(IRemoteSession session, TransferResult result, TransferOptions options)
    {
        if (session is null)
        {
            throw new ArgumentNullException(nameof(session));
        }

        if (result is null)
        {
            throw new ArgumentNullException(nameof(result));
        }

        return LostItsRemoval(result)
            ? SourceRemoval.RemoveAsync(session, result, options ?? Defaults, stamp: null, afterLoss: true)
            : Task.FromResult(result);
    }

    /// <summary>
    /// True for a completed download whose source was to be removed and was not because the connection was lost
    /// first, or closed after its loss (the removal of a queued download runs once the next file's transfer has
    /// ended, which is where a lost connection shows): <see cref="RemoveSourceAgainAsync"/> can try again on a new
    /// connection.
    /// </summary>
    public static bool LostItsRemoval(TransferResult result) =>
        result is { Direction: TransferDirection.Download, Status: TransferStatus.Completed, Resumed: false, SourceRemoved: false }
        && result.SourceRemovalException?.InnerException is (ConnectionLostException and not ProtocolViolationException) or ObjectDisposedException;

    private static async Task<TransferResult> DownloadAsync(
        IRemoteSession session,
        string source,
        RemoteItem? listed,
        string localPath,
        TransferOptions? options,
        IProgress<TransferProgress>? progress,
        CancellationToken cancellationToken)
    {
        var started = await StartDownloadAsync(session, source, listed, localPath, options, progress, flushBehind: false, cancellationToken).ConfigureAwait(false);
        var result = started.Final ?? await started.Committing!.ConfigureAwait(false);
        return await SourceRemoval.RemoveAsync(session, result, options ?? Defaults, stamp: null).ConfigureAwait(false);
    }

    /// <summary>
    /// A download up to the point where the session is free again: the bytes are in the part file and the server
    /// has confirmed the transfer. What is left (the part file's flush to disk, its last write time, the rename to
    /// the final name) touches only local files: <see cref="TransferStart.Committing"/>, already running. With
    /// <paramref name="flushBehind"/> the flush runs on a pool thread and this returns without waiting for it, so the
    /// caller can start the next transfer meanwhile (<see cref="TransferQueue"/>); without, the flush runs while the
    /// server confirms, as it always did. A download that ends before that point (refused, skipped, failed,
    /// cancelled, or complete already) has its <see cref="TransferStart.Final"/> result instead.
    /// </summary>
    internal static async Task<TransferStart> StartDownloadAsync(
        IRemoteSession session,
        string source,
        RemoteItem? listed,
        string localPath,
        TransferOptions? options,
        IProgress<TransferProgress>? progress,
        bool flushBehind,
        CancellationToken cancellationToken)
    {
        options ??= Defaults;
        options.Validate(session);

        var destination = Path.GetFullPath(localPath);
        var partPath = PartFile.LocalPathFor(destination);
        var clock = Stopwatch.StartNew();
        long? total = null;
        long offset = 0;
        ProgressMeter? meter = null;
        var partTouched = false;
        string? warning = null;
        FileStream? local = null;
        Task flushed = Task.CompletedTask;
        RemoteItem? described = null;
        try
        {
            cancellationToken.ThrowIfCancellationRequested();

            // A Unix listing gives a file older than six months its date only: its time, put on the local file or
            // compared with it, would be up to a day off (and shown the day before west of UTC). The file itself
            // tells (MDTM): one round trip, for those files only.
            if (listed is { Kind: RemoteItemKind.File, LastWriteTimePrecision: { } precision } && precision >= TimeSpan.FromDays(1)
                && (options.PreserveTimestamp || options.NewerOnly || options.Resume))
            {
                listed = null;
            }

            var item = listed
                ?? await session.GetItemAsync(source, cancellationToken).ConfigureAwait(false)
                ?? throw new TransferRefusedException($"The remote file '{source}' does not exist.", TransferRefusedReason.SourceNotFound, source);
            described = item;
            // Some servers describe a link by its target (proftpd's MLST), so a link to a directory may arrive
            // here as a directory; either way there is no file to download, and that is not a failure.
            if (item.Kind == RemoteItemKind.Directory
                || (item.Kind == RemoteItemKind.SymbolicLink && await LeadsToDirectoryAsync(session, source, cancellationToken).ConfigureAwait(false)))
            {
                return new TransferStart(new TransferResult(TransferDirection.Download, source, destination, TransferStatus.Skipped)
                {
                    Duration = clock.Elapsed,
                    Warning = $"The remote path '{source}' is a directory or a symbolic link to one; only files are downloaded.",
                });
            }

            // A symbolic link's listed length is the link's own; the server follows it when the file is opened.
            total = item.Kind == RemoteItemKind.File ? item.Length : null;

            // Its removal compares the file's time too (one of the same length may replace it meanwhile), as the
            // server gives it now and asked the way the removal asks: a listing's time may differ in precision or
            // zone from the one a single item's request gives.
            var sourceTime = !options.RemoveSource ? null
                : listed is null ? item.LastWriteTimeUtc
                : (await session.GetItemAsync(source, cancellationToken).ConfigureAwait(false))?.LastWriteTimeUtc;

            if (Directory.Exists(destination))
            {
                throw new TransferRefusedException($"The destination '{destination}' is a directory.", TransferRefusedReason.DestinationExists, destination);
            }

            if (File.Exists(destination))
            {
                var older = false;
                if (options.NewerOnly)
                {
                    // Current: left alone. Otherwise replaced, even with Resume: a file of the source's length that
                    // is older than the source is not the source.
                    var have = new FileInfo(destination);
                    if (TransferOptions.IsCurrent(have.Length, have.LastWriteTimeUtc, total, item.LastWriteTimeUtc, lengthsDiffer: session.Info.AsciiMode))
                    {
                        return new TransferStart(new TransferResult(TransferDirection.Download, source, destination, TransferStatus.Skipped) { Duration = clock.Elapsed });
                    }
                }
                else if (options.Resume && total is long complete && new FileInfo(destination).Length == complete
                    && !(older = OlderVersion(session, item.LastWriteTimeUtc, File.GetLastWriteTimeUtc(destination))))
                {
                    // Of the source's length and written after the source last changed: done. One written before is
                    // an older version of the same length, refused below as one of another length is.
                    if (options.PreserveTimestamp)
                    {
                        warning = SetLocalTime(destination, item);
                    }

                    return new TransferStart(Finish(
                        new TransferResult(TransferDirection.Download, source, destination, TransferStatus.Completed),
                        total,
                        complete,
                        resumed: true,
                        new ProgressMeter(TransferDirection.Download, source, destination, total, complete, progress, options.ProgressInterval),
                        clock,
                        warning));
                }

                if (!options.Replaces)
                {
                    throw DestinationExists(destination, options.Resume, older);
                }
            }

            var directory = Path.GetDirectoryName(destination);
            if (!string.IsNullOrEmpty(directory))
            {
                Directory.CreateDirectory(directory);
            }

            if (options.Resume && File.Exists(partPath))
            {
                var part = new FileInfo(partPath);

                // A part longer than the source cannot be its head, nor can one written before the source last
                // changed (the remote file was replaced, perhaps by one of the same length): start over.
                var stale = ChangedSince(session, item.LastWriteTimeUtc, part.LastWriteTimeUtc);
                offset = (total is long length && part.Length > length) || stale ? 0 : part.Length;
                if (stale && part.Length > 0)
                {
                    warning = $"The partial download '{partPath}' was written before '{source}' last changed: started over.";
                }
            }

            meter = new ProgressMeter(TransferDirection.Download, source, destination, total, offset, progress, options.ProgressInterval);
            partTouched = true;
            // Truncated only when it is longer than wanted: FileMode.Create truncates even a new, empty file, and ext4
            // writes out on close any file truncated to zero (its auto_da_alloc), which without the flush to disk
            // made the close of a 1 GiB part file take half a second.
            local = OpenPartFile(partPath, offset > 0 ? FileMode.Open : FileMode.OpenOrCreate, item, destination);
            if (local.Length != offset)
            {
                local.SetLength(offset);
            }
            local.Seek(offset, SeekOrigin.Begin);
            long received;
            if (total is not long expectedLength || offset < expectedLength || offset == 0)
            {
                var remote = await (session is IKnownLengthReader reader
                    ? reader.OpenReadAsync(source, offset, total, cancellationToken)
                    : session.OpenReadAsync(source, offset, cancellationToken)).ConfigureAwait(false);

                // The part file goes to disk while the server confirms the transfer (SFTP's CLOSE, FTP's 226 when it
                // is not in yet): for a small file each takes a few hundred microseconds. Behind, the flush may go
                // on after that, while the next transfer starts.
                // Without the flush (FlushToDisk off) nothing is started early either: the system writes the file
                // out when it would for any other program.
                var file = local;
                var durable = options.FlushToDisk;
                received = 0;
                await CopyAndCompleteAsync(
                    remote,
                    from: remote,
                    to: durable ? new WritebackFileStream(file) : file,
                    options.BufferSize,
                    options.ProgressInterval,
                    meter,
                    () =>
                    {
                        received = file.Length;
                        if (!durable)
                        {
                            file.Flush();
                        }
                        else if (flushBehind)
                        {
                            flushed = Task.Run(() => FlushToDisk(file), CancellationToken.None);
                        }
                        else
                        {
                            FlushToDisk(file);
                        }
                    },
                    cancellationToken).ConfigureAwait(false);
            }
            else
            {
                received = local.Length;
                if (options.FlushToDisk)
                {
                    FlushToDisk(local);
                }
            }

            if (options.VerifiesLengthOn(session) && total is long listedLength && received != listedLength)
            {
                // The listing may be older than the file, and a server may give a link's own length for it (ProFTPD's
                // MLST): what counts is the length the server gives now for what it sends.
                var now = session is IStoredLengthProbe
                    ? await StoredLengthAsync(session, source, cancellationToken).ConfigureAwait(false)
                    : await session.GetItemAsync(source, cancellationToken).ConfigureAwait(false) is { Kind: RemoteItemKind.File } current ? current.Length : null;
                total = now ?? total;
                meter.UpdateTotal(total);
            }

            if (options.VerifiesLengthOn(session) && total is long expected && received != expected)
            {
                throw new FtpToolsException($"The download of '{source}' ended after {received} bytes, but the server announced {expected}.");
            }

            // Every byte is in: the file's progress ends here, even when the rename comes later.
            meter.Finish();
            var committing = CommitDownloadAsync(flushed, local, partPath, source, destination, item, sourceTime, options, total, offset, meter, clock, warning);
            local = null;
            return new TransferStart(committing);
        }
#pragma warning disable CA1031 // Every per-file failure becomes a Failed result so the caller's batch goes on.
        catch (Exception e)
#pragma warning restore CA1031
        {
            if (local is not null)
            {
                await CloseAfterFlushAsync(local, flushed).ConfigureAwait(false);
            }

            if (partTouched)
            {
                warning = CleanUpLocalPart(partPath, options.Resume);
            }

            if (partTouched && e is CommandRefusedException { Kind: RemoteErrorKind.NotFound } refused && refused.Path == source && described?.Kind == RemoteItemKind.SymbolicLink)
            {
                // A link whose target is gone (SFTP's NO_SUCH_FILE, FTP's 550): not found, but say which part is missing.
                e = new CommandRefusedException(
                    $"{Ftp.FtpErrors.Sentence(refused.Message)} '{source}' is a symbolic link: the file it leads to is missing (or not readable by this account).",
                    RemoteErrorKind.NotFound,
                    refused.FtpReplyCode,
                    refused.SftpStatus,
                    source);
            }
            else if (partTouched && e is CommandRefusedException { Kind: RemoteErrorKind.NotFound, FtpReplyCode: not null } ambiguous && ambiguous.Path == source)
            {
                // FTP's 550 to RETR says "not found" and "no access" alike (vsftpd: "Failed to open file."); this file
                // was just listed or described, so it is there. (SFTP tells the two apart.)
                e = new CommandRefusedException(
                    $"{Ftp.FtpErrors.Sentence(ambiguous.Message)} The server describes '{source}' as a file, so it is most likely not readable by this account (or was removed just now).",
                    RemoteErrorKind.PermissionDenied,
                    ambiguous.FtpReplyCode,
                    ambiguous.SftpStatus,
                    source);
            }

            return new TransferStart(Failure(TransferDirection.Download, source, destination, total, offset, meter, clock, e, warning, cancellationToken));
        }
    }

    /// <summary>
    /// The end of a download whose bytes are all in and confirmed: waits for the part file's flush to disk, closes
    /// it, gives it the remote last write time and renames it to its final name. Local work only; a failure here
    /// (the disk's, or a destination that appeared meanwhile) is the result, never a cancellation.
    /// </summary>
    private static async Task<TransferResult> CommitDownloadAsync(
        Task flushed,
        FileStream local,
        string partPath,
        string source,
        string destination,
        RemoteItem item,
        DateTime? sourceTime,
        TransferOptions options,
        long? total,
        long offset,
        ProgressMeter meter,
        Stopwatch clock,
        string? startWarning)
    {
        string? warning = startWarning;
        try
        {
            try
            {
                await flushed.ConfigureAwait(false);
            }
            finally
            {
                local.Dispose();
            }

            if (options.PreserveTimestamp && SetLocalTime(partPath, item) is { } timeWarning)
            {
                warning = warning is null ? timeWarning : warning + " " + timeWarning;
            }

            MoveIntoPlace(partPath, destination, options.Replaces);
            if (options.RemoveSource)
            {
                // Its source is removed next: the name, not only the bytes, goes to disk first.
                DirectoryFlush.Flush(Path.GetDirectoryName(destination) ?? destination);
            }

            return Finish(
                new TransferResult(TransferDirection.Download, source, destination, TransferStatus.Completed),
                total,
                offset,
                resumed: offset > 0,
                meter,
                clock,
                warning,
                sourceTime);
        }
#pragma warning disable CA1031 // As in StartDownloadAsync: the failure is the file's result.
        catch (Exception e)
#pragma warning restore CA1031
        {
            return Failure(TransferDirection.Download, source, destination, total, offset, meter, clock, e, CleanUpLocalPart(partPath, options.Resume), CancellationToken.None);
        }
    }

    /// <summary>Tests: counts, in the calling flow and the tasks it starts, the part files flushed to disk.</summary>
    internal static readonly AsyncLocal<StrongBox<int>?> DiskFlushes = new();

    /// <summary>A download's part file to disk (fsync; FlushFileBuffers on Windows) before its rename.</summary>
    private static void FlushToDisk(FileStream file)
    {
        file.Flush(flushToDisk: true);
        if (DiskFlushes.Value is { } count)
        {
            Interlocked.Increment(ref count.Value);
        }
    }

    /// <summary>Closes a part file whose download failed, once a flush still running on it is over (its own failure no longer matters).</summary>
    private static async Task CloseAfterFlushAsync(FileStream local, Task flushed)
    {
        try
        {
            await flushed.ConfigureAwait(false);
        }
#pragma warning disable CA1031 // The download has failed already; that failure is the one reported.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
        finally
        {
            local.Dispose();
        }
    }

    /// <summary>What <see cref="StartDownloadAsync"/> and <see cref="StartUploadAsync"/> give: a final result, or the commit of a transfer that is under way.</summary>
    internal readonly struct TransferStart
    {
        public TransferStart(TransferResult final)
        {
            Final = final;
            Committing = null;
        }

        public TransferStart(Task<TransferResult> committing)
        {
            Final = null;
            Committing = committing;
        }

        /// <summary>The transfer's result, when it ended before its commit (or its commit ran already).</summary>
        public TransferResult? Final { get; }

        /// <summary>The commit, already running: its result is the transfer's.</summary>
        public Task<TransferResult>? Committing { get; }
    }

    /// <summary>An uploaded part file the server has confirmed, and what its commit needs to know.</summary>
    private sealed class UploadedPart
    {
        public UploadedPart(string source, string destination, string partPath, long length, DateTime lastWriteTimeUtc, long? acknowledgedLength, string? warning, bool timeSet, long offset)
        {
            Source = source;
            Destination = destination;
            PartPath = partPath;
            Length = length;
            LastWriteTimeUtc = lastWriteTimeUtc;
            AcknowledgedLength = acknowledgedLength;
            Warning = warning;
            TimeSet = timeSet;
            Offset = offset;
        }

        public string Source { get; }

        public string Destination { get; }

        public string PartPath { get; }

        /// <summary>The local file's length: what the part file must hold.</summary>
        public long Length { get; }

        public DateTime LastWriteTimeUtc { get; }

        /// <summary>The length the server acknowledged writing (SFTP), or null when it must be asked.</summary>
        public long? AcknowledgedLength { get; }

        /// <summary>The warning so far (a refused time on close).</summary>
        public string? Warning { get; }

        /// <summary>True when the close set the last write time already.</summary>
        public bool TimeSet { get; }

        /// <summary>Where the upload started (resume).</summary>
        public long Offset { get; }
    }

    /// <summary>
    /// Uploads the local file <paramref name="localPath"/> to <paramref name="remotePath"/> (relative paths resolve
    /// against the session's current directory). The remote directory must exist (see <see cref="EnsureRemoteDirectoryAsync"/>).
    /// <list type="bullet">
    /// <item>The bytes go to <c>.&lt;name&gt;.ftptools-part</c> in the remote destination directory, then a rename
    /// (overwriting only with <see cref="TransferOptions.Overwrite"/> or NewerOnly) gives the final name. When the
    /// server cannot rename over an existing file, the old file is removed first, and only then.</item>
    /// <item>An existing remote destination fails with <see cref="TransferRefusedReason.DestinationExists"/> unless
    /// Overwrite; with Resume, a remote file of the local length is taken as already uploaded. With NewerOnly
    /// instead, a remote file as long as the local one and not older is left alone (Skipped) and any other is
    /// replaced.</item>
    /// <item>With Resume, an existing remote part file continues from its size (restarting when it is larger than
    /// the local file) and is kept after a failure; without Resume it is removed (on a separate token bounded by
    /// <see cref="TransferOptions.CleanupTimeout"/>, since the caller's may be the cancelled one).</item>
    /// <item>PreserveTimestamp sets the remote last write time: with the part file's close where the stream can
    /// (<see cref="RemoteFileStream.SetTimesOnComplete"/>: SFTP, no round trip of its own; the rename keeps it), else
    /// after the rename; a server that refuses (<see cref="CommandRefusedException"/>, e.g. Unsupported) leaves a
    /// <see cref="TransferResult.Warning"/>, not a failure.</item>
    /// </list>
    /// </summary>
    public static async Task<TransferResult> UploadFileAsync(
        IRemoteSession session,
        string localPath,
        string remotePath,
        TransferOptions? options,
        IProgress<TransferProgress>? progress,
        CancellationToken cancellationToken)
    {
        CheckArguments(session, remotePath, localPath);
        var stamp = SourceRemoval.Stamp(localPath, options ?? Defaults);
        var started = await StartUploadAsync(session, localPath, remotePath, options, progress, commitBehind: false, cancellationToken).ConfigureAwait(false);
        var result = started.Final ?? await started.Committing!.ConfigureAwait(false);
        return await SourceRemoval.RemoveAsync(session, result, options ?? Defaults, stamp).ConfigureAwait(false);
    }

    /// <summary>
    /// An upload up to the point where the server has confirmed the part file (SFTP's CLOSE, FTP's 226). What is left
    /// (its length check, the rename to the final name, its last write time where the close could not set it) is
    /// the commit. With <paramref name="commitBehind"/>, on a session that runs operations concurrently (SFTP), the
    /// commit starts and this returns without waiting for it (<see cref="TransferStart.Committing"/>), so the
    /// caller can open the next file meanwhile (<see cref="TransferQueue"/>): one round trip per file less. The
    /// commit then runs on no caller's token (the file is complete and confirmed; the session's own request timeout
    /// bounds it). On an FTP session (<see cref="IRenameBehind"/>) the length check runs here and only the rename's
    /// answer, and what follows it, comes later (<see cref="CommitUploadBehindAsync"/>). Otherwise the commit runs
    /// here, on the caller's token, and the result is <see cref="TransferStart.Final"/>.
    /// </summary>
    internal static async Task<TransferStart> StartUploadAsync(
        IRemoteSession session,
        string localPath,
        string remotePath,
        TransferOptions? options,
        IProgress<TransferProgress>? progress,
        bool commitBehind,
        CancellationToken cancellationToken)
    {
        options ??= Defaults;
        options.Validate(session);

        var source = Path.GetFullPath(localPath);
        var destination = RemotePath.Combine(session.CurrentDirectory, remotePath);
        var partPath = PartFile.RemotePathFor(destination);
        var clock = Stopwatch.StartNew();
        long? total = null;
        long offset = 0;
        ProgressMeter? meter = null;
        var partTouched = false;
        string? warning = null;
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            var file = LocalSource.Describe(source);
            if (!file.Exists)
            {
                var what = Directory.Exists(source) ? "is a directory, not a file"
                    : !string.Equals(file.FullName, Path.GetFullPath(source), StringComparison.Ordinal) ? $"is a symbolic link to '{file.FullName}', which does not exist"
                    : "does not exist";
                throw new TransferRefusedException($"The local path '{source}' {what}.", TransferRefusedReason.SourceNotFound, source);
            }

            total = file.Length;
            var lastWriteTime = file.LastWriteTimeUtc;
            // With Overwrite (and no Resume) nothing about an existing destination changes what happens, so its
            // round trips are saved: a directory in the way makes the final rename fail, and that failure says so.
            var existing = options.Overwrite && !options.Resume && !options.NewerOnly
                ? null
                : await session.GetItemAsync(destination, cancellationToken).ConfigureAwait(false);
            if (existing is not null)
            {
                var older = false;
                if (existing.Kind == RemoteItemKind.Directory)
                {
                    throw new TransferRefusedException($"The remote destination '{destination}' is a directory.", TransferRefusedReason.DestinationExists, destination);
                }

                if (options.NewerOnly)
                {
                    if (existing.Kind == RemoteItemKind.File && TransferOptions.IsCurrent(existing.Length, existing.LastWriteTimeUtc, total, lastWriteTime, lengthsDiffer: session.Info.AsciiMode))
                    {
                        return new TransferStart(new TransferResult(TransferDirection.Upload, source, destination, TransferStatus.Skipped) { Duration = clock.Elapsed });
                    }
                }
                else if (options.Resume && existing.Kind == RemoteItemKind.File && existing.Length == total
                    && !(older = OlderVersion(session, lastWriteTime, existing.LastWriteTimeUtc)))
                {
                    if (options.PreserveTimestamp)
                    {
                        warning = await SetRemoteTimeAsync(session, destination, lastWriteTime, cancellationToken).ConfigureAwait(false);
                    }

                    return new TransferStart(Finish(
                        new TransferResult(TransferDirection.Upload, source, destination, TransferStatus.Completed),
                        total,
                        file.Length,
                        resumed: true,
                        new ProgressMeter(TransferDirection.Upload, source, destination, total, file.Length, progress, options.ProgressInterval),
                        clock,
                        warning));
                }

                if (!options.Replaces)
                {
                    throw DestinationExists(destination, options.Resume, older);
                }
            }

            if (options.Resume)
            {
                // As for a download: not a part longer than the source, nor one written before the source last changed.
                var part = await session.GetItemAsync(partPath, cancellationToken).ConfigureAwait(false);
                if (part is { Kind: RemoteItemKind.File, Length: long partLength } && partLength <= file.Length && !ChangedSince(session, lastWriteTime, part.LastWriteTimeUtc))
                {
                    offset = partLength;
                }
            }

            meter = new ProgressMeter(TransferDirection.Upload, source, destination, total, offset, progress, options.ProgressInterval);
            long? acknowledgedLength = null;
            var timeSet = false;
            using (var local = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous))
            {
                local.Seek(offset, SeekOrigin.Begin);
                if (offset < file.Length || offset == 0)
                {
                    // Set before the call: a server may create the file even when the open then fails.
                    partTouched = true;
                    // A source removed after the upload leaves the server's copy the only one: where the server can
                    // say so (SFTP's fsync@openssh.com), the upload completes only once that copy is on its disk.
                    var durably = options.RemoveSource && session is IDurableWriter { CanWriteDurably: true };
                    var remote = await (offset == 0 && session is ICreateModeWriter creator && LocalSource.PermissionBits(file) is int bits
                        ? creator.OpenNewWriteAsync(partPath, bits, durably, cancellationToken)
                        : durably
                        ? ((IDurableWriter)session).OpenDurableWriteAsync(partPath, offset, cancellationToken)
                        : session is IKnownLengthWriter writer
                            ? writer.OpenWriteAsync(partPath, offset, file.Length - offset, cancellationToken)
                            : session.OpenWriteAsync(partPath, offset, cancellationToken)).ConfigureAwait(false);

                    // Where the stream can (SFTP), the part file gets its time with the close, at no round trip of
                    // its own, and keeps it through the rename.
                    timeSet = options.PreserveTimestamp && remote.SetTimesOnComplete(lastWriteTime, file.LastAccessTimeUtc);
                    acknowledgedLength = await CopyAndCompleteAsync(remote, from: local, to: remote, options.BufferSize, options.ProgressInterval, meter, alongsideCompletion: null, cancellationToken).ConfigureAwait(false);
                    if (timeSet && remote.TimesRefusal is { } refusal)
                    {
                        warning = TimeWarning(refusal);
                    }
                }
            }

            // Every byte is confirmed: the file's progress ends here, even when the rename comes later.
            meter.Finish();
            var uploaded = new UploadedPart(source, destination, partPath, file.Length, lastWriteTime, acknowledgedLength, warning, timeSet, offset);
            if (commitBehind && ConcurrentOperations(session))
            {
                partTouched = false;
                return new TransferStart(CommitUploadAsync(session, uploaded, options, meter, clock, CancellationToken.None));
            }

            if (commitBehind && session is IRenameBehind { SendsRenameBehind: true } behind)
            {
                partTouched = false;
                return await CommitUploadBehindAsync(session, behind, uploaded, options, meter, clock, cancellationToken).ConfigureAwait(false);
            }

            partTouched = false;
            return new TransferStart(await CommitUploadAsync(session, uploaded, options, meter, clock, cancellationToken).ConfigureAwait(false));
        }
#pragma warning disable CA1031 // Every per-file failure becomes a Failed result so the caller's batch goes on.
        catch (Exception e)
#pragma warning restore CA1031
        {
            if (partTouched && !options.Resume)
            {
                warning = await RemoveRemotePartAsync(session, partPath, options.CleanupTimeout).ConfigureAwait(false);
            }

            if (e is CommandRefusedException { Path: { } missingPath } && missingPath == partPath && await MissingRemoteDirectoryAsync(session, destination, options).ConfigureAwait(false) is { } directory)
            {
                // The server's words for it vary (vsftpd's 553 "Could not create file.", SFTP's NO_SUCH_FILE): say it.
                e = new TransferRefusedException(
                    $"Cannot upload to '{destination}': there is no remote directory '{directory}'. Create it first (New-FtpDirectory -Force), or send into an existing one.",
                    TransferRefusedReason.DestinationDirectoryNotFound,
                    destination);
            }
            else if (e is CommandRefusedException { Path: { } refusedPath } refused && refusedPath == partPath)
            {
                // The refusal names the part file, which the user never named: say which upload it was.
                e = new CommandRefusedException(
                    $"Cannot upload to '{destination}' (written first as '{partPath}', then renamed): {refused.Message}",
                    refused.Kind,
                    refused.FtpReplyCode,
                    refused.SftpStatus,
                    destination);
            }

            return new TransferStart(Failure(TransferDirection.Upload, source, destination, total, offset, meter, clock, e, warning, cancellationToken));
        }
    }

    /// <summary>
    /// After an upload refused at its part file: the destination's directory when it is not there, else null. Asked
    /// only on that failure, within the cleanup timeout; a question that fails leaves the refusal as it was.
    /// </summary>
    private static async Task<string?> MissingRemoteDirectoryAsync(IRemoteSession session, string destination, TransferOptions options)
    {
        var directory = RemotePath.GetDirectoryName(destination);
        if (directory == destination || !session.IsConnected)
        {
            return null;
        }

        using var timeout = new CancellationTokenSource(options.CleanupTimeout);
        try
        {
            if (await LeadsToDirectoryAsync(session, directory, timeout.Token).ConfigureAwait(false))
            {
                return null;
            }

            if (await session.GetItemAsync(directory, timeout.Token).ConfigureAwait(false) is { } there)
            {
                // A file where the directory should be is no directory either; a directory (closed to this account) is.
                return there.Kind == RemoteItemKind.Directory ? null : directory;
            }

            // vsftpd answers every question about a directory this account may not enter with 550: its parent's
            // listing tells that from a missing one.
            var parent = RemotePath.GetDirectoryName(directory);
            var name = RemotePath.GetFileName(directory);
            return parent != directory && System.Linq.Enumerable.Any(await session.ListDirectoryAsync(parent, timeout.Token).ConfigureAwait(false), i => i.Name == name)
                ? null
                : directory;
        }
        catch (Exception e) when (e is FtpToolsException or OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>
    /// The end of an upload whose part file the server has confirmed: checks its length, renames it to its final
    /// name and gives it its last write time when the close could not. A failure is the result (the part file is
    /// removed unless Resume), never an exception. <c>renameSent</c> is the answer to a rename already sent
    /// (<see cref="CommitUploadBehindAsync"/>, which checked the length first), or null to do both here.
    /// </summary>
    private static async Task<TransferResult> CommitUploadAsync(
        IRemoteSession session,
        UploadedPart part,
        TransferOptions options,
        ProgressMeter meter,
        Stopwatch clock,
        CancellationToken cancellationToken,
        Task? renameSent = null)
    {
        var warning = part.Warning;
        try
        {
            if (renameSent is null)
            {
                await VerifyStoredLengthAsync(session, part, options, cancellationToken).ConfigureAwait(false);
            }

            await RenameIntoPlaceAsync(session, part.PartPath, part.Destination, options.Replaces, cancellationToken, renameSent).ConfigureAwait(false);
            if (options.PreserveTimestamp && !part.TimeSet)
            {
                warning = await SetRemoteTimeAsync(session, part.Destination, part.LastWriteTimeUtc, cancellationToken, inPlace: renameSent is not null).ConfigureAwait(false);
            }

            return Finish(
                new TransferResult(TransferDirection.Upload, part.Source, part.Destination, TransferStatus.Completed),
                part.Length,
                part.Offset,
                resumed: part.Offset > 0,
                meter,
                clock,
                warning);
        }
#pragma warning disable CA1031 // As in StartUploadAsync: the failure is the file's result.
        catch (Exception e)
#pragma warning restore CA1031
        {
            return await CommitFailedAsync(session, part, options, meter, clock, e, warning, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>An upload whose commit failed: its part file is removed unless Resume, and the failure is the result.</summary>
    private static async Task<TransferResult> CommitFailedAsync(IRemoteSession session, UploadedPart part, TransferOptions options, ProgressMeter meter, Stopwatch clock, Exception e, string? warning, CancellationToken cancellationToken)
    {
        if (!options.Resume)
        {
            warning = await RemoveRemotePartAsync(session, part.PartPath, options.CleanupTimeout).ConfigureAwait(false);
        }

        return Failure(TransferDirection.Upload, part.Source, part.Destination, part.Length, part.Offset, meter, clock, e, warning, cancellationToken);
    }

    /// <summary>
    /// The commit of an FTP upload in a <see cref="TransferQueue"/>: the length is checked now (the part file is not
    /// renamed before its answer), the rename is sent and its answer read with the next file's first command
    /// (<see cref="IRenameBehind"/>), and the rest of the commit (<see cref="CommitUploadAsync"/>) follows that answer:
    /// one round trip per file less, as on SFTP.
    /// </summary>
    private static async Task<TransferStart> CommitUploadBehindAsync(
        IRemoteSession session,
        IRenameBehind behind,
        UploadedPart part,
        TransferOptions options,
        ProgressMeter meter,
        Stopwatch clock,
        CancellationToken cancellationToken)
    {
        Task renamed;
        try
        {
            await VerifyStoredLengthAsync(session, part, options, cancellationToken).ConfigureAwait(false);
            renamed = await behind.SendRenameAsync(part.PartPath, part.Destination, options.Replaces, cancellationToken).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // As in StartUploadAsync: the failure is the file's result.
        catch (Exception e)
#pragma warning restore CA1031
        {
            return new TransferStart(await CommitFailedAsync(session, part, options, meter, clock, e, part.Warning, cancellationToken).ConfigureAwait(false));
        }

        return new TransferStart(CommitUploadAsync(session, part, options, meter, clock, CancellationToken.None, renamed));
    }

    /// <summary>With <see cref="TransferOptions.VerifyLength"/>, fails unless the part file holds the local file's length.</summary>
    private static async Task VerifyStoredLengthAsync(IRemoteSession session, UploadedPart part, TransferOptions options, CancellationToken cancellationToken)
    {
        if (!options.VerifiesLengthOn(session))
        {
            return;
        }

        // SFTP acknowledged every write; FTP's 226 says nothing about the length, so ask.
        var storedLength = part.AcknowledgedLength
            ?? await StoredLengthAsync(session, part.PartPath, cancellationToken).ConfigureAwait(false)
            ?? (await session.GetItemAsync(part.PartPath, cancellationToken).ConfigureAwait(false)
                ?? throw new FtpToolsException($"The server accepted the upload of '{part.Destination}' but its part file '{part.PartPath}' is not there.")).Length;
        if (storedLength is long stored && stored != part.Length)
        {
            throw new FtpToolsException($"The upload to '{part.Destination}' stored {stored} bytes of {part.Length}.");
        }
    }

    /// <summary>Whether the session runs several operations at once (SFTP), so a commit can overlap the next file; FTP's one control connection cannot.</summary>
    private static bool ConcurrentOperations(IRemoteSession session) => session.Protocol == RemoteProtocol.Sftp;

    /// <summary>
    /// Makes sure a remote directory exists, creating it and its parents when missing. Returns true when it
    /// created something. Throws <see cref="TransferRefusedException"/> (DestinationExists) when a non-directory
    /// is in the way, and lets the session's exceptions through.
    /// </summary>
    public static async Task<bool> EnsureRemoteDirectoryAsync(IRemoteSession session, string remotePath, CancellationToken cancellationToken)
    {
        if (session is null)
        {
            throw new ArgumentNullException(nameof(session));
        }

        var path = RemotePath.Combine(session.CurrentDirectory, remotePath ?? throw new ArgumentNullException(nameof(remotePath)));
        var item = await session.GetItemAsync(path, cancellationToken).ConfigureAwait(false);
        if (item is null)
        {
            await session.CreateDirectoryAsync(path, createParents: true, cancellationToken).ConfigureAwait(false);
            return true;
        }

        if (item.Kind == RemoteItemKind.File)
        {
            throw new TransferRefusedException($"The remote path '{path}' exists and is not a directory.", TransferRefusedReason.DestinationExists, path);
        }

        return false;
    }

    /// <summary>
    /// Copies with two rented buffers, so that reading and writing overlap: while one buffer is written, the next
    /// one is filled. A buffer is filled to the brim before it is written (a TLS stream hands out one 16 KiB record
    /// per read, a socket what has arrived), so the destination sees few large writes instead of many small ones;
    /// on a slow link a buffer is written when it has waited for a progress interval, however full it is.
    /// Progress counts bytes once written, so what a report says has arrived is in the destination (a part file
    /// that a resume continues from). Both buffers are rented and returned here; nothing else holds them.
    /// A local file is read or written inline where the system has no asynchronous file I/O
    /// (<see cref="LocalFileCallsInline"/>). Two kinds of remote stream have copies of their own: one that reads
    /// blocking (<see cref="CopyBlocking"/>) and one that hands out its data where it lies (<see cref="CopyChunksAsync"/>).
    /// </summary>
    internal static async Task CopyAsync(Stream from, Stream to, int bufferSize, TimeSpan flushInterval, ProgressMeter meter, CancellationToken cancellationToken)
    {
        if (from is RemoteFileStream { ReadsBlocking: true } remote)
        {
            await BlockingCall.RunAsync(() => CopyBlocking(remote, to, bufferSize, flushInterval, meter, cancellationToken)).ConfigureAwait(false);
            return;
        }

        var writeInline = LocalFileCallsInline(to);
        if (from is IChunkedReader chunked && writeInline)
        {
            await CopyChunksAsync(chunked, to, meter, cancellationToken).ConfigureAwait(false);
            return;
        }

        var readInline = LocalFileCallsInline(from);
        var filling = ArrayPool<byte>.Shared.Rent(bufferSize);
        var writing = ArrayPool<byte>.Shared.Rent(bufferSize);
        var pendingWrite = Task.CompletedTask;
        var pendingBytes = 0;
        var ended = false;
        try
        {
            while (true)
            {
                var filled = ended ? 0
                    : readInline ? FillInline(from, filling, bufferSize, out ended)
                    : await FillAsync(from, filling, bufferSize, flushInterval, cancellationToken).ConfigureAwait(false);
                await pendingWrite.ConfigureAwait(false);
                if (pendingBytes > 0)
                {
                    meter.Add(pendingBytes);
                    pendingBytes = 0;
                }

                if (filled == 0)
                {
                    return;
                }

                // A write, once started, is not cut off: half a TLS record or SSH packet would break the connection
                // for good (the server drops it, and the session with it), where a cancellation between two writes
                // leaves a clean part file. The connection's operation timeout still bounds a write that stalls.
                cancellationToken.ThrowIfCancellationRequested();
                if (writeInline)
                {
                    // Meanwhile the kernel goes on receiving into the socket's buffer (and an SFTP stream keeps its
                    // reads in flight), as in CopyBlocking.
                    to.Write(filling, 0, filled);
                    meter.Add(filled);
                    continue;
                }

                pendingWrite = to.WriteAsync(filling, 0, filled, CancellationToken.None);
                pendingBytes = filled;
                (filling, writing) = (writing, filling);
            }
        }
        finally
        {
            // A write still running when reading failed uses a buffer and the stream: it must end before either is
            // given back. Its own failure matters less than the one already on its way out (reading Exception marks it
            // observed).
            await Task.WhenAny(pendingWrite).ConfigureAwait(false);
            _ = pendingWrite.Exception;
            ArrayPool<byte>.Shared.Return(filling);
            ArrayPool<byte>.Shared.Return(writing);
        }
    }

    /// <summary>
    /// The copy for a remote stream that hands out its data where it lies (an SFTP download, <see cref="IChunkedReader"/>)
    /// into a local file written inline: each piece is written from the stream's own buffer, so the transfer needs no
    /// buffer of its own and the data is not copied once more. Meanwhile the stream's requests stay in flight, as in
    /// the other copies; a write, once started, is finished.
    /// </summary>
    private static async Task CopyChunksAsync(IChunkedReader from, Stream to, ProgressMeter meter, CancellationToken cancellationToken)
    {
        while (true)
        {
            var chunk = await from.ReadChunkAsync(cancellationToken).ConfigureAwait(false);
            if (chunk.IsEmpty)
            {
                return;
            }

            cancellationToken.ThrowIfCancellationRequested();
            var segment = MemoryMarshal.TryGetArray(chunk, out var array) ? array : new ArraySegment<byte>(chunk.ToArray());
            to.Write(segment.Array!, segment.Offset, segment.Count);
            meter.Add(chunk.Length);
        }
    }

    /// <summary>
    /// The copy for a remote stream whose fast path is blocking reads (<see cref="RemoteFileStream.ReadsBlocking"/>),
    /// on a thread of its own: read a buffer full, write it, again, with one buffer. There is no overlap to arrange,
    /// since the kernel goes on receiving into the socket's buffer while the file is written. Cancellation is seen
    /// between two reads, which on a connection that moves come microseconds apart; the data connection then stays
    /// open for the abort to end (ABOR first: cutting it under a server still writing made ProFTPD's TLS drop the
    /// whole session now and then). Only a read still waiting <see cref="InterruptGrace"/> after the cancellation
    /// (nothing arrives) is interrupted: a copy that is writing its file then (a slow disk) ends at its next check,
    /// with the connection whole. A write, once started, is finished (as in <see cref="CopyAsync"/>).
    /// </summary>
    private static void CopyBlocking(RemoteFileStream from, Stream to, int bufferSize, TimeSpan flushInterval, ProgressMeter meter, CancellationToken cancellationToken)
    {
        // One buffer the size of the two the other copies hold: half as many reads and writes. A 1 GiB FTP download
        // without the flush took 0.60-0.69 s (median 0.63) against 0.65-0.85 s (0.70) with 256 KiB (by hand, 5 each,
        // stop 39); 1 MiB gave no more.
        bufferSize *= 2;
        var buffer = ArrayPool<byte>.Shared.Rent(bufferSize);
        using var interrupter = new BlockingReadInterrupter(from);
        try
        {
            using var registration = cancellationToken.Register(static state => ((BlockingReadInterrupter)state!).Start(), interrupter);
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var filled = Fill(interrupter, buffer, bufferSize, flushInterval, cancellationToken);
                if (filled == 0)
                {
                    return;
                }

                cancellationToken.ThrowIfCancellationRequested();
                to.Write(buffer, 0, filled);
                meter.Add(filled);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>How long a cancelled blocking copy waits for its read to return before it interrupts it.</summary>
    internal static readonly TimeSpan InterruptGrace = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Interrupts a blocking copy's read <see cref="InterruptGrace"/> after <see cref="Start"/>, if the copy is in a
    /// read then (<see cref="Read"/>). A copy that is elsewhere (writing its file) is left alone: it sees the
    /// cancellation before its next read, and a read it would start anyway is refused. Once the copy has ended (been
    /// disposed), the stream is the abort's to end and is never cut.
    /// </summary>
    private sealed class BlockingReadInterrupter : IDisposable
    {
        private readonly RemoteFileStream _stream;
        private readonly object _gate = new();
        private Timer? _timer;
        private bool _ended;
        private bool _reading;
        private bool _expired;

        public BlockingReadInterrupter(RemoteFileStream stream) => _stream = stream;

        public void Start()
        {
            lock (_gate)
            {
                if (!_ended && _timer is null)
                {
                    _timer = new Timer(static state => ((BlockingReadInterrupter)state!).Fire(), this, InterruptGrace, Timeout.InfiniteTimeSpan);
                }
            }
        }

        /// <summary>One blocking read of the stream, which the grace's end interrupts.</summary>
        public int Read(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            lock (_gate)
            {
                if (_expired)
                {
                    throw new OperationCanceledException(cancellationToken);
                }

                _reading = true;
            }

            try
            {
                return _stream.Read(buffer, offset, count);
            }
            finally
            {
                lock (_gate)
                {
                    _reading = false;
                }
            }
        }

        public void Dispose()
        {
            lock (_gate)
            {
                _ended = true;
                _timer?.Dispose();
            }
        }

        private void Fire()
        {
            lock (_gate)
            {
                _expired = true;
                if (!_ended && _reading)
                {
                    _stream.Interrupt();
                }
            }
        }
    }

    /// <summary>
    /// Reads until <paramref name="count"/> bytes are in <paramref name="buffer"/>, the stream ends, or reading has
    /// taken longer than <paramref name="interval"/> and something has arrived, or the copy was cancelled (which the
    /// caller throws for).
    /// </summary>
    private static int Fill(BlockingReadInterrupter from, byte[] buffer, int count, TimeSpan interval, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var limit = (long)(interval.TotalSeconds * Stopwatch.Frequency);
        var filled = 0;
        while (filled < count)
        {
            var read = from.Read(buffer, filled, count - filled, cancellationToken);
            if (read == 0)
            {
                break;
            }

            filled += read;
            if (cancellationToken.IsCancellationRequested || Stopwatch.GetTimestamp() - started >= limit)
            {
                break;
            }
        }

        return filled;
    }

    /// <summary>
    /// True for a local file (a download's part file, an upload's source) on a system without asynchronous file
    /// I/O: everywhere but Windows, .NET runs an asynchronous read or write of a file as the same blocking call on a
    /// pool thread and then hands the result back. Made inline, the call costs no thread hand-overs, which for many
    /// small files are a good part of the client's CPU time (bench/HISTORY.md, "Measured by hand"). What it gives up is
    /// one buffer's overlap with the network, which the socket's buffer (or an SFTP stream's reads in flight)
    /// provides anyway; and the page cache makes most writes a copy. On Windows a file's asynchronous I/O is
    /// overlapped I/O, where no thread waits: there it stays asynchronous.
    /// </summary>
    internal static bool LocalFileCallsInline(Stream stream) =>
        !OnWindows && stream is FileStream or WritebackFileStream;

    private static readonly bool OnWindows = RuntimeInformation.IsOSPlatform(OSPlatform.Windows);

    /// <summary>
    /// Reads a local file inline until <paramref name="count"/> bytes are in <paramref name="buffer"/> or the file
    /// ends (<paramref name="ended"/>: the copy need not ask again).
    /// </summary>
    private static int FillInline(Stream from, byte[] buffer, int count, out bool ended)
    {
        ended = false;
        var filled = 0;
        while (filled < count)
        {
            var read = from.Read(buffer, filled, count - filled);
            if (read == 0)
            {
                ended = true;
                break;
            }

            filled += read;
        }

        return filled;
    }

    /// <summary>
    /// Reads until <paramref name="count"/> bytes are in <paramref name="buffer"/>, the stream ends, or reading has
    /// taken longer than <paramref name="interval"/> and something has arrived.
    /// </summary>
    private static async Task<int> FillAsync(Stream from, byte[] buffer, int count, TimeSpan interval, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var limit = (long)(interval.TotalSeconds * Stopwatch.Frequency);
        var filled = 0;
        while (filled < count)
        {
            var read = await from.ReadAsync(buffer, filled, count - filled, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            filled += read;
            if (Stopwatch.GetTimestamp() - started >= limit)
            {
                break;
            }
        }

        return filled;
    }

    /// <summary>
    /// Copies between the local stream and <paramref name="remote"/> (one of <paramref name="from"/> and
    /// <paramref name="to"/>), then completes the remote stream, so the server's verdict on the transfer is part of
    /// it; the remote stream is disposed either way (without completing, that aborts the transfer). Returns the length
    /// the server acknowledged for a write, when the protocol tells (<see cref="RemoteFileStream.AcknowledgedLength"/>).
    /// <paramref name="alongsideCompletion"/> (a download's flush of its part file) runs once every byte is written,
    /// on this thread, while the completion waits for the server; a completion that needs no wait (the final reply
    /// is already in) just comes first. The server's verdict is the error that counts; the side work's own failure is
    /// thrown only when the transfer succeeded.
    /// </summary>
    internal static async Task<long?> CopyAndCompleteAsync(RemoteFileStream remote, Stream from, Stream to, int bufferSize, TimeSpan flushInterval, ProgressMeter meter, Action? alongsideCompletion, CancellationToken cancellationToken)
    {
        try
        {
            await CopyAsync(from, to, bufferSize, flushInterval, meter, cancellationToken).ConfigureAwait(false);
            var completing = remote.CompleteAsync(cancellationToken);
            Exception? sideFailure = null;
            if (alongsideCompletion is not null)
            {
                try
                {
                    alongsideCompletion();
                }
#pragma warning disable CA1031 // Kept until the server's verdict, which outranks it, is known; then thrown.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    sideFailure = ex;
                }
            }

            await completing.ConfigureAwait(false);
            if (sideFailure is not null)
            {
                ExceptionDispatchInfo.Capture(sideFailure).Throw();
            }

            return remote.AcknowledgedLength;
        }
        finally
        {
            await DisposeStreamAsync(remote).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// True when a path (typically a symbolic link) leads to a directory: asked without a listing where the session
    /// can (<see cref="IDirectoryProbe"/>), else by listing it.
    /// </summary>
    internal static async Task<bool> LeadsToDirectoryAsync(IRemoteSession session, string path, CancellationToken cancellationToken)
    {
        if (session is IDirectoryProbe probe)
        {
            return await probe.LeadsToDirectoryAsync(path, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            var listing = await session.ListDirectoryAsync(path, cancellationToken).ConfigureAwait(false);

            // Some FTP servers answer LIST of a file with that file's own line.
            return !(listing.Count == 1 && listing[0].FullName == path && listing[0].Kind != RemoteItemKind.Directory);
        }
        catch (CommandRefusedException)
        {
            return false;
        }
    }

    private static void CheckArguments(IRemoteSession session, string remotePath, string localPath)
    {
        if (session is null)
        {
            throw new ArgumentNullException(nameof(session));
        }

        if (string.IsNullOrEmpty(remotePath))
        {
            throw new ArgumentException("A remote path is required.", nameof(remotePath));
        }

        if (string.IsNullOrEmpty(localPath))
        {
            throw new ArgumentException("A local path is required.", nameof(localPath));
        }
    }

    /// <summary>
    /// Opens a download's part file. On Unix a new one gets the remote file's permission bits (with the owner's write,
    /// to write it; the process's umask applies), as OpenSSH's sftp gives them, so a file readable by its owner only
    /// (a key, a credential file) is not readable by everyone here; unknown bits leave the system's default. A part
    /// that replaces an existing destination takes that destination's mode instead, as cp onto an existing file does
    /// (the owner's write added, as it is to remote bits).
    /// </summary>
    private static FileStream OpenPartFile(string partPath, FileMode mode, RemoteItem item, string destination)
    {
#if NET7_0_OR_GREATER
        if (!OperatingSystem.IsWindows())
        {
            const UnixFileMode permissions = (UnixFileMode)0x1FF; // rwxrwxrwx
            var options = new FileStreamOptions { Mode = mode, Access = FileAccess.Write, Share = FileShare.None, BufferSize = 1, Options = FileOptions.Asynchronous };
            if (item.PermissionBits is int bits && mode != FileMode.Open)
            {
                // (Only for a mode that may create the file: .NET refuses a create mode with FileMode.Open.)
                options.UnixCreateMode = ((UnixFileMode)bits & permissions) | UnixFileMode.UserWrite;
            }

            var stream = new FileStream(partPath, options);
            try
            {
                if (File.Exists(destination))
                {
                    // With the owner's write kept: a part left by a failure (-Resume) is opened for writing again.
                    File.SetUnixFileMode(stream.SafeFileHandle, (File.GetUnixFileMode(destination) & permissions) | UnixFileMode.UserWrite);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The system's default mode, then.
            }

            return stream;
        }
#endif
        return new FileStream(partPath, mode, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous);
    }

    /// <summary>
    /// An existing destination that is not replaced without Overwrite. With Resume, one of the source's length counts
    /// as done unless it is <paramref name="older"/> than the source (see <see cref="OlderVersion"/>): the source was
    /// changed after it was written, perhaps to a new version of the same length.
    /// </summary>
    private static TransferRefusedException DestinationExists(string destination, bool resume, bool older) =>
        new(
            !resume ? $"The destination '{destination}' already exists; use -Force to replace it or -Resume to continue it."
                : older ? $"The destination '{destination}' already exists with the source's length, but the source was changed after it was written; use -Force to replace it."
                : $"The destination '{destination}' already exists and its length differs from the source's (or the source's length is unknown); use -Force to replace it.",
            TransferRefusedReason.DestinationExists,
            destination);

    private static TransferResult Finish(TransferResult result, long? total, long offset, bool resumed, ProgressMeter meter, Stopwatch clock, string? warning, DateTime? sourceTime = null)
    {
        meter.Finish();
        var duration = clock.Elapsed;
        return new TransferResult(result.Direction, result.Source, result.Destination, result.Status)
        {
            // Complete, the source's length is what came across even where it was not known before (a symbolic
            // link, a server that does not say).
            Length = total ?? offset + meter.BytesTransferred,
            StartOffset = offset,
            Resumed = resumed,
            BytesTransferred = meter.BytesTransferred,
            Duration = duration,
            BytesPerSecond = ProgressMeter.Rate(meter.BytesTransferred, duration),
            Warning = warning,
            SourceLastWriteTimeUtc = sourceTime,
        };
    }

    private static TransferResult Failure(
        TransferDirection direction,
        string source,
        string destination,
        long? total,
        long offset,
        ProgressMeter? meter,
        Stopwatch clock,
        Exception exception,
        string? warning,
        CancellationToken cancellationToken)
    {
        // Sessions abort a cancelled transfer by closing its stream, which may surface as an I/O or
        // disposed-object error rather than OperationCanceledException; the token is what tells.
        var cancelled = cancellationToken.IsCancellationRequested;
        var bytes = meter?.BytesTransferred ?? 0;
        var duration = clock.Elapsed;
        return new TransferResult(direction, source, destination, cancelled ? TransferStatus.Cancelled : TransferStatus.Failed)
        {
            Length = total,
            StartOffset = offset,
            Resumed = offset > 0,
            BytesTransferred = bytes,
            Duration = duration,
            BytesPerSecond = ProgressMeter.Rate(bytes, duration),
            Exception = cancelled ? null : exception,
            Warning = warning,
        };
    }

    private static string? SetLocalTime(string path, RemoteItem item)
    {
        if (item.LastWriteTimeUtc is not DateTime time)
        {
            return "The server did not report a last write time; the local file keeps the time of the download.";
        }

        File.SetLastWriteTimeUtc(path, DateTime.SpecifyKind(time, DateTimeKind.Utc));
        return null;
    }

    /// <summary>
    /// Sets a remote file's last write time; a refusal is a warning. With <c>inPlace</c> (the file is under its final
    /// name already and this runs behind the next file: an FTP upload in a <see cref="TransferQueue"/>, whose time is
    /// set once the next file's transfer leaves the session free) a session lost or closed meanwhile is a warning
    /// too, never the file's failure.
    /// </summary>
    private static async Task<string?> SetRemoteTimeAsync(IRemoteSession session, string path, DateTime lastWriteTimeUtc, CancellationToken cancellationToken, bool inPlace = false)
    {
        try
        {
            await session.SetLastWriteTimeAsync(path, lastWriteTimeUtc, cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (CommandRefusedException e)
        {
            return TimeWarning(e);
        }
        catch (Exception e) when (inPlace && e is FtpToolsException or ObjectDisposedException or OperationCanceledException)
        {
            return $"The file is in place, but its last write time was not set: {e.Message}";
        }
    }

    private static string TimeWarning(CommandRefusedException refusal) =>
        refusal.Kind == RemoteErrorKind.Unsupported
            ? "The server cannot set a file's last write time; the remote file keeps the time of the upload."
            : $"The server refused to set the last write time: {refusal.Message}";

    private static void MoveIntoPlace(string partPath, string destination, bool overwrite)
    {
        try
        {
#if NET8_0_OR_GREATER
            File.Move(partPath, destination, overwrite);
#else
            if (overwrite && File.Exists(destination))
            {
                File.Replace(partPath, destination, destinationBackupFileName: null);
            }
            else
            {
                File.Move(partPath, destination);
            }
#endif
        }
        catch (IOException) when (!overwrite && File.Exists(destination))
        {
            // Someone created the destination while we were downloading; never replace it without -Force.
            throw new TransferRefusedException($"The destination '{destination}' appeared during the download; use -Force to replace it.", TransferRefusedReason.DestinationExists, destination);
        }
    }

    /// <summary>
    /// True when <paramref name="sourceTimeUtc"/> is later than <paramref name="partTimeUtc"/>, the last write of a
    /// part file an earlier attempt left: the source changed after it, so the part holds the head of another file.
    /// The two clocks may differ (the server's and ours): a few seconds are let pass over SFTP, whose times are
    /// counted from the epoch in UTC; over FTP a day less an hour, since some servers give local times for UTC ones
    /// (vsftpd's use_localtime, the Debian default) and a resume must not start over for a time zone. An unknown time
    /// is no change.
    /// </summary>
    internal static bool ChangedSince(IRemoteSession session, DateTime? sourceTimeUtc, DateTime? partTimeUtc) =>
        sourceTimeUtc is DateTime source && partTimeUtc is DateTime part
        && source > part + (session is Sftp.SftpSession ? TimeSpan.FromSeconds(2) : TimeSpan.FromHours(15));

    /// <summary>
    /// Whether a complete destination of the source's length was written before the source last changed: an older
    /// version, not the file -Resume would take as done. The margin is wider than <see cref="ChangedSince"/>'s, since
    /// a wrong answer here is a refusal, not a restart: an hour over SFTP (a server clock behind the client's, and an
    /// upload right after the file was written, would otherwise look older), 15 hours over FTP.
    /// </summary>
    internal static bool OlderVersion(IRemoteSession session, DateTime? sourceTimeUtc, DateTime? destinationTimeUtc) =>
        sourceTimeUtc is DateTime source && destinationTimeUtc is DateTime destination
        && source > destination + (session is Sftp.SftpSession ? TimeSpan.FromHours(1) : TimeSpan.FromHours(15));

    private static Task<long?> StoredLengthAsync(IRemoteSession session, string path, CancellationToken cancellationToken) =>
        session is IStoredLengthProbe probe ? probe.GetStoredLengthAsync(path, cancellationToken) : Task.FromResult<long?>(null);

    private static async Task RenameIntoPlaceAsync(IRemoteSession session, string partPath, string destination, bool overwrite, CancellationToken cancellationToken, Task? renameSent = null)
    {
        try
        {
            await (renameSent ?? session.RenameAsync(partPath, destination, overwrite, cancellationToken)).ConfigureAwait(false);
        }
        catch (CommandRefusedException) when (!cancellationToken.IsCancellationRequested && session.IsConnected)
        {
            // (A refusal read as the session closed, after a rename sent behind, is reported as it is.)
            var target = await session.GetItemAsync(destination, cancellationToken).ConfigureAwait(false);
            if (target is null)
            {
                throw;
            }

            if (target.Kind == RemoteItemKind.Directory)
            {
                throw new TransferRefusedException($"The remote destination '{destination}' is a directory.", TransferRefusedReason.DestinationExists, destination);
            }

            if (!overwrite)
            {
                throw new TransferRefusedException($"The remote destination '{destination}' appeared during the upload; use -Force to replace it.", TransferRefusedReason.DestinationExists, destination);
            }

            // Some servers cannot rename onto an existing name (SFTP v3's SSH_FXP_RENAME fails when the target
            // exists, draft-ietf-secsh-filexfer-02 §6.5; RFC 959 leaves RNTO onto an existing file to the server).
            // -Force asked for replacement, so remove the old file and rename again.
            await session.RemoveFileAsync(destination, cancellationToken).ConfigureAwait(false);
            await session.RenameAsync(partPath, destination, overwrite: false, cancellationToken).ConfigureAwait(false);
        }
    }

    private static string? CleanUpLocalPart(string partPath, bool resume)
    {
        try
        {
            if (!File.Exists(partPath))
            {
                return null;
            }

            // Kept for -Resume unless there is nothing in it to resume from.
            if (!resume || new FileInfo(partPath).Length == 0)
            {
                File.Delete(partPath);
            }

            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"The part file '{partPath}' could not be removed: {e.Message}";
        }
    }

    private static async Task<string?> RemoveRemotePartAsync(IRemoteSession session, string partPath, TimeSpan timeout)
    {
        if (!session.IsConnected)
        {
            return $"The session is closed; the remote part file '{partPath}' may remain.";
        }

        using var cleanup = new CancellationTokenSource(timeout);
        try
        {
            await session.RemoveFileAsync(partPath, cleanup.Token).ConfigureAwait(false);
            return null;
        }
        catch (CommandRefusedException e) when (e.Kind == RemoteErrorKind.NotFound)
        {
            return null;
        }
#pragma warning disable CA1031 // Clean-up is best effort; its failure is reported as a warning on the result.
        catch (Exception e)
#pragma warning restore CA1031
        {
            return $"The remote part file '{partPath}' could not be removed: {e.Message}";
        }
    }

    private static async Task DisposeStreamAsync(Stream stream)
    {
#if NET8_0_OR_GREATER
        await stream.DisposeAsync().ConfigureAwait(false);
#else
        stream.Dispose();
        await Task.CompletedTask.ConfigureAwait(false);
#endif
    }
}
