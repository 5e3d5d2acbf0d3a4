using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;
using Xunit;
using Xunit.Abstractions;

namespace FtpTools.Core.Tests.Ftp;

/// <summary>
/// Which login commands go out without waiting for the answer before: all of those that do not depend on each other,
/// to the servers known to read one command line at a time; one at a time to every other server.
/// </summary>
public sealed class FtpLoginPipeliningTests : IDisposable
{
    private readonly ITestOutputHelper _output;
    private readonly RecordingLog _log = new();
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(60));

    public FtpLoginPipeliningTests(ITestOutputHelper output)
    {
        _output = output;
    }

    public void Dispose()
    {
        _output.WriteLine(_log.ToString());
        _timeout.Dispose();
    }

    [Theory]
    [InlineData("220 (vsFTPd 3.0.3)\r\n", true)]
    [InlineData("220 ProFTPD Server (Debian) [127.0.0.1]\r\n", true)]
    [InlineData("220---------- Welcome to Pure-FTPd [privsep] [TLS] ----------\r\n220 You will be disconnected after 15 minutes of inactivity.\r\n", true)]
    [InlineData("220 fake ready\r\n", false)]
    [InlineData("220 Microsoft FTP Service\r\n", false)]
    public async Task Login_questions_go_together_only_to_servers_known_to_read_one_line_at_a_time(string greeting, bool together)
    {
        var seen = new List<(string Command, int UnreadBehind)>();
        await using var server = FakeFtpServer.Start(
            (connection, command) =>
            {
                lock (seen)
                {
                    seen.Add((command, connection.UnreadBytes));
                }

                return Task.FromResult(false);
            },
            greeting: greeting,
            features: " EPSV\r\n UTF8\r\n");

        await using (var session = await RemoteSessionFactory.ConnectAsync(Options(server), _timeout.Token))
        {
            // Each answer went to its own question.
            Assert.Equal("/", session.CurrentDirectory);
            Assert.Equal("UNIX Type: L8", session.Info.ServerSystem);
            Assert.Contains("UTF8", session.Info.Features);
        }

        List<(string Command, int UnreadBehind)> login;
        lock (seen)
        {
            login = seen.Take(7).ToList();
        }

        Assert.Equal(new[] { "USER user", "PASS secret", "SYST", "FEAT", "OPTS UTF8 ON", "TYPE I", "PWD" }, login.Select(s => s.Command));

        // A command with more of the client's bytes behind it, unread by the server, was sent before its answer.
        var sentAhead = login.Where(s => s.UnreadBehind > 0).Select(s => s.Command).ToArray();
        Assert.Equal(together ? new[] { "USER user", "SYST", "FEAT", "OPTS UTF8 ON", "TYPE I" } : Array.Empty<string>(), sentAhead);
    }

    [Theory]
    [InlineData("220 (vsFTPd 3.0.3)\r\n", "230 no password needed", true)]
    [InlineData("220 fake ready\r\n", "230 no password needed", false)]
    [InlineData("220 (vsFTPd 3.0.3)\r\n", "530 not allowed here", true)]
    [InlineData("220 fake ready\r\n", "530 not allowed here", false)]
    public async Task PASS_counts_only_when_USER_asked_for_it_whether_it_went_out_with_USER_or_not(string greeting, string userAnswer, bool together)
    {
        var commands = new List<string>();
        await using var server = FakeFtpServer.Start(
            async (connection, command) =>
            {
                lock (commands)
                {
                    commands.Add(command);
                }

                var answer = command.StartsWith("USER ", StringComparison.Ordinal) ? userAnswer
                    : command.StartsWith("PASS ", StringComparison.Ordinal) ? "503 Login with USER first"
                    : null;
                if (answer is not null)
                {
                    await connection.SendAsync(answer + "\r\n");
                }

                return answer is not null;
            },
            greeting: greeting);

        if (userAnswer.StartsWith("230", StringComparison.Ordinal))
        {
            await using var session = await RemoteSessionFactory.ConnectAsync(Options(server), _timeout.Token);
            Assert.Equal("UNIX Type: L8", session.Info.ServerSystem);
            Assert.Equal("/", session.CurrentDirectory);
        }
        else
        {
            var refused = await Assert.ThrowsAsync<AuthenticationFailedException>(() => RemoteSessionFactory.ConnectAsync(Options(server), _timeout.Token));
            Assert.Equal("The server refused the login of user 'user': 530 not allowed here", refused.Message);
        }

        lock (commands)
        {
            // The password went out only with USER, to a server that reads ahead; never after a USER that did not ask.
            Assert.Equal(together, commands.Contains("PASS secret"));
            Assert.Equal("USER user", commands[0]);
        }

        Assert.DoesNotContain(_log.Lines, l => l.Contains("secret", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("220 (vsFTPd 3.0.3)\r\n", true)]
    [InlineData("220 fake ready\r\n", false)]
    public async Task OPTS_UTF8_goes_with_the_login_questions_to_servers_that_read_ahead_and_a_refusal_changes_nothing(string greeting, bool asked)
    {
        // FEAT does not list UTF8 here: a server asked one question at a time is not asked; one that reads ahead was
        // asked before FEAT's answer came, and refuses.
        var commands = new List<string>();
        await using var server = FakeFtpServer.Start(
            async (connection, command) =>
            {
                lock (commands)
                {
                    commands.Add(command);
                }

                if (command == "OPTS UTF8 ON")
                {
                    await connection.SendAsync("501 no such option\r\n");
                    return true;
                }

                return false;
            },
            greeting: greeting,
            features: " EPSV\r\n");

        await using (var session = await RemoteSessionFactory.ConnectAsync(Options(server), _timeout.Token))
        {
            Assert.Equal("/", session.CurrentDirectory);
            Assert.Equal("UNIX Type: L8", session.Info.ServerSystem);
            Assert.Equal(new[] { "EPSV" }, session.Info.Features);
        }

        lock (commands)
        {
            Assert.Equal(
                asked ? new[] { "USER user", "PASS secret", "SYST", "FEAT", "OPTS UTF8 ON", "TYPE I", "PWD" } : new[] { "USER user", "PASS secret", "SYST", "FEAT", "TYPE I", "PWD" },
                commands.Take(asked ? 7 : 6));
        }
    }

    [Theory]
    [InlineData("220 (vsFTPd 3.0.3)\r\n", true)]
    [InlineData("220 ProFTPD Server (Debian) [127.0.0.1]\r\n", true)]
    [InlineData("220 fake ready\r\n", false)]
    [InlineData("220 Microsoft FTP Service\r\n", false)]
    public async Task A_rename_is_left_to_be_answered_later_only_by_servers_known_to_read_one_line_at_a_time(string greeting, bool behind)
    {
        await using var server = FakeFtpServer.Start(
            async (connection, command) =>
            {
                var answer = command.StartsWith("RNFR ", StringComparison.Ordinal) ? "350 go on\r\n"
                    : command.StartsWith("RNTO ", StringComparison.Ordinal) ? "250 renamed\r\n"
                    : null;
                if (answer is not null)
                {
                    await connection.SendAsync(answer);
                }

                return answer is not null;
            },
            greeting: greeting);
        await using var session = await RemoteSessionFactory.ConnectAsync(Options(server), _timeout.Token);

        var renamed = await ((IRenameBehind)session).SendRenameAsync("/in/a.csv", "/done/a.csv", overwrite: true, _timeout.Token);

        // Sent behind: answered with the next command. Otherwise done before the call returned.
        Assert.Equal(!behind, renamed.IsCompleted);
        await session.KeepAliveAsync(_timeout.Token);
        Assert.True(renamed.IsCompletedSuccessfully);
        Assert.Contains("RNFR /in/a.csv\nRNTO /done/a.csv\nNOOP\n", server.Received.ToString(), StringComparison.Ordinal);
        Assert.Equal(behind, _log.Lines.ToList().IndexOf("> NOOP") < _log.Lines.ToList().IndexOf("< 250 renamed"));
    }

    private ConnectionOptions Options(FakeFtpServer server) => new()
    {
        Protocol = RemoteProtocol.Ftp,
        Host = "127.0.0.1",
        Port = server.Port,
        Credential = new NetworkCredential("user", "secret"),
        OperationTimeout = TimeSpan.FromSeconds(10),
        ConnectTimeout = TimeSpan.FromSeconds(5),
        Log = _log,
    };
}
