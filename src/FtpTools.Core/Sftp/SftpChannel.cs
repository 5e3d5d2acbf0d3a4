using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;
using FtpTools.Core.Logging;
using FtpTools.Core.Ssh;
using FtpTools.Core.Ssh.Channels;

namespace FtpTools.Core.Sftp;

/// <summary>Something waiting for the response to one request id.</summary>
internal interface ISftpResponseHandler
{
    /// <summary>
    /// Called on the reader loop with the response after its type and id. The memory is the receive buffer and is
    /// only valid during the call. Throwing (a malformed response) kills the session.
    /// </summary>
    void OnResponse(SftpPacketType type, ReadOnlyMemory<byte> afterId);

    /// <summary>The session died before the response came.</summary>
    void OnFailure(Exception error);
}

/// <summary>
/// A handler that takes an SSH_FXP_DATA answer's data as it arrives instead of in a whole packet (a read's slot):
/// <see cref="BeginData"/>, the pieces, <see cref="EndData"/>, all on the reader loop. <see cref="ISftpResponseHandler.OnFailure"/>
/// may come instead of the end; after it no more pieces come.
/// </summary>
internal interface ISftpDataReceiver : ISftpResponseHandler
{
    /// <summary>The answer is SSH_FXP_DATA with <paramref name="length"/> bytes; throw when that cannot answer the request.</summary>
    void BeginData(int length);

    /// <summary>The next bytes of the data.</summary>
    void WriteData(ReadOnlySpan<byte> data);

    /// <summary>The data is complete.</summary>
    void EndData();
}

/// <summary>
/// The SFTP client protocol engine over one duplex stream (the "sftp" subsystem channel, RFC 4254 §6.5).
/// One reader takes every packet off the stream and hands it to whoever waits for its request id
/// (draft-ietf-secsh-filexfer-02 §3: responses may come in any order and are matched by id), so any number of
/// requests from any number of callers may be outstanding. Over an SSH channel the reader is the channel's sink, run
/// by the connection's receive loop, and a read's data goes from the SSH packet straight into the read's slot; over
/// any other stream (a local sftp-server's pipes) it is a loop of reads. Sends are serialised by a lock so packets never
/// interleave. Any protocol violation, a lost stream, or a server silent for the operation timeout while
/// requests are outstanding kills the whole session: every waiter gets the error, new requests are refused.
/// </summary>
internal sealed class SftpChannel : IAsyncDisposable, ISshChannelSink, ISftpPacketTarget
{
    /// <summary>What the reader loop over a plain stream reads at once.</summary>
    private const int StreamReadLength = 64 * 1024;

    private readonly Stream _stream;
    private readonly SftpPacketAssembler _assembler;
    private readonly TaskCompletionSource<SftpVersion> _version = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly object _gate = new();
    private readonly Dictionary<uint, ISftpResponseHandler> _pending = new();
    private readonly TimeSpan _timeout;
    private readonly long _timeoutTicks;
    private readonly IProtocolLog? _log;
    private Timer? _watchdog;
    private uint _nextId;
    private long _lastProgress;
    private Exception? _fault;
    private Task? _readLoop;
    private SemaphoreSlim? _handleSlots;

    /// <summary>The request whose SSH_FXP_DATA is arriving (taken out of <see cref="_pending"/>); its pieces are written under <see cref="_gate"/>.</summary>
    private ISftpDataReceiver? _receiving;

    /// <summary>Set by the reader once SSH_FXP_VERSION came; only the reader uses it.</summary>
    private bool _versionReceived;

