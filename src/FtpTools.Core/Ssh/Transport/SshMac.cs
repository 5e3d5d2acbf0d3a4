using System;
using System.Buffers.Binary;
using System.Security.Cryptography;
#if !NET8_0_OR_GREATER
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Macs;
using Org.BouncyCastle.Crypto.Parameters;
#endif

namespace FtpTools.Core.Ssh.Transport;

/// <summary>
/// One direction's HMAC (RFC 4253 §6.4, RFC 6668): mac = MAC(key, uint32 sequence_number || data).
/// The key is set once per key exchange; computing a MAC allocates nothing.
/// </summary>
internal sealed class SshMac : IDisposable
{
    private readonly byte[] _sequence = new byte[4];
#if NET8_0_OR_GREATER
    private readonly IncrementalHash _hmac;
#else
    private readonly HMac _hmac;
#endif

    private SshMac(HashAlgorithmName hash, byte[] key, int length, bool encryptThenMac)
    {
        Length = length;
        EncryptThenMac = encryptThenMac;
#if NET8_0_OR_GREATER
        _hmac = IncrementalHash.CreateHMAC(hash, key);
#else
        IDigest digest = hash == HashAlgorithmName.SHA1 ? new Sha1Digest() : hash == HashAlgorithmName.SHA256 ? new Sha256Digest() : new Sha512Digest();
        _hmac = new HMac(digest);
        _hmac.Init(new KeyParameter(key));
#endif
    }

    public int Length { get; }

    /// <summary>OpenSSH PROTOCOL §1.5: the MAC covers the ciphertext and the length is sent in the clear.</summary>
    public bool EncryptThenMac { get; }

    /// <summary>Key length in bytes, the hash output length (RFC 4253 §6.4, RFC 6668 §2).</summary>
    public static int KeyLength(string name) => name switch
    {
        SshAlgorithms.HmacSha256 or SshAlgorithms.HmacSha256Etm => 32,
        SshAlgorithms.HmacSha512 or SshAlgorithms.HmacSha512Etm => 64,
        SshAlgorithms.HmacSha1 or SshAlgorithms.HmacSha1Etm => 20,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Unknown MAC."),
    };

    public static SshMac Create(string name, byte[] key) => name switch
    {
        SshAlgorithms.HmacSha256 => new SshMac(HashAlgorithmName.SHA256, key, 32, false),
        SshAlgorithms.HmacSha256Etm => new SshMac(HashAlgorithmName.SHA256, key, 32, true),
        SshAlgorithms.HmacSha512 => new SshMac(HashAlgorithmName.SHA512, key, 64, false),
        SshAlgorithms.HmacSha512Etm => new SshMac(HashAlgorithmName.SHA512, key, 64, true),
        SshAlgorithms.HmacSha1 => new SshMac(HashAlgorithmName.SHA1, key, 20, false),
        SshAlgorithms.HmacSha1Etm => new SshMac(HashAlgorithmName.SHA1, key, 20, true),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Unknown MAC."),
    };

    /// <summary>Writes the MAC of sequence || buffer[offset..offset+count) to destination[destinationOffset..].</summary>
    public void Compute(uint sequence, byte[] buffer, int offset, int count, byte[] destination, int destinationOffset)
    {
        BinaryPrimitives.WriteUInt32BigEndian(_sequence, sequence);
#if NET8_0_OR_GREATER
        _hmac.AppendData(_sequence);
        _hmac.AppendData(buffer, offset, count);
        if (!_hmac.TryGetHashAndReset(destination.AsSpan(destinationOffset, Length), out _))
        {
            throw new InvalidOperationException("The MAC buffer is too small.");
        }
#else
        _hmac.BlockUpdate(_sequence, 0, 4);
        _hmac.BlockUpdate(buffer, offset, count);
        _hmac.DoFinal(destination, destinationOffset);
#endif
    }

    public void Dispose()
    {
#if NET8_0_OR_GREATER
        _hmac.Dispose();
#else
        _hmac.Reset();
#endif
    }
}
