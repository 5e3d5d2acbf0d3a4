using System.Management.Automation;
using FtpTools.Infrastructure;

namespace FtpTools.Commands;

/// <summary>Lists the sessions of the current runspace, oldest first; the last one is the default.</summary>
[Cmdlet(VerbsCommon.Get, "FtpSession")]
[OutputType(typeof(FtpToolsSession))]
public sealed class GetFtpSessionCommand : PSCmdlet
{
    /// <summary>Only these sessions; an unknown Id is a non-terminating error.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(SessionIdCompleter))]
    public int[]? Id { get; set; }

    protected override void ProcessRecord()
    {
        var store = SessionStore.CurrentIfAny;
        if (Id is null)
        {
            if (store is not null)
            {
                WriteObject(store.Snapshot(), enumerateCollection: true);
            }

            return;
        }

        foreach (var id in Id)
        {
            var session = store?.Find(id);
            if (session is null)
            {
                WriteError(new ErrorRecord(
                    new ItemNotFoundException($"There is no FtpTools session with Id {id} in this runspace."),
                    ErrorMapping.Prefix + "SessionNotFound",
                    ErrorCategory.ObjectNotFound,
                    id));
            }
            else
            {
                WriteObject(session);
            }
        }
    }
}
