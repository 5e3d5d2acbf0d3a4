namespace FtpTools.Core;

/// <summary>
/// The "rwxr-xr-x" text of mode bits, as ls(1) shows them: s/S for setuid and setgid, t/T for sticky. One for FTP
/// listings and SFTP attributes alike. A listing repeats a handful of modes, so each text is made once and shared.
/// </summary>
internal static class PermissionText
{
    private static readonly string?[] Texts = new string?[0x1000];

    /// <summary>The text of the low twelve bits of <paramref name="bits"/> (permissions, setuid, setgid, sticky).</summary>
    public static string Format(int bits)
    {
        // Two threads may both make a text; either copy is right.
        var index = bits & 0xFFF;
        return Texts[index] ??= Make(index);
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
