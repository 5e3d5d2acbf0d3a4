using System;
using System.Buffers;
using System.IO;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;
using FtpTools.Core.Ssh;

namespace FtpTools.Core.Sftp;

/// <summary>
/// Reads a remote file with many SSH_FXP_READ requests in flight (draft-ietf-secsh-filexfer-02 §6.4) and hands the
/// data back in file order. The window starts small and grows by one request per full answer up to a bound, the
/// way OpenSSH's sftp client ramps up, so small files cost little and large ones fill the link. A short read (fewer
/// bytes than asked, which §6.4 allows anywhere) is answered by asking for the rest before anything later is handed
/// out; SSH_FX_EOF at the head of the queue is the end. Memory is bounded by the window: each slot owns one pooled
/// buffer, reused for every request it makes, returned when the stream completes or is disposed.
/// </summary>
internal sealed class SftpReadStream : SftpPipelinedStream<SftpReadStream.ReadSlot>, IChunkedReader
{
    private const int InitialWindow = 16;

    private ReadSlot? _current;
    private bool _currentReady;
    private int _currentPosition;
    private long _nextOffset;
    private long _sizeHint;
    private long _position;
    private int _window;
    private bool _eof;

    /// <summary>
    /// A stream over an open handle, reading from <paramref name="offset"/> in requests of <paramref name="chunk"/> bytes,
    /// at most <paramref name="maxWindow"/> at once. <paramref name="sizeHint"/> is the file size from SSH_FXP_FSTAT, or -1;
    /// only a hint: reading goes on while the server returns data.
    /// </summary>
    internal SftpReadStream(SftpSession session, SftpChannel channel, byte[] handle, string path, long offset, int chunk, int maxWindow, long sizeHint)
        : base(session, channel, handle, path, chunk, maxWindow)
    {
        _window = Math.Min(InitialWindow, MaxWindow);
        _nextOffset = offset;
        _position = offset;
        _sizeHint = sizeHint;
    }

    public override bool CanRead => !Finished;

    protected override bool WaitForClose => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException("An SFTP read stream does not know its length; GetItemAsync does.");

    /// <summary>The remote offset of the next byte returned. Setting it is not supported.</summary>
    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException("An SFTP read stream cannot seek; open it at the wanted offset instead.");
    }

    /// <summary>Requests in flight right now (for tests and diagnostics).</summary>
    internal int RequestsInFlight => InFlight.Count + (_current is not null && !_currentReady ? 1 : 0);

    internal int Window => _window;

    public override int Read(byte[] buffer, int offset, int count) =>
        throw new NotSupportedException("SFTP streams are asynchronous; use ReadAsync.");

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadCoreAsync(new Memory<byte>(buffer, offset, count), cancellationToken).AsTask();

