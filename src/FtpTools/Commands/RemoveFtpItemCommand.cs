using System;
using System.Management.Automation;
using FtpTools.Core.Transfers;

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
        foreach (var item in ResolveItems(session))
        {
            if (item.FullName == "/")
            {
                Report("RefuseRoot", ErrorCategory.InvalidOperation, "Removing the root directory '/' is refused.", item.FullName);
                continue;
            }

            // As Remove-Item refuses the location it is in: "." or ".." must not take the directory relative paths
            // start at (a script's "./$name" with $name empty).
            var current = session.CurrentDirectory;
            if (item.IsDirectory && (current == item.FullName || current.StartsWith(item.FullName + "/", StringComparison.Ordinal)))
            {
                var what = current == item.FullName ? "it is the session's current directory" : $"it holds the session's current directory ({current})";
                Report("RefuseCurrentDirectory", ErrorCategory.InvalidOperation, $"Cannot remove '{item.FullName}': {what}. Set-FtpLocation elsewhere first.", item.FullName);
                continue;
            }

            if (!ShouldProcess(item.FullName, item.IsDirectory ? "Remove directory" : "Remove file"))
            {
                continue;
            }

            // With -PassThru, each item inside a directory removed with -Recurse is written as it goes (an audit of
            // what is gone, also when a later removal fails), then the directory.
            var removed = Run(session, item.FullName, (channel, cancellationToken) => RemoteTree.RemoveAsync(
                session.Remote,
                item,
                Recurse,
                cancellationToken,
                PassThru ? inside => channel.WriteObject(new FtpToolsItem(inside, session)) : null));

            if (removed && PassThru)
            {
                WriteObject(new FtpToolsItem(item, session));
            }
        }
    }
}
