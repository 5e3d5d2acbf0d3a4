using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;
using FtpTools.Core.Transfers;
using Xunit;

namespace FtpTools.Core.Tests.Transfers;

/// <summary>
/// One test body per behaviour of the transfer engine, walker and planner, run against every real session a
/// derived class supplies through <see cref="SessionTarget"/>. Outcomes are checked on the disks: SHA-256 of
/// the bytes, what files exist under which names, and modification times.
/// </summary>
public abstract partial class TransferBehaviours : IAsyncLifetime
{
    private const int Big = (8 * 1024 * 1024) + 123;
    private static readonly DateTime OldTime = new(2001, 2, 3, 4, 5, 6, DateTimeKind.Utc);
    private readonly string _local = Path.Combine(Path.GetTempPath(), "ftptools-xfer-" + Guid.NewGuid().ToString("N"));
    private IRemoteSession? _session;

    protected abstract SessionTarget Target { get; }

    protected IRemoteSession Session => _session ?? throw new InvalidOperationException("Not connected.");

    /// <summary>Remote path of this test's empty server directory.</summary>
    protected string RemoteDir { get; private set; } = "";

    /// <summary>Where <see cref="RemoteDir"/> is on the server's disk.</summary>
    protected string ServerDir { get; private set; } = "";

    protected string LocalDir => _local;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_local);
        (RemoteDir, ServerDir) = Target.NewDirectory();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        _session = await Target.ConnectAsync(timeout.Token);
    }

    public async Task DisposeAsync()
    {
        if (_session is not null)
        {
            await _session.DisposeAsync();
        }

        await Target.DisposeAsync();
        Directory.Delete(_local, recursive: true);
    }

    [Fact]
    public async Task Download_is_byte_exact_and_leaves_only_the_final_name()
    {
        var data = Bytes(Big, 1);
        ServerFile("big.bin", data);
        var target = Path.Combine(_local, "big.bin");
        var reports = new List<TransferProgress>();

        var result = await TransferEngine.DownloadFileAsync(Session, RemoteDir + "/big.bin", target, null, new Collect(reports), Timeout());

        AssertCompleted(result, TransferDirection.Download, RemoteDir + "/big.bin", target, Big);
        Assert.Equal(Sha(data), Sha(File.ReadAllBytes(target)));
        Assert.Equal(new[] { "big.bin" }, Names(_local));
        Assert.True(reports.Last().IsFinal);
        Assert.Equal(Big, reports.Last().BytesDone);
        Assert.Equal(100, reports.Last().PercentComplete);
        Assert.True(reports.Zip(reports.Skip(1), (a, b) => a.BytesDone <= b.BytesDone).All(x => x));
    }

    [Fact]
    public async Task Upload_is_byte_exact_and_leaves_only_the_final_name()
    {
        var data = Bytes(Big, 2);
        var source = LocalFile("up.bin", data);
        var reports = new List<TransferProgress>();

        var result = await TransferEngine.UploadFileAsync(Session, source, RemoteDir + "/up.bin", null, new Collect(reports), Timeout());

        AssertCompleted(result, TransferDirection.Upload, source, RemoteDir + "/up.bin", Big);
        Assert.Equal(Sha(data), Sha(File.ReadAllBytes(Path.Combine(ServerDir, "up.bin"))));
        Assert.Equal(new[] { "up.bin" }, Names(ServerDir));
        Assert.Equal(Big, reports.Last().BytesDone);
        Assert.True(reports.Last().IsFinal);
    }

    [Fact]
    public async Task Empty_files_go_both_ways()
    {
        ServerFile("empty-down", Array.Empty<byte>());
        var source = LocalFile("empty-up", Array.Empty<byte>());

        var down = await TransferEngine.DownloadFileAsync(Session, RemoteDir + "/empty-down", Path.Combine(_local, "empty-down"), null, null, Timeout());
        var up = await TransferEngine.UploadFileAsync(Session, source, RemoteDir + "/empty-up", null, null, Timeout());

        AssertCompleted(down, TransferDirection.Download, RemoteDir + "/empty-down", Path.Combine(_local, "empty-down"), 0);
        AssertCompleted(up, TransferDirection.Upload, source, RemoteDir + "/empty-up", 0);
        Assert.Equal(0, new FileInfo(Path.Combine(_local, "empty-down")).Length);
        Assert.Equal(0, new FileInfo(Path.Combine(ServerDir, "empty-up")).Length);
        Assert.Equal(new[] { "empty-down", "empty-up" }, Names(ServerDir));
    }

    [Fact]
    public async Task Relative_remote_paths_resolve_against_the_current_directory()
    {
        ServerFile("rel.txt", Bytes(10, 3));
        await Session.ChangeDirectoryAsync(RemoteDir, Timeout());

        var result = await TransferEngine.DownloadFileAsync(Session, "rel.txt", Path.Combine(_local, "rel.txt"), null, null, Timeout());

        AssertCompleted(result, TransferDirection.Download, RemoteDir + "/rel.txt", Path.Combine(_local, "rel.txt"), 10);
    }

    [Fact]
    public async Task Missing_sources_fail_as_source_not_found_and_create_nothing()
    {
        var down = await TransferEngine.DownloadFileAsync(Session, RemoteDir + "/nope", Path.Combine(_local, "nope"), null, null, Timeout());
        var up = await TransferEngine.UploadFileAsync(Session, Path.Combine(_local, "nope"), RemoteDir + "/nope", null, null, Timeout());

        Assert.Equal(TransferStatus.Failed, down.Status);
        Assert.Equal(TransferRefusedReason.SourceNotFound, Assert.IsType<TransferRefusedException>(down.Exception).Reason);
        Assert.Equal($"The remote file '{RemoteDir}/nope' does not exist.", down.Error);
        Assert.Equal(TransferStatus.Failed, up.Status);
        Assert.Equal(TransferRefusedReason.SourceNotFound, Assert.IsType<TransferRefusedException>(up.Exception).Reason);
        Assert.Empty(Names(_local));
        Assert.Empty(Names(ServerDir));
    }

    [Fact]
    public async Task An_upload_into_a_missing_remote_directory_says_so_and_creates_nothing()
    {
        var source = LocalFile("up.txt", Bytes(10, 60));

        var result = await TransferEngine.UploadFileAsync(Session, source, RemoteDir + "/no-such-dir/up.txt", null, null, Timeout());

        Assert.Equal(TransferStatus.Failed, result.Status);
        var refused = Assert.IsType<TransferRefusedException>(result.Exception);
        Assert.Equal((TransferRefusedReason.DestinationDirectoryNotFound, RemoteDir + "/no-such-dir/up.txt"), (refused.Reason, refused.Path));
        Assert.Equal($"Cannot upload to '{RemoteDir}/no-such-dir/up.txt': there is no remote directory '{RemoteDir}/no-such-dir'. Create it first (New-FtpDirectory -Force), or send into an existing one.", refused.Message);
        Assert.Empty(Names(ServerDir));

        // A file where the directory should be: the same.
        ServerFile("key.pem", Bytes(5, 64));
        var underFile = await TransferEngine.UploadFileAsync(Session, source, RemoteDir + "/key.pem/up.txt", null, null, Timeout());
        Assert.Equal(TransferRefusedReason.DestinationDirectoryNotFound, Assert.IsType<TransferRefusedException>(underFile.Exception).Reason);
        Assert.Equal(new[] { "key.pem" }, Names(ServerDir));
    }

    [Fact]
    public async Task A_listed_item_downloads_as_the_file_is_now_even_when_it_changed_or_went_since_the_listing()
    {
        var same = Bytes(100_000, 21);
        ServerFile("same.bin", same);
        ServerFile("grown.bin", Bytes(100_000, 22));
        ServerFile("shrunk.bin", Bytes(100_000, 23));
        ServerFile("gone.bin", Bytes(100_000, 24));
        var listing = await Session.ListDirectoryAsync(RemoteDir, Timeout());
        RemoteItem Listed(string name) => listing.Single(i => i.Name == name);
        var grown = Bytes(150_000, 25);
        var shrunk = Bytes(60_000, 26);
        ServerFile("grown.bin", grown);
        ServerFile("shrunk.bin", shrunk);
        File.Delete(Path.Combine(ServerDir, "gone.bin"));

        var results = new Dictionary<string, TransferResult>();
        foreach (var name in new[] { "same.bin", "grown.bin", "shrunk.bin", "gone.bin" })
        {
            results[name] = await TransferEngine.DownloadFileAsync(Session, Listed(name), Path.Combine(_local, name), null, null, Timeout());
        }

        AssertCompleted(results["same.bin"], TransferDirection.Download, RemoteDir + "/same.bin", Path.Combine(_local, "same.bin"), same.Length);
        AssertCompleted(results["grown.bin"], TransferDirection.Download, RemoteDir + "/grown.bin", Path.Combine(_local, "grown.bin"), grown.Length);
        AssertCompleted(results["shrunk.bin"], TransferDirection.Download, RemoteDir + "/shrunk.bin", Path.Combine(_local, "shrunk.bin"), shrunk.Length);
        Assert.Equal(Sha(same), Sha(File.ReadAllBytes(Path.Combine(_local, "same.bin"))));
        Assert.Equal(Sha(grown), Sha(File.ReadAllBytes(Path.Combine(_local, "grown.bin"))));
        Assert.Equal(Sha(shrunk), Sha(File.ReadAllBytes(Path.Combine(_local, "shrunk.bin"))));
        Assert.Equal(TransferStatus.Failed, results["gone.bin"].Status);
        Assert.IsAssignableFrom<FtpToolsException>(results["gone.bin"].Exception);
        Assert.Equal(new[] { "grown.bin", "same.bin", "shrunk.bin" }, Names(_local));
    }

    [Fact]
    public async Task An_existing_local_destination_is_refused_and_kept()
    {
        ServerFile("f.txt", Bytes(1000, 4));
        var target = LocalFile("f.txt", Bytes(10, 5));

        var result = await TransferEngine.DownloadFileAsync(Session, RemoteDir + "/f.txt", target, null, null, Timeout());

        Assert.Equal(TransferStatus.Failed, result.Status);
        var refused = Assert.IsType<TransferRefusedException>(result.Exception);
        Assert.Equal(TransferRefusedReason.DestinationExists, refused.Reason);
        Assert.Equal($"The destination '{target}' already exists; use -Force to replace it or -Resume to continue it.", result.Error);
        Assert.Equal(Bytes(10, 5), File.ReadAllBytes(target));
        Assert.Equal(new[] { "f.txt" }, Names(_local));
        Assert.Equal(0, result.BytesTransferred);
    }

    [Fact]
    public async Task Three_hundred_small_files_go_up_and_down_in_a_row_on_one_session()
    {
        // Send-FtpFile/Receive-FtpFile over a folder: one data connection (and TLS handshake) per file, one after
        // the other. Small files end right after the handshake, where a TLS 1.3 server's session tickets arrive.
        var sources = Enumerable.Range(0, 300).Select(i => LocalFile($"up/s{i:000}.bin", Bytes(1000 + i, 100 + i))).ToList();
        var force = new TransferOptions { Overwrite = true };
        foreach (var source in sources)
        {
            var up = await TransferEngine.UploadFileAsync(Session, source, RemoteDir + "/" + Path.GetFileName(source), force, null, Timeout());
            Assert.True(up.Status == TransferStatus.Completed, $"{up.Source}: {up.Status} {up.Exception}");
        }

        foreach (var source in sources)
        {
            var name = Path.GetFileName(source);
            var down = await TransferEngine.DownloadFileAsync(Session, RemoteDir + "/" + name, Path.Combine(_local, "down", name), force, null, Timeout());
            Assert.True(down.Status == TransferStatus.Completed, $"{down.Source}: {down.Status} {down.Exception}");
        }

        Assert.Equal(sources.Select(Path.GetFileName).OrderBy(n => n, StringComparer.Ordinal), Names(ServerDir));
        foreach (var source in sources)
        {
            var name = Path.GetFileName(source);
            var expected = Sha(File.ReadAllBytes(source));
            Assert.Equal(expected, Sha(File.ReadAllBytes(Path.Combine(ServerDir, name))));
            Assert.Equal(expected, Sha(File.ReadAllBytes(Path.Combine(_local, "down", name))));
        }
    }

    [Fact]
    public async Task An_overwriting_upload_onto_a_remote_directory_is_refused_and_leaves_no_part_file()
    {
        // With Overwrite the engine skips the existence check; the final rename is what finds the directory.
        ServerFile("d/keep.txt", Bytes(10, 17));
        var source = LocalFile("d", Bytes(1000, 18));

        var result = await TransferEngine.UploadFileAsync(Session, source, RemoteDir + "/d", new TransferOptions { Overwrite = true }, null, Timeout());

        Assert.Equal(TransferStatus.Failed, result.Status);
        Assert.Equal(TransferRefusedReason.DestinationExists, Assert.IsType<TransferRefusedException>(result.Exception).Reason);
        Assert.Equal($"The remote destination '{RemoteDir}/d' is a directory.", result.Error);
        Assert.Null(result.Warning);
        Assert.Equal(new[] { "d" }, Names(ServerDir));
        Assert.Equal(new[] { "keep.txt" }, Names(Path.Combine(ServerDir, "d")));
        Assert.Equal(Bytes(10, 17), File.ReadAllBytes(Path.Combine(ServerDir, "d", "keep.txt")));
    }

    [Fact]
    public async Task An_existing_remote_destination_is_refused_and_kept()
    {
        ServerFile("f.txt", Bytes(10, 6));
        var source = LocalFile("f.txt", Bytes(1000, 7));

        var result = await TransferEngine.UploadFileAsync(Session, source, RemoteDir + "/f.txt", null, null, Timeout());

        Assert.Equal(TransferStatus.Failed, result.Status);
        Assert.Equal(TransferRefusedReason.DestinationExists, Assert.IsType<TransferRefusedException>(result.Exception).Reason);
        Assert.Equal(Bytes(10, 6), File.ReadAllBytes(Path.Combine(ServerDir, "f.txt")));
        Assert.Equal(new[] { "f.txt" }, Names(ServerDir));
    }

    [Fact]
    public async Task Force_replaces_existing_destinations_both_ways()
    {
        var fresh = Bytes(300_000, 8);
        ServerFile("down.txt", fresh);
        var downTarget = LocalFile("down.txt", Bytes(999_999, 9));
        ServerFile("up.txt", Bytes(999_999, 10));
        var upSource = LocalFile("up-source.txt", fresh);
        var force = new TransferOptions { Overwrite = true };

        var down = await TransferEngine.DownloadFileAsync(Session, RemoteDir + "/down.txt", downTarget, force, null, Timeout());
        var up = await TransferEngine.UploadFileAsync(Session, upSource, RemoteDir + "/up.txt", force, null, Timeout());

        AssertCompleted(down, TransferDirection.Download, RemoteDir + "/down.txt", downTarget, fresh.Length);
        AssertCompleted(up, TransferDirection.Upload, upSource, RemoteDir + "/up.txt", fresh.Length);
        Assert.Equal(Sha(fresh), Sha(File.ReadAllBytes(downTarget)));
        Assert.Equal(Sha(fresh), Sha(File.ReadAllBytes(Path.Combine(ServerDir, "up.txt"))));
        Assert.Equal(new[] { "down.txt", "up.txt" }, Names(ServerDir));
        Assert.Equal(new[] { "down.txt", "up-source.txt" }, Names(_local));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_cancelled_download_never_leaves_the_final_name_and_keeps_the_part_only_for_resume(bool resume)
    {
        var data = Bytes(Big, 11);
        ServerFile("c.bin", data);
        var target = Path.Combine(_local, "c.bin");
        var options = new TransferOptions { Resume = resume, ProgressInterval = TimeSpan.Zero, BufferSize = 64 * 1024 };

        var result = await CancelAfterAsync(1024 * 1024, (p, t) => TransferEngine.DownloadFileAsync(Session, RemoteDir + "/c.bin", target, options, p, t));

        Assert.Equal(TransferStatus.Cancelled, result.Status);
        Assert.Null(result.Exception);
        Assert.False(File.Exists(target));
        var part = Path.Combine(_local, ".c.bin.ftptools-part");
        if (!resume)
        {
            Assert.Empty(Names(_local));
            return;
        }

        Assert.Equal(new[] { ".c.bin.ftptools-part" }, Names(_local));
        var head = File.ReadAllBytes(part);
        Assert.InRange(head.Length, 1024 * 1024, Big - 1);
        Assert.Equal(Sha(data.AsSpan(0, head.Length).ToArray()), Sha(head));

        // The session survived the cancellation, and -Resume finishes from the part file.
        Assert.Equal(Big, (await Session.GetItemAsync(RemoteDir + "/c.bin", Timeout()))!.Length);
        var resumed = await TransferEngine.DownloadFileAsync(Session, RemoteDir + "/c.bin", target, new TransferOptions { Resume = true }, null, Timeout());

        Assert.Equal(TransferStatus.Completed, resumed.Status);
        Assert.True(resumed.Resumed);
        Assert.Equal(head.Length, resumed.StartOffset);
        Assert.Equal(Big - head.Length, resumed.BytesTransferred);
        Assert.Equal(Sha(data), Sha(File.ReadAllBytes(target)));
        Assert.Equal(new[] { "c.bin" }, Names(_local));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_cancelled_upload_never_leaves_the_final_name_and_keeps_the_part_only_for_resume(bool resume)
    {
        var data = Bytes(Big, 12);
        var source = LocalFile("c.bin", data);
        var options = new TransferOptions { Resume = resume, ProgressInterval = TimeSpan.Zero, BufferSize = 64 * 1024 };

        var result = await CancelAfterAsync(1024 * 1024, (p, t) => TransferEngine.UploadFileAsync(Session, source, RemoteDir + "/c.bin", options, p, t));

        Assert.Equal(TransferStatus.Cancelled, result.Status);
        Assert.True(result.Warning is null, result.Warning);
        Assert.False(File.Exists(Path.Combine(ServerDir, "c.bin")));
        Assert.True(Session.IsConnected);
        if (!resume)
        {
            Assert.Empty(Names(ServerDir));
            return;
        }

        Assert.Equal(new[] { ".c.bin.ftptools-part" }, Names(ServerDir));

        // An FTP server may still be writing what it received before the abort reached it.
        var head = await StableContentAsync(Path.Combine(ServerDir, ".c.bin.ftptools-part"));
        Assert.InRange(head.Length, 0, Big - 1);
        Assert.Equal(Sha(data.AsSpan(0, head.Length).ToArray()), Sha(head));

        var resumed = await TransferEngine.UploadFileAsync(Session, source, RemoteDir + "/c.bin", new TransferOptions { Resume = true }, null, Timeout());

        Assert.True(resumed.Status == TransferStatus.Completed, $"{resumed.Status}: {resumed.Exception}");
        Assert.Equal(head.Length, resumed.StartOffset);
        Assert.Equal(head.Length > 0, resumed.Resumed);
        Assert.Equal(Big - head.Length, resumed.BytesTransferred);
        Assert.Equal(Sha(data), Sha(File.ReadAllBytes(Path.Combine(ServerDir, "c.bin"))));
        Assert.Equal(new[] { "c.bin" }, Names(ServerDir));
    }

    [Fact]
    public async Task Resume_restarts_when_the_part_file_is_longer_than_the_source()
    {
        var data = Bytes(200_000, 13);
        ServerFile("r.bin", data);
        LocalFile(".r.bin.ftptools-part", Bytes(300_000, 14));
        var target = Path.Combine(_local, "r.bin");

        var result = await TransferEngine.DownloadFileAsync(Session, RemoteDir + "/r.bin", target, new TransferOptions { Resume = true }, null, Timeout());

        AssertCompleted(result, TransferDirection.Download, RemoteDir + "/r.bin", target, data.Length);
        Assert.Equal(Sha(data), Sha(File.ReadAllBytes(target)));
        Assert.Equal(new[] { "r.bin" }, Names(_local));
    }

    [Fact]
    public async Task Resume_restarts_when_the_source_changed_after_the_part_file_was_written()
    {
        // The head of another version of the file, left two days ago; the source has changed since (beyond the day FTP's
        // local-time servers are allowed).
        var data = Bytes(200_000, 47);
        var stale = Bytes(100_000, 48);
        ServerFile("v.bin", data);
        var part = LocalFile(".v.bin.ftptools-part", stale);
        File.SetLastWriteTimeUtc(part, DateTime.UtcNow.AddDays(-2));
        var target = Path.Combine(_local, "v.bin");

        var down = await TransferEngine.DownloadFileAsync(Session, RemoteDir + "/v.bin", target, new TransferOptions { Resume = true }, null, Timeout());

        AssertCompleted(down, TransferDirection.Download, RemoteDir + "/v.bin", target, data.Length);
        Assert.False(down.Resumed);
        Assert.Equal(Sha(data), Sha(File.ReadAllBytes(target)));
        Assert.Equal($"The partial download '{part}' was written before '{RemoteDir}/v.bin' last changed: started over.", down.Warning);

        var source = LocalFile("u.bin", data);
        ServerFile(".u.bin.ftptools-part", stale);
        File.SetLastWriteTimeUtc(Path.Combine(ServerDir, ".u.bin.ftptools-part"), DateTime.UtcNow.AddDays(-2));

        var up = await TransferEngine.UploadFileAsync(Session, source, RemoteDir + "/u.bin", new TransferOptions { Resume = true }, null, Timeout());

        Assert.Equal(TransferStatus.Completed, up.Status);
        Assert.False(up.Resumed);
        Assert.Equal(Sha(data), Sha(File.ReadAllBytes(Path.Combine(ServerDir, "u.bin"))));
    }

    [Fact]
    public async Task Resume_takes_a_destination_of_the_source_length_as_done_and_refuses_another_length()
    {
        var data = Bytes(50_000, 15);
        ServerFile("same.bin", data);
        ServerFile("other.bin", data);
        var same = LocalFile("same.bin", data);
        var other = LocalFile("other.bin", Bytes(10, 16));
        var resume = new TransferOptions { Resume = true };

        var done = await TransferEngine.DownloadFileAsync(Session, RemoteDir + "/same.bin", same, resume, null, Timeout());
        var refused = await TransferEngine.DownloadFileAsync(Session, RemoteDir + "/other.bin", other, resume, null, Timeout());
        var upDone = await TransferEngine.UploadFileAsync(Session, same, RemoteDir + "/same.bin", resume, null, Timeout());

        Assert.Equal(TransferStatus.Completed, done.Status);
        Assert.True(done.Resumed);
        Assert.Equal(0, done.BytesTransferred);
        Assert.Equal(data.Length, done.StartOffset);
        Assert.Equal(TransferStatus.Failed, refused.Status);
        Assert.Equal(TransferRefusedReason.DestinationExists, Assert.IsType<TransferRefusedException>(refused.Exception).Reason);
        Assert.Equal(Bytes(10, 16), File.ReadAllBytes(other));
        Assert.Equal(TransferStatus.Completed, upDone.Status);
        Assert.True(upDone.Resumed);
        Assert.Equal(0, upDone.BytesTransferred);
        Assert.Equal(new[] { "other.bin", "same.bin" }, Names(ServerDir));
    }

    [Fact]
    public async Task Resume_refuses_a_destination_of_the_source_length_written_before_the_source_changed_and_Force_replaces_it()
    {
        // Yesterday's report, today's of the same length: not done (beyond the day FTP's local-time servers are allowed).
        var today = Bytes(40_000, 54);
        var yesterday = Bytes(40_000, 55);
        ServerFile("report.bin", today);
        var local = LocalFile("report.bin", yesterday);
        File.SetLastWriteTimeUtc(local, DateTime.UtcNow.AddDays(-2));
        var upSource = LocalFile("up/report.bin", today);
        ServerFile("old-up.bin", yesterday);
        File.SetLastWriteTimeUtc(Path.Combine(ServerDir, "old-up.bin"), DateTime.UtcNow.AddDays(-2));

        var refused = await TransferEngine.DownloadFileAsync(Session, RemoteDir + "/report.bin", local, new TransferOptions { Resume = true }, null, Timeout());
        var upRefused = await TransferEngine.UploadFileAsync(Session, upSource, RemoteDir + "/old-up.bin", new TransferOptions { Resume = true }, null, Timeout());

        Assert.Equal(TransferStatus.Failed, refused.Status);
        var why = Assert.IsType<TransferRefusedException>(refused.Exception);
        Assert.Equal(TransferRefusedReason.DestinationExists, why.Reason);
        Assert.Equal($"The destination '{local}' already exists with the source's length, but the source was changed after it was written; use -Force to replace it.", why.Message);
        Assert.Equal(Sha(yesterday), Sha(File.ReadAllBytes(local)));
        Assert.Equal(TransferStatus.Failed, upRefused.Status);
        Assert.Equal(TransferRefusedReason.DestinationExists, Assert.IsType<TransferRefusedException>(upRefused.Exception).Reason);
        Assert.Equal(Sha(yesterday), Sha(File.ReadAllBytes(Path.Combine(ServerDir, "old-up.bin"))));

        var replaced = await TransferEngine.DownloadFileAsync(Session, RemoteDir + "/report.bin", local, new TransferOptions { Resume = true, Overwrite = true }, null, Timeout());
        var upReplaced = await TransferEngine.UploadFileAsync(Session, upSource, RemoteDir + "/old-up.bin", new TransferOptions { Resume = true, Overwrite = true }, null, Timeout());

        Assert.True(replaced.Status == TransferStatus.Completed, replaced.Exception?.ToString());
        Assert.Equal(Sha(today), Sha(File.ReadAllBytes(local)));
        Assert.True(upReplaced.Status == TransferStatus.Completed, upReplaced.Exception?.ToString());
        Assert.Equal(Sha(today), Sha(File.ReadAllBytes(Path.Combine(ServerDir, "old-up.bin"))));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // Unix modes.
    public async Task A_download_keeps_the_remote_files_permission_bits_and_an_existing_destinations_mode()
    {
        var modes = new Dictionary<string, int> { ["private.key"] = Convert.ToInt32("600", 8), ["shared.txt"] = Convert.ToInt32("640", 8), ["tool.sh"] = Convert.ToInt32("750", 8) };
        foreach (var (name, mode) in modes)
        {
            ServerFile("modes/" + name, Bytes(100, 56));
            File.SetUnixFileMode(Path.Combine(ServerDir, "modes", name), (UnixFileMode)mode);
        }

        var existing = LocalFile("into/shared.txt", Bytes(5, 57));
        File.SetUnixFileMode(existing, (UnixFileMode)Convert.ToInt32("604", 8));
        var (entries, errors) = await RemoteWalker.CollectAsync(Session, new[] { RemoteDir + "/modes/*" }, new RemoteWalkOptions(), Timeout());
        Assert.Empty(errors);

        var got = new Dictionary<string, int>();
        foreach (var entry in entries)
        {
            // Every server here lists permission bits (LIST's mode column, MLSD's UNIX.mode, SFTP's attributes).
            Assert.Equal(modes[entry.Item.Name], entry.Item.PermissionBits);
            var target = Path.Combine(LocalDir, "into", entry.Item.Name);
            var result = await TransferEngine.DownloadFileAsync(Session, entry.Item, target, new TransferOptions { Overwrite = true }, null, Timeout());
            Assert.True(result.Status == TransferStatus.Completed, result.Exception?.ToString());
            got[entry.Item.Name] = (int)File.GetUnixFileMode(target);
        }

        // A new file gets the remote bits (under this process's umask, 022 or stricter: 600 stays 600); the file that was
        // there keeps its own mode, as cp onto it does.
        Assert.Equal(modes["private.key"], got["private.key"]);
        Assert.Equal(Convert.ToInt32("700", 8), got["tool.sh"] & Convert.ToInt32("700", 8));
        Assert.Equal(0, got["tool.sh"] & Convert.ToInt32("027", 8));
        Assert.Equal(Convert.ToInt32("604", 8), got["shared.txt"]);
        Assert.Equal(Sha(Bytes(100, 56)), Sha(File.ReadAllBytes(existing)));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // Unix modes.
    public async Task An_upload_over_SFTP_keeps_the_local_files_permission_bits()
    {
        var secret = LocalFile("secret.key", Bytes(100, 61));
        File.SetUnixFileMode(secret, (UnixFileMode)Convert.ToInt32("600", 8));
        var tool = LocalFile("tool.sh", Bytes(100, 62));
        File.SetUnixFileMode(tool, (UnixFileMode)Convert.ToInt32("750", 8));

        var up = await TransferEngine.UploadFileAsync(Session, secret, RemoteDir + "/secret.key", null, null, Timeout());
        var upTool = await TransferEngine.UploadFileAsync(Session, tool, RemoteDir + "/tool.sh", null, null, Timeout());

        Assert.True(up.Status == TransferStatus.Completed, up.Exception?.ToString());
        Assert.True(upTool.Status == TransferStatus.Completed, upTool.Exception?.ToString());
        if (Session is not FtpTools.Core.Sftp.SftpSession)
        {
            // FTP has no way to say: the server's own default (its umask) applies.
            return;
        }

        // Under the server's umask (022 here, or stricter): 600 stays 600, 750 keeps no group write.
        Assert.Equal(Convert.ToInt32("600", 8), (int)File.GetUnixFileMode(Path.Combine(ServerDir, "secret.key")));
        var toolMode = (int)File.GetUnixFileMode(Path.Combine(ServerDir, "tool.sh"));
        Assert.Equal(Convert.ToInt32("700", 8), toolMode & Convert.ToInt32("700", 8));
        Assert.Equal(0, toolMode & Convert.ToInt32("027", 8));
    }

    [Fact]
    public async Task PreserveTimestamp_copies_the_remote_time_on_download()
    {
        var server = ServerFile("t.txt", Bytes(100, 17));
        File.SetLastWriteTimeUtc(server, OldTime);
        var kept = Path.Combine(_local, "kept.txt");
        var plain = Path.Combine(_local, "plain.txt");

        var preserved = await TransferEngine.DownloadFileAsync(Session, RemoteDir + "/t.txt", kept, new TransferOptions { PreserveTimestamp = true }, null, Timeout());
        var notPreserved = await TransferEngine.DownloadFileAsync(Session, RemoteDir + "/t.txt", plain, null, null, Timeout());

        Assert.Equal(TransferStatus.Completed, preserved.Status);
        Assert.Null(preserved.Warning);
        Assert.Equal(OldTime, File.GetLastWriteTimeUtc(kept));
        Assert.Equal(TransferStatus.Completed, notPreserved.Status);
        Assert.True(File.GetLastWriteTimeUtc(plain) > DateTime.UtcNow.AddMinutes(-5));
    }

    [Fact]
    public async Task PreserveTimestamp_copies_the_local_time_on_upload_or_says_why_not()
    {
        var source = LocalFile("t.txt", Bytes(100, 18));
        File.SetLastWriteTimeUtc(source, OldTime);

        var result = await TransferEngine.UploadFileAsync(Session, source, RemoteDir + "/t.txt", new TransferOptions { PreserveTimestamp = true }, null, Timeout());

        Assert.Equal(TransferStatus.Completed, result.Status);
        if (Target.CanSetRemoteTime)
        {
            Assert.Null(result.Warning);
            Assert.Equal(OldTime, File.GetLastWriteTimeUtc(Path.Combine(ServerDir, "t.txt")));
        }
        else
        {
            Assert.Equal("The server cannot set a file's last write time; the remote file keeps the time of the upload.", result.Warning);
        }
    }

    [Fact]
    public async Task Remote_directories_are_created_with_parents_and_a_file_in_the_way_is_refused()
    {
        ServerFile("file", Bytes(1, 19));

        Assert.True(await TransferEngine.EnsureRemoteDirectoryAsync(Session, RemoteDir + "/a/b/c", Timeout()));
        Assert.False(await TransferEngine.EnsureRemoteDirectoryAsync(Session, RemoteDir + "/a/b", Timeout()));
        var e = await Assert.ThrowsAsync<TransferRefusedException>(() => TransferEngine.EnsureRemoteDirectoryAsync(Session, RemoteDir + "/file", Timeout()));

        Assert.True(Directory.Exists(Path.Combine(ServerDir, "a", "b", "c")));
        Assert.Equal(TransferRefusedReason.DestinationExists, e.Reason);
    }

    private static void AssertCompleted(TransferResult result, TransferDirection direction, string source, string destination, long length)
    {
        Assert.True(result.Status == TransferStatus.Completed, $"{result.Status}: {result.Exception}");
        Assert.Equal(direction, result.Direction);
        Assert.Equal(source, result.Source);
        Assert.Equal(destination, result.Destination);
        Assert.Equal(length, result.Length);
        Assert.Equal(length, result.BytesTransferred);
        Assert.False(result.Resumed);
        Assert.Equal(0, result.StartOffset);
        Assert.Null(result.Exception);
        Assert.Null(result.Error);
        Assert.True(result.Duration > TimeSpan.Zero);
    }

    private static async Task<TransferResult> CancelAfterAsync(long bytes, Func<IProgress<TransferProgress>, CancellationToken, Task<TransferResult>> transfer)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var cancelled = false;
        var progress = new InlineProgress(p =>
        {
            if (p.BytesTransferred >= bytes && !cancelled)
            {
                cancelled = true;
                cts.Cancel();
            }
        });
        var result = await transfer(progress, cts.Token);
        Assert.True(cancelled, "the transfer finished before the test could cancel it");
        return result;
    }

    private static async Task<byte[]> StableContentAsync(string path)
    {
        var length = -1L;
        for (var i = 0; i < 50; i++)
        {
            var now = new FileInfo(path).Length;
            if (now == length)
            {
                break;
            }

            length = now;
            await Task.Delay(100);
        }

        return File.ReadAllBytes(path);
    }

    protected static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    protected static byte[] Bytes(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    protected static string Sha(byte[] data) => Convert.ToHexString(SHA256.HashData(data));

    protected static string[] Names(string directory) =>
        Directory.GetFileSystemEntries(directory).Select(Path.GetFileName).OrderBy(n => n, StringComparer.Ordinal).ToArray()!;

    /// <summary>Creates a file on the server's disk (relative to this test's directory), owned by the server account.</summary>
    protected string ServerFile(string relative, byte[] data)
    {
        var path = Path.Combine(ServerDir, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, data);
        Target.GiveToServer(ServerDir);
        return path;
    }

    protected string LocalFile(string relative, byte[] data)
    {
        var path = Path.Combine(_local, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, data);
        return path;
    }

    private sealed class Collect : IProgress<TransferProgress>
    {
        private readonly List<TransferProgress> _into;

        public Collect(List<TransferProgress> into) => _into = into;

        public void Report(TransferProgress value) => _into.Add(value);
    }
}
