using System;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace FtpTools.Core.Ftp.Listing;

/// <summary>
/// The "time-val" of RFC 3659 §2.3: YYYYMMDDHHMMSS[.sss...], always UTC. Used by the MDTM reply, the MLSx
/// "modify" fact (RFC 3659 §7.5.3) and the MFMT command (draft-somers-ftp-mfxx §3).
/// </summary>
internal static class FtpTimeVal
{
    private const int FixedLength = 14;

    /// <summary>Parses a time-val. Surrounding white space is ignored; anything else makes it fail.</summary>
    [MethodImpl(HotPath.Optimized)]
    public static bool TryParse(string? text, out DateTime utc)
    {
        utc = default;
        if (text is null)
        {
            return false;
        }

        var value = text.Trim();
        if (value.Length < FixedLength || !AllDigits(value, 0, FixedLength))
        {
            return false;
        }

        var year = Number(value, 0, 4);
        var month = Number(value, 4, 2);
        var day = Number(value, 6, 2);
        var hour = Number(value, 8, 2);
        var minute = Number(value, 10, 2);
        var second = Number(value, 12, 2);

        long fractionTicks = 0;
        if (value.Length > FixedLength)
        {
            // RFC 3659 §2.3: "." followed by one or more digits of fractional seconds, any precision.
            if (value[FixedLength] != '.' || value.Length == FixedLength + 1 || !AllDigits(value, FixedLength + 1, value.Length - FixedLength - 1))
            {
                return false;
            }

            var digits = value.Substring(FixedLength + 1);
            digits = digits.Length > 7 ? digits.Substring(0, 7) : digits.PadRight(7, '0');
            fractionTicks = long.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);
        }

        // RFC 3659 §2.3 allows second 60 for a leap second; DateTime cannot hold it, so it reads as the last tick of 59.
        var leapSecond = second == 60;
        if (leapSecond)
        {
            second = 59;
        }

        if (year < 1 || month < 1 || month > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        utc = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Utc)
            .AddTicks(leapSecond ? TimeSpan.TicksPerSecond - 1 : fractionTicks);
        return true;
    }

    /// <summary>
    /// Formats a time for MFMT as YYYYMMDDHHMMSS in UTC. Local times are converted; unspecified times are taken
    /// as UTC. Fractions are dropped: several servers refuse them in MFMT although the grammar allows them.
    /// </summary>
    public static string Format(DateTime time)
    {
        var utc = time.Kind == DateTimeKind.Local ? time.ToUniversalTime() : time;
        return utc.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
    }

    private static bool AllDigits(string s, int start, int length)
    {
        for (var i = start; i < start + length; i++)
        {
            if (s[i] < '0' || s[i] > '9')
            {
                return false;
            }
        }

        return true;
    }

    private static int Number(string s, int start, int length)
    {
        var n = 0;
        for (var i = start; i < start + length; i++)
        {
            n = (n * 10) + (s[i] - '0');
        }

        return n;
    }
}
