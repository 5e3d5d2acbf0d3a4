using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.IO;
using Xunit;

namespace FtpTools.Core.Tests.IO;

[CollectionDefinition("blocking-call", DisableParallelization = true)]
public sealed class BlockingCallCollection
{
}

/// <summary>
/// The threads that blocking calls run on are kept and reused. Each test has threads of its own (a
/// <see cref="BlockingCallThreads"/>, some with a short idle lifetime), and runs alone, since its timing counts.
/// </summary>
[Collection("blocking-call")]
public sealed class BlockingCallTests
{
    [Fact]
    public void The_process_keeps_four_threads_for_five_seconds()
    {
        Assert.Equal(4, BlockingCall.MaxIdleThreads);
        Assert.Equal(TimeSpan.FromSeconds(5), BlockingCall.IdleLifetime);
    }

    [Fact]
    public async Task Calls_one_after_another_run_off_the_pool_on_a_few_threads_kept_for_them()
    {
        var pool = new BlockingCallThreads(4, TimeSpan.FromSeconds(30));
        var threads = await OneAfterAnotherAsync(pool, 20);

        Assert.All(threads, t => Assert.False(t.IsThreadPoolThread));
        Assert.All(threads, t => Assert.True(t.IsBackground));

        // A thread per call (what Task.Factory.StartNew with LongRunning did) would be 20 of each.
        Assert.InRange(threads.Distinct().Count(), 1, 3);
        Assert.InRange(pool.ThreadsStarted, 1, 3);
    }

    [Fact]
    public async Task What_awaits_a_call_goes_on_on_its_thread_whether_it_succeeded_or_failed()
    {
        var pool = new BlockingCallThreads(4, TimeSpan.FromSeconds(30));
        var (ran, resumed, thrown) = await ResumedOnAsync(pool, failure: null);
        Assert.Same(ran, resumed);
        Assert.Null(thrown);

        var failure = new IOException("the socket went away");
        (ran, resumed, thrown) = await ResumedOnAsync(pool, failure);
        Assert.Same(ran, resumed);
        Assert.Same(failure, thrown);
    }

    [Fact]
    public async Task At_most_the_limit_of_threads_wait_for_calls_the_others_end_and_the_waiting_ones_end_after_their_lifetime()
    {
        var lifetime = TimeSpan.FromMilliseconds(500);
        var pool = new BlockingCallThreads(4, lifetime);
        const int calls = 8;
        var threads = new Thread[calls];
        using var allRunning = new CountdownEvent(calls);
        using var release = new ManualResetEventSlim();
        var tasks = Enumerable.Range(0, calls).Select(i => pool.RunAsync(() =>
        {
            threads[i] = Thread.CurrentThread;
            allRunning.Signal();
            release.Wait(TimeSpan.FromSeconds(30));
        })).ToArray();

        Assert.True(allRunning.Wait(TimeSpan.FromSeconds(30)), "The calls did not all start: they must run at the same time, each on a thread of its own.");
        Assert.Equal(calls, threads.Distinct().Count());
        Assert.Equal(calls, pool.ThreadsStarted);
        release.Set();
        var waitingSince = Stopwatch.StartNew();

        // Off the thread the last call ended on, so that it can go back to wait too.
        await Task.WhenAll(tasks);
        await Task.Yield();
        await EventuallyAsync(
            TimeSpan.FromSeconds(10),
            () => threads.Count(t => t.IsAlive) == 4,
            () => $"{pool.IdleThreads} threads wait, {threads.Count(t => t.IsAlive)} of the {calls} live");
        Assert.Equal(4, pool.IdleThreads);

        await EventuallyAsync(
            lifetime + TimeSpan.FromSeconds(10),
            () => pool.IdleThreads == 0 && threads.All(t => !t.IsAlive),
            () => $"{pool.IdleThreads} threads wait, {threads.Count(t => t.IsAlive)} of the {calls} live");
        // (Less a timer tick: a wait's timeout may end a few milliseconds early.)
        Assert.True(waitingSince.Elapsed >= lifetime - TimeSpan.FromMilliseconds(50), $"The waiting threads ended after {waitingSince.Elapsed}, before their lifetime of {lifetime}.");

        // A call after that starts a thread again and runs.
        var ran = false;
        await pool.RunAsync(() => ran = true);
        Assert.True(ran);
        Assert.Equal(calls + 1, pool.ThreadsStarted);
    }

