using System;
using System.Collections.Generic;
using System.Management.Automation;
using FtpTools.Core;
using FtpTools.Core.Paths;
using FtpTools.Core.Transfers;
using FtpTools.Infrastructure;

namespace FtpTools.Commands;

/// <summary>
/// Computes checksums of remote files, shaped like Get-FileHash's output so a local copy can be compared with its
/// source. The server computes them when it has a checksum command for the algorithm (FTP HASH, XSHA256 and the
/// like); otherwise the file is read and hashed here without being stored, unless -ServerOnly forbids it.
/// Directories are skipped (a verbose message says so).
/// </summary>
[Cmdlet(VerbsCommon.Get, "FtpFileHash", DefaultParameterSetName = PathSet)]
[OutputType(typeof(RemoteFileHash))]
public sealed class GetFtpFileHashCommand : RemotePathCmdlet
{
    private const string Activity = "Get-FtpFileHash";

    /// <summary>SHA256 (the default), SHA1, SHA384, SHA512, MD5 or CRC32.</summary>
    [Parameter(Position = 1)]
    [ValidateSet("SHA256", "SHA1", "SHA384", "SHA512", "MD5", "CRC32", IgnoreCase = true)]
    public string Algorithm { get; set; } = "SHA256";

    /// <summary>Fail, instead of reading the file, when the server cannot compute the checksum itself.</summary>
    [Parameter]
    public SwitchParameter ServerOnly { get; set; }

    protected override void ProcessRecord()
    {
        var session = ResolveSession();
        var algorithm = RemoteFileHasher.Parse(Algorithm);
        foreach (var path in Paths)
        {
            // A -Path whose wildcard characters are all escaped names one item, as a -LiteralPath does.
            var literal = IsLiteral ? path : Wildcard.LiteralPathOf(path);
            var full = RemotePath.Combine(session.CurrentDirectory, literal ?? path);
            if (literal is not null)
            {
                Hash(session, full, listed: null, algorithm);
                continue;
            }

            IReadOnlyList<RemoteWalkEntry> entries = Array.Empty<RemoteWalkEntry>();
            IReadOnlyList<RemoteWalkError> errors = Array.Empty<RemoteWalkError>();
            if (!Run(session, path, async (_, cancellationToken) =>
                (entries, errors) = await RemoteWalker.CollectAsync(session.Remote, new[] { path }, null, cancellationToken).ConfigureAwait(false), repeatable: true))
            {
                continue;
            }

            foreach (var error in errors)
            {
                WriteFailure(error.Exception, error.Path);
            }

            foreach (var entry in entries)
            {
                Hash(session, entry.Item.FullName, entry.Item, algorithm);
            }
        }
    }

    private void Hash(FtpToolsSession session, string full, RemoteItem? listed, RemoteHashAlgorithm algorithm)
    {
        RemoteFileHash? hash = null;
        var progress = new FileProgress();
        var ok = Run(session, full, async (channel, cancellationToken) =>
        {
            progress.Channel = channel;
            hash = await (listed is null
                ? RemoteFileHasher.ComputeAsync(session.Remote, full, algorithm, ServerOnly, progress, cancellationToken)
                : RemoteFileHasher.ComputeAsync(session.Remote, listed, algorithm, ServerOnly, progress, cancellationToken)).ConfigureAwait(false);
        }, repeatable: true);

        if (progress.Shown)
        {
            WriteProgress(new ProgressRecord(TransferProgressReporter.FileActivityId, Activity, "Done") { RecordType = ProgressRecordType.Completed });
        }

        if (!ok)
        {
            return;
        }

        if (hash is null)
        {
            WriteVerbose($"Skipped '{full}': it is a directory, and only files have checksums.");
        }
        else
        {
            WriteObject(hash);
        }
    }

    /// <summary>One progress bar for a file that is read to be hashed (a server-side checksum reports nothing).</summary>
    private sealed class FileProgress : IProgress<TransferProgress>
    {
        public PipelineChannel? Channel { get; set; }

        public bool Shown { get; private set; }

        public void Report(TransferProgress value)
        {
            if (Channel is { } channel && value is not null)
            {
                Shown = true;
                channel.WriteProgress(TransferProgressReporter.FileUpdate(Activity, value, -1));
            }
        }
    }
}
