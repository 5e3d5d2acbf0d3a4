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
        Refused(reply, command, path, KindOf(reply.Code, targetMustExist));

    public static CommandRefusedException Refused(FtpReply reply, string command, string? path, RemoteErrorKind kind)
    {
        var what = path is null ? command : command + " " + path;
        return new CommandRefusedException(
            $"The server refused {what}: {FtpReplyParser.Printable(reply.ToString(), 300)}",
            kind,
            (int)reply.Code,
            path: path);
    }
}
