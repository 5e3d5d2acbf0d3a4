using System;
using System.Runtime.CompilerServices;
using FtpTools.Core.Paths;

namespace FtpTools.Core.Ftp.Listing;

internal static partial class FtpListingParser
{
    // mode [links] [owner [group]] size|major, minor date name: the date starts at token 6 at the latest.
    private const int MaxUnixDateToken = 6;

    private static readonly string[] MonthNames =
    {
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    };

    /// <summary>
    /// The "ls -l" layout: mode, link count, owner, group, size, date, name. The link count and group columns
    /// may be missing; device files show "major, minor" instead of a size; the date is "Mon dd HH:mm",
    /// "Mon dd yyyy" or "yyyy-MM-dd HH:mm". The name starts one blank after the date, so leading spaces survive.
    /// </summary>
    [MethodImpl(HotPath.Optimized)]
    private static ListingLineResult ParseUnix(string line, string directory, DateTime nowUtc)
    {
        Span<Token> buffer = stackalloc Token[MaxUnixDateToken + 3];
        ReadOnlySpan<Token> tokens = buffer.Slice(0, Tokenize(line, buffer));
        if (tokens.Length == 0 || !TryParseMode(tokens[0].Span(line), out var typeChar, out var bits))
        {
            return ListingLineResult.Unparseable("not a recognised listing format (no Unix mode or DOS date at the start)");
        }

        // Right to left: an owner or group that looks like a date ("jan 12") sits left of the real one, while
        // the name starts after token 6 whenever the owner columns are present.
        string? firstDateError = null;
        for (var i = Math.Min(MaxUnixDateToken, tokens.Length - 1); i >= 2; i--)
        {
            if (!TryParseUnixDate(line, tokens, i, nowUtc, out var lastDateToken, out var date, out var dateError))
            {
                firstDateError ??= dateError;
                continue;
            }

            if (!TryParseSizeColumn(line, tokens, i, out var firstSizeToken, out var size))
            {
                continue;
            }

            var nameStart = tokens[lastDateToken].End + 1;
            if (nameStart >= line.Length)
            {
                return ListingLineResult.Unparseable("no name after the date");
            }

            var name = line.Substring(nameStart);
            string? target = null;
            if (typeChar == 'l')
            {
                // ls prints "name -> target"; a name holding " -> " itself is ambiguous, the first arrow wins.
                var arrow = name.IndexOf(" -> ", StringComparison.Ordinal);
                if (arrow >= 0)
                {
                    target = name.Substring(arrow + 4);
                    name = name.Substring(0, arrow);
                }
            }

            if (CheckName(name) is { } rejected)
            {
                return rejected;
            }

            if (target is not null && HasControlCharacter(target))
            {
                return ListingLineResult.Unsafe("the link target contains control characters");
            }

            SplitOwnerColumns(line, tokens, firstSizeToken, out var owner, out var group);
            var kind = typeChar switch
            {
                '-' => RemoteItemKind.File,
                'd' => RemoteItemKind.Directory,
                'l' => RemoteItemKind.SymbolicLink,
                _ => RemoteItemKind.Other,
            };
            var item = new RemoteItem(name, RemotePath.Combine(directory, name), kind)
            {
                Length = size,
                LastWriteTimeUtc = date,
                // "May  6  2024" (a year, no clock) for files older than six months; "HH:mm" otherwise.
                LastWriteTimePrecision = tokens[lastDateToken].Span(line).IndexOf(':') < 0 ? TimeSpan.FromDays(1) : TimeSpan.FromMinutes(1),
                PermissionBits = bits,
                Permissions = PermissionText.Format(bits),
                Owner = owner,
                Group = group,
                LinkTarget = target,
            };
            return ListingLineResult.Parsed(item);
        }

        return ListingLineResult.Unparseable(firstDateError ?? "Unix listing line without a recognisable size and date");
    }

