using System;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;
using FtpTools.Core.Ssh.Keys;
using Xunit;

namespace FtpTools.Core.Tests.Ssh.Keys;

public sealed class PrivateKeyLoadingTests : IDisposable
{
    private const string Passphrase = "correct horse 9";
    private readonly string _directory = KeygenTool.NewTempDirectory();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("ed25519", 0, "", "", "")]
    [InlineData("ed25519", 0, Passphrase, "", "")]
    [InlineData("ed25519", 0, Passphrase, "", "aes256-gcm@openssh.com")]
    [InlineData("ed25519", 0, Passphrase, "", "aes128-cbc")]
    [InlineData("ecdsa", 256, "", "", "")]
    [InlineData("ecdsa", 384, Passphrase, "", "")]
    [InlineData("ecdsa", 521, "", "", "")]
    [InlineData("ecdsa", 521, Passphrase, "", "")]
    [InlineData("rsa", 3072, "", "", "")]
    [InlineData("rsa", 3072, Passphrase, "", "")]
    [InlineData("rsa", 3072, "", "PEM", "")]
    [InlineData("rsa", 3072, Passphrase, "PEM", "")]
    [InlineData("rsa", 3072, "", "PKCS8", "")]
    [InlineData("rsa", 3072, Passphrase, "PKCS8", "")]
    [InlineData("ecdsa", 256, "", "PEM", "")]
    [InlineData("ecdsa", 384, Passphrase, "PEM", "")]
    [InlineData("ecdsa", 521, "", "PKCS8", "")]
    [InlineData("ecdsa", 256, Passphrase, "PKCS8", "")]
    public async Task Keys_from_ssh_keygen_load_and_sign_verifiably(string type, int bits, string passphrase, string format, string cipher)
    {
        var path = await KeygenTool.GenerateAsync(_directory, type, bits, passphrase, format, cipher);
        var expectedBlob = KeygenTool.ReadPublicKeyBlob(path + ".pub");

        using var key = await PrivateKeyParser.LoadAsync(path, passphrase.Length > 0 ? passphrase : null, CancellationToken.None);

        Assert.Equal(expectedBlob, key.PublicKeyBlob.ToArray());
        Assert.Equal(await KeygenTool.FingerprintAsync(path + ".pub"), key.Fingerprint);
        var data = Encoding.ASCII.GetBytes("session id and userauth request " + type + bits);
        foreach (var algorithm in key.SignatureAlgorithms)
        {
            var signature = key.Sign(algorithm, data);
            Assert.True(SignatureCheck.Verify(expectedBlob, signature, data), $"{algorithm} signature does not verify");
            data[0] ^= 1;
            Assert.False(SignatureCheck.Verify(expectedBlob, signature, data), $"{algorithm} signature verifies altered data");
            data[0] ^= 1;
        }
    }

    [Theory]
    [InlineData("ed25519", 0)]
    [InlineData("ecdsa", 256)]
    [InlineData("ecdsa", 384)]
    [InlineData("ecdsa", 521)]
    [InlineData("rsa", 3072)]
    public async Task OpenSsh_accepts_our_signatures(string type, int bits)
    {
        var path = await KeygenTool.GenerateAsync(_directory, type, bits);
        using var key = await PrivateKeyParser.LoadAsync(path, null, CancellationToken.None);
        var message = Encoding.ASCII.GetBytes("signed by FtpTools, checked by OpenSSH\n");

        foreach (var algorithm in key.SignatureAlgorithms)
        {
            var (exitCode, output) = await SignatureCheck.VerifyWithSshKeygenAsync(_directory, key.PublicKeyBlob.ToArray(), algorithm, (a, d) => key.Sign(a, d), message);
            Assert.True(exitCode == 0, $"ssh-keygen -Y verify rejected our {algorithm} signature: {output}");
            Assert.Contains("Good \"file\" signature for tester", output, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("ed25519", 0, "")]
    [InlineData("ed25519", 0, "aes256-gcm@openssh.com")]
    [InlineData("rsa", 2048, "PEM")]
    [InlineData("ecdsa", 256, "PKCS8")]
    public async Task A_wrong_passphrase_is_named_as_such_without_revealing_it(string type, int bits, string format)
    {
        var cipher = format.StartsWith("aes", StringComparison.Ordinal) ? format : "";
        var path = await KeygenTool.GenerateAsync(_directory, type, bits, Passphrase, cipher.Length > 0 ? "" : format, cipher);

        var ex = await Assert.ThrowsAsync<PrivateKeyLoadException>(() => PrivateKeyParser.LoadAsync(path, "not the passphrase", CancellationToken.None));

        Assert.Equal(PrivateKeyProblem.WrongPassphrase, ex.Problem);
        Assert.Equal($"The passphrase for key file '{path}' (-KeyPassphrase) is wrong.", ex.Message);
        Assert.IsAssignableFrom<AuthenticationFailedException>(ex);
        Assert.DoesNotContain("not the passphrase", ex.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_encrypted_key_without_a_passphrase_asks_for_one()
    {
        var path = await KeygenTool.GenerateAsync(_directory, "ed25519", 0, Passphrase);

        var ex = await Assert.ThrowsAsync<PrivateKeyLoadException>(() => PrivateKeyParser.LoadAsync(path, null, CancellationToken.None));

        Assert.Equal(PrivateKeyProblem.PassphraseRequired, ex.Problem);
        Assert.Contains("is encrypted: give its passphrase with -KeyPassphrase.", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ed25519_PKCS8_from_openssl_loads()
    {
        var path = Path.Combine(_directory, "ed25519.p8");
        var (code, _, error) = await KeygenTool.RunAsync("openssl", new[] { "genpkey", "-algorithm", "ed25519", "-out", path });
        Assert.True(code == 0, "openssl genpkey failed (install openssl): " + error);
        var publicDer = Path.Combine(_directory, "ed25519.pub.der");
        var (pubCode, _, pubError) = await KeygenTool.RunAsync("openssl", new[] { "pkey", "-in", path, "-pubout", "-outform", "DER", "-out", publicDer });
        Assert.True(pubCode == 0, pubError);
        var publicKey = File.ReadAllBytes(publicDer)[^32..];

        using var key = await PrivateKeyParser.LoadAsync(path, null, CancellationToken.None);

        Assert.Equal(new FtpTools.Core.Ssh.SshWriter().WriteString("ssh-ed25519").WriteString(publicKey).ToArray(), key.PublicKeyBlob.ToArray());
        var data = new byte[] { 1, 2, 3 };
        Assert.True(SignatureCheck.Verify(key.PublicKeyBlob.ToArray(), key.Sign("ssh-ed25519", data), data));
    }

    [Fact]
    public async Task Key_material_stays_out_of_ToString()
    {
        var path = await KeygenTool.GenerateAsync(_directory, "ed25519", 0);
        using var key = await PrivateKeyParser.LoadAsync(path, null, CancellationToken.None);

        Assert.Equal($"ssh-ed25519 {key.Fingerprint} ({path})", key.ToString());
    }

    [Theory]
    [InlineData("not a key at all", "InvalidFormat")]
    [InlineData("PuTTY-User-Key-File-3: ssh-ed25519\n", "Unsupported")]
    [InlineData("-----BEGIN DSA PRIVATE KEY-----\nAAAA\n-----END DSA PRIVATE KEY-----\n", "Unsupported")]
    [InlineData("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU=\n-----END OPENSSH PRIVATE KEY-----\n", "InvalidFormat")]
    [InlineData("-----BEGIN RSA PRIVATE KEY-----\nMAMCAQA=\n-----END RSA PRIVATE KEY-----\n", "InvalidFormat")]
    public void Damaged_or_foreign_files_fail_with_their_reason(string contents, string problem)
    {
        var ex = Assert.Throws<PrivateKeyLoadException>(() => PrivateKeyParser.Parse(Encoding.ASCII.GetBytes(contents), "k", null));

        Assert.Equal(problem, ex.Problem.ToString());
        Assert.StartsWith("The key file 'k' ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_file_is_unreadable()
    {
        var path = Path.Combine(_directory, "nope");

        var ex = await Assert.ThrowsAsync<PrivateKeyLoadException>(() => PrivateKeyParser.LoadAsync(path, null, CancellationToken.None));

        Assert.Equal(PrivateKeyProblem.Unreadable, ex.Problem);
    }
}
