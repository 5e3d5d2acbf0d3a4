using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using FtpTools.Core.Errors;
using FtpTools.Core.Transfers;
using Xunit;

namespace FtpTools.Core.Tests.Transfers;

// TransferOptions.RemoveSource (Send-FtpFile / Receive-FtpFile -RemoveSource): a completed transfer removes its
// source; every other outcome keeps it.
public abstract partial class TransferBehaviours
{
    [Fact]
    public async Task RemoveSource_a_download_whose_removal_the_lost_connection_stopped_is_removed_on_a_new_one()
    {
        // A queued download's source goes once the next file's transfer has ended: that is where a lost connection
        // shows, so its removal fails with the connection. On the connection made again, it goes after all.
        var first = Bytes(5000, 40);
        var firstOnServer = ServerFile("lost/a.bin", first);
        ServerFile("lost/b.bin", Bytes(6000, 41));
        var options = new TransferOptions { RemoveSource = true };
        var queue = new TransferQueue(Session, options);
        TransferResult? earlier = null;

        Assert.Null(await queue.DownloadAsync(RemoteDir + "/lost/a.bin", Path.Combine(LocalDir, "a.bin"), null, null, (r, _) => earlier = r, Timeout()));
        Target.KillServerSide();
        var second = await queue.DownloadAsync(RemoteDir + "/lost/b.bin", Path.Combine(LocalDir, "b.bin"), null, null, (r, _) => earlier = r, Timeout());

        Assert.Equal(TransferStatus.Failed, second!.Status);
        Assert.Equal(TransferStatus.Completed, earlier!.Status);
        Assert.False(earlier.SourceRemoved);
        Assert.True(TransferEngine.LostItsRemoval(earlier), earlier.SourceRemovalException?.ToString());
        Assert.True(File.Exists(firstOnServer));
        Assert.Equal(Sha(first), Sha(File.ReadAllBytes(Path.Combine(LocalDir, "a.bin"))));

        await using var again = await Target.ConnectAsync(Timeout());
        var removed = await TransferEngine.RemoveSourceAgainAsync(again, earlier, options);

        Assert.True(removed.SourceRemoved);
        Assert.Null(removed.SourceRemovalException);
        Assert.False(File.Exists(firstOnServer));
        Assert.False(TransferEngine.LostItsRemoval(removed));

        // Gone already. The first attempt here was cut before its DELE (at its stat): something else removed it, and
        // the result says so. Had its DELE gone (only the answer lost), the source went with it: removed, and a
        // warning tells how.
        Assert.False(((SourceNotRemovedException)earlier.SourceRemovalException!).RemovalSent);
        var gone = await TransferEngine.RemoveSourceAgainAsync(again, earlier, options);
        Assert.False(gone.SourceRemoved);
        Assert.Contains("it is no longer on the server (its removal had not been sent when the connection was lost: something else removed it)", gone.SourceRemovalException!.Message, StringComparison.Ordinal);
        var deleSent = earlier.WithSourceRemoval(new SourceNotRemovedException("cut", earlier.Source, new ConnectionLostException("lost")) { RemovalSent = true });
        var doneThen = await TransferEngine.RemoveSourceAgainAsync(again, deleSent, options);
        Assert.True(doneThen.SourceRemoved);
        Assert.Null(doneThen.SourceRemovalException);
        Assert.Equal($"The source '{earlier.Source}' was removed as the connection was lost: its removal had been sent, and on the new connection it is no longer on the server.", doneThen.Warning);

        // Anything else is left as it is: a result whose source went, or one kept for another reason.
        Assert.Same(removed, await TransferEngine.RemoveSourceAgainAsync(again, removed, options));
        Assert.Same(second, await TransferEngine.RemoveSourceAgainAsync(again, second, options));
    }

