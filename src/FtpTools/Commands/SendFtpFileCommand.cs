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
/// Uploads local files. Each file is written under a temporary name next to its destination and renamed
/// when complete; one transfer result per file is the output.
/// </summary>
[Cmdlet(VerbsCommunications.Send, "FtpFile", DefaultParameterSetName = PathSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(TransferResult))]
public sealed class SendFtpFileCommand : FtpSessionCmdlet
{
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";

    private readonly BatchProgress _progress = new("Send-FtpFile");
    private readonly HashSet<string> _ensuredDirectories = new(StringComparer.Ordinal);

    /// <summary>Local paths with wildcards, relative to PowerShell's current location.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = PathSet)]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>Local paths taken as they are; binds PSPath/FullName of Get-ChildItem output.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = LiteralPathSet)]
    [Alias("PSPath", "FullName", "LP")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = Array.Empty<string>();

    /// <summary>Remote directory (or file name, for one file given by name). Default: the session's current directory.</summary>
    [Parameter(Position = 1)]
    [ValidateNotNullOrEmpty]
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

    protected override void ProcessRecord()
    {
        var session = ResolveSession();
        var sources = ResolveSources(out var namedOneFile);
        if (sources.Count == 0)
        {
            return;
        }

        var destination = RemotePath.Combine(session.CurrentDirectory, Destination);
        RemoteItem? existing = null;
        if (!Run(session, Destination, async (_, cancellationToken) =>
            existing = await session.Remote.GetItemAsync(destination, cancellationToken).ConfigureAwait(false)))
        {
            return;
        }

        // One file named on the command line goes to exactly the destination name unless that is a directory.
        // Piped input is a stream of single files, so there the destination is always a directory.
        var toFileName = namedOneFile
            && !MyInvocation.ExpectingInput
            && !Destination.EndsWith("/", StringComparison.Ordinal)
            && existing?.Kind != RemoteItemKind.Directory;
        if (!toFileName && existing is not null && existing.Kind != RemoteItemKind.Directory)
        {
            Report("DestinationNotDirectory", ErrorCategory.InvalidArgument, $"The remote destination '{destination}' exists and is not a directory.", destination);
            return;
        }

        var options = new TransferOptions { Overwrite = Force.IsPresent, Resume = Resume.IsPresent, PreserveTimestamp = PreserveTimestamp.IsPresent };
        var approved = new List<(string Local, string Remote, long Length)>();
        foreach (var (local, relative, length) in sources)
        {
            var remote = toFileName ? destination : RemotePath.Combine(destination, relative);
            if (ShouldProcess($"{local} -> {remote}", "Upload"))
            {
                approved.Add((local, remote, length));
            }
        }

        _progress.Plan(approved.Count, approved.Sum(f => f.Length));
        foreach (var (local, remote, length) in approved)
        {
            TransferResult? result = null;
            var parent = RemotePath.GetDirectoryName(remote);
            Run(session, local, async (channel, cancellationToken) =>
            {
                if (!toFileName && _ensuredDirectories.Add(parent))
                {
                    await TransferEngine.EnsureRemoteDirectoryAsync(session.Remote, parent, cancellationToken).ConfigureAwait(false);
                }

                result = await TransferEngine.UploadFileAsync(session.Remote, local, remote, options, _progress.ForFile(channel), cancellationToken)
                    .ConfigureAwait(false);
                _progress.Finish(length, result.BytesTransferred);
            });
            if (result is not null)
            {
                WriteTransferResult(result);
            }
            else
            {
                // Creating the directory failed (already reported); let it be tried again for the next file.
                _ensuredDirectories.Remove(parent);
            }
        }
    }

    protected override void EndProcessing() => CompleteProgress(_progress);

    /// <summary>
    /// Local files to send with their '/'-separated path relative to the destination: a file's own name, or
    /// for a directory with -Recurse, the directory's name and the path below it. Reports missing paths and
    /// directories without -Recurse as non-terminating errors.
    /// </summary>
    private List<(string Local, string Relative, long Length)> ResolveSources(out bool namedOneFile)
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

        var sources = new List<(string, string, long)>();
        foreach (var full in resolved)
        {
            if (File.Exists(full))
            {
                sources.Add((full, System.IO.Path.GetFileName(full), new FileInfo(full).Length));
            }
            else if (!Recurse)
            {
                Report("SourceIsDirectory", ErrorCategory.InvalidArgument, $"'{full}' is a directory. Use -Recurse to send a directory and everything in it.", full);
            }
            else
            {
                var root = new DirectoryInfo(full);
                AddTree(root, root.Name, sources);
            }
        }

        namedOneFile = resolved.Count == 1 && sources.Count == 1 && File.Exists(resolved[0])
            && (literal || !WildcardPattern.ContainsWildcardCharacters(Path[0]));
        return sources;
    }

    /// <summary>Files below <paramref name="directory"/>, depth first. Links to directories are not entered (no loops).</summary>
    private static void AddTree(DirectoryInfo directory, string relative, List<(string, string, long)> sources)
    {
        foreach (var file in directory.EnumerateFiles())
        {
            sources.Add((file.FullName, relative + "/" + file.Name, file.Length));
        }

        foreach (var child in directory.EnumerateDirectories())
        {
            if ((child.Attributes & FileAttributes.ReparsePoint) == 0)
            {
                AddTree(child, relative + "/" + child.Name, sources);
            }
        }
    }

    private bool IsFileSystem(ProviderInfo provider, string path)
    {
        if (provider.Name == "FileSystem")
        {
            return true;
        }

        Report("NotFileSystem", ErrorCategory.InvalidArgument, $"'{path}' is not a file system path (provider {provider.Name}).", path);
        return false;
    }
}
