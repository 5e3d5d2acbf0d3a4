using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;
using FtpTools.Core.IO;
using FtpTools.Core.Transfers;
using Xunit;

namespace FtpTools.Core.Tests.Transfers;

/// <summary>
/// A download's part file is flushed to disk while the server confirms the transfer. The flush must start only
/// once every byte is written, must have ended when the copy returns or throws (the caller closes or removes the
/// part file next), and the server's verdict outranks the flush's own failure.
/// </summary>
public class CopyAndCompleteTests
{
    private static readonly byte[] Content = CreateContent(300_000);

    [Fact]
    public async Task The_side_work_runs_after_the_last_byte_and_while_the_server_confirms()
    {
        var events = new List<string>();
        var confirm = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var remote = new ScriptedRemote(Content, events, async () => await confirm.Task);
        var local = new MemoryStream();

        var copying = TransferEngine.CopyAndCompleteAsync(remote, from: remote, to: local, 64 * 1024, TimeSpan.FromSeconds(1), Meter(), () =>
        {
            lock (events)
            {
                events.Add("flush " + local.Length);
            }
        }, CancellationToken.None);

        // The flush has run though the server has not answered yet.
        await WaitUntilAsync(() => events.Contains("flush " + Content.Length));
        Assert.False(copying.IsCompleted);
        confirm.SetResult(true);
        await copying;

        Assert.Equal(Content, local.ToArray());
        Assert.Equal(new[] { "complete started", "flush " + Content.Length, "complete ended", "disposed" }, events);
    }

    [Fact]
    public async Task A_failed_confirmation_is_the_error_even_when_the_flush_failed_too()
    {
        var events = new List<string>();
        var remote = new ScriptedRemote(Content, events, async () =>
        {
            await Task.Delay(50);
            throw new CommandRefusedException("426 Failure writing network stream.", RemoteErrorKind.Failure);
        });

        var error = await Assert.ThrowsAsync<CommandRefusedException>(() => TransferEngine.CopyAndCompleteAsync(
            remote, from: remote, to: new MemoryStream(), 64 * 1024, TimeSpan.FromSeconds(1), Meter(), () => throw new IOException("No space left on device"), CancellationToken.None));

        Assert.Equal("426 Failure writing network stream.", error.Message);
        Assert.Equal("disposed", events[^1]);
    }

    [Fact]
    public async Task A_failed_flush_fails_a_transfer_the_server_confirmed()
    {
        var events = new List<string>();
        var remote = new ScriptedRemote(Content, events, () => Task.CompletedTask);

        var error = await Assert.ThrowsAsync<IOException>(() => TransferEngine.CopyAndCompleteAsync(
            remote, from: remote, to: new MemoryStream(), 64 * 1024, TimeSpan.FromSeconds(1), Meter(), () => throw new IOException("No space left on device"), CancellationToken.None));

        Assert.Equal("No space left on device", error.Message);
        Assert.Equal(new[] { "complete started", "complete ended", "disposed" }, events);
    }

    [Fact]
    public async Task A_part_file_is_written_inline_where_files_have_no_asynchronous_io()
    {
        var path = Path.Combine(Path.GetTempPath(), "ftptools-copy-" + Guid.NewGuid().ToString("N"));
        try
        {
            var remote = new ScriptedRemote(Content, new List<string>(), () => Task.CompletedTask);
            using var file = new RecordingFileStream(path, FileMode.CreateNew, FileAccess.Write);
            var meter = Meter();

            await TransferEngine.CopyAndCompleteAsync(remote, from: remote, to: new WritebackFileStream(file), 64 * 1024, TimeSpan.FromSeconds(1), meter, null, CancellationToken.None);
            file.Dispose();

            Assert.Equal(Content, File.ReadAllBytes(path));
            Assert.Equal(Content.Length, meter.BytesTransferred);

            // Five buffers of 64 KiB, the last one short; each one call of the kind the platform calls for.
            var expected = OperatingSystem.IsWindows() ? "WriteAsync" : "Write";
            Assert.Equal(Enumerable.Repeat(expected, 5), file.Calls);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task An_uploaded_file_is_read_inline_where_files_have_no_asynchronous_io()
    {
        var path = Path.Combine(Path.GetTempPath(), "ftptools-copy-" + Guid.NewGuid().ToString("N"));
        File.WriteAllBytes(path, Content);
        try
        {
            using var file = new RecordingFileStream(path, FileMode.Open, FileAccess.Read);
            var sent = new MemoryStream();
            var meter = Meter();

            await TransferEngine.CopyAsync(from: file, to: sent, 64 * 1024, TimeSpan.FromSeconds(1), meter, CancellationToken.None);

            Assert.Equal(Content, sent.ToArray());
            Assert.Equal(Content.Length, meter.BytesTransferred);

            // Inline: four full buffers, then the short fifth one and the read that finds the end, and no read after
            // it. Asynchronous (Windows): the same, and the next fill's read, which finds the end again.
            Assert.Equal(
                OperatingSystem.IsWindows() ? Enumerable.Repeat("ReadAsync", 7) : Enumerable.Repeat("Read", 6),
                file.Calls);
            Assert.False(TransferEngine.LocalFileCallsInline(sent));
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static ProgressMeter Meter() => new(TransferDirection.Download, "/r", "/l", Content.Length, 0, null, TimeSpan.FromSeconds(1));

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The condition did not come true within 10 s.");
            await Task.Delay(5);
        }
    }

    private static byte[] CreateContent(int length)
    {
        var bytes = new byte[length];
        new Random(7).NextBytes(bytes);
        return bytes;
    }

    /// <summary>A local file that records which of its read and write calls the copy makes.</summary>
    private sealed class RecordingFileStream : FileStream
    {
        public RecordingFileStream(string path, FileMode mode, FileAccess access)
            : base(path, mode, access, FileShare.None, 1, FileOptions.Asynchronous)
        {
        }

        public List<string> Calls { get; } = new();

        public override int Read(byte[] buffer, int offset, int count)
        {
            Calls.Add("Read");
            return base.Read(buffer, offset, count);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Calls.Add("ReadAsync");
            return base.ReadAsync(buffer, offset, count, cancellationToken);
        }

        public override void Write(byte[] buffer, int offset, int count)
        {
            Calls.Add("Write");
            base.Write(buffer, offset, count);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Calls.Add("WriteAsync");
            return base.WriteAsync(buffer, offset, count, cancellationToken);
        }
    }

    /// <summary>A remote file that reads from memory and completes as scripted, recording what happens.</summary>
    private sealed class ScriptedRemote : RemoteFileStream
    {
        private readonly MemoryStream _content;
        private readonly List<string> _events;
        private readonly Func<Task> _complete;

        public ScriptedRemote(byte[] content, List<string> events, Func<Task> complete)
        {
            _content = new MemoryStream(content, writable: false);
            _events = events;
            _complete = complete;
        }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override async Task CompleteAsync(CancellationToken cancellationToken)
        {
            Record("complete started");
            await _complete();
            Record("complete ended");
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => _content.Read(buffer, offset, Math.Min(count, 16 * 1024));

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            Record("disposed");
            base.Dispose(disposing);
        }

        private void Record(string what)
        {
            lock (_events)
            {
                _events.Add(what);
            }
        }
    }
}
