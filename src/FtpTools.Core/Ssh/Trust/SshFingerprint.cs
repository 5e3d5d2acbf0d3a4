using System;
using System.Security.Cryptography;

namespace FtpTools.Core.Ssh.Trust;

/// <summary>OpenSSH key fingerprints as <c>ssh-keygen -l</c> prints them: "SHA256:" + unpadded base64 of SHA-256 over the key blob.</summary>
internal static class SshFingerprint
{
    public const string Prefix = "SHA256:";

    public static string Compute(ReadOnlySpan<byte> keyBlob)
    {
        using var sha = SHA256.Create();
        var hash = sha.ComputeHash(keyBlob.ToArray());
        return Prefix + Convert.ToBase64String(hash).TrimEnd('=');
    }

    /// <summary>
    /// A user-supplied fingerprint in canonical form ("SHA256:" + unpadded base64), or null when it is not
    /// one. The prefix may be omitted or in any case; base64 itself is case-sensitive and stays as given.
    /// </summary>
    public static string? Normalize(string? fingerprint)
    {
        if (fingerprint is null)
        {
            return null;
        }

        var text = fingerprint.Trim();
        if (text.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            text = text.Substring(Prefix.Length);
        }

        text = text.TrimEnd('=');

        // SHA-256 is 32 bytes: 43 base64 characters without padding.
        if (text.Length != 43)
        {
            return null;
        }

        foreach (var c in text)
        {
            if (!(c is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '+' or '/'))
            {
                return null;
            }
        }

        return Prefix + text;
    }

    /// <summary>The key type named at the start of a public key blob (RFC 4253 §6.6), e.g. "ssh-ed25519".</summary>
    public static string KeyTypeOf(ReadOnlyMemory<byte> keyBlob)
    {
        var reader = new SshReader(keyBlob);
        return reader.ReadString();
    }
}
