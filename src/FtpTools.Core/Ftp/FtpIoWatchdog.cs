using System;
using System.Threading;

namespace FtpTools.Core.Ftp;

/// <summary>
/// Puts a deadline on socket I/O without a CancellationTokenSource per call: one timer per
/// connection, armed before each wait and disarmed after. When it fires it closes the socket
/// (the only way to stop a pending read on every target, .NET Framework included), and the
/// failing I/O is then reported as a timeout because <see cref="Expired"/> is set.
/// </summary>
internal sealed class FtpIoWatchdog : IDisposable
{
    private readonly Timer _timer;
    private readonly Action _onExpired;
    private int _expired;

    public FtpIoWatchdog(Action onExpired)
    {
        _onExpired = onExpired;
        _timer = new Timer(static state => ((FtpIoWatchdog)state!).Fire(), this, Timeout.Infinite, Timeout.Infinite);
    }

    public bool Expired => Volatile.Read(ref _expired) != 0;

    public void Arm(TimeSpan timeout) => Change(timeout);

    public void Disarm() => Change(Timeout.InfiniteTimeSpan);

    public void Dispose() => _timer.Dispose();

    /// <summary>
    /// A failed connection is disposed before its finally block disarms, possibly from another thread (the timer
    /// itself, a cancellation): then there is nothing to change. .NET Framework's Timer.Change throws
    /// ObjectDisposedException there, which would hide the failure being reported; .NET returns false.
    /// </summary>
    private void Change(TimeSpan dueTime)
    {
        try
        {
            _timer.Change(dueTime, Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private void Fire()
    {
        Volatile.Write(ref _expired, 1);
        _onExpired();
    }
}
