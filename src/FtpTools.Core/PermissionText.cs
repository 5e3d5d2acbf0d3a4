using System;
using System.Linq;

namespace FtpTools.Core;

/// <summary>
/// The "rwxr-xr-x" text of mode bits, as ls(1) shows them: s/S for setuid and setgid, t/T for sticky. One for FTP
/// listings and SFTP attributes alike. A listing repeats a handful of modes, so each text is made once and shared.
/// </summary>
public static class PermissionText
{
    private static readonly string?[] Texts = new string?[0x1000];

    /// <summary>The text of the low twelve bits of <paramref name="bits"/> (permissions, setuid, setgid, sticky).</summary>
    public static string Format(int bits)
    {
        // Two threads may both make a text; either copy is right.
        var index = bits & 0xFFF;
        return Texts[index] ??= Make(index);
    }

    /// <summary>
    /// Mode bits from what a user writes: octal ("644", "0755", "4711") or the nine characters ls(1) shows
    /// ("rw-r--r--", with s/S and t/T). Throws <see cref="FormatException"/> saying which forms are understood.
    /// </summary>
    public static int Parse(string text)
    {
        var trimmed = (text ?? throw new ArgumentNullException(nameof(text))).Trim();
        if (trimmed.Length is >= 1 and <= 4 && trimmed.All(c => c is >= '0' and <= '7'))
        {
            return Convert.ToInt32(trimmed, 8);
        }

        if (trimmed.Length == 9 && TryParseSymbolic(trimmed) is int symbolic)
        {
            return symbolic;
        }

        throw new FormatException($"'{text}' is not a permission: write it in octal (644, 0755, 2775) or as ls shows it (rw-r--r--, rwxr-s---).");
    }

    private static int? TryParseSymbolic(string text)
    {
        var bits = 0;
        for (var triad = 0; triad < 3; triad++)
        {
            var shift = 6 - (triad * 3);
            var (read, write, execute) = (text[triad * 3], text[(triad * 3) + 1], text[(triad * 3) + 2]);
            if ((read != 'r' && read != '-') || (write != 'w' && write != '-'))
            {
                return null;
            }

            bits |= (read == 'r' ? 4 << shift : 0) | (write == 'w' ? 2 << shift : 0);
            var (set, unset) = triad == 2 ? ('t', 'T') : ('s', 'S');
            if (execute == 'x' || execute == set)
            {
                bits |= 1 << shift;
            }
            else if (execute != '-' && execute != unset)
            {
                return null;
            }

            if (execute == set || execute == unset)
            {
                bits |= 0x800 >> triad;
            }
        }

        return bits;
    }

    private static string Make(int bits)
    {
        var chars = new char[9];
        for (var triad = 0; triad < 3; triad++)
        {
            var shift = 6 - (triad * 3);
            var special = (bits & (0x800 >> triad)) != 0;
            var execute = (bits & (1 << shift)) != 0;
            chars[triad * 3] = (bits & (4 << shift)) != 0 ? 'r' : '-';
            chars[(triad * 3) + 1] = (bits & (2 << shift)) != 0 ? 'w' : '-';
            chars[(triad * 3) + 2] = special
                ? (triad == 2 ? (execute ? 't' : 'T') : (execute ? 's' : 'S'))
                : (execute ? 'x' : '-');
        }

        return new string(chars);
    }
}
