using System.Threading;
using System.Threading.Tasks;

namespace FtpTools.Core;

/// <summary>
/// A session that saves a round trip when opening a file for reading if the caller already knows its length
/// (SFTP: no SSH_FXP_FSTAT to size the first read window). The transfer engine stat's every file before it
/// downloads it, so it always knows.
/// </summary>
internal interface IKnownLengthReader
{
    /// <summary>As <see cref="IRemoteSession.OpenReadAsync"/>; <paramref name="knownLength"/> is a hint, not a limit.</summary>
    Task<RemoteFileStream> OpenReadAsync(string path, long offset, long? knownLength, CancellationToken cancellationToken);
}
