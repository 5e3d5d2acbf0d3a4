using System;
using System.IO;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;

namespace FtpTools.Core.IO;

/// <summary>
/// Writes to a file that will be flushed to disk at the end (a download's part file, before its rename), and on Linux
/// starts writing each <see cref="Chunk"/> to disk as soon as it is complete, so that the final flush waits for the
/// last chunk instead of the whole file. <c>sync_file_range(2)</c> with SYNC_FILE_RANGE_WRITE only starts the write-out
/// and does not wait for it, so the disk works while the network does. Elsewhere it is a plain pass-through: the
/// final flush does all the work.
/// </summary>
internal sealed class WritebackFileStream : Stream
{
    /// <summary>How much is written before its write-out is started.</summary>
    internal const int Chunk = 8 * 1024 * 1024;

    private const uint SyncFileRangeWrite = 2;

    private static readonly bool IsLinux = RuntimeInformation.IsOSPlatform(OSPlatform.Linux);
    private static int _unavailable;

    private readonly FileStream _file;
    private long _unsubmitted;

    public WritebackFileStream(FileStream file)
    {
        _file = file ?? throw new ArgumentNullException(nameof(file));
        _unsubmitted = file.Position;
    }

    /// <summary>Bytes whose write-out was started early (tests).</summary>
    internal long Submitted { get; private set; }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => _file.Length;

    public override long Position
    {
        get => _file.Position;
        set => throw new NotSupportedException();
    }

    public override void Flush() => _file.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => _file.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count)
    {
        _file.Write(buffer, offset, count);
        StartWriteback();
    }

    public override async Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        await _file.WriteAsync(buffer, offset, count, cancellationToken).ConfigureAwait(false);
        StartWriteback();
    }

    private void StartWriteback()
    {
        var position = _file.Position;
        if (position - _unsubmitted < Chunk)
        {
            return;
        }

        if (IsLinux && Volatile.Read(ref _unavailable) == 0)
        {
            try
            {
                // Unix: the handle is the file descriptor. A failure is not an error: the final flush still writes
                // everything and reports what matters.
                if (SyncFileRange((int)_file.SafeFileHandle.DangerousGetHandle(), _unsubmitted, position - _unsubmitted, SyncFileRangeWrite) == 0)
                {
                    Submitted += position - _unsubmitted;
                }
            }
            catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
            {
                Volatile.Write(ref _unavailable, 1);
            }
        }

        _unsubmitted = position;
    }

    [DllImport("libc", EntryPoint = "sync_file_range", SetLastError = true)]
    private static extern int SyncFileRange(int fd, long offset, long count, uint flags);
}
