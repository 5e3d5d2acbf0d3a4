using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;
using FtpTools.Core.Logging;
using FtpTools.Core.Ssh.Transport;

namespace FtpTools.Core.Ssh.Channels;

/// <summary>
/// The connection protocol (RFC 4254) over an authenticated transport: one receive loop that dispatches
/// channel and global messages, session channels opened on demand, and global requests (keepalive).
/// The loop never waits on application code: channel data lands in each channel's window-sized buffer,
/// so a slow reader of one channel cannot stall the others or a re-key.
/// </summary>
internal sealed class SshConnection : IAsyncDisposable
{
    /// <summary>
    /// Our receive window per channel. A download can go no faster than window / round trip: OpenSSH's 2 MiB gives
    /// 52 MB/s over a 40 ms round trip, 8 MiB four times that. The memory is spent only while our reader falls behind
    /// (the channel's ring grows to the window then); measured over the bench's slow link (bench/HISTORY.md, run 3).
    /// </summary>
    public const uint LocalWindowSize = 8 * 1024 * 1024;

    /// <summary>Largest data packet we accept per channel message (RFC 4254 §5.1 "maximum packet size").</summary>
    public const uint LocalMaxPacket = 64 * 1024;

    private readonly ISshTransport _transport;
    private readonly object _gate = new();
    private readonly Dictionary<uint, SshChannel> _channels = new();
    private readonly Queue<TaskCompletionSource<bool>> _globalReplies = new();
    private readonly SemaphoreSlim _globalRequestLock = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;
    private uint _nextChannelId;
    private Exception? _failure;

    public SshConnection(ISshTransport transport, TimeSpan operationTimeout)
    {
        _transport = transport;
        OperationTimeout = operationTimeout;
    }

    public TimeSpan OperationTimeout { get; }

    public IProtocolLog? Log => _transport.Log;

    public bool IsConnected => Volatile.Read(ref _failure) is null;

    /// <summary>Why the connection ended, once it has.</summary>
    public Exception? Failure => Volatile.Read(ref _failure);

    internal ISshTransport Transport => _transport;

    /// <summary>Starts the receive loop. Call once, after authentication.</summary>
    public void Start()
    {
        _loop ??= _transport is SshTransport transport ? transport.StartReceiveLoop(ReceiveLoopAsync) : Task.Run(ReceiveLoopAsync);
    }

    /// <summary>Opens a "session" channel (RFC 4254 §6.1).</summary>
    public async Task<SshChannel> OpenSessionAsync(CancellationToken cancellationToken)
    {
        ThrowIfFailed();
        SshChannel channel;
        lock (_gate)
        {
            channel = new SshChannel(this, _nextChannelId++, LocalWindowSize);
            _channels.Add(channel.LocalId, channel);
        }

        var open = new SshWriter(64)
            .WriteByte((byte)SshMessageNumber.SSH_MSG_CHANNEL_OPEN)
            .WriteString("session")
            .WriteUInt32(channel.LocalId)
            .WriteUInt32(LocalWindowSize)
            .WriteUInt32(LocalMaxPacket)
            .ToArray();
        try
        {
            await _transport.SendAsync(open, cancellationToken).ConfigureAwait(false);
            await channel.WaitOpenedAsync(cancellationToken).ConfigureAwait(false);
            return channel;
        }
        catch
        {
            channel.Release();
            throw;
        }
    }

