using System.Collections.Generic;

namespace FtpTools.Core;

/// <summary>What was negotiated when the session was opened. Holds no secret.</summary>
public sealed class SessionInfo
{
    /// <summary>FTP greeting or SSH version string of the server.</summary>
    public string? ServerBanner { get; init; }

    /// <summary>FTP SYST reply.</summary>
    public string? ServerSystem { get; init; }

    /// <summary>FTP FEAT lines (upper-cased feature names).</summary>
    public IReadOnlyList<string> Features { get; init; } = System.Array.Empty<string>();

    public string? TlsProtocol { get; init; }

    public string? TlsCipher { get; init; }

    /// <summary>SHA-256 thumbprint of the server certificate, hex.</summary>
    public string? CertificateThumbprint { get; init; }

    public string? CertificateSubject { get; init; }

    public string? SshKexAlgorithm { get; init; }

    public string? SshHostKeyAlgorithm { get; init; }

    public string? SshCipher { get; init; }

    public string? SshMac { get; init; }

    /// <summary>OpenSSH form, "SHA256:" and unpadded base64.</summary>
    public string? HostKeyFingerprint { get; init; }

    public string? UserName { get; init; }

    /// <summary>
    /// FTP transfers in the ASCII type (TYPE A, <see cref="FtpOptions.AsciiMode"/>): line ends are converted, so
    /// lengths differ between the two sides and no transfer continues at an offset.
    /// </summary>
    public bool AsciiMode { get; init; }

    /// <summary>The subject of the client certificate offered to an FTPES/FTPS server that asks for one (<see cref="TlsOptions.ClientCertificate"/>); null without one.</summary>
    public string? ClientCertificateSubject { get; init; }

    /// <summary>That certificate's SHA-1 thumbprint, hex, as Windows' certificate store names it (Cert:\CurrentUser\My\...).</summary>
    public string? ClientCertificateThumbprint { get; init; }
}
