using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Logging;
using FtpTools.Core.Ssh;
using FtpTools.Core.Tests.Ssh.Keys;

namespace FtpTools.Core.Tests.Ssh.Authentication;

/// <summary>
/// An in-memory SSH server's authentication layer (RFC 4252, 4256) behind the ISshTransport contract.
/// It checks publickey signatures itself (with <see cref="SignatureCheck"/>), so a wrong signature fails.
/// </summary>
internal sealed class ScriptedAuthServer : ISshTransport
{
    private readonly ConcurrentQueue<byte[]> _outbox = new();
    private int _step;
    private bool _expectingInfoResponse;

    public byte[] SessionIdBytes { get; } = RandomNumberGenerator.GetBytes(32);

    public ReadOnlyMemory<byte> SessionId => SessionIdBytes;

    public IReadOnlyList<string>? ServerSignatureAlgorithms { get; set; }

    public IProtocolLog? Log => null;

    /// <summary>Each step lists the methods that can complete it; all steps in turn (AuthenticationMethods).</summary>
    public List<string[]> Steps { get; set; } = new() { new[] { "publickey", "password" } };

    public string Password { get; set; } = "s3cret!";

    public List<byte[]> AcceptedKeys { get; } = new();

    /// <summary>Signature algorithms the server accepts in publickey requests.</summary>
    public HashSet<string> AcceptedAlgorithms { get; } = new() { "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "rsa-sha2-512", "rsa-sha2-256" };

    public bool DemandPasswordChange { get; set; }

    /// <summary>Keyboard-interactive prompts; a prompt containing "password" expects the password, any other never gets a right answer.</summary>
    public List<(string Text, bool Echo)> Prompts { get; } = new() { ("Password: ", false) };

    public string? Banner { get; set; }

    /// <summary>What the client did, in order: "none", "publickey-query rsa-sha2-512", "publickey rsa-sha2-512", "password", ...</summary>
    public List<string> Attempts { get; } = new();

    public List<string> SignedAlgorithms { get; } = new();

    public ValueTask SendAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        Handle(payload.ToArray());
        return default;
    }

    public ValueTask<ReadOnlyMemory<byte>> ReceiveAsync(CancellationToken cancellationToken)
    {
        if (!_outbox.TryDequeue(out var message))
        {
            throw new InvalidOperationException("The client waited for a message the scripted server never sends.");
        }

        return new ValueTask<ReadOnlyMemory<byte>>(message);
    }

    public ValueTask DisposeAsync() => default;

    private string[] Allowed => _step < Steps.Count ? Steps[_step] : Array.Empty<string>();

    private void Handle(byte[] message)
    {
        var reader = new SshReader(message);
        var type = reader.ReadByte();
        if (type == (byte)SshMessageNumber.SSH_MSG_SERVICE_REQUEST)
        {
            if (Banner is not null)
            {
                _outbox.Enqueue(new SshWriter().WriteByte(53).WriteString(Banner).WriteString("").ToArray());
            }

            _outbox.Enqueue(new SshWriter().WriteByte(6).WriteString(reader.ReadString()).ToArray());
            return;
        }

        if (type == (byte)SshMessageNumber.SSH_MSG_USERAUTH_INFO_RESPONSE)
        {
            var count = reader.ReadUInt32();
            var answers = Enumerable.Range(0, (int)count).Select(_ => reader.ReadString()).ToList();
            var right = _expectingInfoResponse && answers.Count == Prompts.Count
                && Prompts.Select((p, i) => p.Text.Contains("password", StringComparison.OrdinalIgnoreCase) && answers[i] == Password).All(ok => ok);
            _expectingInfoResponse = false;
            Attempts.Add("info-response");
            Complete(right);
            return;
        }

        if (type != (byte)SshMessageNumber.SSH_MSG_USERAUTH_REQUEST)
        {
            throw new InvalidOperationException($"unexpected client message {type}");
        }

        var user = reader.ReadString();
        var service = reader.ReadString();
        var method = reader.ReadString();
        if (user != "alice" || service != "ssh-connection")
        {
            throw new InvalidOperationException($"bad request header {user} {service}");
        }

        switch (method)
        {
            case "none":
                Attempts.Add("none");
                Complete(false);
                break;
            case "password":
                {
                    reader.ReadBoolean();
                    var password = reader.ReadString();
                    Attempts.Add("password");
                    if (!Allowed.Contains("password"))
                    {
                        Complete(false);
                    }
                    else if (DemandPasswordChange && password == Password)
                    {
                        _outbox.Enqueue(new SshWriter().WriteByte(60).WriteString("Your password has expired.").WriteString("").ToArray());
                    }
                    else
                    {
                        Complete(password == Password);
                    }

                    break;
                }

            case "publickey":
                {
                    var signed = reader.ReadBoolean();
                    var algorithm = reader.ReadString();
                    var blob = reader.ReadStringBytes().ToArray();
                    var acceptable = Allowed.Contains("publickey") && AcceptedAlgorithms.Contains(algorithm) && AcceptedKeys.Any(k => k.AsSpan().SequenceEqual(blob));
                    if (!signed)
                    {
                        Attempts.Add("publickey-query " + algorithm);
                        if (acceptable)
                        {
                            _outbox.Enqueue(new SshWriter().WriteByte(60).WriteString(algorithm).WriteString(blob).ToArray());
                        }
                        else
                        {
                            Complete(false);
                        }

                        break;
                    }

                    Attempts.Add("publickey " + algorithm);
                    var signature = reader.ReadStringBytes().ToArray();

                    // RFC 4252 §7, rebuilt here from the parsed fields rather than by the code under test.
                    var data = new SshWriter().WriteString(SessionIdBytes).WriteByte(50).WriteString(user).WriteString(service)
                        .WriteString("publickey").WriteBoolean(true).WriteString(algorithm).WriteString(blob).ToArray();
                    var valid = SignatureCheck.Verify(blob, signature, data) && new SshReader(signature).ReadString() == algorithm;
                    if (valid)
                    {
                        SignedAlgorithms.Add(algorithm);
                    }

                    Complete(acceptable && valid);
                    break;
                }

            case "keyboard-interactive":
                {
                    Attempts.Add("keyboard-interactive");
                    if (!Allowed.Contains("keyboard-interactive"))
                    {
                        Complete(false);
                        break;
                    }

                    var request = new SshWriter().WriteByte(60).WriteString("login").WriteString("Answer, please").WriteString("").WriteUInt32((uint)Prompts.Count);
                    foreach (var (text, echo) in Prompts)
                    {
                        request.WriteString(text).WriteBoolean(echo);
                    }

                    _expectingInfoResponse = true;
                    _outbox.Enqueue(request.ToArray());
                    break;
                }

            default:
                Attempts.Add(method);
                Complete(false);
                break;
        }
    }

    private void Complete(bool stepDone)
    {
        if (stepDone)
        {
            _step++;
            if (_step == Steps.Count)
            {
                _outbox.Enqueue(new byte[] { 52 });
                return;
            }
        }

        _outbox.Enqueue(new SshWriter().WriteByte(51).WriteNameList(Allowed).WriteBoolean(stepDone).ToArray());
    }
}