    /// <summary>
    /// "drwxr-xr-x", optionally followed by '+' (ACL), '.' (SELinux context) or '@' (macOS extended attributes).
    /// The type letter is kept; the nine permission letters become mode bits including setuid, setgid and sticky.
    /// </summary>
    [MethodImpl(HotPath.Optimized)]
    private static bool TryParseMode(ReadOnlySpan<char> mode, out char typeChar, out int bits)
    {
        typeChar = '\0';
        bits = 0;
        if (mode.Length != 10 && !(mode.Length == 11 && (mode[10] == '+' || mode[10] == '.' || mode[10] == '@')))
        {
            return false;
        }

        typeChar = mode[0];
        if ("-dlcbpsDnw".IndexOf(typeChar) < 0)
        {
            return false;
        }

        for (var triad = 0; triad < 3; triad++)
        {
            var r = mode[1 + (triad * 3)];
            var w = mode[2 + (triad * 3)];
            var x = mode[3 + (triad * 3)];
            var shift = 6 - (triad * 3);
            if ((r != 'r' && r != '-') || (w != 'w' && w != '-'))
            {
                return false;
            }

            bits |= (r == 'r' ? 4 : 0) << shift;
            bits |= (w == 'w' ? 2 : 0) << shift;
            var special = triad switch
            {
                0 => 0x800, // setuid
                1 => 0x400, // setgid
                _ => 0x200, // sticky
            };
            switch (x)
            {
                case 'x':
                    bits |= 1 << shift;
                    break;
                case '-':
                    break;
                case 's' when triad < 2:
                case 't' when triad == 2:
                    bits |= (1 << shift) | special;
                    break;
                case 'S' when triad < 2:
                case 'T' when triad == 2:
                    bits |= special;
                    break;
                case 'l' or 'L' when triad == 1:
                    // Solaris/old Linux: setgid without group execute means mandatory locking.
                    bits |= special;
                    break;
                default:
                    return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Tries a date starting at token <paramref name="i"/>. False with a null error means "no date here, keep
    /// looking"; a non-null error means the shape matched but the values are impossible (e.g. "Feb 30").
    /// </summary>
    [MethodImpl(HotPath.Optimized)]
    private static bool TryParseUnixDate(string line, ReadOnlySpan<Token> tokens, int i, DateTime nowUtc, out int lastToken, out DateTime date, out string? error)
    {
        lastToken = 0;
        date = default;
        error = null;
        var first = tokens[i].Span(line);

        // GNU ls --time-style=long-iso: "2024-01-16 14:15".
        if (first.Length == 10 && first[4] == '-' && first[7] == '-' && i + 1 < tokens.Length
            && TryNumber(first, 0, 4, out var isoYear) && TryNumber(first, 5, 2, out var isoMonth) && TryNumber(first, 8, 2, out var isoDay)
            && TryParseClock(tokens[i + 1].Span(line), out var isoHour, out var isoMinute))
        {
            if (isoYear < 1 || isoMonth < 1 || isoMonth > 12 || isoDay < 1 || isoDay > DateTime.DaysInMonth(isoYear, isoMonth))
            {
                error = "impossible date \"" + first.ToString() + "\"";
                return false;
            }

            date = new DateTime(isoYear, isoMonth, isoDay, isoHour, isoMinute, 0, DateTimeKind.Utc);
            lastToken = i + 1;
            return true;
        }

        var month = MonthNumber(first);
        if (month == 0 || i + 2 >= tokens.Length)
        {
            return false;
        }

        var dayText = tokens[i + 1].Span(line);
        var last = tokens[i + 2].Span(line);
        if (dayText.Length > 2 || !TryNumber(dayText, 0, dayText.Length, out var day))
        {
            return false;
        }

        if (TryParseClock(last, out var hour, out var minute))
        {
            // ls shows "HH:mm" instead of the year for recent files: take the latest year that puts the
            // date no more than six months after now (servers' clocks and zones differ from ours).
            if (!TryInferYear(month, day, hour, minute, nowUtc, out date))
            {
                error = "impossible date \"" + first.ToString() + " " + dayText.ToString() + "\"";
                return false;
            }
        }
        else if (last.Length == 4 && TryNumber(last, 0, 4, out var year))
        {
            if (year < 1 || day < 1 || day > DateTime.DaysInMonth(year, month))
            {
                error = "impossible date \"" + first.ToString() + " " + dayText.ToString() + " " + last.ToString() + "\"";
                return false;
            }

            date = new DateTime(year, month, day, 0, 0, 0, DateTimeKind.Utc);
        }
        else
        {
            return false;
        }

        lastToken = i + 2;
        return true;
    }

    /// <summary>1-12 for an English month abbreviation in any ASCII case ("Jan", "FEB"), 0 for anything else.</summary>
    [MethodImpl(HotPath.Optimized)]
    private static int MonthNumber(ReadOnlySpan<char> text)
    {
        if (text.Length != 3)
        {
            return 0;
        }

        for (var i = 0; i < MonthNames.Length; i++)
        {
            var month = MonthNames[i];
            if (AsciiLower(text[0]) == month[0] && AsciiLower(text[1]) == month[1] && AsciiLower(text[2]) == month[2])
            {
                return i + 1;
            }
        }

        return 0;
    }

    private static char AsciiLower(char c) => c >= 'A' && c <= 'Z' ? (char)(c + ('a' - 'A')) : c;

    [MethodImpl(HotPath.Optimized)]
    internal static bool TryInferYear(int month, int day, int hour, int minute, DateTime nowUtc, out DateTime date)
    {
        date = default;
        var limit = nowUtc.AddMonths(6);
        // Walk back far enough to reach a leap year for "Feb 29".
        for (var year = Math.Min(nowUtc.Year + 1, 9999); year >= Math.Max(nowUtc.Year - 8, 1); year--)
        {
            if (day < 1 || day > DateTime.DaysInMonth(year, month))
            {
                continue;
            }

            var candidate = new DateTime(year, month, day, hour, minute, 0, DateTimeKind.Utc);
            if (candidate <= limit)
            {
                date = candidate;
                return true;
            }
        }

        return false;
    }

    /// <summary>"HH:mm" or "H:mm".</summary>
    [MethodImpl(HotPath.Optimized)]
    private static bool TryParseClock(ReadOnlySpan<char> text, out int hour, out int minute)
    {
        hour = 0;
        minute = 0;
        var colon = text.IndexOf(':');
        return (colon == 1 || colon == 2) && text.Length == colon + 3
            && TryNumber(text, 0, colon, out hour) && TryNumber(text, colon + 1, 2, out minute)
            && hour < 24 && minute < 60;
    }

    /// <summary>
    /// The column before the date: a size ("1234"), or a device's "major, minor" / "major,minor" (no size).
    /// <paramref name="firstToken"/> is where that column starts, so the owner columns end before it.
    /// </summary>
    [MethodImpl(HotPath.Optimized)]
    private static bool TryParseSizeColumn(string line, ReadOnlySpan<Token> tokens, int dateToken, out int firstToken, out long? size)
    {
        firstToken = dateToken - 1;
        size = null;
        var text = tokens[firstToken].Span(line);
        if (IsDigits(text))
        {
            if (firstToken >= 2)
            {
                var previous = tokens[firstToken - 1].Span(line);
                if (previous.Length > 1 && previous[previous.Length - 1] == ',' && IsDigits(previous.Slice(0, previous.Length - 1)))
                {
                    firstToken--;
                    return true;
                }
            }

            if (!TryParseSize(text, out var value))
            {
                return false;
            }

            size = value;
            return true;
        }

        var comma = text.IndexOf(',');
        return comma > 0 && IsDigits(text.Slice(0, comma)) && IsDigits(text.Slice(comma + 1));
    }

    /// <summary>
    /// Between the mode and the size: "links owner group", "links owner" (ls -o, no group), "owner group"
    /// (no link count) or "owner". Two columns starting with digits are read as links + owner, the ls -o shape.
    /// </summary>
    [MethodImpl(HotPath.Optimized)]
    private static void SplitOwnerColumns(string line, ReadOnlySpan<Token> tokens, int sizeToken, out string? owner, out string? group)
    {
        // The columns are tokens 1 .. sizeToken - 1.
        owner = null;
        group = null;
        switch (sizeToken - 1)
        {
            case 0:
                break;
            case 1:
                owner = tokens[1].Text(line);
                break;
            case 2 when IsDigits(line, tokens[1]):
                owner = tokens[2].Text(line);
                break;
            case 2:
                owner = tokens[1].Text(line);
                group = tokens[2].Text(line);
                break;
            default:
                // Everything after the owner is the group, with the blanks between its words made single.
                owner = tokens[2].Text(line);
                group = tokens[3].Text(line);
                for (var t = 4; t < sizeToken; t++)
                {
                    group += " " + tokens[t].Text(line);
                }

                break;
        }
    }

    [MethodImpl(HotPath.Optimized)]
    private static bool IsDigits(string line, Token token)
    {
        for (var i = token.Start; i < token.End; i++)
        {
            if (line[i] < '0' || line[i] > '9')
            {
                return false;
            }
        }

        return token.End > token.Start;
    }

    /// <summary>Decimal digits as a non-negative 64-bit size; false when empty, not all digits, or too large.</summary>
    [MethodImpl(HotPath.Optimized)]
    private static bool TryParseSize(ReadOnlySpan<char> digits, out long value)
    {
        value = 0;
        if (digits.Length == 0)
        {
            return false;
        }

        foreach (var c in digits)
        {
            var digit = c - '0';
            if (digit < 0 || digit > 9 || value > (long.MaxValue - digit) / 10)
            {
                return false;
            }

            value = (value * 10) + digit;
        }

        return true;
    }

    [MethodImpl(HotPath.Optimized)]
    private static bool TryNumber(ReadOnlySpan<char> s, int start, int length, out int value)
    {
        value = 0;
        if (start + length > s.Length || length == 0)
        {
            return false;
        }

        for (var i = start; i < start + length; i++)
        {
            if (s[i] < '0' || s[i] > '9')
            {
                return false;
            }

            value = (value * 10) + (s[i] - '0');
        }

        return true;
    }
}
