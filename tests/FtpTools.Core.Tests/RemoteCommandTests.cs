using System;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Tests.Servers;
using Xunit;

namespace FtpTools.Core.Tests;

/// <summary>Which command lines <see cref="RemoteCommand"/> sends as they are, and SFTP, which has none.</summary>
[Collection("sshd")]
public sealed class RemoteCommandTests
{
    private readonly SshdFixture _server;

    public RemoteCommandTests(SshdFixture server)
    {
        _server = server;
    }

    [Theory]
    [InlineData("SITE CHMOD 644 /a.txt")]
    [InlineData("site umask 022")]
    [InlineData("STAT")]
    [InlineData("HELP SITE")]
    [InlineData("FEAT")]
    [InlineData("OPTS MLST type;size;")]
    [InlineData("DELE /old.txt")]
    [InlineData("SIZE /a.txt")]
    public void Commands_that_leave_the_session_as_it_is_may_be_sent(string command)
    {
        Assert.Null(RemoteCommand.Check(command));
    }

    [Theory]
    [InlineData("cwd /x", "CWD is not sent as a raw command: it would change what FtpTools keeps track of in the session; use Set-FtpLocation.")]
    [InlineData("CDUP", "CDUP is not sent as a raw command: it would change what FtpTools keeps track of in the session; use Set-FtpLocation ...")]
    [InlineData("USER other", "USER is not sent as a raw command: it would change what FtpTools keeps track of in the session; logging in is Connect-FtpSession's.")]
    [InlineData("PROT C", "PROT is not sent as a raw command: it would change what FtpTools keeps track of in the session; TLS is set up by Connect-FtpSession (ftpes:// or ftps://).")]
    [InlineData("EPSV", "EPSV is not sent as a raw command: it would change what FtpTools keeps track of in the session; data connections are opened by the transfer and listing cmdlets.")]
    [InlineData("STOR x", "STOR is not sent as a raw command: it would change what FtpTools keeps track of in the session; use Send-FtpFile.")]
    [InlineData("RNFR a", "RNFR is not sent as a raw command: it would change what FtpTools keeps track of in the session; use Rename-FtpItem.")]
    [InlineData("TYPE A", "TYPE is not sent as a raw command: it would change what FtpTools keeps track of in the session; the transfer type is the session's (Connect-FtpSession -TransferMode).")]
    [InlineData("QUIT", "QUIT is not sent as a raw command: it would change what FtpTools keeps track of in the session; use Disconnect-FtpSession.")]
    [InlineData("opts utf8 on", "OPTS UTF8 is not sent as a raw command: the session's text encoding is agreed on at connect.")]
    [InlineData("", "The command is empty.")]
    [InlineData("   ", "The command is empty.")]
    [InlineData("NOOP\rPASS x", "A command is one line of printable text: it must not contain a carriage return, a line feed, a tab or another control character.")]
    [InlineData("NOOP\0", "A command is one line of printable text: it must not contain a carriage return, a line feed, a tab or another control character.")]
    [InlineData("REST\t1000", "A command is one line of printable text: it must not contain a carriage return, a line feed, a tab or another control character.")] // ProFTPD splits on a tab
    [InlineData("CWD\u007f/x", "A command is one line of printable text: it must not contain a carriage return, a line feed, a tab or another control character.")]
    [InlineData("opts hash md5", "OPTS HASH is not sent as a raw command: the session keeps track of the algorithm it selected; use Get-FtpFileHash -Algorithm.")]
    public void Commands_that_would_take_the_session_out_of_step_are_refused_with_what_to_use_instead(string command, string reason)
    {
        Assert.Equal(reason, RemoteCommand.Check(command));
    }

    [Fact]
    public void A_command_longer_than_the_limit_is_refused()
    {
        Assert.Null(RemoteCommand.Check("SITE " + new string('x', RemoteCommand.MaxLength - 5)));
        Assert.Equal($"The command is {RemoteCommand.MaxLength + 1} characters long; at most {RemoteCommand.MaxLength} are sent.", RemoteCommand.Check("SITE " + new string('x', RemoteCommand.MaxLength - 4)));
    }

    [Fact]
    public async Task An_SFTP_session_has_no_raw_commands_and_stays_usable()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var session = await RemoteSessionFactory.ConnectAsync(
            new ConnectionOptions
            {
                Protocol = RemoteProtocol.Sftp,
                Host = _server.Host,
                Port = _server.Port,
                Credential = new NetworkCredential(_server.UserName, _server.Password),
                Ssh = new SshOptions { HostKeyFingerprints = _server.HostKeyFingerprints },
            },
            timeout.Token);

        var error = await Assert.ThrowsAsync<NotSupportedException>(() => RemoteCommand.SendAsync(session, "SITE CHMOD 644 x", timeout.Token));

        Assert.Equal("SFTP has no commands to send as they are; Invoke-FtpCommand works on FTP, FTPES and FTPS sessions.", error.Message);
        Assert.NotNull(await session.GetItemAsync(_server.RemoteRoot, timeout.Token));
    }
}
