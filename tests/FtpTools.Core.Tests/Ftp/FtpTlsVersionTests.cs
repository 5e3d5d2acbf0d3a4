using System;
using System.IO;
using System.Linq;
using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;
using FtpTools.Core.Ftp;
using FtpTools.Core.Tests.Servers;
using Xunit;
using Xunit.Abstractions;

namespace FtpTools.Core.Tests.Ftp;

/// <summary>
/// Connect-FtpSession -TlsVersion: the versions offered decide what the control connection and every data connection
/// negotiate, on each real TLS server; a server that speaks none of them fails the connection with the versions named.
/// </summary>
public abstract class FtpTlsVersionTests : FtpSessionTestBase
{
    protected FtpTlsVersionTests(FtpServerFixture server, ITestOutputHelper output)
        : base(server, output)
    {
    }

    [Theory]
    [InlineData(TlsVersion.Tls12, "TLS 1.2")]
    [InlineData(TlsVersion.Tls13, "TLS 1.3")]
    public async Task The_offered_version_is_the_one_the_control_and_every_data_connection_negotiate(TlsVersion version, string expected)
    {
        // Written on the server's disk, then read twice: each data connection resumes the control connection's session
        // (vsftpd requires it) under the one version offered.
        var dir = Server.NewTestDirectory();
        var data = RandomBytes(200_000);
        var local = Local("/" + dir, "f.bin");
        await File.WriteAllBytesAsync(local, data, Token);
        TestServers.GiveToTestUser(local);

        await using var session = await RemoteSessionFactory.ConnectAsync(
            Options(tls: new TlsOptions { ExtraCaFile = Server.CaCertificatePath, Protocols = TlsOptions.ProtocolsFor(new[] { version }) }),
            Token);

        Assert.Equal(expected, session.Info.TlsProtocol);
        Assert.Equal(Sha256(data), Sha256(await DownloadAsync(session, "/" + dir + "/f.bin")));
        Assert.Equal(Sha256(data), Sha256(await DownloadAsync(session, "/" + dir + "/f.bin")));
        var secured = Log.Lines.Where(l => l.StartsWith("* Data connection secured", StringComparison.Ordinal)).ToList();
        Assert.Equal(new[] { $"* Data connection secured: {expected}.", $"* Data connection secured: {expected}." }, secured);
    }
}

[Collection("vsftpd")]
public sealed class VsftpdExplicitTlsVersionTests : FtpTlsVersionTests
{
    public VsftpdExplicitTlsVersionTests(VsftpdFixture server, ITestOutputHelper output)
        : base(server, output)
    {
    }

    protected override RemoteProtocol Protocol => RemoteProtocol.Ftpes;
}

[Collection("vsftpd")]
public sealed class VsftpdImplicitTlsVersionTests : FtpTlsVersionTests
{
    private readonly VsftpdFixture _server;

    public VsftpdImplicitTlsVersionTests(VsftpdFixture server, ITestOutputHelper output)
        : base(server, output)
    {
        _server = server;
    }

    protected override RemoteProtocol Protocol => RemoteProtocol.Ftps;

    protected override int ControlPort => _server.ImplicitTlsPort;
}

[Collection("proftpd")]
public sealed class ProftpdExplicitTlsVersionTests : FtpTlsVersionTests
{
    public ProftpdExplicitTlsVersionTests(ProftpdFixture server, ITestOutputHelper output)
        : base(server, output)
    {
    }

    protected override RemoteProtocol Protocol => RemoteProtocol.Ftpes;

    [Theory]
    [InlineData(new[] { TlsVersion.Tls12, TlsVersion.Tls13 }, "TLS 1.2", "* ProFTPD: offering TLS 1.2 only, so data connections can resume the TLS session after uploads.")]
    [InlineData(new[] { TlsVersion.Tls13 }, "TLS 1.3", "* ProFTPD, TLS 1.3 only (-TlsVersion): it may refuse a data connection after an upload (425, no TLS session to resume); allowing TLS 1.2 avoids that.")]
    [InlineData(new[] { TlsVersion.Tls12 }, "TLS 1.2", null)]
    public async Task ProFTPD_gets_TLS_1_2_when_both_are_allowed_and_a_warning_when_only_TLS_1_3_is(TlsVersion[] versions, string expected, string? note)
    {
        await using var session = await RemoteSessionFactory.ConnectAsync(
            Options(tls: new TlsOptions { ExtraCaFile = Server.CaCertificatePath, Protocols = TlsOptions.ProtocolsFor(versions) }),
            Token);

        Assert.Equal(expected, session.Info.TlsProtocol);
        Assert.Equal(note is null ? Array.Empty<string>() : new[] { note }, Log.Lines.Where(l => l.StartsWith("* ProFTPD", StringComparison.Ordinal)).ToArray());
    }
}

