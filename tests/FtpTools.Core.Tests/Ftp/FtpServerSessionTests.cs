using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;
using FtpTools.Core.Ftp;
using FtpTools.Core.Logging;
using FtpTools.Core.Tests.IO;
using FtpTools.Core.Tests.Servers;
using Xunit;
using Xunit.Abstractions;

namespace FtpTools.Core.Tests.Ftp;

/// <summary>
/// Every FTP operation against a real server, checked on the server's file system. Subclasses pick
/// the server and plain FTP, explicit TLS or implicit TLS.
/// </summary>
public abstract class FtpServerSessionTests : FtpSessionTestBase
{
    protected FtpServerSessionTests(FtpServerFixture server, ITestOutputHelper output)
        : base(server, output)
    {
    }

    [Fact]
    public async Task The_idle_control_connection_has_TCP_keep_alive_probes_due_within_a_minute()
    {
        // Idle while a data connection carries a file: NAT gateways and firewalls must keep seeing it.
        await using var session = await ConnectAsync();
        await session.KeepAliveAsync(Token);

        var (timer, seconds) = KernelTcpTimer.FromLog(Log);

        Assert.Equal(KernelTcpTimer.KeepAlive, timer);
        Assert.InRange(seconds, 45, 60);
    }

    [Fact]
    public async Task Login_fills_session_info_and_masks_the_password()
    {
        await using var session = await ConnectAsync();
        Assert.True(session.IsConnected);
        Assert.Equal("/", session.CurrentDirectory);
        Assert.Equal(Server.UserName, session.Info.UserName);
        Assert.StartsWith("UNIX", session.Info.ServerSystem, StringComparison.OrdinalIgnoreCase);
        Assert.NotEmpty(session.Info.Features);
        if (Protocol == RemoteProtocol.Ftp)
        {
            Assert.Null(session.Info.TlsProtocol);
        }
        else
        {
            Assert.Contains(session.Info.TlsProtocol, new[] { "TLS 1.2", "TLS 1.3" });
            Assert.NotNull(session.Info.TlsCipher);
            using var certificate = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificateFromFile(Server.CertificatePath("server"));
            Assert.Equal(Convert.ToHexString(SHA256.HashData(certificate.RawData)), session.Info.CertificateThumbprint);
            Assert.Equal(certificate.Subject, session.Info.CertificateSubject);
        }

        await session.KeepAliveAsync(Token);
        await session.DisconnectAsync(Token);
        Assert.False(session.IsConnected);
        Assert.Contains("> PASS ***", Log.Lines);
        Assert.DoesNotContain(Log.Lines, line => line.Contains(Server.Password, StringComparison.Ordinal));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // The test servers run on Linux; modes are read from their disk.
    public async Task Raw_commands_get_the_servers_whole_answer_and_the_session_stays_in_step()
    {
        var dir = "/" + Server.NewTestDirectory();
        var data = RandomBytes(50_000);
        Directory.CreateDirectory(Local(dir, "sub"));
        TestServers.GiveToTestUser(Local(dir, "sub"));
        await using var session = await ConnectAsync();
        await session.ChangeDirectoryAsync(dir, Token);
        await UploadAsync(session, dir + "/raw.bin", data);
        Assert.Empty(await session.ListDirectoryAsync(dir + "/sub", Token));

        // Right after a transfer and a listing of another directory (the server may be in it, and an EPSV sent
        // behind may still be owed), a SITE command with a path relative to the session's current directory, a
        // multi-line answer, and one more: each reply is the command's own.
        var chmod = await RemoteCommand.SendAsync(session, "SITE CHMOD 600 raw.bin", Token);
        var feat = await RemoteCommand.SendAsync(session, "FEAT", Token);
        var noop = await RemoteCommand.SendAsync(session, "NOOP", Token);

        Assert.Equal(200, chmod.Code);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Local(dir, "raw.bin")));
        Assert.Equal(211, feat.Code);
        Assert.True(feat.Lines.Count > 2, string.Join("\n", feat.Lines));
        Assert.StartsWith("211-", feat.Lines[0], StringComparison.Ordinal);
        Assert.StartsWith("211 ", feat.Lines[^1], StringComparison.Ordinal);
        Assert.False(feat.Message.StartsWith("211", StringComparison.Ordinal), feat.Message);
        Assert.Contains(feat.Message.Split('\n'), line => line.Trim().StartsWith("SIZE", StringComparison.Ordinal));
        Assert.Equal(200, noop.Code);
        Assert.Equal("NOOP", noop.Command);

