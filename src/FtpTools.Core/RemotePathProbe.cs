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
        if (item is null)
        {
            await ThrowIfParentIsClosedAsync(session, path, cancellationToken).ConfigureAwait(false);
            return false;
        }

        if (type == RemotePathType.Any)
        {
            return true;
        }

        return await IsOfTypeAsync(session, item, type, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// True when something of <paramref name="type"/> matches <paramref name="pattern"/> (relative to the session's
    /// current directory), whose * and ? are wildcards (brackets and backticks are taken as they are), as Test-Path
    /// answers for a path with wildcards. A name that is literally there answers alone. A refusal other than "not
    /// found" throws.
    /// </summary>
    public static async Task<bool> AnyMatchesAsync(IRemoteSession session, string pattern, RemotePathType type, CancellationToken cancellationToken)
    {
        if (session is null)
        {
            throw new System.ArgumentNullException(nameof(session));
        }

        if (pattern is null)
        {
            throw new System.ArgumentNullException(nameof(pattern));
        }

        RemoteItem? literal = null;
        try
        {
            literal = await session.GetItemAsync(Paths.RemotePath.Combine(session.CurrentDirectory, pattern), cancellationToken).ConfigureAwait(false);
        }
        catch (Errors.CommandRefusedException)
        {
            // A server may refuse a name with * in it outright: the pattern answers.
        }

        if (literal is not null)
        {
            return await IsOfTypeAsync(session, literal, type, cancellationToken).ConfigureAwait(false);
        }

        // Only * and ? match: the walker's other pattern characters are escaped.
        var escaped = pattern.Replace("`", "``").Replace("[", "`[").Replace("]", "`]");
        var (entries, errors) = await RemoteWalker.CollectAsync(session, new[] { escaped }, null, cancellationToken).ConfigureAwait(false);
        foreach (var entry in entries)
        {
            if (await IsOfTypeAsync(session, entry.Item, type, cancellationToken).ConfigureAwait(false))
            {
                return true;
            }
        }

        foreach (var error in errors)
        {
            // A directory this account may not list shows it nothing either: false, as for a missing one.
            if (error.Exception is not (Errors.TransferRefusedException { Reason: Errors.TransferRefusedReason.SourceNotFound } or Errors.CommandRefusedException { Kind: Errors.RemoteErrorKind.NotFound or Errors.RemoteErrorKind.PermissionDenied }))
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(error.Exception).Throw();
            }
        }

        return false;
    }

    /// <summary>
    /// An FTP server says "not found" (550) alike for a missing file and for one in a directory this account may not
    /// enter; a "false" there would keep a polling loop waiting for ever. So a path found missing has its parent
    /// checked: one that is there but cannot be entered is a refusal. (SFTP says so itself.)
    /// </summary>
    private static async Task ThrowIfParentIsClosedAsync(IRemoteSession session, string path, CancellationToken cancellationToken)
    {
        var parent = Paths.RemotePath.GetDirectoryName(path);
        if (parent == path || await TransferEngine.LeadsToDirectoryAsync(session, parent, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        // Listed by its own parent: a single item's lookup cannot tell either (vsftpd answers it with 550s too).
        var grandparent = Paths.RemotePath.GetDirectoryName(parent);
        var name = Paths.RemotePath.GetFileName(parent);
        System.Collections.Generic.IReadOnlyList<RemoteItem> siblings;
        try
        {
            siblings = grandparent == parent ? System.Array.Empty<RemoteItem>() : await session.ListDirectoryAsync(grandparent, cancellationToken).ConfigureAwait(false);
        }
        catch (Errors.CommandRefusedException)
        {
            return;
        }

        if (System.Linq.Enumerable.Any(siblings, s => s.Name == name && s.Kind == RemoteItemKind.Directory))
        {
            throw new Errors.CommandRefusedException(
                $"Cannot tell whether '{path}' exists: this account may not enter '{parent}'.",
                Errors.RemoteErrorKind.PermissionDenied,
                path: path);
        }
    }

    private static async Task<bool> IsOfTypeAsync(IRemoteSession session, RemoteItem item, RemotePathType type, CancellationToken cancellationToken)
    {
        if (type == RemotePathType.Any)
        {
            return true;
        }

        var container = item.Kind == RemoteItemKind.Directory
            || (item.Kind == RemoteItemKind.SymbolicLink && await TransferEngine.LeadsToDirectoryAsync(session, item.FullName, cancellationToken).ConfigureAwait(false));
        return container == (type == RemotePathType.Container);
    }
}
