using System;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;
using Org.BouncyCastle.Asn1.Nist;
using Org.BouncyCastle.Crypto.Agreement;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math.EC.Rfc7748;
using Org.BouncyCastle.Security;
using BcBigInteger = Org.BouncyCastle.Math.BigInteger;

namespace FtpTools.Core.Ssh.Transport;

/// <summary>The transport's side of a key exchange method's messages (numbers 30-49, RFC 4253 §7).</summary>
internal interface ISshKexConversation
{
    ValueTask SendAsync(byte[] payload, CancellationToken cancellationToken);

    /// <summary>The next key-exchange-method message; IGNORE/DEBUG/DISCONNECT are handled by the transport.</summary>
    ValueTask<ReadOnlyMemory<byte>> ReceiveAsync(CancellationToken cancellationToken);
}

/// <summary>What a key exchange method produced. The transport verifies the signature and derives keys.</summary>
internal sealed class SshKexResult
{
    public SshKexResult(byte[] sharedSecret, byte[] exchangeHash, byte[] hostKeyBlob, byte[] signature)
    {
        SharedSecret = sharedSecret;
        ExchangeHash = exchangeHash;
        HostKeyBlob = hostKeyBlob;
        Signature = signature;
    }

    /// <summary>K encoded as an mpint, length prefix included, as the KDF and the hash consume it. Secret.</summary>
    public byte[] SharedSecret { get; }

    public byte[] ExchangeHash { get; }

    public byte[] HostKeyBlob { get; }

    public byte[] Signature { get; }
}

/// <summary>
/// One key exchange method. Each computes H = HASH(V_C || V_S || I_C || I_S || K_S || method fields || K);
/// <c>hashPrefix</c> holds the first four, already encoded as strings.
/// </summary>
internal abstract class SshKeyExchange
{
    public abstract string Name { get; }

    public abstract HashAlgorithmName Hash { get; }

    public static SshKeyExchange Create(string name) => name switch
    {
        SshAlgorithms.Curve25519Sha256 or SshAlgorithms.Curve25519Sha256LibSsh => new Curve25519KeyExchange(name),
        SshAlgorithms.EcdhNistp256 => new EcdhNistKeyExchange(name, "P-256", HashAlgorithmName.SHA256),
        SshAlgorithms.EcdhNistp384 => new EcdhNistKeyExchange(name, "P-384", HashAlgorithmName.SHA384),
        SshAlgorithms.EcdhNistp521 => new EcdhNistKeyExchange(name, "P-521", HashAlgorithmName.SHA512),
        SshAlgorithms.DhGroup14Sha256 => new DiffieHellmanGroupKeyExchange(name, DHStandardGroups.rfc3526_2048, HashAlgorithmName.SHA256),
        SshAlgorithms.DhGroup16Sha512 => new DiffieHellmanGroupKeyExchange(name, DHStandardGroups.rfc3526_4096, HashAlgorithmName.SHA512),
        SshAlgorithms.DhGroup18Sha512 => new DiffieHellmanGroupKeyExchange(name, DHStandardGroups.rfc3526_8192, HashAlgorithmName.SHA512),
        SshAlgorithms.DhGroup14Sha1 => new DiffieHellmanGroupKeyExchange(name, DHStandardGroups.rfc3526_2048, HashAlgorithmName.SHA1),
        SshAlgorithms.DhGroup1Sha1 => new DiffieHellmanGroupKeyExchange(name, DHStandardGroups.rfc2409_1024, HashAlgorithmName.SHA1),
        SshAlgorithms.DhGroupExchangeSha256 => new DiffieHellmanGroupExchange(name, HashAlgorithmName.SHA256),
        SshAlgorithms.DhGroupExchangeSha1 => new DiffieHellmanGroupExchange(name, HashAlgorithmName.SHA1),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Unknown key exchange method."),
    };

    public abstract Task<SshKexResult> RunAsync(ISshKexConversation conversation, byte[] hashPrefix, CancellationToken cancellationToken);

    protected static void Expect(ReadOnlyMemory<byte> payload, SshMessageNumber expected, string method)
    {
        if (payload.Length == 0 || payload.Span[0] != (byte)expected)
        {
            var got = payload.Length == 0 ? "an empty message" : $"message {payload.Span[0]}";
            throw new ProtocolViolationException($"During {method} key exchange the server sent {got} instead of {expected} ({(byte)expected}).");
        }
    }

    protected byte[] HashOf(SshWriter writer) => SshCrypto.Hash(Hash, writer.ToArray(), 0, writer.Length);

