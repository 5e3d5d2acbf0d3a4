using System;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.Sec;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Pkcs;

namespace FtpTools.Core.Ssh.Keys;

/// <summary>
/// The PEM private key formats ssh-keygen writes with <c>-m PEM</c> and <c>-m PKCS8</c>: PKCS#1 RSA
/// (RFC 8017 A.1.2), SEC1 EC (RFC 5915), PKCS#8 (RFC 5208/5958) and encrypted PKCS#8 (RFC 5958 §3,
/// PBES2), plus OpenSSL's legacy PEM encryption headers (RFC 1421 §4.6, key from EVP_BytesToKey/MD5).
/// BouncyCastle decodes the ASN.1 and PBES2 on both target frameworks; no I/O here.
/// </summary>
internal static class PemPrivateKeyFormat
{
    private const string RsaEncryption = "1.2.840.113549.1.1.1";
    private const string EcPublicKey = "1.2.840.10045.2.1";
    private const string Ed25519 = "1.3.101.112";

    public static bool IsSupportedLabel(string label) =>
        label is "RSA PRIVATE KEY" or "EC PRIVATE KEY" or "PRIVATE KEY" or "ENCRYPTED PRIVATE KEY";

    public static SshPrivateKey Parse(PemArmor pem, string source, string? passphrase)
    {
        var der = pem.Data;
        var legacyEncrypted = pem.Headers.TryGetValue("Proc-Type", out var procType) && procType.Contains("ENCRYPTED");
        if (legacyEncrypted)
        {
            der = DecryptLegacy(pem, source, passphrase);
        }

        try
        {
            return pem.Label switch
            {
                "RSA PRIVATE KEY" => FromRsaStructure(RsaPrivateKeyStructure.GetInstance(Asn1Sequence(der)), source),
                "EC PRIVATE KEY" => FromEcStructure(ECPrivateKeyStructure.GetInstance(Asn1Sequence(der)), null, source),
                "PRIVATE KEY" => FromPrivateKeyInfo(PrivateKeyInfo.GetInstance(Asn1Sequence(der)), source),
                _ => FromPrivateKeyInfo(DecryptPkcs8(der, source, passphrase), source),
            };
        }
        catch (Exception ex) when (ex is not PrivateKeyLoadException)
        {
            if (legacyEncrypted)
            {
                // A wrong passphrase that happened to leave valid CBC padding decrypts to garbage ASN.1.
                throw WrongPassphrase(source, ex);
            }

            throw new PrivateKeyLoadException($"The key file '{source}' is not a valid {pem.Label}: {ex.Message}", PrivateKeyProblem.InvalidFormat, source, ex);
        }
    }

    private static Asn1Sequence Asn1Sequence(byte[] der) =>
        Asn1Object.FromByteArray(der) as Asn1Sequence ?? throw new FormatException("the content is not an ASN.1 SEQUENCE");

    private static SshPrivateKey FromRsaStructure(RsaPrivateKeyStructure rsa, string source) =>
        RsaPrivateKey.Create(
            rsa.Modulus.ToByteArrayUnsigned(),
            rsa.PublicExponent.ToByteArrayUnsigned(),
            rsa.PrivateExponent.ToByteArrayUnsigned(),
            rsa.Prime1.ToByteArrayUnsigned(),
            rsa.Prime2.ToByteArrayUnsigned(),
            rsa.Coefficient.ToByteArrayUnsigned(),
            source);

