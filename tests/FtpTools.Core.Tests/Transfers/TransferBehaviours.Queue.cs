using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using FtpTools.Core.Errors;
using FtpTools.Core.Paths;
using FtpTools.Core.Transfers;
using Xunit;

namespace FtpTools.Core.Tests.Transfers;

// TransferQueue: each downloaded file's flush and rename, and each uploaded file's rename, run while the next file
// transfers (what Receive-FtpFile and Send-FtpFile use).
public abstract partial class TransferBehaviours
{
    [Fact]
    public async Task Downloads_flush_each_part_file_to_disk_before_its_rename_unless_told_not_to()
    {
        // 9 MiB: more than one chunk of the early write-out, which the flushed downloads take and the others do not.
        var big = Bytes(9 * 1024 * 1024 + 5, 41);
        var small = Enumerable.Range(0, 6).Select(i => Bytes(3000 + i, 50 + i)).ToList();
        ServerFile("nf-big.bin", big);
        for (var i = 0; i < small.Count; i++)
        {
            ServerFile($"nf{i}.bin", small[i]);
        }

        var listing = await Session.ListDirectoryAsync(RemoteDir, Timeout());
        foreach (var flush in new[] { false, true })
        {
            var local = Directory.CreateDirectory(Path.Combine(_local, flush ? "flushed" : "not-flushed")).FullName;
            var options = new TransferOptions { FlushToDisk = flush };

            // A part file left longer by an earlier attempt is cut back, not written over in place.
            File.WriteAllBytes(PartFile.LocalPathFor(Path.Combine(local, "nf0.bin")), Bytes(50_000, 9));
            var flushes = new System.Runtime.CompilerServices.StrongBox<int>();
            TransferEngine.DiskFlushes.Value = flushes;
            try
            {
                AssertCompleted(
                    await TransferEngine.DownloadFileAsync(Session, RemoteDir + "/nf-big.bin", Path.Combine(local, "nf-big.bin"), options, null, Timeout()),
                    TransferDirection.Download,
                    RemoteDir + "/nf-big.bin",
                    Path.Combine(local, "nf-big.bin"),
                    big.Length);
                var results = new List<TransferResult>();
                var queue = new TransferQueue(Session, options);
                for (var i = 0; i < small.Count; i++)
                {
                    var item = listing.Single(x => x.Name == $"nf{i}.bin");
                    if (await queue.DownloadAsync(item, Path.Combine(local, item.Name), null, null, Earlier, Timeout()) is { } now)
                    {
                        Earlier(now, null);
                    }
                }

                // The last file's result goes to Earlier too (and is also returned).
                await queue.CompleteAsync(Earlier);

                void Earlier(TransferResult result, object? state)
                {
                    lock (results)
                    {
                        results.Add(result);
                    }
                }

                Assert.Equal(small.Count, results.Count);
                Assert.All(results, r => Assert.Equal(TransferStatus.Completed, r.Status));
            }
            finally
            {
                TransferEngine.DiskFlushes.Value = null;
            }

            Assert.Equal(flush ? 1 + small.Count : 0, flushes.Value);
            Assert.Equal(Sha(big), Sha(File.ReadAllBytes(Path.Combine(local, "nf-big.bin"))));
            for (var i = 0; i < small.Count; i++)
            {
                Assert.Equal(Sha(small[i]), Sha(File.ReadAllBytes(Path.Combine(local, $"nf{i}.bin"))));
            }

            Assert.Equal(new[] { "nf-big.bin" }.Concat(Enumerable.Range(0, small.Count).Select(i => $"nf{i}.bin")).OrderBy(n => n, StringComparer.Ordinal), Names(local));
        }
    }

