using System;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core;
using FtpTools.Core.Errors;
using FtpTools.Core.Transfers;
using FtpTools.Infrastructure;

namespace FtpTools.Commands;

/// <summary>
/// Base of the cmdlets that work on an open session. Owns -Session: a session object or its Id, bound by
/// property name from the items this module writes (FtpToolsItem.Session), so a pipeline of items keeps using the
/// session they came from; transfer results carry no session. Without -Session the runspace's newest session is used.
/// </summary>
public abstract class FtpSessionCmdlet : FtpToolsCmdlet
{
    private TransferQueue? _queue;
    private FtpToolsSession? _queueSession;
    private TransferOptions? _queueOptions;

    /// <summary>
    /// Downloads whose source the lost connection kept (<see cref="TransferEngine.LostItsRemoval"/>), with the session
    /// they came from and their queue states, held back until that session has a connection again to remove it on
    /// (<see cref="RemoveAgainAsync"/>).
    /// </summary>
    private readonly System.Collections.Generic.List<(FtpToolsSession Owner, TransferResult Result, object? State)> _lostRemovals = new();

    /// <summary>Destinations this command has taken, with their sources (<see cref="Claim"/>).</summary>
    private System.Collections.Generic.Dictionary<string, (int Session, string Source)>? _claims;

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [SessionTransformation]
    [ValidateNotNull]
    [ArgumentCompleter(typeof(SessionIdCompleter))]
    public FtpToolsSession? Session { get; set; }

    /// <summary>
    /// The session Id of a piped item (FtpToolsItem.FtpSessionId). Hidden: only the pipeline binds it, so that a
    /// -Session given on the command line (or by $PSDefaultParameterValues), which wins over the item's own Session,
    /// cannot make the command act on another server's file of the same path (see <see cref="ResolveSession"/>).
    /// </summary>
    [Parameter(ValueFromPipelineByPropertyName = true, DontShow = true)]
    public int? FtpSessionId { get; set; }

    /// <summary>
    /// The session to use: -Session, else the newest of this runspace. Terminates when there is none, when it was
    /// disconnected, or when its connection was lost and it does not reconnect (-ReconnectAttempts 0).
    /// </summary>
    internal FtpToolsSession ResolveSession()
    {
        var session = Session ?? SessionStore.Current.Default;
        if (session is null)
        {
            Fail("NoSession", ErrorCategory.ConnectionError, "No FtpTools session is open in this runspace. Open one with Connect-FtpSession, or pass -Session.", null);
        }
        else if (session.Closed || (!session.Connected && !session.Keeper.CanReconnect))
        {
            Fail(
                "SessionClosed",
                ErrorCategory.ConnectionError,
                $"Session {session.Id} ({session}) is no longer connected. Open a new one with Connect-FtpSession.",
                session);
        }

        // Ids start at 1: an empty column of a CSV file (bound as 0) names no session.
        if (FtpSessionId is int itemSession && itemSession > 0 && itemSession != session!.Id)
        {
            var (given, advice) = Session is null
                ? ("the default session (the item brought no session of its own)", "Give -Session the session the item came from, or list the items again.")
                : ("given with -Session or $PSDefaultParameterValues", "Leave -Session out to use each item's own session, or give the item's.");
            Fail(
                "SessionMismatch",
                ErrorCategory.InvalidArgument,
                $"The piped item belongs to session {itemSession.ToString(System.Globalization.CultureInfo.InvariantCulture)}, but this command works on session {session.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)} ({session}), "
                    + $"{given}; nothing was done with it. {advice}",
                session);
        }

        UseSessionLog(session!.Log);
        return session;
    }

    /// <summary>
    /// <see cref="FtpToolsCmdlet.RunCore"/> on <paramref name="session"/>, with its protocol log as verbose output,
    /// through <see cref="SessionKeeper.RunAsync"/>: a lost connection, or an idle one that no longer answers, is made
    /// again first, and <paramref name="repeatable"/> work (it only reads) that loses its connection runs once more on a
    /// new one; warnings say so. <paramref name="work"/> finds the connection in <see cref="FtpToolsSession.Remote"/>.
    /// </summary>
    internal bool Run(FtpToolsSession session, object? target, Func<PipelineChannel, CancellationToken, Task> work, bool repeatable = false) =>
        RunCore(session.Log, target, (channel, cancellationToken) =>
            session.Keeper.RunAsync((_, ct) => work(channel, ct), repeatable, channel.WriteWarning, cancellationToken));

