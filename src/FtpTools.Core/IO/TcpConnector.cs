using System;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;

namespace FtpTools.Core.IO;

/// <summary>Opening TCP connections to an address with a deadline: FTP's control and data connections, SSH's.</summary>
internal static class TcpConnector
{
    /// <summary>
    /// Connects to <paramref name="endPoint"/>; the deadline and cancellation close the socket, which ends a pending
    /// connect of either kind. With <paramref name="blocking"/> the connect is a blocking call (on a thread of its
    /// own, see <see cref="BlockingCall"/>) and leaves a socket that .NET has never put in non-blocking mode: on Unix,
    /// once an asynchronous call has touched a socket, even its synchronous reads go through the runtime's event
    /// loop, and a bulk download reads such a socket with plain blocking reads instead (see
    /// <see cref="Ftp.FtpDataConnection.ReadsBlocking"/>, and the SSH transport over <see cref="BlockingSocketStream"/>). With <paramref name="inline"/> (every control connection, and a
    /// near server's data connections) the socket is kept out of the runtime's event loop (<see cref="ConnectQuicklyAsync"/>).
    /// </summary>
    public static async Task<Socket> ConnectAsync(IPEndPoint endPoint, TimeSpan timeout, CancellationToken cancellationToken, bool blocking = false, bool inline = false)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var attempt = new Attempt(new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true });
        using var timer = new Timer(static state => ((Attempt)state!).Abort(Attempt.TimedOut), attempt, timeout, Timeout.InfiniteTimeSpan);
        using var registration = cancellationToken.Register(static state => ((Attempt)state!).Abort(Attempt.Cancelled), attempt);
        try
        {
            if (inline)
            {
                await ConnectQuicklyAsync(attempt.Socket, endPoint).ConfigureAwait(false);
            }
            else if (blocking)
            {
                await BlockingCall.RunAsync(() => attempt.Socket.Connect(endPoint)).ConfigureAwait(false);
            }
            else
            {
                await attempt.Socket.ConnectAsync(endPoint).ConfigureAwait(false);
            }

            if (attempt.Finish())
            {
                return attempt.Socket;
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or InvalidOperationException)
        {
            attempt.Socket.Dispose();
            cancellationToken.ThrowIfCancellationRequested();
            if (attempt.State != Attempt.TimedOut)
            {
                throw new ConnectionLostException($"Connecting to {endPoint} failed: {Describe(ex)}", ex);
            }
        }

        attempt.Socket.Dispose();
        cancellationToken.ThrowIfCancellationRequested();
        throw new ConnectionLostException($"Connecting to {endPoint} timed out after {timeout.TotalSeconds:0.#} s.");
    }

    /// <summary>
    /// A connect that keeps the socket out of the runtime's event loop (on Unix every event of a socket there costs a
    /// thread-pool work item, whether a read waits or not; see <see cref="ShortPoll"/>): started without blocking, then
    /// waited for in poll(2) for up to <see cref="ShortPoll.LimitMicroseconds"/> on the calling thread (a near server
    /// answers within it), and beyond that on a thread of its own, never a pool thread, in slices that end when the
    /// deadline or cancellation closes the socket. <see cref="Socket.Blocking"/> is set back afterwards, but on Unix .NET
    /// never makes a descriptor blocking again: a synchronous read that finds nothing waits in the event loop after all,
    /// so the owner reads only what poll(2) says is there (<see cref="ShortPoll"/>), and a socket to be read with
    /// blocking reads is connected with <c>blocking</c> instead.
    /// </summary>
    private static async Task ConnectQuicklyAsync(Socket socket, IPEndPoint endPoint)
    {
        socket.Blocking = false;
        try
        {
            socket.Connect(endPoint);
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress)
        {
            if (!ConnectEnded(socket, ShortPoll.LimitMicroseconds))
            {
                await BlockingCall.RunAsync(() =>
                {
                    while (!ConnectEnded(socket, 50_000))
                    {
                    }
                }).ConfigureAwait(false);
            }

            // Before anything asks Connected: .NET takes a refused connect's POLLOUT for success.
            var error = (SocketError)(int)socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error)!;
            if (error != SocketError.Success)
            {
                throw new SocketException((int)error);
            }
        }

        socket.Blocking = true;
        if (!socket.Connected)
        {
            throw new SocketException((int)SocketError.NotConnected);
        }
    }

    /// <summary>Whether a connect started without blocking has ended, either way (Windows reports a failure as an error, not as writable).</summary>
    private static bool ConnectEnded(Socket socket, int microseconds) =>
        socket.Poll(microseconds, SelectMode.SelectWrite) || socket.Poll(0, SelectMode.SelectError);

    /// <summary>
    /// What went wrong, without the end point that a synchronous connect's message repeats ("Connection refused
    /// 127.0.0.1:21"): the same words whichever way the socket was connected.
    /// </summary>
    private static string Describe(Exception ex) =>
        ex is SocketException socketError ? new SocketException((int)socketError.SocketErrorCode).Message : ex.Message;

    /// <summary>One connect, ended by whichever comes first: success, the deadline or cancellation.</summary>
    private sealed class Attempt
    {
        public const int Pending = 0;
        public const int Connected = 1;
        public const int TimedOut = 2;
        public const int Cancelled = 3;

        private int _state;

        public Attempt(Socket socket)
        {
            Socket = socket;
        }

        public Socket Socket { get; }

        public int State => Volatile.Read(ref _state);

        public bool Finish() => Interlocked.CompareExchange(ref _state, Connected, Pending) == Pending;

        public void Abort(int reason)
        {
            if (Interlocked.CompareExchange(ref _state, reason, Pending) == Pending)
            {
                Socket.Dispose();
            }
        }
    }
}
