using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;

namespace FtpTools.Bench;

/// <summary>
/// The data bench/run.sh made with a fixed seed: DATA/big.bin, DATA/small/f*, and the listing directory
/// list10k/e* placed in each server root (the big file and small files are hard-linked into the roots too).
/// </summary>
internal sealed class DataSet
{
    public const string BigName = "big.bin";
    public const string SmallName = "small";
    public const string ListName = "list10k";
    public const string UploadBigName = "up-big.bin";
    public const string UploadSmallName = "up-small";

    private DataSet(string directory, long bigSize, string bigSha256, IReadOnlyDictionary<string, string> smallFiles, long smallFileSize, int listCount)
    {
        Directory = directory;
        BigSize = bigSize;
        BigSha256 = bigSha256;
        SmallFiles = smallFiles;
        SmallFileSize = smallFileSize;
        ListCount = listCount;
    }

    public string Directory { get; }

    public string BigPath => Path.Combine(Directory, BigName);

    public string SmallDirectory => Path.Combine(Directory, SmallName);

    /// <summary>Scratch space on the same disk for downloads; emptied before every run.</summary>
    public string WorkDirectory => Path.Combine(Directory, "work");

    /// <summary>Where the runs' left-over directories go until the benchmark ends (<see cref="Trash"/>).</summary>
    public string TrashDirectory => Path.Combine(Directory, "trash");

    public long BigSize { get; }

    public string BigSha256 { get; }

    /// <summary>Name to SHA-256 (hex) of every small file.</summary>
    public IReadOnlyDictionary<string, string> SmallFiles { get; }

    public long SmallFileSize { get; }

    public int ListCount { get; }

    public static DataSet Load(string directory, ServerEnvironment servers)
    {
        var big = new FileInfo(Path.Combine(directory, BigName));
        if (!big.Exists)
        {
            throw new InvalidOperationException($"{big.FullName} is missing; bench/run.sh makes the data.");
        }

        var small = System.IO.Directory.GetFiles(Path.Combine(directory, SmallName))
            .OrderBy(p => p, StringComparer.Ordinal)
            .ToDictionary(p => Path.GetFileName(p), Sha256OfFile, StringComparer.Ordinal);
        var smallSize = small.Count == 0 ? 0 : new FileInfo(Path.Combine(directory, SmallName, small.Keys.First())).Length;
        var listCount = System.IO.Directory.GetFiles(Path.Combine(servers.FtpRoot, ListName)).Length;
        var sftpListCount = System.IO.Directory.GetFiles(Path.Combine(servers.SftpRoot, ListName)).Length;
        if (listCount != sftpListCount)
        {
            throw new InvalidOperationException($"The listing directories differ: {listCount} entries for FTP, {sftpListCount} for SFTP.");
        }

        System.IO.Directory.CreateDirectory(Path.Combine(directory, "work"));
        return new DataSet(directory, big.Length, Sha256OfFile(big.FullName), small, smallSize, listCount);
    }

    public static string Sha256OfFile(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
