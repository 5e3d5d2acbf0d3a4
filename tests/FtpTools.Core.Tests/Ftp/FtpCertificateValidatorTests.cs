using System;
using System.IO;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using FtpTools.Core.Errors;
using FtpTools.Core.Ftp;
using Xunit;

namespace FtpTools.Core.Tests.Ftp;

/// <summary>
/// The data-connection shortcut of <see cref="FtpCertificateValidator"/>: after a certificate passed the full check,
/// later handshakes (whose chain SslStream built trusting nothing) accept that certificate again and judge any other
/// certificate in full. Certificates are made here; the handshakes themselves run against vsftpd in the session tests.
/// </summary>
public sealed class FtpCertificateValidatorTests : IDisposable
{
    private const SslPolicyErrors ChainErrors = SslPolicyErrors.RemoteCertificateChainErrors;
    private readonly string _caFile = Path.Combine(Path.GetTempPath(), "ftptools-validator-" + Guid.NewGuid().ToString("N") + ".pem");
    private readonly X509Certificate2 _ca;
    private readonly X509Certificate2 _otherCa;

    public FtpCertificateValidatorTests()
    {
        _ca = MakeCa("CN=Validator Test CA");
        _otherCa = MakeCa("CN=Validator Other CA");
        File.WriteAllText(_caFile, _ca.ExportCertificatePem());
    }

    public void Dispose()
    {
        File.Delete(_caFile);
        _ca.Dispose();
        _otherCa.Dispose();
    }

    [Fact]
    public void The_accepted_certificate_passes_again_and_a_name_mismatch_still_fails()
    {
        using var leaf = MakeLeaf(_ca, "CN=localhost");
        var validator = new FtpCertificateValidator(new TlsOptions { ExtraCaFile = _caFile }, "localhost");
        Assert.False(validator.HasAcceptedCertificate);

        Assert.True(validator.Validate(this, leaf, null, ChainErrors));
        Assert.True(validator.HasAcceptedCertificate);
        Assert.True(validator.ValidateRepeat(this, leaf, null, ChainErrors));
        Assert.Null(validator.Failure);

        Assert.False(validator.ValidateRepeat(this, leaf, null, ChainErrors | SslPolicyErrors.RemoteCertificateNameMismatch));
        Assert.Equal(TrustFailureReason.NameMismatch, validator.Failure!.Reason);
    }

    [Fact]
    public void Another_certificate_on_a_data_connection_is_judged_in_full()
    {
        using var first = MakeLeaf(_ca, "CN=localhost");
        using var sibling = MakeLeaf(_ca, "CN=localhost");
        using var stranger = MakeLeaf(_otherCa, "CN=localhost");
        var validator = new FtpCertificateValidator(new TlsOptions { ExtraCaFile = _caFile }, "localhost");
        Assert.True(validator.Validate(this, first, null, ChainErrors));

        Assert.True(validator.ValidateRepeat(this, sibling, null, ChainErrors));
        Assert.Equal(FtpCertificateValidator.Sha256Thumbprint(sibling), validator.LastCertificate!.Thumbprint);

        Assert.False(validator.ValidateRepeat(this, stranger, null, ChainErrors));
        Assert.Equal(TrustFailureReason.UntrustedChain, validator.Failure!.Reason);
        Assert.Equal(FtpCertificateValidator.Sha256Thumbprint(stranger), validator.Failure.Fingerprint);
    }

    [Fact]
    public void Nothing_is_accepted_again_before_a_certificate_passed_the_full_check()
    {
        using var stranger = MakeLeaf(_otherCa, "CN=localhost");
        var validator = new FtpCertificateValidator(new TlsOptions { ExtraCaFile = _caFile }, "localhost");

        Assert.False(validator.Validate(this, stranger, null, ChainErrors));
        Assert.False(validator.HasAcceptedCertificate);
        Assert.False(validator.ValidateRepeat(this, stranger, null, ChainErrors));
        Assert.Equal(TrustFailureReason.UntrustedChain, validator.Failure!.Reason);
    }

    private static X509Certificate2 MakeCa(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(name, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
    }

    private static X509Certificate2 MakeLeaf(X509Certificate2 ca, string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(name, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        var serial = RandomNumberGenerator.GetBytes(12);
        using var signed = request.Create(ca, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(7), serial);
        return signed.CopyWithPrivateKey(key);
    }
}
