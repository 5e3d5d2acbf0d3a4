using System;
using System.IO;
using System.Net;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Tests.Servers;
using Xunit;

namespace FtpTools.Core.Tests.Ftp;

/// <summary>IPv6 against a real server: vsftpd listening on ::1 only, data connections by EPSV and EPRT (RFC 2428).</summary>
[Collection("vsftpd")]
public sealed class FtpIpv6Tests
{
    private readonly VsftpdFixture _server;

    public FtpIpv6Tests(VsftpdFixture server)
    {
        _server = server;
    }

    [Theory]
    [InlineData(RemoteProtocol.Ftp, FtpDataMode.Passive)]
    [InlineData(RemoteProtocol.Ftp, FtpDataMode.Active)]
    [InlineData(RemoteProtocol.Ftpes, FtpDataMode.Passive)]
    [InlineData(RemoteProtocol.Ftpes, FtpDataMode.Active)]
    public async Task Transfers_and_lists_over_ipv6_loopback(RemoteProtocol protocol, FtpDataMode mode)
    {
        var port = await _server.StartIpv6Async();
        var dir = _server.NewTestDirectory("v6");
        var log = new RecordingLog();
        var options = new ConnectionOptions
        {
            Protocol = protocol,
            Host = "::1",
            Port = port,
            Credential = new NetworkCredential(_server.UserName, _server.Password),
            OperationTimeout = TimeSpan.FromSeconds(20),
            Ftp = new FtpOptions { DataMode = mode },
            Tls = new TlsOptions { ExtraCaFile = _server.CaCertificatePath },
            Log = log,
        };
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await using var session = await RemoteSessionFactory.ConnectAsync(options, timeout.Token);

        var data = RandomNumberGenerator.GetBytes(200_003);
        await using (var write = await session.OpenWriteAsync($"/{dir}/six.bin", 0, timeout.Token))
        {
            await write.WriteAsync(data, timeout.Token);
            await write.CompleteAsync(timeout.Token);
        }

        Assert.Equal(SHA256.HashData(data), SHA256.HashData(await File.ReadAllBytesAsync(Path.Combine(_server.RootDirectory, dir, "six.bin"))));
        var item = Assert.Single(await session.ListDirectoryAsync("/" + dir, timeout.Token));
        Assert.Equal(data.Length, item.Length);

        using var copy = new MemoryStream();
        await using (var read = await session.OpenReadAsync($"/{dir}/six.bin", 0, timeout.Token))
        {
            await read.CopyToAsync(copy, timeout.Token);
            await read.CompleteAsync(timeout.Token);
        }

        Assert.Equal(SHA256.HashData(data), SHA256.HashData(copy.ToArray()));
        var command = mode == FtpDataMode.Passive ? "EPSV" : "EPRT |2|::1|";
        Assert.Contains(command, log.ToString(), StringComparison.Ordinal);
    }
}
