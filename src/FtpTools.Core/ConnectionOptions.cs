using System;
using System.Collections.Generic;
using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using FtpTools.Core.Logging;

namespace FtpTools.Core;

/// <summary>Everything needed to open a session. Immutable once handed to <see cref="RemoteSessionFactory"/>.</summary>
public sealed class ConnectionOptions
{
    public RemoteProtocol Protocol { get; init; } = RemoteProtocol.Ftp;

    public string Host { get; init; } = "";

    /// <summary>0 means the protocol's default port.</summary>
    public int Port { get; init; }

    /// <summary>Null means anonymous FTP (user "anonymous"). SFTP always needs a user name.</summary>
    public NetworkCredential? Credential { get; init; }

    /// <summary>Directory to change to after login; null keeps the server's start directory.</summary>
    public string? StartPath { get; init; }

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Longest wait for any single reply or packet from the server.</summary>
    public TimeSpan OperationTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Interval of keep-alive probes (NOOP or keepalive@openssh.com); null turns them off.</summary>
    public TimeSpan? KeepAliveInterval { get; init; }

    public FtpOptions Ftp { get; init; } = new();

    public TlsOptions Tls { get; init; } = new();

    public SshOptions Ssh { get; init; } = new();

    /// <summary>The proxy every connection goes through (control and data, SSH); null connects directly.</summary>
    public ProxyOptions? Proxy { get; init; }

    /// <summary>Receives the protocol conversation, with secrets already masked.</summary>
    public IProtocolLog? Log { get; init; }

    public int EffectivePort => Port != 0 ? Port : RemoteProtocolInfo.DefaultPort(Protocol);
}

public sealed class FtpOptions
{
    public FtpDataMode DataMode { get; init; } = FtpDataMode.Passive;

    /// <summary>
    /// Use the address a 227/229 reply names. Off by default: the data connection goes to the control
    /// connection's peer, which defeats FTP bounce and broken NAT replies.
    /// </summary>
    public bool TrustPassiveAddress { get; init; }

    /// <summary>Local address to listen on in active mode; null means the control connection's local address.</summary>
    public IPAddress? ActiveListenAddress { get; init; }

    /// <summary>Transfer type: binary (TYPE I) unless set to ASCII.</summary>
    public bool AsciiMode { get; init; }
}

public sealed class TlsOptions
{
    /// <summary>SHA-256 thumbprints (hex, separators ignored) that are trusted whatever the chain says.</summary>
    public IReadOnlyList<string> PinnedThumbprints { get; init; } = Array.Empty<string>();

    /// <summary>A PEM or DER file with extra CA certificates trusted for this session only.</summary>
    public string? ExtraCaFile { get; init; }

    public X509Certificate2? ClientCertificate { get; init; }

    /// <summary>Accept any server certificate. Off by default; applies to this session only.</summary>
    public bool SkipCertificateCheck { get; init; }

    /// <summary>Host name to check the certificate against; null means <see cref="ConnectionOptions.Host"/>.</summary>
    public string? TargetHostName { get; init; }

#pragma warning disable CA5398 // TLS 1.2 and 1.3 are named on purpose: RFC 4217 servers still commonly stop at 1.2.
    /// <summary>The versions offered, to the control connection and every data connection; see <see cref="ProtocolsFor"/>.</summary>
    public SslProtocols Protocols { get; init; } = SslProtocols.Tls12 | Tls13;

    /// <summary>TLS 1.3, which netstandard2.0's enumeration does not name.</summary>
    internal const SslProtocols Tls13 = (SslProtocols)12288;

    /// <summary>
    /// The <see cref="Protocols"/> value that offers exactly <paramref name="versions"/> (Connect-FtpSession -TlsVersion).
    /// Nothing older than TLS 1.2 can be asked for.
    /// </summary>
    public static SslProtocols ProtocolsFor(IEnumerable<TlsVersion> versions)
    {
        if (versions is null)
        {
            throw new ArgumentNullException(nameof(versions));
        }

        var protocols = SslProtocols.None;
        foreach (var version in versions)
        {
            protocols |= version switch
            {
                TlsVersion.Tls12 => SslProtocols.Tls12,
                TlsVersion.Tls13 => Tls13,
                _ => throw new ArgumentOutOfRangeException(nameof(versions), version, "Only TLS 1.2 and TLS 1.3 can be offered."),
            };
        }

        return protocols == SslProtocols.None
            ? throw new ArgumentException("Name at least one TLS version to offer (Tls12, Tls13).", nameof(versions))
            : protocols;
    }

    /// <summary>"TLS 1.2 and TLS 1.3", "TLS 1.3": the versions a <see cref="Protocols"/> value offers, for messages.</summary>
    public static string Describe(SslProtocols protocols)
    {
        var names = new List<string>();
        if ((protocols & SslProtocols.Tls12) != 0)
        {
            names.Add("TLS 1.2");
        }

        if ((protocols & Tls13) != 0)
        {
            names.Add("TLS 1.3");
        }

        var other = protocols & ~(SslProtocols.Tls12 | Tls13);
        if (other != SslProtocols.None)
        {
            names.Add(other.ToString());
        }

        return names.Count == 0 ? "no TLS version" : string.Join(" and ", names);
    }
#pragma warning restore CA5398
}

/// <summary>A TLS version a session may offer (Connect-FtpSession -TlsVersion).</summary>
public enum TlsVersion
{
    /// <summary>TLS 1.2 (RFC 5246).</summary>
    Tls12,

    /// <summary>TLS 1.3 (RFC 8446).</summary>
    Tls13,
}

public sealed class SshOptions
{
    /// <summary>Expected host key fingerprints ("SHA256:..."). When set, no known_hosts file is needed.</summary>
    public IReadOnlyList<string> HostKeyFingerprints { get; init; } = Array.Empty<string>();

    /// <summary>Trust on first use: an unknown host's key is appended to <see cref="ModuleKnownHostsPath"/>.</summary>
    public bool AcceptNewHostKey { get; init; }

    /// <summary>The user's OpenSSH known_hosts (read only); null means ~/.ssh/known_hosts.</summary>
    public string? UserKnownHostsPath { get; init; }

    /// <summary>The module's own known_hosts (read, and appended to by accept-new); null means the default per-user path.</summary>
    public string? ModuleKnownHostsPath { get; init; }

    public IReadOnlyList<string> PrivateKeyPaths { get; init; } = Array.Empty<string>();

    /// <summary>Passphrase of the private key files; kept as a NetworkCredential so it stays a SecureString where the platform has one.</summary>
    public NetworkCredential? KeyPassphrase { get; init; }

    public bool UseAgent { get; init; }

    /// <summary>Algorithm lists by name, each replacing the default list when set.</summary>
    public IReadOnlyList<string>? KexAlgorithms { get; init; }

    public IReadOnlyList<string>? HostKeyAlgorithms { get; init; }

    public IReadOnlyList<string>? Ciphers { get; init; }

    public IReadOnlyList<string>? Macs { get; init; }

    /// <summary>Bytes after which we re-key; default 1 GiB (RFC 4253 §9 recommends at most 1 GB).</summary>
    public long RekeyBytes { get; init; } = 1L << 30;

    public TimeSpan RekeyInterval { get; init; } = TimeSpan.FromHours(1);
}
