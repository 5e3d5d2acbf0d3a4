using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;
using FtpTools.Core.Logging;

namespace FtpTools.Core;

/// <summary>
/// Keeps one user-facing session usable across lost connections: before an operation starts (<see cref="ReadyAsync(CancellationToken)"/>),
/// a session found lost, or one that has been idle and does not answer a keep-alive probe, is replaced by a new
/// connection made exactly as the first one was (same options, so the same certificate and host-key checks), and the
/// working directory is restored. An <see cref="IRemoteSession"/> itself is never revived; the keeper swaps it.
/// <para>
/// Only the start of an operation reconnects, so nothing the server may already have done is repeated behind the
/// caller's back; a caller that knows an operation can safely run again (a transfer, which never puts a partial file
/// under its final name) may call <see cref="ReadyAsync(CancellationToken)"/> again after a <see cref="ConnectionLostException"/> and
/// repeat it. Trust and login failures are never retried: a changed host key stays a changed host key.
/// </para>
/// <para>Threading: <see cref="ReadyAsync(CancellationToken)"/> may be called from any thread; reconnections are serialised.</para>
/// </summary>
public sealed class SessionKeeper : IAsyncDisposable
{
    /// <summary>A session idle for longer than this is probed (NOOP, keepalive@openssh.com) before it is used.</summary>
    public static readonly TimeSpan DefaultProbeAfterIdle = TimeSpan.FromSeconds(15);

    private readonly Func<CancellationToken, Task<IRemoteSession>> _connect;
    private readonly IProtocolLog? _log;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IRemoteSession _current;
    private long _lastUsed;
    private int _reconnects;
    private int _closed;

    /// <param name="session">The session as first connected.</param>
    /// <param name="connect">Opens a new session exactly as <paramref name="session"/> was opened.</param>
    /// <param name="attempts">Connection attempts per reconnection; 0 never reconnects.</param>
    /// <param name="delay">Pause between two attempts of one reconnection.</param>
    /// <param name="log">Where reconnections are told (the session's protocol log).</param>
    public SessionKeeper(IRemoteSession session, Func<CancellationToken, Task<IRemoteSession>> connect, int attempts, TimeSpan delay, IProtocolLog? log)
    {
        if (attempts < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(attempts), attempts, "The number of reconnection attempts cannot be negative.");
        }