    [Fact]
    public async Task A_download_queue_puts_every_file_in_place_and_hands_out_each_result_once_in_download_order()
    {
        var names = Enumerable.Range(0, 40).Select(i => $"q{i:00}.bin").ToList();
        var data = names.Select((n, i) => Bytes(i == 7 ? 0 : i == 20 ? 1_500_000 : 1000 + (i * 97), 300 + i)).ToList();
        for (var i = 0; i < names.Count; i++)
        {
            ServerFile(names[i], data[i]);
        }

        var listing = await Session.ListDirectoryAsync(RemoteDir, Timeout());
        var order = names.Take(25).Append("missing.bin").Concat(names.Skip(25)).ToList();
        var results = new List<(TransferResult Result, object? State)>();
        var notInPlace = new List<string>();
        var queue = new TransferQueue(Session, null);
        foreach (var name in order)
        {
            var target = Path.Combine(_local, name);
            var result = name == "missing.bin"
                ? await queue.DownloadAsync(RemoteDir + "/" + name, target, null, name, Earlier, Timeout())
                : await queue.DownloadAsync(listing.Single(i => i.Name == name), target, null, name, Earlier, Timeout());
            if (result is not null)
            {
                results.Add((result, name));
            }
        }

        Assert.True(queue.HasPending);
        var last = await queue.CompleteAsync(Earlier);
        Assert.False(queue.HasPending);
        Assert.Null(await queue.CompleteAsync(Earlier));

        // Each file once, in the order of the downloads, with the state it was queued with.
        Assert.Equal(order, results.Select(r => (string)r.State!));
        Assert.Same(results[^1].Result, last);
        Assert.Empty(notInPlace);
        var missing = results.Single(r => (string)r.State! == "missing.bin").Result;
        Assert.Equal(TransferStatus.Failed, missing.Status);
        Assert.Equal(TransferRefusedReason.SourceNotFound, Assert.IsType<TransferRefusedException>(missing.Exception).Reason);
        for (var i = 0; i < names.Count; i++)
        {
            var result = results.Single(r => (string)r.State! == names[i]).Result;
            AssertCompleted(result, TransferDirection.Download, RemoteDir + "/" + names[i], Path.Combine(_local, names[i]), data[i].Length);
            Assert.Equal(Sha(data[i]), Sha(File.ReadAllBytes(Path.Combine(_local, names[i]))));
        }

        Assert.Equal(names, Names(_local));

        void Earlier(TransferResult result, object? state)
        {
            // Handed out only once the file is under its final name, its part file gone.
            if (!File.Exists(result.Destination) || File.Exists(PartFile.LocalPathFor(result.Destination)))
            {
                notInPlace.Add(result.Destination);
            }

            lock (results)
            {
                results.Add((result, state));
            }
        }
    }

    [Fact]
    public async Task A_queued_download_to_the_destination_of_the_file_before_it_waits_for_that_file_and_never_overwrites_it_unasked()
    {
        var first = Bytes(200_000, 41);
        var second = Bytes(150_000, 42);
        ServerFile("first.bin", first);
        ServerFile("second.bin", second);
        var target = Path.Combine(_local, "same.bin");
        var results = new List<TransferResult>();

        var queue = new TransferQueue(Session, null);
        Assert.Null(await queue.DownloadAsync(RemoteDir + "/first.bin", target, null, null, (r, _) => results.Add(r), Timeout()));
        var refused = await queue.DownloadAsync(RemoteDir + "/second.bin", target, null, null, (r, _) => results.Add(r), Timeout());

        AssertCompleted(Assert.Single(results), TransferDirection.Download, RemoteDir + "/first.bin", target, first.Length);
        Assert.NotNull(refused);
        Assert.Equal(TransferStatus.Failed, refused!.Status);
        Assert.Equal(TransferRefusedReason.DestinationExists, Assert.IsType<TransferRefusedException>(refused.Exception).Reason);
        Assert.False(queue.HasPending);
        Assert.Equal(Sha(first), Sha(File.ReadAllBytes(target)));

        var forced = new TransferQueue(Session, new TransferOptions { Overwrite = true });
        Assert.Null(await forced.DownloadAsync(RemoteDir + "/first.bin", target, null, null, null, Timeout()));
        Assert.Null(await forced.DownloadAsync(RemoteDir + "/second.bin", target, null, null, (r, _) => results.Add(r), Timeout()));
        AssertCompleted(results[^1], TransferDirection.Download, RemoteDir + "/first.bin", target, first.Length);
        AssertCompleted((await forced.CompleteAsync(null))!, TransferDirection.Download, RemoteDir + "/second.bin", target, second.Length);
        Assert.Equal(Sha(second), Sha(File.ReadAllBytes(target)));
        Assert.Equal(new[] { "same.bin" }, Names(_local));
    }

