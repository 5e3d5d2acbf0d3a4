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
/// Listings send their SSH_FXP_READDIR requests pipelined. A scripted server checks what real servers cannot show:
/// how many requests were outstanding, answers out of order, and a failure in the middle.
/// </summary>
public sealed class SftpListingPipelineTests : IAsyncLifetime
{
    private static readonly TimeSpan NoHang = TimeSpan.FromSeconds(15);
    private FakeSftpPeer _peer = null!;

    public async Task InitializeAsync() => _peer = await FakeSftpPeer.CreateAsync();

    public async Task DisposeAsync() => await _peer.DisposeAsync();

    [Fact]
    public async Task Answers_out_of_order_still_give_every_entry_and_the_requests_were_pipelined()
    {
        var batches = Enumerable.Range(0, 12).Select(b => Enumerable.Range(0, 3).Select(i => $"e{b:00}-{i}").ToArray()).ToList();
        var session = await _peer.OpenSessionAsync(TimeSpan.FromSeconds(30));
        var listing = session.ListDirectoryAsync("d", CancellationToken.None);
        var stats = await ServeDirectoryAsync(batches, failAt: null).WaitAsync(NoHang);

        var items = await listing.WaitAsync(NoHang);
        Assert.Equal(batches.SelectMany(b => b).Order(StringComparer.Ordinal), items.Select(i => i.Name).Order(StringComparer.Ordinal));
        Assert.All(items, i => Assert.Equal("/home/fake/d/" + i.Name, i.FullName));
        Assert.True(stats.MaxOutstanding >= 8, $"at most {stats.MaxOutstanding} READDIR requests were outstanding");
        Assert.True(stats.ClosedAfterEveryAnswer, "the handle was closed while READDIR requests were still unanswered");
    }

    [Fact]
    public async Task A_refused_READDIR_fails_the_listing_with_its_error_and_the_session_stays_usable()
    {
        var batches = Enumerable.Range(0, 6).Select(b => new[] { $"n{b}" }).ToList();
        var session = await _peer.OpenSessionAsync(TimeSpan.FromSeconds(30));
        var listing = session.ListDirectoryAsync("d", CancellationToken.None);
        var stats = await ServeDirectoryAsync(batches, failAt: 3).WaitAsync(NoHang);

        var error = await Assert.ThrowsAsync<CommandRefusedException>(() => listing.WaitAsync(NoHang));
        Assert.Equal(RemoteErrorKind.PermissionDenied, error.Kind);
        Assert.Equal("The SFTP server refused SSH_FXP_READDIR of /home/fake/d (SSH_FX_PERMISSION_DENIED): denied", error.Message);
        Assert.True(stats.ClosedAfterEveryAnswer, "the handle was closed while READDIR requests were still unanswered");

        var keepAlive = session.KeepAliveAsync(CancellationToken.None);
        var realPath = await _peer.ReadRequestAsync().WaitAsync(NoHang);
        await _peer.SendNameAsync(realPath.Id, "/home/fake");
        await keepAlive.WaitAsync(NoHang);
        Assert.True(session.IsConnected);
    }

    /// <summary>
    /// Plays the directory: OPENDIR, then READDIR requests, all those the client sends before it pauses for 200 ms
    /// answered newest first, one batch each, then EOF; the answer number <paramref name="failAt"/> is
    /// SSH_FX_PERMISSION_DENIED instead. Ends at CLOSE.
    /// </summary>
    private async Task<(int MaxOutstanding, bool ClosedAfterEveryAnswer)> ServeDirectoryAsync(List<string[]> batches, int? failAt)
    {
        var open = await _peer.ReadRequestAsync();
        Assert.Equal(SftpPacketType.SSH_FXP_OPENDIR, open.Type);
        await _peer.SendPacketAsync(SftpPacketType.SSH_FXP_HANDLE, open.Id, w => w.WriteString("dh"));

        var waiting = new List<uint>();
        var maxOutstanding = 0;
        var answered = 0;
        Task<FakeSftpPeer.Request>? next = null;
        while (true)
        {
            next ??= _peer.ReadRequestAsync();
            if (await Task.WhenAny(next, Task.Delay(waiting.Count == 0 ? 5000 : 200)) == next)
            {
                var request = await next;
                next = null;
                if (request.Type == SftpPacketType.SSH_FXP_CLOSE)
                {
                    await _peer.SendStatusAsync(request.Id, SftpStatusCode.SSH_FX_OK);
                    return (maxOutstanding, waiting.Count == 0);
                }

                Assert.Equal(SftpPacketType.SSH_FXP_READDIR, request.Type);
                waiting.Add(request.Id);
                maxOutstanding = Math.Max(maxOutstanding, waiting.Count);
                continue;
            }

            // Newest first: the later request gets the earlier batch.
            for (var k = waiting.Count - 1; k >= 0; k--)
            {
                var id = waiting[k];
                if (answered == failAt)
                {
                    await _peer.SendStatusAsync(id, SftpStatusCode.SSH_FX_PERMISSION_DENIED, "denied");
                }
                else if (answered < batches.Count)
                {
                    var names = batches[answered];
                    await _peer.SendPacketAsync(SftpPacketType.SSH_FXP_NAME, id, w =>
                    {
                        w.WriteUInt32((uint)names.Length);
                        foreach (var name in names)
                        {
                            w.WriteString(name).WriteString("-rw-r--r-- 1 u g 0 Jan 1 00:00 " + name).WriteUInt32(0);
                        }
                    });
                }
                else
                {
                    await _peer.SendStatusAsync(id, SftpStatusCode.SSH_FX_EOF);
                }

                answered++;
            }

            waiting.Clear();
        }
    }
}
