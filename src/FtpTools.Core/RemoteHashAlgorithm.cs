namespace FtpTools.Core;

/// <summary>The checksums Get-FtpFileHash computes, by the server when it can, else over the file's bytes as read.</summary>
public enum RemoteHashAlgorithm
{
    Sha256,
    Sha1,
    Sha384,
    Sha512,
    Md5,

    /// <summary>CRC-32 of IEEE 802.3 (the one of zip and gzip, and of FTP's XCRC and HASH CRC32).</summary>
    Crc32,
}
