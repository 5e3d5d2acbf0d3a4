using System;
using System.Diagnostics;
using System.IO;
using System.Runtime.ExceptionServices;
using System.Threading.Tasks;
using FtpTools.Core.Errors;
using FtpTools.Core.Transfers;
using Xunit;

namespace FtpTools.Core.Tests.Transfers;

// A server that goes away in the middle of a file (a crash, a restart, a dropped link; here SIGKILL to the server's
// processes of the session): what arrived is never taken for the file, the session says it is over at once, and a new
// session finishes the file from where it stopped.
public abstract partial class TransferBehaviours
{
    /// <summary>Larger than what the sockets' buffers between client and server hold, so the server is still sending when it dies.</summary>
    private const int Long = (48 * 1024 * 1024) + 7;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_download_whose_server_dies_mid_file_never_leaves_the_final_name_and_a_new_session_resumes_it(bool resume)
    {
        var data = Bytes(Long, 41);
        ServerFile("k.bin", data);
        var target = Path.Combine(LocalDir, "k.bin");
        var options = new TransferOptions { Resume = resume, ProgressInterval = TimeSpan.Zero, BufferSize = 64 * 1024 };

        var result = await KillServerAfterAsync(1024 * 1024, p => TransferEngine.DownloadFileAsync(Session, RemoteDir + "/k.bin", target, options, p, Timeout()));

        Assert.Equal(TransferStatus.Failed, result.Status);
        AssertLost(result);
        Assert.False(File.Exists(target));
        var part = Path.Combine(LocalDir, ".k.bin.ftptools-part");
        var head = resume ? File.ReadAllBytes(part) : Array.Empty<byte>();
        Assert.Equal(resume ? new[] { ".k.bin.ftptools-part" } : Array.Empty<string>(), Names(LocalDir));
        Assert.InRange(head.Length, resume ? 1024 * 1024 : 0, Long - 1);
        Assert.Equal(Sha(data.AsSpan(0, head.Length).ToArray()), Sha(head));
        await AssertSessionOverAsync();

        await using var again = await Target.ConnectAsync(Timeout());
        var finished = await TransferEngine.DownloadFileAsync(again, RemoteDir + "/k.bin", target, new TransferOptions { Resume = true }, null, Timeout());

        Assert.Equal(TransferStatus.Completed, finished.Status);
        Assert.Equal(resume, finished.Resumed);
        Assert.Equal(head.Length, finished.StartOffset);
        Assert.Equal(Long - head.Length, finished.BytesTransferred);
        Assert.Equal(Sha(data), Sha(File.ReadAllBytes(target)));
        Assert.Equal(new[] { "k.bin" }, Names(LocalDir));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_upload_whose_server_dies_mid_file_never_reaches_the_final_name_and_a_new_session_resumes_it(bool resume)
    {
        var data = Bytes(Long, 42);
        var source = LocalFile("k.bin", data);
        var options = new TransferOptions { Resume = resume, ProgressInterval = TimeSpan.Zero, BufferSize = 64 * 1024 };

        var result = await KillServerAfterAsync(1024 * 1024, p => TransferEngine.UploadFileAsync(Session, source, RemoteDir + "/k.bin", options, p, Timeout()));

        Assert.Equal(TransferStatus.Failed, result.Status);
        AssertLost(result);
        Assert.Equal(Sha(data), Sha(File.ReadAllBytes(source)));

        // The server kept what it had written under the part file's name; with the session gone nobody could remove it.
        var part = Path.Combine(ServerDir, ".k.bin.ftptools-part");
        Assert.Equal(new[] { ".k.bin.ftptools-part" }, Names(ServerDir));
        var head = await StableContentAsync(part);
        Assert.InRange(head.Length, 0, Long - 1);
        Assert.Equal(Sha(data.AsSpan(0, head.Length).ToArray()), Sha(head));
        if (!resume)
        {
            Assert.Contains(".k.bin.ftptools-part", result.Warning, StringComparison.Ordinal);
        }

        await AssertSessionOverAsync();

        await using var again = await Target.ConnectAsync(Timeout());
        var finished = await TransferEngine.UploadFileAsync(again, source, RemoteDir + "/k.bin", new TransferOptions { Resume = true }, null, Timeout());

        Assert.Equal(TransferStatus.Completed, finished.Status);
        Assert.Equal(head.Length > 0, finished.Resumed);
        Assert.Equal(head.Length, finished.StartOffset);
        Assert.Equal(Long - head.Length, finished.BytesTransferred);
        Assert.Equal(Sha(data), Sha(File.ReadAllBytes(Path.Combine(ServerDir, "k.bin"))));
        Assert.Equal(new[] { "k.bin" }, Names(ServerDir));
    }

    /// <summary>The transfer failed with the session's loss, said in words a user can act on.</summary>
    private static void AssertLost(TransferResult result)
    {
        var lost = Assert.IsAssignableFrom<ConnectionLostException>(result.Exception);
        Assert.DoesNotContain("see inner exception", lost.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("was lost: The SSH connection was lost", lost.Message, StringComparison.Ordinal);
    }

    /// <summary>Runs a transfer and kills the server's side of its session once <paramref name="bytes"/> have gone through.</summary>
    private async Task<TransferResult> KillServerAfterAsync(long bytes, Func<IProgress<TransferProgress>, Task<TransferResult>> transfer)
    {
        var killed = false;
        Exception? killFailure = null;
        var progress = new InlineProgress(p =>
        {
            if (p.BytesTransferred >= bytes && !killed)
            {
                killed = true;
                try
                {
                    Target.KillServerSide();
                }
                catch (Exception e)
                {
                    killFailure = e;
                }
            }
        });
        var result = await transfer(progress);
        if (killFailure is not null)
        {
            ExceptionDispatchInfo.Capture(killFailure).Throw();
        }

        Assert.True(killed, "the transfer finished before the test could end the server");
        return result;
    }

    /// <summary>
    /// A session whose server is gone fails its next call (a batch's next file) with the loss and its cause, without
    /// waiting for its operation timeout (20 s).
    /// </summary>
    private async Task AssertSessionOverAsync()
    {
        var clock = Stopwatch.StartNew();
        var next = await Assert.ThrowsAnyAsync<ConnectionLostException>(() => Session.GetItemAsync(RemoteDir, Timeout()));
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(10));
        Assert.Contains("no longer usable: ", next.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<ConnectionLostException>(next.InnerException);
        Assert.False(Session.IsConnected);
    }
}
