using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Logging;
using FtpTools.Infrastructure;
using Xunit;
using Kind = FtpTools.Infrastructure.PipelineChannel.MessageKind;

namespace FtpTools.Tests;

public class PipelineChannelTests
{
    [Fact]
    public void Messages_from_other_threads_are_handed_out_in_order_on_the_draining_thread()
    {
        using var channel = new PipelineChannel();
        var drainingThread = Environment.CurrentManagedThreadId;
        var failure = new InvalidOperationException("one file");
        var worker = Task.Run(() =>
        {
            channel.WriteVerbose("> USER bob");
            channel.WriteObject("item 1");
            channel.WriteError(failure, "/a.txt");
            channel.WriteWarning("no MFMT");
            channel.WriteObject("item 2");
        });
        worker.ContinueWith(_ => channel.Complete(), TaskScheduler.Default);

        var seen = new List<(Kind, object, int)>();
        channel.Drain((kind, value) => seen.Add((kind, value, Environment.CurrentManagedThreadId)));

        Assert.Equal(5, seen.Count);
        Assert.Equal((Kind.Verbose, (object)"> USER bob"), (seen[0].Item1, seen[0].Item2));
        Assert.Equal((Kind.Object, (object)"item 1"), (seen[1].Item1, seen[1].Item2));
        Assert.Equal(Kind.Error, seen[2].Item1);
        Assert.Same(failure, ((FailedItem)seen[2].Item2).Exception);
        Assert.Equal("/a.txt", ((FailedItem)seen[2].Item2).Target);
        Assert.Equal((Kind.Warning, (object)"no MFMT"), (seen[3].Item1, seen[3].Item2));
        Assert.Equal((Kind.Object, (object)"item 2"), (seen[4].Item1, seen[4].Item2));
        Assert.All(seen, s => Assert.Equal(drainingThread, s.Item3));
    }

    [Fact]
    public async Task Objects_written_when_there_is_room_wait_for_the_pipeline_thread_and_a_cancellation_frees_the_writer()
    {
        // A file's lines: no more than ObjectRoom wait in the queue, however many the work has.
        using var channel = new PipelineChannel();
        using var stop = new CancellationTokenSource();
        var written = 0;
        var worker = Task.Run(() =>
        {
            for (var i = 0; i < PipelineChannel.ObjectRoom * 3; i++)
            {
                channel.WriteObjectWhenRoom(i, stop.Token);
                Interlocked.Increment(ref written);
            }
        });

        SpinWait.SpinUntil(() => Volatile.Read(ref written) == PipelineChannel.ObjectRoom, TimeSpan.FromSeconds(10));
        Thread.Sleep(200);
        Assert.Equal(PipelineChannel.ObjectRoom, Volatile.Read(ref written));
        Assert.False(worker.IsCompleted);

        // The pipeline thread takes them, in order, as plain objects; the worker goes on as room is made.
        _ = worker.ContinueWith(_ => channel.Complete(), TaskScheduler.Default);
        var seen = new List<object>();
        channel.Drain((kind, value) =>
        {
            Assert.Equal(Kind.Object, kind);
            seen.Add(value);
        });
        Assert.Equal(Enumerable.Range(0, PipelineChannel.ObjectRoom * 3).Cast<object>(), seen);
        Assert.True(worker.IsCompletedSuccessfully);

        // A pipeline that stops taking them (a downstream failure, Ctrl+C) cancels: the waiting writer is let go.
        using var full = new PipelineChannel();
        for (var i = 0; i < PipelineChannel.ObjectRoom; i++)
        {
            full.WriteObjectWhenRoom(i, CancellationToken.None);
        }

        // A pipeline that cannot make room before this work ends (a command further down waits for the same
        // session): with the unbound check saying so, the objects go at once, past the room, in order.
        var waitingForUs = false;
        var overflow = Task.Run(() =>
        {
            full.WriteObjectWhenRoom("past 1", CancellationToken.None, () => Volatile.Read(ref waitingForUs));
            full.WriteObjectWhenRoom("past 2", CancellationToken.None, () => Volatile.Read(ref waitingForUs));
        });
        Assert.NotSame(overflow, await Task.WhenAny(overflow, Task.Delay(200)));
        Volatile.Write(ref waitingForUs, true);
        await overflow.WaitAsync(TimeSpan.FromSeconds(10));

        var blocked = Task.Run(() => full.WriteObjectWhenRoom("one too many", stop.Token));
        Assert.NotSame(blocked, await Task.WhenAny(blocked, Task.Delay(200)));
        stop.Cancel();
        await Assert.ThrowsAsync<OperationCanceledException>(() => blocked);
        full.Complete();
        var all = new List<object>();
        full.Drain((_, value) => all.Add(value));
        Assert.Equal(Enumerable.Range(0, PipelineChannel.ObjectRoom).Cast<object>().Append("past 1").Append("past 2"), all);
    }

