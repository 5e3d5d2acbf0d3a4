using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Infrastructure;

namespace FtpTools.Commands;

/// <summary>
/// Base of every FtpTools cmdlet that calls into the core. It owns the cancellation of Ctrl+C
/// (<see cref="StopProcessing"/>) and is the one place where asynchronous core work is waited on:
/// <see cref="RunCore"/> runs the work on the thread pool and, on the pipeline thread, writes what the work
/// queued (objects, errors, verbose protocol log, progress) until it finishes.
/// </summary>
public abstract class FtpToolsCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private SessionLogRouter? _log;
    private SessionLogRouter? _sessionLog;
    private bool _disposed;

    /// <summary>Cancelled when the user presses Ctrl+C or the pipeline is stopped.</summary>
    internal CancellationToken StopToken => _stopping.Token;

    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            OnDispose();
            _stopping.Dispose();
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>What a derived command must finish when PowerShell is done with it, whether its pipeline ended well or not.</summary>
    private protected virtual void OnDispose()
    {
    }

    protected override void StopProcessing() => _stopping.Cancel();

    /// <summary>
    /// Runs <paramref name="work"/> and writes its queued output on this (pipeline) thread until it is done.
    /// A failure that leaves no usable session (see <see cref="ErrorMapping"/>) is thrown as a terminating
    /// error; any other failure of the work as a whole is written as a non-terminating error about
    /// <paramref name="target"/> and false is returned. Per-item failures inside a batch should be reported
    /// by the work itself through <see cref="PipelineChannel.WriteError"/> so the batch goes on.
    /// </summary>
    internal bool RunCore(SessionLogRouter? log, object? target, Func<PipelineChannel, CancellationToken, Task> work)
    {
        using var channel = new PipelineChannel();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        using var logScope = log?.Attach(channel);
        var outerLog = _log;
        _log = log;
        try
        {
            return RunAndDrain(log, target, work, channel, linked);
        }
        finally
        {
            _log = outerLog;
        }
    }

    private bool RunAndDrain(SessionLogRouter? log, object? target, Func<PipelineChannel, CancellationToken, Task> work, PipelineChannel channel, CancellationTokenSource linked)
    {
        var task = Task.Run(() => work(channel, linked.Token), linked.Token);
        task.ContinueWith(_ => channel.Complete(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

        try
        {
            channel.Drain(Write);
        }
        catch
        {
            // A downstream command failed or the pipeline was stopped while we wrote: the work must not go
            // on using the session behind the next command's back. Cancel it and wait for it to unwind.
            linked.Cancel();
            WaitQuietly(task);
            throw;
        }

        try
        {
            task.GetAwaiter().GetResult();
            return true;
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        catch (Exception ex) when (ex is not PipelineStoppedException)
        {
            Note("Error", ex.Message);
            var record = ErrorMapping.ToErrorRecord(ex, target);
            if (ErrorMapping.Classify(ex).Terminating)
            {
                ThrowTerminatingError(record);
            }

            WriteError(record);
            return false;
        }
    }

    /// <summary>True for a failure that concerns one item of a batch and should not stop the others.</summary>
    internal static bool IsPerItemFailure(Exception exception) =>
        exception is not OperationCanceledException && !ErrorMapping.Classify(exception).Terminating;

    /// <summary>Ends the command with a stable ErrorId, for preconditions the cmdlet checks itself.</summary>
    internal void Fail(string errorId, ErrorCategory category, string message, object? target)
    {
        Note("Error", message);
        ThrowTerminatingError(new ErrorRecord(new InvalidOperationException(message), ErrorMapping.Prefix + errorId, category, target));
    }

    /// <summary>A non-terminating error with a stable ErrorId, for per-item preconditions the cmdlet checks itself.</summary>
    internal void Report(string errorId, ErrorCategory category, string message, object? target)
    {
        Note("Error", message);
        WriteError(new ErrorRecord(new InvalidOperationException(message), ErrorMapping.Prefix + errorId, category, target));
    }

    /// <summary>A warning, also in the session's -LogPath file.</summary>
    internal void WriteLoggedWarning(string message)
    {
        Note("Warning", message);
        WriteWarning(message);
    }

    /// <summary>The session this command works on: its -LogPath file gets the command's errors and warnings.</summary>
    internal void UseSessionLog(SessionLogRouter log) => _sessionLog = log;

    /// <summary>Writes a per-item failure: non-terminating, unless it leaves no usable session.</summary>
    internal void WriteFailure(Exception exception, object? target)
    {
        Note("Error", exception.Message);
        var record = ErrorMapping.ToErrorRecord(exception, target);
        if (ErrorMapping.Classify(exception).Terminating)
        {
            ThrowTerminatingError(record);
        }

        WriteError(record);
    }

    /// <summary>Closes a batch's progress bars (on the pipeline thread).</summary>
    internal void CompleteProgress(TransferProgressReporter progress)
    {
        foreach (var update in progress.Completion())
        {
            WriteProgress(ToRecord(update));
        }
    }

    private static void WaitQuietly(Task task)
    {
        try
        {
            task.Wait();
        }
#pragma warning disable CA1031 // The original exception is rethrown by the caller; this one is only waited out.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    private void Write(PipelineChannel.MessageKind kind, object value)
    {
        switch (kind)
        {
            case PipelineChannel.MessageKind.Object:
                WriteObject(value);
                break;
            case PipelineChannel.MessageKind.Error:
                var failed = (FailedItem)value;
                Note("Error", failed.Exception.Message);
                WriteError(ErrorMapping.ToErrorRecord(failed.Exception, failed.Target));
                break;
            case PipelineChannel.MessageKind.Verbose:
                WriteVerbose((string)value);
                break;
            case PipelineChannel.MessageKind.Warning:
                Note("Warning", (string)value);
                WriteWarning((string)value);
                break;
            case PipelineChannel.MessageKind.Progress:
                WriteProgress(ToRecord((ProgressUpdate)value));
                break;
        }
    }

    /// <summary>An error or warning line for the -LogPath file of the session at work (none without -LogPath).</summary>
    private void Note(string kind, string message) => (_log ?? _sessionLog)?.Note(kind + ": " + message);

    private static ProgressRecord ToRecord(ProgressUpdate update) => new(update.ActivityId, update.Activity, update.Status)
    {
        ParentActivityId = update.ParentActivityId,
        CurrentOperation = update.CurrentOperation,
        PercentComplete = update.PercentComplete,
        SecondsRemaining = update.SecondsRemaining,
        RecordType = update.Completed ? ProgressRecordType.Completed : ProgressRecordType.Processing,
    };
}
