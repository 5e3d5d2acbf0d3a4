using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;
using FtpTools.Core.Sftp;
using Xunit;

namespace FtpTools.Core.Tests.Sftp;

/// <summary>
/// A written file's close goes out right behind its last request, before any answer is in, and is sent once. A
/// scripted server holds its answers back until the close has arrived, which no real server can be made to do: a
/// client that waited for the write's answer before closing never sends the close here, and the test times out.
/// </summary>
public sealed class SftpWriteCloseTests : IAsyncLifetime
{
    private static readonly TimeSpan NoHang = TimeSpan.FromSeconds(15);
    private static readonly byte[] Ten = "0123456789"u8.ToArray();
    private FakeSftpPeer _peer = null!;

    public async Task InitializeAsync() => _peer = await FakeSftpPeer.CreateAsync();

    public async Task DisposeAsync() => await _peer.DisposeAsync();

    [Fact]
    public async Task The_close_follows_the_times_and_the_fsync_before_any_answer_and_the_file_is_complete_once_all_are_answered()
    {
        var session = await _peer.OpenSessionAsync(TimeSpan.FromSeconds(30), new Dictionary<string, string> { [SftpExtensionNames.Fsync] = "1" });
        var stream = await OpenAsync(session.OpenWriteAsync("f", 0, fsync: true, CancellationToken.None));
        Assert.True(stream.SetTimesOnComplete(new DateTime(2001, 2, 3, 4, 5, 6, DateTimeKind.Utc), new DateTime(2001, 2, 3, 4, 5, 7, DateTimeKind.Utc)));
        await stream.WriteAsync(Ten);
        var completing = stream.CompleteAsync(CancellationToken.None);

        // Everything arrives with nothing answered yet, in the order the server must apply it.
        var write = await NextAsync(SftpPacketType.SSH_FXP_WRITE);
        var times = await NextAsync(SftpPacketType.SSH_FXP_FSETSTAT);
        var fsync = await NextAsync(SftpPacketType.SSH_FXP_EXTENDED);
        Assert.Equal(SftpExtensionNames.Fsync, fsync.Reader().ReadString());
        var close = await NextAsync(SftpPacketType.SSH_FXP_CLOSE);
        Assert.Equal("h:/home/fake/f", close.Reader().ReadString());
        Assert.False(completing.IsCompleted);

        foreach (var request in new[] { write, times, fsync })
        {
            await _peer.SendStatusAsync(request.Id, SftpStatusCode.SSH_FX_OK);
        }

        // The close's answer still counts: without it the upload is not complete.
        await Task.Delay(50);
        Assert.False(completing.IsCompleted);
        await _peer.SendStatusAsync(close.Id, SftpStatusCode.SSH_FX_OK);
        await completing.WaitAsync(NoHang);
        Assert.Equal(10L, stream.AcknowledgedLength);
    }

    [Fact]
    public async Task A_close_the_server_refuses_fails_the_upload_with_the_servers_words()
    {
        var session = await _peer.OpenSessionAsync(TimeSpan.FromSeconds(30));
        var stream = await OpenAsync(session.OpenWriteAsync("f", 0, CancellationToken.None));
        await stream.WriteAsync(Ten);
        var completing = stream.CompleteAsync(CancellationToken.None);
        var write = await NextAsync(SftpPacketType.SSH_FXP_WRITE);
        var close = await NextAsync(SftpPacketType.SSH_FXP_CLOSE);
        await _peer.SendStatusAsync(write.Id, SftpStatusCode.SSH_FX_OK);
        await _peer.SendStatusAsync(close.Id, SftpStatusCode.SSH_FX_FAILURE, "Disk quota exceeded");

        var refused = await Assert.ThrowsAsync<CommandRefusedException>(() => completing.WaitAsync(NoHang));
        Assert.Contains("SSH_FXP_CLOSE", refused.Message, StringComparison.Ordinal);
        Assert.Contains("Disk quota exceeded", refused.Message, StringComparison.Ordinal);
        Assert.Null(stream.AcknowledgedLength);
    }

    [Fact]
    public async Task A_refused_write_fails_the_upload_and_its_handle_is_closed_once_only()
    {
        var session = await _peer.OpenSessionAsync(TimeSpan.FromSeconds(30));
        var stream = await OpenAsync(session.OpenWriteAsync("f", 0, CancellationToken.None));
        await stream.WriteAsync(Ten);
        var completing = stream.CompleteAsync(CancellationToken.None);
        var write = await NextAsync(SftpPacketType.SSH_FXP_WRITE);
        var close = await NextAsync(SftpPacketType.SSH_FXP_CLOSE);
        await _peer.SendStatusAsync(write.Id, SftpStatusCode.SSH_FX_FAILURE, "No space left on device");
        await _peer.SendStatusAsync(close.Id, SftpStatusCode.SSH_FX_OK);

        var refused = await Assert.ThrowsAsync<CommandRefusedException>(() => completing.WaitAsync(NoHang));
        Assert.Contains("No space left on device", refused.Message, StringComparison.Ordinal);
        await stream.DisposeAsync();

        // The next request is the caller's own: no second close of a handle name the server may have given out again.
        var looking = session.GetItemAsync("g", CancellationToken.None);
        var stat = await NextAsync(SftpPacketType.SSH_FXP_LSTAT);
        await _peer.SendStatusAsync(stat.Id, SftpStatusCode.SSH_FX_NO_SUCH_FILE, "No such file");
        Assert.Null(await looking.WaitAsync(NoHang));
        Assert.True(session.IsConnected);
    }

    private async Task<RemoteFileStream> OpenAsync(Task<RemoteFileStream> opening)
    {
        var open = await NextAsync(SftpPacketType.SSH_FXP_OPEN);
        await _peer.SendPacketAsync(SftpPacketType.SSH_FXP_HANDLE, open.Id, w => w.WriteString("h:" + open.Reader().ReadString()));
        return await opening.WaitAsync(NoHang);
    }

    private async Task<FakeSftpPeer.Request> NextAsync(SftpPacketType expected)
    {
        var request = await _peer.ReadRequestAsync().WaitAsync(NoHang);
        Assert.Equal(expected, request.Type);
        return request;
    }
}
