using System.Management.Automation;
using System;
using FtpTools.Core.Errors;
using FtpTools.Core.Paths;
using FtpTools.Core;
using FtpTools.Infrastructure;

namespace FtpTools.Commands;

/// <summary>Creates remote directories and returns them as items.</summary>
[Cmdlet(VerbsCommon.New, "FtpDirectory", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(FtpToolsItem))]
public sealed class NewFtpDirectoryCommand : FtpSessionCmdlet
{
    /// <summary>Directories to create; relative ones start at the session's current directory.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(RemoteDirectoryCompleter))]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>Create missing parent directories, and return an existing directory instead of failing.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord()
    {
        var session = ResolveSession();
        foreach (var path in Path)
        {
            var full = RemotePath.Combine(session.CurrentDirectory, path);
            if (!ShouldProcess(full, "Create directory"))
            {
                continue;
            }

            RemoteItem? created = null;
            Run(session, full, async (_, cancellationToken) =>
            {
                var existing = await session.Remote.GetItemAsync(full, cancellationToken).ConfigureAwait(false);
                if (existing is not null)
                {
                    if (!Force || existing.Kind != RemoteItemKind.Directory)
                    {
                        throw new CommandRefusedException($"An item named '{full}' already exists.", RemoteErrorKind.AlreadyExists, path: full);
                    }

                    created = existing;
                    return;
                }

                await session.Remote.CreateDirectoryAsync(full, Force.IsPresent, cancellationToken).ConfigureAwait(false);
                created = await session.Remote.GetItemAsync(full, cancellationToken).ConfigureAwait(false)
                    ?? new RemoteItem(RemotePath.GetFileName(full), full, RemoteItemKind.Directory);
            });

            if (created is not null)
            {
                WriteObject(new FtpToolsItem(created, session));
            }
        }
    }
}
