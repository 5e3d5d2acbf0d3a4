using System.Threading;
using System.Threading.Tasks;

namespace FtpTools.Core;

/// <summary>
/// A session that can give a file it creates for writing its permission bits in the same request (SFTP's
/// SSH_FXP_OPEN attributes, as OpenSSH's sftp put does): an upload keeps the local file's mode at no round trip of its
/// own. The server applies them only when it creates the file, under its umask.
/// </summary>
internal interface ICreateModeWriter
{
    /// <summary>As <see cref="IRemoteSession.OpenWriteAsync"/> from offset 0, creating the file with <paramref name="permissionBits"/>; <paramref name="durable"/> as <see cref="IDurableWriter.OpenDurableWriteAsync"/>.</summary>
    Task<RemoteFileStream> OpenNewWriteAsync(string path, int permissionBits, bool durable, CancellationToken cancellationToken);
}
