using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using FtpTools.Core.Errors;
using FtpTools.Core.Ssh;
using FtpTools.Core.Ssh.Keys;
using Xunit;

namespace FtpTools.Core.Tests.Ssh.Keys;

/// <summary>
/// Public keys and signatures made by OpenSSH's ssh-keygen at test time: the fingerprint must equal
/// `ssh-keygen -l`, and signatures from `ssh-keygen -Y sign` (PROTOCOL.sshsig) must verify.
/// </summary>
public sealed class SshPublicKeyTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "ftptools-keys-" + Guid.NewGuid().ToString("N"));

    public SshPublicKeyTests()
    {
        Directory.CreateDirectory(_directory);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("ed25519", 0, "ssh-ed25519", "ssh-ed25519", 256)]
    [InlineData("ecdsa", 256, "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256", 256)]
    [InlineData("ecdsa", 384, "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp384", 384)]
    [InlineData("ecdsa", 521, "ecdsa-sha2-nistp521", "ecdsa-sha2-nistp521", 521)]
    [InlineData("rsa", 2048, "ssh-rsa", "rsa-sha2-512", 2048)]
    public void Keys_from_ssh_keygen_parse_fingerprint_and_verify(string type, int bits, string keyType, string signatureAlgorithm, int expectedBits)
    {
        var key = Path.Combine(_directory, $"{type}{bits}");
        var args = bits == 0 ? new[] { "-q", "-t", type, "-N", "", "-f", key } : new[] { "-q", "-t", type, "-b", bits.ToString(System.Globalization.CultureInfo.InvariantCulture), "-N", "", "-f", key };
        Run("ssh-keygen", args);
        var blob = Convert.FromBase64String(File.ReadAllText(key + ".pub").Split(' ')[1]);
        var message = Path.Combine(_directory, "message.txt");
        File.WriteAllText(message, "signed by ssh-keygen");
        Run("ssh-keygen", "-Y", "sign", "-f", key, "-n", "file", message);

        var publicKey = SshPublicKey.Parse(blob);
        var (signedData, signature) = ReadSshSig(message + ".sig", File.ReadAllBytes(message));

        Assert.Equal(keyType, publicKey.KeyType);
        Assert.Equal(expectedBits, publicKey.KeySizeBits);
        Assert.Equal(Run("ssh-keygen", "-lf", key + ".pub").Split(' ')[1], publicKey.Fingerprint);
        Assert.True(publicKey.Verify(signatureAlgorithm, signedData, signature));

        signedData[^1] ^= 1;
        Assert.False(publicKey.Verify(signatureAlgorithm, signedData, signature));
    }

    [Fact]
    public void A_signature_must_use_the_requested_algorithm()
    {
        var key = Path.Combine(_directory, "rsa");
        Run("ssh-keygen", "-q", "-t", "rsa", "-b", "2048", "-N", "", "-f", key);
        var message = Path.Combine(_directory, "m.txt");
        File.WriteAllText(message, "x");
        Run("ssh-keygen", "-Y", "sign", "-f", key, "-n", "file", message);
        var publicKey = SshPublicKey.Parse(Convert.FromBase64String(File.ReadAllText(key + ".pub").Split(' ')[1]));
        var (signedData, signature) = ReadSshSig(message + ".sig", File.ReadAllBytes(message));

        // ssh-keygen signed with rsa-sha2-512; a caller that negotiated rsa-sha2-256 must not accept it.
        Assert.False(publicKey.Verify("rsa-sha2-256", signedData, signature));
        Assert.False(publicKey.Verify("ssh-ed25519", signedData, signature));
        Assert.True(publicKey.Verify("rsa-sha2-512", signedData, signature));
    }

    [Fact]
    public void Malformed_blobs_are_protocol_violations()
    {
        var shortEd25519 = new SshWriter().WriteString("ssh-ed25519").WriteString(new byte[31]).ToArray();
        var trailing = new SshWriter().WriteString("ssh-ed25519").WriteString(new byte[32]).WriteByte(0).ToArray();
        var compressed = new SshWriter().WriteString("ecdsa-sha2-nistp256").WriteString("nistp256").WriteString(new byte[] { 2 }.Concat(new byte[32]).ToArray()).ToArray();
        var wrongCurve = new SshWriter().WriteString("ecdsa-sha2-nistp256").WriteString("nistp384").WriteString(new byte[65]).ToArray();
        var smallRsa = new SshWriter().WriteString("ssh-rsa").WriteMpintFromUnsigned(new byte[] { 1, 0, 1 }).WriteMpintFromUnsigned(RandomNumberGenerator.GetBytes(64)).ToArray();
        var dss = new SshWriter().WriteString("ssh-dss").ToArray();

        Assert.Contains("must be 32 bytes", Assert.Throws<ProtocolViolationException>(() => SshPublicKey.Parse(shortEd25519)).Message, StringComparison.Ordinal);
        Assert.Contains("trailing bytes", Assert.Throws<ProtocolViolationException>(() => SshPublicKey.Parse(trailing)).Message, StringComparison.Ordinal);
        Assert.Contains("not an uncompressed point", Assert.Throws<ProtocolViolationException>(() => SshPublicKey.Parse(compressed)).Message, StringComparison.Ordinal);
        Assert.Contains("names curve \"nistp384\"", Assert.Throws<ProtocolViolationException>(() => SshPublicKey.Parse(wrongCurve)).Message, StringComparison.Ordinal);
        Assert.Contains("at least 1024 are required", Assert.Throws<ProtocolViolationException>(() => SshPublicKey.Parse(smallRsa)).Message, StringComparison.Ordinal);
        Assert.Contains("Unsupported public key type \"ssh-dss\"", Assert.Throws<ProtocolViolationException>(() => SshPublicKey.Parse(dss)).Message, StringComparison.Ordinal);
    }

    /// <summary>PROTOCOL.sshsig: the signed data is MAGIC || namespace || reserved || hash_algorithm || H(message).</summary>
    private static (byte[] SignedData, ReadOnlyMemory<byte> Signature) ReadSshSig(string path, byte[] message)
    {
        var armored = File.ReadAllLines(path).Where(l => !l.StartsWith("-----", StringComparison.Ordinal));
        var blob = Convert.FromBase64String(string.Concat(armored));
        var reader = new SshReader(blob);
        Assert.Equal("SSHSIG", Encoding.ASCII.GetString(reader.ReadRaw(6).Span));
        Assert.Equal(1u, reader.ReadUInt32());
        reader.ReadStringBytes();
        var ns = reader.ReadString();
        var reserved = reader.ReadStringBytes();
        var hashAlgorithm = reader.ReadString();
        var signature = reader.ReadStringBytes();
        var hash = hashAlgorithm == "sha512" ? SHA512.HashData(message) : SHA256.HashData(message);
        var signedData = new SshWriter().WriteRaw(Encoding.ASCII.GetBytes("SSHSIG")).WriteString(ns).WriteString(reserved.Span).WriteString(hashAlgorithm).WriteString(hash).ToArray();
        return (signedData, signature);
    }

    private static string Run(string file, params string[] arguments)
    {
        var psi = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            psi.ArgumentList.Add(argument);
        }

        using var process = Process.Start(psi)!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{file} failed: {error}");
        return output;
    }
}
