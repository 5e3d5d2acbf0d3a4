namespace FtpTools.Core.Logging;

public enum LogDirection
{
    /// <summary>Something we sent ("&gt; USER bob").</summary>
    Sent,

    /// <summary>Something the server sent.</summary>
    Received,

    /// <summary>A note of ours (negotiated algorithms, TLS handshake done).</summary>
    Info,
}

/// <summary>
/// Receives the protocol conversation. Implementations must be thread-safe: SFTP and data-connection
/// code may log from pool threads. Callers mask secrets before calling (PASS ***, no key material).
/// </summary>
public interface IProtocolLog
{
    void Write(LogDirection direction, string message);
}
