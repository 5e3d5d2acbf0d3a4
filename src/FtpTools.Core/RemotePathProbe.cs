using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Transfers;

namespace FtpTools.Core;

/// <summary>What <see cref="RemotePathProbe.ExistsAsync"/> asks for, as Test-Path's -PathType.</summary>
public enum RemotePathType
{
    /// <summary>Anything at the path.</summary>
    Any,

    /// <summary>Something that is not a directory: a file, or a link that does not lead to one.</summary>
    Leaf,

    /// <summary>A directory, or a link that leads to one.</summary>
    Container,
}

/// <summary>Whether a remote path exists (Test-FtpPath).</summary>
public static class RemotePathProbe
{
    /// <summary>
    /// True when something of <paramref name="type"/> is at <paramref name="path"/>; false when nothing is there or
    /// it is of the other kind. A refusal other than "not found" (permission denied on the parent, say) throws.
    /// </summary>
    public static async Task<bool> ExistsAsync(IRemoteSession session, string path, RemotePathType type, CancellationToken cancellationToken)
    {
        var item = await session.GetItemAsync(path, cancellationToken).ConfigureAwait(false);
        if (item is null || type == RemotePathType.Any)
        {
            return item is not null;
        }

        var container = item.Kind == RemoteItemKind.Directory
            || (item.Kind == RemoteItemKind.SymbolicLink && await TransferEngine.LeadsToDirectoryAsync(session, item.FullName, cancellationToken).ConfigureAwait(false));
        return container == (type == RemotePathType.Container);
    }
}
