using System;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;
using FtpTools.Core.Ssh.Trust;
using FtpTools.Core.Tests.Ssh.Keys;
using Xunit;

namespace FtpTools.Core.Tests.Ssh.Trust;

public sealed class HostKeyTrustTests : IAsyncLifetime
{
    private readonly string _directory = KeygenTool.NewTempDirectory();
    private string _userFile = "";
    private string _moduleFile = "";
    private byte[] _keyA = Array.Empty<byte>();
    private byte[] _keyB = Array.Empty<byte>();
    private byte[] _ecdsa = Array.Empty<byte>();
    private string _keyAPath = "";

    public async Task InitializeAsync()
    {
        _userFile = Path.Combine(_directory, "user_known_hosts");
        _moduleFile = Path.Combine(_directory, "module", "known_hosts");
        var a = Path.Combine(_directory, "a");
        Directory.CreateDirectory(a);
        _keyAPath = await KeygenTool.GenerateAsync(a, "ed25519", 0);
        var b = Path.Combine(_directory, "b");
        Directory.CreateDirectory(b);
        var keyBPath = await KeygenTool.GenerateAsync(b, "ed25519", 0);
        var ecdsaPath = await KeygenTool.GenerateAsync(_directory, "ecdsa", 256);
        _keyA = KeygenTool.ReadPublicKeyBlob(_keyAPath + ".pub");
        _keyB = KeygenTool.ReadPublicKeyBlob(keyBPath + ".pub");
        _ecdsa = KeygenTool.ReadPublicKeyBlob(ecdsaPath + ".pub");
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_directory, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Fingerprints_equal_ssh_keygen_l()
    {
        Assert.Equal(await KeygenTool.FingerprintAsync(_keyAPath + ".pub"), SshFingerprint.Compute(_keyA));
        var rsa = await KeygenTool.GenerateAsync(_directory, "rsa", 2048);
        Assert.Equal(await KeygenTool.FingerprintAsync(rsa + ".pub"), SshFingerprint.Compute(KeygenTool.ReadPublicKeyBlob(rsa + ".pub")));
    }

    [Fact]
    public async Task An_unknown_host_fails_with_its_fingerprint_and_both_ways_to_trust_it()
    {
        var ex = await Assert.ThrowsAsync<TrustFailureException>(() => Verify("srv.example", 22, _keyA));

        var fingerprint = SshFingerprint.Compute(_keyA);
        Assert.Equal(TrustFailureReason.UnknownHostKey, ex.Reason);
        Assert.Equal(fingerprint, ex.Fingerprint);
        Assert.Contains($"-HostKeyFingerprint '{fingerprint}'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("-AcceptNewHostKey", ex.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(_moduleFile));
    }

    [Fact]
    public async Task A_host_in_the_users_known_hosts_is_trusted()
    {
        await File.WriteAllTextAsync(_userFile, $"# comment\n\nother.example {Line(_keyB)}\nsrv.example,10.0.0.1 {Line(_keyA)} comment here\n");

        var result = await Verify("SRV.example", 22, _keyA);

        Assert.Equal(HostKeyTrustSource.KnownHosts, result.Source);
        Assert.Equal($"{_userFile}:4", result.KnownHostsLocation);
    }

    [Fact]
    public async Task Several_keys_per_host_and_bad_lines_are_tolerated()
    {
        await File.WriteAllTextAsync(_userFile, $"srv.example {Line(_ecdsa)}\ngarbage line\nsrv.example ssh-ed25519 !!notbase64\nsrv.example ssh-rsa {Convert.ToBase64String(_keyA)}\nsrv.example {Line(_keyA)}\n");

        Assert.Equal(HostKeyTrustSource.KnownHosts, (await Verify("srv.example", 22, _keyA)).Source);
        Assert.Equal(HostKeyTrustSource.KnownHosts, (await Verify("srv.example", 22, _ecdsa)).Source);
    }

    [Fact]
    public async Task Hashed_entries_written_by_ssh_keygen_H_are_found()
    {
        await File.WriteAllTextAsync(_userFile, $"srv.example {Line(_keyA)}\n[srv.example]:2222 {Line(_keyB)}\n");
        var (code, _, error) = await KeygenTool.RunAsync("ssh-keygen", new[] { "-H", "-f", _userFile });
        Assert.True(code == 0, error);
        var text = await File.ReadAllTextAsync(_userFile);
        Assert.DoesNotContain("srv.example", text, StringComparison.Ordinal);
        Assert.StartsWith("|1|", text, StringComparison.Ordinal);

        Assert.Equal(HostKeyTrustSource.KnownHosts, (await Verify("srv.example", 22, _keyA)).Source);
        Assert.Equal(HostKeyTrustSource.KnownHosts, (await Verify("srv.example", 2222, _keyB)).Source);
        var changed = await Assert.ThrowsAsync<TrustFailureException>(() => Verify("srv.example", 22, _keyB));
        Assert.Equal(TrustFailureReason.ChangedHostKey, changed.Reason);
    }

    [Fact]
    public async Task A_changed_key_fails_loudly_with_both_fingerprints()
    {
        await File.WriteAllTextAsync(_userFile, $"srv.example {Line(_keyA)}\n");

        var ex = await Assert.ThrowsAsync<TrustFailureException>(() => Verify("srv.example", 22, _keyB, acceptNew: true));

        Assert.Equal(TrustFailureReason.ChangedHostKey, ex.Reason);
        Assert.Equal(SshFingerprint.Compute(_keyB), ex.Fingerprint);
        Assert.Contains("HAS CHANGED", ex.Message, StringComparison.Ordinal);
        Assert.Contains(SshFingerprint.Compute(_keyA), ex.Message, StringComparison.Ordinal);
        Assert.Contains(SshFingerprint.Compute(_keyB), ex.Message, StringComparison.Ordinal);
        Assert.Contains($"{_userFile}:1", ex.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(_moduleFile), "accept-new must not record a key that contradicts a known one");
    }

    [Fact]
    public async Task A_key_of_another_type_is_unknown_not_changed()
    {
        await File.WriteAllTextAsync(_userFile, $"srv.example {Line(_ecdsa)}\n");

        var ex = await Assert.ThrowsAsync<TrustFailureException>(() => Verify("srv.example", 22, _keyA));

        Assert.Equal(TrustFailureReason.UnknownHostKey, ex.Reason);
        Assert.Contains("ecdsa-sha2-nistp256", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_revoked_key_always_fails_even_when_pinned_or_listed()
    {
        await File.WriteAllTextAsync(_userFile, $"srv.example {Line(_keyA)}\n");
        Directory.CreateDirectory(Path.GetDirectoryName(_moduleFile)!);
        await File.WriteAllTextAsync(_moduleFile, $"@revoked * {Line(_keyA)}\n");

        var listed = await Assert.ThrowsAsync<TrustFailureException>(() => Verify("srv.example", 22, _keyA));
        var pinned = await Assert.ThrowsAsync<TrustFailureException>(() => Verify("srv.example", 22, _keyA, pins: new[] { SshFingerprint.Compute(_keyA) }));
        var acceptNew = await Assert.ThrowsAsync<TrustFailureException>(() => Verify("new.example", 22, _keyA, acceptNew: true));

        Assert.Equal(TrustFailureReason.RevokedHostKey, listed.Reason);
        Assert.Equal(TrustFailureReason.RevokedHostKey, pinned.Reason);
        Assert.Equal(TrustFailureReason.RevokedHostKey, acceptNew.Reason);
        Assert.Contains($"{_moduleFile}:1", listed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cert_authority_lines_do_not_make_a_host_known()
    {
        await File.WriteAllTextAsync(_userFile, $"@cert-authority *.example {Line(_keyA)}\n@future-marker srv.example {Line(_keyA)}\n");

        var ex = await Assert.ThrowsAsync<TrustFailureException>(() => Verify("srv.example", 22, _keyA));

        Assert.Equal(TrustFailureReason.UnknownHostKey, ex.Reason);
    }

    [Fact]
    public async Task Pinned_fingerprints_win_over_known_hosts()
    {
        await File.WriteAllTextAsync(_userFile, $"srv.example {Line(_keyA)}\n");
        var fingerprintB = SshFingerprint.Compute(_keyB);

        var ok = await Verify("srv.example", 22, _keyB, pins: new[] { "sha256:" + fingerprintB[7..] + "=" });
        var mismatch = await Assert.ThrowsAsync<TrustFailureException>(() => Verify("srv.example", 22, _keyA, pins: new[] { fingerprintB }));
        var malformed = await Assert.ThrowsAsync<TrustFailureException>(() => Verify("srv.example", 22, _keyA, pins: new[] { "MD5:aa:bb" }));

        Assert.Equal(HostKeyTrustSource.PinnedFingerprint, ok.Source);
        Assert.Equal(TrustFailureReason.FingerprintMismatch, mismatch.Reason);
        Assert.Contains(fingerprintB, mismatch.Message, StringComparison.Ordinal);
        Assert.Equal(TrustFailureReason.FingerprintMismatch, malformed.Reason);
    }

    [Fact]
    public async Task Non_standard_ports_use_the_bracketed_name()
    {
        await File.WriteAllTextAsync(_userFile, $"[srv.example]:2222 {Line(_keyA)}\nsrv.example {Line(_keyB)}\n");

        Assert.Equal(HostKeyTrustSource.KnownHosts, (await Verify("srv.example", 2222, _keyA)).Source);
        Assert.Equal(HostKeyTrustSource.KnownHosts, (await Verify("srv.example", 22, _keyB)).Source);
        Assert.Equal(TrustFailureReason.ChangedHostKey, (await Assert.ThrowsAsync<TrustFailureException>(() => Verify("srv.example", 2222, _keyB))).Reason);
        Assert.Equal(TrustFailureReason.UnknownHostKey, (await Assert.ThrowsAsync<TrustFailureException>(() => Verify("srv.example", 2200, _keyA))).Reason);
    }

    [Fact]
    public async Task Accept_new_records_a_hashed_line_that_OpenSSH_finds()
    {
        var first = await Verify("fresh.example", 2022, _keyA, acceptNew: true);
        var second = await Verify("fresh.example", 2022, _keyA);

        Assert.Equal(HostKeyTrustSource.AcceptedNew, first.Source);
        Assert.Equal(HostKeyTrustSource.KnownHosts, second.Source);
        var lines = (await File.ReadAllLinesAsync(_moduleFile)).Where(l => l.Length > 0).ToArray();
        Assert.Single(lines);
        Assert.StartsWith("|1|", lines[0], StringComparison.Ordinal);
        var (code, output, _) = await KeygenTool.RunAsync("ssh-keygen", new[] { "-F", "[fresh.example]:2022", "-f", _moduleFile });
        Assert.True(code == 0, "ssh-keygen -F did not find the recorded host");
        Assert.Contains(Convert.ToBase64String(_keyA), output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Accept_new_with_concurrent_writers_keeps_every_line_whole()
    {
        const int writers = 8;
        await Task.WhenAll(Enumerable.Range(0, writers).Select(i => Task.Run(() => Verify($"host{i}.example", 22, i % 2 == 0 ? _keyA : _ecdsa, acceptNew: true))));

        var lines = (await File.ReadAllTextAsync(_moduleFile)).Split('\n');
        Assert.Equal(writers + 1, lines.Length);
        Assert.Equal("", lines[^1]);
        var entries = KnownHostsFile.Parse(string.Join('\n', lines), _moduleFile);
        Assert.Equal(writers, entries.Count);
        for (var i = 0; i < writers; i++)
        {
            var result = await Verify($"host{i}.example", 22, i % 2 == 0 ? _keyA : _ecdsa);
            Assert.Equal(HostKeyTrustSource.KnownHosts, result.Source);
        }
    }

    [Fact]
    public async Task Concurrent_accept_new_of_the_same_host_records_it_once()
    {
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => Verify("same.example", 22, _keyA, acceptNew: true))));

        var entries = KnownHostsFile.Parse(await File.ReadAllTextAsync(_moduleFile), _moduleFile);
        Assert.Single(entries);
    }

    private Task<HostKeyTrustResult> Verify(string host, int port, byte[] key, bool acceptNew = false, string[]? pins = null) =>
        HostKeyTrust.VerifyAsync(
            host,
            port,
            SshFingerprint.KeyTypeOf(key),
            key,
            new SshOptions
            {
                UserKnownHostsPath = _userFile,
                ModuleKnownHostsPath = _moduleFile,
                AcceptNewHostKey = acceptNew,
                HostKeyFingerprints = pins ?? Array.Empty<string>(),
            },
            CancellationToken.None);

    private static string Line(byte[] key) => $"{SshFingerprint.KeyTypeOf(key)} {Convert.ToBase64String(key)}";
}
