using System;
using System.Diagnostics;

namespace FtpTools.Core.Transfers;

/// <summary>
/// Counts bytes of one transfer and reports to the caller's <see cref="IProgress{T}"/> at most once per
/// interval and once at the end. It owns no thread and no timer: reports come from the copy loop that
/// calls <see cref="Add"/>, and the caller marshals them (a cmdlet hands them to its pipeline thread).
/// </summary>
internal sealed class ProgressMeter
{
    private readonly TransferDirection _direction;
    private readonly string _source;
    private readonly string _destination;
    private long? _total;
    private readonly long _startOffset;
    private readonly IProgress<TransferProgress>? _progress;
    private readonly TimeSpan _interval;
    private readonly Func<TimeSpan> _clock;
    private readonly TimeSpan _started;
    private TimeSpan _lastReport;
    private bool _reportedOnce;
    private bool _finished;

    public ProgressMeter(
        TransferDirection direction,
        string source,
        string destination,
        long? total,
        long startOffset,
        IProgress<TransferProgress>? progress,
        TimeSpan interval,
        Func<TimeSpan>? clock = null)
    {
        _direction = direction;
        _source = source;
        _destination = destination;
        _total = total;
        _startOffset = startOffset;
        _progress = progress;
        _interval = interval;
        _clock = clock ?? StopwatchClock();
        _started = _clock();
    }

    public long BytesTransferred { get; private set; }

    /// <summary>Corrects the expected length (a download whose listed length was out of date) before the final report.</summary>
    public void UpdateTotal(long? total) => _total = total;

    public TimeSpan Elapsed => _clock() - _started;

    public void Add(int bytes)
    {
        BytesTransferred += bytes;
        if (_progress is null)
        {
            return;
        }

        var now = _clock();
        if (_reportedOnce && now - _lastReport < _interval)
        {
            return;
        }

        _reportedOnce = true;
        _lastReport = now;
        _progress.Report(Snapshot(now - _started, isFinal: false));
    }

    /// <summary>The final report; once only (a download reports it when its bytes are in, before its rename).</summary>
    public void Finish()
    {
        if (_finished)
        {
            return;
        }

        _finished = true;
        _progress?.Report(Snapshot(Elapsed, isFinal: true));
    }

    internal TransferProgress Snapshot(TimeSpan elapsed, bool isFinal)
    {
        var done = _startOffset + BytesTransferred;
        var rate = Rate(BytesTransferred, elapsed);
        TimeSpan? remaining = null;
        var percent = -1;
        if (_total is long total)
        {
            percent = total <= 0 ? 100 : (int)Math.Min(100, Math.Max(0, done * 100 / total));
            var left = Math.Max(0, total - done);
            if (left == 0)
            {
                remaining = TimeSpan.Zero;
            }
            else if (rate > 0)
            {
                // TimeSpan.FromSeconds overflows past ~29 000 years; clamp rather than throw on a crawling link.
                remaining = TimeSpan.FromSeconds(Math.Min(left / rate, TimeSpan.MaxValue.TotalSeconds / 2));
            }
        }

        return new TransferProgress(_direction, _source, _destination)
        {
            BytesDone = done,
            BytesTransferred = BytesTransferred,
            TotalBytes = _total,
            Elapsed = elapsed,
            BytesPerSecond = rate,
            EstimatedRemaining = remaining,
            PercentComplete = percent,
            IsFinal = isFinal,
        };
    }

    internal static double Rate(long bytes, TimeSpan elapsed) =>
        bytes <= 0 || elapsed <= TimeSpan.Zero ? 0 : bytes / elapsed.TotalSeconds;

    private static Func<TimeSpan> StopwatchClock()
    {
        var stopwatch = Stopwatch.StartNew();
        return () => stopwatch.Elapsed;
    }
}
