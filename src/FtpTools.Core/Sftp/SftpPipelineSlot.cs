using System;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using System.Threading.Tasks.Sources;

namespace FtpTools.Core.Sftp;

/// <summary>
/// One reusable request of a read or write pipeline. Awaiting it allocates nothing (a reset-able
/// <see cref="ManualResetValueTaskSourceCore{TResult}"/>), so the transfer path creates no object per request.
/// <para>
/// Buffer ownership: while idle or completed, the owning stream owns the slot's buffer. While in flight the reader
/// loop may write into it. A stream that gives up on an in-flight slot (abort, cancelled wait) orphans it: the
/// response, if it ever comes, is dropped and the reader loop returns the buffer to the pool
/// (<see cref="ReturnBuffer"/>). Exactly one party completes the slot, decided by a compare-and-swap on its state.
/// </para>
/// </summary>
internal abstract class SftpPipelineSlot : ISftpResponseHandler, IValueTaskSource<bool>
{
    private const int Idle = 0;
    private const int InFlight = 1;
    private const int Completed = 2;
    private const int Orphaned = 3;

    private ManualResetValueTaskSourceCore<bool> _core;
    private int _state;

    protected SftpPipelineSlot()
    {
        _core.RunContinuationsAsynchronously = true;
    }

    public bool IsInFlight => Volatile.Read(ref _state) == InFlight;

    public bool IsOrphaned => Volatile.Read(ref _state) == Orphaned;

    /// <summary>Makes the slot ready for a new request; call before registering it with the channel.</summary>
    public void Arm()
    {
        _core.Reset();
        ResetResult();
        Volatile.Write(ref _state, InFlight);
    }

    /// <summary>Takes back an armed slot whose request never went out.</summary>
    public void Disarm() => Volatile.Write(ref _state, Idle);

    /// <summary>Waits for the response; a cancelled wait orphans the slot and throws <see cref="OperationCanceledException"/>.</summary>
#if NET8_0_OR_GREATER
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
#endif
    public async ValueTask WaitAsync(CancellationToken cancellationToken)
    {
        if (!cancellationToken.CanBeCanceled)
        {
            await WaitAsync().ConfigureAwait(false);
            return;
        }

        using (cancellationToken.Register(static state => ((SftpPipelineSlot)state!).CancelWait(), this))
        {
            await WaitAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Completes when the response arrived (true) or throws the session's error. Await once per <see cref="Arm"/>.</summary>
    public ValueTask<bool> WaitAsync() => new(this, _core.Version);

    /// <summary>Gives up on the slot. True: it was in flight, and the reader loop now owns (and will return) its buffer.</summary>
    public bool TryOrphan() => Interlocked.CompareExchange(ref _state, Orphaned, InFlight) == InFlight;

    /// <summary>Ends a wait early; the slot is orphaned, so its buffer now belongs to the reader loop.</summary>
    public void CancelWait()
    {
        if (TryOrphan())
        {
            _core.SetException(new OperationCanceledException("The SFTP transfer was cancelled."));
        }
    }

    void ISftpResponseHandler.OnResponse(SftpPacketType type, ReadOnlyMemory<byte> afterId)
    {
        // The response is taken into the slot first and only then published, so an orphaning stream never sees a
        // buffer the reader is still writing; when the slot was orphaned meanwhile, the buffer goes back from here.
        Accept(type, afterId);
        Publish();
    }

    void ISftpResponseHandler.OnFailure(Exception error)
    {
        if (Interlocked.CompareExchange(ref _state, Completed, InFlight) == InFlight)
        {
            _core.SetException(error);
        }
    }

    bool IValueTaskSource<bool>.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    /// <summary>
    /// Completes the slot with the response taken into it (on the reader loop, after the whole response is in the
    /// buffer); when the slot was orphaned meanwhile, the buffer goes back to its pool from here.
    /// </summary>
    protected void Publish()
    {
        if (Interlocked.CompareExchange(ref _state, Completed, InFlight) == InFlight)
        {
            _core.SetResult(true);
        }
        else
        {
            ReturnBuffer();
        }
    }

    /// <summary>Takes the response into the slot (runs on the reader loop; throw for a malformed one).</summary>
    protected abstract void Accept(SftpPacketType type, ReadOnlyMemory<byte> afterId);

    protected abstract void ResetResult();

    /// <summary>
    /// Returns the slot's buffer to its pool: called by the reader loop for an orphaned slot, by the owning stream
    /// for any other.
    /// </summary>
    public abstract void ReturnBuffer();
}
