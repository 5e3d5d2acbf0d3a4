using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography;
using FtpTools.Core.Errors;
using FtpTools.Core.Ssh.Transport;
using Xunit;

namespace FtpTools.Core.Tests.Ssh.Transport;

/// <summary>
/// Packet protection against known answers computed independently (Python's `cryptography` and hmac
/// modules, following PROTOCOL.chacha20poly1305, RFC 5647, RFC 4344 and PROTOCOL §1.5), plus
/// round trips, tampering and allocation checks through the packet codec.
/// </summary>
public sealed class SshPacketCipherTests
{
    private const string ChaChaPlain = "000000380b5e54686520717569636b2062726f776e20666f78206a756d7073206f76657220746865206c617a7920646f67a0a1a2a3a4a5a6a7a8a9aa";
    private const string ChaChaSealed = "a39afc922318412b2ba35b2b050ed0d0b5fdbc5b5a92565906c357f62d1a68ffef256626842399c0350e95c3d5f202417492aad5d4083579388be159190e37f00288d3f58ebbe883b7cf45b9";
    private const string GcmPlain = "00000040135e54686520717569636b2062726f776e20666f78206a756d7073206f76657220746865206c617a7920646f67a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2";
    private const string GcmSealed1 = "000000405b458a0e1cc927eb570134c8b817058a2ce26065f34c9907caa1df6894d5c03ab49d28a56c7efa7e84d31c509ae26b6db8ff3d4187e2e882515d017840311438f87315108ea2165c467950714f30c232";
    private const string GcmSealed2 = "00000040f0451e7ef94eab321b8273c04e4d0f840c7cec51194d3b2276a06167989a60d72c12ad3bd8178538260abdde04402ebd972944a81373b1eadbea6bf1af7ac77637f9043be316338252d83a2debe06ac4";
    private const string CtrEtmSealed1 = "000000401fc94912f88b23cef250bcfc1a8007e82ab655462e9bfb25fabbfb84ece845ea9a849253a9dee0e286bb5f55642708e6d74a80fdbf7961ed4759e43586f29cef715193d1033837baa2719f18ce76d1db013918a697efdc51042d97811d49712d";
    private const string CtrEtmSealed2 = "000000405ecb319c30b1d95793d3da4127e52a9df583bff0c88669c55c787fec70feb2e08b4ff67dca1f51fe92f337c527546c7eb9a456c1c579195dfaf13acbd5e2cc65bcb5c216b9d7b4926ef5ee200fdb9fcafa98714096404d1bc880b8bf72623d7a";
    private const string CtrMacPlain = "0000003c0f5e54686520717569636b2062726f776e20666f78206a756d7073206f76657220746865206c617a7920646f67a0a1a2a3a4a5a6a7a8a9aaabacadae";
    private const string CtrMacSealed = "e999e42143f924b236a7600e34ec3cce90e26fc14469f9bfd1d3f01fb05e04a09f2b13dc6acdf780869afa4b31e25252691c147c1688261baf00009fb3803c3785f44522b0c3dc2fc18a4fef17a1b03f0ed8af29db686a17bd0bc13f68724fecadd7d26d5a471a6f2fedc78fb16fca211cad4d6460db090277071804d294d93d";

    public static IEnumerable<object[]> CipherNames() => new[]
    {
        new object[] { "chacha20-poly1305@openssh.com", "" },
        new object[] { "aes256-gcm@openssh.com", "" },
        new object[] { "aes128-gcm@openssh.com", "" },
        new object[] { "aes128-ctr", "hmac-sha2-256-etm@openssh.com" },
        new object[] { "aes192-ctr", "hmac-sha2-512-etm@openssh.com" },
        new object[] { "aes256-ctr", "hmac-sha2-256" },
        new object[] { "aes256-ctr", "hmac-sha2-512" },
        new object[] { "aes128-ctr", "hmac-sha1" },
    };

