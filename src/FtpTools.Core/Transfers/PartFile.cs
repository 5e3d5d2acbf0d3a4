using System;
using System.Security.Cryptography;
using System.Text;

namespace FtpTools.Core.Transfers;

/// <summary>
/// Names of the temporary files a transfer writes before renaming to the final name. A part file sits in
/// the destination's own directory (so the final rename never crosses a file system) and is named
/// ".&lt;name&gt;.ftptools-part". Names too long for that get ".ftptools-&lt;hash&gt;.part" instead, where the hash is
/// the first 32 hex digits of the SHA-256 of the UTF-8 name, so a later -Resume finds the same part file.
/// </summary>
public static class PartFile
{
    public const string Suffix = ".ftptools-part";

    // NAME_MAX is 255 bytes on Linux and the BSDs; most FTP and SFTP servers share it.
    private const int MaxNameBytes = 255;

    public static string NameFor(string fileName)
    {
        if (string.IsNullOrEmpty(fileName))
        {
            throw new ArgumentException("A file name is required.", nameof(fileName));
        }

        var name = "." + fileName + Suffix;
        if (Encoding.UTF8.GetByteCount(name) <= MaxNameBytes)
        {
            return name;
        }

        using var sha = SHA256.Create();
        var hash = sha.ComputeHash(Encoding.UTF8.GetBytes(fileName));
        var hex = new StringBuilder(32);
        for (var i = 0; i < 16; i++)
        {
            hex.Append(hash[i].ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
        }

        return ".ftptools-" + hex + ".part";
    }

    /// <summary>The local part file of a local destination path.</summary>
    public static string LocalPathFor(string localPath)
    {
        var directory = System.IO.Path.GetDirectoryName(localPath);
        var name = System.IO.Path.GetFileName(localPath);
        return directory is null ? NameFor(name) : System.IO.Path.Combine(directory, NameFor(name));
    }

    /// <summary>The remote part file of an absolute remote destination path.</summary>
    public static string RemotePathFor(string remotePath)
    {
        var directory = Paths.RemotePath.GetDirectoryName(remotePath);
        var name = Paths.RemotePath.GetFileName(remotePath);
        return Paths.RemotePath.Combine(directory, NameFor(name));
    }
}
