using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using FtpTools.Core.Errors;

namespace FtpTools.Core.Ftp;

/// <summary>What the server presented, kept for <see cref="SessionInfo"/> and error messages.</summary>
internal sealed record FtpServerCertificate(string Subject, string Issuer, string Thumbprint, DateTime NotBefore, DateTime NotAfter);

/// <summary>
/// Decides whether one session trusts the server's certificate. It is handed to each SslStream of
/// the session as its own RemoteCertificateValidationCallback, never installed process-wide.
/// Order: the skip switch; a pinned SHA-256 thumbprint; the system's verdict; the extra CA file as
/// custom trust. A refusal is kept in <see cref="Failure"/> so the caller can throw it with the
/// reason, because an exception thrown inside the callback reaches the caller differently per platform.
/// </summary>
internal sealed class FtpCertificateValidator
{
    private readonly TlsOptions _options;
    private readonly string _targetHost;
    private readonly HashSet<string> _pins;
    private readonly X509Certificate2Collection? _extraCas;
    private readonly IPAddress? _addressToMatch;
    private string? _acceptedThumbprint;

    /// <param name="options">The session's TLS options.</param>
    /// <param name="targetHost">The name or address the certificate must be issued for.</param>
    /// <param name="addressToMatch">
    /// Set when SslStream was given another name than <paramref name="targetHost"/> (see
    /// <see cref="FtpTlsContext"/>): its name verdict is then ignored and the certificate's IP
    /// address entries are compared with this address instead.
    /// </param>
    public FtpCertificateValidator(TlsOptions options, string targetHost, IPAddress? addressToMatch = null)
    {
        _options = options;
        _targetHost = targetHost;
        _addressToMatch = addressToMatch;
        _pins = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pin in options.PinnedThumbprints)
        {
            _pins.Add(NormalizeThumbprint(pin));
        }

        if (options.ExtraCaFile is { } caFile)
        {
            _extraCas = LoadCertificates(caFile);
        }
    }

    /// <summary>The certificate seen in the last handshake.</summary>
    public FtpServerCertificate? LastCertificate { get; private set; }

    /// <summary>Why the last handshake's certificate was refused; null when it was accepted.</summary>
    public TrustFailureException? Failure { get; private set; }

    /// <summary>
    /// Forgets the last refusal before a handshake starts: a handshake that ends before its certificate is judged
    /// (its socket closed under it) must not report an earlier connection's certificate.
    /// </summary>
    public void BeginHandshake() => Failure = null;

    /// <summary>The callback for a handshake whose chain SslStream built with the system's trust (the first one).</summary>
    public bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors) =>
        Validate(certificate, chain, errors, chainHasSystemTrust: true);

    /// <summary>
    /// The callback for a later handshake of the session (a data connection) whose chain SslStream built with
    /// <c>RepeatChainPolicy</c> (net8.0): the certificate accepted before passes again without a chain build
    /// against the system store (on Linux, loading and sorting every root once per data connection, which
    /// dominated FTPES transfers of small files); any other certificate is judged as a first one would be.
    /// </summary>
    public bool ValidateRepeat(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors) =>
        Validate(certificate, chain, errors, chainHasSystemTrust: false);

    /// <summary>True once a certificate was accepted by the full check; later handshakes may use <see cref="ValidateRepeat"/>.</summary>
    public bool HasAcceptedCertificate => _acceptedThumbprint is not null;

#if NET8_0_OR_GREATER
    /// <summary>
    /// A chain policy that trusts nothing, so SslStream's own chain build is cheap and always reports a chain
    /// error; <see cref="ValidateRepeat"/> then decides.
    /// </summary>
    public static X509ChainPolicy RepeatChainPolicy() => new()
    {
        TrustMode = X509ChainTrustMode.CustomRootTrust,
        RevocationMode = X509RevocationMode.NoCheck,
    };
