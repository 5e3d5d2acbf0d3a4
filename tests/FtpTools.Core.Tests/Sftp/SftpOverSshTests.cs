using System;
using System.IO;
using System.Net;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;
using FtpTools.Core.Tests.Servers;
using Xunit;

namespace FtpTools.Core.Tests.Sftp;

/// <summary>The whole SFTP stack through the factory, as the cmdlets use it: TCP, SSH transport, trust, auth, channel, SFTP.</summary>
[Collection("sshd")]
public sealed class SftpOverSshTests
{
    private readonly SshdFixture _sshd;

    public SftpOverSshTests(SshdFixture sshd)
    {
        _sshd = sshd;
    }

    private ConnectionOptions Options(string? user = null, string? keyPath = null) => new()
    {
        Protocol = RemoteProtocol.Sftp,
        Host = _sshd.Host,
        Port = _sshd.Port,
        Credential = keyPath is null ? new NetworkCredential(user ?? _sshd.UserName, _sshd.Password) : new NetworkCredential(user, (string?)null),
        OperationTimeout = TimeSpan.FromSeconds(20),
        Ssh = new SshOptions
        {
            HostKeyFingerprints = _sshd.HostKeyFingerprints,
            PrivateKeyPaths = keyPath is null ? Array.Empty<string>() : new[] { keyPath },
        },
    };

    [Fact]
    public async Task Password_user_lists_uploads_and_downloads_byte_exact()
    {
        var dir = _sshd.NewTestDirectory("sftp");
        await using var session = await RemoteSessionFactory.ConnectAsync(Options(), CancellationToken.None);
        Assert.Equal(RemoteProtocol.Sftp, session.Protocol);
        Assert.Equal(_sshd.RootDirectory, session.CurrentDirectory);
        Assert.StartsWith("SSH-2.0-OpenSSH_", session.Info.ServerBanner, StringComparison.Ordinal);
        Assert.Contains(session.Info.HostKeyFingerprint, _sshd.HostKeyFingerprints);

        var data = RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 7);
        var remote = _sshd.RemotePath(dir + "/up.bin");
        await using (var write = await session.OpenWriteAsync(remote, 0, CancellationToken.None))
        {
            await write.WriteAsync(data);
            await write.CompleteAsync(CancellationToken.None);
        }

        Assert.Equal(SHA256.HashData(data), SHA256.HashData(await File.ReadAllBytesAsync(Path.Combine(_sshd.RootDirectory, dir, "up.bin"))));

        var listing = await session.ListDirectoryAsync(_sshd.RemotePath(dir), CancellationToken.None);
        var item = Assert.Single(listing);
        Assert.Equal("up.bin", item.Name);
        Assert.Equal(data.Length, item.Length);

        using var copy = new MemoryStream();
        await using (var read = await session.OpenReadAsync(remote, 0, CancellationToken.None))
        {
            await read.CopyToAsync(copy);
            await read.CompleteAsync(CancellationToken.None);
        }

        Assert.Equal(SHA256.HashData(data), SHA256.HashData(copy.ToArray()));
    }

    [Fact]
    public async Task Key_user_logs_in_with_the_fixture_key()
    {
        await using var session = await RemoteSessionFactory.ConnectAsync(Options(_sshd.KeyUserName, _sshd.ClientKeyPath), CancellationToken.None);
        Assert.True(session.IsConnected);
        Assert.Equal(_sshd.RootDirectory, session.CurrentDirectory);
    }

    [Fact]
    public async Task Unknown_host_key_fails_with_the_fingerprint_and_how_to_trust_it()
    {
        var knownHosts = Path.Combine(Path.GetTempPath(), "ftptools-kh-" + Guid.NewGuid().ToString("N"));
        var options = new ConnectionOptions
        {
            Protocol = RemoteProtocol.Sftp,
            Host = _sshd.Host,
            Port = _sshd.Port,
            Credential = new NetworkCredential(_sshd.UserName, _sshd.Password),
            Ssh = new SshOptions { UserKnownHostsPath = knownHosts, ModuleKnownHostsPath = knownHosts },
        };
        var error = await Assert.ThrowsAsync<TrustFailureException>(() => RemoteSessionFactory.ConnectAsync(options, CancellationToken.None));
        Assert.Equal(TrustFailureReason.UnknownHostKey, error.Reason);
        Assert.Contains(error.Fingerprint!, _sshd.HostKeyFingerprints);
        Assert.Contains(error.Fingerprint!, error.Message, StringComparison.Ordinal);
        Assert.Contains("-AcceptNewHostKey", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(knownHosts));
    }

    [Fact]
    public async Task Wrong_password_is_an_authentication_failure()
    {
        var options = Options();
        options = new ConnectionOptions
        {
            Protocol = options.Protocol,
            Host = options.Host,
            Port = options.Port,
            Credential = new NetworkCredential(_sshd.UserName, "not-the-password"),
            Ssh = options.Ssh,
        };
        var error = await Assert.ThrowsAsync<AuthenticationFailedException>(() => RemoteSessionFactory.ConnectAsync(options, CancellationToken.None));
        Assert.DoesNotContain("not-the-password", error.Message, StringComparison.Ordinal);
    }
}
