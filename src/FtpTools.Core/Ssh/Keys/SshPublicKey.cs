using System;
using System.Security.Cryptography;
using FtpTools.Core.Errors;

namespace FtpTools.Core.Ssh.Keys;

/// <summary>
/// A public key in SSH wire form: ssh-ed25519 (RFC 8709 §4), ecdsa-sha2-nistp256/384/521 (RFC 5656 §3.1)
/// and ssh-rsa (RFC 4253 §6.6). Parses the blob, verifies signatures made with it, and gives the OpenSSH
/// fingerprint. Holds no secret. Signature verification fails closed: anything malformed is false.
/// </summary>
internal sealed class SshPublicKey
{
    public const string Ed25519 = "ssh-ed25519";
    public const string Rsa = "ssh-rsa";
    public const string EcdsaNistp256 = "ecdsa-sha2-nistp256";
    public const string EcdsaNistp384 = "ecdsa-sha2-nistp384";
    public const string EcdsaNistp521 = "ecdsa-sha2-nistp521";

    /// <summary>OpenSSH refuses RSA keys below 1024 bits (SSH_RSA_MINIMUM_MODULUS_SIZE); so do we.</summary>
    public const int MinimumRsaBits = 1024;

    private readonly byte[] _blob;
    private readonly byte[] _ed25519 = Array.Empty<byte>();
    private readonly RSAParameters _rsa;
    private readonly ECParameters _ec;

    private SshPublicKey(string keyType, byte[] blob, int bits, byte[]? ed25519 = null, RSAParameters rsa = default, ECParameters ec = default)
    {
        KeyType = keyType;
        _blob = blob;
        KeySizeBits = bits;
        _ed25519 = ed25519 ?? Array.Empty<byte>();
        _rsa = rsa;
        _ec = ec;
        Fingerprint = ComputeFingerprint(blob);
    }

    /// <summary>The key format name inside the blob: ssh-ed25519, ecdsa-sha2-nistp*, ssh-rsa.</summary>
    public string KeyType { get; }

    public ReadOnlyMemory<byte> Blob => _blob;

    public int KeySizeBits { get; }

    /// <summary>"SHA256:" and the unpadded base64 of SHA-256 over the blob, as ssh-keygen -l prints it.</summary>
    public string Fingerprint { get; }

    public static string ComputeFingerprint(ReadOnlySpan<byte> blob)
    {
        using var sha = SHA256.Create();
        var hash = sha.ComputeHash(blob.ToArray());
        return "SHA256:" + Convert.ToBase64String(hash).TrimEnd('=');
    }

    /// <summary>The key format a host key or signature algorithm uses (rsa-sha2-* keys are ssh-rsa keys, RFC 8332 §3).</summary>
    public static string KeyTypeForAlgorithm(string algorithm) => algorithm switch
    {
        "rsa-sha2-256" or "rsa-sha2-512" => Rsa,
        _ => algorithm,
    };

