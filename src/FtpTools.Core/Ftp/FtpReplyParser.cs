using System;
using System.Collections.Generic;
using System.Text;
using FtpTools.Core.Errors;

namespace FtpTools.Core.Ftp;

/// <summary>
/// Splits control-connection bytes into replies (RFC 959 §4.2). A pure function: it answers
/// "a reply and how many bytes it used" or "need more bytes", and does no I/O, so tests can feed
/// captured bytes whole, split or one byte short. Lines end in CRLF; a bare LF is accepted too
/// because some servers send it. A multi-line reply runs from "123-" to the first line that starts
/// with the same code and a space; lines in between may say anything, including other codes.
/// </summary>
internal static class FtpReplyParser
{
    /// <summary>Longest line we accept; RFC 959 sets no limit, and a hostile server must not make us buffer forever.</summary>
    public const int MaxLineLength = 8 * 1024;

    /// <summary>Largest whole reply (e.g. a long FEAT or STAT answer) we accept.</summary>
    public const int MaxReplyLength = 1024 * 1024;

    private static readonly Encoding StrictUtf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// Takes one reply from the start of <paramref name="buffer"/>: the reply and the bytes it used,
    /// or null (and 0) when the buffer does not yet hold a whole reply.
    /// Throws <see cref="ProtocolViolationException"/> for a line that is not a reply, a line
    /// longer than <see cref="MaxLineLength"/> or a reply longer than <see cref="MaxReplyLength"/>.
    /// </summary>
    public static FtpReply? TryParse(ReadOnlySpan<byte> buffer, out int consumed)
    {
        consumed = 0;

        // First pass finds where the reply ends without allocating; only a complete reply is decoded.
        var position = 0;
        var lineCount = 0;
        var code = 0;
        while (true)
        {
            var rest = buffer.Slice(position);
            var lineFeed = rest.IndexOf((byte)'\n');
            var lineLength = lineFeed < 0 ? rest.Length : lineFeed;
            if (lineLength > MaxLineLength)
            {
                throw new ProtocolViolationException($"The server sent a reply line longer than {MaxLineLength} bytes.");
            }

            if (position + lineLength > MaxReplyLength)
            {
                throw new ProtocolViolationException($"The server sent a reply longer than {MaxReplyLength} bytes.");
            }

            if (lineFeed < 0)
            {
                return null;
            }

            var line = TrimCarriageReturn(rest.Slice(0, lineFeed));
            position += lineFeed + 1;
            lineCount++;
            if (lineCount == 1)
            {
                if (!TryReadCode(line, out code, out var separator))
                {
                    throw new ProtocolViolationException($"The server sent a line that is not an FTP reply: \"{Printable(Decode(line), 80)}\".");
                }

                if (separator != '-')
                {
                    break;
                }
            }
            else if (IsLastLine(line, code))
            {
                break;
            }
        }

        var lines = new List<string>(lineCount);
        var start = 0;
        for (var i = 0; i < lineCount; i++)
        {
            var lineFeed = buffer.Slice(start).IndexOf((byte)'\n');
            lines.Add(Decode(TrimCarriageReturn(buffer.Slice(start, lineFeed))));
            start += lineFeed + 1;
        }

        consumed = position;
        return new FtpReply((FtpReplyCode)code, lines);
    }

    /// <summary>Shortens and cleans peer text before it goes into an exception message or log.</summary>
    public static string Printable(string text, int maxLength)
    {
        var builder = new StringBuilder(Math.Min(text.Length, maxLength));
        foreach (var c in text)
        {
            if (builder.Length >= maxLength)
            {
                builder.Append('…');
                break;
            }

            builder.Append(char.IsControl(c) ? '?' : c);
        }

        return builder.ToString();
    }

    private static ReadOnlySpan<byte> TrimCarriageReturn(ReadOnlySpan<byte> line) =>
        line.Length > 0 && line[line.Length - 1] == (byte)'\r' ? line.Slice(0, line.Length - 1) : line;

    // RFC 959 §4.2: three digits, the first 1-5, then a space, a hyphen, or (tolerated) the end of the line.
    private static bool TryReadCode(ReadOnlySpan<byte> line, out int code, out char separator)
    {
        code = 0;
        separator = ' ';
        if (line.Length < 3 || line[0] < (byte)'1' || line[0] > (byte)'5' || !IsDigit(line[1]) || !IsDigit(line[2]))
        {
            return false;
        }

        if (line.Length > 3)
        {
            if (line[3] != (byte)' ' && line[3] != (byte)'-')
            {
                return false;
            }

            separator = (char)line[3];
        }

        code = ((line[0] - '0') * 100) + ((line[1] - '0') * 10) + (line[2] - '0');
        return true;
    }

    private static bool IsLastLine(ReadOnlySpan<byte> line, int code) =>
        line.Length >= 3
        && line[0] == (byte)('0' + (code / 100))
        && line[1] == (byte)('0' + (code / 10 % 10))
        && line[2] == (byte)('0' + (code % 10))
        && (line.Length == 3 || line[3] == (byte)' ');

    private static bool IsDigit(byte b) => b >= (byte)'0' && b <= (byte)'9';

    // RFC 2640 makes the control connection UTF-8; servers without it send their file system's bytes,
    // which are mostly Latin-1 when they are not UTF-8. Decoding never fails.
    private static string Decode(ReadOnlySpan<byte> line)
    {
        var bytes = line.ToArray();
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return Latin1.GetString(bytes);
        }
    }

    private static readonly Encoding Latin1 = Encoding.GetEncoding(28591);
}