    private static SshPrivateKey FromEcStructure(ECPrivateKeyStructure ec, DerObjectIdentifier? curveFromAlgorithm, string source)
    {
        var curveOid = curveFromAlgorithm ?? ec.GetParameters() as DerObjectIdentifier
            ?? throw new FormatException("the EC key does not name its curve");
        var curveName = EcdsaPrivateKey.CurveNameFromOid(curveOid.Id)
            ?? throw new PrivateKeyLoadException($"The key file '{source}' holds an EC key on curve {curveOid.Id}, which SSH does not use (nistp256, nistp384, nistp521 are).", PrivateKeyProblem.Unsupported, source);
        var d = ec.GetKey();
        byte[] point;
        var publicKey = ec.GetPublicKey();
        if (publicKey is not null)
        {
            point = publicKey.GetBytes();
        }
        else
        {
            // RFC 5915 makes the public key optional; derive Q = d·G.
            var curve = ECNamedCurveTable.GetByOid(curveOid);
            point = curve.G.Multiply(d).Normalize().GetEncoded(false);
        }

        var scalar = d.ToByteArrayUnsigned();
        try
        {
            return EcdsaPrivateKey.Create(curveName, point, scalar, source);
        }
        finally
        {
            Array.Clear(scalar, 0, scalar.Length);
        }
    }

    private static SshPrivateKey FromPrivateKeyInfo(PrivateKeyInfo info, string source)
    {
        var algorithm = info.PrivateKeyAlgorithm.Algorithm.Id;
        switch (algorithm)
        {
            case RsaEncryption:
                return FromRsaStructure(RsaPrivateKeyStructure.GetInstance(info.ParsePrivateKey()), source);
            case EcPublicKey:
                {
                    var curve = info.PrivateKeyAlgorithm.Parameters as DerObjectIdentifier
                        ?? throw new FormatException("the EC key uses explicit curve parameters instead of a named curve");
                    return FromEcStructure(ECPrivateKeyStructure.GetInstance(info.ParsePrivateKey()), curve, source);
                }

            case Ed25519:
                {
                    // RFC 8410 §7: the private key is an OCTET STRING holding the 32-byte seed.
                    var seed = Asn1OctetString.GetInstance(info.ParsePrivateKey()).GetOctets();
                    try
                    {
                        return Ed25519PrivateKey.FromSeed(seed, ReadOnlySpan<byte>.Empty, source);
                    }
                    finally
                    {
                        Array.Clear(seed, 0, seed.Length);
                    }
                }

            default:
                throw new PrivateKeyLoadException(
                    $"The key file '{source}' holds a key of algorithm {algorithm}, which is not supported (RSA, EC on nistp256/384/521 and Ed25519 are).",
                    PrivateKeyProblem.Unsupported,
                    source);
        }
    }

    private static PrivateKeyInfo DecryptPkcs8(byte[] der, string source, string? passphrase)
    {
        if (string.IsNullOrEmpty(passphrase))
        {
            throw new PrivateKeyLoadException($"The key file '{source}' is encrypted: give its passphrase with -KeyPassphrase.", PrivateKeyProblem.PassphraseRequired, source);
        }

        var encrypted = EncryptedPrivateKeyInfo.GetInstance(Asn1Sequence(der));
        try
        {
            return PrivateKeyInfoFactory.CreatePrivateKeyInfo(passphrase!.ToCharArray(), encrypted);
        }
        catch (Exception ex) when (ex is Org.BouncyCastle.Crypto.InvalidCipherTextException or Org.BouncyCastle.Crypto.DataLengthException or ArgumentException or InvalidCastException or System.IO.IOException or InvalidOperationException)
        {
            throw WrongPassphrase(source, ex);
        }
    }