    protected static byte[] Mpint(Action<SshWriter> write)
    {
        var writer = new SshWriter(600);
        write(writer);
        return writer.ToArray();
    }
}

/// <summary>curve25519-sha256 (RFC 8731) and its original name curve25519-sha256@libssh.org.</summary>
internal sealed class Curve25519KeyExchange : SshKeyExchange
{
    public Curve25519KeyExchange(string name)
    {
        Name = name;
    }

    public override string Name { get; }

    public override HashAlgorithmName Hash => HashAlgorithmName.SHA256;

    public override async Task<SshKexResult> RunAsync(ISshKexConversation conversation, byte[] hashPrefix, CancellationToken cancellationToken)
    {
        var privateKey = SshCrypto.RandomBytes(X25519.ScalarSize);
        var publicKey = new byte[X25519.PointSize];
        X25519.ScalarMultBase(privateKey, 0, publicKey, 0);
        var init = new SshWriter(64).WriteByte((byte)SshMessageNumber.SSH_MSG_KEX_ECDH_INIT).WriteString(publicKey).ToArray();
        await conversation.SendAsync(init, cancellationToken).ConfigureAwait(false);

        var reply = await conversation.ReceiveAsync(cancellationToken).ConfigureAwait(false);
        Expect(reply, SshMessageNumber.SSH_MSG_KEX_ECDH_REPLY, Name);
        var reader = new SshReader(reply.Slice(1));
        var hostKey = reader.ReadStringBytes().ToArray();
        var serverPublic = reader.ReadStringBytes().ToArray();
        var signature = reader.ReadStringBytes().ToArray();
        if (serverPublic.Length != X25519.PointSize)
        {
            throw new ProtocolViolationException($"The server's curve25519 public value is {serverPublic.Length} bytes instead of 32 (RFC 8731 §3).");
        }

        var shared = new byte[X25519.PointSize];
        try
        {
            // RFC 8731 §3: an all-zero result means a low-order point; abort.
            if (!X25519.CalculateAgreement(privateKey, 0, serverPublic, 0, shared, 0))
            {
                throw new ProtocolViolationException("The server's curve25519 public value gives an all-zero shared secret (RFC 8731 §3).");
            }

            // RFC 8731 §3.1: the X25519 output is read as a big-endian unsigned number and encoded as an mpint.
            var k = Mpint(w => w.WriteMpintFromUnsigned(shared));
            var h = new SshWriter(512).WriteRaw(hashPrefix).WriteString(hostKey).WriteString(publicKey).WriteString(serverPublic).WriteRaw(k);
            return new SshKexResult(k, HashOf(h), hostKey, signature);
        }
        finally
        {
            SshCrypto.Clear(privateKey);
            SshCrypto.Clear(shared);
        }
    }
}

/// <summary>ecdh-sha2-nistp256/384/521 (RFC 5656 §4, §6.2): uncompressed points, the shared x coordinate as K.</summary>
internal sealed class EcdhNistKeyExchange : SshKeyExchange
{
    private readonly string _curve;

    public EcdhNistKeyExchange(string name, string curve, HashAlgorithmName hash)
    {
        Name = name;
        _curve = curve;
        Hash = hash;
    }

    public override string Name { get; }

    public override HashAlgorithmName Hash { get; }

