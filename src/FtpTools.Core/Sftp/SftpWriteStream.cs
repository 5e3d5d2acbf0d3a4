using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.Runtime.CompilerServices;
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
/// fails the stream; <see cref="CompleteAsync"/> waits for every answer, optionally asks for fsync@openssh.com, closes
/// the handle and reports the first error.
/// </summary>
internal sealed class SftpWriteStream : RemoteFileStream
{
    private readonly SftpSession _session;
    private readonly SftpChannel _channel;
    private readonly byte[] _handle;
    private readonly string _path;
    private readonly int _chunk;
    private readonly int _headerLength;
    private readonly int _maxWindow;
    private readonly bool _fsync;
    private readonly Queue<WriteSlot> _inFlight = new();
    private readonly Stack<WriteSlot> _free = new();
    private readonly List<WriteSlot> _all = new();
    private WriteSlot? _filling;
    private long _offset;
    private long _position;
    private bool _finished;
    private Exception? _error;

    internal SftpWriteStream(SftpSession session, SftpChannel channel, byte[] handle, string path, long offset, int chunk, int maxWindow, bool fsync)
    {
        _session = session;
        _channel = channel;
        _handle = handle;
        _path = path;
        _chunk = chunk;
        _headerLength = SftpPacket.DataRequestHeaderLength(handle.Length);
        _maxWindow = Math.Max(1, maxWindow);
        _fsync = fsync;
        _offset = offset;
        _position = offset;
    }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => !_finished;

    public override long Length => throw new NotSupportedException("An SFTP write stream does not know the file's length.");

    /// <summary>The remote offset the next written byte goes to. Setting it is not supported.</summary>
    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException("An SFTP write stream cannot seek; open it at the wanted offset instead.");
    }

    internal int RequestsInFlight => _inFlight.Count;

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("This SFTP stream is for writing.");

    public override void Write(byte[] buffer, int offset, int count) =>
        throw new NotSupportedException("SFTP streams are asynchronous; use WriteAsync.");

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteCoreAsync(new ReadOnlyMemory<byte>(buffer, offset, count), cancellationToken).AsTask();

