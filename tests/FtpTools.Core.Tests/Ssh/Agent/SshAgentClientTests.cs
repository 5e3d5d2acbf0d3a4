using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Ssh.Agent;
using FtpTools.Core.Ssh.Authentication;
using FtpTools.Core.Tests.Ssh.Authentication;
using FtpTools.Core.Tests.Ssh.Keys;
using Xunit;

namespace FtpTools.Core.Tests.Ssh.Agent;

/// <summary>Against a real OpenSSH ssh-agent started for the test on its own socket.</summary>
public sealed class SshAgentClientTests : IAsyncLifetime
{
    private readonly string _directory = KeygenTool.NewTempDirectory();
    private Process? _agent;
    private string _socket = "";

    public async Task InitializeAsync()
    {
        _socket = Path.Combine(_directory, "agent.sock");
        var start = new ProcessStartInfo("ssh-agent") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-D");
        start.ArgumentList.Add("-a");
        start.ArgumentList.Add(_socket);
        try
        {
            _agent = Process.Start(start);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException("ssh-agent is not installed; install openssh-client.", ex);
        }

        Assert.True(await KeygenTool.WaitForAgentAsync(_socket), "ssh-agent did not listen on its socket within 5 s");
    }

    public async Task DisposeAsync()
    {
        if (_agent is not null)
        {
            _agent.Kill();
            await _agent.WaitForExitAsync();
            _agent.Dispose();
        }

        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Lists_added_keys_and_signs_with_each_including_rsa_sha2_flags()
    {
        var ed = await AddKeyAsync("ed25519", 0);
        var ec = await AddKeyAsync("ecdsa", 521);
        var rsa = await AddKeyAsync("rsa", 2048);
        await using var client = await SshAgentClient.ConnectAsync(_socket, CancellationToken.None);

        var identities = await client.RequestIdentitiesAsync(CancellationToken.None);

        Assert.Equal(3, identities.Count);
        Assert.Contains(identities, i => i.PublicKeyBlob.SequenceEqual(ed) && i.Comment == "test@ftptools");
        var data = "data to sign"u8.ToArray();
        foreach (var (blob, flags, algorithm) in new[]
        {
            (ed, SshAgentSignFlags.None, "ssh-ed25519"),
            (ec, SshAgentSignFlags.None, "ecdsa-sha2-nistp521"),
            (rsa, SshAgentSignFlags.SSH_AGENT_RSA_SHA2_256, "rsa-sha2-256"),
            (rsa, SshAgentSignFlags.SSH_AGENT_RSA_SHA2_512, "rsa-sha2-512"),
        })
        {
            var signature = await client.SignAsync(blob, data, flags, CancellationToken.None);
            Assert.NotNull(signature);
            Assert.Equal(algorithm, new FtpTools.Core.Ssh.SshReader(signature).ReadString());
            Assert.True(SignatureCheck.Verify(blob, signature!, data), algorithm + " signature from the agent does not verify");
        }
    }

    [Fact]
    public async Task A_key_the_agent_does_not_hold_gets_a_refusal()
    {
        var path = await KeygenTool.GenerateAsync(_directory, "ed25519", 0);
        await using var client = await SshAgentClient.ConnectAsync(_socket, CancellationToken.None);

        var signature = await client.SignAsync(KeygenTool.ReadPublicKeyBlob(path + ".pub"), new byte[] { 1 }, SshAgentSignFlags.None, CancellationToken.None);

        Assert.Null(signature);
    }

    [Fact]
    public async Task Authentication_uses_agent_keys()
    {
        await AddKeyAsync("ed25519", 0);
        var rsa = await AddKeyAsync("rsa", 2048);
        var server = new ScriptedAuthServer { ServerSignatureAlgorithms = new[] { "ssh-ed25519", "rsa-sha2-256" }, Steps = new() { new[] { "publickey" } } };
        server.AcceptedKeys.Add(rsa);

        var result = await UserAuthenticator.AuthenticateAsync(
            server,
            new ConnectionOptions { Protocol = RemoteProtocol.Sftp, Host = "127.0.0.1", Credential = new NetworkCredential("alice", (string?)null), Ssh = new SshOptions { UseAgent = true } },
            _socket,
            CancellationToken.None);

        Assert.Equal(new[] { "publickey" }, result.Methods);
        Assert.Equal(new[] { "publickey-query ssh-ed25519", "publickey-query rsa-sha2-256", "publickey rsa-sha2-256" }, server.Attempts);
        Assert.Equal(new[] { "rsa-sha2-256" }, server.SignedAlgorithms);
    }

    [Fact]
    public async Task A_refusing_agent_key_is_skipped_and_password_follows()
    {
        // -c: every use needs confirmation through ssh-askpass, which an unattended run cannot give.
        var key = await AddKeyAsync("ed25519", 0, confirm: true);
        var server = new ScriptedAuthServer { ServerSignatureAlgorithms = new[] { "ssh-ed25519" } };
        server.AcceptedKeys.Add(key);

        var result = await UserAuthenticator.AuthenticateAsync(
            server,
            new ConnectionOptions { Protocol = RemoteProtocol.Sftp, Host = "127.0.0.1", Credential = new NetworkCredential("alice", server.Password), Ssh = new SshOptions { UseAgent = true } },
            _socket,
            CancellationToken.None);

        // The key was accepted (PK_OK), so the server has not named its methods yet: "none" asks before the
        // password goes out.
        Assert.Equal(new[] { "password" }, result.Methods);
        Assert.Equal(new[] { "publickey-query ssh-ed25519", "none", "password" }, server.Attempts);
    }

    private async Task<byte[]> AddKeyAsync(string type, int bits, bool confirm = false)
    {
        var keyDirectory = Path.Combine(_directory, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(keyDirectory);
        var path = await KeygenTool.GenerateAsync(keyDirectory, type, bits);
        var (code, _, error) = await KeygenTool.RunAsync("ssh-add", confirm ? new[] { "-c", path } : new[] { path }, null, ("SSH_AUTH_SOCK", _socket), ("SSH_ASKPASS", "/bin/false"), ("DISPLAY", ""));
        Assert.True(code == 0, "ssh-add failed: " + error);
        return KeygenTool.ReadPublicKeyBlob(path + ".pub");
    }
}
