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

    public void Arm(TimeSpan timeout) => _timer.Change(timeout, Timeout.InfiniteTimeSpan);

    public void Disarm() => _timer.Change(Timeout.Infinite, Timeout.Infinite);

    public void Dispose() => _timer.Dispose();

    private void Fire()
    {
        Volatile.Write(ref _expired, 1);
        _onExpired();
    }
}
