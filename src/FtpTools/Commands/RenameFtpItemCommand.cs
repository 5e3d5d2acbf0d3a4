using System.Management.Automation;
using System;
using FtpTools.Core.Paths;
using FtpTools.Core.Transfers;
using FtpTools.Core;
using FtpTools.Infrastructure;

namespace FtpTools.Commands;

/// <summary>Renames a remote item, or moves it when -NewName is a path.</summary>
[Cmdlet(VerbsCommon.Rename, "FtpItem", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(FtpToolsItem))]
public sealed class RenameFtpItemCommand : FtpSessionCmdlet
{
    /// <summary>The item to rename, taken as it is (no wildcards); binds FullName of items from Get-FtpItem.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName", "LiteralPath")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(LiteralRemotePathCompleter))]
    public string Path { get; set; } = "";

    /// <summary>
    /// A new name in the same directory, or a path (with '/') to move the item: absolute, or relative to the
    /// session's current directory. A path naming an existing directory moves the item into it; one that ends in '/'
    /// must be an existing directory.
    /// </summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(LiteralRemotePathCompleter))]
    public string NewName { get; set; } = "";

    /// <summary>Replace an existing item at the new name.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Write the renamed item to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var session = ResolveSession();
        var source = RemotePath.Combine(session.CurrentDirectory, Path);
        var isMove = NewName.IndexOf('/') >= 0;
        if (!isMove && !RemotePath.IsSafeEntryName(NewName))
        {
            Report("InvalidName", ErrorCategory.InvalidArgument, $"'{NewName}' is not a valid name.", NewName);
            return;
        }

        var target = isMove
            ? RemotePath.Combine(session.CurrentDirectory, NewName)
            : RemotePath.Combine(RemotePath.GetDirectoryName(source), NewName);

        RemoteItem? found = null;
        Run(session, source, async (_, cancellationToken) =>
        {
            var item = await session.Remote.GetItemAsync(source, cancellationToken).ConfigureAwait(false)
                ?? throw new Core.Errors.TransferRefusedException($"Cannot find remote path '{source}' because it does not exist.", Core.Errors.TransferRefusedReason.SourceNotFound, source);
            // "y.txt/" for y.txt combines to y.txt itself: still a move into a directory, which is checked.
            var intoDirectory = NewName.EndsWith("/", StringComparison.Ordinal);
            if (isMove && (target != source || intoDirectory))
            {
                target = await RemoteTree.MoveTargetAsync(session.Remote, item, target, intoDirectory, cancellationToken).ConfigureAwait(false);
            }

            // ShouldProcess must run on the pipeline thread; the decision is taken after this lookup, below.
            found = item;
        });

        if (found is null || !ShouldProcess($"{source} -> {target}", "Rename"))
        {
            return;
        }

        RemoteItem? result = null;
        Run(session, source, async (_, cancellationToken) =>
        {
            await session.Remote.RenameAsync(source, target, Force.IsPresent, cancellationToken).ConfigureAwait(false);
            result = await session.Remote.GetItemAsync(target, cancellationToken).ConfigureAwait(false);
        });

        if (result is not null && PassThru)
        {
            WriteObject(new FtpToolsItem(result, session));
        }
    }
}
