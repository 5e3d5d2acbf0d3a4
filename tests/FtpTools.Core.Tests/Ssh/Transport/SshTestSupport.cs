using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;
using FtpTools.Core.Ssh;
using FtpTools.Core.Ssh.Keys;

namespace FtpTools.Core.Tests.Ssh.Transport;

/// <summary>
/// TEST-ONLY helpers for exercising the transport and channels against real sshd before the real
/// authentication layer (Ssh/Authentication, the ssh-auth branch) is used: a minimal password
/// authenticator and a pinning host key verifier. Not for production use.
/// </summary>
internal static class SshTestSupport
{
    public static ConnectionOptions Options(string host, int port, Action<SshOptionsBuilder>? ssh = null, TimeSpan? timeout = null)
    {
        var builder = new SshOptionsBuilder();
        ssh?.Invoke(builder);
        return new ConnectionOptions
        {
            Protocol = RemoteProtocol.Sftp,
            Host = host,
            Port = port,
            Credential = new NetworkCredential(Servers.TestServers.UserName, Servers.TestServers.Password),
            ConnectTimeout = TimeSpan.FromSeconds(30),
            OperationTimeout = timeout ?? TimeSpan.FromSeconds(20),
            Ssh = builder.Build(),
        };
    }

    /// <summary>A verifier that trusts exactly these fingerprints and records what it was shown.</summary>
    public static Func<string, ReadOnlyMemory<byte>, CancellationToken, Task> Pinned(IEnumerable<string> fingerprints, List<string>? seen = null)
    {
        var trusted = fingerprints.ToHashSet(StringComparer.Ordinal);
        return (algorithm, blob, _) =>
        {
            var fingerprint = SshPublicKey.ComputeFingerprint(blob.Span);
            lock (trusted)
            {
                seen?.Add(algorithm + " " + fingerprint);
            }

            if (!trusted.Contains(fingerprint))
            {
                throw new TrustFailureException($"Test verifier: host key {fingerprint} is not pinned.", fingerprint, TrustFailureReason.FingerprintMismatch);
            }

            return Task.CompletedTask;
        };
    }

    /// <summary>
    /// TEST-ONLY password authentication (RFC 4252 §5, §8): service request, one password attempt.
    /// The real implementation with all methods lives in Ssh/Authentication.
    /// </summary>
    public static Func<ISshTransport, CancellationToken, Task> Password(string user, string password) => async (transport, ct) =>
    {
        await transport.SendAsync(new SshWriter().WriteByte((byte)SshMessageNumber.SSH_MSG_SERVICE_REQUEST).WriteString("ssh-userauth").ToArray(), ct);
        while (true)
        {
            var accept = await transport.ReceiveAsync(ct);
            if (accept.Span[0] == (byte)SshMessageNumber.SSH_MSG_USERAUTH_BANNER)
            {
                continue;
            }

            if (accept.Span[0] != (byte)SshMessageNumber.SSH_MSG_SERVICE_ACCEPT)
            {
                throw new Errors.ProtocolViolationException($"test authenticator: expected SERVICE_ACCEPT, got {accept.Span[0]}");
            }

            break;
        }

        var request = new SshWriter()
            .WriteByte((byte)SshMessageNumber.SSH_MSG_USERAUTH_REQUEST)
            .WriteString(user)
            .WriteString("ssh-connection")
            .WriteString("password")
            .WriteBoolean(false)
            .WriteString(password)
            .ToArray();
        await transport.SendAsync(request, ct);
        while (true)
        {
            var reply = await transport.ReceiveAsync(ct);
            switch (reply.Span[0])
            {
                case (byte)SshMessageNumber.SSH_MSG_USERAUTH_BANNER:
                    continue;
                case (byte)SshMessageNumber.SSH_MSG_USERAUTH_SUCCESS:
                    return;
                default:
                    throw new AuthenticationFailedException($"test authenticator: password refused (message {reply.Span[0]})");
            }
        }
    };

    /// <summary>An authenticator that does nothing: for peers that never get that far.</summary>
    public static Task NoAuthentication(ISshTransport transport, CancellationToken cancellationToken) => Task.CompletedTask;

    public static Task<SshClient> ConnectAsync(string host, int port, IEnumerable<string> fingerprints, Action<SshOptionsBuilder>? ssh = null, bool portableOnly = false, TimeSpan? timeout = null) =>
        SshClient.ConnectAsync(
            Options(host, port, ssh, timeout),
            Pinned(fingerprints),
            Password(Servers.TestServers.UserName, Servers.TestServers.Password),
            portableOnly,
            CancellationToken.None);

    internal sealed class SshOptionsBuilder
    {
        public IReadOnlyList<string>? Kex { get; set; }

        public IReadOnlyList<string>? HostKey { get; set; }

        public IReadOnlyList<string>? Ciphers { get; set; }

        public IReadOnlyList<string>? Macs { get; set; }

        public long RekeyBytes { get; set; } = 1L << 30;

        public TimeSpan RekeyInterval { get; set; } = TimeSpan.FromHours(1);

        public SshOptions Build() => new()
        {
            KexAlgorithms = Kex,
            HostKeyAlgorithms = HostKey,
            Ciphers = Ciphers,
            Macs = Macs,
            RekeyBytes = RekeyBytes,
            RekeyInterval = RekeyInterval,
        };
    }
}
