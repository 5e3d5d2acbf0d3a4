using System;
using System.Globalization;
using FtpTools.Core.Paths;

namespace FtpTools.Core.Ftp.Listing;

internal static partial class FtpListingParser
{
    /// <summary>
    /// The IIS "MS-DOS" layout: "MM-dd-yy  hh:mmAM  &lt;DIR&gt;  name" or "... size name", with a four-digit
    /// year and a 24-hour clock as variants. A file's name starts one blank after its size; a directory's name
    /// is padded to a column, so leading spaces of directory names cannot be told from the padding.
    /// </summary>
    private static ListingLineResult ParseDos(string line, string directory)
    {
        Span<Token> buffer = stackalloc Token[5];
        var tokens = buffer.Slice(0, Tokenize(line, buffer));
        if (tokens.Length == 0 || !TryParseDosDate(tokens[0].Text(line), out var year, out var month, out var day))
        {
            return ListingLineResult.Unparseable("not a recognised listing format (no Unix mode or DOS date at the start)");
        }

        var next = 1;
        if (tokens.Length <= next || !TryParseDosClock(tokens[next].Text(line), out var hour, out var minute, out var meridiem))
        {
            return ListingLineResult.Unparseable("DOS listing line without a time after the date");
        }

        next++;
        if (meridiem == Meridiem.None && tokens.Length > next)
        {
            // "02:15 PM" with the marker as its own token.
            var marker = tokens[next].Text(line);
            if (marker.Equals("AM", StringComparison.OrdinalIgnoreCase) || marker.Equals("PM", StringComparison.OrdinalIgnoreCase))
            {
                meridiem = marker.Equals("PM", StringComparison.OrdinalIgnoreCase) ? Meridiem.Pm : Meridiem.Am;
                next++;
            }
        }

        if (meridiem != Meridiem.None)
        {
            if (hour < 1 || hour > 12)
            {
                return ListingLineResult.Unparseable("impossible 12-hour time in DOS listing line");
            }

            hour = (hour % 12) + (meridiem == Meridiem.Pm ? 12 : 0);
        }

        if (tokens.Length <= next)
        {
            return ListingLineResult.Unparseable("DOS listing line without a size or <DIR>");
        }

        var sizeToken = tokens[next];
        var sizeText = sizeToken.Text(line);
        var isDirectory = sizeText.Equals("<DIR>", StringComparison.OrdinalIgnoreCase);
        long? size = null;
        int nameStart;
        if (isDirectory)
        {
            nameStart = sizeToken.End;
            while (nameStart < line.Length && IsBlank(line[nameStart]))
            {
                nameStart++;
            }
        }
        else
        {
            if (!long.TryParse(sizeText, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                return ListingLineResult.Unparseable("DOS listing line with a bad size \"" + Shorten(sizeText) + "\"");
            }

            size = value;
            nameStart = sizeToken.End + 1;
        }

        if (nameStart >= line.Length)
        {
            return ListingLineResult.Unparseable("no name after the size");
        }

        var name = line.Substring(nameStart);
        if (CheckName(name) is { } rejected)
        {
            return rejected;
        }

        var item = new RemoteItem(name, RemotePath.Combine(directory, name), isDirectory ? RemoteItemKind.Directory : RemoteItemKind.File)
        {
            Length = size,
            LastWriteTimeUtc = new DateTime(year, month, day, hour, minute, 0, DateTimeKind.Utc),
            LastWriteTimePrecision = TimeSpan.FromMinutes(1),
        };
        return ListingLineResult.Parsed(item);
    }

    /// <summary>"MM-dd-yy" or "MM-dd-yyyy"; two-digit years are 1970-2069 as IIS writes them.</summary>
    private static bool TryParseDosDate(string text, out int year, out int month, out int day)
    {
        year = month = day = 0;
        if ((text.Length != 8 && text.Length != 10) || text[2] != '-' || text[5] != '-'
            || !TryNumber(text, 0, 2, out month) || !TryNumber(text, 3, 2, out day) || !TryNumber(text, 6, text.Length - 6, out year))
        {
            return false;
        }

        if (text.Length == 8)
        {
            year += year < 70 ? 2000 : 1900;
        }

        return year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= DateTime.DaysInMonth(year, month);
    }

    /// <summary>"02:15PM", "02:15" (24-hour) or "2:15".</summary>
    private static bool TryParseDosClock(string text, out int hour, out int minute, out Meridiem meridiem)
    {
        meridiem = Meridiem.None;
        var clock = text;
        if (text.Length > 2)
        {
            var suffix = text.Substring(text.Length - 2);
            if (suffix.Equals("AM", StringComparison.OrdinalIgnoreCase))
            {
                meridiem = Meridiem.Am;
            }
            else if (suffix.Equals("PM", StringComparison.OrdinalIgnoreCase))
            {
                meridiem = Meridiem.Pm;
            }

            if (meridiem != Meridiem.None)
            {
                clock = text.Substring(0, text.Length - 2);
            }
        }

        return TryParseClock(clock, out hour, out minute);
    }

    private enum Meridiem
    {
        None,
        Am,
        Pm,
    }
}
