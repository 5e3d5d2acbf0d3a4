using System;
using System.IO;
using System.Threading.Tasks;
using FtpTools.Core.Transfers;
using Xunit;

namespace FtpTools.Core.Tests.Transfers;

/// <summary>TransferOptions.NewerOnly (-NewerOnly): what is current stays as it is, what is missing, different or older is replaced.</summary>
public abstract partial class TransferBehaviours
{
    private static readonly DateTime Then = new(2020, 1, 2, 3, 4, 5, DateTimeKind.Utc);

    [Fact]
    public async Task NewerOnly_downloads_what_is_missing_of_another_length_or_older_and_leaves_current_files_alone()
    {
        // name: (remote bytes, remote time, local bytes or null, local time, transferred?)
        var cases = new (string Name, byte[] Remote, DateTime RemoteTime, byte[]? Local, DateTime LocalTime, bool Transferred)[]
        {
            ("same.bin", Bytes(1000, 40), Then, Bytes(1000, 41), Then, false),
            ("local-newer.bin", Bytes(1000, 42), Then, Bytes(1000, 43), Then.AddHours(1), false),
            ("within-tolerance.bin", Bytes(1000, 44), Then.AddSeconds(2), Bytes(1000, 45), Then, false),
            ("local-older.bin", Bytes(1000, 46), Then.AddSeconds(3), Bytes(1000, 47), Then, true),
            ("other-length.bin", Bytes(1000, 48), Then, Bytes(999, 49), Then.AddHours(1), true),
            ("missing.bin", Bytes(1000, 50), Then, null, default, true),
        };
        foreach (var c in cases)
        {
            Place(c.Name, (c.Remote, c.RemoteTime), c.Local is null ? null : (c.Local, c.LocalTime));
        }

        var options = new TransferOptions { NewerOnly = true, PreserveTimestamp = true };
        foreach (var c in cases)
        {
            var target = Path.Combine(LocalDir, c.Name);
            var result = await TransferEngine.DownloadFileAsync(Session, RemoteDir + "/" + c.Name, target, options, null, Timeout());

            Assert.True((c.Transferred ? TransferStatus.Completed : TransferStatus.Skipped) == result.Status, $"{c.Name}: {result.Status} {result.Exception}");
            Assert.Equal(Sha(c.Transferred ? c.Remote : c.Local!), Sha(File.ReadAllBytes(target)));
            Assert.Equal(c.Transferred ? c.RemoteTime : c.LocalTime, File.GetLastWriteTimeUtc(target));
        }

        Assert.Equal(new[] { "local-newer.bin", "local-older.bin", "missing.bin", "other-length.bin", "same.bin", "within-tolerance.bin" }, Names(LocalDir));

        // A second run finds everything current.
        foreach (var c in cases)
        {
            var again = await TransferEngine.DownloadFileAsync(Session, RemoteDir + "/" + c.Name, Path.Combine(LocalDir, c.Name), options, null, Timeout());
            Assert.Equal(TransferStatus.Skipped, again.Status);
        }
    }

    [Fact]
    public async Task NewerOnly_uploads_what_is_missing_of_another_length_or_older_and_leaves_current_remote_files_alone()
    {
        var cases = new (string Name, byte[] Local, DateTime LocalTime, byte[]? Remote, DateTime RemoteTime, bool Transferred)[]
        {
            ("same.bin", Bytes(1000, 60), Then, Bytes(1000, 61), Then, false),
            ("remote-newer.bin", Bytes(1000, 62), Then, Bytes(1000, 63), Then.AddHours(1), false),
            ("remote-older.bin", Bytes(1000, 64), Then.AddHours(1), Bytes(1000, 65), Then, true),
            ("other-length.bin", Bytes(1000, 66), Then, Bytes(500, 67), Then.AddHours(1), true),
            ("missing.bin", Bytes(1000, 68), Then, null, default, true),
        };
        foreach (var c in cases)
        {
            Place(c.Name, c.Remote is null ? null : (c.Remote, c.RemoteTime), (c.Local, c.LocalTime));
        }

        var options = new TransferOptions { NewerOnly = true };
        foreach (var c in cases)
        {
            var result = await TransferEngine.UploadFileAsync(Session, Path.Combine(LocalDir, c.Name), RemoteDir + "/" + c.Name, options, null, Timeout());

            Assert.True((c.Transferred ? TransferStatus.Completed : TransferStatus.Skipped) == result.Status, $"{c.Name}: {result.Status} {result.Exception}");
            Assert.Equal(Sha(c.Transferred ? c.Local : c.Remote!), Sha(File.ReadAllBytes(Path.Combine(ServerDir, c.Name))));
        }

        Assert.Equal(new[] { "missing.bin", "other-length.bin", "remote-newer.bin", "remote-older.bin", "same.bin" }, Names(ServerDir));

        // Without the flag an existing file is still refused, and with it a remote directory in the way still is.
        var refused = await TransferEngine.UploadFileAsync(Session, Path.Combine(LocalDir, "same.bin"), RemoteDir + "/remote-older.bin", null, null, Timeout());
        Assert.Equal(TransferStatus.Failed, refused.Status);
        Directory.CreateDirectory(Path.Combine(ServerDir, "dir.bin"));
        Target.GiveToServer(ServerDir);
        var directory = await TransferEngine.UploadFileAsync(Session, Path.Combine(LocalDir, "same.bin"), RemoteDir + "/dir.bin", options, null, Timeout());
        Assert.Equal(TransferStatus.Failed, directory.Status);
        Assert.True(Directory.Exists(Path.Combine(ServerDir, "dir.bin")));
    }

    /// <summary>A file of this name on the server, here, or both, each with its bytes and last write time.</summary>
    private void Place(string name, (byte[] Bytes, DateTime Time)? onServer, (byte[] Bytes, DateTime Time)? here)
    {
        if (onServer is { } server)
        {
            File.SetLastWriteTimeUtc(ServerFile(name, server.Bytes), server.Time);
        }

        if (here is { } local)
        {
            File.SetLastWriteTimeUtc(LocalFile(name, local.Bytes), local.Time);
        }
    }
}
