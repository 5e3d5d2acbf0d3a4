using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;
using FtpTools.Core.Sftp;
using FtpTools.Core.Transfers;
using Xunit;
using Xunit.Abstractions;

namespace FtpTools.Core.Tests.Sftp;

/// <summary>Transfers against OpenSSH's sftp-server over its stdio: bytes compared by SHA-256 with the file on disk.</summary>
public sealed class SftpTransferTests : IAsyncLifetime
{
    private readonly ITestOutputHelper _output;
    private SftpServerProcess _server = null!;
    private SftpSession _session = null!;

    public SftpTransferTests(ITestOutputHelper output) => _output = output;

    public async Task InitializeAsync()
    {
        _server = SftpServerProcess.Create();
        _session = await _server.ConnectAsync();
    }

    public async Task DisposeAsync()
    {
        await _session.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(32_769)]
    [InlineData(1_000_000)]
    public async Task Download_is_byte_exact(int size)
    {
        var data = RandomNumberGenerator.GetBytes(size);
        await File.WriteAllBytesAsync(_server.Local("down.bin"), data);

        var received = await DownloadAsync("down.bin", 0, 8192);

        Assert.Equal(SHA256.HashData(data), SHA256.HashData(received));
        Assert.True(_session.IsConnected);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(32_769)]
    [InlineData(1_000_000)]
    public async Task Upload_is_byte_exact(int size)
    {
        var data = RandomNumberGenerator.GetBytes(size);

        await UploadAsync("up.bin", data, 0, 10_000);

        Assert.Equal(SHA256.HashData(data), SHA256.HashData(await File.ReadAllBytesAsync(_server.Local("up.bin"))));
    }

    [Fact]
    public async Task Upload_over_an_existing_longer_file_truncates_it()
    {
        await File.WriteAllBytesAsync(_server.Local("over.bin"), RandomNumberGenerator.GetBytes(100_000));
        var data = RandomNumberGenerator.GetBytes(5);

        await UploadAsync("over.bin", data, 0, 100);

        Assert.Equal(data, await File.ReadAllBytesAsync(_server.Local("over.bin")));
    }

    [Fact]
    public async Task A_100_MiB_file_goes_both_ways_byte_exact()
    {
        const int size = 100 * 1024 * 1024;
        var local = _server.Local("big-source.bin");
        await WriteRandomFileAsync(local, size);
        var expected = await HashFileAsync(local);

        // Timed as a real download: into a local file; hashed afterwards, outside the timing.
        var watch = Stopwatch.StartNew();
        await using (var read = await _session.OpenReadAsync("big-source.bin", 0, CancellationToken.None))
        await using (var target = File.Create(_server.Local("big-download.bin")))
        {
            await read.CopyToAsync(target, 256 * 1024);
            await read.CompleteAsync(CancellationToken.None);
        }

        var downSeconds = watch.Elapsed.TotalSeconds;

        watch.Restart();
        await using (var source = File.OpenRead(local))
        await using (var write = await _session.OpenWriteAsync("big-copy.bin", 0, CancellationToken.None))
        {
            await source.CopyToAsync(write, 256 * 1024);
            await write.CompleteAsync(CancellationToken.None);
        }

        var upSeconds = watch.Elapsed.TotalSeconds;
        Assert.Equal(size, new FileInfo(_server.Local("big-download.bin")).Length);
        Assert.Equal(expected, await HashFileAsync(_server.Local("big-download.bin")));
        Assert.Equal(expected, await HashFileAsync(_server.Local("big-copy.bin")));
        _output.WriteLine($"100 MiB over sftp-server stdio: read {100 / downSeconds:F0} MiB/s ({downSeconds:F2} s), write {100 / upSeconds:F0} MiB/s ({upSeconds:F2} s); request sizes {_session.ReadLength}/{_session.WriteLength}.");
    }

    [Fact]
    public async Task Download_resumes_at_a_random_offset_after_a_cut()
    {
        var data = RandomNumberGenerator.GetBytes(3_000_000);
        await File.WriteAllBytesAsync(_server.Local("resume.bin"), data);
        var cut = RandomNumberGenerator.GetInt32(1, data.Length - 1);

        // The first transfer stops at the cut and is abandoned without completing (as a dropped transfer would be).
        var first = new byte[cut];
        var read = await _session.OpenReadAsync("resume.bin", 0, CancellationToken.None);
        var got = 0;
        while (got < cut)
        {
            var n = await read.ReadAsync(first.AsMemory(got, cut - got));
            Assert.NotEqual(0, n);
            got += n;
        }

        await read.DisposeAsync();

        var rest = await DownloadAsync("resume.bin", cut, 65536);
        var joined = new byte[cut + rest.Length];
        first.CopyTo(joined, 0);
        rest.CopyTo(joined, cut);

        Assert.Equal(SHA256.HashData(data), SHA256.HashData(joined));
        Assert.True(_session.IsConnected);
    }

