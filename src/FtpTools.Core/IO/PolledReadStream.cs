#if NET8_0_OR_GREATER
using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace FtpTools.Core.IO;

/// <summary>
/// The socket's stream under a TLS control connection: before each read it waits a moment in poll(2)
/// (<see cref="ShortPoll"/>), as the plain control connection does before each of its reads, so that a near server's
/// reply is read without the runtime's event loop and the socket never joins it. It sits below the TLS stream, which
/// reads from it only when it needs bytes that are not yet above the socket, so a record already received is never
/// waited for. Writes go straight through.
/// <para>
/// .NET 8 and later only: .NET Framework's SslStream reads through BeginRead, which a wrapper would turn into a
/// blocking read on a pool thread.
/// </para>
/// </summary>
internal sealed class PolledReadStream : Stream
{
    private readonly Stream _inner;
    private readonly ShortPoll _poll;

    public PolledReadStream(Stream inner, ShortPoll poll)
    {
        _inner = inner;
        _poll = poll;
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => _inner.CanWrite;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var waiting = WaitAsync();
        return waiting.IsCompleted ? _inner.ReadAsync(buffer, cancellationToken) : ReadAfterAsync(waiting, buffer, cancellationToken);
    }

    public override void Write(byte[] buffer, int offset, int count) => _inner.Write(buffer, offset, count);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        _inner.WriteAsync(buffer, offset, count, cancellationToken);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        _inner.WriteAsync(buffer, cancellationToken);

    public override void Flush() => _inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private async ValueTask<int> ReadAfterAsync(Task waiting, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        await waiting.ConfigureAwait(false);
        return await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A late answer is waited for on a thread of its own; the deadline or cancellation closes the socket, which ends it.</summary>
    private Task WaitAsync() => _poll.Wait() == ShortPollOutcome.Late ? _poll.WaitOnOwnThreadAsync() : Task.CompletedTask;
}
#endif
