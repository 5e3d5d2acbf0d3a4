using System;
using System.Buffers;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;
using FtpTools.Core.IO;
using FtpTools.Core.Logging;
using FtpTools.Core.Ssh.Keys;

namespace FtpTools.Core.Ssh.Transport;

/// <summary>
/// The SSH transport layer (RFC 4253) over a connected stream: version exchange, binary packets, key
/// exchange and re-keying, and the generic messages. Threading: any number of concurrent senders (one send
/// lock; messages the upper layers send while a key exchange runs are queued and flushed after NEWKEYS,
/// RFC 4253 §7.1); exactly one receiver, which also drives every key exchange.
/// Buffers: the receive and send buffers are plain arrays owned by this instance for the connection's
/// lifetime (no pooling, so a late read after dispose can never touch someone else's memory); messages
/// queued during a key exchange are copied into ArrayPool arrays that the flush (or dispose) returns.
/// Timeouts: a watchdog closes the connection when a packet that has begun, a key exchange, or (while
/// <see cref="BoundIdleWaits"/> is set) any awaited packet takes longer than ConnectionOptions.OperationTimeout,
/// and when a write cannot complete in that time; the session is dead after that in any case.
/// <para>
/// Over a <see cref="BlockingSocketStream"/> (SSH over TCP on Unix) every read and write is a synchronous call on a
/// socket the runtime's event loop never sees: the connection layer's receive loop runs on a thread of its own
/// (<see cref="StartReceiveLoop"/>) and blocks in its reads; a read by anyone else (the version exchange, the first
/// key exchange, authentication) waits up to <see cref="ShortPoll.LimitMicroseconds"/> in poll(2) on its caller's
/// thread and otherwise reads on a thread of its own (<see cref="BlockingCall"/>); writes block their caller (under
/// the send lock, bounded by the write deadline). Deadlines, cancellation and dispose close the socket, which ends
/// a blocked call.
/// </para>
/// </summary>
internal sealed partial class SshTransport : ISshTransport
{
    private const int ReceiveBufferSize = 4 + SshPacketLimits.MaxPacketLength + SshPacketLimits.MaxTagLength + 32 * 1024;

    /// <summary>Packets before rekeying regardless of bytes, well before the 2^32 sequence wrap (RFC 4344 §3.1).</summary>
    private const long MaxPacketsPerKey = 1L << 31;

    private readonly Stream _stream;
    private readonly BlockingSocketStream? _blocking;
    private readonly TcpQuickAck _quickAck;
    private readonly ConnectionOptions _options;
    private readonly SshAlgorithmPreferences _preferences;
    private readonly Func<string, ReadOnlyMemory<byte>, CancellationToken, Task> _hostKeyVerifier;
    private readonly TimeSpan _timeout;
    private readonly long _timeoutTicks;
    private readonly Timer _watchdog;

    // Receiver state: touched only by the single receiver.
    private readonly byte[] _receiveBuffer = new byte[ReceiveBufferSize];
    private readonly SshPacketDecoder _decoder = new();
    private int _receiveStart;
    private int _receiveEnd;
    private long _bytesReceivedSinceKex;
    private Thread? _receiveThread;

    // Sender state: guarded by _sendLock.
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly SshPacketEncoder _encoder = new();
    private readonly List<(byte[] Buffer, int Length)> _queuedDuringKex = new();
    private byte[] _sendBuffer;
    private bool _kexInProgress;
    private SshKexInit? _ourKexInit;
    private byte[]? _ourKexInitPayload;
    private long _bytesSentSinceKex;

    private long _lastKexTimestamp = Stopwatch.GetTimestamp();
    private long _readDeadline;
    private long _writeDeadline;
    private volatile bool _timedOut;
    private ConnectionLostException? _timeoutFailure;
    private Exception? _failure;
    private int _disposed;

    private byte[]? _sessionId;
    private SshPublicKey? _hostKey;
    private bool _strictKex;
    private bool _initialKexDone;
    private IReadOnlyList<string>? _serverSignatureAlgorithms;