    private SftpChannel(Stream stream, TimeSpan timeout, IProtocolLog? log)
    {
        if (stream.CanTimeout)
        {
            // Answers are timed per request (the watchdog, CheckTimeout). Between requests an idle session waits for
            // data as long as the connection lives: with the stream's own read timeout, a session left alone for
            // the operation timeout (60 s by default) was closed as if the server had stopped answering.
            stream.ReadTimeout = Timeout.Infinite;
        }

        _stream = stream;
        _assembler = new SftpPacketAssembler(this);
        _timeout = timeout;
        _timeoutTicks = (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        _log = log;
        ServerVersion = new SftpVersion(0, new Dictionary<string, string>());
    }

    public SftpVersion ServerVersion { get; private set; }

    public bool IsOpen => Volatile.Read(ref _fault) is null;

    public IProtocolLog? Log => _log;

    /// <summary>Sends SSH_FXP_INIT, takes SSH_FXP_VERSION (draft-02 §4) and starts the reader loop.</summary>
    public static async Task<SftpChannel> OpenAsync(Stream stream, TimeSpan timeout, IProtocolLog? log, CancellationToken cancellationToken)
    {
        var channel = new SftpChannel(stream, timeout, log);
        try
        {
            await channel.HandshakeAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await channel.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return channel;
    }

    private async Task HandshakeAsync(CancellationToken cancellationToken)
    {
        // The reader starts first, so that the answer to INIT finds it.
        if (_stream is SshChannelStream channelStream)
        {
            channelStream.Channel.AttachSink(this);
        }
        else
        {
            _readLoop = Task.Run(ReadStreamLoopAsync, CancellationToken.None);
        }

        var init = SftpPacket.BuildInit();
        _log?.Write(LogDirection.Sent, "SSH_FXP_INIT version 3");
        await WriteToStreamAsync(init, cancellationToken).ConfigureAwait(false);

        // A pipe read cannot always be cancelled, so the wait is bounded by the timeout; a stream that never answers
        // is then disposed (OpenAsync), which ends the read.
        var receive = _version.Task;
        var finished = await Task.WhenAny(receive, Task.Delay(_timeout, cancellationToken)).ConfigureAwait(false);
        if (finished != receive)
        {
            _ = receive.ContinueWith(t => t.Exception, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            cancellationToken.ThrowIfCancellationRequested();
            throw new ConnectionLostException($"The SFTP server did not answer SSH_FXP_INIT within {_timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s.");
        }

        var version = await receive.ConfigureAwait(false);
        if (version.Version != 3)
        {
            throw new ProtocolViolationException($"The SFTP server speaks version {version.Version}; FtpTools speaks version 3 (draft-ietf-secsh-filexfer-02) only.");
        }

        ServerVersion = version;
        _log?.Write(LogDirection.Received, "SSH_FXP_VERSION 3 " + string.Join(" ", version.Extensions.Select(e => $"{e.Key}={e.Value}")));
        _lastProgress = Stopwatch.GetTimestamp();
        var period = TimeSpan.FromMilliseconds(Math.Max(50, Math.Min(1000, _timeout.TotalMilliseconds / 4)));
        _watchdog = new Timer(static state => ((SftpChannel)state!).CheckTimeout(), this, period, period);
    }

    /// <summary>
    /// Keeps at most <paramref name="maxOpenHandles"/> handles open at once (limits@openssh.com, OpenSSH PROTOCOL
    /// §4.8): SSH_FXP_OPEN and SSH_FXP_OPENDIR wait for a slot before they are sent. A slot is taken by the request,
    /// kept when the answer is a handle, and given back when the answer is anything else or when the handle's
    /// SSH_FXP_CLOSE is answered (also a close of a handle its opener stopped waiting for). Call before any open.
    /// </summary>
    public void LimitOpenHandles(int maxOpenHandles)
    {
        if (maxOpenHandles < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(maxOpenHandles), maxOpenHandles, "At least one handle must be allowed.");
        }

        _handleSlots = new SemaphoreSlim(maxOpenHandles);
    }

    /// <summary>Reserves a request id for <paramref name="handler"/>. Register before sending: the answer may come at once.</summary>
    public uint Register(ISftpResponseHandler handler)
    {
        lock (_gate)
        {
            if (_fault is not null)
            {
                throw Dead();
            }

            // Ids wrap after 2^32 requests; one still outstanding from the previous lap is skipped.
            var id = _nextId++;
            while (_pending.ContainsKey(id))
            {
                id = _nextId++;
            }

            if (_pending.Count == 0)
            {
                Volatile.Write(ref _lastProgress, Stopwatch.GetTimestamp());
            }

            _pending.Add(id, handler);
            return id;
        }
    }

    /// <summary>Forgets a registration whose request never went out.</summary>
    public void Unregister(uint id)
    {
        lock (_gate)
        {
            _pending.Remove(id);
        }
    }

    /// <summary>Writes one whole packet. Packets from concurrent callers never interleave.</summary>
#if NET8_0_OR_GREATER
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
#endif
    public async ValueTask SendAsync(ReadOnlyMemory<byte> packet, CancellationToken cancellationToken)
    {
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Volatile.Read(ref _fault) is not null)
            {
                throw Dead();
            }

            // Not cancellable once started: half a packet on the wire would corrupt the stream for everyone.
            await WriteToStreamAsync(packet, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>A request outside the transfer path: builds it, sends it and waits for its parsed response.</summary>
    public async Task<SftpResponse> RequestAsync(SftpPacketType type, Action<SshWriter>? writeBody, string? logText, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var slots = Volatile.Read(ref _handleSlots);
        var slot = slots is null ? HandleSlot.None : type switch
        {
            SftpPacketType.SSH_FXP_OPEN or SftpPacketType.SSH_FXP_OPENDIR => HandleSlot.TakenUnlessRefused,
            SftpPacketType.SSH_FXP_CLOSE => HandleSlot.GivenBackWhenAnswered,
            _ => HandleSlot.None,
        };
        if (slot == HandleSlot.TakenUnlessRefused && !slots!.Wait(0))
        {
            _log?.Write(LogDirection.Info, $"{type} of {logText} waits for a handle to be closed: the server allows no more open at once.");
            await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        var pending = new PendingRequest(this, slot == HandleSlot.None ? null : slots, slot);
        uint id;
        try
        {
            id = Register(pending);
        }
        catch
        {
            pending.GiveBackSlot();
            throw;
        }

        try
        {
            var writer = new SshWriter(128);
            SftpPacket.Begin(writer, type, id);
            writeBody?.Invoke(writer);
            SftpPacket.End(writer);
            _log?.Write(LogDirection.Sent, $"{type} #{id} {logText}");
            await SendAsync(writer.WrittenMemory, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Unregister(id);
            pending.GiveBackSlot();
            throw;
        }

        SftpResponse response;
        using (cancellationToken.Register(static state => ((PendingRequest)state!).Cancel(), pending))
        {
            response = await pending.Task.ConfigureAwait(false);
        }

        _log?.Write(LogDirection.Received, $"#{id} {response}");
        return response;
    }

    /// <summary>Kills the session with <paramref name="error"/>: every waiter gets it, the stream is closed.</summary>
    public void Fail(Exception error)
    {
        List<ISftpResponseHandler> handlers;
        lock (_gate)
        {
            if (_fault is not null)
            {
                return;
            }

            _fault = error;
            handlers = _pending.Values.ToList();
            _pending.Clear();
            if (_receiving is not null)
            {
                // No piece is written into it after this lock: DataPiece writes under it and finds it gone.
                handlers.Add(_receiving);
                _receiving = null;
            }
        }

        // A handshake that failed before it waited for the version never looks at it: marked observed here.
        _version.TrySetException(error);
        _ = _version.Task.Exception;

        _watchdog?.Dispose();
        _log?.Write(LogDirection.Info, "SFTP session closed: " + error.Message);
        try
        {
            _stream.Dispose();
        }
        catch (IOException)
        {
            // The stream is going away either way; a failing close changes nothing for the waiters.
        }

        foreach (var handler in handlers)
        {
            handler.OnFailure(error);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Fail(new ConnectionLostException("The SFTP session was closed."));
        if (_readLoop is not null)
        {
            // The loop ends once the closed stream fails its read; a stream that cannot be interrupted is not waited on for long.
            await Task.WhenAny(_readLoop, Task.Delay(TimeSpan.FromSeconds(2))).ConfigureAwait(false);
        }
    }

    /// <summary>The exception for use of a dead session, pointing at what killed it.</summary>
    public ConnectionLostException Dead()
    {
        var fault = Volatile.Read(ref _fault);
        return new ConnectionLostException("The SFTP session is no longer usable: " + (fault?.Message ?? "closed."), fault);
    }

    /// <summary>Closes a handle nobody wants any more (its opener gave up waiting); errors do not matter.</summary>
    private void CloseOrphanedHandle(byte[] handle)
    {
        _ = CloseQuietlyAsync();

        async Task CloseQuietlyAsync()
        {
            try
            {
                await RequestAsync(SftpPacketType.SSH_FXP_CLOSE, w => w.WriteString(handle), "(abandoned handle)", CancellationToken.None).ConfigureAwait(false);
            }
            catch (FtpToolsException)
            {
                // The session is gone or refused; the handle dies with the session either way.
            }
        }
    }

    /// <summary>The reader over a plain stream (a local sftp-server's pipes).</summary>
    private async Task ReadStreamLoopAsync()
    {
        var buffer = new byte[StreamReadLength];
        try
        {
            while (Volatile.Read(ref _fault) is null)
            {
                var read = await _stream.ReadAsync(buffer, 0, buffer.Length, CancellationToken.None).ConfigureAwait(false);
                if (read == 0)
                {
                    Fail(ClosedByServer());
                    return;
                }

                Receive(buffer.AsSpan(0, read));
            }
        }
        catch (FtpToolsException ex)
        {
            Fail(ex);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException)
        {
            Fail(new ConnectionLostException("Reading from the SFTP channel failed: " + ex.Message, ex));
        }
    }

    void ISshChannelSink.OnData(ReadOnlySpan<byte> data) => Receive(data);

    void ISshChannelSink.OnEnd(Exception? failure) => Fail(failure is null ? ClosedByServer() : SshChannel.Lost(failure));

    /// <summary>Takes the next bytes from the server; what is wrong with them kills the session, not the SSH connection.</summary>
    private void Receive(ReadOnlySpan<byte> data)
    {
        if (Volatile.Read(ref _fault) is not null)
        {
            return;
        }

        try
        {
            _assembler.Feed(data);
        }
        catch (FtpToolsException ex)
        {
            Fail(ex);
        }
    }

    private ConnectionLostException ClosedByServer()
    {
        var partial = _assembler.PartialBytes;
        return new ConnectionLostException(partial > 0
            ? $"The SFTP channel closed in the middle of a packet ({partial} bytes of it received)."
            : "The SFTP channel was closed by the server.");
    }

    void ISftpPacketTarget.OnPacket(ReadOnlyMemory<byte> body)
    {
        if (!_versionReceived)
        {
            _versionReceived = true;
            _version.TrySetResult(SftpMessages.ParseVersion(body));
            return;
        }

        Dispatch(body);
    }

    bool ISftpPacketTarget.BeginData(uint id, int dataLength)
    {
        ISftpDataReceiver? receiver;
        lock (_gate)
        {
            if (!_versionReceived || !_pending.TryGetValue(id, out var handler))
            {
                throw new ProtocolViolationException($"The SFTP server sent {SftpPacketType.SSH_FXP_DATA} for request id {id}, which is not outstanding.");
            }

            receiver = handler as ISftpDataReceiver;
            if (receiver is null)
            {
                return false;
            }

            _pending.Remove(id);
            _receiving = receiver;
        }

        Volatile.Write(ref _lastProgress, Stopwatch.GetTimestamp());
        try
        {
            receiver.BeginData(dataLength);
        }
        catch (Exception ex)
        {
            lock (_gate)
            {
                _receiving = null;
            }

            receiver.OnFailure(ex);
            throw;
        }

        return true;
    }

    void ISftpPacketTarget.DataPiece(ReadOnlySpan<byte> piece)
    {
        lock (_gate)
        {
            // Gone: the session failed meanwhile and the request has its error (see Fail).
            _receiving?.WriteData(piece);
        }

        Volatile.Write(ref _lastProgress, Stopwatch.GetTimestamp());
    }

    void ISftpPacketTarget.DataEnd()
    {
        ISftpDataReceiver? receiver;
        lock (_gate)
        {
            receiver = _receiving;
            _receiving = null;
        }

        receiver?.EndData();
    }

    private void Dispatch(ReadOnlyMemory<byte> body)
    {
        var span = body.Span;
        var type = (SftpPacketType)span[0];
        switch (type)
        {
            case SftpPacketType.SSH_FXP_STATUS:
            case SftpPacketType.SSH_FXP_HANDLE:
            case SftpPacketType.SSH_FXP_DATA:
            case SftpPacketType.SSH_FXP_NAME:
            case SftpPacketType.SSH_FXP_ATTRS:
            case SftpPacketType.SSH_FXP_EXTENDED_REPLY:
                break;
            default:
                throw new ProtocolViolationException($"The SFTP server sent packet type {span[0]}, which is not a response.");
        }

        var id = BinaryPrimitives.ReadUInt32BigEndian(span.Slice(1));
        ISftpResponseHandler? handler;
        lock (_gate)
        {
            if (!_pending.TryGetValue(id, out handler))
            {
                throw new ProtocolViolationException($"The SFTP server sent {type} for request id {id}, which is not outstanding.");
            }

            _pending.Remove(id);
        }

        Volatile.Write(ref _lastProgress, Stopwatch.GetTimestamp());
        try
        {
            handler.OnResponse(type, body.Slice(5));
        }
        catch (Exception ex)
        {
            handler.OnFailure(ex);
            throw;
        }
    }

    private void CheckTimeout()
    {
        lock (_gate)
        {
            if (_fault is not null || (_pending.Count == 0 && _receiving is null))
            {
                return;
            }
        }

        if (Stopwatch.GetTimestamp() - Volatile.Read(ref _lastProgress) > _timeoutTicks)
        {
            Fail(new ConnectionLostException($"The SFTP server did not answer for {_timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s."));
        }
    }

#if NET8_0_OR_GREATER
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
#endif
    private async ValueTask WriteToStreamAsync(ReadOnlyMemory<byte> packet, CancellationToken cancellationToken)
    {
        try
        {
#if NET8_0_OR_GREATER
            await _stream.WriteAsync(packet, cancellationToken).ConfigureAwait(false);
#else
            if (!MemoryMarshal.TryGetArray(packet, out var segment))
            {
                segment = new ArraySegment<byte>(packet.ToArray());
            }

            await _stream.WriteAsync(segment.Array!, segment.Offset, segment.Count, cancellationToken).ConfigureAwait(false);
#endif
            await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or NotSupportedException)
        {
            var lost = new ConnectionLostException("Writing to the SFTP channel failed: " + ex.Message, ex);
            Fail(lost);
            throw Dead();
        }
    }

    /// <summary>What a request does to the open-handle budget (<see cref="LimitOpenHandles"/>).</summary>
    private enum HandleSlot
    {
        None,

        /// <summary>An open: holds a slot, kept if the answer is a handle.</summary>
        TakenUnlessRefused,

        /// <summary>A close: the handle's slot comes back with the answer, whatever it says.</summary>
        GivenBackWhenAnswered,
    }

    private sealed class PendingRequest : ISftpResponseHandler
    {
        private readonly SftpChannel _channel;
        private readonly TaskCompletionSource<SftpResponse> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly HandleSlot _slot;
        private SemaphoreSlim? _slots;

        public PendingRequest(SftpChannel channel, SemaphoreSlim? slots, HandleSlot slot)
        {
            _channel = channel;
            _slots = slots;
            _slot = slot;
        }

        public Task<SftpResponse> Task => _completion.Task;

        public void OnResponse(SftpPacketType type, ReadOnlyMemory<byte> afterId)
        {
            var response = SftpMessages.ParseResponse(type, afterId);
            if (_slot == HandleSlot.GivenBackWhenAnswered || response.Handle is null)
            {
                GiveBackSlot();
            }

            if (!_completion.TrySetResult(response) && response.Handle is not null)
            {
                // Its slot goes back when this close is answered.
                _channel.CloseOrphanedHandle(response.Handle);
            }
        }

        public void OnFailure(Exception error)
        {
            GiveBackSlot();
            _completion.TrySetException(error);
        }

        public void Cancel() => _completion.TrySetCanceled();

        /// <summary>Returns the request's slot once, if it has one.</summary>
        public void GiveBackSlot() => Interlocked.Exchange(ref _slots, null)?.Release();
    }
}
