using System;
using System.IO;
using System.Linq;
using FtpTools.Core.Errors;
using FtpTools.Core.Transfers;
using Xunit;

namespace FtpTools.Core.Tests.Transfers;

public sealed class TransferPlannerTests : IDisposable
{
    private readonly string _temp = Path.Combine(Path.GetTempPath(), "ftptools-plan-" + Guid.NewGuid().ToString("N"));

    public TransferPlannerTests() => Directory.CreateDirectory(_temp);

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    private static RemoteWalkEntry Entry(string relative, RemoteItemKind kind, long? length = null, string baseDirectory = "/data")
    {
        var name = relative.Split('/').Last();
        var item = new RemoteItem(name, baseDirectory.TrimEnd('/') + "/" + relative, kind) { Length = length };
        return new RemoteWalkEntry(item, baseDirectory, relative, relative.Count(c => c == '/'));
    }

    [Fact]
    public void Recursive_download_keeps_the_relative_structure_under_the_destination()
    {
        var entries = new[]
        {
            Entry("dir", RemoteItemKind.Directory),
            Entry("dir/a.txt", RemoteItemKind.File, 10),
            Entry("dir/empty", RemoteItemKind.Directory),
            Entry("dir/sub", RemoteItemKind.Directory),
            Entry("dir/sub/b.txt", RemoteItemKind.File, 20),
            Entry("dir/link", RemoteItemKind.SymbolicLink, 7),
        };

        var plan = TransferPlanner.PlanDownloads(entries, _temp, recurse: true);

        Assert.Empty(plan.Errors);
        Assert.Equal(new[] { "dir", "dir/empty", "dir/sub" }.Select(d => Path.Combine(_temp, d)), plan.Directories);
        Assert.Equal(
            new[]
            {
                ("/data/dir/a.txt", Path.Combine(_temp, "dir", "a.txt"), (long?)10),
                ("/data/dir/sub/b.txt", Path.Combine(_temp, "dir", "sub", "b.txt"), 20),
                ("/data/dir/link", Path.Combine(_temp, "dir", "link"), null),
            },
            plan.Transfers.Select(t => (t.Source, t.Destination, t.Length)));
        Assert.Equal(30, plan.TotalBytes);
        Assert.All(plan.Transfers, t => Assert.Equal(TransferDirection.Download, t.Direction));

        // Each download carries its walked item, so the engine does not stat it again.
        Assert.Equal(
            new[] { entries[1].Item, entries[4].Item, entries[5].Item },
            plan.Transfers.Select(t => t.RemoteItem));
    }

    [Fact]
    public void Hostile_names_are_refused_one_by_one_and_the_rest_still_go()
    {
        var entries = new[]
        {
            Entry("good.txt", RemoteItemKind.File, 1),
            Entry("../../etc/cron.d/evil", RemoteItemKind.File, 1),
            Entry("C:evil", RemoteItemKind.File, 1),
            Entry("dir\\..\\..\\evil", RemoteItemKind.File, 1),
            Entry("..", RemoteItemKind.Directory),
        };

        var plan = TransferPlanner.PlanDownloads(entries, _temp, recurse: true);

        Assert.Equal(new[] { Path.Combine(_temp, "good.txt") }, plan.Transfers.Select(t => t.Destination));
        Assert.Equal(4, plan.Errors.Count);
        Assert.All(plan.Errors, e => Assert.Equal(TransferRefusedReason.UnsafeRemoteName, Assert.IsType<TransferRefusedException>(e.Exception).Reason));
        Assert.Empty(plan.Directories);
    }

    [Fact]
    public void One_file_to_a_path_that_is_not_a_directory_is_a_rename()
    {
        var target = Path.Combine(_temp, "renamed.bin");

        var plan = TransferPlanner.PlanDownloads(new[] { Entry("a.bin", RemoteItemKind.File, 5) }, target, recurse: false);

        Assert.Equal(target, Assert.Single(plan.Transfers).Destination);
    }

