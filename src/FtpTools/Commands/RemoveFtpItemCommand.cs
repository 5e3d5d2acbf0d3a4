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
public sealed class RemoveFtpItemCommand : RemotePathCmdlet
{
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

            var removed = Run(session, item.FullName, (_, cancellationToken) => RemoteTree.RemoveAsync(session.Remote, item, Recurse, cancellationToken));

            if (removed && PassThru)
            {
                WriteObject(new FtpToolsItem(item, session));
            }
        }
    }

    /// <summary>
    /// The items the paths name. A path without wildcards is the item itself (a directory, not its
    /// children); a wildcard path is every item it matches. Missing paths are reported.
    /// </summary>
    private List<RemoteItem> ResolveTargets(FtpToolsSession session)
    {
        var targets = new List<RemoteItem>();
        foreach (var path in Paths)
        {
            var full = RemotePath.Combine(session.CurrentDirectory, path);
            if (IsLiteral || !RemotePath.HasWildcards(path))
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
