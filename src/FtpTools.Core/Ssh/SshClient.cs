using System;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;
using FtpTools.Core.IO;
using FtpTools.Core.Ssh.Channels;
using FtpTools.Core.Ssh.Transport;

namespace FtpTools.Core.Ssh;

/// <summary>
/// An SSH-2 client connection: TCP, transport and key exchange, an injected authentication step, then
/// channels. Host key trust and user authentication are injected so that this type holds no policy:
/// <list type="bullet">
/// <item><c>hostKeyVerifier(hostKeyAlgorithm, hostKeyBlob, ct)</c> runs after the server proved possession of the
/// key (exchange-hash signature verified) and before any encrypted message is sent; it throws
/// <see cref="TrustFailureException"/> to refuse.</item>
/// <item><c>authenticate(transport, ct)</c> runs the user authentication protocol (RFC 4252) over
/// <see cref="ISshTransport"/>, starting with the ssh-userauth service request; it returns once the server
/// sent USERAUTH_SUCCESS.</item>
/// </list>
/// </summary>
internal sealed class SshClient : IAsyncDisposable
{
    private readonly SshTransport _transport;
    private readonly SshConnection _connection;
    private readonly ConnectionOptions _options;
    private readonly CancellationTokenSource _keepAliveStop = new();
    private readonly Task? _keepAlive;
    private int _disposed;

    private SshClient(SshTransport transport, SshConnection connection, ConnectionOptions options)
    {
        _transport = transport;
        _connection = connection;
        _options = options;
        var negotiated = transport.Negotiated!;
        Info = new SessionInfo
        {
            ServerBanner = transport.ServerVersion,
            SshKexAlgorithm = negotiated.Kex,
            SshHostKeyAlgorithm = negotiated.HostKey,
            SshCipher = negotiated.CipherClientToServer == negotiated.CipherServerToClient
                ? negotiated.CipherClientToServer
                : negotiated.CipherClientToServer + "," + negotiated.CipherServerToClient,
            SshMac = negotiated.MacClientToServer is null && negotiated.MacServerToClient is null
                ? "<implicit>"
                : negotiated.MacClientToServer == negotiated.MacServerToClient
                    ? negotiated.MacClientToServer
                    : (negotiated.MacClientToServer ?? "<implicit>") + "," + (negotiated.MacServerToClient ?? "<implicit>"),
            HostKeyFingerprint = transport.HostKey.Fingerprint,
            UserName = options.Credential?.UserName,
        };

        if (options.KeepAliveInterval is { } interval && interval > TimeSpan.Zero)
        {
            _keepAlive = Task.Run(() => KeepAliveLoopAsync(interval, _keepAliveStop.Token));
        }
    }

    public SessionInfo Info { get; }

    /// <summary>The transport, for callers that need the session id or server-sig-algs after connecting.</summary>
    public ISshTransport Transport => _transport;

    internal SshTransport TransportLayer => _transport;

    public bool IsConnected => _connection.IsConnected && _transport.IsConnected;

    public static Task<SshClient> ConnectAsync(
        ConnectionOptions options,
        Func<string, ReadOnlyMemory<byte>, CancellationToken, Task> hostKeyVerifier,
        Func<ISshTransport, CancellationToken, Task> authenticate,
        CancellationToken cancellationToken) =>
        ConnectAsync(options, hostKeyVerifier, authenticate, portableAlgorithmsOnly: false, cancellationToken);

