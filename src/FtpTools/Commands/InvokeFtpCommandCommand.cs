using System.Management.Automation;
using FtpTools.Core;

namespace FtpTools.Commands;

/// <summary>
/// Sends FTP commands to the server as they are written (SITE commands, STAT, HELP, FEAT...) and writes the server's
/// answers. Commands that would take the session out of step (login, TLS, data connections, CWD, RNFR/RNTO, QUIT)
/// are refused before anything is sent, each with the cmdlet to use instead. FTP, FTPES and FTPS only.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "FtpCommand", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(RemoteCommandReply))]
public sealed class InvokeFtpCommandCommand : FtpSessionCmdlet
{
    /// <summary>One command line each, as the server's documentation writes it ("SITE CHMOD 640 /in/a.csv").</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNullOrEmpty]
    public string[] Command { get; set; } = System.Array.Empty<string>();

    protected override void ProcessRecord()
    {
        var session = ResolveSession();
        if (session.Protocol == RemoteProtocol.Sftp)
        {
            Fail(
                "NotSupported",
                ErrorCategory.NotImplemented,
                "SFTP has no commands to send as they are; Invoke-FtpCommand works on FTP, FTPES and FTPS sessions. Set-FtpItem sets permissions and times over SFTP too.",
                session);
        }

        foreach (var command in Command)
        {
            if (RemoteCommand.Check(command) is { } refusal)
            {
                Report("CommandNotAllowed", ErrorCategory.InvalidArgument, refusal, command);
                continue;
            }

            if (!ShouldProcess(session.ToString(), "Send the command " + command))
            {
                continue;
            }

            RemoteCommandReply? reply = null;
            if (Run(session, command, async (_, cancellationToken) => reply = await RemoteCommand.SendAsync(session.Remote, command, cancellationToken).ConfigureAwait(false)) && reply is not null)
            {
                WriteObject(reply);
            }
        }
    }
}
