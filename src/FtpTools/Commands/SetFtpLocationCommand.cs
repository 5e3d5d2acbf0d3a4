using System.Management.Automation;
using FtpTools.Core.Paths;
using FtpTools.Infrastructure;

namespace FtpTools.Commands;

/// <summary>
/// Sets the session's current directory, the one relative paths of every other cmdlet start at, as Set-Location does
/// for the local one. The server is asked (CWD, or SSH_FXP_REALPATH and a stat), so a missing directory or a file is
/// an error and the current directory stays as it was.
/// </summary>
[Cmdlet(VerbsCommon.Set, "FtpLocation", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(string))]
public sealed class SetFtpLocationCommand : FtpSessionCmdlet
{
    /// <summary>The new current directory: absolute, or relative to the current one ("..", "sub/dir").</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(RemoteDirectoryCompleter))]
    public string Path { get; set; } = "";

    /// <summary>Writes the new current directory.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var session = ResolveSession();
        var full = RemotePath.Combine(session.CurrentDirectory, Path);
        if (!ShouldProcess(session.ToString(), $"Change the current directory from {session.CurrentDirectory} to {full}"))
        {
            return;
        }

        if (Run(session, full, (_, cancellationToken) => session.Remote.ChangeDirectoryAsync(full, cancellationToken), repeatable: true) && PassThru)
        {
            WriteObject(session.CurrentDirectory);
        }
    }
}
