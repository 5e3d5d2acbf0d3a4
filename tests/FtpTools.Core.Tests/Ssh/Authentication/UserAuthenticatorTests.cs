using System;
using System.IO;
using System.Linq;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;
using FtpTools.Core.Ssh.Authentication;
using FtpTools.Core.Ssh.Keys;
using FtpTools.Core.Tests.Ssh.Keys;
using Xunit;

namespace FtpTools.Core.Tests.Ssh.Authentication;

public sealed class UserAuthenticatorTests : IDisposable
{
    private const string Secret = "s3cret!";
    private readonly string _directory = KeygenTool.NewTempDirectory();
    private readonly RecordingLog _log = new();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Password_is_accepted_and_never_logged()
    {
        var server = new ScriptedAuthServer { Steps = new() { new[] { "password" } } };

        var result = await Authenticate(server, Secret);

        Assert.Equal(new[] { "password" }, result.Methods);
        Assert.Equal(new[] { "none", "password" }, server.Attempts);
        Assert.Contains(_log.Lines, l => l.Contains("method password (password ***)", StringComparison.Ordinal));
        Assert.DoesNotContain(_log.Lines, l => l.Contains(Secret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_wrong_password_fails_naming_what_was_tried_and_what_is_allowed()
    {
        var server = new ScriptedAuthServer { Steps = new() { new[] { "publickey", "password" } } };

        var ex = await Assert.ThrowsAsync<AuthenticationFailedException>(() => Authenticate(server, "wrong-password"));

        Assert.Equal(
            "The server 127.0.0.1 did not accept user 'alice'. Tried: password (rejected). The server still allows: publickey, password. Note: no key file was given and the agent was not asked.",
            ex.Message);
        Assert.DoesNotContain("wrong-password", ex.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ed25519", 0)]
    [InlineData("ecdsa", 384)]
    [InlineData("rsa", 2048)]
    public async Task A_key_file_is_queried_then_signs_over_the_session_id(string type, int bits)
    {
        var path = await KeygenTool.GenerateAsync(_directory, type, bits);
        var server = new ScriptedAuthServer { ServerSignatureAlgorithms = new[] { "ssh-ed25519", "ecdsa-sha2-nistp384", "rsa-sha2-512", "rsa-sha2-256" } };
        server.AcceptedKeys.Add(KeygenTool.ReadPublicKeyBlob(path + ".pub"));

        var result = await Authenticate(server, null, keys: new[] { path });

        var algorithm = type switch { "ed25519" => "ssh-ed25519", "ecdsa" => "ecdsa-sha2-nistp384", _ => "rsa-sha2-512" };
        Assert.Equal(new[] { "publickey" }, result.Methods);
        Assert.Equal(new[] { "publickey-query " + algorithm, "publickey " + algorithm }, server.Attempts);
        Assert.Equal(new[] { algorithm }, server.SignedAlgorithms);
    }

    [Fact]
    public async Task Rsa_signature_algorithm_follows_server_sig_algs()
    {
        var path = await KeygenTool.GenerateAsync(_directory, "rsa", 2048);
        var server = new ScriptedAuthServer { ServerSignatureAlgorithms = new[] { "ssh-ed25519", "rsa-sha2-256" } };
        server.AcceptedKeys.Add(KeygenTool.ReadPublicKeyBlob(path + ".pub"));

        await Authenticate(server, null, keys: new[] { path });

        Assert.Equal(new[] { "rsa-sha2-256" }, server.SignedAlgorithms);
    }

    [Fact]
    public async Task Without_server_sig_algs_rsa_falls_back_from_sha512_to_sha256()
    {
        var path = await KeygenTool.GenerateAsync(_directory, "rsa", 2048);
        var server = new ScriptedAuthServer { ServerSignatureAlgorithms = null };
        server.AcceptedAlgorithms.Remove("rsa-sha2-512");
        server.AcceptedKeys.Add(KeygenTool.ReadPublicKeyBlob(path + ".pub"));

        await Authenticate(server, null, keys: new[] { path });

        Assert.Equal(new[] { "publickey-query rsa-sha2-512", "publickey-query rsa-sha2-256", "publickey rsa-sha2-256" }, server.Attempts);
    }

    [Fact]
    public async Task A_server_that_only_takes_sha1_rsa_gets_no_rsa_request()
    {
        var path = await KeygenTool.GenerateAsync(_directory, "rsa", 2048);
        var server = new ScriptedAuthServer { ServerSignatureAlgorithms = new[] { "ssh-rsa" }, Steps = new() { new[] { "publickey" } } };
        server.AcceptedKeys.Add(KeygenTool.ReadPublicKeyBlob(path + ".pub"));

        var ex = await Assert.ThrowsAsync<AuthenticationFailedException>(() => Authenticate(server, null, keys: new[] { path }));

        Assert.Equal(new[] { "none" }, server.Attempts);
        Assert.Contains("(skipped: the server accepts only ssh-rsa)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_key_is_rejected_and_password_is_tried_next()
    {
        var unknown = await KeygenTool.GenerateAsync(_directory, "ed25519", 0);
        var server = new ScriptedAuthServer();

        var result = await Authenticate(server, Secret, keys: new[] { unknown });

        Assert.Equal(new[] { "password" }, result.Methods);
        Assert.Equal(new[] { "publickey-query ssh-ed25519", "password" }, server.Attempts);
    }

    [Fact]
    public async Task A_wrong_key_alone_fails_with_the_key_named()
    {
        var unknown = await KeygenTool.GenerateAsync(_directory, "ed25519", 0);
        var server = new ScriptedAuthServer { Steps = new() { new[] { "publickey" } } };

        var ex = await Assert.ThrowsAsync<AuthenticationFailedException>(() => Authenticate(server, null, keys: new[] { unknown }));

        Assert.Contains($"Tried: publickey with key file {unknown} (ssh-ed25519 SHA256:", ex.Message, StringComparison.Ordinal);
        Assert.Contains("(not accepted). The server still allows: publickey.", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Partial_success_chains_publickey_then_password()
    {
        var path = await KeygenTool.GenerateAsync(_directory, "ed25519", 0);
        var server = new ScriptedAuthServer { Steps = new() { new[] { "publickey" }, new[] { "password" } } };
        server.AcceptedKeys.Add(KeygenTool.ReadPublicKeyBlob(path + ".pub"));

        var result = await Authenticate(server, Secret, keys: new[] { path });

        Assert.Equal(new[] { "publickey", "password" }, result.Methods);
        Assert.Equal(new[] { "publickey-query ssh-ed25519", "publickey ssh-ed25519", "password" }, server.Attempts);
        Assert.Contains(_log.Lines, l => l.EndsWith("allowed: password (partial success)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_password_change_demand_is_a_clear_error()
    {
        var server = new ScriptedAuthServer { DemandPasswordChange = true };

        var ex = await Assert.ThrowsAsync<AuthenticationFailedException>(() => Authenticate(server, Secret));

        Assert.Equal(
            "The server demands a password change for user 'alice' before it lets anyone log in (it says: Your password has expired.). Change the password interactively (for example with ssh or passwd), then try again.",
            ex.Message);
    }

    [Fact]
    public async Task Keyboard_interactive_password_prompts_are_answered_from_the_credential()
    {
        var server = new ScriptedAuthServer { Steps = new() { new[] { "keyboard-interactive" } } };

        var result = await Authenticate(server, Secret);

        Assert.Equal(new[] { "keyboard-interactive" }, result.Methods);
        Assert.Equal(new[] { "none", "keyboard-interactive", "info-response" }, server.Attempts);
        Assert.DoesNotContain(_log.Lines, l => l.Contains(Secret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_refused_key_names_the_methods_and_the_password_goes_only_where_the_server_asks_for_it()
    {
        // The key's query replaces "none"; its refusal says keyboard-interactive, so no password request is sent.
        var unknown = await KeygenTool.GenerateAsync(_directory, "ed25519", 0);
        var server = new ScriptedAuthServer { Steps = new() { new[] { "publickey", "keyboard-interactive" } } };

        var result = await Authenticate(server, Secret, keys: new[] { unknown });

        Assert.Equal(new[] { "keyboard-interactive" }, result.Methods);
        Assert.Equal(new[] { "publickey-query ssh-ed25519", "keyboard-interactive", "info-response" }, server.Attempts);
    }

    [Fact]
    public async Task Keyboard_interactive_with_other_prompts_fails_clearly()
    {
        var server = new ScriptedAuthServer { Steps = new() { new[] { "keyboard-interactive" } } };
        server.Prompts.Add(("Verification code: ", false));

        var ex = await Assert.ThrowsAsync<AuthenticationFailedException>(() => Authenticate(server, Secret));

        Assert.Contains("keyboard-interactive (cannot answer the prompt 'Verification code:' unattended) (rejected)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Banners_are_logged_without_control_characters()
    {
        var server = new ScriptedAuthServer { Banner = "Authorized use only\u001b[31m\nSecond line\n" };

        await Authenticate(server, Secret);

        Assert.Contains("< banner: Authorized use only[31m", _log.Lines);
        Assert.Contains("< banner: Second line", _log.Lines);
    }

    [Fact]
    public async Task A_wrong_key_passphrase_stops_authentication_with_the_file_named()
    {
        var path = await KeygenTool.GenerateAsync(_directory, "ed25519", 0, passphrase: "the right one");
        var server = new ScriptedAuthServer();

        var ex = await Assert.ThrowsAsync<PrivateKeyLoadException>(() => Authenticate(server, Secret, keys: new[] { path }, passphrase: "the wrong one"));

        Assert.Equal($"The passphrase for key file '{path}' (-KeyPassphrase) is wrong.", ex.Message);
    }

    [Fact]
    public async Task An_encrypted_key_with_its_passphrase_authenticates()
    {
        var path = await KeygenTool.GenerateAsync(_directory, "ecdsa", 256, passphrase: "the right one");
        var server = new ScriptedAuthServer { Steps = new() { new[] { "publickey" } } };
        server.AcceptedKeys.Add(KeygenTool.ReadPublicKeyBlob(path + ".pub"));

        var result = await Authenticate(server, null, keys: new[] { path }, passphrase: "the right one");

        Assert.Equal(new[] { "publickey" }, result.Methods);
    }

    private Task<UserAuthenticationResult> Authenticate(ScriptedAuthServer server, string? password, string[]? keys = null, string? passphrase = null) =>
        UserAuthenticator.AuthenticateAsync(
            server,
            new ConnectionOptions
            {
                Protocol = RemoteProtocol.Sftp,
                Host = "127.0.0.1",
                Credential = new NetworkCredential("alice", password),
                Log = _log,
                Ssh = new SshOptions
                {
                    PrivateKeyPaths = keys ?? Array.Empty<string>(),
                    KeyPassphrase = passphrase is null ? null : new NetworkCredential("", passphrase),
                },
            },
            agentEndpoint: null,
            CancellationToken.None);
}
