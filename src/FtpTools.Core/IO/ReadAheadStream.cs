using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace FtpTools.Core.IO;

/// <summary>
/// Puts a read buffer under a TLS stream. <see cref="System.Net.Security.SslStream"/> asks its inner stream for
/// about one record (16 KiB) at a time, which on a fast link is two socket reads and often a thread-pool hop per
/// record; reading ahead in large blocks lets one receive call bring in several records. Writes and flushes go
/// straight through, unbuffered, so a handshake message is never held back.
/// </summary>
internal sealed class ReadAheadStream : Stream
{
    private readonly Stream _inner;
    private readonly byte[] _buffer;
    private int _start;
    private int _end;

    public ReadAheadStream(Stream inner, int bufferSize)
    {
        _inner = inner;
        _buffer = new byte[bufferSize];
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => _inner.CanWrite;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        if (_start == _end)
        {
            if (count >= _buffer.Length)
            {
                return _inner.Read(buffer, offset, count);
            }

            _start = 0;
            _end = _inner.Read(_buffer, 0, _buffer.Length);
        }

        return Take(buffer, offset, count);
    }

    public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        if (_start == _end)
        {
            if (count >= _buffer.Length)
            {
                return await _inner.ReadAsync(buffer, offset, count, cancellationToken).ConfigureAwait(false);
            }

            _start = 0;
            _end = await _inner.ReadAsync(_buffer, 0, _buffer.Length, cancellationToken).ConfigureAwait(false);
        }

        return Take(buffer, offset, count);
    }

#if NET8_0_OR_GREATER
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_start == _end)
        {
            if (buffer.Length >= _buffer.Length)
            {
                return await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            }

            _start = 0;
            _end = await _inner.ReadAsync(_buffer, cancellationToken).ConfigureAwait(false);
        }

        var taken = Math.Min(buffer.Length, _end - _start);
        _buffer.AsSpan(_start, taken).CopyTo(buffer.Span);
        _start += taken;
        return taken;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        _inner.WriteAsync(buffer, cancellationToken);
#endif

    public override void Write(byte[] buffer, int offset, int count) => _inner.Write(buffer, offset, count);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        _inner.WriteAsync(buffer, offset, count, cancellationToken);

    public override void Flush() => _inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private int Take(byte[] buffer, int offset, int count)
    {
        var taken = Math.Min(count, _end - _start);
        Buffer.BlockCopy(_buffer, _start, buffer, offset, taken);
        _start += taken;
        return taken;
    }
}
