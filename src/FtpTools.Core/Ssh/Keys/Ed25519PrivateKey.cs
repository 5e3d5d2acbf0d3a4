using System;
using System.Collections.Generic;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;

namespace FtpTools.Core.Ssh.Keys;

/// <summary>An Ed25519 user key (RFC 8709); signing by BouncyCastle, which both target frameworks can load.</summary>
internal sealed class Ed25519PrivateKey : SshPrivateKey
{
    public const string Name = "ssh-ed25519";

    private static readonly string[] Algorithms = { Name };

    private Ed25519PrivateKeyParameters? _key;

    private Ed25519PrivateKey(Ed25519PrivateKeyParameters key, byte[] publicKeyBlob, string source)
        : base(Name, publicKeyBlob, source)
    {
        _key = key;
    }

    public override IReadOnlyList<string> SignatureAlgorithms => Algorithms;

    /// <summary>From the 32-byte seed (RFC 8032 §5.1.5's private key); the public key is derived and must equal <paramref name="expectedPublicKey"/> when given.</summary>
    public static Ed25519PrivateKey FromSeed(ReadOnlySpan<byte> seed, ReadOnlySpan<byte> expectedPublicKey, string source)
    {
        if (seed.Length != Ed25519PrivateKeyParameters.KeySize)
        {
            throw new FormatException("An Ed25519 private key must be 32 bytes.");
        }

        var key = new Ed25519PrivateKeyParameters(seed.ToArray(), 0);
        var publicKey = key.GeneratePublicKey().GetEncoded();
        if (!expectedPublicKey.IsEmpty && !expectedPublicKey.SequenceEqual(publicKey))
        {
            throw new FormatException("The Ed25519 private key does not match its public key.");
        }

        var blob = new SshWriter(64).WriteString(Name).WriteString(publicKey).ToArray();
        return new Ed25519PrivateKey(key, blob, source);
    }

    protected override byte[] SignCore(string algorithm, ReadOnlySpan<byte> data)
    {
        var key = _key ?? throw new ObjectDisposedException(nameof(Ed25519PrivateKey));
        var signer = new Ed25519Signer();
        signer.Init(true, key);
        var bytes = data.ToArray();
        signer.BlockUpdate(bytes, 0, bytes.Length);
        return signer.GenerateSignature();
    }

    protected override void Dispose(bool disposing) => _key = null;
}
