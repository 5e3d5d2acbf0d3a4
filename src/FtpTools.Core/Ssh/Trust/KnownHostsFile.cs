using System;
using System.Collections.Generic;
using System.Security.Cryptography;
using System.Text;

namespace FtpTools.Core.Ssh.Trust;

/// <summary>The marker at the start of a known_hosts line (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT").</summary>
internal enum KnownHostsMarker
{
    None,
    Revoked,
    CertAuthority,
}

/// <summary>One usable line of a known_hosts file.</summary>
internal sealed class KnownHostsEntry
{
    public KnownHostsEntry(KnownHostsMarker marker, string hosts, string keyType, byte[] keyBlob, string path, int lineNumber)
    {
        Marker = marker;
        Hosts = hosts;
        KeyType = keyType;
        KeyBlob = keyBlob;
        Path = path;
        LineNumber = lineNumber;
    }

    public KnownHostsMarker Marker { get; }

    /// <summary>The host field: a comma-separated pattern list, or one hashed name "|1|salt|hash".</summary>
    public string Hosts { get; }

    public string KeyType { get; }

    public byte[] KeyBlob { get; }

    public string Path { get; }

    public int LineNumber { get; }

    public string Fingerprint => SshFingerprint.Compute(KeyBlob);

    public string Location => $"{Path}:{LineNumber}";

    /// <summary>Whether this line's host field names <paramref name="lookupName"/> (see <see cref="KnownHostsFile.LookupName"/>).</summary>
    public bool MatchesHost(string lookupName) =>
        Hosts.StartsWith(KnownHostsFile.HashedPrefix, StringComparison.Ordinal)
            ? KnownHostsFile.MatchesHashed(Hosts, lookupName)
            : KnownHostsFile.MatchesPatternList(Hosts, lookupName);
}

/// <summary>
/// Parsing and matching for OpenSSH known_hosts files (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"): plain host
/// pattern lists with * ? and !negation, hashed names (|1|base64 salt|base64 HMAC-SHA1), "[host]:port" for
/// ports other than 22, and the @revoked and @cert-authority markers. Parses text; no I/O. Lines it cannot
/// use (comments, blanks, damaged or unknown lines) are skipped, as ssh does.
/// </summary>
internal static class KnownHostsFile
{
    public const string HashedPrefix = "|1|";

    public static IReadOnlyList<KnownHostsEntry> Parse(string text, string path)
    {
        var entries = new List<KnownHostsEntry>();
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var entry = ParseLine(lines[i], path, i + 1);
            if (entry is not null)
            {
                entries.Add(entry);
            }
        }

        return entries;
    }

    public static KnownHostsEntry? ParseLine(string line, string path, int lineNumber)
    {
        var fields = line.Trim().Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length == 0 || fields[0].StartsWith("#", StringComparison.Ordinal))
        {
            return null;
        }

        var marker = KnownHostsMarker.None;
        var index = 0;
        if (fields[0].StartsWith("@", StringComparison.Ordinal))
        {
            marker = fields[0] switch
            {
                "@revoked" => KnownHostsMarker.Revoked,
                "@cert-authority" => KnownHostsMarker.CertAuthority,
                _ => (KnownHostsMarker)(-1),
            };
            if ((int)marker < 0)
            {
                return null;
            }

            index = 1;
        }

        if (fields.Length < index + 3)
        {
            return null;
        }

        var hosts = fields[index];
        var keyType = fields[index + 1];
        byte[] blob;
        try
        {
            blob = Convert.FromBase64String(fields[index + 2]);

            // The blob names its own type (RFC 4253 §6.6); a line whose two types disagree is damaged.
            if (SshFingerprint.KeyTypeOf(blob) != keyType)
            {
                return null;
            }
        }
        catch (Exception ex) when (ex is FormatException or FtpTools.Core.Errors.ProtocolViolationException)
        {
            return null;
        }

        return new KnownHostsEntry(marker, hosts, keyType, blob, path, lineNumber);
    }

    /// <summary>The name a host is filed under: "host" for port 22, "[host]:port" otherwise; lower case as ssh does.</summary>
    public static string LookupName(string host, int port)
    {
        var name = host.Trim().ToLowerInvariant();
        if (name.StartsWith("[", StringComparison.Ordinal) && name.EndsWith("]", StringComparison.Ordinal))
        {
            name = name.Substring(1, name.Length - 2);
        }

        return port == 22 || port == 0 ? name : $"[{name}]:{port}";
    }

    /// <summary>A hashed host field for <paramref name="lookupName"/> with a fresh 20-byte salt (what ssh-keygen -H writes).</summary>
    public static string HashName(string lookupName)
    {
        var salt = new byte[20];
        using (var random = RandomNumberGenerator.Create())
        {
            random.GetBytes(salt);
        }

        return HashName(lookupName, salt);
    }

    public static string HashName(string lookupName, byte[] salt)
    {
#pragma warning disable CA5350 // HMAC-SHA1 is what the |1| known_hosts format defines; it hides names, it does not authenticate.
        using var hmac = new HMACSHA1(salt);
#pragma warning restore CA5350
        var hash = hmac.ComputeHash(Encoding.UTF8.GetBytes(lookupName));
        return HashedPrefix + Convert.ToBase64String(salt) + "|" + Convert.ToBase64String(hash);
    }

    /// <summary>The line accept-new appends: hashed host, key type, base64 key.</summary>
    public static string FormatLine(string hostField, ReadOnlySpan<byte> keyBlob) =>
        $"{hostField} {SshFingerprint.KeyTypeOf(keyBlob.ToArray())} {Convert.ToBase64String(keyBlob.ToArray())}";

    internal static bool MatchesHashed(string field, string lookupName)
    {
        var parts = field.Substring(HashedPrefix.Length).Split('|');
        if (parts.Length != 2)
        {
            return false;
        }

        try
        {
            var salt = Convert.FromBase64String(parts[0]);
            var expected = Convert.FromBase64String(parts[1]);
            var actual = HashName(lookupName, salt);
            return string.Equals(actual, field, StringComparison.Ordinal) && expected.Length == 20;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>
    /// OpenSSH's match_hostname: the list matches when some pattern matches and no negated ("!") pattern does;
    /// a matching negation excludes the host whatever else matches.
    /// </summary>
    internal static bool MatchesPatternList(string patternList, string lookupName)
    {
        var matched = false;
        foreach (var raw in patternList.Split(','))
        {
            var negated = raw.StartsWith("!", StringComparison.Ordinal);
            var pattern = (negated ? raw.Substring(1) : raw).ToLowerInvariant();
            if (pattern.Length == 0 || !WildcardMatch(pattern, 0, lookupName, 0))
            {
                continue;
            }

            if (negated)
            {
                return false;
            }

            matched = true;
        }

        return matched;
    }

    /// <summary>'*' matches any run of characters, '?' exactly one; everything else literally.</summary>
    private static bool WildcardMatch(string pattern, int p, string text, int t)
    {
        var star = -1;
        var starText = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == text[t]))
            {
                p++;
                t++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                starText = t;
            }
            else if (star >= 0)
            {
                p = star + 1;
                t = ++starText;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }
}
