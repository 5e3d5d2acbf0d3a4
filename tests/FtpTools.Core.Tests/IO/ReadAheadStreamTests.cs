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

    [Fact]
    public async Task With_the_gate_a_read_waiting_for_the_network_lets_others_in_and_takes_the_gate_back_before_returning()
    {
        var inner = new PendingStream();
        using var stream = new ReadAheadStream(inner, 64 * 1024);
        stream.EnableGate();

        // The reader holds the gate, as FtpDataConnection does around a TLS operation, and waits for the network.
        await stream.EnterAsync();
        var read = stream.ReadAsync(new byte[10], 0, 10, CancellationToken.None);
        Assert.False(read.IsCompleted);

        // Meanwhile a writer gets in; the data arrives while it is inside, and the read waits for it to leave.
        await stream.EnterAsync().WaitAsync(TimeSpan.FromSeconds(5));
        inner.Arrive(new byte[] { 1, 2, 3 });
        await Task.Delay(200);
        Assert.False(read.IsCompleted);
        stream.Exit();

        Assert.Equal(3, await read.WaitAsync(TimeSpan.FromSeconds(5)));

        // The reader has the gate again: nobody else gets in until it leaves.
        var other = stream.EnterAsync();
        await Task.Delay(100);
        Assert.False(other.IsCompleted);
        stream.Exit();
        await other.WaitAsync(TimeSpan.FromSeconds(5));
        stream.Exit();
    }

    /// <summary>A read waits until the test hands it bytes.</summary>
    private sealed class PendingStream : Stream
    {
        private readonly TaskCompletionSource<byte[]> _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public void Arrive(byte[] data) => _next.SetResult(data);

        public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            var data = await _next.Task;
            data.CopyTo(buffer, offset);
            return data.Length;
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
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
