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
    /// enter; a "false" there would keep a polling loop waiting for ever. So a path found missing has the directories
    /// on its way checked: one that is there but cannot be entered is a refusal. (SFTP says so itself.)
    /// </summary>
    private static async Task ThrowIfParentIsClosedAsync(IRemoteSession session, string path, CancellationToken cancellationToken)
    {
        if (await ClosedDirectoryOnTheWayAsync(session, path, includeSelf: false, cancellationToken).ConfigureAwait(false) is { } closed)
        {
            throw new Errors.CommandRefusedException(
                $"Cannot tell whether '{path}' exists: this account may not enter '{closed}'.",
                Errors.RemoteErrorKind.PermissionDenied,
                path: path);
        }
    }

    /// <summary>
    /// For a path a lookup did not find: the directory on its way (<paramref name="path"/> itself with
    /// <paramref name="includeSelf"/>) that is there but that this account may not enter, or null when there is none
    /// (the path is simply missing). Climbs to the nearest directory it may enter and looks in that one's listing for
    /// the next name down: vsftpd answers every question about a closed directory with 550. Meant for the way to an
    /// answer of "missing": a few round trips.
    /// </summary>
    internal static async Task<string?> ClosedDirectoryOnTheWayAsync(IRemoteSession session, string path, bool includeSelf, CancellationToken cancellationToken)
    {
        var directory = includeSelf ? path : Paths.RemotePath.GetDirectoryName(path);
        string? below = null;
        while (!await TransferEngine.LeadsToDirectoryAsync(session, directory, cancellationToken).ConfigureAwait(false))
        {
            var up = Paths.RemotePath.GetDirectoryName(directory);
            if (up == directory)
            {
                return null;
            }

            below = directory;
            directory = up;
        }

        if (below is null)
        {
            return null;
        }

        var name = Paths.RemotePath.GetFileName(below);
        try
        {
            var listing = await session.ListDirectoryAsync(directory, cancellationToken).ConfigureAwait(false);
            return System.Linq.Enumerable.Any(listing, i => i.Name == name && i.Kind is RemoteItemKind.Directory or RemoteItemKind.SymbolicLink) ? below : null;
        }
        catch (System.Exception e) when (e is Errors.CommandRefusedException or Errors.DataConnectionFailedException)
        {
            return null;
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
