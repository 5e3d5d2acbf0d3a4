using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace FtpTools.Core.Ssh.Channels;

/// <summary>
/// A session channel as a duplex stream, e.g. the "sftp" subsystem for the SFTP layer. Reads return channel
/// data (stdout) and 0 after the server's EOF; writes respect the channel window. Reads wait at most
/// <see cref="ReadTimeout"/> (the operation timeout by default) for data; a timeout ends the connection.
/// One reader and one writer may work concurrently. Dispose closes the channel.
/// </summary>
internal sealed class SshChannelStream : Stream
#if !NET8_0_OR_GREATER
    , IAsyncDisposable
#endif
{
    private readonly SshChannel _channel;
    private TimeSpan _readTimeout;
    private int _disposed;

    public SshChannelStream(SshChannel channel, TimeSpan readTimeout)
    {
        _channel = channel;
        _readTimeout = readTimeout;
    }

    public SshChannel Channel => _channel;

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override bool CanTimeout => true;

    /// <summary>Milliseconds; <see cref="Timeout.Infinite"/> waits for data as long as the connection lives.</summary>
    public override int ReadTimeout
    {
        get => _readTimeout < TimeSpan.Zero ? Timeout.Infinite : (int)Math.Min(int.MaxValue, _readTimeout.TotalMilliseconds);
        set => _readTimeout = value == Timeout.Infinite ? Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(value);
    }

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        _channel.ReadAsync(buffer.AsMemory(offset, count), _readTimeout, cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        _channel.WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

#if NET8_0_OR_GREATER
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        _channel.ReadAsync(buffer, _readTimeout, cancellationToken);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        _channel.WriteAsync(buffer, cancellationToken);
#endif

    /// <summary>Synchronous reads exist because Stream requires them; the core itself only reads asynchronously.</summary>
    public override int Read(byte[] buffer, int offset, int count) =>
        _channel.ReadAsync(buffer.AsMemory(offset, count), _readTimeout, CancellationToken.None).AsTask().GetAwaiter().GetResult();

    /// <summary>Synchronous writes exist because Stream requires them; the core itself only writes asynchronously.</summary>
    public override void Write(byte[] buffer, int offset, int count) =>
        _channel.WriteAsync(buffer.AsMemory(offset, count), CancellationToken.None).AsTask().GetAwaiter().GetResult();

    /// <summary>Every write is sent when it returns; there is nothing to flush.</summary>
    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Sends EOF: the server's side of the channel sees end of input; reading continues.</summary>
    public Task CompleteWritingAsync(CancellationToken cancellationToken) => _channel.SendEofAsync(cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

#if NET8_0_OR_GREATER
    public override async ValueTask DisposeAsync()
#else
    public async ValueTask DisposeAsync()
#endif
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await _channel.CloseAsync(CancellationToken.None).ConfigureAwait(false);
        }

        GC.SuppressFinalize(this);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            // Synchronous dispose does not wait for the server's CLOSE: it sends ours in the background
            // (CloseAsync is bounded by the operation timeout and releases the buffers itself).
            _ = _channel.CloseAsync(CancellationToken.None);
        }

        base.Dispose(disposing);
    }
}