    [Fact]
    public void A_single_file_found_inside_a_walked_directory_keeps_its_place_under_a_new_destination()
    {
        var target = Path.Combine(_temp, "new");

        var plan = TransferPlanner.PlanDownloads(new[] { Entry("dir/only.txt", RemoteItemKind.File, 5) }, target, recurse: false);

        Assert.Equal(Path.Combine(target, "dir", "only.txt"), Assert.Single(plan.Transfers).Destination);
    }

    [Fact]
    public void One_file_to_an_existing_directory_or_a_trailing_separator_goes_inside()
    {
        var intoExisting = TransferPlanner.PlanDownloads(new[] { Entry("a.bin", RemoteItemKind.File, 5) }, _temp, recurse: false);
        var intoNew = TransferPlanner.PlanDownloads(new[] { Entry("a.bin", RemoteItemKind.File, 5) }, Path.Combine(_temp, "new") + Path.DirectorySeparatorChar, recurse: false);

        Assert.Equal(Path.Combine(_temp, "a.bin"), Assert.Single(intoExisting.Transfers).Destination);
        Assert.Equal(Path.Combine(_temp, "new", "a.bin"), Assert.Single(intoNew.Transfers).Destination);
    }

    [Fact]
    public void Without_recurse_directories_are_left_out_and_other_kinds_are_refused()
    {
        var entries = new[]
        {
            Entry("a", RemoteItemKind.File, 1),
            Entry("sub", RemoteItemKind.Directory),
            Entry("fifo", RemoteItemKind.Other),
        };

        var plan = TransferPlanner.PlanDownloads(entries, Path.Combine(_temp, "out"), recurse: false);

        Assert.Empty(plan.Directories);
        Assert.Equal(Path.Combine(_temp, "out", "a"), Assert.Single(plan.Transfers).Destination);
        var error = Assert.Single(plan.Errors);
        Assert.Equal("/data/fifo", error.Source);
        Assert.Equal("The remote item '/data/fifo' is not a regular file and cannot be downloaded.", error.Exception.Message);
    }

    [Fact]
    public void Two_sources_for_one_destination_keep_the_first_and_refuse_the_second()
    {
        var entries = new[]
        {
            Entry("x/a.txt", RemoteItemKind.File, 1, "/one"),
            Entry("x/a.txt", RemoteItemKind.File, 1, "/two"),
            Entry("x/a.txt", RemoteItemKind.File, 1, "/one"),
        };

        var plan = TransferPlanner.PlanDownloads(entries, _temp, recurse: false);

        Assert.Equal("/one/x/a.txt", Assert.Single(plan.Transfers).Source);
        var error = Assert.Single(plan.Errors);
        Assert.Equal("/two/x/a.txt", error.Source);
        Assert.Equal(TransferRefusedReason.DestinationExists, ((TransferRefusedException)error.Exception).Reason);
    }

    private string LocalTree()
    {
        var root = Path.Combine(_temp, "src");
        Directory.CreateDirectory(Path.Combine(root, "sub", "deeper"));
        Directory.CreateDirectory(Path.Combine(root, "empty"));
        File.WriteAllBytes(Path.Combine(root, "a.txt"), new byte[3]);
        File.WriteAllBytes(Path.Combine(root, "sub", "b.txt"), new byte[5]);
        File.WriteAllBytes(Path.Combine(root, "sub", "deeper", "c.txt"), new byte[7]);
        Directory.CreateSymbolicLink(Path.Combine(root, "sub", "loop"), root);
        return root;
    }

