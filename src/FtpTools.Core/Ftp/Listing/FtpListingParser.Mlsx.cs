using System;
using System.Runtime.CompilerServices;
using FtpTools.Core.Paths;

namespace FtpTools.Core.Ftp.Listing;

internal static partial class FtpListingParser
{
    [MethodImpl(HotPath.Optimized)]
    private static ListingLineResult ParseMlsdEntry(string text, string directory)
    {
        if (!TrySplitEntry(text, out var facts, out var name, out var error))
        {
            return error!;
        }

        // RFC 3659 §7.5.1: cdir and pdir name the listed directory and its parent, not entries of it.
        if (facts.Type is { } type
            && (type.Equals("cdir", StringComparison.OrdinalIgnoreCase) || type.Equals("pdir", StringComparison.OrdinalIgnoreCase)))
        {
            return ListingLineResult.Skip(type.ToLowerInvariant() + " entry");
        }

        if (CheckName(name) is { } rejected)
        {
            return rejected;
        }

        return BuildFromFacts(in facts, name, RemotePath.Combine(directory, name));
    }

    private static ListingLineResult ParseMlstEntry(string text, string path)
    {
        if (!TrySplitEntry(text, out var facts, out _, out var error))
        {
            return error!;
        }

        var fullName = RemotePath.Normalize(path);
        return BuildFromFacts(in facts, RemotePath.GetFileName(fullName), fullName);
    }

    /// <summary>
    /// RFC 3659 §7.2: entry = [facts] SP pathname; facts = 1*(factname "=" value ";"). Fact values hold no
    /// space, so the first space ends the facts and everything after it, spaces and ';' included, is the name.
    /// Only the facts an item uses are kept (as strings); the others are checked for shape and passed over.
    /// </summary>
    [MethodImpl(HotPath.Optimized)]
    private static bool TrySplitEntry(string text, out MlsxFacts facts, out string name, out ListingLineResult? error)
    {
        facts = default;
        name = string.Empty;
        error = null;

        var space = text.IndexOf(' ');
        if (space < 0)
        {
            error = ListingLineResult.Unparseable("no space between the facts and the name");
            return false;
        }

        name = text.Substring(space + 1);
        var start = 0;
        while (start < space)
        {
            var end = text.IndexOf(';', start, space - start);
            if (end < 0)
            {
                end = space;
            }

            if (end > start)
            {
                // The first '=' ends the fact name; "type=OS.unix=slink:/x" keeps its second '=' in the value.
                var equals = text.IndexOf('=', start, end - start);
                if (equals <= start)
                {
                    error = ListingLineResult.Unparseable("malformed fact \"" + Shorten(text.Substring(start, end - start)) + "\" (expected name=value)");
                    return false;
                }

                // RFC 3659 §7.1: fact names are case-insensitive; a repeated fact keeps its last value.
                facts.Set(text.AsSpan(start, equals - start), text, equals + 1, end);
            }

            start = end + 1;
        }

        return true;
    }

    [MethodImpl(HotPath.Optimized)]
    private static ListingLineResult BuildFromFacts(in MlsxFacts facts, string name, string fullName)
    {
        string? linkTarget = null;
        var kind = RemoteItemKind.Other;
        if (facts.Type is { } type)
        {
            kind = ParseType(type, out linkTarget);
        }

        long? length = null;
        if ((facts.Size ?? facts.Sizd) is { } size)
        {
            // RFC 3659 §7.5.5 size; "sizd" is the directory size some servers (pure-ftpd) send instead.
            if (!TryParseSize(size.AsSpan(), out var value))
            {
                return ListingLineResult.Unparseable("bad size fact \"" + Shorten(size) + "\"");
            }

            length = value;
        }

        DateTime? modified = null;
        if (facts.Modify is { } modify)
        {
            // RFC 3659 §7.5.3: a time-val, UTC.
            if (!FtpTimeVal.TryParse(modify, out var time))
            {
                return ListingLineResult.Unparseable("bad modify fact \"" + Shorten(modify) + "\"");
            }

            modified = time;
        }

        int? bits = null;
        if (facts.UnixMode is { } mode)
        {
            if (!TryParseOctalMode(mode, out var parsed))
            {
                return ListingLineResult.Unparseable("bad UNIX.mode fact \"" + Shorten(mode) + "\"");
            }

            bits = parsed;
        }

        var item = new RemoteItem(name, fullName, kind)
        {
            Length = length,
            LastWriteTimeUtc = modified,
            PermissionBits = bits,
            // The rwx text when the mode is known, so MLSD, LIST and SFTP items read alike; else RFC 3659 §7.5.5 perm.
            Permissions = bits is { } b ? PermissionText.Format(b) : facts.Perm,
            Owner = FirstNonEmpty(facts.UnixOwnerName, facts.UnixOwner, facts.UnixUid),
            Group = FirstNonEmpty(facts.UnixGroupName, facts.UnixGroup, facts.UnixGid),
            LinkTarget = linkTarget,
        };
        return ListingLineResult.Parsed(item);
    }

