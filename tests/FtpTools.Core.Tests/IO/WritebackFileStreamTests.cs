using System;
using System.IO;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.IO;
using Xunit;

namespace FtpTools.Core.Tests.IO;

public sealed class WritebackFileStreamTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), "ftptools-writeback-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => File.Delete(_path);

    [Fact]
    public async Task Every_byte_lands_in_the_file_and_on_Linux_each_whole_chunk_is_started_on_its_way_to_disk()
    {
        var data = RandomNumberGenerator.GetBytes((2 * WritebackFileStream.Chunk) + (3 * 1024 * 1024) + 17);
        const int head = 1000;
        await File.WriteAllBytesAsync(_path, data.AsMemory(0, head).ToArray());
        long submitted;
        using (var file = new FileStream(_path, FileMode.Open, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous))
        {
            // As a resumed download: the part file already holds a head, and writing goes on after it.
            file.Seek(head, SeekOrigin.Begin);
            var stream = new WritebackFileStream(file);
            for (var offset = head; offset < data.Length; offset += 1024 * 1024)
            {
                await stream.WriteAsync(data, offset, Math.Min(1024 * 1024, data.Length - offset), CancellationToken.None);
            }

            await stream.FlushAsync(CancellationToken.None);
            file.Flush(flushToDisk: true);
            submitted = stream.Submitted;
        }

        Assert.Equal(Convert.ToHexString(SHA256.HashData(data)), Convert.ToHexString(SHA256.HashData(await File.ReadAllBytesAsync(_path))));

        // Chunks are counted from where writing began: two whole ones were started early, the rest waits for the flush.
        Assert.Equal(OperatingSystem.IsLinux() ? 2L * WritebackFileStream.Chunk : 0, submitted);
    }
}
