using System;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;
using ProtocolViolationException = FtpTools.Core.Errors.ProtocolViolationException;
using FtpTools.Core.Logging;
using FtpTools.Core.Ssh.Transport;

namespace FtpTools.Core.IO;

/// <summary>
/// Opens a TCP connection to a server through a proxy (<see cref="ProxyOptions"/>): connects to the proxy, asks it for
/// a tunnel to the server (SOCKS5's CONNECT, RFC 1928 and RFC 1929; or HTTP's CONNECT, RFC 9110 §9.3.6) and returns the
/// socket to the proxy, which from then on carries the server's bytes as they are. The socket comes out as
/// <see cref="TcpConnector"/> leaves it (<c>blocking</c> and <c>inline</c> mean the same), so the rest of the code uses
/// it as a direct connection. The handshake reads exactly the proxy's answer, never a byte of the server's, and is
/// bounded in size and by the same deadline as the connect.
/// </summary>
internal static class ProxyTunnel
{
    /// <summary>Longest HTTP answer to CONNECT (status line and header) that is read.</summary>
    internal const int MaxHttpHeadBytes = 16 * 1024;

    public static async Task<Socket> ConnectAsync(
        ProxyOptions proxy,
        string host,
        int port,
        TimeSpan timeout,
        CancellationToken cancellationToken,
        bool blocking = false,
        bool inline = false,
        IProtocolLog? log = null)
    {
        // Made first: a name or a login SOCKS5 cannot carry fails before anything is opened.
        var socksRequest = proxy.Kind == ProxyKind.Socks5 ? ConnectRequest(host, port) : null;
        if (proxy.Kind == ProxyKind.Socks5 && proxy.Credential is { } login && ProxyOptions.CheckSocksLogin(login) is { } loginError)
        {
            throw new ArgumentException(loginError, nameof(proxy));
        }

        var started = Stopwatch.GetTimestamp();
        var socket = await ConnectToProxyAsync(proxy, timeout, cancellationToken, blocking, inline).ConfigureAwait(false);
        var remaining = Remaining(timeout, started);
        var state = new HandshakeState(socket);
        using (new Timer(static s => ((HandshakeState)s!).Abort(HandshakeState.TimedOut), state, remaining, Timeout.InfiniteTimeSpan))
        using (cancellationToken.Register(static s => ((HandshakeState)s!).Abort(HandshakeState.Cancelled), state))
        {
            try
            {
                // Synchronous reads and writes on a thread of its own: a socket connected for blocking reads must never
                // see an asynchronous call (see TcpConnector), and the handshake is a few hundred bytes.
                await BlockingCall.RunAsync(() =>
                {
                    if (proxy.Kind == ProxyKind.Http)
                    {
                        HttpConnect(socket, proxy, host, port);
                    }
                    else
                    {
                        Socks5Connect(socket, proxy, host, port, socksRequest!);
                    }
                }).ConfigureAwait(false);
                if (state.Finish())
                {
                    log?.Write(LogDirection.Info, $"Connected to {HostPort(host, port)} through the proxy {proxy} ({socket.RemoteEndPoint}).");
                    return socket;
                }
            }
            catch (FtpToolsException) when (state.State == HandshakeState.Pending)
            {
                // The proxy's refusal, or an answer that breaks its protocol.
                socket.Dispose();
                throw;
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException or FtpToolsException)
            {
                socket.Dispose();
                cancellationToken.ThrowIfCancellationRequested();
                if (state.State != HandshakeState.TimedOut)
                {
                    var reason = ex is SocketException error ? new SocketException((int)error.SocketErrorCode).Message : ex.Message;
                    throw new ConnectionLostException($"The proxy {proxy} broke off the connection while asked for {HostPort(host, port)}: {reason}", ex);
                }
            }

            socket.Dispose();
            cancellationToken.ThrowIfCancellationRequested();
            throw new ConnectionLostException($"The proxy {proxy} did not open the connection to {HostPort(host, port)} within {timeout.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s.");
        }
    }

