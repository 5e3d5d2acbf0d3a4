using System;
using System.Text;

namespace FtpTools.Core.Paths;

/// <summary>
/// Matches names against PowerShell-style wildcards: '*', '?', '[abc]', '[a-z]', and '`' as escape.
/// The core cannot use System.Management.Automation's WildcardPattern, so this mirrors its rules.
/// </summary>
public sealed class Wildcard
{
    private readonly string _pattern;
    private readonly bool _ignoreCase;

    public Wildcard(string pattern, bool ignoreCase = true)
    {
        _pattern = pattern ?? throw new ArgumentNullException(nameof(pattern));
        _ignoreCase = ignoreCase;
    }

    public bool IsMatch(string text) => Match(0, text, 0);

    /// <summary>
    /// Escapes a literal remote path (a -LiteralPath value, or a FullName from a listing) so that the walker's
    /// wildcard matching finds that path only: in each segment holding '*', '?' or '[', those characters and
    /// ']' and '`' get a '`' in front. Segments without them are already literal and stay as they are.
    /// </summary>
    public static string EscapeLiteralPath(string path)
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

    /// <summary>
    /// The one name <paramref name="segment"/> matches when it is no pattern: without '*', '?' or a '[...]' set that
    /// is not escaped with '`' (as <see cref="EscapeLiteralPath"/> escapes them), with the escapes taken out; null when
    /// it is a pattern. A segment without '*', '?' or '[' is literal as it is, a '`' in it included.
    /// </summary>
    public static string? LiteralOf(string segment)
    {
        if (segment is null)
        {
            throw new ArgumentNullException(nameof(segment));
        }

        if (!RemotePath.HasWildcards(segment))
        {
            return segment;
        }

        // As Match reads a pattern: '`' takes the next character as it is, a '[' without a ']' after it is itself.
        var literal = new StringBuilder(segment.Length);
        for (var i = 0; i < segment.Length; i++)
        {
            var c = segment[i];
            if (c == '`' && i + 1 < segment.Length)
            {
                literal.Append(segment[++i]);
            }
            else if (c is '*' or '?' || (c == '[' && segment.IndexOf(']', i + 1) >= 0))
            {
                return null;
            }
            else
            {
                literal.Append(c);
            }
        }

        return literal.ToString();
    }

    /// <summary>The path <paramref name="path"/> names when none of its segments is a pattern (<see cref="LiteralOf"/>); else null.</summary>
    public static string? LiteralPathOf(string path)
    {
        if (path is null)
        {
            throw new ArgumentNullException(nameof(path));
        }

        if (!RemotePath.HasWildcards(path))
        {
            return path;
        }

        var segments = path.Split('/');
        for (var i = 0; i < segments.Length; i++)
        {
            if (LiteralOf(segments[i]) is not { } literal)
            {
                return null;
            }

            segments[i] = literal;
        }

        return string.Join("/", segments);
    }

    private bool Match(int p, string text, int t)
    {
        while (p < _pattern.Length)
        {
            var c = _pattern[p];
            switch (c)
            {
                case '*':
                    while (p < _pattern.Length && _pattern[p] == '*')
                    {
                        p++;
                    }

                    if (p == _pattern.Length)
                    {
                        return true;
                    }

                    for (var k = t; k <= text.Length; k++)
                    {
                        if (Match(p, text, k))
                        {
                            return true;
                        }
                    }

                    return false;
                case '?':
                    if (t >= text.Length)
                    {
                        return false;
                    }

                    p++;
                    t++;
                    break;
                case '[':
                    var close = _pattern.IndexOf(']', p + 1);
                    if (close < 0)
                    {
                        goto default;
                    }

                    if (t >= text.Length || !InSet(_pattern.Substring(p + 1, close - p - 1), text[t]))
                    {
                        return false;
                    }

                    p = close + 1;
                    t++;
                    break;
                case '`' when p + 1 < _pattern.Length:
                    if (t >= text.Length || !Same(_pattern[p + 1], text[t]))
                    {
                        return false;
                    }

                    p += 2;
                    t++;
                    break;
                default:
                    if (t >= text.Length || !Same(c, text[t]))
                    {
                        return false;
                    }

                    p++;
                    t++;
                    break;
            }
        }

        return t == text.Length;
    }

    private bool InSet(string set, char ch)
    {
        for (var i = 0; i < set.Length; i++)
        {
            if (i + 2 < set.Length && set[i + 1] == '-')
            {
                var lo = Fold(set[i]);
                var hi = Fold(set[i + 2]);
                var x = Fold(ch);
                if (x >= lo && x <= hi)
                {
                    return true;
                }

                i += 2;
            }
            else if (Same(set[i], ch))
            {
                return true;
            }
        }

        return false;
    }

    private bool Same(char a, char b) => _ignoreCase ? Fold(a) == Fold(b) : a == b;

    private char Fold(char c) => _ignoreCase ? char.ToUpperInvariant(c) : c;
}