    public override async Task<SshKexResult> RunAsync(ISshKexConversation conversation, byte[] hashPrefix, CancellationToken cancellationToken)
    {
        var x9 = NistNamedCurves.GetByName(_curve);
        var domain = new ECDomainParameters(x9.Curve, x9.G, x9.N, x9.H);
        var generator = new ECKeyPairGenerator();
        generator.Init(new ECKeyGenerationParameters(domain, new SecureRandom()));
        var pair = generator.GenerateKeyPair();
        var clientPublic = ((ECPublicKeyParameters)pair.Public).Q.GetEncoded(false);
        var init = new SshWriter(160).WriteByte((byte)SshMessageNumber.SSH_MSG_KEX_ECDH_INIT).WriteString(clientPublic).ToArray();
        await conversation.SendAsync(init, cancellationToken).ConfigureAwait(false);

        var reply = await conversation.ReceiveAsync(cancellationToken).ConfigureAwait(false);
        Expect(reply, SshMessageNumber.SSH_MSG_KEX_ECDH_REPLY, Name);
        var reader = new SshReader(reply.Slice(1));
        var hostKey = reader.ReadStringBytes().ToArray();
        var serverPublic = reader.ReadStringBytes().ToArray();
        var signature = reader.ReadStringBytes().ToArray();

        var fieldBytes = (x9.Curve.FieldSize + 7) / 8;
        if (serverPublic.Length != 1 + 2 * fieldBytes || serverPublic[0] != 0x04)
        {
            throw new ProtocolViolationException($"The server's {Name} public value is not an uncompressed point (RFC 5656 §4).");
        }

        ECPublicKeyParameters serverKey;
        try
        {
            // Decoding checks the point is on the curve; the parameters check it is not the point at infinity (RFC 5656 §4, SEC1 3.2.2).
            serverKey = new ECPublicKeyParameters(x9.Curve.DecodePoint(serverPublic), domain);
        }
        catch (ArgumentException ex)
        {
            throw new ProtocolViolationException($"The server's {Name} public value is not a valid point: {ex.Message}", ex);
        }

        var agreement = new ECDHBasicAgreement();
        agreement.Init(pair.Private);
        var shared = agreement.CalculateAgreement(serverKey).ToByteArrayUnsigned();
        try
        {
            var k = Mpint(w => w.WriteMpintFromUnsigned(shared));
            var h = new SshWriter(1024).WriteRaw(hashPrefix).WriteString(hostKey).WriteString(clientPublic).WriteString(serverPublic).WriteRaw(k);
            return new SshKexResult(k, HashOf(h), hostKey, signature);
        }
        finally
        {
            SshCrypto.Clear(shared);
        }
    }
}

/// <summary>Shared Diffie-Hellman arithmetic (RFC 4253 §8) over BouncyCastle's big integers.</summary>
internal abstract class DiffieHellmanBase : SshKeyExchange
{
    /// <summary>
    /// A private exponent of twice the hash size in bits, at least 512 (RFC 4419 §6.2: at least twice the
    /// bits of key material; RFC 3526 §8 for the groups' strength).
    /// </summary>
    protected int ExponentBits(int primeBits)
    {
        var hashBits = Hash == HashAlgorithmName.SHA512 ? 512 : Hash == HashAlgorithmName.SHA1 ? 160 : 256;
        return Math.Min(primeBits - 1, Math.Max(512, 2 * hashBits));
    }

    protected static BcBigInteger RandomExponent(int bits)
    {
        var random = new SecureRandom();
        BcBigInteger x;
        do
        {
            x = new BcBigInteger(bits, random);
        }
        while (x.BitLength < 2);
        return x;
    }

    /// <summary>RFC 4253 §8: values not in [1, p-1] must not be sent or accepted.</summary>
    protected void CheckPublicValue(BcBigInteger value, BcBigInteger p)
    {
        if (value.SignValue <= 0 || value.CompareTo(BcBigInteger.One) <= 0 || value.CompareTo(p.Subtract(BcBigInteger.One)) >= 0)
        {
            throw new ProtocolViolationException($"The server's {Name} public value f is out of range (RFC 4253 §8).");
        }
    }

    protected static BcBigInteger ReadMpint(ref SshReader reader)
    {
        var bytes = reader.ReadStringBytes();
        return bytes.Length == 0 ? BcBigInteger.Zero : new BcBigInteger(bytes.ToArray());
    }

    /// <summary>An mpint from a BouncyCastle integer: its two's complement bytes are exactly the mpint body (RFC 4251 §5).</summary>
    protected static SshWriter WriteMpint(SshWriter writer, BcBigInteger value) =>
        value.SignValue == 0 ? writer.WriteUInt32(0) : writer.WriteString(value.ToByteArray());
}

/// <summary>diffie-hellman-group14/16/18 over the RFC 3526 groups (RFC 8268), and legacy group1/group14-sha1 when named.</summary>
internal sealed class DiffieHellmanGroupKeyExchange : DiffieHellmanBase
{
    private readonly DHParameters _group;

    public DiffieHellmanGroupKeyExchange(string name, DHParameters group, HashAlgorithmName hash)
    {
        Name = name;
        _group = group;
        Hash = hash;
    }

    public override string Name { get; }

    public override HashAlgorithmName Hash { get; }