        var listed = Assert.Single(await session.ListDirectoryAsync(dir, Token), i => i.Name == "raw.bin");
        Assert.Equal(data.Length, listed.Length);
        Assert.Equal(data, await DownloadAsync(session, dir + "/raw.bin"));
    }

    [Fact]
    public async Task A_refused_raw_command_is_a_refusal_with_the_servers_answer_and_the_session_goes_on()
    {
        await using var session = await ConnectAsync();

        var refused = await Assert.ThrowsAsync<CommandRefusedException>(() => RemoteCommand.SendAsync(session, "XYZZY plugh", Token));

        Assert.InRange(refused.FtpReplyCode!.Value, 500, 502);
        Assert.StartsWith($"The server refused XYZZY plugh: {refused.FtpReplyCode} ", refused.Message, StringComparison.Ordinal);
        Assert.Equal(200, (await RemoteCommand.SendAsync(session, "NOOP", Token)).Code);
    }

    [Theory]
    [InlineData("CWD /")]
    [InlineData("pasv")]
    [InlineData("RETR x")]
    [InlineData(" QUIT")]
    [InlineData("OPTS UTF8 OFF")]
    [InlineData("NOOP\r\nDELE x")]
    [InlineData("NOOP\nDELE x")]
    [InlineData("REST\t1000")]
    public async Task Raw_commands_that_would_take_the_session_out_of_step_are_refused_before_anything_is_sent(string command)
    {
        await using var session = await ConnectAsync();
        var sentBefore = Log.Lines.Count(l => l.StartsWith("> ", StringComparison.Ordinal));

        await Assert.ThrowsAsync<ArgumentException>(() => RemoteCommand.SendAsync(session, command, Token));

        Assert.Equal(sentBefore, Log.Lines.Count(l => l.StartsWith("> ", StringComparison.Ordinal)));
        Assert.Equal(200, (await RemoteCommand.SendAsync(session, "NOOP", Token)).Code);
        Assert.Equal("/", session.CurrentDirectory);
    }

    [Fact]
    public async Task Wrong_password_is_an_authentication_failure()
    {
        var ex = await Assert.ThrowsAsync<AuthenticationFailedException>(() => RemoteSessionFactory.ConnectAsync(Options(password: "not-the-password"), Token));
        Assert.Contains($"refused the login of user '{Server.UserName}': 530", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-password", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(65537)]
    public async Task Files_round_trip_byte_exact(int length)
    {
        var dir = "/" + Server.NewTestDirectory();
        var data = RandomBytes(length);
        await using var session = await ConnectAsync();
        await UploadAsync(session, dir + "/up.bin", data);
        Assert.Equal(Sha256(data), Sha256File(Local(dir, "up.bin")));

        var back = await DownloadAsync(session, dir + "/up.bin");
        Assert.Equal(Sha256(data), Sha256(back));
        Assert.True(session.IsConnected);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5000)]
    [InlineData((int)FtpSession.EarlyDataLimit)]
    [InlineData((int)FtpSession.EarlyDataLimit + 1)]
    public async Task A_small_upload_of_known_length_arrives_byte_exact_and_a_refused_one_fails_as_the_refusal_and_leaves_the_session_usable(int length)
    {
        // What the transfer engine opens for every upload: over plain FTP, up to EarlyDataLimit bytes go before the 150.
        var dir = "/" + Server.NewTestDirectory();
        var data = RandomBytes(length);
        await using var session = await ConnectAsync();
        var writer = (IKnownLengthWriter)session;
        await WriteAllAsync(await writer.OpenWriteAsync(dir + "/up.bin", 0, length, Token), data);
        Assert.Equal(Sha256(data), Sha256File(Local(dir, "up.bin")));

        // A directory the test account cannot write to (root's, mode 755): the server refuses STOR (553 or 550) and
        // never takes the data connection; the data already written changes nothing.
        Directory.CreateDirectory(Local(dir, "locked"));
        var refused = await Assert.ThrowsAsync<CommandRefusedException>(async () =>
            await WriteAllAsync(await writer.OpenWriteAsync(dir + "/locked/no.bin", 0, length, Token), data));
        Assert.Matches("^55[03]$", refused.FtpReplyCode?.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Contains("STOR " + dir + "/locked/no.bin", refused.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Local(dir, "locked/no.bin")));

        // In step: the next transfer and command are answered as usual.
        await WriteAllAsync(await writer.OpenWriteAsync(dir + "/again.bin", 0, length, Token), data);
        Assert.Equal(Sha256(data), Sha256File(Local(dir, "again.bin")));
        Assert.Equal(length, (await session.GetItemAsync(dir + "/again.bin", Token))!.Length);
    }

    [Fact]
    public async Task Hundred_mebibyte_file_round_trips_in_both_directions()
    {
        var dir = "/" + Server.NewTestDirectory();
        const int Length = 100 * 1024 * 1024;
        var data = RandomBytes(Length);
        await using var session = await ConnectAsync();
        await UploadAsync(session, dir + "/big.bin", data);
        Assert.Equal(Sha256(data), Sha256File(Local(dir, "big.bin")));

        var back = await DownloadAsync(session, dir + "/big.bin");
        Assert.Equal(Length, back.Length);
        Assert.Equal(Sha256(data), Sha256(back));
    }

    [Fact]
    public async Task A_passive_download_of_four_mebibytes_or_more_reads_blocking_and_arrives_byte_exact_and_other_downloads_do_not()
    {
        var dir = "/" + Server.NewTestDirectory();
        var data = RandomBytes((int)FtpSession.BlockingReadThreshold + 4097);
        await File.WriteAllBytesAsync(Local(dir, "bulk.bin"), data, Token);
        await using var session = await ConnectAsync();
        var reader = (IKnownLengthReader)session;

        // What the transfer engine opens: a known length at the threshold or above, or an unknown length.
        Assert.Equal(Sha256(data), Sha256(await ReadSynchronouslyAsync(reader.OpenReadAsync(dir + "/bulk.bin", 0, data.Length, Token), expectBlocking: true)));
        Assert.Equal(Sha256(data), Sha256(await ReadSynchronouslyAsync(reader.OpenReadAsync(dir + "/bulk.bin", 0, null, Token), expectBlocking: true)));

        // Less than the threshold left after the offset, or a caller that gives no length: the usual connection.
        var tail = data.AsSpan(4098).ToArray();
        Assert.Equal(Sha256(tail), Sha256(await ReadSynchronouslyAsync(reader.OpenReadAsync(dir + "/bulk.bin", 4098, data.Length, Token), expectBlocking: false)));
        Assert.Equal(Sha256(data), Sha256(await ReadSynchronouslyAsync(session.OpenReadAsync(dir + "/bulk.bin", 0, Token), expectBlocking: false)));
        Assert.True(session.IsConnected);

        // An active data connection is accepted asynchronously: never blocking.
        await using var active = await ConnectAsync(FtpDataMode.Active);
        Assert.Equal(Sha256(data), Sha256(await ReadSynchronouslyAsync(((IKnownLengthReader)active).OpenReadAsync(dir + "/bulk.bin", 0, data.Length, Token), expectBlocking: false)));
    }

    [Fact]
    public async Task Active_mode_transfers_and_lists()
    {
        var dir = "/" + Server.NewTestDirectory();
        var data = RandomBytes(70000);
        await using var session = await ConnectAsync(FtpDataMode.Active);
        await UploadAsync(session, dir + "/active.bin", data);
        Assert.Equal(Sha256(data), Sha256File(Local(dir, "active.bin")));
        Assert.Equal(Sha256(data), Sha256(await DownloadAsync(session, dir + "/active.bin")));
        var items = await session.ListDirectoryAsync(dir, Token);
        Assert.Equal("active.bin", Assert.Single(items).Name);

        // No passive port is asked for behind a transfer in active mode.
        Assert.DoesNotContain("> EPSV", Log.Lines);
    }

    [Fact]
    public async Task Only_vsftpd_is_asked_for_the_length_and_the_next_port_behind_an_upload_and_the_answers_are_taken()
    {
        var dir = "/" + Server.NewTestDirectory();
        var (first, second) = (RandomBytes(7000), RandomBytes(9000));
        await using var session = await ConnectAsync();
        var before = Log.Lines.Count;
        var stream = await session.OpenWriteAsync(dir + "/one.bin", 0, Token);
        await WriteAllAsync(stream, first);
        await UploadAsync(session, dir + "/two.bin", second);

        Assert.Equal(Sha256(first), Sha256File(Local(dir, "one.bin")));
        Assert.Equal(Sha256(second), Sha256File(Local(dir, "two.bin")));
        var lines = Log.Lines.Skip(before).Where(l => l.StartsWith("> ", StringComparison.Ordinal) || l.StartsWith("< ", StringComparison.Ordinal)).ToList();
        int Index(string line, int from = 0) => lines.FindIndex(from, l => l.StartsWith(line, StringComparison.Ordinal));
        var storOne = Index($"> STOR {dir}/one.bin");
        var storTwo = Index($"> STOR {dir}/two.bin");
        var finalOne = Index("< 226", storOne);
        if (Server is VsftpdFixture)
        {
            // vsftpd reads no command while an upload's data flows: SIZE and EPSV go out once the data has, are
            // answered right after the 226, the length is the stream's (the transfer engine asks no more), and the
            // next upload takes the port.
            Assert.Equal(first.Length, stream.AcknowledgedLength);
            Assert.Equal(new[] { $"> SIZE {dir}/one.bin", "> EPSV" }, lines.GetRange(storOne + 2, 2));
            Assert.Equal(storOne + 4, finalOne);
            Assert.Equal("< 213 7000", lines[finalOne + 1]);
            Assert.StartsWith("< 229 ", lines[finalOne + 2], StringComparison.Ordinal);
            Assert.Equal(finalOne + 3, storTwo);
        }
        else
        {
            // Pure-FTPd reads the control connection during an upload and answers 500 to anything but ABOR and QUIT;
            // ProFTPD is not counted on: nothing is sent before the final reply.
            Assert.Null(stream.AcknowledgedLength);
            Assert.Equal(-1, Index("> SIZE "));
            Assert.Equal(-1, lines.GetRange(storOne, finalOne - storOne).FindIndex(l => l.StartsWith("> ", StringComparison.Ordinal) && l != $"> STOR {dir}/one.bin"));
        }
    }

    [Fact]
    public async Task The_next_download_takes_the_port_asked_for_behind_the_last_one_and_other_commands_drop_it()
    {
        var dir = "/" + Server.NewTestDirectory();
        var files = new[] { "a.bin", "b.bin", "c.bin" }.ToDictionary(n => n, n => RandomBytes(5000 + n[0]));
        foreach (var (name, bytes) in files)
        {
            await File.WriteAllBytesAsync(Local(dir, name), bytes, Token);
        }

        await using var session = await ConnectAsync();
        var before = Log.Lines.Count;
        var a = await DownloadAsync(session, dir + "/a.bin");
        var b = await DownloadAsync(session, dir + "/b.bin");
        var listed = await session.ListDirectoryAsync(dir, Token);
        await session.CreateDirectoryAsync(dir + "/made", false, Token);
        var c = await DownloadAsync(session, dir + "/c.bin");
        await session.DisconnectAsync(Token);

        Assert.Equal(Sha256(files["a.bin"]), Sha256(a));
        Assert.Equal(Sha256(files["b.bin"]), Sha256(b));
        Assert.Equal(Sha256(files["c.bin"]), Sha256(c));
        Assert.Equal(new[] { "a.bin", "b.bin", "c.bin" }, listed.Select(i => i.Name).Order(StringComparer.Ordinal));
        Assert.True(Directory.Exists(Local(dir, "made")));

        // Every test server reads commands sent ahead: the EPSV for the next transfer goes out before a download's
        // final reply is read, and the next download takes its answer instead of asking again.
        var lines = Log.Lines.Skip(before).Where(l => l.StartsWith("> ", StringComparison.Ordinal) || l.StartsWith("< ", StringComparison.Ordinal)).ToList();
        int Index(string line, int from = 0) => lines.FindIndex(from, l => l.StartsWith(line, StringComparison.Ordinal));
        var retrA = Index($"> RETR {dir}/a.bin");
        var retrB = Index($"> RETR {dir}/b.bin");
        var finalA = Index("< 226", retrA);
        Assert.InRange(Index("> EPSV", retrA), retrA + 1, finalA - 1);
        Assert.Equal(-1, lines.GetRange(finalA, retrB - finalA).FindIndex(l => l.StartsWith("> ", StringComparison.Ordinal)));
        Assert.StartsWith("< 229 ", lines[retrB - 1], StringComparison.Ordinal);

        // MKD came between: the 229 asked for behind the listing was read and dropped before MKD's answer, and the last
        // download asked for a port of its own.
        var mkd = Index($"> MKD {dir}/made");
        var retrC = Index($"> RETR {dir}/c.bin");
        Assert.StartsWith("< 229 ", lines[mkd + 1], StringComparison.Ordinal);
        Assert.StartsWith("< 257 ", lines[mkd + 2], StringComparison.Ordinal);
        Assert.Equal("> EPSV", lines[mkd + 3]);
        Assert.Equal(mkd + 5, retrC);

        // QUIT does not wait for the 229 asked for behind the last download: it is read after QUIT went out, then 221.
        var quit = Index("> QUIT", retrC);
        Assert.InRange(Index("> EPSV", retrC), retrC + 1, quit - 2);
        Assert.StartsWith("< 226", lines[quit - 1], StringComparison.Ordinal);
        Assert.StartsWith("< 229 ", lines[quit + 1], StringComparison.Ordinal);
        Assert.StartsWith("< 221", lines[quit + 2], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Interrupted_download_resumes_byte_exact()
    {
        var dir = Server.NewTestDirectory();
        var data = RandomBytes(3 * 1024 * 1024 + 17);
        await File.WriteAllBytesAsync(Local(dir, "src.bin"), data, Token);
        var cut = RandomNumberGenerator.GetInt32(1, data.Length - 1);

        await using var session = await ConnectAsync();
        var first = new byte[cut];
        var stream = await session.OpenReadAsync($"/{dir}/src.bin", 0, Token);
        await using (stream)
        {
            await stream.ReadExactlyAsync(first, Token);
        }

        var rest = await DownloadAsync(session, $"/{dir}/src.bin", cut);
        Assert.Equal(Sha256(data), Sha256(first.Concat(rest).ToArray()));
        Assert.True(session.IsConnected);
    }

    [Fact]
    public async Task Interrupted_upload_resumes_byte_exact()
    {
        var dir = "/" + Server.NewTestDirectory();
        var data = RandomBytes(3 * 1024 * 1024 + 5);
        var cut = RandomNumberGenerator.GetInt32(1, data.Length - 1);

        await using var session = await ConnectAsync();
        var stream = await session.OpenWriteAsync(dir + "/up.bin", 0, Token);
        await using (stream)
        {
            await stream.WriteAsync(data.AsMemory(0, cut), Token);
        }

        var partial = await session.GetItemAsync(dir + "/up.bin", Token);
        Assert.NotNull(partial);
        var have = partial!.Length!.Value;
        Assert.InRange(have, 0, cut);
        await UploadAsync(session, dir + "/up.bin", data, have);
        Assert.Equal(Sha256(data), Sha256File(Local(dir, "up.bin")));
    }

    [Fact]
    public async Task Listing_and_items_describe_files_directories_and_links()
    {
        var dir = Server.NewTestDirectory();
        await File.WriteAllBytesAsync(Local(dir, "a file.txt"), new byte[1234], Token);
        Directory.CreateDirectory(Local(dir, "sub dir"));
        var stamp = new DateTime(2021, 3, 4, 5, 6, 7, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(Local(dir, "a file.txt"), stamp);

        await using var session = await ConnectAsync();
        var items = (await session.ListDirectoryAsync("/" + dir, Token)).OrderBy(i => i.Name, StringComparer.Ordinal).ToList();
        Assert.Equal(new[] { "a file.txt", "sub dir" }, items.Select(i => i.Name));
        Assert.Equal(RemoteItemKind.File, items[0].Kind);
        Assert.Equal(1234, items[0].Length);
        Assert.Equal($"/{dir}/a file.txt", items[0].FullName);
        Assert.Equal(RemoteItemKind.Directory, items[1].Kind);

        var file = await session.GetItemAsync($"/{dir}/a file.txt", Token);
        Assert.Equal(RemoteItemKind.File, file!.Kind);
        Assert.Equal(1234, file.Length);
        Assert.Equal(stamp, file.LastWriteTimeUtc);

        // One question to a server with MLST; to one without (vsftpd), SIZE and MDTM in one write.
        var lines = Log.Lines.ToList();
        if (lines.Contains($"> MLST /{dir}/a file.txt"))
        {
            Assert.DoesNotContain($"> SIZE /{dir}/a file.txt", lines);
        }
        else
        {
            Assert.Equal($"> MDTM /{dir}/a file.txt", lines[lines.IndexOf($"> SIZE /{dir}/a file.txt") + 1]);
        }

        var sub = await session.GetItemAsync($"/{dir}/sub dir", Token);
        Assert.Equal(RemoteItemKind.Directory, sub!.Kind);
        Assert.Null(await session.GetItemAsync($"/{dir}/missing", Token));
        Assert.Null(await session.GetItemAsync($"/{dir}-missing/x", Token));

        var ex = await Assert.ThrowsAsync<CommandRefusedException>(() => session.ListDirectoryAsync($"/{dir}/missing", Token));
        Assert.Equal(RemoteErrorKind.NotFound, ex.Kind);
        Assert.Equal(550, ex.FtpReplyCode);
    }

    [Fact]
    public async Task Directories_are_created_with_parents_and_removed()
    {
        var dir = "/" + Server.NewTestDirectory();
        await using var session = await ConnectAsync();
        await session.CreateDirectoryAsync(dir + "/one", createParents: false, Token);
        Assert.True(Directory.Exists(Local(dir, "one")));

        await session.CreateDirectoryAsync(dir + "/a/b/c", createParents: true, Token);
        Assert.True(Directory.Exists(Local(dir, "a/b/c")));
        await session.CreateDirectoryAsync(dir + "/a/b/c", createParents: true, Token);

        var exists = await Assert.ThrowsAsync<CommandRefusedException>(() => session.CreateDirectoryAsync(dir + "/one", false, Token));
        Assert.Equal(RemoteErrorKind.AlreadyExists, exists.Kind);
        var noParent = await Assert.ThrowsAsync<CommandRefusedException>(() => session.CreateDirectoryAsync(dir + "/x/y", false, Token));
        Assert.Equal(RemoteErrorKind.NotFound, noParent.Kind);

        var notEmpty = await Assert.ThrowsAsync<CommandRefusedException>(() => session.RemoveDirectoryAsync(dir + "/a", Token));
        Assert.Equal(RemoteErrorKind.NotEmpty, notEmpty.Kind);
        await session.RemoveDirectoryAsync(dir + "/a/b/c", Token);
        Assert.False(Directory.Exists(Local(dir, "a/b/c")));
        var missing = await Assert.ThrowsAsync<CommandRefusedException>(() => session.RemoveDirectoryAsync(dir + "/a/b/c", Token));
        Assert.Equal(RemoteErrorKind.NotFound, missing.Kind);
        Assert.True(session.IsConnected);
    }

    [Fact]
    public async Task Files_are_deleted_and_renamed()
    {
        var dir = "/" + Server.NewTestDirectory();
        await using var session = await ConnectAsync();
        await UploadAsync(session, dir + "/a.txt", new byte[] { 1, 2, 3 });
        await UploadAsync(session, dir + "/b.txt", new byte[] { 4 });

        var clash = await Assert.ThrowsAsync<CommandRefusedException>(() => session.RenameAsync(dir + "/a.txt", dir + "/b.txt", overwrite: false, Token));
        Assert.Equal(RemoteErrorKind.AlreadyExists, clash.Kind);
        Assert.Equal(new byte[] { 4 }, await File.ReadAllBytesAsync(Local(dir, "b.txt"), Token));

        await session.RenameAsync(dir + "/a.txt", dir + "/b.txt", overwrite: true, Token);
        Assert.False(File.Exists(Local(dir, "a.txt")));
        Assert.Equal(new byte[] { 1, 2, 3 }, await File.ReadAllBytesAsync(Local(dir, "b.txt"), Token));

        // Every test server reads one command line at a time: RNTO goes out with RNFR, before its answer.
        var lines = Log.Lines.ToList();
        Assert.Equal($"> RNTO {dir}/b.txt", lines[lines.IndexOf($"> RNFR {dir}/a.txt") + 1]);

        await session.CreateDirectoryAsync(dir + "/moved", false, Token);
        await session.RenameAsync(dir + "/b.txt", dir + "/moved/c.txt", overwrite: false, Token);
        Assert.True(File.Exists(Local(dir, "moved/c.txt")));

        // RNFR's refusal is the error; RNTO's refusal (no RNFR pending) is read too, so the next command gets its own answer.
        var missing = await Assert.ThrowsAsync<CommandRefusedException>(() => session.RenameAsync(dir + "/nope", dir + "/x", false, Token));
        Assert.Equal(RemoteErrorKind.NotFound, missing.Kind);
        Assert.StartsWith($"The server refused RNFR {dir}/nope: 550", missing.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Local(dir, "x")));

        await session.RemoveFileAsync(dir + "/moved/c.txt", Token);
        Assert.False(File.Exists(Local(dir, "moved/c.txt")));
        var gone = await Assert.ThrowsAsync<CommandRefusedException>(() => session.RemoveFileAsync(dir + "/moved/c.txt", Token));
        Assert.Equal(RemoteErrorKind.NotFound, gone.Kind);
        Assert.Equal(550, gone.FtpReplyCode);
    }

    [Fact]
    public async Task A_rename_sent_behind_is_answered_with_the_next_command_and_each_answer_reaches_its_own_rename()
    {
        var dir = "/" + Server.NewTestDirectory();
        await using var session = await ConnectAsync();
        var behind = (IRenameBehind)session;
        await UploadAsync(session, dir + "/a.txt", new byte[] { 1, 2, 3 });
        await UploadAsync(session, dir + "/c.txt", new byte[] { 5 });

        // Sent, not answered yet: a refused one (no such file) between two that are done.
        var first = await behind.SendRenameAsync(dir + "/a.txt", dir + "/b.txt", overwrite: false, Token);
        var refused = await behind.SendRenameAsync(dir + "/nope", dir + "/x", overwrite: true, Token);
        var third = await behind.SendRenameAsync(dir + "/c.txt", dir + "/d.txt", overwrite: true, Token);
        Assert.False(first.IsCompleted);
        Assert.False(third.IsCompleted);

        // The next command reads the three answers first, then its own.
        var item = await session.GetItemAsync(dir + "/b.txt", Token);
        Assert.Equal(3, item?.Length);
        await first;
        await third;
        var missing = await Assert.ThrowsAsync<CommandRefusedException>(() => refused);
        Assert.Equal(RemoteErrorKind.NotFound, missing.Kind);
        Assert.StartsWith($"The server refused RNFR {dir}/nope: 550", missing.Message, StringComparison.Ordinal);
        Assert.Equal(new[] { "b.txt", "d.txt" }, Directory.GetFiles(Local(dir)).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(new byte[] { 1, 2, 3 }, await File.ReadAllBytesAsync(Local(dir, "b.txt"), Token));

        // On the wire: the next command went out before the first rename's answer came back.
        var lines = Log.Lines.ToList();
        var rnto = lines.IndexOf($"> RNTO {dir}/d.txt");
        var next = lines.FindIndex(rnto + 1, l => l.StartsWith("> ", StringComparison.Ordinal));
        var firstAnswer = lines.FindIndex(lines.IndexOf($"> RNTO {dir}/b.txt"), l => l.StartsWith("< 250", StringComparison.Ordinal));
        Assert.True(next > rnto && next < firstAnswer, string.Join("\n", lines.Skip(rnto - 6)));

        // Without -Force the target is looked at first, as RenameAsync does.
        var clash = await behind.SendRenameAsync(dir + "/b.txt", dir + "/d.txt", overwrite: false, Token);
        Assert.Equal(RemoteErrorKind.AlreadyExists, (await Assert.ThrowsAsync<CommandRefusedException>(() => clash)).Kind);

        // With no next command, the answers are read on request, or before QUIT.
        var asked = await behind.SendRenameAsync(dir + "/b.txt", dir + "/e.txt", overwrite: true, Token);
        await behind.ReadOwedAnswersAsync();
        Assert.True(asked.IsCompletedSuccessfully);
        Assert.True(File.Exists(Local(dir, "e.txt")));
        var last = await behind.SendRenameAsync(dir + "/e.txt", dir + "/f.txt", overwrite: true, Token);
        await session.DisconnectAsync(Token);
        await last;
        Assert.Equal(new[] { "d.txt", "f.txt" }, Directory.GetFiles(Local(dir)).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Contains(Log.Lines, l => l.StartsWith("< 221", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Directories_are_listed_afresh_and_can_be_renamed_and_removed_right_after_their_listing()
    {
        var dir = "/" + Server.NewTestDirectory();
        await using var session = await ConnectAsync();
        var home = session.CurrentDirectory;
        await session.CreateDirectoryAsync(dir + "/d", false, Token);
        await session.CreateDirectoryAsync(dir + "/other", false, Token);
        await UploadAsync(session, dir + "/d/old.txt", new byte[] { 1 });

        // One listing after another: a server without MLSD is sent into each directory and not brought back between.
        var before = Log.Lines.Count;
        Assert.Equal(new[] { "old.txt" }, (await session.ListDirectoryAsync(dir + "/d", Token)).Select(i => i.Name));
        Assert.Empty(await session.ListDirectoryAsync(dir + "/other", Token));
        var listed = Log.Lines.Skip(before).ToList();
        var entered = Enumerable.Range(0, listed.Count).Where(i => listed[i].StartsWith("> CWD ", StringComparison.Ordinal)).ToList();
        Assert.All(entered, i => Assert.Contains(listed[i], new[] { $"> CWD {dir}/d", $"> CWD {dir}/other" }));

        // Without MLSD, each CWD goes out with the listing's EPSV (every test server reads one line at a time).
        Assert.Equal(listed.Any(l => l.StartsWith("> MLSD ", StringComparison.Ordinal)) ? 0 : 2, entered.Count);
        Assert.All(entered, i => Assert.Equal("> EPSV", listed[i + 1]));

        // Rotated by someone else, the way log directories are: renamed on the server's disk and replaced. The path is
        // looked up again, so the new directory is listed, not the one a server without MLSD was left in.
        await session.ListDirectoryAsync(dir + "/d", Token);
        Directory.Move(Local(dir, "d"), Local(dir, "d.1"));
        Directory.CreateDirectory(Local(dir, "d"));
        await File.WriteAllBytesAsync(Local(dir, "d/new.txt"), new byte[] { 2, 3 }, Token);
        TestServers.GiveToTestUser(Local(dir, "d"));
        Assert.Equal(new[] { "new.txt" }, (await session.ListDirectoryAsync(dir + "/d", Token)).Select(i => i.Name));

        // Renamed, emptied and removed right after being listed, where the server may still be.
        await session.RenameAsync(dir + "/d", dir + "/e", overwrite: false, Token);
        Assert.False(Directory.Exists(Local(dir, "d")));
        Assert.Equal(new byte[] { 2, 3 }, await File.ReadAllBytesAsync(Local(dir, "e/new.txt"), Token));
        Assert.Equal(new[] { "new.txt" }, (await session.ListDirectoryAsync(dir + "/e", Token)).Select(i => i.Name));
        await session.RemoveFileAsync(dir + "/e/new.txt", Token);
        Assert.Empty(await session.ListDirectoryAsync(dir + "/e", Token));
        await session.RemoveDirectoryAsync(dir + "/e", Token);
        Assert.False(Directory.Exists(Local(dir, "e")));

        var gone = await Assert.ThrowsAsync<CommandRefusedException>(() => session.ListDirectoryAsync(dir + "/e", Token));
        Assert.Equal(RemoteErrorKind.NotFound, gone.Kind);
        Assert.Equal(home, session.CurrentDirectory);
        Assert.Equal(new[] { "d.1", "other" }, (await session.ListDirectoryAsync(dir, Token)).Select(i => i.Name).OrderBy(n => n, StringComparer.Ordinal));
    }

    [Fact]
    public async Task The_login_questions_go_out_together_and_each_answer_is_read_in_turn()
    {
        var dir = "/" + Server.NewTestDirectory();
        await using var session = await ConnectAsync();

        // After the login, all in one write (every test server reads one command line at a time): data protection
        // (TLS), SYST, FEAT, OPTS UTF8, TYPE and PWD. The protocol log has a write's commands in a row, before any
        // answer, and the answers after them.
        var lines = Log.Lines.ToList();
        var questions = (Protocol == RemoteProtocol.Ftp ? Array.Empty<string>() : new[] { "PBSZ 0", "PROT P" })
            .Concat(new[] { "SYST", "FEAT", "OPTS UTF8 ON", "TYPE I", "PWD" }).Select(c => "> " + c).ToArray();
        var start = lines.IndexOf(questions[0]);
        Assert.StartsWith("< 230", lines[start - 1], StringComparison.Ordinal);
        Assert.Equal(questions, lines.Skip(start).Take(questions.Length));
        Assert.StartsWith("< ", lines[start + questions.Length], StringComparison.Ordinal);

        // Each answer went to its own question: the system type, the features, the login directory, binary mode
        // (ProFTPD converts line ends in ASCII mode, so these bytes would not come back as sent).
        Assert.Contains("UNIX", session.Info.ServerSystem, StringComparison.Ordinal);
        Assert.Contains("EPSV", session.Info.Features);
        Assert.Equal("/", session.CurrentDirectory);
        var data = new byte[] { (byte)'a', (byte)'\n', (byte)'b', (byte)'\r', (byte)'\n', 0, 0xFF, (byte)'\r' };
        await UploadAsync(session, dir + "/bytes.bin", data);
        Assert.Equal(data, await File.ReadAllBytesAsync(Local(dir, "bytes.bin"), Token));
        Assert.Equal(data, await DownloadAsync(session, dir + "/bytes.bin"));
    }

    [Fact]
    public async Task A_start_path_is_where_relative_paths_start_and_a_missing_one_fails_the_connect()
    {
        var dir = "/" + Server.NewTestDirectory();
        string home;
        await using (var setup = await ConnectAsync())
        {
            home = setup.CurrentDirectory;
            await setup.CreateDirectoryAsync(dir + "/in", false, Token);
        }

        // Every test server locks its user into the root it serves; a relative start path starts there.
        Assert.Equal("/", home);

        // Absolute: CWD there and PWD after it; the login directory is not asked for first.
        var before = Log.Lines.Count;
        List<string> lines;
        await using (var session = await RemoteSessionFactory.ConnectAsync(Options(startPath: dir + "//in/"), Token))
        {
            lines = Log.Lines.Skip(before).ToList();
            Assert.Equal(dir + "/in", session.CurrentDirectory);
            await UploadAsync(session, "a.txt", new byte[] { 1, 2, 3 });

            // A refused CWD leaves the session where it was, and in step: the next commands get their own answers.
            var refused = await Assert.ThrowsAsync<CommandRefusedException>(() => session.ChangeDirectoryAsync("none", Token));
            Assert.Equal(RemoteErrorKind.NotFound, refused.Kind);
            Assert.Equal(dir + "/in", session.CurrentDirectory);
            Assert.Equal(3, (await session.GetItemAsync("a.txt", Token))!.Length);
            await session.ChangeDirectoryAsync("..", Token);
            Assert.Equal(dir, session.CurrentDirectory);
        }

        var commands = lines.Where(l => l.StartsWith("> CWD ", StringComparison.Ordinal) || l == "> PWD").ToList();
        Assert.Equal(new[] { $"> CWD {dir}/in", "> PWD" }, commands.Take(2));
        Assert.Single(commands, "> PWD");

        // Every test server reads one command line at a time: the PWD goes out with the CWD, before its answer.
        Assert.Equal("> PWD", lines[lines.IndexOf($"> CWD {dir}/in") + 1]);
        Assert.Equal(new byte[] { 1, 2, 3 }, await File.ReadAllBytesAsync(Local(dir, "in/a.txt"), Token));

        // Relative: from the login directory.
        await using (var session = await RemoteSessionFactory.ConnectAsync(Options(startPath: dir.TrimStart('/') + "/in"), Token))
        {
            Assert.Equal(dir + "/in", session.CurrentDirectory);
            Assert.Equal(new byte[] { 1, 2, 3 }, await DownloadAsync(session, "a.txt"));
        }

        var missing = await Assert.ThrowsAsync<CommandRefusedException>(() => RemoteSessionFactory.ConnectAsync(Options(startPath: dir + "/none"), Token));
        Assert.Equal(RemoteErrorKind.NotFound, missing.Kind);
        Assert.Contains(dir + "/none", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_file_download_is_not_found_and_the_session_stays_usable()
    {
        var dir = "/" + Server.NewTestDirectory();
        await using var session = await ConnectAsync();
        var ex = await Assert.ThrowsAsync<CommandRefusedException>(() => session.OpenReadAsync(dir + "/none.bin", 0, Token));
        Assert.Equal(RemoteErrorKind.NotFound, ex.Kind);
        Assert.Equal(550, ex.FtpReplyCode);
        Assert.Empty(await session.ListDirectoryAsync(dir, Token));
    }

    [Fact]
    public async Task Names_with_spaces_and_non_ascii_round_trip()
    {
        var dir = "/" + Server.NewTestDirectory();
        const string Name = " Grüße – 日本語 file.txt";
        var data = RandomBytes(999);
        await using var session = await ConnectAsync();
        await session.CreateDirectoryAsync(dir + "/Ünïcødé dir", false, Token);
        await UploadAsync(session, dir + "/Ünïcødé dir/" + Name, data);
        Assert.Equal(Sha256(data), Sha256File(Local(dir, "Ünïcødé dir/" + Name)));

        var items = await session.ListDirectoryAsync(dir + "/Ünïcødé dir", Token);
        Assert.Equal(Name, Assert.Single(items).Name);
        Assert.Equal(Sha256(data), Sha256(await DownloadAsync(session, items[0].FullName)));

        await session.ChangeDirectoryAsync(dir + "/Ünïcødé dir", Token);
        Assert.Equal(dir + "/Ünïcødé dir", session.CurrentDirectory);
        Assert.Equal(999, (await session.GetItemAsync(Name, Token))!.Length);
    }

    [Fact]
    public async Task Modification_time_is_set()
    {
        var dir = Server.NewTestDirectory();
        await File.WriteAllTextAsync(Local(dir, "t.txt"), "x", Token);
        TestServers.GiveToTestUser(Local(dir, "t.txt"));
        var stamp = new DateTime(2019, 12, 31, 23, 59, 58, DateTimeKind.Utc);
        await using var session = await ConnectAsync();
        await session.SetLastWriteTimeAsync($"/{dir}/t.txt", stamp, Token);
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(Local(dir, "t.txt")));
    }

    [Fact]
    public async Task Aborted_download_leaves_the_session_usable()
    {
        var dir = Server.NewTestDirectory();
        await File.WriteAllBytesAsync(Local(dir, "big.bin"), RandomBytes(8 * 1024 * 1024), Token);
        await using var session = await ConnectAsync();
        var stream = await session.OpenReadAsync($"/{dir}/big.bin", 0, Token);
        var buffer = new byte[1000];
        await stream.ReadExactlyAsync(buffer, Token);
        await stream.DisposeAsync();

        var small = RandomBytes(10);
        await UploadAsync(session, $"/{dir}/after.bin", small);
        Assert.Equal(small, await DownloadAsync(session, $"/{dir}/after.bin"));
    }

    [Theory]
    [InlineData(FtpDataMode.Passive)]
    [InlineData(FtpDataMode.Active)]
    public async Task A_listing_cancelled_as_its_data_comes_is_aborted_and_the_next_commands_get_their_own_answers(FtpDataMode mode)
    {
        // Enough entries (some 600 KB of LIST lines) that the server is still sending when the listing is given up.
        const int Entries = 4000;
        var dir = "/" + Server.NewTestDirectory();
        Directory.CreateDirectory(Local(dir, "many"));
        for (var i = 0; i < Entries; i++)
        {
            await File.WriteAllBytesAsync(Local(dir, $"many/{i:D5}-{new string('n', 80)}.txt"), Array.Empty<byte>(), Token);
        }

        var one = RandomBytes(5000);
        await File.WriteAllBytesAsync(Local(dir, "one.bin"), one, Token);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Token);
        var log = new CancelOnPreliminaryReply(Log, cancel);
        await using var session = await RemoteSessionFactory.ConnectAsync(Options(mode, log: log), Token);

        // Cancelled the moment the server says the listing's data is coming (Ctrl+C, or a tab completion's limit).
        log.Armed = true;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => session.ListDirectoryAsync(dir + "/many", cancel.Token));
        Assert.False(log.Armed, "the listing was not cancelled at its 1yz reply");
        var cancelledAt = Log.Lines.Count;

        // Each command gets its own answer, not the given-up listing's 226 or 426.
        Assert.True(session.IsConnected);
        var listed = await session.ListDirectoryAsync(dir, Token);
        Assert.Equal(new[] { "many", "one.bin" }, listed.Select(i => i.Name).OrderBy(n => n, StringComparer.Ordinal));
        Assert.Equal(5000, Assert.Single(listed, i => i.Name == "one.bin").Length);
        Assert.Equal(Sha256(one), Sha256(await DownloadAsync(session, dir + "/one.bin")));
        Assert.Null(await session.GetItemAsync(dir + "/missing.bin", Token));
        Assert.Equal(Entries, (await session.ListDirectoryAsync(dir + "/many", Token)).Count);
        var after = Log.Lines.Skip(cancelledAt).ToList();
        Assert.Equal("> ABOR", after.First(l => l.StartsWith("> ", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_command_not_safe_to_repeat_runs_on_a_new_connection_when_the_old_one_is_found_lost_before_it_sent_anything()
    {
        // A download given up leaves its end owed (ABOR and the replies, read before the next command). The server
        // goes away meanwhile; the next command meets that while reading what was owed, before its own request, so
        // even a removal runs on a new connection rather than failing.
        var dir = "/" + Server.NewTestDirectory();
        await File.WriteAllBytesAsync(Local(dir, "big.bin"), RandomBytes(8 * 1024 * 1024), Token);
        await File.WriteAllBytesAsync(Local(dir, "doomed.txt"), RandomBytes(10), Token);
        TestServers.GiveToTestUser(Local(dir));
        var first = await ConnectAsync();
        await using var keeper = new SessionKeeper(first, ct => RemoteSessionFactory.ConnectAsync(Options(), ct), 2, TimeSpan.Zero, null) { ProbeAfterIdle = TimeSpan.FromHours(1) };
        var warnings = new List<string>();
        var download = await first.OpenReadAsync(dir + "/big.bin", 0, Token);
        await download.ReadExactlyAsync(new byte[64 * 1024], Token);
        await download.DisposeAsync();

        ServerSideKill.KillServersOf(ControlPort);
        await keeper.RunAsync((session, ct) => session.RemoveFileAsync(dir + "/doomed.txt", ct), repeatable: false, warnings.Add, Token);

        Assert.False(File.Exists(Local(dir, "doomed.txt")));
        Assert.Equal(1, keeper.Reconnects);
        Assert.True(keeper.Current.IsConnected);
        Assert.Equal($"The connection to {first.Host}:{first.Port} had been lost and was made again; working directory /.", warnings[^1]);

        // A work whose first requests went is not run again when a later one finds the connection lost: it fails.
        await File.WriteAllBytesAsync(Local(dir, "kept.txt"), RandomBytes(10), Token);
        TestServers.GiveToTestUser(Local(dir, "kept.txt"));
        var lost = await Assert.ThrowsAsync<ConnectionLostException>(() => keeper.RunAsync(
            async (session, ct) =>
            {
                Assert.NotNull(await session.GetItemAsync(dir + "/kept.txt", ct));
                var again = await session.OpenReadAsync(dir + "/big.bin", 0, ct);
                await again.ReadExactlyAsync(new byte[64 * 1024], ct);
                await again.DisposeAsync();
                ServerSideKill.KillServersOf(ControlPort);
                await session.RemoveFileAsync(dir + "/kept.txt", ct);
            },
            repeatable: false,
            warnings.Add,
            Token));
        Assert.True(lost.BeforeRequest);
        Assert.Equal(1, keeper.Reconnects);
        Assert.True(File.Exists(Local(dir, "kept.txt")));
    }

    /// <summary>Passes the log on; once armed, cancels at the next 1yz reply (a transfer's data is coming) and disarms.</summary>
    private sealed class CancelOnPreliminaryReply : IProtocolLog
    {
        private readonly IProtocolLog _inner;
        private readonly CancellationTokenSource _cancel;
        private volatile bool _armed;

        public CancelOnPreliminaryReply(IProtocolLog inner, CancellationTokenSource cancel)
        {
            _inner = inner;
            _cancel = cancel;
        }

        public bool Armed
        {
            get => _armed;
            set => _armed = value;
        }

        public void Write(LogDirection direction, string message)
        {
            _inner.Write(direction, message);
            if (_armed && direction == LogDirection.Received && message.StartsWith('1'))
            {
                _armed = false;
                _cancel.Cancel();
            }
        }
    }

    /// <summary>Reads a download to its end with synchronous reads, as the engine's blocking copy does, and completes it.</summary>
    private async Task<byte[]> ReadSynchronouslyAsync(Task<RemoteFileStream> opening, bool expectBlocking)
    {
        await using var stream = await opening;
        Assert.Equal(expectBlocking, stream.ReadsBlocking);
        using var memory = new MemoryStream();
        var buffer = new byte[256 * 1024];
        int read;
        while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            memory.Write(buffer, 0, read);
        }

        await stream.CompleteAsync(Token);
        return memory.ToArray();
    }
}

[Collection("vsftpd")]
public sealed class VsftpdPlainSessionTests : FtpServerSessionTests
{
    public VsftpdPlainSessionTests(VsftpdFixture server, ITestOutputHelper output)
        : base(server, output)
    {
    }

    protected override RemoteProtocol Protocol => RemoteProtocol.Ftp;

    [Fact]
    public async Task An_idle_session_outlives_its_operation_timeout_and_transfers_afterwards()
    {
        // The operation timeout bounds the wait for a reply, not the quiet time between commands. One server is
        // enough: the control connection is read only while a command waits, whatever the server.
        var dir = "/" + Server.NewTestDirectory();
        var options = Options();
        await using var session = await RemoteSessionFactory.ConnectAsync(
            new ConnectionOptions
            {
                Protocol = options.Protocol,
                Host = options.Host,
                Port = options.Port,
                Credential = options.Credential,
                Tls = options.Tls,
                Log = options.Log,
                OperationTimeout = TimeSpan.FromSeconds(3),
            },
            Token);

        await Task.Delay(TimeSpan.FromSeconds(4), Token);

        Assert.True(session.IsConnected);
        var data = RandomBytes(70_000);
        await UploadAsync(session, dir + "/after-idle.bin", data);
        Assert.Equal(Sha256(data), Sha256File(Local(dir, "after-idle.bin")));
    }
}

[Collection("vsftpd")]
public sealed class VsftpdExplicitTlsSessionTests : FtpServerSessionTests
{
    public VsftpdExplicitTlsSessionTests(VsftpdFixture server, ITestOutputHelper output)
        : base(server, output)
    {
    }

    protected override RemoteProtocol Protocol => RemoteProtocol.Ftpes;
}

[Collection("vsftpd")]
public sealed class VsftpdImplicitTlsSessionTests : FtpServerSessionTests
{
    private readonly VsftpdFixture _server;

    public VsftpdImplicitTlsSessionTests(VsftpdFixture server, ITestOutputHelper output)
        : base(server, output)
    {
        _server = server;
    }

    protected override RemoteProtocol Protocol => RemoteProtocol.Ftps;

    protected override int ControlPort => _server.ImplicitTlsPort;
}

[Collection("proftpd")]
public sealed class ProftpdPlainSessionTests : FtpServerSessionTests
{
    public ProftpdPlainSessionTests(ProftpdFixture server, ITestOutputHelper output)
        : base(server, output)
    {
    }

    protected override RemoteProtocol Protocol => RemoteProtocol.Ftp;
}

[Collection("proftpd")]
public sealed class ProftpdExplicitTlsSessionTests : FtpServerSessionTests
{
    public ProftpdExplicitTlsSessionTests(ProftpdFixture server, ITestOutputHelper output)
        : base(server, output)
    {
    }

    protected override RemoteProtocol Protocol => RemoteProtocol.Ftpes;
}

[Collection("pure-ftpd")]
public sealed class PureFtpdPlainSessionTests : FtpServerSessionTests
{
    public PureFtpdPlainSessionTests(PureFtpdFixture server, ITestOutputHelper output)
        : base(server, output)
    {
    }

    protected override RemoteProtocol Protocol => RemoteProtocol.Ftp;
}

[Collection("pure-ftpd")]
public sealed class PureFtpdExplicitTlsSessionTests : FtpServerSessionTests
{
    public PureFtpdExplicitTlsSessionTests(PureFtpdFixture server, ITestOutputHelper output)
        : base(server, output)
    {
    }

    protected override RemoteProtocol Protocol => RemoteProtocol.Ftpes;
}
