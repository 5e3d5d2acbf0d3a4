using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using FtpTools.Core.Errors;
using FtpTools.Core.Transfers;
using Xunit;

namespace FtpTools.Core.Tests.Transfers;

// The operations behind New-FtpDirectory, Remove-FtpItem, Rename-FtpItem and Set-FtpItem, one body per behaviour for every
// server; outcomes checked on the server's disk.
public abstract partial class TransferBehaviours
{
    [Fact]
    public async Task Creating_a_directory_with_parents_makes_every_level_and_is_idempotent()
    {
        await Session.CreateDirectoryAsync(RemoteDir + "/n1/n2/n3", createParents: true, Timeout());
        Assert.True(Directory.Exists(Path.Combine(ServerDir, "n1", "n2", "n3")));

        await Session.CreateDirectoryAsync(RemoteDir + "/n1/n2/n3", createParents: true, Timeout());
        var item = await Session.GetItemAsync(RemoteDir + "/n1/n2", Timeout());
        Assert.NotNull(item);
        Assert.Equal(RemoteItemKind.Directory, item!.Kind);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // The test servers run on Linux; modes are read from their disk.
    public async Task Permissions_set_on_files_and_directories_are_the_modes_on_the_servers_disk()
    {
        ServerFile("pd/p.txt", Bytes(10, 51));

        await Session.SetPermissionsAsync(RemoteDir + "/pd/p.txt", Convert.ToInt32("640", 8), Timeout());
        await Session.SetPermissionsAsync(RemoteDir + "/pd", Convert.ToInt32("750", 8), Timeout());
        var missing = await Assert.ThrowsAsync<CommandRefusedException>(() => Session.SetPermissionsAsync(RemoteDir + "/nope", Convert.ToInt32("600", 8), Timeout()));

        Assert.Equal(Convert.ToInt32("640", 8), (int)File.GetUnixFileMode(Path.Combine(ServerDir, "pd", "p.txt")));
        Assert.Equal(Convert.ToInt32("750", 8), (int)File.GetUnixFileMode(Path.Combine(ServerDir, "pd")));
        Assert.Equal(RemoteErrorKind.NotFound, missing.Kind);
        Assert.False(File.Exists(Path.Combine(ServerDir, "nope")));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // The test servers run on Linux; owners are set on their disk.
    public async Task Changing_the_mode_or_time_of_a_file_the_account_does_not_own_is_a_permission_refusal()
    {
        ServerFile("owned/mine.txt", Bytes(10, 52));
        // Created after the directory was handed over: the test's own user (root) owns it, not the server's account.
        var theirs = Path.Combine(ServerDir, "owned", "theirs.txt");
        File.WriteAllBytes(theirs, Bytes(10, 53));
        File.SetUnixFileMode(theirs, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var before = File.GetLastWriteTimeUtc(theirs);

        var chmod = await Record.ExceptionAsync(() => Session.SetPermissionsAsync(RemoteDir + "/owned/theirs.txt", Convert.ToInt32("600", 8), Timeout()));
        var touch = Target.CanSetRemoteTime
            ? await Record.ExceptionAsync(() => Session.SetLastWriteTimeAsync(RemoteDir + "/owned/theirs.txt", new DateTime(2020, 1, 2, 3, 4, 5, DateTimeKind.Utc), Timeout()))
            : null;

        if (Target is SftpServerTarget)
        {
            // This one server runs as root, which owns the file.
            Assert.Null(chmod);
            return;
        }

        var refused = Assert.IsType<CommandRefusedException>(chmod);
        Assert.Equal(RemoteErrorKind.PermissionDenied, refused.Kind);
        Assert.Equal(RemoteDir + "/owned/theirs.txt", refused.Path);
        Assert.Equal(Convert.ToInt32("644", 8), (int)File.GetUnixFileMode(theirs));
        if (Target.CanSetRemoteTime)
        {
            var timeRefused = Assert.IsType<CommandRefusedException>(touch);
            Assert.True(timeRefused.Kind == RemoteErrorKind.PermissionDenied, timeRefused.Message);
            Assert.Equal(before, File.GetLastWriteTimeUtc(theirs));
        }
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // The test servers run on Linux; modes are set on their disk.
    public async Task Testing_a_path_in_a_directory_the_account_may_not_enter_is_a_refusal_not_false()
    {
        ServerFile("closed/a.csv", Bytes(5, 58));
        ServerFile("closed/inner/secret.txt", Bytes(5, 63));
        ServerFile("open/b.csv", Bytes(5, 59));
        var closed = Path.Combine(ServerDir, "closed");
        File.SetUnixFileMode(closed, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        // Root's (the test's own user), not the server account's: it may not enter.
        using (var chown = System.Diagnostics.Process.Start("chown", new[] { "-R", "root:root", closed })!)
        {
            chown.WaitForExit();
            Assert.Equal(0, chown.ExitCode);
        }

        var outcome = await Record.ExceptionAsync(() => RemotePathProbe.ExistsAsync(Session, RemoteDir + "/closed/a.csv", RemotePathType.Leaf, Timeout()));
        var deeper = await Record.ExceptionAsync(() => RemotePathProbe.ExistsAsync(Session, RemoteDir + "/closed/inner/secret.txt", RemotePathType.Any, Timeout()));
        var (listed, listErrors) = await RemoteWalker.CollectAsync(Session, new[] { RemoteDir + "/closed" }, new RemoteWalkOptions(), Timeout());
        var (inner, innerErrors) = await RemoteWalker.CollectAsync(Session, new[] { RemoteDir + "/closed/inner" }, new RemoteWalkOptions(), Timeout());
        var (matched, patternErrors) = await RemoteWalker.CollectAsync(Session, new[] { RemoteDir + "/closed/*.csv" }, new RemoteWalkOptions(), Timeout());
        var missing = await RemotePathProbe.ExistsAsync(Session, RemoteDir + "/open/none.csv", RemotePathType.Any, Timeout());
        var missingParent = await RemotePathProbe.ExistsAsync(Session, RemoteDir + "/none/none.csv", RemotePathType.Any, Timeout());

        Assert.False(missing);
        Assert.False(missingParent);
        if (Target is SftpServerTarget)
        {
            // This one server runs as root, which enters anything.
            Assert.Null(outcome);
            return;
        }

        var refused = Assert.IsType<CommandRefusedException>(outcome);
        Assert.Equal(RemoteErrorKind.PermissionDenied, refused.Kind);

        // Listing it (Get-FtpItem /closed) says it may not be opened, not that it does not exist (vsftpd answers every
        // question about it with 550).
        Assert.Empty(listed);
        var listError = Assert.Single(listErrors);
        Assert.True(listError.Exception is CommandRefusedException { Kind: RemoteErrorKind.PermissionDenied }, listError.Exception.ToString());

        // Deeper down, and by a pattern, the same: never "does not exist", never a quiet nothing.
        Assert.True(deeper is CommandRefusedException { Kind: RemoteErrorKind.PermissionDenied }, deeper?.ToString() ?? "no error");
        Assert.Empty(inner);
        var innerError = Assert.Single(innerErrors);
        Assert.True(innerError.Exception is CommandRefusedException { Kind: RemoteErrorKind.PermissionDenied }, innerError.Exception.ToString());
        Assert.Empty(matched);
        var patternError = Assert.Single(patternErrors);
        Assert.True(patternError.Exception is CommandRefusedException { Kind: RemoteErrorKind.PermissionDenied }, patternError.Exception.ToString());
    }

    [Fact]
    public async Task The_root_is_a_directory_item_named_slash()
    {
        // Remove-FtpItem refuses to remove the item whose FullName is "/".
        var root = await Session.GetItemAsync("/", Timeout());

        Assert.Equal(("/", RemoteItemKind.Directory), (root!.FullName, root.Kind));
    }

    [Fact]
    public async Task Testing_paths_tells_files_directories_links_and_missing_paths_apart()
    {
        ServerFile("probe/file.txt", Bytes(7, 41));
        Directory.CreateDirectory(Path.Combine(ServerDir, "probe", "dir"));
        File.CreateSymbolicLink(Path.Combine(ServerDir, "probe", "dirlink"), "dir");
        File.CreateSymbolicLink(Path.Combine(ServerDir, "probe", "filelink"), "file.txt");
        Target.GiveToServer(ServerDir);
        var expected = new[]
        {
            "file.txt: any leaf", "dir: any container", "dirlink: any container", "filelink: any leaf", "missing:", "missing/deeper:", ".: any container",
        };

        var actual = new List<string>();
        foreach (var name in expected.Select(e => e.Substring(0, e.IndexOf(':', StringComparison.Ordinal))))
        {
            var path = RemoteDir + "/probe/" + name;
            var kinds = new List<string>();
            foreach (var (type, word) in new[] { (RemotePathType.Any, "any"), (RemotePathType.Leaf, "leaf"), (RemotePathType.Container, "container") })
            {
                if (await RemotePathProbe.ExistsAsync(Session, path, type, Timeout()))
                {
                    kinds.Add(" " + word);
                }
            }

            actual.Add(name + ":" + string.Concat(kinds));
        }

        Assert.Equal(expected, actual);
        Assert.True(await RemotePathProbe.ExistsAsync(Session, "/", RemotePathType.Container, Timeout()));
        Assert.True(await RemotePathProbe.ExistsAsync(Session, Session.CurrentDirectory, RemotePathType.Container, Timeout()));
        Assert.True(Session.IsConnected);
    }

    [Fact]
    public async Task Creating_a_directory_under_a_missing_parent_without_parents_is_refused()
    {
        var error = await Assert.ThrowsAsync<CommandRefusedException>(() => Session.CreateDirectoryAsync(RemoteDir + "/missing/child", createParents: false, Timeout()));
        Assert.False(Directory.Exists(Path.Combine(ServerDir, "missing")));
        Assert.True(Session.IsConnected);
        Assert.NotNull(error.Message);
    }

    [Fact]
    public async Task A_non_empty_directory_is_kept_without_recurse_and_removed_whole_with_it()
    {
        ServerFile("tree/a.txt", Bytes(10, 31));
        ServerFile("tree/sub/b.txt", Bytes(20, 32));
        ServerFile("outside.txt", Bytes(30, 33));
        // Relative, so it resolves inside the FTP servers' chroot too (proftpd leaves dangling links out of MLSD).
        File.CreateSymbolicLink(Path.Combine(ServerDir, "tree", "sub", "up"), "../../outside.txt");
        Target.GiveToServer(ServerDir);
        var tree = await Session.GetItemAsync(RemoteDir + "/tree", Timeout());
        Assert.NotNull(tree);

        var refused = await Assert.ThrowsAsync<CommandRefusedException>(() => RemoteTree.RemoveAsync(Session, tree!, recurse: false, Timeout()));
        Assert.Equal(RemoteErrorKind.NotEmpty, refused.Kind);
        Assert.True(File.Exists(Path.Combine(ServerDir, "tree", "sub", "b.txt")));

        var removed = new List<string>();
        await RemoteTree.RemoveAsync(Session, tree!, recurse: true, Timeout(), item => removed.Add(item.FullName));
        Assert.False(Directory.Exists(Path.Combine(ServerDir, "tree")));

        // Each item inside is told of once gone, a directory's contents before it; the tree itself is the caller's.
        var root = tree!.FullName;
        Assert.Equal(4, removed.Count);
        Assert.Equal(new[] { root + "/a.txt", root + "/sub", root + "/sub/b.txt", root + "/sub/up" }, removed.OrderBy(p => p, StringComparer.Ordinal));
        Assert.True(removed.IndexOf(root + "/sub") > removed.IndexOf(root + "/sub/b.txt"));
        Assert.True(removed.IndexOf(root + "/sub") > removed.IndexOf(root + "/sub/up"));
        Assert.Equal(30, new FileInfo(Path.Combine(ServerDir, "outside.txt")).Length);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // The test servers run on Linux.
    public async Task An_upload_refused_in_a_read_only_directory_names_its_destination_and_leaves_nothing()
    {
        var source = LocalFile("ro.txt", Bytes(10, 44));
        var directory = Path.Combine(ServerDir, "ro");
        Directory.CreateDirectory(directory);
        Target.GiveToServer(ServerDir);
        File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        var destination = RemoteDir + "/ro/ro.txt";

        var result = await TransferEngine.UploadFileAsync(Session, source, destination, null, null, Timeout());

        if (Target is SftpServerTarget)
        {
            // This one server runs as root, which writes where the mode says no.
            Assert.Equal(TransferStatus.Completed, result.Status);
            return;
        }

        Assert.Equal(TransferStatus.Failed, result.Status);
        var refused = Assert.IsType<CommandRefusedException>(result.Exception);
        Assert.Equal(RemoteErrorKind.PermissionDenied, refused.Kind);
        Assert.Equal(destination, refused.Path);
        Assert.StartsWith($"Cannot upload to '{destination}' (written first as '{RemoteDir}/ro/.ro.txt.ftptools-part', then renamed): ", refused.Message);
        Assert.Empty(Directory.GetFileSystemEntries(directory));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // The test servers run on Linux.
    public async Task A_listed_file_the_server_will_not_send_is_a_permission_refusal_not_a_missing_file()
    {
        ServerFile("locked.bin", Bytes(10, 49));
        File.SetUnixFileMode(Path.Combine(ServerDir, "locked.bin"), UnixFileMode.None);
        var target = Path.Combine(LocalDir, "locked.bin");

        var result = await TransferEngine.DownloadFileAsync(Session, RemoteDir + "/locked.bin", target, null, null, Timeout());

        if (Target is SftpServerTarget)
        {
            // This one server runs as root, which reads what the mode says no to.
            Assert.Equal(TransferStatus.Completed, result.Status);
            return;
        }

        Assert.Equal(TransferStatus.Failed, result.Status);
        var refused = Assert.IsType<CommandRefusedException>(result.Exception);
        Assert.Equal(RemoteErrorKind.PermissionDenied, refused.Kind);
        Assert.Equal(RemoteDir + "/locked.bin", refused.Path);
        Assert.False(File.Exists(target));
    }

    [Fact]
    public async Task Removing_a_file_and_an_empty_directory()
    {
        ServerFile("gone.bin", Bytes(5, 34));
        Directory.CreateDirectory(Path.Combine(ServerDir, "empty"));
        Target.GiveToServer(ServerDir);

        await RemoteTree.RemoveAsync(Session, (await Session.GetItemAsync(RemoteDir + "/gone.bin", Timeout()))!, recurse: false, Timeout());
        await RemoteTree.RemoveAsync(Session, (await Session.GetItemAsync(RemoteDir + "/empty", Timeout()))!, recurse: false, Timeout());

        Assert.Empty(Names(ServerDir));
        Assert.Null(await Session.GetItemAsync(RemoteDir + "/gone.bin", Timeout()));
    }

    [Fact]
    public async Task Rename_moves_between_directories_and_only_replaces_a_target_when_told()
    {
        var first = Bytes(100, 35);
        var second = Bytes(200, 36);
        ServerFile("a.bin", first);
        ServerFile("b.bin", second);
        Directory.CreateDirectory(Path.Combine(ServerDir, "dest"));
        Target.GiveToServer(ServerDir);

        var refused = await Assert.ThrowsAsync<CommandRefusedException>(() => Session.RenameAsync(RemoteDir + "/a.bin", RemoteDir + "/b.bin", overwrite: false, Timeout()));
        Assert.Equal(RemoteErrorKind.AlreadyExists, refused.Kind);
        Assert.Equal(Sha(first), Sha(File.ReadAllBytes(Path.Combine(ServerDir, "a.bin"))));
        Assert.Equal(Sha(second), Sha(File.ReadAllBytes(Path.Combine(ServerDir, "b.bin"))));

        await Session.RenameAsync(RemoteDir + "/a.bin", RemoteDir + "/b.bin", overwrite: true, Timeout());
        Assert.False(File.Exists(Path.Combine(ServerDir, "a.bin")));
        Assert.Equal(Sha(first), Sha(File.ReadAllBytes(Path.Combine(ServerDir, "b.bin"))));

        await Session.RenameAsync(RemoteDir + "/b.bin", RemoteDir + "/dest/moved name é.bin", overwrite: false, Timeout());
        Assert.Equal(Sha(first), Sha(File.ReadAllBytes(Path.Combine(ServerDir, "dest", "moved name é.bin"))));
        Assert.Equal(new[] { "dest" }, Names(ServerDir));
    }
    [Fact]
    public async Task A_move_goes_into_an_existing_directory_and_a_trailing_slash_demands_one()
    {
        ServerFile("m.bin", Bytes(10, 37));
        ServerFile("file.bin", Bytes(11, 38));
        Directory.CreateDirectory(Path.Combine(ServerDir, "dir"));
        Target.GiveToServer(ServerDir);
        var item = await Session.GetItemAsync(RemoteDir + "/m.bin", Timeout());

        var into = await RemoteTree.MoveTargetAsync(Session, item!, RemoteDir + "/dir", intoDirectory: true, Timeout());
        var renamed = await RemoteTree.MoveTargetAsync(Session, item!, RemoteDir + "/new.bin", intoDirectory: false, Timeout());
        var onFile = await RemoteTree.MoveTargetAsync(Session, item!, RemoteDir + "/file.bin", intoDirectory: false, Timeout());
        var missing = await Assert.ThrowsAsync<TransferRefusedException>(() => RemoteTree.MoveTargetAsync(Session, item!, RemoteDir + "/missing", intoDirectory: true, Timeout()));
        var notDirectory = await Assert.ThrowsAsync<TransferRefusedException>(() => RemoteTree.MoveTargetAsync(Session, item!, RemoteDir + "/file.bin", intoDirectory: true, Timeout()));

        Assert.Equal(RemoteDir + "/dir/m.bin", into);
        Assert.Equal(RemoteDir + "/new.bin", renamed);
        Assert.Equal(RemoteDir + "/file.bin", onFile);
        Assert.Equal(
            $"Cannot move '{RemoteDir}/m.bin' into '{RemoteDir}/missing': there is no such directory. Create it first (New-FtpDirectory -Force), or give the new name without a trailing '/'.",
            missing.Message);
        Assert.Equal((TransferRefusedReason.DestinationDirectoryNotFound, RemoteDir + "/missing"), (missing.Reason, missing.Path));
        Assert.Equal(TransferRefusedReason.DestinationDirectoryNotFound, notDirectory.Reason);
        Assert.Equal(new[] { "dir", "file.bin", "m.bin" }, Names(ServerDir));
        Assert.True(Session.IsConnected);
    }
}
