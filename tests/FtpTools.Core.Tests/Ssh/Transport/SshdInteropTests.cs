using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;
using FtpTools.Core.Ssh;
using FtpTools.Core.Ssh.Transport;
using FtpTools.Core.Tests.Servers;
using Xunit;

namespace FtpTools.Core.Tests.Ssh.Transport;

/// <summary>The transport and connection layers against OpenSSH's sshd, one algorithm at a time.</summary>
[Collection("sshd")]
public sealed class SshdInteropTests
{
    private readonly SshdFixture _server;

    public SshdInteropTests(SshdFixture server)
    {
        _server = server;
    }

    [Fact]
    public async Task Defaults_connect_with_strict_kex_and_run_echo()
    {
        await using var client = await SshTestSupport.ConnectAsync(_server.Host, _server.Port, _server.HostKeyFingerprints);

        var result = await client.ExecAsync("echo hello-ssh", CancellationToken.None);

        Assert.Equal("hello-ssh\n", result.StandardOutputText);
        Assert.Equal(0, result.ExitStatus);
        Assert.StartsWith("SSH-2.0-OpenSSH_", client.Info.ServerBanner, StringComparison.Ordinal);
        Assert.Equal("curve25519-sha256", client.Info.SshKexAlgorithm);
        Assert.Equal("ssh-ed25519", client.Info.SshHostKeyAlgorithm);
        Assert.Equal("aes128-gcm@openssh.com", client.Info.SshCipher);
        Assert.Equal("<implicit>", client.Info.SshMac);
        Assert.Equal(_server.HostKeyFingerprintsByType["ed25519"], client.Info.HostKeyFingerprint);
        Assert.Equal(TestServers.UserName, client.Info.UserName);
        Assert.True(client.TransportLayer.StrictKex, "Debian's OpenSSH 9.2p1-2+deb12u2 and later offer kex-strict-s-v00@openssh.com");
        Assert.Contains("rsa-sha2-512", client.Transport.ServerSignatureAlgorithms!);
        Assert.Equal(32, client.Transport.SessionId.Length);
    }

    [Theory]
    [InlineData("curve25519-sha256")]
    [InlineData("curve25519-sha256@libssh.org")]
    [InlineData("ecdh-sha2-nistp256")]
    [InlineData("ecdh-sha2-nistp384")]
    [InlineData("ecdh-sha2-nistp521")]
    [InlineData("diffie-hellman-group-exchange-sha256")]
    [InlineData("diffie-hellman-group16-sha512")]
    [InlineData("diffie-hellman-group14-sha256")]
    public async Task Each_key_exchange_alone(string kex)
    {
        await using var sshd = await _server.StartCustomAsync("KexAlgorithms " + kex);
        await using var client = await SshTestSupport.ConnectAsync(sshd.Host, sshd.Port, _server.HostKeyFingerprints);

        Assert.Equal(kex, client.Info.SshKexAlgorithm);
        await AssertEchoAsync(client, kex);
    }

    [Theory]
    [InlineData("diffie-hellman-group14-sha1")]
    [InlineData("diffie-hellman-group-exchange-sha1")]
    public async Task Legacy_sha1_key_exchanges_work_only_when_named(string kex)
    {
        await using var sshd = await _server.StartCustomAsync("KexAlgorithms " + kex);

        var refused = await Assert.ThrowsAsync<SshNegotiationException>(() => SshTestSupport.ConnectAsync(sshd.Host, sshd.Port, _server.HostKeyFingerprints));
        Assert.Contains("No common SSH key exchange algorithm", refused.Message, StringComparison.Ordinal);

        await using var client = await SshTestSupport.ConnectAsync(sshd.Host, sshd.Port, _server.HostKeyFingerprints, o => o.Kex = new[] { kex });
        Assert.Equal(kex, client.Info.SshKexAlgorithm);
        await AssertEchoAsync(client, kex);
    }

    [Theory]
    [InlineData("ssh-ed25519", "ed25519")]
    [InlineData("ecdsa-sha2-nistp256", "ecdsa")]
    [InlineData("rsa-sha2-512", "rsa")]
    [InlineData("rsa-sha2-256", "rsa")]
    public async Task Each_host_key_algorithm_alone(string algorithm, string keyType)
    {
        await using var sshd = await _server.StartCustomAsync("HostKeyAlgorithms " + algorithm);
        var seen = new List<string>();
        await using var client = await SshClient.ConnectAsync(
            SshTestSupport.Options(sshd.Host, sshd.Port),
            SshTestSupport.Pinned(_server.HostKeyFingerprints, seen),
            SshTestSupport.Password(TestServers.UserName, TestServers.Password),
            CancellationToken.None);

        Assert.Equal(algorithm, client.Info.SshHostKeyAlgorithm);
        Assert.Equal(_server.HostKeyFingerprintsByType[keyType], client.Info.HostKeyFingerprint);
        Assert.Equal(new[] { algorithm + " " + _server.HostKeyFingerprintsByType[keyType] }, seen);
        await AssertEchoAsync(client, algorithm);
    }

