using System;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace FtpTools.Core.Ssh.Keys;

/// <summary>
/// OpenBSD's bcrypt_pbkdf, the KDF of encrypted openssh-key-v1 files (OpenSSH PROTOCOL.key §2).
/// A PBKDF2-like construction whose PRF is "bcrypt_hash": bcrypt's expensive key schedule over
/// SHA-512 of the passphrase and of the salt, then 64 Blowfish encryptions of a fixed 32-byte text.
/// BouncyCastle 1.8.10 has the classic bcrypt only (a different magic text and argument order), so
/// this runs on our own <see cref="Blowfish"/>.
/// </summary>
internal static class BcryptPbkdf
{
    private const int HashSize = 32;
    private const int HashWords = HashSize / 4;

    private static readonly byte[] Magic = Encoding.ASCII.GetBytes("OxychromaticBlowfishSwatDynamite");

    public static byte[] DeriveKey(ReadOnlySpan<byte> password, ReadOnlySpan<byte> salt, int rounds, int keyLength)
    {
        if (rounds < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(rounds), "bcrypt_pbkdf needs at least one round.");
        }

        if (keyLength < 1 || keyLength > HashSize * HashSize)
        {
            throw new ArgumentOutOfRangeException(nameof(keyLength), "bcrypt_pbkdf derives 1 to 1024 bytes.");
        }

        // Output bytes are spread over the blocks ("stride") so that every block's work is needed
        // for every part of the key.
        var stride = (keyLength + HashSize - 1) / HashSize;
        var key = new byte[keyLength];
        var passwordHash = Sha512(password);
        var countSalt = new byte[salt.Length + 4];
        salt.CopyTo(countSalt);
        var block = new byte[HashSize];
        var output = new byte[HashSize];
        var blowfish = new Blowfish();
        try
        {
            for (var count = 1; count <= stride; count++)
            {
                BinaryPrimitives.WriteUInt32BigEndian(countSalt.AsSpan(salt.Length), (uint)count);
                var saltHash = Sha512(countSalt);
                Hash(blowfish, passwordHash, saltHash, block);
                block.CopyTo(output, 0);
                for (var round = 1; round < rounds; round++)
                {
                    saltHash = Sha512(block);
                    Hash(blowfish, passwordHash, saltHash, block);
                    for (var i = 0; i < HashSize; i++)
                    {
                        output[i] ^= block[i];
                    }
                }

                for (var i = 0; i < HashSize; i++)
                {
                    var destination = (i * stride) + (count - 1);
                    if (destination >= keyLength)
                    {
                        break;
                    }

                    key[destination] = output[i];
                }
            }

            return key;
        }
        finally
        {
            Array.Clear(passwordHash, 0, passwordHash.Length);
            Array.Clear(block, 0, block.Length);
            Array.Clear(output, 0, output.Length);
            blowfish.Clear();
        }
    }

    /// <summary>bcrypt_hash(sha2pass, sha2salt): 32 bytes, each word written little-endian as OpenBSD does.</summary>
    private static void Hash(Blowfish blowfish, byte[] passwordHash, byte[] saltHash, byte[] output)
    {
        blowfish.Reset();
        blowfish.ExpandState(saltHash, passwordHash);
        for (var i = 0; i < 64; i++)
        {
            blowfish.ExpandZeroState(saltHash);
            blowfish.ExpandZeroState(passwordHash);
        }

        Span<uint> text = stackalloc uint[HashWords];
        var position = 0;
        for (var i = 0; i < HashWords; i++)
        {
            text[i] = Blowfish.StreamToWord(Magic, ref position);
        }

        for (var i = 0; i < 64; i++)
        {
            for (var j = 0; j < HashWords; j += 2)
            {
                blowfish.Encipher(ref text[j], ref text[j + 1]);
            }
        }

        for (var i = 0; i < HashWords; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(output.AsSpan(i * 4), text[i]);
        }

        text.Clear();
    }

    private static byte[] Sha512(ReadOnlySpan<byte> data)
    {
        using var sha = SHA512.Create();
        return sha.ComputeHash(data.ToArray());
    }
}
