using System;
using System.Collections.Generic;
using System.Globalization;
using FtpTools.Core.Paths;

namespace FtpTools.Core.Ftp.Listing;

internal static partial class FtpListingParser
{
    private static ListingLineResult ParseMlsdEntry(string text, string directory)
    {
        if (!TrySplitEntry(text, out var facts, out var name, out var error))
        {
            return error!;
        }

        // RFC 3659 §7.5.1: cdir and pdir name the listed directory and its parent, not entries of it.
        if (facts.TryGetValue("type", out var type)
            && (type.Equals("cdir", StringComparison.OrdinalIgnoreCase) || type.Equals("pdir", StringComparison.OrdinalIgnoreCase)))
        {
            return ListingLineResult.Skip(type.ToLowerInvariant() + " entry");
        }

        if (CheckName(name) is { } rejected)
        {
            return rejected;
        }

        return BuildFromFacts(facts, name, RemotePath.Combine(directory, name));
    }

    private static ListingLineResult ParseMlstEntry(string text, string path)
    {
        if (!TrySplitEntry(text, out var facts, out _, out var error))
        {
            return error!;
        }

        var fullName = RemotePath.Normalize(path);
        return BuildFromFacts(facts, RemotePath.GetFileName(fullName), fullName);
    }

    /// <summary>
    /// RFC 3659 §7.2: entry = [facts] SP pathname; facts = 1*(factname "=" value ";"). Fact values hold no
    /// space, so the first space ends the facts and everything after it, spaces and ';' included, is the name.
    /// </summary>
    private static bool TrySplitEntry(string text, out Dictionary<string, string> facts, out string name, out ListingLineResult? error)
    {
        facts = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        name = string.Empty;
        error = null;

        var space = text.IndexOf(' ');
        if (space < 0)
        {
            error = ListingLineResult.Unparseable("no space between the facts and the name");
            return false;
        }

        name = text.Substring(space + 1);
        foreach (var fact in text.Substring(0, space).Split(';'))
        {
            if (fact.Length == 0)
            {
                continue;
            }

            // The first '=' ends the fact name; "type=OS.unix=slink:/x" keeps its second '=' in the value.
            var equals = fact.IndexOf('=');
            if (equals <= 0)
            {
                error = ListingLineResult.Unparseable("malformed fact \"" + Shorten(fact) + "\" (expected name=value)");
                return false;
            }

            // RFC 3659 §7.1: fact names are case-insensitive; a repeated fact keeps its last value.
            facts[fact.Substring(0, equals)] = fact.Substring(equals + 1);
        }

        return true;
    }

    private static ListingLineResult BuildFromFacts(Dictionary<string, string> facts, string name, string fullName)
    {
        string? linkTarget = null;
        var kind = RemoteItemKind.Other;
        if (facts.TryGetValue("type", out var type))
        {
            kind = ParseType(type, out linkTarget);
        }

        long? length = null;
        if (facts.TryGetValue("size", out var size) || facts.TryGetValue("sizd", out size))
        {
            // RFC 3659 §7.5.5 size; "sizd" is the directory size some servers (pure-ftpd) send instead.
            if (!long.TryParse(size, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                return ListingLineResult.Unparseable("bad size fact \"" + Shorten(size) + "\"");
            }

            length = value;
        }

        DateTime? modified = null;
        if (facts.TryGetValue("modify", out var modify))
        {
            // RFC 3659 §7.5.3: a time-val, UTC.
            if (!FtpTimeVal.TryParse(modify, out var time))
            {
                return ListingLineResult.Unparseable("bad modify fact \"" + Shorten(modify) + "\"");
            }

            modified = time;
        }

        int? bits = null;
        if (facts.TryGetValue("UNIX.mode", out var mode))
        {
            if (!TryParseOctalMode(mode, out var parsed))
            {
                return ListingLineResult.Unparseable("bad UNIX.mode fact \"" + Shorten(mode) + "\"");
            }

            bits = parsed;
        }

        facts.TryGetValue("perm", out var perm);
        var item = new RemoteItem(name, fullName, kind)
        {
            Length = length,
            LastWriteTimeUtc = modified,
            PermissionBits = bits,
            // The rwx text when the mode is known, so MLSD, LIST and SFTP items read alike; else RFC 3659 §7.5.5 perm.
            Permissions = bits is { } b ? PermissionText.Format(b) : perm,
            Owner = FirstFact(facts, "UNIX.ownername", "UNIX.owner", "UNIX.uid"),
            Group = FirstFact(facts, "UNIX.groupname", "UNIX.group", "UNIX.gid"),
            LinkTarget = linkTarget,
        };
        return ListingLineResult.Parsed(item);
    }

    /// <summary>RFC 3659 §7.5.1 type values, plus the OS.unix symlink forms servers use.</summary>
    private static RemoteItemKind ParseType(string type, out string? linkTarget)
    {
        linkTarget = null;
        if (type.Equals("file", StringComparison.OrdinalIgnoreCase))
        {
            return RemoteItemKind.File;
        }

        if (type.Equals("dir", StringComparison.OrdinalIgnoreCase)
            || type.Equals("cdir", StringComparison.OrdinalIgnoreCase)
            || type.Equals("pdir", StringComparison.OrdinalIgnoreCase))
        {
            return RemoteItemKind.Directory;
        }

        const string Symlink = "OS.unix=symlink";
        const string Slink = "OS.unix=slink";
        if (type.Equals(Symlink, StringComparison.OrdinalIgnoreCase))
        {
            return RemoteItemKind.SymbolicLink;
        }

        if (type.StartsWith(Slink, StringComparison.OrdinalIgnoreCase))
        {
            // "OS.unix=slink:/target"; pure-ftpd sends "OS.unix=slink:" with the target left out.
            var rest = type.Substring(Slink.Length);
            if (rest.Length == 0 || rest[0] == ':')
            {
                linkTarget = rest.Length > 1 ? rest.Substring(1) : null;
                return RemoteItemKind.SymbolicLink;
            }
        }

        return RemoteItemKind.Other;
    }

    private static bool TryParseOctalMode(string text, out int bits)
    {
        bits = 0;
        if (text.Length == 0 || text.Length > 7)
        {
            return false;
        }

        foreach (var c in text)
        {
            if (c < '0' || c > '7')
            {
                return false;
            }

            bits = (bits * 8) + (c - '0');
        }

        // Keep the permission and setuid/setgid/sticky bits; some servers include the file type bits (0100644).
        bits &= 0xFFF;
        return true;
    }

    private static string? FirstFact(Dictionary<string, string> facts, params string[] names)
    {
        foreach (var n in names)
        {
            if (facts.TryGetValue(n, out var value) && value.Length > 0)
            {
                return value;
            }
        }

        return null;
    }
}
