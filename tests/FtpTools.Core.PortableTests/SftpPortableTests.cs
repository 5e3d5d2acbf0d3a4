using System;
using System.Collections.Concurrent;
using System.IO;
using System.Linq;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;
using FtpTools.Core.Logging;
using FtpTools.Core.Tests.Servers;
using Xunit;

namespace FtpTools.Core.PortableTests;

/// <summary>
/// SFTP with the netstandard2.0 build against OpenSSH: what this build offers instead of AES-GCM (its own
/// chacha20-poly1305, AES-CTR with the HMACs), its key exchanges, host-key checks and key login.
/// </summary>
[Collection("sshd")]
public sealed class SftpPortableTests
{
    private readonly SshdFixture _server;

    public SftpPortableTests(SshdFixture server)
    {
        _server = server;
    }

    [Theory]
    [InlineData("chacha20-poly1305@openssh.com", null)]
    [InlineData("aes128-ctr", "hmac-sha2-256-etm@openssh.com")]
    [InlineData("aes192-ctr", "hmac-sha2-512-etm@openssh.com")]
    [InlineData("aes256-ctr", "hmac-sha2-256")]
    [InlineData("aes256-ctr", "hmac-sha2-512")]
    public async Task A_file_goes_up_and_comes_back_byte_for_byte_with_each_cipher(string cipher, string? mac)
    {
        var options = Options(ssh => new SshOptions
        {
            HostKeyFingerprints = ssh.HostKeyFingerprints,
            Ciphers = new[] { cipher },
            Macs = mac is null ? null : new[] { mac },
        });
        await RoundTripAsync(options, 3 * 1024 * 1024 + 5, info =>
        {
            Assert.Equal(cipher, info.SshCipher);
            Assert.Equal(mac ?? "<implicit>", info.SshMac);
        });
    }

