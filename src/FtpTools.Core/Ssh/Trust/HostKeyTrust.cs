using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;

namespace FtpTools.Core.Ssh.Trust;

/// <summary>Why a host key was trusted.</summary>
internal enum HostKeyTrustSource
{
    /// <summary>It matches a fingerprint the caller pinned (SshOptions.HostKeyFingerprints).</summary>
    PinnedFingerprint,

    /// <summary>A known_hosts file lists it for this host.</summary>
    KnownHosts,

    /// <summary>Unknown before; recorded in the module's known_hosts because accept-new was on.</summary>
    AcceptedNew,
}

internal sealed class HostKeyTrustResult
{
    public HostKeyTrustResult(HostKeyTrustSource source, string fingerprint, string? knownHostsLocation)
    {
        Source = source;
        Fingerprint = fingerprint;
        KnownHostsLocation = knownHostsLocation;
    }

    public HostKeyTrustSource Source { get; }

    public string Fingerprint { get; }

    /// <summary>"path:line" of the matching known_hosts entry, or the file appended to; null for pins.</summary>
    public string? KnownHostsLocation { get; }

    public override string ToString() => Source switch
    {
        HostKeyTrustSource.PinnedFingerprint => $"host key {Fingerprint} matches the pinned fingerprint",
        HostKeyTrustSource.KnownHosts => $"host key {Fingerprint} is known ({KnownHostsLocation})",
        _ => $"host key {Fingerprint} was new and is now recorded in {KnownHostsLocation}",
    };
}

/// <summary>
/// The host-key decision, made once per connection after the key exchange proved the server holds the key
/// (RFC 4251 §4.1, RFC 4253 §8). Never prompts. In order:
/// 1. a key listed as @revoked in either known_hosts file always fails;
/// 2. pinned fingerprints, when given, decide alone: a match passes, anything else fails;
/// 3. a known_hosts entry (user's file, then the module's) for this host with this key passes;
/// 4. an entry for this host with a different key of the same type fails loudly (changed key);
/// 5. otherwise the key is unknown: it fails with its fingerprint and the two ways to trust it, unless
///    accept-new is on, in which case it is appended, hashed, to the module's known_hosts under a lock.
/// </summary>
internal static class HostKeyTrust
{
    public static async Task<HostKeyTrustResult> VerifyAsync(
        string host,
        int port,
        string keyAlgorithm,
        ReadOnlyMemory<byte> keyBlob,
        SshOptions options,
        CancellationToken cancellationToken)
    {
        if (options is null)
        {
            throw new ArgumentNullException(nameof(options));
        }

        var blob = keyBlob.ToArray();
        var fingerprint = SshFingerprint.Compute(blob);
        var keyType = SshFingerprint.KeyTypeOf(blob);
        var lookupName = KnownHostsFile.LookupName(host, port);
        var display = port == 22 || port == 0 ? host : $"{host} port {port}";
        var userPath = options.UserKnownHostsPath ?? KnownHostsStore.DefaultUserPath();
        var modulePath = options.ModuleKnownHostsPath ?? KnownHostsStore.DefaultModulePath();

        var userEntries = await KnownHostsStore.ReadAsync(userPath, cancellationToken).ConfigureAwait(false);
        var moduleEntries = await KnownHostsStore.ReadAsync(modulePath, cancellationToken).ConfigureAwait(false);
        var all = userEntries.Concat(moduleEntries).ToList();

        // sshd(8): "@revoked ... the key contained on the line is revoked and must not ever be accepted".
        // Honoured for every host, whatever the line's host patterns say, and before pins.
        var revoked = all.FirstOrDefault(e => e.Marker == KnownHostsMarker.Revoked && e.KeyBlob.AsSpan().SequenceEqual(blob));
        if (revoked is not null)
        {
            throw new TrustFailureException(
                $"The host key of {display} ({keyType} {fingerprint}) is marked @revoked in {revoked.Location}. It must never be accepted; not connecting.",
                fingerprint,
                TrustFailureReason.RevokedHostKey);
        }

        if (options.HostKeyFingerprints.Count > 0)
        {
            return CheckPins(options.HostKeyFingerprints, fingerprint, keyType, display);
        }

        var decision = Decide(all, lookupName, blob, keyType, fingerprint, display, keyAlgorithm);
        if (decision is not null)
        {
            return decision;
        }

        if (!options.AcceptNewHostKey)
        {
            throw Unknown(all, lookupName, keyType, fingerprint, display, modulePath);
        }

        HostKeyTrustResult? concurrent = null;
        await KnownHostsStore.AppendUnderLockAsync(
            modulePath,
            current =>
            {
                // Another process may have recorded this host while we waited for the lock.
                concurrent = Decide(userEntries.Concat(current).ToList(), lookupName, blob, keyType, fingerprint, display, keyAlgorithm);
                return concurrent is null ? KnownHostsFile.FormatLine(KnownHostsFile.HashName(lookupName), blob) : null;
            },
            cancellationToken).ConfigureAwait(false);

        return concurrent ?? new HostKeyTrustResult(HostKeyTrustSource.AcceptedNew, fingerprint, modulePath);
    }

