using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;

namespace FtpTools.Core.IO;

/// <summary>
/// Runs a call that blocks (a connect, a TLS handshake or a copy on a socket kept in blocking mode, see
/// <see cref="Ftp.FtpDataConnection.ReadsBlocking"/>, or a wait for a late reply, see <see cref="ShortPoll"/>) on a
/// thread of its own, never on a thread-pool thread: a blocked pool thread would hold up the timers and continuations
/// that every session's timeouts run on until the pool adds threads (on 2 cores, after half a second and more).
/// <para>
/// The threads are kept for a while once their call is done (<see cref="BlockingCallThreads"/>: at most
/// <see cref="MaxIdleThreads"/> of them, each for <see cref="IdleLifetime"/>) and take the next call, so that a session
/// that waits for a late reply on every file does not start a thread for each: starting one cost more than the wait it
/// replaced, and a thread that ends takes with it the buffer that <c>ArrayPool.Shared</c> keeps for it, which the next
/// transfer then allocated anew (a 2,000-file FTP upload started 450-1,400 threads and allocated 100-260 MB, every
/// collection a full one). As before, what awaits the call goes on on the call's thread when the call ends.
/// </para>
/// </summary>
internal static class BlockingCall
{
    /// <summary>Threads that wait for a call at most; a thread done when this many wait already ends.</summary>
    internal const int MaxIdleThreads = 4;

    /// <summary>How long a thread waits for another call before it ends.</summary>
    internal static readonly TimeSpan IdleLifetime = TimeSpan.FromSeconds(5);

    /// <summary>The process's threads for blocking calls.</summary>
    internal static BlockingCallThreads Threads { get; } = new(MaxIdleThreads, IdleLifetime);

    public static Task RunAsync(Action call) => Threads.RunAsync(call);
}

/// <summary>
/// Threads that run blocking calls and are kept for the next one (see <see cref="BlockingCall"/>). A call goes to the
/// thread that went idle last, or to a new thread when none waits. The call runs in its caller's execution context
/// (its AsyncLocals), never in the one of whoever started the thread; it fails its task with what it throws; what
/// awaits it runs on its thread afterwards, outside any handler of the call's.
/// </summary>
internal sealed class BlockingCallThreads
{
    private readonly object _gate = new();
    private readonly Stack<Worker> _idle = new();
    private readonly int _maxIdle;
    private readonly TimeSpan _idleLifetime;
    private int _started;

    public BlockingCallThreads(int maxIdle, TimeSpan idleLifetime)
    {
        _maxIdle = maxIdle;
        _idleLifetime = idleLifetime;
    }

    /// <summary>Threads started so far (tests).</summary>
    internal int ThreadsStarted => Volatile.Read(ref _started);

    /// <summary>Threads waiting for a call now (tests).</summary>
    internal int IdleThreads
    {
        get
        {
            lock (_gate)
            {
                return _idle.Count;
            }
        }
    }

    public Task RunAsync(Action call)
    {
        if (call is null)
        {
            throw new ArgumentNullException(nameof(call));
        }

        var work = new Work(call, ExecutionContext.Capture());
        lock (_gate)
        {
            if (_idle.Count > 0)
            {
                var idle = _idle.Pop();
                idle.Assigned = work;
                idle.Wake.Release();
                return work.Completion.Task;
            }
        }

        Interlocked.Increment(ref _started);
        StartThread(new Worker(this) { Assigned = work });
        return work.Completion.Task;
    }

    /// <summary>Starts a worker's thread without the starter's execution context, which would otherwise be its base for life.</summary>
    private static void StartThread(Worker worker)
    {
        var thread = new Thread(worker.Run) { IsBackground = true, Name = "FtpTools blocking call" };
#if NET8_0_OR_GREATER
        thread.UnsafeStart();
#else
        if (ExecutionContext.IsFlowSuppressed())
        {
            thread.Start();
            return;
        }

        using (ExecutionContext.SuppressFlow())
        {
            thread.Start();
        }
#endif
    }

    private sealed class Work
    {
        private static readonly ContextCallback Invoke = state =>
        {
            // .NET Framework's ExecutionContext carries the caller's SynchronizationContext; a blocking call has none.
            SynchronizationContext.SetSynchronizationContext(null);
            ((Action)state!)();
        };

        private readonly Action _call;
        private readonly ExecutionContext? _context;

        public Work(Action call, ExecutionContext? context)
        {
            _call = call;
            _context = context;
        }

        // Continuations run on this thread when the call ends, as a task started with LongRunning did.
        public TaskCompletionSource<bool> Completion { get; } = new();

        public void Run()
        {
            Exception? failure = null;
            try
            {
                if (_context is null)
                {
                    _call();
                }
                else
                {
                    ExecutionContext.Run(_context, Invoke, _call);
                }
            }
#pragma warning disable CA1031 // The call's failure is its task's, as with Task.Run.
            catch (Exception e)
#pragma warning restore CA1031
            {
                failure = e;
            }

            // Outside the handler: what awaits the call runs now, on this thread, and should not run inside it.
            if (failure is null)
            {
                Completion.SetResult(true);
            }
            else
            {
                Completion.SetException(failure);
            }
        }
    }

    private sealed class Worker
    {
        private readonly BlockingCallThreads _owner;

        public Worker(BlockingCallThreads owner) => _owner = owner;

        public SemaphoreSlim Wake { get; } = new(0);

        /// <summary>The call to run next; set under the owner's gate only.</summary>
        public Work? Assigned { get; set; }

        public void Run()
        {
            while (true)
            {
                RunAssigned();
                lock (_owner._gate)
                {
                    if (_owner._idle.Count >= _owner._maxIdle)
                    {
                        return;
                    }

                    _owner._idle.Push(this);
                }

                if (Wake.Wait(_owner._idleLifetime))
                {
                    continue;
                }

                lock (_owner._gate)
                {
                    if (Assigned is null)
                    {
                        RemoveIdle();
                        Wake.Dispose();
                        return;
                    }
                }

                // A call was handed over just as the wait ran out: its release is taken here, then it runs.
                Wake.Wait();
            }
        }

        /// <summary>
        /// Takes the call handed over and runs it; a method of its own so that nothing of the call (its closure, its
        /// task, its caller's context) stays reachable from this thread's frame while it waits for the next.
        /// </summary>
        [MethodImpl(MethodImplOptions.NoInlining)]
        private void RunAssigned()
        {
            Work work;
            lock (_owner._gate)
            {
                work = Assigned!;
                Assigned = null;
            }

            work.Run();
        }

        private void RemoveIdle()
        {
            var kept = new List<Worker>(_owner._idle.Count);
            while (_owner._idle.Count > 0)
            {
                var next = _owner._idle.Pop();
                if (!ReferenceEquals(next, this))
                {
                    kept.Add(next);
                }
            }

            for (var i = kept.Count - 1; i >= 0; i--)
            {
                _owner._idle.Push(kept[i]);
            }
        }
    }
}
