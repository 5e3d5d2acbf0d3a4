using System;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;
using FtpTools.Core.IO;
using Xunit;

namespace FtpTools.Core.Tests.IO;

public class ShortPollTests
{
    [Fact]
    public async Task Bytes_already_there_end_the_wait_at_once_and_mark_the_peer_near()
    {
        var (client, server) = await PairAsync();
        using (client)
        using (server)
        {
            var poll = new ShortPoll(client);
            Assert.False(poll.AnsweredQuickly);

            await server.SendAsync(new byte[] { 1 }, SocketFlags.None);
            await WaitUntilAvailableAsync(client);

            Assert.Equal(ShortPollOutcome.Ready, poll.Wait());
            Assert.Equal((1, 0), (poll.Hits, poll.Misses));
            Assert.True(poll.AnsweredQuickly);
        }
    }

    [Fact]
    public async Task A_wait_with_nothing_to_read_runs_out_and_four_in_a_row_back_off_for_a_while()
    {
        var (client, server) = await PairAsync();
        using (client)
        using (server)
        {
            var poll = new ShortPoll(client);
            await server.SendAsync(new byte[] { 1 }, SocketFlags.None);
            await WaitUntilAvailableAsync(client);
            poll.Wait();
            Assert.Equal(1, client.Receive(new byte[1]));

            var watch = Stopwatch.StartNew();
            var first = poll.Wait();
            var waited = watch.Elapsed;

            // poll(2) counts in milliseconds: the limit is one.
            Assert.InRange(waited, TimeSpan.FromMilliseconds(0.5), TimeSpan.FromSeconds(1));
            Assert.Equal(ShortPollOutcome.Late, first);
            Assert.Equal((1, 1), (poll.Hits, poll.Misses));
            Assert.False(poll.AnsweredQuickly);

            // Late answers from a near server now and then (it was busy) are waited for elsewhere; a run of them is a far server.
            for (var miss = 2; miss < ShortPoll.MissesBeforeBackOff; miss++)
            {
                Assert.Equal(ShortPollOutcome.Late, poll.Wait());
            }

            Assert.Equal(ShortPollOutcome.Far, poll.Wait());
            Assert.Equal((1, ShortPoll.MissesBeforeBackOff), (poll.Hits, poll.Misses));

            // Backed off: the next waits do not look at the socket at all, even with bytes there.
            await server.SendAsync(new byte[] { 2 }, SocketFlags.None);
            await WaitUntilAvailableAsync(client);
            for (var i = 0; i < ShortPoll.BackOffReads; i++)
            {
                Assert.Equal(ShortPollOutcome.Far, poll.Wait());
            }

            Assert.Equal((1, ShortPoll.MissesBeforeBackOff), (poll.Hits, poll.Misses));
            Assert.False(poll.AnsweredQuickly);

            Assert.Equal(ShortPollOutcome.Ready, poll.Wait());
            Assert.Equal((2, ShortPoll.MissesBeforeBackOff), (poll.Hits, poll.Misses));
            Assert.True(poll.AnsweredQuickly);
        }
    }

    [Fact]
    public async Task A_miss_between_two_hits_does_not_back_off()
    {
        var (client, server) = await PairAsync();
        using (client)
        using (server)
        {
            var poll = new ShortPoll(client);
            for (var round = 0; round < 3; round++)
            {
                poll.Wait();
                await server.SendAsync(new byte[] { 1 }, SocketFlags.None);
                await WaitUntilAvailableAsync(client);
                poll.Wait();
                Assert.Equal(1, client.Receive(new byte[1]));
            }

            Assert.Equal((3, 3), (poll.Hits, poll.Misses));
            Assert.True(poll.AnsweredQuickly);
        }
    }

    [Fact]
    public async Task The_peer_closing_ends_the_wait_and_a_closed_socket_is_left_to_the_read_that_follows()
    {
        var (client, server) = await PairAsync();
        var poll = new ShortPoll(client);

        server.Dispose();
        await WaitUntilAsync(() => client.Poll(0, SelectMode.SelectRead));
        poll.Wait();
        Assert.Equal((1, 0), (poll.Hits, poll.Misses));

        client.Dispose();
        Assert.Equal(ShortPollOutcome.Far, poll.Wait());
        Assert.Equal((1, 0), (poll.Hits, poll.Misses));
        Assert.Throws<ObjectDisposedException>(() => client.Receive(new byte[1]));
    }

    [Fact]
    public async Task A_wait_on_a_thread_of_its_own_ends_when_bytes_arrive_or_the_socket_is_closed()
    {
        var (client, server) = await PairAsync();
        using (server)
        {
            var poll = new ShortPoll(client);
            var arrival = poll.WaitOnOwnThreadAsync();
            await Task.Delay(100);
            Assert.False(arrival.IsCompleted);

            await server.SendAsync(new byte[] { 1 }, SocketFlags.None);
            await arrival.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(1, client.Receive(new byte[1]));

            var closing = poll.WaitOnOwnThreadAsync();
            await Task.Delay(100);
            Assert.False(closing.IsCompleted);
            var watch = Stopwatch.StartNew();
            client.Dispose();
            await closing.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.InRange(watch.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(1));
        }
    }

    private static async Task<(Socket Client, Socket Server)> PairAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await client.ConnectAsync(listener.LocalEndPoint!);
        var server = await listener.AcceptAsync();
        server.NoDelay = true;
        return (client, server);
    }

    private static Task WaitUntilAvailableAsync(Socket socket) => WaitUntilAsync(() => socket.Available > 0);

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), "The loopback peer's bytes did not arrive within 10 s.");
            await Task.Delay(1);
        }
    }
}
