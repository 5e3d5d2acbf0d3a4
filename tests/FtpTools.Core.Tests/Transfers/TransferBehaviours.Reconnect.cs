using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using FtpTools.Core.Errors;
using FtpTools.Core.Transfers;
using Xunit;

namespace FtpTools.Core.Tests.Transfers;

// A session whose server went away (SIGKILL to the server's processes of the session) and came back: the keeper makes
// the connection again, in the same working directory, and a file lost on the way goes again on the new connection.
public abstract partial class TransferBehaviours
{
    [Fact]
    public async Task A_session_whose_server_went_away_connects_again_in_its_working_directory_before_the_next_command()
    {
        ServerFile("sub/a.txt", Bytes(10, 1));
        ServerFile("sub/b.txt", Bytes(20, 2));
        await Session.ChangeDirectoryAsync(RemoteDir + "/sub", Timeout());
        var log = new RecordingLog();
        var old = Session;
        await using var keeper = new SessionKeeper(old, Target.ConnectAsync, 2, TimeSpan.Zero, log) { ProbeAfterIdle = TimeSpan.Zero };

        Target.KillServerSide();
        var again = await keeper.ReadyAsync(Timeout());

        Assert.NotSame(old, again);
        Assert.False(old.IsConnected);
        Assert.True(again.IsConnected);
        Assert.Equal(1, keeper.Reconnects);
        Assert.Equal(RemoteDir + "/sub", again.CurrentDirectory);
        var listed = await again.ListDirectoryAsync(".", Timeout());
        Assert.Equal(new[] { "a.txt", "b.txt" }, listed.Select(i => i.Name).OrderBy(n => n, StringComparer.Ordinal));
        Assert.Contains(log.Lines, l => l.StartsWith($"* Reconnecting to {old.Host}:{old.Port} (attempt 1 of 2). ", StringComparison.Ordinal));
        Assert.Contains($"* Reconnected to {old.Host}:{old.Port}; working directory {RemoteDir}/sub.", log.Lines);

        // A session in use is not probed again at once, and stays.
        keeper.ProbeAfterIdle = TimeSpan.FromHours(1);
        Assert.Same(again, await keeper.ReadyAsync(Timeout()));
    }

