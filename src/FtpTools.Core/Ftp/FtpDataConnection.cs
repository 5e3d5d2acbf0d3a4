using System;
using System.IO;
using System.Net.Security;
using System.Net.Sockets;
using System.Reflection;
using System.Security.Authentication;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;
using FtpTools.Core.IO;

namespace FtpTools.Core.Ftp;

/// <summary>
/// One data connection (RFC 959 §3.2), plain or TLS-protected (RFC 4217 §9). Reads and writes go
/// straight to the socket stream with the caller's buffer: no copy, no per-chunk allocation. One
/// watchdog timer per connection puts the operation timeout on every wait.
/// </summary>
internal sealed class FtpDataConnection : IDisposable
{
    private readonly Socket _socket;
    private readonly Stream _stream;
    private readonly TimeSpan _timeout;
    private readonly FtpIoWatchdog _watchdog;
    private readonly ReadAheadStream? _gate;
    private readonly ShortPoll? _poll;
    private int _disposed;
    private Task? _drain;

    /// <param name="socket">The connected data socket; the watchdog closes it when a wait passes <paramref name="timeout"/>.</param>
    /// <param name="stream">The socket's stream, or the TLS stream over it.</param>
    /// <param name="timeout">The operation timeout for every wait.</param>
    /// <param name="tlsGate">Under a TLS <paramref name="stream"/>: the read-ahead that keeps it to one operation at a time.</param>
    /// <param name="readsBlocking">The socket was connected synchronously and is meant for <see cref="Read"/> alone.</param>
    /// <param name="pollFirst">
    /// A near server, a plain <paramref name="stream"/>: each asynchronous read first waits a moment in poll(2)
    /// (<see cref="ShortPoll"/>), so that a small file's data, which follows the 150 reply at once, is read without
    /// the runtime's event loop.
    /// </param>
    public FtpDataConnection(Socket socket, Stream stream, TimeSpan timeout, ReadAheadStream? tlsGate = null, bool readsBlocking = false, bool pollFirst = false)
    {
        _socket = socket;
        _stream = stream;
        _timeout = timeout;
        _watchdog = new FtpIoWatchdog(socket.Dispose);
        _gate = tlsGate;
        _gate?.EnableGate();
        ReadsBlocking = readsBlocking;
        _poll = pollFirst && stream is NetworkStream ? new ShortPoll(socket) : null;
    }

    public bool IsTls => _stream is SslStream;

    /// <summary>
    /// True when the socket has never been in non-blocking mode, so that <see cref="Read"/> is one blocking system
    /// call (see <see cref="IO.TcpConnector.ConnectAsync(System.Net.IPEndPoint, TimeSpan, CancellationToken, bool, bool)"/>).
    /// The first asynchronous call on the connection ends that for good.
    /// </summary>
    public bool ReadsBlocking { get; }

    /// <summary>
    /// For uploads over TLS: reads (and discards) what the server sends on the data connection
    /// while we write. With TLS 1.3 the server sends its session tickets there after the handshake,
    /// and OpenSSL drops the resumed session from the client cache once it is used (tickets are
    /// single-use, RFC 8446 §C.4); unless the new tickets are read, the next data connection cannot
    /// resume and vsftpd/proftpd refuse it (522/425). At the end it also receives the server's close_notify.
    /// </summary>
    public void StartDraining()
    {
        if (_stream is SslStream)
        {
            _drain = DrainAsync();
        }
    }

    public async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        _watchdog.Arm(_timeout);
        try
        {
            await EnterAsync().ConfigureAwait(false);
            try
            {
                _poll?.Wait();
                return await _stream.ReadAsync(buffer, offset, count, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _gate?.Exit();
            }
        }
        catch (Exception ex) when (IsIoFailure(ex) && !cancellationToken.IsCancellationRequested)
        {
            throw Failed(ex, "reading");
        }
        finally
        {
            _watchdog.Disarm();
        }
    }

