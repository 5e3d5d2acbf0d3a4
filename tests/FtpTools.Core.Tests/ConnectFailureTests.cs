using System;
using System.Diagnostics;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;
using FtpTools.Core.Tests.Servers;
using Xunit;

namespace FtpTools.Core.Tests;

/// <summary>A server that cannot be reached fails fast and says so, for every protocol, before anything is sent.</summary>
public class ConnectFailureTests
{
    [Theory]
    [InlineData(RemoteProtocol.Ftp)]
    [InlineData(RemoteProtocol.Ftpes)]
    [InlineData(RemoteProtocol.Ftps)]
    [InlineData(RemoteProtocol.Sftp)]
    public async Task A_closed_port_is_a_connect_failure(RemoteProtocol protocol)
    {
        var port = TestServers.FreePort();
        var options = new ConnectionOptions
        {
            Protocol = protocol,
            Host = "127.0.0.1",
            Port = port,
            Credential = new NetworkCredential("someone", "secret-password"),
            ConnectTimeout = TimeSpan.FromSeconds(5),
        };
        var watch = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<ConnectFailedException>(() => RemoteSessionFactory.ConnectAsync(options, CancellationToken.None));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");
        Assert.Contains(port.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-password", error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(RemoteProtocol.Ftp)]
    [InlineData(RemoteProtocol.Sftp)]
    public async Task An_unresolvable_name_is_a_connect_failure(RemoteProtocol protocol)
    {
        var options = new ConnectionOptions
        {
            Protocol = protocol,
            Host = "no-such-host.invalid",
            Credential = new NetworkCredential("someone", "pw"),
            ConnectTimeout = TimeSpan.FromSeconds(5),
        };
        var error = await Assert.ThrowsAsync<ConnectFailedException>(() => RemoteSessionFactory.ConnectAsync(options, CancellationToken.None));
        Assert.Contains("no-such-host.invalid", error.Message, StringComparison.Ordinal);
    }
}
