using System;
using System.Buffers.Binary;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;
using FtpTools.Core.Sftp;

namespace FtpTools.Core.Tests.Sftp;

/// <summary>
/// The fake peer's reader: cuts the client's byte stream into SFTP packets. One reader only. The receiver owns its
/// buffer (twice the largest packet, so a packet that starts anywhere in the first half always fits); the memory a
/// call returns is valid until the next call.
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
    public async Task<ReadOnlyMemory<byte>> ReceiveAsync(CancellationToken cancellationToken)
    {
        _start += _pendingConsume;
        _pendingConsume = 0;
        while (true)
        {
            if (TryReadFrame(new ReadOnlySpan<byte>(_buffer, _start, _end - _start), _maxLength, out var bodyLength))
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

    /// <summary>True when <paramref name="buffer"/> starts with a whole packet; its body length then comes out.</summary>
    private static bool TryReadFrame(ReadOnlySpan<byte> buffer, int maxLength, out int bodyLength)
    {
        bodyLength = 0;
        if (buffer.Length < 4)
        {
            return false;
        }

        var length = SftpPacket.CheckLength(BinaryPrimitives.ReadUInt32BigEndian(buffer), maxLength);
        if (buffer.Length - 4 < length)
        {
            return false;
        }

        bodyLength = length;
        return true;
    }
}