    public async Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        _watchdog.Arm(_timeout);
        try
        {
            await EnterAsync().ConfigureAwait(false);
            try
            {
                await _stream.WriteAsync(buffer, offset, count, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _gate?.Exit();
            }
        }
        catch (Exception ex) when (IsIoFailure(ex) && !cancellationToken.IsCancellationRequested)
        {
            throw Failed(ex, "writing");
        }
        finally
        {
            _watchdog.Disarm();
        }
    }

#if NET8_0_OR_GREATER
    public async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        _watchdog.Arm(_timeout);
        try
        {
            await EnterAsync().ConfigureAwait(false);
            try
            {
                _poll?.Wait();
                return await _stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _gate?.Exit();
            }
        }
        catch (Exception ex) when (IsIoFailure(ex) && !cancellationToken.IsCancellationRequested)
        {
            throw Failed(ex, "reading");
        }
        finally
        {
            _watchdog.Disarm();
        }
    }

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken)
    {
        _watchdog.Arm(_timeout);
        try
        {
            await EnterAsync().ConfigureAwait(false);
            try
            {
                await _stream.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _gate?.Exit();
            }
        }
        catch (Exception ex) when (IsIoFailure(ex) && !cancellationToken.IsCancellationRequested)
        {
            throw Failed(ex, "writing");
        }
        finally
        {
            _watchdog.Disarm();
        }
    }
