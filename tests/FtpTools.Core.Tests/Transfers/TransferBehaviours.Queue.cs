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

// DownloadQueue: each file's flush and rename run while the next file transfers (what Receive-FtpFile uses).
public abstract partial class TransferBehaviours
{
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
        var queue = new DownloadQueue(Session, null);
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

        var queue = new DownloadQueue(Session, null);
        Assert.Null(await queue.DownloadAsync(RemoteDir + "/first.bin", target, null, null, (r, _) => results.Add(r), Timeout()));
        var refused = await queue.DownloadAsync(RemoteDir + "/second.bin", target, null, null, (r, _) => results.Add(r), Timeout());

        AssertCompleted(Assert.Single(results), TransferDirection.Download, RemoteDir + "/first.bin", target, first.Length);
        Assert.NotNull(refused);
        Assert.Equal(TransferStatus.Failed, refused!.Status);
        Assert.Equal(TransferRefusedReason.DestinationExists, Assert.IsType<TransferRefusedException>(refused.Exception).Reason);
        Assert.False(queue.HasPending);
        Assert.Equal(Sha(first), Sha(File.ReadAllBytes(target)));

        var forced = new DownloadQueue(Session, new TransferOptions { Overwrite = true });
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
        var queue = new DownloadQueue(Session, new TransferOptions { ProgressInterval = TimeSpan.Zero, BufferSize = 64 * 1024 });

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
}