    [Fact]
    public async Task RemoveSource_puts_a_downloads_name_on_the_disk_before_its_source_is_removed()
    {
        // The bytes are flushed before the rename; with a move, the directory holding the new name is flushed too
        // (Linux and macOS), before the server's copy goes. A plain download leaves the name to the system.
        var data = Bytes(4000, 77);
        ServerFile("durable/moved.bin", data);
        ServerFile("durable/copied.bin", data);
        var flushes = new System.Runtime.CompilerServices.StrongBox<int>();
        FtpTools.Core.IO.DirectoryFlush.Flushes.Value = flushes;
        try
        {
            var copied = await TransferEngine.DownloadFileAsync(Session, RemoteDir + "/durable/copied.bin", Path.Combine(LocalDir, "copied.bin"), null, null, Timeout());
            Assert.Equal(TransferStatus.Completed, copied.Status);
            Assert.Equal(0, flushes.Value);

            var moved = await TransferEngine.DownloadFileAsync(Session, RemoteDir + "/durable/moved.bin", Path.Combine(LocalDir, "moved.bin"), new TransferOptions { RemoveSource = true }, null, Timeout());
            Assert.True(moved.SourceRemoved);
            Assert.Equal(OperatingSystem.IsWindows() ? 0 : 1, flushes.Value);
        }
        finally
        {
            FtpTools.Core.IO.DirectoryFlush.Flushes.Value = null;
        }

        Assert.Equal(Sha(data), Sha(File.ReadAllBytes(Path.Combine(LocalDir, "moved.bin"))));
        Assert.Equal(new[] { "copied.bin" }, Names(Path.Combine(ServerDir, "durable")));
    }

