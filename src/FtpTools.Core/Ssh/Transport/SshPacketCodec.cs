using System;
using System.Buffers.Binary;
using FtpTools.Core.Errors;

namespace FtpTools.Core.Ssh.Transport;

/// <summary>Limits of the binary packet protocol.</summary>
internal static class SshPacketLimits
{
    /// <summary>
    /// Largest packet_length accepted from the peer. RFC 4253 §6.1 requires 35000 bytes; OpenSSH also
    /// caps at 256 KiB. Checked as soon as the length is known, before anything is read or allocated for it.
    /// </summary>
    public const int MaxPacketLength = 256 * 1024;

    /// <summary>The largest MAC or AEAD tag of any algorithm we implement (hmac-sha2-512).</summary>
    public const int MaxTagLength = 64;

    /// <summary>Largest payload we send; channel data is cut well below this.</summary>
    public const int MaxOutgoingPayload = MaxPacketLength - 64;
}

/// <summary>Outcome of <see cref="SshPacketDecoder.TryDecode"/>.</summary>
internal enum SshDecodeStatus
{
    NeedMoreData,
    Packet,
}

/// <summary>
/// Decodes incoming packets (RFC 4253 §6) from bytes the caller has already received; does no I/O.
/// Stateful across calls for one direction: the cipher, the sequence number and the length of a packet
/// whose first block was already seen. Decryption happens in place in the caller's buffer.
/// </summary>
internal sealed class SshPacketDecoder
{
    private SshPacketCipher _cipher = SshNoneCipher.Instance;
    private bool _haveLength;
    private uint _packetLength;

    /// <summary>The sequence number the next packet will have (RFC 4253 §6.4: wraps at 2^32).</summary>
    public uint SequenceNumber { get; private set; }

    /// <summary>Packets decoded since the last cipher change (for re-key decisions, RFC 4344 §3.1).</summary>
    public long PacketsSinceRekey { get; private set; }

    public SshPacketCipher Cipher => _cipher;

    /// <summary>Replaces the cipher after NEWKEYS. The old one is disposed by the caller.</summary>
    public void SetCipher(SshPacketCipher cipher)
    {
        if (_haveLength)
        {
            throw new InvalidOperationException("The cipher cannot change in the middle of a packet.");
        }

        _cipher = cipher;
        PacketsSinceRekey = 0;
    }

    /// <summary>Strict key exchange: the sequence number restarts at zero after NEWKEYS.</summary>
    public void ResetSequenceNumber() => SequenceNumber = 0;

    /// <summary>
    /// Tries to decode one packet from buffer[offset..offset+available). On <see cref="SshDecodeStatus.NeedMoreData"/>,
    /// <paramref name="needed"/> is the total count of bytes (from offset) required to make progress, never more
    /// than 4 + <see cref="SshPacketLimits.MaxPacketLength"/> + tag. On a packet, the payload is
    /// buffer[payloadOffset..payloadOffset+payloadLength) and <paramref name="consumed"/> bytes belong to it.
    /// Throws <see cref="ProtocolViolationException"/> for an oversized or misaligned length, bad padding or a bad MAC.
    /// </summary>
    public SshDecodeStatus TryDecode(byte[] buffer, int offset, int available, out int payloadOffset, out int payloadLength, out int consumed, out int needed)
    {
        payloadOffset = 0;
        payloadLength = 0;
        consumed = 0;
        if (!_haveLength)
        {
            needed = _cipher.LengthBytesNeeded;
            if (available < needed)
            {
                return SshDecodeStatus.NeedMoreData;
            }

            var length = _cipher.ReadLength(SequenceNumber, buffer, offset);
            if (length > SshPacketLimits.MaxPacketLength)
            {
                throw new ProtocolViolationException(
                    $"The server announced an SSH packet of {length} bytes; the limit is {SshPacketLimits.MaxPacketLength} (RFC 4253 §6.1). The data is corrupt or hostile.");
            }

            // RFC 4253 §6: packet_length || padding_length || payload || padding is a multiple of the block size
            // (without the length field for AEAD and etm), with at least 4 bytes of padding and one payload byte.
            var aligned = length + (_cipher.LengthInAlignment ? 4u : 0u);
            if (length < 6 || aligned % (uint)_cipher.BlockSize != 0)
            {
                throw new ProtocolViolationException(
                    $"The server sent an SSH packet length of {length}, which is not a valid multiple of the cipher block size {_cipher.BlockSize} (RFC 4253 §6).");
            }

            _packetLength = length;
            _haveLength = true;
        }

        var total = 4 + (int)_packetLength + _cipher.TagLength;
        needed = total;
        if (available < total)
        {
            return SshDecodeStatus.NeedMoreData;
        }

        if (!_cipher.Open(SequenceNumber, buffer, offset, (int)_packetLength))
        {
            throw new ProtocolViolationException(
                $"MAC error: the integrity check of SSH packet {SequenceNumber} failed. The data was corrupted or tampered with in transit (RFC 4253 §6.4).");
        }

        int paddingLength = buffer[offset + 4];
        if (paddingLength < 4 || paddingLength > (int)_packetLength - 2)
        {
            throw new ProtocolViolationException(
                $"The server sent an SSH packet with {paddingLength} bytes of padding in a packet of {_packetLength} bytes; RFC 4253 §6 requires at least 4 and room for a message.");
        }

        payloadOffset = offset + 5;
        payloadLength = (int)_packetLength - 1 - paddingLength;
        consumed = total;
        _haveLength = false;
        SequenceNumber = unchecked(SequenceNumber + 1);
        PacketsSinceRekey++;
        return SshDecodeStatus.Packet;
    }
}

/// <summary>Builds outgoing packets (RFC 4253 §6) into a caller-owned buffer. Does no I/O.</summary>
internal sealed class SshPacketEncoder
{
    private SshPacketCipher _cipher = SshNoneCipher.Instance;

    public uint SequenceNumber { get; private set; }

    public long PacketsSinceRekey { get; private set; }

    public SshPacketCipher Cipher => _cipher;

    public void SetCipher(SshPacketCipher cipher)
    {
        _cipher = cipher;
        PacketsSinceRekey = 0;
    }

    public void ResetSequenceNumber() => SequenceNumber = 0;

    /// <summary>The buffer size a payload of <paramref name="payloadLength"/> bytes needs.</summary>
    public int MaxEncodedLength(int payloadLength) => 4 + 1 + payloadLength + 4 + 2 * _cipher.BlockSize + _cipher.TagLength;

    /// <summary>Writes payload as one protected packet at buffer[0..] and returns the byte count to send.</summary>
    public int Encode(ReadOnlySpan<byte> payload, byte[] buffer)
    {
        var blockSize = _cipher.BlockSize;
        var unpadded = (_cipher.LengthInAlignment ? 4 : 0) + 1 + payload.Length;
        var padding = blockSize - (unpadded % blockSize);
        if (padding < 4)
        {
            padding += blockSize;
        }

        var packetLength = 1 + payload.Length + padding;
        BinaryPrimitives.WriteUInt32BigEndian(buffer.AsSpan(0), (uint)packetLength);
        buffer[4] = (byte)padding;
        payload.CopyTo(buffer.AsSpan(5));
        SshCrypto.FillRandom(buffer, 5 + payload.Length, padding);
        _cipher.Seal(SequenceNumber, buffer, 0, packetLength);
        SequenceNumber = unchecked(SequenceNumber + 1);
        PacketsSinceRekey++;
        return 4 + packetLength + _cipher.TagLength;
    }
}
