using System;
using System.Threading;
using System.Threading.Tasks;

namespace FtpTools.Core.Ftp;

// Placeholder until the FTP session lands (issue 3).
internal static class FtpSession
{
    public static Task<IRemoteSession> ConnectAsync(ConnectionOptions options, CancellationToken cancellationToken) =>
        throw new NotImplementedException("FTP sessions are not implemented yet.");
}
