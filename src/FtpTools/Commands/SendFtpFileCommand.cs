using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using FtpTools.Core.Transfers;
using FtpTools.Infrastructure;

namespace FtpTools.Commands;

/// <summary>
/// Uploads local files. Each file is written under a temporary name next to its destination and renamed
/// when complete; one transfer result per file is the output.
/// </summary>
[Cmdlet(VerbsCommunications.Send, "FtpFile", DefaultParameterSetName = PathSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(TransferResult))]
public sealed class SendFtpFileCommand : FtpSessionCmdlet
{
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";

    /// <summary>Local paths with wildcards, relative to PowerShell's current location.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = PathSet)]
    [ItemPathTransformation(local: true)]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>Local paths taken as they are; binds PSPath/FullName of Get-ChildItem output.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = LiteralPathSet)]
    [Alias("PSPath", "FullName", "LP")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = Array.Empty<string>();

    /// <summary>Remote directory (or file name, for one file given by name). Default: the session's current directory.</summary>
    [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(RemoteDirectoryCompleter))]
    public string Destination { get; set; } = ".";

    /// <summary>Upload directories and everything below them.</summary>
    [Parameter]
    public SwitchParameter Recurse { get; set; }

    /// <summary>Overwrite existing remote files.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Continue partial uploads; keep the partial remote file when a transfer fails.</summary>
    [Parameter]
    public SwitchParameter Resume { get; set; }

    /// <summary>Set the remote last write time to the local one (a warning when the server cannot).</summary>
    [Parameter]
    public SwitchParameter PreserveTimestamp { get; set; }

    /// <summary>
    /// Upload only files that are missing on the server, differ in length, or are newer than the remote file; leave
    /// the others (Status Skipped). An older remote file is replaced without -Force.
    /// </summary>
    [Parameter]
    public SwitchParameter NewerOnly { get; set; }

    /// <summary>
    /// Delete each local file once the server has it complete under its final name (a move). Files that fail, are
    /// skipped, changed while they were sent, or were found complete on the server already (-Resume) are kept;
    /// directories are never removed.
    /// </summary>
    [Parameter]
    public SwitchParameter RemoveSource { get; set; }

    protected override void ProcessRecord()
    {
        var session = ResolveSession();
        var sources = ResolveSources();
        if (sources.Count == 0)
        {
            return;
        }

        // Piped input is a stream of single files, and a wildcard matches as many files as are there that day: the
        // destination is a directory (made when missing), never a new file name.
        var pattern = ParameterSetName != LiteralPathSet && Path.Any(WildcardPattern.ContainsWildcardCharacters);
        var destination = (MyInvocation.ExpectingInput || pattern) && !Destination.EndsWith("/", StringComparison.Ordinal) ? Destination + "/" : Destination;
        TransferPlan? plan = null;
        if (!Run(session, Destination, async (_, cancellationToken) =>
            plan = await TransferPlanner.PlanUploadsAsync(session.Remote, sources, Recurse.IsPresent, destination, cancellationToken).ConfigureAwait(false), repeatable: true))
        {
            return;
        }

        var options = new TransferOptions
        {
            Overwrite = Force.IsPresent,
            Resume = Resume.IsPresent,
            PreserveTimestamp = PreserveTimestamp.IsPresent,
            NewerOnly = NewerOnly.IsPresent,
            RemoveSource = RemoveSource.IsPresent,
        };
        ExecutePlan(session, plan!, TransferDirection.Upload, options, "Send-FtpFile");
    }

    /// <summary>
    /// Local paths (files or directories) from -Path (wildcards resolved by PowerShell) or -LiteralPath,
    /// against PowerShell's current location. Missing and non-file-system paths are reported.
    /// </summary>
    private List<string> ResolveSources()
    {
        var literal = ParameterSetName == LiteralPathSet;
        var resolved = new List<string>();
        foreach (var path in literal ? LiteralPath : Path)
        {
            try
            {
                if (literal)
                {
                    var full = SessionState.Path.GetUnresolvedProviderPathFromPSPath(path, out var provider, out _);
                    if (!IsFileSystem(provider, path))
                    {
                        continue;
                    }

                    if (!File.Exists(full) && !System.IO.Directory.Exists(full))
                    {
                        Report("LocalNotFound", ErrorCategory.ObjectNotFound, $"Cannot find path '{full}' because it does not exist.", path);
                        continue;
                    }

                    resolved.Add(full);
                }
                else
                {
                    var matches = SessionState.Path.GetResolvedProviderPathFromPSPath(path, out var provider);
                    if (IsFileSystem(provider, path))
                    {
                        resolved.AddRange(matches);
                    }
                }
            }
            catch (ItemNotFoundException ex)
            {
                WriteError(new ErrorRecord(ex, ErrorMapping.Prefix + "LocalNotFound", ErrorCategory.ObjectNotFound, path));
            }
        }

        return resolved;
    }
}
