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
/// Holds no password or key material. Wraps the core <see cref="IRemoteSession"/>, which cmdlets reach
/// through <see cref="Remote"/>.
/// </summary>
public sealed class FtpToolsSession
{
    internal FtpToolsSession(int id, IRemoteSession remote, string? userName, SessionLogRouter log)
    {
        Id = id;
        Remote = remote;
        Log = log;
        User = remote.Info.UserName ?? userName;
        ConnectedAt = DateTime.Now;
    }

    public int Id { get; }

    public RemoteProtocol Protocol => Remote.Protocol;

    public string Host => Remote.Host;

    public int Port => Remote.Port;

    /// <summary>The login name; "anonymous" for anonymous FTP.</summary>
    public string? User { get; }

    public string CurrentDirectory => Remote.CurrentDirectory;

    /// <summary>False once the session was disconnected or its connection was lost.</summary>
    public bool Connected => !Closed && Remote.IsConnected;

    public DateTime ConnectedAt { get; }

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

    /// <summary>OpenSSH form ("SHA256:...") of the server's host key.</summary>
    public string? HostKeyFingerprint => Remote.Info.HostKeyFingerprint;

    internal IRemoteSession Remote { get; }

    internal SessionLogRouter Log { get; }

    internal bool Closed { get; private set; }

    /// <summary>Says goodbye and closes the connection. Safe to call twice; a dead connection is just disposed.</summary>
    internal async Task CloseAsync(CancellationToken cancellationToken)
    {
        if (Closed)
        {
            return;
        }

        Closed = true;
        try
        {
            if (Remote.IsConnected)
            {
                await Remote.DisconnectAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            await Remote.DisposeAsync().ConfigureAwait(false);
        }
    }

    public override string ToString()
    {
        var user = User is null ? "" : User + "@";
        var host = Host.IndexOf(':') >= 0 ? "[" + Host + "]" : Host;
        return string.Format(CultureInfo.InvariantCulture, "{0}://{1}{2}:{3}", Protocol.ToString().ToLowerInvariant(), user, host, Port);
    }
}
