using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using FtpTools.Core.Paths;
using FtpTools.Core.Transfers;
using FtpTools.Infrastructure;

namespace FtpTools.Commands;

/// <summary>
/// Downloads remote files. Each file is written under a temporary name next to its destination and renamed
/// when complete; one transfer result per file is the output.
/// </summary>
[Cmdlet(VerbsCommunications.Receive, "FtpFile", DefaultParameterSetName = PathSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(TransferResult))]
public sealed class ReceiveFtpFileCommand : RemotePathCmdlet
{
    /// <summary>Local directory (or file name, for one file). Relative to PowerShell's current location. Default: the current location.</summary>
    [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Destination { get; set; } = ".";

    /// <summary>Download directories and everything below them.</summary>
    [Parameter]
    public SwitchParameter Recurse { get; set; }

    /// <summary>Only names matching one of these wildcards.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Include { get; set; }

    /// <summary>Not names matching any of these wildcards.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Exclude { get; set; }

    /// <summary>Overwrite existing local files.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Continue partial downloads; keep the partial file when a transfer fails.</summary>
    [Parameter]
    public SwitchParameter Resume { get; set; }

    /// <summary>Leave local files with the time of the download instead of the remote last write time.</summary>
    [Parameter]
    public SwitchParameter NoPreserveTimestamp { get; set; }

    /// <summary>
    /// Rename each file into place without first waiting for its bytes to reach the disk: faster, but a power loss or
    /// crash soon after can leave a short file under its final name.
    /// </summary>
    [Parameter]
    public SwitchParameter NoFlush { get; set; }

    /// <summary>
    /// Download only files that are missing locally, differ in length, or are newer than the local file; leave the
    /// others (Status Skipped). An older local file is replaced without -Force.
    /// </summary>
    [Parameter]
    public SwitchParameter NewerOnly { get; set; }

    /// <summary>
    /// Remove each remote file from the server once its download is complete and on the local disk under its final
    /// name (a move). Files that fail, are skipped, or whose local copy was found complete already (-Resume) stay on
    /// the server; directories are never removed. Not with -NoFlush.
    /// </summary>
    [Parameter]
    public SwitchParameter RemoveSource { get; set; }

    protected override void BeginProcessing()
    {
        if (RemoveSource.IsPresent && NoFlush.IsPresent)
        {
            Fail(
                "InvalidArgument",
                ErrorCategory.InvalidArgument,
                "-RemoveSource cannot be used with -NoFlush: a remote file is only removed once its copy is on the local disk.",
                null);
        }

        // -Session named on the command line: piped items cannot bind theirs (see ProcessRecord).
        _sessionNamed = MyInvocation.BoundParameters.ContainsKey(nameof(Session));
        base.BeginProcessing();
    }

    private bool _sessionNamed;

    protected override void ProcessRecord()
    {
        var session = ResolveSession();
        var inputs = Paths;
        var walkPaths = IsLiteral ? inputs.Select(Wildcard.EscapeLiteralPath).ToArray() : inputs;
        var destination = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Destination, out var provider, out _);
        if (!IsFileSystem(provider, Destination))
        {
            return;
        }

        var pattern = !IsLiteral && inputs.Any(p => Wildcard.LiteralPathOf(p) is null);
        if ((MyInvocation.ExpectingInput || pattern) && !destination.EndsWith(System.IO.Path.DirectorySeparatorChar.ToString(), StringComparison.Ordinal))
        {
            // Piped input is a stream of single files, and a wildcard matches as many files as are there that day:
            // the destination is a directory (made when missing), never a new file name.
            destination += System.IO.Path.DirectorySeparatorChar;
        }

        IReadOnlyList<RemoteWalkEntry> entries = Array.Empty<RemoteWalkEntry>();
        IReadOnlyList<RemoteWalkError> errors = Array.Empty<RemoteWalkError>();
        // A piped directory item (from Get-FtpItem -Recurse without -File) is not listed: its files come down the
        // pipeline too, and would be downloaded twice.
        // Items from Get-FtpItem bind their Session; piped strings and CSV rows do not, and a directory they name gives
        // its files as one named on the command line does. With -Session on the command line the two cannot be told
        // apart, and a piped directory is refused either way.
        var pipedItem = MyInvocation.ExpectingInput && (_sessionNamed || MyInvocation.BoundParameters.ContainsKey(nameof(Session)));
        var walkOptions = new RemoteWalkOptions { Recurse = Recurse.IsPresent, Include = Include, Exclude = Exclude, RefuseNamedDirectories = pipedItem };
        if (!Run(session, inputs, async (_, cancellationToken) =>
            (entries, errors) = await RemoteWalker.CollectAsync(session.Remote, walkPaths, walkOptions, cancellationToken).ConfigureAwait(false), repeatable: true))
        {
            return;
        }

        foreach (var error in errors)
        {
            WriteFailure(error.Exception, error.Path);
        }

        var plan = TransferPlanner.PlanDownloads(entries, destination, Recurse.IsPresent);
        var options = new TransferOptions
        {
            Overwrite = Force.IsPresent,
            Resume = Resume.IsPresent,
            PreserveTimestamp = !NoPreserveTimestamp.IsPresent,
            FlushToDisk = !NoFlush.IsPresent,
            NewerOnly = NewerOnly.IsPresent,
            RemoveSource = RemoveSource.IsPresent,
        };
        ExecutePlan(session, plan, TransferDirection.Download, options, "Receive-FtpFile");
    }
}
