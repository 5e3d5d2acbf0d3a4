using System;
using System.IO;
using System.Management.Automation;
using System.Net.Sockets;
using FtpTools.Core.Errors;
using FtpTools.Infrastructure;
using Xunit;

namespace FtpTools.Tests;

public class ErrorMappingTests
{
    public static TheoryData<Exception, string, ErrorCategory, bool> Cases => new()
    {
        { new TrustFailureException("untrusted", "SHA256:x", TrustFailureReason.UnknownHostKey), "FtpTools.TrustFailure", ErrorCategory.SecurityError, true },
        { new AuthenticationFailedException("530 Login incorrect."), "FtpTools.AuthenticationFailed", ErrorCategory.AuthenticationError, true },
        { new ProtocolViolationException("bad MAC"), "FtpTools.ProtocolViolation", ErrorCategory.ProtocolError, true },
        { new ConnectionLostException("reset"), "FtpTools.ConnectionLost", ErrorCategory.ConnectionError, true },
        { new DataConnectionFailedException("RETR /a failed: reset. The server said: 426 aborted.", stalled: false, 426, "/a"), "FtpTools.DataConnectionFailed", ErrorCategory.ConnectionError, false },
        { new DataConnectionFailedException("stalled", stalled: true), "FtpTools.DataConnectionFailed", ErrorCategory.ConnectionError, false },
        { new CommandRefusedException("550 No such file", RemoteErrorKind.NotFound, 550), "FtpTools.RemoteNotFound", ErrorCategory.ObjectNotFound, false },
        { new CommandRefusedException("denied", RemoteErrorKind.PermissionDenied, sftpStatus: 3), "FtpTools.PermissionDenied", ErrorCategory.PermissionDenied, false },
        { new CommandRefusedException("exists", RemoteErrorKind.AlreadyExists), "FtpTools.RemoteExists", ErrorCategory.ResourceExists, false },
        { new CommandRefusedException("502 MFMT", RemoteErrorKind.Unsupported, 502), "FtpTools.NotSupportedByServer", ErrorCategory.NotImplemented, false },
        { new CommandRefusedException("not empty", RemoteErrorKind.NotEmpty), "FtpTools.DirectoryNotEmpty", ErrorCategory.InvalidOperation, false },
        { new CommandRefusedException("552", RemoteErrorKind.QuotaExceeded, 552), "FtpTools.QuotaExceeded", ErrorCategory.QuotaExceeded, false },
        { new CommandRefusedException("451", RemoteErrorKind.Failure, 451), "FtpTools.CommandRefused", ErrorCategory.InvalidOperation, false },
        { new TransferRefusedException("exists", TransferRefusedReason.DestinationExists), "FtpTools.DestinationExists", ErrorCategory.ResourceExists, false },
        { new TransferRefusedException("..", TransferRefusedReason.UnsafeRemoteName), "FtpTools.UnsafeRemoteName", ErrorCategory.SecurityError, false },
        { new TransferRefusedException("missing", TransferRefusedReason.SourceNotFound), "FtpTools.SourceNotFound", ErrorCategory.ObjectNotFound, false },
        { new TransferRefusedException("nothing", TransferRefusedReason.NothingToResume), "FtpTools.NothingToResume", ErrorCategory.InvalidOperation, false },
        { new TransferRefusedException("no /archive", TransferRefusedReason.DestinationDirectoryNotFound), "FtpTools.DestinationDirectoryNotFound", ErrorCategory.ObjectNotFound, false },
        // A completed transfer whose source stayed (-RemoveSource), even when the connection went with it: the file is in place.
        { new SourceNotRemovedException("kept", "/out/a.csv", new CommandRefusedException("550 denied", RemoteErrorKind.PermissionDenied)), "FtpTools.SourceNotRemoved", ErrorCategory.WriteError, false },
        { new SourceNotRemovedException("kept", "/out/a.csv", new ConnectionLostException("gone")), "FtpTools.SourceNotRemoved", ErrorCategory.WriteError, false },
        { new FtpToolsException("other"), "FtpTools.Failed", ErrorCategory.NotSpecified, false },
        { new SocketException((int)SocketError.ConnectionRefused), "FtpTools.ConnectFailed", ErrorCategory.ConnectionError, true },
        { new ConnectFailedException("refused"), "FtpTools.ConnectFailed", ErrorCategory.ConnectionError, true },
        { new TimeoutException("slow"), "FtpTools.Timeout", ErrorCategory.OperationTimeout, true },
        { new UnauthorizedAccessException("local"), "FtpTools.LocalAccessDenied", ErrorCategory.PermissionDenied, false },
        { new FileNotFoundException("local"), "FtpTools.LocalNotFound", ErrorCategory.ObjectNotFound, false },
        { new DirectoryNotFoundException("local"), "FtpTools.LocalNotFound", ErrorCategory.ObjectNotFound, false },
        { new IOException("disk full"), "FtpTools.LocalIOError", ErrorCategory.WriteError, false },
        { new ArgumentException("bad"), "FtpTools.InvalidArgument", ErrorCategory.InvalidArgument, true },
        { new FormatException("bad"), "FtpTools.InvalidArgument", ErrorCategory.InvalidArgument, true },
        { new NotImplementedException("not yet"), "FtpTools.NotSupported", ErrorCategory.NotImplemented, true },
        { new InvalidOperationException("bug"), "FtpTools.Unexpected", ErrorCategory.NotSpecified, true },
        { new AggregateException(new ConnectionLostException("reset")), "FtpTools.ConnectionLost", ErrorCategory.ConnectionError, true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Each_failure_has_a_stable_id_category_and_severity(Exception exception, string errorId, ErrorCategory category, bool terminating)
    {
        var error = ErrorMapping.Classify(exception);

        Assert.Equal(errorId, error.ErrorId);
        Assert.Equal(category, error.Category);
        Assert.Equal(terminating, error.Terminating);
    }

    [Fact]
    public void Per_item_failures_let_a_batch_go_on_and_session_failures_do_not()
    {
        Assert.True(Commands.FtpToolsCmdlet.IsPerItemFailure(new TransferRefusedException("exists", TransferRefusedReason.DestinationExists)));
        Assert.True(Commands.FtpToolsCmdlet.IsPerItemFailure(new CommandRefusedException("550", RemoteErrorKind.NotFound, 550)));
        Assert.True(Commands.FtpToolsCmdlet.IsPerItemFailure(new DataConnectionFailedException("426", stalled: false, 426)));
        Assert.False(Commands.FtpToolsCmdlet.IsPerItemFailure(new ConnectionLostException("reset")));
        Assert.False(Commands.FtpToolsCmdlet.IsPerItemFailure(new OperationCanceledException()));
    }

    [Fact]
    public void Error_ids_all_start_with_the_module_prefix()
    {
        foreach (var row in Cases)
        {
            Assert.StartsWith(ErrorMapping.Prefix, (string)row[1], StringComparison.Ordinal);
        }
    }
}
