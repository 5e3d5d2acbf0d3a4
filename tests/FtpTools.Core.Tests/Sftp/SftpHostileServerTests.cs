using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;
using FtpTools.Core.Sftp;
using FtpTools.Core.Ssh;
using Xunit;

namespace FtpTools.Core.Tests.Sftp;

/// <summary>A scripted server that misbehaves: every case must end in a clear error, quickly, never a hang.</summary>
public sealed class SftpHostileServerTests : IAsyncLifetime
{
    private static readonly TimeSpan NoHang = TimeSpan.FromSeconds(15);
    private FakeSftpPeer _peer = null!;

    public async Task InitializeAsync() => _peer = await FakeSftpPeer.CreateAsync();

    public async Task DisposeAsync() => await _peer.DisposeAsync();

    [Fact]
    public async Task An_oversized_packet_length_kills_the_session_with_a_protocol_violation()
    {
        var session = await _peer.OpenSessionAsync(TimeSpan.FromSeconds(30));
        var request = session.GetItemAsync("x", CancellationToken.None);
        await _peer.ReadRequestAsync();

        await _peer.SendRawAsync(new byte[] { 0x01, 0x00, 0x00, 0x00, 105, 0, 0, 0 });

        var error = await Assert.ThrowsAsync<ProtocolViolationException>(() => request.WaitAsync(NoHang));
        Assert.Equal($"The SFTP server sent a packet of 16777216 bytes; the limit is {SftpPacket.MaxIncomingLength}.", error.Message);
        Assert.False(session.IsConnected);
        var later = await Assert.ThrowsAsync<ConnectionLostException>(() => session.GetItemAsync("y", CancellationToken.None));
        Assert.Contains("16777216", later.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_response_to_an_unknown_id_is_a_protocol_violation()
    {
        var session = await _peer.OpenSessionAsync(TimeSpan.FromSeconds(30));
        var request = session.GetItemAsync("x", CancellationToken.None);
        var lstat = await _peer.ReadRequestAsync();

        await _peer.SendStatusAsync(lstat.Id + 1000, SftpStatusCode.SSH_FX_OK);

        var error = await Assert.ThrowsAsync<ProtocolViolationException>(() => request.WaitAsync(NoHang));
        Assert.Equal($"The SFTP server sent SSH_FXP_STATUS for request id {lstat.Id + 1000}, which is not outstanding.", error.Message);
        Assert.False(session.IsConnected);
    }

    [Fact]
    public async Task A_truncated_message_is_a_protocol_violation()
    {
        var session = await _peer.OpenSessionAsync(TimeSpan.FromSeconds(30));
        var request = session.OpenReadAsync("x", 0, CancellationToken.None);
        var open = await _peer.ReadRequestAsync();

        // SSH_FXP_HANDLE whose handle string claims 10 bytes but the packet ends after 2 of them.
        await _peer.SendPacketAsync(SftpPacketType.SSH_FXP_HANDLE, open.Id, w => w.WriteUInt32(10).WriteByte(1).WriteByte(2));

        var error = await Assert.ThrowsAsync<ProtocolViolationException>(() => request.WaitAsync(NoHang));
        Assert.Equal("The peer sent a string of 10 bytes where only 2 remain in the message.", error.Message);
        Assert.False(session.IsConnected);
    }

    [Fact]
    public async Task A_name_list_claiming_more_entries_than_it_holds_is_a_protocol_violation()
    {
        var session = await _peer.OpenSessionAsync(TimeSpan.FromSeconds(30));
        var request = session.RealPathAsync("x", CancellationToken.None);
        var realPath = await _peer.ReadRequestAsync();

        await _peer.SendPacketAsync(SftpPacketType.SSH_FXP_NAME, realPath.Id, w => w.WriteUInt32(1_000_000).WriteUInt32(0));

        var error = await Assert.ThrowsAsync<ProtocolViolationException>(() => request.WaitAsync(NoHang));
        Assert.Contains("claims 1000000 entries", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_packet_cut_off_by_a_closed_channel_is_a_lost_connection()
    {
        var session = await _peer.OpenSessionAsync(TimeSpan.FromSeconds(30));
        var request = session.GetItemAsync("x", CancellationToken.None);
        await _peer.ReadRequestAsync();

        await _peer.SendRawAsync(new byte[] { 0, 0, 0, 50, 101, 0, 0 });
        _peer.Close();

        var error = await Assert.ThrowsAsync<ConnectionLostException>(() => request.WaitAsync(NoHang));
        Assert.Equal("The SFTP channel closed in the middle of a packet (7 bytes of it received).", error.Message);
        Assert.False(session.IsConnected);
    }

    [Fact]
    public async Task A_silent_server_times_out_instead_of_hanging()
    {
        var session = await _peer.OpenSessionAsync(TimeSpan.FromSeconds(1));
        var watch = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<ConnectionLostException>(() => session.GetItemAsync("x", CancellationToken.None).WaitAsync(NoHang));

        Assert.Equal("The SFTP server did not answer for 1 s.", error.Message);
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(5));
        Assert.False(session.IsConnected);
    }

    [Fact]
    public async Task A_server_that_answers_INIT_with_something_else_is_refused()
    {
        var options = new ConnectionOptions { Protocol = RemoteProtocol.Sftp, Host = "127.0.0.1", OperationTimeout = TimeSpan.FromSeconds(5) };
        var open = SftpSession.OpenAsync(_peer.ClientStream, "127.0.0.1", 22, new SessionInfo(), options, null, CancellationToken.None);
        await _peer.ReadRequestAsync();

        await _peer.SendStatusAsync(0, SftpStatusCode.SSH_FX_OK);

        var error = await Assert.ThrowsAsync<ProtocolViolationException>(() => open.WaitAsync(NoHang));
        Assert.Equal("The SFTP server answered SSH_FXP_INIT with packet type 101, not SSH_FXP_VERSION.", error.Message);
    }

    [Fact]
    public async Task A_server_that_never_answers_INIT_times_out()
    {
        var options = new ConnectionOptions { Protocol = RemoteProtocol.Sftp, Host = "127.0.0.1", OperationTimeout = TimeSpan.FromSeconds(1) };
        var owner = new DisposeProbe();

        var error = await Assert.ThrowsAsync<ConnectionLostException>(() =>
            SftpSession.OpenAsync(_peer.ClientStream, "127.0.0.1", 22, new SessionInfo(), options, owner, CancellationToken.None).WaitAsync(NoHang));

        Assert.Equal("The SFTP server did not answer SSH_FXP_INIT within 1 s.", error.Message);
        Assert.True(owner.Disposed);
    }

    [Fact]
    public async Task More_data_than_requested_is_a_protocol_violation()
    {
        var session = await _peer.OpenSessionAsync(TimeSpan.FromSeconds(30));
        var open = session.OpenReadAsync("f", 0, CancellationToken.None);
        await _peer.SendPacketAsync(SftpPacketType.SSH_FXP_HANDLE, (await _peer.ReadRequestAsync()).Id, w => w.WriteString("h"));
        await _peer.SendPacketAsync(SftpPacketType.SSH_FXP_ATTRS, (await _peer.ReadRequestAsync()).Id, w => w.WriteUInt32(1).WriteUInt64(10));
        var read = await _peer.ReadRequestAsync();
        var stream = await open;

        var reader = read.Reader();
        reader.ReadStringBytes();
        reader.ReadUInt64();
        var asked = reader.ReadUInt32();
        await _peer.SendPacketAsync(SftpPacketType.SSH_FXP_DATA, read.Id, w => w.WriteString(new byte[asked + 1]));

        var error = await Assert.ThrowsAsync<ProtocolViolationException>(() => stream.ReadAsync(new byte[100]).AsTask().WaitAsync(NoHang));
        Assert.Equal($"The SFTP server returned {asked + 1} bytes for a read of {asked}.", error.Message);
    }

    [Fact]
    public async Task Data_that_stops_halfway_because_the_channel_closed_fails_the_read_with_the_cut()
    {
        var session = await _peer.OpenSessionAsync(TimeSpan.FromSeconds(30));
        var (stream, first) = await OpenFileOfAsync(session, 5000);

        await _peer.SendRawAsync(DataPacket(first.Id, 5000).AsSpan(0, 13 + 1000).ToArray());
        _peer.Close();

        var error = await Assert.ThrowsAsync<ConnectionLostException>(() => stream.ReadAsync(new byte[100]).AsTask().WaitAsync(NoHang));
        Assert.Equal("The SFTP channel closed in the middle of a packet (1013 bytes of it received).", error.Message);
        Assert.False(session.IsConnected);
    }

    [Fact]
    public async Task Data_that_stops_halfway_with_nothing_else_outstanding_still_times_out()
    {
        // The read whose data is arriving is no longer waiting for an answer, yet a server silent in its middle is
        // as dead as one that never answers.
        var session = await _peer.OpenSessionAsync(TimeSpan.FromSeconds(1));
        var (stream, first) = await OpenFileOfAsync(session, 5000);
        await _peer.SendRawAsync(DataPacket(first.Id, 5000).AsSpan(0, 13 + 1000).ToArray());
        var watch = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<ConnectionLostException>(() => stream.ReadAsync(new byte[100]).AsTask().WaitAsync(NoHang));

        Assert.Equal("The SFTP server did not answer for 1 s.", error.Message);
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(5));
        Assert.False(session.IsConnected);
    }

    [Fact]
    public async Task Data_arriving_in_small_pieces_reads_back_exactly()
    {
        var content = RandomNumberGenerator.GetBytes(5000);
        var session = await _peer.OpenSessionAsync(TimeSpan.FromSeconds(30));
        var (stream, first) = await OpenFileOfAsync(session, content.Length);

        var packet = DataPacket(first.Id, content.Length, content);
        for (var at = 0; at < packet.Length; at += 7)
        {
            await _peer.SendRawAsync(packet.AsSpan(at, Math.Min(7, packet.Length - at)).ToArray());
        }

        var received = new byte[content.Length + 100];
        var total = 0;
        int n;
        while ((n = await stream.ReadAsync(received.AsMemory(total)).AsTask().WaitAsync(NoHang)) > 0)
        {
            total += n;
        }

        Assert.Equal(content, received.AsSpan(0, total).ToArray());
    }

    /// <summary>
    /// Opens "f" as a file of <paramref name="size"/> bytes: the stream asks for the whole file and, in the same
    /// round trip, for what follows it, which is answered with SSH_FX_EOF here; the first read stays outstanding.
    /// </summary>
    private async Task<(RemoteFileStream Stream, FakeSftpPeer.Request First)> OpenFileOfAsync(SftpSession session, int size)
    {
        var open = session.OpenReadAsync("f", 0, CancellationToken.None);
        await _peer.SendPacketAsync(SftpPacketType.SSH_FXP_HANDLE, (await _peer.ReadRequestAsync()).Id, w => w.WriteString("h"));
        await _peer.SendPacketAsync(SftpPacketType.SSH_FXP_ATTRS, (await _peer.ReadRequestAsync()).Id, w => w.WriteUInt32(1).WriteUInt64((ulong)size));
        var first = await _peer.ReadRequestAsync();
        var second = await _peer.ReadRequestAsync();
        Assert.Equal(SftpPacketType.SSH_FXP_READ, first.Type);
        Assert.Equal(SftpPacketType.SSH_FXP_READ, second.Type);
        await _peer.SendStatusAsync(second.Id, SftpStatusCode.SSH_FX_EOF);
        return (await open, first);
    }

    private static byte[] DataPacket(uint id, int length, byte[]? content = null)
    {
        var writer = new SshWriter();
        SftpPacket.Begin(writer, SftpPacketType.SSH_FXP_DATA, id);
        writer.WriteString(content ?? new byte[length]);
        SftpPacket.End(writer);
        return writer.ToArray();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Out_of_order_answers_and_short_reads_still_give_the_file_in_order(bool inChunks)
    {
        var content = RandomNumberGenerator.GetBytes(1_234_567);
        var session = await _peer.OpenSessionAsync(TimeSpan.FromSeconds(30));
        var serve = ServeFileAsync(content, refuseFstat: true);

        var received = new List<byte>();
        await using (var stream = await session.OpenReadAsync("f", 0, CancellationToken.None))
        {
            var buffer = new byte[50_000];
            int n;
            while (!inChunks && (n = await stream.ReadAsync(buffer).AsTask().WaitAsync(NoHang)) > 0)
            {
                received.AddRange(buffer.AsSpan(0, n).ToArray());
            }

            // The transfer engine's way: each answer where it lies in its slot, whole.
            ReadOnlyMemory<byte> chunk;
            while (inChunks && !(chunk = await ((IChunkedReader)stream).ReadChunkAsync(CancellationToken.None).AsTask().WaitAsync(NoHang)).IsEmpty)
            {
                received.AddRange(chunk.ToArray());
            }

            await stream.CompleteAsync(CancellationToken.None).WaitAsync(NoHang);
        }

        Assert.Equal(SHA256.HashData(content), SHA256.HashData(received.ToArray()));
        var stats = await serve.WaitAsync(NoHang);
        Assert.True(stats.ShortReads > 0, "the fake server made no short reads");
        Assert.True(stats.MaxOutstanding > 4, $"reads were not pipelined (at most {stats.MaxOutstanding} outstanding)");
    }

    [Fact]
    public async Task A_refused_write_surfaces_from_the_stream_and_the_session_stays_usable()
    {
        var session = await _peer.OpenSessionAsync(TimeSpan.FromSeconds(30));
        var open = session.OpenWriteAsync("f", 0, CancellationToken.None);
        await _peer.SendPacketAsync(SftpPacketType.SSH_FXP_HANDLE, (await _peer.ReadRequestAsync()).Id, w => w.WriteString("h"));
        var stream = await open;

        var serve = Task.Run(async () =>
        {
            while (true)
            {
                var request = await _peer.ReadRequestAsync();
                switch (request.Type)
                {
                    case SftpPacketType.SSH_FXP_WRITE:
                        var reader = request.Reader();
                        reader.ReadStringBytes();
                        var offset = reader.ReadUInt64();
                        await _peer.SendStatusAsync(request.Id, offset >= 65536 ? SftpStatusCode.SSH_FX_FAILURE : SftpStatusCode.SSH_FX_OK, offset >= 65536 ? "No space left on device" : "");
                        break;
                    case SftpPacketType.SSH_FXP_CLOSE:
                        await _peer.SendStatusAsync(request.Id, SftpStatusCode.SSH_FX_OK);
                        break;
                    case SftpPacketType.SSH_FXP_REALPATH:
                        await _peer.SendNameAsync(request.Id, "/home/fake");
                        return;
                    default:
                        throw new InvalidOperationException("unexpected " + request.Type);
                }
            }
        });

        var error = await Assert.ThrowsAsync<CommandRefusedException>(async () =>
        {
            await stream.WriteAsync(new byte[1_000_000]).AsTask().WaitAsync(NoHang);
            await stream.CompleteAsync(CancellationToken.None).WaitAsync(NoHang);
        });

        Assert.Equal(RemoteErrorKind.Failure, error.Kind);
        Assert.Equal((int)SftpStatusCode.SSH_FX_FAILURE, error.SftpStatus);
        Assert.Equal("The SFTP server refused SSH_FXP_WRITE to /home/fake/f (SSH_FX_FAILURE): No space left on device", error.Message);
        await stream.DisposeAsync();
        await session.KeepAliveAsync(CancellationToken.None).WaitAsync(NoHang);
        await serve.WaitAsync(NoHang);
        Assert.True(session.IsConnected);
    }

    /// <summary>Serves one file: answers each READ after a random delay (so out of order) with a random part of what was asked.</summary>
    private async Task<(int ShortReads, int MaxOutstanding)> ServeFileAsync(byte[] content, bool refuseFstat)
    {
        var shortReads = 0;
        var outstanding = 0;
        var maxOutstanding = 0;
        var answers = new List<Task>();
        while (true)
        {
            var request = await _peer.ReadRequestAsync();
            switch (request.Type)
            {
                case SftpPacketType.SSH_FXP_OPEN:
                    await _peer.SendPacketAsync(SftpPacketType.SSH_FXP_HANDLE, request.Id, w => w.WriteString("handle-1"));
                    break;
                case SftpPacketType.SSH_FXP_FSTAT when refuseFstat:
                    await _peer.SendStatusAsync(request.Id, SftpStatusCode.SSH_FX_OP_UNSUPPORTED, "no fstat here");
                    break;
                case SftpPacketType.SSH_FXP_READ:
                    var reader = request.Reader();
                    reader.ReadStringBytes();
                    var offset = (long)reader.ReadUInt64();
                    var length = (int)reader.ReadUInt32();
                    var now = Interlocked.Increment(ref outstanding);
                    maxOutstanding = Math.Max(maxOutstanding, now);
                    var delay = RandomNumberGenerator.GetInt32(0, 3);
                    var give = offset >= content.Length ? 0 : Math.Min(content.Length - (int)offset, RandomNumberGenerator.GetInt32(0, 2) == 0 ? RandomNumberGenerator.GetInt32(1, length + 1) : length);
                    if (give > 0 && give < length && offset + give < content.Length)
                    {
                        shortReads++;
                    }

                    answers.Add(Task.Run(async () =>
                    {
                        await Task.Delay(delay);
                        Interlocked.Decrement(ref outstanding);
                        if (give == 0)
                        {
                            await _peer.SendStatusAsync(request.Id, SftpStatusCode.SSH_FX_EOF, "End of file");
                        }
                        else
                        {
                            await _peer.SendPacketAsync(SftpPacketType.SSH_FXP_DATA, request.Id, w => w.WriteString(content.AsSpan((int)offset, give)));
                        }
                    }));
                    break;
                case SftpPacketType.SSH_FXP_CLOSE:
                    await Task.WhenAll(answers);
                    await _peer.SendStatusAsync(request.Id, SftpStatusCode.SSH_FX_OK);
                    return (shortReads, maxOutstanding);
                default:
                    throw new InvalidOperationException("unexpected " + request.Type);
            }
        }
    }

    private sealed class DisposeProbe : IAsyncDisposable
    {
        public bool Disposed { get; private set; }

        public ValueTask DisposeAsync()
        {
            Disposed = true;
            return ValueTask.CompletedTask;
        }
    }
}
