using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Xunit;
using Xunit.Abstractions;

namespace FtpTools.Core.Tests.Sftp;

[CollectionDefinition("sftp-memory", DisableParallelization = true)]
public sealed class SftpMemoryCollection
{
}

/// <summary>
/// Transfers use constant memory: what a transfer allocates does not grow with the file. Runs alone (no other test
/// allocating meanwhile), because the count is process-wide.
/// </summary>
[Collection("sftp-memory")]
public sealed class SftpMemoryTests
{
    private readonly ITestOutputHelper _output;

    public SftpMemoryTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public async Task Allocation_per_transfer_does_not_grow_with_the_file_size()
    {
        await using var server = SftpServerProcess.Create();
        await using var session = await server.ConnectAsync();
        var buffer = new byte[128 * 1024];
        // The first transfer grows the windows to their bound and fills the session's buffer pool.
        await TransferAsync(24);

        var small = await MeasureAsync(24);
        var large = await MeasureAsync(120);

        // 96 MiB more data moved each way; per-request buffers would cost at least 192 MiB more. What remains is the
        // async machinery of the pipe streams (about 1 KiB per 64 KiB pipe read), hence the margin.
        var extraPerMiB = (large - small) / 96.0 / 2;
        _output.WriteLine($"allocated: 24 MiB each way {small / 1024} KiB, 120 MiB each way {large / 1024} KiB, {extraPerMiB / 1024:F1} KiB per extra MiB transferred");
        Assert.True(large - small < 16L * 1024 * 1024, $"a transfer of 120 MiB allocated {large - small} bytes more than one of 24 MiB");

        async Task<long> MeasureAsync(int mebibytes)
        {
            var before = GC.GetTotalAllocatedBytes(precise: true);
            await TransferAsync(mebibytes);
            return GC.GetTotalAllocatedBytes(precise: true) - before;
        }

        async Task TransferAsync(int mebibytes)
        {
            await using (var write = await session.OpenWriteAsync("m.bin", 0, CancellationToken.None))
            {
                for (var i = 0; i < mebibytes * 8; i++)
                {
                    await write.WriteAsync(buffer);
                }

                await write.CompleteAsync(CancellationToken.None);
            }

            await using (var read = await session.OpenReadAsync("m.bin", 0, CancellationToken.None))
            {
                long total = 0;
                int n;
                while ((n = await read.ReadAsync(buffer)) > 0)
                {
                    total += n;
                }

                await read.CompleteAsync(CancellationToken.None);
                Assert.Equal(mebibytes * 1024L * 1024, total);
            }

            Assert.Equal(mebibytes * 1024L * 1024, new FileInfo(server.Local("m.bin")).Length);
        }
    }
}
