using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using FtpTools.Core.Errors;
using FtpTools.Core.Paths;
using FtpTools.Core.Transfers;
using Xunit;

namespace FtpTools.Core.Tests.Transfers;

public abstract partial class TransferBehaviours
{
    // w/a.txt, w/b.csv, w/empty/, w/excluded/x.txt, w/sub/c.txt, w/sub/deeper/{d.txt,e.csv}, w/sub/loop -> .. (a link to w)
    private void ServerTree()
    {
        ServerFile("w/a.txt", Bytes(11, 20));
        ServerFile("w/b.csv", Bytes(12, 21));
        Directory.CreateDirectory(Path.Combine(ServerDir, "w", "empty"));
        ServerFile("w/excluded/x.txt", Bytes(13, 22));
        ServerFile("w/sub/c.txt", Bytes(14, 23));
        ServerFile("w/sub/deeper/d.txt", Bytes(15, 24));
        ServerFile("w/sub/deeper/e.csv", Bytes(16, 25));
        File.CreateSymbolicLink(Path.Combine(ServerDir, "w", "sub", "loop"), "..");
        Target.GiveToServer(ServerDir);
    }

    private async Task<string[]> WalkAsync(string path, RemoteWalkOptions options)
    {
        var (entries, errors) = await RemoteWalker.CollectAsync(Session, new[] { path }, options, Timeout());
        Assert.Empty(errors);
        Assert.All(entries, e => Assert.Equal(e.BaseDirectory.TrimEnd('/') + "/" + e.RelativePath, e.Item.FullName));
        return entries.Select(e => e.RelativePath).ToArray();
    }

    [Fact]
    public async Task Recursive_walk_yields_each_directory_before_its_subdirectories_and_does_not_enter_links()
    {
        ServerTree();

        var (entries, errors) = await RemoteWalker.CollectAsync(Session, new[] { RemoteDir + "/w" }, new RemoteWalkOptions { Recurse = true }, Timeout());

        Assert.Empty(errors);
        Assert.Equal(
            new[]
            {
                "w/a.txt", "w/b.csv", "w/empty", "w/excluded", "w/sub",
                "w/excluded/x.txt",
                "w/sub/c.txt", "w/sub/deeper", "w/sub/loop",
                "w/sub/deeper/d.txt", "w/sub/deeper/e.csv",
            },
            entries.Select(e => e.RelativePath));
        Assert.All(entries, e => Assert.Equal(RemoteDir, e.BaseDirectory));
        Assert.Equal(RemoteItemKind.SymbolicLink, entries.Single(e => e.RelativePath == "w/sub/loop").Item.Kind);
        Assert.Equal(RemoteItemKind.Directory, entries.Single(e => e.RelativePath == "w/empty").Item.Kind);
        Assert.Equal(15, entries.Single(e => e.RelativePath == "w/sub/deeper/d.txt").Item.Length);
        Assert.Equal(new[] { 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2 }, entries.Select(e => e.Depth));
    }

    [Fact]
    public async Task Depth_limits_the_levels_below_the_first()
    {
        ServerTree();

        Assert.Equal(new[] { "w/a.txt", "w/b.csv", "w/empty", "w/excluded", "w/sub" }, await WalkAsync(RemoteDir + "/w", new RemoteWalkOptions()));
        Assert.Equal(
            new[] { "w/a.txt", "w/b.csv", "w/empty", "w/excluded", "w/sub", "w/excluded/x.txt", "w/sub/c.txt", "w/sub/deeper", "w/sub/loop" },
            await WalkAsync(RemoteDir + "/w", new RemoteWalkOptions { Depth = 1 }));
    }

