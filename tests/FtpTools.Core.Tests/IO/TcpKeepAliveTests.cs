using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;
using FtpTools.Core.IO;
using Xunit;

namespace FtpTools.Core.Tests.IO;

public class TcpKeepAliveTests
{
    [Fact]
    public async Task A_socket_gets_keep_alive_probes_after_a_minute_idle_every_fifteen_seconds_four_times()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(2);
        using var plain = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await plain.ConnectAsync(listener.LocalEndPoint!);
        using var plainPeer = await listener.AcceptAsync();
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listener.LocalEndPoint!);
        using var clientPeer = await listener.AcceptAsync();

        TcpKeepAlive.Enable(client);

        Assert.Equal(1, (int)client.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive)!);
        Assert.Equal(60, (int)client.GetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime)!);
        Assert.Equal(15, (int)client.GetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval)!);
        Assert.Equal(4, (int)client.GetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount)!);

        // The kernel's view: the idle connection has its keep-alive timer pending, due within the minute; the one
        // left alone has no timer at all.
        var (timer, seconds) = KernelTcpTimer.Of((IPEndPoint)client.LocalEndPoint!, (IPEndPoint)client.RemoteEndPoint!);
        Assert.Equal(KernelTcpTimer.KeepAlive, timer);
        Assert.InRange(seconds, 45, 60);
        Assert.Equal(KernelTcpTimer.None, KernelTcpTimer.Of((IPEndPoint)plain.LocalEndPoint!, (IPEndPoint)plain.RemoteEndPoint!).Timer);
    }
}
