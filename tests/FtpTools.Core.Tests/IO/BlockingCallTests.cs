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
/// The threads that blocking calls run on are kept and reused. Runs alone: the threads and their counts are
/// process-wide, and every session test uses them.
/// </summary>
[Collection("blocking-call")]
public sealed class BlockingCallTests
{
    [Fact]
    public async Task Calls_one_after_another_run_off_the_pool_on_a_few_threads_kept_for_them()
    {
        var threads = new List<Thread>();
        var started = BlockingCall.ThreadsStarted;
        for (var i = 0; i < 20; i++)
        {
            await BlockingCall.RunAsync(() =>
            {
                lock (threads)
                {
                    threads.Add(Thread.CurrentThread);
                }

                // What awaits a call goes on on its thread; by the time this one ends, the thread that ran the one
                // before has gone back to wait for the next.
                Thread.Sleep(10);
            });
        }

        Assert.All(threads, t => Assert.False(t.IsThreadPoolThread));
        Assert.All(threads, t => Assert.True(t.IsBackground));

        // A thread per call (what Task.Factory.StartNew with LongRunning did) would be 20 of each.
        var distinct = threads.Distinct().Count();
        Assert.InRange(distinct, 1, 3);
        Assert.InRange(BlockingCall.ThreadsStarted - started, 0, 3);
    }

    [Fact]
    public async Task At_most_four_threads_wait_for_calls_the_others_end_and_the_waiting_ones_end_after_their_lifetime()
    {
        const int calls = 2 * BlockingCall.MaxIdleThreads;
        var threads = new Thread[calls];
        using var allRunning = new CountdownEvent(calls);
        using var release = new ManualResetEventSlim();
        var tasks = Enumerable.Range(0, calls).Select(i => BlockingCall.RunAsync(() =>
        {
            threads[i] = Thread.CurrentThread;
            allRunning.Signal();
            release.Wait(TimeSpan.FromSeconds(30));
        })).ToArray();

        Assert.True(allRunning.Wait(TimeSpan.FromSeconds(30)), "The calls did not all start: they must run at the same time, each on a thread of its own.");
        Assert.Equal(calls, threads.Distinct().Count());
        release.Set();
        await Task.WhenAll(tasks);

        // Off the thread the last call ended on, so that it can go back to wait too.
        await Task.Yield();
        await EventuallyAsync(
            TimeSpan.FromSeconds(5),
            () => BlockingCall.IdleThreads == BlockingCall.MaxIdleThreads && threads.Count(t => t.IsAlive) == BlockingCall.MaxIdleThreads,
            () => $"{BlockingCall.IdleThreads} threads wait, {threads.Count(t => t.IsAlive)} of the {calls} live");

        var waitingSince = Stopwatch.StartNew();
        await EventuallyAsync(
            BlockingCall.IdleLifetime + TimeSpan.FromSeconds(10),
            () => BlockingCall.IdleThreads == 0 && threads.All(t => !t.IsAlive),
            () => $"{BlockingCall.IdleThreads} threads wait, {threads.Count(t => t.IsAlive)} of the {calls} live");
        Assert.True(waitingSince.Elapsed >= BlockingCall.IdleLifetime - TimeSpan.FromSeconds(1), $"The waiting threads ended after {waitingSince.Elapsed}, before their lifetime of {BlockingCall.IdleLifetime}.");

        // A call after that starts a thread again and runs.
        var started = BlockingCall.ThreadsStarted;
        var ran = false;
        await BlockingCall.RunAsync(() => ran = true);
        Assert.True(ran);
        Assert.Equal(started + 1, BlockingCall.ThreadsStarted);
    }

    [Fact]
    public async Task A_call_that_throws_fails_its_task_with_that_exception_and_its_thread_takes_the_next_call()
    {
        var failure = new IOException("the socket went away");
        Thread? first = null;
        var thrown = await Assert.ThrowsAsync<IOException>(() => BlockingCall.RunAsync(() =>
        {
            first = Thread.CurrentThread;
            throw failure;
        }));
        Assert.Same(failure, thrown);

        // Off the thread the call failed on (its continuation ran there), which then goes back to wait, and being the
        // last to, is the first to be handed a call.
        await Task.Yield();
        await EventuallyAsync(TimeSpan.FromSeconds(5), () => (first!.ThreadState & System.Threading.ThreadState.WaitSleepJoin) != 0, () => $"its thread is {first!.ThreadState}");
        Thread? second = null;
        await BlockingCall.RunAsync(() => second = Thread.CurrentThread);
        Assert.Same(first, second);
    }

    [Fact]
    public async Task The_callers_async_locals_reach_the_call()
    {
        var local = new AsyncLocal<string>();
        local.Value = "from the caller";
        string? seen = null;
        await BlockingCall.RunAsync(() => seen = local.Value);
        Assert.Equal("from the caller", seen);
    }

    private static async Task EventuallyAsync(TimeSpan limit, Func<bool> condition, Func<string> state)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > limit)
            {
                Assert.Fail($"Not so after {limit}: {state()}.");
            }

            await Task.Delay(20);
        }
    }
}
