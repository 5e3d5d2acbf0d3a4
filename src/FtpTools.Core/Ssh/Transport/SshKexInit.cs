using System;
using System.Collections.Generic;
using System.Linq;
using FtpTools.Core.Errors;

namespace FtpTools.Core.Ssh.Transport;

/// <summary>SSH_MSG_KEXINIT (RFC 4253 §7.1).</summary>
internal sealed class SshKexInit
{
    /// <summary>Bounds on what a peer may send in one name-list, so a hostile KEXINIT cannot make us work hard.</summary>
    private const int MaxNames = 128;

    public IReadOnlyList<string> KexAlgorithms { get; init; } = Array.Empty<string>();

    public IReadOnlyList<string> ServerHostKeyAlgorithms { get; init; } = Array.Empty<string>();

    public IReadOnlyList<string> CiphersClientToServer { get; init; } = Array.Empty<string>();

    public IReadOnlyList<string> CiphersServerToClient { get; init; } = Array.Empty<string>();

    public IReadOnlyList<string> MacsClientToServer { get; init; } = Array.Empty<string>();

    public IReadOnlyList<string> MacsServerToClient { get; init; } = Array.Empty<string>();

    public IReadOnlyList<string> CompressionClientToServer { get; init; } = Array.Empty<string>();

    public IReadOnlyList<string> CompressionServerToClient { get; init; } = Array.Empty<string>();

    public bool FirstKexPacketFollows { get; init; }

    /// <summary>Our KEXINIT. The pseudo-algorithms ext-info-c and kex-strict-c go into the first one only (RFC 8308 §2.1, OpenSSH PROTOCOL §1.10).</summary>
    public static SshKexInit ForClient(SshAlgorithmPreferences preferences, bool initial)
    {
        var kex = preferences.Kex.ToList();
        if (initial)
        {
            kex.Add(SshAlgorithms.ExtInfoClient);
            kex.Add(SshAlgorithms.StrictKexClient);
        }

        return new SshKexInit
        {
            KexAlgorithms = kex,
            ServerHostKeyAlgorithms = preferences.HostKey,
            CiphersClientToServer = preferences.Ciphers,
            CiphersServerToClient = preferences.Ciphers,
            MacsClientToServer = preferences.Macs,
            MacsServerToClient = preferences.Macs,
            CompressionClientToServer = new[] { SshAlgorithms.CompressionNone },
            CompressionServerToClient = new[] { SshAlgorithms.CompressionNone },
        };
    }

    public byte[] ToPayload()
    {
        var writer = new SshWriter(1024);
        writer.WriteByte((byte)SshMessageNumber.SSH_MSG_KEXINIT);
        writer.WriteRaw(SshCrypto.RandomBytes(16));
        writer.WriteNameList(KexAlgorithms);
        writer.WriteNameList(ServerHostKeyAlgorithms);
        writer.WriteNameList(CiphersClientToServer);
        writer.WriteNameList(CiphersServerToClient);
        writer.WriteNameList(MacsClientToServer);
        writer.WriteNameList(MacsServerToClient);
        writer.WriteNameList(CompressionClientToServer);
        writer.WriteNameList(CompressionServerToClient);
        writer.WriteNameList(Array.Empty<string>());
        writer.WriteNameList(Array.Empty<string>());
        writer.WriteBoolean(FirstKexPacketFollows);
        writer.WriteUInt32(0);
        return writer.ToArray();
    }

    public static SshKexInit Parse(ReadOnlyMemory<byte> payload)
    {
        var reader = new SshReader(payload);
        if (reader.ReadByte() != (byte)SshMessageNumber.SSH_MSG_KEXINIT)
        {
            throw new ProtocolViolationException("Expected SSH_MSG_KEXINIT.");
        }

        reader.ReadRaw(16);
        var kex = Names(ref reader);
        var hostKey = Names(ref reader);
        var cipherC2s = Names(ref reader);
        var cipherS2c = Names(ref reader);
        var macC2s = Names(ref reader);
        var macS2c = Names(ref reader);
        var compressionC2s = Names(ref reader);
        var compressionS2c = Names(ref reader);
        Names(ref reader);
        Names(ref reader);
        var follows = reader.ReadBoolean();
        reader.ReadUInt32();
        return new SshKexInit
        {
            KexAlgorithms = kex,
            ServerHostKeyAlgorithms = hostKey,
            CiphersClientToServer = cipherC2s,
            CiphersServerToClient = cipherS2c,
            MacsClientToServer = macC2s,
            MacsServerToClient = macS2c,
            CompressionClientToServer = compressionC2s,
            CompressionServerToClient = compressionS2c,
            FirstKexPacketFollows = follows,
        };
    }