    /// <summary>OpenSSL's traditional PEM encryption: DEK-Info names the cipher and IV; the key is EVP_BytesToKey(MD5, passphrase, IV[0..8], 1 round).</summary>
    private static byte[] DecryptLegacy(PemArmor pem, string source, string? passphrase)
    {
        if (string.IsNullOrEmpty(passphrase))
        {
            throw new PrivateKeyLoadException($"The key file '{source}' is encrypted: give its passphrase with -KeyPassphrase.", PrivateKeyProblem.PassphraseRequired, source);
        }

        if (!pem.Headers.TryGetValue("DEK-Info", out var dekInfo) || dekInfo.IndexOf(',') < 0)
        {
            throw new PrivateKeyLoadException($"The key file '{source}' is marked encrypted but has no DEK-Info header.", PrivateKeyProblem.InvalidFormat, source);
        }

        var comma = dekInfo.IndexOf(',');
        var cipherName = dekInfo.Substring(0, comma).Trim().ToUpperInvariant();
        var iv = FromHex(dekInfo.Substring(comma + 1).Trim(), source);
        SymmetricAlgorithm algorithm;
        int keyLength;
        switch (cipherName)
        {
            case "AES-128-CBC":
                algorithm = Aes.Create();
                keyLength = 16;
                break;
            case "AES-192-CBC":
                algorithm = Aes.Create();
                keyLength = 24;
                break;
            case "AES-256-CBC":
                algorithm = Aes.Create();
                keyLength = 32;
                break;
            case "DES-EDE3-CBC":
                algorithm = TripleDES.Create();
                keyLength = 24;
                break;
            default:
                throw new PrivateKeyLoadException($"The key file '{source}' is encrypted with {cipherName}, which is not supported (AES-128/192/256-CBC and DES-EDE3-CBC are).", PrivateKeyProblem.Unsupported, source);
        }

        using (algorithm)
        {
            if (iv.Length != algorithm.BlockSize / 8)
            {
                throw new PrivateKeyLoadException($"The key file '{source}' has a DEK-Info IV of the wrong length.", PrivateKeyProblem.InvalidFormat, source);
            }

            var key = BytesToKey(Encoding.UTF8.GetBytes(passphrase), iv, keyLength);
            try
            {
                algorithm.Mode = System.Security.Cryptography.CipherMode.CBC;
                algorithm.Padding = PaddingMode.PKCS7;
                using var decryptor = algorithm.CreateDecryptor(key, iv);
                return decryptor.TransformFinalBlock(pem.Data, 0, pem.Data.Length);
            }
            catch (CryptographicException ex)
            {
                throw WrongPassphrase(source, ex);
            }
            finally
            {
                Array.Clear(key, 0, key.Length);
            }
        }
    }

    private static byte[] BytesToKey(byte[] password, byte[] iv, int keyLength)
    {
        // EVP_BytesToKey: D_i = MD5(D_{i-1} || password || salt); salt is the first 8 bytes of the IV.
#pragma warning disable CA5351 // MD5 is what the legacy PEM format defines; it only decrypts an existing file.
        using var md5 = MD5.Create();
#pragma warning restore CA5351
        var key = new byte[keyLength];
        var previous = Array.Empty<byte>();
        var filled = 0;
        while (filled < keyLength)
        {
            var input = new byte[previous.Length + password.Length + 8];
            previous.CopyTo(input, 0);
            password.CopyTo(input, previous.Length);
            Array.Copy(iv, 0, input, previous.Length + password.Length, 8);
            previous = md5.ComputeHash(input);
            Array.Clear(input, 0, input.Length);
            var count = Math.Min(previous.Length, keyLength - filled);
            Array.Copy(previous, 0, key, filled, count);
            filled += count;
        }

        Array.Clear(password, 0, password.Length);
        return key;
    }

    private static byte[] FromHex(string hex, string source)
    {
        if (hex.Length % 2 != 0)
        {
            throw new PrivateKeyLoadException($"The key file '{source}' has a malformed DEK-Info IV.", PrivateKeyProblem.InvalidFormat, source);
        }

        var bytes = new byte[hex.Length / 2];
        for (var i = 0; i < bytes.Length; i++)
        {
            if (!byte.TryParse(hex.Substring(i * 2, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out bytes[i]))
            {
                throw new PrivateKeyLoadException($"The key file '{source}' has a malformed DEK-Info IV.", PrivateKeyProblem.InvalidFormat, source);
            }
        }

        return bytes;
    }

    private static PrivateKeyLoadException WrongPassphrase(string source, Exception? inner) =>
        new($"The passphrase for key file '{source}' (-KeyPassphrase) is wrong.", PrivateKeyProblem.WrongPassphrase, source, inner);
}