    private static async Task<Socket> ConnectToProxyAsync(ProxyOptions proxy, TimeSpan timeout, CancellationToken cancellationToken, bool blocking, bool inline)
    {
        IPAddress[] addresses;
        if (IPAddress.TryParse(proxy.Host, out var literal))
        {
            addresses = new[] { literal };
        }
        else
        {
            try
            {
                addresses = await Dns.GetHostAddressesAsync(proxy.Host).ConfigureAwait(false);
            }
            catch (SocketException ex)
            {
                throw new ConnectionLostException($"The proxy's host name '{proxy.Host}' could not be resolved: {ex.Message}", ex);
            }
        }

        var started = Stopwatch.GetTimestamp();
        ConnectionLostException? last = null;
        foreach (var address in addresses)
        {
            var remaining = Remaining(timeout, started);
            if (remaining == TimeSpan.Zero)
            {
                break;
            }

            try
            {
                return await TcpConnector.ConnectAsync(new IPEndPoint(address, proxy.EffectivePort), remaining, cancellationToken, blocking, inline).ConfigureAwait(false);
            }
            catch (ConnectionLostException ex)
            {
                last = ex;
            }
        }

        throw new ConnectionLostException($"Could not connect to the proxy {proxy}: {last?.Message ?? "its name has no address"}", last?.InnerException);
    }

    /// <summary>What is left of <paramref name="timeout"/> (infinite stays infinite), never below zero.</summary>
    private static TimeSpan Remaining(TimeSpan timeout, long started)
    {
        if (timeout == Timeout.InfiniteTimeSpan)
        {
            return timeout;
        }

        var left = timeout - TimeSpan.FromSeconds((double)(Stopwatch.GetTimestamp() - started) / Stopwatch.Frequency);
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }

    /// <summary>RFC 1928: method selection, RFC 1929 login when the proxy picks it, then CONNECT.</summary>
    private static void Socks5Connect(Socket socket, ProxyOptions proxy, string host, int port, byte[] request)
    {
        var credential = proxy.Credential;
        Send(socket, credential is null ? new byte[] { 5, 1, 0 } : new byte[] { 5, 2, 0, 2 });
        var choice = Receive(socket, proxy, 2);
        if (choice[0] != 5)
        {
            throw NotSocks5(proxy, choice[0]);
        }

        switch (choice[1])
        {
            case 0:
                break;
            case 2 when credential is not null:
                Socks5Login(socket, proxy, credential);
                break;
            case 0xFF when credential is null:
                throw new AuthenticationFailedException(
                    $"The SOCKS5 proxy {proxy} requires authentication; give its user name and password with -ProxyCredential.");
            case 0xFF:
                throw new AuthenticationFailedException(
                    $"The SOCKS5 proxy {proxy} accepts none of the authentication methods FtpTools offers (none, user name and password).");
            default:
                throw new ProtocolViolationException(
                    $"The SOCKS5 proxy {proxy} chose authentication method {choice[1]}, which was not offered.");
        }

        Send(socket, request);
        var head = Receive(socket, proxy, 4);
        if (head[0] != 5)
        {
            throw NotSocks5(proxy, head[0]);
        }

        if (head[1] != 0)
        {
            // A refusal is the answer, whatever address follows it; the connection is closed anyway.
            throw new ConnectionLostException(
                $"The SOCKS5 proxy {proxy} could not connect to {HostPort(host, port)}: {Socks5Reply(head[1])} (reply {head[1]}).");
        }

        // The address the proxy connected from (BND.ADDR, BND.PORT) is read and not used.
        var addressLength = head[3] switch
        {
            1 => 4,
            4 => 16,
            3 => Receive(socket, proxy, 1)[0],
            _ => throw new ProtocolViolationException($"The SOCKS5 proxy {proxy} answered CONNECT with address type {head[3]}, which RFC 1928 does not define."),
        };
        Receive(socket, proxy, addressLength + 2);
    }

    private static void Socks5Login(Socket socket, ProxyOptions proxy, NetworkCredential credential)
    {
        var user = Encoding.UTF8.GetBytes(credential.UserName ?? "");
        var password = Encoding.UTF8.GetBytes(credential.Password ?? "");
        var message = new byte[3 + user.Length + password.Length];
        try
        {
            message[0] = 1;
            message[1] = (byte)user.Length;
            user.CopyTo(message, 2);
            message[2 + user.Length] = (byte)password.Length;
            password.CopyTo(message, 3 + user.Length);
            Send(socket, message);
        }
        finally
        {
            Array.Clear(password, 0, password.Length);
            Array.Clear(message, 0, message.Length);
        }

        var status = Receive(socket, proxy, 2);
        if (status[0] != 1)
        {
            throw new ProtocolViolationException($"The SOCKS5 proxy {proxy} answered the login with version {status[0]}; RFC 1929 says 1.");
        }

        if (status[1] != 0)
        {
            throw new AuthenticationFailedException(
                $"The SOCKS5 proxy {proxy} refused the user name '{credential.UserName}' and its password (status {status[1]}).");
        }
    }

