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