    [Fact]
    public async Task A_call_that_throws_fails_its_task_with_that_exception_and_its_thread_takes_the_next_call()
    {
        var pool = new BlockingCallThreads(4, TimeSpan.FromSeconds(30));
        var failure = new IOException("the socket went away");
        Thread? first = null;
        var thrown = await Assert.ThrowsAsync<IOException>(() => pool.RunAsync(() =>
        {
            first = Thread.CurrentThread;
            throw failure;
        }));
        Assert.Same(failure, thrown);

        await EventuallyAsync(TimeSpan.FromSeconds(10), () => pool.IdleThreads == 1, () => $"{pool.IdleThreads} threads wait");
        Thread? second = null;
        await pool.RunAsync(() => second = Thread.CurrentThread);
        Assert.Same(first, second);
        Assert.Equal(1, pool.ThreadsStarted);
    }

    [Fact]
    public async Task A_call_runs_in_its_callers_context_and_never_in_that_of_whoever_started_its_thread()
    {
        var pool = new BlockingCallThreads(4, TimeSpan.FromSeconds(30));
        var local = new AsyncLocal<string?>();
        Thread? starter = null;

        // The thread is started by a caller whose context has a value of its own.
        await Task.Run(async () =>
        {
            local.Value = "the starter's";
            await pool.RunAsync(() => starter = Thread.CurrentThread);
        });
        await WaitIdleAsync(pool);

        string? seen = null;
        Thread? reused = null;
        local.Value = "this caller's";
        await pool.RunAsync(() =>
        {
            seen = local.Value;
            reused = Thread.CurrentThread;
            local.Value = "set in the call";
        });
        Assert.Same(starter, reused);
        Assert.Equal("this caller's", seen);
        Assert.Equal("this caller's", local.Value);
        await WaitIdleAsync(pool);

        // A caller without the value sees none: nothing of the calls before stays on the thread.
        local.Value = null;
        await pool.RunAsync(() => seen = local.Value);
        Assert.Null(seen);
        await WaitIdleAsync(pool);

        // Without flow, the call sees the thread's own context: not the starter's.
        seen = "not run";
        Task suppressed;
        using (ExecutionContext.SuppressFlow())
        {
            suppressed = pool.RunAsync(() => seen = local.Value);
        }

        await suppressed;
        Assert.Null(seen);
        Assert.Equal(1, pool.ThreadsStarted);
    }

    /// <summary>
    /// Calls one after another, each awaited without the test's context, so that the next is made on the thread the
    /// one before ran on (as in the engine, whose awaits all leave the context).
    /// </summary>
    private static async Task<List<Thread>> OneAfterAnotherAsync(BlockingCallThreads pool, int count)
    {
        var threads = new List<Thread>();
        for (var i = 0; i < count; i++)
        {
            await pool.RunAsync(() =>
            {
                lock (threads)
                {
                    threads.Add(Thread.CurrentThread);
                }

                // By the time this call ends, the thread that ran the one before (on which this call was made) has
                // gone back to wait for the next.
                Thread.Sleep(30);
            }).ConfigureAwait(false);
        }

        return threads;
    }

    /// <summary>The thread a call ran on, the one that what awaited it (without the test's context) went on on, and what it threw.</summary>
    private static async Task<(Thread? Ran, Thread Resumed, Exception? Thrown)> ResumedOnAsync(BlockingCallThreads pool, Exception? failure)
    {
        Thread? ran = null;
        Exception? thrown = null;
        try
        {
            // Long enough for the await to wait, so that the call's end is what resumes it.
            await pool.RunAsync(() =>
            {
                ran = Thread.CurrentThread;
                Thread.Sleep(100);
                if (failure is not null)
                {
                    throw failure;
                }
            }).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            thrown = e;
        }

        return (ran, Thread.CurrentThread, thrown);
    }

    private static Task WaitIdleAsync(BlockingCallThreads pool) =>
        EventuallyAsync(TimeSpan.FromSeconds(10), () => pool.IdleThreads == 1, () => $"{pool.IdleThreads} threads wait");

    private static async Task EventuallyAsync(TimeSpan limit, Func<bool> condition, Func<string> state)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > limit)
            {
                Assert.Fail($"Not so after {limit}: {state()}.");
            }

            await Task.Delay(10);
        }
    }
}
