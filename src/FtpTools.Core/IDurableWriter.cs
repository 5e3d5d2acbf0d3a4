using System.Threading;
using System.Threading.Tasks;

namespace FtpTools.Core;

/// <summary>
/// A session that can have the server put an uploaded file on its disk before the upload completes (SFTP's
/// fsync@openssh.com), where the server offers it. The transfer engine asks for it when the local source is removed
/// after the upload (<see cref="Transfers.TransferOptions.RemoveSource"/>): the server's copy is then the only one.
/// </summary>
internal interface IDurableWriter
{
    /// <summary>True when the server offers it.</summary>
    bool CanWriteDurably { get; }

    /// <summary>As <see cref="IRemoteSession.OpenWriteAsync"/>, and completing the stream waits until the server has the bytes on its disk.</summary>
    Task<RemoteFileStream> OpenDurableWriteAsync(string path, long offset, CancellationToken cancellationToken);
}
