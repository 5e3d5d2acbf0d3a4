using System;
using System.IO;
using System.Linq;
using System.Net;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Tests.Servers;
using FtpTools.Core.Transfers;
using Xunit;

namespace FtpTools.Core.Tests.Ftp;

/// <summary>
/// TYPE A (RFC 959 §3.1.1.1): line ends travel as CRLF and each side stores its own. proftpd translates in both
/// directions, so the bytes on its disk show whether the session really asked for ASCII; vsftpd (ascii_upload_enable
/// and ascii_download_enable off, as by default) stores and sends the bytes as they come, so its disk shows what the
/// client itself sent and converts.
/// </summary>
public abstract class FtpAsciiModeTests
{
    private static readonly string LocalLineEnd = OperatingSystem.IsWindows() ? "\r\n" : "\n";

    private readonly FtpServerFixture _server;
    private readonly RecordingLog _log = new();
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromMinutes(1));

    protected FtpAsciiModeTests(FtpServerFixture server)
    {
        _server = server;
    }

    /// <summary>Whether the server converts line ends itself in ASCII mode (proftpd) or keeps the bytes (vsftpd).</summary>
    protected abstract bool ServerConverts { get; }

    private CancellationToken Token => _timeout.Token;

    [Fact]
    public async Task Ascii_mode_sends_CRLF_line_ends_and_stores_the_local_ones_and_binary_mode_changes_nothing()
    {
        var dir = _server.NewTestDirectory("ascii");
        await using (var ascii = await ConnectAsync(ascii: true))
        {
            Assert.True(ascii.Info.AsciiMode);
            await using (var write = await ascii.OpenWriteAsync($"/{dir}/text.txt", 0, Token))
            {
                await write.WriteAsync(Encoding.ASCII.GetBytes("one\ntwo\r\nthree\n"), Token);
                await write.CompleteAsync(Token);
            }

            // On the wire: "one\r\ntwo\r\nthree\r\n"; proftpd stores its own line end, vsftpd what came.
            Assert.Equal(ServerConverts ? "one\ntwo\nthree\n" : "one\r\ntwo\r\nthree\r\n", await ServerTextAsync(dir, "text.txt"));

            await File.WriteAllTextAsync(Path.Combine(_server.RootDirectory, dir, "crlf.txt"), "a\r\nb\r\n", Token);
            using var copy = new MemoryStream();
            await using (var read = await ascii.OpenReadAsync($"/{dir}/crlf.txt", 0, Token))
            {
                await read.CopyToAsync(copy, Token);
                await read.CompleteAsync(Token);
            }

            Assert.Equal($"a{LocalLineEnd}b{LocalLineEnd}", Encoding.ASCII.GetString(copy.ToArray()));
            var offset = await Assert.ThrowsAsync<ArgumentException>(() => ascii.OpenReadAsync($"/{dir}/crlf.txt", 2, Token));
            Assert.StartsWith("An ASCII-mode transfer cannot continue at an offset", offset.Message, StringComparison.Ordinal);
        }

        Assert.Contains("> TYPE A", _log.Lines);

        await using var binary = await ConnectAsync(ascii: false);
        Assert.False(binary.Info.AsciiMode);
        await using (var write = await binary.OpenWriteAsync($"/{dir}/raw.txt", 0, Token))
        {
            await write.WriteAsync(Encoding.ASCII.GetBytes("one\ntwo\r\n"), Token);
            await write.CompleteAsync(Token);
        }

        Assert.Equal("one\ntwo\r\n", await ServerTextAsync(dir, "raw.txt"));
    }

    [Fact]
    public async Task The_transfer_engine_moves_text_in_ascii_mode_without_a_length_check_and_refuses_resume_and_moves()
    {
        // Long enough for many reads and writes: line ends fall across every buffer boundary.
        var dir = _server.NewTestDirectory("ascii-engine");
        var text = string.Concat(Enumerable.Range(0, 20_000).Select(i => $"line {i}\n"));
        var local = Path.Combine(_server.WorkDirectory, dir + "-local.txt");
        await File.WriteAllTextAsync(local, text, Token);
        await using var session = await ConnectAsync(ascii: true);

        var up = await TransferEngine.UploadFileAsync(session, local, $"/{dir}/up.txt", new TransferOptions(), null, Token);
        Assert.Equal(TransferStatus.Completed, up.Status);
        Assert.Equal(ServerConverts ? text : text.Replace("\n", "\r\n", StringComparison.Ordinal), await ServerTextAsync(dir, "up.txt"));

        // Found there (SIZE, or MDTM or the listing where SIZE is refused in ASCII mode), it is not replaced unasked;
        // and looking a file up lists no directory (a batch of new files would list the parent once per file).
        Assert.Equal(RemoteItemKind.File, (await session.GetItemAsync($"/{dir}/up.txt", Token))!.Kind);
        Assert.Null(await session.GetItemAsync($"/{dir}/none.txt", Token));
        Assert.DoesNotContain(_log.Lines, l => l.StartsWith("> LIST", StringComparison.Ordinal) || l.StartsWith("> MLSD", StringComparison.Ordinal));
        var again = await TransferEngine.UploadFileAsync(session, local, $"/{dir}/up.txt", new TransferOptions(), null, Token);
        Assert.Equal(TransferStatus.Failed, again.Status);
        Assert.Equal(Errors.TransferRefusedReason.DestinationExists, Assert.IsType<Errors.TransferRefusedException>(again.Exception).Reason);

        await File.WriteAllTextAsync(Path.Combine(_server.RootDirectory, dir, "down.txt"), text.Replace("\n", "\r\n", StringComparison.Ordinal), Token);
        var copy = local + ".down";
        var down = await TransferEngine.DownloadFileAsync(session, $"/{dir}/down.txt", copy, new TransferOptions(), null, Token);
        Assert.Equal(TransferStatus.Completed, down.Status);
        Assert.Equal(text.Replace("\n", LocalLineEnd, StringComparison.Ordinal), await File.ReadAllTextAsync(copy, Token));

        var resume = await Assert.ThrowsAsync<ArgumentException>(() => TransferEngine.DownloadFileAsync(session, $"/{dir}/down.txt", copy + "2", new TransferOptions { Resume = true }, null, Token));
        Assert.StartsWith("-Resume cannot be used in ASCII mode", resume.Message, StringComparison.Ordinal);
        var move = await Assert.ThrowsAsync<ArgumentException>(() => TransferEngine.UploadFileAsync(session, local, $"/{dir}/moved.txt", new TransferOptions { RemoveSource = true }, null, Token));
        Assert.StartsWith("-RemoveSource cannot be used in ASCII mode", move.Message, StringComparison.Ordinal);
        Assert.True(File.Exists(local));
        Assert.False(File.Exists(Path.Combine(_server.RootDirectory, dir, "moved.txt")));
    }

    [Fact]
    public async Task NewerOnly_goes_by_time_alone_in_ascii_mode_and_a_checksum_is_the_servers_or_refused()
    {
        var dir = _server.NewTestDirectory("ascii-newer");
        var local = Path.Combine(_server.WorkDirectory, dir + "-local.txt");
        await File.WriteAllTextAsync(local, "one\ntwo\n", Token);
        File.SetLastWriteTimeUtc(local, new DateTime(2024, 5, 6, 7, 8, 9, DateTimeKind.Utc));
        await using var session = await ConnectAsync(ascii: true);
        var newerOnly = new TransferOptions { NewerOnly = true, PreserveTimestamp = true };

        Assert.Equal(TransferStatus.Completed, (await TransferEngine.UploadFileAsync(session, local, $"/{dir}/t.txt", newerOnly, null, Token)).Status);

        // The copies' lengths differ wherever line ends do (vsftpd keeps the CRLF it was sent): same time, so current.
        Assert.Equal(TransferStatus.Skipped, (await TransferEngine.UploadFileAsync(session, local, $"/{dir}/t.txt", newerOnly, null, Token)).Status);
        var copy = local + ".down";
        Assert.Equal(TransferStatus.Completed, (await TransferEngine.DownloadFileAsync(session, $"/{dir}/t.txt", copy, newerOnly, null, Token)).Status);
        Assert.Equal(TransferStatus.Skipped, (await TransferEngine.DownloadFileAsync(session, $"/{dir}/t.txt", copy, newerOnly, null, Token)).Status);
        File.SetLastWriteTimeUtc(local, new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        Assert.Equal(TransferStatus.Completed, (await TransferEngine.UploadFileAsync(session, local, $"/{dir}/t.txt", newerOnly, null, Token)).Status);

        // A checksum read here would be of converted text: only the server's own (ProFTPD's mod_digest) is given.
        var stored = await File.ReadAllBytesAsync(Path.Combine(_server.RootDirectory, dir, "t.txt"), Token);
        if (ServerConverts)
        {
            var hash = await RemoteFileHasher.ComputeAsync(session, $"/{dir}/t.txt", RemoteHashAlgorithm.Sha256, serverOnly: false, null, Token);
            Assert.Equal(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(stored)), hash!.Hash);
            Assert.Equal(HashComputedBy.Server, hash.ComputedBy);
        }
        else
        {
            var refused = await Assert.ThrowsAsync<Errors.CommandRefusedException>(() => RemoteFileHasher.ComputeAsync(session, $"/{dir}/t.txt", RemoteHashAlgorithm.Sha256, serverOnly: false, null, Token));
            Assert.Contains("this session transfers in ASCII mode", refused.Message, StringComparison.Ordinal);
        }
    }

    private Task<IRemoteSession> ConnectAsync(bool ascii) => RemoteSessionFactory.ConnectAsync(
        new ConnectionOptions
        {
            Protocol = RemoteProtocol.Ftp,
            Host = _server.Host,
            Port = _server.Port,
            Credential = new NetworkCredential(_server.UserName, _server.Password),
            Ftp = new FtpOptions { AsciiMode = ascii },
            Log = _log,
        },
        Token);

    private Task<string> ServerTextAsync(string dir, string name) => File.ReadAllTextAsync(Path.Combine(_server.RootDirectory, dir, name), Token);
}

[Collection("proftpd")]
public sealed class ProftpdAsciiModeTests : FtpAsciiModeTests
{
    public ProftpdAsciiModeTests(ProftpdFixture server)
        : base(server)
    {
    }

    protected override bool ServerConverts => true;
}

[Collection("vsftpd")]
public sealed class VsftpdAsciiModeTests : FtpAsciiModeTests
{
    public VsftpdAsciiModeTests(VsftpdFixture server)
        : base(server)
    {
    }

    protected override bool ServerConverts => false;
}
