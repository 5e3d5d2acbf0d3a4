using System;
using System.Collections.Generic;

namespace FtpTools.Core.Paths;

/// <summary>Remote paths are POSIX-style on every protocol we speak: '/' separated, absolute from '/'.</summary>
public static class RemotePath
{
    /// <summary>Joins a base directory and a (relative or absolute) path, then normalises "." and "..".</summary>
    public static string Combine(string baseDirectory, string path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return Normalize(baseDirectory);
        }

        return path[0] == '/' ? Normalize(path) : Normalize(baseDirectory.TrimEnd('/') + "/" + path);
    }

    /// <summary>Makes an absolute path canonical: no empty segments, no ".", ".." resolved (never above "/").</summary>
    public static string Normalize(string absolutePath)
    {
        if (IsNormal(absolutePath))
        {
            // Most paths are canonical already (every item of a listing is one); they need no splitting.
            return absolutePath;
        }

        var parts = new List<string>();
        foreach (var segment in absolutePath.Split('/'))
        {
            if (segment.Length == 0 || segment == ".")
            {
                continue;
            }

            if (segment == "..")
            {
                if (parts.Count > 0)
                {
                    parts.RemoveAt(parts.Count - 1);
                }

                continue;
            }

            parts.Add(segment);
        }

        return "/" + string.Join("/", parts);
    }

    /// <summary>"/" or "/" followed by non-empty segments that are neither "." nor "..", without a trailing "/".</summary>
    private static bool IsNormal(string path)
    {
        if (path.Length == 0 || path[0] != '/')
        {
            return false;
        }

        if (path.Length == 1)
        {
            return true;
        }

        var segmentStart = 1;
        for (var i = 1; i <= path.Length; i++)
        {
            if (i < path.Length && path[i] != '/')
            {
                continue;
            }

            var length = i - segmentStart;
            if (length == 0
                || (length == 1 && path[segmentStart] == '.')
                || (length == 2 && path[segmentStart] == '.' && path[segmentStart + 1] == '.'))
            {
                return false;
            }

            segmentStart = i + 1;
        }

        return true;
    }

    /// <summary>The last segment ("c" of "/a/b/c"); "" for "/".</summary>
    public static string GetFileName(string path)
    {
        var trimmed = path.Length > 1 ? path.TrimEnd('/') : path;
        var index = trimmed.LastIndexOf('/');
        return index < 0 ? trimmed : trimmed.Substring(index + 1);
    }

    /// <summary>The parent directory ("/a/b" of "/a/b/c"); "/" for "/" and for top-level entries.</summary>
    public static string GetDirectoryName(string absolutePath)
    {
        var normalized = Normalize(absolutePath);
        var index = normalized.LastIndexOf('/');
        return index <= 0 ? "/" : normalized.Substring(0, index);
    }

    /// <summary>True when a name from a server listing is a plain single segment safe to use as a local file name.</summary>
    public static bool IsSafeEntryName(string name) =>
        name.Length > 0
        && name != "."
        && name != ".."
        && name.IndexOf('/') < 0
        && name.IndexOf('\\') < 0
        && name.IndexOf('\0') < 0
        && !(name.Length >= 2 && name[1] == ':');

    public static bool HasWildcards(string path) => path.IndexOfAny(WildcardChars) >= 0;

    private static readonly char[] WildcardChars = { '*', '?', '[' };

    internal static StringComparison Comparison => StringComparison.Ordinal;
}