    [Fact]
    public async Task Upload_resumes_at_a_random_offset_after_a_cut()
    {
        var data = RandomNumberGenerator.GetBytes(3_000_000);
        var cut = RandomNumberGenerator.GetInt32(1, data.Length - 1);

        // First attempt: everything up to the cut is written and acknowledged, then the stream is abandoned.
        var write = await _session.OpenWriteAsync("resume-up.bin", 0, CancellationToken.None);
        await write.WriteAsync(data.AsMemory(0, cut));
        await write.CompleteAsync(CancellationToken.None);
        Assert.Equal(cut, new FileInfo(_server.Local("resume-up.bin")).Length);

        var abandoned = await _session.OpenWriteAsync("resume-up.bin", cut, CancellationToken.None);
        await abandoned.DisposeAsync();

        await UploadAsync("resume-up.bin", data.AsSpan(cut).ToArray(), cut, 40_000);

        Assert.Equal(SHA256.HashData(data), SHA256.HashData(await File.ReadAllBytesAsync(_server.Local("resume-up.bin"))));
    }

    [Fact]
    public async Task Upload_resume_does_not_create_a_missing_file()
    {
        var error = await Assert.ThrowsAsync<CommandRefusedException>(() => _session.OpenWriteAsync("never-there.bin", 10, CancellationToken.None));

        Assert.Equal(RemoteErrorKind.NotFound, error.Kind);
        Assert.False(File.Exists(_server.Local("never-there.bin")));
    }

