using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using FtpTools.Core;
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
public sealed class ReceiveFtpFileCommand : FtpSessionCmdlet
{
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";

    private readonly BatchProgress _progress = new("Receive-FtpFile");

    /// <summary>Remote paths with wildcards.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = PathSet)]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>Remote paths taken as they are; binds FullName of items from Get-FtpItem.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = LiteralPathSet)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = Array.Empty<string>();

    /// <summary>Local directory (or file name, for one file). Relative to PowerShell's current location. Default: the current location.</summary>
    [Parameter(Position = 1)]
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

    protected override void ProcessRecord()
    {
        var session = ResolveSession();
        var literal = ParameterSetName == LiteralPathSet;
        var inputs = literal ? LiteralPath : Path;
        var walkPaths = literal ? inputs.Select(RemotePathPattern.EscapeLiteral).ToArray() : inputs;
        var destination = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Destination);

        IReadOnlyList<RemoteWalkEntry> entries = Array.Empty<RemoteWalkEntry>();
        IReadOnlyList<RemoteWalkError> errors = Array.Empty<RemoteWalkError>();
        var walkOptions = new RemoteWalkOptions { Recurse = Recurse.IsPresent, Include = Include, Exclude = Exclude };
        if (!Run(session, inputs, async (_, cancellationToken) =>
            (entries, errors) = await RemoteWalker.CollectAsync(session.Remote, walkPaths, walkOptions, cancellationToken).ConfigureAwait(false)))
        {
            return;
        }

        foreach (var error in errors)
        {
            WriteFailure(error.Exception, error.Path);
        }

        var plan = Plan(inputs, entries, destination);
        if (plan.Count == 0)
        {
            return;
        }

        var transferOptions = new TransferOptions
        {
            Overwrite = Force.IsPresent,
            Resume = Resume.IsPresent,
            PreserveTimestamp = !NoPreserveTimestamp.IsPresent,
        };

        var approved = new List<(string Remote, string Local, long Length)>();
        foreach (var file in plan)
        {
            if (file.Failure is not null)
            {
                WriteFailure(file.Failure, file.Remote);
            }
            else if (ShouldProcess($"{file.Remote} -> {file.Local}", "Download"))
            {
                approved.Add((file.Remote, file.Local!, file.Length));
            }
        }

        _progress.Plan(approved.Count, approved.Sum(f => f.Length));
        foreach (var (remote, local, length) in approved)
        {
            TransferResult? result = null;
            Run(session, remote, async (channel, cancellationToken) =>
            {
                result = await TransferEngine.DownloadFileAsync(session.Remote, remote, local, transferOptions, _progress.ForFile(channel), cancellationToken)
                    .ConfigureAwait(false);
                _progress.Finish(length, result.BytesTransferred);
            });
            if (result is not null)
            {
                WriteTransferResult(result);
            }
        }
    }

    protected override void EndProcessing() => CompleteProgress(_progress);

    /// <summary>
    /// Where each remote file goes. One plain path naming a file, given on the command line (piped input is a
    /// stream of single files), with a destination that is not an existing directory (and does not end in a
    /// separator), is downloaded to exactly that file name; everything else
    /// lands under the destination directory at its path relative to the walk's base, through
    /// <see cref="LocalPathMapper"/> so no server-chosen name can escape it.
    /// </summary>
    private List<PlannedFile> Plan(string[] inputs, IReadOnlyList<RemoteWalkEntry> entries, string destination)
    {
        var files = entries.Where(e => e.Item.Kind != RemoteItemKind.Directory).ToList();
        var plan = new List<PlannedFile>(files.Count);
        var destinationIsDirectory = System.IO.Directory.Exists(destination)
            || destination.EndsWith("/", StringComparison.Ordinal)
            || destination.EndsWith("\\", StringComparison.Ordinal);
        if (!destinationIsDirectory
            && !MyInvocation.ExpectingInput
            && inputs.Length == 1
            && files.Count == 1
            && entries.Count == 1
            && files[0].Depth == 0
            && (ParameterSetName == LiteralPathSet || !RemotePath.HasWildcards(inputs[0])))
        {
            plan.Add(new PlannedFile(files[0].Item.FullName, destination, files[0].Item.Length ?? 0, null));
            return plan;
        }

        foreach (var entry in files)
        {
            try
            {
                plan.Add(new PlannedFile(entry.Item.FullName, LocalPathMapper.MapUnder(destination, entry.RelativePath), entry.Item.Length ?? 0, null));
            }
            catch (Core.Errors.TransferRefusedException refused)
            {
                plan.Add(new PlannedFile(entry.Item.FullName, null, 0, refused));
            }
        }

        return plan;
    }

    private sealed record PlannedFile(string Remote, string? Local, long Length, Exception? Failure);
}
