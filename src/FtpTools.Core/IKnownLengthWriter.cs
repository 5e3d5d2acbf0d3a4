using System.Threading;
using System.Threading.Tasks;

namespace FtpTools.Core;

/// <summary>
/// A session that saves a round trip when opening a file for writing if the caller knows how many bytes it will
/// write (FTP: a small upload's data goes right after STOR, not after the server's 150). The transfer engine knows the
/// length of every local file it uploads.
/// </summary>
internal interface IKnownLengthWriter
{
    /// <summary>As <see cref="IRemoteSession.OpenWriteAsync"/>; <paramref name="knownLength"/>, the bytes to be written from <paramref name="offset"/>, is a hint, not a limit.</summary>
    Task<RemoteFileStream> OpenWriteAsync(string path, long offset, long? knownLength, CancellationToken cancellationToken);
}
