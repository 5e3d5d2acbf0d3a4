using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;
using FtpTools.Core.Ftp;
using FtpTools.Core.Tests.Transfers;
using FtpTools.Core.Transfers;
using Xunit;
using Xunit.Abstractions;

namespace FtpTools.Core.Tests.Ftp;

/// <summary>
/// A data connection that fails in the middle of a transfer while the control connection lives: the transfer fails
/// with <see cref="DataConnectionFailedException"/> carrying the server's final reply, and the session goes on.
/// Only when the control connection goes too is it <see cref="ConnectionLostException"/>.
/// </summary>
public sealed class FtpDataConnectionFailureTests : IDisposable
{
    private const string Aborted = "426 Connection closed; transfer aborted.";
    private const int Sent = 64 * 1024;

    /// <summary>More than the transfer engine's buffers hold, so some of it is in the part file when the connection fails.</summary>
    private const int EngineSent = (3 * TransferOptions.DefaultBufferSize) + 1000;

    /// <summary>A length that makes the transfer engine read with blocking reads (plain FTP).</summary>
    private const int BulkLength = (int)FtpSession.BlockingReadThreshold + 1000;

    private static readonly byte[] Good = RandomBytes(1024 * 1024 + 17);
    private static readonly byte[] Big = RandomBytes(2 * 1024 * 1024);

