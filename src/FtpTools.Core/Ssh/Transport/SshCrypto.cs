using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace FtpTools.Core.Ssh.Transport;

/// <summary>Small crypto helpers with one API over both target frameworks.</summary>
internal static class SshCrypto
{
#if !NET8_0_OR_GREATER
    private static readonly RandomNumberGenerator Rng = RandomNumberGenerator.Create();
#endif

    /// <summary>Compares MACs without an early exit, so timing does not tell how many bytes matched.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.NoOptimization)]
    public static bool FixedTimeEquals(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
#if NET8_0_OR_GREATER
        return CryptographicOperations.FixedTimeEquals(left, right);
#else
        if (left.Length != right.Length)
        {
            return false;
        }

        var difference = 0;
        for (var i = 0; i < left.Length; i++)
        {
            difference |= left[i] ^ right[i];
        }

        return difference == 0;
#endif
    }

    public static void FillRandom(byte[] buffer, int offset, int count)
    {
#if NET8_0_OR_GREATER
        RandomNumberGenerator.Fill(buffer.AsSpan(offset, count));
#else
        lock (Rng)
        {
            Rng.GetBytes(buffer, offset, count);
        }
#endif
    }

    public static byte[] RandomBytes(int count)
    {
        var bytes = new byte[count];
        FillRandom(bytes, 0, count);
        return bytes;
    }

    /// <summary>Wipes key material we no longer need.</summary>
    public static void Clear(byte[]? data)
    {
        if (data is not null)
        {
            Array.Clear(data, 0, data.Length);
        }
    }

    /// <summary>destination ^= keystream, eight bytes at a time where possible.</summary>
    public static void Xor(Span<byte> destination, ReadOnlySpan<byte> keystream)
    {
        var words = destination.Length / 8;
        var d = MemoryMarshal.Cast<byte, ulong>(destination.Slice(0, words * 8));
        var k = MemoryMarshal.Cast<byte, ulong>(keystream.Slice(0, words * 8));
        for (var i = 0; i < d.Length; i++)
        {
            d[i] ^= k[i];
        }

        for (var i = words * 8; i < destination.Length; i++)
        {
            destination[i] ^= keystream[i];
        }
    }

    public static HashAlgorithm CreateHash(HashAlgorithmName name)
    {
        if (name == HashAlgorithmName.SHA1)
        {
#pragma warning disable CA5350 // SHA-1 is only reached for the legacy algorithms a caller names explicitly (ssh-rsa, *-sha1 kex).
            return SHA1.Create();
#pragma warning restore CA5350
        }

        if (name == HashAlgorithmName.SHA256)
        {
            return SHA256.Create();
        }

        if (name == HashAlgorithmName.SHA384)
        {
            return SHA384.Create();
        }

        if (name == HashAlgorithmName.SHA512)
        {
            return SHA512.Create();
        }

        throw new ArgumentOutOfRangeException(nameof(name), name.Name, "Unsupported hash.");
    }

    public static byte[] Hash(HashAlgorithmName name, byte[] data, int offset, int count)
    {
        using var hash = CreateHash(name);
        return hash.ComputeHash(data, offset, count);
    }
}
