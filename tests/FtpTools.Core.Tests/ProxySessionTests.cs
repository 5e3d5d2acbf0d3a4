using System;
using System.IO;
using System.Linq;
using System.Net;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;
using FtpTools.Core.Tests.Servers;
using FtpTools.Core.Transfers;
using Xunit;

namespace FtpTools.Core.Tests;

/// <summary>What a session through a proxy does, with real proxies in between: the same files, the same errors.</summary>
internal static class ProxyRoute
{
    public static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    /// <summary>
    /// Uploads, lists and downloads one file through <paramref name="options"/>' proxy and checks the bytes on the
    /// server's disk and on the local one; returns the session's protocol log.
    /// </summary>
    public static async Task<RecordingLog> RoundTripAsync(ConnectionOptions options, string remoteDirectory, string localRoot)
    {
        var log = new RecordingLog();
        options = new ConnectionOptions
        {
            Protocol = options.Protocol,
            Host = options.Host,
            Port = options.Port,
            Credential = options.Credential,
            ConnectTimeout = TimeSpan.FromSeconds(20),
            OperationTimeout = TimeSpan.FromSeconds(20),
            Tls = options.Tls,
            Ssh = options.Ssh,
            Proxy = options.Proxy,
            Log = log,
        };
        var work = Path.Combine(Path.GetTempPath(), "ftptools-proxy-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        try
        {
            var data = new byte[3 * 1024 * 1024 + 17];
            RandomNumberGenerator.Fill(data);
            var source = Path.Combine(work, "up.bin");
            await File.WriteAllBytesAsync(source, data);
            await using var session = await RemoteSessionFactory.ConnectAsync(options, Timeout());

            var up = await TransferEngine.UploadFileAsync(session, source, remoteDirectory + "/up.bin", null, null, Timeout());
            Assert.Equal(TransferStatus.Completed, up.Status);
            var onServer = Path.Combine(localRoot, "up.bin");
            Assert.Equal(Convert.ToHexString(SHA256.HashData(data)), Convert.ToHexString(SHA256.HashData(await File.ReadAllBytesAsync(onServer))));

            var listing = await session.ListDirectoryAsync(remoteDirectory, Timeout());
            var listed = Assert.Single(listing, i => i.Name == "up.bin");
            Assert.Equal(data.Length, listed.Length);

            var target = Path.Combine(work, "down.bin");
            var down = await TransferEngine.DownloadFileAsync(session, remoteDirectory + "/up.bin", target, null, null, Timeout());
            Assert.Equal(TransferStatus.Completed, down.Status);
            Assert.Equal(Convert.ToHexString(SHA256.HashData(data)), Convert.ToHexString(SHA256.HashData(await File.ReadAllBytesAsync(target))));
            await session.DisconnectAsync(Timeout());
            return log;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>
    /// <see cref="RoundTripAsync"/> with an FTP server through one of <paramref name="proxies"/>, then what the proxy
    /// recorded: one connection for the control connection, then one per data connection the session opened, each to
    /// the server (the proxy's own record, not what the client says). An upload over TLS ended without waiting out
    /// <c>FtpDataConnection.HalfCloseGrace</c>: the server closed its side on the close_notify.
    /// </summary>
    public static async Task FtpRoundTripAsync(FtpServerFixture server, ProxyFixture proxies, RemoteProtocol protocol, ProxyKind kind, bool login, int port)
    {
        var directory = server.NewTestDirectory("px");
        var before = proxies.Output(kind, login).Length;
        var options = new ConnectionOptions
        {
            Protocol = protocol,
            Host = server.Host,
            Port = port,
            Credential = new NetworkCredential(server.UserName, server.Password),
            Tls = new TlsOptions { ExtraCaFile = server.CaCertificatePath },
            Proxy = proxies.Proxy(kind, login),
        };

        var log = await RoundTripAsync(options, "/" + directory, Path.Combine(server.RootDirectory, directory));

        var dataConnections = log.Lines.Count(l => l.StartsWith("* Data connection to 127.0.0.1:", StringComparison.Ordinal) && l.EndsWith(" through the proxy.", StringComparison.Ordinal));
        Assert.True(dataConnections >= 3, string.Join("\n", log.Lines));
        var ports = await RecordedTargetPortsAsync(() => proxies.Output(kind, login), before, kind, 1 + dataConnections);
        Assert.True(ports.Length == 1 + dataConnections, $"the proxy recorded {ports.Length} connections, the session opened {1 + dataConnections}:\n{proxies.Output(kind, login).Substring(before)}\n{string.Join("\n", log.Lines)}");
        Assert.Equal(port, ports[0]);
        Assert.DoesNotContain(ports.Skip(1), p => p == port);
        Assert.Contains(log.Lines, l => l.StartsWith($"* Connected to 127.0.0.1:{port} through the proxy {options.Proxy} (", StringComparison.Ordinal));
        Assert.DoesNotContain(log.Lines, l => l.Contains("did not end the data connection", StringComparison.Ordinal));
        Assert.DoesNotContain(log.Lines, l => l.Contains(TestServers.Password, StringComparison.Ordinal));
    }

    /// <summary>
    /// The connections the proxy recorded in <paramref name="output"/> past <paramref name="before"/> characters: their
    /// targets' ports. Waits up to five seconds for <paramref name="expected"/> of them (the proxy prints as it goes).
    /// </summary>
    public static async Task<int[]> RecordedTargetPortsAsync(Func<string> output, int before, ProxyKind kind, int expected)
    {
        // dante: "pass(1): tcp/connect [: username%ftptools@127.0.0.1.58398 127.0.0.1.41081 -> 127.0.0.1.37277 127.0.0.1.55991"
        // tinyproxy: "Request (file descriptor 4): CONNECT 127.0.0.1:55991 HTTP/1.1"
        var pattern = kind == ProxyKind.Socks5
            ? new Regex(@"tcp/connect \[: .* -> \S+ 127\.0\.0\.1\.(\d+)")
            : new Regex(@"Request \(file descriptor \d+\): CONNECT 127\.0\.0\.1:(\d+) HTTP");
        int[] ports = Array.Empty<int>();
        for (var waited = 0; waited < 50; waited++)
        {
            ports = pattern.Matches(output().Substring(before)).Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            if (ports.Length >= expected)
            {
                break;
            }

            await Task.Delay(100);
        }

        return ports;
    }
}

[Collection("vsftpd")]
public sealed class FtpThroughProxyTests : IClassFixture<ProxyFixture>
{
    private readonly VsftpdFixture _server;
    private readonly ProxyFixture _proxies;

    public FtpThroughProxyTests(VsftpdFixture server, ProxyFixture proxies)
    {
        _server = server;
        _proxies = proxies;
    }

    public static TheoryData<RemoteProtocol, ProxyKind, bool> Routes => new()
    {
        { RemoteProtocol.Ftp, ProxyKind.Socks5, true },
        { RemoteProtocol.Ftp, ProxyKind.Socks5, false },
        { RemoteProtocol.Ftp, ProxyKind.Http, true },
        { RemoteProtocol.Ftp, ProxyKind.Http, false },
        { RemoteProtocol.Ftpes, ProxyKind.Socks5, true },
        { RemoteProtocol.Ftpes, ProxyKind.Http, true },
        { RemoteProtocol.Ftps, ProxyKind.Socks5, false },
    };

    [Theory]
    [MemberData(nameof(Routes))]
    public Task Control_and_every_data_connection_go_through_the_proxy(RemoteProtocol protocol, ProxyKind kind, bool login) =>
        ProxyRoute.FtpRoundTripAsync(_server, _proxies, protocol, kind, login, protocol == RemoteProtocol.Ftps ? _server.ImplicitTlsPort : _server.Port);

    [Theory]
    [InlineData(ProxyKind.Socks5)]
    [InlineData(ProxyKind.Http)]
    public async Task A_wrong_proxy_password_fails_the_connect_as_an_authentication_error(ProxyKind kind)
    {
        var proxy = _proxies.Proxy(kind, login: true, new NetworkCredential(TestServers.UserName, "not-the-password"));
        var ex = await Assert.ThrowsAsync<AuthenticationFailedException>(() => RemoteSessionFactory.ConnectAsync(Options(RemoteProtocol.Ftp, proxy), ProxyRoute.Timeout()));
        Assert.Equal(
            kind == ProxyKind.Socks5
                ? $"The SOCKS5 proxy {proxy} refused the user name 'ftptools' and its password (status 1)."
                : $"The HTTP proxy {proxy} refused the user name 'ftptools' and its password (401 Unauthorized).", // tinyproxy's answer to a wrong login
            ex.Message);
        Assert.DoesNotContain("not-the-password", ex.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ProxyKind.Socks5, "The SOCKS5 proxy {0} requires authentication; give its user name and password with -ProxyCredential.")]
    [InlineData(ProxyKind.Http, "The HTTP proxy {0} requires authentication (407 Proxy Authentication Required); give its user name and password with -ProxyCredential.")]
    public async Task A_proxy_that_wants_a_login_and_gets_none_says_so(ProxyKind kind, string message)
    {
        var withLogin = _proxies.Proxy(kind, login: true);
        var proxy = new ProxyOptions { Kind = withLogin.Kind, Host = withLogin.Host, Port = withLogin.Port };
        var ex = await Assert.ThrowsAsync<AuthenticationFailedException>(() => RemoteSessionFactory.ConnectAsync(Options(RemoteProtocol.Ftp, proxy), ProxyRoute.Timeout()));
        Assert.Equal(string.Format(System.Globalization.CultureInfo.InvariantCulture, message, proxy), ex.Message);
    }

    [Theory]
    [InlineData(ProxyKind.Socks5)]
    [InlineData(ProxyKind.Http)]
    public async Task A_server_the_proxy_cannot_reach_fails_the_connect_with_the_proxys_answer(ProxyKind kind)
    {
        var closed = TestServers.FreePort();
        var proxy = _proxies.Proxy(kind, login: false);
        var options = new ConnectionOptions { Protocol = RemoteProtocol.Ftp, Host = "127.0.0.1", Port = closed, Proxy = proxy, ConnectTimeout = TimeSpan.FromSeconds(20) };
        var ex = await Assert.ThrowsAsync<ConnectFailedException>(() => RemoteSessionFactory.ConnectAsync(options, ProxyRoute.Timeout()));
        Assert.Equal(
            kind == ProxyKind.Socks5
                ? $"The SOCKS5 proxy {proxy} could not connect to 127.0.0.1:{closed}: connection refused (reply 5)."
                : $"The HTTP proxy {proxy} did not connect to 127.0.0.1:{closed}: 500 Unable to connect.",
            ex.Message);
    }

    [Fact]
    public async Task A_proxy_that_is_not_there_fails_the_connect_naming_the_proxy()
    {
        var closed = TestServers.FreePort();
        var proxy = new ProxyOptions { Kind = ProxyKind.Socks5, Host = "127.0.0.1", Port = closed };
        var ex = await Assert.ThrowsAsync<ConnectFailedException>(() => RemoteSessionFactory.ConnectAsync(Options(RemoteProtocol.Ftp, proxy), ProxyRoute.Timeout()));
        Assert.Equal($"Could not connect to the proxy socks5://127.0.0.1:{closed}: Connecting to 127.0.0.1:{closed} failed: Connection refused", ex.Message);
    }

    [Fact]
    public async Task A_proxy_that_lets_only_the_control_connection_through_fails_each_transfer_and_the_session_goes_on()
    {
        // Proxies that allow port 21 and nothing else exist; each transfer fails with the proxy's answer, and the
        // control connection, in step, goes on.
        var proxy = await _proxies.StartSocksForOnePortAsync(_server.Port);
        var directory = _server.NewTestDirectory("px");
        var options = Options(RemoteProtocol.Ftp, proxy);
        await using var session = await RemoteSessionFactory.ConnectAsync(options, ProxyRoute.Timeout());

        var listing = await Assert.ThrowsAsync<DataConnectionFailedException>(() => session.ListDirectoryAsync("/" + directory, ProxyRoute.Timeout()));
        var download = await Assert.ThrowsAsync<DataConnectionFailedException>(() => session.OpenReadAsync("/" + directory + "/none.bin", 0, ProxyRoute.Timeout()));

        Assert.Matches($@"^The SOCKS5 proxy {Regex.Escape(proxy.ToString())} could not connect to 127\.0\.0\.1:\d+: connection not allowed by its rules \(reply 2\)\.$", listing.InnerException!.Message);
        Assert.Contains("connection not allowed by its rules (reply 2)", download.Message, StringComparison.Ordinal);
        Assert.True(session.IsConnected);
        Assert.Equal(200, (await RemoteCommand.SendAsync(session, "NOOP", ProxyRoute.Timeout())).Code);
    }

    [Fact]
    public async Task Active_mode_is_refused_before_anything_is_sent()
    {
        var before = _proxies.Output(ProxyKind.Socks5, false).Length;
        var options = new ConnectionOptions
        {
            Protocol = RemoteProtocol.Ftp,
            Host = _server.Host,
            Port = _server.Port,
            Credential = new NetworkCredential(_server.UserName, _server.Password),
            Ftp = new FtpOptions { DataMode = FtpDataMode.Active },
            Proxy = _proxies.Proxy(ProxyKind.Socks5, login: false),
        };
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => RemoteSessionFactory.ConnectAsync(options, ProxyRoute.Timeout()));
        Assert.StartsWith("Active mode cannot go through a proxy: the server would connect back to this machine directly.", ex.Message, StringComparison.Ordinal);
        await Task.Delay(200);
        Assert.Empty(await ProxyRoute.RecordedTargetPortsAsync(() => _proxies.Output(ProxyKind.Socks5, false), before, ProxyKind.Socks5, 0));
    }

    private ConnectionOptions Options(RemoteProtocol protocol, ProxyOptions proxy) => new()
    {
        Protocol = protocol,
        Host = _server.Host,
        Port = protocol == RemoteProtocol.Ftps ? _server.ImplicitTlsPort : _server.Port,
        Credential = new NetworkCredential(_server.UserName, _server.Password),
        Tls = new TlsOptions { ExtraCaFile = _server.CaCertificatePath },
        Proxy = proxy,
    };
}

[Collection("proftpd")]
public sealed class ProftpdThroughProxyTests : IClassFixture<ProxyFixture>
{
    private readonly ProftpdFixture _server;
    private readonly ProxyFixture _proxies;

    public ProftpdThroughProxyTests(ProftpdFixture server, ProxyFixture proxies)
    {
        _server = server;
        _proxies = proxies;
    }

    [Theory]
    [InlineData(ProxyKind.Socks5)]
    [InlineData(ProxyKind.Http)]
    public Task Ftpes_goes_through_the_proxy_and_uploads_end_on_the_close_notify(ProxyKind kind) =>
        ProxyRoute.FtpRoundTripAsync(_server, _proxies, RemoteProtocol.Ftpes, kind, login: true, _server.Port);
}

[Collection("pure-ftpd")]
public sealed class PureFtpdThroughProxyTests : IClassFixture<ProxyFixture>
{
    private readonly PureFtpdFixture _server;
    private readonly ProxyFixture _proxies;

    public PureFtpdThroughProxyTests(PureFtpdFixture server, ProxyFixture proxies)
    {
        _server = server;
        _proxies = proxies;
    }

    [Theory]
    [InlineData(ProxyKind.Socks5)]
    [InlineData(ProxyKind.Http)]
    public Task Ftpes_goes_through_the_proxy_and_uploads_end_on_the_close_notify(ProxyKind kind) =>
        ProxyRoute.FtpRoundTripAsync(_server, _proxies, RemoteProtocol.Ftpes, kind, login: true, _server.Port);
}

[Collection("sshd")]
public sealed class SftpThroughProxyTests : IClassFixture<ProxyFixture>
{
    private readonly SshdFixture _server;
    private readonly ProxyFixture _proxies;

    public SftpThroughProxyTests(SshdFixture server, ProxyFixture proxies)
    {
        _server = server;
        _proxies = proxies;
    }

    [Theory]
    [InlineData(ProxyKind.Socks5, true)]
    [InlineData(ProxyKind.Socks5, false)]
    [InlineData(ProxyKind.Http, true)]
    public async Task The_ssh_connection_goes_through_the_proxy_and_the_host_key_is_still_checked(ProxyKind kind, bool login)
    {
        var directory = _server.NewTestDirectory("px");
        var before = _proxies.Output(kind, login).Length;
        var options = Options(_proxies.Proxy(kind, login), _server.HostKeyFingerprints);

        var log = await ProxyRoute.RoundTripAsync(options, _server.RemotePath(directory), Path.Combine(_server.RootDirectory, directory));

        var ports = await ProxyRoute.RecordedTargetPortsAsync(() => _proxies.Output(kind, login), before, kind, 1);
        Assert.Equal(new[] { _server.Port }, ports);
        Assert.Contains(log.Lines, l => l.StartsWith($"* Connected to 127.0.0.1:{_server.Port} through the proxy {options.Proxy} (", StringComparison.Ordinal));
        Assert.DoesNotContain(log.Lines, l => l.Contains(TestServers.Password, StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_unknown_host_key_is_refused_through_a_proxy_too()
    {
        var options = Options(_proxies.Proxy(ProxyKind.Socks5, login: false), new[] { "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" });
        var ex = await Assert.ThrowsAsync<TrustFailureException>(() => RemoteSessionFactory.ConnectAsync(options, ProxyRoute.Timeout()));
        Assert.Contains(_server.HostKeyFingerprintsByType["ed25519"], ex.Message, StringComparison.Ordinal);
    }

    private ConnectionOptions Options(ProxyOptions proxy, System.Collections.Generic.IReadOnlyList<string> fingerprints) => new()
    {
        Protocol = RemoteProtocol.Sftp,
        Host = _server.Host,
        Port = _server.Port,
        Credential = new NetworkCredential(_server.UserName, _server.Password),
        Ssh = new SshOptions { HostKeyFingerprints = fingerprints },
        Proxy = proxy,
    };
}