    [Fact]
    public async Task A_completed_write_reports_the_length_the_server_acknowledged()
    {
        var data = RandomNumberGenerator.GetBytes(70_000);
        await using (var write = await _session.OpenWriteAsync("ack.bin", 0, CancellationToken.None))
        {
            await write.WriteAsync(data);
            Assert.Null(write.AcknowledgedLength);
            await write.CompleteAsync(CancellationToken.None);
            Assert.Equal(70_000, write.AcknowledgedLength);
        }

        await using (var resumed = await _session.OpenWriteAsync("ack.bin", 70_000, CancellationToken.None))
        {
            await resumed.WriteAsync(data.AsMemory(0, 500));
            await resumed.CompleteAsync(CancellationToken.None);
            Assert.Equal(70_500, resumed.AcknowledgedLength);
        }

        Assert.Equal(70_500, new FileInfo(_server.Local("ack.bin")).Length);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1_000)]
    [InlineData(5_000_000)]
    public async Task A_known_length_is_only_a_hint_for_reading(long knownLength)
    {
        // The file may have grown or shrunk since the caller stat'ed it: every byte is read whatever the hint said.
        var data = RandomNumberGenerator.GetBytes(600_000);
        await File.WriteAllBytesAsync(_server.Local("hint.bin"), data);
        using var copy = new MemoryStream();
        await using (var read = await _session.OpenReadAsync("hint.bin", 0, knownLength, CancellationToken.None))
        {
            await read.CopyToAsync(copy);
            await read.CompleteAsync(CancellationToken.None);
        }

        Assert.Equal(SHA256.HashData(data), SHA256.HashData(copy.ToArray()));

        // The read handle's close was not waited for; the session goes on and the file can be replaced at once.
        await _session.RemoveFileAsync("hint.bin", CancellationToken.None);
        Assert.False(File.Exists(_server.Local("hint.bin")));
    }

    [Fact]
    public async Task Reading_from_an_offset_past_the_end_returns_nothing()
    {
        await File.WriteAllBytesAsync(_server.Local("short.bin"), new byte[] { 1, 2, 3 });

        Assert.Empty(await DownloadAsync("short.bin", 10, 100));
        Assert.Equal(new byte[] { 3 }, await DownloadAsync("short.bin", 2, 100));
    }

    [Fact]
    public async Task Two_transfers_and_a_listing_run_at_once_on_one_session()
    {
        var a = RandomNumberGenerator.GetBytes(8_000_000);
        var b = RandomNumberGenerator.GetBytes(6_000_001);
        await File.WriteAllBytesAsync(_server.Local("a.bin"), a);
        Directory.CreateDirectory(_server.Local("many"));
        for (var i = 0; i < 300; i++)
        {
            await File.WriteAllTextAsync(_server.Local($"many/f{i}"), "x");
        }

        var download = DownloadAsync("a.bin", 0, 7000);
        var upload = UploadAsync("b.bin", b, 0, 9000);
        var listing = _session.ListDirectoryAsync("many", CancellationToken.None);
        await Task.WhenAll(download, upload, listing);

        Assert.Equal(SHA256.HashData(a), SHA256.HashData(await download));
        Assert.Equal(SHA256.HashData(b), SHA256.HashData(await File.ReadAllBytesAsync(_server.Local("b.bin"))));
        Assert.Equal(300, (await listing).Count);
    }

    [Fact]
    public async Task An_upload_that_removes_its_source_has_the_server_put_it_on_its_disk_first()
    {
        var data = RandomNumberGenerator.GetBytes(90_000);
        var local = Directory.CreateTempSubdirectory("ftptools-durable-").FullName;
        try
        {
            File.WriteAllBytes(Path.Combine(local, "moved.bin"), data);
            File.WriteAllBytes(Path.Combine(local, "copied.bin"), data);
            var moved = await TransferEngine.UploadFileAsync(_session, Path.Combine(local, "moved.bin"), "moved.bin", new TransferOptions { RemoveSource = true }, null, CancellationToken.None);
            var copied = await TransferEngine.UploadFileAsync(_session, Path.Combine(local, "copied.bin"), "copied.bin", null, null, CancellationToken.None);

            Assert.Equal(TransferStatus.Completed, moved.Status);
            Assert.True(moved.SourceRemoved);
            Assert.Equal(TransferStatus.Completed, copied.Status);
            Assert.Equal(new[] { "copied.bin" }, Directory.GetFiles(local).Select(Path.GetFileName));
            Assert.Equal(data, await File.ReadAllBytesAsync(_server.Local("moved.bin")));

            // sftp-server names each fsync@openssh.com it carries out: the moved file's part file, and only that.
            var fsyncs = _server.ServerErrors.Split('\n').Where(l => l.Contains("fsync \"", StringComparison.Ordinal)).ToList();
            Assert.True(Assert.Single(fsyncs).TrimEnd().EndsWith("/.moved.bin.ftptools-part\"", StringComparison.Ordinal), string.Join("\n", fsyncs));
        }
        finally
        {
            Directory.Delete(local, recursive: true);
        }
    }

    [Fact]
    public async Task Writes_with_fsync_reach_the_disk_and_report_success()
    {
        var data = RandomNumberGenerator.GetBytes(70_000);

        await using (var write = await _session.OpenWriteAsync("synced.bin", 0, fsync: true, CancellationToken.None))
        {
            await write.WriteAsync(data);
            await write.CompleteAsync(CancellationToken.None);
        }

        Assert.Equal(data, await File.ReadAllBytesAsync(_server.Local("synced.bin")));
    }

    [Fact]
    public async Task Limits_from_the_server_size_the_requests()
    {
        Assert.NotNull(_session.Limits);
        Assert.Equal(255 * 1024, _session.ReadLength);
        Assert.True(_session.WriteLength is > 32 * 1024 and <= 255 * 1024, $"write length {_session.WriteLength}");

        // OpenSSH states its open-file limit less a few; every other sshd test runs with it being kept.
        Assert.InRange(_session.Limits!.MaxOpenHandles, 1UL, 1UL << 20);
    }

    private async Task<byte[]> DownloadAsync(string path, long offset, int bufferSize)
    {
        await using var read = await _session.OpenReadAsync(path, offset, CancellationToken.None);
        using var copy = new MemoryStream();
        var buffer = new byte[bufferSize];
        int n;
        while ((n = await read.ReadAsync(buffer)) > 0)
        {
            copy.Write(buffer, 0, n);
        }

        await read.CompleteAsync(CancellationToken.None);
        return copy.ToArray();
    }

    private async Task UploadAsync(string path, byte[] data, long offset, int pieceSize)
    {
        await using var write = await _session.OpenWriteAsync(path, offset, CancellationToken.None);
        for (var at = 0; at < data.Length; at += pieceSize)
        {
            await write.WriteAsync(data.AsMemory(at, Math.Min(pieceSize, data.Length - at)));
        }

        await write.CompleteAsync(CancellationToken.None);
    }

    private static async Task WriteRandomFileAsync(string path, long size)
    {
        await using var file = File.Create(path);
        var buffer = new byte[1024 * 1024];
        for (long written = 0; written < size; written += buffer.Length)
        {
            RandomNumberGenerator.Fill(buffer);
            await file.WriteAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, size - written)));
        }
    }

    private static async Task<byte[]> HashFileAsync(string path)
    {
        await using var file = File.OpenRead(path);
        return await SHA256.HashDataAsync(file);
    }
}
