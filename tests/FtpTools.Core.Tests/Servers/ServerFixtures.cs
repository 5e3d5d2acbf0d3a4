using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Threading.Tasks;
using Xunit;

namespace FtpTools.Core.Tests.Servers;

/// <summary>
/// A real server started once per test run (xunit collection fixture), on a free loopback port, from a fresh
/// directory with keys and certificates generated at start. Tests run as root: they may create and inspect
/// files under <see cref="RootDirectory"/> (use <see cref="TestServers.GiveToTestUser"/> when the server must change them).
/// </summary>
public abstract class ServerFixture : IAsyncLifetime
{
    private readonly List<ServerProcess> _processes = new();

    protected ServerFixture(string kind)
    {
        Kind = kind;
        WorkDirectory = TestServers.NewWorkDirectory(kind);
    }

    public string Kind { get; }

    public string Host => "127.0.0.1";

    public int Port { get; private set; }

    public string UserName => TestServers.UserName;

    public string Password => TestServers.Password;

    /// <summary>Scratch directory of this server instance (config, logs, keys, certificates).</summary>
    public string WorkDirectory { get; }

    /// <summary>Local directory that the test user's remote <see cref="RemoteRoot"/> maps to.</summary>
    public string RootDirectory => Path.Combine(WorkDirectory, "root");

    /// <summary>Remote path of <see cref="RootDirectory"/>: "/" for the chrooted FTP servers, the real path for sshd.</summary>
    public virtual string RemoteRoot => "/";

    /// <summary>Everything the server printed, for failure messages.</summary>
    public string ServerOutput => string.Join("\n", _processes.ConvertAll(p => p.Output));

    public async Task InitializeAsync()
    {
        var main = await StartMainAsync().ConfigureAwait(false);
        Port = main.Port;
    }

    public async Task DisposeAsync()
    {
        foreach (var process in _processes)
        {
            await process.DisposeAsync().ConfigureAwait(false);
        }

        TestServers.DeleteDirectory(WorkDirectory);
    }

    /// <summary>A fresh, empty directory under the root for one test, owned by the test user; returns its name.</summary>
    public string NewTestDirectory(string prefix = "t")
    {
        var name = $"{prefix}-{Guid.NewGuid():N}".Substring(0, prefix.Length + 13);
        var path = Path.Combine(RootDirectory, name);
        Directory.CreateDirectory(path);
        TestServers.GiveToTestUser(path);
        return name;
    }

    /// <summary>Remote path of a name under the root.</summary>
    public string RemotePath(string relative) => RemoteRoot.TrimEnd('/') + "/" + relative.TrimStart('/');

    protected abstract Task<ServerProcess> StartMainAsync();

    protected async Task<ServerProcess> StartAsync(string kind, string? bannerPrefix, params string[] extra)
    {
        var process = await ServerProcess.StartAsync(kind, WorkDirectory, bannerPrefix, extra).ConfigureAwait(false);
        lock (_processes)
        {
            _processes.Add(process);
        }

        return process;
    }
}

/// <summary>FTP servers with TLS: a test CA signs their certificate for localhost, 127.0.0.1 and ::1.</summary>
public abstract class FtpServerFixture : ServerFixture
{
    protected FtpServerFixture(string kind)
        : base(kind)
    {
    }

    /// <summary>PEM of the test CA that signed the server certificate.</summary>
    public string CaCertificatePath => Path.Combine(WorkDirectory, "ca.crt");

    /// <summary>Certificate files the script generated: server, expired, wrongname (CN/SAN wrong.example), unknownca (other CA).</summary>
    public string CertificatePath(string name) => Path.Combine(WorkDirectory, name + ".crt");

    /// <summary>A file the script generated, by its name (client certificates: see <see cref="VsftpdFixture.StartRequiringClientCertificateAsync"/>).</summary>
    public string CertificateFile(string fileName) => Path.Combine(WorkDirectory, fileName);
}

/// <summary>vsftpd: plain FTP and explicit TLS (require_ssl_reuse=YES) on <see cref="ServerFixture.Port"/>, implicit TLS on <see cref="ImplicitTlsPort"/>.</summary>
public sealed class VsftpdFixture : FtpServerFixture
{
    public VsftpdFixture()
        : base("vsftpd")
    {
    }

    public int ImplicitTlsPort { get; private set; }