    [Fact]
    public async Task Cancelling_a_queued_download_still_puts_the_file_before_it_in_place_and_removes_its_own_part()
    {
        var small = Bytes(5000, 51);
        var big = Bytes(Big, 52);
        ServerFile("small.bin", small);
        ServerFile("big.bin", big);
        var earlier = new List<TransferResult>();
        var queue = new TransferQueue(Session, new TransferOptions { ProgressInterval = TimeSpan.Zero, BufferSize = 64 * 1024 });

        Assert.Null(await queue.DownloadAsync(RemoteDir + "/small.bin", Path.Combine(_local, "small.bin"), null, null, null, Timeout()));
        var cancelled = await CancelAfterAsync(1024 * 1024, async (p, t) =>
            await queue.DownloadAsync(RemoteDir + "/big.bin", Path.Combine(_local, "big.bin"), p, null, (r, _) => earlier.Add(r), t) ?? throw new InvalidOperationException("The cancelled download was left pending."));

        AssertCompleted(Assert.Single(earlier), TransferDirection.Download, RemoteDir + "/small.bin", Path.Combine(_local, "small.bin"), small.Length);
        Assert.Equal(TransferStatus.Cancelled, cancelled.Status);
        Assert.False(queue.HasPending);
        Assert.Equal(Sha(small), Sha(File.ReadAllBytes(Path.Combine(_local, "small.bin"))));
        Assert.Equal(new[] { "small.bin" }, Names(_local));

        // The session is still usable, and so is the queue.
        Assert.Null(await queue.DownloadAsync(RemoteDir + "/big.bin", Path.Combine(_local, "big.bin"), null, null, null, Timeout()));
        AssertCompleted((await queue.CompleteAsync(null))!, TransferDirection.Download, RemoteDir + "/big.bin", Path.Combine(_local, "big.bin"), Big);
        Assert.Equal(Sha(big), Sha(File.ReadAllBytes(Path.Combine(_local, "big.bin"))));
    }

    [Fact]
    public async Task An_upload_queue_puts_every_file_in_place_and_hands_out_each_result_once_in_upload_order()
    {
        var names = Enumerable.Range(0, 30).Select(i => $"u{i:00}.bin").ToList();
        var data = names.Select((n, i) => Bytes(i == 4 ? 0 : i == 17 ? 1_500_000 : 500 + (i * 131), 600 + i)).ToList();
        for (var i = 0; i < names.Count; i++)
        {
            LocalFile(names[i], data[i]);
        }

        var order = names.Take(12).Append("missing.bin").Concat(names.Skip(12)).ToList();
        var results = new List<(TransferResult Result, object? State)>();
        var notInPlace = new List<string>();
        var deferred = 0;
        var queue = new TransferQueue(Session, null);
        foreach (var name in order)
        {
            var result = await queue.UploadAsync(Path.Combine(_local, name), RemoteDir + "/" + name, null, name, Earlier, Timeout());
            if (result is null)
            {
                deferred++;
            }
            else
            {
                results.Add((result, name));
            }
        }

        var last = await queue.CompleteAsync(Earlier);
        Assert.False(queue.HasPending);
        Assert.Null(await queue.CompleteAsync(Earlier));

        // Each file once, in the order of the uploads, with the state it was queued with. Every successful file's
        // rename overlapped the next call (on FTP its answer was read with the next file's first command).
        Assert.Equal(order, results.Select(r => (string)r.State!));
        Assert.Equal(names.Count, deferred);
        Assert.NotNull(last);
        Assert.Empty(notInPlace);
        var missing = results.Single(r => (string)r.State! == "missing.bin").Result;
        Assert.Equal(TransferStatus.Failed, missing.Status);
        Assert.Equal(TransferRefusedReason.SourceNotFound, Assert.IsType<TransferRefusedException>(missing.Exception).Reason);
        for (var i = 0; i < names.Count; i++)
        {
            var result = results.Single(r => (string)r.State! == names[i]).Result;
            AssertCompleted(result, TransferDirection.Upload, Path.Combine(_local, names[i]), RemoteDir + "/" + names[i], data[i].Length);
            Assert.Equal(Sha(data[i]), Sha(File.ReadAllBytes(Path.Combine(ServerDir, names[i]))));
        }

        Assert.Equal(names, Names(ServerDir));

        void Earlier(TransferResult result, object? state)
        {
            // Handed out only once the file is under its final name on the server, its part file gone.
            var name = (string)state!;
            if (!File.Exists(Path.Combine(ServerDir, name)) || File.Exists(Path.Combine(ServerDir, "." + name + ".ftptools-part")))
            {
                notInPlace.Add(name);
            }

            lock (results)
            {
                results.Add((result, state));
            }
        }
    }

