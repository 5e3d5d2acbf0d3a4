using System;
using System.Net.Sockets;

namespace FtpTools.Core.IO;

/// <summary>
/// TCP keep-alive for a connection that may sit idle for long: an FTP control connection says nothing while a data
/// connection carries a large file, and NAT gateways and firewalls drop connections they have not seen traffic on
/// for a few minutes (the transfer then ends without its 226, and the file is lost for no reason of the server's).
/// An SSH connection, and an FTP one, also sit idle between the commands of a script or an interactive session.
/// After <see cref="IdleSeconds"/> without traffic the kernel sends an empty probe every <see cref="IntervalSeconds"/>,
/// which keeps the connection known along the path and finds a dead peer after <see cref="Probes"/> unanswered ones.
/// The probes carry no data: the server never sees them, unlike NOOP, which cannot be sent while a transfer runs.
/// (curl enables the same by default, with the same minute.)
/// </summary>
internal static class TcpKeepAlive
{
    internal const int IdleSeconds = 60;
    internal const int IntervalSeconds = 15;
    internal const int Probes = 4;

    /// <summary>Best effort: a platform that refuses an option keeps its own default for it, and nothing fails.</summary>
    public static void Enable(Socket socket)
    {
        if (socket is null)
        {
            throw new ArgumentNullException(nameof(socket));
        }

        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
#if NET8_0_OR_GREATER
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, IdleSeconds);
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, IntervalSeconds);
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, Probes);
#else
            // .NET Framework runs on Windows: SIO_KEEPALIVE_VALS takes { on, idle ms, interval ms }; Windows sends
            // up to ten probes.
            var values = new byte[12];
            BitConverter.GetBytes(1).CopyTo(values, 0);
            BitConverter.GetBytes(IdleSeconds * 1000).CopyTo(values, 4);
            BitConverter.GetBytes(IntervalSeconds * 1000).CopyTo(values, 8);
            socket.IOControl(IOControlCode.KeepAliveValues, values, null);
#endif
        }
        catch (Exception e) when (e is SocketException or PlatformNotSupportedException or NotSupportedException)
        {
            // The system's defaults stay (or none): the connection works as before.
        }
    }
}
