using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using FtpTools.Core.Paths;

namespace FtpTools.Core.Ftp.Listing;

/// <summary>
/// Turns directory listing lines into <see cref="RemoteItem"/>s. Pure functions: no I/O, no state; the caller
/// splits the data connection's bytes into lines (without the CRLF) and decodes them.
/// MLSD/MLST follow RFC 3659 §7; LIST has no standard (RFC 959 §4.1.3 leaves it to the server), so the Unix
/// "ls -l" and the Windows/IIS DOS layouts are recognised line by line.
/// </summary>
internal static partial class FtpListingParser
{
    /// <summary>Longer lines are rejected unread: a path is at most a few KiB on every server we know.</summary>
    public const int MaxLineLength = 8192;

    /// <summary>How much of a rejected line is kept for the report.</summary>
    public const int MaxReportedLineLength = 256;

    /// <summary>Parses one line of an MLSD listing of <paramref name="directory"/>.</summary>
    [MethodImpl(HotPath.Optimized)]
    public static ListingLineResult ParseMlsd(string line, string directory)
    {
        if (line is null)
        {
            throw new ArgumentNullException(nameof(line));
        }

        if (directory is null)
        {
            throw new ArgumentNullException(nameof(directory));
        }

        var text = TrimLineEnd(line);
        if (text.Length == 0)
        {
            return ListingLineResult.Skip("blank line");
        }

        return CheckLength(text) ?? ParseMlsdEntry(text, directory);
    }

    /// <summary>
    /// Parses one line of an MLST reply about <paramref name="path"/> (absolute). The leading space the reply
    /// carries (RFC 3659 §7.2) is removed; the pathname the server echoes is ignored because servers echo it in
    /// different forms, so the item is named after the path asked for.
    /// </summary>
    public static ListingLineResult ParseMlst(string line, string path)
    {
        if (line is null)
        {
            throw new ArgumentNullException(nameof(line));
        }

        if (path is null)
        {
            throw new ArgumentNullException(nameof(path));
        }

        var text = TrimLineEnd(line);
        if (text.Length > 0 && text[0] == ' ')
        {
            text = text.Substring(1);
        }

        return CheckLength(text) ?? ParseMlstEntry(text, path);
    }

    /// <summary>
    /// Parses one line of a LIST listing of <paramref name="directory"/>, detecting the Unix or DOS layout.
    /// <paramref name="nowUtc"/> places "HH:mm" dates (no year) in the most recent year that puts them at most
    /// six months ahead of it. LIST times are the server's local time; they are reported as UTC because the
    /// listing does not say which zone it uses.
    /// </summary>
    [MethodImpl(HotPath.Optimized)]
    public static ListingLineResult ParseList(string line, string directory, DateTime nowUtc)
    {
        if (line is null)
        {
            throw new ArgumentNullException(nameof(line));
        }

        if (directory is null)
        {
            throw new ArgumentNullException(nameof(directory));
        }

        var text = TrimLineEnd(line);
        if (CheckLength(text) is { } tooLong)
        {
            return tooLong;
        }

        if (text.Trim().Length == 0)
        {
            return ListingLineResult.Skip("blank line");
        }

        if (IsTotalLine(text))
        {
            return ListingLineResult.Skip("\"total\" line");
        }

        var now = nowUtc.Kind == DateTimeKind.Local ? nowUtc.ToUniversalTime() : nowUtc;
        var firstIndex = 0;
        while (IsBlank(text[firstIndex]))
        {
            firstIndex++;
        }

        var first = text[firstIndex];
        if (first >= '0' && first <= '9')
        {
            return ParseDos(text, directory);
        }

        return ParseUnix(text, directory, now);
    }

    /// <summary>
    /// Parses a whole listing. Items come back in listing order; every unparseable or unsafe line comes back in
    /// <see cref="ListingParseResult.Rejected"/> with its reason. Skipped lines (totals, ".", "..") are dropped.
    /// </summary>
    public static ListingParseResult ParseListing(IEnumerable<string> lines, string directory, DateTime nowUtc, bool mlsd)
    {
        if (lines is null)
        {
            throw new ArgumentNullException(nameof(lines));
        }

        var builder = new FtpListingBuilder(directory, nowUtc, mlsd);
        foreach (var line in lines)
        {
            builder.Add(line);
        }

        return builder.ToResult();
    }

