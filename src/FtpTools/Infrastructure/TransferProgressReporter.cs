using System;
using System.Globalization;
using FtpTools.Core.Transfers;

namespace FtpTools.Infrastructure;

/// <summary>
/// Turns the engine's per-file <see cref="TransferProgress"/> and the core's batch bookkeeping
/// (<see cref="BatchProgressTracker"/>) into two Write-Progress activities: the file (child) and the batch
/// (parent) with bytes, rate and time left. It runs on the worker thread of the transfer and only queues plain
/// <see cref="ProgressUpdate"/>s; the channel throttles them and the cmdlet writes them on the pipeline thread.
/// One batch is one pipeline record's plan; a plan of one file shows the file bar only.
/// </summary>
internal sealed class TransferProgressReporter : IProgress<TransferProgress>
{
    public const int BatchActivityId = 1;
    public const int FileActivityId = 2;

    private readonly string _activity;
    private readonly BatchProgressTracker _tracker;
    private readonly bool _showBatch;
    private PipelineChannel? _channel;

    public TransferProgressReporter(string activity, TransferPlan plan)
    {
        _activity = activity;
        _tracker = new BatchProgressTracker(plan);
        _showBatch = plan.Transfers.Count > 1;
    }

    /// <summary>The channel of the transfer about to run (each transfer runs in its own <c>Run</c>).</summary>
    public IProgress<TransferProgress> For(PipelineChannel channel)
    {
        _channel = channel;
        return this;
    }

    public void Report(TransferProgress value)
    {
        var channel = _channel;
        if (channel is null || value is null)
        {
            return;
        }

        channel.WriteProgress(FileUpdate(_activity, value, _showBatch ? BatchActivityId : -1));
        if (_showBatch)
        {
            BatchProgress batch;
            lock (_tracker)
            {
                batch = _tracker.Update(value);
            }

            channel.WriteProgress(BatchUpdate(_activity, batch));
        }
    }

    /// <summary>
    /// Counts a finished file (whatever its status) into the batch. A download's result may come from a pool thread
    /// while the next file reports progress (its rename runs behind that transfer), hence the lock.
    /// </summary>
    public void Finished(TransferResult result, long? plannedLength)
    {
        BatchProgress batch;
        lock (_tracker)
        {
            batch = _tracker.Complete(result, plannedLength);
        }

        if (_showBatch)
        {
            _channel?.WriteProgress(BatchUpdate(_activity, batch));
        }
    }

    /// <summary>The updates that close both bars.</summary>
    public ProgressUpdate[] Completion() => new[]
    {
        new ProgressUpdate(FileActivityId, _activity, "Done") { ParentActivityId = _showBatch ? BatchActivityId : -1, Completed = true },
        new ProgressUpdate(BatchActivityId, _activity, "Done") { Completed = true },
    };

    internal static ProgressUpdate FileUpdate(string activity, TransferProgress progress, int parentActivityId)
    {
        var status = string.Format(
            CultureInfo.InvariantCulture,
            "{0} of {1} at {2}/s",
            FormatBytes(progress.BytesDone),
            progress.TotalBytes is long total ? FormatBytes(total) : "?",
            FormatBytes((long)progress.BytesPerSecond));
        return new ProgressUpdate(FileActivityId, activity, status)
        {
            ParentActivityId = parentActivityId,
            CurrentOperation = progress.Source + " -> " + progress.Destination,
            PercentComplete = progress.PercentComplete,
            SecondsRemaining = Seconds(progress.EstimatedRemaining),
            Completed = progress.IsFinal,
        };
    }

    internal static ProgressUpdate BatchUpdate(string activity, BatchProgress batch)
    {
        var status = string.Format(
            CultureInfo.InvariantCulture,
            "{0} of {1} files, {2} of {3} at {4}/s",
            batch.FilesDone,
            batch.FileCount,
            FormatBytes(batch.BytesDone),
            FormatBytes(batch.TotalBytes),
            FormatBytes((long)batch.BytesPerSecond));
        return new ProgressUpdate(BatchActivityId, activity, status)
        {
            PercentComplete = batch.PercentComplete,
            SecondsRemaining = Seconds(batch.EstimatedRemaining),
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

    private static int Seconds(TimeSpan? remaining) =>
        remaining is TimeSpan left ? (int)Math.Min(int.MaxValue, Math.Ceiling(left.TotalSeconds)) : -1;
}
