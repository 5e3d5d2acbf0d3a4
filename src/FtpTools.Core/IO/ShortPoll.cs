using System;
using System.Net.Sockets;

namespace FtpTools.Core.IO;

/// <summary>
/// Waits a moment in the kernel for a fast peer's answer before an asynchronous read goes to the runtime's event
/// loop. An asynchronous read that has to wait costs two thread wake-ups (the event loop's thread, then a thread-pool
/// worker that runs the continuation, and which then spins idle before it sleeps); a thread waiting in poll(2) is
/// woken once, directly, and the read that follows completes at once. On a fast server (loopback, a LAN) most FTP
/// replies arrive within <see cref="LimitMicroseconds"/>; on a slow link they do not, so after
/// <see cref="MissesBeforeBackOff"/> waits in a row that ran out, the next <see cref="BackOffReads"/> reads go
/// straight to the event loop. The wait is bounded and short, so the thread it holds (a pool thread, or the caller's)
/// is held no longer than a thread switch or two would have cost anyway; a deadline or cancellation that closes the
/// socket ends the wait with the socket's error, which the read that follows reports as before.
/// </summary>
internal sealed class ShortPoll
{
    /// <summary>The longest wait, in microseconds.</summary>
    internal const int LimitMicroseconds = 1000;

    /// <summary>Waits in a row that ran out before waiting is given up for a while.</summary>
    internal const int MissesBeforeBackOff = 2;

    /// <summary>Reads that go straight to the event loop after a back-off.</summary>
    internal const int BackOffReads = 32;

    private readonly Socket _socket;
    private int _misses;
    private int _skip;
    private bool _lastAnswered;

    public ShortPoll(Socket socket) => _socket = socket ?? throw new ArgumentNullException(nameof(socket));

    /// <summary>The last wait that looked at the socket was answered in time: the peer is near.</summary>
    public bool AnsweredQuickly => _lastAnswered;

    /// <summary>Waits that were answered in time (tests).</summary>
    internal int Hits { get; private set; }

    /// <summary>Waits that ran out (tests).</summary>
    internal int Misses { get; private set; }

    /// <summary>
    /// Waits up to <see cref="LimitMicroseconds"/> for something to read (or the connection's end) unless waiting is
    /// backed off. Call it only when nothing is buffered above the socket: it does not know about such bytes.
    /// </summary>
    public void Wait()
    {
        if (_skip > 0)
        {
            _skip--;
            return;
        }

        bool ready;
        try
        {
            ready = _socket.Poll(LimitMicroseconds, SelectMode.SelectRead);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Closed under the wait (a deadline, a cancellation) or broken: the read that follows says how.
            return;
        }

        _lastAnswered = ready;
        if (ready)
        {
            Hits++;
            _misses = 0;
            return;
        }

        Misses++;
        if (++_misses >= MissesBeforeBackOff)
        {
            _misses = 0;
            _skip = BackOffReads;
        }
    }
}
