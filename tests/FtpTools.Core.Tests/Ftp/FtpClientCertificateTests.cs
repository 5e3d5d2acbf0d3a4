using System;
using System.IO;
using System.Linq;
using System.Net;
using System.Security.Authentication;
using System.Threading.Tasks;
using FtpTools.Core.Errors;
using FtpTools.Core.Ftp;
using FtpTools.Core.Tests.Servers;
using Xunit;
using Xunit.Abstractions;

namespace FtpTools.Core.Tests.Ftp;

/// <summary>
/// Client certificates (Connect-FtpSession -ClientCertificatePath) against a vsftpd that asks every TLS connection,
/// control and data, for one signed by the test client CA (require_cert, validate_cert), and the files they come in.
/// </summary>
[Collection("vsftpd")]
public sealed class FtpClientCertificateTests : FtpSessionTestBase
{
    private const string Password = "client-pass";
    private readonly VsftpdFixture _vsftpd;

    public FtpClientCertificateTests(VsftpdFixture server, ITestOutputHelper output)
        : base(server, output)
    {
        _vsftpd = server;
    }

    protected override RemoteProtocol Protocol => RemoteProtocol.Ftpes;

    [Theory]
    [InlineData("client.pfx", Password, "Tls13", false)]
    [InlineData("client.pfx", Password, "Tls12", false)]
    [InlineData("client.pem", null, "Tls13", false)]
    [InlineData("client-encrypted.pem", Password, "Tls12", false)]
    [InlineData("client.pfx", Password, "Tls13", true)]
    public async Task A_server_that_requires_a_client_certificate_accepts_one_from_each_kind_of_file_on_every_connection(string file, string? password, string version, bool implicitTls)
    {
        var port = await _vsftpd.StartRequiringClientCertificateAsync(implicitTls);
        using var certificate = ClientCertificateFile.Load(_vsftpd.CertificateFile(file), password is null ? null : new NetworkCredential("", password));
        Assert.Equal("CN=client", certificate.Subject);
        Assert.True(certificate.HasPrivateKey);

        var dir = "/" + Server.NewTestDirectory();
        var data = RandomBytes(300_000);
        await using var session = await RemoteSessionFactory.ConnectAsync(Options(port: port, tls: Tls(certificate, version), implicitTls: implicitTls), Token);
        Assert.Equal(version == "Tls13" ? "TLS 1.3" : "TLS 1.2", session.Info.TlsProtocol);
        Assert.Equal("CN=client", session.Info.ClientCertificateSubject);
        Assert.Matches("^[0-9A-F]{40}$", session.Info.ClientCertificateThumbprint);

        // Each data connection is a TLS connection the server asks for the certificate too (and must resume).
        await UploadAsync(session, $"{dir}/c.bin", data);
        Assert.Equal(Sha256(data), Sha256File(Local(dir, "c.bin")));
        Assert.Equal(Sha256(data), Sha256(await DownloadAsync(session, $"{dir}/c.bin")));
        Assert.Equal("c.bin", Assert.Single(await session.ListDirectoryAsync(dir, Token)).Name);
    }

    [Theory]
    [InlineData("Tls13", false)]
    [InlineData("Tls12", false)]
    [InlineData("Tls13", true)]
    [InlineData("Tls12", true)]
    public async Task Without_a_certificate_or_with_one_the_server_does_not_trust_the_connect_fails_and_says_what_a_certificate_has_to_do_with_it(string version, bool implicitTls)
    {
        var port = await _vsftpd.StartRequiringClientCertificateAsync(implicitTls);
        var none = await Assert.ThrowsAsync<ConnectionLostException>(() => RemoteSessionFactory.ConnectAsync(Options(port: port, tls: Tls(null, version), implicitTls: implicitTls), Token));
        Assert.EndsWith(
            "A server that requires a client certificate ends the connection like this when it gets none: pass one with -ClientCertificatePath or -ClientCertificate.",
            none.Message,
            StringComparison.Ordinal);

        using var stranger = ClientCertificateFile.Load(_vsftpd.CertificateFile("strangerclient.pfx"), new NetworkCredential("", Password));
        var refused = await Assert.ThrowsAsync<ConnectionLostException>(() => RemoteSessionFactory.ConnectAsync(Options(port: port, tls: Tls(stranger, version), implicitTls: implicitTls), Token));

        // .NET offers a certificate only when the server names its issuer among those it accepts, so this one is not
        // even sent: the message names the certificate and where to look.
        Assert.EndsWith(
            "A server that requires a client certificate ends the connection like this when it does not accept the one offered (CN=strangerclient, issued by CN=Unknown Test CA): check that the server trusts that issuer.",
            refused.Message,
            StringComparison.Ordinal);

        // The main vsftpd asks for no certificate, and one offered anyway changes nothing.
        using var certificate = ClientCertificateFile.Load(_vsftpd.CertificateFile("client.pfx"), new NetworkCredential("", Password));
        await using var session = await RemoteSessionFactory.ConnectAsync(Options(tls: Tls(certificate, version), implicitTls: implicitTls, port: implicitTls ? _vsftpd.ImplicitTlsPort : null), Token);
        Assert.Empty(await session.ListDirectoryAsync("/" + Server.NewTestDirectory(), Token));
    }