    private SshTransport(Stream stream, ConnectionOptions options, SshAlgorithmPreferences preferences, Func<string, ReadOnlyMemory<byte>, CancellationToken, Task> hostKeyVerifier)
    {
        _stream = stream;
        _blocking = stream as BlockingSocketStream;
        _quickAck = TcpQuickAck.For(stream);
        _options = options;
        _preferences = preferences;
        _hostKeyVerifier = hostKeyVerifier;
        _timeout = options.OperationTimeout;
        _timeoutTicks = (long)(_timeout.TotalSeconds * Stopwatch.Frequency);
        _sendBuffer = new byte[_encoder.MaxEncodedLength(64 * 1024 + 256)];
        var period = TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(50).Ticks, Math.Min(TimeSpan.FromSeconds(1).Ticks, _timeout.Ticks / 4)));
        _watchdog = new Timer(static state => ((SshTransport)state!).CheckDeadlines(), this, period, period);
    }

    public ReadOnlyMemory<byte> SessionId => _sessionId ?? throw new InvalidOperationException("No key exchange has completed.");

    public IReadOnlyList<string>? ServerSignatureAlgorithms => Volatile.Read(ref _serverSignatureAlgorithms);

    public IProtocolLog? Log => _options.Log;

    /// <summary>The server's identification string (V_S), without CR LF.</summary>
    public string ServerVersion { get; private set; } = "";

    /// <summary>The algorithms of the most recent key exchange.</summary>
    public SshNegotiatedAlgorithms? Negotiated { get; private set; }

    /// <summary>The server's host key from the first key exchange; re-keys must present the same key.</summary>
    public SshPublicKey HostKey => _hostKey ?? throw new InvalidOperationException("No key exchange has completed.");

    /// <summary>Completed key exchanges, the initial one included.</summary>
    public int KeyExchangeCount { get; private set; }

    /// <summary>Whether the server agreed to strict key exchange (OpenSSH PROTOCOL §1.10).</summary>
    public bool StrictKex => _strictKex;

    public bool IsConnected => Volatile.Read(ref _failure) is null && Volatile.Read(ref _disposed) == 0;

    /// <summary>
    /// When set (the default, used during authentication), waiting for any packet is bounded by the operation
    /// timeout. The connection layer clears it: an idle session may legitimately receive nothing for hours,
    /// and it bounds its own waits for replies.
    /// </summary>
    public bool BoundIdleWaits { get; set; } = true;

    /// <summary>Whether reads and writes are blocking calls on a socket outside the runtime's event loop (see the class remarks).</summary>
    internal bool ReadsBlocking => _blocking is not null;

    /// <summary>
    /// Starts the single receiver's loop: over a <see cref="BlockingSocketStream"/> on a thread of its own, which then
    /// blocks in its reads and, should it need the send lock, waits for it there; otherwise on the thread pool.
    /// </summary>
    internal Task StartReceiveLoop(Func<Task> loop)
    {
        if (_blocking is null)
        {
            return Task.Run(loop);
        }

        var done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            _receiveThread = Thread.CurrentThread;
            try
            {
                // The loop's awaits complete on this thread (its reads block, its sends wait for the lock here);
                // should one still yield, the loop goes on elsewhere and its reads go to BlockingCall.
                loop().GetAwaiter().GetResult();
                done.TrySetResult(true);
            }
#pragma warning disable CA1031 // Handed to whoever awaits the loop, as Task.Run would.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                done.TrySetException(ex);
            }
        })
        {
            IsBackground = true,
            Name = "FtpTools SSH receive",
        };
        thread.Start();
        return done.Task;
    }

    /// <summary>The socket of a <see cref="BlockingSocketStream"/>, else null (tests).</summary>
    internal Socket? BlockingSocket => _blocking?.BlockingSocket;

    /// <summary>The name of the receive loop's own thread once it runs, else null (tests).</summary>
    internal string? ReceiveThreadName => Volatile.Read(ref _receiveThread)?.Name;

    private bool OnReceiveThread => _receiveThread is { } thread && ReferenceEquals(thread, Thread.CurrentThread);

    /// <summary>Takes the send lock: on the receive thread by waiting there (it must not leave its thread), elsewhere asynchronously.</summary>
    private ValueTask EnterSendLockAsync(CancellationToken cancellationToken)
    {
        if (OnReceiveThread)
        {
            _sendLock.Wait(cancellationToken);
            return default;
        }

        return new ValueTask(_sendLock.WaitAsync(cancellationToken));
    }

    /// <summary>Runs the version exchange and the first key exchange over a connected stream. Disposes the stream on failure.</summary>
    public static async Task<SshTransport> ConnectAsync(
        Stream stream,
        ConnectionOptions options,
        SshAlgorithmPreferences preferences,
        Func<string, ReadOnlyMemory<byte>, CancellationToken, Task> hostKeyVerifier,
        CancellationToken cancellationToken)
    {
        var transport = new SshTransport(stream, options, preferences, hostKeyVerifier);
        try
        {
            await transport.ExchangeVersionsAsync(cancellationToken).ConfigureAwait(false);
            await transport.InitialKeyExchangeAsync(cancellationToken).ConfigureAwait(false);
            return transport;
        }
        catch (Exception ex)
        {
            var mapped = transport.Fail(ex);
            await transport.DisposeAsync().ConfigureAwait(false);
            if (ReferenceEquals(mapped, ex))
            {
                throw;
            }

            throw mapped;
        }
    }

    /// <inheritdoc />
    public async ValueTask SendAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        if (payload.Length == 0)
        {
            throw new ArgumentException("A message needs at least its message number.", nameof(payload));
        }

        var number = payload.Span[0];
        if (number is >= (byte)SshMessageNumber.SSH_MSG_KEXINIT and < 50)
        {
            throw new ArgumentException($"Message {number} belongs to the transport's key exchange; the layers above cannot send it.", nameof(payload));
        }

        if (payload.Length > SshPacketLimits.MaxOutgoingPayload)
        {
            throw new ArgumentException($"A message of {payload.Length} bytes exceeds the packet limit.", nameof(payload));
        }

        ThrowIfDead();
        await EnterSendLockAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfDead();
            if (_kexInProgress && !MayBeSentDuringKex(number))
            {
                // RFC 4253 §7.1: after our KEXINIT only transport and kex messages until our NEWKEYS.
                var copy = ArrayPool<byte>.Shared.Rent(payload.Length);
                payload.Span.CopyTo(copy);
                _queuedDuringKex.Add((copy, payload.Length));
                return;
            }

            await WritePacketLockedAsync(payload, cancellationToken).ConfigureAwait(false);
            if (RekeyDue())
            {
                await SendKexInitLockedAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is not ArgumentException)
        {
            throw Rethrowable(ex);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <inheritdoc />
    public async ValueTask<ReadOnlyMemory<byte>> ReceiveAsync(CancellationToken cancellationToken)
    {
        ThrowIfDead();
        try
        {
            while (true)
            {
                var payload = await ReadPacketAsync(BoundIdleWaits, cancellationToken).ConfigureAwait(false);
                var number = payload.Span[0];
                switch (number)
                {
                    case (byte)SshMessageNumber.SSH_MSG_DISCONNECT:
                        throw Disconnected(payload);
                    case (byte)SshMessageNumber.SSH_MSG_IGNORE:
                        continue;
                    case (byte)SshMessageNumber.SSH_MSG_DEBUG:
                        LogDebugMessage(payload);
                        continue;
                    case (byte)SshMessageNumber.SSH_MSG_UNIMPLEMENTED:
                        throw Unimplemented(payload);
                    case (byte)SshMessageNumber.SSH_MSG_EXT_INFO:
                        ParseExtInfo(payload);
                        continue;
                    case (byte)SshMessageNumber.SSH_MSG_KEXINIT:
                        await RunKeyExchangeAsync(payload.ToArray(), cancellationToken).ConfigureAwait(false);
                        continue;
                }

                if (number is >= (byte)SshMessageNumber.SSH_MSG_KEXINIT and < 50)
                {
                    throw new ProtocolViolationException($"The server sent key exchange message {number} outside a key exchange.");
                }

                if (RekeyDue())
                {
                    await StartRekeyAsync(cancellationToken).ConfigureAwait(false);
                }

                return payload;
            }
        }
        catch (Exception ex)
        {
            throw Rethrowable(ex);
        }
    }

    /// <summary>Starts a key exchange from our side (RFC 4253 §9); the receiver completes it.</summary>
    public async Task StartRekeyAsync(CancellationToken cancellationToken)
    {
        ThrowIfDead();
        await EnterSendLockAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_kexInProgress)
            {
                await SendKexInitLockedAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            throw Rethrowable(ex);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Sends SSH_MSG_DISCONNECT (best effort, bounded) and closes the connection.</summary>
    public async Task DisconnectAsync(CancellationToken cancellationToken)
    {
        if (IsConnected && await _sendLock.WaitAsync(TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false))
        {
            try
            {
                // RFC 4253 §11.1, reason SSH_DISCONNECT_BY_APPLICATION (11).
                var message = new SshWriter(64).WriteByte((byte)SshMessageNumber.SSH_MSG_DISCONNECT)
                    .WriteUInt32(11).WriteString("closed by the client").WriteString("").WrittenMemory;
                await WritePacketLockedAsync(message, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException or FtpToolsException or SocketException or OperationCanceledException)
            {
                // The connection is going away anyway; a failed goodbye changes nothing.
            }
            finally
            {
                _sendLock.Release();
            }
        }

        await DisposeAsync().ConfigureAwait(false);
    }

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Interlocked.CompareExchange(ref _failure, new ConnectionLostException("The SSH connection was closed by the client."), null);
            Abort();
            lock (_queuedDuringKex)
            {
                foreach (var (buffer, _) in _queuedDuringKex)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }

                _queuedDuringKex.Clear();
            }
        }

        return default;
    }

    private static bool MayBeSentDuringKex(byte number) =>
        number is >= 1 and <= 4 || number is >= 20 and < 50;

    private bool RekeyDue()
    {
        if (!_initialKexDone || _kexInProgress)
        {
            return false;
        }

        var limit = _options.Ssh.RekeyBytes;
        if (limit > 0 && (Interlocked.Read(ref _bytesSentSinceKex) >= limit || Interlocked.Read(ref _bytesReceivedSinceKex) >= limit))
        {
            return true;
        }

        if (_encoder.PacketsSinceRekey >= MaxPacketsPerKey || _decoder.PacketsSinceRekey >= MaxPacketsPerKey)
        {
            return true;
        }

        var interval = _options.Ssh.RekeyInterval;
        return interval > TimeSpan.Zero &&
            Stopwatch.GetTimestamp() - Interlocked.Read(ref _lastKexTimestamp) >= (long)(interval.TotalSeconds * Stopwatch.Frequency);
    }

    private async Task ExchangeVersionsAsync(CancellationToken cancellationToken)
    {
        var ours = Encoding.ASCII.GetBytes(SshVersionExchange.ClientVersion + "\r\n");
        ArmWrite();
        try
        {
            await WriteAsync(ours, ours.Length, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Volatile.Write(ref _writeDeadline, 0);
        }

        while (true)
        {
            if (SshVersionExchange.TryParse(_receiveBuffer.AsSpan(0, _receiveEnd), out var version, out var consumed))
            {
                ServerVersion = version!;
                _receiveStart = consumed;
                Log?.Write(LogDirection.Received, ServerVersion);
                return;
            }

            await FillAsync(bounded: true, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads more bytes into the receive buffer after _receiveEnd.</summary>
    private async Task FillAsync(bool bounded, CancellationToken cancellationToken)
    {
        if (bounded)
        {
            Volatile.Write(ref _readDeadline, Stopwatch.GetTimestamp() + _timeoutTicks);
        }

        int read;
        try
        {
            read = _blocking is null
                ? await _stream.ReadAsync(_receiveBuffer, _receiveEnd, _receiveBuffer.Length - _receiveEnd, cancellationToken).ConfigureAwait(false)
                : await ReadBlockingAsync(_blocking, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Volatile.Write(ref _readDeadline, 0);
        }

        if (read == 0)
        {
            throw new ConnectionLostException("The SSH server closed the connection.");
        }

        _receiveEnd += read;
    }

    /// <summary>
    /// One read from a <see cref="BlockingSocketStream"/>: on the receive thread a blocking read; elsewhere one at once
    /// when poll(2) sees data within <see cref="ShortPoll.LimitMicroseconds"/>, else a blocking read on a thread of its
    /// own, which cancellation ends by closing the connection (the session is over then anyway).
    /// </summary>
    private ValueTask<int> ReadBlockingAsync(BlockingSocketStream stream, CancellationToken cancellationToken)
    {
        var offset = _receiveEnd;
        var count = _receiveBuffer.Length - _receiveEnd;
        if (OnReceiveThread || stream.BlockingSocket.Poll(ShortPoll.LimitMicroseconds, SelectMode.SelectRead))
        {
            return new ValueTask<int>(stream.Read(_receiveBuffer, offset, count));
        }

        return new ValueTask<int>(ReadOnOwnThreadAsync(stream, offset, count, cancellationToken));
    }

    private async Task<int> ReadOnOwnThreadAsync(BlockingSocketStream stream, int offset, int count, CancellationToken cancellationToken)
    {
        var read = 0;
        try
        {
            using (cancellationToken.Register(static state => ((SshTransport)state!).Abort(), this))
            {
                await BlockingCall.RunAsync(() => read = stream.Read(_receiveBuffer, offset, count)).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or SocketException && cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException("The SSH read was cancelled; the connection was closed.", ex, cancellationToken);
        }

        return read;
    }

    /// <summary>Writes <paramref name="count"/> bytes: a blocking write over a <see cref="BlockingSocketStream"/>, else asynchronously.</summary>
    private ValueTask WriteAsync(byte[] buffer, int count, CancellationToken cancellationToken)
    {
        if (_blocking is not null)
        {
            _blocking.Write(buffer, 0, count);
            return default;
        }

        return new ValueTask(_stream.WriteAsync(buffer, 0, count, cancellationToken));
    }

    /// <summary>
    /// The next packet's payload, a slice of the receive buffer valid until the next call.
    /// A packet that has begun to arrive is always bounded by the timeout.
    /// </summary>
    private async ValueTask<ReadOnlyMemory<byte>> ReadPacketAsync(bool bounded, CancellationToken cancellationToken)
    {
        while (true)
        {
            var available = _receiveEnd - _receiveStart;
            var status = _decoder.TryDecode(_receiveBuffer, _receiveStart, available, out var payloadOffset, out var payloadLength, out var consumed, out var needed);
            if (status == SshDecodeStatus.Packet)
            {
                _receiveStart += consumed;
                Interlocked.Add(ref _bytesReceivedSinceKex, consumed);
                return new ReadOnlyMemory<byte>(_receiveBuffer, payloadOffset, payloadLength);
            }

            if (_receiveStart + needed > _receiveBuffer.Length || available == 0)
            {
                // Compact: the previous payload handed out is no longer valid once this call runs.
                Buffer.BlockCopy(_receiveBuffer, _receiveStart, _receiveBuffer, 0, available);
                _receiveStart = 0;
                _receiveEnd = available;
            }

            await FillAsync(bounded || available > 0, cancellationToken).ConfigureAwait(false);
        }
    }

    private async ValueTask WritePacketLockedAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var needed = _encoder.MaxEncodedLength(payload.Length);
        if (needed > _sendBuffer.Length)
        {
            _sendBuffer = new byte[Math.Max(needed, _sendBuffer.Length * 2)];
        }

        var count = _encoder.Encode(payload.Span, _sendBuffer);
        ArmWrite();
        try
        {
            await WriteAsync(_sendBuffer, count, cancellationToken).ConfigureAwait(false);
            if (ExpectsPromptAnswer(payload.Span))
            {
                // Its answer should be acknowledged at once, or sshd's Nagle holds the answer's tail back (see
                // TcpQuickAck): opening the SFTP channel waited about 40 ms for that.
                _quickAck.Request();
            }
        }
        finally
        {
            Volatile.Write(ref _writeDeadline, 0);
        }

        Interlocked.Add(ref _bytesSentSinceKex, count);
    }

    /// <summary>
    /// Key exchange, authentication, global and channel requests, channel open and close: the messages a conversation
    /// waits on. Channel data and window adjustments are the stream itself (thousands per transfer), so they are not.
    /// </summary>
    private static bool ExpectsPromptAnswer(ReadOnlySpan<byte> payload) =>
        payload.Length > 0 && (SshMessageNumber)payload[0] is not (SshMessageNumber.SSH_MSG_CHANNEL_DATA
            or SshMessageNumber.SSH_MSG_CHANNEL_EXTENDED_DATA or SshMessageNumber.SSH_MSG_CHANNEL_WINDOW_ADJUST);

    private void ArmWrite() => Volatile.Write(ref _writeDeadline, Stopwatch.GetTimestamp() + _timeoutTicks);

    private void CheckDeadlines()
    {
        var now = Stopwatch.GetTimestamp();
        var read = Volatile.Read(ref _readDeadline);
        var write = Volatile.Read(ref _writeDeadline);
        if ((read != 0 && now > read) || (write != 0 && now > write))
        {
            _timedOut = true;
            Abort();
        }
    }

    private void Abort()
    {
        _watchdog.Dispose();
        try
        {
            _stream.Dispose();
        }
        catch (IOException)
        {
            // Closing a broken connection may report the breakage again; it is closed either way.
        }
    }

    private void ThrowIfDead()
    {
        var failure = Volatile.Read(ref _failure);
        if (failure is not null)
        {
            throw new ConnectionLostException($"The SSH connection is no longer usable: {failure.Message}", failure);
        }
    }

    /// <summary>Marks the transport dead with the first failure and closes the connection; returns what to throw.</summary>
    private Exception Fail(Exception ex)
    {
        var mapped = Map(ex);
        Interlocked.CompareExchange(ref _failure, mapped, null);
        Abort();
        return mapped;
    }

    private Exception Rethrowable(Exception ex)
    {
        var mapped = Fail(ex);
        return ReferenceEquals(mapped, ex) ? ex : mapped;
    }

    private Exception Map(Exception ex)
    {
        if (_timedOut)
        {
            // One timeout error for every caller that was waiting when the watchdog closed the connection.
            return _timeoutFailure ??= new ConnectionLostException(
                $"The SSH server did not respond within {_timeout.TotalSeconds:0.###} s (OperationTimeout); the connection was closed.", ex);
        }

        return ex switch
        {
            FtpToolsException => ex,
            OperationCanceledException => ex,
            IOException or SocketException or ObjectDisposedException =>
                new ConnectionLostException($"The SSH connection was lost: {ex.Message}", ex),
            _ => ex,
        };
    }

    private ConnectionLostException Disconnected(ReadOnlyMemory<byte> payload)
    {
        var reader = new SshReader(payload.Slice(1));
        var reason = reader.ReadUInt32();
        var description = reader.Remaining >= 4 ? reader.ReadString() : "";
        return new ConnectionLostException(
            $"The SSH server disconnected: {SshVersionExchange.Printable(description)} (reason {reason}: {DisconnectReason(reason)}).");
    }

    private static ProtocolViolationException Unimplemented(ReadOnlyMemory<byte> payload)
    {
        var reader = new SshReader(payload.Slice(1));
        var sequence = reader.ReadUInt32();
        return new ProtocolViolationException($"The SSH server answered SSH_MSG_UNIMPLEMENTED to our packet {sequence}; it does not support something this client sent.");
    }

    private void LogDebugMessage(ReadOnlyMemory<byte> payload)
    {
        if (Log is null)
        {
            return;
        }

        var reader = new SshReader(payload.Slice(1));
        reader.ReadBoolean();
        Log.Write(LogDirection.Received, "SSH_MSG_DEBUG " + SshVersionExchange.Printable(reader.ReadString()));
    }

    /// <summary>SSH_MSG_EXT_INFO (RFC 8308 §2.3); only server-sig-algs (§3.1) is used.</summary>
    private void ParseExtInfo(ReadOnlyMemory<byte> payload)
    {
        var reader = new SshReader(payload.Slice(1));
        var count = reader.ReadUInt32();
        if (count > 64)
        {
            throw new ProtocolViolationException($"The server's SSH_MSG_EXT_INFO claims {count} extensions; more than 64 is not plausible.");
        }

        for (var i = 0; i < count; i++)
        {
            var name = reader.ReadString();
            var value = reader.ReadStringBytes();
            if (name == "server-sig-algs")
            {
                var text = Encoding.UTF8.GetString(value.ToArray());
                IReadOnlyList<string> algorithms = text.Length == 0 ? Array.Empty<string>() : text.Split(',');
                Volatile.Write(ref _serverSignatureAlgorithms, algorithms);
                Log?.Write(LogDirection.Info, "server-sig-algs: " + SshVersionExchange.Printable(string.Join(",", algorithms), 500));
            }
        }
    }

    private static string DisconnectReason(uint reason) => reason switch
    {
        1 => "SSH_DISCONNECT_HOST_NOT_ALLOWED_TO_CONNECT",
        2 => "SSH_DISCONNECT_PROTOCOL_ERROR",
        3 => "SSH_DISCONNECT_KEY_EXCHANGE_FAILED",
        5 => "SSH_DISCONNECT_MAC_ERROR",
        7 => "SSH_DISCONNECT_SERVICE_NOT_AVAILABLE",
        8 => "SSH_DISCONNECT_PROTOCOL_VERSION_NOT_SUPPORTED",
        9 => "SSH_DISCONNECT_HOST_KEY_NOT_VERIFIABLE",
        10 => "SSH_DISCONNECT_CONNECTION_LOST",
        11 => "SSH_DISCONNECT_BY_APPLICATION",
        12 => "SSH_DISCONNECT_TOO_MANY_CONNECTIONS",
        13 => "SSH_DISCONNECT_AUTH_CANCELLED_BY_USER",
        14 => "SSH_DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE",
        15 => "SSH_DISCONNECT_ILLEGAL_USER_NAME",
        _ => "unknown reason",
    };
}
