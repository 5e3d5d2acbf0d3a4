using System.Threading;
using System.Threading.Tasks;

namespace FtpTools.Core;

/// <summary>
/// A session that can tell a file's stored length more cheaply than <see cref="IRemoteSession.GetItemAsync"/>
/// (FTP without MLST: SIZE alone, not SIZE then MDTM). The transfer engine checks an upload's length with it.
/// </summary>
internal interface IStoredLengthProbe
{
    /// <summary>The length of the file at <paramref name="path"/>, or null when the server does not say.</summary>
    Task<long?> GetStoredLengthAsync(string path, CancellationToken cancellationToken);
}