#endif

    private bool Validate(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors, bool chainHasSystemTrust)
    {
        Failure = null;
        if (certificate is null)
        {
            Failure = new TrustFailureException("The server presented no TLS certificate.", null, TrustFailureReason.OtherCertificateError);
            return _options.SkipCertificateCheck;
        }

        using var server = new X509Certificate2(certificate);
        var info = new FtpServerCertificate(
            server.Subject,
            server.Issuer,
            Sha256Thumbprint(server),
            server.NotBefore.ToUniversalTime(),
            server.NotAfter.ToUniversalTime());
        LastCertificate = info;

        if (_options.SkipCertificateCheck || _pins.Contains(info.Thumbprint))
        {
            return true;
        }

        var nameMismatch = _addressToMatch is null
            ? (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0
            : !IssuedForAddress(server, _addressToMatch);
        if (chainHasSystemTrust)
        {
            return Judge(server, info, chain, errors, nameMismatch);
        }

        var now = DateTime.UtcNow;
        if (string.Equals(info.Thumbprint, _acceptedThumbprint, StringComparison.Ordinal) && !nameMismatch && info.NotBefore <= now && now <= info.NotAfter)
        {
            return true;
        }

        // Not the certificate accepted before: build its chain with the system's trust, as the first handshake had it.
        using var rebuilt = new X509Chain();
        rebuilt.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
        {
            foreach (var element in chain.ChainElements)
            {
                rebuilt.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        var chainErrors = rebuilt.Build(server) ? SslPolicyErrors.None : SslPolicyErrors.RemoteCertificateChainErrors;
        return Judge(server, info, rebuilt, (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) | chainErrors, nameMismatch);
    }

    private bool Judge(X509Certificate2 server, FtpServerCertificate info, X509Chain? chain, SslPolicyErrors errors, bool nameMismatch)
    {
        var untrusted = false;
        var expired = false;
        if ((errors & SslPolicyErrors.RemoteCertificateChainErrors) != 0)
        {
            if (_extraCas is not null)
            {
                CheckAgainstExtraCas(server, chain, out untrusted, out expired);
            }
            else
            {
                Classify(chain, ignoreUntrustedRoot: false, out untrusted, out expired);
            }
        }

        if ((errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
        {
            Failure = new TrustFailureException("The server presented no TLS certificate.", info.Thumbprint, TrustFailureReason.OtherCertificateError);
            return false;
        }

        if (!untrusted && !expired && !nameMismatch)
        {
            _acceptedThumbprint = info.Thumbprint;
            return true;
        }

        var reasons = new List<string>();
        if (untrusted)
        {
            reasons.Add("its chain does not end in a trusted root certificate authority");
        }

        if (expired)
        {
            reasons.Add(string.Format(CultureInfo.InvariantCulture, "it is expired or not yet valid (valid from {0:u} to {1:u})", info.NotBefore, info.NotAfter));
        }

        if (nameMismatch)
        {
            reasons.Add($"it was not issued for the host name '{_targetHost}'");
        }

        var reason = untrusted ? TrustFailureReason.UntrustedChain : expired ? TrustFailureReason.Expired : TrustFailureReason.NameMismatch;
        Failure = new TrustFailureException(
            $"The server's TLS certificate is not trusted: {string.Join("; ", reasons)}. Subject: {info.Subject}; issuer: {info.Issuer}; SHA-256 thumbprint: {info.Thumbprint}. " +
            $"To trust it, confirm the thumbprint with the server's administrator, then pass -CertificateThumbprint '{info.Thumbprint}', " +
            "or trust its issuing CA with -CaCertificatePath (a PEM or DER file); -SkipCertificateCheck is for testing only.",
            info.Thumbprint,
            reason);
        return false;
    }

    /// <summary>True when the certificate's subject alternative names list <paramref name="address"/> (RFC 5280 §4.2.1.6 iPAddress entries).</summary>
    public static bool IssuedForAddress(X509Certificate2 certificate, IPAddress address)
    {
#if NET8_0_OR_GREATER
        foreach (var extension in certificate.Extensions)
        {
            if (extension.Oid?.Value != "2.5.29.17")
            {
                continue;
            }

            var names = new X509SubjectAlternativeNameExtension(extension.RawData, extension.Critical);
            foreach (var listed in names.EnumerateIPAddresses())
            {
                if (listed.Equals(address))
                {
                    return true;
                }
            }
        }

        return false;
#else
        // Only the net8.0 build replaces the target name; this build never asks.
        throw new PlatformNotSupportedException("Address matching is only used by the net8.0 build.");
#endif
    }

    public static string Sha256Thumbprint(X509Certificate2 certificate)
    {
        using var sha = SHA256.Create();
        var hash = sha.ComputeHash(certificate.RawData);
        var builder = new StringBuilder(hash.Length * 2);
        foreach (var b in hash)
        {
            builder.Append(b.ToString("X2", CultureInfo.InvariantCulture));
        }

        return builder.ToString();
    }

    /// <summary>Hex digits only, upper case: "ab:cd ..." and "ABCD..." name the same pin.</summary>
    public static string NormalizeThumbprint(string thumbprint)
    {
        var builder = new StringBuilder(thumbprint.Length);
        foreach (var c in thumbprint)
        {
            if (Uri.IsHexDigit(c))
            {
                builder.Append(char.ToUpperInvariant(c));
            }
        }

        return builder.ToString();
    }

    /// <summary>Reads certificates from a PEM file (one or more BEGIN CERTIFICATE blocks) or a DER file.</summary>
    public static X509Certificate2Collection LoadCertificates(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new FtpToolsException($"The CA file '{path}' could not be read: {ex.Message}", ex);
        }

        var collection = new X509Certificate2Collection();
        const string Begin = "-----BEGIN CERTIFICATE-----";
        const string End = "-----END CERTIFICATE-----";
        var text = Encoding.ASCII.GetString(bytes);
        var position = text.IndexOf(Begin, StringComparison.Ordinal);
        try
        {
            if (position < 0)
            {
                collection.Add(LoadCertificate(bytes));
            }

            while (position >= 0)
            {
                var end = text.IndexOf(End, position, StringComparison.Ordinal);
                if (end < 0)
                {
                    break;
                }

                var body = text.Substring(position + Begin.Length, end - position - Begin.Length);
                collection.Add(LoadCertificate(Convert.FromBase64String(body)));
                position = text.IndexOf(Begin, end, StringComparison.Ordinal);
            }
        }
        catch (Exception ex) when (ex is CryptographicException or FormatException)
        {
            throw new FtpToolsException($"The CA file '{path}' holds no readable certificate: {ex.Message}", ex);
        }

        if (collection.Count == 0)
        {
            throw new FtpToolsException($"The CA file '{path}' holds no certificate.");
        }

        return collection;
    }

    /// <summary>
    /// One certificate from its bytes. The byte-array constructor is obsolete from .NET 9 (SYSLIB0057, in favour of
    /// X509CertificateLoader); it is kept in every build so that the netstandard2.0, net8.0 and net10.0 cores read
    /// the same CA files alike.
    /// </summary>
    private static X509Certificate2 LoadCertificate(byte[] data)
    {
#pragma warning disable SYSLIB0057
        return new X509Certificate2(data);
#pragma warning restore SYSLIB0057
    }

    // The system store did not trust the chain; build it again with the extra CAs as the only
    // trusted roots and accept it only when it really ends in one of them.
    private void CheckAgainstExtraCas(X509Certificate2 server, X509Chain? presented, out bool untrusted, out bool expired)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

#if NET8_0_OR_GREATER
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_extraCas!);
#else
        chain.ChainPolicy.ExtraStore.AddRange(_extraCas!);
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.AllowUnknownCertificateAuthority;
#endif
        chain.Build(server);
        var elements = chain.ChainElements;
        var root = elements.Count > 0 ? elements[elements.Count - 1].Certificate : null;
        var endsInExtraCa = false;
        if (root is not null)
        {
            foreach (var ca in _extraCas!)
            {
                if (ca.RawData.AsSpan().SequenceEqual(root.RawData))
                {
                    endsInExtraCa = true;
                    break;
                }
            }
        }

        Classify(chain, ignoreUntrustedRoot: endsInExtraCa, out untrusted, out expired);
        untrusted |= !endsInExtraCa;
    }

    private static void Classify(X509Chain? chain, bool ignoreUntrustedRoot, out bool untrusted, out bool expired)
    {
        untrusted = chain is null;
        expired = false;
        if (chain is null)
        {
            return;
        }

        foreach (var status in chain.ChainStatus)
        {
            var flags = status.Status;
            if ((flags & X509ChainStatusFlags.NotTimeValid) != 0)
            {
                expired = true;
                flags &= ~X509ChainStatusFlags.NotTimeValid;
            }

            if (ignoreUntrustedRoot)
            {
                flags &= ~X509ChainStatusFlags.UntrustedRoot;
            }

            // Revocation is not checked (no network in many FTP deployments), so "unknown" is not a failure.
            flags &= ~(X509ChainStatusFlags.RevocationStatusUnknown | X509ChainStatusFlags.OfflineRevocation | X509ChainStatusFlags.NotTimeNested);
            if (flags != X509ChainStatusFlags.NoError)
            {
                untrusted = true;
            }
        }
    }
}
