using System;
using System.Security.Cryptography;
using FtpTools.Core.Ssh.Transport;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Parameters;
using Xunit;

namespace FtpTools.Core.Tests.Ssh.Transport;

/// <summary>
/// The module's own ChaCha20 and Poly1305 against RFC 8439's vectors, edge cases of the reduction modulo 2^130 - 5
/// (expected tags from Python's `cryptography`, i.e. OpenSSL), and BouncyCastle's implementations on random input.
/// </summary>
public sealed class ChaCha20Poly1305PrimitiveTests
{
    [Fact]
    public void The_block_function_matches_rfc8439_section_2_3_2()
    {
        // The RFC's state words 12-15 (counter 1, nonce 00000009 0000004a 00000000) in the original layout:
        // a 64-bit counter of words 12-13 and a nonce whose big-endian bytes are words 14-15.
        var chacha = new ChaCha20(Range(32), 0);
        var block = new byte[64];

        chacha.Process(0x0000004a00000000, 0x0900000000000001, block, 0, 64, block, 0);

        Assert.Equal(
            "10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4ed2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e",
            Convert.ToHexStringLower(block));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(63)]
    [InlineData(64)]
    [InlineData(255)]
    [InlineData(256)]
    [InlineData(257)]
    [InlineData(1000)]
    [InlineData(32 * 1024 + 5)]
    public void Encryption_matches_bouncy_castles_original_chacha20(int length)
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var nonce = RandomNumberGenerator.GetBytes(8);
        var data = RandomNumberGenerator.GetBytes(length);
        var expected = new byte[length];
        var engine = new ChaChaEngine(20);
        engine.Init(true, new ParametersWithIV(new KeyParameter(key), nonce));
        engine.ProcessBytes(data, 0, length, expected, 0);
        var actual = new byte[length + 3];

        new ChaCha20(key, 0).Process(System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(nonce), 0, data, 0, length, actual, 3);

        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(actual, 3, length));
    }

    [Fact]
    public void Four_blocks_at_once_equal_four_blocks_one_by_one_across_a_32_bit_counter_carry()
    {
        var key = RandomNumberGenerator.GetBytes(40);
        var chacha = new ChaCha20(key, 8);
        var data = RandomNumberGenerator.GetBytes(256);
        var together = (byte[])data.Clone();
        var apart = (byte[])data.Clone();

        chacha.Process(42, 0xFFFFFFFE, together, 0, 256, together, 0);
        for (var i = 0; i < 4; i++)
        {
            chacha.Process(42, 0xFFFFFFFEUL + (ulong)i, apart, 64 * i, 64, apart, 64 * i);
        }

        Assert.Equal(Convert.ToHexString(apart), Convert.ToHexString(together));
        Assert.NotEqual(Convert.ToHexString(data), Convert.ToHexString(together));
    }

    [Theory]
    [InlineData("85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b", "43727970746f6772617068696320466f72756d2052657365617263682047726f7570", "a8061dc1305136c6c22b8baf0c0127a9")] // RFC 8439 §2.5.2
    [InlineData("ffffffffffffffffffffffffffffffff00000000000000000000000000000000", "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", "910fe32bc15fa8d7bca8efe4c7e37eb1")]
    [InlineData("0200000000000000000000000000000000000000000000000000000000000000", "ffffffffffffffffffffffffffffffff", "03000000000000000000000000000000")]
    [InlineData("02000000000000000000000000000000ffffffffffffffffffffffffffffffff", "02000000000000000000000000000000", "03000000000000000000000000000000")]
    [InlineData("0100000000000000000000000000000000000000000000000000000000000000", "fffffffffffffffffffffffffffffffff0ffffffffffffffffffffffffffffff11000000000000000000000000000000", "05000000000000000000000000000000")]
    [InlineData("0100000000000000000000000000000000000000000000000000000000000000", "fffffffffffffffffffffffffffffffffbfefefefefefefefefefefefefefefe01010101010101010101010101010101", "00000000000000000000000000000000")]
    [InlineData("0200000000000000000000000000000000000000000000000000000000000000", "fdffffffffffffffffffffffffffffff", "faffffffffffffffffffffffffffffff")]
    [InlineData("ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", "ffffffffffffffffffffffffffffffffff", "7cfe7ff768f81f2763f8bf565df85f86")]
    [InlineData("ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", "", "ffffffffffffffffffffffffffffffff")]
    public void Poly1305_matches_known_tags_including_the_edges_of_the_reduction(string key, string message, string tag)
    {
        var actual = new byte[16];

        Poly1305.ComputeTag(Convert.FromHexString(key), Convert.FromHexString(message), actual);

        Assert.Equal(tag, Convert.ToHexStringLower(actual));
    }

    [Fact]
    public void Poly1305_matches_bouncy_castle_on_random_keys_and_every_length_up_to_300()
    {
        var bouncy = new Org.BouncyCastle.Crypto.Macs.Poly1305();
        var expected = new byte[16];
        var actual = new byte[16];
        for (var length = 0; length <= 300; length++)
        {
            // Every third round all bits set, where carries run longest.
            var saturated = length % 3 == 0;
            var key = saturated ? Filled(32, 0xFF) : RandomNumberGenerator.GetBytes(32);
            var message = saturated ? Filled(length, 0xFF) : RandomNumberGenerator.GetBytes(length);
            bouncy.Init(new KeyParameter(key));
            bouncy.BlockUpdate(message, 0, length);
            bouncy.DoFinal(expected, 0);

            Poly1305.ComputeTag(key, message, actual);

            Assert.True(expected.AsSpan().SequenceEqual(actual), $"length {length}, key {Convert.ToHexString(key)}, message {Convert.ToHexString(message)}");
        }
    }

    private static byte[] Filled(int count, byte value)
    {
        var bytes = new byte[count];
        Array.Fill(bytes, value);
        return bytes;
    }

    private static byte[] Range(int count)
    {
        var bytes = new byte[count];
        for (var i = 0; i < count; i++)
        {
            bytes[i] = (byte)i;
        }

        return bytes;
    }
}
