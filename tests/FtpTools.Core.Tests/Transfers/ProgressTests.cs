using System;
using System.Collections.Generic;
using FtpTools.Core.Transfers;
using Xunit;

namespace FtpTools.Core.Tests.Transfers;

public class ProgressTests
{
    private TimeSpan _now = TimeSpan.FromSeconds(10);

    [Fact]
    public void Reports_are_throttled_to_the_interval_and_the_final_one_always_comes()
    {
        var reports = new List<TransferProgress>();
        var meter = new ProgressMeter(TransferDirection.Download, "/r", "/l", 10_000, 0, new Collect(reports), TimeSpan.FromMilliseconds(100), () => _now);

        meter.Add(100);
        _now += TimeSpan.FromMilliseconds(50);
        meter.Add(100);
        _now += TimeSpan.FromMilliseconds(49);
        meter.Add(100);
        _now += TimeSpan.FromMilliseconds(1);
        meter.Add(100);
        meter.Add(100);
        meter.Finish();

        Assert.Equal(new long[] { 100, 400, 500 }, reports.ConvertAll(r => r.BytesDone));
        Assert.Equal(new[] { false, false, true }, reports.ConvertAll(r => r.IsFinal));
        Assert.Equal(500, meter.BytesTransferred);
    }

    [Fact]
    public void Rate_remaining_time_and_percent_count_a_resumed_head_as_done_but_not_as_transferred()
    {
        var meter = new ProgressMeter(TransferDirection.Upload, "/l", "/r", 1000, 200, null, TimeSpan.Zero, () => _now);
        meter.Add(300);
        _now += TimeSpan.FromSeconds(2);

        var p = meter.Snapshot(meter.Elapsed, isFinal: false);

        Assert.Equal(500, p.BytesDone);
        Assert.Equal(300, p.BytesTransferred);
        Assert.Equal(1000, p.TotalBytes);
        Assert.Equal(150.0, p.BytesPerSecond);
        Assert.Equal(50, p.PercentComplete);
        Assert.Equal(TimeSpan.FromSeconds(500.0 / 150.0), p.EstimatedRemaining);
        Assert.Equal(TimeSpan.FromSeconds(2), p.Elapsed);
        Assert.Equal(TransferDirection.Upload, p.Direction);
    }

    [Fact]
    public void Unknown_total_gives_no_percent_and_no_estimate()
    {
        var meter = new ProgressMeter(TransferDirection.Download, "/r", "/l", null, 0, null, TimeSpan.Zero, () => _now);
        meter.Add(4096);
        _now += TimeSpan.FromSeconds(1);

        var p = meter.Snapshot(meter.Elapsed, isFinal: true);

        Assert.Equal(-1, p.PercentComplete);
        Assert.Null(p.EstimatedRemaining);
        Assert.Equal(4096.0, p.BytesPerSecond);
    }

    [Fact]
    public void No_time_or_no_bytes_means_rate_zero_and_an_empty_file_is_complete()
    {
        Assert.Equal(0, ProgressMeter.Rate(100, TimeSpan.Zero));
        Assert.Equal(0, ProgressMeter.Rate(0, TimeSpan.FromSeconds(3)));

        var meter = new ProgressMeter(TransferDirection.Download, "/r", "/l", 0, 0, null, TimeSpan.Zero, () => _now);
        var p = meter.Snapshot(TimeSpan.Zero, isFinal: true);
        Assert.Equal(100, p.PercentComplete);
        Assert.Equal(TimeSpan.Zero, p.EstimatedRemaining);
    }

    [Fact]
    public void A_stalled_transfer_has_no_estimate_until_bytes_move()
    {
        var meter = new ProgressMeter(TransferDirection.Download, "/r", "/l", 100, 0, null, TimeSpan.Zero, () => _now);
        _now += TimeSpan.FromSeconds(5);

        Assert.Null(meter.Snapshot(meter.Elapsed, false).EstimatedRemaining);
        Assert.Equal(0, meter.Snapshot(meter.Elapsed, false).PercentComplete);
    }

    [Fact]
    public void Batch_progress_adds_finished_files_and_the_current_one()
    {
        var batch = new BatchProgressTracker(3, 3000, () => _now);
        _now += TimeSpan.FromSeconds(1);
        var first = new TransferResult(TransferDirection.Download, "/a", "/la", TransferStatus.Completed) { Length = 1000, BytesTransferred = 1000 };
        var afterFirst = batch.Complete(first, 1000);

        Assert.Equal(1, afterFirst.FilesDone);
        Assert.Equal(1000, afterFirst.BytesDone);
        Assert.Equal(33, afterFirst.PercentComplete);
        Assert.Null(afterFirst.Current);

        _now += TimeSpan.FromSeconds(1);
        var current = new TransferProgress(TransferDirection.Download, "/b", "/lb") { BytesDone = 800, BytesTransferred = 500, TotalBytes = 1000 };
        var during = batch.Update(current);

        Assert.Equal(1800, during.BytesDone);
        Assert.Equal(60, during.PercentComplete);
        Assert.Equal(750.0, during.BytesPerSecond);
        Assert.Equal(TimeSpan.FromSeconds(1200 / 750.0), during.EstimatedRemaining);
        Assert.Same(current, during.Current);
        Assert.Equal(3, during.FileCount);
    }

    [Fact]
    public void Batch_of_files_with_unknown_lengths_counts_files()
    {
        var batch = new BatchProgressTracker(4, 0, () => _now);
        var failed = new TransferResult(TransferDirection.Download, "/a", "/la", TransferStatus.Failed);

        batch.Complete(failed, null);
        var p = batch.Complete(failed, null);

        Assert.Equal(50, p.PercentComplete);
        Assert.Null(p.EstimatedRemaining);
    }

    private sealed class Collect : IProgress<TransferProgress>
    {
        private readonly List<TransferProgress> _into;

        public Collect(List<TransferProgress> into) => _into = into;

        public void Report(TransferProgress value) => _into.Add(value);
    }
}
