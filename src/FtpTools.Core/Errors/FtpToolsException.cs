using System;

namespace FtpTools.Core.Errors;

/// <summary>What kind of refusal a server gave, independent of protocol.</summary>
public enum RemoteErrorKind
{
    Failure,
    NotFound,
    PermissionDenied,
    AlreadyExists,
    Unsupported,
    NotEmpty,
    QuotaExceeded,
}

/// <summary>Root of every error the core throws on purpose.</summary>
public class FtpToolsException : Exception
{
    public FtpToolsException(string message)
        : base(message)
    {
    }

    public FtpToolsException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>The connection is gone (reset, closed, timed out). The session is dead; a caller may reconnect.</summary>
public class ConnectionLostException : FtpToolsException
{
    public ConnectionLostException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }

    /// <summary>
    /// True when the loss showed before the operation's own request went out (while reading what an earlier,
    /// given-up transfer still owed): the operation did nothing, so it may run on a new connection whatever it is.
    /// </summary>
    public bool BeforeRequest { get; init; }
}

/// <summary>
/// The server could not be reached when opening the session: the name did not resolve, the connection was refused,
/// or the connect timeout passed. Nothing was sent; trying again later may work.
/// </summary>
public class ConnectFailedException : ConnectionLostException
{
    public ConnectFailedException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}

/// <summary>The server refused one command. The session is still usable.</summary>
public class CommandRefusedException : FtpToolsException
{
    public CommandRefusedException(string message, RemoteErrorKind kind, int? ftpReplyCode = null, int? sftpStatus = null, string? path = null)
        : base(message)
    {
        Kind = kind;
        FtpReplyCode = ftpReplyCode;
        SftpStatus = sftpStatus;
        Path = path;
    }

    public RemoteErrorKind Kind { get; }

    /// <summary>The FTP reply code (e.g. 550) when the refusal came from an FTP server.</summary>
    public int? FtpReplyCode { get; }

    /// <summary>The SSH_FX_* status when the refusal came from an SFTP server.</summary>
    public int? SftpStatus { get; }

    public string? Path { get; }
}

/// <summary>
/// An FTP data connection (RFC 959 §2.3) failed during a transfer or listing: it could not be set up, it was reset or
/// closed early, TLS broke on it, or it stalled past the operation timeout. Only that transfer failed: the server's
/// final reply for it was read from the control connection, which is still in step, so the session goes on.
/// When the control connection is lost as well, <see cref="ConnectionLostException"/> is thrown instead.
/// </summary>
public class DataConnectionFailedException : FtpToolsException
{
    public DataConnectionFailedException(string message, bool stalled, int? ftpReplyCode = null, string? path = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Stalled = stalled;
        FtpReplyCode = ftpReplyCode;
        Path = path;
    }

    /// <summary>True when nothing moved on the data connection for the operation timeout.</summary>
    public bool Stalled { get; }

    /// <summary>The server's final reply for the transfer (426, 451, even 226); null until it has been read.</summary>
    public int? FtpReplyCode { get; }

    public string? Path { get; }
}

/// <summary>The peer sent something the protocol does not allow (oversized line or packet, bad MAC, bad reply). The session is dead.</summary>
public class ProtocolViolationException : ConnectionLostException
{
    public ProtocolViolationException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}

/// <summary>Login failed: wrong credentials, no acceptable method, or the server demands a password change.</summary>
public class AuthenticationFailedException : FtpToolsException
{
    public AuthenticationFailedException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}

/// <summary>The server's identity could not be verified: a TLS certificate or an SSH host key.</summary>
public class TrustFailureException : FtpToolsException
{
    public TrustFailureException(string message, string? fingerprint, TrustFailureReason reason)
        : base(message)
    {
        Fingerprint = fingerprint;
        Reason = reason;
    }

    /// <summary>SHA-256 thumbprint (certificates) or OpenSSH fingerprint (host keys) of what the server presented.</summary>
    public string? Fingerprint { get; }

    public TrustFailureReason Reason { get; }
}

public enum TrustFailureReason
{
    UntrustedChain,
    NameMismatch,
    Expired,
    OtherCertificateError,
    UnknownHostKey,
    ChangedHostKey,
    RevokedHostKey,
    FingerprintMismatch,
}

/// <summary>
/// A transfer completed but its source was not removed as asked (-RemoveSource): the server or the local disk
/// refused (<see cref="Exception.InnerException"/>), the source changed since it was read, the transfer was resumed
/// (what an earlier attempt left was never compared with the source), or the command was stopped first. Nothing is
/// lost: the destination holds the file, and the source is where it was (unless a removal whose answer was lost with
/// the connection went through).
/// </summary>
public class SourceNotRemovedException : FtpToolsException
{
    public SourceNotRemovedException(string message, string path, Exception? innerException = null)
        : base(message, innerException)
    {
        Path = path;
    }

    /// <summary>The source that is still there: a remote path for a download, a local one for an upload.</summary>
    public string Path { get; }

    /// <summary>The removal's request had been sent when it failed (its answer was lost): the source may be gone.</summary>
    public bool RemovalSent { get; init; }
}

/// <summary>A local precondition of a transfer failed: the destination exists, or a remote name would escape the destination.</summary>
public class TransferRefusedException : FtpToolsException
{
    public TransferRefusedException(string message, TransferRefusedReason reason, string? path = null)
        : base(message)
    {
        Reason = reason;
        Path = path;
    }

    public TransferRefusedReason Reason { get; }

    public string? Path { get; }
}

public enum TransferRefusedReason
{
    DestinationExists,
    UnsafeRemoteName,
    SourceNotFound,
    NothingToResume,
    DestinationDirectoryNotFound,

    /// <summary>A file was asked for (its content), and the path is a directory.</summary>
    SourceIsDirectory,
}
