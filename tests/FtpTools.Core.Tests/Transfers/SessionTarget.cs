using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Tests.Servers;
using FtpTools.Core.Tests.Sftp;

namespace FtpTools.Core.Tests.Transfers;

/// <summary>
/// A real server and how to open sessions on it, for the shared behaviour tests: each test class that derives
/// from <see cref="TransferBehaviours"/> supplies one. Server-side state is checked on the server's own disk.
/// </summary>
public abstract class SessionTarget : IAsyncDisposable
{
    public abstract string Name { get; }

    public abstract Task<IRemoteSession> ConnectAsync(CancellationToken cancellationToken);

    /// <summary>A fresh empty directory for one test: its remote path, and where it is on the local disk.</summary>
    public abstract (string Remote, string Local) NewDirectory();

    /// <summary>Hands files the test created on the server's disk to the account the server runs as.</summary>
    public abstract void GiveToServer(string localPath);

    /// <summary>
    /// Ends the server's side of every session of this target that is open now, at once and without a word to the
    /// client (SIGKILL to the server processes): a crash, a restart or a dropped link, as a client meets it.
    /// </summary>
    public abstract void KillServerSide();

    /// <summary>Whether the server can set a file's modification time (MFMT / MDTM with a time / SSH_FXP_SETSTAT).</summary>
    public virtual bool CanSetRemoteTime => true;

    /// <summary>The checksums the server computes itself (how it is configured in tests/servers/ftptools-servers.sh).</summary>
    public virtual IReadOnlyCollection<RemoteHashAlgorithm> ServerHashes => Array.Empty<RemoteHashAlgorithm>();

    public virtual ValueTask DisposeAsync() => default;

    public override string ToString() => Name;
}

/// <summary>A server started by one of the lead's fixtures (FTP servers and sshd), logged in as the password user.</summary>
public sealed class FixtureTarget : SessionTarget
{
    private readonly ServerFixture _fixture;
    private readonly RemoteProtocol _protocol;
    private readonly int? _port;

    public FixtureTarget(ServerFixture fixture, RemoteProtocol protocol, int? port = null, bool canSetRemoteTime = true)
    {
        _fixture = fixture;
        _protocol = protocol;
        _port = port;
        CanSetRemoteTime = canSetRemoteTime;
    }

    public override string Name => $"{_fixture.Kind} over {_protocol}";

    public override bool CanSetRemoteTime { get; }

    /// <summary>ProFTPD runs mod_digest with crc32, md5, sha1, sha256 and sha512; the other servers have no checksum command.</summary>
    public override IReadOnlyCollection<RemoteHashAlgorithm> ServerHashes => _fixture is ProftpdFixture
        ? new[] { RemoteHashAlgorithm.Sha256, RemoteHashAlgorithm.Sha512, RemoteHashAlgorithm.Sha1, RemoteHashAlgorithm.Md5, RemoteHashAlgorithm.Crc32 }
        : base.ServerHashes;

    public override Task<IRemoteSession> ConnectAsync(CancellationToken cancellationToken)
    {
        var options = new ConnectionOptions
        {
            Protocol = _protocol,
            Host = _fixture.Host,
            Port = _port ?? _fixture.Port,
            Credential = new NetworkCredential(_fixture.UserName, _fixture.Password),
            OperationTimeout = TimeSpan.FromSeconds(20),
            Tls = new TlsOptions { ExtraCaFile = (_fixture as FtpServerFixture)?.CaCertificatePath },
            Ssh = _fixture is SshdFixture sshd ? new SshOptions { HostKeyFingerprints = sshd.HostKeyFingerprints } : new SshOptions(),
        };
        return RemoteSessionFactory.ConnectAsync(options, cancellationToken);
    }

    public override (string Remote, string Local) NewDirectory()
    {
        var name = _fixture.NewTestDirectory("xfer");
        return (_fixture.RemotePath(name), Path.Combine(_fixture.RootDirectory, name));
    }

    public override void GiveToServer(string localPath) => TestServers.GiveToTestUser(localPath);

    public override void KillServerSide() => ServerSideKill.KillServersOf(_port ?? _fixture.Port);
}

/// <summary>
/// OpenSSH's sftp-server as a child process speaking SFTP over its stdin and stdout (the sftp branch's test server),
/// one per test, running as root in a fresh temporary directory. Needs no sshd and no SSH layer.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SftpServerTarget : SessionTarget
{
    private readonly SftpServerProcess _server = SftpServerProcess.Create();

    public override string Name => "sftp-server over stdio";

    public override async Task<IRemoteSession> ConnectAsync(CancellationToken cancellationToken) =>
        await _server.ConnectAsync(TimeSpan.FromSeconds(20)).ConfigureAwait(false);

    public override (string Remote, string Local) NewDirectory()
    {
        var name = "xfer-" + Guid.NewGuid().ToString("N").Substring(0, 8);
        var local = _server.Local(name);
        Directory.CreateDirectory(local);
        return (Path.GetFullPath(local), local);
    }

    public override void GiveToServer(string localPath)
    {
        // The server runs as root, like the test.
    }

    public override void KillServerSide() => _server.KillAll();

    public override ValueTask DisposeAsync() => _server.DisposeAsync();
}
