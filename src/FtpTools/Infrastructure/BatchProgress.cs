using System;
using System.Diagnostics;
using System.Globalization;
using System.Threading;
using FtpTools.Core.Transfers;

namespace FtpTools.Infrastructure;

/// <summary>
/// Turns the engine's per-file <see cref="TransferProgress"/> into two Write-Progress activities: the file
/// (child) and the whole batch (parent) with bytes, rate and time left. One instance lives as long as the
/// cmdlet, so a batch fed one file per pipeline record still adds up. Called from the copy loop's thread;
/// it only queues plain <see cref="ProgressUpdate"/>s on the channel.
/// </summary>
internal sealed class BatchProgress
{
    public const int BatchActivityId = 1;
    public const int FileActivityId = 2;

    private readonly string _activity;
    private readonly Func<TimeSpan> _clock;
    private long _plannedBytes;
    private int _plannedFiles;
    private long _finishedBytes;
    private long _movedBytes;
    private int _finishedFiles;

    public BatchProgress(string activity)
        : this(activity, Stopwatch.StartNew())
    {
    }

    internal BatchProgress(string activity, Func<TimeSpan> clock)
    {
        _activity = activity;
        _clock = clock;
    }

    private BatchProgress(string activity, Stopwatch stopwatch)
        : this(activity, () => stopwatch.Elapsed)
    {
    }

    /// <summary>Adds files to the batch; unknown lengths count as 0 bytes.</summary>
    public void Plan(int files, long bytes)
    {
        Interlocked.Add(ref _plannedFiles, files);
        Interlocked.Add(ref _plannedBytes, bytes);
    }

    /// <summary>A progress sink for one file; it posts to <paramref name="channel"/>.</summary>
    public IProgress<TransferProgress> ForFile(PipelineChannel channel) => new FileSink(this, channel);

    /// <summary>
    /// Counts a file as finished, whatever its outcome: <paramref name="plannedBytes"/> (what <see cref="Plan"/>
    /// counted for it) moves the percentage, <paramref name="movedBytes"/> (what went over the wire) the rate.
    /// </summary>
    public void Finish(long plannedBytes, long movedBytes)
    {
        Interlocked.Increment(ref _finishedFiles);
        Interlocked.Add(ref _finishedBytes, plannedBytes);
        Interlocked.Add(ref _movedBytes, movedBytes);
    }

    /// <summary>The updates that close both progress bars.</summary>
    public ProgressUpdate[] Completion() => new[]
    {
        new ProgressUpdate(FileActivityId, _activity, "Done") { ParentActivityId = BatchActivityId, Completed = true },
        new ProgressUpdate(BatchActivityId, _activity, "Done") { Completed = true },
    };

    /// <summary>The batch bar, given the current file's bytes at the destination and bytes moved by this attempt.</summary>
    internal ProgressUpdate BatchUpdate(long currentDone, long currentMoved)
    {
        var done = Interlocked.Read(ref _finishedBytes) + currentDone;
        var planned = Interlocked.Read(ref _plannedBytes);
        var elapsed = _clock().TotalSeconds;
        var rate = elapsed > 0 ? (Interlocked.Read(ref _movedBytes) + currentMoved) / elapsed : 0;
        var percent = planned > 0 ? (int)Math.Min(100, done * 100 / planned) : -1;
        var remaining = planned > 0 && rate > 0 ? (int)Math.Ceiling(Math.Max(0, planned - done) / rate) : -1;
        var status = string.Format(
            CultureInfo.InvariantCulture,
            "{0} of {1} files, {2} of {3} at {4}/s",
            Volatile.Read(ref _finishedFiles),
            Volatile.Read(ref _plannedFiles),
            FormatBytes(done),
            FormatBytes(planned),
            FormatBytes((long)rate));
        return new ProgressUpdate(BatchActivityId, _activity, status) { PercentComplete = percent, SecondsRemaining = remaining };
    }

    internal static ProgressUpdate FileUpdate(string activity, TransferProgress progress)
    {
        var total = progress.TotalBytes is long t ? FormatBytes(t) : "?";
        var status = string.Format(
            CultureInfo.InvariantCulture,
            "{0} of {1} at {2}/s",
            FormatBytes(progress.BytesDone),
            total,
            FormatBytes((long)progress.BytesPerSecond));
        var remaining = progress.EstimatedRemaining is TimeSpan left ? (int)Math.Ceiling(left.TotalSeconds) : -1;
        return new ProgressUpdate(FileActivityId, activity, status)
        {
            ParentActivityId = BatchActivityId,
            CurrentOperation = progress.Source + " -> " + progress.Destination,
            PercentComplete = progress.PercentComplete,
            SecondsRemaining = remaining,
            Completed = progress.IsFinal,
        };
    }

    internal static string FormatBytes(long bytes)
    {
        string[] units = { "B", "KB", "MB", "GB", "TB" };
        double value = bytes;
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return unit == 0
            ? bytes.ToString(CultureInfo.InvariantCulture) + " B"
            : value.ToString("0.0", CultureInfo.InvariantCulture) + " " + units[unit];
    }

    private sealed class FileSink : IProgress<TransferProgress>
    {
        private readonly BatchProgress _batch;
        private readonly PipelineChannel _channel;

        public FileSink(BatchProgress batch, PipelineChannel channel)
        {
            _batch = batch;
            _channel = channel;
        }

        public void Report(TransferProgress value)
        {
            _channel.WriteProgress(FileUpdate(_batch._activity, value));
            _channel.WriteProgress(_batch.BatchUpdate(value.BytesDone, value.BytesTransferred));
        }
    }
}
