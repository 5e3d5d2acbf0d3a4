using System;
using System.Collections.Generic;
using System.Management.Automation;
using FtpTools.Infrastructure;

namespace FtpTools.Commands;

/// <summary>Closes sessions (QUIT / SSH channel close) and removes them from the runspace.</summary>
[Cmdlet(VerbsCommunications.Disconnect, "FtpSession", DefaultParameterSetName = SessionSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(FtpToolsSession))]
public sealed class DisconnectFtpSessionCommand : FtpToolsCmdlet
{
    private const string SessionSet = "Session";
    private const string IdSet = "Id";
    private const string AllSet = "All";

    /// <summary>Sessions to close, or their Ids; absent: the newest session.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ParameterSetName = SessionSet)]
    [SessionTransformation]
    [ValidateNotNull]
    public FtpToolsSession[]? Session { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = IdSet)]
    [ArgumentCompleter(typeof(SessionIdCompleter))]
    public int[] Id { get; set; } = Array.Empty<int>();

    [Parameter(Mandatory = true, ParameterSetName = AllSet)]
    public SwitchParameter All { get; set; }

    /// <summary>Write the closed sessions to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var store = SessionStore.Current;
        foreach (var session in Select(store))
        {
            if (!ShouldProcess(session.ToString(), "Disconnect"))
            {
                continue;
            }

            store.Remove(session);
            try
            {
                RunCore(session.Log, session, (_, cancellationToken) => session.CloseAsync(cancellationToken));
            }
            finally
            {
                // The -LogPath file, with the goodbye in it, and a client certificate read from a file.
                session.ReleaseLocal();
            }

            if (PassThru)
            {
                WriteObject(session);
            }
        }
    }

    private IEnumerable<FtpToolsSession> Select(SessionStore store)
    {
        switch (ParameterSetName)
        {
            case AllSet:
                return store.Snapshot();
            case IdSet:
                var found = new List<FtpToolsSession>();
                foreach (var id in Id)
                {
                    var session = store.Find(id);
                    if (session is null)
                    {
                        // As Get-FtpSession -Id reports it (and Get-Job -Id): an ItemNotFoundException.
                        WriteError(new ErrorRecord(
                            new ItemNotFoundException($"There is no FtpTools session with Id {id} in this runspace."),
                            ErrorMapping.Prefix + "SessionNotFound",
                            ErrorCategory.ObjectNotFound,
                            id));
                    }
                    else
                    {
                        found.Add(session);
                    }
                }

                return found;
            default:
                if (Session is not null)
                {
                    return Session;
                }

                return store.Default is { } newest ? new[] { newest } : Array.Empty<FtpToolsSession>();
        }
    }
}
