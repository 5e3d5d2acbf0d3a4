using System;
using System.IO;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;

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
/// </summary>
internal sealed class FtpTlsContext
{
    private readonly TlsOptions _options;
    private readonly X509CertificateCollection? _clientCertificates;

    public FtpTlsContext(TlsOptions options, string host)
    {
        _options = options;
        TargetHost = options.TargetHostName ?? host;
        Validator = new FtpCertificateValidator(options, TargetHost);
        if (options.ClientCertificate is { } clientCertificate)
        {
            _clientCertificates = new X509CertificateCollection { clientCertificate };
        }
    }

    public string TargetHost { get; }

    public FtpCertificateValidator Validator { get; }

    /// <summary>
    /// Runs the client handshake over <paramref name="inner"/> (which the SslStream then owns).
    /// The deadline closes <paramref name="socket"/>, which ends a stalled handshake on every platform.
    /// </summary>
    public async Task<SslStream> AuthenticateAsync(Stream inner, Socket socket, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var ssl = new SslStream(inner, leaveInnerStreamOpen: false, Validator.Validate);
        var watchdog = new FtpIoWatchdog(socket.Dispose);
        using var registration = cancellationToken.Register(static state => ((Socket)state!).Dispose(), socket);
        watchdog.Arm(timeout);
        try
        {
#if NET8_0_OR_GREATER
            var options = new SslClientAuthenticationOptions
            {
                TargetHost = TargetHost,
                EnabledSslProtocols = _options.Protocols,
                ClientCertificates = _clientCertificates,
                RemoteCertificateValidationCallback = Validator.Validate,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                AllowTlsResume = true,
            };
            await ssl.AuthenticateAsClientAsync(options, cancellationToken).ConfigureAwait(false);
#else
            await ssl.AuthenticateAsClientAsync(TargetHost, _clientCertificates, _options.Protocols, checkCertificateRevocation: false).ConfigureAwait(false);
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

            throw new ConnectionLostException($"The TLS handshake with the server failed: {ex.Message}", ex);
        }
        finally
        {
            watchdog.Disarm();
            watchdog.Dispose();
        }
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
        (SslProtocols)12288 => "TLS 1.3",
        var other => other.ToString(),
    };
}