    /// <summary>
    /// Another explicit-TLS vsftpd on the same root serving a different certificate: "expired", "wrongname" or
    /// "unknownca". Returns its port; it stops with the fixture.
    /// </summary>
    public async Task<int> StartWithCertificateAsync(string certificate)
    {
        var process = await StartAsync("vsftpd", "220", certificate).ConfigureAwait(false);
        return process.Port;
    }

    /// <summary>
    /// Another vsftpd (explicit TLS, or implicit with <paramref name="implicitTls"/>) on the same root that asks every TLS connection (control and data) for a client
    /// certificate signed by the test client CA (<see cref="FtpServerFixture.CertificateFile"/>: "client.pfx",
    /// password "client-pass", "client.pem", "client-encrypted.pem"; "strangerclient.pfx" is signed by another CA).
    /// Returns its port; it stops with the fixture.
    /// </summary>
    public async Task<int> StartRequiringClientCertificateAsync(bool implicitTls = false)
    {
        var process = await StartAsync(implicitTls ? "vsftpd-implicit-clientcert" : "vsftpd-clientcert", implicitTls ? null : "220").ConfigureAwait(false);
        return process.Port;
    }

    /// <summary>Another vsftpd on the same root listening on ::1 only (plain and AUTH TLS). Returns its port.</summary>
    public async Task<int> StartIpv6Async()
    {
        var process = await StartAsync("vsftpd-ipv6", "220").ConfigureAwait(false);
        return process.Port;
    }

    protected override async Task<ServerProcess> StartMainAsync()
    {
        var main = await StartAsync("vsftpd", "220").ConfigureAwait(false);
        ImplicitTlsPort = (await StartAsync("vsftpd-implicit", null).ConfigureAwait(false)).Port;
        return main;
    }
}

/// <summary>proftpd 1.3.8 with mod_tls (MLSD, its own reply style, TLS session reuse required by default).</summary>
public sealed class ProftpdFixture : FtpServerFixture
{
    public ProftpdFixture()
        : base("proftpd")
    {
    }

    protected override Task<ServerProcess> StartMainAsync() => StartAsync("proftpd", "220");
}

/// <summary>pure-ftpd 1.0.50 with optional TLS and virtual users.</summary>
public sealed class PureFtpdFixture : FtpServerFixture
{
    public PureFtpdFixture()
        : base("pure-ftpd")
    {
    }

    protected override Task<ServerProcess> StartMainAsync() => StartAsync("pure-ftpd", "220");
}

/// <summary>
/// OpenSSH sshd serving SFTP (internal-sftp starting in <see cref="ServerFixture.RootDirectory"/>): the password user
/// (also allowed keyboard-interactive and, with <see cref="ClientKeyPath"/>, publickey) and a publickey-only user; ed25519,
/// ecdsa and rsa host keys. Listens on 127.0.0.1 and ::1.
/// </summary>
public sealed class SshdFixture : ServerFixture
{
    public SshdFixture()
        : base("sshd")
    {
    }

    public override string RemoteRoot => RootDirectory;

    public string KeyUserName => TestServers.KeyUserName;

    /// <summary>Unencrypted ed25519 private key (OpenSSH format) authorised for both users.</summary>
    public string ClientKeyPath => Path.Combine(WorkDirectory, "client_ed25519");

    /// <summary>Host key fingerprints in OpenSSH's "SHA256:..." form, by key type ("ed25519", "ecdsa", "rsa").</summary>
    public IReadOnlyDictionary<string, string> HostKeyFingerprintsByType { get; private set; } = new Dictionary<string, string>();

    public IReadOnlyList<string> HostKeyFingerprints => new List<string>(HostKeyFingerprintsByType.Values);

    public string HostKeyPublicKeyPath(string type) => Path.Combine(WorkDirectory, $"ssh_host_{type}_key.pub");

    /// <summary>
    /// Starts another sshd with the same keys, users and root, and <paramref name="extraConfig"/> lines added before the
    /// Match blocks (e.g. "Ciphers aes128-ctr", "RekeyLimit 1M"). It stops when the returned instance is disposed.
    /// </summary>
    public async Task<SshdInstance> StartCustomAsync(string extraConfig)
    {
        var extraFile = Path.Combine(WorkDirectory, $"extra-{Guid.NewGuid():N}.conf");
        await File.WriteAllTextAsync(extraFile, extraConfig + "\n").ConfigureAwait(false);
        var process = await ServerProcess.StartAsync("sshd", WorkDirectory, "SSH-2.0", extraFile).ConfigureAwait(false);
        return new SshdInstance(process);
    }

