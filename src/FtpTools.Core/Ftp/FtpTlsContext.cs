using System;
using System.IO;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;
using FtpTools.Core.IO;

namespace FtpTools.Core.Ftp;

/// <summary>
/// The TLS settings of one session, used for the control connection and every data connection.
/// RFC 4217 §10.2 lets a server demand that data connections resume the control connection's TLS
/// session (vsftpd's require_ssl_reuse=YES). SslStream resumes on its own when every handshake of
/// the session looks the same to its session cache, so every SslStream here gets the same target
/// host, the same protocol set and the same client certificate collection instance:
/// <list type="bullet">
/// <item>Linux/OpenSSL (.NET 7+): client sessions are cached per target host name in a process-wide
/// SSL_CTX per protocol set. Resumption is skipped when a ClientCertificateContext or a certificate
/// selection callback is given, so we pass a plain ClientCertificates collection instead.</item>
/// <item>Windows/SChannel (.NET Framework, the netstandard2.0 build): the session cache is keyed by
/// target name and credential handle; credentials are cached per client certificate and protocol set.</item>
/// </list>
/// OpenSSL-based .NET keys its client session cache by the SNI name of the handshake, and sends no
/// SNI for an IP address, so a session to "127.0.0.1" is never cached and vsftpd refuses every data
/// connection with "522 session reuse required". For an IP target we therefore hand SslStream a
/// name of our own under the reserved ".invalid" domain (RFC 6761 §6.4), unique per address and
/// port, and check the certificate against the real address ourselves (<see cref="FtpCertificateValidator"/>).
/// </summary>
internal sealed class FtpTlsContext
{
    private readonly TlsOptions _options;
    private readonly X509CertificateCollection? _clientCertificates;
    private string? _note;

    public FtpTlsContext(TlsOptions options, string host, int port)
    {
        _options = options;
        Protocols = options.Protocols;
        var checkedName = options.TargetHostName ?? host;
        TargetHost = checkedName;
        IPAddress? ownAddressCheck = null;
#if NET8_0_OR_GREATER
        if (IPAddress.TryParse(checkedName, out var address) && !OperatingSystem.IsWindows())
        {
            TargetHost = SessionCacheName(address, port);
            ownAddressCheck = address;
        }
#endif
        Validator = new FtpCertificateValidator(options, checkedName, ownAddressCheck);
        if (options.ClientCertificate is { } clientCertificate)
        {
            _clientCertificates = new X509CertificateCollection { clientCertificate };
        }
    }

    /// <summary>
    /// For a connection that ended during the TLS handshake or right after it: what a server that requires a client
    /// certificate does when it gets none, or refuses the one offered. .NET does not tell the server's alert
    /// ("certificate required", "unknown CA") apart from other failures, and with TLS 1.3 the server checks the
    /// certificate after the client's side of the handshake is done, so the first command meets a reset instead.
    /// </summary>
    public string ClientCertificateHint => _options.ClientCertificate is { } offered
        ? $"A server that requires a client certificate ends the connection like this when it does not accept the one offered ({offered.Subject}, issued by {offered.Issuer}): check that the server trusts that issuer."
        : "A server that requires a client certificate ends the connection like this when it gets none: pass one with -ClientCertificatePath or -ClientCertificate.";

    /// <summary>The name given to SslStream: the host name, or for an IP address the session-cache name.</summary>
    public string TargetHost { get; }

    public FtpCertificateValidator Validator { get; }

    /// <summary>The protocol versions offered; <see cref="TlsOptions.Protocols"/> unless a server quirk narrows them.</summary>
    public SslProtocols Protocols { get; private set; }

    /// <summary>Offers TLS 1.2 only, when the options allow it (see <see cref="FtpServerQuirks.AvoidTls13"/>).</summary>
    public bool LimitToTls12()
    {
        if ((Protocols & SslProtocols.Tls12) == 0 || Protocols == SslProtocols.Tls12)
        {
            return false;
        }

        Protocols = SslProtocols.Tls12;
        return true;
    }