    [Fact]
    public async Task Filter_include_exclude_and_kind_switches_select_items_but_never_stop_the_descent()
    {
        ServerTree();

        Assert.Equal(
            new[] { "w/a.txt", "w/excluded/x.txt", "w/sub/c.txt", "w/sub/deeper/d.txt" },
            await WalkAsync(RemoteDir + "/w", new RemoteWalkOptions { Recurse = true, Filter = "*.TXT" }));
        Assert.Equal(
            new[] { "w/sub/deeper/e.csv" },
            await WalkAsync(RemoteDir + "/w", new RemoteWalkOptions { Recurse = true, Include = new[] { "*.csv" }, Exclude = new[] { "b*" } }));
        Assert.Equal(
            new[] { "w/a.txt", "w/b.csv", "w/empty", "w/sub", "w/excluded/x.txt", "w/sub/c.txt", "w/sub/deeper", "w/sub/loop", "w/sub/deeper/d.txt", "w/sub/deeper/e.csv" },
            await WalkAsync(RemoteDir + "/w", new RemoteWalkOptions { Recurse = true, Exclude = new[] { "excluded" } }));
        // The link to a directory (w/sub/loop -> ..) is one, as for Get-ChildItem, though not entered.
        Assert.Equal(
            new[] { "w/empty", "w/excluded", "w/sub", "w/sub/deeper", "w/sub/loop" },
            await WalkAsync(RemoteDir + "/w", new RemoteWalkOptions { Recurse = true, DirectoriesOnly = true }));
        Assert.Equal(
            new[] { "w/a.txt", "w/b.csv", "w/excluded/x.txt", "w/sub/c.txt", "w/sub/deeper/d.txt", "w/sub/deeper/e.csv" },
            await WalkAsync(RemoteDir + "/w", new RemoteWalkOptions { Recurse = true, FilesOnly = true }));
    }

    [Fact]
    public async Task File_and_directory_switches_take_each_link_for_what_it_leads_to()
    {
        ServerFile("lk/real/in.txt", Bytes(10, 40));
        ServerFile("lk/file.txt", Bytes(10, 41));
        File.CreateSymbolicLink(Path.Combine(ServerDir, "lk", "dirlink"), "real");
        File.CreateSymbolicLink(Path.Combine(ServerDir, "lk", "filelink"), "file.txt");
        File.CreateSymbolicLink(Path.Combine(ServerDir, "lk", "broken"), "nothing-here");
        Target.GiveToServer(ServerDir);

        // A broken link leads to no directory: a file, as Get-ChildItem -File yields one (ProFTPD does not list it).
        var listsBroken = (await WalkAsync(RemoteDir + "/lk", new RemoteWalkOptions())).Contains("lk/broken");
        Assert.Equal(
            new[] { "lk/broken", "lk/file.txt", "lk/filelink", "lk/real/in.txt" }.Where(p => listsBroken || p != "lk/broken"),
            (await WalkAsync(RemoteDir + "/lk", new RemoteWalkOptions { Recurse = true, FilesOnly = true })).OrderBy(p => p, StringComparer.Ordinal));
        Assert.Equal(
            new[] { "lk/dirlink", "lk/real" },
            (await WalkAsync(RemoteDir + "/lk", new RemoteWalkOptions { Recurse = true, DirectoriesOnly = true })).OrderBy(p => p, StringComparer.Ordinal));

        // Named alone, and matched by a wildcard, the same.
        Assert.Empty(await WalkAsync(RemoteDir + "/lk/dirlink*", new RemoteWalkOptions { FilesOnly = true }));
        Assert.Equal(new[] { "dirlink" }, await WalkAsync(RemoteDir + "/lk/dirlink*", new RemoteWalkOptions { DirectoriesOnly = true }));
        Assert.Equal(new[] { "filelink" }, await WalkAsync(RemoteDir + "/lk/filelink", new RemoteWalkOptions { FilesOnly = true }));
        Assert.Empty(await WalkAsync(RemoteDir + "/lk/filelink", new RemoteWalkOptions { DirectoriesOnly = true }));

        // Downloaded as listed, the link's result gives the length of the file it leads to (listed, the link's own).
        var (entries, _) = await RemoteWalker.CollectAsync(Session, new[] { RemoteDir + "/lk/filelink" }, new RemoteWalkOptions(), Timeout());
        var target = Path.Combine(LocalDir, "filelink");
        var result = await TransferEngine.DownloadFileAsync(Session, Assert.Single(entries).Item, target, null, null, Timeout());
        Assert.True(result.Status == TransferStatus.Completed, result.Exception?.ToString());
        Assert.Equal(10, result.Length);
        Assert.Equal(Sha(Bytes(10, 41)), Sha(File.ReadAllBytes(target)));

        // A broken link is not found (its target), never "not readable by this account".
        var broken = await TransferEngine.DownloadFileAsync(Session, RemoteDir + "/lk/broken", Path.Combine(LocalDir, "broken"), null, null, Timeout());
        Assert.Equal(TransferStatus.Failed, broken.Status);
        switch (broken.Exception)
        {
            case CommandRefusedException refused:
                Assert.True(refused.Kind == RemoteErrorKind.NotFound, refused.Message);
                Assert.EndsWith($"'{RemoteDir}/lk/broken' is a symbolic link: the file it leads to is missing (or not readable by this account).", refused.Message, StringComparison.Ordinal);
                break;
            default:
                // Described by what it leads to (ProFTPD's MLST): nothing.
                Assert.Equal(TransferRefusedReason.SourceNotFound, Assert.IsType<TransferRefusedException>(broken.Exception).Reason);
                break;
        }

        Assert.False(File.Exists(Path.Combine(LocalDir, "broken")));
    }

