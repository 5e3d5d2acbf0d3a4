using System;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;
using FtpTools.Core.Paths;

namespace FtpTools.Core.Transfers;

/// <summary>Removal and moves of remote items, the same on every protocol (Remove-FtpItem and Rename-FtpItem call this).</summary>
public static class RemoteTree
{
    /// <summary>
    /// Where a move of <paramref name="item"/> to the full path <paramref name="target"/> puts it: into
    /// <paramref name="target"/> when that is an existing directory, otherwise at that name. With
    /// <paramref name="intoDirectory"/> (a new name that ends in '/') the target must be an existing directory:
    /// otherwise items piped to "/archive/" would make the first of them a file named /archive, and with -Force each
    /// next one would replace it.
    /// </summary>
    public static async Task<string> MoveTargetAsync(IRemoteSession session, RemoteItem item, string target, bool intoDirectory, CancellationToken cancellationToken)
    {
        if (session is null || item is null || target is null)
        {
            throw new ArgumentNullException(session is null ? nameof(session) : item is null ? nameof(item) : nameof(target));
        }

        var there = await session.GetItemAsync(target, cancellationToken).ConfigureAwait(false);
        if (there?.Kind == RemoteItemKind.Directory && there.FullName != item.FullName)
        {
            return RemotePath.Combine(target, item.Name);
        }

        if (intoDirectory && there?.FullName == item.FullName && there.Kind == RemoteItemKind.Directory)
        {
            throw new TransferRefusedException($"Cannot move '{item.FullName}' into itself.", TransferRefusedReason.DestinationExists, target);
        }

        if (intoDirectory && there is not null)
        {
            throw new TransferRefusedException(
                $"Cannot move '{item.FullName}' into '{target}': it is not a directory.",
                TransferRefusedReason.DestinationDirectoryNotFound,
                target);
        }

        if (intoDirectory)
        {
            throw new TransferRefusedException(
                $"Cannot move '{item.FullName}' into '{target}': there is no such directory. Create it first (New-FtpDirectory -Force), or give the new name without a trailing '/'.",
                TransferRefusedReason.DestinationDirectoryNotFound,
                target);
        }

        return target;
    }

    /// <summary>How deep <see cref="RemoveAsync"/> descends; deeper is refused, since a server could nest without end.</summary>
    public const int MaxDepth = 256;

    /// <summary>
    /// Removes a file or link, or a directory. A non-empty directory is refused with
    /// <see cref="RemoteErrorKind.NotEmpty"/> unless <paramref name="recurse"/>; then its contents go first, depth
    /// first. Links inside are removed, never followed. An unsafe name in a listing ("..", "a/b") stops the removal
    /// before anything outside the tree could be touched. <paramref name="removedInside"/>, when given, is told of
    /// each item inside the directory once it is gone, in the order they go (children before their directory); the
    /// item itself is the caller's to report.
    /// </summary>
    public static async Task RemoveAsync(IRemoteSession session, RemoteItem item, bool recurse, CancellationToken cancellationToken, Action<RemoteItem>? removedInside = null)
    {
        if (item.Kind != RemoteItemKind.Directory)
        {
            await session.RemoveFileAsync(item.FullName, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (recurse)
        {
            await RemoveTreeAsync(session, item.FullName, 0, cancellationToken, removedInside).ConfigureAwait(false);
            return;
        }

        var children = await session.ListDirectoryAsync(item.FullName, cancellationToken).ConfigureAwait(false);
        if (children.Count > 0)
        {
            throw new CommandRefusedException(
                $"The directory '{item.FullName}' is not empty. Use -Recurse to remove it with everything in it.",
                RemoteErrorKind.NotEmpty,
                path: item.FullName);
        }

        await session.RemoveDirectoryAsync(item.FullName, cancellationToken).ConfigureAwait(false);
    }

    private static async Task RemoveTreeAsync(IRemoteSession session, string directory, int depth, CancellationToken cancellationToken, Action<RemoteItem>? removed)
    {
        if (depth >= MaxDepth)
        {
            throw new CommandRefusedException($"'{directory}' is nested more than {MaxDepth} levels deep; not removing it.", RemoteErrorKind.Failure, path: directory);
        }

        foreach (var child in await session.ListDirectoryAsync(directory, cancellationToken).ConfigureAwait(false))
        {
            if (!RemotePath.IsSafeEntryName(child.Name))
            {
                throw new CommandRefusedException($"The server listed an unsafe name '{child.Name}' in '{directory}'; not removing it.", RemoteErrorKind.Failure, path: directory);
            }

            var path = RemotePath.Combine(directory, child.Name);
            if (child.Kind == RemoteItemKind.Directory)
            {
                await RemoveTreeAsync(session, path, depth + 1, cancellationToken, removed).ConfigureAwait(false);
            }
            else
            {
                await session.RemoveFileAsync(path, cancellationToken).ConfigureAwait(false);
            }

            removed?.Invoke(child);
        }

        await session.RemoveDirectoryAsync(directory, cancellationToken).ConfigureAwait(false);
    }
}
