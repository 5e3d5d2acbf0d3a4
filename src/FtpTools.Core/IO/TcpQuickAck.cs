using System;
using System.IO;
using System.Net.Sockets;

namespace FtpTools.Core.IO;

/// <summary>
/// Asks Linux to acknowledge what arrives next at once (TCP_QUICKACK, tcp(7)) instead of holding the ACK for up to
/// 40 ms in the hope of sending it with data of ours. A client waiting for an answer has no data to send, and a
/// server with Nagle's algorithm on (sshd outside interactive sessions) holds the last small piece of its answer until
/// the earlier one is acknowledged: opening the SFTP channel waited about 40 ms for exactly that. The flag does not
/// stay set (the kernel goes back to delaying ACKs by itself), so it is asked for after each request that expects an
/// answer. Elsewhere it does nothing: Windows and macOS have no such option.
/// </summary>
internal sealed class TcpQuickAck
{
#if NET8_0_OR_GREATER
    private const int IpProtocolTcp = 6;
    private const int TcpQuickAckOption = 12;
    private static readonly byte[] One = BitConverter.GetBytes(1);

    private readonly Socket? _socket;
    private bool _failed;

    private TcpQuickAck(Socket? socket) => _socket = socket;

    /// <summary>Whether requests reach a socket (Linux, TCP).</summary>
    public bool Active => _socket is not null && !_failed;

    /// <summary>For the socket under <paramref name="stream"/>, when it is a TCP socket on Linux; otherwise a no-op.</summary>
    public static TcpQuickAck For(Stream stream) =>
        new(OperatingSystem.IsLinux() && stream is NetworkStream { Socket: { ProtocolType: ProtocolType.Tcp } socket } ? socket : null);

    /// <summary>Acknowledge the next segments at once. Best effort: a socket that refuses stops being asked.</summary>
    public void Request()
    {
        if (_socket is null || _failed)
        {
            return;
        }

        try
        {
            _socket.SetRawSocketOption(IpProtocolTcp, TcpQuickAckOption, One);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or PlatformNotSupportedException)
        {
            // A closed socket, or a kernel without the option: the answer only comes later, nothing breaks.
            _failed = true;
        }
    }
#else
    /// <summary>Whether requests reach a socket: never in this build (Windows PowerShell 5.1 on Windows).</summary>
    public bool Active => false;

    /// <summary>A no-op: .NET Framework runs on Windows, which has no TCP_QUICKACK.</summary>
    public static TcpQuickAck For(Stream stream) => new();

    /// <summary>Nothing to do here.</summary>
    public void Request()
    {
    }
#endif
}
