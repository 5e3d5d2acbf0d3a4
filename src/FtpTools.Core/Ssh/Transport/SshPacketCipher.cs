using System;
using System.Buffers.Binary;
using System.Security.Cryptography;

namespace FtpTools.Core.Ssh.Transport;

/// <summary>
/// Protection of one direction of the binary packet protocol (RFC 4253 §6): encryption plus integrity.
/// A packet sits in a caller-owned buffer as uint32 packet_length, byte padding_length, payload,
/// padding, followed by room for <see cref="TagLength"/> bytes. Implementations keep their own scratch
/// buffers so that sealing or opening a packet allocates nothing (except where noted).
/// </summary>
internal abstract class SshPacketCipher : IDisposable
{
    /// <summary>The padding alignment: max(8, cipher block size) (RFC 4253 §6).</summary>
    public abstract int BlockSize { get; }

    public abstract int TagLength { get; }

    /// <summary>
    /// Whether the 4 length bytes count towards the alignment. They do not when the length travels in the
    /// clear or under its own key (AES-GCM RFC 5647 §7.2, *-etm, chacha20-poly1305).
    /// </summary>
    public abstract bool LengthInAlignment { get; }

    /// <summary>How many bytes must have arrived before <see cref="ReadLength"/> can tell the packet length.</summary>
    public abstract int LengthBytesNeeded { get; }

    /// <summary>Encrypts buffer[offset..offset+4+packetLength) in place and writes the tag right after it.</summary>
    public abstract void Seal(uint sequence, byte[] buffer, int offset, int packetLength);

    /// <summary>
    /// Returns packet_length. Called once per packet with <see cref="LengthBytesNeeded"/> bytes available;
    /// may decrypt those bytes in place (CTR without etm).
    /// </summary>
    public abstract uint ReadLength(uint sequence, byte[] buffer, int offset);

    /// <summary>
    /// Checks the tag and decrypts the packet in place, with the whole packet and its tag present.
    /// False means the integrity check failed; nothing is decrypted past that point.
    /// </summary>
    public abstract bool Open(uint sequence, byte[] buffer, int offset, int packetLength);

    public virtual void Dispose()
    {
    }
}

/// <summary>Before the first NEWKEYS: no encryption, no MAC (RFC 4253 §6.3 "none").</summary>
internal sealed class SshNoneCipher : SshPacketCipher
{
    public static readonly SshNoneCipher Instance = new();

    public override int BlockSize => 8;

    public override int TagLength => 0;

    public override bool LengthInAlignment => true;

    public override int LengthBytesNeeded => 4;

    public override void Seal(uint sequence, byte[] buffer, int offset, int packetLength)
    {
    }

    public override uint ReadLength(uint sequence, byte[] buffer, int offset) => BinaryPrimitives.ReadUInt32BigEndian(buffer.AsSpan(offset));

    public override bool Open(uint sequence, byte[] buffer, int offset, int packetLength) => true;
}

/// <summary>aes*-ctr (RFC 4344) with an HMAC, either MAC-then-encrypt (RFC 4253 §6.4) or encrypt-then-MAC (OpenSSH PROTOCOL §1.5).</summary>
internal sealed class SshCtrHmacCipher : SshPacketCipher
{
    private readonly AesCtr _ctr;
    private readonly SshMac _mac;
    private readonly byte[] _expected = new byte[64];

    public SshCtrHmacCipher(byte[] key, byte[] iv, SshMac mac)
    {
        _ctr = new AesCtr(key, iv);
        _mac = mac;
    }

    public override int BlockSize => 16;

    public override int TagLength => _mac.Length;

    public override bool LengthInAlignment => !_mac.EncryptThenMac;

    public override int LengthBytesNeeded => _mac.EncryptThenMac ? 4 : 16;

    public override void Seal(uint sequence, byte[] buffer, int offset, int packetLength)
    {
        var end = offset + 4 + packetLength;
        if (_mac.EncryptThenMac)
        {
            _ctr.Transform(buffer, offset + 4, packetLength);
            _mac.Compute(sequence, buffer, offset, 4 + packetLength, buffer, end);
        }
        else
        {
            _mac.Compute(sequence, buffer, offset, 4 + packetLength, buffer, end);
            _ctr.Transform(buffer, offset, 4 + packetLength);
        }
    }

    public override uint ReadLength(uint sequence, byte[] buffer, int offset)
    {
        if (!_mac.EncryptThenMac)
        {
            // The length is inside the first cipher block (RFC 4253 §6.3); the rest is decrypted in Open.
            _ctr.Transform(buffer, offset, 16);
        }

        return BinaryPrimitives.ReadUInt32BigEndian(buffer.AsSpan(offset));
    }

    public override bool Open(uint sequence, byte[] buffer, int offset, int packetLength)
    {
        var end = offset + 4 + packetLength;
        if (_mac.EncryptThenMac)
        {
            // Authenticate before decrypting anything (OpenSSH PROTOCOL §1.5).
            _mac.Compute(sequence, buffer, offset, 4 + packetLength, _expected, 0);
            if (!SshCrypto.FixedTimeEquals(_expected.AsSpan(0, _mac.Length), buffer.AsSpan(end, _mac.Length)))
            {
                return false;
            }

            _ctr.Transform(buffer, offset + 4, packetLength);
            return true;
        }

        _ctr.Transform(buffer, offset + 16, 4 + packetLength - 16);
        _mac.Compute(sequence, buffer, offset, 4 + packetLength, _expected, 0);
        return SshCrypto.FixedTimeEquals(_expected.AsSpan(0, _mac.Length), buffer.AsSpan(end, _mac.Length));
    }

    public override void Dispose()
    {
        _ctr.Dispose();
        _mac.Dispose();
    }
}

