using System;
using System.Collections.Generic;
using System.Text;
using FtpTools.Core.Errors;

namespace FtpTools.Core.Ssh.Authentication;

/// <summary>SSH_MSG_USERAUTH_FAILURE (RFC 4252 §5.1): methods that can continue, and whether the last request was a partial success.</summary>
internal sealed class UserAuthFailure
{
    public UserAuthFailure(IReadOnlyList<string> methodsThatCanContinue, bool partialSuccess)
    {
        MethodsThatCanContinue = methodsThatCanContinue;
        PartialSuccess = partialSuccess;
    }

    public IReadOnlyList<string> MethodsThatCanContinue { get; }

    public bool PartialSuccess { get; }
}

/// <summary>One prompt of SSH_MSG_USERAUTH_INFO_REQUEST (RFC 4256 §3.2).</summary>
internal sealed class KeyboardInteractivePrompt
{
    public KeyboardInteractivePrompt(string text, bool echo)
    {
        Text = text;
        Echo = echo;
    }

    public string Text { get; }

    public bool Echo { get; }
}

internal sealed class KeyboardInteractiveRequest
{
    public KeyboardInteractiveRequest(string name, string instruction, IReadOnlyList<KeyboardInteractivePrompt> prompts)
    {
        Name = name;
        Instruction = instruction;
        Prompts = prompts;
    }

    public string Name { get; }

    public string Instruction { get; }

    public IReadOnlyList<KeyboardInteractivePrompt> Prompts { get; }
}

/// <summary>Builds and parses the messages of RFC 4252 and RFC 4256. Pure functions over bytes.</summary>
internal static class UserAuthMessages
{
    public const string UserAuthService = "ssh-userauth";
    public const string ConnectionService = "ssh-connection";

    /// <summary>No server needs more prompts than this in one round; more is treated as hostile.</summary>
    public const int MaxPrompts = 64;

    public static byte[] ServiceRequest(string service) =>
        new SshWriter(32).WriteByte((byte)SshMessageNumber.SSH_MSG_SERVICE_REQUEST).WriteString(service).ToArray();

    /// <summary>RFC 4252 §5.2: the "none" method, which also asks the server which methods it allows.</summary>
    public static byte[] NoneRequest(string user) => RequestHeader(user, "none").ToArray();

    /// <summary>RFC 4252 §8. The password is written into the message and nowhere else.</summary>
    public static byte[] PasswordRequest(string user, string password) =>
        RequestHeader(user, "password").WriteBoolean(false).WriteString(password).ToArray();

    /// <summary>RFC 4252 §7: the query form without a signature (answered by PK_OK or FAILURE).</summary>
    public static byte[] PublicKeyQuery(string user, string algorithm, ReadOnlySpan<byte> publicKeyBlob) =>
        RequestHeader(user, "publickey").WriteBoolean(false).WriteString(algorithm).WriteString(publicKeyBlob).ToArray();

    /// <summary>RFC 4252 §7: the data the signature covers: session id, then the request up to the signature.</summary>
    public static byte[] PublicKeySignedData(ReadOnlySpan<byte> sessionId, string user, string algorithm, ReadOnlySpan<byte> publicKeyBlob)
    {
        var writer = new SshWriter(sessionId.Length + publicKeyBlob.Length + 128).WriteString(sessionId);
        WriteRequestHeader(writer, user, "publickey");
        return writer.WriteBoolean(true).WriteString(algorithm).WriteString(publicKeyBlob).ToArray();
    }

    public static byte[] PublicKeyRequest(string user, string algorithm, ReadOnlySpan<byte> publicKeyBlob, ReadOnlySpan<byte> signature) =>
        RequestHeader(user, "publickey").WriteBoolean(true).WriteString(algorithm).WriteString(publicKeyBlob).WriteString(signature).ToArray();

