using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using FtpTools.Core.Logging;
using FtpTools.Core.Ssh;
using FtpTools.Core.Ssh.Channels;
using Xunit;

namespace FtpTools.Core.Tests.Ssh.Channels;

/// <summary>
/// The receive window of a session channel (RFC 4254 §5.2) against a scripted peer that sends exactly what a test
/// says: the window announced, the ring that starts small and grows while the reader is behind, and the adjustments;
/// and on which thread a waiting reader goes on when data arrives.
/// </summary>
public sealed class SshChannelWindowTests
{
    private const uint ServerChannel = 7;
    private const int Packet = 32 * 1024;

    [Fact]
    public async Task The_channel_announces_an_8_MiB_window()
    {
        await using var peer = new ScriptedConnectionPeer();
        var (connection, _) = await peer.OpenAsync();
        await using (connection)
        {
            Assert.Equal(8u * 1024 * 1024, peer.AnnouncedWindow);
        }
    }

    [Fact]
    public async Task A_whole_window_sent_while_nobody_reads_is_kept_and_read_back_byte_for_byte()
    {
        await using var peer = new ScriptedConnectionPeer();
        var (connection, channel) = await peer.OpenAsync();
        await using (connection)
        {
            // The ring starts at 256 KiB: a reader that is 150 KiB in puts its head mid-ring, the next 200 KiB wrap
            // around its end, and the rest of the window forces the ring to grow with wrapped contents.
            var data = RandomNumberGenerator.GetBytes((int)peer.AnnouncedWindow);
            await peer.SendDataAsync(data.AsMemory(0, 200 * 1024));
            var received = new List<byte>();
            received.AddRange(await ReadExactlyAsync(channel, 150 * 1024));
            await peer.SendDataAsync(data.AsMemory(200 * 1024, 200 * 1024));
            await peer.SendDataAsync(data.AsMemory(400 * 1024));
            await peer.WaitDeliveredAsync();

            received.AddRange(await ReadExactlyAsync(channel, data.Length - (150 * 1024)));
            Assert.Equal(SHA256.HashData(data), SHA256.HashData(received.ToArray()));
            Assert.True(connection.IsConnected);
        }
    }

    [Fact]
    public async Task The_window_reopens_after_a_quarter_is_read_and_only_by_what_was_read()
    {
        await using var peer = new ScriptedConnectionPeer();
        var (connection, channel) = await peer.OpenAsync();
        await using (connection)
        {
            var quarter = (int)(peer.AnnouncedWindow / 4);
            await peer.SendDataAsync(RandomNumberGenerator.GetBytes(quarter + Packet));

            await ReadExactlyAsync(channel, quarter - Packet);
            Assert.Empty(peer.Adjustments);

            await ReadExactlyAsync(channel, Packet);
            var adjust = await peer.NextAdjustmentAsync();
            Assert.Equal((uint)quarter, adjust);
        }
    }

