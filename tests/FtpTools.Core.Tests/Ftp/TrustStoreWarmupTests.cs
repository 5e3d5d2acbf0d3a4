using System;
using System.Runtime.InteropServices;
using System.Threading.Tasks;
using FtpTools.Core.Ftp;
using Xunit;

namespace FtpTools.Core.Tests.Ftp;

/// <summary>
/// The background load of the system's root store that FTPES and FTPS connects start (what it saves, about 40 ms of
/// a new process's first handshake on Linux, is measured by the benchmark, not here).
/// </summary>
public sealed class TrustStoreWarmupTests
{
    [Fact]
    public async Task One_load_serves_the_connects_that_follow_it_and_never_fails()
    {
        var first = TrustStoreWarmup.Start();
        var second = TrustStoreWarmup.Start();

        Assert.Same(first, second);
        await first.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(first.IsCompletedSuccessfully);
        Assert.Equal(RuntimeInformation.IsOSPlatform(OSPlatform.Linux), !ReferenceEquals(Task.CompletedTask, first));
    }
}
