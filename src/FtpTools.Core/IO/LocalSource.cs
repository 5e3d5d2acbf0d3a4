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
            catch (IOException)
            {
                // A loop of links, or one that cannot be read: the link itself, which reading then fails with why.
            }
        }
#endif
        return file;
    }
}