    /// <summary>Parses a public key blob. Throws <see cref="ProtocolViolationException"/> on malformed or unsupported keys.</summary>
    public static SshPublicKey Parse(ReadOnlyMemory<byte> blob)
    {
        var copy = blob.ToArray();
        var reader = new SshReader(copy);
        var type = reader.ReadString();
        switch (type)
        {
            case Ed25519:
            {
                var key = reader.ReadStringBytes();
                EnsureEnd(reader, type);
                if (key.Length != Org.BouncyCastle.Math.EC.Rfc8032.Ed25519.PublicKeySize)
                {
                    throw new ProtocolViolationException($"An ssh-ed25519 key must be 32 bytes; this one is {key.Length}.");
                }

                return new SshPublicKey(type, copy, 256, ed25519: key.ToArray());
            }

            case Rsa:
            {
                var e = Unsigned(reader.ReadStringBytes().Span);
                var n = Unsigned(reader.ReadStringBytes().Span);
                EnsureEnd(reader, type);
                var bits = BitLength(n);
                if (bits < MinimumRsaBits)
                {
                    throw new ProtocolViolationException($"The RSA key has {bits} bits; at least {MinimumRsaBits} are required.");
                }

                if (e.Length == 0 || e.Length > 8)
                {
                    throw new ProtocolViolationException("The RSA key has an implausible public exponent.");
                }

                return new SshPublicKey(type, copy, bits, rsa: new RSAParameters { Exponent = e, Modulus = n });
            }

            case EcdsaNistp256:
            case EcdsaNistp384:
            case EcdsaNistp521:
            {
                var (curveName, curve, fieldBytes, bits) = Curve(type);
                var identifier = reader.ReadString();
                var q = reader.ReadStringBytes().Span;
                EnsureEnd(reader, type);
                if (identifier != curveName)
                {
                    throw new ProtocolViolationException($"The {type} key names curve \"{SshVersionExchangePrintable(identifier)}\" instead of {curveName} (RFC 5656 §3.1).");
                }

                // Uncompressed points only (RFC 5656 §3.1, OpenSSH PROTOCOL §1.4).
                if (q.Length != 1 + 2 * fieldBytes || q[0] != 0x04)
                {
                    throw new ProtocolViolationException($"The {type} key is not an uncompressed point of {curveName}.");
                }

                var ec = new ECParameters
                {
                    Curve = curve,
                    Q = new ECPoint { X = q.Slice(1, fieldBytes).ToArray(), Y = q.Slice(1 + fieldBytes, fieldBytes).ToArray() },
                };
                return new SshPublicKey(type, copy, bits, ec: ec);
            }

            default:
                throw new ProtocolViolationException($"Unsupported public key type \"{SshVersionExchangePrintable(type)}\".");
        }
    }

    /// <summary>Whether a signature algorithm may be used with this key (RFC 8332 §3 for rsa-sha2-*).</summary>
    public bool SupportsSignatureAlgorithm(string algorithm) => KeyTypeForAlgorithm(algorithm) == KeyType;

    /// <summary>
    /// Verifies an SSH signature blob (string algorithm, string signature) over <paramref name="data"/>,
    /// requiring the blob's algorithm to be exactly <paramref name="signatureAlgorithm"/>.
    /// </summary>
    public bool Verify(string signatureAlgorithm, byte[] data, ReadOnlyMemory<byte> signatureBlob)
    {
        if (!SupportsSignatureAlgorithm(signatureAlgorithm))
        {
            return false;
        }

        string algorithm;
        ReadOnlyMemory<byte> signature;
        try
        {
            var reader = new SshReader(signatureBlob);
            algorithm = reader.ReadString();
            signature = reader.ReadStringBytes();
            if (!reader.AtEnd)
            {
                return false;
            }
        }
        catch (ProtocolViolationException)
        {
            return false;
        }

        if (algorithm != signatureAlgorithm)
        {
            return false;
        }

        try
        {
            return KeyType switch
            {
                Ed25519 => VerifyEd25519(data, signature.Span),
                Rsa => VerifyRsa(algorithm, data, signature.Span),
                _ => VerifyEcdsa(data, signature),
            };
        }
        catch (CryptographicException)
        {
            return false;
        }
        catch (ProtocolViolationException)
        {
            return false;
        }
    }

    private bool VerifyEd25519(byte[] data, ReadOnlySpan<byte> signature)
    {
        if (signature.Length != Org.BouncyCastle.Math.EC.Rfc8032.Ed25519.SignatureSize)
        {
            return false;
        }

        return Org.BouncyCastle.Math.EC.Rfc8032.Ed25519.Verify(signature.ToArray(), 0, _ed25519, 0, data, 0, data.Length);
    }

