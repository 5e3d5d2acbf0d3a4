using System;
using FtpTools.Core.Errors;

namespace FtpTools.Core.Transfers;

public enum TransferDirection
{
    Download,
    Upload,
}

public enum TransferStatus
{
    /// <summary>The destination holds the whole source under its final name.</summary>
    Completed,

    /// <summary>
    /// Nothing was transferred on purpose: the caller chose not to (ShouldProcess said no, see <see cref="TransferResult.Skip"/>),
    /// or the engine was asked to download a directory or a symbolic link to one (<see cref="TransferResult.Warning"/> says so).
    /// </summary>
    Skipped,

    /// <summary>The transfer did not finish; <see cref="TransferResult.Exception"/> says why. The final name was not touched.</summary>
    Failed,

    /// <summary>The caller's token was cancelled; the final name was not touched.</summary>
    Cancelled,
}

/// <summary>The outcome of one file transfer: the pipeline output of Send-FtpFile and Receive-FtpFile.</summary>
public sealed class TransferResult
{
    public TransferResult(TransferDirection direction, string source, string destination, TransferStatus status)
    {
        Direction = direction;
        Source = source ?? throw new ArgumentNullException(nameof(source));
        Destination = destination ?? throw new ArgumentNullException(nameof(destination));
        Status = status;
    }

    public TransferDirection Direction { get; }

    /// <summary>Local path of an upload, absolute remote path of a download.</summary>
    public string Source { get; }

    /// <summary>Final name (never the part file): remote path of an upload, local path of a download.</summary>
    public string Destination { get; }

    public TransferStatus Status { get; }

    /// <summary>Length of the source in bytes; for a completed transfer, the length transferred where it was not known before; null when the server did not say.</summary>
    public long? Length { get; init; }

    /// <summary>Bytes moved over the network by this attempt (a resumed transfer counts only the rest).</summary>
    public long BytesTransferred { get; init; }

    /// <summary>Offset this attempt started from: the length of the part file it continued, else 0.</summary>
    public long StartOffset { get; init; }

    /// <summary>True when this attempt reused earlier work: a part file, or a destination that was already complete.</summary>
    public bool Resumed { get; init; }

    public TimeSpan Duration { get; init; }

    /// <summary><see cref="BytesTransferred"/> divided by <see cref="Duration"/>; 0 when nothing moved.</summary>
    public double BytesPerSecond { get; init; }

    /// <summary>Why the transfer failed; null unless <see cref="Status"/> is Failed.</summary>
    public string? Error => Exception?.Message;

    /// <summary>
    /// The failure: <see cref="Errors.TransferRefusedException"/> for local preconditions,
    /// <see cref="Errors.CommandRefusedException"/> when the server refused, <see cref="Errors.ConnectionLostException"/>
    /// when the session died (the caller should stop the batch), or an <see cref="System.IO.IOException"/> from the local disk.
    /// </summary>
    public Exception? Exception { get; init; }

    /// <summary>
    /// True when the source was removed after the transfer (<see cref="TransferOptions.RemoveSource"/>,
    /// -RemoveSource): the remote file of a download, the local file of an upload.
    /// </summary>
    public bool SourceRemoved { get; init; }

    /// <summary>
    /// Why the source is still there although its removal was asked for and the transfer completed
    /// (<see cref="SourceNotRemovedException"/>, with the server's or the local disk's error inside where there was
    /// one); null otherwise.
    /// </summary>
    public Exception? SourceRemovalException { get; init; }

    /// <summary>Something worth telling that did not fail the transfer (the server could not set the time, a part file could not be removed).</summary>
    public string? Warning { get; init; }

    /// <summary>
    /// A download that removes its source (<see cref="TransferOptions.RemoveSource"/>): the remote file's last write
    /// time as the server gave it when the download started, asked the way its removal asks again
    /// (<see cref="IRemoteSession.GetItemAsync"/>), so that a file replaced meanwhile by one of the same length is
    /// kept. Null when not asked for, or when the server gives no time.
    /// </summary>
    internal DateTime? SourceLastWriteTimeUtc { get; init; }

    /// <summary>This result, after an attempt to remove its source: removed, or why not; with <paramref name="warning"/> instead of its own when given.</summary>
    internal TransferResult WithSourceRemoval(Exception? notRemoved, string? warning = null) =>
        Copy(notRemoved is null, notRemoved, warning ?? Warning);

    /// <summary>This result with <paramref name="warning"/> put before its own warning (see <see cref="TransferResultWarnings"/>).</summary>
    internal TransferResult WithWarningFirst(string warning) =>
        Copy(SourceRemoved, SourceRemovalException, Warning is null ? warning : warning + " " + Warning);

    private TransferResult Copy(bool sourceRemoved, Exception? sourceRemovalException, string? warning) =>
        new(Direction, Source, Destination, Status)
        {
            Length = Length,
            BytesTransferred = BytesTransferred,
            StartOffset = StartOffset,
            Resumed = Resumed,
            Duration = Duration,
            BytesPerSecond = BytesPerSecond,
            Exception = Exception,
            Warning = warning,
            SourceRemoved = sourceRemoved,
            SourceRemovalException = sourceRemovalException,
            SourceLastWriteTimeUtc = SourceLastWriteTimeUtc,
        };

    /// <summary>A result for a transfer the caller decided not to make.</summary>
    public static TransferResult Skip(TransferDirection direction, string source, string destination, long? length) =>
        new(direction, source, destination, TransferStatus.Skipped) { Length = length };

    public override string ToString() => $"{Status} {Source} -> {Destination}";
}

/// <summary>
/// For the cmdlets, which see only the public surface: an extension rather than a method, so that result objects in
/// PowerShell show no method for it.
/// </summary>
public static class TransferResultWarnings
{
    /// <summary>
    /// <paramref name="result"/> with <paramref name="warning"/> put before its own warning: for a transfer made again
    /// on a new connection, whose first attempt's loss the result would otherwise not show.
    /// </summary>
    public static TransferResult WithWarningFirst(this TransferResult result, string warning) =>
        (result ?? throw new ArgumentNullException(nameof(result))).WithWarningFirst(warning);
}