    [Theory]
    [InlineData("ecdsa-sha2-nistp384", 384)]
    [InlineData("ecdsa-sha2-nistp521", 521)]
    public async Task Ecdsa_host_keys_on_the_larger_curves(string algorithm, int bits)
    {
        var keyPath = Path.Combine(_server.WorkDirectory, $"extra_host_ecdsa{bits}_{Guid.NewGuid():N}");
        Run("ssh-keygen", "-q", "-t", "ecdsa", "-b", bits.ToString(System.Globalization.CultureInfo.InvariantCulture), "-N", "", "-f", keyPath);
        var fingerprint = SshdFixture.Fingerprint(keyPath + ".pub");
        await using var sshd = await _server.StartCustomAsync($"HostKey {keyPath}\nHostKeyAlgorithms {algorithm}");
        await using var client = await SshTestSupport.ConnectAsync(sshd.Host, sshd.Port, new[] { fingerprint });

        Assert.Equal(algorithm, client.Info.SshHostKeyAlgorithm);
        Assert.Equal(fingerprint, client.Info.HostKeyFingerprint);
        await AssertEchoAsync(client, algorithm);
    }

    [Fact]
    public async Task Ssh_rsa_sha1_signatures_only_when_named()
    {
        await using var sshd = await _server.StartCustomAsync("HostKeyAlgorithms ssh-rsa");

        await Assert.ThrowsAsync<SshNegotiationException>(() => SshTestSupport.ConnectAsync(sshd.Host, sshd.Port, _server.HostKeyFingerprints));
        await using var client = await SshTestSupport.ConnectAsync(sshd.Host, sshd.Port, _server.HostKeyFingerprints, o => o.HostKey = new[] { "ssh-rsa" });
        Assert.Equal("ssh-rsa", client.Info.SshHostKeyAlgorithm);
        await AssertEchoAsync(client, "ssh-rsa");
    }

    [Theory]
    [InlineData("chacha20-poly1305@openssh.com")]
    [InlineData("aes256-gcm@openssh.com")]
    [InlineData("aes128-gcm@openssh.com")]
    [InlineData("aes256-ctr")]
    [InlineData("aes192-ctr")]
    [InlineData("aes128-ctr")]
    public async Task Each_cipher_alone(string cipher)
    {
        await using var sshd = await _server.StartCustomAsync("Ciphers " + cipher);
        await using var client = await SshTestSupport.ConnectAsync(sshd.Host, sshd.Port, _server.HostKeyFingerprints);

        Assert.Equal(cipher, client.Info.SshCipher);
        Assert.Equal(cipher.Contains("ctr", StringComparison.Ordinal) ? "hmac-sha2-256-etm@openssh.com" : "<implicit>", client.Info.SshMac);
        await AssertEchoAsync(client, cipher);
        await AssertRoundTripAsync(client, 300 * 1024);
    }

    [Theory]
    [InlineData("hmac-sha2-256-etm@openssh.com")]
    [InlineData("hmac-sha2-512-etm@openssh.com")]
    [InlineData("hmac-sha2-256")]
    [InlineData("hmac-sha2-512")]
    public async Task Each_mac_alone(string mac)
    {
        await using var sshd = await _server.StartCustomAsync($"Ciphers aes128-ctr\nMACs {mac}");
        await using var client = await SshTestSupport.ConnectAsync(sshd.Host, sshd.Port, _server.HostKeyFingerprints);

        Assert.Equal(mac, client.Info.SshMac);
        await AssertEchoAsync(client, mac);
        await AssertRoundTripAsync(client, 300 * 1024);
    }

