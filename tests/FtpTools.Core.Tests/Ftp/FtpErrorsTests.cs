using FtpTools.Core.Errors;
using FtpTools.Core.Ftp;
using Xunit;

namespace FtpTools.Core.Tests.Ftp;

public class FtpErrorsTests
{
    [Theory]
    // 550 is both "no such file" and "no access" (RFC 959); the words tell, where the server gives the system's.
    [InlineData(550, "/ro/.a.ftptools-part: Permission denied", false, RemoteErrorKind.PermissionDenied)]
    [InlineData(550, "PERMISSION DENIED", true, RemoteErrorKind.PermissionDenied)]
    [InlineData(550, "Could not create file.", false, RemoteErrorKind.Failure)]
    [InlineData(550, "No such file or directory", true, RemoteErrorKind.NotFound)]
    [InlineData(553, "Could not create file.", false, RemoteErrorKind.PermissionDenied)]
    [InlineData(552, "Permission denied", false, RemoteErrorKind.QuotaExceeded)]
    // EPERM: a change to a file the account does not own (ProFTPD answers MFMT with 501).
    [InlineData(550, "/a: Operation not permitted", true, RemoteErrorKind.PermissionDenied)]
    [InlineData(501, "/a: Operation not permitted", true, RemoteErrorKind.PermissionDenied)]
    [InlineData(501, "Invalid number of parameters", true, RemoteErrorKind.Failure)]
    [InlineData(500, "Permission denied", true, RemoteErrorKind.Unsupported)]
    public void A_refusal_has_the_kind_its_code_and_words_say(int code, string text, bool targetMustExist, RemoteErrorKind kind)
    {
        var refused = FtpErrors.Refused(new FtpReply((FtpReplyCode)code, new[] { text }), "STOR", "/ro/a", targetMustExist);

        Assert.Equal(kind, refused.Kind);
        Assert.Equal(code, refused.FtpReplyCode);
        Assert.Equal("/ro/a", refused.Path);
    }
}