    /// <summary>RFC 4256 §3.1: language tag and submethods left empty.</summary>
    public static byte[] KeyboardInteractiveRequest(string user) =>
        RequestHeader(user, "keyboard-interactive").WriteString(string.Empty).WriteString(string.Empty).ToArray();

    /// <summary>RFC 4256 §3.4.</summary>
    public static byte[] InfoResponse(IReadOnlyList<string> responses)
    {
        var writer = new SshWriter(64).WriteByte((byte)SshMessageNumber.SSH_MSG_USERAUTH_INFO_RESPONSE).WriteUInt32((uint)responses.Count);
        foreach (var response in responses)
        {
            writer.WriteString(response);
        }

        return writer.ToArray();
    }

    public static string ParseServiceAccept(ReadOnlyMemory<byte> message)
    {
        var reader = new SshReader(message);
        reader.ReadByte();
        return reader.ReadString();
    }

    public static UserAuthFailure ParseFailure(ReadOnlyMemory<byte> message)
    {
        var reader = new SshReader(message);
        reader.ReadByte();
        var methods = reader.ReadNameList();
        var partial = reader.ReadBoolean();
        return new UserAuthFailure(methods, partial);
    }

    /// <summary>RFC 4252 §5.4: string message (UTF-8), string language tag.</summary>
    public static string ParseBanner(ReadOnlyMemory<byte> message)
    {
        var reader = new SshReader(message);
        reader.ReadByte();
        return Printable(reader.ReadString());
    }

    /// <summary>RFC 4252 §7: SSH_MSG_USERAUTH_PK_OK echoes the algorithm and key blob.</summary>
    public static (string Algorithm, ReadOnlyMemory<byte> Blob) ParsePublicKeyOk(ReadOnlyMemory<byte> message)
    {
        var reader = new SshReader(message);
        reader.ReadByte();
        return (reader.ReadString(), reader.ReadStringBytes());
    }

    /// <summary>RFC 4252 §8: SSH_MSG_USERAUTH_PASSWD_CHANGEREQ carries a prompt and a language tag.</summary>
    public static string ParsePasswordChangeRequest(ReadOnlyMemory<byte> message)
    {
        var reader = new SshReader(message);
        reader.ReadByte();
        return Printable(reader.ReadString());
    }

    /// <summary>RFC 4256 §3.2.</summary>
    public static KeyboardInteractiveRequest ParseInfoRequest(ReadOnlyMemory<byte> message)
    {
        var reader = new SshReader(message);
        reader.ReadByte();
        var name = Printable(reader.ReadString());
        var instruction = Printable(reader.ReadString());
        reader.ReadString(); // language tag, deprecated (RFC 4256 §3.2)
        var count = reader.ReadUInt32();
        if (count > MaxPrompts)
        {
            throw new ProtocolViolationException($"The server sent a keyboard-interactive request with {count} prompts.");
        }

        var prompts = new List<KeyboardInteractivePrompt>((int)count);
        for (var i = 0; i < count; i++)
        {
            var text = Printable(reader.ReadString());
            var echo = reader.ReadBoolean();
            prompts.Add(new KeyboardInteractivePrompt(text, echo));
        }

        return new KeyboardInteractiveRequest(name, instruction, prompts);
    }

    /// <summary>Server text for logs and messages without control characters (RFC 4251 §9.2 warns of terminal escapes).</summary>
    public static string Printable(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (c == '\n' || c == '\t' || !char.IsControl(c))
            {
                builder.Append(c);
            }
        }

        return builder.ToString().TrimEnd();
    }

    private static SshWriter RequestHeader(string user, string method) =>
        WriteRequestHeader(new SshWriter(128), user, method);

    private static SshWriter WriteRequestHeader(SshWriter writer, string user, string method) =>
        writer.WriteByte((byte)SshMessageNumber.SSH_MSG_USERAUTH_REQUEST).WriteString(user).WriteString(ConnectionService).WriteString(method);
}