    [Fact]
    public async Task A_listing_whose_connection_the_server_dropped_since_the_last_command_runs_again_on_a_new_one()
    {
        ServerFile("c.txt", Bytes(30, 3));
        await Session.ChangeDirectoryAsync(RemoteDir, Timeout());
        await using var keeper = new SessionKeeper(Session, Target.ConnectAsync, 2, TimeSpan.Zero, null);
        var warnings = new System.Collections.Generic.List<string>();
        System.Collections.Generic.IReadOnlyList<RemoteItem>? listed = null;

        Target.KillServerSide();
        await keeper.RunAsync(async (session, ct) => listed = await session.ListDirectoryAsync(".", ct), repeatable: true, warnings.Add, Timeout());

        Assert.Equal(new[] { "c.txt" }, listed!.Select(i => i.Name));
        Assert.Equal(1, keeper.Reconnects);
        Assert.True(keeper.Current.IsConnected);

        // The loss is noticed either by the listing's first request (then it runs again) or before it started.
        Assert.Equal(
            $"The connection to {Session.Host}:{Session.Port} had been lost and was made again; working directory {RemoteDir}.",
            warnings[^1]);
        Assert.InRange(warnings.Count, 1, 2);
        if (warnings.Count == 2)
        {
            Assert.StartsWith("The connection was lost: ", warnings[0], StringComparison.Ordinal);
            Assert.EndsWith(" Running the command again on a new connection.", warnings[0], StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_change_after_the_server_hung_up_on_an_idle_session_is_made_on_a_new_connection_without_a_failure()
    {
        await Session.ChangeDirectoryAsync(RemoteDir, Timeout());
        var old = Session;
        await using var keeper = new SessionKeeper(old, Target.ConnectAsync, 2, TimeSpan.Zero, null) { ProbeAfterIdle = TimeSpan.FromHours(1) };
        var warnings = new System.Collections.Generic.List<string>();

        Target.KillServerSide();

        // Nothing is sent: the session sees its server's end of the connection by itself (FTP: when it is looked at).
        var noticed = System.Diagnostics.Stopwatch.StartNew();
        while (old.IsConnected)
        {
            Assert.True(noticed.Elapsed < TimeSpan.FromSeconds(10), "The session still says it is connected 10 s after its server's processes were killed.");
            await Task.Delay(20);
        }

        // Creating a directory is not repeated after a loss; it runs once, on the new connection, and succeeds.
        await keeper.RunAsync((session, ct) => session.CreateDirectoryAsync("made-after", false, ct), repeatable: false, warnings.Add, Timeout());

        Assert.True(Directory.Exists(Path.Combine(ServerDir, "made-after")));
        Assert.Equal(1, keeper.Reconnects);
        Assert.Equal(
            new[] { $"The connection to {old.Host}:{old.Port} had been lost and was made again; working directory {RemoteDir}." },
            warnings);
    }

    [Fact]
    public async Task A_download_lost_mid_file_goes_again_on_the_new_connection_and_only_the_whole_file_takes_the_final_name()
    {
        var data = Bytes(Long, 43);
        ServerFile("k.bin", data);
        var target = Path.Combine(LocalDir, "k.bin");
        var options = new TransferOptions { ProgressInterval = TimeSpan.Zero, BufferSize = 64 * 1024 };
        await using var keeper = new SessionKeeper(Session, Target.ConnectAsync, 2, TimeSpan.Zero, null);

        var lost = await KillServerAfterAsync(1024 * 1024, p => TransferEngine.DownloadFileAsync(keeper.Current, RemoteDir + "/k.bin", target, options, p, Timeout()));

        Assert.Equal(TransferStatus.Failed, lost.Status);
        Assert.True(keeper.WorthAnotherTry(lost.Exception!, Timeout()), lost.Exception?.ToString());
        Assert.False(File.Exists(target));

        var again = await keeper.ReadyAsync(Timeout());
        var finished = await TransferEngine.DownloadFileAsync(again, RemoteDir + "/k.bin", target, options, null, Timeout());

        Assert.True(finished.Status == TransferStatus.Completed, finished.Exception?.ToString());
        Assert.Equal(Long, finished.BytesTransferred);
        Assert.Equal(Sha(data), Sha(File.ReadAllBytes(target)));
        Assert.Equal(new[] { "k.bin" }, Names(LocalDir));
    }

    [Fact]
    public async Task An_upload_lost_mid_file_goes_again_on_the_new_connection_and_leaves_only_the_whole_file()
    {
        var data = Bytes(Long, 44);
        var source = LocalFile("k.bin", data);
        var options = new TransferOptions { ProgressInterval = TimeSpan.Zero, BufferSize = 64 * 1024 };
        await using var keeper = new SessionKeeper(Session, Target.ConnectAsync, 2, TimeSpan.Zero, null);

        var lost = await KillServerAfterAsync(1024 * 1024, p => TransferEngine.UploadFileAsync(keeper.Current, source, RemoteDir + "/k.bin", options, p, Timeout()));

        Assert.Equal(TransferStatus.Failed, lost.Status);
        Assert.True(keeper.WorthAnotherTry(lost.Exception!, Timeout()), lost.Exception?.ToString());

        var again = await keeper.ReadyAsync(Timeout());
        var finished = await TransferEngine.UploadFileAsync(again, source, RemoteDir + "/k.bin", options, null, Timeout());

        Assert.True(finished.Status == TransferStatus.Completed, finished.Exception?.ToString());
        Assert.Equal(Sha(data), Sha(File.ReadAllBytes(Path.Combine(ServerDir, "k.bin"))));
        Assert.Equal(new[] { "k.bin" }, Names(ServerDir));
    }
}
