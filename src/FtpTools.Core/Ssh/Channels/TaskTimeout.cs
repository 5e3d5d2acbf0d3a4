using System;
using System.Threading;
using System.Threading.Tasks;

namespace FtpTools.Core.Ssh.Channels;

/// <summary>Waiting on a task with a timeout and a cancellation token on both target frameworks.</summary>
internal static class TaskTimeout
{
    /// <summary>Throws <see cref="TimeoutException"/> after <paramref name="timeout"/> (infinite when negative).</summary>
    public static async Task<T> WaitAsync<T>(Task<T> task, TimeSpan timeout, CancellationToken cancellationToken)
    {
#if NET8_0_OR_GREATER
        return await task.WaitAsync(timeout < TimeSpan.Zero ? Timeout.InfiniteTimeSpan : timeout, cancellationToken).ConfigureAwait(false);
#else
        if (task.IsCompleted)
        {
            return await task.ConfigureAwait(false);
        }

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var delay = Task.Delay(timeout < TimeSpan.Zero ? Timeout.InfiniteTimeSpan : timeout, cts.Token);
        var winner = await Task.WhenAny(task, delay).ConfigureAwait(false);
        if (winner == task)
        {
            cts.Cancel();
            return await task.ConfigureAwait(false);
        }

        cancellationToken.ThrowIfCancellationRequested();
        throw new TimeoutException();
#endif
    }
}