[Collection("pure-ftpd")]
public sealed class PureFtpdExplicitTlsVersionTests : FtpTlsVersionTests
{
    public PureFtpdExplicitTlsVersionTests(PureFtpdFixture server, ITestOutputHelper output)
        : base(server, output)
    {
    }

    protected override RemoteProtocol Protocol => RemoteProtocol.Ftpes;
}

/// <summary>What -TlsVersion turns into, and a server that speaks none of the versions offered.</summary>
public sealed class TlsVersionOptionTests : IDisposable
{
    private readonly ITestOutputHelper _output;
    private readonly RecordingLog _log = new();
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(60));

    public TlsVersionOptionTests(ITestOutputHelper output)
    {
        _output = output;
    }

    public void Dispose()
    {
        _output.WriteLine(_log.ToString());
        _timeout.Dispose();
    }

    [Fact]
    public void The_versions_map_to_exactly_the_protocols_offered()
    {
        Assert.Equal(SslProtocols.Tls12, TlsOptions.ProtocolsFor(new[] { TlsVersion.Tls12 }));
        Assert.Equal((SslProtocols)12288, TlsOptions.ProtocolsFor(new[] { TlsVersion.Tls13 }));
        Assert.Equal(SslProtocols.Tls12 | (SslProtocols)12288, TlsOptions.ProtocolsFor(new[] { TlsVersion.Tls13, TlsVersion.Tls12, TlsVersion.Tls13 }));
        Assert.Equal(new TlsOptions().Protocols, TlsOptions.ProtocolsFor(new[] { TlsVersion.Tls12, TlsVersion.Tls13 }));

        var empty = Assert.Throws<ArgumentException>(() => TlsOptions.ProtocolsFor(Array.Empty<TlsVersion>()));
        Assert.StartsWith("Name at least one TLS version to offer (Tls12, Tls13).", empty.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => TlsOptions.ProtocolsFor(new[] { (TlsVersion)7 }));

        Assert.Equal("TLS 1.2 and TLS 1.3", TlsOptions.Describe(new TlsOptions().Protocols));
        Assert.Equal("TLS 1.3", TlsOptions.Describe((SslProtocols)12288));
    }

    [Fact]
    public async Task A_server_without_the_offered_version_fails_the_connection_naming_what_was_offered()
    {
        using var certificate = FakeFtpServer.SelfSignedCertificate("CN=fake tls 1.2 only");
        await using var server = FakeFtpServer.Start(async (connection, command) =>
        {
            if (command != "AUTH TLS")
            {
                return false;
            }

            await connection.SendAsync("234 Proceed with negotiation.\r\n");
            try
            {
                await connection.StartTlsAsync(certificate, SslProtocols.Tls12);
            }
            catch (Exception ex) when (ex is AuthenticationException or IOException)
            {
                _output.WriteLine($"fake server: the handshake ended: {ex.Message}");
            }

            return true;
        });

        var options = new ConnectionOptions
        {
            Protocol = RemoteProtocol.Ftpes,
            Host = "127.0.0.1",
            Port = server.Port,
            Credential = new NetworkCredential("user", "secret"),
            OperationTimeout = TimeSpan.FromSeconds(10),
            ConnectTimeout = TimeSpan.FromSeconds(15),
            Tls = new TlsOptions
            {
                PinnedThumbprints = new[] { FtpCertificateValidator.Sha256Thumbprint(certificate) },
                Protocols = TlsOptions.ProtocolsFor(new[] { TlsVersion.Tls13 }),
            },
            Log = _log,
        };

        var ex = await Assert.ThrowsAsync<ConnectionLostException>(() => RemoteSessionFactory.ConnectAsync(options, _timeout.Token));

        Assert.StartsWith("The TLS handshake with the server failed (TLS 1.3 offered): ", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("PASS", server.Received.ToString(), StringComparison.Ordinal);
    }
}
