using System;
using System.IO;
using System.Net.Security;
using System.Net.Sockets;
using System.Reflection;
using System.Security.Authentication;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;

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
    private int _disposed;

    public FtpDataConnection(Socket socket, Stream stream, TimeSpan timeout)
    {
        _socket = socket;
        _stream = stream;
        _timeout = timeout;
        _watchdog = new FtpIoWatchdog(socket.Dispose);
    }

    public bool IsTls => _stream is SslStream;

    public async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        _watchdog.Arm(_timeout);
        try
        {
            return await _stream.ReadAsync(buffer, offset, count, cancellationToken).ConfigureAwait(false);
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
            await _stream.WriteAsync(buffer, offset, count, cancellationToken).ConfigureAwait(false);
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
            return await _stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
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
            await _stream.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
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
            return _stream.Read(buffer, offset, count);
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
            _stream.Write(buffer, offset, count);
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
        _watchdog.Arm(_timeout);
        try
        {
            await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            if (_stream is SslStream ssl)
            {
                await SendCloseNotifyAsync(ssl).ConfigureAwait(false);
            }

            _socket.Shutdown(SocketShutdown.Send);
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

    private ConnectionLostException Failed(Exception ex, string activity)
    {
        Dispose();
        return _watchdog.Expired
            ? new ConnectionLostException($"The data connection stalled: nothing moved for {_timeout.TotalSeconds:0.#} s while {activity}.", ex)
            : new ConnectionLostException($"The data connection failed while {activity}: {ex.Message}", ex);
    }

    private static bool IsIoFailure(Exception ex) =>
        ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException or AuthenticationException;
}