    /// <summary>
    /// The target of a failed transfer's error record: its source, or its destination when that is what the error is
    /// about (one that exists, or a refusal naming it), so the record's TargetObject and the message name the same path.
    /// </summary>
    private static string FailedAt(TransferResult result) =>
        result.Exception is TransferRefusedException { Reason: TransferRefusedReason.DestinationExists or TransferRefusedReason.DestinationDirectoryNotFound }
            || (result.Exception is CommandRefusedException refused && refused.Path == result.Destination)
            ? result.Destination
            : result.Source;

    /// <summary>True for a path of the FileSystem provider; else reports FtpTools.NotFileSystem (Env:, Variable:, a registry drive...).</summary>
    private protected bool IsFileSystem(ProviderInfo provider, string path)
    {
        if (provider.Name == "FileSystem")
        {
            return true;
        }

        Report("NotFileSystem", ErrorCategory.InvalidArgument, $"'{path}' is not a file system path (provider {provider.Name}).", path);
        return false;
    }

    /// <summary>
    /// Writes one transfer result as output, then reports what went wrong with it: a failure as an error
    /// about the path it concerns (<see cref="FailedAt"/>; terminating when the session is gone), a warning as a
    /// warning, a cancellation as the pipeline stopping.
    /// </summary>
    internal void WriteTransferResult(TransferResult result)
    {
        WriteObject(result);
        if (result.Warning is not null)
        {
            WriteLoggedWarning(result.Warning);
        }

        switch (result.Status)
        {
            case TransferStatus.Failed when result.Exception is not null:
                WriteFailure(result.Exception, FailedAt(result));
                break;
            case TransferStatus.Cancelled when StopToken.IsCancellationRequested:
                throw new PipelineStoppedException();
        }

        if (result.SourceRemovalException is { } notRemoved)
        {
            WriteFailure(notRemoved, result.Source);
        }
    }

    /// <summary>
    /// Carries out a transfer plan: reports what the planner refused, creates the destination directories,
    /// then transfers each file, asking ShouldProcess for every directory and file, and writes one result per
    /// file. Progress goes to two bars (file and batch).
    /// </summary>
    internal void ExecutePlan(FtpToolsSession session, TransferPlan plan, TransferDirection direction, TransferOptions options, string activity)
    {
        if (options.RefusalOn(session.Remote) is { } refusal)
        {
            // A switch the session's transfer mode cannot honour (-Resume or -RemoveSource in ASCII mode).
            Fail("InvalidArgument", ErrorCategory.InvalidArgument, refusal, session);
        }

        var download = direction == TransferDirection.Download;
        foreach (var error in plan.Errors)
        {
            if (error.Exception is TransferRefusedException { Reason: TransferRefusedReason.DestinationExists, Path: { } taken } && taken != error.Source && !WhatIfInEffect)
            {
                // A file left out because another one takes its destination: a Failed result, as for any file not
                // transferred, so a script that checks the results sees it.
                WriteTransferResult(new TransferResult(direction, error.Source, taken, TransferStatus.Failed) { Exception = error.Exception });
                continue;
            }

            WriteFailure(error.Exception, error.Source);
        }

        foreach (var directory in plan.Directories)
        {
            if (!ShouldProcess(directory, "Create directory"))
            {
                continue;
            }

            // Making sure a directory exists can be done twice.
            Run(
                session,
                directory,
                async (_, cancellationToken) =>
                {
                    if (download)
                    {
                        System.IO.Directory.CreateDirectory(directory);
                    }
                    else
                    {
                        await TransferEngine.EnsureRemoteDirectoryAsync(session.Remote, directory, cancellationToken).ConfigureAwait(false);
                    }
                },
                repeatable: true);
        }

        var progress = new TransferProgressReporter(activity, plan);
        foreach (var transfer in plan.Transfers)
        {
            var action = download ? "Download" : "Upload";
            if (!ShouldProcess(transfer.ToString(), options.RemoveSource ? action + ", then remove the source" : action)
                || !Claim(session, transfer, options))
            {
                continue;
            }

            TransferResult? result = null;
            Run(session, transfer.Source, async (channel, cancellationToken) =>
            {
                var completed = false;
                try
                {
                    var sink = progress.For(channel);
                    result = await TransferAsync(session, transfer, direction, options, sink, new PlannedFile(progress, transfer.Length), channel, cancellationToken).ConfigureAwait(false);
                    if (result is { Status: TransferStatus.Failed, Exception: { } failure } && session.Keeper.WorthAnotherTry(failure, cancellationToken))
                    {
                        // Lost in the middle of the file: nothing of it is under its final name (a part file at most,
                        // which -Resume continues), so it goes again, once, on a new connection.
                        // Said now (the log shows the loss before the new connection, also when the second attempt
                        // is stopped), and in its result's warning, now or once the file is in place: a script that
                        // keeps the results, not the warning stream, sees that the first attempt was lost.
                        await session.Keeper.AgainAfterLossAsync(failure, "the transfer of " + transfer.Source, channel.WriteWarning, cancellationToken).ConfigureAwait(false);
                        var again = new PlannedFile(progress, transfer.Length)
                        {
                            Warning = $"The connection was lost during the transfer ({failure.Message.TrimEnd('.')}); it was started again on a new connection.",
                        };
                        result = await TransferAsync(session, transfer, direction, options, sink, again, channel, cancellationToken).ConfigureAwait(false);
                        result = result?.WithWarningFirst(again.Warning);
                    }

                    if (result is not null)
                    {
                        progress.Finished(result, transfer.Length);
                    }

                    completed = true;
                }
                finally
                {
                    // A source the lost connection kept goes on the new one, made now if need be (the loss may have
                    // shown at that removal itself); without one (no reconnection, or it failed, or the command was
                    // stopped), it stays, and its result, written all the same, says why.
                    await RemoveAgainAsync(options, channel, cancellationToken, reconnect: completed).ConfigureAwait(false);
                }
            });

            if (result is not null)
            {
                WriteTransferResult(result);
            }
        }

        CompleteProgress(progress);
    }

