using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace FtpTools.Core.Tests.Sftp;

/// <summary>Joins a readable and a writable stream (a child process's stdout and stdin) into one duplex stream.</summary>
internal sealed class DuplexStream : Stream
{
    private readonly Stream _input;
    private readonly Stream _output;
    private readonly Action? _onDispose;
    private int _disposed;

    public DuplexStream(Stream input, Stream output, Action? onDispose = null)
    {
        _input = input;
        _output = output;
        _onDispose = onDispose;
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => _input.Read(buffer, offset, count);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        _input.ReadAsync(buffer, offset, count, cancellationToken);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        _input.ReadAsync(buffer, cancellationToken);

    public override void Write(byte[] buffer, int offset, int count) => _output.Write(buffer, offset, count);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        _output.WriteAsync(buffer, offset, count, cancellationToken);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        _output.WriteAsync(buffer, cancellationToken);

    public override void Flush() => _output.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => _output.FlushAsync(cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            try
            {
                _output.Dispose();
            }
            catch (IOException)
            {
                // The peer may be gone already.
            }

            _onDispose?.Invoke();
            _input.Dispose();
        }

        base.Dispose(disposing);
    }
}