    /// <summary>CONNECT with the server's name as given (the proxy resolves it) or its address when it is one.</summary>
    private static byte[] ConnectRequest(string host, int port)
    {
        byte[] address;
        byte type;
        if (IPAddress.TryParse(host, out var literal))
        {
            address = literal.GetAddressBytes();
            type = literal.AddressFamily == AddressFamily.InterNetworkV6 ? (byte)4 : (byte)1;
        }
        else
        {
            var name = Encoding.ASCII.GetBytes(AsciiName(host));

            if (name.Length > 255)
            {
                throw new ConnectFailedException($"The host name '{host}' is longer than a SOCKS5 proxy takes (255 bytes).");
            }

            address = new byte[1 + name.Length];
            address[0] = (byte)name.Length;
            name.CopyTo(address, 1);
            type = 3;
        }

        var request = new byte[4 + address.Length + 2];
        request[0] = 5;
        request[1] = 1;
        request[3] = type;
        address.CopyTo(request, 4);
        request[request.Length - 2] = (byte)(port >> 8);
        request[request.Length - 1] = (byte)port;
        return request;
    }

    /// <summary>An ASCII name as it is; an international one in its IDNA form (RFC 5890), as DNS knows it.</summary>
    private static string AsciiName(string host)
    {
        try
        {
            return IsAscii(host) ? host : new IdnMapping().GetAscii(host);
        }
        catch (ArgumentException ex)
        {
            throw new ConnectFailedException($"The host name '{host}' is not a valid international domain name, so it cannot be sent to a proxy.", ex);
        }
    }