    [Fact]
    public async Task RemoveSource_keeps_a_remote_file_replaced_by_one_of_the_same_length_before_its_removal()
    {
        // A producer puts a new file of the same length in place of one being moved while the next file downloads
        // (a queued download's source goes after the next transfer): its time tells, and the new file stays. Each
        // way a download starts: from a listed item (asked again for its time) and from a path.
        var old = Enumerable.Range(0, 4).Select(i => Bytes(3000 + i, 300 + i)).ToArray();
        var replacement = Bytes(3000, 310);
        var replacementTwo = Bytes(3002, 311);
        for (var i = 0; i < old.Length; i++)
        {
            ServerFile($"r{i}.bin", old[i]);
        }

        var wereWritten = new List<DateTime?>();
        for (var i = 0; i < old.Length; i++)
        {
            wereWritten.Add((await Session.GetItemAsync($"{RemoteDir}/r{i}.bin", Timeout()))!.LastWriteTimeUtc);
        }

        void Replace(string name, byte[] data)
        {
            // As producers do: a new file renamed over the old one, here with a time an hour older (a copy keeping its
            // own), which a listing of minutes tells apart as well.
            var path = Path.Combine(ServerDir, name);
            var was = File.GetLastWriteTimeUtc(path);
            File.WriteAllBytes(path + ".new", data);
            File.SetLastWriteTimeUtc(path + ".new", was.AddHours(-1));
            File.Move(path + ".new", path, overwrite: true);
            Target.GiveToServer(ServerDir);
        }

        var options = new TransferOptions { RemoveSource = true };
        var listing = await Session.ListDirectoryAsync(RemoteDir, Timeout());
        var results = new List<TransferResult>();
        void Add(TransferResult result, object? state)
        {
            lock (results)
            {
                results.Add(result);
            }
        }

        var queue = new TransferQueue(Session, options);
        for (var i = 0; i < old.Length; i++)
        {
            var name = $"r{i}.bin";
            var progress = i switch
            {
                1 => new InlineProgress(p =>
                {
                    if (p.IsFinal)
                    {
                        Replace("r0.bin", replacement);
                    }
                }),
                3 => new InlineProgress(p =>
                {
                    if (p.IsFinal)
                    {
                        Replace("r2.bin", replacementTwo);
                    }
                }),
                _ => null,
            };
            var started = i < 2
                ? queue.DownloadAsync(listing.Single(item => item.Name == name), Path.Combine(LocalDir, name), progress, null, Add, Timeout())
                : queue.DownloadAsync($"{RemoteDir}/{name}", Path.Combine(LocalDir, name), progress, null, Add, Timeout());
            if (await started is { } now)
            {
                Add(now, null);
            }
        }

        await queue.CompleteAsync(Add);

        Assert.Equal(Enumerable.Range(0, 4).Select(i => $"{RemoteDir}/r{i}.bin"), results.Select(r => r.Source));
        foreach (var i in new[] { 0, 2 })
        {
            var kept = results[i];
            Assert.Equal(TransferStatus.Completed, kept.Status);
            Assert.False(kept.SourceRemoved);
            var nowWritten = (await Session.GetItemAsync(kept.Source, Timeout()))!.LastWriteTimeUtc;
            Assert.NotNull(wereWritten[i]);
            Assert.NotNull(nowWritten);
            Assert.Equal(
                $"The source '{kept.Source}' was not removed: it changed on the server since it was downloaded (last written "
                + $"{wereWritten[i]!.Value.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", System.Globalization.CultureInfo.InvariantCulture)} UTC when its download started, now "
                + $"{nowWritten!.Value.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", System.Globalization.CultureInfo.InvariantCulture)} UTC).",
                Assert.IsType<SourceNotRemovedException>(kept.SourceRemovalException).Message);
            Assert.Equal(Sha(old[i]), Sha(File.ReadAllBytes(Path.Combine(LocalDir, $"r{i}.bin"))));
        }

        foreach (var i in new[] { 1, 3 })
        {
            Assert.True(results[i].SourceRemoved, results[i].SourceRemovalException?.ToString());
            Assert.Equal(Sha(old[i]), Sha(File.ReadAllBytes(Path.Combine(LocalDir, $"r{i}.bin"))));
        }

        // The server's view: the two new files, whole.
        Assert.Equal(new[] { "r0.bin", "r2.bin" }, Names(ServerDir));
        Assert.Equal(Sha(replacement), Sha(File.ReadAllBytes(Path.Combine(ServerDir, "r0.bin"))));
        Assert.Equal(Sha(replacementTwo), Sha(File.ReadAllBytes(Path.Combine(ServerDir, "r2.bin"))));
    }

    [Fact]
    public async Task RemoveSource_downloads_take_each_remote_file_away_once_its_copy_is_in_place_and_keep_the_rest()
    {
        var names = new[] { "m0.bin", "m1.bin", "vanishes.bin", "m2.bin", "exists.bin", "grows.bin", "m3.bin" };
        var data = names.ToDictionary(n => n, n => Bytes(n == "m1.bin" ? 1_500_000 : 2000 + n.Length, 900 + Array.IndexOf(names, n)));
        foreach (var name in names)
        {
            ServerFile(name, data[name]);
        }

        var before = Bytes(10, 77);
        LocalFile("exists.bin", before);
        var options = new TransferOptions { RemoveSource = true };
        var listing = await Session.ListDirectoryAsync(RemoteDir, Timeout());
        var results = new List<TransferResult>();
        void Add(TransferResult result, object? state)
        {
            lock (results)
            {
                results.Add(result);
            }
        }

        var queue = new TransferQueue(Session, options);
        foreach (var name in names)
        {
            // The server loses "vanishes.bin" once all of it has been read: the download completes, there is nothing to
            // remove. "grows.bin" gets more bytes on the server while the next file downloads, before its removal.
            var progress = name switch
            {
                "vanishes.bin" => new InlineProgress(p =>
                {
                    if (p.IsFinal)
                    {
                        File.Delete(Path.Combine(ServerDir, name));
                    }
                }),
                "m3.bin" => new InlineProgress(p =>
                {
                    if (p.IsFinal)
                    {
                        File.AppendAllText(Path.Combine(ServerDir, "grows.bin"), "more");
                    }
                }),
                _ => null,
            };
            if (await queue.DownloadAsync(listing.Single(i => i.Name == name), Path.Combine(LocalDir, name), progress, null, Add, Timeout()) is { } now)
            {
                Add(now, null);
            }
        }

        await queue.CompleteAsync(Add);

        Assert.Equal(names.Select(n => RemoteDir + "/" + n), results.Select(r => r.Source));
        foreach (var result in results.Where(r => r.Source.Contains("/m", StringComparison.Ordinal)))
        {
            var name = Path.GetFileName(result.Destination);
            AssertCompleted(result, TransferDirection.Download, RemoteDir + "/" + name, Path.Combine(LocalDir, name), data[name].Length);
            Assert.True(result.SourceRemoved, result.Source);
            Assert.Null(result.SourceRemovalException);
            Assert.Equal(Sha(data[name]), Sha(File.ReadAllBytes(Path.Combine(LocalDir, name))));
        }

        var vanished = results.Single(r => r.Source.EndsWith("/vanishes.bin", StringComparison.Ordinal));
        Assert.Equal(TransferStatus.Completed, vanished.Status);
        Assert.False(vanished.SourceRemoved);
        var notRemoved = Assert.IsType<SourceNotRemovedException>(vanished.SourceRemovalException);
        Assert.Equal(RemoteDir + "/vanishes.bin", notRemoved.Path);
        Assert.Equal($"The source '{RemoteDir}/vanishes.bin' was not removed: it is no longer on the server.", notRemoved.Message);
        Assert.Null(notRemoved.InnerException);
        Assert.Equal(Sha(data["vanishes.bin"]), Sha(File.ReadAllBytes(Path.Combine(LocalDir, "vanishes.bin"))));

        // A failed download keeps its source, and says nothing about removing it.
        var refused = results.Single(r => r.Source.EndsWith("/exists.bin", StringComparison.Ordinal));
        Assert.Equal(TransferStatus.Failed, refused.Status);
        Assert.False(refused.SourceRemoved);
        Assert.Null(refused.SourceRemovalException);
        Assert.Equal(Sha(before), Sha(File.ReadAllBytes(Path.Combine(LocalDir, "exists.bin"))));

        // Only the bytes that were downloaded are removed.
        var grown = results.Single(r => r.Source.EndsWith("/grows.bin", StringComparison.Ordinal));
        Assert.Equal(TransferStatus.Completed, grown.Status);
        Assert.False(grown.SourceRemoved);
        var length = data["grows.bin"].Length;
        Assert.Equal(
            $"The source '{RemoteDir}/grows.bin' was not removed: it changed on the server since it was downloaded ({length} bytes were downloaded; it now has {length + 4} bytes).",
            Assert.IsType<SourceNotRemovedException>(grown.SourceRemovalException).Message);
        Assert.Equal(Sha(data["grows.bin"]), Sha(File.ReadAllBytes(Path.Combine(LocalDir, "grows.bin"))));

        // The server's view: only the file that failed and the one that changed are left.
        Assert.Equal(new[] { "exists.bin", "grows.bin" }, Names(ServerDir));

        // One file through the engine alone; then -Resume finding a complete local copy keeps the remote file, as
        // nothing compared the two.
        ServerFile("single.bin", data["m0.bin"]);
        ServerFile("complete.bin", data["m3.bin"]);
        LocalFile("complete.bin", data["m3.bin"]);
        var single = await TransferEngine.DownloadFileAsync(Session, RemoteDir + "/single.bin", Path.Combine(LocalDir, "single.bin"), options, null, Timeout());
        AssertCompleted(single, TransferDirection.Download, RemoteDir + "/single.bin", Path.Combine(LocalDir, "single.bin"), data["m0.bin"].Length);
        Assert.True(single.SourceRemoved);
        var resumed = await TransferEngine.DownloadFileAsync(Session, RemoteDir + "/complete.bin", Path.Combine(LocalDir, "complete.bin"), new TransferOptions { RemoveSource = true, Resume = true }, null, Timeout());
        Assert.Equal(TransferStatus.Completed, resumed.Status);
        Assert.True(resumed.Resumed);
        Assert.False(resumed.SourceRemoved);
        Assert.Contains("was complete already (-Resume)", Assert.IsType<SourceNotRemovedException>(resumed.SourceRemovalException).Message, StringComparison.Ordinal);
        Assert.Equal(new[] { "complete.bin", "exists.bin", "grows.bin" }, Names(ServerDir));
        Assert.Equal(Sha(data["m0.bin"]), Sha(File.ReadAllBytes(Path.Combine(LocalDir, "single.bin"))));

        // A part file that -Resume continues: its first bytes came from an earlier attempt, never compared.
        ServerFile("part.bin", data["m1.bin"]);
        File.WriteAllBytes(PartFile.LocalPathFor(Path.Combine(LocalDir, "part.bin")), data["m1.bin"].AsSpan(0, 1000).ToArray());
        var continued = await TransferEngine.DownloadFileAsync(Session, RemoteDir + "/part.bin", Path.Combine(LocalDir, "part.bin"), new TransferOptions { RemoveSource = true, Resume = true }, null, Timeout());
        Assert.Equal(TransferStatus.Completed, continued.Status);
        Assert.Equal(1000, continued.StartOffset);
        Assert.False(continued.SourceRemoved);
        Assert.Contains(
            "was not removed: this transfer continued, from byte 1000, a part file an earlier attempt left (-Resume), and those first bytes were never compared with the source.",
            Assert.IsType<SourceNotRemovedException>(continued.SourceRemovalException).Message,
            StringComparison.Ordinal);
        Assert.Equal(Sha(data["m1.bin"]), Sha(File.ReadAllBytes(Path.Combine(LocalDir, "part.bin"))));
        Assert.Equal(new[] { "complete.bin", "exists.bin", "grows.bin", "part.bin" }, Names(ServerDir));
    }

    [Fact]
    public async Task RemoveSource_leaves_the_remote_file_of_a_download_whose_next_transfer_was_cancelled()
    {
        var first = Bytes(5000, 61);
        var second = Bytes(1_500_000, 62);
        ServerFile("c1.bin", first);
        ServerFile("c2.bin", second);
        var results = new List<TransferResult>();
        void Add(TransferResult result, object? state)
        {
            lock (results)
            {
                results.Add(result);
            }
        }

        var queue = new TransferQueue(Session, new TransferOptions { RemoveSource = true, ProgressInterval = TimeSpan.Zero });
        Assert.Null(await queue.DownloadAsync(RemoteDir + "/c1.bin", Path.Combine(LocalDir, "c1.bin"), null, null, Add, Timeout()));
        using var stop = new System.Threading.CancellationTokenSource();
        var cancelled = await queue.DownloadAsync(RemoteDir + "/c2.bin", Path.Combine(LocalDir, "c2.bin"), new InlineProgress(_ => stop.Cancel()), null, Add, stop.Token);
        await queue.CompleteAsync(Add);

        Assert.Equal(TransferStatus.Cancelled, Assert.IsType<TransferResult>(cancelled).Status);
        var earlier = Assert.Single(results);
        Assert.Equal(TransferStatus.Completed, earlier.Status);
        Assert.False(earlier.SourceRemoved);
        Assert.Equal(
            $"The source '{RemoteDir}/c1.bin' was not removed: the command was stopped before its removal.",
            Assert.IsType<SourceNotRemovedException>(earlier.SourceRemovalException).Message);
        Assert.Equal(Sha(first), Sha(File.ReadAllBytes(Path.Combine(LocalDir, "c1.bin"))));
        Assert.False(File.Exists(Path.Combine(LocalDir, "c2.bin")));
        Assert.Equal(new[] { "c1.bin", "c2.bin" }, Names(ServerDir));
    }

    [Fact]
    public async Task RemoveSource_uploads_delete_each_local_file_once_the_server_has_it_and_keep_one_that_changed()
    {
        var names = new[] { "u0.bin", "changed.bin", "u1.bin", "exists.bin", "u2.bin" };
        var data = names.ToDictionary(n => n, n => Bytes(n == "u1.bin" ? 1_200_000 : 3000 + n.Length, 500 + n.Length + n[0]));
        var local = Directory.CreateDirectory(Path.Combine(LocalDir, "out")).FullName;
        foreach (var name in names)
        {
            File.WriteAllBytes(Path.Combine(local, name), data[name]);
        }

        var onServer = Bytes(20, 78);
        ServerFile("exists.bin", onServer);
        var results = new List<TransferResult>();
        void Add(TransferResult result, object? state)
        {
            lock (results)
            {
                results.Add(result);
            }
        }

        var queue = new TransferQueue(Session, new TransferOptions { RemoveSource = true });
        foreach (var name in names)
        {
            // Something touches "changed.bin" while it is sent: what the server has may not be what is on disk now.
            var progress = name == "changed.bin"
                ? new InlineProgress(p =>
                {
                    if (p.IsFinal)
                    {
                        File.SetLastWriteTimeUtc(Path.Combine(local, name), OldTime);
                    }
                })
                : null;
            if (await queue.UploadAsync(Path.Combine(local, name), RemoteDir + "/" + name, progress, null, Add, Timeout()) is { } now)
            {
                Add(now, null);
            }
        }

        await queue.CompleteAsync(Add);

        Assert.Equal(names.Select(n => Path.Combine(local, n)), results.Select(r => r.Source));
        foreach (var result in results.Where(r => Path.GetFileName(r.Source).StartsWith('u')))
        {
            var name = Path.GetFileName(result.Source);
            AssertCompleted(result, TransferDirection.Upload, Path.Combine(local, name), RemoteDir + "/" + name, data[name].Length);
            Assert.True(result.SourceRemoved, result.Source);
            Assert.Null(result.SourceRemovalException);
        }

        var changed = results.Single(r => r.Source.EndsWith("changed.bin", StringComparison.Ordinal));
        Assert.Equal(TransferStatus.Completed, changed.Status);
        Assert.False(changed.SourceRemoved);
        var notRemoved = Assert.IsType<SourceNotRemovedException>(changed.SourceRemovalException);
        Assert.StartsWith($"The source '{Path.Combine(local, "changed.bin")}' was not removed: it changed while it was uploaded (before: {data["changed.bin"].Length} bytes, last written ", notRemoved.Message, StringComparison.Ordinal);
        Assert.Contains("now: " + data["changed.bin"].Length + " bytes, last written 2001-02-03 04:05:06.0000000 UTC", notRemoved.Message, StringComparison.Ordinal);

        var refused = results.Single(r => r.Source.EndsWith("exists.bin", StringComparison.Ordinal));
        Assert.Equal(TransferStatus.Failed, refused.Status);
        Assert.False(refused.SourceRemoved);
        Assert.Null(refused.SourceRemovalException);

        // Both disks: the server has every completed file byte for byte (and its own exists.bin); locally only the
        // changed and the failed file are left.
        Assert.Equal(new[] { "changed.bin", "exists.bin" }, Names(local));
        Assert.Equal(names.OrderBy(n => n, StringComparer.Ordinal), Names(ServerDir));
        foreach (var name in names.Where(n => n != "exists.bin"))
        {
            Assert.Equal(Sha(data[name]), Sha(File.ReadAllBytes(Path.Combine(ServerDir, name))));
        }

        Assert.Equal(Sha(onServer), Sha(File.ReadAllBytes(Path.Combine(ServerDir, "exists.bin"))));

        // The engine alone; then -Resume finding the server's copy complete keeps the local file.
        var single = LocalFile("single-up.bin", data["u0.bin"]);
        var done = await TransferEngine.UploadFileAsync(Session, single, RemoteDir + "/single-up.bin", new TransferOptions { RemoveSource = true }, null, Timeout());
        AssertCompleted(done, TransferDirection.Upload, single, RemoteDir + "/single-up.bin", data["u0.bin"].Length);
        Assert.True(done.SourceRemoved);
        Assert.False(File.Exists(single));
        Assert.Equal(Sha(data["u0.bin"]), Sha(File.ReadAllBytes(Path.Combine(ServerDir, "single-up.bin"))));
        var again = LocalFile("u1.bin", data["u1.bin"]);
        var resumed = await TransferEngine.UploadFileAsync(Session, again, RemoteDir + "/u1.bin", new TransferOptions { RemoveSource = true, Resume = true }, null, Timeout());
        Assert.Equal(TransferStatus.Completed, resumed.Status);
        Assert.True(resumed.Resumed);
        Assert.False(resumed.SourceRemoved);
        Assert.Contains("was complete already (-Resume)", Assert.IsType<SourceNotRemovedException>(resumed.SourceRemovalException).Message, StringComparison.Ordinal);
        Assert.True(File.Exists(again));

        // A command being stopped puts its last file in place but moves nothing more.
        var last = LocalFile("last.bin", data["u2.bin"]);
        var stopping = new TransferQueue(Session, new TransferOptions { RemoveSource = true });
        Assert.Null(await stopping.UploadAsync(last, RemoteDir + "/last.bin", null, null, null, Timeout()));
        Assert.True(stopping.HasPending);
        var kept = await stopping.CompleteAsync(null, new System.Threading.CancellationToken(canceled: true));
        Assert.Equal(TransferStatus.Completed, kept!.Status);
        Assert.False(kept.SourceRemoved);
        Assert.True(File.Exists(last));
        Assert.Equal(Sha(data["u2.bin"]), Sha(File.ReadAllBytes(Path.Combine(ServerDir, "last.bin"))));
    }
}

public sealed class RemoveSourceOptionTests
{
    [Fact]
    public void RemoveSource_without_the_flush_to_disk_is_refused()
    {
        var options = new TransferOptions { RemoveSource = true, FlushToDisk = false };
        var error = Assert.Throws<ArgumentException>(options.Validate);
        Assert.StartsWith("Removing the source needs the flush to disk", error.Message, StringComparison.Ordinal);
        new TransferOptions { RemoveSource = true }.Validate();
    }
}
