using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace FtpTools.Core.Paths;

/// <summary>One way to complete a remote path: the text that replaces the word typed, and what the menu shows.</summary>
public sealed class RemotePathCandidate
{
    public RemotePathCandidate(string completionText, string listItemText, string toolTip, bool isDirectory)
    {
        CompletionText = completionText;
        ListItemText = listItemText;
        ToolTip = toolTip;
        IsDirectory = isDirectory;
    }

    /// <summary>The word as it should be typed: the directory part as typed, the name, '/' after a directory, quoted (and for -Path, wildcard characters escaped) where needed.</summary>
    public string CompletionText { get; }

    /// <summary>The name, with '/' after a directory.</summary>
    public string ListItemText { get; }

    /// <summary>The absolute path, and the length of a file.</summary>
    public string ToolTip { get; }

    public bool IsDirectory { get; }
}

/// <summary>
/// Tab completion of remote paths (the cmdlets' -Path, -LiteralPath and remote -Destination parameters): lists the
/// directory of the word typed so far on the session and offers the entries whose names start with the rest, as
/// PowerShell completes file system paths. One listing per completion; a directory part with wildcards, or a word
/// that cannot be read, completes to nothing.
/// </summary>
public static class RemotePathCompletion
{
    /// <summary>The most candidates one completion offers (a menu of thousands helps no one and costs a long listing's objects).</summary>
    public const int MaxCandidates = 500;