    protected override async Task<ServerProcess> StartMainAsync()
    {
        var process = await StartAsync("sshd", "SSH-2.0").ConfigureAwait(false);
        var fingerprints = new Dictionary<string, string>();
        foreach (var type in new[] { "ed25519", "ecdsa", "rsa" })
        {
            fingerprints[type] = Fingerprint(HostKeyPublicKeyPath(type));
        }

        HostKeyFingerprintsByType = fingerprints;
        return process;
    }

    /// <summary>What `ssh-keygen -lf` prints as the fingerprint (second field).</summary>
    public static string Fingerprint(string publicKeyPath)
    {
        var psi = new ProcessStartInfo("ssh-keygen") { RedirectStandardOutput = true, UseShellExecute = false };
        psi.ArgumentList.Add("-lf");
        psi.ArgumentList.Add(publicKeyPath);
        using var process = Process.Start(psi)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return output.Split(' ')[1];
    }
}

/// <summary>An extra sshd started by <see cref="SshdFixture.StartCustomAsync"/>.</summary>
public sealed class SshdInstance : IAsyncDisposable
{
    private readonly ServerProcess _process;

    internal SshdInstance(ServerProcess process)
    {
        _process = process;
    }

    public string Host => "127.0.0.1";

    public int Port => _process.Port;

    public string ServerOutput => _process.Output;

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}

/// <summary>
/// Proxies: dante (SOCKS5) and tinyproxy (HTTP CONNECT), each once asking for the test account's login and once asking
/// for none. Their output records every connection they open (dante: "tcp/connect", tinyproxy: "CONNECT host:port").
/// </summary>
public sealed class ProxyFixture : ServerFixture
{
    private readonly Dictionary<(ProxyKind, bool), ServerProcess> _proxies = new();

    public ProxyFixture()
        : base("proxy")
    {
    }

    /// <summary>The proxy of <paramref name="kind"/>: with <paramref name="login"/> it asks for the test account (given here).</summary>
    public ProxyOptions Proxy(ProxyKind kind, bool login, System.Net.NetworkCredential? credential = null) => new()
    {
        Kind = kind,
        Host = Host,
        Port = _proxies[(kind, login)].Port,
        Credential = credential ?? (login ? new System.Net.NetworkCredential(UserName, Password) : null),
    };

    /// <summary>
    /// Another dante, without authentication, that lets through connections to <paramref name="onlyPort"/> and
    /// refuses the others ("not allowed by ruleset"), as a proxy that allows FTP's control port alone. It stops with
    /// the fixture.
    /// </summary>
    public async Task<ProxyOptions> StartSocksForOnePortAsync(int onlyPort)
    {
        var process = await StartAsync("danted", null, "none", onlyPort.ToString(System.Globalization.CultureInfo.InvariantCulture)).ConfigureAwait(false);
        return new ProxyOptions { Kind = ProxyKind.Socks5, Host = Host, Port = process.Port };
    }

    /// <summary>What the proxy of <paramref name="kind"/> has printed so far.</summary>
    public string Output(ProxyKind kind, bool login) => _proxies[(kind, login)].Output;

    protected override async Task<ServerProcess> StartMainAsync()
    {
        _proxies[(ProxyKind.Socks5, true)] = await StartAsync("danted", null, "username").ConfigureAwait(false);
        _proxies[(ProxyKind.Socks5, false)] = await StartAsync("danted", null).ConfigureAwait(false);
        _proxies[(ProxyKind.Http, true)] = await StartAsync("tinyproxy", null, "basic").ConfigureAwait(false);
        _proxies[(ProxyKind.Http, false)] = await StartAsync("tinyproxy", null).ConfigureAwait(false);
        return _proxies[(ProxyKind.Socks5, true)];
    }
}

[CollectionDefinition("vsftpd")]
public sealed class VsftpdCollection : ICollectionFixture<VsftpdFixture>
{
}

[CollectionDefinition("proftpd")]
public sealed class ProftpdCollection : ICollectionFixture<ProftpdFixture>
{
}

[CollectionDefinition("pure-ftpd")]
public sealed class PureFtpdCollection : ICollectionFixture<PureFtpdFixture>
{
}

[CollectionDefinition("sshd")]
public sealed class SshdCollection : ICollectionFixture<SshdFixture>
{
}
