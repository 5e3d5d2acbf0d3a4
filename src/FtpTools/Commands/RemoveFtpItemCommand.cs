using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core;
using FtpTools.Core.Errors;
using FtpTools.Core.Paths;
using FtpTools.Core.Transfers;
using FtpTools.Infrastructure;

namespace FtpTools.Commands;

/// <summary>
/// Removes remote files, links and directories. A non-empty directory needs -Recurse; without it the
/// directory is reported as an error rather than prompted for, so unattended scripts never hang.
/// </summary>
[Cmdlet(VerbsCommon.Remove, "FtpItem", DefaultParameterSetName = PathSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(FtpToolsItem))]
public sealed class RemoveFtpItemCommand : FtpSessionCmdlet
{
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";

    /// <summary>How deep a directory tree -Recurse removes; a deeper one is refused (a server could nest without end).</summary>
    internal const int MaxTreeDepth = 256;

    /// <summary>Remote paths with wildcards.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = PathSet)]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>Remote paths taken as they are; binds FullName of items from Get-FtpItem.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = LiteralPathSet)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = Array.Empty<string>();

    /// <summary>Remove directories with everything in them.</summary>
    [Parameter]
    public SwitchParameter Recurse { get; set; }

    /// <summary>Write each removed item to the pipeline (for logs of unattended runs).</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var session = ResolveSession();
        foreach (var item in ResolveTargets(session))
        {
            if (!ShouldProcess(item.FullName, item.IsDirectory ? "Remove directory" : "Remove file"))
            {
                continue;
            }

            var removed = Run(session, item.FullName, async (_, cancellationToken) =>
            {
                if (!item.IsDirectory)
                {
                    await session.Remote.RemoveFileAsync(item.FullName, cancellationToken).ConfigureAwait(false);
                }
                else if (Recurse)
                {
                    await RemoveTreeAsync(session.Remote, item.FullName, 0, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    var children = await session.Remote.ListDirectoryAsync(item.FullName, cancellationToken).ConfigureAwait(false);
                    if (children.Count > 0)
                    {
                        throw new CommandRefusedException(
                            $"The directory '{item.FullName}' is not empty. Use -Recurse to remove it with everything in it.",
                            RemoteErrorKind.NotEmpty,
                            path: item.FullName);
                    }

                    await session.Remote.RemoveDirectoryAsync(item.FullName, cancellationToken).ConfigureAwait(false);
                }
            });

            if (removed && PassThru)
            {
                WriteObject(new FtpToolsItem(item, session));
            }
        }
    }

    /// <summary>Removes a directory's contents depth first, then the directory. Links are removed, never followed.</summary>
    internal static async Task RemoveTreeAsync(IRemoteSession remote, string directory, int depth, CancellationToken cancellationToken)
    {
        if (depth >= MaxTreeDepth)
        {
            throw new CommandRefusedException($"'{directory}' is nested more than {MaxTreeDepth} levels deep; not removing it.", RemoteErrorKind.Failure, path: directory);
        }

        foreach (var child in await remote.ListDirectoryAsync(directory, cancellationToken).ConfigureAwait(false))
        {
            if (!RemotePath.IsSafeEntryName(child.Name))
            {
                // A listing entry like ".." or "a/b" would make us delete outside the tree.
                throw new CommandRefusedException($"The server listed an unsafe name '{child.Name}' in '{directory}'; not removing it.", RemoteErrorKind.Failure, path: directory);
            }

            var path = RemotePath.Combine(directory, child.Name);
            if (child.Kind == RemoteItemKind.Directory)
            {
                await RemoveTreeAsync(remote, path, depth + 1, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await remote.RemoveFileAsync(path, cancellationToken).ConfigureAwait(false);
            }
        }

        await remote.RemoveDirectoryAsync(directory, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The items the paths name. A path without wildcards is the item itself (a directory, not its
    /// children); a wildcard path is every item it matches. Missing paths are reported.
    /// </summary>
    private List<RemoteItem> ResolveTargets(FtpToolsSession session)
    {
        var literal = ParameterSetName == LiteralPathSet;
        var targets = new List<RemoteItem>();
        foreach (var path in literal ? LiteralPath : Path)
        {
            var full = RemotePath.Combine(session.CurrentDirectory, path);
            if (literal || !RemotePath.HasWildcards(path))
            {
                RemoteItem? item = null;
                if (Run(session, full, async (_, cancellationToken) => item = await session.Remote.GetItemAsync(full, cancellationToken).ConfigureAwait(false)))
                {
                    if (item is null)
                    {
                        WriteFailure(new TransferRefusedException($"Cannot find remote path '{full}' because it does not exist.", TransferRefusedReason.SourceNotFound, full), full);
                    }
                    else if (full == "/")
                    {
                        Report("RefuseRoot", ErrorCategory.InvalidOperation, "Removing the root directory '/' is refused.", full);
                    }
                    else
                    {
                        targets.Add(item);
                    }
                }

                continue;
            }

            IReadOnlyList<RemoteWalkEntry> entries = Array.Empty<RemoteWalkEntry>();
            IReadOnlyList<RemoteWalkError> errors = Array.Empty<RemoteWalkError>();
            if (Run(session, path, async (_, cancellationToken) =>
                (entries, errors) = await RemoteWalker.CollectAsync(session.Remote, new[] { path }, null, cancellationToken).ConfigureAwait(false)))
            {
                foreach (var error in errors)
                {
                    WriteFailure(error.Exception, error.Path);
                }

                targets.AddRange(entries.Select(e => e.Item));
            }
        }

        return targets;
    }
}
