using System;
using System.Diagnostics;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;
using FtpTools.Core.Ftp;
using FtpTools.Core.Transfers;
using Xunit;
using Xunit.Abstractions;
using ProtocolViolationException = FtpTools.Core.Errors.ProtocolViolationException;

namespace FtpTools.Core.Tests.Ftp;

/// <summary>Broken and hostile peers, scripted with <see cref="FakeFtpServer"/>: each gives a clear error or is neutralised, and nothing hangs.</summary>
public sealed class FtpHostileServerTests : IDisposable
{
    private const string Listing =
        "-rw-r--r--   1 u g 5 Jan 01  2020 ok.txt\r\n" +
        "-rw-r--r--   1 u g 5 Jan 01  2020 ../evil\r\n" +
        "-rw-r--r--   1 u g 5 Jan 01  2020 /etc/passwd\r\n" +
        "drwxr-xr-x   2 u g 4096 Jan 01  2020 sub/dir\r\n";

    private readonly ITestOutputHelper _output;
    private readonly RecordingLog _log = new();
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(60));

    public FtpHostileServerTests(ITestOutputHelper output)
    {
        _output = output;
    }

    public void Dispose()
    {
        _output.WriteLine(_log.ToString());
        _timeout.Dispose();
    }

    [Fact]
    public async Task Implicit_FTPS_to_a_server_that_greets_in_clear_text_says_so_at_once()
    {
        await using var server = FakeFtpServer.Start((_, _) => Task.FromResult(false), greeting: "220 (vsFTPd 3.0.3)");
        var watch = Stopwatch.StartNew();

        var ex = await Assert.ThrowsAsync<ConnectionLostException>(() => RemoteSessionFactory.ConnectAsync(Options(server, protocol: RemoteProtocol.Ftps, host: "localhost"), _timeout.Token));

        Assert.Contains("A server that starts in clear text (plain FTP, or FTPES: ftpes:// for that port) answers implicit FTPS this way.", ex.Message, StringComparison.Ordinal);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), watch.Elapsed.ToString());
    }

    [Fact]
    public async Task An_endless_reply_line_is_a_protocol_violation()
    {
        await using var server = FakeFtpServer.Start((_, _) => Task.FromResult(false), greeting: "220 " + new string('x', 200_000));
        var watch = Stopwatch.StartNew();
        var ex = await Assert.ThrowsAsync<ProtocolViolationException>(() => RemoteSessionFactory.ConnectAsync(Options(server), _timeout.Token));
        Assert.Contains("longer than 8192 bytes", ex.Message, StringComparison.Ordinal);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), watch.Elapsed.ToString());
    }

    [Fact]
    public async Task A_reply_that_never_ends_times_out()
    {
        await using var server = FakeFtpServer.Start((_, _) => Task.FromResult(false), greeting: "220-welcome\r\n220-still welcoming\r\n");
        var watch = Stopwatch.StartNew();
        var options = Options(server, operationTimeout: TimeSpan.FromSeconds(1));
        var ex = await Assert.ThrowsAsync<ConnectionLostException>(() => RemoteSessionFactory.ConnectAsync(options, _timeout.Token));
        Assert.Contains("did not respond within 1 s", ex.Message, StringComparison.Ordinal);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), watch.Elapsed.ToString());
    }

    [Fact]
    public async Task A_reply_stalling_mid_session_kills_only_that_session_with_a_timeout()
    {
        await using var server = FakeFtpServer.Start((_, command) => Task.FromResult(command == "NOOP"));
        await using var session = await RemoteSessionFactory.ConnectAsync(Options(server, operationTimeout: TimeSpan.FromSeconds(1)), _timeout.Token);
        var ex = await Assert.ThrowsAsync<ConnectionLostException>(() => session.KeepAliveAsync(_timeout.Token));
        Assert.Contains("did not respond within 1 s", ex.Message, StringComparison.Ordinal);
        Assert.False(session.IsConnected);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(300)]
    public async Task A_421_sent_unasked_to_an_idle_session_ends_it_before_the_next_command_is_sent(int delayMilliseconds)
    {
        // As a server does when it drops an idle session; here without closing the connection, so only the reply
        // tells. With no delay it comes in the same read as the answer before it; with one, it waits on the socket.
        await using var server = FakeFtpServer.Start(async (connection, command) =>
        {
            if (command != "NOOP")
            {
                return false;
            }

            await connection.SendAsync("200 NOOP ok.\r\n");
            await Task.Delay(delayMilliseconds);
            await connection.SendAsync("421 Timeout.\r\n");
            return true;
        });
        await using var session = await RemoteSessionFactory.ConnectAsync(Options(server), _timeout.Token);
        await session.KeepAliveAsync(_timeout.Token);

        var watch = Stopwatch.StartNew();
        while (session.IsConnected)
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), "The session still says it is connected 10 s after the server's 421.");
            await Task.Delay(20, _timeout.Token);
        }

        Assert.Contains("< 421 Timeout.", _log.Lines);
        var ex = await Assert.ThrowsAsync<ConnectionLostException>(() => session.GetItemAsync("/a.txt", _timeout.Token));
        Assert.Equal("The FTP session is no longer usable: The server closed the session: 421 Timeout.", ex.Message);
        Assert.DoesNotContain("a.txt", server.Received.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_idle_session_whose_server_sent_something_else_unasked_stays_connected()
    {
        // Not a 421: the session does not guess; the next command's read meets the stray line.
        await using var server = FakeFtpServer.Start(async (connection, command) =>
        {
            if (command != "NOOP")
            {
                return false;
            }

            await connection.SendAsync("200 NOOP ok.\r\n");
            await Task.Delay(100);
            await connection.SendAsync("200 Stray.\r\n");
            return true;
        });
        await using var session = await RemoteSessionFactory.ConnectAsync(Options(server), _timeout.Token);
        await session.KeepAliveAsync(_timeout.Token);
        await Task.Delay(500, _timeout.Token);

        Assert.True(session.IsConnected);
        Assert.DoesNotContain("< 200 Stray.", _log.Lines);
    }

    [Fact]
    public async Task An_idle_session_whose_server_closed_the_connection_behind_unread_bytes_is_lost_on_linux()
    {
        // The end of the stream waits behind the stray line; only the kernel's TCP state (TCP_INFO, read on Linux only)
        // tells it is there. Elsewhere the next command's read meets it.
        await using var server = FakeFtpServer.Start(async (connection, command) =>
        {
            if (command != "NOOP")
            {
                return false;
            }

            await connection.SendAsync("200 NOOP ok.\r\n");
            await Task.Delay(100);
            await connection.SendAsync("200 Stray.\r\n");
            connection.Close();
            return true;
        });
        await using var session = await RemoteSessionFactory.ConnectAsync(Options(server), _timeout.Token);
        await session.KeepAliveAsync(_timeout.Token);

        if (!OperatingSystem.IsLinux())
        {
            await Task.Delay(500, _timeout.Token);
            Assert.True(session.IsConnected);
            await Assert.ThrowsAsync<ConnectionLostException>(() => session.GetItemAsync("/a.txt", _timeout.Token));
            return;
        }

        var watch = Stopwatch.StartNew();
        while (session.IsConnected)
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), "The session still says it is connected 10 s after the server closed the connection.");
            await Task.Delay(20, _timeout.Token);
        }

        var ex = await Assert.ThrowsAsync<ConnectionLostException>(() => session.GetItemAsync("/a.txt", _timeout.Token));
        Assert.Equal("The FTP session is no longer usable: The server closed the connection while it was not in use.", ex.Message);
        Assert.DoesNotContain("a.txt", server.Received.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_rename_sent_behind_whose_answer_never_comes_fails_and_says_it_may_have_been_done(bool sendsNoMore)
    {
        // The server takes RNFR and RNTO, then ends the connection without a word: the rename may or may not have
        // happened, and the task of the rename says so whichever way the session learns of it (the next command's
        // read, or the session being closed).
        await using var server = FakeFtpServer.Start(
            (connection, command) =>
            {
                if (command.StartsWith("RNTO ", StringComparison.Ordinal))
                {
                    connection.Close();
                }

                return Task.FromResult(command.StartsWith("RN", StringComparison.Ordinal));
            },
            greeting: "220 (vsFTPd 3.0.3)\r\n");
        var session = await RemoteSessionFactory.ConnectAsync(Options(server), _timeout.Token);
        var renamed = await ((IRenameBehind)session).SendRenameAsync("/in/a.csv", "/done/a.csv", overwrite: true, _timeout.Token);
        Assert.False(renamed.IsCompleted);

        if (sendsNoMore)
        {
            await session.DisposeAsync();
        }
        else
        {
            await Assert.ThrowsAsync<ConnectionLostException>(() => session.GetItemAsync("/done/a.csv", _timeout.Token));
        }

        var lost = await Assert.ThrowsAsync<ConnectionLostException>(() => renamed.WaitAsync(_timeout.Token));
        Assert.StartsWith("The server's answer to the rename of /in/a.csv to /done/a.csv was not read, so it may or may not have been done: ", lost.Message, StringComparison.Ordinal);
        Assert.False(session.IsConnected);
        Assert.Contains("RNFR /in/a.csv\nRNTO /done/a.csv\n", server.Received.ToString(), StringComparison.Ordinal);
        await session.DisposeAsync();
    }

    [Fact]
    public async Task A_rename_sent_behind_to_a_server_that_falls_silent_fails_with_the_cause()
    {
        await using var server = FakeFtpServer.Start(
            (_, command) => Task.FromResult(command.StartsWith("RN", StringComparison.Ordinal) || command == "NOOP"),
            greeting: "220 (vsFTPd 3.0.3)\r\n");
        await using var session = await RemoteSessionFactory.ConnectAsync(Options(server, operationTimeout: TimeSpan.FromSeconds(1)), _timeout.Token);
        var renamed = await ((IRenameBehind)session).SendRenameAsync("/in/a.csv", "/done/a.csv", overwrite: true, _timeout.Token);

        var next = await Assert.ThrowsAsync<ConnectionLostException>(() => session.KeepAliveAsync(_timeout.Token));

        Assert.Equal("The server did not respond within 1 s (waiting for a reply).", next.Message);
        var lost = await Assert.ThrowsAsync<ConnectionLostException>(() => renamed.WaitAsync(_timeout.Token));
        Assert.Equal("The server's answer to the rename of /in/a.csv to /done/a.csv was not read, so it may or may not have been done: The server did not respond within 1 s (waiting for a reply).", lost.Message);
    }

    [Fact]
    public async Task Cancelling_the_command_after_a_rename_sent_behind_still_reads_the_renames_answer()
    {
        // The rename's answers come 300 ms late, NOOP's later still; NOOP is cancelled after 100 ms. The rename is an
        // earlier file's, complete and checked: its answer is read whatever happens to the command after it.
        await using var server = FakeFtpServer.Start(
            async (connection, command) =>
            {
                switch (command.Split(' ')[0])
                {
                    case "RNFR":
                        return true;
                    case "RNTO":
                        await Task.Delay(300);
                        await connection.SendAsync("350 go on\r\n250 renamed\r\n");
                        return true;
                    case "NOOP":
                        await Task.Delay(300);
                        await connection.SendAsync("200 ok\r\n");
                        return true;
                    default:
                        return false;
                }
            },
            greeting: "220 (vsFTPd 3.0.3)\r\n");
        await using var session = await RemoteSessionFactory.ConnectAsync(Options(server), _timeout.Token);
        var renamed = await ((IRenameBehind)session).SendRenameAsync("/in/a.csv", "/done/a.csv", overwrite: true, _timeout.Token);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => session.KeepAliveAsync(cancel.Token));

        await renamed.WaitAsync(_timeout.Token);
        Assert.False(session.IsConnected);
        Assert.Contains("< 250 renamed", _log.Lines);
    }

    [Fact]
    public async Task A_passive_reply_naming_another_host_is_ignored_and_unsafe_listing_names_are_dropped_and_logged()
    {
        TcpListener? data = null;
        await using var server = FakeFtpServer.Start(async (connection, command) =>
        {
            switch (command)
            {
                case "EPSV":
                    await connection.SendAsync("500 EPSV not understood\r\n");
                    return true;
                case "PASV":
                    data = connection.ListenForData();
                    var port = ((IPEndPoint)data.LocalEndpoint).Port;
                    await connection.SendAsync($"227 Entering Passive Mode (10,1,2,3,{port >> 8},{port & 0xFF})\r\n");
                    return true;
                case "LIST -a":
                    await connection.SendAsync("150 here it comes\r\n");
                    await FakeFtpConnection.SendDataAsync(data!, Listing);
                    await connection.SendAsync("226 done\r\n");
                    return true;
                default:
                    return false;
            }
        });
        await using var session = await RemoteSessionFactory.ConnectAsync(Options(server), _timeout.Token);
        var items = await session.ListDirectoryAsync("/", _timeout.Token);

        var item = Assert.Single(items);
        Assert.Equal("ok.txt", item.Name);
        Assert.Equal("/ok.txt", item.FullName);
        Assert.Contains(_log.Lines, line => line.Contains("names 10.1.2.3; connecting to the server's address 127.0.0.1", StringComparison.Ordinal));
        Assert.Equal(3, _log.Lines.Count(line => line.StartsWith("* Listing line", StringComparison.Ordinal) && line.Contains("ignored", StringComparison.Ordinal)));
        Assert.Contains(_log.Lines, line => line.Contains("../evil", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_listing_that_arrives_in_small_pieces_is_parsed_line_by_line_as_sent()
    {
        // Lines are parsed as they arrive; pieces of 1-7 bytes split CRLFs, multi-byte UTF-8 characters and a line
        // longer than one read, and the last line has no line end.
        var longName = new string('n', 300);
        var listing = "total 3\r\n"
            + "-rw-r--r--   1 ftp      ftp          4096 Nov 21 13:34 a.txt\r\n"
            + "drwxr-xr-x   2 ftp      ftp          4096 Jan  1  2020 Verzeichnis äöü\r\n"
            + "-rw-r--r--   1 ftp      ftp             7 Nov 21 13:34 ../escape\r\n"
            + "-rw-r--r--   1 ftp      ftp    9223372036854775807 Nov 21 13:34 " + longName + "\n"
            + "lrwxrwxrwx   1 ftp      ftp             5 Nov 21 13:34 日本語 -> a.txt";
        TcpListener? data = null;
        await using var server = FakeFtpServer.Start(async (connection, command) =>
        {
            switch (command)
            {
                case "EPSV":
                    data = connection.ListenForData();
                    await connection.SendAsync($"229 Entering Extended Passive Mode (|||{((IPEndPoint)data.LocalEndpoint).Port}|)\r\n");
                    return true;
                case "LIST -a":
                    await connection.SendAsync("150 here it comes\r\n");
                    await FakeFtpConnection.SendDataInPiecesAsync(data!, Encoding.UTF8.GetBytes(listing), maxPiece: 7, seed: 20261122);
                    await connection.SendAsync("226 done\r\n");
                    return true;
                default:
                    return false;
            }
        });
        await using var session = await RemoteSessionFactory.ConnectAsync(Options(server), _timeout.Token);
        var items = await session.ListDirectoryAsync("/in", _timeout.Token);

        Assert.Equal(
            new[]
            {
                "File|/in/a.txt|4096",
                "Directory|/in/Verzeichnis äöü|4096",
                "File|/in/" + longName + "|9223372036854775807",
                "SymbolicLink|/in/日本語|5",
            },
            items.Select(i => $"{i.Kind}|{i.FullName}|{i.Length}"));
        Assert.Equal("a.txt", items[3].LinkTarget);
        Assert.Single(_log.Lines, line => line.StartsWith("* Listing line 4 of /in ignored", StringComparison.Ordinal) && line.Contains("../escape", StringComparison.Ordinal));

        // The listing was read to its end and its final reply before the next command, which gets its own answer.
        await session.KeepAliveAsync(_timeout.Token);
        string received;
        lock (server.Received)
        {
            received = server.Received.ToString();
        }

        Assert.EndsWith("CWD /in\nEPSV\nLIST -a\nNOOP\n", received, StringComparison.Ordinal);
        Assert.True(session.IsConnected);
    }

    [Fact]
    public async Task Refused_auth_tls_is_an_authentication_failure_and_no_password_is_sent()
    {
        await using var server = FakeFtpServer.Start(async (connection, command) =>
        {
            if (command == "AUTH TLS")
            {
                await connection.SendAsync("502 no TLS here\r\n");
                return true;
            }

            return false;
        });
        var options = Options(server, protocol: RemoteProtocol.Ftpes);
        var ex = await Assert.ThrowsAsync<AuthenticationFailedException>(() => RemoteSessionFactory.ConnectAsync(options, _timeout.Token));
        Assert.Contains("refused to start TLS (AUTH TLS): 502 no TLS here", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("PASS", server.Received.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Passive_listing_over_ipv6_uses_epsv()
    {
        TcpListener? data = null;
        await using var server = FakeFtpServer.Start(
            async (connection, command) =>
            {
                switch (command)
                {
                    case "EPSV":
                        data = connection.ListenForData();
                        await connection.SendAsync($"229 Entering Extended Passive Mode (|||{((IPEndPoint)data.LocalEndpoint).Port}|)\r\n");
                        return true;
                    case "LIST -a":
                        await connection.SendAsync("150 here it comes\r\n");
                        await FakeFtpConnection.SendDataAsync(data!, Listing);
                        await connection.SendAsync("226 done\r\n");
                        return true;
                    default:
                        return false;
                }
            },
            address: IPAddress.IPv6Loopback);
        await using var session = await RemoteSessionFactory.ConnectAsync(Options(server, host: "::1"), _timeout.Token);
        Assert.Equal("ok.txt", Assert.Single(await session.ListDirectoryAsync("/", _timeout.Token)).Name);
        Assert.Contains("* Data connection to [::1]:", string.Join("\n", _log.Lines), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Active_listing_over_ipv6_uses_eprt()
    {
        var port = 0;
        await using var server = FakeFtpServer.Start(
            async (connection, command) =>
            {
                if (command.StartsWith("EPRT |2|::1|", StringComparison.Ordinal))
                {
                    port = int.Parse(command.Split('|')[3], System.Globalization.CultureInfo.InvariantCulture);
                    await connection.SendAsync("200 EPRT ok\r\n");
                    return true;
                }

                if (command == "LIST -a")
                {
                    await connection.SendAsync("150 connecting to you\r\n");
                    using var client = new TcpClient(AddressFamily.InterNetworkV6);
                    await client.ConnectAsync(IPAddress.IPv6Loopback, port);
                    await client.GetStream().WriteAsync(Encoding.UTF8.GetBytes(Listing));
                    client.Client.Shutdown(SocketShutdown.Send);
                    await connection.SendAsync("226 done\r\n");
                    return true;
                }

                return false;
            },
            address: IPAddress.IPv6Loopback);
        await using var session = await RemoteSessionFactory.ConnectAsync(Options(server, host: "::1", mode: FtpDataMode.Active), _timeout.Token);
        Assert.Equal("ok.txt", Assert.Single(await session.ListDirectoryAsync("/", _timeout.Token)).Name);
    }

    [Fact]
    public async Task Remote_hashes_use_hash_or_the_x_commands_the_server_offers()
    {
        const string Sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
        await using var server = FakeFtpServer.Start(
            async (connection, command) =>
            {
                switch (command)
                {
                    case "HASH /f.txt":
                        await connection.SendAsync($"213 SHA-256 0-4 {Sha256.ToUpperInvariant()} /f.txt\r\n");
                        return true;
                    case "XCRC /f.txt":
                        await connection.SendAsync("250 D87F7E0C\r\n");
                        return true;
                    default:
                        return false;
                }
            },
            features: " EPSV\r\n HASH SHA-256*;SHA-1;MD5\r\n XCRC\r\n");
        await using var session = await RemoteSessionFactory.ConnectAsync(Options(server), _timeout.Token);
        var hashes = Assert.IsAssignableFrom<IRemoteHashProvider>(session);
        Assert.Equal(new[] { RemoteHashAlgorithm.Sha256, RemoteHashAlgorithm.Sha1, RemoteHashAlgorithm.Md5, RemoteHashAlgorithm.Crc32 }, hashes.SupportedHashAlgorithms);
        Assert.Equal(Sha256, await hashes.ComputeHashAsync("/f.txt", RemoteHashAlgorithm.Sha256, null, _timeout.Token));
        Assert.Equal("d87f7e0c", await hashes.ComputeHashAsync("f.txt", RemoteHashAlgorithm.Crc32, null, _timeout.Token));
        Assert.DoesNotContain("OPTS HASH", server.Received.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_hash_command_the_server_announces_but_refuses_is_replaced_by_reading_the_file()
    {
        TcpListener? data = null;
        await using var server = FakeFtpServer.Start(
            async (connection, command) =>
            {
                switch (command)
                {
                    case "MLST /f.txt":
                        await connection.SendAsync("250-Listing /f.txt\r\n type=file;size=4; /f.txt\r\n250 End\r\n");
                        return true;
                    case "EPSV":
                        data = connection.ListenForData();
                        await connection.SendAsync($"229 Entering Extended Passive Mode (|||{((IPEndPoint)data.LocalEndpoint).Port}|)\r\n");
                        return true;
                    case "RETR /f.txt":
                        await connection.SendAsync("150 Opening data connection\r\n");
                        await FakeFtpConnection.SendDataAsync(data!, "test");
                        await connection.SendAsync("226 Transfer complete\r\n");
                        return true;
                    default:
                        return false; // HASH: "502 not implemented".
                }
            },
            features: " EPSV\r\n MLST type*;size*;\r\n HASH SHA-256*\r\n");
        await using var session = await RemoteSessionFactory.ConnectAsync(Options(server), _timeout.Token);

        var refused = await Assert.ThrowsAsync<CommandRefusedException>(() => RemoteFileHasher.ComputeAsync(session, "/f.txt", RemoteHashAlgorithm.Sha256, serverOnly: true, null, _timeout.Token));
        var hash = await RemoteFileHasher.ComputeAsync(session, "/f.txt", RemoteHashAlgorithm.Sha256, serverOnly: false, null, _timeout.Token);

        Assert.Equal((RemoteErrorKind.Unsupported, 502), (refused.Kind, refused.FtpReplyCode));
        Assert.Equal("9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08", hash!.Hash);
        Assert.Equal(HashComputedBy.Client, hash.ComputedBy);
        Assert.EndsWith("HASH /f.txt\nMLST /f.txt\nHASH /f.txt\nEPSV\nRETR /f.txt\n", server.Received.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_raw_commands_preliminary_reply_is_read_with_the_final_one_so_the_next_reply_is_the_next_commands()
    {
        // "SITE SLOW": a 1yz, then (late) the final 2yz; "SITE NEXT" must get its own answer, not the 200.
        await using var server = FakeFtpServer.Start(async (connection, line) =>
        {
            switch (line)
            {
                case "SITE SLOW":
                    await connection.SendAsync("150-Working on it\r\n150 still working\r\n");
                    await Task.Delay(200);
                    await connection.SendAsync("200 Done slowly.\r\n");
                    return true;
                case "SITE NEXT":
                    await connection.SendAsync("250 Next one.\r\n");
                    return true;
                default:
                    return false;
            }
        });
        await using var session = await RemoteSessionFactory.ConnectAsync(Options(server), _timeout.Token);

        var slow = await RemoteCommand.SendAsync(session, "SITE SLOW", _timeout.Token);
        var next = await RemoteCommand.SendAsync(session, "SITE NEXT", _timeout.Token);

        Assert.Equal((200, "Done slowly."), (slow.Code, slow.Message));
        Assert.Equal(new[] { "150-Working on it", "150 still working", "200 Done slowly." }, slow.Lines);
        Assert.Equal((250, "Next one."), (next.Code, next.Message));
    }

    [Fact]
    public async Task Permissions_go_as_site_chmod_in_octal_and_a_server_without_it_refuses_them_as_unsupported()
    {
        await using var server = FakeFtpServer.Start((_, _) => Task.FromResult(false)); // SITE: "502 not implemented".
        await using var session = await RemoteSessionFactory.ConnectAsync(Options(server), _timeout.Token);

        var refused = await Assert.ThrowsAsync<CommandRefusedException>(() => session.SetPermissionsAsync("f.txt", Convert.ToInt32("4750", 8), _timeout.Token));

        Assert.Equal((RemoteErrorKind.Unsupported, 502), (refused.Kind, refused.FtpReplyCode));
        Assert.Contains("SITE CHMOD 4750 /f.txt\n", server.Received.ToString(), StringComparison.Ordinal);
        await session.KeepAliveAsync(_timeout.Token);
    }

    [Theory]
    [InlineData(40_000_000, true)] // 1 s of operation timeout + 2 s for 40 MB at 20 MB/s: the 1.5 s answer arrives in time.
    [InlineData(0, false)] // 1 s for an empty file: the 2.5 s answer comes too late and the session is given up.
    public async Task A_checksum_answer_is_awaited_for_the_time_a_slow_disk_takes_to_read_the_file(long size, bool answered)
    {
        // Both answers are at least 1.5 s away from the deadline they test: on a loaded machine a timer can fire late.
        var delay = TimeSpan.FromSeconds(answered ? 1.5 : 2.5);
        const string Sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
        await using var server = FakeFtpServer.Start(
            async (connection, command) =>
            {
                switch (command)
                {
                    case "MLST /f.bin":
                        await connection.SendAsync($"250-Listing /f.bin\r\n type=file;size={size}; /f.bin\r\n250 End\r\n");
                        return true;
                    case "HASH /f.bin":
                        await Task.Delay(delay);
                        await connection.SendAsync($"213 SHA-256 0-{size} {Sha256} /f.bin\r\n");
                        return true;
                    default:
                        return false;
                }
            },
            features: " EPSV\r\n MLST type*;size*;\r\n HASH SHA-256*\r\n");
        await using var session = await RemoteSessionFactory.ConnectAsync(Options(server, operationTimeout: TimeSpan.FromSeconds(1)), _timeout.Token);

        var hashing = RemoteFileHasher.ComputeAsync(session, "/f.bin", RemoteHashAlgorithm.Sha256, serverOnly: true, null, _timeout.Token);

        if (answered)
        {
            Assert.Equal((Sha256.ToUpperInvariant(), HashComputedBy.Server), ((await hashing)!.Hash, (await hashing)!.ComputedBy));
            await session.KeepAliveAsync(_timeout.Token);
        }
        else
        {
            var lost = await Assert.ThrowsAsync<ConnectionLostException>(() => hashing);
            Assert.StartsWith("The server did not respond within 1 s (waiting for a reply)", lost.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Commands_with_line_breaks_are_refused_before_sending()
    {
        await using var server = FakeFtpServer.Start((_, _) => Task.FromResult(false));
        await using var session = await RemoteSessionFactory.ConnectAsync(Options(server), _timeout.Token);
        await Assert.ThrowsAsync<ArgumentException>(() => session.RemoveFileAsync("a\r\nDELE b", _timeout.Token));
        Assert.DoesNotContain("DELE", server.Received.ToString(), StringComparison.Ordinal);
        await session.KeepAliveAsync(_timeout.Token);
    }

    private ConnectionOptions Options(FakeFtpServer server, TimeSpan? operationTimeout = null, RemoteProtocol protocol = RemoteProtocol.Ftp, string host = "127.0.0.1", FtpDataMode mode = FtpDataMode.Passive) => new()
    {
        Protocol = protocol,
        Host = host,
        Port = server.Port,
        Credential = new NetworkCredential("user", "secret"),
        OperationTimeout = operationTimeout ?? TimeSpan.FromSeconds(10),
        ConnectTimeout = TimeSpan.FromSeconds(5),
        Ftp = new FtpOptions { DataMode = mode },
        Log = _log,
    };
}