    private static HostKeyTrustResult CheckPins(IReadOnlyList<string> pins, string fingerprint, string keyType, string display)
    {
        var normalized = new List<string>();
        foreach (var pin in pins)
        {
            var value = SshFingerprint.Normalize(pin)
                ?? throw new TrustFailureException(
                    $"The expected host key fingerprint '{pin}' is not in the form ssh-keygen -l prints (SHA256: followed by 43 base64 characters); not connecting to {display}.",
                    fingerprint,
                    TrustFailureReason.FingerprintMismatch);
            normalized.Add(value);
        }

        if (normalized.Contains(fingerprint, StringComparer.Ordinal))
        {
            return new HostKeyTrustResult(HostKeyTrustSource.PinnedFingerprint, fingerprint, null);
        }

        throw new TrustFailureException(
            $"The host key of {display} ({keyType} {fingerprint}) does not match the expected fingerprint{(normalized.Count > 1 ? "s" : "")} {string.Join(", ", normalized)}. Not connecting.",
            fingerprint,
            TrustFailureReason.FingerprintMismatch);
    }

    /// <summary>Known (a result), changed (throws) or unknown (null).</summary>
    private static HostKeyTrustResult? Decide(List<KnownHostsEntry> entries, string lookupName, byte[] blob, string keyType, string fingerprint, string display, string keyAlgorithm)
    {
        var forHost = entries.Where(e => e.Marker == KnownHostsMarker.None && e.MatchesHost(lookupName)).ToList();
        var match = forHost.FirstOrDefault(e => e.KeyBlob.AsSpan().SequenceEqual(blob));
        if (match is not null)
        {
            return new HostKeyTrustResult(HostKeyTrustSource.KnownHosts, fingerprint, match.Location);
        }

        var changed = forHost.FirstOrDefault(e => e.KeyType == keyType);
        if (changed is not null)
        {
            throw new TrustFailureException(
                $"WARNING: THE HOST KEY OF {display.ToUpperInvariant()} HAS CHANGED. {changed.Location} records {changed.KeyType} {changed.Fingerprint}, " +
                $"but the server presented {keyType} {fingerprint} (negotiated as {keyAlgorithm}). Someone could be intercepting the connection, " +
                $"or the server's key was replaced. Not connecting. If the change is expected, remove the old entry " +
                $"(ssh-keygen -R '{lookupName}' -f '{changed.Path}') or pass -HostKeyFingerprint '{fingerprint}'.",
                fingerprint,
                TrustFailureReason.ChangedHostKey);
        }

        return null;
    }

    private static TrustFailureException Unknown(List<KnownHostsEntry> entries, string lookupName, string keyType, string fingerprint, string display, string modulePath)
    {
        var otherTypes = entries
            .Where(e => e.Marker == KnownHostsMarker.None && e.MatchesHost(lookupName))
            .Select(e => e.KeyType)
            .Distinct(StringComparer.Ordinal)
            .ToList();
        var note = otherTypes.Count > 0 ? $" (keys of other types are known for it: {string.Join(", ", otherTypes)})" : string.Empty;
        return new TrustFailureException(
            $"The host key of {display} is not known{note}. The server presented {keyType} {fingerprint}. " +
            $"To trust it, confirm the fingerprint with the server's administrator, then pass -HostKeyFingerprint '{fingerprint}', " +
            $"or pass -AcceptNewHostKey to trust it on first use and record it in {modulePath}.",
            fingerprint,
            TrustFailureReason.UnknownHostKey);
    }
}