    [Fact]
    public void Recursive_upload_recreates_the_folder_under_the_destination_without_following_directory_links()
    {
        var root = LocalTree();
        var existing = new RemoteItem("in", "/in", RemoteItemKind.Directory);

        var plan = TransferPlanner.PlanUploads(new[] { root }, recurse: true, "/in", existing);

        Assert.Empty(plan.Errors);
        Assert.Equal(new[] { "/in/src", "/in/src/empty", "/in/src/sub", "/in/src/sub/deeper" }, plan.Directories);
        Assert.Equal(
            new[]
            {
                (Path.Combine(root, "a.txt"), "/in/src/a.txt", (long?)3),
                (Path.Combine(root, "sub", "b.txt"), "/in/src/sub/b.txt", 5),
                (Path.Combine(root, "sub", "deeper", "c.txt"), "/in/src/sub/deeper/c.txt", 7),
            },
            plan.Transfers.Select(t => (t.Source, t.Destination, t.Length)));
    }

    [Fact]
    public void Upload_to_a_missing_destination_directory_lists_it_first()
    {
        var root = LocalTree();

        var plan = TransferPlanner.PlanUploads(new[] { Path.Combine(root, "a.txt"), Path.Combine(root, "sub", "b.txt") }, recurse: false, "/new/dir", null);

        Assert.Equal(new[] { "/new/dir" }, plan.Directories);
        Assert.Equal(new[] { "/new/dir/a.txt", "/new/dir/b.txt" }, plan.Transfers.Select(t => t.Destination));
    }

    [Fact]
    public void One_file_to_a_name_that_is_not_a_directory_is_a_rename_unless_it_ends_with_a_slash()
    {
        var root = LocalTree();
        var file = Path.Combine(root, "a.txt");

        var rename = TransferPlanner.PlanUploads(new[] { file }, false, "/in/renamed.txt", null);
        var replace = TransferPlanner.PlanUploads(new[] { file }, false, "/in/old.txt", new RemoteItem("old.txt", "/in/old.txt", RemoteItemKind.File));
        var into = TransferPlanner.PlanUploads(new[] { file }, false, "/in/newdir/", null);

        Assert.Equal("/in/renamed.txt", Assert.Single(rename.Transfers).Destination);
        Assert.Empty(rename.Directories);
        Assert.Equal("/in/old.txt", Assert.Single(replace.Transfers).Destination);
        Assert.Equal("/in/newdir/a.txt", Assert.Single(into.Transfers).Destination);
        Assert.Equal(new[] { "/in/newdir" }, into.Directories);
    }

    [Fact]
    public void Upload_refuses_directories_without_recurse_missing_sources_and_a_file_in_the_way()
    {
        var root = LocalTree();
        var missing = Path.Combine(root, "missing.txt");

        var plan = TransferPlanner.PlanUploads(new[] { Path.Combine(root, "sub"), missing, Path.Combine(root, "a.txt") }, false, "/in", new RemoteItem("in", "/in", RemoteItemKind.Directory));
        var blocked = TransferPlanner.PlanUploads(new[] { root }, true, "/in", new RemoteItem("in", "/in", RemoteItemKind.File));

        Assert.Equal("/in/a.txt", Assert.Single(plan.Transfers).Destination);
        Assert.Equal($"The local path '{Path.Combine(root, "sub")}' is a directory; use -Recurse to send it.", plan.Errors[0].Exception.Message);
        Assert.Equal(TransferRefusedReason.SourceIsDirectory, Assert.IsType<TransferRefusedException>(plan.Errors[0].Exception).Reason);
        Assert.Equal(TransferRefusedReason.SourceNotFound, Assert.IsType<TransferRefusedException>(plan.Errors[1].Exception).Reason);
        Assert.Equal(missing, plan.Errors[1].Source);
        Assert.Empty(blocked.Transfers);
        Assert.Equal(TransferRefusedReason.DestinationExists, Assert.IsType<TransferRefusedException>(Assert.Single(blocked.Errors).Exception).Reason);
    }

    [Fact]
    public void Upload_destination_must_be_absolute()
    {
        Assert.Throws<ArgumentException>(() => TransferPlanner.PlanUploads(new[] { _temp }, true, "relative", null));
    }
}