    /// <summary>A line as a rejection report keeps it: at most <see cref="MaxReportedLineLength"/> characters.</summary>
    internal static string Shorten(string s) =>
        s.Length <= MaxReportedLineLength ? s : s.Substring(0, MaxReportedLineLength) + "...";

    /// <summary>
    /// Null when a name read from a listing is a plain single segment; otherwise the skip or rejection to return.
    /// Anything else is refused so that no item's FullName can leave the listed directory.
    /// </summary>
    [MethodImpl(HotPath.Optimized)]
    private static ListingLineResult? CheckName(string name)
    {
        if (name == "." || name == "..")
        {
            return ListingLineResult.Skip("\"" + name + "\" entry");
        }

        if (name.Trim().Length == 0)
        {
            // Legal on Unix, but no Windows file system can hold it and it is far more often a broken line.
            return ListingLineResult.Unsafe("the name is empty or only white space");
        }

        if (!RemotePath.IsSafeEntryName(name))
        {
            return ListingLineResult.Unsafe("the name \"" + Shorten(name) + "\" is not a plain entry name (path separator, \"..\", NUL or drive letter)");
        }

        if (HasControlCharacter(name))
        {
            // Control characters would reach the console as terminal escapes and cannot be local file names on Windows.
            return ListingLineResult.Unsafe("the name contains control characters");
        }

        return null;
    }

    [MethodImpl(HotPath.Optimized)]
    private static bool HasControlCharacter(string s)
    {
        foreach (var c in s)
        {
            if (c < ' ' || c == '\u007f')
            {
                return true;
            }
        }

        return false;
    }

    [MethodImpl(HotPath.Optimized)]
    private static string TrimLineEnd(string line)
    {
        // The caller splits on LF; a CR left by CRLF (RFC 959 §3.1.1.1) is line framing, not part of a name.
        var end = line.Length;
        while (end > 0 && (line[end - 1] == '\r' || line[end - 1] == '\n'))
        {
            end--;
        }

        return end == line.Length ? line : line.Substring(0, end);
    }

    private static ListingLineResult? CheckLength(string text) =>
        text.Length > MaxLineLength
            ? ListingLineResult.Unparseable("the line is " + text.Length + " characters long; the limit is " + MaxLineLength)
            : null;

    [MethodImpl(HotPath.Optimized)]
    private static bool IsTotalLine(string text)
    {
        // "total 1234" from ls -l; some servers localise nothing here, so the English word is enough.
        var t = text.Trim();
        if (!t.StartsWith("total ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var rest = t.Substring(6).Trim();
        return rest.Length > 0 && IsDigits(rest);
    }

    [MethodImpl(HotPath.Optimized)]
    private static bool IsDigits(ReadOnlySpan<char> s)
    {
        if (s.Length == 0)
        {
            return false;
        }

        foreach (var c in s)
        {
            if (c < '0' || c > '9')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Start and end (exclusive) of the first runs of non-blank characters, as many as <paramref name="tokens"/> holds; returns how many.</summary>
    [MethodImpl(HotPath.Optimized)]
    private static int Tokenize(string line, Span<Token> tokens)
    {
        var count = 0;
        var i = 0;
        while (i < line.Length && count < tokens.Length)
        {
            while (i < line.Length && IsBlank(line[i]))
            {
                i++;
            }

            if (i == line.Length)
            {
                break;
            }

            var start = i;
            while (i < line.Length && !IsBlank(line[i]))
            {
                i++;
            }

            tokens[count++] = new Token(start, i);
        }

        return count;
    }

    private static bool IsBlank(char c) => c == ' ' || c == '\t';

    private readonly struct Token
    {
        public Token(int start, int end)
        {
            Start = start;
            End = end;
        }

        public int Start { get; }

        public int End { get; }

        public string Text(string line) => line.Substring(Start, End - Start);

        /// <summary>The token's characters without a copy, for checks that keep nothing.</summary>
        public ReadOnlySpan<char> Span(string line) => line.AsSpan(Start, End - Start);
    }
}