    private readonly ITestOutputHelper _output;
    private readonly RecordingLog _log = new();
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(60));
    private TcpListener? _data;

    public FtpDataConnectionFailureTests(ITestOutputHelper output)
    {
        _output = output;
    }

    private CancellationToken Token => _timeout.Token;

    public void Dispose()
    {
        _output.WriteLine(_log.ToString());
        _data?.Stop();
        _timeout.Dispose();
    }

    [Fact]
    public async Task A_download_whose_data_connection_is_reset_fails_alone_and_the_session_goes_on()
    {
        await using var server = FakeFtpServer.Start(async (connection, command) =>
        {
            switch (command)
            {
                case "RETR /bad.bin":
                    await connection.SendAsync("150 Opening BINARY mode data connection\r\n");
                    await ResetAfterAsync(Big.AsMemory(0, Sent));
                    await connection.SendAsync(Aborted + "\r\n");
                    return true;
                default:
                    return await ServeGoodAsync(connection, command);
            }
        });
        await using var session = await RemoteSessionFactory.ConnectAsync(Options(server), Token);

        var ex = await Assert.ThrowsAsync<DataConnectionFailedException>(() => ReadAllAsync(session, "/bad.bin"));

        Assert.Contains("RETR /bad.bin", ex.Message, StringComparison.Ordinal);
        Assert.Contains("The server said: " + Aborted, ex.Message, StringComparison.Ordinal);
        Assert.Equal(426, ex.FtpReplyCode);
        Assert.False(ex.Stalled);
        Assert.Equal("/bad.bin", ex.Path);
        Assert.True(session.IsConnected);
        Assert.Equal(Sha256(Good), Sha256(await ReadAllAsync(session, "/good.bin")));
    }

    [Fact]
    public async Task An_upload_whose_data_connection_the_server_closes_early_fails_alone_and_the_session_goes_on()
    {
        string? stored = null;
        await using var server = FakeFtpServer.Start(async (connection, command) =>
        {
            switch (command)
            {
                case "EPSV":
                    return await PassiveAsync(connection);
                case "STOR /bad.bin":
                    await connection.SendAsync("150 Ok to send data.\r\n");
                    using (var data = await AcceptAsync())
                    {
                        await data.GetStream().ReadExactlyAsync(new byte[Sent]);
                        Reset(data);
                    }

                    await connection.SendAsync(Aborted + "\r\n");
                    return true;
                case "STOR /good.bin":
                    await connection.SendAsync("150 Ok to send data.\r\n");
                    using (var data = await AcceptAsync())
                    {
                        stored = Convert.ToHexString(await SHA256.HashDataAsync(data.GetStream()));
                    }

                    await connection.SendAsync("226 Transfer complete.\r\n");
                    return true;
                default:
                    return false;
            }
        });
        await using var session = await RemoteSessionFactory.ConnectAsync(Options(server), Token);

        var ex = await Assert.ThrowsAsync<DataConnectionFailedException>(() => WriteAllAsync(session, "/bad.bin", RandomBytes(32 * 1024 * 1024)));

        Assert.Contains("STOR /bad.bin", ex.Message, StringComparison.Ordinal);
        Assert.Contains("The server said: " + Aborted, ex.Message, StringComparison.Ordinal);
        Assert.Equal(426, ex.FtpReplyCode);
        Assert.True(session.IsConnected);
        await WriteAllAsync(session, "/good.bin", Good);
        Assert.Equal(Sha256(Good), stored);
    }

    [Fact]
    public async Task A_small_uploads_data_goes_before_the_servers_150_and_a_refusal_that_drops_its_connection_is_the_error()
    {
        // This server reads an upload to its end before it answers STOR: a client that waited for the 150 before
        // sending would never be answered (the session's operation timeout, 10 s, would end it).
        var small = RandomBytes(5000);
        string? stored = null;
        await using var server = FakeFtpServer.Start(async (connection, command) =>
        {
            switch (command)
            {
                case "EPSV":
                    return await PassiveAsync(connection);
                case "STOR /early.bin":
                    using (var data = await AcceptAsync())
                    {
                        stored = Convert.ToHexString(await SHA256.HashDataAsync(data.GetStream()));
                    }

                    await connection.SendAsync("150 Ok to send data.\r\n226 Transfer complete.\r\n");
                    return true;
                case "STOR /refused.bin":
                    // Refused, and the connection it would have taken the data on is cut.
                    Reset(await AcceptAsync());
                    await connection.SendAsync("553 Could not create file.\r\n");
                    return true;
                default:
                    return false;
            }
        });
        await using var session = await RemoteSessionFactory.ConnectAsync(Options(server), Token);
        var writer = (IKnownLengthWriter)session;

        await WriteAllAsync(await writer.OpenWriteAsync("/early.bin", 0, small.Length, Token), small);
        Assert.Equal(Sha256(small), stored);

        var refused = await Assert.ThrowsAsync<CommandRefusedException>(async () => await WriteAllAsync(await writer.OpenWriteAsync("/refused.bin", 0, small.Length, Token), small));
        Assert.Equal(553, refused.FtpReplyCode);
        Assert.Contains("STOR /refused.bin", refused.Message, StringComparison.Ordinal);
        Assert.Contains("553 Could not create file.", refused.Message, StringComparison.Ordinal);

        // In step: the next upload goes as the first did.
        Assert.True(session.IsConnected);
        stored = null;
        await WriteAllAsync(await writer.OpenWriteAsync("/early.bin", 0, small.Length, Token), small);
        Assert.Equal(Sha256(small), stored);
    }

    [Fact]
    public async Task A_data_connection_lost_with_the_control_connection_is_a_lost_session()
    {
        await using var server = FakeFtpServer.Start(async (connection, command) =>
        {
            switch (command)
            {
                case "EPSV":
                    return await PassiveAsync(connection);
                case "RETR /bad.bin":
                    await connection.SendAsync("150 Opening BINARY mode data connection\r\n");
                    await ResetAfterAsync(Big.AsMemory(0, Sent));
                    connection.Close();
                    return true;
                default:
                    return false;
            }
        });
        await using var session = await RemoteSessionFactory.ConnectAsync(Options(server), Token);

        var ex = await Assert.ThrowsAsync<ConnectionLostException>(() => ReadAllAsync(session, "/bad.bin"));

        Assert.Contains("The data connection failed while reading", ex.Message, StringComparison.Ordinal);
        Assert.Contains("the control connection was lost too", ex.Message, StringComparison.Ordinal);
        Assert.False(session.IsConnected);
    }

    [Fact]
    public async Task A_stalled_download_fails_alone_saying_for_how_long_and_the_session_goes_on()
    {
        await using var server = FakeFtpServer.Start(async (connection, command) =>
        {
            switch (command)
            {
                case "EPSV":
                    return await PassiveAsync(connection);
                case "RETR /slow.bin":
                    await connection.SendAsync("150 Opening BINARY mode data connection\r\n");
                    using (var data = await AcceptAsync())
                    {
                        await data.GetStream().WriteAsync(Big.AsMemory(0, 1000));

                        // Then nothing, until the client gives up and closes its side.
                        await WaitForCloseAsync(data.GetStream());
                    }

                    await connection.SendAsync("426 Failure writing network stream.\r\n");
                    return true;
                default:
                    return false;
            }
        });
        await using var session = await RemoteSessionFactory.ConnectAsync(Options(server, operationTimeout: TimeSpan.FromSeconds(1)), Token);
        var watch = Stopwatch.StartNew();

        var ex = await Assert.ThrowsAsync<DataConnectionFailedException>(() => ReadAllAsync(session, "/slow.bin"));

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), watch.Elapsed.ToString());
        Assert.True(ex.Stalled);
        Assert.Contains("The data connection stalled: nothing moved for 1 s while reading.", ex.Message, StringComparison.Ordinal);
        Assert.Contains("The server said: 426 Failure writing network stream.", ex.Message, StringComparison.Ordinal);
        Assert.True(session.IsConnected);
        await session.KeepAliveAsync(Token);
    }

    [Fact]
    public async Task A_listing_whose_data_connection_is_reset_fails_alone_and_the_session_goes_on()
    {
        await using var server = FakeFtpServer.Start(async (connection, command) =>
        {
            switch (command)
            {
                case "EPSV":
                    return await PassiveAsync(connection);
                case "LIST -a":
                    await connection.SendAsync("150 Here comes the directory listing.\r\n");
                    await ResetAfterAsync(Encoding.ASCII.GetBytes("-rw-r--r--   1 u g 5 Jan 01  2020 a.txt\r\n-rw-r--r--   1 u g 5 Jan 01  2020 b"));
                    await connection.SendAsync(Aborted + "\r\n");
                    return true;
                default:
                    return false;
            }
        });
        await using var session = await RemoteSessionFactory.ConnectAsync(Options(server), Token);

        var ex = await Assert.ThrowsAsync<DataConnectionFailedException>(() => session.ListDirectoryAsync("/dir", Token));

        Assert.Contains("The server said: " + Aborted, ex.Message, StringComparison.Ordinal);
        Assert.True(session.IsConnected);
        await session.KeepAliveAsync(Token);
        // The session stays in the listed directory (every other command names an absolute path): no CWD back.
        Assert.EndsWith("CWD /dir\nEPSV\nLIST -a\nABOR\nNOOP\nNOOP\n", server.Received.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_listing_of_more_than_a_million_lines_is_refused_and_the_session_stays_in_step()
    {
        await using var server = FakeFtpServer.Start(async (connection, command) =>
        {
            switch (command)
            {
                case "EPSV":
                    return await PassiveAsync(connection);
                case "LIST -a":
                    await connection.SendAsync("150 Here comes the directory listing.\r\n");
                    var sent = false;
                    using (var data = await AcceptAsync())
                    {
                        try
                        {
                            await data.GetStream().WriteAsync(Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("e\r\n", 1_000_001))), Token);
                            data.Client.Shutdown(SocketShutdown.Send);
                            sent = true;
                        }
                        catch (IOException)
                        {
                        }
                    }

                    await connection.SendAsync(sent ? "226 Directory send OK.\r\n" : Aborted + "\r\n");
                    return true;
                case "ABOR":
                    await connection.SendAsync("225 No transfer to ABOR.\r\n");
                    return true;
                default:
                    return false;
            }
        });
        await using var session = await RemoteSessionFactory.ConnectAsync(Options(server), Token);

        var ex = await Assert.ThrowsAsync<CommandRefusedException>(() => session.ListDirectoryAsync("/dir", Token));

        Assert.Equal("The listing has more than 1000000 lines; it was not read to its end.", ex.Message);
        Assert.True(session.IsConnected);
        await session.KeepAliveAsync(Token);
        // The session stays in the listed directory (every other command names an absolute path): no CWD back.
        Assert.EndsWith("CWD /dir\nEPSV\nLIST -a\nABOR\nNOOP\nNOOP\n", server.Received.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_given_up_download_sends_ABOR_before_its_data_connection_is_closed()
    {
        // ProFTPD's TLS ended the whole session now and then when the client cut a data connection it was still
        // writing to; ABOR first lets a server stop sending and close it itself.
        var abortSeen = false;
        var cutBeforeAbort = false;
        var cutAtAbort = (bool?)null;
        TcpClient? data = null;
        Task? writer = null;
        await using var server = FakeFtpServer.Start(async (connection, command) =>
        {
            switch (command)
            {
                case "EPSV":
                    return await PassiveAsync(connection);
                case "RETR /big.bin":
                    await connection.SendAsync("150 Opening BINARY mode data connection.\r\n");
                    data = await AcceptAsync();
                    var stream = data.GetStream();
                    writer = Task.Run(async () =>
                    {
                        var chunk = new byte[64 * 1024];
                        try
                        {
                            while (!Volatile.Read(ref abortSeen))
                            {
                                await stream.WriteAsync(chunk);
                            }
                        }
                        catch (Exception e) when (e is IOException or ObjectDisposedException)
                        {
                            if (!Volatile.Read(ref abortSeen))
                            {
                                Volatile.Write(ref cutBeforeAbort, true);
                            }
                        }
                    });
                    return true;
                case "ABOR":
                    cutAtAbort = Volatile.Read(ref cutBeforeAbort);
                    Volatile.Write(ref abortSeen, true);
                    data!.Dispose();
                    await writer!;
                    await connection.SendAsync(Aborted + "\r\n226 Abort successful.\r\n");
                    return true;
                default:
                    return false;
            }
        });
        await using var session = await RemoteSessionFactory.ConnectAsync(Options(server), Token);

        var download = await session.OpenReadAsync("/big.bin", 0, Token);
        var head = new byte[1000];
        await download.ReadExactlyAsync(head, Token);
        await download.DisposeAsync();

        // Time enough for a cut connection to show on the server's side before the next command brings ABOR.
        await Task.Delay(TimeSpan.FromMilliseconds(300), Token);
        await session.KeepAliveAsync(Token);

        Assert.False(cutAtAbort, "The data connection was closed before ABOR arrived.");
        Assert.True(session.IsConnected);
        Assert.EndsWith("RETR /big.bin\nABOR\nNOOP\nNOOP\n", server.Received.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_listing_cancelled_while_a_read_waits_is_aborted_and_that_read_and_the_rest_are_taken_after_ABOR()
    {
        // The server sends part of the listing and waits: the client's next read is under way when the listing is
        // cancelled. That read is not cut (a TLS stream cut in a read is broken); the next command's ABOR makes the
        // server send the rest and close, and the abort reads it all before the replies.
        var firstSent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var restSent = false;
        TcpClient? data = null;
        await using var server = FakeFtpServer.Start(async (connection, command) =>
        {
            switch (command)
            {
                case "EPSV":
                    return await PassiveAsync(connection);
                case "LIST -a":
                    await connection.SendAsync("150 Here comes the directory listing.\r\n");
                    data = await AcceptAsync();
                    await data.GetStream().WriteAsync(Encoding.ASCII.GetBytes("-rw-r--r--   1 u g 5 Jan 01  2020 a.txt\r\n"), Token);
                    firstSent.SetResult();
                    return true;
                case "ABOR":
                    var stream = data!.GetStream();
                    await stream.WriteAsync(Encoding.ASCII.GetBytes("-rw-r--r--   1 u g 5 Jan 01  2020 b.txt\r\n"), Token);
                    restSent = true;
                    data.Client.Shutdown(SocketShutdown.Send);
                    await WaitForCloseAsync(stream);
                    data.Dispose();
                    await connection.SendAsync(Aborted + "\r\n226 Abort successful.\r\n");
                    return true;
                default:
                    return false;
            }
        });
        await using var session = await RemoteSessionFactory.ConnectAsync(Options(server), Token);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Token);

        var listing = session.ListDirectoryAsync("/dir", cancel.Token);
        await firstSent.Task.WaitAsync(Token);
        await Task.Delay(200, Token);
        Assert.False(listing.IsCompleted);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => listing);

        await session.KeepAliveAsync(Token);

        Assert.True(restSent);
        Assert.True(session.IsConnected);
        Assert.EndsWith("LIST -a\nABOR\nNOOP\nNOOP\n", server.Received.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_transfer_cancelled_while_its_active_data_connection_is_awaited_is_given_up_in_a_moment_and_aborted()
    {
        // The server answers 150 but never connects: a cancellation does not wait out the connect timeout.
        await using var server = FakeFtpServer.Start(async (connection, command) =>
        {
            if (await AgreeToEprtAsync(connection, command))
            {
                return true;
            }

            switch (command)
            {
                case "RETR /x.bin":
                    await connection.SendAsync("150 Opening BINARY mode data connection\r\n");
                    return true;
                case "ABOR":
                    await connection.SendAsync("426 Connection closed; transfer aborted.\r\n226 Abort successful.\r\n");
                    return true;
                default:
                    return false;
            }
        });
        await using var session = await RemoteSessionFactory.ConnectAsync(Options(server, mode: FtpDataMode.Active, connectTimeout: TimeSpan.FromSeconds(60)), Token);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Token);
        cancel.CancelAfter(TimeSpan.FromMilliseconds(300));

        var clock = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => session.OpenReadAsync("/x.bin", 0, cancel.Token));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"the cancellation waited {clock.Elapsed.TotalSeconds:0.0} s");

        await session.KeepAliveAsync(Token);
        Assert.True(session.IsConnected);
        Assert.EndsWith("RETR /x.bin\nABOR\nNOOP\nNOOP\n", server.Received.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_data_connection_the_server_never_opens_fails_alone_with_its_reply()
    {
        await using var server = FakeFtpServer.Start(async (connection, command) =>
        {
            if (await AgreeToEprtAsync(connection, command))
            {
                return true;
            }

            if (command == "RETR /x.bin")
            {
                await connection.SendAsync("150 Opening BINARY mode data connection\r\n425 Failed to establish connection.\r\n");
                return true;
            }

            return false;
        });
        await using var session = await RemoteSessionFactory.ConnectAsync(Options(server, mode: FtpDataMode.Active, connectTimeout: TimeSpan.FromSeconds(1)), Token);

        var ex = await Assert.ThrowsAsync<DataConnectionFailedException>(() => ReadAllAsync(session, "/x.bin"));

        Assert.Contains("did not open the active data connection within 1 s", ex.Message, StringComparison.Ordinal);
        Assert.Contains("The server said: 425 Failed to establish connection.", ex.Message, StringComparison.Ordinal);
        Assert.Equal(425, ex.FtpReplyCode);
        Assert.True(session.IsConnected);
        await session.KeepAliveAsync(Token);
    }

    [Fact]
    public async Task A_passive_data_connection_that_cannot_be_opened_fails_alone_before_the_transfer_command()
    {
        using var closed = ClosedPort(out var port);
        await using var server = FakeFtpServer.Start(async (connection, command) =>
        {
            if (command == "EPSV")
            {
                await connection.SendAsync($"229 Entering Extended Passive Mode (|||{port}|)\r\n");
                return true;
            }

            return false;
        });
        await using var session = await RemoteSessionFactory.ConnectAsync(Options(server), Token);

        var ex = await Assert.ThrowsAsync<DataConnectionFailedException>(() => ReadAllAsync(session, "/x.bin"));

        Assert.StartsWith($"RETR /x.bin failed: Connecting to 127.0.0.1:{port} failed: ", ex.Message, StringComparison.Ordinal);
        Assert.Null(ex.FtpReplyCode);
        Assert.True(session.IsConnected);
        await session.KeepAliveAsync(Token);
        Assert.DoesNotContain("RETR", server.Received.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_port_asked_for_behind_a_download_that_is_gone_is_asked_for_again_and_the_download_completes()
    {
        using var closed = ClosedPort(out var port);
        var asked = 0;
        await using var server = FakeFtpServer.Start(
            async (connection, command) =>
            {
                if (command == "EPSV" && asked++ == 1)
                {
                    // The EPSV sent behind the first download: answered with a port nobody listens on any more, as
                    // when the server or a firewall gave it up.
                    await connection.SendAsync($"229 Entering Extended Passive Mode (|||{port}|)\r\n");
                    return true;
                }

                return await ServeGoodAsync(connection, command);
            },
            greeting: "220 (vsFTPd 3.0.3)\r\n");
        await using var session = await RemoteSessionFactory.ConnectAsync(Options(server), Token);

        Assert.Equal(Sha256(Good), Sha256(await ReadAllAsync(session, "/good.bin")));
        Assert.Equal(Sha256(Good), Sha256(await ReadAllAsync(session, "/good.bin")));

        // The last EPSV, sent behind the second download, may not have been read by the server yet.
        Assert.Matches("\nEPSV\nRETR /good.bin\nEPSV\nEPSV\nRETR /good.bin\n(EPSV\n)?$", server.Received.ToString());
        Assert.Contains(_log.Lines, l => l.StartsWith($"* Connecting to 127.0.0.1:{port} failed: ", StringComparison.Ordinal) && l.EndsWith(" (a port asked for behind the last transfer); asking for another.", StringComparison.Ordinal));
        Assert.True(session.IsConnected);
    }

    [Fact]
    public async Task A_port_asked_for_behind_a_download_more_than_two_seconds_ago_is_not_used()
    {
        await using var server = FakeFtpServer.Start(ServeGoodAsync, greeting: "220 (vsFTPd 3.0.3)\r\n");
        await using var session = await RemoteSessionFactory.ConnectAsync(Options(server), Token);

        Assert.Equal(Sha256(Good), Sha256(await ReadAllAsync(session, "/good.bin")));
        await Task.Delay(TimeSpan.FromSeconds(2.5), Token);
        Assert.Equal(Sha256(Good), Sha256(await ReadAllAsync(session, "/good.bin")));

        // The old answer was read and dropped, and a new port asked for (the last EPSV, sent behind the second
        // download, may not have been read by the server yet).
        Assert.Matches("\nEPSV\nRETR /good.bin\nEPSV\nEPSV\nRETR /good.bin\n(EPSV\n)?$", server.Received.ToString());
        Assert.DoesNotContain(_log.Lines, l => l.Contains("behind the last transfer", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_transfer_engine_fails_the_file_keeps_its_part_for_resume_and_the_next_download_completes()
    {
        var attempts = 0;
        long restart = 0;
        await using var server = FakeFtpServer.Start(
            async (connection, command) =>
            {
                switch (command)
                {
                    case "EPSV":
                        return await PassiveAsync(connection);
                    case "SIZE /big.bin":
                        await connection.SendAsync($"213 {Big.Length}\r\n");
                        return true;
                    case "SIZE /good.bin":
                        await connection.SendAsync($"213 {Good.Length}\r\n");
                        return true;
                    case var rest when rest.StartsWith("REST ", StringComparison.Ordinal):
                        restart = long.Parse(rest.Substring(5), System.Globalization.CultureInfo.InvariantCulture);
                        await connection.SendAsync($"350 Restart position accepted ({restart}).\r\n");
                        return true;
                    case "RETR /big.bin":
                        await connection.SendAsync("150 Opening BINARY mode data connection\r\n");
                        if (attempts++ == 0)
                        {
                            await ResetAfterAsync(Big.AsMemory(0, EngineSent));
                            await connection.SendAsync(Aborted + "\r\n");
                        }
                        else
                        {
                            await SendAsync(Big.AsMemory((int)restart));
                            await connection.SendAsync("226 Transfer complete.\r\n");
                        }

                        restart = 0;
                        return true;
                    default:
                        return await ServeGoodAsync(connection, command);
                }
            },
            features: " EPSV\r\n SIZE\r\n REST STREAM\r\n");
        await using var session = await RemoteSessionFactory.ConnectAsync(Options(server), Token);
        var directory = Directory.CreateTempSubdirectory("ftptools-datafail-");
        try
        {
            var local = Path.Combine(directory.FullName, "big.bin");
            var resume = new TransferOptions { Resume = true };

            var failed = await TransferEngine.DownloadFileAsync(session, "/big.bin", local, resume, null, Token);

            Assert.Equal(TransferStatus.Failed, failed.Status);
            var ex = Assert.IsType<DataConnectionFailedException>(failed.Exception);
            Assert.Equal(426, ex.FtpReplyCode);
            Assert.False(File.Exists(local));
            var part = PartFile.LocalPathFor(local);
            var kept = await File.ReadAllBytesAsync(part, Token);
            Assert.InRange(kept.Length, 1, EngineSent);
            Assert.Equal(Sha256(Big.AsSpan(0, kept.Length)), Sha256(kept));
            Assert.True(session.IsConnected);

            var good = await TransferEngine.DownloadFileAsync(session, "/good.bin", Path.Combine(directory.FullName, "good.bin"), null, null, Token);
            Assert.Equal(TransferStatus.Completed, good.Status);
            Assert.Equal(Sha256(Good), Sha256(await File.ReadAllBytesAsync(Path.Combine(directory.FullName, "good.bin"), Token)));

            var resumed = await TransferEngine.DownloadFileAsync(session, "/big.bin", local, resume, null, Token);
            Assert.Equal(TransferStatus.Completed, resumed.Status);
            Assert.Equal(kept.Length, resumed.StartOffset);
            Assert.Equal(Sha256(Big), Sha256(await File.ReadAllBytesAsync(local, Token)));
            Assert.False(File.Exists(part));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_cancelled_bulk_download_waiting_in_a_blocking_read_ends_at_once_leaves_no_file_and_the_session_goes_on()
    {
        var sent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = FakeFtpServer.Start(
            async (connection, command) =>
            {
                switch (command)
                {
                    case "EPSV":
                        return await PassiveAsync(connection);
                    case "SIZE /stall.bin":
                        await connection.SendAsync($"213 {BulkLength}\r\n");
                        return true;
                    case "RETR /stall.bin":
                        await connection.SendAsync("150 Opening BINARY mode data connection\r\n");
                        using (var data = await AcceptAsync())
                        {
                            // Part of the file, then nothing: the client waits in a read until it is cancelled.
                            await data.GetStream().WriteAsync(RandomBytes(BulkLength / 2), Token);
                            sent.SetResult();
                            await WaitForCloseAsync(data.GetStream());
                        }

                        return true;
                    case "ABOR":
                        await connection.SendAsync(Aborted + "\r\n226 Abort successful.\r\n");
                        return true;
                    default:
                        return false;
                }
            },
            features: " EPSV\r\n SIZE\r\n REST STREAM\r\n");
        await using var session = await RemoteSessionFactory.ConnectAsync(Options(server, operationTimeout: TimeSpan.FromSeconds(30)), Token);
        var directory = Directory.CreateTempSubdirectory("ftptools-blocking-");
        try
        {
            var local = Path.Combine(directory.FullName, "stall.bin");
            using var cancel = new CancellationTokenSource();
            var download = TransferEngine.DownloadFileAsync(session, "/stall.bin", local, null, null, cancel.Token);
            await sent.Task.WaitAsync(Token);
            await Task.Delay(TimeSpan.FromMilliseconds(300), Token);
            var watch = Stopwatch.StartNew();

            cancel.Cancel();
            var result = await download.WaitAsync(Token);

            // The operation timeout is 30 s: only the interrupted read explains an end this soon.
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), watch.Elapsed.ToString());
            Assert.Equal(TransferStatus.Cancelled, result.Status);
            Assert.Empty(directory.GetFileSystemInfos());
            await session.KeepAliveAsync(Token);
            Assert.True(session.IsConnected);
            Assert.EndsWith("RETR /stall.bin\nABOR\nNOOP\nNOOP\n", server.Received.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public Task A_cancelled_bulk_download_that_is_moving_keeps_its_data_connection_open_until_ABOR() =>
        CancelMovingBulkDownloadAsync(busyAfterCancel: TimeSpan.Zero);

    [Fact]
    public Task A_cancelled_bulk_download_busy_writing_its_file_when_the_grace_ends_keeps_its_data_connection_open_until_ABOR() =>
        // The copy thread is held in its progress report (as by a slow disk) past the grace: it is not in a read, so
        // nothing may be interrupted; the copy ends at its next check instead.
        CancelMovingBulkDownloadAsync(busyAfterCancel: TransferEngine.InterruptGrace * 3);

    private async Task CancelMovingBulkDownloadAsync(TimeSpan busyAfterCancel)
    {
        // ProFTPD over TLS now and then drops the whole session when a data connection is cut while it writes; the
        // abort must reach the server first. This server writes until ABOR and notes a connection cut before it.
        TcpClient? data = null;
        Task? writer = null;
        var stop = 0;
        var cutBeforeAbor = 0;
        await using var server = FakeFtpServer.Start(
            async (connection, command) =>
            {
                switch (command)
                {
                    case "EPSV":
                        return await PassiveAsync(connection);
                    case "SIZE /flow.bin":
                        await connection.SendAsync($"213 {64L * BulkLength}\r\n");
                        return true;
                    case "RETR /flow.bin":
                        await connection.SendAsync("150 Opening BINARY mode data connection\r\n");
                        data = await AcceptAsync();
                        writer = WriteUntilStoppedAsync(data.GetStream());
                        return true;
                    case "ABOR":
                        Volatile.Write(ref stop, 1);
                        await writer!.WaitAsync(Token);
                        data!.Dispose();
                        await connection.SendAsync(Aborted + "\r\n226 Abort successful.\r\n");
                        return true;
                    default:
                        return false;
                }
            },
            features: " EPSV\r\n SIZE\r\n REST STREAM\r\n");
        await using var session = await RemoteSessionFactory.ConnectAsync(Options(server, operationTimeout: TimeSpan.FromSeconds(30)), Token);
        var directory = Directory.CreateTempSubdirectory("ftptools-blocking-");
        try
        {
            var local = Path.Combine(directory.FullName, "flow.bin");
            using var cancel = new CancellationTokenSource();
            var cancelledAt = new Stopwatch();

            // Cancelled from the copy's own progress report, once 1 MiB has reached the part file: reads are moving.
            var progress = new InlineProgress(p =>
            {
                if (p.BytesTransferred >= 1024 * 1024 && !cancel.IsCancellationRequested)
                {
                    cancelledAt.Start();
                    cancel.Cancel();
                    Thread.Sleep(busyAfterCancel);
                }
            });
            var result = await TransferEngine.DownloadFileAsync(session, "/flow.bin", local, new TransferOptions { ProgressInterval = TimeSpan.Zero }, progress, cancel.Token);

            Assert.True(cancelledAt.Elapsed < TimeSpan.FromSeconds(5), cancelledAt.Elapsed.ToString());
            Assert.Equal(TransferStatus.Cancelled, result.Status);
            Assert.Empty(directory.GetFileSystemInfos());

            // Time for a cut connection to show at the server (a reset fails its next write) before ABOR goes out.
            await Task.Delay(TimeSpan.FromMilliseconds(500), Token);
            Assert.True(Volatile.Read(ref cutBeforeAbor) == 0, "The data connection was cut before ABOR.");
            await session.KeepAliveAsync(Token);
            Assert.True(session.IsConnected);
            Assert.EndsWith("RETR /flow.bin\nABOR\nNOOP\nNOOP\n", server.Received.ToString(), StringComparison.Ordinal);
            Assert.True(Volatile.Read(ref cutBeforeAbor) == 0, "The data connection was cut before ABOR.");
        }
        finally
        {
            data?.Dispose();
            directory.Delete(recursive: true);
        }

        async Task WriteUntilStoppedAsync(NetworkStream stream)
        {
            var chunk = RandomBytes(64 * 1024);
            try
            {
                while (Volatile.Read(ref stop) == 0)
                {
                    await stream.WriteAsync(chunk, Token);
                }
            }
            catch (IOException)
            {
                if (Volatile.Read(ref stop) == 0)
                {
                    Volatile.Write(ref cutBeforeAbor, 1);
                }
            }
        }
    }

    [Fact]
    public async Task A_stalled_bulk_download_fails_saying_for_how_long_leaves_no_file_and_the_session_goes_on()
    {
        await using var server = FakeFtpServer.Start(
            async (connection, command) =>
            {
                switch (command)
                {
                    case "EPSV":
                        return await PassiveAsync(connection);
                    case "SIZE /slow.bin":
                        await connection.SendAsync($"213 {BulkLength}\r\n");
                        return true;
                    case "RETR /slow.bin":
                        await connection.SendAsync("150 Opening BINARY mode data connection\r\n");
                        using (var data = await AcceptAsync())
                        {
                            await data.GetStream().WriteAsync(RandomBytes(BulkLength / 2), Token);
                            await WaitForCloseAsync(data.GetStream());
                        }

                        await connection.SendAsync("426 Failure writing network stream.\r\n");
                        return true;
                    default:
                        return false;
                }
            },
            features: " EPSV\r\n SIZE\r\n REST STREAM\r\n");
        await using var session = await RemoteSessionFactory.ConnectAsync(Options(server, operationTimeout: TimeSpan.FromSeconds(1)), Token);
        var directory = Directory.CreateTempSubdirectory("ftptools-blocking-");
        try
        {
            var result = await TransferEngine.DownloadFileAsync(session, "/slow.bin", Path.Combine(directory.FullName, "slow.bin"), null, null, Token);

            Assert.Equal(TransferStatus.Failed, result.Status);
            var ex = Assert.IsType<DataConnectionFailedException>(result.Exception);
            Assert.True(ex.Stalled);
            Assert.Contains("The data connection stalled: nothing moved for 1 s while reading.", ex.Message, StringComparison.Ordinal);
            Assert.Contains("The server said: 426 Failure writing network stream.", ex.Message, StringComparison.Ordinal);
            Assert.Empty(directory.GetFileSystemInfos());
            Assert.True(session.IsConnected);
            await session.KeepAliveAsync(Token);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData(BulkLength)] // blocking reads: connected on a thread of its own
    [InlineData(4096)] // a near server: connected without blocking, then waited for (FtpQuickAnswerTests)
    public async Task A_download_whose_passive_connection_hangs_in_connect_fails_at_the_connect_timeout(int length)
    {
        // A listener whose accept queue is full: the kernel drops further SYNs, so a connect waits rather than fails.
        // Linux drops them only while the queue's requests are young (before their first SYN-ACK retransmission,
        // about 1 s), so the queue is filled right before the download, not before the login.
        using var full = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        full.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        full.Listen(1);
        var port = ((IPEndPoint)full.LocalEndPoint!).Port;
        await using var server = FakeFtpServer.Start(
            async (connection, command) =>
            {
                switch (command)
                {
                    case "EPSV":
                        await connection.SendAsync($"229 Entering Extended Passive Mode (|||{port}|)\r\n");
                        return true;
                    case "SIZE /x.bin":
                        await connection.SendAsync($"213 {length}\r\n");
                        return true;
                    default:
                        return false;
                }
            },
            features: " EPSV\r\n SIZE\r\n REST STREAM\r\n");
        await using var session = await RemoteSessionFactory.ConnectAsync(Options(server, connectTimeout: TimeSpan.FromSeconds(1)), Token);
        var directory = Directory.CreateTempSubdirectory("ftptools-blocking-");
        var fillers = await FillAcceptQueueAsync(full.LocalEndPoint!, Token);
        try
        {
            var watch = Stopwatch.StartNew();
            var result = await TransferEngine.DownloadFileAsync(session, "/x.bin", Path.Combine(directory.FullName, "x.bin"), null, null, Token);

            Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(5));
            Assert.Equal(TransferStatus.Failed, result.Status);
            var ex = Assert.IsType<DataConnectionFailedException>(result.Exception);
            Assert.Equal($"RETR /x.bin failed: Connecting to 127.0.0.1:{port} timed out after 1 s.", ex.Message);
            Assert.Empty(directory.GetFileSystemInfos());
            await session.KeepAliveAsync(Token);
            Assert.DoesNotContain("RETR", server.Received.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            foreach (var filler in fillers)
            {
                filler.Dispose();
            }

            directory.Delete(recursive: true);
        }
    }

    /// <summary>Connects to <paramref name="endPoint"/> until a connect no longer completes: its accept queue is then full.</summary>
    internal static async Task<System.Collections.Generic.List<Socket>> FillAcceptQueueAsync(EndPoint endPoint, CancellationToken cancellationToken)
    {
        var fillers = new System.Collections.Generic.List<Socket>();
        for (var i = 0; i < 16; i++)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            fillers.Add(socket);
            var connect = socket.ConnectAsync(endPoint, cancellationToken).AsTask();
            // A connect that is only slow (a loaded machine: CI once took the queue for full here, and the test's own
            // connect then went through) completes within a second or two; one whose SYN the full queue dropped
            // waits for the kernel's retransmits, which the full queue drops too.
            if (await Task.WhenAny(connect, Task.Delay(TimeSpan.FromMilliseconds(300), cancellationToken)) != connect
                && await Task.WhenAny(connect, Task.Delay(TimeSpan.FromMilliseconds(2000), cancellationToken)) != connect)
            {
                return fillers;
            }
        }

        throw new InvalidOperationException("The loopback listener accepted 16 connections into a queue of 1; its connects do not wait when the queue is full.");
    }

    private async Task<bool> ServeGoodAsync(FakeFtpConnection connection, string command)
    {
        switch (command)
        {
            case "EPSV":
                return await PassiveAsync(connection);
            case "RETR /good.bin":
                await connection.SendAsync("150 Opening BINARY mode data connection\r\n");
                await SendAsync(Good);
                await connection.SendAsync("226 Transfer complete.\r\n");
                return true;
            default:
                return false;
        }
    }

    /// <summary>
    /// A loopback port no connection can be made to while the returned socket lives: bound, never listening, so a
    /// connect is refused and no other test's listener can take the port meanwhile (a port freed after use could be).
    /// </summary>
    private static Socket ClosedPort(out int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        port = ((IPEndPoint)socket.LocalEndPoint!).Port;
        return socket;
    }

    /// <summary>Agrees to active mode (EPRT) without ever connecting back: true when <paramref name="command"/> was EPRT.</summary>
    private static async Task<bool> AgreeToEprtAsync(FakeFtpConnection connection, string command)
    {
        if (!command.StartsWith("EPRT |1|127.0.0.1|", StringComparison.Ordinal))
        {
            return false;
        }

        await connection.SendAsync("200 EPRT command successful.\r\n");
        return true;
    }

    private async Task<bool> PassiveAsync(FakeFtpConnection connection)
    {
        _data?.Stop();
        _data = connection.ListenForData();
        await connection.SendAsync($"229 Entering Extended Passive Mode (|||{((IPEndPoint)_data.LocalEndpoint).Port}|)\r\n");
        return true;
    }

    private async Task<TcpClient> AcceptAsync()
    {
        var client = await _data!.AcceptTcpClientAsync(Token);
        _data.Stop();
        _data = null;
        return client;
    }

    private async Task SendAsync(ReadOnlyMemory<byte> content)
    {
        using var data = await AcceptAsync();
        var stream = data.GetStream();
        await stream.WriteAsync(content, Token);
        data.Client.Shutdown(SocketShutdown.Send);
        await WaitForCloseAsync(stream);
    }

    /// <summary>Sends some bytes, lets them arrive, then resets the connection (RST, no FIN), as a failing peer or middlebox does.</summary>
    private async Task ResetAfterAsync(ReadOnlyMemory<byte> content)
    {
        using var data = await AcceptAsync();
        await data.GetStream().WriteAsync(content, Token);
        await Task.Delay(200, Token);
        Reset(data);
    }

    /// <summary>Closes the socket itself: disposing the TcpClient would shut it down first and send a FIN before the RST.</summary>
    private static void Reset(TcpClient data)
    {
        data.Client.LingerState = new LingerOption(true, 0);
        data.Client.Close();
    }

    private async Task WaitForCloseAsync(NetworkStream data)
    {
        var buffer = new byte[4096];
        try
        {
            while (await data.ReadAsync(buffer, Token) > 0)
            {
            }
        }
        catch (IOException)
        {
        }
    }

    private async Task<byte[]> ReadAllAsync(IRemoteSession session, string path)
    {
        await using var stream = await session.OpenReadAsync(path, 0, Token);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy, Token);
        await stream.CompleteAsync(Token);
        return copy.ToArray();
    }

    private async Task WriteAllAsync(IRemoteSession session, string path, byte[] content) =>
        await WriteAllAsync(await session.OpenWriteAsync(path, 0, Token), content);

    private async Task WriteAllAsync(RemoteFileStream opened, byte[] content)
    {
        await using var stream = opened;
        for (var offset = 0; offset < content.Length; offset += 256 * 1024)
        {
            await stream.WriteAsync(content.AsMemory(offset, Math.Min(256 * 1024, content.Length - offset)), Token);
        }

        await stream.CompleteAsync(Token);
    }

    private static byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        RandomNumberGenerator.Fill(bytes);
        return bytes;
    }

    private static string Sha256(ReadOnlySpan<byte> bytes) => Convert.ToHexString(SHA256.HashData(bytes));

    private ConnectionOptions Options(FakeFtpServer server, TimeSpan? operationTimeout = null, FtpDataMode mode = FtpDataMode.Passive, TimeSpan? connectTimeout = null) => new()
    {
        Protocol = RemoteProtocol.Ftp,
        Host = "127.0.0.1",
        Port = server.Port,
        Credential = new NetworkCredential("user", "secret"),
        OperationTimeout = operationTimeout ?? TimeSpan.FromSeconds(10),
        ConnectTimeout = connectTimeout ?? TimeSpan.FromSeconds(5),
        Ftp = new FtpOptions { DataMode = mode },
        Log = _log,
    };
}
