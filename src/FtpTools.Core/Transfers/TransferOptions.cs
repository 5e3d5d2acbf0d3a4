using System;

namespace FtpTools.Core.Transfers;

/// <summary>How one file is transferred. The same options drive downloads and uploads.</summary>
public sealed class TransferOptions
{
    public const int DefaultBufferSize = 256 * 1024;

    public const int MinBufferSize = 4 * 1024;

    public const int MaxBufferSize = 16 * 1024 * 1024;

    /// <summary>Replace an existing destination (-Force).</summary>
    public bool Overwrite { get; init; }

    /// <summary>
    /// Transfer a file only when its destination is missing, has another length, or is older than the source by more
    /// than <see cref="NewerOnlyTolerance"/> (-NewerOnly); a destination that is not is left alone and the result is
    /// <see cref="TransferStatus.Skipped"/>, and one that is gets replaced (no <see cref="Overwrite"/> needed). A
    /// source whose time is unknown is always transferred. For runs that copy only what changed since the last one.
    /// </summary>
    public bool NewerOnly { get; init; }

    /// <summary>
    /// How much older than the source a destination may be and still count as current with <see cref="NewerOnly"/>:
    /// FAT file systems keep times to two seconds, FTP's MDTM and SFTP's times to the second.
    /// </summary>
    public static readonly TimeSpan NewerOnlyTolerance = TimeSpan.FromSeconds(2);

    /// <summary>An existing destination may be replaced: <see cref="Overwrite"/>, or <see cref="NewerOnly"/> (once it is found older).</summary>
    internal bool Replaces => Overwrite || NewerOnly;

    /// <summary>
    /// With <see cref="NewerOnly"/>: the destination (of <paramref name="destinationLength"/> bytes, last written at
    /// <paramref name="destinationTimeUtc"/>) already holds the source, as far as length and time can tell; by time
    /// alone when <paramref name="lengthsDiffer"/> (FTP's ASCII mode, whose line ends change the length).
    /// </summary>
    internal static bool IsCurrent(long? destinationLength, DateTime? destinationTimeUtc, long? sourceLength, DateTime? sourceTimeUtc, bool lengthsDiffer = false) =>
        (lengthsDiffer || (destinationLength is long have && sourceLength is long want && have == want))
        && destinationTimeUtc is DateTime destination && sourceTimeUtc is DateTime source
        && destination >= source - NewerOnlyTolerance;

    /// <summary>
    /// Continue from a part file left by an earlier attempt, and keep the part file when this attempt fails
    /// or is cancelled. An existing destination of the source's length counts as already transferred.
    /// </summary>
    public bool Resume { get; init; }

    /// <summary>Give the destination the source's last write time.</summary>
    public bool PreserveTimestamp { get; init; }

    /// <summary>
    /// Downloads: wait until the part file's bytes are on the disk (fsync, FlushFileBuffers) before it is renamed to
    /// its final name, so that a power loss or system crash right after a transfer never leaves a short or empty file
    /// under that name. Off (Receive-FtpFile -NoFlush), the rename follows the last write and the operating system
    /// writes the file out later, as most tools do: faster, most of all for big files and on disks where a flush is
    /// slow (network shares). A failed or cancelled transfer still never leaves a file under its final name either way.
    /// </summary>
    public bool FlushToDisk { get; init; } = true;

    /// <summary>
    /// Remove each source once its file is complete under its final name (Send-FtpFile / Receive-FtpFile
    /// -RemoveSource): a move. Only a <see cref="TransferStatus.Completed"/> transfer removes its source, and only one
    /// that moved the file: a destination found complete already (<see cref="Resume"/>) was not compared with the
    /// source, so its source is kept (<see cref="TransferResult.SourceRemovalException"/> says why). An uploaded local
    /// file that changed while it was sent is kept too. Downloads need <see cref="FlushToDisk"/>: the remote file is
    /// removed only once its copy is on the local disk. Directories are never removed.
    /// </summary>
    public bool RemoveSource { get; init; }

    /// <summary>
    /// Fail the transfer when the bytes that arrived differ from the length the source announced. Never done in FTP's
    /// ASCII mode (<see cref="SessionInfo.AsciiMode"/>), where line-ending conversion changes the length on purpose.
    /// </summary>
    public bool VerifyLength { get; init; } = true;

    /// <summary>Size of each of the two copy buffers (one filled while the other is written), rented once per transfer.</summary>
    public int BufferSize { get; init; } = DefaultBufferSize;

    /// <summary>Shortest interval between two progress reports; the final report is always sent.</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// How long clean-up after a failed or cancelled upload (removing the remote part file) may take.
    /// It runs on its own token because the caller's token is usually the one that was cancelled.
    /// </summary>
    public TimeSpan CleanupTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Why these options cannot be used on <paramref name="session"/>, or null when they can. In FTP's ASCII mode
    /// (<see cref="SessionInfo.AsciiMode"/>) line ends change a file's length on the way, so neither a resume (a part
    /// file's length says nothing about the other side's) nor removing the source (nothing shows the copy whole) is
    /// safe.
    /// </summary>
    public string? RefusalOn(IRemoteSession session)
    {
        if (session is null)
        {
            throw new ArgumentNullException(nameof(session));
        }

        if (session.Info.AsciiMode && Resume)
        {
            return "-Resume cannot be used in ASCII mode: line ends change the length on the way, so a partial file's length says nothing about where to continue. Transfer the whole file again, or use binary mode.";
        }

        return session.Info.AsciiMode && RemoveSource
            ? "-RemoveSource cannot be used in ASCII mode: line ends change the length on the way, so nothing shows that the copy is whole before its source would go. Use binary mode to move files."
            : null;
    }

    /// <summary>As <see cref="Validate()"/>, and what <paramref name="session"/> allows (<see cref="RefusalOn"/>).</summary>
    internal void Validate(IRemoteSession session)
    {
        Validate();
        if (RefusalOn(session) is { } refusal)
        {
            throw new ArgumentException(refusal, Resume ? nameof(Resume) : nameof(RemoveSource));
        }
    }

    /// <summary>Whether lengths are compared (<see cref="VerifyLength"/>) on <paramref name="session"/>: not in ASCII mode, where they differ on purpose.</summary>
    internal bool VerifiesLengthOn(IRemoteSession session) => VerifyLength && !session.Info.AsciiMode;

    internal void Validate()
    {
        if (BufferSize < MinBufferSize || BufferSize > MaxBufferSize)
        {
            throw new ArgumentOutOfRangeException(nameof(BufferSize), BufferSize, $"The buffer size must be between {MinBufferSize} and {MaxBufferSize} bytes.");
        }

        if (ProgressInterval < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(ProgressInterval), ProgressInterval, "The progress interval cannot be negative.");
        }

        if (RemoveSource && !FlushToDisk)
        {
            throw new ArgumentException("Removing the source needs the flush to disk: a downloaded file is only safe to remove from the server once its copy is on the local disk.", nameof(RemoveSource));
        }

        if (CleanupTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(CleanupTimeout), CleanupTimeout, "The clean-up timeout must be positive.");
        }
    }
}