#endif

    public int Read(byte[] buffer, int offset, int count)
    {
        _watchdog.Arm(_timeout);
        try
        {
            _gate?.Enter();
            int read;
            try
            {
                read = _stream.Read(buffer, offset, count);
            }
            finally
            {
                _gate?.Exit();
            }

            // Closing the socket ends a blocking read in progress (the watchdog, or Dispose from another thread), and
            // on Unix that read may see the end of the stream rather than an error: it is not the end of the file.
            if (read == 0 && Volatile.Read(ref _disposed) != 0)
            {
                throw new ObjectDisposedException(nameof(FtpDataConnection), "The data connection was closed while reading.");
            }

            return read;
        }
        catch (Exception ex) when (IsIoFailure(ex))
        {
            throw Failed(ex, "reading");
        }
        finally
        {
            _watchdog.Disarm();
        }
    }

    public void Write(byte[] buffer, int offset, int count)
    {
        _watchdog.Arm(_timeout);
        try
        {
            _gate?.Enter();
            try
            {
                _stream.Write(buffer, offset, count);
            }
            finally
            {
                _gate?.Exit();
            }
        }
        catch (Exception ex) when (IsIoFailure(ex))
        {
            throw Failed(ex, "writing");
        }
        finally
        {
            _watchdog.Disarm();
        }
    }

    /// <summary>
    /// Ends our side of an upload properly: flush, TLS close_notify (RFC 4217 §9, so the server can
    /// tell the end of the file from a truncation), then a TCP FIN. The socket stays open until the
    /// caller has read the transfer's final reply: closing it earlier could reset the connection and
    /// make the server's kernel drop data it has received but not yet read.
    /// </summary>
    public async Task ShutdownAsync(CancellationToken cancellationToken)
    {
        await EndSendingAsync(cancellationToken).ConfigureAwait(false);
        await WaitForServerEndAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// An upload over TLS through a proxy sends its FIN only once the server has ended its side (or after
    /// <see cref="HalfCloseGrace"/>): the close_notify already tells the server where the file ends. Proxies take a
    /// client's FIN as the end of the tunnel and close it towards the server at once (tinyproxy, Squid), which can
    /// reset that connection before the server has read the last of the file; once the server has closed, nothing of
    /// the upload is left in flight. The FTP servers tested end their side on the close_notify alone.
    /// </summary>
    public bool HalfCloseAfterServer { get; init; }

    /// <summary>How long an upload with <see cref="HalfCloseAfterServer"/> waits for the server's end before it sends its FIN anyway.</summary>
    internal static readonly TimeSpan HalfCloseGrace = TimeSpan.FromSeconds(2);

    /// <summary>Where a note goes when <see cref="HalfCloseGrace"/> ran out (the session's protocol log).</summary>
    public Action<string>? Note { get; init; }

    private bool _finPending;

    /// <summary>The first half of <see cref="ShutdownAsync"/>: flush, close_notify, FIN; the server's side is not waited for.</summary>
    public async Task EndSendingAsync(CancellationToken cancellationToken)
    {
        _watchdog.Arm(_timeout);
        try
        {
            await EnterAsync().ConfigureAwait(false);
            try
            {
                await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                if (_stream is SslStream ssl)
                {
                    // Under the gate: the drain may be handling a session ticket, during which OpenSSL refuses a
                    // shutdown ("shutdown while in init") or, worse, two threads meet in one connection.
                    await SendCloseNotifyAsync(ssl).ConfigureAwait(false);
                }
            }
            finally
            {
                _gate?.Exit();
            }

            if (HalfCloseAfterServer && _drain is not null)
            {
                _finPending = true;
            }
            else
            {
                _socket.Shutdown(SocketShutdown.Send);
            }
        }
        catch (Exception ex) when (IsIoFailure(ex) && !cancellationToken.IsCancellationRequested)
        {
            throw Failed(ex, "closing");
        }
        finally
        {
            _watchdog.Disarm();
        }
    }

    /// <summary>
    /// The second half of <see cref="ShutdownAsync"/>: an upload's drain (<see cref="StartDraining"/>) reads on to the
    /// server's end of the connection, so the session tickets it sent are taken before the next data connection
    /// resumes the session; bounded by the operation timeout.
    /// </summary>
    public async Task WaitForServerEndAsync(CancellationToken cancellationToken)
    {
        if (_drain is null)
        {
            return;
        }

        _watchdog.Arm(_timeout);
        try
        {
            if (_finPending)
            {
                _finPending = false;
                if (await Task.WhenAny(_drain, Task.Delay(HalfCloseGrace, cancellationToken)).ConfigureAwait(false) != _drain)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    Note?.Invoke($"The server did not end the data connection within {HalfCloseGrace.TotalSeconds:0} s of the close_notify; ending ours.");
                }

                // Sent in any case, now that the server has ended or had its time: a server that waits for it before
                // its final reply gets it.
                try
                {
                    _socket.Shutdown(SocketShutdown.Send);
                }
                catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
                {
                    // The connection is gone already: nothing is left to end.
                }
            }

            await _drain.ConfigureAwait(false);
        }
        catch (Exception ex) when (IsIoFailure(ex) && !cancellationToken.IsCancellationRequested)
        {
            throw Failed(ex, "closing");
        }
        finally
        {
            _watchdog.Disarm();
        }
    }

    /// <summary>
    /// The same after a download has reached its end: the file is complete whatever happens now, so
    /// a peer that already closed its side does not make this fail.
    /// </summary>
    public async Task TryShutdownAsync(CancellationToken cancellationToken)
    {
        try
        {
            await ShutdownAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (DataConnectionFailedException)
        {
            Dispose();
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _watchdog.Dispose();
        _socket.Dispose();
        _stream.Dispose();
    }

    private async Task DrainAsync()
    {
        var buffer = new byte[512];
        try
        {
            while (true)
            {
                await EnterAsync().ConfigureAwait(false);
                int read;
                try
                {
                    read = await _stream.ReadAsync(buffer, 0, buffer.Length).ConfigureAwait(false);
                }
                finally
                {
                    _gate?.Exit();
                }

                if (read == 0)
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (IsIoFailure(ex))
        {
            // The upload's outcome is the server's final reply, not how its side of the connection ended.
        }
    }

#if NET8_0_OR_GREATER
    private static Task SendCloseNotifyAsync(SslStream ssl) => ssl.ShutdownAsync();
#else
    // SslStream.ShutdownAsync exists on .NET Framework 4.7+ and .NET Core 2.1+, but not in the
    // netstandard2.0 surface; the netstandard2.0 build finds it at run time. Without it the TCP FIN
    // still ends the upload, only without close_notify.
    private static readonly MethodInfo? ShutdownMethod = typeof(SslStream).GetMethod("ShutdownAsync", Type.EmptyTypes);

    private static Task SendCloseNotifyAsync(SslStream ssl) =>
        ShutdownMethod?.Invoke(ssl, null) as Task ?? Task.CompletedTask;
#endif

    /// <summary>
    /// Closes the connection and describes what happened. The transfer is lost but not the session: its
    /// caller reads the server's final reply (<see cref="FtpSession.DataConnectionFailedAsync"/>).
    /// </summary>
    private DataConnectionFailedException Failed(Exception ex, string activity)
    {
        Dispose();
        var stalled = _watchdog.Expired;
        return new DataConnectionFailedException(
            stalled
                ? $"The data connection stalled: nothing moved for {_timeout.TotalSeconds:0.#} s while {activity}."
                : $"The data connection failed while {activity}: {FtpErrors.Sentence(ex.Message)}",
            stalled,
            innerException: ex);
    }

    private static bool IsIoFailure(Exception ex) =>
        ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException or AuthenticationException
            or System.Security.Cryptography.CryptographicException;

    private Task EnterAsync() => _gate?.EnterAsync() ?? Task.CompletedTask;
}
