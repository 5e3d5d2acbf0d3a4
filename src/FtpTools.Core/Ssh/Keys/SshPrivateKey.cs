using System;
using System.Collections.Generic;
using FtpTools.Core.Ssh.Trust;

namespace FtpTools.Core.Ssh.Keys;

/// <summary>
/// A loaded user private key that can sign for publickey authentication (RFC 4252 §7). Holds key
/// material: <see cref="ToString"/> names only the type, fingerprint and source file, and
/// <see cref="Dispose()"/> drops the private parts.
/// </summary>
internal abstract class SshPrivateKey : IDisposable
{
    protected SshPrivateKey(string keyType, byte[] publicKeyBlob, string source)
    {
        KeyType = keyType;
        PublicKeyBlob = publicKeyBlob;
        Source = source;
        Fingerprint = SshFingerprint.Compute(publicKeyBlob);
    }

    /// <summary>Key type as in the public key blob: "ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa".</summary>
    public string KeyType { get; }

    /// <summary>The public key in SSH wire form (RFC 4253 §6.6, RFC 5656 §3.1, RFC 8709 §4).</summary>
    public ReadOnlyMemory<byte> PublicKeyBlob { get; }

    /// <summary>Where the key came from (a file path), for messages.</summary>
    public string Source { get; }

    public string Fingerprint { get; }

    /// <summary>Signature algorithms this key can produce, best first (RFC 8332 §3 for RSA).</summary>
    public abstract IReadOnlyList<string> SignatureAlgorithms { get; }

    /// <summary>Signs <paramref name="data"/> and returns the SSH signature encoding: string algorithm, string blob.</summary>
    public byte[] Sign(string algorithm, ReadOnlySpan<byte> data)
    {
        if (!Contains(SignatureAlgorithms, algorithm))
        {
            throw new ArgumentException($"A {KeyType} key cannot make {algorithm} signatures.", nameof(algorithm));
        }

        var signature = SignCore(algorithm, data);
        return new SshWriter(signature.Length + algorithm.Length + 8)
            .WriteString(algorithm)
            .WriteString(signature)
            .ToArray();
    }

    public override string ToString() => $"{KeyType} {Fingerprint} ({Source})";

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>The algorithm-specific signature blob (RFC 8709 §6, RFC 5656 §3.1.2, RFC 8332 §3).</summary>
    protected abstract byte[] SignCore(string algorithm, ReadOnlySpan<byte> data);

    protected abstract void Dispose(bool disposing);

    private static bool Contains(IReadOnlyList<string> list, string value)
    {
        foreach (var item in list)
        {
            if (string.Equals(item, value, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
