using System;

namespace FtpTools.Core.Transfers;

/// <summary>Who computed a <see cref="RemoteFileHash"/>.</summary>
public enum HashComputedBy
{
    /// <summary>The server, with a checksum command (FTP HASH, XSHA256 and the like): the file did not cross the network.</summary>
    Server,

    /// <summary>FtpTools, over the file's bytes as the server sent them (the server has no checksum command for the algorithm).</summary>
    Client,
}

/// <summary>A remote file's checksum: the output of Get-FtpFileHash, shaped like Get-FileHash's so the two compare directly.</summary>
public sealed class RemoteFileHash
{
    public RemoteFileHash(string algorithm, string hash, string path, HashComputedBy computedBy)
    {
        Algorithm = algorithm ?? throw new ArgumentNullException(nameof(algorithm));
        Hash = hash ?? throw new ArgumentNullException(nameof(hash));
        Path = path ?? throw new ArgumentNullException(nameof(path));
        ComputedBy = computedBy;
    }

    /// <summary>The algorithm's name as Get-FileHash spells it: SHA256, SHA1, SHA384, SHA512, MD5, or CRC32.</summary>
    public string Algorithm { get; }

    /// <summary>Upper-case hexadecimal, as Get-FileHash writes it.</summary>
    public string Hash { get; }

    /// <summary>The file's absolute remote path.</summary>
    public string Path { get; }

    public HashComputedBy ComputedBy { get; }

    public override string ToString() => Algorithm + " " + Hash + "  " + Path;
}
