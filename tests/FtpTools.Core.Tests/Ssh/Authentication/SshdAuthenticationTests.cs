using System;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;
using FtpTools.Core.Ssh.Authentication;
using FtpTools.Core.Ssh.Keys;
using FtpTools.Core.Ssh.Transport;
using FtpTools.Core.Ssh.Trust;
using FtpTools.Core.Tests.Servers;
using FtpTools.Core.Tests.Ssh.Keys;
using Xunit;

namespace FtpTools.Core.Tests.Ssh.Authentication;

/// <summary>Host-key trust and user authentication against real OpenSSH sshd, over the real transport.</summary>
[Collection("sshd")]
public sealed class SshdAuthenticationTests : IDisposable
{
    private readonly SshdFixture _sshd;
    private readonly string _directory = KeygenTool.NewTempDirectory();

    public SshdAuthenticationTests(SshdFixture sshd)
    {
        _sshd = sshd;
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Password_ok()
    {
        var result = await AuthenticateAsync(_sshd.Port, Options(_sshd.UserName, _sshd.Password));

        Assert.Equal(new[] { "password" }, result.Methods);
    }

    [Fact]
    public async Task Wrong_password_fails_with_what_was_tried()
    {
        var ex = await Assert.ThrowsAsync<AuthenticationFailedException>(() => AuthenticateAsync(_sshd.Port, Options(_sshd.UserName, "not-the-password")));

        Assert.StartsWith($"The server 127.0.0.1 did not accept user '{_sshd.UserName}'. Tried: password (rejected); keyboard-interactive (rejected). The server still allows: publickey,", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-password", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ed25519", 0, "")]
    [InlineData("ecdsa", 256, "")]
    [InlineData("ecdsa", 384, "")]
    [InlineData("ecdsa", 521, "")]
    [InlineData("rsa", 3072, "")]
    [InlineData("rsa", 3072, "PEM")]
    [InlineData("ecdsa", 256, "PKCS8")]
    public async Task Each_key_type_logs_in(string type, int bits, string format)
    {
        var key = await KeygenTool.GenerateAsync(_directory, type, bits, format: format);
        await AuthorizeAsync(key);

        var result = await AuthenticateAsync(_sshd.Port, Options(_sshd.KeyUserName, null, keys: new[] { key }));

        Assert.Equal(new[] { "publickey" }, result.Methods);
    }

    [Fact]
    public async Task Encrypted_key_with_its_passphrase_logs_in()
    {
        var key = await KeygenTool.GenerateAsync(_directory, "ed25519", 0, passphrase: "open sesame 42");
        await AuthorizeAsync(key);

        var result = await AuthenticateAsync(_sshd.Port, Options(_sshd.KeyUserName, null, keys: new[] { key }, passphrase: "open sesame 42"));

        Assert.Equal(new[] { "publickey" }, result.Methods);
    }

    [Fact]
    public async Task Wrong_key_fails_naming_the_key()
    {
        var key = await KeygenTool.GenerateAsync(_directory, "ed25519", 0);

        var ex = await Assert.ThrowsAsync<AuthenticationFailedException>(() => AuthenticateAsync(_sshd.Port, Options(_sshd.KeyUserName, null, keys: new[] { key })));

        Assert.Equal(
            $"The server 127.0.0.1 did not accept user '{_sshd.KeyUserName}'. Tried: publickey with key file {key} (ssh-ed25519 {await KeygenTool.FingerprintAsync(key + ".pub")}) (not accepted). The server still allows: publickey.",
            ex.Message);
    }

    [Fact]
    public async Task Keyboard_interactive_answers_the_PAM_password_prompt()
    {
        await using var server = await _sshd.StartCustomAsync("AuthenticationMethods keyboard-interactive");

        var result = await AuthenticateAsync(server.Port, Options(_sshd.UserName, _sshd.Password));

        Assert.Equal(new[] { "keyboard-interactive" }, result.Methods);
    }

    [Fact]
    public async Task Partial_success_chains_publickey_then_password()
    {
        await using var server = await _sshd.StartCustomAsync("AuthenticationMethods publickey,password");

        var result = await AuthenticateAsync(server.Port, Options(_sshd.UserName, _sshd.Password, keys: new[] { _sshd.ClientKeyPath }));

        Assert.Equal(new[] { "publickey", "password" }, result.Methods);
    }

    [Fact]
    public async Task Agent_keys_log_in()
    {
        var socket = Path.Combine(_directory, "agent.sock");
        var start = new ProcessStartInfo("ssh-agent") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "-D", "-a", socket })
        {
            start.ArgumentList.Add(argument);
        }

