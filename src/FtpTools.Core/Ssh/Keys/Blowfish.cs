using System;
using System.Numerics;

namespace FtpTools.Core.Ssh.Keys;

/// <summary>
/// Blowfish (Schneier, 1993) with the "expensive key schedule" operations of bcrypt (Provos and
/// Mazières, 1999), as needed by OpenSSH's bcrypt_pbkdf. Only the parts bcrypt uses: initial state,
/// expandstate, expand0state and block encryption. Not a general cipher for data.
/// </summary>
internal sealed class Blowfish
{
    private const int Rounds = 16;

    // The initial P-array and S-boxes are the fractional hexadecimal digits of π, in order: P[0..17],
    // then S0, S1, S2, S3 (Schneier, "Description of a New Variable-Length Key, 64-Bit Block Cipher").
    // Computing them once avoids carrying 1042 magic constants; a unit test checks the result against
    // BouncyCastle's Blowfish engine.
    private static readonly Lazy<uint[]> InitialState = new(ComputePiWords);

    private readonly uint[] _p = new uint[Rounds + 2];
    private readonly uint[] _s = new uint[4 * 256];

    public Blowfish()
    {
        Reset();
    }

    /// <summary>Back to the initial state (bcrypt's Blowfish_initstate).</summary>
    public void Reset()
    {
        var initial = InitialState.Value;
        Array.Copy(initial, 0, _p, 0, _p.Length);
        Array.Copy(initial, _p.Length, _s, 0, _s.Length);
    }

    /// <summary>bcrypt's Blowfish_expandstate: the key is XORed into P, then data-dependent re-keying.</summary>
    public void ExpandState(ReadOnlySpan<byte> data, ReadOnlySpan<byte> key)
    {
        var j = 0;
        for (var i = 0; i < _p.Length; i++)
        {
            _p[i] ^= StreamToWord(key, ref j);
        }

        j = 0;
        uint left = 0;
        uint right = 0;
        for (var i = 0; i < _p.Length; i += 2)
        {
            left ^= StreamToWord(data, ref j);
            right ^= StreamToWord(data, ref j);
            Encipher(ref left, ref right);
            _p[i] = left;
            _p[i + 1] = right;
        }

        for (var i = 0; i < _s.Length; i += 2)
        {
            left ^= StreamToWord(data, ref j);
            right ^= StreamToWord(data, ref j);
            Encipher(ref left, ref right);
            _s[i] = left;
            _s[i + 1] = right;
        }
    }

    /// <summary>bcrypt's Blowfish_expand0state, which is also Blowfish's ordinary key schedule.</summary>
    public void ExpandZeroState(ReadOnlySpan<byte> key)
    {
        var j = 0;
        for (var i = 0; i < _p.Length; i++)
        {
            _p[i] ^= StreamToWord(key, ref j);
        }

        uint left = 0;
        uint right = 0;
        for (var i = 0; i < _p.Length; i += 2)
        {
            Encipher(ref left, ref right);
            _p[i] = left;
            _p[i + 1] = right;
        }

        for (var i = 0; i < _s.Length; i += 2)
        {
            Encipher(ref left, ref right);
            _s[i] = left;
            _s[i + 1] = right;
        }
    }

    /// <summary>Encrypts one 64-bit block held as two big-endian words.</summary>
    public void Encipher(ref uint left, ref uint right)
    {
        var l = left;
        var r = right;
        l ^= _p[0];
        for (var i = 1; i <= Rounds; i += 2)
        {
            r ^= F(l) ^ _p[i];
            l ^= F(r) ^ _p[i + 1];
        }

        r ^= _p[Rounds + 1];
        left = r;
        right = l;
    }

    public void Clear()
    {
        Array.Clear(_p, 0, _p.Length);
        Array.Clear(_s, 0, _s.Length);
    }

    /// <summary>Next four bytes of <paramref name="data"/> as a big-endian word, wrapping around (bcrypt's Blowfish_stream2word).</summary>
    internal static uint StreamToWord(ReadOnlySpan<byte> data, ref int position)
    {
        uint word = 0;
        for (var i = 0; i < 4; i++)
        {
            if (position >= data.Length)
            {
                position = 0;
            }

            word = (word << 8) | data[position++];
        }

        return word;
    }

    private uint F(uint x) =>
        ((_s[x >> 24] + _s[256 + ((x >> 16) & 0xff)]) ^ _s[512 + ((x >> 8) & 0xff)]) + _s[768 + (x & 0xff)];

    /// <summary>The first 1042 32-bit words of the fractional part of π, by Machin's formula π = 16·atan(1/5) − 4·atan(1/239).</summary>
    private static uint[] ComputePiWords()
    {
        const int words = Rounds + 2 + (4 * 256);
        const int guardBits = 64;
        const int bits = (words * 32) + guardBits;
        var one = BigInteger.One << bits;
        var pi = (16 * ArcTanInverse(5, one)) - (4 * ArcTanInverse(239, one));
        var fraction = (pi - (3 * one)) >> guardBits;

        var result = new uint[words];
        for (var i = words - 1; i >= 0; i--)
        {
            result[i] = (uint)(fraction & uint.MaxValue);
            fraction >>= 32;
        }

        return result;
    }

    /// <summary>atan(1/x) scaled by <paramref name="one"/>, by its Taylor series.</summary>
    private static BigInteger ArcTanInverse(int x, BigInteger one)
    {
        var xSquared = (BigInteger)x * x;
        var power = one / x;
        var sum = power;
        var sign = -1;
        for (var n = 3; !power.IsZero; n += 2)
        {
            power /= xSquared;
            sum += sign * (power / n);
            sign = -sign;
        }

        return sum;
    }
}
