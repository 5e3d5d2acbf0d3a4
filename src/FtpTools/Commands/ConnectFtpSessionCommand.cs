using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Net;
using System.Security;
using System.Security.Cryptography.X509Certificates;
using FtpTools.Core;
using FtpTools.Core.Ftp;
using FtpTools.Core.Logging;
using FtpTools.Infrastructure;

namespace FtpTools.Commands;

/// <summary>Opens an FTP, FTPES, FTPS or SFTP session and makes it the runspace's default.</summary>
[Cmdlet(VerbsCommunications.Connect, "FtpSession", DefaultParameterSetName = UriSet)]
[OutputType(typeof(FtpToolsSession))]
public sealed class ConnectFtpSessionCommand : FtpToolsCmdlet
{
    private const string UriSet = "Uri";
    private const string ComputerNameSet = "ComputerName";

    /// <summary>ftp://, ftpes://, ftps:// or sftp:// with optional user@, port and start directory.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = UriSet)]
    [ValidateNotNullOrEmpty]
    public string Uri { get; set; } = "";

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ComputerNameSet)]
    [Alias("HostName", "Server")]
    [ValidateNotNullOrEmpty]
    public string ComputerName { get; set; } = "";

    /// <summary>0 or absent: the protocol's default port.</summary>
    [Parameter(ParameterSetName = ComputerNameSet)]
    [ValidateRange(1, 65535)]
    public int Port { get; set; }

    [Parameter(ParameterSetName = ComputerNameSet)]
    public RemoteProtocol Protocol { get => (RemoteProtocol)_protocol; set => _protocol = (int)value; }

    // Fields of this public type hold the core's enums as int: PowerShell lists a binary module's public types (which
    // lays out their fields) before the module initializer can tell .NET where FtpTools.Core is (lib/<folder>), and a
    // field of a core value type would make that listing load the core and fail the import (ModuleImportTests).
    private int _protocol = (int)RemoteProtocol.Ftp;

    /// <summary>Start directory after login (the -Uri path does the same).</summary>
    [Parameter(ParameterSetName = ComputerNameSet)]
    [ValidateNotNullOrEmpty]
    public string? StartPath { get; set; }

    /// <summary>User name and password. Absent: anonymous FTP, or key-only SFTP with the user from -Uri.</summary>
    [Parameter]
    public PSCredential? Credential { get; set; }

    /// <summary>OpenSSH private key files for SFTP public-key authentication.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? KeyFilePath { get; set; }

    [Parameter]
    public SecureString? KeyPassphrase { get; set; }

    /// <summary>Expected SSH host key fingerprints ("SHA256:..."); when given, known_hosts is not needed.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? HostKeyFingerprint { get; set; }

    /// <summary>Trust an unknown SSH host key on first use and remember it; a changed key is still refused.</summary>
    [Parameter]
    public SwitchParameter AcceptNewHostKey { get; set; }

    /// <summary>SHA-256 thumbprints of server certificates to trust whatever their chain says.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? CertificateThumbprint { get; set; }

    /// <summary>Accept any server certificate, for this session only.</summary>
    [Parameter]
    public SwitchParameter SkipCertificateCheck { get; set; }

    /// <summary>PEM or DER file with extra CA certificates trusted for this session only.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? CaCertificatePath { get; set; }

    /// <summary>
    /// FTPES/FTPS: a client certificate with its private key, for servers that ask for one (from the certificate store,
    /// Get-PfxCertificate, or [X509Certificate2]).
    /// </summary>
    [Parameter]
    [ValidateNotNull]
    public X509Certificate2? ClientCertificate { get; set; }

    /// <summary>FTPES/FTPS: a PKCS#12 (.pfx, .p12) file, or a PEM file with the certificate and its private key.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ClientCertificatePath { get; set; }

    /// <summary>The password of -ClientCertificatePath's file (or of the private key in it).</summary>
    [Parameter]
    [ValidateNotNull]
    public SecureString? ClientCertificatePassword { get; set; }

    /// <summary>The TLS versions to offer (FTPES and FTPS); absent: TLS 1.2 and TLS 1.3.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public TlsVersion[]? TlsVersion { get; set; }

    [Parameter]
    public FtpDataMode DataMode { get => (FtpDataMode)_dataMode; set => _dataMode = (int)value; }

    private int _dataMode = (int)FtpDataMode.Passive;

    /// <summary>
    /// FTP's transfer type: Binary (the default; files as they are) or Ascii (text: line ends become CRLF on the way
    /// and the local convention on arrival; no -Resume or -RemoveSource). FTP, FTPES and FTPS only.
    /// </summary>
    [Parameter]
    public FtpTransferMode TransferMode { get => (FtpTransferMode)_transferMode; set => _transferMode = (int)value; }

    // An int, not the core's enum: a field's type is loaded with the cmdlet's, before the module can resolve the core.
    private int _transferMode = (int)FtpTransferMode.Binary;

    /// <summary>Seconds to wait for the connection and login.</summary>
    [Parameter]
    [ValidateRange(1, 3600)]
    public int ConnectTimeout { get; set; } = 30;

    /// <summary>Seconds to wait for any single reply from the server.</summary>
    [Parameter]
    [ValidateRange(1, 86400)]
    public int OperationTimeout { get; set; } = 60;

    /// <summary>Seconds between keep-alive probes; 0 (the default) sends none.</summary>
    [Parameter]
    [ValidateRange(0, 86400)]
    public int KeepAliveInterval { get; set; }

    /// <summary>
    /// Connection attempts when a command finds the session's connection lost (closed by the server while idle, a
    /// restart, a dropped link); 0 turns reconnecting off. The default is 3.
    /// </summary>
    [Parameter]
    [ValidateRange(0, 100)]
    public int ReconnectAttempts { get; set; } = 3;

    /// <summary>Seconds between two reconnection attempts; the default is 5.</summary>
    [Parameter]
    [ValidateRange(0, 3600)]
    public int ReconnectDelay { get; set; } = 5;

    /// <summary>
    /// A proxy every connection of the session goes through: socks5://host[:port] (SOCKS5; port 1080 when not given)
    /// or http://host[:port] (an HTTP proxy's CONNECT; port 8080 when not given). The proxy resolves the server's name.
    /// FTP uses passive mode through it.
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Proxy { get; set; }

    /// <summary>The proxy's user name and password (SOCKS5 user name and password, or HTTP Basic); absent: none.</summary>
    [Parameter]
    public PSCredential? ProxyCredential { get; set; }

    /// <summary>
    /// A file the session's protocol conversation is appended to, as -Verbose shows it (passwords masked), each line
    /// with its UTC time, with the errors its commands meet, until Disconnect-FtpSession. For scheduled tasks.
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? LogPath { get; set; }

    /// <summary>A certificate this command read from -ClientCertificatePath: the session owns it, or it is disposed here.</summary>
    private X509Certificate2? _loadedCertificate;

    protected override void ProcessRecord()
    {
        _loadedCertificate = null;
        ConnectionOptions options;
        string? userName;
        try
        {
            options = BuildOptions(out userName);
        }
        catch
        {
            _loadedCertificate?.Dispose();
            throw;
        }

        var log = (SessionLogRouter)options.Log!;
        var added = false;
        try
        {
            IRemoteSession? remote = null;
            var target = ParameterSetName == UriSet ? (object)ConnectionUri.Redact(Uri) : ComputerName;
            RunCore(log, target, async (_, cancellationToken) =>
            {
                log.Write(LogDirection.Info, $"Connecting to {options.Protocol.ToString().ToLowerInvariant()}://{options.Host}:{options.EffectivePort}{(options.Proxy is null ? "" : " through the proxy " + options.Proxy)}");
                if (options.Tls.ClientCertificate is { } offered)
                {
                    log.Write(LogDirection.Info, $"Offering the client certificate {offered.Subject} (issued by {offered.Issuer}, SHA-1 thumbprint {offered.Thumbprint}) when the server asks for one");
                }

                remote = await RemoteSessionFactory.ConnectAsync(options, cancellationToken).ConfigureAwait(false);
            });

            if (remote is not null)
            {
                // The same options again: a reconnection is checked against the same certificate and host-key trust.
                var keeper = new SessionKeeper(
                    remote,
                    cancellationToken => RemoteSessionFactory.ConnectAsync(options, cancellationToken),
                    ReconnectAttempts,
                    TimeSpan.FromSeconds(ReconnectDelay),
                    log);
                var session = SessionStore.Current.Add(keeper, userName, log, options.Proxy?.ToString(), _loadedCertificate);
                added = true;
                WriteObject(session);
            }
        }
        finally
        {
            if (!added)
            {
                // A connect that failed: its log file (which says why) is closed, and a certificate it read let go
                // (on Windows, its key's file in the user's profile is removed).
                log.Dispose();
                _loadedCertificate?.Dispose();
            }
        }
    }

    private ConnectionOptions BuildOptions(out string? userName)
    {
        var credential = Credential?.GetNetworkCredential();
        string host;
        int port;
        RemoteProtocol protocol;
        string? startPath;
        userName = credential?.UserName;

        if (ParameterSetName == UriSet)
        {
            if (!ConnectionUri.TryParse(Uri, out var parsed, out var error))
            {
                Fail("InvalidUri", ErrorCategory.InvalidArgument, error!, ConnectionUri.Redact(Uri));
            }

            host = parsed!.Host;
            port = parsed.Port;
            protocol = parsed.Protocol;
            startPath = parsed.StartPath;
            if (parsed.UserName is not null)
            {
                if (credential is not null && !string.Equals(credential.UserName, parsed.UserName, StringComparison.Ordinal))
                {
                    Fail(
                        "InvalidArgument",
                        ErrorCategory.InvalidArgument,
                        $"The URI names user '{parsed.UserName}' but -Credential is for '{credential.UserName}'. Give the user in one place.",
                        ConnectionUri.Redact(Uri));
                }

                // A user without a password: key-only SFTP, or an FTP account with an empty password.
                credential ??= new NetworkCredential(parsed.UserName, "");
                userName = parsed.UserName;
            }
        }
        else
        {
            host = ComputerName;
            port = Port;
            protocol = Protocol;
            startPath = StartPath;
        }

        if (protocol != RemoteProtocol.Sftp && credential is null)
        {
            userName = "anonymous";
        }

        if (protocol == RemoteProtocol.Sftp && credential is null)
        {
            Fail(
                "InvalidArgument",
                ErrorCategory.InvalidArgument,
                "SFTP needs a user name: pass -Credential, or put the user in the URI (sftp://user@host) and use -KeyFilePath.",
                host);
        }

        if (TlsVersion is not null && protocol is RemoteProtocol.Ftp or RemoteProtocol.Sftp)
        {
            Fail(
                "InvalidArgument",
                ErrorCategory.InvalidArgument,
                $"-TlsVersion applies to FTPES and FTPS only; {protocol.ToString().ToUpperInvariant()} does not use TLS. Use an ftpes:// or ftps:// URI, or -Protocol Ftpes or Ftps.",
                host);
        }

        WarnOfOtherProtocolsOptions(protocol);

        if (TransferMode == FtpTransferMode.Ascii && protocol == RemoteProtocol.Sftp)
        {
            Fail(
                "InvalidArgument",
                ErrorCategory.InvalidArgument,
                "-TransferMode Ascii applies to FTP, FTPES and FTPS only; SFTP transfers every file as it is.",
                host);
        }

        var clientCertificate = BuildClientCertificate(protocol, host);
        var proxy = BuildProxy(protocol, host);
        var keyFiles = (KeyFilePath ?? Array.Empty<string>()).Select(ResolveLocalPath).ToArray();
        var caFile = CaCertificatePath is null || protocol is RemoteProtocol.Ftp or RemoteProtocol.Sftp ? null : ResolveLocalPath(CaCertificatePath);
        if (caFile is not null && !System.IO.File.Exists(caFile))
        {
            Fail("InvalidArgument", ErrorCategory.InvalidArgument, $"The CA certificate file '{caFile}' (-CaCertificatePath) does not exist.", host);
        }

        var log = new SessionLogRouter(LogPath is null ? null : OpenLogFile(protocol, userName, host, port));

        try
        {
            return new ConnectionOptions
            {
                Protocol = protocol,
                Host = host,
                Port = port,
                Credential = credential,
                StartPath = startPath,
                ConnectTimeout = TimeSpan.FromSeconds(ConnectTimeout),
                OperationTimeout = TimeSpan.FromSeconds(OperationTimeout),
                KeepAliveInterval = KeepAliveInterval > 0 ? TimeSpan.FromSeconds(KeepAliveInterval) : null,
                Ftp = new FtpOptions { DataMode = DataMode, AsciiMode = TransferMode == FtpTransferMode.Ascii },
                Tls = new TlsOptions
                {
                    PinnedThumbprints = CertificateThumbprint ?? Array.Empty<string>(),
                    ExtraCaFile = caFile,
                    SkipCertificateCheck = SkipCertificateCheck.IsPresent,
                    Protocols = TlsVersion is null ? new TlsOptions().Protocols : TlsOptions.ProtocolsFor(TlsVersion),
                    ClientCertificate = clientCertificate,
                },
                Ssh = new SshOptions
                {
                    HostKeyFingerprints = HostKeyFingerprint ?? Array.Empty<string>(),
                    AcceptNewHostKey = AcceptNewHostKey.IsPresent,
                    PrivateKeyPaths = keyFiles,
                    KeyPassphrase = KeyPassphrase is null ? null : new NetworkCredential("", KeyPassphrase),
                },
                Proxy = proxy,
                Log = log,
            };
        }
        catch
        {
            // Opened last, closed again when the options cannot be made after all.
            log.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A trust or key option of another protocol is ignored with a warning, never silently: a user who pins a host key
    /// on an FTPES session, or a certificate on an SFTP one, must not believe the pin is checked. Not refused: the
    /// session's own checks stand whatever was ignored (no such option can loosen them), and a script may pass one set
    /// of options to every protocol.
    /// </summary>
    private void WarnOfOtherProtocolsOptions(RemoteProtocol protocol)
    {
        var name = protocol.ToString().ToUpperInvariant();
        if (protocol != RemoteProtocol.Sftp)
        {
            var instead = protocol == RemoteProtocol.Ftp
                ? "plain FTP has neither keys nor certificates"
                : $"{name} checks the server's TLS certificate instead (-CertificateThumbprint, -CaCertificatePath)";
            foreach (var (given, option) in new (bool, string)[]
            {
                (HostKeyFingerprint is not null, "-HostKeyFingerprint"),
                (AcceptNewHostKey.IsPresent, "-AcceptNewHostKey"),
                (KeyFilePath is not null, "-KeyFilePath"),
                (KeyPassphrase is not null, "-KeyPassphrase"),
            })
            {
                if (given)
                {
                    WriteWarning($"{option} applies to SFTP only and is ignored: {instead}.");
                }
            }
        }

        if (protocol is RemoteProtocol.Ftp or RemoteProtocol.Sftp)
        {
            var instead = protocol == RemoteProtocol.Sftp
                ? "SFTP checks the server's host key instead (-HostKeyFingerprint, known_hosts)"
                : "plain FTP does not use TLS: use an ftpes:// or ftps:// URI, or -Protocol Ftpes or Ftps";
            foreach (var (given, option) in new (bool, string)[]
            {
                (CertificateThumbprint is not null, "-CertificateThumbprint"),
                (SkipCertificateCheck.IsPresent, "-SkipCertificateCheck"),
                (CaCertificatePath is not null, "-CaCertificatePath"),
            })
            {
                if (given)
                {
                    WriteWarning($"{option} applies to FTPES and FTPS only and is ignored: {instead}.");
                }
            }
        }

        if (protocol == RemoteProtocol.Sftp && DataMode == FtpDataMode.Active)
        {
            WriteWarning("-DataMode Active applies to FTP, FTPES and FTPS only and is ignored: SFTP has no data connections.");
        }
    }

    /// <summary>-ClientCertificate, or the certificate read from -ClientCertificatePath; null without either.</summary>
    private X509Certificate2? BuildClientCertificate(RemoteProtocol protocol, string host)
    {
        if (ClientCertificate is null && ClientCertificatePath is null)
        {
            if (ClientCertificatePassword is not null)
            {
                Fail("InvalidArgument", ErrorCategory.InvalidArgument, "-ClientCertificatePassword needs -ClientCertificatePath: name the file it opens.", host);
            }

            return null;
        }

        if (protocol is RemoteProtocol.Ftp or RemoteProtocol.Sftp)
        {
            Fail(
                "InvalidArgument",
                ErrorCategory.InvalidArgument,
                $"A client certificate applies to FTPES and FTPS only; {protocol.ToString().ToUpperInvariant()} does not use TLS. Use an ftpes:// or ftps:// URI, or -Protocol Ftpes or Ftps.",
                host);
        }

        if (ClientCertificate is not null && ClientCertificatePath is not null)
        {
            Fail("InvalidArgument", ErrorCategory.InvalidArgument, "Give the client certificate once: -ClientCertificate or -ClientCertificatePath, not both.", host);
        }

        if (ClientCertificate is not null)
        {
            if (ClientCertificatePassword is not null)
            {
                Fail("InvalidArgument", ErrorCategory.InvalidArgument, "-ClientCertificatePassword goes with -ClientCertificatePath; a -ClientCertificate object comes with its key already.", host);
            }

            if (!ClientCertificate.HasPrivateKey)
            {
                Fail(
                    "InvalidClientCertificate",
                    ErrorCategory.InvalidData,
                    $"The client certificate {ClientCertificate.Subject} ({ClientCertificate.Thumbprint}) comes without its private key, and a server can only accept a certificate with its key. Take it from a store that holds the key, or from a .pfx file with -ClientCertificatePath.",
                    host);
            }

            return ClientCertificate;
        }

        var path = ResolveLocalPath(ClientCertificatePath!);
        try
        {
            _loadedCertificate = ClientCertificateFile.Load(path, ClientCertificatePassword is null ? null : new NetworkCredential("", ClientCertificatePassword));
            return _loadedCertificate;
        }
        catch (ArgumentException ex)
        {
            Fail("InvalidClientCertificate", ErrorCategory.InvalidData, ex.Message, path);
            throw;
        }
    }

    /// <summary>-Proxy and -ProxyCredential as the core's options, or null without -Proxy.</summary>
    private ProxyOptions? BuildProxy(RemoteProtocol protocol, string host)
    {
        if (Proxy is null)
        {
            if (ProxyCredential is not null)
            {
                Fail("InvalidArgument", ErrorCategory.InvalidArgument, "-ProxyCredential needs -Proxy: name the proxy it logs in to.", host);
            }

            return null;
        }

        if (!ProxyOptions.TryParse(Proxy, ProxyCredential?.GetNetworkCredential(), out var proxy, out var error))
        {
            // Not the URI as the target when it holds a user name and password: the error record would keep them.
            Fail("InvalidProxyUri", ErrorCategory.InvalidArgument, error!, ConnectionUri.Redact(Proxy));
        }

        if (DataMode == FtpDataMode.Active && protocol != RemoteProtocol.Sftp)
        {
            Fail(
                "InvalidArgument",
                ErrorCategory.InvalidArgument,
                "-DataMode Active cannot go through a proxy: the server would connect back to this machine directly. Leave -DataMode at Passive with -Proxy.",
                Proxy);
        }

        return proxy;
    }

    /// <summary>The -LogPath file, its lines labelled as the session shows itself (protocol://user@host:port).</summary>
    private FileProtocolLog OpenLogFile(RemoteProtocol protocol, string? userName, string host, int port)
    {
        var path = ResolveLocalPath(LogPath!);
        try
        {
            return new FileProtocolLog(path, FtpToolsSession.Describe(protocol, userName, host, port != 0 ? port : RemoteProtocolInfo.DefaultPort(protocol)));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException or System.Security.SecurityException)
        {
            Fail("LogFileUnavailable", ErrorCategory.OpenError, $"Cannot open the log file {path}: {ex.Message}", LogPath);
            throw;
        }
    }

    /// <summary>Local paths are relative to PowerShell's current location, not the process's working directory.</summary>
    private string ResolveLocalPath(string path) => SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
}
