using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;

namespace FtpTools.Core.Ssh.Channels;

/// <summary>
/// One session channel (RFC 4254 §5-6) with flow control both ways.
/// Receive: incoming data is copied into a ring buffer that can hold our whole window, so the server can never
/// overrun it (sending beyond the window is a protocol violation) and the connection's receive loop never
/// waits for the reader. The ring is rented from a pool when the channel is created (small, grown to the
/// window's size once the reader falls behind) and returned by <see cref="Release"/> under the channel lock,
/// after which late data is discarded. A channel with a sink (<see cref="AttachSink"/>) has no ring: its data goes to
/// the sink on the receive loop and counts as consumed at once.
/// Send: data is cut to the server's window and maximum packet size into a per-channel payload buffer
/// (a plain array, reused for every packet); writers are serialised.
/// </summary>
internal sealed class SshChannel
{
    /// <summary>stderr of exec is collected up to this size; the rest is counted but dropped.</summary>
    public const int MaxCollectedStderr = 1024 * 1024;

    private const int MaxSendChunk = 32 * 1024;
    private const int DataHeaderLength = 9;

    /// <summary>What the receive ring starts with: a few packets' worth (see <see cref="GrowRingLocked"/>).</summary>
    private const int InitialRingBytes = 256 * 1024;

    /// <summary>
    /// Where rings come from: one pool for the process that keeps two rings of each size. The shared pool keeps a
    /// returned array in a slot of the returning thread, which the next channel, read on other threads, often does
    /// not find; its 8 MiB ring was then allocated again, and the old one waited for a full garbage collection (see
    /// <see cref="Sftp.SftpSession.Buffers"/> for what that did to memory).
    /// </summary>
    private static readonly ArrayPool<byte> RingPool = ArrayPool<byte>.Create((int)SshConnection.LocalWindowSize, 2);

    private readonly SshConnection _connection;
    private readonly object _gate = new();
    private readonly uint _windowSize;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly byte[] _sendPayload = new byte[DataHeaderLength + MaxSendChunk];
    private readonly TaskCompletionSource<bool> _opened = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<bool> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Queue<TaskCompletionSource<bool>> _requestReplies = new();

    private byte[]? _ring;
    private int _ringHead;
    private int _ringCount;
    private uint _receiveCredit;
    private uint _consumedSinceAdjust;
    /// <summary>
    /// The reader's wait for data. Completed outside <see cref="_gate"/> and after it is cleared, since a reader's
    /// continuation may run on the completing thread (<see cref="ReadAsync"/>) and wait again at once.
    /// </summary>
    private TaskCompletionSource<bool>? _dataWaiter;
    private ISshChannelSink? _sink;
    private bool _sinkEnded;

    private uint _remoteWindow;
    private uint _remoteMaxPacket;
    private TaskCompletionSource<bool>? _windowWaiter;

    private byte[]? _stderr;
    private int _stderrLength;
    private long _stderrTotal;

    private bool _eofReceived;
    private bool _closeReceived;
    private bool _eofSent;
    private bool _closeSent;
    private bool _released;
    private Exception? _failure;

    public SshChannel(SshConnection connection, uint localId, uint windowSize)
    {
        _connection = connection;
        LocalId = localId;
        _windowSize = windowSize;
        _receiveCredit = windowSize;
        _ring = RingPool.Rent((int)Math.Min(windowSize, InitialRingBytes));
    }

    public uint LocalId { get; }

    public uint RemoteId { get; private set; }

    /// <summary>The "exit-status" the server reported (RFC 4254 §6.10), once it has.</summary>
    public int? ExitStatus { get; private set; }

    /// <summary>The "exit-signal" name (without "SIG"), when the command was killed by a signal.</summary>
    public string? ExitSignal { get; private set; }

    public TimeSpan OperationTimeout => _connection.OperationTimeout;

    /// <summary>Completes when the server has closed the channel.</summary>
    public Task Closed => _closed.Task;