    [Fact]
    public void ChaCha20Poly1305_matches_the_known_answer_and_opens_it()
    {
        using var seal = new SshChaCha20Poly1305Cipher(Range(0, 64));
        var buffer = Sealable(ChaChaPlain, 16);

        seal.Seal(7, buffer, 0, 0x38);

        Assert.Equal(ChaChaSealed, Convert.ToHexStringLower(buffer));
        using var open = new SshChaCha20Poly1305Cipher(Range(0, 64));
        Assert.Equal(0x38u, open.ReadLength(7, buffer, 0));
        Assert.True(open.Open(7, buffer, 0, 0x38));
        Assert.Equal(ChaChaPlain, Convert.ToHexStringLower(buffer.AsSpan(0, buffer.Length - 16)));
    }

    [Fact]
    public void ChaCha20Poly1305_depends_on_the_sequence_number()
    {
        using var open = new SshChaCha20Poly1305Cipher(Range(0, 64));
        var buffer = Convert.FromHexString(ChaChaSealed);

        open.ReadLength(8, buffer, 0);

        Assert.False(open.Open(8, buffer, 0, 0x38));
    }

    [Fact]
    public void AesGcm_matches_the_known_answer_and_increments_the_invocation_counter()
    {
        using var seal = new SshAesGcmCipher(Range(0, 32), Range(100, 12));
        var first = Sealable(GcmPlain, 16);
        var second = Sealable(GcmPlain, 16);

        seal.Seal(0, first, 0, 0x40);
        seal.Seal(1, second, 0, 0x40);

        Assert.Equal(GcmSealed1, Convert.ToHexStringLower(first));
        Assert.Equal(GcmSealed2, Convert.ToHexStringLower(second));
        using var open = new SshAesGcmCipher(Range(0, 32), Range(100, 12));
        Assert.True(open.Open(0, first, 0, 0x40));
        Assert.True(open.Open(1, second, 0, 0x40));
        Assert.Equal(GcmPlain, Convert.ToHexStringLower(second.AsSpan(0, second.Length - 16)));
    }

    [Fact]
    public void AesCtr_with_etm_matches_the_known_answer_with_the_counter_running_across_packets()
    {
        using var seal = new SshCtrHmacCipher(Range(0, 16), Range(200, 16), SshMac.Create("hmac-sha2-256-etm@openssh.com", Range(50, 32)));
        var first = Sealable(GcmPlain, 32);
        var second = Sealable(GcmPlain, 32);

        seal.Seal(3, first, 0, 0x40);
        seal.Seal(4, second, 0, 0x40);

        Assert.Equal(CtrEtmSealed1, Convert.ToHexStringLower(first));
        Assert.Equal(CtrEtmSealed2, Convert.ToHexStringLower(second));
    }

    [Fact]
    public void AesCtr_with_mac_then_encrypt_matches_the_known_answer_across_a_128_bit_counter_wrap()
    {
        var allOnes = Enumerable.Repeat((byte)0xFF, 16).ToArray();
        using var seal = new SshCtrHmacCipher(Range(0, 32), allOnes, SshMac.Create("hmac-sha2-512", Range(0, 64)));
        var buffer = Sealable(CtrMacPlain, 64);

        seal.Seal(uint.MaxValue, buffer, 0, 0x3c);

        Assert.Equal(CtrMacSealed, Convert.ToHexStringLower(buffer));
        using var open = new SshCtrHmacCipher(Range(0, 32), allOnes, SshMac.Create("hmac-sha2-512", Range(0, 64)));
        Assert.Equal(0x3cu, open.ReadLength(uint.MaxValue, buffer, 0));
        Assert.True(open.Open(uint.MaxValue, buffer, 0, 0x3c));
        Assert.Equal(CtrMacPlain, Convert.ToHexStringLower(buffer.AsSpan(0, buffer.Length - 64)));
    }

    [Theory]
    [MemberData(nameof(CipherNames))]
    public void Packets_round_trip_through_the_codec_in_any_split(string cipher, string mac)
    {
        var (encoder, decoder) = Pair(cipher, mac);
        var payloads = Enumerable.Range(0, 40).Select(i => RandomNumberGenerator.GetBytes(1 + (i * 997 % 5000))).ToList();
        var wire = new List<byte>();
        var buffer = new byte[70_000];
        foreach (var payload in payloads)
        {
            var count = encoder.Encode(payload, buffer);
            wire.AddRange(buffer.AsSpan(0, count).ToArray());
        }

        var received = DecodeInChunks(decoder, wire.ToArray(), chunk: 7);

        Assert.Equal(payloads.Select(Convert.ToHexString), received.Select(Convert.ToHexString));
        Assert.Equal(40u, decoder.SequenceNumber);
    }

