using System.Threading;
using System.Threading.Tasks;

namespace FtpTools.Core;

/// <summary>
/// A session that can tell whether a path leads to a directory (a link followed) without listing it: FTP's CWD,
/// SFTP's SSH_FXP_STAT. One round trip and no data connection, whatever the size of the directory behind the link.
/// </summary>
internal interface IDirectoryProbe
{
    /// <summary>True when <paramref name="path"/> is a directory or leads to one; false when it is anything else, missing, or refused.</summary>
    Task<bool> LeadsToDirectoryAsync(string path, CancellationToken cancellationToken);
}