    /// <summary>
    /// The candidates for <paramref name="wordToComplete"/> (as PowerShell passes it: with a leading quote when one
    /// was typed). <paramref name="literal"/>: for -LiteralPath, names are not wildcard-escaped.
    /// <paramref name="directoriesOnly"/>: only directories (and links, which may lead to one).
    /// </summary>
    public static async Task<IReadOnlyList<RemotePathCandidate>> CompleteAsync(
        IRemoteSession session,
        string? wordToComplete,
        bool literal,
        bool directoriesOnly,
        CancellationToken cancellationToken)
    {
        if (session is null)
        {
            throw new ArgumentNullException(nameof(session));
        }

        var (quote, typed) = Unquote(wordToComplete ?? "");
        var slash = typed.LastIndexOf('/');
        var directoryTyped = slash >= 0 ? typed.Substring(0, slash + 1) : "";
        var lastTyped = typed.Substring(slash + 1);

        // A -Path word is read as the walker reads it (Wildcard.LiteralOf): "a`[1`]/" is the directory "a[1]", and a
        // segment without '*', '?' or '[' is taken as it is.
        var directoryPath = literal ? directoryTyped : Wildcard.LiteralPathOf(directoryTyped);
        if (directoryPath is null)
        {
            // "/logs/*/ap": a pattern, not one directory to list.
            return Array.Empty<RemotePathCandidate>();
        }

        // The last segment is the start of a name; a pattern there ("*.cs") offers the names it matches the start of.
        var prefix = literal ? lastTyped : Wildcard.LiteralOf(lastTyped);
        Func<string, bool> matches = prefix is not null
            ? name => name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)
            : new Wildcard(lastTyped + "*").IsMatch;
        var directory = RemotePath.Combine(session.CurrentDirectory, directoryPath.Length == 0 ? "." : directoryPath);
        var items = await session.ListDirectoryAsync(directory, cancellationToken).ConfigureAwait(false);
        return items
            .Where(i => i.Name != "." && i.Name != ".." && matches(i.Name))
            .Where(i => !directoriesOnly || i.Kind is RemoteItemKind.Directory or RemoteItemKind.SymbolicLink)
            .OrderBy(i => i.Name, StringComparer.OrdinalIgnoreCase)
            .ThenBy(i => i.Name, StringComparer.Ordinal)
            .Take(MaxCandidates)
            .Select(i =>
            {
                var suffix = i.IsDirectory ? "/" : "";
                var name = literal ? i.Name : Wildcard.EscapeLiteralPath(i.Name);
                var text = Quote(directoryTyped + name + suffix, quote);
                var tip = i.IsDirectory || i.Length is null ? i.FullName : $"{i.FullName} ({i.Length} bytes)";
                return new RemotePathCandidate(text, i.Name + suffix, tip, i.IsDirectory);
            })
            .ToList();
    }

    /// <summary>The quote the word starts with ('\0' for none), and the word's value as PowerShell reads it.</summary>
    private static (char Quote, string Text) Unquote(string word)
    {
        if (word.Length == 0 || (word[0] != '\'' && word[0] != '"'))
        {
            // Taken as typed: completions never come back as a bare word with a backtick (Quote puts those in single
            // quotes), so one is typed by hand, and there "`[" means the wildcard escape the walker reads.
            return ('\0', word);
        }

        var quote = word[0];
        var text = word.Substring(1);
        if (text.Length > 0 && text[text.Length - 1] == quote && (quote == '\'' || BackticksBefore(text, text.Length - 1) % 2 == 0))
        {
            text = text.Substring(0, text.Length - 1);
        }

        return (quote, quote == '\'' ? text.Replace("''", "'") : ReadDoubleQuoted(text));
    }

    /// <summary>How many backticks come right before <paramref name="index"/>: an odd number escapes the character there.</summary>
    private static int BackticksBefore(string text, int index)
    {
        var count = 0;
        while (index - count - 1 >= 0 && text[index - count - 1] == '`')
        {
            count++;
        }

        return count;
    }

    /// <summary>
    /// A double-quoted word's text as PowerShell reads it: '`' takes the next character as it is (`0, `a, `b, `e,
    /// `f, `n, `r, `t and `v are control characters), and "" is one ". So a completion given in double quotes
    /// (Quote doubles its backticks) reads back as the text it was made from.
    /// </summary>
    private static string ReadDoubleQuoted(string text)
    {
        if (text.IndexOf('`') < 0 && text.IndexOf("\"\"", StringComparison.Ordinal) < 0)
        {
            return text;
        }

        var value = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '`' && i + 1 < text.Length)
            {
                c = text[++i] switch
                {
                    '0' => '\0',
                    'a' => '\a',
                    'b' => '\b',
                    'e' => '\u001b',
                    'f' => '\f',
                    'n' => '\n',
                    'r' => '\r',
                    't' => '\t',
                    'v' => '\v',
                    var other => other,
                };
            }
            else if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
            {
                i++;
            }

            value.Append(c);
        }

        return value.ToString();
    }

    /// <summary>
    /// The text as PowerShell must read it back: in the quote the user started with, else in single quotes when it
    /// holds a character a bare word cannot (white space, quotes, '$', '`', and the characters that end or group one).
    /// </summary>
    private static string Quote(string text, char quote)
    {
        if (quote == '"')
        {
            var escaped = new StringBuilder(text.Length + 2).Append('"');
            foreach (var c in text)
            {
                if (c is '"' or '`' or '$' or '\u201C' or '\u201D' or '\u201E')
                {
                    escaped.Append('`');
                }

                escaped.Append(c);
            }

            return escaped.Append('"').ToString();
        }

        if (quote == '\'' || text.Any(NeedsQuotes) || StartsLikeParameterOrNumber(text))
        {
            // PowerShell ends a single-quoted string at any of its single quotes, typographic ones too: each is doubled.
            var quoted = new StringBuilder(text.Length + 2).Append('\'');
            foreach (var c in text)
            {
                if (c is '\'' or '\u2018' or '\u2019' or '\u201A' or '\u201B')
                {
                    quoted.Append(c);
                }

                quoted.Append(c);
            }

            return quoted.Append('\'').ToString();
        }

        return text;
    }

    /// <summary>A bare word starting with a dash is read as a parameter name, one starting with a digit may be read as a number.</summary>
    private static bool StartsLikeParameterOrNumber(string text) =>
        text.Length > 0 && (text[0] is '-' or '\u2013' or '\u2014' or '\u2015' || char.IsDigit(text[0]));

    private static bool NeedsQuotes(char c) =>
        char.IsWhiteSpace(c) || c is '\'' or '"' or '`' or '$' or '&' or '(' or ')' or '{' or '}' or ';' or '|' or '<' or '>' or ',' or '@' or '#'
        || c is '\u2018' or '\u2019' or '\u201A' or '\u201B' or '\u201C' or '\u201D' or '\u201E';
}
