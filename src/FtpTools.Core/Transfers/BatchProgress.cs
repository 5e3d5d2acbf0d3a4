using System;
using System.Diagnostics;

namespace FtpTools.Core.Transfers;

/// <summary>Progress of a whole batch, for the outer Write-Progress bar.</summary>
public sealed class BatchProgress
{
    public int FilesDone { get; init; }

    public int FileCount { get; init; }

    /// <summary>Bytes of finished files (their planned length) plus the current file's <see cref="TransferProgress.BytesDone"/>.</summary>
    public long BytesDone { get; init; }

    public long TotalBytes { get; init; }

    /// <summary>Bytes actually moved by this batch per second of the batch.</summary>
    public double BytesPerSecond { get; init; }

    public TimeSpan Elapsed { get; init; }

    public TimeSpan? EstimatedRemaining { get; init; }

    /// <summary>0..100 by bytes when the total is known, else by files.</summary>
    public int PercentComplete { get; init; }

    /// <summary>The file being transferred, or null between files.</summary>
    public TransferProgress? Current { get; init; }
}

/// <summary>
/// Adds up per-file progress into batch progress. Pure bookkeeping: the caller feeds it the
/// <see cref="TransferProgress"/> reports it receives and each <see cref="TransferResult"/>, on one thread.
/// </summary>
public sealed class BatchProgressTracker
{
    private readonly Func<TimeSpan> _clock;
    private readonly int _fileCount;
    private readonly long _totalBytes;
    private readonly TimeSpan _started;
    private int _filesDone;
    private long _finishedBytes;
    private long _finishedTransferred;

    public BatchProgressTracker(TransferPlan plan)
        : this(plan?.Transfers.Count ?? throw new ArgumentNullException(nameof(plan)), plan.TotalBytes)
    {
    }

    public BatchProgressTracker(int fileCount, long totalBytes)
        : this(fileCount, totalBytes, null)
    {
    }

    internal BatchProgressTracker(int fileCount, long totalBytes, Func<TimeSpan>? clock)
    {
        _fileCount = fileCount;
        _totalBytes = totalBytes;
        if (clock is null)
        {
            var stopwatch = Stopwatch.StartNew();
            clock = () => stopwatch.Elapsed;
        }

        _clock = clock;
        _started = clock();
    }

    /// <summary>Call with every per-file report.</summary>
    public BatchProgress Update(TransferProgress current)
    {
        if (current is null)
        {
            throw new ArgumentNullException(nameof(current));
        }

        return Snapshot(current, current.BytesDone, current.BytesTransferred);
    }

    /// <summary>Call once per file when its result is in (whatever its status); <paramref name="plannedLength"/> is the planned length, if known.</summary>
    public BatchProgress Complete(TransferResult result, long? plannedLength)
    {
        if (result is null)
        {
            throw new ArgumentNullException(nameof(result));
        }

        _filesDone++;
        _finishedBytes += plannedLength ?? result.Length ?? result.StartOffset + result.BytesTransferred;
        _finishedTransferred += result.BytesTransferred;
        return Snapshot(null, 0, 0);
    }

    private BatchProgress Snapshot(TransferProgress? current, long currentDone, long currentTransferred)
    {
        var elapsed = _clock() - _started;
        var done = _finishedBytes + currentDone;
        var rate = ProgressMeter.Rate(_finishedTransferred + currentTransferred, elapsed);
        int percent;
        TimeSpan? remaining = null;
        if (_totalBytes > 0)
        {
            percent = (int)Math.Min(100, Math.Max(0, done * 100 / _totalBytes));
            var left = Math.Max(0, _totalBytes - done);
            if (left == 0)
            {
                remaining = TimeSpan.Zero;
            }
            else if (rate > 0)
            {
                remaining = TimeSpan.FromSeconds(Math.Min(left / rate, TimeSpan.MaxValue.TotalSeconds / 2));
            }
        }
        else
        {
            percent = _fileCount == 0 ? 100 : Math.Min(100, _filesDone * 100 / _fileCount);
        }

        return new BatchProgress
        {
            FilesDone = _filesDone,
            FileCount = _fileCount,
            BytesDone = done,
            TotalBytes = _totalBytes,
            BytesPerSecond = rate,
            Elapsed = elapsed,
            EstimatedRemaining = remaining,
            PercentComplete = percent,
            Current = current,
        };
    }
}