    [Fact]
    public async Task A_queued_upload_to_the_destination_of_the_file_before_it_waits_for_that_file_and_never_overwrites_it_unasked()
    {
        var first = LocalFile("first.bin", Bytes(200_000, 61));
        var second = LocalFile("second.bin", Bytes(150_000, 62));
        var target = RemoteDir + "/same.bin";

        var queue = new TransferQueue(Session, null);
        var results = await UploadAllAsync(queue, (first, target), (second, target));

        Assert.Equal(2, results.Count);
        AssertCompleted(results[0], TransferDirection.Upload, first, target, 200_000);
        Assert.Equal(TransferStatus.Failed, results[1].Status);
        Assert.Equal(TransferRefusedReason.DestinationExists, Assert.IsType<TransferRefusedException>(results[1].Exception).Reason);
        Assert.False(queue.HasPending);
        Assert.Equal(Sha(Bytes(200_000, 61)), Sha(File.ReadAllBytes(Path.Combine(ServerDir, "same.bin"))));
        Assert.Equal(new[] { "same.bin" }, Names(ServerDir));

        results = await UploadAllAsync(new TransferQueue(Session, new TransferOptions { Overwrite = true }), (first, target), (second, target));

        Assert.Equal(2, results.Count);
        AssertCompleted(results[0], TransferDirection.Upload, first, target, 200_000);
        AssertCompleted(results[1], TransferDirection.Upload, second, target, 150_000);
        Assert.Equal(Sha(Bytes(150_000, 62)), Sha(File.ReadAllBytes(Path.Combine(ServerDir, "same.bin"))));
        Assert.Equal(new[] { "same.bin" }, Names(ServerDir));
    }

    [Fact]
    public async Task A_queued_upload_whose_rename_fails_hands_out_that_failure_and_leaves_no_part_file()
    {
        // With Overwrite the engine does not look before it uploads; the rename onto the directory is what fails,
        // on SFTP while the next file is on its way.
        ServerFile("d/keep.txt", Bytes(10, 71));
        var blocked = LocalFile("d", Bytes(3000, 72));
        var next = LocalFile("next.bin", Bytes(4000, 73));

        var results = await UploadAllAsync(new TransferQueue(Session, new TransferOptions { Overwrite = true }), (blocked, RemoteDir + "/d"), (next, RemoteDir + "/next.bin"));

        Assert.Equal(2, results.Count);
        Assert.Equal(TransferStatus.Failed, results[0].Status);
        Assert.Equal(blocked, results[0].Source);
        Assert.Equal($"The remote destination '{RemoteDir}/d' is a directory.", results[0].Error);
        Assert.Equal(TransferRefusedReason.DestinationExists, Assert.IsType<TransferRefusedException>(results[0].Exception).Reason);
        Assert.Null(results[0].Warning);
        AssertCompleted(results[1], TransferDirection.Upload, next, RemoteDir + "/next.bin", 4000);
        Assert.Equal(new[] { "d", "next.bin" }, Names(ServerDir));
        Assert.Equal(new[] { "keep.txt" }, Names(Path.Combine(ServerDir, "d")));
        Assert.Equal(Sha(Bytes(4000, 73)), Sha(File.ReadAllBytes(Path.Combine(ServerDir, "next.bin"))));
    }

    [Fact]
    public async Task Queued_uploads_that_keep_the_local_time_get_it_once_in_place_even_when_it_is_set_behind_the_next_file()
    {
        // On FTP each file's time is set (MFMT) after its rename's answer, which the next file's first command reads.
        var names = new[] { "t1.txt", "t2.txt", "t3.txt" };
        var files = names.Select((n, i) => LocalFile(n, Bytes(3000 + i, 110 + i))).ToArray();
        for (var i = 0; i < files.Length; i++)
        {
            File.SetLastWriteTimeUtc(files[i], OldTime.AddMinutes(i));
        }

        var results = await UploadAllAsync(
            new TransferQueue(Session, new TransferOptions { PreserveTimestamp = true }),
            files.Select((f, i) => (f, RemoteDir + "/" + names[i])).ToArray());

        Assert.Equal(files, results.Select(r => r.Source));
        for (var i = 0; i < names.Length; i++)
        {
            AssertCompleted(results[i], TransferDirection.Upload, files[i], RemoteDir + "/" + names[i], 3000 + i);
            Assert.Equal(Sha(Bytes(3000 + i, 110 + i)), Sha(File.ReadAllBytes(Path.Combine(ServerDir, names[i]))));
            if (Target.CanSetRemoteTime)
            {
                Assert.Null(results[i].Warning);
                Assert.Equal(OldTime.AddMinutes(i), File.GetLastWriteTimeUtc(Path.Combine(ServerDir, names[i])));
            }
        }

        Assert.Equal(names, Names(ServerDir));
    }

