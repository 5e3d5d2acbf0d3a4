using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace FtpTools.Core.IO;

/// <summary>
/// Runs a call that blocks (a connect, a TLS handshake or a copy on a socket kept in blocking mode, see
/// <see cref="Ftp.FtpDataConnection.ReadsBlocking"/>, or a wait for a late reply, see <see cref="ShortPoll"/>) on a
/// thread of its own, never on a thread-pool thread: a blocked pool thread would hold up the timers and continuations
/// that every session's timeouts run on until the pool adds threads (on 2 cores, after half a second and more).
/// <para>
/// The threads are kept for a while once their call is done (at most <see cref="MaxIdleThreads"/> of them, each for
/// <see cref="IdleLifetime"/>) and take the next call, so that a session that waits for a late reply on every file
/// does not start a thread for each: starting one cost more than the wait it replaced, and a thread that ends takes
/// with it the buffer that <c>ArrayPool.Shared</c> keeps for it, which the next transfer then allocated anew (a
/// 2,000-file FTP upload started 600-1,500 threads and allocated 130-370 MB, every collection a full one).
/// As before, what awaits the call goes on on the call's thread when the call ends.
/// </para>
/// </summary>
internal static class BlockingCall
{
    /// <summary>Threads that wait for a call at most; a thread done when this many wait already ends.</summary>
    internal const int MaxIdleThreads = 4;

    /// <summary>How long a thread waits for another call before it ends.</summary>
    internal static readonly TimeSpan IdleLifetime = TimeSpan.FromSeconds(5);

    private static readonly object Gate = new();
    private static readonly Stack<Worker> Idle = new();
    private static int _started;

    /// <summary>Threads started so far (tests).</summary>
    internal static int ThreadsStarted => Volatile.Read(ref _started);

    /// <summary>Threads waiting for a call now (tests).</summary>
    internal static int IdleThreads
    {
        get
        {
            lock (Gate)
            {
                return Idle.Count;
            }
        }
    }

    public static Task RunAsync(Action call)
    {
        if (call is null)
        {
            throw new ArgumentNullException(nameof(call));
        }

        var work = new Work(call, ExecutionContext.Capture());
        Worker? idle = null;
        lock (Gate)
        {
            if (Idle.Count > 0)
            {
                idle = Idle.Pop();
                idle.Assigned = work;
            }
        }

        if (idle is not null)
        {
            idle.Wake.Release();
        }
        else
        {
            Interlocked.Increment(ref _started);
            var worker = new Worker { Assigned = work };
            new Thread(worker.Run) { IsBackground = true, Name = "FtpTools blocking call" }.Start();
        }

        return work.Completion.Task;
    }

    private sealed class Work
    {
        private static readonly ContextCallback Invoke = state => ((Action)state!)();

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
                Completion.SetException(e);
                return;
            }

            Completion.SetResult(true);
        }
    }

    private sealed class Worker
    {
        public SemaphoreSlim Wake { get; } = new(0);

        /// <summary>The call to run next; set under <see cref="Gate"/> only.</summary>
        public Work? Assigned { get; set; }

        public void Run()
        {
            while (true)
            {
                Work work;
                lock (Gate)
                {
                    work = Assigned!;
                    Assigned = null;
                }

                work.Run();
                lock (Gate)
                {
                    if (Idle.Count >= MaxIdleThreads)
                    {
                        return;
                    }

                    Idle.Push(this);
                }

                if (Wake.Wait(IdleLifetime))
                {
                    continue;
                }

                lock (Gate)
                {
                    // A call was handed over just as the wait ran out: its release is taken below, then it runs.
                    if (Assigned is null)
                    {
                        RemoveIdle(this);
                        Wake.Dispose();
                        return;
                    }
                }

                Wake.Wait();
            }
        }

        private static void RemoveIdle(Worker worker)
        {
            var kept = new List<Worker>(Idle.Count);
            while (Idle.Count > 0)
            {
                var next = Idle.Pop();
                if (!ReferenceEquals(next, worker))
                {
                    kept.Add(next);
                }
            }

            for (var i = kept.Count - 1; i >= 0; i--)
            {
                Idle.Push(kept[i]);
            }
        }
    }
}