        using var agent = Process.Start(start)!;
        try
        {
            Assert.True(await KeygenTool.WaitForAgentAsync(socket), "ssh-agent did not listen on its socket within 5 s");
            var (code, _, error) = await KeygenTool.RunAsync("ssh-add", new[] { _sshd.ClientKeyPath }, null, ("SSH_AUTH_SOCK", socket));
            Assert.True(code == 0, "ssh-add failed: " + error);
            var options = Options(_sshd.KeyUserName, null, ssh: new SshOptions { HostKeyFingerprints = _sshd.HostKeyFingerprints, UseAgent = true });

            var result = await AuthenticateAsync(_sshd.Port, options, agentSocket: socket);

            Assert.Equal(new[] { "publickey" }, result.Methods);
        }
        finally
        {
            agent.Kill();
            await agent.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task Unknown_host_key_stops_the_connection_then_accept_new_records_it()
    {
        var ssh = new SshOptions { UserKnownHostsPath = Path.Combine(_directory, "user_kh"), ModuleKnownHostsPath = Path.Combine(_directory, "module_kh") };
        var unknown = await Assert.ThrowsAsync<TrustFailureException>(() => AuthenticateAsync(_sshd.Port, Options(_sshd.UserName, _sshd.Password, ssh: ssh)));
        Assert.Equal(TrustFailureReason.UnknownHostKey, unknown.Reason);
        Assert.Contains(unknown.Fingerprint!, _sshd.HostKeyFingerprints);

        var acceptNew = new SshOptions { UserKnownHostsPath = ssh.UserKnownHostsPath, ModuleKnownHostsPath = ssh.ModuleKnownHostsPath, AcceptNewHostKey = true };
        await AuthenticateAsync(_sshd.Port, Options(_sshd.UserName, _sshd.Password, ssh: acceptNew));
        var known = await AuthenticateAsync(_sshd.Port, Options(_sshd.UserName, _sshd.Password, ssh: ssh));

        Assert.Equal(new[] { "password" }, known.Methods);
        var (code, _, _) = await KeygenTool.RunAsync("ssh-keygen", new[] { "-F", $"[127.0.0.1]:{_sshd.Port}", "-f", ssh.ModuleKnownHostsPath });
        Assert.Equal(0, code);
    }

    [Fact]
    public async Task A_pinned_fingerprint_that_does_not_match_never_reaches_authentication()
    {
        var ssh = new SshOptions { HostKeyFingerprints = new[] { "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" } };

        var ex = await Assert.ThrowsAsync<TrustFailureException>(() => AuthenticateAsync(_sshd.Port, Options(_sshd.UserName, _sshd.Password, ssh: ssh)));

        Assert.Equal(TrustFailureReason.FingerprintMismatch, ex.Reason);
    }

    private ConnectionOptions Options(string user, string? password, string[]? keys = null, string? passphrase = null, SshOptions? ssh = null) =>
        new()
        {
            Protocol = RemoteProtocol.Sftp,
            Host = _sshd.Host,
            Credential = new NetworkCredential(user, password),
            OperationTimeout = TimeSpan.FromSeconds(30),
            Ssh = ssh ?? new SshOptions
            {
                HostKeyFingerprints = _sshd.HostKeyFingerprints,
                PrivateKeyPaths = keys ?? Array.Empty<string>(),
                KeyPassphrase = passphrase is null ? null : new NetworkCredential("", passphrase),
            },
        };

    private async Task AuthorizeAsync(string keyPath)
    {
        var line = await File.ReadAllTextAsync(keyPath + ".pub");
        await File.AppendAllTextAsync(Path.Combine(_sshd.WorkDirectory, "authorized_keys", _sshd.KeyUserName), line.TrimEnd() + "\n");
    }

    private static async Task<UserAuthenticationResult> AuthenticateAsync(int port, ConnectionOptions options, string? agentSocket = null)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var tcp = new TcpClient();
        await tcp.ConnectAsync(options.Host, port, timeout.Token);
        await using var transport = await SshTransport.ConnectAsync(
            tcp.GetStream(),
            options,
            SshAlgorithmPreferences.FromOptions(options.Ssh, portableOnly: false),
            (algorithm, blob, ct) => HostKeyTrust.VerifyAsync(options.Host, port, algorithm, blob, options.Ssh, ct),
            timeout.Token);
        return await UserAuthenticator.AuthenticateAsync(transport, options, agentSocket, timeout.Token);
    }
}
