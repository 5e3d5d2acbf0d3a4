using System;
using System.Collections.Generic;
using System.Linq;

namespace FtpTools.Core.Ssh.Transport;

/// <summary>
/// The algorithm names this client implements, which of them it offers by default, and the lists a
/// session offers. Order is preference order: in SSH the client's order decides (RFC 4253 §7.1).
/// Legacy algorithms (SHA-1 signatures and key exchanges, hmac-sha1) are implemented for old servers
/// but only offered when a caller names them.
/// </summary>
internal static class SshAlgorithms
{
    public const string Curve25519Sha256 = "curve25519-sha256";
    public const string Curve25519Sha256LibSsh = "curve25519-sha256@libssh.org";
    public const string EcdhNistp256 = "ecdh-sha2-nistp256";
    public const string EcdhNistp384 = "ecdh-sha2-nistp384";
    public const string EcdhNistp521 = "ecdh-sha2-nistp521";
    public const string DhGroupExchangeSha256 = "diffie-hellman-group-exchange-sha256";
    public const string DhGroup16Sha512 = "diffie-hellman-group16-sha512";
    public const string DhGroup18Sha512 = "diffie-hellman-group18-sha512";
    public const string DhGroup14Sha256 = "diffie-hellman-group14-sha256";
    public const string DhGroup14Sha1 = "diffie-hellman-group14-sha1";
    public const string DhGroup1Sha1 = "diffie-hellman-group1-sha1";
    public const string DhGroupExchangeSha1 = "diffie-hellman-group-exchange-sha1";

    /// <summary>RFC 8308 §2.1: sent in the first KEXINIT only, never negotiated.</summary>
    public const string ExtInfoClient = "ext-info-c";

    /// <summary>OpenSSH PROTOCOL §1.10 strict key exchange (the Terrapin defence): pseudo-algorithms, first KEXINIT only.</summary>
    public const string StrictKexClient = "kex-strict-c-v00@openssh.com";

    public const string StrictKexServer = "kex-strict-s-v00@openssh.com";

    public const string SshEd25519 = "ssh-ed25519";
    public const string EcdsaNistp256 = "ecdsa-sha2-nistp256";
    public const string EcdsaNistp384 = "ecdsa-sha2-nistp384";
    public const string EcdsaNistp521 = "ecdsa-sha2-nistp521";
    public const string RsaSha2512 = "rsa-sha2-512";
    public const string RsaSha2256 = "rsa-sha2-256";
    public const string SshRsa = "ssh-rsa";

    public const string ChaCha20Poly1305 = "chacha20-poly1305@openssh.com";
    public const string Aes256Gcm = "aes256-gcm@openssh.com";
    public const string Aes128Gcm = "aes128-gcm@openssh.com";
    public const string Aes256Ctr = "aes256-ctr";
    public const string Aes192Ctr = "aes192-ctr";
    public const string Aes128Ctr = "aes128-ctr";

    public const string HmacSha256Etm = "hmac-sha2-256-etm@openssh.com";
    public const string HmacSha512Etm = "hmac-sha2-512-etm@openssh.com";
    public const string HmacSha256 = "hmac-sha2-256";
    public const string HmacSha512 = "hmac-sha2-512";
    public const string HmacSha1Etm = "hmac-sha1-etm@openssh.com";
    public const string HmacSha1 = "hmac-sha1";

    public const string CompressionNone = "none";

    public static readonly IReadOnlyList<string> DefaultKex = new[]
    {
        Curve25519Sha256, Curve25519Sha256LibSsh, EcdhNistp256, EcdhNistp384, EcdhNistp521,
        DhGroupExchangeSha256, DhGroup16Sha512, DhGroup14Sha256,
    };

    public static readonly IReadOnlyList<string> SupportedKex = DefaultKex
        .Concat(new[] { DhGroup18Sha512, DhGroupExchangeSha1, DhGroup14Sha1, DhGroup1Sha1 }).ToArray();

    public static readonly IReadOnlyList<string> DefaultHostKey = new[]
    {
        SshEd25519, EcdsaNistp256, EcdsaNistp384, EcdsaNistp521, RsaSha2512, RsaSha2256,
    };

    public static readonly IReadOnlyList<string> SupportedHostKey = DefaultHostKey.Concat(new[] { SshRsa }).ToArray();

    /// <summary>
    /// With .NET's AES-GCM (hardware AES) the GCM modes come first; chacha20-poly1305 runs on the
    /// module's own managed code (<see cref="ChaCha20"/>, <see cref="Poly1305"/>) and is next; CTR with an
    /// encrypt-then-MAC HMAC last. Within each,
    /// 128-bit keys first, as OpenSSH orders them: AES-128 has no known weakness, and a 1 GiB SFTP download
    /// ran at 436 MB/s with aes128-gcm against 346 MB/s with aes256-gcm (a run of 2026-11-21, bench/HISTORY.md).
    /// </summary>
    public static readonly IReadOnlyList<string> DefaultCiphers = new[]
    {
        Aes128Gcm, Aes256Gcm, ChaCha20Poly1305, Aes128Ctr, Aes192Ctr, Aes256Ctr,
    };

