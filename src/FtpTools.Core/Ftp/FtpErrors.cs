using System;
using FtpTools.Core.Errors;

namespace FtpTools.Core.Ftp;

/// <summary>Turns a negative reply into the protocol-independent refusal the callers see.</summary>
internal static class FtpErrors
{
    /// <summary>
    /// The kind of a refusal. RFC 959 gives 550 for both "no such file" and "no access"; when the
    /// command names something that must exist (RETR, CWD, DELE, RNFR, SIZE...) we call it NotFound,
    /// otherwise Failure; the session probes further where the difference matters.
    /// </summary>
    public static RemoteErrorKind KindOf(FtpReplyCode code, bool targetMustExist) => code switch
    {
        FtpReplyCode.FileUnavailable => targetMustExist ? RemoteErrorKind.NotFound : RemoteErrorKind.Failure,
        FtpReplyCode.InsufficientStorage or FtpReplyCode.ExceededStorageAllocation => RemoteErrorKind.QuotaExceeded,
        FtpReplyCode.FileNameNotAllowed or FtpReplyCode.NotLoggedIn or FtpReplyCode.NeedAccountForStoring => RemoteErrorKind.PermissionDenied,
        FtpReplyCode.SyntaxError or FtpReplyCode.CommandNotImplemented or FtpReplyCode.NotImplementedForParameter => RemoteErrorKind.Unsupported,
        _ => RemoteErrorKind.Failure,
    };

    public static CommandRefusedException Refused(FtpReply reply, string command, string? path, bool targetMustExist) =>
        Refused(reply, command, path, SaysPermissionDenied(reply) ? RemoteErrorKind.PermissionDenied : KindOf(reply.Code, targetMustExist));

    // ProFTPD and Pure-FTPd answer a refused write or open with 550 and the system's words for EACCES ("Permission
    // denied") or EPERM ("Operation not permitted": a change to a file the account does not own); ProFTPD gives the
    // latter with 501 to MFMT.
    private static bool SaysPermissionDenied(FtpReply reply)
    {
        if (reply.Code is not (FtpReplyCode.FileUnavailable or FtpReplyCode.SyntaxErrorInParameters))
        {
            return false;
        }

        var text = reply.ToString();
        return text.IndexOf("Permission denied", StringComparison.OrdinalIgnoreCase) >= 0
            || text.IndexOf("Operation not permitted", StringComparison.OrdinalIgnoreCase) >= 0;
    }

    /// <summary>A failed data connection, once the server's final reply for its transfer has been read.</summary>
    public static DataConnectionFailedException DataConnectionFailed(string command, string? path, Exception failure, bool stalled, FtpReply reply) =>
        new(
            $"{What(command, path)} failed: {Sentence(failure.Message)} The server said: {FtpReplyParser.Printable(reply.ToString(), 300)}",
            stalled,
            (int)reply.Code,
            path,
            failure);

    /// <summary>A data connection that could not be opened before the transfer command was sent: no reply is owed.</summary>
    public static DataConnectionFailedException DataConnectionFailed(string command, string? path, Exception failure) =>
        new($"{What(command, path)} failed: {Sentence(failure.Message)}", stalled: false, path: path, innerException: failure);

    /// <summary>A failed data connection that took the control connection with it: the session is dead.</summary>
    public static ConnectionLostException ControlLostToo(string command, string? path, Exception failure, ConnectionLostException lost) =>
        new($"{What(command, path)} failed: {Sentence(failure.Message)} Then the control connection was lost too: {lost.Message}", lost);

    /// <summary>Text ending in exactly one full stop, to be followed by another sentence.</summary>
    public static string Sentence(string text)
    {
        var trimmed = text.TrimEnd();
        return trimmed.EndsWith(".", StringComparison.Ordinal) ? trimmed : trimmed + ".";
    }

    private static string What(string command, string? path) => path is null ? command : command + " " + path;

    public static CommandRefusedException Refused(FtpReply reply, string command, string? path, RemoteErrorKind kind)
    {
        return new CommandRefusedException(
            $"The server refused {What(command, path)}: {FtpReplyParser.Printable(reply.ToString(), 300)}",
            kind,
            (int)reply.Code,
            path: path);
    }
}
