using System;
using System.Collections.Generic;
using System.Numerics;
using System.Security.Cryptography;

namespace FtpTools.Core.Ssh.Keys;

/// <summary>An RSA user key; signs rsa-sha2-512 and rsa-sha2-256 (RFC 8332) with .NET's RSA. SHA-1 "ssh-rsa" signatures are never made.</summary>
internal sealed class RsaPrivateKey : SshPrivateKey
{
    public const string Name = "ssh-rsa";
    public const string RsaSha2512 = "rsa-sha2-512";
    public const string RsaSha2256 = "rsa-sha2-256";

    private static readonly string[] Algorithms = { RsaSha2512, RsaSha2256 };

    private readonly RSA _rsa;

    private RsaPrivateKey(RSA rsa, byte[] publicKeyBlob, string source)
        : base(Name, publicKeyBlob, source)
    {
        _rsa = rsa;
    }

    public override IReadOnlyList<string> SignatureAlgorithms => Algorithms;

    /// <summary>
    /// From the components as unsigned big-endian integers. The CRT exponents are derived when not given
    /// (openssh-key-v1 stores n, e, d, iqmp, p, q only; PROTOCOL.key §3).
    /// </summary>
    public static RsaPrivateKey Create(
        ReadOnlySpan<byte> modulus,
        ReadOnlySpan<byte> exponent,
        ReadOnlySpan<byte> privateExponent,
        ReadOnlySpan<byte> p,
        ReadOnlySpan<byte> q,
        ReadOnlySpan<byte> inverseQ,
        string source)
    {
        var n = Trim(modulus);
        if (n.Length < 128)
        {
            // RFC 8332 §3 does not set a floor, but OpenSSH refuses keys under 1024 bits and so do we.
            throw new FormatException($"The RSA key has only {n.Length * 8} bits; at least 1024 are needed.");
        }

        var half = (n.Length + 1) / 2;
        var dValue = ToBig(privateExponent);
        var pValue = ToBig(p);
        var qValue = ToBig(q);
        var parameters = new RSAParameters
        {
            Modulus = n,
            Exponent = Trim(exponent),
            D = Pad(Trim(privateExponent), n.Length),
            P = Pad(Trim(p), half),
            Q = Pad(Trim(q), half),
            DP = Pad(FromBig(dValue % (pValue - 1)), half),
            DQ = Pad(FromBig(dValue % (qValue - 1)), half),
            InverseQ = Pad(Trim(inverseQ), half),
        };

        var rsa = RSA.Create();
        try
        {
            rsa.ImportParameters(parameters);
        }
        catch (CryptographicException ex)
        {
            rsa.Dispose();
            throw new FormatException($"The RSA private key is not valid: {ex.Message}", ex);
        }
        finally
        {
            Clear(parameters.D);
            Clear(parameters.P);
            Clear(parameters.Q);
            Clear(parameters.DP);
            Clear(parameters.DQ);
            Clear(parameters.InverseQ);
        }

        var blob = new SshWriter(n.Length + 32)
            .WriteString(Name)
            .WriteMpintFromUnsigned(parameters.Exponent)
            .WriteMpintFromUnsigned(n)
            .ToArray();
        return new RsaPrivateKey(rsa, blob, source);
    }

    protected override byte[] SignCore(string algorithm, ReadOnlySpan<byte> data)
    {
        var hash = algorithm == RsaSha2512 ? HashAlgorithmName.SHA512 : HashAlgorithmName.SHA256;
        return _rsa.SignData(data.ToArray(), hash, RSASignaturePadding.Pkcs1);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _rsa.Dispose();
        }
    }

    private static byte[] Trim(ReadOnlySpan<byte> value)
    {
        while (value.Length > 1 && value[0] == 0)
        {
            value = value.Slice(1);
        }

        return value.ToArray();
    }

    private static byte[] Pad(byte[] value, int length)
    {
        if (value.Length >= length)
        {
            return value;
        }

        var result = new byte[length];
        value.CopyTo(result, length - value.Length);
        Clear(value);
        return result;
    }

    private static BigInteger ToBig(ReadOnlySpan<byte> unsignedBigEndian)
    {
        var bytes = new byte[unsignedBigEndian.Length + 1];
        for (var i = 0; i < unsignedBigEndian.Length; i++)
        {
            bytes[i] = unsignedBigEndian[unsignedBigEndian.Length - 1 - i];
        }

        return new BigInteger(bytes);
    }

    private static byte[] FromBig(BigInteger value)
    {
        var bytes = value.ToByteArray();
        Array.Reverse(bytes);
        return Trim(bytes);
    }

    private static void Clear(byte[]? value)
    {
        if (value is not null)
        {
            Array.Clear(value, 0, value.Length);
        }
    }
}
