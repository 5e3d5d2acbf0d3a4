using System;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Tasks;
using FtpTools.Core.Ssh;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;

namespace FtpTools.Core.Tests.Ssh.Keys;

/// <summary>
/// Verifies SSH signatures independently of the code under test: .NET for RSA and ECDSA, BouncyCastle
/// for Ed25519, and OpenSSH itself through ssh-keygen -Y verify (SSHSIG, OpenSSH PROTOCOL.sshsig).
/// </summary>
internal static class SignatureCheck
{
    public static bool Verify(byte[] publicKeyBlob, byte[] signature, byte[] data)
    {
        var key = new SshReader(publicKeyBlob);
        var keyType = key.ReadString();
        var sig = new SshReader(signature);
        var algorithm = sig.ReadString();
        var blob = sig.ReadStringBytes().ToArray();
        switch (keyType)
        {
            case "ssh-ed25519":
                {
                    var verifier = new Ed25519Signer();
                    verifier.Init(false, new Ed25519PublicKeyParameters(key.ReadStringBytes().ToArray(), 0));
                    verifier.BlockUpdate(data, 0, data.Length);
                    return algorithm == "ssh-ed25519" && verifier.VerifySignature(blob);
                }

            case "ssh-rsa":
                {
                    var e = Unsigned(key.ReadStringBytes().ToArray());
                    var n = Unsigned(key.ReadStringBytes().ToArray());
                    using var rsa = RSA.Create(new RSAParameters { Exponent = e, Modulus = n });
                    var hash = algorithm switch
                    {
                        "rsa-sha2-512" => HashAlgorithmName.SHA512,
                        "rsa-sha2-256" => HashAlgorithmName.SHA256,
                        _ => throw new InvalidOperationException("unexpected RSA signature algorithm " + algorithm),
                    };
                    return rsa.VerifyData(data, blob, hash, RSASignaturePadding.Pkcs1);
                }

            default:
                {
                    var curveName = key.ReadString();
                    var point = key.ReadStringBytes().ToArray();
                    var (curve, hash, size) = curveName switch
                    {
                        "nistp256" => (ECCurve.NamedCurves.nistP256, HashAlgorithmName.SHA256, 32),
                        "nistp384" => (ECCurve.NamedCurves.nistP384, HashAlgorithmName.SHA384, 48),
                        _ => (ECCurve.NamedCurves.nistP521, HashAlgorithmName.SHA512, 66),
                    };
                    using var ecdsa = ECDsa.Create(new ECParameters
                    {
                        Curve = curve,
                        Q = new ECPoint { X = point[1..(1 + size)], Y = point[(1 + size)..] },
                    });
                    var rs = new SshReader(blob);
                    var r = Fixed(Unsigned(rs.ReadStringBytes().ToArray()), size);
                    var s = Fixed(Unsigned(rs.ReadStringBytes().ToArray()), size);
                    return algorithm == keyType && ecdsa.VerifyData(data, (byte[])[.. r, .. s], hash);
                }
        }
    }

    /// <summary>
    /// Signs <paramref name="message"/> as an SSHSIG with <paramref name="sign"/> and asks ssh-keygen -Y verify
    /// whether OpenSSH accepts it. Returns ssh-keygen's exit code and output.
    /// </summary>
    public static async Task<(int ExitCode, string Output)> VerifyWithSshKeygenAsync(string directory, byte[] publicKeyBlob, string signatureAlgorithm, Func<string, byte[], byte[]> sign, byte[] message)
    {
        const string ns = "file";
        var preamble = "SSHSIG"u8.ToArray();
        var hash = SHA512.HashData(message);
        var toSign = new SshWriter()
            .WriteRaw(preamble).WriteString(ns).WriteString("").WriteString("sha512").WriteString(hash)
            .ToArray();
        var signature = sign(signatureAlgorithm, toSign);
        var envelope = new SshWriter()
            .WriteRaw(preamble).WriteUInt32(1).WriteString(publicKeyBlob).WriteString(ns).WriteString("").WriteString("sha512").WriteString(signature)
            .ToArray();
        var armored = new StringBuilder("-----BEGIN SSH SIGNATURE-----\n");
        var base64 = Convert.ToBase64String(envelope);
        for (var i = 0; i < base64.Length; i += 70)
        {
            armored.Append(base64.AsSpan(i, Math.Min(70, base64.Length - i))).Append('\n');
        }

        armored.Append("-----END SSH SIGNATURE-----\n");
        var keyType = new SshReader(publicKeyBlob).ReadString();
        var allowed = Path.Combine(directory, "allowed_signers");
        var sigFile = Path.Combine(directory, "message.sig");
        await File.WriteAllTextAsync(allowed, $"tester {keyType} {Convert.ToBase64String(publicKeyBlob)}\n");
        await File.WriteAllTextAsync(sigFile, armored.ToString());
        var (code, output, error) = await KeygenTool.RunAsync(
            "ssh-keygen",
            new[] { "-Y", "verify", "-f", allowed, "-I", "tester", "-n", ns, "-s", sigFile },
            Encoding.ASCII.GetString(message));
        return (code, output + error);
    }

    private static byte[] Unsigned(byte[] mpint)
    {
        var start = 0;
        while (start < mpint.Length - 1 && mpint[start] == 0)
        {
            start++;
        }

        return mpint[start..];
    }

    private static byte[] Fixed(byte[] value, int size)
    {
        var result = new byte[size];
        value.CopyTo(result, size - value.Length);
        return result;
    }
}
