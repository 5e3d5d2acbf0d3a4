using System;
using System.IO;
using System.Net;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Tests.Servers;
using Xunit;

namespace FtpTools.Core.Tests.Ftp;

/// <summary>
/// TYPE A (RFC 959 §3.1.1.1): line ends travel as CRLF and the server stores its own. proftpd translates in both
/// directions, so the bytes on its disk show whether the session really asked for ASCII.
/// </summary>
[Collection("proftpd")]
public sealed class FtpAsciiModeTests
{
    private readonly ProftpdFixture _server;

    public FtpAsciiModeTests(ProftpdFixture server)
    {
        _server = server;
    }

    [Fact]
    public async Task Ascii_mode_converts_line_ends_both_ways_and_binary_does_not()
    {
        var dir = _server.NewTestDirectory("ascii");
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var log = new RecordingLog();
        ConnectionOptions Options(bool ascii) => new()
        {
            Protocol = RemoteProtocol.Ftp,
            Host = _server.Host,
            Port = _server.Port,
            Credential = new NetworkCredential(_server.UserName, _server.Password),
            Ftp = new FtpOptions { AsciiMode = ascii },
            Log = log,
        };

        await using (var ascii = await RemoteSessionFactory.ConnectAsync(Options(ascii: true), timeout.Token))
        {
            await using (var write = await ascii.OpenWriteAsync($"/{dir}/text.txt", 0, timeout.Token))
            {
                await write.WriteAsync(Encoding.ASCII.GetBytes("one\r\ntwo\r\n"), timeout.Token);
                await write.CompleteAsync(timeout.Token);
            }

            Assert.Equal("one\ntwo\n", await File.ReadAllTextAsync(Path.Combine(_server.RootDirectory, dir, "text.txt"), timeout.Token));

            using var copy = new MemoryStream();
            await using (var read = await ascii.OpenReadAsync($"/{dir}/text.txt", 0, timeout.Token))
            {
                await read.CopyToAsync(copy, timeout.Token);
                await read.CompleteAsync(timeout.Token);
            }

            Assert.Equal("one\r\ntwo\r\n", Encoding.ASCII.GetString(copy.ToArray()));
        }

        Assert.Contains("> TYPE A", log.Lines);

        await using var binary = await RemoteSessionFactory.ConnectAsync(Options(ascii: false), timeout.Token);
        await using (var write = await binary.OpenWriteAsync($"/{dir}/raw.txt", 0, timeout.Token))
        {
            await write.WriteAsync(Encoding.ASCII.GetBytes("one\r\ntwo\r\n"), timeout.Token);
            await write.CompleteAsync(timeout.Token);
        }

        Assert.Equal("one\r\ntwo\r\n", await File.ReadAllTextAsync(Path.Combine(_server.RootDirectory, dir, "raw.txt"), timeout.Token));
    }
}
