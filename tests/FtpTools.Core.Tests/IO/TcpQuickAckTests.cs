using System;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;
using FtpTools.Core.IO;
using Xunit;

namespace FtpTools.Core.Tests.IO;

public class TcpQuickAckTests
{
    private const int IpProtocolTcp = 6;
    private const int TcpQuickAckOption = 12;

    [Fact]
    public async Task On_Linux_a_request_takes_the_socket_out_of_delayed_ack_mode()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await client.ConnectAsync(listener.LocalEndPoint!);
        using var server = await listener.AcceptAsync();
        server.NoDelay = true;
        using var stream = new NetworkStream(server, ownsSocket: false);
        var quickAck = TcpQuickAck.For(stream);
        if (!OperatingSystem.IsLinux())
        {
            Assert.False(quickAck.Active);
            quickAck.Request();
            return;
        }

        Assert.True(quickAck.Active);

        // Answering each message at once is what makes Linux delay ACKs (it expects to send them with the answer).
        var buffer = new byte[1];
        for (var i = 0; i < 8; i++)
        {
            await client.SendAsync(new byte[] { 1 }, SocketFlags.None);
            Assert.Equal(1, await stream.ReadAsync(buffer));
            await stream.WriteAsync(buffer);
            Assert.Equal(1, await client.ReceiveAsync(buffer, SocketFlags.None));
        }

        Assert.Equal(0, QuickAck(server));

        quickAck.Request();

        Assert.Equal(1, QuickAck(server));
    }

    [Fact]
    public void Streams_that_are_not_TCP_sockets_are_left_alone()
    {
        using var memory = new MemoryStream();
        var quickAck = TcpQuickAck.For(memory);

        Assert.False(quickAck.Active);
        quickAck.Request();
    }

    [Fact]
    public async Task A_closed_socket_turns_requests_off_instead_of_failing_the_caller()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listener.LocalEndPoint!);
        using var server = await listener.AcceptAsync();
        var quickAck = TcpQuickAck.For(new NetworkStream(client, ownsSocket: true));
        client.Dispose();

        quickAck.Request();

        Assert.False(quickAck.Active);
    }

    // tcp(7): reading TCP_QUICKACK tells whether the socket is out of delayed-ACK ("ping-pong") mode.
    private static int QuickAck(Socket socket)
    {
        var value = new byte[4];
        socket.GetRawSocketOption(IpProtocolTcp, TcpQuickAckOption, value);
        return BitConverter.ToInt32(value, 0);
    }
}