        _current = session ?? throw new ArgumentNullException(nameof(session));
        _connect = connect ?? throw new ArgumentNullException(nameof(connect));
        Attempts = attempts;
        Delay = delay;
        _log = log;
        Touch();
    }

    /// <summary>The session in use now; another one after a reconnection.</summary>
    public IRemoteSession Current => Volatile.Read(ref _current);

    /// <summary>Connection attempts per reconnection; 0 means a lost session stays lost.</summary>
    public int Attempts { get; }

    public TimeSpan Delay { get; }

    /// <summary>How often the session was reconnected.</summary>
    public int Reconnects => Volatile.Read(ref _reconnects);

    /// <summary>True once <see cref="CloseAsync"/> or <see cref="DisposeAsync"/> ran.</summary>
    public bool Closed => Volatile.Read(ref _closed) != 0;

    /// <summary>Whether the next <see cref="ReadyAsync(CancellationToken)"/> may replace a lost session.</summary>
    public bool CanReconnect => Attempts > 0 && !Closed;

    /// <summary>Idle time after which <see cref="ReadyAsync(CancellationToken)"/> probes the session first (tests shorten it).</summary>
    public TimeSpan ProbeAfterIdle { get; set; } = DefaultProbeAfterIdle;

    /// <summary>Marks the session as just used (after an operation ended), so an idle probe counts from here.</summary>
    public void Touch() => Volatile.Write(ref _lastUsed, Stopwatch.GetTimestamp());

    /// <summary>
    /// The session to run the next operation on. With reconnection on: a lost session, or an idle one whose probe
    /// finds it lost, is replaced first. Throws <see cref="ConnectionLostException"/> when every attempt failed,
    /// and the first attempt's <see cref="AuthenticationFailedException"/>, <see cref="TrustFailureException"/> or
    /// <see cref="ProtocolViolationException"/> as it is. With reconnection off, returns the session as it is.
    /// </summary>
    public Task<IRemoteSession> ReadyAsync(CancellationToken cancellationToken) => ReadyAsync(null, cancellationToken);

    /// <summary>As <see cref="ReadyAsync(CancellationToken)"/>; a new connection is also told to <paramref name="warn"/>.</summary>
    public async Task<IRemoteSession> ReadyAsync(Action<string>? warn, CancellationToken cancellationToken)
    {
        var before = Reconnects;
        var session = await ReadyCoreAsync(cancellationToken).ConfigureAwait(false);
        if (Reconnects != before)
        {
            warn?.Invoke($"The connection to {session.Host}:{session.Port} had been lost and was made again; working directory {session.CurrentDirectory}.");
        }

        return session;
    }

    /// <summary>
    /// Runs one command's <paramref name="work"/> on the session made ready for it. Work that only reads, or that is
    /// otherwise safe to do twice (<paramref name="repeatable"/>), and that loses its connection runs once more on a
    /// new one: a server that closed the connection since the last command is often noticed only by the next
    /// command's first request. So does any work whose loss showed before it sent anything
    /// (<see cref="ConnectionLostException.BeforeRequest"/>). Other work that loses its connection fails with the
    /// loss; the next call reconnects.
    /// What happens to the connection is told to <paramref name="warn"/>.
    /// </summary>
    public async Task RunAsync(Func<IRemoteSession, CancellationToken, Task> work, bool repeatable, Action<string>? warn, CancellationToken cancellationToken)
    {
        if (work is null)
        {
            throw new ArgumentNullException(nameof(work));
        }

        var session = await ReadyAsync(warn, cancellationToken).ConfigureAwait(false);
        var entered = (session as IOperationCount)?.OperationsEntered;
        try
        {
            try
            {
                await work(session, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when ((repeatable || NothingSent(ex, session, entered)) && WorthAnotherTry(ex, cancellationToken))
            {
                session = await AgainAfterLossAsync(ex, "the command", warn, cancellationToken).ConfigureAwait(false);
                await work(session, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            Touch();
        }
    }

    /// <summary>
    /// Whether <paramref name="failure"/> showed before the work sent anything: its connection was found lost before
    /// a request (<see cref="ConnectionLostException.BeforeRequest"/>), and no operation at all got as far as sending
    /// one on <paramref name="session"/> since the work started (<paramref name="entered"/>: a work of several requests
    /// whose first ones went is not run again, nor one beside another command's operations on the same session).
    /// </summary>
    private static bool NothingSent(Exception failure, IRemoteSession session, long? entered) =>
        failure is ConnectionLostException { BeforeRequest: true }
        && entered is long before
        && session is IOperationCount count
        && count.OperationsEntered == before;

    /// <summary>
    /// After <paramref name="failure"/> of something safe to do twice (see <see cref="WorthAnotherTry"/>, which the caller
    /// checked): says that <paramref name="what"/> goes again and returns the new connection to do it on.
    /// </summary>
    public Task<IRemoteSession> AgainAfterLossAsync(Exception failure, string what, Action<string>? warn, CancellationToken cancellationToken)
    {
        if (failure is null)
        {
            throw new ArgumentNullException(nameof(failure));
        }

        warn?.Invoke($"The connection was lost: {failure.Message} Running {what} again on a new connection.");
        return ReadyAsync(warn, cancellationToken);
    }

    private async Task<IRemoteSession> ReadyCoreAsync(CancellationToken cancellationToken)
    {
        ThrowIfClosed();
        var session = Current;
        if (!CanReconnect)
        {
            return session;
        }

        ConnectionLostException? lost = null;
        if (session.IsConnected && Stopwatch.GetTimestamp() - Volatile.Read(ref _lastUsed) > ProbeAfterIdle.TotalSeconds * Stopwatch.Frequency)
        {
            try
            {
                await session.KeepAliveAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (ConnectionLostException ex) when (!cancellationToken.IsCancellationRequested)
            {
                lost = ex;
            }
            catch (CommandRefusedException)
            {
                // A refusal is an answer: the connection is alive.
            }
        }

        if (session.IsConnected && lost is null)
        {
            Touch();
            return session;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfClosed();
            if (!ReferenceEquals(session, Current))
            {
                // Another caller reconnected meanwhile.
                return Current;
            }

            var replacement = await ReconnectAsync(session, lost, cancellationToken).ConfigureAwait(false);
            if (Closed)
            {
                // Closed while the new connection was being made: it is nobody's.
                await DisposeQuietlyAsync(replacement).ConfigureAwait(false);
                ThrowIfClosed();
            }

            Volatile.Write(ref _current, replacement);
            Interlocked.Increment(ref _reconnects);
            Touch();
            await DisposeQuietlyAsync(session).ConfigureAwait(false);
            return replacement;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Whether an operation that failed with <paramref name="failure"/> may run once more after <see cref="ReadyAsync(CancellationToken)"/>:
    /// the connection was lost (not refused, not a protocol violation), reconnecting is on, and nobody cancelled.
    /// Only for operations that are safe to repeat, such as a transfer, which never leaves a partial file under its
    /// final name.
    /// </summary>
    public bool WorthAnotherTry(Exception failure, CancellationToken cancellationToken) =>
        failure is ConnectionLostException and not ProtocolViolationException && CanReconnect && !cancellationToken.IsCancellationRequested;

    /// <summary>Says goodbye on the current session (when it is still connected) and closes it. Safe to call twice.</summary>
    public async Task CloseAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        var session = Current;
        try
        {
            if (session.IsConnected)
            {
                await session.DisconnectAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            await session.DisposeAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _closed, 1) == 0)
        {
            await Current.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task<IRemoteSession> ReconnectAsync(IRemoteSession old, ConnectionLostException? lost, CancellationToken cancellationToken)
    {
        var directory = old.CurrentDirectory;
        var why = lost?.Message ?? "The connection was found closed.";
        var session = await ConnectAgainAsync(old, why, cancellationToken).ConfigureAwait(false);
        try
        {
            if (!string.Equals(session.CurrentDirectory, directory, StringComparison.Ordinal))
            {
                await session.ChangeDirectoryAsync(directory, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            await DisposeQuietlyAsync(session).ConfigureAwait(false);
            if (ex is CommandRefusedException)
            {
                // Relative paths would name other files from the server's start directory: stop instead.
                throw new ConnectionLostException(
                    $"The connection to {old.Host}:{old.Port} was made again, but its working directory {directory} could not be restored: {ex.Message}",
                    ex);
            }

            throw;
        }

        _log?.Write(LogDirection.Info, $"Reconnected to {old.Host}:{old.Port}; working directory {session.CurrentDirectory}.");
        return session;
    }

    private async Task<IRemoteSession> ConnectAgainAsync(IRemoteSession old, string why, CancellationToken cancellationToken)
    {
        ConnectionLostException? last = null;
        for (var attempt = 1; attempt <= Attempts; attempt++)
        {
            if (attempt > 1 && Delay > TimeSpan.Zero)
            {
                await Task.Delay(Delay, cancellationToken).ConfigureAwait(false);
            }

            _log?.Write(LogDirection.Info, $"Reconnecting to {old.Host}:{old.Port} (attempt {attempt} of {Attempts}). {why}");
            try
            {
                return await _connect(cancellationToken).ConfigureAwait(false);
            }
            catch (ConnectionLostException ex) when (ex is not ProtocolViolationException && !cancellationToken.IsCancellationRequested)
            {
                // Unreachable for now (refused, timed out, dropped during the handshake): worth another attempt.
                // Logins and trust checks that fail are not: they throw from here as they are.
                last = ex;
            }
        }

        var times = Attempts == 1 ? "1 attempt" : $"{Attempts} attempts";
        throw new ConnectionLostException(
            $"The connection to {old.Host}:{old.Port} was lost and could not be made again in {times}: {last!.Message}",
            last);
    }

    private static async Task DisposeQuietlyAsync(IRemoteSession session)
    {
        try
        {
            await session.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is FtpToolsException or System.IO.IOException or ObjectDisposedException or OperationCanceledException)
        {
            // A dead connection's teardown has nothing left to say.
        }
    }

    private void ThrowIfClosed()
    {
        if (Closed)
        {
            throw new ObjectDisposedException(nameof(SessionKeeper), "The session was disconnected.");
        }
    }
}
