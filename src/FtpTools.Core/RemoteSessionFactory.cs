using System;
using System.Threading;
using System.Threading.Tasks;

namespace FtpTools.Core;

/// <summary>The one place where the protocol is picked. Everything above works on <see cref="IRemoteSession"/>.</summary>
public static class RemoteSessionFactory
{
    public static Task<IRemoteSession> ConnectAsync(ConnectionOptions options, CancellationToken cancellationToken)
    {
        if (options is null)
        {
            throw new ArgumentNullException(nameof(options));
        }

        if (string.IsNullOrWhiteSpace(options.Host))
        {
            throw new ArgumentException("A host name or address is required.", nameof(options));
        }

        return options.Protocol switch
        {
            RemoteProtocol.Ftp or RemoteProtocol.Ftpes or RemoteProtocol.Ftps => Ftp.FtpSession.ConnectAsync(options, cancellationToken),
            RemoteProtocol.Sftp => Sftp.SftpSession.ConnectAsync(options, cancellationToken),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Protocol, "Unknown protocol."),
        };
    }
}
