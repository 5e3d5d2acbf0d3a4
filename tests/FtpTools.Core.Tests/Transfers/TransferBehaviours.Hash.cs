using System;
using System.Linq;
using System.Security.Cryptography;
using System.Threading.Tasks;
using FtpTools.Core.Errors;
using FtpTools.Core.Transfers;
using Xunit;

namespace FtpTools.Core.Tests.Transfers;

/// <summary>Checksums of remote files (Get-FtpFileHash): by the server where it can, else over the bytes read.</summary>
public abstract partial class TransferBehaviours
{
    [Fact]
    public async Task Every_checksum_matches_the_bytes_on_the_servers_disk()
    {
        var data = Bytes(300_001, 41);
        ServerFile("sum.bin", data);
#pragma warning disable CA5350, CA5351 // SHA-1 and MD5 only to check what the module computed with them.
        var expected = new (RemoteHashAlgorithm Algorithm, string Name, string Hex)[]
        {
            (RemoteHashAlgorithm.Sha256, "SHA256", Convert.ToHexString(SHA256.HashData(data))),
            (RemoteHashAlgorithm.Sha1, "SHA1", Convert.ToHexString(SHA1.HashData(data))),
            (RemoteHashAlgorithm.Sha384, "SHA384", Convert.ToHexString(SHA384.HashData(data))),
            (RemoteHashAlgorithm.Sha512, "SHA512", Convert.ToHexString(SHA512.HashData(data))),
            (RemoteHashAlgorithm.Md5, "MD5", Convert.ToHexString(MD5.HashData(data))),
            (RemoteHashAlgorithm.Crc32, "CRC32", ReferenceHashes.Crc32(data).ToString("X8", System.Globalization.CultureInfo.InvariantCulture)),
        };
#pragma warning restore CA5350, CA5351

        foreach (var (algorithm, name, hex) in expected)
        {
            var hash = await RemoteFileHasher.ComputeAsync(Session, RemoteDir + "/sum.bin", algorithm, serverOnly: false, null, Timeout());

            Assert.NotNull(hash);
            Assert.Equal((name, hex, RemoteDir + "/sum.bin"), (hash!.Algorithm, hash.Hash, hash.Path));
            Assert.Equal(Target.ServerHashes.Contains(algorithm) ? HashComputedBy.Server : HashComputedBy.Client, hash.ComputedBy);
        }
    }

    [Fact]
    public async Task A_file_read_to_be_hashed_reports_progress_and_listed_items_and_empty_files_hash_too()
    {
        var data = Bytes(Big, 42);
        ServerFile("big.bin", data);
        ServerFile("empty", Array.Empty<byte>());
        var listing = await Session.ListDirectoryAsync(RemoteDir, Timeout());
        var reports = new System.Collections.Generic.List<TransferProgress>();

        var big = await RemoteFileHasher.ComputeAsync(Session, listing.Single(i => i.Name == "big.bin"), RemoteHashAlgorithm.Sha384, serverOnly: false, new Collect(reports), Timeout());
        var empty = await RemoteFileHasher.ComputeAsync(Session, listing.Single(i => i.Name == "empty"), RemoteHashAlgorithm.Sha384, serverOnly: false, null, Timeout());

        Assert.Equal(Convert.ToHexString(SHA384.HashData(data)), big!.Hash);
        Assert.Equal(HashComputedBy.Client, big.ComputedBy);
        Assert.Equal(Big, reports.Last().BytesDone);
        Assert.Equal(Big, reports.Last().TotalBytes);
        Assert.True(reports.Last().IsFinal);
        Assert.Equal((RemoteDir + "/big.bin", "SHA384"), (reports.Last().Source, reports.Last().Destination));
        Assert.Equal(Convert.ToHexString(SHA384.HashData(Array.Empty<byte>())), empty!.Hash);
    }

    [Fact]
    public async Task Directories_have_no_checksum_and_missing_paths_and_server_only_refusals_are_errors()
    {
        ServerFile("sub/f.txt", Bytes(10, 43));

        var directory = await RemoteFileHasher.ComputeAsync(Session, RemoteDir + "/sub", RemoteHashAlgorithm.Sha256, serverOnly: false, null, Timeout());
        var missing = await Assert.ThrowsAsync<TransferRefusedException>(() =>
            RemoteFileHasher.ComputeAsync(Session, RemoteDir + "/nope", RemoteHashAlgorithm.Sha256, serverOnly: false, null, Timeout()));
        var refused = await Assert.ThrowsAsync<CommandRefusedException>(() =>
            RemoteFileHasher.ComputeAsync(Session, RemoteDir + "/sub/f.txt", RemoteHashAlgorithm.Sha384, serverOnly: true, null, Timeout()));

        Assert.Null(directory);
        Assert.Equal(TransferRefusedReason.SourceNotFound, missing.Reason);
        Assert.Equal($"Cannot find remote path '{RemoteDir}/nope' because it does not exist.", missing.Message);
        Assert.Equal(RemoteErrorKind.Unsupported, refused.Kind);
        Assert.Equal("The server cannot compute SHA384 checksums itself; without -ServerOnly the file is read and hashed here.", refused.Message);
        Assert.Equal(RemoteDir + "/sub/f.txt", refused.Path);
        if (!Target.ServerHashes.Contains(RemoteHashAlgorithm.Sha256))
        {
            await Assert.ThrowsAsync<CommandRefusedException>(() =>
                RemoteFileHasher.ComputeAsync(Session, RemoteDir + "/sub/f.txt", RemoteHashAlgorithm.Sha256, serverOnly: true, null, Timeout()));
        }
        else
        {
            var server = await RemoteFileHasher.ComputeAsync(Session, RemoteDir + "/sub/f.txt", RemoteHashAlgorithm.Sha256, serverOnly: true, null, Timeout());
            Assert.Equal((Sha(Bytes(10, 43)), HashComputedBy.Server), (server!.Hash, server.ComputedBy));
        }
    }
}
