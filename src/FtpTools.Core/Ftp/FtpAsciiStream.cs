using System;
using System.Buffers;
using System.IO;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;

namespace FtpTools.Core.Ftp;

/// <summary>
/// A transfer in FTP's ASCII type (RFC 959 §3.1.1.1, TYPE A): the data connection carries text with CRLF line ends
/// (NVT-ASCII), and each side converts from and to its own. Uploads send a bare LF as CRLF (a CR LF already there
/// stays as it is); downloads store CRLF as LF where that is the local line end (not on Windows, whose line end CRLF
/// is). Other bytes pass unchanged: no character set is converted. Lengths change on the way, so a transfer in this
/// type cannot continue at an offset and its length is not compared with the server's.
/// </summary>
internal sealed class FtpAsciiStream : RemoteFileStream
{
    private const byte Cr = (byte)'\r';
    private const byte Lf = (byte)'\n';
    private const int ChunkSize = 32 * 1024;

    private readonly RemoteFileStream _inner;
    private readonly bool _crlfToLf;

    // Reading: what came from the server and is not handed out yet (_raw[_start.._end]); _ended once it said no more.
    private byte[]? _raw;
    private int _start;
    private int _end;
    private bool _ended;

    // Writing: the last byte sent was a CR, so an LF that starts the next write is already a line end.
    private bool _lastWasCr;
    private long _position;

    public FtpAsciiStream(RemoteFileStream inner)
        : this(inner, crlfToLf: !RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
    {
    }

    internal FtpAsciiStream(RemoteFileStream inner, bool crlfToLf)
    {
        _inner = inner;
        _crlfToLf = crlfToLf;
    }

    public override bool CanRead => _inner.CanRead;

    public override bool CanWrite => _inner.CanWrite;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException("The length of a remote file being transferred is not known to the stream.");

    /// <summary>Bytes on the local side so far: read after conversion, or given to write before it.</summary>
    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException("Remote transfer streams cannot seek.");
    }

    public override Task CompleteAsync(CancellationToken cancellationToken) => _inner.CompleteAsync(cancellationToken);

    internal override void Interrupt() => _inner.Interrupt();

    public override int Read(byte[] buffer, int offset, int count)
    {
        if (!_crlfToLf)
        {
            return Count(_inner.Read(buffer, offset, count));
        }

        while (true)
        {
            var delivered = Deliver(buffer.AsSpan(offset, count));
            if (delivered >= 0)
            {
                return Count(delivered);
            }

            var room = Fill();
            Received(_inner.Read(_raw!, room, _raw!.Length - room));
        }
    }

    public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        if (!_crlfToLf)
        {
            return Count(await _inner.ReadAsync(buffer, offset, count, cancellationToken).ConfigureAwait(false));
        }

        while (true)
        {
            var delivered = Deliver(buffer.AsSpan(offset, count));
            if (delivered >= 0)
            {
                return Count(delivered);
            }

            var room = Fill();
            Received(await _inner.ReadAsync(_raw!, room, _raw!.Length - room, cancellationToken).ConfigureAwait(false));
        }
    }

#if NET8_0_OR_GREATER
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (!_crlfToLf)
        {
            return Count(await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));
        }

        while (true)
        {
            var delivered = Deliver(buffer.Span);
            if (delivered >= 0)
            {
                return Count(delivered);
            }

            var room = Fill();
            Received(await _inner.ReadAsync(_raw.AsMemory(room), cancellationToken).ConfigureAwait(false));
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var scratch = ArrayPool<byte>.Shared.Rent(2 * ChunkSize);
        try
        {
            for (var at = 0; at < buffer.Length; at += ChunkSize)
            {
                var chunk = buffer.Slice(at, Math.Min(ChunkSize, buffer.Length - at));
                var length = Encode(chunk.Span, scratch);
                await _inner.WriteAsync(scratch.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
                _position += chunk.Length;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }
#endif

    public override async Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        var scratch = ArrayPool<byte>.Shared.Rent(2 * ChunkSize);
        try
        {
            for (var at = 0; at < count; at += ChunkSize)
            {
                var chunk = Math.Min(ChunkSize, count - at);
                var length = Encode(buffer.AsSpan(offset + at, chunk), scratch);
                await _inner.WriteAsync(scratch, 0, length, cancellationToken).ConfigureAwait(false);
                _position += chunk;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    public override void Write(byte[] buffer, int offset, int count)
    {
        var scratch = ArrayPool<byte>.Shared.Rent(2 * ChunkSize);
        try
        {
            for (var at = 0; at < count; at += ChunkSize)
            {
                var chunk = Math.Min(ChunkSize, count - at);
                var length = Encode(buffer.AsSpan(offset + at, chunk), scratch);
                _inner.Write(scratch, 0, length);
                _position += chunk;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    public override void Flush() => _inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("Remote transfer streams cannot seek.");

    public override void SetLength(long value) => throw new NotSupportedException("Remote transfer streams cannot change length.");

    /// <summary>
    /// Writes <paramref name="text"/> to <paramref name="encoded"/> (room for twice its length) with every LF that has
    /// no CR before it, in this write or at the end of the last, sent as CR LF. Returns the encoded length.
    /// </summary>
    internal int Encode(ReadOnlySpan<byte> text, byte[] encoded)
    {
        var length = 0;
        foreach (var b in text)
        {
            if (b == Lf && !_lastWasCr)
            {
                encoded[length++] = Cr;
            }

            encoded[length++] = b;
            _lastWasCr = b == Cr;
        }

        return length;
    }

    /// <summary>
    /// Hands out what has been received, with each CR LF as LF: the count (0 at the end of the data), or -1 when more
    /// must be read first (nothing is left, or only a CR whose next byte decides what it is).
    /// </summary>
    private int Deliver(Span<byte> destination)
    {
        if (destination.Length == 0)
        {
            return 0;
        }

        var count = 0;
        while (count < destination.Length && _start < _end)
        {
            var b = _raw![_start];
            if (b == Cr)
            {
                if (_start + 1 == _end && !_ended)
                {
                    // The last byte so far: a line end only if an LF follows.
                    break;
                }

                if (_start + 1 < _end && _raw[_start + 1] == Lf)
                {
                    _start++;
                    continue;
                }
            }

            destination[count++] = b;
            _start++;
        }

        return count > 0 || (_ended && _start == _end) ? count : -1;
    }

    /// <summary>Makes room to read into: what is left (at most a CR) moves to the front. Returns where reading starts.</summary>
    private int Fill()
    {
        _raw ??= ArrayPool<byte>.Shared.Rent(64 * 1024);
        var left = _end - _start;
        if (left > 0)
        {
            Buffer.BlockCopy(_raw, _start, _raw, 0, left);
        }

        (_start, _end) = (0, left);
        return left;
    }

    private void Received(int read)
    {
        if (read == 0)
        {
            _ended = true;
        }

        _end += read;
    }

    private int Count(int read)
    {
        _position += read;
        return read;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
            ReturnBuffer();
        }

        base.Dispose(disposing);
    }

    private void ReturnBuffer()
    {
        if (_raw is { } raw)
        {
            _raw = null;
            ArrayPool<byte>.Shared.Return(raw);
        }
    }
}