    private static IReadOnlyList<string> Names(ref SshReader reader)
    {
        var names = reader.ReadNameList();
        if (names.Count > MaxNames)
        {
            throw new ProtocolViolationException($"The server's KEXINIT lists {names.Count} algorithms in one field; more than {MaxNames} is not plausible.");
        }

        return names;
    }
}

/// <summary>What one key exchange agreed on.</summary>
internal sealed class SshNegotiatedAlgorithms
{
    public string Kex { get; init; } = "";

    public string HostKey { get; init; } = "";

    public string CipherClientToServer { get; init; } = "";

    public string CipherServerToClient { get; init; } = "";

    /// <summary>Null when the cipher is an AEAD mode, which ignores the MAC lists (OpenSSH PROTOCOL §1.6).</summary>
    public string? MacClientToServer { get; init; }

    public string? MacServerToClient { get; init; }

    /// <summary>
    /// RFC 4253 §7.1: for each category the first algorithm on the client's list that the server also lists.
    /// Throws <see cref="SshNegotiationException"/> naming both sides' offers when a category has no match.
    /// </summary>
    public static SshNegotiatedAlgorithms Negotiate(SshKexInit client, SshKexInit server)
    {
        var kexClient = client.KexAlgorithms.Where(n => n != SshAlgorithms.ExtInfoClient && n != SshAlgorithms.StrictKexClient).ToList();
        var kexServer = server.KexAlgorithms.Where(n => n != "ext-info-s" && n != SshAlgorithms.StrictKexServer).ToList();
        var kex = Choose("key exchange algorithm", kexClient, kexServer);
        var hostKey = Choose("host key algorithm", client.ServerHostKeyAlgorithms, server.ServerHostKeyAlgorithms);
        var c2s = Choose("cipher (client to server)", client.CiphersClientToServer, server.CiphersClientToServer);
        var s2c = Choose("cipher (server to client)", client.CiphersServerToClient, server.CiphersServerToClient);
        var macC2s = SshCipherFactory.IsAead(c2s) ? null : Choose("MAC (client to server)", client.MacsClientToServer, server.MacsClientToServer);
        var macS2c = SshCipherFactory.IsAead(s2c) ? null : Choose("MAC (server to client)", client.MacsServerToClient, server.MacsServerToClient);
        Choose("compression (client to server)", client.CompressionClientToServer, server.CompressionClientToServer);
        Choose("compression (server to client)", client.CompressionServerToClient, server.CompressionServerToClient);
        return new SshNegotiatedAlgorithms
        {
            Kex = kex,
            HostKey = hostKey,
            CipherClientToServer = c2s,
            CipherServerToClient = s2c,
            MacClientToServer = macC2s,
            MacServerToClient = macS2c,
        };
    }

    private static string Choose(string what, IReadOnlyList<string> client, IReadOnlyList<string> server)
    {
        foreach (var name in client)
        {
            if (server.Contains(name, StringComparer.Ordinal))
            {
                return name;
            }
        }

        throw new SshNegotiationException(
            $"No common SSH {what}: we offered [{string.Join(", ", client)}]; the server offered [{SshVersionExchange.Printable(string.Join(", ", server), 1000)}]. " +
            "Set the matching SshOptions list to allow an algorithm both sides support.");
    }
}

/// <summary>Client and server share no algorithm in some category. The connection is closed.</summary>
internal sealed class SshNegotiationException : ConnectionLostException
{
    public SshNegotiationException(string message)
        : base(message)
    {
    }
}
