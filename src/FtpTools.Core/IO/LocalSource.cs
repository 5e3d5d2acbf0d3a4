using System;
using System.IO;

namespace FtpTools.Core.IO;

/// <summary>
/// What an upload reads from a local path: the file a symbolic link leads to, as every copy tool reads it (the link's
/// own length is that of the path it holds, and an upload that expected it would fail every time).
/// </summary>
internal static class LocalSource
{
    /// <summary>The file at <paramref name="path"/>, or the one its symbolic link (and any link that one leads to) names.</summary>
    public static FileInfo Describe(string path)
    {
        var file = new FileInfo(path);
#if NET6_0_OR_GREATER
        if (file.LinkTarget is not null)
        {
            try
            {
                if (file.ResolveLinkTarget(returnFinalTarget: true) is FileInfo target)
                {
                    return target;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A loop of links, or one that cannot be read: the link itself, which reading then fails with why.
            }
        }
#endif
        return file;
    }

    /// <summary>
    /// The permission bits (rwx for owner, group, others) of a file <see cref="Describe"/> gave, for an upload to
    /// create its copy with (<see cref="ICreateModeWriter"/>); null on Windows, or when they cannot be read.
    /// </summary>
    public static int? PermissionBits(FileInfo file)
    {
#if NET7_0_OR_GREATER
        if (!OperatingSystem.IsWindows())
        {
            try
            {
                return (int)file.UnixFileMode & 0x1FF;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return null;
            }
        }
#endif
        return null;
    }

    /// <summary>
    /// The length <see cref="Describe"/> gives, or null when there is no file to read (a broken link): planned without
    /// a length, and the upload itself says what is missing.
    /// </summary>
    public static long? LengthOf(string path)
    {
        var file = Describe(path);
        try
        {
            return file.Exists ? file.Length : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
