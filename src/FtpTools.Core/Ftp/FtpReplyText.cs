using System;
using System.Globalization;
using System.Net;
using System.Text;
using FtpTools.Core.Errors;
using ProtocolViolationException = FtpTools.Core.Errors.ProtocolViolationException;

namespace FtpTools.Core.Ftp;

/// <summary>Pure parsers for the reply texts that carry data: 227, 229, 257, 213 (SIZE, MDTM) and hashes.</summary>
internal static class FtpReplyText
{
    /// <summary>
    /// The host and port of a 227 reply. RFC 959 §4.1.2 gives "h1,h2,h3,h4,p1,p2" without fixing the
    /// text around it, so (as RFC 1123 §4.1.2.6 advises) we scan for the six numbers.
    /// </summary>
    public static IPEndPoint ParsePassive(FtpReply reply)
    {
        var text = reply.Message;
        for (var start = 0; start < text.Length; start++)
        {
            if (!char.IsDigit(text[start]) || (start > 0 && char.IsDigit(text[start - 1])))
            {
                continue;
            }

            var numbers = new int[6];
            var position = start;
            var count = 0;
            while (count < 6)
            {
                var digits = 0;
                var value = 0;
                while (position < text.Length && char.IsDigit(text[position]) && digits < 4)
                {
                    value = (value * 10) + (text[position] - '0');
                    position++;
                    digits++;
                }

                if (digits == 0 || value > 255)
                {
                    break;
                }

                numbers[count++] = value;
                if (count < 6)
                {
                    if (position >= text.Length || text[position] != ',')
                    {
                        break;
                    }

                    position++;
                }
            }

            if (count == 6)
            {
                var address = new IPAddress(new[] { (byte)numbers[0], (byte)numbers[1], (byte)numbers[2], (byte)numbers[3] });
                var port = (numbers[4] << 8) | numbers[5];
                if (port == 0)
                {
                    break;
                }

                return new IPEndPoint(address, port);
            }
        }

        throw new ProtocolViolationException($"The server's passive reply names no address: \"{FtpReplyParser.Printable(reply.ToString(), 120)}\".");
    }

    /// <summary>The port of a 229 reply, "(|||port|)" with any printable delimiter (RFC 2428 §3).</summary>
    public static int ParseExtendedPassive(FtpReply reply)
    {
        var text = reply.Message;
        var open = text.IndexOf('(');
        if (open >= 0 && open + 4 < text.Length)
        {
            var delimiter = text[open + 1];
            if (delimiter >= '!' && delimiter <= '~' && text[open + 2] == delimiter && text[open + 3] == delimiter)
            {
                var position = open + 4;
                var port = 0;
                var digits = 0;
                while (position < text.Length && char.IsDigit(text[position]) && digits < 5)
                {
                    port = (port * 10) + (text[position] - '0');
                    position++;
                    digits++;
                }

                if (digits > 0 && port is > 0 and <= 65535 && position + 1 < text.Length && text[position] == delimiter && text[position + 1] == ')')
                {
                    return port;
                }
            }
        }

        throw new ProtocolViolationException($"The server's extended passive reply names no port: \"{FtpReplyParser.Printable(reply.ToString(), 120)}\".");
    }

    /// <summary>
    /// The directory named by a 257 reply: the text between the first quote and its closing quote,
    /// with doubled quotes standing for one (RFC 959 Appendix II). Servers that forget the quotes
    /// get their first word taken.
    /// </summary>
    public static string? ParsePathname(FtpReply reply)
    {
        var text = reply.Lines[0].Length > 4 ? reply.Lines[0].Substring(4) : "";
        var open = text.IndexOf('"');
        if (open < 0)
        {
            var word = text.Trim().Split(' ')[0];
            return word.StartsWith("/", StringComparison.Ordinal) ? word : null;
        }

        var builder = new StringBuilder();
        for (var i = open + 1; i < text.Length; i++)
        {
            if (text[i] == '"')
            {
                if (i + 1 < text.Length && text[i + 1] == '"')
                {
                    builder.Append('"');
                    i++;
                    continue;
                }

                return builder.ToString();
            }

            builder.Append(text[i]);
        }

        return null;
    }

    /// <summary>A 213 reply to SIZE (RFC 3659 §4): a decimal byte count.</summary>
    public static long? ParseSize(FtpReply reply)
    {
        var text = reply.Message.Trim();
        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var size) ? size : null;
    }

    /// <summary>A 213 reply to MDTM (RFC 3659 §3): "YYYYMMDDHHMMSS[.sss]", always UTC.</summary>
    public static DateTime? ParseModificationTime(FtpReply reply) => ParseTimeVal(reply.Message.Trim());

    /// <summary>RFC 3659 §2.3 time-val.</summary>
    public static DateTime? ParseTimeVal(string text)
    {
        if (text.Length < 14)
        {
            return null;
        }

        if (!DateTime.TryParseExact(text.Substring(0, 14), "yyyyMMddHHmmss", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var time))
        {
            return null;
        }

        if (text.Length > 15 && text[14] == '.')
        {
            var fraction = text.Substring(15);
            if (fraction.Length > 7 || !int.TryParse(fraction, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                return null;
            }

            time = time.AddTicks(value * (long)Math.Pow(10, 7 - fraction.Length));
        }
        else if (text.Length != 14)
        {
            return null;
        }

        return DateTime.SpecifyKind(time, DateTimeKind.Utc);
    }

    /// <summary>RFC 3659 §2.3 time-val for sending (MFMT).</summary>
    public static string FormatTimeVal(DateTime utc) => utc.ToUniversalTime().ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);

    /// <summary>
    /// The hash value in a HASH (draft-bryan-ftpext-hash §3: "213 SHA-256 0-49 a1b2... name") or
    /// XSHA256/XSHA1/XMD5/XCRC reply: the first word that is hex of the expected length.
    /// </summary>
    public static string? ParseHash(FtpReply reply, int hexLength)
    {
        foreach (var word in reply.Message.Split(new[] { ' ', '\n' }, StringSplitOptions.RemoveEmptyEntries))
        {
            if (word.Length == hexLength && IsHex(word))
            {
                return word.ToLowerInvariant();
            }
        }

        return null;
    }

    private static bool IsHex(string word)
    {
        foreach (var c in word)
        {
            if (!Uri.IsHexDigit(c))
            {
                return false;
            }
        }

        return true;
    }
}