    private bool VerifyRsa(string algorithm, byte[] data, ReadOnlySpan<byte> signature)
    {
        var hash = algorithm switch
        {
            "rsa-sha2-512" => HashAlgorithmName.SHA512,
            "rsa-sha2-256" => HashAlgorithmName.SHA256,
            Rsa => HashAlgorithmName.SHA1,
            _ => default,
        };
        if (hash.Name is null)
        {
            return false;
        }

        var modulusLength = _rsa.Modulus!.Length;
        if (signature.Length > modulusLength)
        {
            return false;
        }

        // Some signers drop leading zero bytes; PKCS#1 verification wants the modulus length (RFC 8332 §3).
        var padded = new byte[modulusLength];
        signature.CopyTo(padded.AsSpan(modulusLength - signature.Length));
        using var rsa = RSA.Create();
        rsa.ImportParameters(_rsa);
        return rsa.VerifyData(data, padded, hash, RSASignaturePadding.Pkcs1);
    }

    private bool VerifyEcdsa(byte[] data, ReadOnlyMemory<byte> signature)
    {
        // RFC 5656 §3.1.2: the signature is mpint r, mpint s; .NET wants r || s at the field size.
        var (_, _, fieldBytes, bits) = Curve(KeyType);
        var reader = new SshReader(signature);
        var r = Unsigned(reader.ReadStringBytes().Span);
        var s = Unsigned(reader.ReadStringBytes().Span);
        if (!reader.AtEnd || r.Length == 0 || s.Length == 0 || r.Length > fieldBytes || s.Length > fieldBytes)
        {
            return false;
        }

        var p1363 = new byte[2 * fieldBytes];
        r.CopyTo(p1363, fieldBytes - r.Length);
        s.CopyTo(p1363, 2 * fieldBytes - s.Length);

        // RFC 5656 §6.2.1: SHA-256 for nistp256, SHA-384 for nistp384, SHA-512 for nistp521.
        var hash = bits switch
        {
            256 => HashAlgorithmName.SHA256,
            384 => HashAlgorithmName.SHA384,
            _ => HashAlgorithmName.SHA512,
        };
        using var ecdsa = ECDsa.Create(_ec);
        return ecdsa.VerifyData(data, p1363, hash);
    }

    private static (string CurveName, ECCurve Curve, int FieldBytes, int Bits) Curve(string keyType) => keyType switch
    {
        EcdsaNistp256 => ("nistp256", ECCurve.NamedCurves.nistP256, 32, 256),
        EcdsaNistp384 => ("nistp384", ECCurve.NamedCurves.nistP384, 48, 384),
        EcdsaNistp521 => ("nistp521", ECCurve.NamedCurves.nistP521, 66, 521),
        _ => throw new ProtocolViolationException($"Unsupported ECDSA key type \"{keyType}\"."),
    };

    /// <summary>An mpint's magnitude without sign or leading zero bytes; negative values are refused.</summary>
    private static byte[] Unsigned(ReadOnlySpan<byte> mpint)
    {
        if (mpint.Length > 0 && (mpint[0] & 0x80) != 0)
        {
            throw new ProtocolViolationException("A key or signature contains a negative integer.");
        }

        var start = 0;
        while (start < mpint.Length && mpint[start] == 0)
        {
            start++;
        }

        return mpint.Slice(start).ToArray();
    }

    private static int BitLength(byte[] magnitude)
    {
        if (magnitude.Length == 0)
        {
            return 0;
        }

        var top = magnitude[0];
        var bits = 0;
        while (top != 0)
        {
            bits++;
            top >>= 1;
        }

        return (magnitude.Length - 1) * 8 + bits;
    }

    private static void EnsureEnd(SshReader reader, string type)
    {
        if (!reader.AtEnd)
        {
            throw new ProtocolViolationException($"The {type} key blob has {reader.Remaining} trailing bytes.");
        }
    }

    private static string SshVersionExchangePrintable(string text) => Transport.SshVersionExchange.Printable(text, 64);
}