    [Fact]
    public void Messages_after_completion_are_dropped_without_an_exception()
    {
        using var channel = new PipelineChannel();
        channel.WriteObject("before");
        channel.Complete();
        channel.WriteVerbose("late log line");
        channel.WriteObject("after");

        var seen = new List<object>();
        channel.Drain((_, value) => seen.Add(value));

        Assert.Equal(new object[] { "before" }, seen);
    }

    [Fact]
    public void Progress_is_throttled_per_activity_but_completion_always_goes_through()
    {
        var now = TimeSpan.Zero;
        using var channel = new PipelineChannel(() => now);

        channel.WriteProgress(new ProgressUpdate(1, "batch", "a"));
        channel.WriteProgress(new ProgressUpdate(2, "file", "b"));
        now = TimeSpan.FromMilliseconds(50);
        channel.WriteProgress(new ProgressUpdate(1, "batch", "dropped"));
        channel.WriteProgress(new ProgressUpdate(2, "file", "done") { Completed = true });
        now = TimeSpan.FromMilliseconds(250);
        channel.WriteProgress(new ProgressUpdate(1, "batch", "c"));
        channel.Complete();

        var statuses = new List<string>();
        channel.Drain((kind, value) =>
        {
            Assert.Equal(Kind.Progress, kind);
            statuses.Add(((ProgressUpdate)value).Status);
        });

        Assert.Equal(new[] { "a", "b", "done", "c" }, statuses);
    }

    [Fact]
    public void The_session_log_goes_to_the_attached_channel_and_scopes_nest()
    {
        var router = new SessionLogRouter();
        using var outer = new PipelineChannel();
        using var inner = new PipelineChannel();

        router.Write(LogDirection.Sent, "NOOP");
        using (router.Attach(outer))
        {
            router.Write(LogDirection.Sent, "USER bob");
            using (router.Attach(inner))
            {
                router.Write(LogDirection.Received, "226 Transfer complete");
            }

            router.Write(LogDirection.Info, "TLS 1.3");
        }

        router.Write(LogDirection.Sent, "NOOP");
        outer.Complete();
        inner.Complete();

        var outerSeen = new List<object>();
        var innerSeen = new List<object>();
        outer.Drain((_, v) => outerSeen.Add(v));
        inner.Drain((_, v) => innerSeen.Add(v));
        Assert.Equal(new object[] { "> USER bob", "TLS 1.3" }, outerSeen);
        Assert.Equal(new object[] { "< 226 Transfer complete" }, innerSeen);
    }

    [Fact]
    public void Drain_returns_when_the_work_completes_even_when_it_posted_nothing()
    {
        using var channel = new PipelineChannel();
        using var gate = new ManualResetEventSlim();
        var worker = Task.Run(() => gate.Wait());
        worker.ContinueWith(_ => channel.Complete(), TaskScheduler.Default);
        gate.Set();

        var count = 0;
        channel.Drain((_, _) => count++);

        Assert.Equal(0, count);
        Assert.True(worker.IsCompleted);
    }
}
