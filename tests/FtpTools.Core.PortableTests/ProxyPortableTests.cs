using System;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Tests.Servers;
using Xunit;

namespace FtpTools.Core.PortableTests;

/// <summary>
/// Sessions through a real proxy with the netstandard2.0 build, whose SSH connection is a <c>NetworkStream</c> (as on
/// Windows) rather than the blocking socket stream of the net8.0 build on Unix.
/// </summary>
internal static class ThroughProxy
{
    public static async Task RoundTripAsync(ConnectionOptions options, ServerFixture server, ProxyFixture proxies)
    {
        var before = proxies.Output(options.Proxy!.Kind, options.Proxy.Credential is not null).Length;
        using var deadline = new CancellationTokenSource(RoundTrip.Deadline);
        var session = await RemoteSessionFactory.ConnectAsync(options, deadline.Token);
        await using (session)
        {
            await RoundTrip.RunAsync(session, server, 2 * 1024 * 1024 + 11);
            await session.DisconnectAsync(deadline.Token);
        }

        // The proxy's own record of the connection to the server's port (dante: "-> 127.0.0.1.N 127.0.0.1.PORT",
        // tinyproxy: "CONNECT host:PORT HTTP/1.1").
        var port = options.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var toServer = new System.Text.RegularExpressions.Regex(options.Proxy.Kind == ProxyKind.Socks5
            ? @"-> \S+ 127\.0\.0\.1\." + port + @"\b"
            : "CONNECT " + System.Text.RegularExpressions.Regex.Escape(options.Host) + ":" + port + " HTTP/1.1");
        var recorded = "";
        for (var waited = 0; waited < 50 && !toServer.IsMatch(recorded); waited++)
        {
            await Task.Delay(waited == 0 ? 0 : 100);
            recorded = proxies.Output(options.Proxy.Kind, options.Proxy.Credential is not null).Substring(before);
        }

        Assert.True(toServer.IsMatch(recorded), recorded);
    }
}

[Collection("sshd")]
public sealed class SftpProxyPortableTests : IClassFixture<ProxyFixture>
{
    private readonly SshdFixture _server;
    private readonly ProxyFixture _proxies;

    public SftpProxyPortableTests(SshdFixture server, ProxyFixture proxies)
    {
        _server = server;
        _proxies = proxies;
    }

    [Theory]
    [InlineData(ProxyKind.Socks5)]
    [InlineData(ProxyKind.Http)]
    public Task A_file_goes_up_and_comes_back_through_the_proxy(ProxyKind kind) => ThroughProxy.RoundTripAsync(
        new ConnectionOptions
        {
            Protocol = RemoteProtocol.Sftp,
            Host = _server.Host,
            Port = _server.Port,
            Credential = new NetworkCredential(_server.UserName, _server.Password),
            Ssh = new SshOptions { HostKeyFingerprints = _server.HostKeyFingerprints },
            Proxy = _proxies.Proxy(kind, login: true),
        },
        _server,
        _proxies);
}

[Collection("vsftpd")]
public sealed class FtpProxyPortableTests : IClassFixture<ProxyFixture>
{
    private readonly VsftpdFixture _server;
    private readonly ProxyFixture _proxies;

    public FtpProxyPortableTests(VsftpdFixture server, ProxyFixture proxies)
    {
        _server = server;
        _proxies = proxies;
    }

    [Theory]
    [InlineData(RemoteProtocol.Ftp, ProxyKind.Http)]
    [InlineData(RemoteProtocol.Ftpes, ProxyKind.Socks5)]
    public Task A_file_goes_up_and_comes_back_through_the_proxy(RemoteProtocol protocol, ProxyKind kind) => ThroughProxy.RoundTripAsync(
        new ConnectionOptions
        {
            Protocol = protocol,

            // By name, as the other FTPES tests of this build: .NET resumes no TLS session for an IP address (vsftpd
            // requires data connections to resume the control connection's), and the portable build has no name of
            // its own to give one.
            Host = "localhost",
            Port = _server.Port,
            Credential = new NetworkCredential(_server.UserName, _server.Password),
            Tls = new TlsOptions { ExtraCaFile = _server.CaCertificatePath },
            Proxy = _proxies.Proxy(kind, login: true),
        },
        _server,
        _proxies);
}
