using System;
using System.Threading;
using System.Threading.Tasks;

namespace FtpTools.Core.Sftp;

// Placeholder until the SFTP session lands (issue 5).
internal static class SftpSession
{
    public static Task<IRemoteSession> ConnectAsync(ConnectionOptions options, CancellationToken cancellationToken) =>
        throw new NotImplementedException("SFTP sessions are not implemented yet.");
}
