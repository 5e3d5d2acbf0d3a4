using System;
using System.Linq;
using System.Management.Automation;
using FtpTools.Core.Paths;
using FtpTools.Core.Transfers;
using FtpTools.Infrastructure;

namespace FtpTools.Commands;

/// <summary>Lists remote files and directories, like Get-ChildItem: wildcards, -Recurse, -Depth, name filters.</summary>
[Cmdlet(VerbsCommon.Get, "FtpItem", DefaultParameterSetName = PathSet)]
[OutputType(typeof(FtpToolsItem))]
public sealed class GetFtpItemCommand : FtpSessionCmdlet
{
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";

    /// <summary>Remote paths with wildcards; relative ones start at the session's current directory. Default: ".".</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ParameterSetName = PathSet)]
    [ItemPathTransformation(local: false)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(WildcardRemotePathCompleter))]
    public string[]? Path { get; set; }

    /// <summary>Remote paths taken as they are (no wildcards); binds FullName of piped items.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = LiteralPathSet)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(LiteralRemotePathCompleter))]
    public string[] LiteralPath { get; set; } = Array.Empty<string>();

    [Parameter]
    public SwitchParameter Recurse { get; set; }

    /// <summary>Levels to descend below the first; implies -Recurse.</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int Depth { get; set; }

    /// <summary>One wildcard on item names.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Filter { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Include { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Exclude { get; set; }

    /// <summary>Only files, and links that do not lead to a directory.</summary>
    [Parameter]
    public SwitchParameter File { get; set; }

    /// <summary>Only directories, and links that lead to one.</summary>
    [Parameter]
    public SwitchParameter Directory { get; set; }

    /// <summary>Descend through symbolic links to directories (each directory once; link chains are cut).</summary>
    [Parameter]
    public SwitchParameter FollowSymlink { get; set; }

    protected override void ProcessRecord()
    {
        var session = ResolveSession();
        var paths = ParameterSetName == LiteralPathSet
            ? LiteralPath.Select(Wildcard.EscapeLiteralPath).ToArray()
            : Path ?? new[] { "." };
        var options = new RemoteWalkOptions
        {
            Recurse = Recurse.IsPresent,
            Depth = MyInvocation.BoundParameters.ContainsKey(nameof(Depth)) ? Depth : null,
            Filter = Filter,
            Include = Include,
            Exclude = Exclude,
            FilesOnly = File.IsPresent,
            DirectoriesOnly = Directory.IsPresent,
            FollowSymbolicLinks = FollowSymlink.IsPresent,
        };

        // Made on the connection the first batch finds ready (a lost one is made again first); the walk stays on it.
        RemoteWalker? walker = null;

        // Pull one batch (one listing) at a time and write it from this thread before asking for the next,
        // so a downstream command can use the same session between batches without racing the walk.
        while (true)
        {
            RemoteWalkBatch? batch = null;
            var first = walker is null;
            if (!Run(
                    session,
                    paths,
                    async (_, cancellationToken) =>
                    {
                        // The first listing may run again on a new connection, with a walker of its own.
                        walker = first ? new RemoteWalker(session.Remote, paths, options) : walker!;
                        batch = await walker.NextBatchAsync(cancellationToken).ConfigureAwait(false);
                    },
                    repeatable: first)
                || batch is null)
            {
                return;
            }

            foreach (var error in batch.Errors)
            {
                WriteFailure(error.Exception, error.Path);
            }

            foreach (var entry in batch.Entries)
            {
                WriteObject(new FtpToolsItem(entry.Item, session));
            }
        }
    }
}