    public override async Task<SshKexResult> RunAsync(ISshKexConversation conversation, byte[] hashPrefix, CancellationToken cancellationToken)
    {
        var p = _group.P;
        var g = _group.G;
        var x = RandomExponent(ExponentBits(p.BitLength));
        var e = g.ModPow(x, p);
        var init = WriteMpint(new SshWriter(1100).WriteByte((byte)SshMessageNumber.SSH_MSG_KEXDH_INIT), e).ToArray();
        await conversation.SendAsync(init, cancellationToken).ConfigureAwait(false);

        var reply = await conversation.ReceiveAsync(cancellationToken).ConfigureAwait(false);
        Expect(reply, SshMessageNumber.SSH_MSG_KEXDH_REPLY, Name);
        var reader = new SshReader(reply.Slice(1));
        var hostKey = reader.ReadStringBytes().ToArray();
        var f = ReadMpint(ref reader);
        var signature = reader.ReadStringBytes().ToArray();
        CheckPublicValue(f, p);

        var k = Mpint(w => WriteMpint(w, f.ModPow(x, p)));
        var h = new SshWriter(4096).WriteRaw(hashPrefix).WriteString(hostKey);
        WriteMpint(h, e);
        WriteMpint(h, f);
        h.WriteRaw(k);
        return new SshKexResult(k, HashOf(h), hostKey, signature);
    }
}

/// <summary>diffie-hellman-group-exchange-sha256 (RFC 4419): the server picks a group within our bounds.</summary>
internal sealed class DiffieHellmanGroupExchange : DiffieHellmanBase
{
    /// <summary>RFC 8270 raises the minimum to 2048 bits; 3072 matches SHA-256's 128-bit strength; 8192 is RFC 4419's maximum.</summary>
    public const uint MinBits = 2048;

    public const uint PreferredBits = 3072;

    public const uint MaxBits = 8192;

    public DiffieHellmanGroupExchange(string name, HashAlgorithmName hash)
    {
        Name = name;
        Hash = hash;
    }

    public override string Name { get; }

    public override HashAlgorithmName Hash { get; }

    public override async Task<SshKexResult> RunAsync(ISshKexConversation conversation, byte[] hashPrefix, CancellationToken cancellationToken)
    {
        var request = new SshWriter(16).WriteByte((byte)SshMessageNumber.SSH_MSG_KEX_DH_GEX_REQUEST)
            .WriteUInt32(MinBits).WriteUInt32(PreferredBits).WriteUInt32(MaxBits).ToArray();
        await conversation.SendAsync(request, cancellationToken).ConfigureAwait(false);

        var groupMessage = await conversation.ReceiveAsync(cancellationToken).ConfigureAwait(false);
        Expect(groupMessage, SshMessageNumber.SSH_MSG_KEX_DH_GEX_GROUP, Name);
        var groupReader = new SshReader(groupMessage.Slice(1));
        var p = ReadMpint(ref groupReader);
        var g = ReadMpint(ref groupReader);
        if (p.SignValue <= 0 || !p.TestBit(0) || p.BitLength < MinBits || p.BitLength > MaxBits)
        {
            throw new ProtocolViolationException($"The server offered a {p.BitLength}-bit group for {Name}; we asked for {MinBits} to {MaxBits} bits (RFC 4419 §3).");
        }

        if (g.CompareTo(BcBigInteger.One) <= 0 || g.CompareTo(p.Subtract(BcBigInteger.One)) >= 0)
        {
            throw new ProtocolViolationException($"The server offered an invalid generator for {Name} (RFC 4419 §3).");
        }

        var x = RandomExponent(ExponentBits(p.BitLength));
        var e = g.ModPow(x, p);
        var init = WriteMpint(new SshWriter(1100).WriteByte((byte)SshMessageNumber.SSH_MSG_KEX_DH_GEX_INIT), e).ToArray();
        await conversation.SendAsync(init, cancellationToken).ConfigureAwait(false);

        var reply = await conversation.ReceiveAsync(cancellationToken).ConfigureAwait(false);
        Expect(reply, SshMessageNumber.SSH_MSG_KEX_DH_GEX_REPLY, Name);
        var reader = new SshReader(reply.Slice(1));
        var hostKey = reader.ReadStringBytes().ToArray();
        var f = ReadMpint(ref reader);
        var signature = reader.ReadStringBytes().ToArray();
        CheckPublicValue(f, p);

        var k = Mpint(w => WriteMpint(w, f.ModPow(x, p)));

        // RFC 4419 §3: H = HASH(V_C || V_S || I_C || I_S || K_S || min || n || max || p || g || e || f || K).
        var h = new SshWriter(8192).WriteRaw(hashPrefix).WriteString(hostKey)
            .WriteUInt32(MinBits).WriteUInt32(PreferredBits).WriteUInt32(MaxBits);
        WriteMpint(h, p);
        WriteMpint(h, g);
        WriteMpint(h, e);
        WriteMpint(h, f);
        h.WriteRaw(k);
        return new SshKexResult(k, HashOf(h), hostKey, signature);
    }
}