    [Fact]
    public async Task A_PEM_file_with_its_chain_gives_the_certificate_that_goes_with_the_key_whatever_the_order()
    {
        await _vsftpd.StartRequiringClientCertificateAsync();
        var chain = Path.Combine(Path.GetTempPath(), "ftptools-chain-" + Guid.NewGuid().ToString("N") + ".pem");
        File.WriteAllText(chain, File.ReadAllText(_vsftpd.CertificateFile("clientca.crt")) + File.ReadAllText(_vsftpd.CertificateFile("client.pem")));
        try
        {
            using var certificate = ClientCertificateFile.Load(chain, null);
            Assert.Equal("CN=client", certificate.Subject);
            Assert.True(certificate.HasPrivateKey);
        }
        finally
        {
            File.Delete(chain);
        }
    }

    [Fact]
    public async Task Files_that_hold_no_usable_certificate_are_refused_with_what_is_wrong_and_never_the_password()
    {
        // The server's start writes the certificate files.
        await _vsftpd.StartRequiringClientCertificateAsync();
        const string Wrong = "not-the-password-7731";
        Error("client.pfx", Wrong, $"Could not read the client certificate file '{_vsftpd.CertificateFile("client.pfx")}': ");
        Error("client.pfx", null, "If the file is protected by a password, pass it with -ClientCertificatePassword.");
        Error("client-encrypted.pem", null, $"The private key in '{_vsftpd.CertificateFile("client-encrypted.pem")}' is encrypted: pass its password with -ClientCertificatePassword.");
        Error("client-encrypted.pem", Wrong, $"Could not read the client certificate file '{_vsftpd.CertificateFile("client-encrypted.pem")}': ");
        Error("client.crt", null, $"The client certificate file '{_vsftpd.CertificateFile("client.crt")}' holds no private key, and a server can only accept a certificate with its key. ");
        Error("client.key", null, $"The PEM file '{_vsftpd.CertificateFile("client.key")}' holds no certificate (no BEGIN CERTIFICATE block).");
        Error("missing.pfx", null, $"The client certificate file '{_vsftpd.CertificateFile("missing.pfx")}' does not exist.");
        Error("client.ext", null, $"Could not read the client certificate file '{_vsftpd.CertificateFile("client.ext")}': ");

        Error(".", null, $"The client certificate path '{_vsftpd.CertificateFile(".")}' is a directory, not a file.");

        // OpenSSL's old encrypted key format (Proc-Type headers), which .NET does not read: how to convert it.
        var legacy = Path.Combine(Path.GetTempPath(), "ftptools-legacy-" + Guid.NewGuid().ToString("N") + ".pem");
        File.WriteAllText(legacy, File.ReadAllText(_vsftpd.CertificateFile("client.crt")) + "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,00112233445566778899AABBCCDDEEFF\n\nAAAA\n-----END RSA PRIVATE KEY-----\n");
        try
        {
            Assert.StartsWith($"The private key in '{legacy}' is encrypted in OpenSSL's old format, which .NET cannot read: convert it to PKCS#8", Assert.Throws<ArgumentException>(() => ClientCertificateFile.Load(legacy, new NetworkCredential("", Password))).Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(legacy);
        }

        var big = Path.Combine(Path.GetTempPath(), "ftptools-big-" + Guid.NewGuid().ToString("N") + ".pfx");
        File.WriteAllBytes(big, new byte[2 * 1024 * 1024]);
        try
        {
            Assert.StartsWith($"The client certificate file '{big}' is longer than 1048576 bytes: not a certificate", Assert.Throws<ArgumentException>(() => ClientCertificateFile.Load(big, null)).Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(big);
        }

        void Error(string file, string? password, string expected)
        {
            var path = _vsftpd.CertificateFile(file);
            var ex = Assert.Throws<ArgumentException>(() => ClientCertificateFile.Load(path, password is null ? null : new NetworkCredential("", password)));
            Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(Wrong, ex.ToString(), StringComparison.Ordinal);
            Assert.DoesNotContain(Password, ex.ToString(), StringComparison.Ordinal);
        }
    }

    private ConnectionOptions Options(TlsOptions tls, bool implicitTls, int? port = null)
    {
        var options = Options(port: port, tls: tls);
        return implicitTls
            ? new ConnectionOptions
            {
                Protocol = RemoteProtocol.Ftps,
                Host = options.Host,
                Port = options.Port,
                Credential = options.Credential,
                OperationTimeout = options.OperationTimeout,
                ConnectTimeout = options.ConnectTimeout,
                Tls = tls,
                Log = options.Log,
            }
            : options;
    }

    private TlsOptions Tls(System.Security.Cryptography.X509Certificates.X509Certificate2? certificate, string version) => new()
    {
        ExtraCaFile = Server.CaCertificatePath,
        ClientCertificate = certificate,
        Protocols = version == "Tls13" ? TlsOptions.ProtocolsFor(new[] { TlsVersion.Tls13 }) : SslProtocols.Tls12,
    };
}
