using System;
using System.Collections.Generic;
using System.Security.Cryptography;

namespace FtpTools.Core.Ssh.Keys;

/// <summary>An ECDSA user key on nistp256/384/521 (RFC 5656), signing with .NET's ECDsa.</summary>
internal sealed class EcdsaPrivateKey : SshPrivateKey
{
    private readonly ECDsa _ecdsa;
    private readonly string[] _algorithms;
    private readonly HashAlgorithmName _hash;
    private readonly int _fieldBytes;

    private EcdsaPrivateKey(string keyType, ECDsa ecdsa, HashAlgorithmName hash, int fieldBytes, byte[] publicKeyBlob, string source)
        : base(keyType, publicKeyBlob, source)
    {
        _ecdsa = ecdsa;
        _hash = hash;
        _fieldBytes = fieldBytes;
        _algorithms = new[] { keyType };
    }

    public override IReadOnlyList<string> SignatureAlgorithms => _algorithms;

    /// <summary>The SSH curve identifier ("nistp256", RFC 5656 §6.1) of a curve OID or null when unsupported.</summary>
    public static string? CurveNameFromOid(string oid) => oid switch
    {
        "1.2.840.10045.3.1.7" => "nistp256",
        "1.3.132.0.34" => "nistp384",
        "1.3.132.0.35" => "nistp521",
        _ => null,
    };

    /// <summary>
    /// From the curve identifier, the uncompressed public point Q (SEC1 2.3.3, 0x04 || X || Y) and the private scalar d
    /// as unsigned big-endian bytes. .NET checks that Q belongs to d.
    /// </summary>
    public static EcdsaPrivateKey Create(string curveName, ReadOnlySpan<byte> publicPoint, ReadOnlySpan<byte> privateScalar, string source)
    {
        var (curve, hash, fieldBytes) = curveName switch
        {
            "nistp256" => (ECCurve.NamedCurves.nistP256, HashAlgorithmName.SHA256, 32),
            "nistp384" => (ECCurve.NamedCurves.nistP384, HashAlgorithmName.SHA384, 48),
            "nistp521" => (ECCurve.NamedCurves.nistP521, HashAlgorithmName.SHA512, 66),
            _ => throw new FormatException($"The ECDSA curve '{curveName}' is not supported (nistp256, nistp384, nistp521 are)."),
        };

        if (publicPoint.Length != 1 + (2 * fieldBytes) || publicPoint[0] != 0x04)
        {
            throw new FormatException($"The {curveName} public key is not an uncompressed point.");
        }

        var d = FixedLength(privateScalar, fieldBytes);
        var parameters = new ECParameters
        {
            Curve = curve,
            D = d,
            Q = new ECPoint
            {
                X = publicPoint.Slice(1, fieldBytes).ToArray(),
                Y = publicPoint.Slice(1 + fieldBytes, fieldBytes).ToArray(),
            },
        };

        ECDsa ecdsa;
        try
        {
            ecdsa = ECDsa.Create(parameters);
        }
        catch (CryptographicException ex)
        {
            throw new FormatException($"The {curveName} private key is not valid: {ex.Message}", ex);
        }
        finally
        {
            Array.Clear(d, 0, d.Length);
        }

        var keyType = "ecdsa-sha2-" + curveName;
        var blob = new SshWriter(publicPoint.Length + 48)
            .WriteString(keyType)
            .WriteString(curveName)
            .WriteString(publicPoint)
            .ToArray();
        return new EcdsaPrivateKey(keyType, ecdsa, hash, fieldBytes, blob, source);
    }

    protected override byte[] SignCore(string algorithm, ReadOnlySpan<byte> data)
    {
        // .NET returns r || s, each the field size (IEEE P1363); SSH wants mpint r, mpint s (RFC 5656 §3.1.2).
        var signature = _ecdsa.SignData(data.ToArray(), _hash);
        return new SshWriter(signature.Length + 16)
            .WriteMpintFromUnsigned(signature.AsSpan(0, _fieldBytes))
            .WriteMpintFromUnsigned(signature.AsSpan(_fieldBytes, _fieldBytes))
            .ToArray();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _ecdsa.Dispose();
        }
    }

    private static byte[] FixedLength(ReadOnlySpan<byte> unsigned, int length)
    {
        while (unsigned.Length > length && unsigned[0] == 0)
        {
            unsigned = unsigned.Slice(1);
        }

        if (unsigned.Length > length)
        {
            throw new FormatException("The ECDSA private scalar is longer than the curve's order.");
        }

        var result = new byte[length];
        unsigned.CopyTo(result.AsSpan(length - unsigned.Length));
        return result;
    }
}
