using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;
using FtpTools.Core.Sftp;
using Xunit;

namespace FtpTools.Core.Tests.Sftp;

/// <summary>
/// limits@openssh.com's max-open-handles is kept: opens beyond it wait until a handle is closed or an open is refused.
/// A scripted server sees the order of requests, which no real server reports.
/// </summary>
public sealed class SftpHandleLimitTests : IAsyncLifetime
{
    private static readonly TimeSpan NoHang = TimeSpan.FromSeconds(15);
    private static readonly SftpLimits TwoHandles = new() { MaxPacketLength = 262_144, MaxReadLength = 261_120, MaxWriteLength = 261_120, MaxOpenHandles = 2 };
    private FakeSftpPeer _peer = null!;

    public async Task InitializeAsync() => _peer = await FakeSftpPeer.CreateAsync();

    public async Task DisposeAsync() => await _peer.DisposeAsync();

    [Fact]
    public async Task With_two_handles_allowed_a_third_open_waits_for_a_close_and_a_refused_open_gives_its_slot_back()
    {
        var session = await _peer.OpenSessionAsync(TimeSpan.FromSeconds(30), limits: TwoHandles);
        var listings = new[] { "a", "b", "c" }.Select(d => session.ListDirectoryAsync(d, CancellationToken.None)).ToList();

        // Two opens go out. Both listings then read their directories (the first READDIRs of each) and close their handles,
        // and no third open comes before a close is answered.
        var opened = new[] { await NextAsync(SftpPacketType.SSH_FXP_OPENDIR), await NextAsync(SftpPacketType.SSH_FXP_OPENDIR) };
        Assert.Equal(new[] { "/home/fake/a", "/home/fake/b" }, opened.Select(r => r.Reader().ReadString()).Order(StringComparer.Ordinal));
        foreach (var open in opened)
        {
            await SendHandleAsync(open);
        }

        // The two listings' requests interleave as their answers come: one may close its handle before the other's
        // READDIRs are all in. Anything but READDIR and CLOSE here (a third OPENDIR) fails the test.
        var closes = new List<FakeSftpPeer.Request>();
        for (var readDirs = 0; readDirs < 2 * SftpSession.InitialReadDirDepth || closes.Count < 2;)
        {
            var request = await _peer.ReadRequestAsync().WaitAsync(NoHang);
            if (request.Type == SftpPacketType.SSH_FXP_READDIR)
            {
                await _peer.SendStatusAsync(request.Id, SftpStatusCode.SSH_FX_EOF);
                readDirs++;
            }
            else
            {
                Assert.Equal(SftpPacketType.SSH_FXP_CLOSE, request.Type);
                closes.Add(request);
            }
        }

        await _peer.SendStatusAsync(closes[0].Id, SftpStatusCode.SSH_FX_OK);
        var third = await NextAsync(SftpPacketType.SSH_FXP_OPENDIR);
        Assert.Equal("/home/fake/c", third.Reader().ReadString());
        await _peer.SendStatusAsync(closes[1].Id, SftpStatusCode.SSH_FX_OK);
        await _peer.SendStatusAsync(third.Id, SftpStatusCode.SSH_FX_PERMISSION_DENIED, "denied");

        Assert.Empty(await listings[0].WaitAsync(NoHang));
        Assert.Empty(await listings[1].WaitAsync(NoHang));
        var refused = await Assert.ThrowsAsync<CommandRefusedException>(() => listings[2].WaitAsync(NoHang));
        Assert.Equal(RemoteErrorKind.PermissionDenied, refused.Kind);

        // Every slot is free again: two opens go out at once.
        var more = new[] { "d", "e" }.Select(d => session.ListDirectoryAsync(d, CancellationToken.None)).ToList();
        var reopened = new[] { await NextAsync(SftpPacketType.SSH_FXP_OPENDIR), await NextAsync(SftpPacketType.SSH_FXP_OPENDIR) };
        foreach (var open in reopened)
        {
            await SendHandleAsync(open);
        }

        for (var i = 0; i < 2 * (SftpSession.InitialReadDirDepth + 1); i++)
        {
            var request = await _peer.ReadRequestAsync().WaitAsync(NoHang);
            await _peer.SendStatusAsync(request.Id, request.Type == SftpPacketType.SSH_FXP_CLOSE ? SftpStatusCode.SSH_FX_OK : SftpStatusCode.SSH_FX_EOF);
        }

        Assert.All(await Task.WhenAll(more).WaitAsync(NoHang), Assert.Empty);
        Assert.True(session.IsConnected);
    }

    [Fact]
    public async Task The_handle_of_an_open_its_caller_gave_up_on_is_closed_and_its_slot_comes_back()
    {
        var session = await _peer.OpenSessionAsync(TimeSpan.FromSeconds(30), limits: new SftpLimits { MaxOpenHandles = 1 });
        using var giveUp = new CancellationTokenSource();
        var abandoned = session.ListDirectoryAsync("gone", giveUp.Token);
        var open = await NextAsync(SftpPacketType.SSH_FXP_OPENDIR);
        giveUp.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned.WaitAsync(NoHang));

        // The only slot is still taken: this open waits until the late handle has been closed.
        var next = session.ListDirectoryAsync("next", CancellationToken.None);
        await SendHandleAsync(open);
        var close = await NextAsync(SftpPacketType.SSH_FXP_CLOSE);
        Assert.Equal("h:/home/fake/gone", close.Reader().ReadString());
        await _peer.SendStatusAsync(close.Id, SftpStatusCode.SSH_FX_OK);

        var reopen = await NextAsync(SftpPacketType.SSH_FXP_OPENDIR);
        Assert.Equal("/home/fake/next", reopen.Reader().ReadString());
        await _peer.SendStatusAsync(reopen.Id, SftpStatusCode.SSH_FX_NO_SUCH_FILE, "no such directory");
        Assert.Equal(RemoteErrorKind.NotFound, (await Assert.ThrowsAsync<CommandRefusedException>(() => next.WaitAsync(NoHang))).Kind);
    }

    private async Task<FakeSftpPeer.Request> NextAsync(SftpPacketType expected)
    {
        var request = await _peer.ReadRequestAsync().WaitAsync(NoHang);
        Assert.Equal(expected, request.Type);
        return request;
    }

    private Task SendHandleAsync(FakeSftpPeer.Request open) =>
        _peer.SendPacketAsync(SftpPacketType.SSH_FXP_HANDLE, open.Id, w => w.WriteString("h:" + open.Reader().ReadString()));
}