    [Fact]
    public async Task Cancelling_a_queued_upload_still_puts_the_file_before_it_in_place_and_removes_its_own_part()
    {
        var small = LocalFile("small.bin", Bytes(5000, 81));
        var big = LocalFile("big.bin", Bytes(Big, 82));
        var earlier = new List<TransferResult>();
        var queue = new TransferQueue(Session, new TransferOptions { ProgressInterval = TimeSpan.Zero, BufferSize = 64 * 1024 });

        var first = await queue.UploadAsync(small, RemoteDir + "/small.bin", null, null, null, Timeout());
        var cancelled = await CancelAfterAsync(1024 * 1024, async (p, t) =>
            await queue.UploadAsync(big, RemoteDir + "/big.bin", p, null, (r, _) => earlier.Add(r), t) ?? throw new InvalidOperationException("The cancelled upload was left pending."));

        AssertCompleted(first ?? Assert.Single(earlier), TransferDirection.Upload, small, RemoteDir + "/small.bin", 5000);
        Assert.Equal(TransferStatus.Cancelled, cancelled.Status);
        Assert.True(cancelled.Warning is null, cancelled.Warning);
        Assert.False(queue.HasPending);
        Assert.Equal(Sha(Bytes(5000, 81)), Sha(File.ReadAllBytes(Path.Combine(ServerDir, "small.bin"))));
        Assert.Equal(new[] { "small.bin" }, Names(ServerDir));

        // The session is still usable, and so is the queue.
        var results = await UploadAllAsync(queue, (big, RemoteDir + "/big.bin"));
        AssertCompleted(Assert.Single(results), TransferDirection.Upload, big, RemoteDir + "/big.bin", Big);
        Assert.Equal(Sha(Bytes(Big, 82)), Sha(File.ReadAllBytes(Path.Combine(ServerDir, "big.bin"))));
    }

    [Fact]
    public async Task A_download_queued_after_an_upload_of_the_same_file_gets_the_uploaded_bytes_and_both_results_in_order()
    {
        var fresh = Bytes(70_000, 91);
        ServerFile("both.bin", Bytes(30_000, 92));
        var source = LocalFile("up/both.bin", fresh);
        var target = Path.Combine(_local, "down", "both.bin");
        var results = new List<TransferResult>();
        void Add(TransferResult r, object? _)
        {
            lock (results)
            {
                results.Add(r);
            }
        }

        var queue = new TransferQueue(Session, new TransferOptions { Overwrite = true });
        if (await queue.UploadAsync(source, RemoteDir + "/both.bin", null, null, Add, Timeout()) is { } up)
        {
            Add(up, null);
        }

        if (await queue.DownloadAsync(RemoteDir + "/both.bin", target, null, null, Add, Timeout()) is { } down)
        {
            Add(down, null);
        }

        await queue.CompleteAsync(Add);

        Assert.Equal(2, results.Count);
        AssertCompleted(results[0], TransferDirection.Upload, source, RemoteDir + "/both.bin", fresh.Length);
        AssertCompleted(results[1], TransferDirection.Download, RemoteDir + "/both.bin", target, fresh.Length);
        Assert.Equal(Sha(fresh), Sha(File.ReadAllBytes(target)));
        Assert.Equal(Sha(fresh), Sha(File.ReadAllBytes(Path.Combine(ServerDir, "both.bin"))));
    }

    /// <summary>Uploads each pair through <paramref name="queue"/> and completes it; every result, in the order the queue hands them out.</summary>
    private static async Task<List<TransferResult>> UploadAllAsync(TransferQueue queue, params (string Local, string Remote)[] files)
    {
        var results = new List<TransferResult>();
        void Add(TransferResult result, object? state)
        {
            lock (results)
            {
                results.Add(result);
            }
        }

        foreach (var (local, remote) in files)
        {
            if (await queue.UploadAsync(local, remote, null, null, Add, Timeout()) is { } now)
            {
                Add(now, null);
            }
        }

        await queue.CompleteAsync(Add);
        return results;
    }
}
