using System;
using System.Net.Sockets;
using System.Threading.Tasks;

namespace FtpTools.Core.IO;

/// <summary>How a <see cref="ShortPoll.Wait"/> ended.</summary>
internal enum ShortPollOutcome
{
    /// <summary>Something arrived (or the connection ended) within the wait.</summary>
    Ready,

    /// <summary>Nothing arrived in time, but the peer still counts as near: it has not been late <see cref="ShortPoll.MissesBeforeBackOff"/> times in a row.</summary>
    Late,

    /// <summary>Not waited (backed off, or the socket is closed), or a late answer that started a back-off: the peer is far.</summary>
    Far,
}

/// <summary>
/// Waits a moment in the kernel for a near peer's answer before an asynchronous read would go to the runtime's event
/// loop. On Unix the runtime watches a socket in its epoll loop once an asynchronous call on it has had to wait, and
/// from then on hands every batch of that socket's events to the thread pool as a work item (a thread wake-up, and a
/// worker that spins before it sleeps), whether a read is waiting or not. A thread waiting in poll(2) is woken once,
/// directly, the read that follows completes at once, and the socket never joins the loop. On a near server (loopback,
/// a LAN) most FTP replies arrive within <see cref="LimitMicroseconds"/>; a late one is waited for on a thread of its
/// own (<see cref="WaitOnOwnThreadAsync"/>); after <see cref="MissesBeforeBackOff"/> late ones in a row the peer is
/// far, and the next <see cref="BackOffReads"/> reads go straight to the event loop. The wait on the caller's thread
/// (a pool thread, usually) is bounded and short; a deadline or cancellation that closes the socket ends any wait,
/// and the read that follows reports it as before.
/// </summary>
internal sealed class ShortPoll
{
    /// <summary>The longest wait, in microseconds.</summary>
    internal const int LimitMicroseconds = 1000;

    /// <summary>
    /// Waits in a row that ran out before waiting is given up for a while: a near server is late now and then (busy,
    /// or its process not yet scheduled), a far one every time.
    /// </summary>
    internal const int MissesBeforeBackOff = 4;

    /// <summary>Reads that go straight to the event loop after a back-off.</summary>
    internal const int BackOffReads = 32;

    private readonly Socket _socket;
    private int _misses;
    private int _skip;
    private bool _lastAnswered;

    public ShortPoll(Socket socket) => _socket = socket ?? throw new ArgumentNullException(nameof(socket));

    /// <summary>The last wait that looked at the socket was answered in time: the peer is near.</summary>
    public bool AnsweredQuickly => _lastAnswered;

    /// <summary>Sets <see cref="AnsweredQuickly"/> back to what a caller saw before a wait that does not count.</summary>
    public void Remember(bool answeredQuickly) => _lastAnswered = answeredQuickly;

    /// <summary>Waits that were answered in time (tests).</summary>
    internal int Hits { get; private set; }

    /// <summary>Waits that ran out (tests).</summary>
    internal int Misses { get; private set; }

    /// <summary>
    /// Waits up to <see cref="LimitMicroseconds"/> for something to read (or the connection's end) unless waiting is
    /// backed off. Call it only when nothing is buffered above the socket: it does not know about such bytes.
    /// </summary>
    public ShortPollOutcome Wait()
    {
        if (_skip > 0)
        {
            _skip--;
            return ShortPollOutcome.Far;
        }

        bool ready;
        try
        {
            ready = _socket.Poll(LimitMicroseconds, SelectMode.SelectRead);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Closed under the wait (a deadline, a cancellation) or broken: the read that follows says how.
            return ShortPollOutcome.Far;
        }

        _lastAnswered = ready;
        if (ready)
        {
            Hits++;
            _misses = 0;
            return ShortPollOutcome.Ready;
        }

        Misses++;
        if (++_misses < MissesBeforeBackOff)
        {
            return ShortPollOutcome.Late;
        }

        _misses = 0;
        _skip = BackOffReads;
        return ShortPollOutcome.Far;
    }

    /// <summary>
    /// After a <see cref="ShortPollOutcome.Late"/> answer: waits for something to read on a thread of its own (never a
    /// pool thread), in slices, so that the socket still stays out of the runtime's event loop. Ends when something
    /// arrives or when the socket is closed (the caller's deadline or cancellation), which the read that follows reports.
    /// </summary>
    public Task WaitOnOwnThreadAsync() => BlockingCall.RunAsync(() =>
    {
        try
        {
            while (!_socket.Poll(50_000, SelectMode.SelectRead))
            {
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
    });
}
