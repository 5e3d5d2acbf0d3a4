using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Transfers;
using FtpTools.Infrastructure;

namespace FtpTools.Commands;

/// <summary>
/// Base of the cmdlets that work on an open session. Owns -Session: a session object or its Id, bound by
/// property name from the items and results this module writes, so a pipeline keeps using the session its
/// objects came from. Without -Session the runspace's newest session is used.
/// </summary>
public abstract class FtpSessionCmdlet : FtpToolsCmdlet
{
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [SessionTransformation]
    [ValidateNotNull]
    public FtpToolsSession? Session { get; set; }

    /// <summary>The session to use: -Session, else the newest of this runspace. Terminates when there is none or it is closed.</summary>
    internal FtpToolsSession ResolveSession()
    {
        var session = Session ?? SessionStore.Current.Default;
        if (session is null)
        {
            Fail("NoSession", ErrorCategory.ConnectionError, "No FtpTools session is open in this runspace. Open one with Connect-FtpSession, or pass -Session.", null);
        }
        else if (!session.Connected)
        {
            Fail(
                "SessionClosed",
                ErrorCategory.ConnectionError,
                $"Session {session.Id} ({session}) is no longer connected. Open a new one with Connect-FtpSession.",
                session);
        }

        return session!;
    }

    /// <summary><see cref="FtpToolsCmdlet.RunCore"/> on <paramref name="session"/>, with its protocol log as verbose output.</summary>
    internal bool Run(FtpToolsSession session, object? target, Func<PipelineChannel, CancellationToken, Task> work) =>
        RunCore(session.Log, target, work);

    /// <summary>
    /// Writes one transfer result as output, then reports what went wrong with it: a failure as an error
    /// about the source (terminating when the session is gone), a warning as a warning, a cancellation as
    /// the pipeline stopping.
    /// </summary>
    internal void WriteTransferResult(TransferResult result)
    {
        WriteObject(result);
        if (result.Warning is not null)
        {
            WriteWarning(result.Warning);
        }

        switch (result.Status)
        {
            case TransferStatus.Failed when result.Exception is not null:
                WriteFailure(result.Exception, result.Source);
                break;
            case TransferStatus.Cancelled when StopToken.IsCancellationRequested:
                throw new PipelineStoppedException();
        }
    }

    /// <summary>
    /// Carries out a transfer plan: reports what the planner refused, creates the destination directories,
    /// then transfers each file, asking ShouldProcess for every directory and file, and writes one result per
    /// file. Progress goes to two bars (file and batch).
    /// </summary>
    internal void ExecutePlan(FtpToolsSession session, TransferPlan plan, TransferDirection direction, TransferOptions options, string activity)
    {
        foreach (var error in plan.Errors)
        {
            WriteFailure(error.Exception, error.Source);
        }

        var download = direction == TransferDirection.Download;
        foreach (var directory in plan.Directories)
        {
            if (!ShouldProcess(directory, "Create directory"))
            {
                continue;
            }

            Run(session, directory, async (_, cancellationToken) =>
            {
                if (download)
                {
                    System.IO.Directory.CreateDirectory(directory);
                }
                else
                {
                    await TransferEngine.EnsureRemoteDirectoryAsync(session.Remote, directory, cancellationToken).ConfigureAwait(false);
                }
            });
        }

        var progress = new TransferProgressReporter(activity, plan);
        foreach (var transfer in plan.Transfers)
        {
            if (!ShouldProcess(transfer.ToString(), download ? "Download" : "Upload"))
            {
                continue;
            }

            TransferResult? result = null;
            Run(session, transfer.Source, async (channel, cancellationToken) =>
            {
                var sink = progress.For(channel);
                result = download
                    ? await (transfer.RemoteItem is { } item
                        ? TransferEngine.DownloadFileAsync(session.Remote, item, transfer.Destination, options, sink, cancellationToken)
                        : TransferEngine.DownloadFileAsync(session.Remote, transfer.Source, transfer.Destination, options, sink, cancellationToken)).ConfigureAwait(false)
                    : await TransferEngine.UploadFileAsync(session.Remote, transfer.Source, transfer.Destination, options, sink, cancellationToken).ConfigureAwait(false);
                progress.Finished(result, transfer.Length);
            });

            if (result is not null)
            {
                WriteTransferResult(result);
            }
        }

        CompleteProgress(progress);
    }
}