    internal async Task WaitOpenedAsync(CancellationToken cancellationToken) =>
        await _connection.WaitReplyAsync(_opened.Task, "a reply to the channel open request", cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// A channel request (RFC 4254 §5.4) with want-reply; returns whether the server said SUCCESS.
    /// <paramref name="writeData"/> appends the request-specific fields.
    /// </summary>
    public async Task<bool> RequestAsync(string type, Action<SshWriter>? writeData, CancellationToken cancellationToken)
    {
        var writer = new SshWriter(128).WriteByte((byte)SshMessageNumber.SSH_MSG_CHANNEL_REQUEST).WriteUInt32(RemoteId).WriteString(type).WriteBoolean(true);
        writeData?.Invoke(writer);
        var reply = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);

        // Replies come in request order per channel (RFC 4254 §5.4): enqueue and send under one lock.
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            lock (_gate)
            {
                ThrowIfUnusable();
                _requestReplies.Enqueue(reply);
            }

            await _connection.SendAsync(writer.WrittenMemory, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }

        return await _connection.WaitReplyAsync(reply.Task, $"a reply to the channel request {type}", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Hands the channel's data to <paramref name="sink"/> from now on instead of keeping it for <see cref="ReadAsync"/>
    /// (which must not be used any more). Data already received goes to the sink first; a channel that already ended
    /// ends the sink at once. The ring goes back to its pool.
    /// </summary>
    public void AttachSink(ISshChannelSink sink)
    {
        Exception? failure;
        bool ended;
        lock (_gate)
        {
            if (_sink is not null || _dataWaiter is not null)
            {
                throw new InvalidOperationException($"SSH channel {LocalId} already has a reader.");
            }

            _sink = sink;
            if (_ring is not null)
            {
                // Under the lock, so that nothing the receive loop delivers next can overtake it.
                if (_ringCount > 0)
                {
                    var first = Math.Min(_ringCount, _ring.Length - _ringHead);
                    sink.OnData(_ring.AsSpan(_ringHead, first));
                    sink.OnData(_ring.AsSpan(0, _ringCount - first));
                    _consumedSinceAdjust += (uint)_ringCount;
                    _ringCount = 0;
                }

                RingPool.Return(_ring);
                _ring = null;
            }

            failure = _failure;
            ended = failure is not null || _eofReceived || _closeReceived || _released;
            _sinkEnded = ended;
        }

        if (ended)
        {
            sink.OnEnd(failure);
        }
    }

    /// <summary>
    /// Reads channel data (stdout). Returns 0 after the server's EOF or CLOSE. Waits at most
    /// <paramref name="timeout"/> for data (infinite when negative); a timeout ends the connection.
    /// </summary>
    public async ValueTask<int> ReadAsync(Memory<byte> destination, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (destination.Length == 0)
        {
            return 0;
        }

        while (true)
        {
            Task<bool>? wait = null;
            uint adjust = 0;
            var count = 0;
            lock (_gate)
            {
                if (_ringCount > 0 && _ring is not null)
                {
                    count = Math.Min(destination.Length, _ringCount);
                    var first = Math.Min(count, _ring.Length - _ringHead);
                    _ring.AsSpan(_ringHead, first).CopyTo(destination.Span);
                    if (count > first)
                    {
                        _ring.AsSpan(0, count - first).CopyTo(destination.Span.Slice(first));
                    }

                    _ringHead = (_ringHead + count) % _ring.Length;
                    _ringCount -= count;
                    _consumedSinceAdjust += (uint)count;
                    adjust = TakeAdjustLocked();
                }
                else if (_failure is not null)
                {
                    throw Lost(_failure);
                }
                else if (_eofReceived || _closeReceived || _released)
                {
                    return 0;
                }
                else
                {
                    // A reader with no timeout and no cancellation (the SFTP reader, which only cuts packets and hands
                    // each to its request, whose own completion is asynchronous) continues on the receive loop's
                    // thread: one thread hand-over less per batch of data. Any other reader is resumed on the pool, so
                    // that no caller's code runs on the receive loop.
                    _dataWaiter ??= new TaskCompletionSource<bool>(timeout < TimeSpan.Zero && !cancellationToken.CanBeCanceled
                        ? TaskCreationOptions.None
                        : TaskCreationOptions.RunContinuationsAsynchronously);
                    wait = _dataWaiter.Task;
                }
            }

            if (wait is null)
            {
                if (adjust > 0)
                {
                    await SendWindowAdjustAsync(adjust, cancellationToken).ConfigureAwait(false);
                }

                return count;
            }

            await WaitAsync(wait, timeout, "channel data", cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Sends data within the server's window and packet size (RFC 4254 §5.2), waiting for window as needed.</summary>
    public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            while (data.Length > 0)
            {
                int chunk;
                while (true)
                {
                    Task<bool> wait;
                    lock (_gate)
                    {
                        ThrowIfUnusable();
                        if (_eofSent)
                        {
                            throw new InvalidOperationException("Data cannot be written after EOF was sent.");
                        }

                        if (_remoteWindow > 0)
                        {
                            chunk = (int)Math.Min((uint)Math.Min(data.Length, MaxSendChunk), Math.Min(_remoteWindow, _remoteMaxPacket));
                            _remoteWindow -= (uint)chunk;
                            break;
                        }

                        _windowWaiter ??= new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                        wait = _windowWaiter.Task;
                    }

                    await WaitAsync(wait, OperationTimeout, "window space (SSH_MSG_CHANNEL_WINDOW_ADJUST)", cancellationToken).ConfigureAwait(false);
                }

                _sendPayload[0] = (byte)SshMessageNumber.SSH_MSG_CHANNEL_DATA;
                BinaryPrimitives.WriteUInt32BigEndian(_sendPayload.AsSpan(1), RemoteId);
                BinaryPrimitives.WriteUInt32BigEndian(_sendPayload.AsSpan(5), (uint)chunk);
                data.Span.Slice(0, chunk).CopyTo(_sendPayload.AsSpan(DataHeaderLength));
                await _connection.SendAsync(new ReadOnlyMemory<byte>(_sendPayload, 0, DataHeaderLength + chunk), cancellationToken).ConfigureAwait(false);
                data = data.Slice(chunk);
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>SSH_MSG_CHANNEL_EOF (RFC 4254 §5.3): we send no more data; the channel stays open for reading.</summary>
    public async Task SendEofAsync(CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            lock (_gate)
            {
                if (_eofSent || _closeSent || _closeReceived || _failure is not null)
                {
                    return;
                }

                _eofSent = true;
            }

            await _connection.SendAsync(Header(SshMessageNumber.SSH_MSG_CHANNEL_EOF), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>
    /// Closes the channel (RFC 4254 §5.3): sends CLOSE unless already sent, waits (bounded) for the server's
    /// CLOSE, and releases the buffers. Safe to call more than once.
    /// </summary>
    public async Task CloseAsync(CancellationToken cancellationToken)
    {
        var send = false;
        lock (_gate)
        {
            if (!_closeSent && _failure is null && _opened.Task.Status == TaskStatus.RanToCompletion)
            {
                _closeSent = true;
                send = true;
            }
        }

        try
        {
            if (send)
            {
                await _connection.SendAsync(Header(SshMessageNumber.SSH_MSG_CHANNEL_CLOSE), cancellationToken).ConfigureAwait(false);
            }

            if (_failure is null && _opened.Task.Status == TaskStatus.RanToCompletion)
            {
                await TaskTimeout.WaitAsync(WhenClosedAsync(), OperationTimeout, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (TimeoutException)
        {
            // The server never confirmed the close; the channel is abandoned, the connection stays usable.
            _connection.Remove(this);
        }
        catch (ConnectionLostException)
        {
            // Nothing left to close.
        }
        finally
        {
            Release();
        }
    }

    /// <summary>Returns the ring buffer to the pool and stops accepting data. Idempotent.</summary>
    public void Release()
    {
        TaskCompletionSource<bool>? dataWaiter;
        lock (_gate)
        {
            if (_released)
            {
                return;
            }

            _released = true;
            if (_ring is not null)
            {
                RingPool.Return(_ring);
                _ring = null;
            }

            _ringCount = 0;
            dataWaiter = _dataWaiter;
            _dataWaiter = null;
            _windowWaiter?.TrySetResult(true);
        }

        dataWaiter?.TrySetResult(true);
        EndSink(null);
    }

    /// <summary>The collected stderr (extended data type 1) and its full length.</summary>
    public (byte[] Collected, long Total) GetStandardError()
    {
        lock (_gate)
        {
            return (_stderr is null ? Array.Empty<byte>() : _stderr.AsSpan(0, _stderrLength).ToArray(), _stderrTotal);
        }
    }

    internal async ValueTask SendWindowAdjustAsync(uint bytes, CancellationToken cancellationToken)
    {
        var message = new byte[9];
        message[0] = (byte)SshMessageNumber.SSH_MSG_CHANNEL_WINDOW_ADJUST;
        BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(1), RemoteId);
        BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(5), bytes);
        await _connection.SendAsync(message, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Handles one channel message from the receive loop. Returns a window adjustment to send (for data we
    /// consumed on the spot) and sets <paramref name="reply"/> when a message must be answered.
    /// </summary>
    internal uint Handle(SshMessageNumber number, ref SshReader reader, out byte[]? reply)
    {
        reply = null;
        switch (number)
        {
            case SshMessageNumber.SSH_MSG_CHANNEL_OPEN_CONFIRMATION:
            {
                var remoteId = reader.ReadUInt32();
                var window = reader.ReadUInt32();
                var maxPacket = reader.ReadUInt32();
                lock (_gate)
                {
                    if (_opened.Task.IsCompleted)
                    {
                        throw new ProtocolViolationException($"The SSH server confirmed channel {LocalId} twice.");
                    }

                    RemoteId = remoteId;
                    _remoteWindow = window;
                    _remoteMaxPacket = Math.Max(1u, maxPacket);
                }

                _opened.TrySetResult(true);
                return 0;
            }

            case SshMessageNumber.SSH_MSG_CHANNEL_OPEN_FAILURE:
            {
                var reason = reader.ReadUInt32();
                var description = Transport.SshVersionExchange.Printable(reader.ReadString());
                _opened.TrySetException(new CommandRefusedException(
                    $"The SSH server refused to open a session channel: {description} (reason {reason}, RFC 4254 §5.1).", RemoteErrorKind.Failure));
                Release();
                return 0;
            }

            case SshMessageNumber.SSH_MSG_CHANNEL_WINDOW_ADJUST:
            {
                var bytes = reader.ReadUInt32();
                lock (_gate)
                {
                    // RFC 4254 §5.2: the window may not exceed 2^32 - 1.
                    if ((ulong)_remoteWindow + bytes > uint.MaxValue)
                    {
                        throw new ProtocolViolationException($"The SSH server grew channel {LocalId}'s window beyond 2^32-1 bytes (RFC 4254 §5.2).");
                    }

                    _remoteWindow += bytes;
                    _windowWaiter?.TrySetResult(true);
                    _windowWaiter = null;
                }

                return 0;
            }

            case SshMessageNumber.SSH_MSG_CHANNEL_DATA:
            {
                var data = reader.ReadStringBytes().Span;
                TaskCompletionSource<bool>? waiter;
                ISshChannelSink? sink;
                uint adjust = 0;
                lock (_gate)
                {
                    ConsumeCreditLocked(data.Length);
                    sink = _sinkEnded ? null : _sink;
                    if (sink is not null)
                    {
                        _consumedSinceAdjust += (uint)data.Length;
                        adjust = TakeAdjustLocked();
                    }
                    else if (_released || _ring is null)
                    {
                        return 0;
                    }
                    else
                    {
                        if (_ringCount + data.Length > _ring.Length)
                        {
                            GrowRingLocked();
                        }

                        var tail = (_ringHead + _ringCount) % _ring.Length;
                        var first = Math.Min(data.Length, _ring.Length - tail);
                        data.Slice(0, first).CopyTo(_ring.AsSpan(tail));
                        data.Slice(first).CopyTo(_ring.AsSpan(0));
                        _ringCount += data.Length;
                    }

                    waiter = _dataWaiter;
                    _dataWaiter = null;
                }

                // The sink is called outside the lock; the receive loop is its only caller, so it still sees the data in
                // order (data ringed before the sink came is handed over by AttachSink under the lock).
                sink?.OnData(data);
                waiter?.TrySetResult(true);
                return adjust;
            }

            case SshMessageNumber.SSH_MSG_CHANNEL_EXTENDED_DATA:
            {
                var type = reader.ReadUInt32();
                var data = reader.ReadStringBytes().Span;
                lock (_gate)
                {
                    ConsumeCreditLocked(data.Length);

                    // SSH_EXTENDED_DATA_STDERR (1), RFC 4254 §5.2. Consumed at once, so the window reopens at once.
                    if (type == 1)
                    {
                        _stderrTotal += data.Length;
                        var room = MaxCollectedStderr - _stderrLength;
                        if (room > 0 && data.Length > 0)
                        {
                            var take = Math.Min(room, data.Length);
                            if (_stderr is null || _stderr.Length < _stderrLength + take)
                            {
                                Array.Resize(ref _stderr, Math.Min(MaxCollectedStderr, Math.Max(4096, (_stderrLength + take) * 2)));
                            }

                            data.Slice(0, take).CopyTo(_stderr.AsSpan(_stderrLength));
                            _stderrLength += take;
                        }
                    }

                    _consumedSinceAdjust += (uint)data.Length;
                    return _released ? 0 : TakeAdjustLocked();
                }
            }

            case SshMessageNumber.SSH_MSG_CHANNEL_EOF:
            {
                TaskCompletionSource<bool>? waiter;
                lock (_gate)
                {
                    _eofReceived = true;
                    waiter = _dataWaiter;
                    _dataWaiter = null;
                }

                waiter?.TrySetResult(true);
                EndSink(null);
                return 0;
            }

            case SshMessageNumber.SSH_MSG_CHANNEL_CLOSE:
            {
                TaskCompletionSource<bool>? waiter;
                lock (_gate)
                {
                    _closeReceived = true;
                    if (!_closeSent && _failure is null)
                    {
                        // RFC 4254 §5.3: answer CLOSE with CLOSE unless we already sent one.
                        _closeSent = true;
                        reply = Header(SshMessageNumber.SSH_MSG_CHANNEL_CLOSE);
                    }

                    waiter = _dataWaiter;
                    _dataWaiter = null;
                    _windowWaiter?.TrySetResult(true);
                    _windowWaiter = null;
                    FailRequestsLocked(new CommandRefusedException("The SSH server closed the channel before answering the request.", RemoteErrorKind.Failure));
                }

                waiter?.TrySetResult(true);
                EndSink(null);
                _closed.TrySetResult(true);
                return 0;
            }

            case SshMessageNumber.SSH_MSG_CHANNEL_REQUEST:
            {
                var type = reader.ReadString();
                var wantReply = reader.ReadBoolean();
                if (type == "exit-status")
                {
                    ExitStatus = unchecked((int)reader.ReadUInt32());
                }
                else if (type == "exit-signal")
                {
                    ExitSignal = Transport.SshVersionExchange.Printable(reader.ReadString(), 32);
                }

                // RFC 4254 §5.4: requests we do not handle are answered with FAILURE when a reply is wanted.
                if (wantReply)
                {
                    reply = Header(SshMessageNumber.SSH_MSG_CHANNEL_FAILURE);
                }

                return 0;
            }

            case SshMessageNumber.SSH_MSG_CHANNEL_SUCCESS:
            case SshMessageNumber.SSH_MSG_CHANNEL_FAILURE:
            {
                TaskCompletionSource<bool>? waiter;
                lock (_gate)
                {
                    waiter = _requestReplies.Count > 0 ? _requestReplies.Dequeue() : null;
                }

                if (waiter is null)
                {
                    throw new ProtocolViolationException($"The SSH server sent {number} on channel {LocalId} without a pending request.");
                }

                waiter.TrySetResult(number == SshMessageNumber.SSH_MSG_CHANNEL_SUCCESS);
                return 0;
            }

            default:
                throw new ProtocolViolationException($"Unexpected channel message {(byte)number}.");
        }
    }

    internal void OnConnectionFailed(Exception failure)
    {
        TaskCompletionSource<bool>? waiter;
        lock (_gate)
        {
            _failure ??= failure;
            waiter = _dataWaiter;
            _dataWaiter = null;
            _windowWaiter?.TrySetResult(true);
            _windowWaiter = null;
            FailRequestsLocked(failure);
        }

        waiter?.TrySetResult(true);
        EndSink(failure);
        _opened.TrySetException(failure);
        _closed.TrySetResult(true);
    }

    /// <summary>Tells the sink, once, that no more data comes.</summary>
    private void EndSink(Exception? failure)
    {
        ISshChannelSink? sink;
        lock (_gate)
        {
            if (_sink is null || _sinkEnded)
            {
                return;
            }

            _sinkEnded = true;
            sink = _sink;
        }

        sink.OnEnd(failure);
    }

    private async Task<bool> WhenClosedAsync()
    {
        await _closed.Task.ConfigureAwait(false);
        return true;
    }

    private Task WaitAsync(Task<bool> wait, TimeSpan timeout, string what, CancellationToken cancellationToken) =>
        timeout < TimeSpan.Zero && !cancellationToken.CanBeCanceled
            ? wait // The SFTP reader's wait for data: nothing to time or cancel, so nothing to allocate per wait.
            : WaitCoreAsync(wait, timeout, what, cancellationToken);

    private async Task WaitCoreAsync(Task<bool> wait, TimeSpan timeout, string what, CancellationToken cancellationToken)
    {
        if (timeout < TimeSpan.Zero)
        {
            await TaskTimeout.WaitAsync(wait, Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false);
            return;
        }

        try
        {
            await TaskTimeout.WaitAsync(wait, timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            await _connection.WaitReplyAsync(Task.FromException<bool>(new TimeoutException()), what, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Makes room for a whole window of unread bytes. The window credit bounds what the server may send, so the ring
    /// never needs more; it starts small and takes the window's size only once the reader falls behind, so a channel
    /// whose reader keeps up (the usual case, and any channel with little traffic) never holds a window's worth of
    /// memory. One step, not doubling: every size in between would stay cached in the pool.
    /// </summary>
    private void GrowRingLocked()
    {
        var old = _ring!;
        var grown = RingPool.Rent((int)_windowSize);
        var first = Math.Min(_ringCount, old.Length - _ringHead);
        old.AsSpan(_ringHead, first).CopyTo(grown);
        old.AsSpan(0, _ringCount - first).CopyTo(grown.AsSpan(first));
        RingPool.Return(old);
        _ring = grown;
        _ringHead = 0;
    }

    private void ConsumeCreditLocked(int length)
    {
        if ((uint)length > _receiveCredit)
        {
            throw new ProtocolViolationException(
                $"The SSH server sent {length} bytes on channel {LocalId} with only {_receiveCredit} bytes of window left (RFC 4254 §5.2).");
        }

        _receiveCredit -= (uint)length;
    }

    /// <summary>
    /// Re-opens the window once a quarter of it was consumed (OpenSSH waits for half), so that on a link with a long
    /// round trip the server still has most of the window to send into while our adjustment travels to it.
    /// </summary>
    private uint TakeAdjustLocked()
    {
        if (_consumedSinceAdjust < _windowSize / 4 || _closeReceived || _closeSent)
        {
            return 0;
        }

        var adjust = _consumedSinceAdjust;
        _consumedSinceAdjust = 0;
        _receiveCredit += adjust;
        return adjust;
    }

    private void FailRequestsLocked(Exception failure)
    {
        while (_requestReplies.Count > 0)
        {
            _requestReplies.Dequeue().TrySetException(failure);
        }
    }

    /// <summary>The connection's failure for a caller of this channel, said once ("The SSH connection was lost: " is not repeated).</summary>
    internal static ConnectionLostException Lost(Exception failure) =>
        new(failure is ConnectionLostException ? failure.Message : $"The SSH connection was lost: {failure.Message}", failure);

    private void ThrowIfUnusable()
    {
        if (_failure is not null)
        {
            throw Lost(_failure);
        }

        if (_closeReceived || _closeSent || _released)
        {
            throw new ConnectionLostException($"SSH channel {LocalId} is closed.");
        }
    }

    private byte[] Header(SshMessageNumber number)
    {
        var message = new byte[5];
        message[0] = (byte)number;
        BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(1), RemoteId);
        return message;
    }
}
