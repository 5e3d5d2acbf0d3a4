using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;

namespace FtpTools.Infrastructure;

/// <summary>
/// What core work running on other threads may say to the pipeline: objects, non-terminating errors,
/// verbose and warning text, progress. Everything is queued and handed out by <see cref="Drain"/> on the
/// pipeline thread, because PowerShell's Write* methods must only be called there; PowerShell objects
/// (ErrorRecord, ProgressRecord) are made there too. Progress is throttled: an update for an activity is
/// queued at most every <see cref="ProgressInterval"/> unless it completes the activity.
/// Messages that arrive after the work finished (a late log line from a pool thread) are dropped.
/// </summary>
internal sealed class PipelineChannel : IDisposable
{
    internal static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(200);

    private readonly BlockingCollection<Message> _queue = new();
    private readonly SemaphoreSlim _room = new(ObjectRoom, ObjectRoom);
    private readonly Dictionary<int, TimeSpan> _lastProgress = new();
    private readonly Func<TimeSpan> _clock;

    public PipelineChannel()
        : this(Stopwatch.StartNew())
    {
    }

    /// <summary>For tests: a clock that says how much time has passed.</summary>
    internal PipelineChannel(Func<TimeSpan> clock)
    {
        _clock = clock;
    }

    private PipelineChannel(Stopwatch stopwatch)
        : this(() => stopwatch.Elapsed)
    {
    }

    public void WriteObject(object value) => Post(new Message(MessageKind.Object, value ?? throw new ArgumentNullException(nameof(value))));

    /// <summary>
    /// Objects that may not all wait in the queue at once (a file's lines, as many as the file has), at most
    /// <see cref="ObjectRoom"/> of them: the work waits here (or until <paramref name="cancellationToken"/>, the one
    /// a stopped pipeline cancels) until the pipeline thread has written earlier ones, so memory does not grow with
    /// what a slow pipeline has not taken yet.
    /// </summary>
    /// <remarks>
    /// <paramref name="unbound"/>, asked while it waits, says when to stop waiting and queue the object all the same:
    /// when the pipeline thread cannot make room until this work ends (it waits for the same session).
    /// </remarks>
    public void WriteObjectWhenRoom(object value, CancellationToken cancellationToken, Func<bool>? unbound = null)
    {
        if (value is null)
        {
            throw new ArgumentNullException(nameof(value));
        }

        // Asked before each wait too: once the queue is full and stays so, every object would wait its 50 ms.
        while (!_room.Wait(0))
        {
            if (unbound?.Invoke() == true)
            {
                Post(new Message(MessageKind.Object, value));
                return;
            }

            if (_room.Wait(unbound is null ? Timeout.Infinite : 50, cancellationToken))
            {
                break;
            }
        }

        Post(new Message(MessageKind.RoomObject, value));
    }

    /// <summary>How many objects of <see cref="WriteObjectWhenRoom"/> may wait in the queue.</summary>
    internal const int ObjectRoom = 1024;

    /// <summary>A non-terminating error about <paramref name="target"/>; mapped to an ErrorRecord by <see cref="ErrorMapping"/>.</summary>
    public void WriteError(Exception exception, object? target) =>
        Post(new Message(MessageKind.Error, new FailedItem(exception ?? throw new ArgumentNullException(nameof(exception)), target)));

    public void WriteVerbose(string text) => Post(new Message(MessageKind.Verbose, text ?? ""));

    public void WriteWarning(string text) => Post(new Message(MessageKind.Warning, text ?? ""));

    /// <summary>Queues a progress update, unless one for the same activity was queued less than the interval ago.</summary>
    public void WriteProgress(ProgressUpdate update)
    {
        if (update is null)
        {
            throw new ArgumentNullException(nameof(update));
        }

        var now = _clock();
        lock (_lastProgress)
        {
            var due = !_lastProgress.TryGetValue(update.ActivityId, out var last) || now - last >= ProgressInterval;
            if (!due && !update.Completed)
            {
                return;
            }

            _lastProgress[update.ActivityId] = now;
        }

        Post(new Message(MessageKind.Progress, update));
    }

    /// <summary>No more messages: <see cref="Drain"/> returns once the queue is empty.</summary>
    public void Complete() => _queue.CompleteAdding();

    /// <summary>Blocks the calling (pipeline) thread, handing each message to <paramref name="write"/>, until <see cref="Complete"/> and the queue is empty.</summary>
    public void Drain(Action<MessageKind, object> write)
    {
        if (write is null)
        {
            throw new ArgumentNullException(nameof(write));
        }

        foreach (var message in _queue.GetConsumingEnumerable())
        {
            if (message.Kind == MessageKind.RoomObject)
            {
                _room.Release();
                write(MessageKind.Object, message.Value);
                continue;
            }

            write(message.Kind, message.Value);
        }
    }

    public void Dispose()
    {
        _queue.Dispose();
        _room.Dispose();
    }

    private void Post(Message message)
    {
        try
        {
            _queue.Add(message);
        }
        catch (InvalidOperationException)
        {
            // Added after Complete() (or, as ObjectDisposedException, after the cmdlet disposed the channel):
            // the work is over and nobody will write it; see the class remarks.
        }
    }

    internal enum MessageKind
    {
        Object,
        Error,
        Verbose,
        Warning,
        Progress,

        /// <summary>An object of <see cref="WriteObjectWhenRoom"/>: written as <see cref="Object"/>, its room given back.</summary>
        RoomObject,
    }

    private readonly struct Message
    {
        public Message(MessageKind kind, object value)
        {
            Kind = kind;
            Value = value;
        }

        public MessageKind Kind { get; }

        public object Value { get; }
    }
}

/// <summary>A per-item failure queued by worker code: the exception and the object it was about.</summary>
internal sealed class FailedItem
{
    public FailedItem(Exception exception, object? target)
    {
        Exception = exception;
        Target = target;
    }

    public Exception Exception { get; }

    public object? Target { get; }
}

/// <summary>A Write-Progress record in plain data, so that worker threads never build PowerShell objects.</summary>
internal sealed class ProgressUpdate
{
    public ProgressUpdate(int activityId, string activity, string status)
    {
        ActivityId = activityId;
        Activity = activity;
        Status = status;
    }

    public int ActivityId { get; }

    public int ParentActivityId { get; init; } = -1;

    public string Activity { get; }

    public string Status { get; }

    public string? CurrentOperation { get; init; }

    /// <summary>0..100, or -1 when unknown.</summary>
    public int PercentComplete { get; init; } = -1;

    /// <summary>-1 when unknown.</summary>
    public int SecondsRemaining { get; init; } = -1;

    public bool Completed { get; init; }
}
