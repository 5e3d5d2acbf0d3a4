using System;
using System.IO;
using System.Net;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Ftp;
using FtpTools.Core.Tests.Servers;
using Xunit;

namespace FtpTools.Core.Tests.Ftp;

/// <summary>Remote checksums against proftpd with mod_digest (HASH and XCRC/XMD5/XSHA1/XSHA256), compared with local hashes of the same bytes.</summary>
[Collection("proftpd")]
public sealed class FtpRemoteHashTests
{
    private readonly ProftpdFixture _server;

    public FtpRemoteHashTests(ProftpdFixture server)
    {
        _server = server;
    }

    [Theory]
    [InlineData(RemoteProtocol.Ftp)]
    [InlineData(RemoteProtocol.Ftpes)]
    public async Task Server_hashes_match_the_bytes_on_disk(RemoteProtocol protocol)
    {
        var dir = _server.NewTestDirectory("hash");
        var data = RandomNumberGenerator.GetBytes(1_000_003);
        var path = Path.Combine(_server.RootDirectory, dir, "data.bin");
        await File.WriteAllBytesAsync(path, data);
        TestServers.GiveToTestUser(path);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var log = new RecordingLog();
        await using var session = await RemoteSessionFactory.ConnectAsync(
            new ConnectionOptions
            {
                Protocol = protocol,
                Host = _server.Host,
                Port = _server.Port,
                Credential = new NetworkCredential(_server.UserName, _server.Password),
                Tls = new TlsOptions { ExtraCaFile = _server.CaCertificatePath },
                Log = log,
            },
            timeout.Token);
        var hashes = Assert.IsAssignableFrom<IRemoteHashProvider>(session);
        Assert.Equal(
            new[] { RemoteHashAlgorithm.Sha256, RemoteHashAlgorithm.Sha512, RemoteHashAlgorithm.Sha1, RemoteHashAlgorithm.Md5, RemoteHashAlgorithm.Crc32 },
            hashes.SupportedHashAlgorithms);

        var remote = $"/{dir}/data.bin";
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(data)), await hashes.ComputeHashAsync(remote, RemoteHashAlgorithm.Sha256, null, timeout.Token));
        Assert.Equal(Convert.ToHexStringLower(SHA512.HashData(data)), await hashes.ComputeHashAsync(remote, RemoteHashAlgorithm.Sha512, null, timeout.Token));
#pragma warning disable CA5350, CA5351 // SHA-1 and MD5 only to check what the server computed with them.
        Assert.Equal(Convert.ToHexStringLower(SHA1.HashData(data)), await hashes.ComputeHashAsync(remote, RemoteHashAlgorithm.Sha1, null, timeout.Token));
        Assert.Equal(Convert.ToHexStringLower(MD5.HashData(data)), await hashes.ComputeHashAsync(remote, RemoteHashAlgorithm.Md5, null, timeout.Token));
#pragma warning restore CA5350, CA5351
        Assert.Equal(ReferenceHashes.Crc32(data).ToString("x8", System.Globalization.CultureInfo.InvariantCulture), await hashes.ComputeHashAsync(remote, RemoteHashAlgorithm.Crc32, null, timeout.Token));
        Assert.Contains(log.Lines, l => l.StartsWith("> HASH", StringComparison.Ordinal));
    }
}