    [Fact]
    public async Task A_file_older_than_six_months_downloaded_as_listed_gets_its_exact_time()
    {
        // A Unix listing (vsftpd's) gives such a file its date only; the file's own time is asked for it.
        ServerFile("aged/aged.bin", Bytes(10, 46));
        var stamp = new DateTime(2024, 5, 6, 7, 8, 9, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(Path.Combine(ServerDir, "aged", "aged.bin"), stamp);
        var (entries, _) = await RemoteWalker.CollectAsync(Session, new[] { RemoteDir + "/aged" }, new RemoteWalkOptions(), Timeout());
        var target = Path.Combine(LocalDir, "aged.bin");

        var result = await TransferEngine.DownloadFileAsync(Session, Assert.Single(entries).Item, target, new TransferOptions { PreserveTimestamp = true }, null, Timeout());

        Assert.True(result.Status == TransferStatus.Completed, result.Exception?.ToString());
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(target));

        // And -NewerOnly compares that time: the local copy is current.
        var again = await TransferEngine.DownloadFileAsync(Session, Assert.Single(entries).Item, target, new TransferOptions { NewerOnly = true, PreserveTimestamp = true }, null, Timeout());
        Assert.Equal(TransferStatus.Skipped, again.Status);
    }

    [Fact]
    public async Task A_named_directory_is_refused_instead_of_listed_when_asked_unless_recursing()
    {
        ServerFile("nd/d/in.txt", Bytes(10, 42));
        ServerFile("nd/f.txt", Bytes(10, 43));
        Target.GiveToServer(ServerDir);

        var (entries, errors) = await RemoteWalker.CollectAsync(Session, new[] { RemoteDir + "/nd/d", RemoteDir + "/nd/f.txt" }, new RemoteWalkOptions { RefuseNamedDirectories = true }, Timeout());

        Assert.Equal(new[] { "f.txt" }, entries.Select(e => e.RelativePath));
        var error = Assert.IsType<TransferRefusedException>(Assert.Single(errors).Exception);
        Assert.Equal(TransferRefusedReason.SourceIsDirectory, error.Reason);
        Assert.Equal($"The remote path '{RemoteDir}/nd/d' is a directory; use -Recurse to download it with everything in it (Get-FtpItem -File lists files only).", error.Message);
        Assert.Equal(RemoteDir + "/nd/d", Assert.Single(errors).Path);

        Assert.Equal(new[] { "d/in.txt" }, await WalkAsync(RemoteDir + "/nd/d", new RemoteWalkOptions { RefuseNamedDirectories = true, Recurse = true }));
        Assert.Equal(new[] { "d/in.txt" }, await WalkAsync(RemoteDir + "/nd/d", new RemoteWalkOptions()));
    }

