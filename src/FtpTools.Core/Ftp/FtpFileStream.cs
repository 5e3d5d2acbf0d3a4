using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;

namespace FtpTools.Core.Ftp;

/// <summary>
/// A RETR or STOR/APPE in progress. It holds the session's operation lock from the transfer command
/// until <see cref="CompleteAsync"/> or Dispose, because the control connection owes us the
/// transfer's final reply and must not carry another command before it (RFC 959 §5.4).
/// Reads and writes go straight through to the data connection with the caller's buffer.
/// </summary>
internal sealed class FtpFileStream : RemoteFileStream
{
    private readonly FtpSession _session;
    private readonly FtpDataConnection _data;
    private readonly bool _writing;
    private readonly string _path;

    // The transfer command's 1yz has not been read: its data went first (FtpSession.OpenEarlyStoreAsync).
    private readonly bool _preliminaryPending;
    private long _position;
    private bool _endOfFile;
    private int _finished;
    private int _interrupted;
    private long? _storedLength;

    /// <summary>Commands went out behind the transfer (<see cref="FtpSession.SendBehindTransferAsync"/>) and their answers are not read yet.</summary>
    private bool _answersOwedBehind;

    public FtpFileStream(FtpSession session, FtpDataConnection data, bool writing, string path, long offset, bool preliminaryPending = false)
    {
        _session = session;
        _data = data;
        _writing = writing;
        _path = path;
        _position = offset;
        _preliminaryPending = preliminaryPending;
    }

    public override bool CanRead => !_writing && _finished == 0;

    public override bool CanWrite => _writing && _finished == 0;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException("The length of a remote file being transferred is not known to the stream.");

    /// <summary>The file offset reached: start offset plus bytes moved.</summary>
    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException("Remote transfer streams cannot seek.");
    }

    public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ThrowIfNot(reading: true);
        if (_endOfFile || count == 0)
        {
            return 0;
        }

        try
        {
            return Advance(await _data.ReadAsync(buffer, offset, count, cancellationToken).ConfigureAwait(false));
        }
        catch (DataConnectionFailedException ex)
        {
            throw await FailedAsync(ex, cancellationToken).ConfigureAwait(false);
        }
    }

    public override async Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ThrowIfNot(reading: false);
        _position += count;
        try
        {
            await _data.WriteAsync(buffer, offset, count, cancellationToken).ConfigureAwait(false);
        }
        catch (DataConnectionFailedException ex)
        {
            throw await FailedAsync(ex, cancellationToken).ConfigureAwait(false);
        }
    }

