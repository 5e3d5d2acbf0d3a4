using System;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;

namespace FtpTools.Core;

/// <summary>The one place where the protocol is picked. Everything above works on <see cref="IRemoteSession"/>.</summary>
public static class RemoteSessionFactory
{
    public static async Task<IRemoteSession> ConnectAsync(ConnectionOptions options, CancellationToken cancellationToken)
    {
        if (options is null)
        {
            throw new ArgumentNullException(nameof(options));
        }

        if (string.IsNullOrWhiteSpace(options.Host))
        {
            throw new ArgumentException("A host name or address is required.", nameof(options));
        }

        // ConnectTimeout bounds the whole of it (the TCP connection, the greeting, TLS or the SSH handshake, the
        // login), not only the TCP connection: a server that takes connections but never answers (a hung daemon, a
        // port of another protocol) fails in that time, as a connect, rather than after the longer OperationTimeout.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (options.ConnectTimeout > TimeSpan.Zero && options.ConnectTimeout.TotalMilliseconds <= int.MaxValue)
        {
            deadline.CancelAfter(options.ConnectTimeout);
        }

        try
        {
            return options.Protocol switch
            {
                RemoteProtocol.Ftp or RemoteProtocol.Ftpes or RemoteProtocol.Ftps => await Ftp.FtpSession.ConnectAsync(options, deadline.Token).ConfigureAwait(false),
                RemoteProtocol.Sftp => await Sftp.SftpSession.ConnectAsync(options, deadline.Token).ConfigureAwait(false),
                _ => throw new ArgumentOutOfRangeException(nameof(options), options.Protocol, "Unknown protocol."),
            };
        }
        catch (Exception e) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested && e is not ConnectFailedException and not ArgumentException)
        {
            throw new ConnectFailedException(
                string.Format(
                    CultureInfo.InvariantCulture,
                    "Connecting to {0}:{1} did not finish within {2:0.###} s (ConnectTimeout): the server took the connection but its greeting, {3} or the login did not come in that time. Is it {4} server on that port?{5}",
                    options.Host,
                    options.EffectivePort,
                    options.ConnectTimeout.TotalSeconds,
                    options.Protocol == RemoteProtocol.Sftp ? "the SSH handshake" : "the TLS handshake",
                    options.Protocol switch
                    {
                        RemoteProtocol.Sftp => "an SSH",
                        RemoteProtocol.Ftps => "an implicit FTPS",
                        _ => "an FTP",
                    },
                    options.Protocol is RemoteProtocol.Ftp or RemoteProtocol.Ftpes ? " (An implicit FTPS server waits for TLS first: ftps:// for it.)" : ""),
                e);
        }
    }
}