    [Fact]
    public async Task Wildcard_paths_yield_the_matches_themselves_relative_to_the_last_literal_directory()
    {
        ServerTree();

        Assert.Equal(new[] { "b.csv" }, await WalkAsync(RemoteDir + "/w/*.csv", new RemoteWalkOptions()));
        Assert.Equal(new[] { "sub" }, await WalkAsync(RemoteDir + "/w/s?b", new RemoteWalkOptions()));
        Assert.Equal(
            new[] { "sub", "sub/c.txt", "sub/deeper", "sub/loop", "sub/deeper/d.txt", "sub/deeper/e.csv" },
            await WalkAsync(RemoteDir + "/w/[r-t]*", new RemoteWalkOptions { Recurse = true }));
        Assert.Equal(new[] { "excluded/x.txt", "sub/c.txt" }, await WalkAsync(RemoteDir + "/w/*/?.txt", new RemoteWalkOptions()));
        Assert.Equal(new[] { "w/sub/deeper" }, await WalkAsync(RemoteDir + "/*/sub/deeper", new RemoteWalkOptions()));
        Assert.Empty(await WalkAsync(RemoteDir + "/w/*.none", new RemoteWalkOptions()));
        Assert.Empty(await WalkAsync(RemoteDir + "/none*/x", new RemoteWalkOptions()));
    }

    [Fact]
    public async Task A_pattern_in_a_missing_directory_is_an_error_and_in_an_empty_one_matches_nothing()
    {
        ServerTree();
        Directory.CreateDirectory(Path.Combine(ServerDir, "w", "empty-too"));
        Target.GiveToServer(ServerDir);

        var (missing, missingErrors) = await RemoteWalker.CollectAsync(Session, new[] { RemoteDir + "/no-such-dir/*.csv", RemoteDir + "/w/*.csv" }, new RemoteWalkOptions(), Timeout());
        var (empty, emptyErrors) = await RemoteWalker.CollectAsync(Session, new[] { RemoteDir + "/w/empty-too/*.csv" }, new RemoteWalkOptions(), Timeout());

        // The walk goes on to the next path.
        Assert.Equal(new[] { "b.csv" }, missing.Select(e => e.RelativePath));
        var error = Assert.Single(missingErrors);
        Assert.Equal(RemoteDir + "/no-such-dir", error.Path);
        Assert.Equal(TransferRefusedReason.SourceNotFound, Assert.IsType<TransferRefusedException>(error.Exception).Reason);
        Assert.Equal($"Cannot find remote path '{RemoteDir}/no-such-dir' because it does not exist.", error.Exception.Message);
        Assert.Empty(empty);
        Assert.Empty(emptyErrors);
    }

