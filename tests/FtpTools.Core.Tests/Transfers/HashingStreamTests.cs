using System;
using System.Security.Cryptography;
using System.Text;
using FtpTools.Core.Transfers;
using Xunit;

namespace FtpTools.Core.Tests.Transfers;

public sealed class HashingStreamTests
{
    [Theory]
    [InlineData(RemoteHashAlgorithm.Crc32, "CBF43926")] // The check value of CRC-32/ISO-HDLC.
    [InlineData(RemoteHashAlgorithm.Md5, "25F9E794323B453885F5181F1B624D0B")]
    [InlineData(RemoteHashAlgorithm.Sha1, "F7C3BC1D808E04732ADF679965CCC34CA7AE3441")]
    [InlineData(RemoteHashAlgorithm.Sha256, "15E2B0D3C33891EBB0F1EF609EC419420C20E320CE94C65FBC8C3312448EB225")]
    public void The_check_string_hashes_to_its_published_value(RemoteHashAlgorithm algorithm, string expected)
    {
        using var stream = new HashingStream(algorithm);
        var bytes = Encoding.ASCII.GetBytes("123456789");

        stream.Write(bytes, 0, bytes.Length);

        Assert.Equal(expected, stream.HexHash());
        Assert.Equal(9, stream.Length);
    }

    [Theory]
    [InlineData(RemoteHashAlgorithm.Sha256)]
    [InlineData(RemoteHashAlgorithm.Sha384)]
    [InlineData(RemoteHashAlgorithm.Sha512)]
    [InlineData(RemoteHashAlgorithm.Crc32)]
    public void Writes_of_any_size_and_offset_hash_like_the_whole(RemoteHashAlgorithm algorithm)
    {
        var data = RandomNumberGenerator.GetBytes(100_003);
        using var whole = new HashingStream(algorithm);
        using var pieces = new HashingStream(algorithm);
        var padded = new byte[data.Length + 10];
        data.CopyTo(padded, 5);

        whole.Write(data, 0, data.Length);
        for (int offset = 0, size = 1; offset < data.Length; offset += size, size = (size * 7) + 3)
        {
            pieces.Write(padded, 5 + offset, Math.Min(size, data.Length - offset));
        }

        Assert.Equal(whole.HexHash(), pieces.HexHash());
        Assert.Equal(data.Length, pieces.Length);
    }

    [Theory]
    [InlineData("sha256", RemoteHashAlgorithm.Sha256)]
    [InlineData("SHA-512", RemoteHashAlgorithm.Sha512)]
    [InlineData("Md5", RemoteHashAlgorithm.Md5)]
    [InlineData("CRC32", RemoteHashAlgorithm.Crc32)]
    public void Algorithm_names_parse_in_any_case(string name, RemoteHashAlgorithm expected) =>
        Assert.Equal(expected, RemoteFileHasher.Parse(name));

    [Fact]
    public void An_unknown_algorithm_name_says_which_ones_exist() =>
        Assert.Equal(
            "Unknown hash algorithm 'SHA3'. Use SHA256, SHA1, SHA384, SHA512, MD5 or CRC32. (Parameter 'name')",
            Assert.Throws<ArgumentException>(() => RemoteFileHasher.Parse("SHA3")).Message);
}
