using System;
using System.Globalization;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;
using FtpTools.Core.IO;

namespace FtpTools.Core.Transfers;

/// <summary>
/// <see cref="TransferOptions.RemoveSource"/>: a completed transfer's source is removed, the remote file of a
/// download (once its copy is flushed to the local disk and under its final name), the local file of an upload (once
/// the server confirmed it under its final name), each only when its length and last write time are what they were
/// when the transfer started. A source that cannot be removed stays, and the result says why; the transfer itself is
/// still Completed. A resumed transfer never removes its source: what an earlier attempt left (a part file, or a
/// complete destination) was never compared with it.
/// </summary>
internal static class SourceRemoval
{
    /// <summary>
    /// For an upload that removes its source: the local file's length and last write time before anything of it was
    /// read, to tell later whether it changed meanwhile. Null when the source is not to be removed (or is missing,
    /// which the upload reports).
    /// </summary>
    public static LocalStamp? Stamp(string localPath, TransferOptions options)
    {
        if (!options.RemoveSource)
        {
            return null;
        }

        var file = LocalSource.Describe(Path.GetFullPath(localPath));
        return file.Exists ? new LocalStamp(file.Length, file.LastWriteTimeUtc) : null;
    }

    /// <summary>True when <paramref name="result"/> is one whose source is to be removed now.</summary>
    public static bool Applies(TransferResult result, TransferOptions options) =>
        options.RemoveSource && result.Status == TransferStatus.Completed;

    /// <summary>
    /// Removes the source of <paramref name="result"/> when <see cref="Applies"/>, and returns the result that says
    /// whether it did. Never throws. A download's removal is a request on <paramref name="session"/> (bounded by
    /// <see cref="TransferOptions.CleanupTimeout"/>, on no caller's token: the file is in place and the caller's
    /// token may be the one that was cancelled); it must not run beside another request of the session. With
    /// <paramref name="afterLoss"/>, a second attempt after the first was cut short by a lost connection.
    /// </summary>
    public static async Task<TransferResult> RemoveAsync(IRemoteSession session, TransferResult result, TransferOptions options, LocalStamp? stamp, bool afterLoss = false)
    {
        if (!Applies(result, options))
        {
            return result;
        }

        if (result.Resumed)
        {
            var why = result.BytesTransferred == 0
                ? $"its destination '{result.Destination}' was complete already (-Resume), so the source was neither transferred nor compared with it"
                : $"this transfer continued, from byte {result.StartOffset}, a part file an earlier attempt left (-Resume), and those first bytes were never compared with the source";
            return result.WithSourceRemoval(new SourceNotRemovedException(
                $"The source '{result.Source}' was not removed: {why}. Remove it once you have checked the destination (Get-FtpFileHash and Get-FileHash compare the two).",
                result.Source));
        }

        var removalSent = false;
        try
        {
            if (result.Direction == TransferDirection.Download)
            {
                // The remote file may have changed since it was read (a producer still writing, or writing it again):
                // only the file that was downloaded is removed, its length and time as they were.
                using var timeout = new CancellationTokenSource(options.CleanupTimeout);
                var now = await session.GetItemAsync(result.Source, timeout.Token).ConfigureAwait(false);
                var changed = now switch
                {
                    null when afterLoss => "it is no longer on the server (its removal had not been sent when the connection was lost: something else removed it)",
                    null => "it is no longer on the server",
                    { Kind: not RemoteItemKind.File } => $"it is not a plain file on the server ({now.Kind})",
                    { Length: long length } when length != result.BytesTransferred => $"it changed on the server since it was downloaded ({result.BytesTransferred} bytes were downloaded; it now has {length.ToString(CultureInfo.InvariantCulture)} bytes)",
                    { Length: null } => $"it changed on the server since it was downloaded ({result.BytesTransferred} bytes were downloaded; it now has an unknown number of bytes)",
                    { LastWriteTimeUtc: DateTime time } when result.SourceLastWriteTimeUtc is DateTime then && time != then =>
                        $"it changed on the server since it was downloaded (last written {Stamp(then)} UTC when its download started, now {Stamp(time)} UTC)",
                    _ => null,
                };
                if (now is null && afterLoss && result.SourceRemovalException is SourceNotRemovedException { RemovalSent: true })
                {
                    // The first attempt's DELE had gone when the connection was lost: it was done, only its answer lost.
                    return result.WithSourceRemoval(null, $"The source '{result.Source}' was removed as the connection was lost: its removal had been sent, and on the new connection it is no longer on the server.");
                }

                if (changed is not null)
                {
                    return result.WithSourceRemoval(new SourceNotRemovedException($"The source '{result.Source}' was not removed: {changed}.", result.Source));
                }

                removalSent = true;
                await session.RemoveFileAsync(result.Source, timeout.Token).ConfigureAwait(false);
            }
            else
            {
                var now = LocalSource.Describe(result.Source);
                if (stamp is null || !now.Exists || now.Length != stamp.Length || now.LastWriteTimeUtc != stamp.LastWriteTimeUtc)
                {
                    var then = stamp is null ? "unknown" : Describe(stamp.Length, stamp.LastWriteTimeUtc);
                    var since = now.Exists ? Describe(now.Length, now.LastWriteTimeUtc) : "gone";
                    return result.WithSourceRemoval(new SourceNotRemovedException(
                        $"The source '{result.Source}' was not removed: it changed while it was uploaded (before: {then}; now: {since}). "
                        + "The upload holds the file as it was read; send it again to copy the change.",
                        result.Source));
                }

                File.Delete(result.Source);
            }

            return result.WithSourceRemoval(null);
        }
#pragma warning disable CA1031 // The transfer completed: a failed removal is part of its result, never an exception.
        catch (Exception e)
#pragma warning restore CA1031
        {
            return result.WithSourceRemoval(new SourceNotRemovedException(
                $"The source '{result.Source}' was transferred but not removed: {e.Message}",
                result.Source,
                e)
            {
                RemovalSent = removalSent,
            });
        }
    }

    private static string Describe(long length, DateTime lastWriteTimeUtc) =>
        string.Format(CultureInfo.InvariantCulture, "{0} bytes, last written {1:yyyy-MM-dd HH:mm:ss.fffffff} UTC", length, lastWriteTimeUtc);

    private static string Stamp(DateTime timeUtc) => timeUtc.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture);

    /// <summary>What an upload's local source was when the upload started.</summary>
    internal sealed class LocalStamp
    {
        public LocalStamp(long length, DateTime lastWriteTimeUtc)
        {
            Length = length;
            LastWriteTimeUtc = lastWriteTimeUtc;
        }

        public long Length { get; }

        public DateTime LastWriteTimeUtc { get; }
    }
}