    [Fact]
    public async Task A_path_whose_wildcards_are_all_escaped_names_one_item_as_a_literal_path_does()
    {
        ServerFile("w2/d[1]/in.txt", Bytes(10, 30));
        ServerFile("w2/d1/in.txt", Bytes(10, 31));
        ServerFile("w2/d1/other.txt", Bytes(10, 32));
        Target.GiveToServer(ServerDir);

        // A directory yields its children, as one without brackets does, escaped by hand or as -LiteralPath escapes it.
        Assert.Equal(new[] { "d1/in.txt", "d1/other.txt" }, (await WalkAsync(RemoteDir + "/w2/d1", new RemoteWalkOptions())).OrderBy(p => p, StringComparer.Ordinal));
        Assert.Equal(new[] { "d[1]/in.txt" }, await WalkAsync(RemoteDir + "/w2/d`[1`]", new RemoteWalkOptions()));
        Assert.Equal(new[] { "d[1]/in.txt" }, await WalkAsync(Wildcard.EscapeLiteralPath(RemoteDir + "/w2/d[1]"), new RemoteWalkOptions()));

        // Below it, a pattern is matched in the directory the escaped name names; an unescaped set still matches both.
        Assert.Equal(new[] { "in.txt" }, await WalkAsync(RemoteDir + "/w2/d`[1`]/*.txt", new RemoteWalkOptions()));
        Assert.Equal(new[] { "d1", "d[1]" }, (await WalkAsync(RemoteDir + "/w2/d*", new RemoteWalkOptions())).OrderBy(p => p, StringComparer.Ordinal));

        // Missing, it is an error as a missing literal path is, not a pattern that matched nothing.
        var (entries, errors) = await RemoteWalker.CollectAsync(Session, new[] { RemoteDir + "/w2/gone`[1`]" }, new RemoteWalkOptions(), Timeout());
        Assert.Empty(entries);
        Assert.Equal($"Cannot find remote path '{RemoteDir}/w2/gone[1]' because it does not exist.", Assert.Single(errors).Exception.Message);

        // In a current directory with brackets, relative paths and patterns are read there, not in what its name
        // would match as a pattern (d1).
        await Session.ChangeDirectoryAsync(RemoteDir + "/w2/d[1]", Timeout());
        Assert.Equal(new[] { "in.txt" }, await WalkAsync("*.txt", new RemoteWalkOptions()));
        Assert.Equal(new[] { "in.txt" }, await WalkAsync("in.txt", new RemoteWalkOptions()));
        Assert.Equal(new[] { "d1/in.txt", "d1/other.txt" }, (await WalkAsync("../d1", new RemoteWalkOptions())).OrderBy(p => p, StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_file_path_yields_the_file_and_a_missing_path_is_an_error_while_the_walk_goes_on()
    {
        ServerTree();

        var (entries, errors) = await RemoteWalker.CollectAsync(
            Session,
            new[] { RemoteDir + "/w/sub/c.txt", RemoteDir + "/w/missing", RemoteDir + "/w/b.csv" },
            new RemoteWalkOptions { Recurse = true },
            Timeout());

        Assert.Equal(new[] { "c.txt", "b.csv" }, entries.Select(e => e.RelativePath));
        Assert.Equal(RemoteDir + "/w/sub", entries[0].BaseDirectory);
        var error = Assert.Single(errors);
        Assert.Equal(RemoteDir + "/w/missing", error.Path);
        Assert.Equal(TransferRefusedReason.SourceNotFound, Assert.IsType<TransferRefusedException>(error.Exception).Reason);
        Assert.Equal($"Cannot find remote path '{RemoteDir}/w/missing' because it does not exist.", error.Exception.Message);
    }

    [Fact]
    public async Task Following_links_enters_them_but_a_link_to_an_ancestor_cannot_loop()
    {
        ServerTree();

        var relative = await WalkAsync(RemoteDir + "/w", new RemoteWalkOptions { Recurse = true, FollowSymbolicLinks = true });

        Assert.Contains("w/sub/loop", relative);

        // Where the server names the link's target the loop is never entered; where it does not (MLSD, readdir without
        // READLINK) the hop limit cuts it: a link is entered at most MaxLinkHops times and listed once more.
        Assert.All(relative, r => Assert.True(r.Split('/').Count(s => s == "loop") <= RemoteWalkOptions.MaxLinkHops + 1, r));
        Assert.Equal(
            new[] { "w/a.txt", "w/b.csv", "w/empty", "w/excluded", "w/sub", "w/excluded/x.txt", "w/sub/c.txt", "w/sub/deeper", "w/sub/loop", "w/sub/deeper/d.txt", "w/sub/deeper/e.csv" },
            relative.Where(r => !r.StartsWith("w/sub/loop/", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Walker_streams_one_batch_per_root_and_per_directory()
    {
        ServerTree();
        var walker = new RemoteWalker(Session, new[] { RemoteDir + "/w/sub" }, new RemoteWalkOptions { Recurse = true });

        var first = await walker.NextBatchAsync(Timeout());
        var second = await walker.NextBatchAsync(Timeout());
        var end = await walker.NextBatchAsync(Timeout());

        Assert.Equal(new[] { "sub/c.txt", "sub/deeper", "sub/loop" }, first!.Entries.Select(e => e.RelativePath));
        Assert.Equal(new[] { "sub/deeper/d.txt", "sub/deeper/e.csv" }, second!.Entries.Select(e => e.RelativePath));
        Assert.Null(end);
    }

    [Fact]
    public async Task Recursive_download_recreates_the_tree_skips_the_directory_link_and_matches_every_byte()
    {
        ServerTree();
        var destination = Path.Combine(LocalDir, "out");
        var (entries, _) = await RemoteWalker.CollectAsync(Session, new[] { RemoteDir + "/w" }, new RemoteWalkOptions { Recurse = true }, Timeout());
        var plan = TransferPlanner.PlanDownloads(entries, destination, recurse: true);
        foreach (var directory in plan.Directories)
        {
            Directory.CreateDirectory(directory);
        }

        var results = new System.Collections.Generic.List<TransferResult>();
        foreach (var transfer in plan.Transfers)
        {
            results.Add(await TransferEngine.DownloadFileAsync(Session, transfer.Source, transfer.Destination, null, null, Timeout()));
        }

        Assert.Empty(plan.Errors);
        var skipped = Assert.Single(results, r => r.Status != TransferStatus.Completed);
        Assert.True(skipped.Status == TransferStatus.Skipped, $"{skipped.Status}: {skipped.Exception}");
        Assert.Equal(RemoteDir + "/w/sub/loop", skipped.Source);
        Assert.False(File.Exists(Path.Combine(destination, "w", "sub", "loop")));
        Assert.Equal(TreeOf(Path.Combine(ServerDir, "w")), TreeOf(Path.Combine(destination, "w")));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // Symbolic links need no privilege on Linux.
    public async Task A_local_symbolic_link_uploads_the_file_it_leads_to_alone_and_in_a_tree()
    {
        var data = Bytes(5000, 33);
        LocalFile("real/data.bin", data);
        var root = Path.Combine(LocalDir, "linked");
        Directory.CreateDirectory(root);
        File.CreateSymbolicLink(Path.Combine(root, "rel.bin"), "../real/data.bin");
        File.CreateSymbolicLink(Path.Combine(root, "chain.bin"), "rel.bin");
        File.CreateSymbolicLink(Path.Combine(root, "broken.bin"), "../real/nothing.bin");
        var stamp = new DateTime(2021, 3, 4, 5, 6, 7, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(Path.Combine(LocalDir, "real", "data.bin"), stamp);

        var alone = await TransferEngine.UploadFileAsync(Session, Path.Combine(root, "rel.bin"), RemoteDir + "/alone.bin", new TransferOptions { PreserveTimestamp = Target.CanSetRemoteTime }, null, Timeout());
        var plan = await TransferPlanner.PlanUploadsAsync(Session, new[] { root }, recurse: true, RemoteDir + "/tree", Timeout());
        foreach (var directory in plan.Directories)
        {
            await TransferEngine.EnsureRemoteDirectoryAsync(Session, directory, Timeout());
        }

        // A broken link is planned without a length and fails alone, saying what is missing; the others go.
        Assert.Empty(plan.Errors);
        Assert.Equal(new long?[] { null, 5000, 5000 }, plan.Transfers.Select(t => t.Length));
        foreach (var transfer in plan.Transfers)
        {
            var result = await TransferEngine.UploadFileAsync(Session, transfer.Source, transfer.Destination, null, null, Timeout());
            if (transfer.Source.EndsWith("broken.bin", StringComparison.Ordinal))
            {
                Assert.Equal(TransferStatus.Failed, result.Status);
                Assert.Equal(TransferRefusedReason.SourceNotFound, Assert.IsType<TransferRefusedException>(result.Exception).Reason);
                Assert.Equal($"The local path '{transfer.Source}' is a symbolic link to '{Path.Combine(LocalDir, "real", "nothing.bin")}', which does not exist.", result.Exception!.Message);
                continue;
            }

            Assert.True(result.Status == TransferStatus.Completed, $"{transfer}: {result.Exception}");
        }

        Assert.False(File.Exists(Path.Combine(ServerDir, "tree", "linked", "broken.bin")));

        Assert.True(alone.Status == TransferStatus.Completed, alone.Exception?.ToString());
        Assert.Equal(5000, alone.Length);
        Assert.Equal(Sha(data), Sha(File.ReadAllBytes(Path.Combine(ServerDir, "alone.bin"))));
        Assert.Equal(Sha(data), Sha(File.ReadAllBytes(Path.Combine(ServerDir, "tree", "linked", "rel.bin"))));
        Assert.Equal(Sha(data), Sha(File.ReadAllBytes(Path.Combine(ServerDir, "tree", "linked", "chain.bin"))));
        if (Target.CanSetRemoteTime)
        {
            // The time is the file's, not the link's.
            Assert.Equal(stamp, File.GetLastWriteTimeUtc(Path.Combine(ServerDir, "alone.bin")));
        }
    }

    [Fact]
    public async Task Recursive_upload_recreates_the_tree_under_the_destination_and_matches_every_byte()
    {
        var root = Path.Combine(LocalDir, "src");
        LocalFile("src/a.txt", Bytes(1000, 30));
        LocalFile("src/sub/b.bin", Bytes(70_000, 31));
        LocalFile("src/sub/deeper/c.bin", Bytes(1, 32));
        Directory.CreateDirectory(Path.Combine(root, "empty"));

        var plan = await TransferPlanner.PlanUploadsAsync(Session, new[] { root }, recurse: true, RemoteDir + "/new/place", Timeout());
        foreach (var directory in plan.Directories)
        {
            await TransferEngine.EnsureRemoteDirectoryAsync(Session, directory, Timeout());
        }

        foreach (var transfer in plan.Transfers)
        {
            var result = await TransferEngine.UploadFileAsync(Session, transfer.Source, transfer.Destination, null, null, Timeout());
            Assert.True(result.Status == TransferStatus.Completed, $"{transfer}: {result.Exception}");
        }

        Assert.Empty(plan.Errors);
        Assert.Equal(TreeOf(root), TreeOf(Path.Combine(ServerDir, "new", "place", "src")));
    }

    [Fact]
    public async Task A_hostile_name_on_the_server_is_refused_and_nothing_lands_outside_the_destination()
    {
        ServerFile("h/ok.txt", Bytes(5, 33));
        ServerFile("h/..\\..\\escape.txt", Bytes(5, 34));
        var destination = Path.Combine(LocalDir, "out");

        var (entries, errors) = await RemoteWalker.CollectAsync(Session, new[] { RemoteDir + "/h" }, new RemoteWalkOptions { Recurse = true }, Timeout());
        var plan = TransferPlanner.PlanDownloads(entries, destination, recurse: true);
        foreach (var transfer in plan.Transfers)
        {
            var result = await TransferEngine.DownloadFileAsync(Session, transfer.Source, transfer.Destination, null, null, Timeout());
            Assert.True(result.Status == TransferStatus.Completed, $"{transfer}: {result.Exception}");
        }

        Assert.Empty(errors);

        Assert.Equal(new[] { RemoteDir + "/h/ok.txt" }, plan.Transfers.Select(t => t.Source));
        Assert.Equal(new[] { "h" }, Names(destination));
        Assert.Equal(new[] { "ok.txt" }, Names(Path.Combine(destination, "h")));
        Assert.Equal(new[] { "out" }, Names(LocalDir));
        if (entries.Any(e => e.Item.Name.Contains('\\', StringComparison.Ordinal)))
        {
            var error = Assert.Single(plan.Errors);
            Assert.Equal(TransferRefusedReason.UnsafeRemoteName, Assert.IsType<TransferRefusedException>(error.Exception).Reason);
        }
    }

    // Symbolic links (and so everything behind them) are left out: the tree as a download without -FollowSymbolicLinks sees it.
    private static string[] TreeOf(string root) =>
        Directory.EnumerateFileSystemEntries(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint })
            .Select(p => Path.GetRelativePath(root, p) + (Directory.Exists(p) ? "/" : " " + Sha(File.ReadAllBytes(p))))
            .OrderBy(s => s, StringComparer.Ordinal)
            .ToArray();
}
