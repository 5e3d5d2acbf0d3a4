using System;
using System.Buffers;
using System.IO;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;
using FtpTools.Core.Ssh;

namespace FtpTools.Core.Sftp;

/// <summary>
/// Writes a remote file with SSH_FXP_WRITE requests (draft-ietf-secsh-filexfer-02 §6.4) sent without waiting for
/// their answers; at most a window of them is outstanding, and statuses are checked as they come back (oldest first,
/// when a slot is needed again). Each slot owns one pooled buffer holding a whole request packet, header in front of
/// the data, so a request is one write to the channel and nothing is allocated per request. The first refused write
/// fails the stream; <see cref="RemoteFileStream.CompleteAsync"/> waits for every answer, optionally asks for
/// fsync@openssh.com, closes the handle and reports the first error.
/// </summary>
internal sealed class SftpWriteStream : SftpPipelinedStream<SftpWriteStream.WriteSlot>
{
    private readonly int _headerLength;
    private readonly bool _fsync;
    private WriteSlot? _filling;
    private SftpAttributes? _times;
    private CommandRefusedException? _timesRefusal;
    private long _offset;
    private long _position;

    internal SftpWriteStream(SftpSession session, SftpChannel channel, byte[] handle, string path, long offset, int chunk, int maxWindow, bool fsync)
        : base(session, channel, handle, path, chunk, maxWindow)
    {
        _headerLength = SftpPacket.DataRequestHeaderLength(handle.Length);
        _fsync = fsync;
        _offset = offset;
        _position = offset;
    }

    public override bool CanRead => false;

    /// <summary>Every write was answered SSH_FX_OK and the handle closed: the file ends where the last write did.</summary>
    internal override long? AcknowledgedLength => Completed ? _position : null;

    /// <summary>SSH_FXP_FSETSTAT on the handle behind the last write: the server applies it after the writes (it takes requests in order) and before the close.</summary>
    internal override bool SetTimesOnComplete(DateTime lastWriteTimeUtc, DateTime lastAccessTimeUtc)
    {
        // A time SFTP cannot carry is left to the caller's own attempt, which says so.
        if (!SftpAttributes.TryToUnixSeconds(lastAccessTimeUtc, out var access) || !SftpAttributes.TryToUnixSeconds(lastWriteTimeUtc, out var write))
        {
            return false;
        }

        _times = new SftpAttributes { AccessTime = access, ModifyTime = write };
        return true;
    }

    internal override CommandRefusedException? TimesRefusal => _timesRefusal;

    public override bool CanWrite => !Finished;

    public override long Length => throw new NotSupportedException("An SFTP write stream does not know the file's length.");

    /// <summary>The remote offset the next written byte goes to. Setting it is not supported.</summary>
    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException("An SFTP write stream cannot seek; open it at the wanted offset instead.");
    }

    internal int RequestsInFlight => InFlight.Count;

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("This SFTP stream is for writing.");

    public override void Write(byte[] buffer, int offset, int count) =>
        throw new NotSupportedException("SFTP streams are asynchronous; use WriteAsync.");

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteCoreAsync(new ReadOnlyMemory<byte>(buffer, offset, count), cancellationToken).AsTask();