    /// <summary>
    /// Takes <paramref name="transfer"/>'s destination for its source for the rest of this command, across pipeline
    /// records (each plans on its own, and the planner refuses two sources for one destination only within a plan):
    /// false when another source took it already (a Failed result: the second would replace the first, whose source
    /// -RemoveSource may have removed by then) or the same file of the same session did (piped twice: once is enough).
    /// Names differing only in case count as one where the destination's file system may fold case (a Windows or
    /// macOS disk) and always with -RemoveSource, where the loss could not be undone.
    /// </summary>
    private bool Claim(FtpToolsSession session, PlannedTransfer transfer, TransferOptions options)
    {
        var download = transfer.Direction == TransferDirection.Download;
        if (_claims is null)
        {
            var foldsCase = options.RemoveSource
                || (download && (System.Runtime.InteropServices.RuntimeInformation.IsOSPlatform(System.Runtime.InteropServices.OSPlatform.Windows)
                    || System.Runtime.InteropServices.RuntimeInformation.IsOSPlatform(System.Runtime.InteropServices.OSPlatform.OSX)));
            _claims = new System.Collections.Generic.Dictionary<string, (int Session, string Source)>(foldsCase ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);
        }

        // A local destination is one whatever the session; a remote one is the session's server's. A source is a
        // session's file (two servers may both have /out/r.csv).
        var key = download ? "local\n" + transfer.Destination : "session " + session.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n" + transfer.Destination;
        if (!_claims.TryGetValue(key, out var owner))
        {
            _claims.Add(key, (session.Id, transfer.Source));
            return true;
        }

        if (owner.Session == session.Id && string.Equals(owner.Source, transfer.Source, StringComparison.Ordinal))
        {
            WriteVerbose($"'{transfer.Source}' was taken to '{transfer.Destination}' earlier in this command; not again.");
            return false;
        }

        var first = owner.Session == session.Id ? $"'{owner.Source}'" : $"'{owner.Source}' of session {owner.Session}";
        WriteTransferResult(new TransferResult(transfer.Direction, transfer.Source, transfer.Destination, TransferStatus.Failed)
        {
            Length = transfer.Length,
            Exception = new TransferRefusedException(
                $"'{transfer.Source}' and {first} would both be written to '{transfer.Destination}' by this command; only the first is transferred.",
                TransferRefusedReason.DestinationExists,
                transfer.Destination),
        });
        return false;
    }

