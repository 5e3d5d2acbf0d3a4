using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Ssh.Agent;
using FtpTools.Core.Ssh.Keys;
using FtpTools.Core.Ssh.Trust;

namespace FtpTools.Core.Ssh.Authentication;

/// <summary>A key that can take part in publickey authentication (RFC 4252 §7): from a file or held by an agent.</summary>
internal interface IUserAuthKey
{
    /// <summary>Key type from the blob: "ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa".</summary>
    string KeyType { get; }

    ReadOnlyMemory<byte> PublicKeyBlob { get; }

    /// <summary>Signature algorithms the key can make, best first.</summary>
    IReadOnlyList<string> SignatureAlgorithms { get; }

    /// <summary>For messages: where the key is and its fingerprint. Never key material.</summary>
    string Description { get; }

    /// <summary>The SSH signature encoding (string algorithm, string blob) over <paramref name="data"/>.</summary>
    Task<byte[]> SignAsync(string algorithm, ReadOnlyMemory<byte> data, CancellationToken cancellationToken);
}

internal sealed class FileUserAuthKey : IUserAuthKey
{
    private readonly SshPrivateKey _key;

    public FileUserAuthKey(SshPrivateKey key)
    {
        _key = key;
    }

    public string KeyType => _key.KeyType;

    public ReadOnlyMemory<byte> PublicKeyBlob => _key.PublicKeyBlob;

    public IReadOnlyList<string> SignatureAlgorithms => _key.SignatureAlgorithms;

    public string Description => $"key file {_key.Source} ({_key.KeyType} {_key.Fingerprint})";

    public Task<byte[]> SignAsync(string algorithm, ReadOnlyMemory<byte> data, CancellationToken cancellationToken) =>
        Task.FromResult(_key.Sign(algorithm, data.Span));

    public override string ToString() => Description;
}

internal sealed class AgentUserAuthKey : IUserAuthKey
{
    private static readonly string[] RsaAlgorithms = { "rsa-sha2-512", "rsa-sha2-256" };

    private readonly SshAgentClient _agent;
    private readonly SshAgentIdentity _identity;

    public AgentUserAuthKey(SshAgentClient agent, SshAgentIdentity identity, string keyType)
    {
        _agent = agent;
        _identity = identity;
        KeyType = keyType;
        SignatureAlgorithms = keyType == "ssh-rsa" ? RsaAlgorithms : new[] { keyType };
    }

    public string KeyType { get; }

    public ReadOnlyMemory<byte> PublicKeyBlob => _identity.PublicKeyBlob;

    public IReadOnlyList<string> SignatureAlgorithms { get; }

    public string Description => $"agent key '{_identity.Comment}' ({KeyType} {SshFingerprint.Compute(_identity.PublicKeyBlob)})";

    /// <summary>Key types we can use from an agent; certificates and DSA are left out.</summary>
    public static bool IsUsableType(string keyType) =>
        keyType is "ssh-ed25519" or "ssh-rsa" or "ecdsa-sha2-nistp256" or "ecdsa-sha2-nistp384" or "ecdsa-sha2-nistp521";

    public async Task<byte[]> SignAsync(string algorithm, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var signature = await _agent.SignAsync(_identity.PublicKeyBlob, data, Agent.SshAgentProtocol.FlagsFor(algorithm), cancellationToken).ConfigureAwait(false)
            ?? throw new Errors.AuthenticationFailedException($"The SSH agent refused to sign with {Description}.");

        // The agent must have used the algorithm we asked for (an old agent may ignore the RSA flags and answer ssh-rsa).
        var made = new SshReader(signature).ReadString();
        if (made != algorithm)
        {
            throw new Errors.AuthenticationFailedException($"The SSH agent signed with {made} when {algorithm} was asked for ({Description}); the agent is too old for SHA-2 RSA signatures.");
        }

        return signature;
    }

    public override string ToString() => Description;
}
