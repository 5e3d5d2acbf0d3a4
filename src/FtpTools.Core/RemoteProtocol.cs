namespace FtpTools.Core;

/// <summary>The wire protocol of a session. Picked once, when the session is opened.</summary>
public enum RemoteProtocol
{
    /// <summary>Plain FTP (RFC 959), port 21.</summary>
    Ftp,

    /// <summary>FTP with explicit TLS: AUTH TLS on the plain port (RFC 4217).</summary>
    Ftpes,

    /// <summary>FTP with implicit TLS: TLS from the first byte, port 990.</summary>
    Ftps,

    /// <summary>SFTP version 3 over SSH-2, port 22.</summary>
    Sftp,
}

/// <summary>How FTP data connections are opened.</summary>
public enum FtpDataMode
{
    /// <summary>EPSV, then PASV: the client connects to the server.</summary>
    Passive,

    /// <summary>EPRT, then PORT: the server connects back to the client.</summary>
    Active,
}

/// <summary>FTP's transfer type (RFC 959 §3.1.1): how file bytes travel on the data connection.</summary>
public enum FtpTransferMode
{
    /// <summary>TYPE I: every byte as it is.</summary>
    Binary,

    /// <summary>TYPE A: text, with line ends converted between the two sides' conventions.</summary>
    Ascii,
}

public static class RemoteProtocolInfo
{
    /// <summary>The port a protocol listens on when none is given.</summary>
    public static int DefaultPort(RemoteProtocol protocol) => protocol switch
    {
        RemoteProtocol.Ftp => 21,
        RemoteProtocol.Ftpes => 21,
        RemoteProtocol.Ftps => 990,
        RemoteProtocol.Sftp => 22,
        _ => throw new System.ArgumentOutOfRangeException(nameof(protocol)),
    };

    /// <summary>Maps a URI scheme (ftp, ftpes, ftps, sftp) to its protocol; null for anything else.</summary>
    public static RemoteProtocol? FromScheme(string scheme) => scheme.ToUpperInvariant() switch
    {
        "FTP" => RemoteProtocol.Ftp,
        "FTPES" => RemoteProtocol.Ftpes,
        "FTPS" => RemoteProtocol.Ftps,
        "SFTP" => RemoteProtocol.Sftp,
        _ => null,
    };
}