    /// <summary>
    /// A global request (RFC 4254 §4). With <paramref name="wantReply"/>, returns whether the server said
    /// SUCCESS; replies come in request order, so requests are serialised.
    /// </summary>
    public async Task<bool> SendGlobalRequestAsync(string name, bool wantReply, CancellationToken cancellationToken)
    {
        ThrowIfFailed();
        var message = new SshWriter(64).WriteByte((byte)SshMessageNumber.SSH_MSG_GLOBAL_REQUEST).WriteString(name).WriteBoolean(wantReply).ToArray();
        TaskCompletionSource<bool>? reply = null;
        await _globalRequestLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (wantReply)
            {
                reply = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                lock (_gate)
                {
                    ThrowIfFailed();
                    _globalReplies.Enqueue(reply);
                }
            }

            await _transport.SendAsync(message, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _globalRequestLock.Release();
        }

        return reply is null || await WaitReplyAsync(reply.Task, $"the reply to global request {name}", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// keepalive@openssh.com with want-reply: OpenSSH answers REQUEST_FAILURE, any answer proves the server
    /// is alive. No answer within the operation timeout closes the connection.
    /// </summary>
    public Task KeepAliveAsync(CancellationToken cancellationToken) => SendGlobalRequestAsync("keepalive@openssh.com", true, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        Fail(new ConnectionLostException("The SSH connection was closed by the client."));
        _stop.Cancel();
        if (_loop is not null)
        {
            try
            {
                await _loop.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // The loop ends by cancellation here.
            }
        }

        _stop.Dispose();
    }

    /// <summary>Waits for a reply the server owes us, bounded by the operation timeout; a timeout ends the connection.</summary>
    internal async Task<T> WaitReplyAsync<T>(Task<T> reply, string what, CancellationToken cancellationToken)
    {
        try
        {
            return await TaskTimeout.WaitAsync(reply, OperationTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException ex)
        {
            var failure = new ConnectionLostException(
                $"The SSH server did not send {what} within {OperationTimeout.TotalSeconds:0.###} s (OperationTimeout); the connection was closed.", ex);
            Fail(failure);
            await _transport.DisposeAsync().ConfigureAwait(false);
            throw failure;
        }
    }

    internal ValueTask SendAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken) => _transport.SendAsync(payload, cancellationToken);

    internal void Remove(SshChannel channel)
    {
        lock (_gate)
        {
            _channels.Remove(channel.LocalId);
        }
    }

    internal void ThrowIfFailed()
    {
        var failure = Volatile.Read(ref _failure);
        if (failure is not null)
        {
            throw new ConnectionLostException($"The SSH connection is no longer usable: {failure.Message}", failure);
        }
    }

    private async Task ReceiveLoopAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var payload = await _transport.ReceiveAsync(_stop.Token).ConfigureAwait(false);
                await DispatchAsync(payload).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            Fail(ex is OperationCanceledException && _stop.IsCancellationRequested
                ? new ConnectionLostException("The SSH connection was closed by the client.")
                : ex);
            await _transport.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task DispatchAsync(ReadOnlyMemory<byte> payload)
    {
        var reader = new SshReader(payload);
        var number = (SshMessageNumber)reader.ReadByte();
        switch (number)
        {
            case SshMessageNumber.SSH_MSG_GLOBAL_REQUEST:
            {
                // RFC 4254 §4: we offer no global services (e.g. hostkeys-00@openssh.com needs no answer).
                reader.ReadStringBytes();
                if (reader.ReadBoolean())
                {
                    await _transport.SendAsync(new[] { (byte)SshMessageNumber.SSH_MSG_REQUEST_FAILURE }, _stop.Token).ConfigureAwait(false);
                }

                return;
            }

            case SshMessageNumber.SSH_MSG_REQUEST_SUCCESS:
            case SshMessageNumber.SSH_MSG_REQUEST_FAILURE:
            {
                TaskCompletionSource<bool>? waiter;
                lock (_gate)
                {
                    waiter = _globalReplies.Count > 0 ? _globalReplies.Dequeue() : null;
                }

                if (waiter is null)
                {
                    throw new ProtocolViolationException($"The SSH server sent {number} without a pending global request.");
                }

                waiter.TrySetResult(number == SshMessageNumber.SSH_MSG_REQUEST_SUCCESS);
                return;
            }

            case SshMessageNumber.SSH_MSG_CHANNEL_OPEN:
            {
                // We accept no channels from the server (no forwarding, no agent): RFC 4254 §5.1,
                // SSH_OPEN_ADMINISTRATIVELY_PROHIBITED (1).
                reader.ReadStringBytes();
                var sender = reader.ReadUInt32();
                var refusal = new SshWriter(64).WriteByte((byte)SshMessageNumber.SSH_MSG_CHANNEL_OPEN_FAILURE)
                    .WriteUInt32(sender).WriteUInt32(1).WriteString("not supported").WriteString("").ToArray();
                await _transport.SendAsync(refusal, _stop.Token).ConfigureAwait(false);
                return;
            }
        }

        if (number < SshMessageNumber.SSH_MSG_CHANNEL_OPEN_CONFIRMATION || number > SshMessageNumber.SSH_MSG_CHANNEL_FAILURE)
        {
            throw new ProtocolViolationException($"The SSH server sent unexpected message {(byte)number} on an established connection.");
        }

        var recipient = reader.ReadUInt32();
        SshChannel? channel;
        lock (_gate)
        {
            _channels.TryGetValue(recipient, out channel);
        }

        if (channel is null)
        {
            throw new ProtocolViolationException($"The SSH server sent {number} for channel {recipient}, which is not open.");
        }

        var adjust = channel.Handle(number, ref reader, out var reply);
        if (reply is not null)
        {
            await _transport.SendAsync(reply, _stop.Token).ConfigureAwait(false);
        }

        if (adjust > 0)
        {
            await channel.SendWindowAdjustAsync(adjust, _stop.Token).ConfigureAwait(false);
        }

        if (number == SshMessageNumber.SSH_MSG_CHANNEL_CLOSE || number == SshMessageNumber.SSH_MSG_CHANNEL_OPEN_FAILURE)
        {
            Remove(channel);
        }
    }

    private void Fail(Exception ex)
    {
        if (Interlocked.CompareExchange(ref _failure, ex, null) is not null)
        {
            return;
        }

        List<SshChannel> channels;
        List<TaskCompletionSource<bool>> waiters;
        lock (_gate)
        {
            channels = new List<SshChannel>(_channels.Values);
            waiters = new List<TaskCompletionSource<bool>>(_globalReplies);
            _globalReplies.Clear();
        }

        var lost = ex as ConnectionLostException ?? new ConnectionLostException($"The SSH connection was lost: {ex.Message}", ex);
        foreach (var channel in channels)
        {
            channel.OnConnectionFailed(lost);
        }

        foreach (var waiter in waiters)
        {
            waiter.TrySetException(lost);
        }
    }
}
