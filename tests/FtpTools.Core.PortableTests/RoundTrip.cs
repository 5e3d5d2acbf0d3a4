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

    public static string Sha256(byte[] bytes) => Convert.ToHexString(SHA256.HashData(bytes));
}
