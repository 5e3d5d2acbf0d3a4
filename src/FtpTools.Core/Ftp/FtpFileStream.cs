using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

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
    private long _position;
    private bool _endOfFile;
    private int _finished;

    public FtpFileStream(FtpSession session, FtpDataConnection data, bool writing, string path, long offset)
    {
        _session = session;
        _data = data;
        _writing = writing;
        _path = path;
        _position = offset;
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

        var read = await _data.ReadAsync(buffer, offset, count, cancellationToken).ConfigureAwait(false);
        return Advance(read);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ThrowIfNot(reading: false);
        _position += count;
        return _data.WriteAsync(buffer, offset, count, cancellationToken);
    }

#if NET8_0_OR_GREATER
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ThrowIfNot(reading: true);
        if (_endOfFile || buffer.Length == 0)
        {
            return 0;
        }

        var read = await _data.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        return Advance(read);
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ThrowIfNot(reading: false);
        _position += buffer.Length;
        return _data.WriteAsync(buffer, cancellationToken);
    }
#endif

    public override int Read(byte[] buffer, int offset, int count)
    {
        ThrowIfNot(reading: true);
        return _endOfFile || count == 0 ? 0 : Advance(_data.Read(buffer, offset, count));
    }

    public override void Write(byte[] buffer, int offset, int count)
    {
        ThrowIfNot(reading: false);
        _position += count;
        _data.Write(buffer, offset, count);
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
    /// Throws <see cref="Errors.CommandRefusedException"/> when the server reports the transfer failed.
    /// </summary>
    public override async Task CompleteAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _finished, 1) != 0)
        {
            throw new ObjectDisposedException(nameof(FtpFileStream), "The transfer was already completed or aborted.");
        }

        FtpReply? reply = null;
        try
        {
            if (_writing)
            {
                await _data.ShutdownAsync(cancellationToken).ConfigureAwait(false);
            }
            else if (!_endOfFile)
            {
                _data.Dispose();
            }

            reply = await _session.ReadTransferReplyAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _data.Dispose();
            _session.ReleaseTransfer(replyPending: reply is null);
        }

        FtpSession.CheckTransferReply(reply, _writing ? "STOR" : "RETR", _path, mustSucceed: _writing || _endOfFile);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _finished, 1) == 0)
        {
            // Abort: closing the data connection ends the transfer on the server (426 or 226), and the
            // session reads that reply before its next command, so disposing never blocks.
            _data.Dispose();
            _session.ReleaseTransfer(replyPending: true);
        }

        base.Dispose(disposing);
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
