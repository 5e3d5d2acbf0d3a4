using System;
using System.IO;
using System.Linq;
using System.Net;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;
using FtpTools.Core.Tests.IO;
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

    private ConnectionOptions Options(string? user = null, string? keyPath = null, RecordingLog? log = null) => new()
    {
        Log = log,
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
    public async Task The_idle_connection_has_TCP_keep_alive_probes_due_within_a_minute()
    {
        // Idle between a script's commands: NAT gateways and firewalls must keep seeing it.
        var log = new RecordingLog();
        await using var session = await RemoteSessionFactory.ConnectAsync(Options(log: log), CancellationToken.None);
        await session.KeepAliveAsync(CancellationToken.None);

        var (timer, seconds) = KernelTcpTimer.FromLog(log);

        Assert.Equal(KernelTcpTimer.KeepAlive, timer);
        Assert.InRange(seconds, 45, 60);
    }

    [Fact]
    public async Task Over_TCP_the_SSH_socket_is_never_made_non_blocking_and_its_packets_are_read_on_a_thread_of_their_own()
    {
        // On Unix, .NET reads a socket that was ever non-blocking through its event loop, a wake-up and a thread-pool
        // work item per batch of data, even with synchronous reads (SshTransport's class remarks).
        var dir = _sshd.NewTestDirectory("sftp-blocking");
        var data = RandomNumberGenerator.GetBytes((4 * 1024 * 1024) + 3);
        await File.WriteAllBytesAsync(Path.Combine(_sshd.RootDirectory, dir, "b.bin"), data);
        await using var session = (FtpTools.Core.Sftp.SftpSession)await RemoteSessionFactory.ConnectAsync(Options(), CancellationToken.None);

        using var copy = new MemoryStream();
        await using (var read = await session.OpenReadAsync(_sshd.RemotePath(dir + "/b.bin"), 0, CancellationToken.None))
        {
            await read.CopyToAsync(copy);
            await read.CompleteAsync(CancellationToken.None);
        }

        Assert.Equal(SHA256.HashData(data), SHA256.HashData(copy.ToArray()));
        var transport = session.Ssh!.TransportLayer;
        Assert.True(transport.ReadsBlocking);
        Assert.Equal("FtpTools SSH receive", transport.ReceiveThreadName);
        var fd = transport.BlockingSocket!.SafeHandle.DangerousGetHandle().ToInt32();
        var flags = File.ReadAllLines($"/proc/self/fdinfo/{fd}").Single(l => l.StartsWith("flags:", StringComparison.Ordinal));
        const int nonBlocking = 0x800; // O_NONBLOCK, 04000 in fdinfo's octal
        Assert.Equal(0, Convert.ToInt32(flags.Substring("flags:".Length).Trim(), 8) & nonBlocking);
    }

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
    public async Task An_idle_session_outlives_its_operation_timeout_and_answers_afterwards()
    {
        // The operation timeout bounds the wait for an answer, not the quiet time between requests: a session a
        // script leaves alone for a while (60 s by default) must still work.
        var dir = _sshd.NewTestDirectory("sftp-idle");
        await File.WriteAllTextAsync(Path.Combine(_sshd.RootDirectory, dir, "still-here.txt"), "x");
        var options = Options();
        await using var session = await RemoteSessionFactory.ConnectAsync(
            new ConnectionOptions
            {
                Protocol = options.Protocol,
                Host = options.Host,
                Port = options.Port,
                Credential = options.Credential,
                Ssh = options.Ssh,
                // Long enough for the login on a busy machine, short against the idle time below.
                OperationTimeout = TimeSpan.FromSeconds(3),
            },
            CancellationToken.None);

        await Task.Delay(TimeSpan.FromSeconds(4));

        Assert.True(session.IsConnected);
        var listing = await session.ListDirectoryAsync(_sshd.RemotePath(dir), CancellationToken.None);
        Assert.Equal("still-here.txt", Assert.Single(listing).Name);
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

    public static TheoryData<string, string?, int> CipherCases()
    {
        var data = new TheoryData<string, string?, int>();
        foreach (var (cipher, mac) in new (string, string?)[]
        {
            ("chacha20-poly1305@openssh.com", null),
            ("aes256-gcm@openssh.com", null),
            ("aes128-ctr", "hmac-sha2-256-etm@openssh.com"),
        })
        {
            foreach (var size in new[] { 0, 1, 32_769, 100 * 1024 * 1024 })
            {
                data.Add(cipher, mac, size);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CipherCases))]
    public async Task Byte_exact_both_ways_with_each_cipher_family(string cipher, string? mac, int size)
    {
        var dir = _sshd.NewTestDirectory("ciph");
        var options = Options();
        options = new ConnectionOptions
        {
            Protocol = options.Protocol,
            Host = options.Host,
            Port = options.Port,
            Credential = options.Credential,
            OperationTimeout = options.OperationTimeout,
            Ssh = new SshOptions
            {
                HostKeyFingerprints = _sshd.HostKeyFingerprints,
                Ciphers = new[] { cipher },
                Macs = mac is null ? null : new[] { mac },
            },
        };
        var local = Path.Combine(Path.GetTempPath(), "ftptools-ciph-" + Guid.NewGuid().ToString("N"));
        try
        {
            await WriteRandomFileAsync(local, size, seed: size ^ cipher.Length);
            var expected = await HashFileAsync(local);
            await using var session = await RemoteSessionFactory.ConnectAsync(options, CancellationToken.None);
            Assert.Equal(cipher, session.Info.SshCipher);

            var remote = _sshd.RemotePath(dir + "/data.bin");
            await using (var source = File.OpenRead(local))
            await using (var write = await session.OpenWriteAsync(remote, 0, CancellationToken.None))
            {
                await source.CopyToAsync(write, 256 * 1024);
                await write.CompleteAsync(CancellationToken.None);
            }

            Assert.Equal(expected, await HashFileAsync(Path.Combine(_sshd.RootDirectory, dir, "data.bin")));

            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[256 * 1024];
            long total = 0;
            await using (var read = await session.OpenReadAsync(remote, 0, CancellationToken.None))
            {
                int n;
                while ((n = await read.ReadAsync(buffer)) > 0)
                {
                    hash.AppendData(buffer, 0, n);
                    total += n;
                }

                await read.CompleteAsync(CancellationToken.None);
            }

            Assert.Equal(size, total);
            Assert.Equal(expected, Convert.ToHexString(hash.GetHashAndReset()));
        }
        finally
        {
            File.Delete(local);
        }
    }

    private static async Task WriteRandomFileAsync(string path, int size, int seed)
    {
        var random = new Random(seed);
        var buffer = new byte[1024 * 1024];
        await using var file = File.Create(path);
        for (var done = 0; done < size; done += buffer.Length)
        {
            random.NextBytes(buffer);
            await file.WriteAsync(buffer.AsMemory(0, Math.Min(buffer.Length, size - done)));
        }
    }

    private static async Task<string> HashFileAsync(string path)
    {
        await using var file = File.OpenRead(path);
        return Convert.ToHexString(await SHA256.HashDataAsync(file));
    }
}