    /// <summary>
    /// As <see cref="ConnectAsync(ConnectionOptions, Func{string, ReadOnlyMemory{byte}, CancellationToken, Task}, Func{ISshTransport, CancellationToken, Task}, CancellationToken)"/>;
    /// <paramref name="portableAlgorithmsOnly"/> offers only what the netstandard2.0 build has, so that set is testable here.
    /// </summary>
    internal static async Task<SshClient> ConnectAsync(
        ConnectionOptions options,
        Func<string, ReadOnlyMemory<byte>, CancellationToken, Task> hostKeyVerifier,
        Func<ISshTransport, CancellationToken, Task> authenticate,
        bool portableAlgorithmsOnly,
        CancellationToken cancellationToken)
    {
        if (options is null)
        {
            throw new ArgumentNullException(nameof(options));
        }

        if (hostKeyVerifier is null)
        {
            throw new ArgumentNullException(nameof(hostKeyVerifier));
        }

        if (authenticate is null)
        {
            throw new ArgumentNullException(nameof(authenticate));
        }

        // Invalid algorithm names fail here, before any connection is made.
        var preferences = SshAlgorithmPreferences.FromOptions(options.Ssh, portableAlgorithmsOnly || !SshAlgorithms.PlatformHasAesGcm);
        var stream = await OpenTcpAsync(options, cancellationToken).ConfigureAwait(false);
        return await ConnectAsync(stream, options, preferences, hostKeyVerifier, authenticate, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs SSH over an already connected stream (tests use this with scripted peers). Owns the stream.</summary>
    internal static async Task<SshClient> ConnectAsync(
        Stream stream,
        ConnectionOptions options,
        SshAlgorithmPreferences preferences,
        Func<string, ReadOnlyMemory<byte>, CancellationToken, Task> hostKeyVerifier,
        Func<ISshTransport, CancellationToken, Task> authenticate,
        CancellationToken cancellationToken)
    {
        var transport = await SshTransport.ConnectAsync(stream, options, preferences, hostKeyVerifier, cancellationToken).ConfigureAwait(false);
        try
        {
            await authenticate(transport, cancellationToken).ConfigureAwait(false);
            transport.BoundIdleWaits = false;
            var connection = new SshConnection(transport, options.OperationTimeout);
            connection.Start();
            return new SshClient(transport, connection, options);
        }
        catch
        {
            await transport.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Opens a session channel and starts a subsystem on it (RFC 4254 §6.5), e.g. "sftp".</summary>
    public async Task<SshChannelStream> OpenSubsystemAsync(string subsystem, CancellationToken cancellationToken)
    {
        var channel = await _connection.OpenSessionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!await channel.RequestAsync("subsystem", w => w.WriteString(subsystem), cancellationToken).ConfigureAwait(false))
            {
                throw new CommandRefusedException($"The SSH server refused the \"{subsystem}\" subsystem.", RemoteErrorKind.Unsupported);
            }

            _transport.Log?.Write(Logging.LogDirection.Info, $"SSH subsystem {subsystem} started on channel {channel.LocalId}.");
            return new SshChannelStream(channel, _options.OperationTimeout);
        }
        catch
        {
            await channel.CloseAsync(CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Runs a command (RFC 4254 §6.5 "exec") with no input and collects its output and exit status.
    /// Each wait for output is bounded by <paramref name="timeout"/> (default: the operation timeout;
    /// <see cref="Timeout.InfiniteTimeSpan"/> for long-running commands). Output beyond
    /// <paramref name="maxOutputBytes"/> is an error rather than unbounded memory.
    /// </summary>
    public async Task<SshExecResult> ExecAsync(string command, CancellationToken cancellationToken, TimeSpan? timeout = null, int maxOutputBytes = 16 * 1024 * 1024)
    {
        if (command is null)
        {
            throw new ArgumentNullException(nameof(command));
        }

        var wait = timeout ?? _options.OperationTimeout;
        var channel = await _connection.OpenSessionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!await channel.RequestAsync("exec", w => w.WriteString(command), cancellationToken).ConfigureAwait(false))
            {
                throw new CommandRefusedException("The SSH server refused to run the command (exec).", RemoteErrorKind.Failure);
            }

            await channel.SendEofAsync(cancellationToken).ConfigureAwait(false);
            using var output = new MemoryStream();
            var buffer = new byte[32 * 1024];
            int read;
            while ((read = await channel.ReadAsync(buffer, wait, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (output.Length + read > maxOutputBytes)
                {
                    throw new FtpToolsException($"The remote command wrote more than {maxOutputBytes} bytes of output.");
                }

                output.Write(buffer, 0, read);
            }

            // exit-status precedes the server's CLOSE (RFC 4254 §6.10).
            try
            {
                await TaskTimeout.WaitAsync(WhenAsync(channel.Closed), wait, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // No CLOSE in time: report what we have; the exit status may be missing.
            }

            var (stderr, stderrLength) = channel.GetStandardError();
            return new SshExecResult(channel.ExitStatus, channel.ExitSignal, output.ToArray(), stderr, stderrLength);
        }
        finally
        {
            await channel.CloseAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Starts a command (exec) and returns its channel as a stream: writes go to the command's stdin
    /// (<see cref="SshChannelStream.CompleteWritingAsync"/> sends EOF), reads return its stdout; the exit
    /// status is on <see cref="SshChannelStream.Channel"/> once <see cref="SshChannel.Closed"/> completes.
    /// </summary>
    public async Task<SshChannelStream> OpenCommandAsync(string command, CancellationToken cancellationToken)
    {
        if (command is null)
        {
            throw new ArgumentNullException(nameof(command));
        }

        var channel = await _connection.OpenSessionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!await channel.RequestAsync("exec", w => w.WriteString(command), cancellationToken).ConfigureAwait(false))
            {
                throw new CommandRefusedException("The SSH server refused to run the command (exec).", RemoteErrorKind.Failure);
            }

            return new SshChannelStream(channel, _options.OperationTimeout);
        }
        catch
        {
            await channel.CloseAsync(CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>One keepalive@openssh.com round trip (RFC 4254 §4); throws <see cref="ConnectionLostException"/> when the server does not answer.</summary>
    public Task KeepAliveAsync(CancellationToken cancellationToken) => _connection.KeepAliveAsync(cancellationToken);

    /// <summary>Sends SSH_MSG_DISCONNECT and closes everything.</summary>
    public async Task DisconnectAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _keepAliveStop.Cancel();
        await _transport.DisconnectAsync(cancellationToken).ConfigureAwait(false);
        await _connection.DisposeAsync().ConfigureAwait(false);
        if (_keepAlive is not null)
        {
            await _keepAlive.ConfigureAwait(false);
        }

        _keepAliveStop.Dispose();
    }

    public async ValueTask DisposeAsync() => await DisconnectAsync(CancellationToken.None).ConfigureAwait(false);

    private static async Task<bool> WhenAsync(Task task)
    {
        await task.ConfigureAwait(false);
        return true;
    }

    private static async Task<Stream> OpenTcpAsync(ConnectionOptions options, CancellationToken cancellationToken)
    {
        var host = options.Host;
        var port = options.EffectivePort;
        if (options.Proxy is { } proxy)
        {
            return await OpenThroughProxyAsync(options, proxy, cancellationToken).ConfigureAwait(false);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.ConnectTimeout);
        Exception? last = null;
        IPAddress[] addresses;
        try
        {
            addresses = IPAddress.TryParse(host, out var literal) ? new[] { literal } : await Dns.GetHostAddressesAsync(host).ConfigureAwait(false);
        }
        catch (SocketException ex)
        {
            throw new ConnectFailedException($"Could not resolve the SSH server name {host}: {ex.Message}", ex);
        }

#if NET8_0_OR_GREATER
        if (!OperatingSystem.IsWindows())
        {
            return await OpenBlockingTcpAsync(options, addresses, cancellationToken).ConfigureAwait(false);
        }
#endif

        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
#if NET8_0_OR_GREATER
                await socket.ConnectAsync(new IPEndPoint(address, port), timeout.Token).ConfigureAwait(false);
#else
                using (timeout.Token.Register(static s => ((Socket)s!).Dispose(), socket))
                {
                    await socket.ConnectAsync(new IPEndPoint(address, port)).ConfigureAwait(false);
                }
#endif

                // Idle between a script's commands: kept known to NAT gateways and firewalls along the way.
                TcpKeepAlive.Enable(socket);
                options.Log?.Write(Logging.LogDirection.Info, $"Connected to {socket.RemoteEndPoint} from {socket.LocalEndPoint}.");
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                socket.Dispose();
                cancellationToken.ThrowIfCancellationRequested();
                if (timeout.IsCancellationRequested)
                {
                    throw new ConnectFailedException(
                        $"Connecting to {host}:{port} timed out after {options.ConnectTimeout.TotalSeconds:0.###} s (ConnectTimeout).", ex);
                }

                last = ex;
            }
        }

        throw new ConnectFailedException($"Could not connect to the SSH server {host}:{port}: {last?.Message ?? "no address"}", last);
    }

    /// <summary>
    /// Through the session's proxy, which resolves the server's name: on Unix (net8.0 and later) for blocking reads as
    /// <c>OpenBlockingTcpAsync</c>'s, else as a <see cref="NetworkStream"/>.
    /// </summary>
    private static async Task<Stream> OpenThroughProxyAsync(ConnectionOptions options, ProxyOptions proxy, CancellationToken cancellationToken)
    {
        var blocking = false;
#if NET8_0_OR_GREATER
        blocking = !OperatingSystem.IsWindows();
#endif
        Socket socket;
        try
        {
            socket = await ProxyTunnel.ConnectAsync(proxy, options.Host, options.EffectivePort, options.ConnectTimeout, cancellationToken, blocking, log: options.Log).ConfigureAwait(false);
        }
        catch (ConnectionLostException ex) when (ex is not ConnectFailedException)
        {
            throw new ConnectFailedException(ex.Message, ex);
        }

        TcpKeepAlive.Enable(socket);
#if NET8_0_OR_GREATER
        if (blocking)
        {
            return new BlockingSocketStream(socket);
        }
#endif
        return new NetworkStream(socket, ownsSocket: true);
    }

#if NET8_0_OR_GREATER
    /// <summary>
    /// On Unix: a connection the runtime's event loop never sees (<see cref="TcpConnector.ConnectAsync(IPEndPoint, TimeSpan, CancellationToken, bool, bool)"/>
    /// with <c>blocking</c>), handed to the transport as a <see cref="BlockingSocketStream"/>, which it reads on a thread of
    /// its own with blocking reads: a 1 GiB SFTP download from a near sshd took 1.42-1.61 s against 1.55-2.12 s through
    /// the event loop, with half the system CPU (bench/HISTORY.md, stop 35).
    /// </summary>
    private static async Task<Stream> OpenBlockingTcpAsync(ConnectionOptions options, IPAddress[] addresses, CancellationToken cancellationToken)
    {
        var host = options.Host;
        var port = options.EffectivePort;
        var deadline = Stopwatch.GetTimestamp() + (long)(options.ConnectTimeout.TotalSeconds * Stopwatch.Frequency);
        ConnectionLostException? last = null;
        foreach (var address in addresses)
        {
            var remaining = TimeSpan.FromSeconds((double)(deadline - Stopwatch.GetTimestamp()) / Stopwatch.Frequency);
            if (remaining <= TimeSpan.Zero)
            {
                break;
            }

            try
            {
                // A blocking connect (on a thread of its own): a socket that was ever non-blocking stays so underneath,
                // and .NET then waits for its "blocking" reads in the event loop after all.
                var socket = await TcpConnector.ConnectAsync(new IPEndPoint(address, port), remaining, cancellationToken, blocking: true).ConfigureAwait(false);
                TcpKeepAlive.Enable(socket);
                options.Log?.Write(Logging.LogDirection.Info, $"Connected to {socket.RemoteEndPoint} from {socket.LocalEndPoint}.");
                return new BlockingSocketStream(socket);
            }
            catch (ConnectionLostException ex)
            {
                // TcpConnector says what failed (with the socket's error inside) or that the time ran out (nothing inside).
                last = ex;
            }
        }

        if (last?.InnerException is SocketException refused)
        {
            throw new ConnectFailedException($"Could not connect to the SSH server {host}:{port}: {new SocketException((int)refused.SocketErrorCode).Message}", refused);
        }

        if (last is null && addresses.Length == 0)
        {
            throw new ConnectFailedException($"Could not connect to the SSH server {host}:{port}: no address");
        }

        throw new ConnectFailedException($"Connecting to {host}:{port} timed out after {options.ConnectTimeout.TotalSeconds:0.###} s (ConnectTimeout).", last);
    }
#endif

    private async Task KeepAliveLoopAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(interval, cancellationToken).ConfigureAwait(false);
                await _connection.KeepAliveAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped by DisconnectAsync.
        }
        catch (FtpToolsException ex)
        {
            // A failed keepalive has already ended the connection (WaitReplyAsync); record why for the log.
            _transport.Log?.Write(Logging.LogDirection.Info, "SSH keepalive failed: " + ex.Message);
        }
    }
}