#if NET8_0_OR_GREATER
/// <summary>
/// aes128-gcm@openssh.com / aes256-gcm@openssh.com (RFC 5647 with OpenSSH PROTOCOL §1.6): the length is
/// additional authenticated data in the clear; the 12-byte nonce is a 4-byte fixed field and an 8-byte
/// invocation counter that increments per packet (RFC 5647 §7.1). Uses .NET's AesGcm.
/// </summary>
internal sealed class SshAesGcmCipher : SshPacketCipher
{
    private readonly AesGcm _gcm;
    private readonly byte[] _nonce = new byte[12];

    public SshAesGcmCipher(byte[] key, byte[] iv)
    {
        _gcm = new AesGcm(key, 16);
        Buffer.BlockCopy(iv, 0, _nonce, 0, 12);
    }

    public override int BlockSize => 16;

    public override int TagLength => 16;

    public override bool LengthInAlignment => false;

    public override int LengthBytesNeeded => 4;

    public override void Seal(uint sequence, byte[] buffer, int offset, int packetLength)
    {
        var body = buffer.AsSpan(offset + 4, packetLength);
        _gcm.Encrypt(_nonce, body, body, buffer.AsSpan(offset + 4 + packetLength, 16), buffer.AsSpan(offset, 4));
        IncrementInvocationCounter();
    }

    public override uint ReadLength(uint sequence, byte[] buffer, int offset) => BinaryPrimitives.ReadUInt32BigEndian(buffer.AsSpan(offset));

    public override bool Open(uint sequence, byte[] buffer, int offset, int packetLength)
    {
        var body = buffer.AsSpan(offset + 4, packetLength);
        try
        {
            _gcm.Decrypt(_nonce, body, buffer.AsSpan(offset + 4 + packetLength, 16), body, buffer.AsSpan(offset, 4));
            return true;
        }
        catch (CryptographicException)
        {
            return false;
        }
        finally
        {
            IncrementInvocationCounter();
        }
    }

    public override void Dispose()
    {
        _gcm.Dispose();
        SshCrypto.Clear(_nonce);
    }

    private void IncrementInvocationCounter()
    {
        var counter = BinaryPrimitives.ReadUInt64BigEndian(_nonce.AsSpan(4));
        BinaryPrimitives.WriteUInt64BigEndian(_nonce.AsSpan(4), unchecked(counter + 1));
    }
}
#endif

/// <summary>
/// chacha20-poly1305@openssh.com (OpenSSH PROTOCOL.chacha20poly1305): 64 bytes of key; the first 32 are
/// K_2 (payload and Poly1305 key), the second 32 are K_1 (the length only). The nonce is the sequence number
/// as a big-endian uint64 in the original ChaCha20 8-byte-nonce layout; the Poly1305 key is the first 32
/// bytes of K_2's keystream block 0 and the payload is encrypted from block 1. The tag covers the encrypted
/// length and the encrypted payload. <see cref="ChaCha20"/> and <see cref="Poly1305"/> are this module's own.
/// </summary>
internal sealed class SshChaCha20Poly1305Cipher : SshPacketCipher
{
    private readonly ChaCha20 _main;
    private readonly ChaCha20 _header;
    private readonly byte[] _polyKey = new byte[32];
    private readonly byte[] _length = new byte[4];
    private readonly byte[] _tag = new byte[16];

    public SshChaCha20Poly1305Cipher(byte[] key)
    {
        if (key.Length != 64)
        {
            throw new ArgumentException("chacha20-poly1305@openssh.com needs 64 bytes of key.", nameof(key));
        }

        _main = new ChaCha20(key, 0);
        _header = new ChaCha20(key, 32);
    }

    public override int BlockSize => 8;

    public override int TagLength => 16;

    public override bool LengthInAlignment => false;

    public override int LengthBytesNeeded => 4;

    public override void Seal(uint sequence, byte[] buffer, int offset, int packetLength)
    {
        _header.Process(sequence, 0, buffer, offset, 4, buffer, offset);
        StartPoly(sequence);
        _main.Process(sequence, 1, buffer, offset + 4, packetLength, buffer, offset + 4);
        Poly1305.ComputeTag(_polyKey, buffer.AsSpan(offset, 4 + packetLength), buffer.AsSpan(offset + 4 + packetLength, 16));
    }

    public override uint ReadLength(uint sequence, byte[] buffer, int offset)
    {
        // The encrypted length stays in the buffer: the tag is computed over it in Open.
        _header.Process(sequence, 0, buffer, offset, 4, _length, 0);
        return BinaryPrimitives.ReadUInt32BigEndian(_length);
    }

    public override bool Open(uint sequence, byte[] buffer, int offset, int packetLength)
    {
        StartPoly(sequence);
        Poly1305.ComputeTag(_polyKey, buffer.AsSpan(offset, 4 + packetLength), _tag);
        if (!SshCrypto.FixedTimeEquals(_tag, buffer.AsSpan(offset + 4 + packetLength, 16)))
        {
            return false;
        }

        _main.Process(sequence, 1, buffer, offset + 4, packetLength, buffer, offset + 4);
        Buffer.BlockCopy(_length, 0, buffer, offset, 4);
        return true;
    }

    public override void Dispose()
    {
        SshCrypto.Clear(_polyKey);
        _main.Clear();
        _header.Clear();
    }

    /// <summary>The Poly1305 key: the first 32 bytes of K_2's key stream, block 0 (the payload starts at block 1).</summary>
    private void StartPoly(uint sequence)
    {
        Array.Clear(_polyKey, 0, _polyKey.Length);
        _main.Process(sequence, 0, _polyKey, 0, 32, _polyKey, 0);
    }
}