    [Fact]
    public async Task Portable_algorithm_set_prefers_chacha20_and_never_offers_gcm()
    {
        await using (var client = await SshTestSupport.ConnectAsync(_server.Host, _server.Port, _server.HostKeyFingerprints, portableOnly: true))
        {
            Assert.Equal("chacha20-poly1305@openssh.com", client.Info.SshCipher);
            await AssertRoundTripAsync(client, 200 * 1024);
        }

        await using var gcmOnly = await _server.StartCustomAsync("Ciphers aes256-gcm@openssh.com");
        var failure = await Assert.ThrowsAsync<SshNegotiationException>(
            () => SshTestSupport.ConnectAsync(gcmOnly.Host, gcmOnly.Port, _server.HostKeyFingerprints, portableOnly: true));
        Assert.Contains("we offered [chacha20-poly1305@openssh.com, aes128-ctr, aes192-ctr, aes256-ctr]", failure.Message, StringComparison.Ordinal);
        Assert.Contains("the server offered [aes256-gcm@openssh.com]", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Negotiation_failure_names_what_each_side_offered()
    {
        await using var sshd = await _server.StartCustomAsync("Ciphers aes128-ctr");

        var failure = await Assert.ThrowsAsync<SshNegotiationException>(
            () => SshTestSupport.ConnectAsync(sshd.Host, sshd.Port, _server.HostKeyFingerprints, o => o.Ciphers = new[] { "aes256-gcm@openssh.com", "chacha20-poly1305@openssh.com" }));

        Assert.Equal(
            "No common SSH cipher (client to server): we offered [aes256-gcm@openssh.com, chacha20-poly1305@openssh.com]; the server offered [aes128-ctr]. " +
            "Set the matching SshOptions list to allow an algorithm both sides support.",
            failure.Message);
    }

    [Fact]
    public async Task Unknown_algorithm_name_is_an_argument_error_before_connecting()
    {
        var options = SshTestSupport.Options("127.0.0.1", 1, o => o.Ciphers = new[] { "aes128-ctr", "arcfour" });

        var error = await Assert.ThrowsAsync<ArgumentException>(() => SshClient.ConnectAsync(options, SshTestSupport.Pinned(Array.Empty<string>()), SshTestSupport.NoAuthentication, CancellationToken.None));

        Assert.StartsWith("Unknown or unsupported SSH cipher 'arcfour' in Ciphers. Supported: aes128-gcm@openssh.com,", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Untrusted_host_key_fails_with_the_verifiers_error_before_authentication()
    {
        var authenticated = false;
        var error = await Assert.ThrowsAsync<TrustFailureException>(() => SshClient.ConnectAsync(
            SshTestSupport.Options(_server.Host, _server.Port),
            SshTestSupport.Pinned(new[] { "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" }),
            (_, _) =>
            {
                authenticated = true;
                return Task.CompletedTask;
            },
            CancellationToken.None));

        Assert.Equal(_server.HostKeyFingerprintsByType["ed25519"], error.Fingerprint);
        Assert.False(authenticated);
    }

    [Fact]
    public async Task Exec_reports_exit_status_and_stderr()
    {
        await using var client = await SshTestSupport.ConnectAsync(_server.Host, _server.Port, _server.HostKeyFingerprints);

        var result = await client.ExecAsync("echo out; echo err >&2; exit 3", CancellationToken.None);

        Assert.Equal("out\n", result.StandardOutputText);
        Assert.Equal("err\n", result.StandardErrorText);
        Assert.Equal(3, result.ExitStatus);
    }

    [Fact]
    public async Task Sftp_subsystem_stream_answers_init_with_version_3()
    {
        await using var client = await SshTestSupport.ConnectAsync(_server.Host, _server.Port, _server.HostKeyFingerprints);
        await using var stream = await client.OpenSubsystemAsync("sftp", CancellationToken.None);

        // draft-ietf-secsh-filexfer-02 §4: uint32 length, byte SSH_FXP_INIT (1), uint32 version.
        await stream.WriteAsync(new byte[] { 0, 0, 0, 5, 1, 0, 0, 0, 3 });
        var header = new byte[5];
        await stream.ReadExactlyAsync(header);
        var length = (header[0] << 24) | (header[1] << 16) | (header[2] << 8) | header[3];
        var body = new byte[length - 1];
        await stream.ReadExactlyAsync(body);

        Assert.Equal(2, header[4]);
        Assert.Equal(new byte[] { 0, 0, 0, 3 }, body.Take(4).ToArray());
    }

    [Fact]
    public async Task Refused_subsystem_is_a_command_refusal_and_the_session_stays_usable()
    {
        await using var client = await SshTestSupport.ConnectAsync(_server.Host, _server.Port, _server.HostKeyFingerprints);

        var error = await Assert.ThrowsAsync<CommandRefusedException>(() => client.OpenSubsystemAsync("no-such-subsystem", CancellationToken.None));

        Assert.Equal(RemoteErrorKind.Unsupported, error.Kind);
        await AssertEchoAsync(client, "after refusal");
    }

    [Fact]
    public async Task Channels_run_concurrently_and_keepalive_gets_an_answer()
    {
        await using var client = await SshTestSupport.ConnectAsync(_server.Host, _server.Port, _server.HostKeyFingerprints);

        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => client.ExecAsync($"echo channel-{i}", CancellationToken.None)));
        await client.KeepAliveAsync(CancellationToken.None);

        Assert.Equal(Enumerable.Range(0, 6).Select(i => $"channel-{i}\n"), results.Select(r => r.StandardOutputText));
        Assert.True(client.IsConnected);
    }

    [Fact]
    public async Task Server_rekeys_every_megabyte_during_long_transfers_both_ways()
    {
        await using var sshd = await _server.StartCustomAsync("RekeyLimit 1M");
        await using var client = await SshTestSupport.ConnectAsync(sshd.Host, sshd.Port, _server.HostKeyFingerprints);

        await AssertRoundTripAsync(client, 8 * 1024 * 1024);

        // As below: one key may carry the limit plus a channel window sent while the exchange ran, so 8 MiB at
        // 1 MiB guarantees at least two re-keys on a loaded machine (an idle one sees more than eight).
        Assert.True(client.TransportLayer.KeyExchangeCount >= 3, $"only {client.TransportLayer.KeyExchangeCount} key exchanges");
        await AssertEchoAsync(client, "after rekeys");
    }

    [Fact]
    public async Task Client_rekeys_after_its_byte_limit_without_disturbing_transfers()
    {
        await using var client = await SshTestSupport.ConnectAsync(
            _server.Host, _server.Port, _server.HostKeyFingerprints, o => o.RekeyBytes = 512 * 1024, portableOnly: true);

        await AssertRoundTripAsync(client, 6 * 1024 * 1024);

        // Data sent while a key exchange runs is queued and goes out under the next keys, so one key may carry the
        // limit plus a full channel window (2 MiB): 6 MiB guarantees at least 6 / 2.5 -> 2 re-keys after the first
        // exchange, however slow the machine. (A CI run under load saw 8; an idle one sees about 20.)
        Assert.True(client.TransportLayer.KeyExchangeCount >= 3, $"only {client.TransportLayer.KeyExchangeCount} key exchanges");
    }

    [Fact]
    public async Task Client_rekeys_after_its_time_limit_between_channel_requests()
    {
        await using var client = await SshTestSupport.ConnectAsync(
            _server.Host, _server.Port, _server.HostKeyFingerprints, o => o.RekeyInterval = TimeSpan.FromMilliseconds(300));

        for (var i = 0; i < 4; i++)
        {
            await Task.Delay(400);
            await AssertEchoAsync(client, $"tick {i}");
        }

        Assert.True(client.TransportLayer.KeyExchangeCount >= 3, $"only {client.TransportLayer.KeyExchangeCount} key exchanges");
    }

    /// <summary>Uploads random bytes through a channel into a file, reads them back through another, and compares hashes with the file on disk.</summary>
    private async Task AssertRoundTripAsync(SshClient client, int size)
    {
        var directory = _server.NewTestDirectory("ssh");
        var remote = _server.RemotePath(directory + "/data.bin");
        var local = Path.Combine(_server.RootDirectory, directory, "data.bin");
        var data = RandomNumberGenerator.GetBytes(size);

        await using (var upload = await client.OpenCommandAsync($"cat > '{remote}'", CancellationToken.None))
        {
            for (var offset = 0; offset < size; offset += 100_000)
            {
                await upload.WriteAsync(data.AsMemory(offset, Math.Min(100_000, size - offset)));
            }

            await upload.CompleteWritingAsync(CancellationToken.None);
            Assert.Equal(0, await upload.ReadAsync(new byte[1]));
            await upload.Channel.Closed.WaitAsync(TimeSpan.FromSeconds(20));
            Assert.Equal(0, upload.Channel.ExitStatus);
        }

        Assert.Equal(SHA256.HashData(data), SHA256.HashData(await File.ReadAllBytesAsync(local)));
        var download = await client.ExecAsync($"cat '{remote}'", CancellationToken.None);
        Assert.Equal(0, download.ExitStatus);
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(download.StandardOutput));
    }

    private static async Task AssertEchoAsync(SshClient client, string text)
    {
        var result = await client.ExecAsync($"echo '{text}'", CancellationToken.None);
        Assert.Equal(text + "\n", result.StandardOutputText);
        Assert.Equal(0, result.ExitStatus);
    }

    private static void Run(string file, params string[] arguments)
    {
        var psi = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            psi.ArgumentList.Add(argument);
        }

        using var process = Process.Start(psi)!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{file} failed: {error}");
    }
}