    [Fact]
    public async Task This_build_offers_chacha20_poly1305_first_and_never_AES_GCM()
    {
        using var deadline = new CancellationTokenSource(RoundTrip.Deadline);
        var session = await RemoteSessionFactory.ConnectAsync(Options(ssh => new SshOptions { HostKeyFingerprints = ssh.HostKeyFingerprints }), deadline.Token);
        await using (session)
        {
            Assert.Equal("chacha20-poly1305@openssh.com", session.Info.SshCipher);
        }

        await using var gcmOnly = await _server.StartCustomAsync("Ciphers aes256-gcm@openssh.com");
        var failure = await Assert.ThrowsAnyAsync<ConnectionLostException>(() => RemoteSessionFactory.ConnectAsync(
            new ConnectionOptions
            {
                Protocol = RemoteProtocol.Sftp,
                Host = gcmOnly.Host,
                Port = gcmOnly.Port,
                Credential = new NetworkCredential(_server.UserName, _server.Password),
                Ssh = new SshOptions { HostKeyFingerprints = _server.HostKeyFingerprints },
            },
            deadline.Token));
        Assert.Contains("we offered [chacha20-poly1305@openssh.com, aes128-ctr, aes192-ctr, aes256-ctr]", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Files_queued_up_and_down_arrive_whole_each_reported_once_in_order()
    {
        using var deadline = new CancellationTokenSource(RoundTrip.Deadline);
        var session = await RemoteSessionFactory.ConnectAsync(Options(ssh => new SshOptions { HostKeyFingerprints = ssh.HostKeyFingerprints }), deadline.Token);
        await using (session)
        {
            await RoundTrip.QueueAsync(session, _server);
        }
    }

    [Fact]
    public async Task Transfers_go_on_across_re_keys()
    {
        var log = new Log();
        var options = Options(ssh => new SshOptions { HostKeyFingerprints = ssh.HostKeyFingerprints, RekeyBytes = 256 * 1024 }, log);
        await RoundTripAsync(options, 6 * 1024 * 1024, _ => { });

        // Data sent while a key exchange runs goes out under the next keys, so one key may carry the limit plus a
        // full channel window (sshd's 2 MiB for an upload): the 6 MiB upload alone guarantees two re-keys.
        var rekeys = log.Lines.Count(line => line.StartsWith("SSH re-key ", StringComparison.Ordinal));
        Assert.True(rekeys >= 2, $"{rekeys} re-key(s):\n" + string.Join("\n", log.Lines.Where(line => line.StartsWith("SSH ", StringComparison.Ordinal))));
    }

    [Theory]
    [InlineData("curve25519-sha256")]
    [InlineData("ecdh-sha2-nistp256")]
    [InlineData("ecdh-sha2-nistp384")]
    [InlineData("ecdh-sha2-nistp521")]
    [InlineData("diffie-hellman-group14-sha256")]
    [InlineData("diffie-hellman-group16-sha512")]
    [InlineData("diffie-hellman-group-exchange-sha256")]
    public async Task Each_key_exchange_reaches_a_working_session(string kex)
    {
        var options = Options(ssh => new SshOptions { HostKeyFingerprints = ssh.HostKeyFingerprints, KexAlgorithms = new[] { kex } });
        await RoundTripAsync(options, 70_000, info => Assert.Equal(kex, info.SshKexAlgorithm));
    }

    [Theory]
    [InlineData("ssh-ed25519", "ed25519")]
    [InlineData("ecdsa-sha2-nistp256", "ecdsa")]
    [InlineData("rsa-sha2-256", "rsa")]
    [InlineData("rsa-sha2-512", "rsa")]
    public async Task Each_host_key_signature_is_checked_against_its_pinned_fingerprint(string algorithm, string type)
    {
        var fingerprint = _server.HostKeyFingerprintsByType[type];
        var directory = _server.NewTestDirectory("nshk");
        using var deadline = new CancellationTokenSource(RoundTrip.Deadline);
        var session = await RemoteSessionFactory.ConnectAsync(
            Options(_ => new SshOptions { HostKeyFingerprints = new[] { fingerprint }, HostKeyAlgorithms = new[] { algorithm } }),
            deadline.Token);
        await using (session)
        {
            Assert.Equal(algorithm, session.Info.SshHostKeyAlgorithm);
            Assert.Equal(fingerprint, session.Info.HostKeyFingerprint);
            Assert.Contains(await session.ListDirectoryAsync(_server.RemoteRoot, deadline.Token), item => item.Name == directory && item.Kind == RemoteItemKind.Directory);
        }

        // Another key's fingerprint pinned: the key is refused, with the fingerprint it has.
        var other = _server.HostKeyFingerprintsByType.First(pair => pair.Key != type).Value;
        var failure = await Assert.ThrowsAsync<TrustFailureException>(() => RemoteSessionFactory.ConnectAsync(
            Options(_ => new SshOptions { HostKeyFingerprints = new[] { other }, HostKeyAlgorithms = new[] { algorithm } }),
            deadline.Token));
        Assert.Equal(TrustFailureReason.FingerprintMismatch, failure.Reason);
        Assert.Equal(fingerprint, failure.Fingerprint);
    }

    [Fact]
    public async Task An_unknown_host_key_fails_with_its_fingerprint_and_nothing_is_written()
    {
        var directory = Path.Combine(Path.GetTempPath(), "ftptools-ns-kh-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        try
        {
            var userFile = Path.Combine(directory, "known_hosts");
            var moduleFile = Path.Combine(directory, "module_known_hosts");
            using var deadline = new CancellationTokenSource(RoundTrip.Deadline);
            var failure = await Assert.ThrowsAsync<TrustFailureException>(() => RemoteSessionFactory.ConnectAsync(
                Options(_ => new SshOptions { UserKnownHostsPath = userFile, ModuleKnownHostsPath = moduleFile, HostKeyAlgorithms = new[] { "ssh-ed25519" } }),
                deadline.Token));
            Assert.Equal(TrustFailureReason.UnknownHostKey, failure.Reason);
            Assert.Equal(_server.HostKeyFingerprintsByType["ed25519"], failure.Fingerprint);
            Assert.Contains(failure.Fingerprint!, failure.Message, StringComparison.Ordinal);
            Assert.False(File.Exists(userFile));
            Assert.False(File.Exists(moduleFile));
        }
        finally
        {
            TestServers.DeleteDirectory(directory);
        }
    }

    [Fact]
    public async Task A_user_who_may_only_use_a_key_logs_in_with_the_key_file()
    {
        var options = new ConnectionOptions
        {
            Protocol = RemoteProtocol.Sftp,
            Host = _server.Host,
            Port = _server.Port,
            Credential = new NetworkCredential(_server.KeyUserName, (string?)null),
            Ssh = new SshOptions { HostKeyFingerprints = _server.HostKeyFingerprints, PrivateKeyPaths = new[] { _server.ClientKeyPath } },
            OperationTimeout = TimeSpan.FromSeconds(30),
        };
        // That user may not write in the test user's directories: it downloads a file put there.
        var directory = _server.NewTestDirectory("nskey");
        var content = System.Security.Cryptography.RandomNumberGenerator.GetBytes(100_000);
        await File.WriteAllBytesAsync(Path.Combine(_server.RootDirectory, directory, "data.bin"), content);
        var local = Path.Combine(Path.GetTempPath(), "ftptools-ns-key-" + Guid.NewGuid().ToString("N") + ".bin");
        using var deadline = new CancellationTokenSource(RoundTrip.Deadline);
        try
        {
            var session = await RemoteSessionFactory.ConnectAsync(options, deadline.Token);
            await using (session)
            {
                Assert.Equal(_server.KeyUserName, session.Info.UserName);
                var result = await Transfers.TransferEngine.DownloadFileAsync(session, _server.RemotePath(directory + "/data.bin"), local, null, null, deadline.Token);
                Assert.True(result.Status == Transfers.TransferStatus.Completed, $"{result.Status} {result.Error}");
                Assert.Equal(RoundTrip.Sha256(content), RoundTrip.Sha256(await File.ReadAllBytesAsync(local)));
            }
        }
        finally
        {
            File.Delete(local);
        }
    }

    private ConnectionOptions Options(Func<SshdFixture, SshOptions> ssh, IProtocolLog? log = null) => new()
    {
        Protocol = RemoteProtocol.Sftp,
        Host = _server.Host,
        Port = _server.Port,
        Credential = new NetworkCredential(_server.UserName, _server.Password),
        Ssh = ssh(_server),
        OperationTimeout = TimeSpan.FromSeconds(30),
        Log = log,
    };

    private async Task RoundTripAsync(ConnectionOptions options, int length, Action<SessionInfo> check)
    {
        using var deadline = new CancellationTokenSource(RoundTrip.Deadline);
        var session = await RemoteSessionFactory.ConnectAsync(options, deadline.Token);
        await using (session)
        {
            check(session.Info);
            await RoundTrip.RunAsync(session, _server, length);
            await session.DisconnectAsync(deadline.Token);
        }
    }

    private sealed class Log : IProtocolLog
    {
        private readonly ConcurrentQueue<string> _lines = new();

        public string[] Lines => _lines.ToArray();

        public void Write(LogDirection direction, string message) => _lines.Enqueue(message);
    }
}
