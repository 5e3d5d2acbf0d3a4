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
/// <para>
/// It also keeps the TLS stream above it to one operation at a time once <see cref="EnableGate"/> is called: OpenSSL
/// does not allow two threads in one connection at once, and an upload reads (the server's TLS 1.3 session tickets,
/// which OpenSSL handles as a handshake) while it writes and finally sends close_notify. Every operation on the TLS
/// stream runs between <see cref="EnterAsync"/> and <see cref="Exit"/>; a read that has to wait for the network lets
/// the gate go meanwhile and takes it back before handing the bytes up, so a waiting read never blocks a write, and
/// bytes are processed by only one thread at a time.
/// </para>
/// </summary>
internal sealed class ReadAheadStream : Stream
{
    private readonly Stream _inner;
    private readonly byte[] _buffer;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private bool _gated;
    private int _start;
    private int _end;

    public ReadAheadStream(Stream inner, int bufferSize)
    {
        _inner = inner;
        _buffer = new byte[bufferSize];
    }

    public override bool CanRead => true;

    /// <summary>From now on (after the handshake) the stream above runs its operations under the gate.</summary>
    public void EnableGate() => _gated = true;

    /// <summary>Waits for the TLS stream above to be free; the caller then runs one operation on it and calls <see cref="Exit"/>.</summary>
    public Task EnterAsync() => _gate.WaitAsync();

    /// <summary>Synchronous <see cref="EnterAsync"/>.</summary>
    public void Enter() => _gate.Wait();

    public void Exit() => _gate.Release();

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
                return WaitOutsideGate(() => _inner.Read(buffer, offset, count));
            }

            _start = 0;
            _end = WaitOutsideGate(() => _inner.Read(_buffer, 0, _buffer.Length));
        }

        return Take(buffer, offset, count);
    }

    public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        if (_start == _end)
        {
            if (count >= _buffer.Length)
            {
                return await WaitOutsideGateAsync(_inner.ReadAsync(buffer, offset, count, cancellationToken)).ConfigureAwait(false);
            }

            _start = 0;
            _end = await WaitOutsideGateAsync(_inner.ReadAsync(_buffer, 0, _buffer.Length, cancellationToken)).ConfigureAwait(false);
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
                return await WaitOutsideGateAsync(_inner.ReadAsync(buffer, cancellationToken).AsTask()).ConfigureAwait(false);
            }

            _start = 0;
            _end = await WaitOutsideGateAsync(_inner.ReadAsync(_buffer, cancellationToken).AsTask()).ConfigureAwait(false);
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
            // The gate is not disposed: a read may still be waiting to take it back, and it holds no handle.
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>Lets the gate go while <paramref name="read"/> waits for the network; takes it back before returning.</summary>
    private async Task<int> WaitOutsideGateAsync(Task<int> read)
    {
        if (!_gated)
        {
            return await read.ConfigureAwait(false);
        }

        _gate.Release();
        try
        {
            return await read.ConfigureAwait(false);
        }
        finally
        {
            await _gate.WaitAsync().ConfigureAwait(false);
        }
    }

    private int WaitOutsideGate(Func<int> read)
    {
        if (!_gated)
        {
            return read();
        }

        _gate.Release();
        try
        {
            return read();
        }
        finally
        {
            _gate.Wait();
        }
    }

    private int Take(byte[] buffer, int offset, int count)
    {
        var taken = Math.Min(count, _end - _start);
        Buffer.BlockCopy(_buffer, _start, buffer, offset, taken);
        _start += taken;
        return taken;
    }
}
