using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using FtpTools.Core.Errors;

namespace FtpTools.Core.Transfers;

/// <summary>
/// Turns names a server chose into local paths under a destination directory. A hostile or broken server
/// can list any name ("..", "/etc/passwd", "C:\x", "a\..\..\b", names with NUL); none of them may make a
/// download land outside the directory the user named. Every recursive download goes through here.
/// </summary>
public static class LocalPathMapper
{
    // Windows opens these as devices whatever directory they are in (and with any extension).
    private static readonly HashSet<string> WindowsDeviceNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
        "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
        "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
    };

    private static readonly char[] InvalidNameChars = Path.GetInvalidFileNameChars();

    private static bool IsWindows => RuntimeInformation.IsOSPlatform(OSPlatform.Windows);

    /// <summary>
    /// Maps a relative remote path ("dir/sub/name", '/' separated) to an absolute local path under
    /// <paramref name="destinationDirectory"/>. Throws <see cref="TransferRefusedException"/> with
    /// <see cref="TransferRefusedReason.UnsafeRemoteName"/> when any segment is unsafe or the result would
    /// resolve outside the destination.
    /// </summary>
    public static string MapUnder(string destinationDirectory, string relativeRemotePath)
    {
        if (destinationDirectory is null)
        {
            throw new ArgumentNullException(nameof(destinationDirectory));
        }

        if (relativeRemotePath is null)
        {
            throw new ArgumentNullException(nameof(relativeRemotePath));
        }

        var root = Path.GetFullPath(destinationDirectory);
        var segments = relativeRemotePath.Split('/');
        if (relativeRemotePath.Length == 0)
        {
            throw Unsafe(relativeRemotePath, "the name is empty");
        }

        var combined = root;
        foreach (var segment in segments)
        {
            var reason = WhyUnsafe(segment);
            if (reason is not null)
            {
                throw Unsafe(relativeRemotePath, reason);
            }

            combined = Path.Combine(combined, segment);
        }

        // Belt and braces: whatever the segment checks missed, the resolved path must stay inside.
        var full = Path.GetFullPath(combined);
        if (!IsStrictlyUnder(root, full))
        {
            throw Unsafe(relativeRemotePath, "it resolves outside the destination directory");
        }

        return full;
    }

    /// <summary>Null when <paramref name="name"/> is a safe single local file name, else the reason it is not.</summary>
    public static string? WhyUnsafe(string name)
    {
        if (name is null)
        {
            throw new ArgumentNullException(nameof(name));
        }

        if (name.Length == 0)
        {
            return "it has an empty segment";
        }

        if (name == "." || name == "..")
        {
            return "it has a '" + name + "' segment";
        }

        if (name.IndexOf('\0') >= 0)
        {
            return "it contains a NUL character";
        }

        if (name.IndexOf('\\') >= 0)
        {
            return "it contains a backslash";
        }

        if (name.Length >= 2 && name[1] == ':' && IsAsciiLetter(name[0]))
        {
            return "it starts with a drive letter";
        }

        if (name.IndexOfAny(InvalidNameChars) >= 0)
        {
            return "it contains a character this system does not allow in file names";
        }

        if (IsWindows)
        {
            // ':' names an alternate data stream; trailing dots and spaces are silently dropped by Win32,
            // so "x." would become "x" and "..." would become "..".
            if (name.IndexOf(':') >= 0)
            {
                return "it contains ':'";
            }

            if (name[name.Length - 1] == '.' || name[name.Length - 1] == ' ')
            {
                return "it ends with a dot or a space";
            }

            var stem = name.Split('.')[0].TrimEnd(' ');
            if (WindowsDeviceNames.Contains(stem))
            {
                return "it is a reserved device name";
            }
        }

        return null;
    }

    /// <summary>True when <paramref name="path"/> is a proper descendant of <paramref name="root"/> (both absolute, normalised).</summary>
    internal static bool IsStrictlyUnder(string root, string path)
    {
        var comparison = IsWindows ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        var prefix = root.EndsWith(Path.DirectorySeparatorChar.ToString(), StringComparison.Ordinal)
            || root.EndsWith(Path.AltDirectorySeparatorChar.ToString(), StringComparison.Ordinal)
            ? root
            : root + Path.DirectorySeparatorChar;
        return path.Length > prefix.Length && path.StartsWith(prefix, comparison);
    }

    private static bool IsAsciiLetter(char c) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');

    private static TransferRefusedException Unsafe(string name, string reason) =>
        new($"The remote name '{Printable(name)}' is refused: {reason}.", TransferRefusedReason.UnsafeRemoteName, name);

    // Names from a server go into error messages; show control characters instead of writing them raw.
    internal static string Printable(string name)
    {
        var chars = new System.Text.StringBuilder(name.Length);
        foreach (var c in name)
        {
            if (c < 0x20 || c == 0x7f)
            {
                chars.Append("\\x").Append(((int)c).ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                chars.Append(c);
            }
        }

        return chars.ToString();
    }
}
