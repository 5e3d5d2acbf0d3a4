using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using FtpTools.Core.Errors;

namespace FtpTools.Core.Ssh.Agent;

/// <summary>One key the agent holds: its public key blob and the user's comment for it.</summary>
internal sealed class SshAgentIdentity
{
    public SshAgentIdentity(byte[] publicKeyBlob, string comment)
    {
        PublicKeyBlob = publicKeyBlob;
        Comment = comment;
    }

    public byte[] PublicKeyBlob { get; }

    public string Comment { get; }
}

/// <summary>
/// Builds requests and parses replies of the SSH agent protocol (draft-miller-ssh-agent): every message is
/// uint32 length, byte type, contents. Pure functions over bytes; the I/O is in <see cref="SshAgentClient"/>.
/// </summary>
internal static class SshAgentProtocol
{
    /// <summary>Largest reply accepted; an identities list of a few hundred keys fits easily.</summary>
    public const int MaxMessageLength = 256 * 1024;

    public static byte[] RequestIdentities() => Frame(new SshWriter(8).WriteByte((byte)SshAgentMessageNumber.SSH_AGENTC_REQUEST_IDENTITIES));

    public static byte[] SignRequest(ReadOnlySpan<byte> publicKeyBlob, ReadOnlySpan<byte> data, SshAgentSignFlags flags) =>
        Frame(new SshWriter(publicKeyBlob.Length + data.Length + 32)
            .WriteByte((byte)SshAgentMessageNumber.SSH_AGENTC_SIGN_REQUEST)
            .WriteString(publicKeyBlob)
            .WriteString(data)
            .WriteUInt32((uint)flags));

    /// <summary>The body length from a 4-byte frame header; throws when the agent announces something absurd.</summary>
    public static int ReadLength(ReadOnlySpan<byte> header)
    {
        var length = BinaryPrimitives.ReadUInt32BigEndian(header);
        if (length == 0 || length > MaxMessageLength)
        {
            throw new ProtocolViolationException($"The SSH agent announced a reply of {length} bytes (at most {MaxMessageLength} are accepted).");
        }

        return (int)length;
    }

    /// <summary>SSH_AGENT_IDENTITIES_ANSWER (§5.4): uint32 nkeys, then per key string blob, string comment.</summary>
    public static IReadOnlyList<SshAgentIdentity> ParseIdentities(ReadOnlyMemory<byte> body)
    {
        var reader = new SshReader(body);
        var type = (SshAgentMessageNumber)reader.ReadByte();
        if (type == SshAgentMessageNumber.SSH_AGENT_FAILURE)
        {
            throw new FtpToolsException("The SSH agent refused to list its keys.");
        }

        if (type != SshAgentMessageNumber.SSH_AGENT_IDENTITIES_ANSWER)
        {
            throw new ProtocolViolationException($"The SSH agent answered a key list request with message {(byte)type}.");
        }

        var count = reader.ReadUInt32();
        if (count > (uint)reader.Remaining / 8)
        {
            throw new ProtocolViolationException($"The SSH agent claims {count} keys in a {body.Length}-byte reply.");
        }

        var identities = new List<SshAgentIdentity>((int)count);
        for (var i = 0; i < count; i++)
        {
            var blob = reader.ReadStringBytes().ToArray();
            var comment = reader.ReadString();
            identities.Add(new SshAgentIdentity(blob, comment));
        }

        return identities;
    }

    /// <summary>SSH_AGENT_SIGN_RESPONSE (§5.5): string signature; null when the agent answered SSH_AGENT_FAILURE.</summary>
    public static byte[]? ParseSignResponse(ReadOnlyMemory<byte> body)
    {
        var reader = new SshReader(body);
        var type = (SshAgentMessageNumber)reader.ReadByte();
        return type switch
        {
            SshAgentMessageNumber.SSH_AGENT_SIGN_RESPONSE => reader.ReadStringBytes().ToArray(),
            SshAgentMessageNumber.SSH_AGENT_FAILURE => null,
            _ => throw new ProtocolViolationException($"The SSH agent answered a sign request with message {(byte)type}."),
        };
    }

    /// <summary>The agent flag that asks for the given RSA signature algorithm (RFC 8332 names).</summary>
    public static SshAgentSignFlags FlagsFor(string signatureAlgorithm) => signatureAlgorithm switch
    {
        "rsa-sha2-256" => SshAgentSignFlags.SSH_AGENT_RSA_SHA2_256,
        "rsa-sha2-512" => SshAgentSignFlags.SSH_AGENT_RSA_SHA2_512,
        _ => SshAgentSignFlags.None,
    };

    private static byte[] Frame(SshWriter body)
    {
        var framed = new byte[4 + body.Length];
        BinaryPrimitives.WriteUInt32BigEndian(framed, (uint)body.Length);
        body.WrittenSpan.CopyTo(framed.AsSpan(4));
        return framed;
    }
}
