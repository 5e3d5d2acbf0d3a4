using System;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;
using FtpTools.Core.Sftp;
using FtpTools.Core.Transfers;
using Xunit;

namespace FtpTools.Core.Tests.Sftp;

/// <summary>Every session operation against OpenSSH's sftp-server, each checked on the local file system.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SftpOperationTests : IAsyncLifetime
{
    private readonly RecordingLog _log = new();
    private SftpServerProcess _server = null!;
    private SftpSession _session = null!;

    public async Task InitializeAsync()
    {
        _server = SftpServerProcess.Create();
        _session = await _server.ConnectAsync(log: _log);
    }

    public async Task DisposeAsync()
    {
        await _session.DisposeAsync();
        await _server.DisposeAsync();
    }

    private static CancellationToken None => CancellationToken.None;

    [Fact]
    public void The_start_directory_is_the_servers_real_path_of_dot()
    {
        Assert.Equal(Path.GetFullPath(_server.Root), _session.CurrentDirectory);
        Assert.Equal(RemoteProtocol.Sftp, _session.Protocol);
        Assert.True(_session.IsConnected);
        Assert.Contains(SftpExtensionNames.PosixRename, _session.Extensions.Keys);
    }

    [Fact]
    public async Task A_start_path_from_the_options_is_changed_to()
    {
        Directory.CreateDirectory(_server.Local("start here"));
        await using var session = await _server.ConnectAsync(startPath: "start here");

        Assert.Equal(_server.Local("start here"), session.CurrentDirectory);
    }

    [Fact]
    public async Task An_absolute_start_path_is_looked_up_in_one_round_trip_and_must_be_a_directory()
    {
        Directory.CreateDirectory(_server.Local("abs/dir"));
        File.CreateSymbolicLink(_server.Local("abs/link"), "dir");
        await File.WriteAllTextAsync(_server.Local("abs/file"), "x");
        var log = new RecordingLog();

        await using (var session = await _server.ConnectAsync(log: log, startPath: _server.Local("abs/link")))
        {
            // The server's canonical path: the link resolved.
            Assert.Equal(_server.Local("abs/dir"), session.CurrentDirectory);
        }

        // REALPATH and STAT of the start path go out before either of their answers comes back; "." is not asked
        // for. (The answer to limits@openssh.com, sent just before them, may come back before they go out.)
        var sent = log.Lines.Where(l => l.StartsWith("> SSH_FXP_REALPATH", StringComparison.Ordinal) || l.StartsWith("> SSH_FXP_STAT", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, sent.Count);
        Assert.All(sent, l => Assert.EndsWith(" " + _server.Local("abs/link"), l, StringComparison.Ordinal));
        var ids = sent.Select(l => "< " + l.Split(' ')[2] + " ").ToList();
        var lines = log.Lines.ToList();
        var firstAnswer = lines.FindIndex(l => ids.Any(id => l.StartsWith(id, StringComparison.Ordinal)));
        Assert.True(firstAnswer > 0, log.ToString());
        Assert.True(lines.IndexOf(sent[1]) < firstAnswer, log.ToString());

        var missing = await Assert.ThrowsAsync<CommandRefusedException>(() => _server.ConnectAsync(startPath: _server.Local("abs/none")));
        Assert.Equal(RemoteErrorKind.NotFound, missing.Kind);
        Assert.Contains(_server.Local("abs/none"), missing.Message, StringComparison.Ordinal);

        var file = await Assert.ThrowsAsync<CommandRefusedException>(() => _server.ConnectAsync(startPath: _server.Local("abs/file")));
        Assert.Equal($"Cannot change to {_server.Local("abs/file")}: it is not a directory.", file.Message);
        Assert.Equal(RemoteErrorKind.NotFound, file.Kind);
    }

    [Fact]
    public async Task Listing_reports_kinds_sizes_times_permissions_owners_and_link_targets()
    {
        await File.WriteAllBytesAsync(_server.Local("file.txt"), new byte[1234]);
        File.SetLastWriteTimeUtc(_server.Local("file.txt"), new DateTime(2021, 3, 4, 5, 6, 7, DateTimeKind.Utc));
        File.SetUnixFileMode(_server.Local("file.txt"), (UnixFileMode)Convert.ToInt32("640", 8));
        Directory.CreateDirectory(_server.Local("sub"));
        File.CreateSymbolicLink(_server.Local("link"), "file.txt");

        var items = (await _session.ListDirectoryAsync(".", None)).ToDictionary(i => i.Name);

        Assert.Equal(new[] { "file.txt", "link", "sub" }, items.Keys.OrderBy(k => k, StringComparer.Ordinal));
        var file = items["file.txt"];
        Assert.Equal(RemoteItemKind.File, file.Kind);
        Assert.Equal(_server.Local("file.txt"), file.FullName);
        Assert.Equal(1234, file.Length);
        Assert.Equal(new DateTime(2021, 3, 4, 5, 6, 7, DateTimeKind.Utc), file.LastWriteTimeUtc);
        Assert.Equal(DateTimeKind.Utc, file.LastWriteTimeUtc!.Value.Kind);
        Assert.Equal(Convert.ToInt32("640", 8), file.PermissionBits);
        Assert.Equal("rw-r-----", file.Permissions);
        Assert.Equal("root", file.Owner);
        Assert.Equal("root", file.Group);
        Assert.Null(file.LinkTarget);
        Assert.Equal(RemoteItemKind.Directory, items["sub"].Kind);
        Assert.Equal(RemoteItemKind.SymbolicLink, items["link"].Kind);
        Assert.Equal("file.txt", items["link"].LinkTarget);
    }

    [Fact]
    public async Task GetItem_describes_files_directories_and_links_and_returns_null_for_nothing()
    {
        await File.WriteAllTextAsync(_server.Local("f"), "hello");
        Directory.CreateDirectory(_server.Local("d"));
        File.CreateSymbolicLink(_server.Local("l"), "/nowhere/at/all");

        var file = await _session.GetItemAsync("f", None);
        var directory = await _session.GetItemAsync(_server.Local("d"), None);
        var link = await _session.GetItemAsync("l", None);

        Assert.Equal(RemoteItemKind.File, file!.Kind);
        Assert.Equal(5, file.Length);
        Assert.Equal("f", file.Name);
        Assert.Equal("0", file.Owner);
        Assert.Equal(RemoteItemKind.Directory, directory!.Kind);
        Assert.Equal(RemoteItemKind.SymbolicLink, link!.Kind);
        Assert.Equal("/nowhere/at/all", link.LinkTarget);
        Assert.Null(await _session.GetItemAsync("missing", None));
    }

    [Fact]
    public async Task A_directory_of_10000_entries_is_listed_whole()
    {
        Directory.CreateDirectory(_server.Local("big"));
        for (var i = 0; i < 10_000; i++)
        {
            File.Create(_server.Local($"big/entry-{i:D5}")).Dispose();
        }

        var items = await _session.ListDirectoryAsync("big", None);

        Assert.Equal(10_000, items.Count);
        Assert.Equal(Enumerable.Range(0, 10_000).Select(i => $"entry-{i:D5}"), items.Select(i => i.Name).OrderBy(n => n, StringComparer.Ordinal));
        Assert.All(items, i => Assert.Equal(RemoteItemKind.File, i.Kind));
    }

    [Theory]
    [InlineData("with space.txt")]
    [InlineData("ünïcödé-文件-🙂.bin")]
    [InlineData(" leading and trailing ")]
    public async Task Unicode_and_space_names_work_everywhere(string name)
    {
        var data = Encoding.UTF8.GetBytes("content of " + name);
        var directory = "dir " + name;

        await _session.CreateDirectoryAsync(directory, createParents: false, None);
        await using (var write = await _session.OpenWriteAsync(directory + "/" + name, 0, None))
        {
            await write.WriteAsync(data);
            await write.CompleteAsync(None);
        }

        Assert.Equal(data, await File.ReadAllBytesAsync(Path.Combine(_server.Local(directory), name)));
        var listed = Assert.Single(await _session.ListDirectoryAsync(directory, None));
        Assert.Equal(name, listed.Name);
        await _session.RenameAsync(directory + "/" + name, directory + "/" + name + " renamed", overwrite: false, None);
        Assert.True(File.Exists(Path.Combine(_server.Local(directory), name + " renamed")));
        await _session.RemoveFileAsync(directory + "/" + name + " renamed", None);
        await _session.RemoveDirectoryAsync(directory, None);
        Assert.False(Directory.Exists(_server.Local(directory)));
    }

    [Fact]
    public async Task CreateDirectory_makes_parents_when_asked_and_refuses_otherwise()
    {
        var error = await Assert.ThrowsAsync<CommandRefusedException>(() => _session.CreateDirectoryAsync("a/b/c", createParents: false, None));
        Assert.Equal(RemoteErrorKind.NotFound, error.Kind);
        Assert.False(Directory.Exists(_server.Local("a")));

        await _session.CreateDirectoryAsync("a/b/c", createParents: true, None);
        Assert.True(Directory.Exists(_server.Local("a/b/c")));

        // With parents, an existing directory is fine (mkdir -p); without, it is AlreadyExists.
        await _session.CreateDirectoryAsync("a/b/c", createParents: true, None);
        var exists = await Assert.ThrowsAsync<CommandRefusedException>(() => _session.CreateDirectoryAsync("a/b", createParents: false, None));
        Assert.Equal(RemoteErrorKind.AlreadyExists, exists.Kind);
        Assert.Equal((int)SftpStatusCode.SSH_FX_FAILURE, exists.SftpStatus);
    }

    [Fact]
    public async Task CreateDirectory_with_parents_fails_when_a_file_is_in_the_way()
    {
        await File.WriteAllTextAsync(_server.Local("plain"), "x");

        var error = await Assert.ThrowsAsync<CommandRefusedException>(() => _session.CreateDirectoryAsync("plain", createParents: true, None));

        Assert.Equal(RemoteErrorKind.AlreadyExists, error.Kind);
    }

    [Fact]
    public async Task RemoveDirectory_removes_an_empty_one_and_says_NotEmpty_otherwise()
    {
        Directory.CreateDirectory(_server.Local("full"));
        await File.WriteAllTextAsync(_server.Local("full/x"), "x");
        Directory.CreateDirectory(_server.Local("empty"));

        var error = await Assert.ThrowsAsync<CommandRefusedException>(() => _session.RemoveDirectoryAsync("full", None));
        await _session.RemoveDirectoryAsync("empty", None);

        Assert.Equal(RemoteErrorKind.NotEmpty, error.Kind);
        Assert.True(File.Exists(_server.Local("full/x")));
        Assert.False(Directory.Exists(_server.Local("empty")));
    }

    [Fact]
    public async Task RemoveFile_removes_and_a_missing_one_is_NotFound()
    {
        await File.WriteAllTextAsync(_server.Local("gone"), "x");

        await _session.RemoveFileAsync("gone", None);
        var error = await Assert.ThrowsAsync<CommandRefusedException>(() => _session.RemoveFileAsync("gone", None));

        Assert.False(File.Exists(_server.Local("gone")));
        Assert.Equal(RemoteErrorKind.NotFound, error.Kind);
        Assert.Equal((int)SftpStatusCode.SSH_FX_NO_SUCH_FILE, error.SftpStatus);
        Assert.Equal(_server.Local("gone"), error.Path);
        Assert.Contains("No such file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rename_onto_an_existing_file_is_refused_without_overwrite_and_replaces_with_it()
    {
        await File.WriteAllTextAsync(_server.Local("src"), "new");
        await File.WriteAllTextAsync(_server.Local("dst"), "old");

        var error = await Assert.ThrowsAsync<CommandRefusedException>(() => _session.RenameAsync("src", "dst", overwrite: false, None));
        Assert.Equal(RemoteErrorKind.AlreadyExists, error.Kind);
        Assert.Equal("old", await File.ReadAllTextAsync(_server.Local("dst")));
        Assert.True(File.Exists(_server.Local("src")));

        await _session.RenameAsync("src", "dst", overwrite: true, None);
        Assert.Equal("new", await File.ReadAllTextAsync(_server.Local("dst")));
        Assert.False(File.Exists(_server.Local("src")));
        Assert.Contains(_log.Lines, l => l.Contains("posix-rename@openssh.com", StringComparison.Ordinal) && l.StartsWith("> ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_upload_that_keeps_the_local_times_sets_them_on_its_handle_before_the_close_and_asks_nothing_after()
    {
        var data = new byte[300_000];
        new Random(61).NextBytes(data);
        var source = Path.Combine(Path.GetTempPath(), "ftptools-times-" + Guid.NewGuid().ToString("N"));
        await File.WriteAllBytesAsync(source, data);
        var written = new DateTime(2003, 4, 5, 6, 7, 8, DateTimeKind.Utc);
        var accessed = new DateTime(2004, 5, 6, 7, 8, 9, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(source, written);
        File.SetLastAccessTimeUtc(source, accessed);
        try
        {
            var before = _log.Lines.Count;
            var result = await TransferEngine.UploadFileAsync(_session, source, "timed.bin", new TransferOptions { Overwrite = true, PreserveTimestamp = true }, null, None);

            Assert.True(result.Status == TransferStatus.Completed, $"{result.Status}: {result.Exception}");
            Assert.Null(result.Warning);
            Assert.Equal(accessed, File.GetLastAccessTimeUtc(_server.Local("timed.bin")));
            Assert.Equal(written, File.GetLastWriteTimeUtc(_server.Local("timed.bin")));
            Assert.Equal(data, await File.ReadAllBytesAsync(_server.Local("timed.bin")));

            // The writes are not logged: open the part, its times, close it, rename it. No STAT and SETSTAT after.
            var sent = _log.Lines.Skip(before).Where(l => l.StartsWith("> ", StringComparison.Ordinal)).Select(l => l.Split(' ')[1]).ToArray();
            Assert.Equal(new[] { "SSH_FXP_OPEN", "SSH_FXP_FSETSTAT", "SSH_FXP_CLOSE", "SSH_FXP_EXTENDED" }, sent);
        }
        finally
        {
            File.Delete(source);
        }
    }

    [Fact]
    public async Task Rename_moves_between_directories_and_a_missing_source_is_NotFound()
    {
        Directory.CreateDirectory(_server.Local("from"));
        Directory.CreateDirectory(_server.Local("to"));
        await File.WriteAllTextAsync(_server.Local("from/f"), "moved");

        await _session.RenameAsync("from/f", _server.Local("to/g"), overwrite: false, None);
        var error = await Assert.ThrowsAsync<CommandRefusedException>(() => _session.RenameAsync("from/f", "to/h", overwrite: false, None));

        Assert.Equal("moved", await File.ReadAllTextAsync(_server.Local("to/g")));
        Assert.Equal(RemoteErrorKind.NotFound, error.Kind);
    }

    [Fact]
    public async Task SetLastWriteTime_sets_mtime_and_keeps_atime()
    {
        await File.WriteAllTextAsync(_server.Local("t"), "x");
        var atime = new DateTime(2010, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        File.SetLastAccessTimeUtc(_server.Local("t"), atime);
        var mtime = new DateTime(2019, 12, 31, 23, 59, 58, DateTimeKind.Utc);

        await _session.SetLastWriteTimeAsync("t", mtime, None);

        Assert.Equal(mtime, File.GetLastWriteTimeUtc(_server.Local("t")));
        Assert.Equal(atime, File.GetLastAccessTimeUtc(_server.Local("t")));
        var missing = await Assert.ThrowsAsync<CommandRefusedException>(() => _session.SetLastWriteTimeAsync("nope", mtime, None));
        Assert.Equal(RemoteErrorKind.NotFound, missing.Kind);

        // Before 1970 SFTP v3 has no way to say it: refused with why, and the file keeps its time.
        var early = await Assert.ThrowsAsync<CommandRefusedException>(() => _session.SetLastWriteTimeAsync("t", new DateTime(1960, 1, 1, 0, 0, 0, DateTimeKind.Utc), None));
        Assert.Equal(RemoteErrorKind.Unsupported, early.Kind);
        Assert.Equal($"Cannot set the time of {_server.Local("t")} to 1960-01-01 00:00:00 UTC: SFTP version 3 carries times from 1970-01-01 to 2106-02-07 UTC only.", early.Message);
        Assert.Equal(mtime, File.GetLastWriteTimeUtc(_server.Local("t")));
    }

    [Fact]
    public async Task SetPermissions_changes_the_mode()
    {
        await File.WriteAllTextAsync(_server.Local("p"), "x");

        await _session.SetPermissionsAsync("p", Convert.ToInt32("4711", 8), None);

        Assert.Equal((UnixFileMode)Convert.ToInt32("4711", 8), File.GetUnixFileMode(_server.Local("p")));
        Assert.Equal("rws--x--x", (await _session.GetItemAsync("p", None))!.Permissions);
    }

    [Fact]
    public async Task ChangeDirectory_resolves_relative_paths_and_refuses_files_and_missing_paths()
    {
        Directory.CreateDirectory(_server.Local("x/y"));
        await File.WriteAllTextAsync(_server.Local("x/file"), "x");

        await _session.ChangeDirectoryAsync("x/y", None);
        Assert.Equal(_server.Local("x/y"), _session.CurrentDirectory);
        await _session.ChangeDirectoryAsync("..", None);
        Assert.Equal(_server.Local("x"), _session.CurrentDirectory);
        var item = await _session.GetItemAsync("file", None);
        Assert.Equal(_server.Local("x/file"), item!.FullName);

        var notDirectory = await Assert.ThrowsAsync<CommandRefusedException>(() => _session.ChangeDirectoryAsync("file", None));
        var missing = await Assert.ThrowsAsync<CommandRefusedException>(() => _session.ChangeDirectoryAsync("missing", None));
        Assert.Equal(RemoteErrorKind.NotFound, notDirectory.Kind);
        Assert.Equal(RemoteErrorKind.NotFound, missing.Kind);
        Assert.Equal(_server.Local("x"), _session.CurrentDirectory);
    }

    [Fact]
    public async Task Missing_paths_are_NotFound_for_reads_and_listings_and_the_session_stays_usable()
    {
        var read = await Assert.ThrowsAsync<CommandRefusedException>(() => _session.OpenReadAsync("absent.bin", 0, None));
        var list = await Assert.ThrowsAsync<CommandRefusedException>(() => _session.ListDirectoryAsync("absent-dir", None));
        var link = await Assert.ThrowsAsync<CommandRefusedException>(() => _session.ReadLinkAsync("absent-link", None));

        Assert.Equal(RemoteErrorKind.NotFound, read.Kind);
        Assert.Equal(RemoteErrorKind.NotFound, list.Kind);
        Assert.Equal(RemoteErrorKind.NotFound, link.Kind);
        Assert.True(_session.IsConnected);
        await _session.KeepAliveAsync(None);
        Assert.Empty(await _session.ListDirectoryAsync(".", None));
    }

    [Fact]
    public async Task Statvfs_reports_the_file_system()
    {
        var info = await _session.GetFileSystemInfoAsync(".", None);
        var drive = new DriveInfo(_server.Root);

        Assert.True(info.BlockSize > 0);
        Assert.True(info.Blocks > 0);
        Assert.True(info.MaxNameLength >= 255);
        Assert.InRange((double)info.AvailableBytes, drive.AvailableFreeSpace * 0.9, drive.AvailableFreeSpace * 1.1 + 1_000_000);
    }

    [Fact]
    public async Task Hardlink_links_the_same_inode()
    {
        await File.WriteAllTextAsync(_server.Local("orig"), "shared");

        await _session.CreateHardLinkAsync("orig", "alias", None);
        await File.AppendAllTextAsync(_server.Local("orig"), " content");

        Assert.Equal("shared content", await File.ReadAllTextAsync(_server.Local("alias")));
        var exists = await Assert.ThrowsAsync<CommandRefusedException>(() => _session.CreateHardLinkAsync("orig", "alias", None));
        Assert.Equal(RemoteErrorKind.Failure, exists.Kind);
    }

    [Fact]
    public async Task Stat_lstat_readlink_and_realpath_answer()
    {
        await File.WriteAllBytesAsync(_server.Local("s"), new byte[77]);
        File.CreateSymbolicLink(_server.Local("to-s"), "s");

        Assert.Equal("s", await _session.ReadLinkAsync("to-s", None));
        Assert.Equal(_server.Local("s"), await _session.RealPathAsync(_server.Local("to-s"), None));
        Assert.Equal(77UL, (await _session.StatAsync(SftpPacketType.SSH_FXP_STAT, "to-s", None)).Size);
        Assert.Equal(RemoteItemKind.SymbolicLink, (await _session.StatAsync(SftpPacketType.SSH_FXP_LSTAT, "to-s", None)).Kind);
    }

    [Fact]
    public async Task Disconnect_closes_the_session_and_later_calls_say_so()
    {
        await _session.DisconnectAsync(None);

        Assert.False(_session.IsConnected);
        var error = await Assert.ThrowsAsync<ConnectionLostException>(() => _session.GetItemAsync("x", None));
        Assert.Contains("closed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_abandoned_transfer_leaves_the_session_usable()
    {
        await File.WriteAllBytesAsync(_server.Local("abandon.bin"), new byte[5_000_000]);

        var read = await _session.OpenReadAsync("abandon.bin", 0, None);
        var buffer = new byte[1000];
        Assert.Equal(1000, await read.ReadAsync(buffer));
        read.Dispose();

        var write = await _session.OpenWriteAsync("abandon-up.bin", 0, None);
        await write.WriteAsync(new byte[3_000_000]);
        write.Dispose();

        await _session.KeepAliveAsync(None);
        Assert.Equal(2, (await _session.ListDirectoryAsync(".", None)).Count);
    }

    [Fact]
    public async Task A_cancelled_read_fails_that_stream_only()
    {
        await File.WriteAllBytesAsync(_server.Local("cancel.bin"), new byte[20_000_000]);
        var read = await _session.OpenReadAsync("cancel.bin", 0, None);
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            var buffer = new byte[1 << 20];
            while (await read.ReadAsync(buffer, cancel.Token) > 0)
            {
            }
        });
        await read.DisposeAsync();

        Assert.True(_session.IsConnected);
        Assert.NotNull(await _session.GetItemAsync("cancel.bin", None));
    }
}