#if NET8_0_OR_GREATER
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        WriteCoreAsync(buffer, cancellationToken);
#endif

    /// <summary>Nothing to do: data goes out as whole requests; <see cref="CompleteAsync"/> sends the last partial one.</summary>
    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("An SFTP write stream cannot seek.");

    public override void SetLength(long value) => throw new NotSupportedException("An SFTP write stream cannot change the file's length.");

    public override async Task CompleteAsync(CancellationToken cancellationToken)
    {
        if (_finished)
        {
            if (_error is not null)
            {
                throw _error;
            }

            return;
        }

        try
        {
            ThrowIfFailed();
            if (_filling is { DataLength: > 0 })
            {
                var last = _filling;
                _filling = null;
                await IssueAsync(last, cancellationToken).ConfigureAwait(false);
            }

            while (_inFlight.Count > 0)
            {
                await RetireOldestAsync(cancellationToken).ConfigureAwait(false);
            }

            if (_fsync)
            {
                await _session.FsyncAsync(_handle, _path, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is FtpToolsException or OperationCanceledException)
        {
            _error ??= ex;
            _finished = true;
            ReleaseBuffers();
            await _session.CloseHandleQuietlyAsync(_handle).ConfigureAwait(false);
            throw;
        }

        _finished = true;
        ReleaseBuffers();

        // The close status counts: a file system may only report a failed write (quota, NFS) when the file is closed.
        await _session.CloseHandleAsync(_handle, _path, cancellationToken).ConfigureAwait(false);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_finished)
        {
            _finished = true;
            ReleaseBuffers();
            _ = _session.CloseHandleQuietlyAsync(_handle);
        }

        base.Dispose(disposing);
    }

#if NET8_0_OR_GREATER
    public override async ValueTask DisposeAsync()
    {
        if (!_finished)
        {
            _finished = true;
            ReleaseBuffers();
            await _session.CloseHandleQuietlyAsync(_handle).ConfigureAwait(false);
        }

        await base.DisposeAsync().ConfigureAwait(false);
    }
#endif

#if NET8_0_OR_GREATER
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
#endif
    private async ValueTask WriteCoreAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken)
    {
        if (_finished)
        {
            throw _error ?? new ObjectDisposedException(nameof(SftpWriteStream), "The SFTP write stream is completed or disposed.");
        }

        ThrowIfFailed();
        try
        {
            while (source.Length > 0)
            {
                _filling ??= await TakeSlotAsync(cancellationToken).ConfigureAwait(false);
                var slot = _filling;
                var count = Math.Min(_chunk - slot.DataLength, source.Length);
                source.Span.Slice(0, count).CopyTo(new Span<byte>(slot.Packet, _headerLength + slot.DataLength, count));
                slot.DataLength += count;
                source = source.Slice(count);
                _position += count;
                if (slot.DataLength == _chunk)
                {
                    _filling = null;
                    await IssueAsync(slot, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (Exception ex) when (ex is FtpToolsException or OperationCanceledException)
        {
            _error ??= ex;
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
        while (_inFlight.Count > 0 && (_inFlight.Count >= _maxWindow || !_inFlight.Peek().IsInFlight))
        {
            await RetireOldestAsync(cancellationToken).ConfigureAwait(false);
        }

        if (_free.Count > 0)
        {
            var reused = _free.Pop();
            reused.DataLength = 0;
            return reused;
        }

        var slot = new WriteSlot(_session.Buffers, _session.Buffers.Rent(_headerLength + _chunk));
        _all.Add(slot);
        return slot;
    }

#if NET8_0_OR_GREATER
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
#endif
    private async ValueTask RetireOldestAsync(CancellationToken cancellationToken)
    {
        var slot = _inFlight.Peek();
        await slot.WaitAsync(cancellationToken).ConfigureAwait(false);
        _inFlight.Dequeue();
        if (slot.Status is { } status)
        {
            _error ??= SftpMessages.ToException(status, "SSH_FXP_WRITE to", _path);
        }

        slot.DataLength = 0;
        _free.Push(slot);
        ThrowIfFailed();
    }

#if NET8_0_OR_GREATER
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
#endif
    private async ValueTask IssueAsync(WriteSlot slot, CancellationToken cancellationToken)
    {
        var offset = _offset;
        slot.Arm();
        uint id;
        try
        {
            id = _channel.Register(slot);
        }
        catch
        {
            slot.Disarm();
            _free.Push(slot);
            throw;
        }

        SftpPacket.WriteDataRequestHeader(slot.Packet, SftpPacketType.SSH_FXP_WRITE, _handle, id, (ulong)offset, (uint)slot.DataLength, slot.DataLength);
        try
        {
            await _channel.SendAsync(new ReadOnlyMemory<byte>(slot.Packet, 0, _headerLength + slot.DataLength), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _channel.Unregister(id);
            slot.Disarm();
            _free.Push(slot);
            throw;
        }

        _inFlight.Enqueue(slot);
        _offset = offset + slot.DataLength;
    }

    private void ThrowIfFailed()
    {
        if (_error is not null)
        {
            throw _error;
        }
    }

    /// <summary>Returns every buffer the stream still owns; in-flight slots are orphaned and the reader loop returns theirs.</summary>
    private void ReleaseBuffers()
    {
        foreach (var slot in _all)
        {
            if (slot.TryOrphan() || slot.IsOrphaned)
            {
                continue;
            }

            _session.Buffers.Return(slot.Packet);
        }

        _all.Clear();
        _free.Clear();
        _inFlight.Clear();
        _filling = null;
    }

    private sealed class WriteSlot : SftpPipelineSlot
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

        protected override void ReleaseOrphan() => _pool.Return(Packet);
    }
}