    private static bool IsAscii(string text)
    {
        foreach (var c in text)
        {
            if (c > 0x7F)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>RFC 1928 §6's reply field.</summary>
    private static string Socks5Reply(byte reply) => reply switch
    {
        1 => "general SOCKS server failure",
        2 => "connection not allowed by its rules",
        3 => "network unreachable",
        4 => "host unreachable",
        5 => "connection refused",
        6 => "TTL expired",
        7 => "command not supported",
        8 => "address type not supported",
        _ => "an unassigned reply code",
    };

    private static ProtocolViolationException NotSocks5(ProxyOptions proxy, byte version) =>
        new(version == (byte)'H'
            ? $"The proxy {proxy} answered as an HTTP server, not a SOCKS5 proxy; for an HTTP proxy write http://{HostPort(proxy.Host, proxy.EffectivePort)}."
            : $"The proxy {proxy} is not a SOCKS5 proxy: it answered with version {version}.");

    /// <summary>HTTP CONNECT (RFC 9110 §9.3.6), with Basic credentials (RFC 7617) when given; any 2xx opens the tunnel.</summary>
    private static void HttpConnect(Socket socket, ProxyOptions proxy, string host, int port)
    {
        var target = HostPort(AsciiName(host), port);
        var request = new StringBuilder()
            .Append("CONNECT ").Append(target).Append(" HTTP/1.1\r\n")
            .Append("Host: ").Append(target).Append("\r\n");
        if (proxy.Credential is { } credential)
        {
            request.Append("Proxy-Authorization: Basic ")
                .Append(Convert.ToBase64String(Encoding.UTF8.GetBytes((credential.UserName ?? "") + ":" + (credential.Password ?? ""))))
                .Append("\r\n");
        }

        request.Append("\r\n");
        var bytes = Encoding.ASCII.GetBytes(request.ToString());
        try
        {
            Send(socket, bytes);
        }
        finally
        {
            Array.Clear(bytes, 0, bytes.Length);
            request.Clear();
        }

        var head = ReadHttpHead(socket, proxy);
        var lines = head.Split(new[] { "\r\n", "\n" }, StringSplitOptions.None);
        var status = lines[0].Split(new[] { ' ' }, 3);
        if (status.Length < 2 || !status[0].StartsWith("HTTP/1.", StringComparison.Ordinal) || status[1].Length != 3
            || !int.TryParse(status[1], NumberStyles.None, CultureInfo.InvariantCulture, out var code))
        {
            throw new ProtocolViolationException($"The proxy {proxy} is not an HTTP proxy: it answered CONNECT with '{SshVersionExchange.Printable(lines[0], 80)}'.");
        }

        if (code is >= 200 and < 300)
        {
            return;
        }

        var answer = SshVersionExchange.Printable(status.Length > 2 ? code + " " + status[2] : status[1], 120);
        // 407 is the proxy's own "who are you" (RFC 9110 §15.5.8); some proxies (tinyproxy) answer wrong credentials with 401.
        if (code is 407 or 401)
        {
            var schemes = ProxyAuthenticateSchemes(lines, code == 407 ? "Proxy-Authenticate:" : "WWW-Authenticate:");
            if (schemes.Length > 0 && Array.FindIndex(schemes, s => s.Equals("Basic", StringComparison.OrdinalIgnoreCase)) < 0)
            {
                throw new AuthenticationFailedException(
                    $"The HTTP proxy {proxy} asks for {SshVersionExchange.Printable(string.Join(", ", schemes), 80)} authentication ({answer}); FtpTools logs in to a proxy with Basic only.");
            }

            throw new AuthenticationFailedException(proxy.Credential is null
                ? $"The HTTP proxy {proxy} requires authentication ({answer}); give its user name and password with -ProxyCredential."
                : $"The HTTP proxy {proxy} refused the user name '{proxy.Credential.UserName}' and its password ({answer}).");
        }

        throw new ConnectionLostException($"The HTTP proxy {proxy} did not connect to {target}: {answer}.");
    }

    /// <summary>The answer's status line and header, read a byte at a time so that nothing of the server's is taken.</summary>
    private static string ReadHttpHead(Socket socket, ProxyOptions proxy)
    {
        var head = new StringBuilder();
        var one = new byte[1];
        while (true)
        {
            if (head.Length >= MaxHttpHeadBytes)
            {
                throw new ProtocolViolationException($"The proxy {proxy} answered CONNECT with more than {MaxHttpHeadBytes / 1024} KiB and no end of its header.");
            }

            ReceiveInto(socket, proxy, one, 1);
            head.Append((char)one[0]);
            var n = head.Length;
            if ((n >= 4 && head[n - 4] == '\r' && head[n - 3] == '\n' && head[n - 2] == '\r' && head[n - 1] == '\n')
                || (n >= 2 && head[n - 2] == '\n' && head[n - 1] == '\n'))
            {
                return head.ToString().TrimEnd('\r', '\n');
            }
        }
    }

    /// <summary>
    /// The authentication schemes the answer's <paramref name="header"/> fields name. A field may hold several
    /// challenges (RFC 9110 §11.6.1: "Negotiate, Basic realm=\"x\""), each a scheme followed by its parameters, all
    /// separated by commas outside quoted strings: a part that starts with a name and '=' is a parameter, not a scheme.
    /// </summary>
    private static string[] ProxyAuthenticateSchemes(string[] lines, string header)
    {
        var schemes = new System.Collections.Generic.List<string>();
        foreach (var line in lines)
        {
            if (!line.StartsWith(header, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var value = line.Substring(header.Length);
            var quoted = false;
            var partStart = 0;
            for (var i = 0; i <= value.Length; i++)
            {
                if (i < value.Length && value[i] == '"')
                {
                    quoted = !quoted;
                }

                if (i < value.Length && (value[i] != ',' || quoted))
                {
                    continue;
                }

                var part = value.Substring(partStart, i - partStart).Trim();
                partStart = i + 1;
                var space = part.IndexOf(' ');
                var first = space < 0 ? part : part.Substring(0, space);
                if (first.Length > 0 && first.IndexOf('=') < 0)
                {
                    schemes.Add(first);
                }
            }
        }

        return schemes.ToArray();
    }

    private static string HostPort(string host, int port) =>
        (host.IndexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port.ToString(CultureInfo.InvariantCulture);

    private static void Send(Socket socket, byte[] bytes)
    {
        var sent = 0;
        while (sent < bytes.Length)
        {
            sent += socket.Send(bytes, sent, bytes.Length - sent, SocketFlags.None);
        }
    }

    private static byte[] Receive(Socket socket, ProxyOptions proxy, int count)
    {
        var buffer = new byte[count];
        ReceiveInto(socket, proxy, buffer, count);
        return buffer;
    }

    private static void ReceiveInto(Socket socket, ProxyOptions proxy, byte[] buffer, int count)
    {
        var read = 0;
        while (read < count)
        {
            var n = socket.Receive(buffer, read, count - read, SocketFlags.None);
            if (n == 0)
            {
                throw new ConnectionLostException($"The proxy {proxy} closed the connection in the middle of its handshake.");
            }

            read += n;
        }
    }

    /// <summary>One handshake, ended by whichever comes first: success, the deadline or cancellation (both close the socket).</summary>
    private sealed class HandshakeState
    {
        public const int Pending = 0;
        public const int Done = 1;
        public const int TimedOut = 2;
        public const int Cancelled = 3;

        private readonly Socket _socket;
        private int _state;

        public HandshakeState(Socket socket)
        {
            _socket = socket;
        }

        public int State => Volatile.Read(ref _state);

        public bool Finish() => Interlocked.CompareExchange(ref _state, Done, Pending) == Pending;

        public void Abort(int reason)
        {
            if (Interlocked.CompareExchange(ref _state, reason, Pending) == Pending)
            {
                _socket.Dispose();
            }
        }
    }
}