#if NET8_0_OR_GREATER
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        WriteCoreAsync(buffer, cancellationToken);
#endif

    /// <summary>Nothing to do: data goes out as whole requests; <see cref="RemoteFileStream.CompleteAsync"/> sends the last partial one.</summary>
    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("An SFTP write stream cannot seek.");

    public override void SetLength(long value) => throw new NotSupportedException("An SFTP write stream cannot change the file's length.");

    /// <summary>
    /// Sends the last partial request, the times asked for, fsync@openssh.com if wanted and the close, one behind the
    /// other, then takes back every answer: the server handles them in that order, so the file is written, its times
    /// set and flushed before it is closed, and all of it costs one round trip after the last write.
    /// </summary>
    protected override async Task DrainAsync(CancellationToken cancellationToken)
    {
        if (_filling is { DataLength: > 0 })
        {
            var last = _filling;
            _filling = null;
            await IssueAsync(last, cancellationToken).ConfigureAwait(false);
        }

        var settingTimes = _times is { } times ? SetTimesAsync(times, cancellationToken) : null;
        var flushing = _fsync ? FsyncObservedAsync(cancellationToken) : null;
        SendCloseNow(cancellationToken);
        while (InFlight.Count > 0)
        {
            await RetireOldestAsync(cancellationToken).ConfigureAwait(false);
        }

        if (settingTimes is not null)
        {
            switch (await settingTimes.ConfigureAwait(false))
            {
                case CommandRefusedException refused:
                    _timesRefusal = refused;
                    break;
                case { } failed:
                    ExceptionDispatchInfo.Capture(failed).Throw();
                    break;
            }
        }

        if (flushing is not null && await flushing.ConfigureAwait(false) is { } flushFailure)
        {
            ExceptionDispatchInfo.Capture(flushFailure).Throw();
        }
    }

    protected override void ForgetSlots() => _filling = null;

    /// <summary>The fsync@openssh.com request; like <see cref="SetTimesAsync"/> it returns its failure instead of throwing.</summary>
    private async Task<Exception?> FsyncObservedAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Session.FsyncAsync(Handle, Path, cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (Exception ex) when (ex is FtpToolsException or OperationCanceledException)
        {
            return ex;
        }
    }

    /// <summary>
    /// The FSETSTAT request. Never throws: its failure is returned, so a drain that fails first leaves nothing
    /// unobserved; a refusal becomes the caller's warning, anything else the transfer's failure.
    /// </summary>
    private async Task<Exception?> SetTimesAsync(SftpAttributes times, CancellationToken cancellationToken)
    {
        try
        {
            await Session.FSetStatAsync(Handle, Path, times, cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (Exception ex) when (ex is FtpToolsException or OperationCanceledException)
        {
            return ex;
        }
    }

#if NET8_0_OR_GREATER
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
#endif
    private async ValueTask WriteCoreAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken)
    {
        ThrowIfFinished(nameof(SftpWriteStream), "The SFTP write stream is completed or disposed.");
        ThrowIfFailed();
        try
        {
            while (source.Length > 0)
            {
                _filling ??= await TakeSlotAsync(cancellationToken).ConfigureAwait(false);
                var slot = _filling;
                var count = Math.Min(Chunk - slot.DataLength, source.Length);
                source.Span.Slice(0, count).CopyTo(new Span<byte>(slot.Packet, _headerLength + slot.DataLength, count));
                slot.DataLength += count;
                source = source.Slice(count);
                _position += count;
                if (slot.DataLength == Chunk)
                {
                    _filling = null;
                    await IssueAsync(slot, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (Exception ex) when (ex is FtpToolsException or OperationCanceledException)
        {
            RecordError(ex);
            throw;
        }
    }

#if NET8_0_OR_GREATER
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
#endif
    private async ValueTask<WriteSlot> TakeSlotAsync(CancellationToken cancellationToken)
    {
        // Answers that are already in are taken without waiting, so a refusal surfaces early; a full window waits
        // for the oldest answer.
        while (InFlight.Count > 0 && (InFlight.Count >= MaxWindow || !InFlight.Peek().IsInFlight))
        {
            await RetireOldestAsync(cancellationToken).ConfigureAwait(false);
        }

        if (Free.Count > 0)
        {
            var reused = Free.Pop();
            reused.DataLength = 0;
            return reused;
        }

        var slot = new WriteSlot(SftpSession.Buffers, SftpSession.Buffers.Rent(_headerLength + Chunk));
        All.Add(slot);
        return slot;
    }

#if NET8_0_OR_GREATER
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
#endif
    private async ValueTask RetireOldestAsync(CancellationToken cancellationToken)
    {
        var slot = InFlight.Peek();
        await slot.WaitAsync(cancellationToken).ConfigureAwait(false);
        InFlight.Dequeue();
        if (slot.Status is { } status)
        {
            RecordError(SftpMessages.ToException(status, "SSH_FXP_WRITE to", Path));
        }

        slot.DataLength = 0;
        Free.Push(slot);
        ThrowIfFailed();
    }

#if NET8_0_OR_GREATER
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
#endif
    private async ValueTask IssueAsync(WriteSlot slot, CancellationToken cancellationToken)
    {
        var offset = _offset;
        var id = Register(slot);
        SftpPacket.WriteDataRequestHeader(slot.Packet, SftpPacketType.SSH_FXP_WRITE, Handle, id, (ulong)offset, (uint)slot.DataLength, slot.DataLength);
        try
        {
            await Channel.SendAsync(new ReadOnlyMemory<byte>(slot.Packet, 0, _headerLength + slot.DataLength), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Abandon(slot, id);
            throw;
        }

        InFlight.Enqueue(slot);
        _offset = offset + slot.DataLength;
    }

    internal sealed class WriteSlot : SftpPipelineSlot
    {
        private readonly ArrayPool<byte> _pool;

        public WriteSlot(ArrayPool<byte> pool, byte[] packet)
        {
            _pool = pool;
            Packet = packet;
        }

        /// <summary>The whole request: header (patched per request), then <see cref="DataLength"/> bytes of data.</summary>
        public byte[] Packet { get; }

        public int DataLength { get; set; }

        public SftpStatus? Status { get; private set; }

        protected override void ResetResult() => Status = null;

        protected override void Accept(SftpPacketType type, ReadOnlyMemory<byte> afterId)
        {
            if (type != SftpPacketType.SSH_FXP_STATUS)
            {
                throw new ProtocolViolationException($"The SFTP server answered SSH_FXP_WRITE with {type}.");
            }

            var reader = new SshReader(afterId);
            var status = SftpMessages.ReadStatus(ref reader);
            Status = status.Code == SftpStatusCode.SSH_FX_OK ? null : status;
        }

        public override void ReturnBuffer() => _pool.Return(Packet);
    }
}
