using System;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;
using FtpTools.Core.Ftp;
using FtpTools.Core.IO;
using Xunit;

namespace FtpTools.Core.Tests.Ftp;

/// <summary>
/// A near server (replies within a millisecond) gets its replies waited for in poll(2), a late one on a thread of its
/// own, and its connections connected without blocking and waited for the same way, so that no socket of the session
/// goes through the runtime's event loop; a far one keeps the asynchronous path. Either way the deadlines hold.
/// </summary>
public sealed class FtpQuickAnswerTests : IDisposable
{
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(60));

    private CancellationToken Token => _timeout.Token;

    public void Dispose() => _timeout.Dispose();

    [Fact]
    public async Task A_reply_there_within_the_wait_marks_the_server_near_and_a_late_one_does_not()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var options = new ConnectionOptions { Protocol = RemoteProtocol.Ftp, Host = "127.0.0.1", Port = ((IPEndPoint)listener.LocalEndPoint!).Port };
        using var control = await FtpControlConnection.ConnectAsync(options, Token);
        using var peer = await listener.AcceptAsync(Token);
        Assert.False(control.AnswersQuickly);

        await peer.SendAsync(Encoding.ASCII.GetBytes("220 ready\r\n"), SocketFlags.None, Token);
        await Task.Delay(50, Token);
        Assert.Equal("220 ready", (await control.ReadReplyAsync(Token)).ToString());
        Assert.True(control.AnswersQuickly);

        var late = Task.Run(
            async () =>
            {
                await Task.Delay(100, Token);
                await peer.SendAsync(Encoding.ASCII.GetBytes("200 late\r\n"), SocketFlags.None, Token);
            },
            Token);
        Assert.Equal("200 late", (await control.ReadReplyAsync(Token)).ToString());
        await late;
        Assert.False(control.AnswersQuickly);
    }

    [Fact]
    public async Task A_reply_asked_for_earlier_and_waiting_on_the_socket_does_not_mark_a_far_server_near()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var options = new ConnectionOptions { Protocol = RemoteProtocol.Ftp, Host = "127.0.0.1", Port = ((IPEndPoint)listener.LocalEndPoint!).Port };
        using var control = await FtpControlConnection.ConnectAsync(options, Token);
        using var peer = await listener.AcceptAsync(Token);

        // Far: the reply is late.
        var late = Task.Run(
            async () =>
            {
                await Task.Delay(100, Token);
                await peer.SendAsync(Encoding.ASCII.GetBytes("226 late\r\n"), SocketFlags.None, Token);
            },
            Token);
        Assert.Equal("226 late", (await control.ReadReplyAsync(Token)).ToString());
        await late;
        Assert.False(control.AnswersQuickly);

        // The answer to an EPSV sent behind that transfer has been waiting on the socket: it is there at once, and
        // says nothing about the server's distance. Read as an ordinary reply, it would.
        await peer.SendAsync(Encoding.ASCII.GetBytes("229 early (|||1|)\r\n"), SocketFlags.None, Token);
        await Task.Delay(50, Token);
        Assert.Equal("229 early (|||1|)", (await control.ReadReplyAsync(Token, null, askedEarlier: true)).ToString());
        Assert.False(control.AnswersQuickly);

        await peer.SendAsync(Encoding.ASCII.GetBytes("200 ordinary\r\n"), SocketFlags.None, Token);
        await Task.Delay(50, Token);
        Assert.Equal("200 ordinary", (await control.ReadReplyAsync(Token)).ToString());
        Assert.True(control.AnswersQuickly);
    }

    [Fact]
    public async Task A_near_server_that_stops_answering_is_given_up_at_the_operation_timeout()
    {
        var (control, peer) = await NearControlAsync(TimeSpan.FromSeconds(1));
        using (control)
        using (peer)
        {
            var watch = Stopwatch.StartNew();
            var lost = await Assert.ThrowsAsync<ConnectionLostException>(() => control.ReadReplyAsync(Token));

            Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(5));
            Assert.Equal("The server did not respond within 1 s (waiting for a reply).", lost.Message);
            Assert.True(control.IsClosed);
        }
    }

    [Fact]
    public async Task Cancelling_the_wait_for_a_near_servers_late_reply_ends_it_at_once()
    {
        var (control, peer) = await NearControlAsync(TimeSpan.FromSeconds(30));
        using (control)
        using (peer)
        using (var cancel = CancellationTokenSource.CreateLinkedTokenSource(Token))
        {
            cancel.CancelAfter(TimeSpan.FromMilliseconds(200));
            var watch = Stopwatch.StartNew();

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => control.ReadReplyAsync(cancel.Token));

            Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(0.15), TimeSpan.FromSeconds(5));
            Assert.True(control.IsClosed);
        }
    }

    [Fact]
    public async Task An_inline_connect_returns_a_connected_socket_without_waiting_for_the_event_loop()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);

        var connect = TcpConnector.ConnectAsync((IPEndPoint)listener.LocalEndPoint!, TimeSpan.FromSeconds(5), Token, inline: true);

        Assert.True(connect.IsCompletedSuccessfully);
        using var socket = await connect;
        Assert.True(socket.Connected);
        using var accepted = await listener.AcceptAsync(Token);
        Assert.Equal(socket.LocalEndPoint, accepted.RemoteEndPoint);
    }

    [Fact]
    public async Task An_inline_connect_that_is_refused_fails_as_an_asynchronous_one_does()
    {
        var closed = ClosedPort();

        var inline = await Assert.ThrowsAsync<ConnectionLostException>(() => TcpConnector.ConnectAsync(closed, TimeSpan.FromSeconds(5), Token, inline: true));
        var asynchronous = await Assert.ThrowsAsync<ConnectionLostException>(() => TcpConnector.ConnectAsync(closed, TimeSpan.FromSeconds(5), Token));

        Assert.StartsWith($"Connecting to {closed} failed: ", inline.Message, StringComparison.Ordinal);
        Assert.Equal(asynchronous.Message, inline.Message);
    }

    [Fact]
    public async Task An_inline_connect_that_hangs_ends_at_the_connect_timeout()
    {
        // A listener whose accept queue is full: the kernel drops further SYNs, so a connect waits rather than fails.
        using var full = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        full.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        full.Listen(1);
        var fillers = await FtpDataConnectionFailureTests.FillAcceptQueueAsync(full.LocalEndPoint!, Token);
        try
        {
            var watch = Stopwatch.StartNew();
            var ex = await Assert.ThrowsAsync<ConnectionLostException>(() => TcpConnector.ConnectAsync((IPEndPoint)full.LocalEndPoint!, TimeSpan.FromSeconds(1), Token, inline: true));

            Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(5));
            Assert.Equal($"Connecting to {full.LocalEndPoint} timed out after 1 s.", ex.Message);
        }
        finally
        {
            foreach (var filler in fillers)
            {
                filler.Dispose();
            }
        }
    }

    /// <summary>A control connection whose server has answered once, at once (so it counts as near), and then says nothing.</summary>
    private async Task<(FtpControlConnection Control, Socket Peer)> NearControlAsync(TimeSpan operationTimeout)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var options = new ConnectionOptions
        {
            Protocol = RemoteProtocol.Ftp,
            Host = "127.0.0.1",
            Port = ((IPEndPoint)listener.LocalEndPoint!).Port,
            OperationTimeout = operationTimeout,
        };
        var control = await FtpControlConnection.ConnectAsync(options, Token);
        var peer = await listener.AcceptAsync(Token);
        await peer.SendAsync(Encoding.ASCII.GetBytes("220 ready\r\n"), SocketFlags.None, Token);
        await Task.Delay(50, Token);
        Assert.Equal("220 ready", (await control.ReadReplyAsync(Token)).ToString());
        Assert.True(control.AnswersQuickly);
        return (control, peer);
    }

    private static IPEndPoint ClosedPort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return (IPEndPoint)probe.LocalEndPoint!;
    }
}