    /// <summary>
    /// Runs the client handshake over <paramref name="inner"/> (which the SslStream then owns).
    /// The deadline closes <paramref name="socket"/>, which ends a stalled handshake on every platform.
    /// With <paramref name="blocking"/> the handshake runs with synchronous calls (on a thread of its own), so that a
    /// socket connected for blocking reads stays so (see <see cref="FtpDataConnection.ReadsBlocking"/>); the deadline
    /// and cancellation end it the same way. What a handshake taught, for the protocol log, waits in <see cref="TakeNote"/>.
    /// </summary>
    public async Task<SslStream> AuthenticateAsync(Stream inner, Socket socket, TimeSpan timeout, CancellationToken cancellationToken, bool blocking = false, bool clientCertificateHint = false)
    {
#if NET8_0_OR_GREATER
        var ssl = new SslStream(inner, leaveInnerStreamOpen: false);
#else
        var ssl = new SslStream(inner, leaveInnerStreamOpen: false, Validator.Validate);
#endif
        Validator.BeginHandshake();
        var watchdog = new FtpIoWatchdog(socket.Dispose);
        using var registration = cancellationToken.Register(static state => ((Socket)state!).Dispose(), socket);
        watchdog.Arm(timeout);
#if NET8_0_OR_GREATER
        SslStream? secured = null;
        TlsKeyShareMemory.BeginHandshake();
#endif
        try
        {
#if NET8_0_OR_GREATER
            var options = new SslClientAuthenticationOptions
            {
                TargetHost = TargetHost,
                EnabledSslProtocols = Protocols,
                ClientCertificates = _clientCertificates,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                AllowTlsResume = true,
            };

            // A data connection presents the certificate the control connection did: see ValidateRepeat.
            if (Validator.HasAcceptedCertificate)
            {
                options.RemoteCertificateValidationCallback = Validator.ValidateRepeat;
                options.CertificateChainPolicy = FtpCertificateValidator.RepeatChainPolicy();
            }
            else
            {
                options.RemoteCertificateValidationCallback = Validator.Validate;
            }

            if (blocking)
            {
                await BlockingCall.RunAsync(() => ssl.AuthenticateAsClient(options)).ConfigureAwait(false);
            }
            else
            {
                await ssl.AuthenticateAsClientAsync(options, cancellationToken).ConfigureAwait(false);
            }

            secured = ssl;
#else
            if (blocking)
            {
                await BlockingCall.RunAsync(() => ssl.AuthenticateAsClient(TargetHost, _clientCertificates, Protocols, checkCertificateRevocation: false)).ConfigureAwait(false);
            }
            else
            {
                await ssl.AuthenticateAsClientAsync(TargetHost, _clientCertificates, Protocols, checkCertificateRevocation: false).ConfigureAwait(false);
            }
#endif
            return ssl;
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            ssl.Dispose();
            cancellationToken.ThrowIfCancellationRequested();
            if (Validator.Failure is { } failure)
            {
                throw failure;
            }

            if (watchdog.Expired)
            {
                throw new ConnectionLostException($"The TLS handshake did not finish within {timeout.TotalSeconds:0.#} s.", ex);
            }

            // The control connection's handshake is where a server that wants a client certificate says no (TLS 1.2);
            // a data connection's failure after the control connection's success is about something else.
            var hint = clientCertificateHint ? " " + ClientCertificateHint : "";
            throw new ConnectionLostException($"The TLS handshake with the server failed ({TlsOptions.Describe(Protocols)} offered): {ex.Message}{hint}", ex);
        }
        finally
        {
            watchdog.Disarm();
            watchdog.Dispose();
#if NET8_0_OR_GREATER
            if (TlsKeyShareMemory.EndHandshake(secured) is { } learned)
            {
                Volatile.Write(ref _note, learned);
            }
#endif
        }
    }

    /// <summary>
    /// A line for the protocol log from the last handshake, taken once: on Linux, that later handshakes offer the key
    /// exchange group the server asked for (TlsKeyShareMemory). Read by whoever awaited the handshake, so that the log
    /// is written from the session's own flow and never from a handshake still running beside it.
    /// </summary>
    public string? TakeNote() => Interlocked.Exchange(ref _note, null);

    /// <summary>"p990.7f000001.ip.invalid": a DNS-shaped name for one IP address and port.</summary>
    public static string SessionCacheName(IPAddress address, int port)
    {
        var builder = new System.Text.StringBuilder("p").Append(port.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append('.');
        foreach (var b in address.GetAddressBytes())
        {
            builder.Append(b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
        }

        return builder.Append(".ip.invalid").ToString();
    }

    public static string CipherName(SslStream ssl)
    {
#if NET8_0_OR_GREATER
        return ssl.NegotiatedCipherSuite.ToString();
#else
        return ssl.CipherAlgorithm + " " + ssl.CipherStrength.ToString(System.Globalization.CultureInfo.InvariantCulture);
#endif
    }

    public static string ProtocolName(SslStream ssl) => ssl.SslProtocol switch
    {
        SslProtocols.Tls12 => "TLS 1.2",
        TlsOptions.Tls13 => "TLS 1.3",
        var other => other.ToString(),
    };
}