#if NET8_0_OR_GREATER
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ReadCoreAsync(buffer, cancellationToken);
#endif

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("This SFTP stream is for reading.");

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("An SFTP read stream cannot seek.");

    public override void SetLength(long value) => throw new NotSupportedException("An SFTP read stream cannot change the file's length.");

    /// <summary>Fills the first window; called once by the session after opening.</summary>
    internal Task StartAsync(CancellationToken cancellationToken) => FillWindowAsync(cancellationToken);

    protected override async Task DrainAsync(CancellationToken cancellationToken)
    {
        // Requests past the end (or past where the caller stopped) are still answered; their buffers are free
        // only after that.
        foreach (var slot in All)
        {
            if (slot.IsInFlight)
            {
                await slot.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    protected override void ForgetSlots() => _current = null;

    /// <summary>The next data where it lies in its slot, up to the whole answer (see <see cref="IChunkedReader"/>).</summary>
    public ValueTask<ReadOnlyMemory<byte>> ReadChunkAsync(CancellationToken cancellationToken) => NextAsync(int.MaxValue, cancellationToken);

#if NET8_0_OR_GREATER
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
#endif
    private async ValueTask<int> ReadCoreAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        var next = await NextAsync(destination.Length, cancellationToken).ConfigureAwait(false);
        next.Span.CopyTo(destination.Span);
        return next.Length;
    }

    /// <summary>
    /// At most <paramref name="limit"/> bytes of the next data, where they lie in the head slot (valid until the next
    /// call); empty at the end of the file, or when <paramref name="limit"/> is 0.
    /// </summary>
#if NET8_0_OR_GREATER
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
#endif
    private async ValueTask<ReadOnlyMemory<byte>> NextAsync(int limit, CancellationToken cancellationToken)
    {
        ThrowIfFinished(nameof(SftpReadStream), "The SFTP read stream is completed or disposed.");
        ThrowIfFailed();

        if (limit == 0)
        {
            return ReadOnlyMemory<byte>.Empty;
        }

        try
        {
            while (true)
            {
                if (_current is not null)
                {
                    if (!_currentReady)
                    {
                        await _current.WaitAsync(cancellationToken).ConfigureAwait(false);
                        _currentReady = true;
                        _currentPosition = 0;
                        if (!TakeAnswer(_current))
                        {
                            return ReadOnlyMemory<byte>.Empty;
                        }
                    }

                    var available = _current.Received - _currentPosition;
                    if (available > 0)
                    {
                        var count = Math.Min(available, limit);
                        var next = new ReadOnlyMemory<byte>(_current.Buffer, _currentPosition, count);
                        _currentPosition += count;
                        _position += count;
                        return next;
                    }

                    if (_current.Received < _current.Requested)
                    {
                        // Short read (draft-02 §6.4): the rest of this range comes before any later data.
                        var slot = _current;
                        _currentReady = false;
                        await IssueAsync(slot, slot.Offset + slot.Received, slot.Requested - slot.Received, cancellationToken).ConfigureAwait(false);
                        continue;
                    }

                    Free.Push(_current);
                    _current = null;
                }

                if (_eof)
                {
                    return ReadOnlyMemory<byte>.Empty;
                }

                await FillWindowAsync(cancellationToken).ConfigureAwait(false);
                if (InFlight.Count == 0)
                {
                    _eof = true;
                    return ReadOnlyMemory<byte>.Empty;
                }

                _current = InFlight.Dequeue();
                _currentReady = false;
            }
        }
        catch (Exception ex) when (ex is FtpToolsException or OperationCanceledException)
        {
            RecordError(ex);
            throw;
        }
    }

    /// <summary>Looks at the head slot's answer: false at the end of the file, an exception for a refusal.</summary>
    private bool TakeAnswer(ReadSlot slot)
    {
        if (slot.Status is { } status)
        {
            throw SftpMessages.ToException(status, "SSH_FXP_READ of", Path);
        }

        if (slot.Eof)
        {
            _eof = true;
            Free.Push(slot);
            _current = null;
            return false;
        }

        if (_sizeHint >= 0 && slot.Offset + slot.Received > _sizeHint)
        {
            _sizeHint = slot.Offset + slot.Received;
        }

        if (slot.Received == slot.Requested && _window < MaxWindow)
        {
            _window++;
        }

        return true;
    }

    private async Task FillWindowAsync(CancellationToken cancellationToken)
    {
        // The first request goes out whatever the hint says: a file may have grown since SSH_FXP_FSTAT.
        while (!_eof && InFlight.Count < _window && (_sizeHint < 0 || _nextOffset <= _sizeHint || All.Count == 0))
        {
            // With a size hint, the request that reaches the end stops exactly there and one more, starting at the
            // end, confirms SSH_FX_EOF in the same round trip instead of after a short read.
            var length = _sizeHint >= 0 && _nextOffset < _sizeHint ? (int)Math.Min(Chunk, _sizeHint - _nextOffset) : Chunk;
            var slot = Free.Count > 0 ? Free.Pop() : NewSlot();
            var offset = _nextOffset;
            await IssueAsync(slot, offset, length, cancellationToken).ConfigureAwait(false);
            InFlight.Enqueue(slot);
            _nextOffset = offset + length;
        }
    }

    private ReadSlot NewSlot()
    {
        var slot = new ReadSlot(SftpSession.Buffers, SftpSession.Buffers.Rent(Chunk), new byte[SftpPacket.DataRequestHeaderLength(Handle.Length)], Chunk);
        All.Add(slot);
        return slot;
    }

#if NET8_0_OR_GREATER
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
#endif
    private async ValueTask IssueAsync(ReadSlot slot, long offset, int length, CancellationToken cancellationToken)
    {
        slot.Offset = offset;
        slot.Requested = length;
        var id = Register(slot);
        SftpPacket.WriteDataRequestHeader(slot.Request, SftpPacketType.SSH_FXP_READ, Handle, id, (ulong)offset, (uint)length, 0);
        try
        {
            await Channel.SendAsync(slot.Request, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Abandon(slot, id);
            if (ReferenceEquals(slot, _current))
            {
                _current = null;
            }

            throw;
        }
    }

    internal sealed class ReadSlot : SftpPipelineSlot, ISftpDataReceiver
    {
        private readonly ArrayPool<byte> _pool;
        private readonly int _capacity;

        public ReadSlot(ArrayPool<byte> pool, byte[] buffer, byte[] request, int capacity)
        {
            _pool = pool;
            Buffer = buffer;
            Request = request;
            _capacity = capacity;
        }

        public byte[] Buffer { get; }

        public byte[] Request { get; }

        public long Offset { get; set; }

        public int Requested { get; set; }

        public int Received { get; private set; }

        public bool Eof { get; private set; }

        public SftpStatus? Status { get; private set; }

        protected override void ResetResult()
        {
            Received = 0;
            Eof = false;
            Status = null;
        }

        protected override void Accept(SftpPacketType type, ReadOnlyMemory<byte> afterId)
        {
            var reader = new SshReader(afterId);
            if (type == SftpPacketType.SSH_FXP_DATA)
            {
                var data = reader.ReadStringBytes();
                CheckDataLength(data.Length);
                data.Span.CopyTo(Buffer);
                Received = data.Length;

                // An empty SSH_FXP_DATA would make the short-read rule ask again forever; it can only mean the end.
                Eof = data.Length == 0;
                return;
            }

            if (type == SftpPacketType.SSH_FXP_STATUS)
            {
                var status = SftpMessages.ReadStatus(ref reader);
                if (status.Code == SftpStatusCode.SSH_FX_EOF)
                {
                    Eof = true;
                }
                else
                {
                    Status = status;
                }

                return;
            }

            throw new ProtocolViolationException($"The SFTP server answered SSH_FXP_READ with {type}.");
        }

        public override void ReturnBuffer() => _pool.Return(Buffer);

        void ISftpDataReceiver.BeginData(int length)
        {
            CheckDataLength(length);
            Received = 0;
        }

        void ISftpDataReceiver.WriteData(ReadOnlySpan<byte> data)
        {
            // The channel never hands more than BeginData announced.
            data.CopyTo(Buffer.AsSpan(Received));
            Received += data.Length;
        }

        void ISftpDataReceiver.EndData()
        {
            Eof = Received == 0;
            Publish();
        }

        private void CheckDataLength(int length)
        {
            if (length > Requested || length > _capacity)
            {
                throw new ProtocolViolationException($"The SFTP server returned {length} bytes for a read of {Requested}.");
            }
        }
    }
}
