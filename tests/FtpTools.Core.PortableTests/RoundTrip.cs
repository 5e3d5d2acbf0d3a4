using System;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Tests.Servers;
using FtpTools.Core.Transfers;
using Xunit;

namespace FtpTools.Core.PortableTests;

/// <summary>
/// One file up and down again through the transfer engine, as Send-FtpFile and Receive-FtpFile move it, checked on
/// the server's disk and on the local one (SHA-256), and in the server's listing.
/// </summary>
internal static class RoundTrip
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    public static async Task RunAsync(IRemoteSession session, ServerFixture server, int length)
    {
        using var deadline = new CancellationTokenSource(Deadline);
        var token = deadline.Token;
        var directory = server.NewTestDirectory("ns");
        var local = Path.Combine(Path.GetTempPath(), "ftptools-ns-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(local);
        try
        {
            var content = RandomNumberGenerator.GetBytes(length);
            var source = Path.Combine(local, "up.bin");
            await File.WriteAllBytesAsync(source, content, token);
            var remote = server.RemotePath(directory + "/data.bin");

            var up = await TransferEngine.UploadFileAsync(session, source, remote, new TransferOptions(), progress: null, token);
            Assert.True(up.Status == TransferStatus.Completed, $"upload: {up.Status} {up.Error}");
            Assert.Equal(length, up.BytesTransferred);
            Assert.Equal(Sha256(content), Sha256(await File.ReadAllBytesAsync(Path.Combine(server.RootDirectory, directory, "data.bin"), token)));

            var listing = await session.ListDirectoryAsync(server.RemotePath(directory), token);
            var item = Assert.Single(listing, i => i.Name == "data.bin");
            Assert.Equal(RemoteItemKind.File, item.Kind);
            Assert.Equal(length, item.Length);
            Assert.DoesNotContain(listing, i => i.Name.EndsWith(".part", StringComparison.Ordinal) || i.Name.Contains("ftptools", StringComparison.OrdinalIgnoreCase));

            var target = Path.Combine(local, "down.bin");
            var down = await TransferEngine.DownloadFileAsync(session, remote, target, new TransferOptions(), progress: null, token);
            Assert.True(down.Status == TransferStatus.Completed, $"download: {down.Status} {down.Error}");
            Assert.Equal(Sha256(content), Sha256(await File.ReadAllBytesAsync(target, token)));
            Assert.Equal(new[] { "down.bin", "up.bin" }, Directory.GetFiles(local).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        }
        finally
        {
            TestServers.DeleteDirectory(local);
        }
    }

    /// <summary>
    /// Twelve files (empty to 300 KB) up through one <see cref="TransferQueue"/> and down through another, as
    /// Send-FtpFile and Receive-FtpFile queue them: every result once, in order, Completed; SHA-256 on both disks.
    /// </summary>
    public static async Task QueueAsync(IRemoteSession session, ServerFixture server)
    {
        using var deadline = new CancellationTokenSource(Deadline);
        var token = deadline.Token;
        var directory = server.NewTestDirectory("nsq");
        var local = Path.Combine(Path.GetTempPath(), "ftptools-nsq-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(local, "down"));
        try
        {
            var lengths = new[] { 0, 1, 4096, 70_000, 300_000, 17, 65_536, 65_537, 3, 200_000, 10, 1000 };
            var names = lengths.Select((_, i) => $"f{i:00}.bin").ToArray();
            var contents = lengths.Select(RandomNumberGenerator.GetBytes).ToArray();
            for (var i = 0; i < names.Length; i++)
            {
                await File.WriteAllBytesAsync(Path.Combine(local, names[i]), contents[i], token);
            }

            var results = new System.Collections.Generic.List<(TransferResult Result, object? State)>();
            void Finished(TransferResult result, object? state) => results.Add((result, state));
            var uploads = new TransferQueue(session, null);
            foreach (var name in names)
            {
                if (await uploads.UploadAsync(Path.Combine(local, name), server.RemotePath(directory + "/" + name), null, name, Finished, token) is { } result)
                {
                    results.Add((result, name));
                }
            }

            if (await uploads.CompleteAsync(Finished) is null)
            {
                Assert.Fail("The upload queue had no last result to hand out.");
            }

            AssertAllCompleted(results, names);
            for (var i = 0; i < names.Length; i++)
            {
                Assert.Equal(Sha256(contents[i]), Sha256(await File.ReadAllBytesAsync(Path.Combine(server.RootDirectory, directory, names[i]), token)));
            }

            Assert.Equal(names, Directory.GetFiles(Path.Combine(server.RootDirectory, directory)).Select(Path.GetFileName).Order(StringComparer.Ordinal));

            results.Clear();
            var listing = await session.ListDirectoryAsync(server.RemotePath(directory), token);
            var downloads = new TransferQueue(session, null);
            foreach (var name in names)
            {
                var item = listing.Single(i => i.Name == name);
                if (await downloads.DownloadAsync(item, Path.Combine(local, "down", name), null, name, Finished, token) is { } result)
                {
                    results.Add((result, name));
                }
            }

            await downloads.CompleteAsync(Finished);
            AssertAllCompleted(results, names);
            for (var i = 0; i < names.Length; i++)
            {
                Assert.Equal(Sha256(contents[i]), Sha256(await File.ReadAllBytesAsync(Path.Combine(local, "down", names[i]), token)));
            }

            Assert.Equal(names, Directory.GetFiles(Path.Combine(local, "down")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        }
        finally
        {
            TestServers.DeleteDirectory(local);
        }
    }

    public static string Sha256(byte[] bytes) => Convert.ToHexString(SHA256.HashData(bytes));

    private static void AssertAllCompleted(System.Collections.Generic.List<(TransferResult Result, object? State)> results, string[] names)
    {
        Assert.Equal(names, results.Select(r => (string)r.State!));
        foreach (var (result, _) in results)
        {
            Assert.True(result.Status == TransferStatus.Completed, $"{result}: {result.Error}");
        }
    }
}
