using System.Text;
using FtpTools.Core.Paths;

namespace FtpTools.Infrastructure;

/// <summary>Turns -LiteralPath values into walker paths that match themselves only.</summary>
internal static class RemotePathPattern
{
    /// <summary>
    /// Escapes the segments the walker would take as wildcards ('*', '?', '[' present) with '`', so a name
    /// like "report[1].csv" from a listing names that file and nothing else. Segments without those
    /// characters are already literal to the walker and stay as they are.
    /// </summary>
    public static string EscapeLiteral(string path)
    {
        if (!RemotePath.HasWildcards(path))
        {
            return path;
        }

        var segments = path.Split('/');
        for (var i = 0; i < segments.Length; i++)
        {
            if (!RemotePath.HasWildcards(segments[i]))
            {
                continue;
            }

            var escaped = new StringBuilder(segments[i].Length * 2);
            foreach (var c in segments[i])
            {
                if (c is '*' or '?' or '[' or ']' or '`')
                {
                    escaped.Append('`');
                }

                escaped.Append(c);
            }

            segments[i] = escaped.ToString();
        }

        return string.Join("/", segments);
    }
}
