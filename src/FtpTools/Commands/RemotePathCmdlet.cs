using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System;
using FtpTools.Core.Errors;
using FtpTools.Core.Paths;
using FtpTools.Core.Transfers;
using FtpTools.Core;
using FtpTools.Infrastructure;

namespace FtpTools.Commands;

/// <summary>
/// Base of the session cmdlets that take remote paths the same way (Receive-FtpFile, Remove-FtpItem, Set-FtpItem and
/// Get-FtpFileHash): a mandatory
/// -Path (wildcards, position 0, from the pipeline) or -LiteralPath (taken as it is, bound from FullName of
/// Get-FtpItem output), in the parameter sets <see cref="PathSet"/> and <see cref="LiteralPathSet"/>.
/// </summary>
public abstract class RemotePathCmdlet : FtpSessionCmdlet
{
    protected const string PathSet = "Path";
    protected const string LiteralPathSet = "LiteralPath";

    /// <summary>Remote paths with wildcards.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = PathSet)]
    [ItemPathTransformation(local: false)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(WildcardRemotePathCompleter))]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>Remote paths taken as they are; binds FullName of items from Get-FtpItem.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = LiteralPathSet)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(LiteralRemotePathCompleter))]
    public string[] LiteralPath { get; set; } = Array.Empty<string>();

    /// <summary>True when the paths came as -LiteralPath.</summary>
    internal bool IsLiteral => ParameterSetName == LiteralPathSet;

    /// <summary>The paths of whichever parameter set was bound.</summary>
    internal string[] Paths => IsLiteral ? LiteralPath : Path;

    /// <summary>
    /// The items the paths name. A path without wildcards is the item itself (a directory, not its
    /// children); a wildcard path is every item it matches. Missing paths are reported.
    /// </summary>
    internal List<RemoteItem> ResolveItems(FtpToolsSession session)
    {
        var targets = new List<RemoteItem>();
        foreach (var path in Paths)
        {
            // A -Path whose wildcard characters are all escaped names one item, as a -LiteralPath does.
            var literal = IsLiteral ? path : Wildcard.LiteralPathOf(path);
            var full = RemotePath.Combine(session.CurrentDirectory, literal ?? path);
            if (literal is not null)
            {
                RemoteItem? item = null;
                if (Run(session, full, async (_, cancellationToken) => item = await session.Remote.GetItemAsync(full, cancellationToken).ConfigureAwait(false), repeatable: true))
                {
                    if (item is null)
                    {
                        WriteFailure(new TransferRefusedException($"Cannot find remote path '{full}' because it does not exist.", TransferRefusedReason.SourceNotFound, full), full);
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
                (entries, errors) = await RemoteWalker.CollectAsync(session.Remote, new[] { path }, null, cancellationToken).ConfigureAwait(false), repeatable: true))
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