#if NET8_0_OR_GREATER
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ThrowIfNot(reading: true);
        if (_endOfFile || buffer.Length == 0)
        {
            return 0;
        }

        try
        {
            return Advance(await _data.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));
        }
        catch (DataConnectionFailedException ex)
        {
            throw await FailedAsync(ex, cancellationToken).ConfigureAwait(false);
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ThrowIfNot(reading: false);
        _position += buffer.Length;
        try
        {
            await _data.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (DataConnectionFailedException ex)
        {
            throw await FailedAsync(ex, cancellationToken).ConfigureAwait(false);
        }
    }
#endif

    internal override bool ReadsBlocking => !_writing && _data.ReadsBlocking;

    /// <summary>
    /// After a completed upload: the file's length as the server told it in answer to SIZE sent behind the transfer
    /// (<see cref="FtpSession.SendBehindTransferAsync"/>), read right after the final reply; null when none was sent
    /// or the server did not tell.
    /// </summary>
    internal override long? AcknowledgedLength => _storedLength;

    public override int Read(byte[] buffer, int offset, int count)
    {
        ThrowIfNot(reading: true);
        try
        {
            return _endOfFile || count == 0 ? 0 : Advance(_data.Read(buffer, offset, count));
        }
        catch (DataConnectionFailedException ex) when (Volatile.Read(ref _interrupted) != 0)
        {
            // Cancelled: the transfer is not over yet; disposing the stream aborts it, as for an asynchronous read.
            throw new OperationCanceledException("The transfer was cancelled.", ex);
        }
        catch (DataConnectionFailedException ex)
        {
            // Stream's synchronous members: the recovery exists once, async (no sync twins), and is waited on here;
            // the core awaits with ConfigureAwait(false) throughout, so there is no context to deadlock on.
            throw FailedAsync(ex, CancellationToken.None).GetAwaiter().GetResult();
        }
    }

    internal override void Interrupt()
    {
        Volatile.Write(ref _interrupted, 1);
        _data.Dispose();
    }

    public override void Write(byte[] buffer, int offset, int count)
    {
        ThrowIfNot(reading: false);
        _position += count;
        try
        {
            _data.Write(buffer, offset, count);
        }
        catch (DataConnectionFailedException ex)
        {
            throw FailedAsync(ex, CancellationToken.None).GetAwaiter().GetResult();
        }
    }

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("Remote transfer streams cannot seek.");

    public override void SetLength(long value) => throw new NotSupportedException("Remote transfer streams cannot change length.");

    /// <summary>
    /// Finishes the transfer: for an upload, close_notify and FIN, then the 226; for a download read to
    /// its end, the 226. A download completed before its end is closed early, like an abort.
    /// Throws <see cref="CommandRefusedException"/> when the server reports the transfer failed, and
    /// <see cref="DataConnectionFailedException"/> when the end of an upload could not be sent.
    /// </summary>
    public override async Task CompleteAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _finished, 1) != 0)
        {
            throw new ObjectDisposedException(nameof(FtpFileStream), "The transfer was already completed or aborted.");
        }

        FtpReply? reply = null;
        CommandRefusedException? refusal = null;
        DataConnectionFailedException? failure = null;
        var sizeOwed = false;
        try
        {
            if (_writing)
            {
                try
                {
                    await _data.EndSendingAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (DataConnectionFailedException ex)
                {
                    failure = ex;
                }
            }
            else if (_endOfFile)
            {
                // Our close_notify too: vsftpd waits for it before it sends the 226.
                await _data.TryShutdownAsync(cancellationToken).ConfigureAwait(false);
            }
            else
            {
                _data.Dispose();
            }

            // The server has all of an upload's data, or has sent all of a download's: what comes next (the next
            // transfer's EPSV, the upload's SIZE) can go out now, and is answered right after the final reply.
            var sent = failure is null && (_writing || _endOfFile)
                ? await _session.SendBehindTransferAsync(_writing, _path, cancellationToken).ConfigureAwait(false)
                : default;
            sizeOwed = sent.Size;
            _answersOwedBehind = sent.Size || sent.Epsv;
            if (_writing && failure is null)
            {
                // Only now, so that what went out behind the upload was on its way while the server finished.
                try
                {
                    await _data.WaitForServerEndAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (DataConnectionFailedException ex)
                {
                    failure = ex;
                }
            }

            if (failure is null && _preliminaryPending)
            {
                (reply, refusal) = await _session.ReadEarlyTransferRepliesAsync(Verb, _path, cancellationToken).ConfigureAwait(false);
            }
            else if (failure is null)
            {
                reply = await _session.ReadTransferReplyAsync(cancellationToken).ConfigureAwait(false);
            }

            if (failure is null)
            {
                if (sizeOwed)
                {
                    var stored = await _session.ReadSizeSentBehindAsync(cancellationToken).ConfigureAwait(false);
                    sizeOwed = false;
                    _storedLength = refusal is null && reply!.Code.IsPositiveCompletion() ? stored : null;
                }

                _session.TransferEnded(sent);
                _answersOwedBehind = false;
            }
        }
        finally
        {
            if (failure is null)
            {
                _data.Dispose();
                _session.ReleaseTransfer(replyPending: reply is null || sizeOwed);
            }
        }

        if (failure is not null)
        {
            throw await EndAfterFailureAsync(failure, cancellationToken).ConfigureAwait(false);
        }

        if (refusal is not null)
        {
            throw refusal;
        }

        FtpSession.CheckTransferReply(reply!, Verb, _path, mustSucceed: _writing || _endOfFile);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _finished, 1) == 0)
        {
            // Abort without blocking: the data connection is handed to the session, which ends it before its next
            // command. An upload's is closed cleanly (so a TLS session stays resumable and the server keeps what it
            // received); a download's is closed after ABOR (see FtpSession.AbortDownloadAsync).
            _session.AbortTransfer(_data, _writing);
        }

        base.Dispose(disposing);
    }

    private string Verb => _writing ? "STOR" : "RETR";

    /// <summary>
    /// The data connection failed before the transfer's end: the transfer is over. The session reads the server's
    /// final reply, so the control connection stays in step, and the stream lets go of the session. Returns what
    /// to throw (see <see cref="FtpSession.DataConnectionFailedAsync"/>).
    /// </summary>
    private Task<FtpToolsException> FailedAsync(DataConnectionFailedException failure, CancellationToken cancellationToken) =>
        Interlocked.Exchange(ref _finished, 1) == 0
            ? EndAfterFailureAsync(failure, cancellationToken)
            : Task.FromResult<FtpToolsException>(failure);

    private async Task<FtpToolsException> EndAfterFailureAsync(DataConnectionFailedException failure, CancellationToken cancellationToken)
    {
        _data.Dispose();
        FtpToolsException? result = null;
        try
        {
            result = await _session.DataConnectionFailedAsync(Verb, _path, failure, abort: !_writing, cancellationToken, _preliminaryPending).ConfigureAwait(false);
            return result;
        }
        finally
        {
            // Either reads the final reply (a refusal of the command is one); a lost control connection owes nothing.
            // Answers to commands sent behind the transfer (SIZE, EPSV) are still owed after it: read with the rest
            // of an abort before the next command.
            _session.ReleaseTransfer(replyPending: _answersOwedBehind || result is not (DataConnectionFailedException or CommandRefusedException));
        }
    }

    private int Advance(int read)
    {
        if (read == 0)
        {
            _endOfFile = true;
        }

        _position += read;
        return read;
    }

    private void ThrowIfNot(bool reading)
    {
        if (_finished != 0)
        {
            throw new ObjectDisposedException(nameof(FtpFileStream), "The transfer was already completed or aborted.");
        }

        if (reading == _writing)
        {
            throw new NotSupportedException(reading ? "This transfer stream is for writing." : "This transfer stream is for reading.");
        }
    }
}
