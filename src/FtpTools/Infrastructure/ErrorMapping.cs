using System;
using System.IO;
using System.Management.Automation;
using System.Net.Sockets;
using FtpTools.Core.Errors;

namespace FtpTools.Infrastructure;

/// <summary>How a cmdlet reports a failure: a stable ErrorId, its category, and whether it ends the command.</summary>
internal readonly struct ErrorClass
{
    public ErrorClass(string errorId, ErrorCategory category, bool terminating)
    {
        ErrorId = errorId;
        Category = category;
        Terminating = terminating;
    }

    public string ErrorId { get; }

    public ErrorCategory Category { get; }

    /// <summary>True when the session (or the whole command) cannot go on: lost connection, failed login, untrusted server.</summary>
    public bool Terminating { get; }
}

/// <summary>
/// The one place where core exceptions become PowerShell errors. ErrorIds are part of the module's
/// interface (scripts match on them), so they never change once released.
/// Per-item failures (the server refused one file, the destination exists) are non-terminating so the
/// rest of a batch still goes; failures that leave no usable session are terminating.
/// </summary>
internal static class ErrorMapping
{
    public const string Prefix = "FtpTools.";

    public static ErrorClass Classify(Exception exception)
    {
        return exception switch
        {
            null => throw new ArgumentNullException(nameof(exception)),
            AggregateException { InnerExceptions.Count: 1 } aggregate => Classify(aggregate.InnerExceptions[0]),
            // Also on an FTP data connection, where the session stays in step: every later transfer would meet the
            // same certificate, so the batch stops rather than failing item by item.
            TrustFailureException => new(Prefix + "TrustFailure", ErrorCategory.SecurityError, true),
            AuthenticationFailedException => new(Prefix + "AuthenticationFailed", ErrorCategory.AuthenticationError, true),
            ProtocolViolationException => new(Prefix + "ProtocolViolation", ErrorCategory.ProtocolError, true),
            ConnectFailedException => new(Prefix + "ConnectFailed", ErrorCategory.ConnectionError, true),
            ConnectionLostException => new(Prefix + "ConnectionLost", ErrorCategory.ConnectionError, true),

            // FTP's data connection failed but the control connection is in step: one transfer lost, not the session.
            DataConnectionFailedException => new(Prefix + "DataConnectionFailed", ErrorCategory.ConnectionError, false),
            CommandRefusedException refused => ClassifyRefusal(refused.Kind),
            TransferRefusedException refused => ClassifyTransferRefusal(refused.Reason),

            // The transfer completed; only the removal of its source (-RemoveSource) did not happen.
            SourceNotRemovedException => new(Prefix + "SourceNotRemoved", ErrorCategory.WriteError, false),
            FtpToolsException => new(Prefix + "Failed", ErrorCategory.NotSpecified, false),
            SocketException => new(Prefix + "ConnectFailed", ErrorCategory.ConnectionError, true),
            TimeoutException => new(Prefix + "Timeout", ErrorCategory.OperationTimeout, true),
            UnauthorizedAccessException => new(Prefix + "LocalAccessDenied", ErrorCategory.PermissionDenied, false),
            FileNotFoundException or DirectoryNotFoundException => new(Prefix + "LocalNotFound", ErrorCategory.ObjectNotFound, false),
            IOException => new(Prefix + "LocalIOError", ErrorCategory.WriteError, false),
            FormatException or ArgumentException => new(Prefix + "InvalidArgument", ErrorCategory.InvalidArgument, true),
            NotSupportedException or NotImplementedException => new(Prefix + "NotSupported", ErrorCategory.NotImplemented, true),
            _ => new(Prefix + "Unexpected", ErrorCategory.NotSpecified, true),
        };
    }

    public static ErrorRecord ToErrorRecord(Exception exception, object? target)
    {
        var inner = exception is AggregateException { InnerExceptions.Count: 1 } aggregate ? aggregate.InnerExceptions[0] : exception;
        var error = Classify(inner);
        return new ErrorRecord(inner, error.ErrorId, error.Category, target);
    }

    private static ErrorClass ClassifyRefusal(RemoteErrorKind kind) => kind switch
    {
        RemoteErrorKind.NotFound => new(Prefix + "RemoteNotFound", ErrorCategory.ObjectNotFound, false),
        RemoteErrorKind.PermissionDenied => new(Prefix + "PermissionDenied", ErrorCategory.PermissionDenied, false),
        RemoteErrorKind.AlreadyExists => new(Prefix + "RemoteExists", ErrorCategory.ResourceExists, false),
        RemoteErrorKind.Unsupported => new(Prefix + "NotSupportedByServer", ErrorCategory.NotImplemented, false),
        RemoteErrorKind.NotEmpty => new(Prefix + "DirectoryNotEmpty", ErrorCategory.InvalidOperation, false),
        RemoteErrorKind.QuotaExceeded => new(Prefix + "QuotaExceeded", ErrorCategory.QuotaExceeded, false),
        _ => new(Prefix + "CommandRefused", ErrorCategory.InvalidOperation, false),
    };

    private static ErrorClass ClassifyTransferRefusal(TransferRefusedReason reason) => reason switch
    {
        TransferRefusedReason.DestinationExists => new(Prefix + "DestinationExists", ErrorCategory.ResourceExists, false),
        TransferRefusedReason.UnsafeRemoteName => new(Prefix + "UnsafeRemoteName", ErrorCategory.SecurityError, false),
        TransferRefusedReason.SourceNotFound => new(Prefix + "SourceNotFound", ErrorCategory.ObjectNotFound, false),
        TransferRefusedReason.NothingToResume => new(Prefix + "NothingToResume", ErrorCategory.InvalidOperation, false),
        TransferRefusedReason.DestinationDirectoryNotFound => new(Prefix + "DestinationDirectoryNotFound", ErrorCategory.ObjectNotFound, false),
        TransferRefusedReason.SourceIsDirectory => new(Prefix + "SourceIsDirectory", ErrorCategory.InvalidOperation, false),
        _ => new(Prefix + "TransferRefused", ErrorCategory.InvalidOperation, false),
    };
}
