using System;
using System.IO;
using System.Linq;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Tasks;
using FtpTools.Core.Errors;
using FtpTools.Core.Tests.Servers;
using Xunit;
using Xunit.Abstractions;

namespace FtpTools.Core.Tests.Ftp;

/// <summary>Certificate validation per session against vsftpd serving good and bad certificates (explicit TLS).</summary>
[Collection("vsftpd")]
public sealed class FtpTlsCertificateTests : FtpSessionTestBase
{
    private readonly VsftpdFixture _vsftpd;

    public FtpTlsCertificateTests(VsftpdFixture server, ITestOutputHelper output)
        : base(server, output)
    {
        _vsftpd = server;
    }

    protected override RemoteProtocol Protocol => RemoteProtocol.Ftpes;

    [Fact]
    public async Task Trusted_ca_file_passes_and_the_default_trust_store_does_not_know_the_test_ca()
    {
        await using (var session = await RemoteSessionFactory.ConnectAsync(Options(tls: new TlsOptions { ExtraCaFile = Server.CaCertificatePath }), Token))
        {
            Assert.Equal(Thumbprint("server"), session.Info.CertificateThumbprint);
        }

        Assert.False(new TlsOptions().SkipCertificateCheck);
        var ex = await Assert.ThrowsAsync<TrustFailureException>(() => RemoteSessionFactory.ConnectAsync(Options(tls: new TlsOptions()), Token));
        Assert.Equal(TrustFailureReason.UntrustedChain, ex.Reason);
        Assert.Equal(Thumbprint("server"), ex.Fingerprint);
        Assert.Contains("chain does not end in a trusted root", ex.Message, StringComparison.Ordinal);
        Assert.Contains("issuer: CN=FtpTools Test CA", ex.Message, StringComparison.Ordinal);
        Assert.Contains(Thumbprint("server"), ex.Message, StringComparison.Ordinal);
        Assert.EndsWith(
            $"To trust it, confirm the thumbprint with the server's administrator, then pass -CertificateThumbprint '{Thumbprint("server")}', " +
            "or trust its issuing CA with -CaCertificatePath (a PEM or DER file); -SkipCertificateCheck is for testing only.",
            ex.Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task Expired_certificate_fails_as_expired()
    {
        var port = await _vsftpd.StartWithCertificateAsync("expired");
        var ex = await Assert.ThrowsAsync<TrustFailureException>(() => RemoteSessionFactory.ConnectAsync(Options(port: port), Token));
        Assert.Equal(TrustFailureReason.Expired, ex.Reason);
        Assert.Contains("it is expired or not yet valid", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("trusted root", ex.Message, StringComparison.Ordinal);
        Assert.Equal(Thumbprint("expired"), ex.Fingerprint);
    }

    [Fact]
    public async Task Wrong_host_name_fails_as_name_mismatch()
    {
        var port = await _vsftpd.StartWithCertificateAsync("wrongname");
        var ex = await Assert.ThrowsAsync<TrustFailureException>(() => RemoteSessionFactory.ConnectAsync(Options(port: port), Token));
        Assert.Equal(TrustFailureReason.NameMismatch, ex.Reason);
        Assert.Contains("it was not issued for the host name '127.0.0.1'", ex.Message, StringComparison.Ordinal);

        var byName = Options(port: port, tls: new TlsOptions { ExtraCaFile = Server.CaCertificatePath, TargetHostName = "localhost" });
        var named = await Assert.ThrowsAsync<TrustFailureException>(() => RemoteSessionFactory.ConnectAsync(byName, Token));
        Assert.Equal(TrustFailureReason.NameMismatch, named.Reason);
        Assert.Contains("'localhost'", named.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_ca_fails_even_with_the_extra_ca_file()
    {
        var port = await _vsftpd.StartWithCertificateAsync("unknownca");
        var ex = await Assert.ThrowsAsync<TrustFailureException>(() => RemoteSessionFactory.ConnectAsync(Options(port: port), Token));
        Assert.Equal(TrustFailureReason.UntrustedChain, ex.Reason);
        Assert.Contains("issuer: CN=Unknown Test CA", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pinned_thumbprint_passes_without_the_ca_and_a_wrong_pin_does_not()
    {
        var pin = string.Join(":", Convert.FromHexString(Thumbprint("server")).AsSpan().ToArray().Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
        await using (var session = await RemoteSessionFactory.ConnectAsync(Options(tls: new TlsOptions { PinnedThumbprints = new[] { pin } }), Token))
        {
            var dir = "/" + Server.NewTestDirectory();
            await UploadAsync(session, dir + "/pinned.bin", new byte[] { 7 });
            Assert.Equal(new byte[] { 7 }, await DownloadAsync(session, dir + "/pinned.bin"));
        }

        var wrong = new TlsOptions { PinnedThumbprints = new[] { Thumbprint("expired") } };
        await Assert.ThrowsAsync<TrustFailureException>(() => RemoteSessionFactory.ConnectAsync(Options(tls: wrong), Token));
    }

    [Fact]
    public async Task Skip_switch_accepts_an_expired_certificate_for_that_session_only()
    {
        var port = await _vsftpd.StartWithCertificateAsync("expired");
        await using (var session = await RemoteSessionFactory.ConnectAsync(Options(port: port, tls: new TlsOptions { SkipCertificateCheck = true }), Token))
        {
            Assert.Equal(Thumbprint("expired"), session.Info.CertificateThumbprint);
            Assert.Empty(await session.ListDirectoryAsync("/" + Server.NewTestDirectory(), Token));
        }

        await Assert.ThrowsAsync<TrustFailureException>(() => RemoteSessionFactory.ConnectAsync(Options(port: port), Token));
    }

    [Fact]
    public async Task Host_name_target_and_client_certificate_keep_tls_session_reuse_working()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=ftptools client", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var client = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var tls = new TlsOptions { ExtraCaFile = Server.CaCertificatePath, TargetHostName = "localhost", ClientCertificate = client };
        var dir = "/" + Server.NewTestDirectory();
        var data = RandomBytes(200_000);
        await using var session = await RemoteSessionFactory.ConnectAsync(Options(tls: tls), Token);

        // vsftpd runs with require_ssl_reuse=YES: every one of these data connections must resume.
        for (var i = 0; i < 3; i++)
        {
            await UploadAsync(session, $"{dir}/c{i}.bin", data);
            Assert.Equal(Sha256(data), Sha256(await DownloadAsync(session, $"{dir}/c{i}.bin")));
        }

        Assert.Equal(3, (await session.ListDirectoryAsync(dir, Token)).Count);
    }

    private string Thumbprint(string name)
    {
        using var certificate = X509CertificateLoader.LoadCertificateFromFile(_vsftpd.CertificatePath(name));
        return Convert.ToHexString(SHA256.HashData(certificate.RawData));
    }
}
