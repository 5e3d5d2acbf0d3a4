using System;
using System.Reflection;
using System.Text;
using FtpTools.Core.Errors;

namespace FtpTools.Core.Ssh.Transport;

/// <summary>
/// The identification string exchange (RFC 4253 §4.2). A server may send other lines before its
/// "SSH-" line; they are tolerated within bounds so an endless or oversized preamble cannot hold us.
/// </summary>
internal static class SshVersionExchange
{
    /// <summary>RFC 4253 §4.2: at most 255 characters including CR LF.</summary>
    public const int MaxLineLength = 255;

    public const int MaxPreambleLines = 50;

    public const int MaxPreambleBytes = 8 * 1024;

    /// <summary>Our identification, without CR LF (it goes into the exchange hash as V_C).</summary>
    public static string ClientVersion { get; } = "SSH-2.0-FtpTools_" + ToolVersion();

    /// <summary>
    /// Looks for the server's identification line in data[0..]. Returns false when more bytes are needed.
    /// On true, <paramref name="version"/> is the line without CR LF and <paramref name="consumed"/> counts
    /// every byte through its LF (what follows is the first binary packet).
    /// Throws <see cref="ProtocolViolationException"/> when a bound is exceeded or the server does not speak SSH-2.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> data, out string? version, out int consumed)
    {
        version = null;
        consumed = 0;
        var lines = 0;
        var position = 0;
        while (true)
        {
            var rest = data.Slice(position);
            var lf = rest.Slice(0, Math.Min(rest.Length, MaxLineLength)).IndexOf((byte)'\n');
            if (lf < 0)
            {
                if (rest.Length >= MaxLineLength)
                {
                    throw new ProtocolViolationException(
                        $"The server sent a line of more than {MaxLineLength} bytes before or as its SSH identification (RFC 4253 §4.2); this is not an SSH server.");
                }

                if (position + rest.Length > MaxPreambleBytes)
                {
                    throw PreambleTooLong();
                }

                return false;
            }

            var line = rest.Slice(0, lf);
            if (line.Length > 0 && line[line.Length - 1] == (byte)'\r')
            {
                line = line.Slice(0, line.Length - 1);
            }

            position += lf + 1;
            if (lines == 0 && LooksLikeFtpGreeting(line))
            {
                // RFC 4253 §4.2 lets lines come before the identification, so this would otherwise wait for one
                // until the connect timeout: an FTP server waits for a command.
                throw new ProtocolViolationException(
                    $"The server greeted with \"{Printable(Ascii(line))}\", an FTP reply, not an SSH identification: that port serves FTP. Use an ftp://, ftpes:// or ftps:// URI for it, or the SSH server's port.");
            }

            if (StartsWith(line, "SSH-"))
            {
                var text = Ascii(line);
                if (!text.StartsWith("SSH-2.0-", StringComparison.Ordinal) && !text.StartsWith("SSH-1.99-", StringComparison.Ordinal))
                {
                    throw new ProtocolViolationException($"The server speaks an unsupported SSH protocol version: \"{Printable(text)}\". Only SSH-2.0 is supported.");
                }

                foreach (var b in line)
                {
                    if (b < 0x20 || b > 0x7E)
                    {
                        throw new ProtocolViolationException("The server's SSH identification string contains characters other than printable US-ASCII (RFC 4253 §4.2).");
                    }
                }

                version = text;
                consumed = position;
                return true;
            }

            lines++;
            if (lines > MaxPreambleLines || position > MaxPreambleBytes)
            {
                throw PreambleTooLong();
            }
        }
    }

    // "220 ..." or "220-..." (RFC 959 §4.2): three digits, then a space or a hyphen.
    private static bool LooksLikeFtpGreeting(ReadOnlySpan<byte> line) =>
        line.Length >= 4 && IsDigit(line[0]) && IsDigit(line[1]) && IsDigit(line[2]) && (line[3] == (byte)' ' || line[3] == (byte)'-');

    private static bool IsDigit(byte b) => b >= (byte)'0' && b <= (byte)'9';

    /// <summary>Makes text from the peer safe to show: printable ASCII only, bounded.</summary>
    public static string Printable(string text, int max = 200)
    {
        var builder = new StringBuilder(Math.Min(text.Length, max));
        foreach (var c in text)
        {
            if (builder.Length >= max)
            {
                builder.Append("...");
                break;
            }

            builder.Append(c >= 0x20 && c < 0x7F ? c : '?');
        }

        return builder.ToString();
    }

    private static ProtocolViolationException PreambleTooLong() =>
        new($"The server sent more than {MaxPreambleLines} lines or {MaxPreambleBytes} bytes without an SSH identification string (RFC 4253 §4.2); this is not an SSH server.");

    private static bool StartsWith(ReadOnlySpan<byte> line, string prefix)
    {
        if (line.Length < prefix.Length)
        {
            return false;
        }

        for (var i = 0; i < prefix.Length; i++)
        {
            if (line[i] != (byte)prefix[i])
            {
                return false;
            }
        }

        return true;
    }

    private static string Ascii(ReadOnlySpan<byte> bytes)
    {
        var chars = new char[bytes.Length];
        for (var i = 0; i < bytes.Length; i++)
        {
            chars[i] = (char)bytes[i];
        }

        return new string(chars);
    }

    private static string ToolVersion()
    {
        var version = typeof(SshVersionExchange).Assembly.GetName().Version;
        return version is null ? "0" : $"{version.Major}.{version.Minor}.{version.Build}";
    }
}
