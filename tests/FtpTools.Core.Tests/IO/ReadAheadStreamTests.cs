using System;
using System.IO;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.IO;
using Xunit;

namespace FtpTools.Core.Tests.IO;

public sealed class ReadAheadStreamTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(16_389)]
    [InlineData(70_000)]
    public async Task Every_byte_comes_back_in_order_whatever_the_read_size(int readSize)
    {
        var data = RandomNumberGenerator.GetBytes(300_001);
        var inner = new CountingStream(data, maxPerRead: 40_000);
        using var stream = new ReadAheadStream(inner, 64 * 1024);
        using var copy = new MemoryStream();
        var buffer = new byte[readSize];
        int n;
        while ((n = await stream.ReadAsync(buffer, 0, buffer.Length, CancellationToken.None)) > 0)
        {
            copy.Write(buffer, 0, n);
        }

        Assert.Equal(SHA256.HashData(data), SHA256.HashData(copy.ToArray()));
        Assert.Equal(0, await stream.ReadAsync(buffer.AsMemory()));
    }

    [Fact]
    public async Task Small_reads_are_served_from_one_large_read_and_large_ones_go_straight_through()
    {
        var data = RandomNumberGenerator.GetBytes(200_000);
        var inner = new CountingStream(data, maxPerRead: int.MaxValue);
        using var stream = new ReadAheadStream(inner, 64 * 1024);
        var small = new byte[5];

        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(5, await stream.ReadAsync(small.AsMemory()));
        }

        Assert.Equal(1, inner.Reads);
        Assert.Equal(data.AsSpan(495, 5).ToArray(), small);

        // What is buffered comes first; once it is used up, a read of at least the buffer's size bypasses it.
        var large = new byte[100_000];
        Assert.Equal(64 * 1024 - 500, await stream.ReadAsync(large, 0, large.Length, CancellationToken.None));
        Assert.Equal(100_000, await stream.ReadAsync(large, 0, large.Length, CancellationToken.None));
        Assert.Equal(2, inner.Reads);
        Assert.Equal(data.AsSpan(64 * 1024, 100_000).ToArray(), large);
    }

    [Fact]
    public async Task Writes_go_straight_to_the_inner_stream()
    {
        var inner = new MemoryStream();
        using var stream = new ReadAheadStream(inner, 64 * 1024);

        await stream.WriteAsync(new byte[] { 1, 2, 3 }, 0, 3, CancellationToken.None);

        Assert.Equal(new byte[] { 1, 2, 3 }, inner.ToArray());
    }

    /// <summary>Hands out at most <c>maxPerRead</c> bytes per read and counts the reads.</summary>
    private sealed class CountingStream : MemoryStream
    {
        private readonly int _maxPerRead;

        public CountingStream(byte[] data, int maxPerRead)
            : base(data, writable: false) => _maxPerRead = maxPerRead;

        public int Reads { get; private set; }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Reads++;
            return Task.FromResult(base.Read(buffer, offset, Math.Min(count, _maxPerRead)));
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Reads++;
            return ValueTask.FromResult(base.Read(buffer.Span[..Math.Min(buffer.Length, _maxPerRead)]));
        }
    }
}
