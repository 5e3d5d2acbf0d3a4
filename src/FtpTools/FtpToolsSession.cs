using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core;
using FtpTools.Infrastructure;

namespace FtpTools;

/// <summary>
/// An open session as PowerShell users see it: what it is connected to and what was negotiated.
/// Shows no password or key material. Wraps a core <see cref="SessionKeeper"/>: cmdlets reach the connection in use
/// through <see cref="Remote"/>, after <see cref="ReadyAsync"/> has made it again when it was lost.
/// </summary>
public sealed class FtpToolsSession
{
    private readonly IDisposable? _owned;

    internal FtpToolsSession(int id, SessionKeeper keeper, string? userName, SessionLogRouter log, string? proxy = null, IDisposable? owned = null)
    {
        _owned = owned;
        Id = id;
        Proxy = proxy;
        Keeper = keeper;
        Log = log;
        User = keeper.Current.Info.UserName ?? userName;
        ConnectedAt = DateTime.Now;
    }

    public int Id { get; }

    public RemoteProtocol Protocol => Remote.Protocol;

    public string Host => Remote.Host;

    public int Port => Remote.Port;

    /// <summary>The login name; "anonymous" for anonymous FTP.</summary>
    public string? User { get; }

    public string CurrentDirectory => Remote.CurrentDirectory;

    /// <summary>
    /// False once the session was disconnected or its connection was lost. A lost session with
    /// <see cref="ReconnectAttempts"/> above 0 connects again at the start of the next command.
    /// </summary>
    public bool Connected => !Closed && Remote.IsConnected;

    /// <summary>When the session first connected.</summary>
    public DateTime ConnectedAt { get; }

    /// <summary>Connection attempts made when a command finds the session lost (Connect-FtpSession -ReconnectAttempts); 0: never.</summary>
    public int ReconnectAttempts => Keeper.Attempts;

    /// <summary>How often the session lost its connection and connected again.</summary>
    public int Reconnects => Keeper.Reconnects;

    /// <summary>FTP greeting or SSH version string of the server.</summary>
    public string? ServerBanner => Remote.Info.ServerBanner;

    /// <summary>FTP SYST reply.</summary>
    public string? ServerSystem => Remote.Info.ServerSystem;

    public IReadOnlyList<string> Features => Remote.Info.Features;

    public string? TlsProtocol => Remote.Info.TlsProtocol;

    public string? TlsCipher => Remote.Info.TlsCipher;

    /// <summary>SHA-256 thumbprint of the server certificate, hex.</summary>
    public string? CertificateThumbprint => Remote.Info.CertificateThumbprint;

    public string? CertificateSubject => Remote.Info.CertificateSubject;

    public string? SshKexAlgorithm => Remote.Info.SshKexAlgorithm;

    public string? SshHostKeyAlgorithm => Remote.Info.SshHostKeyAlgorithm;

    public string? SshCipher => Remote.Info.SshCipher;

    public string? SshMac => Remote.Info.SshMac;

    /// <summary>The client certificate offered to an FTPES/FTPS server that asks for one (Connect-FtpSession -ClientCertificate or -ClientCertificatePath): its subject; null without one.</summary>
    public string? ClientCertificateSubject => Remote.Info.ClientCertificateSubject;

    /// <summary>That certificate's SHA-1 thumbprint, as Windows' certificate store names it (Cert:\CurrentUser\My\...).</summary>
    public string? ClientCertificateThumbprint => Remote.Info.ClientCertificateThumbprint;

    /// <summary>OpenSSH form ("SHA256:...") of the server's host key.</summary>
    public string? HostKeyFingerprint => Remote.Info.HostKeyFingerprint;

    /// <summary>The connection in use now (another one after a reconnection).</summary>
    internal IRemoteSession Remote => Keeper.Current;

    internal SessionKeeper Keeper { get; }

    internal SessionLogRouter Log { get; }

    internal bool Closed => Keeper.Closed;

    /// <summary>The connection to run a command on, made again first when it was lost (see <see cref="SessionKeeper.ReadyAsync(CancellationToken)"/>).</summary>
    internal Task<IRemoteSession> ReadyAsync(CancellationToken cancellationToken) => Keeper.ReadyAsync(cancellationToken);

    /// <summary>
    /// After <see cref="CloseAsync"/>: closes the -LogPath file and lets go of what the session owns (a client
    /// certificate read from a file). Safe to call twice.
    /// </summary>
    internal void ReleaseLocal()
    {
        Log.Dispose();
        _owned?.Dispose();
    }

    /// <summary>Says goodbye and closes the connection. Safe to call twice; a dead connection is just disposed.</summary>
    internal Task CloseAsync(CancellationToken cancellationToken) => Keeper.CloseAsync(cancellationToken);

    /// <summary>FTP's transfer type (Connect-FtpSession -TransferMode): Binary, or Ascii for text with its line ends converted; null for SFTP.</summary>
    public FtpTransferMode? TransferMode => Protocol == RemoteProtocol.Sftp ? null : Remote.Info.AsciiMode ? FtpTransferMode.Ascii : FtpTransferMode.Binary;

    /// <summary>The proxy the session's connections go through (Connect-FtpSession -Proxy), without credentials, or null.</summary>
    public string? Proxy { get; }

    /// <summary>The file Connect-FtpSession -LogPath appends this session's protocol log to, or null.</summary>
    public string? LogPath => Log.FilePath;

    public override string ToString() => Describe(Protocol, User, Host, Port);

    /// <summary>protocol://user@host:port, an IPv6 address in brackets: how a session names itself, here and in its -LogPath lines.</summary>
    internal static string Describe(RemoteProtocol protocol, string? user, string host, int port) =>
        string.Format(
            CultureInfo.InvariantCulture,
            "{0}://{1}{2}:{3}",
            protocol.ToString().ToLowerInvariant(),
            user is null ? "" : user + "@",
            host.IndexOf(':') >= 0 ? "[" + host + "]" : host,
            port);
}
