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
/// SslStream (.NET 8 and later) asks for each record it lacks with a zero-byte read first, then reads. The zero-byte
/// read is where the wait happens, once per record, and it returns without going below once the socket is readable;
/// the read that follows then goes straight to the socket. One wait per record keeps <see cref="ShortPoll"/>'s count
/// of late replies, and so its back-off from a far server, as on a plain connection.
/// </para>
/// <para>
/// .NET 8 and later only: .NET Framework's SslStream reads through BeginRead, which a wrapper would turn into a
/// blocking read on a pool thread.
/// </para>
/// </summary>
internal sealed class PolledReadStream : Stream
{
    private readonly Stream _inner;
    private readonly ShortPoll _poll;

    // A zero-byte read found the socket readable: the read that follows needs no wait of its own.
    private bool _readable;

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
        if (_readable && buffer.Length > 0)
        {
            _readable = false;
            return _inner.ReadAsync(buffer, cancellationToken);
        }

        var outcome = _poll.Wait();
        if (buffer.Length == 0)
        {
            // Ready: nothing to wait for. Late: waited for on a thread of its own. Far (backed off): the runtime's own
            // zero-byte read waits, as an unwrapped stream would.
            _readable = true;
            return outcome switch
            {
                ShortPollOutcome.Ready => new ValueTask<int>(0),
                ShortPollOutcome.Late => ZeroAfterAsync(_poll.WaitOnOwnThreadAsync()),
                _ => _inner.ReadAsync(buffer, cancellationToken),
            };
        }

        return outcome == ShortPollOutcome.Late ? ReadAfterAsync(_poll.WaitOnOwnThreadAsync(), buffer, cancellationToken) : _inner.ReadAsync(buffer, cancellationToken);
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

    /// <summary>After a late answer, waited for on a thread of its own (the deadline or cancellation closes the socket, which ends it).</summary>
    private async ValueTask<int> ReadAfterAsync(Task waiting, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        await waiting.ConfigureAwait(false);
        return await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
    }

    private static async ValueTask<int> ZeroAfterAsync(Task waiting)
    {
        await waiting.ConfigureAwait(false);
        return 0;
    }
}
#endif