    [Fact]
    public async Task One_byte_past_the_window_is_a_protocol_violation()
    {
        await using var peer = new ScriptedConnectionPeer();
        var (connection, channel) = await peer.OpenAsync();
        await using (connection)
        {
            await peer.SendDataAsync(new byte[peer.AnnouncedWindow]);
            await peer.SendDataAsync(new byte[1]);
            await peer.WaitDeliveredAsync();

            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (connection.IsConnected && DateTime.UtcNow < deadline)
            {
                await Task.Delay(10);
            }

            Assert.False(connection.IsConnected);
            Assert.Contains("with only 0 bytes of window left", connection.Failure!.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_reader_without_timeout_or_cancellation_goes_on_in_the_receive_loop_and_any_other_on_the_pool()
    {
        await using var peer = new ScriptedConnectionPeer();
        var (connection, channel) = await peer.OpenAsync();
        await using (connection)
        {
            // The SFTP reader's kind of wait: resumed by the receive loop itself, while it handles the data message.
            var reading = ReadAndTellIfInLoopAsync(channel, Timeout.InfiniteTimeSpan, peer);
            await Task.Delay(50);
            Assert.False(reading.IsCompleted);
            await peer.SendDataAsync(new byte[] { 1, 2, 3 });
            Assert.Equal((3, true), await reading.WaitAsync(TimeSpan.FromSeconds(10)));

            // A reader with a timeout (or a token) runs caller code after its wait: it goes on on the pool, never in
            // the receive loop. Several rounds, since a pool thread could be the loop's own after it moved on.
            for (var round = 0; round < 5; round++)
            {
                reading = ReadAndTellIfInLoopAsync(channel, TimeSpan.FromSeconds(10), peer);
                await Task.Delay(20);
                await peer.SendDataAsync(new byte[] { 4, 5 });
                Assert.Equal((2, false), await reading.WaitAsync(TimeSpan.FromSeconds(10)));
            }

            // The reader that went on in the loop waits again there; data after it still arrives in order.
            reading = ReadAndTellIfInLoopAsync(channel, Timeout.InfiniteTimeSpan, peer);
            await Task.Delay(20);
            await peer.SendDataAsync(new byte[] { 6 });
            Assert.Equal((1, true), await reading.WaitAsync(TimeSpan.FromSeconds(10)));
            Assert.True(connection.IsConnected);
        }
    }

    [Fact]
    public async Task A_sink_gets_the_data_ringed_before_it_then_the_rest_in_order_and_reopens_the_window_without_reads()
    {
        await using var peer = new ScriptedConnectionPeer();
        var (connection, channel) = await peer.OpenAsync();
        await using (connection)
        {
            var quarter = (int)(peer.AnnouncedWindow / 4);
            var data = RandomNumberGenerator.GetBytes(2 * quarter);
            await peer.SendDataAsync(data.AsMemory(0, 4 * Packet));
            await peer.WaitDeliveredAsync();

            var sink = new RecordingSink(peer);
            channel.AttachSink(sink);
            sink.MarkAttached();
            await peer.SendDataAsync(data.AsMemory(4 * Packet));
            peer.SendMessage(peer.ChannelMessage(SshMessageNumber.SSH_MSG_CHANNEL_EOF));

            Assert.Null(await sink.Ended.WaitAsync(TimeSpan.FromSeconds(10)));
            Assert.Equal(SHA256.HashData(data), SHA256.HashData(sink.Received.ToArray()));
            Assert.True(sink.EveryLaterPieceInLoop, "a piece reached the sink outside the receive loop");

            // Nobody called ReadAsync: the window reopened, a quarter at a time, because the sink took the data (the
            // bytes handed over at the attach count too).
            Assert.Equal((uint)quarter, await peer.NextAdjustmentAsync());
            Assert.Equal((uint)quarter, await peer.NextAdjustmentAsync());
            Assert.True(connection.IsConnected);
        }
    }

    [Fact]
    public async Task A_sink_ends_once_with_the_connections_failure_or_at_once_when_the_channel_already_ended()
    {
        await using (var peer = new ScriptedConnectionPeer())
        {
            var (connection, channel) = await peer.OpenAsync();
            await using (connection)
            {
                var sink = new RecordingSink(peer);
                channel.AttachSink(sink);

                // A reply to a request never made: the connection fails, and the sink hears why.
                peer.SendMessage(peer.ChannelMessage(SshMessageNumber.SSH_MSG_CHANNEL_SUCCESS));

                var failure = await sink.Ended.WaitAsync(TimeSpan.FromSeconds(10));
                Assert.NotNull(failure);
                Assert.Contains("without a pending request", failure!.Message, StringComparison.Ordinal);
                channel.Release();
                Assert.Equal(1, sink.Ends);
            }
        }

        await using (var peer = new ScriptedConnectionPeer())
        {
            var (connection, channel) = await peer.OpenAsync();
            await using (connection)
            {
                await peer.SendDataAsync(new byte[] { 1, 2, 3 });
                peer.SendMessage(peer.ChannelMessage(SshMessageNumber.SSH_MSG_CHANNEL_EOF));
                await peer.WaitDeliveredAsync();

                var sink = new RecordingSink(peer);
                channel.AttachSink(sink);

                Assert.Null(await sink.Ended.WaitAsync(TimeSpan.FromSeconds(1)));
                Assert.Equal(new byte[] { 1, 2, 3 }, sink.Received);
                Assert.Throws<InvalidOperationException>(() => channel.AttachSink(new RecordingSink(peer)));
            }
        }
    }

    /// <summary>One read; true when it went on on the thread that is handling the data message that ended its wait.</summary>
    private static async Task<(int Read, bool InLoop)> ReadAndTellIfInLoopAsync(SshChannel channel, TimeSpan timeout, ScriptedConnectionPeer peer)
    {
        var read = await channel.ReadAsync(new byte[64], timeout, CancellationToken.None).ConfigureAwait(false);
        return (read, peer.DispatchingThread == Environment.CurrentManagedThreadId);
    }

    private static async Task<byte[]> ReadExactlyAsync(SshChannel channel, int count)
    {
        var buffer = new byte[count];
        var filled = 0;
        while (filled < count)
        {
            var read = await channel.ReadAsync(buffer.AsMemory(filled), TimeSpan.FromSeconds(10), CancellationToken.None);
            Assert.True(read > 0, $"The channel ended after {filled} of {count} bytes.");
            filled += read;
        }

        return buffer;
    }

    /// <summary>Records what a channel hands its sink, and whether each piece after the first came on the receive loop.</summary>
    private sealed class RecordingSink : ISshChannelSink
    {
        private readonly ScriptedConnectionPeer _peer;
        private readonly TaskCompletionSource<Exception?> _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private bool _attached;
        private int _ends;

        public RecordingSink(ScriptedConnectionPeer peer) => _peer = peer;

        public List<byte> Received { get; } = new();

        public bool EveryLaterPieceInLoop { get; private set; } = true;

        public int Ends => Volatile.Read(ref _ends);

        public Task<Exception?> Ended => _ended.Task;

        public void OnData(ReadOnlySpan<byte> data)
        {
            // What was ringed before the sink came is handed over by AttachSink on the caller's thread; the rest comes
            // from the receive loop.
            if (_attached && _peer.DispatchingThread != Environment.CurrentManagedThreadId)
            {
                EveryLaterPieceInLoop = false;
            }

            lock (Received)
            {
                Received.AddRange(data.ToArray());
            }
        }

        public void OnEnd(Exception? failure)
        {
            Interlocked.Increment(ref _ends);
            _ended.TrySetResult(failure);
        }

        public void MarkAttached() => _attached = true;
    }

    /// <summary>The server side of one connection after authentication: confirms one channel open, then sends what it is told.</summary>
    private sealed class ScriptedConnectionPeer : ISshTransport
    {
        private readonly Channel<byte[]> _toClient = Channel.CreateUnbounded<byte[]>();
        private readonly Channel<uint> _adjustments = Channel.CreateUnbounded<uint>();
        private readonly TaskCompletionSource<uint> _opened = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _queued;
        private int _delivered;
        private uint _clientChannel;
        private int _dispatchingThread = -1;

        public ReadOnlyMemory<byte> SessionId => new byte[32];

        public IReadOnlyList<string>? ServerSignatureAlgorithms => null;

        public IProtocolLog? Log => null;

        public uint AnnouncedWindow { get; private set; }

        public List<uint> Adjustments { get; } = new();

        /// <summary>The receive loop's thread while it handles the message it was last given; -1 once it asks for the next.</summary>
        public int DispatchingThread => Volatile.Read(ref _dispatchingThread);

        public async Task<(SshConnection Connection, SshChannel Channel)> OpenAsync()
        {
            var connection = new SshConnection(this, TimeSpan.FromSeconds(10));
            connection.Start();
            var channel = await connection.OpenSessionAsync(CancellationToken.None);
            return (connection, channel);
        }

        public async Task SendDataAsync(ReadOnlyMemory<byte> data)
        {
            for (var offset = 0; offset < data.Length; offset += Packet)
            {
                var chunk = data.Slice(offset, Math.Min(Packet, data.Length - offset));
                Interlocked.Increment(ref _queued);
                await _toClient.Writer.WriteAsync(new SshWriter(chunk.Length + 16)
                    .WriteByte((byte)SshMessageNumber.SSH_MSG_CHANNEL_DATA)
                    .WriteUInt32(_clientChannel)
                    .WriteString(chunk.Span)
                    .ToArray());
            }
        }

        /// <summary>Waits until the client's receive loop has taken every queued message (and so handled all but the last).</summary>
        public async Task WaitDeliveredAsync()
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (Volatile.Read(ref _delivered) < Volatile.Read(ref _queued) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(5);
            }

            // The receive loop handles a message before asking for the next; one more short wait covers the last.
            await Task.Delay(50);
        }

        /// <summary>A message to the client's channel with nothing after the recipient (EOF, CLOSE, SUCCESS, FAILURE).</summary>
        public byte[] ChannelMessage(SshMessageNumber number) => new SshWriter(8).WriteByte((byte)number).WriteUInt32(_clientChannel).ToArray();

        public void SendMessage(byte[] message) => _toClient.Writer.TryWrite(message);

        public async Task<uint> NextAdjustmentAsync()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            return await _adjustments.Reader.ReadAsync(timeout.Token);
        }

        public ValueTask SendAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
        {
            var reader = new SshReader(payload);
            var type = (SshMessageNumber)reader.ReadByte();
            switch (type)
            {
                case SshMessageNumber.SSH_MSG_CHANNEL_OPEN:
                    Assert.Equal("session", reader.ReadString());
                    _clientChannel = reader.ReadUInt32();
                    AnnouncedWindow = reader.ReadUInt32();
                    _toClient.Writer.TryWrite(new SshWriter(32)
                        .WriteByte((byte)SshMessageNumber.SSH_MSG_CHANNEL_OPEN_CONFIRMATION)
                        .WriteUInt32(_clientChannel)
                        .WriteUInt32(ServerChannel)
                        .WriteUInt32(2 * 1024 * 1024)
                        .WriteUInt32(Packet)
                        .ToArray());
                    break;
                case SshMessageNumber.SSH_MSG_CHANNEL_WINDOW_ADJUST:
                    Assert.Equal(ServerChannel, reader.ReadUInt32());
                    var bytes = reader.ReadUInt32();
                    lock (Adjustments)
                    {
                        Adjustments.Add(bytes);
                    }

                    _adjustments.Writer.TryWrite(bytes);
                    break;
            }

            return default;
        }

        public async ValueTask<ReadOnlyMemory<byte>> ReceiveAsync(CancellationToken cancellationToken)
        {
            Volatile.Write(ref _dispatchingThread, -1);
            var message = await _toClient.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (message[0] == (byte)SshMessageNumber.SSH_MSG_CHANNEL_DATA)
            {
                Interlocked.Increment(ref _delivered);
            }

            // The loop goes on handling this message on this thread (its await of this call resumes here).
            Volatile.Write(ref _dispatchingThread, Environment.CurrentManagedThreadId);
            return message;
        }

        public ValueTask DisposeAsync()
        {
            _toClient.Writer.TryComplete();
            return default;
        }
    }
}