    /// <summary>RFC 3659 §7.5.1 type values, plus the OS.unix symlink forms servers use.</summary>
    [MethodImpl(HotPath.Optimized)]
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

    [MethodImpl(HotPath.Optimized)]
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

    private static string? FirstNonEmpty(string? first, string? second, string? third) =>
        !string.IsNullOrEmpty(first) ? first : !string.IsNullOrEmpty(second) ? second : !string.IsNullOrEmpty(third) ? third : null;

    /// <summary>The facts of one MLSD/MLST entry that an item is built from (RFC 3659 §7.5 and the UNIX.* facts servers send).</summary>
    private struct MlsxFacts
    {
        public string? Type;
        public string? Size;
        public string? Sizd;
        public string? Modify;
        public string? Perm;
        public string? UnixMode;
        public string? UnixOwnerName;
        public string? UnixOwner;
        public string? UnixUid;
        public string? UnixGroupName;
        public string? UnixGroup;
        public string? UnixGid;

        /// <summary>Keeps text[valueStart..valueEnd) when <paramref name="factName"/> is one of the facts above; any other fact is passed over.</summary>
        public void Set(ReadOnlySpan<char> factName, string text, int valueStart, int valueEnd)
        {
            switch (factName.Length)
            {
                case 4 when Is(factName, "type"):
                    Type = Value(text, valueStart, valueEnd);
                    break;
                case 4 when Is(factName, "size"):
                    Size = Value(text, valueStart, valueEnd);
                    break;
                case 4 when Is(factName, "sizd"):
                    Sizd = Value(text, valueStart, valueEnd);
                    break;
                case 4 when Is(factName, "perm"):
                    Perm = Value(text, valueStart, valueEnd);
                    break;
                case 6 when Is(factName, "modify"):
                    Modify = Value(text, valueStart, valueEnd);
                    break;
                case 8 when Is(factName, "UNIX.uid"):
                    UnixUid = Value(text, valueStart, valueEnd);
                    break;
                case 8 when Is(factName, "UNIX.gid"):
                    UnixGid = Value(text, valueStart, valueEnd);
                    break;
                case 9 when Is(factName, "UNIX.mode"):
                    UnixMode = Value(text, valueStart, valueEnd);
                    break;
                case 10 when Is(factName, "UNIX.owner"):
                    UnixOwner = Value(text, valueStart, valueEnd);
                    break;
                case 10 when Is(factName, "UNIX.group"):
                    UnixGroup = Value(text, valueStart, valueEnd);
                    break;
                case 14 when Is(factName, "UNIX.ownername"):
                    UnixOwnerName = Value(text, valueStart, valueEnd);
                    break;
                case 14 when Is(factName, "UNIX.groupname"):
                    UnixGroupName = Value(text, valueStart, valueEnd);
                    break;
            }
        }

        private static bool Is(ReadOnlySpan<char> factName, string known) => factName.Equals(known.AsSpan(), StringComparison.OrdinalIgnoreCase);

        private static string Value(string text, int start, int end) => text.Substring(start, end - start);
    }
}
