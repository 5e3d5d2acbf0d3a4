using System;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Ftp;
using Xunit;

namespace FtpTools.Core.Tests.Ftp;

/// <summary>
/// <see cref="FtpAsciiStream"/>'s line-end conversion, with the data cut into pieces of every size so that a CR LF
/// split between two reads or writes is met. What the servers do with it is in <see cref="FtpAsciiModeTests"/>.
/// </summary>
public sealed class FtpAsciiStreamTests
{
    [Theory]
    [InlineData("one\r\ntwo\r\n", "one\ntwo\n")]
    [InlineData("no line end", "no line end")]
    [InlineData("lone\rcr\r\n", "lone\rcr\n")]
    [InlineData("cr cr lf\r\r\n", "cr cr lf\r\n")]
    [InlineData("ends in cr\r", "ends in cr\r")]
    [InlineData("\r\n\r\n\n\r", "\n\n\n\r")]
    [InlineData("", "")]
    public async Task Downloads_store_CRLF_as_LF_where_LF_is_the_line_end_whatever_the_reads_sizes(string sent, string stored)
    {
        var data = Encoding.ASCII.GetBytes(sent);
        for (var piece = 1; piece <= Math.Max(1, data.Length); piece++)
        {
            foreach (var readSize in new[] { 1, 2, 3, 64 })
            {
                Assert.Equal(stored, await ReadAllAsync(new FtpAsciiStream(new Pieces(data, piece), crlfToLf: true), readSize, sync: false));
                Assert.Equal(stored, await ReadAllAsync(new FtpAsciiStream(new Pieces(data, piece), crlfToLf: true), readSize, sync: true));
            }
        }
    }

    [Fact]
    public async Task Downloads_keep_CRLF_where_it_is_the_line_end()
    {
        var data = Encoding.ASCII.GetBytes("one\r\ntwo\r\n");

        Assert.Equal("one\r\ntwo\r\n", await ReadAllAsync(new FtpAsciiStream(new Pieces(data, 3), crlfToLf: false), 4, sync: false));
    }

    [Theory]
    [InlineData("one\ntwo\n", "one\r\ntwo\r\n")]
    [InlineData("already\r\ncrlf\r\n", "already\r\ncrlf\r\n")]
    [InlineData("mixed\nand\r\nlone\rcr\n", "mixed\r\nand\r\nlone\rcr\r\n")]
    [InlineData("\n\n", "\r\n\r\n")]
    [InlineData("", "")]
    public async Task Uploads_send_every_bare_LF_as_CRLF_whatever_the_writes_sizes(string local, string sent)
    {
        var data = Encoding.ASCII.GetBytes(local);
        for (var piece = 1; piece <= Math.Max(1, data.Length); piece++)
        {
            var asyncSink = new Pieces(Array.Empty<byte>(), 1);
            var syncSink = new Pieces(Array.Empty<byte>(), 1);
            var asynchronous = new FtpAsciiStream(asyncSink, crlfToLf: true);
            var synchronous = new FtpAsciiStream(syncSink, crlfToLf: true);
            for (var at = 0; at < data.Length; at += piece)
            {
                var length = Math.Min(piece, data.Length - at);
                await asynchronous.WriteAsync(data.AsMemory(at, length));
                synchronous.Write(data, at, length);
            }

            Assert.Equal(sent, Encoding.ASCII.GetString(asyncSink.Written.ToArray()));
            Assert.Equal(sent, Encoding.ASCII.GetString(syncSink.Written.ToArray()));
            Assert.Equal(data.Length, asynchronous.Position);
        }
    }

    [Fact]
    public async Task A_large_upload_is_sent_in_pieces_and_arrives_whole()
    {
        var line = Encoding.ASCII.GetBytes(new string('x', 99) + "\n");
        var data = Enumerable.Range(0, 5000).SelectMany(_ => line).ToArray();
        var sink = new Pieces(Array.Empty<byte>(), 1);

        await new FtpAsciiStream(sink, crlfToLf: true).WriteAsync(data, 0, data.Length, CancellationToken.None);

        Assert.Equal(data.Length + 5000, sink.Written.Length);
        Assert.Equal(string.Concat(Enumerable.Repeat(new string('x', 99) + "\r\n", 5000)), Encoding.ASCII.GetString(sink.Written.ToArray()));
    }

    private static async Task<string> ReadAllAsync(FtpAsciiStream stream, int readSize, bool sync)
    {
        var buffer = new byte[readSize];
        using var all = new MemoryStream();
        while (true)
        {
            var read = sync ? stream.Read(buffer, 0, readSize) : await stream.ReadAsync(buffer.AsMemory());
            if (read == 0)
            {
                return Encoding.ASCII.GetString(all.ToArray());
            }

            all.Write(buffer, 0, read);
        }
    }

    /// <summary>A transfer's stream that hands out its data at most <c>piece</c> bytes per read and keeps what is written.</summary>
    private sealed class Pieces : RemoteFileStream
    {
        private readonly byte[] _data;
        private readonly int _piece;
        private int _at;

        public Pieces(byte[] data, int piece)
        {
            _data = data;
            _piece = piece;
        }

        public MemoryStream Written { get; } = new();

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override Task CompleteAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = Math.Min(Math.Min(count, _piece), _data.Length - _at);
            Array.Copy(_data, _at, buffer, offset, n);
            _at += n;
            return n;
        }

        public override void Write(byte[] buffer, int offset, int count) => Written.Write(buffer, offset, count);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
