using System;
using System.Linq;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Tests.Servers;
using Xunit;

namespace FtpTools.Core.Tests.Ftp;

/// <summary>ConnectionOptions.KeepAliveInterval: an idle FTP session sends NOOP on its own and stays usable.</summary>
[Collection("vsftpd")]
public sealed class FtpKeepAliveTests
{
    private readonly VsftpdFixture _server;

    public FtpKeepAliveTests(VsftpdFixture server)
    {
        _server = server;
    }

    [Fact]
    public async Task An_idle_session_sends_noop_at_the_interval_and_stays_usable()
    {
        var log = new RecordingLog();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await using var session = await RemoteSessionFactory.ConnectAsync(
            new ConnectionOptions
            {
                Protocol = RemoteProtocol.Ftp,
                Host = _server.Host,
                Port = _server.Port,
                Credential = new NetworkCredential(_server.UserName, _server.Password),
                KeepAliveInterval = TimeSpan.FromMilliseconds(250),
                Log = log,
            },
            timeout.Token);

        await Task.Delay(TimeSpan.FromSeconds(2), timeout.Token);
        var noops = log.Lines.Count(l => l == "> NOOP");
        Assert.InRange(noops, 2, 12);
        Assert.True(session.IsConnected);
        Assert.NotNull(await session.ListDirectoryAsync("/", timeout.Token));

        await session.DisconnectAsync(timeout.Token);
        var after = log.Lines.Count(l => l == "> NOOP");
        await Task.Delay(TimeSpan.FromMilliseconds(800), timeout.Token);
        Assert.Equal(after, log.Lines.Count(l => l == "> NOOP"));
    }
}