    public static readonly IReadOnlyList<string> SupportedCiphers = DefaultCiphers;

    /// <summary>Ciphers that need .NET 8's AesGcm; the netstandard2.0 build has none of them.</summary>
    public static readonly IReadOnlyList<string> PlatformOnlyCiphers = new[] { Aes256Gcm, Aes128Gcm };

    public static readonly IReadOnlyList<string> DefaultMacs = new[]
    {
        HmacSha256Etm, HmacSha512Etm, HmacSha256, HmacSha512,
    };

    public static readonly IReadOnlyList<string> SupportedMacs = DefaultMacs.Concat(new[] { HmacSha1Etm, HmacSha1 }).ToArray();

    /// <summary>True when this build and platform have AES-GCM (.NET 8 AesGcm over the OS crypto library).</summary>
    public static bool PlatformHasAesGcm
    {
        get
        {
#if NET8_0_OR_GREATER
            return System.Security.Cryptography.AesGcm.IsSupported;
#else
            return false;
#endif
        }
    }
}

/// <summary>The algorithm lists one session offers, validated once from <see cref="SshOptions"/>.</summary>
internal sealed class SshAlgorithmPreferences
{
    private SshAlgorithmPreferences(IReadOnlyList<string> kex, IReadOnlyList<string> hostKey, IReadOnlyList<string> ciphers, IReadOnlyList<string> macs)
    {
        Kex = kex;
        HostKey = hostKey;
        Ciphers = ciphers;
        Macs = macs;
    }

    public IReadOnlyList<string> Kex { get; }

    public IReadOnlyList<string> HostKey { get; }

    public IReadOnlyList<string> Ciphers { get; }

    public IReadOnlyList<string> Macs { get; }

    /// <summary>
    /// Builds the lists from the options: a list that is set replaces the default whole. Unknown or
    /// unavailable names throw <see cref="ArgumentException"/> naming what is supported, so a typo never
    /// silently weakens or empties a list. <paramref name="portableOnly"/> restricts to what the
    /// netstandard2.0 build offers (no AES-GCM), so that set can be tested on a modern runtime.
    /// </summary>
    public static SshAlgorithmPreferences FromOptions(SshOptions options, bool portableOnly)
    {
        if (options is null)
        {
            throw new ArgumentNullException(nameof(options));
        }

        var gcm = SshAlgorithms.PlatformHasAesGcm && !portableOnly;
        var available = SshAlgorithms.SupportedCiphers.Where(c => gcm || !SshAlgorithms.PlatformOnlyCiphers.Contains(c)).ToArray();
        string? UnavailableReason(string name) =>
            !gcm && SshAlgorithms.PlatformOnlyCiphers.Contains(name)
                ? "it needs .NET 8's AES-GCM, which this build or platform does not have"
                : null;

        return new SshAlgorithmPreferences(
            Pick("key exchange algorithm", nameof(SshOptions.KexAlgorithms), options.KexAlgorithms, SshAlgorithms.DefaultKex, SshAlgorithms.SupportedKex, _ => null),
            Pick("host key algorithm", nameof(SshOptions.HostKeyAlgorithms), options.HostKeyAlgorithms, SshAlgorithms.DefaultHostKey, SshAlgorithms.SupportedHostKey, _ => null),
            Pick("cipher", nameof(SshOptions.Ciphers), options.Ciphers, SshAlgorithms.DefaultCiphers.Where(available.Contains).ToArray(), SshAlgorithms.SupportedCiphers, UnavailableReason),
            Pick("MAC", nameof(SshOptions.Macs), options.Macs, SshAlgorithms.DefaultMacs, SshAlgorithms.SupportedMacs, _ => null));
    }

    private static IReadOnlyList<string> Pick(
        string what,
        string optionName,
        IReadOnlyList<string>? requested,
        IReadOnlyList<string> defaults,
        IReadOnlyList<string> supported,
        Func<string, string?> unavailable)
    {
        if (requested is null)
        {
            return defaults;
        }

        var result = new List<string>();
        foreach (var raw in requested)
        {
            var name = raw?.Trim() ?? "";
            if (!supported.Contains(name, StringComparer.Ordinal))
            {
                throw new ArgumentException(
                    $"Unknown or unsupported SSH {what} '{name}' in {optionName}. Supported: {string.Join(", ", supported)}.",
                    optionName);
            }

            var reason = unavailable(name);
            if (reason is not null)
            {
                throw new ArgumentException($"The SSH {what} '{name}' in {optionName} is not available: {reason}.", optionName);
            }

            if (!result.Contains(name))
            {
                result.Add(name);
            }
        }

        if (result.Count == 0)
        {
            throw new ArgumentException($"{optionName} is empty; name at least one SSH {what} or leave it unset for the defaults.", optionName);
        }

        return result;
    }
}