    /// <summary>True under -WhatIf (or $WhatIfPreference), where no transfer result is written.</summary>
    private bool WhatIfInEffect =>
        MyInvocation.BoundParameters.TryGetValue("WhatIf", out var given)
            ? LanguagePrimitives.IsTrue(given)
            : LanguagePrimitives.IsTrue(GetVariableValue("WhatIfPreference"));

    /// <summary>Writes the result of the last transfer, once that file is in place (see <see cref="TransferAsync"/>).</summary>
    protected override void EndProcessing()
    {
        if (_queue is { HasPending: true } queue && _queueSession is { } session)
        {
            _queue = null;
            var options = _queueOptions!;
            // The files in flight belong to the connection they started on: no reconnection before their commit. The
            // last file's source, when the connection was lost at its removal, goes on one made again, as the others'.
            RunCore(session.Log, null, async (channel, cancellationToken) =>
            {
                try
                {
                    // Ctrl+C while the last file goes in place: it still goes, but its source stays.
                    await queue.CompleteAsync((result, state) => HoldOrWrite(channel, session, result, state), cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    await RemoveAgainAsync(options, channel, cancellationToken, reconnect: true).ConfigureAwait(false);
                }
            });
        }

        base.EndProcessing();
    }

    /// <summary>A stopped or failed pipeline writes nothing more, but the last transferred file still goes in place.</summary>
    private protected override void OnDispose()
    {
        if (_queue is { } queue)
        {
            _queue = null;
            queue.CompleteAsync(null, new CancellationToken(canceled: true)).GetAwaiter().GetResult();
        }
    }

    /// <summary>
    /// Transfers through this command's <see cref="TransferQueue"/>, which lives across pipeline records: each
    /// downloaded file's flush to disk and rename, and each uploaded file's rename (on FTP to vsftpd, ProFTPD or
    /// Pure-FTPd, the rename's answer), run while the next file transfers. Returns the file's result when it is final
    /// now (a failure, a refusal, a skip, an FTP upload to another server), null when the file is on its way into
    /// place; the result of the file before is written here, through
    /// <paramref name="channel"/>, as soon as that file is in place.
    /// </summary>
    private async Task<TransferResult?> TransferAsync(
        FtpToolsSession session,
        PlannedTransfer transfer,
        TransferDirection direction,
        TransferOptions options,
        IProgress<TransferProgress> sink,
        PlannedFile planned,
        PipelineChannel channel,
        CancellationToken cancellationToken)
    {
        void Earlier(TransferResult result, object? state) => HoldOrWrite(channel, session, result, state);

        if (_queue is { } open && (open.Session != session.Remote || !SameOptions(_queueOptions!, options)))
        {
            // The queue of another session (or of other options): its files' sources belong to that session.
            var owner = _queueSession!;
            _queue = null;
            await open.CompleteAsync((result, state) => HoldOrWrite(channel, owner, result, state), cancellationToken).ConfigureAwait(false);
        }

        // The connection was made again since the last file (found lost before this one started, or lost in the
        // middle of it): what the old one could not remove goes first, in order, before this file's transfer.
        // Another session's stay for the end of this file, where its session may be connected again first.
        await RemoveAgainAsync(options, channel, cancellationToken, reconnect: false, only: session).ConfigureAwait(false);

        if (_queue is null)
        {
            _queue = new TransferQueue(session.Remote, options);
            _queueSession = session;
            _queueOptions = options;
        }

        if (direction == TransferDirection.Upload)
        {
            return await _queue.UploadAsync(transfer.Source, transfer.Destination, sink, planned, Earlier, cancellationToken).ConfigureAwait(false);
        }

        return await (transfer.RemoteItem is { } item
            ? _queue.DownloadAsync(item, transfer.Destination, sink, planned, Earlier, cancellationToken)
            : _queue.DownloadAsync(transfer.Source, transfer.Destination, sink, planned, Earlier, cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>
    /// Removes the remote sources a lost connection kept (a queued download's removal runs on the connection once the
    /// next file's transfer has ended, and that is where a loss shows), each on a connection of the session it came
    /// from (never on another session's: a file of the same path there is another file), checked again first, and
    /// writes their results; a source stays, and its result says why, when its session has no live connection
    /// (-ReconnectAttempts 0, no attempt succeeded, or it was closed), it is the very connection that was lost, or the
    /// command is being stopped (<paramref name="cancellationToken"/>: nothing is removed then). With
    /// <paramref name="reconnect"/>, a session found lost is connected again first, as its next command would. With
    /// <paramref name="only"/>, only that session's are taken; the others stay held.
    /// </summary>
    private async Task RemoveAgainAsync(TransferOptions options, PipelineChannel channel, CancellationToken cancellationToken, bool reconnect, FtpToolsSession? only = null)
    {
        (FtpToolsSession Owner, TransferResult Result, object? State)[] kept;
        lock (_lostRemovals)
        {
            kept = _lostRemovals.Where(held => only is null || held.Owner == only).ToArray();
            _lostRemovals.RemoveAll(held => only is null || held.Owner == only);
        }

        var tried = new System.Collections.Generic.HashSet<FtpToolsSession>();
        foreach (var (owner, result, state) in kept)
        {
            var again = result;
            try
            {
                if (reconnect && tried.Add(owner) && !owner.Closed && !owner.Remote.IsConnected && owner.Keeper.CanReconnect && !cancellationToken.IsCancellationRequested)
                {
                    try
                    {
                        await owner.Keeper.ReadyAsync(channel.WriteWarning, cancellationToken).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is FtpToolsException or OperationCanceledException or ObjectDisposedException)
                    {
                        // Not connected again (or closed meanwhile): the source stays, and its result says why.
                    }
                }

                if (!owner.Closed && owner.Remote.IsConnected && !cancellationToken.IsCancellationRequested)
                {
                    again = await TransferEngine.RemoveSourceAgainAsync(owner.Remote, result, options).ConfigureAwait(false);
                }
            }
            finally
            {
                // Written whatever happened: removed, or kept with why.
                WriteFinished(channel, again, state);
            }
        }
    }

    /// <summary>
    /// A file's result once it is in place: written, or held for <see cref="RemoveAgainAsync"/> when its source is to
    /// go and the connection was lost at its removal.
    /// </summary>
    private void HoldOrWrite(PipelineChannel channel, FtpToolsSession owner, TransferResult result, object? state)
    {
        if (TransferEngine.LostItsRemoval(result))
        {
            lock (_lostRemovals)
            {
                _lostRemovals.Add((owner, result, state));
            }

            return;
        }

        WriteFinished(channel, result, state);
    }

    private static bool SameOptions(TransferOptions a, TransferOptions b) =>
        a.Overwrite == b.Overwrite && a.Resume == b.Resume && a.PreserveTimestamp == b.PreserveTimestamp && a.FlushToDisk == b.FlushToDisk && a.NewerOnly == b.NewerOnly
        && a.RemoveSource == b.RemoveSource;

    /// <summary>
    /// Queues a transfer's result for the pipeline thread as <see cref="WriteTransferResult"/> writes it. Only
    /// files that reached their commit come here: their failures are the local disk's or the rename's, never a
    /// cancellation.
    /// </summary>
    private static void WriteFinished(PipelineChannel channel, TransferResult result, object? state)
    {
        if (state is PlannedFile planned)
        {
            planned.Progress.Finished(result, planned.Length);
            if (planned.Warning is { } warning)
            {
                result = result.WithWarningFirst(warning);
            }
        }

        channel.WriteObject(result);
        if (result.Warning is not null)
        {
            channel.WriteWarning(result.Warning);
        }

        if (result.Status == TransferStatus.Failed && result.Exception is not null)
        {
            channel.WriteError(result.Exception, FailedAt(result));
        }

        if (result.SourceRemovalException is { } notRemoved)
        {
            channel.WriteError(notRemoved, result.Source);
        }
    }

    /// <summary>What a queued transfer's result counts into: its plan's progress bars and planned length.</summary>
    private sealed class PlannedFile
    {
        public PlannedFile(TransferProgressReporter progress, long? length)
        {
            Progress = progress;
            Length = length;
        }

        public TransferProgressReporter Progress { get; }

        public long? Length { get; }

        /// <summary>Put first in the result's warning: why this is the file's second attempt.</summary>
        public string? Warning { get; init; }
    }
}
