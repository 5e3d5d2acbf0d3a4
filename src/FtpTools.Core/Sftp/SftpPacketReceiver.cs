using System;
using System.IO;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;

namespace FtpTools.Core.Sftp;

/// <summary>
/// Cuts the channel's byte stream into SFTP packets. One reader only. The receiver owns its buffer (twice the
/// largest packet, so a packet that starts anywhere in the first half always fits); the memory a call returns is
/// valid until the next call.
/// </summary>
internal sealed class SftpPacketReceiver
{
    private readonly Stream _stream;
    private readonly int _maxLength;
    private readonly byte[] _buffer;
    private int _start;
    private int _end;
    private int _pendingConsume;

    public SftpPacketReceiver(Stream stream, int maxLength = SftpPacket.MaxIncomingLength)
    {
        _stream = stream;
        _maxLength = maxLength;
        _buffer = new byte[2 * (maxLength + 4)];
    }

    /// <summary>The next packet body (type byte first). Throws <see cref="ConnectionLostException"/> when the stream ends.</summary>
#if NET8_0_OR_GREATER
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
#endif
    public async ValueTask<ReadOnlyMemory<byte>> ReceiveAsync(CancellationToken cancellationToken)
    {
        _start += _pendingConsume;
        _pendingConsume = 0;
        while (true)
        {
            if (SftpPacket.TryReadFrame(new ReadOnlySpan<byte>(_buffer, _start, _end - _start), _maxLength, out var bodyLength))
            {
                _pendingConsume = 4 + bodyLength;
                return new ReadOnlyMemory<byte>(_buffer, _start + 4, bodyLength);
            }

            if (_start == _end)
            {
                _start = _end = 0;
            }
            else if (_buffer.Length - _start < _maxLength + 4)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }

            var read = await _stream.ReadAsync(_buffer, _end, _buffer.Length - _end, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                throw new ConnectionLostException(_end > _start
                    ? $"The SFTP channel closed in the middle of a packet ({_end - _start} bytes of it received)."
                    : "The SFTP channel was closed by the server.");
            }

            _end += read;
        }
    }
}
