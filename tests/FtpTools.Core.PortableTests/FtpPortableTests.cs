using System;
using System.IO;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;
using FtpTools.Core.Tests.Servers;
using Xunit;

namespace FtpTools.Core.PortableTests;

/// <summary>FTP, FTPES and implicit FTPS with the netstandard2.0 build: its TLS handshakes and certificate check.</summary>
public abstract class FtpPortableTests
{
    private readonly FtpServerFixture _server;

    protected FtpPortableTests(FtpServerFixture server)
    {
        _server = server;
    }

    protected ConnectionOptions Options(RemoteProtocol protocol, string host, int? port = null, TlsOptions? tls = null) => new()
    {
        Protocol = protocol,
        Host = host,
        Port = port ?? _server.Port,
        Credential = new NetworkCredential(_server.UserName, _server.Password),
        Tls = tls ?? new TlsOptions { ExtraCaFile = _server.CaCertificatePath },
        OperationTimeout = TimeSpan.FromSeconds(30),
    };

    protected async Task RoundTripAsync(ConnectionOptions options, int length)
    {
        using var deadline = new CancellationTokenSource(RoundTrip.Deadline);
        var session = await RemoteSessionFactory.ConnectAsync(options, deadline.Token);
        await using (session)
        {
            if (options.Protocol == RemoteProtocol.Ftp)
            {
                Assert.Null(session.Info.TlsProtocol);
            }
            else
            {
                Assert.StartsWith("TLS 1.", session.Info.TlsProtocol, StringComparison.Ordinal);
                Assert.Equal(FtpPortableTestsSupport.Thumbprint(_server.CertificatePath("server")), session.Info.CertificateThumbprint);
            }

            await RoundTrip.RunAsync(session, _server, length);
            await session.DisconnectAsync(deadline.Token);
        }
    }

    protected async Task QueueAsync(ConnectionOptions options)
    {
        using var deadline = new CancellationTokenSource(RoundTrip.Deadline);
        var session = await RemoteSessionFactory.ConnectAsync(options, deadline.Token);
        await using (session)
        {
            await RoundTrip.QueueAsync(session, _server);
            await session.DisconnectAsync(deadline.Token);
        }
    }

    protected async Task Untrusted_certificate_fails_with_its_thumbprint_and_connects_once_pinned(RemoteProtocol protocol, int port)
    {
        using var deadline = new CancellationTokenSource(RoundTrip.Deadline);
        var thumbprint = FtpPortableTestsSupport.Thumbprint(_server.CertificatePath("server"));

        var failure = await Assert.ThrowsAsync<TrustFailureException>(
            () => RemoteSessionFactory.ConnectAsync(Options(protocol, "localhost", port, new TlsOptions()), deadline.Token));
        Assert.Equal(TrustFailureReason.UntrustedChain, failure.Reason);
        Assert.Equal(thumbprint, failure.Fingerprint);
        Assert.Contains("SHA-256 thumbprint: " + thumbprint, failure.Message, StringComparison.Ordinal);

        await RoundTripAsync(Options(protocol, "localhost", port, new TlsOptions { PinnedThumbprints = new[] { thumbprint.ToLowerInvariant() } }), 1000);
    }
}

internal static class FtpPortableTestsSupport
{
    /// <summary>The certificate's SHA-256 over its DER bytes, upper-case hex: the form FtpTools reports.</summary>
    public static string Thumbprint(string pemPath)
    {
        using var certificate = X509Certificate2.CreateFromPem(File.ReadAllText(pemPath));
        return Convert.ToHexString(SHA256.HashData(certificate.RawData));
    }
}

[Collection("vsftpd")]
public sealed class VsftpdPortableTests : FtpPortableTests
{
    private readonly VsftpdFixture _server;

    public VsftpdPortableTests(VsftpdFixture server)
        : base(server)
    {
        _server = server;
    }

    // FTPES to an address, not a name, is left out: vsftpd requires each data connection to resume the control
    // connection's TLS session, and .NET on Linux resumes only sessions it can file under a server name (the SNI),
    // which an address does not have. The net8.0 build works around that (FtpTlsContext.SessionCacheName); this build
    // runs on .NET Framework's Schannel, whose session cache this machine cannot show.
    [Theory]
    [InlineData(RemoteProtocol.Ftp, "127.0.0.1")]
    [InlineData(RemoteProtocol.Ftpes, "localhost")]
    public Task A_file_goes_up_and_comes_back_byte_for_byte(RemoteProtocol protocol, string host) =>
        RoundTripAsync(Options(protocol, host), 5 * 1024 * 1024 + 3);

    [Theory]
    [InlineData(RemoteProtocol.Ftp)]
    [InlineData(RemoteProtocol.Ftpes)]
    public Task Files_queued_up_and_down_arrive_whole_each_reported_once_in_order(RemoteProtocol protocol) =>
        QueueAsync(Options(protocol, "localhost"));

    [Fact]
    public Task Implicit_FTPS_carries_a_file_up_and_back() =>
        RoundTripAsync(Options(RemoteProtocol.Ftps, "localhost", _server.ImplicitTlsPort), 300_001);

    [Fact]
    public Task An_untrusted_FTPES_certificate_fails_with_its_thumbprint_and_connects_once_pinned() =>
        Untrusted_certificate_fails_with_its_thumbprint_and_connects_once_pinned(RemoteProtocol.Ftpes, _server.Port);

    [Fact]
    public async Task A_certificate_for_another_name_is_refused_as_such()
    {
        using var deadline = new CancellationTokenSource(RoundTrip.Deadline);
        var port = await _server.StartWithCertificateAsync("wrongname");
        var failure = await Assert.ThrowsAsync<TrustFailureException>(
            () => RemoteSessionFactory.ConnectAsync(Options(RemoteProtocol.Ftpes, "localhost", port), deadline.Token));
        Assert.Equal(TrustFailureReason.NameMismatch, failure.Reason);
        Assert.Contains("not issued for the host name 'localhost'", failure.Message, StringComparison.Ordinal);
    }
}

[Collection("proftpd")]
public sealed class ProftpdPortableTests : FtpPortableTests
{
    public ProftpdPortableTests(ProftpdFixture server)
        : base(server)
    {
    }

    [Theory]
    [InlineData(RemoteProtocol.Ftp)]
    [InlineData(RemoteProtocol.Ftpes)]
    public Task A_file_goes_up_and_comes_back_byte_for_byte(RemoteProtocol protocol) =>
        RoundTripAsync(Options(protocol, "localhost"), 1024 * 1024 + 1);

    [Fact]
    public Task Files_queued_up_and_down_over_FTPES_arrive_whole_each_reported_once_in_order() =>
        QueueAsync(Options(RemoteProtocol.Ftpes, "localhost"));
}

[Collection("pure-ftpd")]
public sealed class PureFtpdPortableTests : FtpPortableTests
{
    public PureFtpdPortableTests(PureFtpdFixture server)
        : base(server)
    {
    }

    [Theory]
    [InlineData(RemoteProtocol.Ftp)]
    [InlineData(RemoteProtocol.Ftpes)]
    public Task A_file_goes_up_and_comes_back_byte_for_byte(RemoteProtocol protocol) =>
        RoundTripAsync(Options(protocol, "localhost"), 1024 * 1024 + 1);
}