    [Theory]
    [MemberData(nameof(CipherNames))]
    public void Any_flipped_bit_is_a_mac_error(string cipher, string mac)
    {
        var (encoder, _) = Pair(cipher, mac);
        var buffer = new byte[1000];
        var count = encoder.Encode(RandomNumberGenerator.GetBytes(200), buffer);
        var lengthBytes = mac.Length > 0 && !mac.Contains("etm", StringComparison.Ordinal) ? 16 : 4;

        // Flip a bit past the length field in the ciphertext and in the tag.
        foreach (var position in new[] { lengthBytes + 3, count - 1 })
        {
            var (_, decoder) = Pair(cipher, mac);
            var tampered = buffer.AsSpan(0, count).ToArray();
            tampered[position] ^= 0x10;

            var error = Assert.Throws<ProtocolViolationException>(() => decoder.TryDecode(tampered, 0, tampered.Length, out _, out _, out _, out _));

            Assert.StartsWith("MAC error: the integrity check of SSH packet 0 failed.", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Oversized_packet_length_is_refused_from_the_first_four_bytes()
    {
        var decoder = new SshPacketDecoder();
        var bytes = new byte[] { 0x40, 0, 0, 0 };

        var error = Assert.Throws<ProtocolViolationException>(() => decoder.TryDecode(bytes, 0, 4, out _, out _, out _, out _));

        Assert.StartsWith("The server announced an SSH packet of 1073741824 bytes; the limit is 262144", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(12, 3, "3 bytes of padding")]
    [InlineData(12, 11, "11 bytes of padding")]
    [InlineData(13, 4, "not a valid multiple of the cipher block size 8")]
    [InlineData(4, 4, "not a valid multiple")]
    public void Bad_length_or_padding_is_a_protocol_violation(int packetLength, int padding, string expected)
    {
        var decoder = new SshPacketDecoder();
        var bytes = new byte[4 + packetLength];
        bytes[3] = (byte)packetLength;
        bytes[4] = (byte)padding;
        bytes[5] = 20;

        var error = Assert.Throws<ProtocolViolationException>(() => decoder.TryDecode(bytes, 0, bytes.Length, out _, out _, out _, out _));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void One_byte_short_asks_for_exactly_the_rest()
    {
        var encoder = new SshPacketEncoder();
        var buffer = new byte[100];
        var count = encoder.Encode(new byte[] { 2, 1, 2, 3 }, buffer);
        var decoder = new SshPacketDecoder();

        Assert.Equal(SshDecodeStatus.NeedMoreData, decoder.TryDecode(buffer, 0, count - 1, out _, out _, out _, out var needed));
        Assert.Equal(count, needed);
        Assert.Equal(SshDecodeStatus.Packet, decoder.TryDecode(buffer, 0, count, out var offset, out var length, out var consumed, out _));
        Assert.Equal(new byte[] { 2, 1, 2, 3 }, buffer.AsSpan(offset, length).ToArray());
        Assert.Equal(count, consumed);
    }

    [Fact]
    public void Sequence_numbers_wrap_at_two_to_the_32()
    {
        var encoder = new SshPacketEncoder();
        var decoder = new SshPacketDecoder();
        SetSequence(encoder, uint.MaxValue);
        SetSequence(decoder, uint.MaxValue);
        using var send = new SshCtrHmacCipher(Range(0, 16), Range(0, 16), SshMac.Create("hmac-sha2-256-etm@openssh.com", Range(0, 32)));
        using var receive = new SshCtrHmacCipher(Range(0, 16), Range(0, 16), SshMac.Create("hmac-sha2-256-etm@openssh.com", Range(0, 32)));
        encoder.SetCipher(send);
        decoder.SetCipher(receive);
        var buffer = new byte[200];

        var wire = new List<byte>();
        for (var i = 0; i < 2; i++)
        {
            var count = encoder.Encode(new byte[] { 94, (byte)i }, buffer);
            wire.AddRange(buffer.AsSpan(0, count).ToArray());
        }

        var packets = DecodeInChunks(decoder, wire.ToArray(), chunk: 1000);

        Assert.Equal(2, packets.Count);
        Assert.Equal(1u, encoder.SequenceNumber);
        Assert.Equal(1u, decoder.SequenceNumber);
    }

    [Theory]
    [InlineData("chacha20-poly1305@openssh.com", "")]
    [InlineData("aes256-gcm@openssh.com", "")]
    [InlineData("aes128-ctr", "hmac-sha2-256-etm@openssh.com")]
    [InlineData("aes256-ctr", "hmac-sha2-512")]
    public void Sealing_and_opening_allocate_nothing(string cipher, string mac)
    {
        var (encoder, decoder) = Pair(cipher, mac);
        var payload = RandomNumberGenerator.GetBytes(32 * 1024);
        var buffer = new byte[40 * 1024];
        RoundTrip(encoder, decoder, payload, buffer);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 200; i++)
        {
            RoundTrip(encoder, decoder, payload, buffer);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Key_derivation_matches_rfc4253_section_7_2_known_answer()
    {
        var k = Convert.FromHexString("0000002100808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
        var h = Convert.FromHexString("7bde03b6174b06ac22d902ada587e02f46b15e82e96fcc34d951b86efe0642f8");
        var sessionId = Convert.FromHexString("1cc1c70c03d3fa98125ac304150c6b2ab44b1a308f55aab9e46e6de9f92ae871");

        var key = SshKeyDerivation.Derive(HashAlgorithmName.SHA256, k, h, 'C', sessionId, 70);

        Assert.Equal(
            "5fca2c06dce6e078771840e75b83d673fed120e3a5099386e7c5503602664cf9d603e14d790e99840c567405baf275ad5e610430a69415f5a94aecc3fbab84e9f4b34e97240d",
            Convert.ToHexStringLower(key));
    }

    private static void RoundTrip(SshPacketEncoder encoder, SshPacketDecoder decoder, byte[] payload, byte[] buffer)
    {
        var count = encoder.Encode(payload, buffer);
        if (decoder.TryDecode(buffer, 0, count, out _, out var length, out _, out _) != SshDecodeStatus.Packet || length != payload.Length)
        {
            throw new InvalidOperationException("round trip failed");
        }
    }

    private static List<byte[]> DecodeInChunks(SshPacketDecoder decoder, byte[] wire, int chunk)
    {
        var result = new List<byte[]>();
        var buffer = new byte[wire.Length];
        int available = 0, start = 0, fed = 0;
        while (fed < wire.Length || available > 0)
        {
            var status = decoder.TryDecode(buffer, start, available, out var offset, out var length, out var consumed, out _);
            if (status == SshDecodeStatus.Packet)
            {
                result.Add(buffer.AsSpan(offset, length).ToArray());
                start += consumed;
                available -= consumed;
                continue;
            }

            if (fed == wire.Length)
            {
                break;
            }

            var take = Math.Min(chunk, wire.Length - fed);
            Array.Copy(wire, fed, buffer, start + available, take);
            fed += take;
            available += take;
        }

        return result;
    }

    private static (SshPacketEncoder, SshPacketDecoder) Pair(string cipher, string mac)
    {
        var key = Range(1, SshCipherFactory.KeyLength(cipher));
        var iv = Range(2, SshCipherFactory.IvLength(cipher));
        var macName = mac.Length == 0 ? null : mac;
        var macKey = macName is null ? null : Range(3, SshMac.KeyLength(macName));
        var encoder = new SshPacketEncoder();
        var decoder = new SshPacketDecoder();
        encoder.SetCipher(SshCipherFactory.Create(cipher, macName, key, iv, macKey));
        decoder.SetCipher(SshCipherFactory.Create(cipher, macName, key, iv, macKey));
        return (encoder, decoder);
    }

    private static void SetSequence(object codec, uint value)
    {
        var property = codec.GetType().GetProperty("SequenceNumber")!;
        property.SetValue(codec, value);
    }

    private static byte[] Sealable(string plainHex, int tagLength)
    {
        var plain = Convert.FromHexString(plainHex);
        var buffer = new byte[plain.Length + tagLength];
        plain.CopyTo(buffer, 0);
        return buffer;
    }

    private static byte[] Range(int start, int count) => Enumerable.Range(start, count).Select(i => (byte)i).ToArray();
}
