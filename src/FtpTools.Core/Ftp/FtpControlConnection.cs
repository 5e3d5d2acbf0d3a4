using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;
using FtpTools.Core.IO;
using ProtocolViolationException = FtpTools.Core.Errors.ProtocolViolationException;
using FtpTools.Core.Logging;

namespace FtpTools.Core.Ftp;

/// <summary>
/// The control connection (RFC 959 §2.3): commands out, replies in, with a deadline on every wait
/// and the protocol log. It knows nothing about what commands mean. Any I/O failure or deadline
/// closes it for good, because after a lost or half-read reply the conversation cannot be trusted.
/// </summary>
internal sealed class FtpControlConnection : IDisposable
{
    private static readonly Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);

    private readonly Socket _socket;
    private readonly TimeSpan _timeout;
    private readonly IProtocolLog? _log;
    private readonly FtpIoWatchdog _watchdog;
    private readonly ShortPoll _poll;
    private Stream _stream;
    private byte[] _buffer = new byte[4096];
    private int _start;
    private int _end;
    private bool _closed;
    private int _closedReported;
    private ConnectionLostException? _lostBecause;

    private FtpControlConnection(Socket socket, TimeSpan timeout, IProtocolLog? log)
    {
        _socket = socket;
        _timeout = timeout;
        _log = log;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _watchdog = new FtpIoWatchdog(socket.Dispose);
        _poll = new ShortPoll(socket);
        LocalEndPoint = (IPEndPoint)socket.LocalEndPoint!;
        RemoteEndPoint = (IPEndPoint)socket.RemoteEndPoint!;
    }

    public IPEndPoint LocalEndPoint { get; }

    public IPEndPoint RemoteEndPoint { get; }

    public SslStream? Tls => _stream as SslStream;

    public bool IsClosed => _closed;

    /// <summary>The server's last reply came within <see cref="ShortPoll.LimitMicroseconds"/>: it is near (loopback, a LAN).</summary>
    public bool AnswersQuickly => _stream is NetworkStream && _poll.AnsweredQuickly;

    public TimeSpan Timeout => _timeout;

    /// <summary>Reads of this connection whose bytes were there within the short poll (tests).</summary>
    internal int QuickReads => _poll.Hits;

    /// <summary>Reads of this connection that waited longer than the short poll (tests).</summary>
    internal int LateReads => _poll.Misses;

    /// <summary>Bytes received on the socket and not yet read from it, TLS records included (tests).</summary>
    internal int BytesWaitingOnSocket => _socket.Available;

    public static async Task<FtpControlConnection> ConnectAsync(ConnectionOptions options, CancellationToken cancellationToken)
    {
        var socket = await FtpSockets.ConnectAsync(options.Host, options.EffectivePort, options.ConnectTimeout, cancellationToken, options.Proxy, options.Log).ConfigureAwait(false);

        // Idle while a data connection carries a file: kept known to NAT gateways and firewalls along the way.
        TcpKeepAlive.Enable(socket);
        var connection = new FtpControlConnection(socket, options.OperationTimeout, options.Log);
        if (options.Proxy is null)
        {
            // Through a proxy, ProxyTunnel has said where the connection goes.
            connection.Log(LogDirection.Info, $"Connected to {connection.RemoteEndPoint} from {connection.LocalEndPoint}.");
        }

        return connection;
    }

    /// <summary>Wraps the connection in TLS: right away for implicit FTPS, after 234 for AUTH TLS (RFC 4217 §4).</summary>
    public async Task StartTlsAsync(FtpTlsContext tls, CancellationToken cancellationToken)
    {
        if (_end > _start)
        {
            // RFC 4217 §4: nothing may follow the 234 in clear text; bytes here would be injected.
            throw Lost(new ProtocolViolationException("The server sent clear-text data after agreeing to start TLS."));
        }

        try
        {
#if NET8_0_OR_GREATER
            // The TLS stream reads through a short poll, as the plain connection does (see PolledReadStream).
            var inner = new PolledReadStream(_stream, _poll);
#else
            var inner = _stream;
#endif
            _stream = await tls.AuthenticateAsync(inner, _socket, _timeout, cancellationToken, clientCertificateHint: true).ConfigureAwait(false);
        }
        catch
        {
            Close();
            throw;
        }

        Log(LogDirection.Info, $"TLS established: {FtpTlsContext.ProtocolName(Tls!)}, {FtpTlsContext.CipherName(Tls!)}.");
        if (tls.TakeNote() is { } note)
        {
            Log(LogDirection.Info, note);
        }
    }

    /// <summary>Sends one command. Line breaks inside it are refused: they would smuggle in a second command.</summary>
    public Task SendAsync(string command, CancellationToken cancellationToken)
    {
        CheckCommand(command);
        ThrowIfClosed();
        Log(LogDirection.Sent, Mask(command));
        return WriteAsync(Utf8.GetBytes(command + "\r\n"), Verb(command), cancellationToken);
    }

    /// <summary>
    /// Sends commands in one write, without waiting for an answer in between; their replies come back in order (RFC
    /// 959 §5.4 replies to each command in turn). For servers known to read one line at a time.
    /// </summary>
    public Task SendAsync(IReadOnlyList<string> commands, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        foreach (var command in commands)
        {
            CheckCommand(command);
            text.Append(command).Append("\r\n");
        }

        ThrowIfClosed();
        foreach (var command in commands)
        {
            Log(LogDirection.Sent, Mask(command));
        }

        return WriteAsync(Utf8.GetBytes(text.ToString()), string.Join(", ", commands.Select(Verb)), cancellationToken);
    }

    private async Task WriteAsync(byte[] bytes, string verbs, CancellationToken cancellationToken)
    {
        using var registration = cancellationToken.Register(static state => ((FtpControlConnection)state!).Close(), this);
        _watchdog.Arm(_timeout);
        try
        {
            await _stream.WriteAsync(bytes, 0, bytes.Length, cancellationToken).ConfigureAwait(false);
            await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsIoFailure(ex))
        {
            throw Failed(ex, "sending " + verbs, cancellationToken);
        }
        finally
        {
            _watchdog.Disarm();
        }
    }

    private static void CheckCommand(string command)
    {
        if (command.IndexOfAny(ForbiddenCharacters) >= 0)
        {
            throw new ArgumentException("An FTP command or path cannot contain line breaks or NUL characters.", nameof(command));
        }
    }

    /// <summary>Reads the next whole reply, waiting at most the operation timeout (or <paramref name="timeout"/>) for each read.</summary>
    public async Task<FtpReply> ReadReplyAsync(CancellationToken cancellationToken, TimeSpan? timeout = null) =>
        await ReadReplyAsync(cancellationToken, timeout, askedEarlier: false).ConfigureAwait(false);

    /// <summary>
    /// As <see cref="ReadReplyAsync(CancellationToken, TimeSpan?)"/>; with <paramref name="askedEarlier"/>, the reply to
    /// a command sent well before (it may have been waiting on the socket for a while), so how soon it is there says
    /// nothing about how near the server is: <see cref="AnswersQuickly"/> stays as it was.
    /// </summary>
    public async Task<FtpReply> ReadReplyAsync(CancellationToken cancellationToken, TimeSpan? timeout, bool askedEarlier)
    {
        ThrowIfClosed();
        var near = _poll.AnsweredQuickly;
        while (true)
        {
            try
            {
                var reply = FtpReplyParser.TryParse(new ReadOnlySpan<byte>(_buffer, _start, _end - _start), out var consumed);
                if (reply is not null)
                {
                    _start += consumed;
                    foreach (var line in reply.Lines)
                    {
                        Log(LogDirection.Received, line);
                    }

                    if (askedEarlier)
                    {
                        _poll.Remember(near);
                    }

                    return reply;
                }
            }
            catch (ProtocolViolationException ex)
            {
                throw Lost(ex);
            }

            await FillAsync(cancellationToken, timeout ?? _timeout).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Looks, without waiting and without sending anything, at a connection that nobody is using and that is owed no
    /// answer: whether the server has closed it (end of stream, reset, or on Linux a FIN behind bytes not yet read) or,
    /// on a plain connection, said unasked that it is closing (421, RFC 959 §4.2, as servers do before they drop an idle
    /// session). Either marks the connection lost, so that it can be made again before the next command instead of that
    /// command meeting the loss. On a TLS connection, bytes nobody asked for (a TLS message after the last reply) cannot
    /// be read without taking them and are left to the next reply's read. Returns whether the connection is still open.
    /// </summary>
    public bool StillOpenWhileIdle()
    {
        if (_closed)
        {
            return false;
        }

        bool readable;
        int waiting;
        try
        {
            readable = _socket.Poll(0, SelectMode.SelectRead);
            waiting = readable ? _socket.Available : 0;
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            (readable, waiting) = (true, 0);
        }

        if (readable && (waiting == 0 || !TcpSaysEstablished(_socket)))
        {
            if (!IsClosingReply(Unread(waiting)))
            {
                Lost(new ConnectionLostException("The server closed the connection while it was not in use."));
            }

            return false;
        }

        return !IsClosingReply(Unread(waiting));
    }

    /// <summary>The bytes received and not yet taken: those buffered here, and on a plain connection those on the socket.</summary>
    private ArraySegment<byte> Unread(int waiting)
    {
        var onSocket = _stream is NetworkStream ? waiting : 0;
        if (_end == _start && onSocket == 0)
        {
            return default;
        }

        var unread = new byte[Math.Min((_end - _start) + onSocket, 2048)];
        var buffered = Math.Min(_end - _start, unread.Length);
        Buffer.BlockCopy(_buffer, _start, unread, 0, buffered);
        var peeked = 0;
        if (unread.Length > buffered)
        {
            try
            {
                peeked = _socket.Receive(unread, buffered, unread.Length - buffered, SocketFlags.Peek);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                // Nothing more to learn here; the next read reports the failure.
            }
        }

        return new ArraySegment<byte>(unread, 0, buffered + peeked);
    }

    /// <summary>
    /// False when the kernel says the TCP connection is no longer established (the peer's FIN or reset arrived, even
    /// behind bytes not yet read); true where it cannot say (only Linux is asked, with TCP_INFO).
    /// </summary>
    private static bool TcpSaysEstablished(Socket socket)
    {
#if NET8_0_OR_GREATER
        if (OperatingSystem.IsLinux())
        {
            // struct tcp_info (linux/tcp.h) starts with tcpi_state; TCP_ESTABLISHED is 1.
            Span<byte> info = stackalloc byte[8];
            try
            {
                return socket.GetRawSocketOption(6 /* IPPROTO_TCP */, 11 /* TCP_INFO */, info) < 1 || info[0] == 1;
            }
            catch (SocketException)
            {
                return true;
            }
        }
#endif
        return true;
    }

    /// <summary>Whether these unread bytes are a whole 421 reply; if so the connection is marked lost with it.</summary>
    private bool IsClosingReply(ArraySegment<byte> unread)
    {
        FtpReply? reply;
        try
        {
            reply = unread.Count < 4 ? null : FtpReplyParser.TryParse(new ReadOnlySpan<byte>(unread.Array, unread.Offset, unread.Count), out _);
        }
        catch (ProtocolViolationException)
        {
            reply = null;
        }

        if (reply?.Code != FtpReplyCode.ServiceNotAvailable)
        {
            return false;
        }

        foreach (var line in reply.Lines)
        {
            Log(LogDirection.Received, line);
        }

        Lost(new ConnectionLostException($"The server closed the session: {FtpReplyParser.Printable(reply.ToString(), 300)}"));
        return true;
    }

    public async Task<FtpReply> ExecuteAsync(string command, CancellationToken cancellationToken)
    {
        await SendAsync(command, cancellationToken).ConfigureAwait(false);
        return await ReadReplyAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Log(LogDirection direction, string message) => _log?.Write(direction, message);

    /// <summary>
    /// Called once, when the connection is first closed (lost, cut by a cancellation, or ended after QUIT), with the
    /// reason when it was lost (<see cref="Lost"/>).
    /// </summary>
    public Action<ConnectionLostException?>? Closed { get; set; }

    /// <summary>Marks the connection dead and closes it; further use throws <see cref="ConnectionLostException"/>.</summary>
    public void Close()
    {
        _closed = true;
        _socket.Dispose();
        if (Interlocked.Exchange(ref _closedReported, 1) == 0)
        {
            Closed?.Invoke(_lostBecause);
        }
    }

    public void Dispose()
    {
        Close();
        _stream.Dispose();
        _watchdog.Dispose();
    }

    /// <summary>
    /// What a use of the closed connection throws: a connection that was lost says so, and why, every time it is used
    /// again (a batch's later files).
    /// </summary>
    public ConnectionLostException Unusable() => _lostBecause is { } why
        ? new ConnectionLostException($"The FTP session is no longer usable: {why.Message}", why)
        : new ConnectionLostException("The FTP session's connection is closed; connect again.");

    /// <summary>Closes the connection and returns the exception to throw.</summary>
    public ConnectionLostException Lost(ConnectionLostException exception)
    {
        _lostBecause ??= exception;
        Close();
        Log(LogDirection.Info, exception.Message);
        return exception;
    }

    /// <summary>The text of a command for the log, with secrets replaced (PASS ***, ACCT ***).</summary>
    public static string Mask(string command)
    {
        var verb = Verb(command);
        return verb is "PASS" or "ACCT" ? verb + " ***" : command;
    }

    private static string Verb(string command)
    {
        var space = command.IndexOf(' ');
        return (space < 0 ? command : command.Substring(0, space)).ToUpperInvariant();
    }

    private static readonly char[] ForbiddenCharacters = { '\r', '\n', '\0' };

    private async Task FillAsync(CancellationToken cancellationToken, TimeSpan timeout)
    {
        if (_start == _end)
        {
            _start = _end = 0;
        }

        if (_end == _buffer.Length)
        {
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            else
            {
                // The parser refuses anything past its limits before the buffer would grow beyond them.
                var larger = new byte[Math.Min(_buffer.Length * 2, FtpReplyParser.MaxReplyLength + FtpReplyParser.MaxLineLength)];
                Buffer.BlockCopy(_buffer, 0, larger, 0, _end);
                _buffer = larger;
            }
        }

        int read;
        using var registration = cancellationToken.Register(static state => ((FtpControlConnection)state!).Close(), this);
        _watchdog.Arm(timeout);
        try
        {
            // Only where nothing is buffered above the socket: a TLS stream may hold a record already received, so
            // under TLS the wait is the stream's own, below the TLS layer (PolledReadStream). A near server's reply
            // that is late this once is waited for on a thread of its own, so that the socket stays out of the
            // runtime's event loop (where each of its events would cost a pool work item); the deadline and
            // cancellation close the socket, which ends that wait too.
            if (_stream is NetworkStream && _poll.Wait() == ShortPollOutcome.Late)
            {
                await _poll.WaitOnOwnThreadAsync().ConfigureAwait(false);
            }

            read = await _stream.ReadAsync(_buffer, _end, _buffer.Length - _end, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsIoFailure(ex))
        {
            throw Failed(ex, "waiting for a reply", cancellationToken, timeout);
        }
        finally
        {
            _watchdog.Disarm();
        }

        if (read == 0)
        {
            PeerEnded = true;
            throw Lost(new ConnectionLostException("The server closed the control connection."));
        }

        _end += read;
    }

    private Exception Failed(Exception ex, string activity, CancellationToken cancellationToken, TimeSpan? waited = null)
    {
        // Lost() records why before it closes, so that what waited on the connection (renames whose answers are owed)
        // learns the cause.
        if (cancellationToken.IsCancellationRequested)
        {
            _lostBecause ??= new ConnectionLostException("The operation was cancelled, so the FTP session was closed.", ex);
            Close();
            return new OperationCanceledException("The operation was cancelled; the FTP session is closed because its reply was not read.", ex, cancellationToken);
        }

        if (_watchdog.Expired)
        {
            return Lost(new ConnectionLostException($"The server did not respond within {(waited ?? _timeout).TotalSeconds:0.#} s ({activity}).", ex));
        }

        PeerEnded = true;
        return Lost(new ConnectionLostException($"The control connection was lost ({activity}): {IoFailureText.Of(ex)}", ex));
    }

    /// <summary>
    /// True once the connection ended from the other side without a reply saying so: closed, reset, or broken
    /// (not a timeout, not a cancellation, not a 421).
    /// </summary>
    public bool PeerEnded { get; private set; }

    private void ThrowIfClosed()
    {
        if (_closed)
        {
            throw Unusable();
        }
    }

    private static bool IsIoFailure(Exception ex) =>
        ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException or AuthenticationException;
}
