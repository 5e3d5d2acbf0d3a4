using System;
using System.Buffers;
using System.Collections.Generic;
using System.Diagnostics;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;
using ProtocolViolationException = FtpTools.Core.Errors.ProtocolViolationException;
using FtpTools.Core.Logging;
using FtpTools.Core.Paths;

namespace FtpTools.Core.Ftp;

/// <summary>
/// An FTP, FTPES or implicit FTPS session (RFC 959, 2228, 2389, 2428, 3659, 4217) over one control
/// connection. Operations are serialised by one lock, because the control connection carries one
/// conversation; a transfer stream keeps the lock until it is completed or disposed.
/// </summary>
internal sealed partial class FtpSession : IRemoteSession, IStoredLengthProbe, IDirectoryProbe, IKnownLengthReader, IKnownLengthWriter, IRenameBehind, IOperationCount, ITurnTaking
{
    private readonly ConnectionOptions _options;
    private readonly FtpControlConnection _control;
    private readonly FtpTlsContext? _tls;
    private readonly SemaphoreSlim _lock = new(1, 1);
    private int _waitingForTurn;
    private FtpServerQuirks _quirks;
    private string _currentDirectory = "/";

    /// <summary>
    /// True when the server's working directory may not be <see cref="CurrentDirectory"/>: after a listing or a
    /// directory test entered another one (<see cref="EnterDirectoryAsync"/>). Every other command names an absolute
    /// path, so only RMD and RNFR go back first (<see cref="ReturnToWorkingDirectoryAsync"/>): a server may refuse to
    /// remove or rename the directory it is in, or one above it.
    /// </summary>
    private bool _away;

    /// <summary>
    /// True when the server reads one command line at a time (<see cref="FtpServerQuirks.ReadsPipelinedCommands"/>),
    /// so commands that do not wait on each other's answers go out in one write: the login's questions, RNFR and RNTO,
    /// SIZE and MDTM, CWD and PWD.
    /// </summary>
    private bool _pipelined;
    private const int MaxPreliminaryReplies = 16;

    private bool _abortPending;

    /// <summary>
    /// When an EPSV sent behind a finished transfer or listing (<see cref="SendBehindTransferAsync"/>) is still
    /// to be answered: the <see cref="Stopwatch"/> timestamp of that transfer's end; 0 when none is. The next passive
    /// transfer takes its 229 (<see cref="TakeEpsvSentBehindAsync"/>); any other reply read first reads and drops it
    /// (<see cref="ReadOneReplyAsync"/>). Changed under the operation lock.
    /// </summary>
    private long _epsvSentBehindAt;

    /// <summary>
    /// How old an EPSV sent behind may be for its port to be used; an older one is read and dropped and a new EPSV
    /// sent. A batch's next file comes within milliseconds; a port kept open by the server for longer may have been
    /// given up by it or by a firewall in between.
    /// </summary>
    private static readonly TimeSpan EpsvSentBehindMaxAge = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Renames sent whose answers are not read yet (<see cref="SendRenameAsync"/>), oldest first: the next reply read
    /// (<see cref="ReadReplyAsync"/>) reads theirs first. Changed under the operation lock, and by <see cref="FailOwed"/>.
    /// </summary>
    private readonly List<OwedRename> _owed = new();
    private FtpDataConnection? _abortedUpload;
    private FtpDataConnection? _abortedDownload;
    private long _operationsEntered;

    /// <summary>A read of <see cref="_abortedDownload"/> still under way when it was given up (a cancelled listing).</summary>
    private Task<int>? _abortedDownloadRead;
    private Timer? _keepAlive;
    private int _disposed;

    private FtpSession(ConnectionOptions options, FtpControlConnection control)
    {
        _options = options;
        _control = control;
        _quirks = FtpServerQuirks.Detect("", null, FtpFeatures.None);
        _control.Closed = lost => FailOwed(lost ?? new ConnectionLostException("The FTP session's control connection was closed."));
        if (options.Protocol is RemoteProtocol.Ftpes or RemoteProtocol.Ftps)
        {
            _tls = new FtpTlsContext(options.Tls, options.Host, options.EffectivePort);
        }
    }

    public RemoteProtocol Protocol => _options.Protocol;

    public string Host => _options.Host;

    public int Port => _options.EffectivePort;

    public SessionInfo Info { get; private set; } = new();

    /// <summary>
    /// False once the connection was lost or closed. While no operation is running and no answer is owed, the control
    /// connection is also looked at (<see cref="FtpControlConnection.StillOpenWhileIdle"/>, no round trip): a server
    /// that has hung up since the last command makes it false now rather than at the next command.
    /// </summary>
    public bool IsConnected => _disposed == 0 && !_control.IsClosed && StillOpenWhileIdle();

    public string CurrentDirectory => _currentDirectory;

    internal FtpServerQuirks Quirks => _quirks;

    /// <summary>Opens the control connection, secures it when asked, logs in and learns what the server can do.</summary>
    public static async Task<IRemoteSession> ConnectAsync(ConnectionOptions options, CancellationToken cancellationToken)
    {
        if (options is null)
        {
            throw new ArgumentNullException(nameof(options));
        }

        if (options.Proxy is not null && options.Ftp.DataMode == FtpDataMode.Active)
        {
            throw new ArgumentException(
                "Active mode cannot go through a proxy: the server would connect back to this machine directly. Use passive mode (the default) with a proxy.",
                nameof(options));
        }

        if (options.Protocol is RemoteProtocol.Ftpes or RemoteProtocol.Ftps)
        {
            // The handshake comes a few round trips from now; the system's roots can be read meanwhile.
            _ = TrustStoreWarmup.Start();
        }

        var control = await FtpControlConnection.ConnectAsync(options, cancellationToken).ConfigureAwait(false);
        var session = new FtpSession(options, control);
        try
        {
            await session.StartAsync(cancellationToken).ConfigureAwait(false);
            return session;
        }
        catch
        {
            control.Dispose();
            throw;
        }
    }

    public Task<IReadOnlyList<RemoteItem>> ListDirectoryAsync(string path, CancellationToken cancellationToken) =>
        RunAsync(ct => ListCoreAsync(Resolve(path), ct), cancellationToken);

    public Task<RemoteItem?> GetItemAsync(string path, CancellationToken cancellationToken) =>
        RunAsync(ct => GetItemCoreAsync(Resolve(path), ct), cancellationToken);

    public Task<long?> GetStoredLengthAsync(string path, CancellationToken cancellationToken) =>
        RunAsync(
            async ct =>
            {
                // SIZE in binary mode counts what RETR sends, also for a link, where ProFTPD's MLST gives the link's
                // own length.
                var full = Resolve(path);
                return _quirks.HasSize && !_options.Ftp.AsciiMode
                    ? await SizeAsync(full, ct).ConfigureAwait(false)
                    : (await GetItemCoreAsync(full, ct).ConfigureAwait(false))?.Length;
            },
            cancellationToken);

    public Task CreateDirectoryAsync(string path, bool createParents, CancellationToken cancellationToken) =>
        RunAsync(ct => CreateDirectoryCoreAsync(Resolve(path), createParents, ct), cancellationToken);

    /// <summary>CWD: the server follows a link as it enters it (and stays there: see <see cref="_away"/>).</summary>
    public Task<bool> LeadsToDirectoryAsync(string path, CancellationToken cancellationToken) =>
        RunAsync(ct => IsDirectoryAsync(Resolve(path), ct), cancellationToken);

    public Task RemoveFileAsync(string path, CancellationToken cancellationToken) =>
        RunAsync(
            async ct =>
            {
                var full = Resolve(path);
                var reply = await CommandAsync("DELE " + full, ct).ConfigureAwait(false);
                if (!reply.Code.IsPositiveCompletion())
                {
                    throw await ExplainRemovalAsync(reply, "DELE", full, ct).ConfigureAwait(false);
                }

                return true;
            },
            cancellationToken);

    public Task RemoveDirectoryAsync(string path, CancellationToken cancellationToken) =>
        RunAsync(
            async ct =>
            {
                var full = Resolve(path);
                await ReturnToWorkingDirectoryAsync(ct).ConfigureAwait(false);
                var reply = await CommandAsync("RMD " + full, ct).ConfigureAwait(false);
                if (!reply.Code.IsPositiveCompletion())
                {
                    throw await ExplainRemovalAsync(reply, "RMD", full, ct).ConfigureAwait(false);
                }

                return true;
            },
            cancellationToken);

    public Task RenameAsync(string oldPath, string newPath, bool overwrite, CancellationToken cancellationToken) =>
        RunAsync(
            async ct =>
            {
                var (from, to) = (Resolve(oldPath), Resolve(newPath));
                await CheckRenameTargetAsync(from, to, overwrite, ct).ConfigureAwait(false);

                // RFC 959 §4.1.3: RNFR answers 350 and must be followed directly by RNTO. A server that reads one
                // command line at a time gets both in one write (one round trip); an RNTO after a refused RNFR is
                // refused in turn (503), and that reply is read too. Other servers get RNTO only after RNFR's 350.
                FtpReply rnfr, rnto;
                if (_pipelined)
                {
                    var replies = await AskAsync(new[] { "RNFR " + from, "RNTO " + to }, together: true, ct).ConfigureAwait(false);
                    (rnfr, rnto) = (replies[0], replies[1]);
                }
                else
                {
                    rnfr = await CommandAsync("RNFR " + from, ct).ConfigureAwait(false);
                    rnto = rnfr.Code == FtpReplyCode.FileActionPendingFurtherInformation ? await CommandAsync("RNTO " + to, ct).ConfigureAwait(false) : rnfr;
                }

                if (RenameRefusal(rnfr, rnto, from, to) is { } refusal)
                {
                    throw refusal;
                }

                return true;
            },
            cancellationToken);

    /// <summary>
    /// To a server that reads one command line at a time, RNFR and RNTO go out in one write and their answers are
    /// read with the next command's (<see cref="ReadOwedAsync"/>); to others this is <see cref="RenameAsync"/>.
    /// </summary>
    public Task<Task> SendRenameAsync(string oldPath, string newPath, bool overwrite, CancellationToken cancellationToken)
    {
        if (!_pipelined)
        {
            return Done(RenameAsync(oldPath, newPath, overwrite, cancellationToken));
        }

        return RunAsync(
            async ct =>
            {
                var (from, to) = (Resolve(oldPath), Resolve(newPath));
                try
                {
                    await CheckRenameTargetAsync(from, to, overwrite, ct).ConfigureAwait(false);
                }
                catch (FtpToolsException ex)
                {
                    return Task.FromException(ex);
                }

                // Owed before it is sent: a connection lost while sending fails it (FailOwed, from the close).
                var owed = new OwedRename(from, to);
                lock (_owed)
                {
                    _owed.Add(owed);
                }

                try
                {
                    await _control.SendAsync(new[] { "RNFR " + from, "RNTO " + to }, ct).ConfigureAwait(false);
                }
                catch (Exception ex) when (!_control.IsClosed)
                {
                    // Refused before anything was written (a path with a line break): nothing is owed.
                    lock (_owed)
                    {
                        _owed.Remove(owed);
                    }

                    if (ex is FtpToolsException)
                    {
                        return Task.FromException(ex);
                    }

                    throw;
                }
                catch (FtpToolsException)
                {
                    // The connection was lost while sending: the rename may or may not have reached the server, as
                    // its task (failed by the close) says.
                    return owed.Answered;
                }

                return owed.Answered;
            },
            cancellationToken);

        static async Task<Task> Done(Task rename)
        {
            try
            {
                await rename.ConfigureAwait(false);
            }
            catch (FtpToolsException)
            {
                // The returned task carries it.
            }

            return rename;
        }
    }

    public bool SendsRenameBehind => _pipelined;

    public async Task ReadOwedAnswersAsync()
    {
        if (!HasOwed)
        {
            return;
        }

        try
        {
            await RunAsync(
                async ct =>
                {
                    await ReadOwedAsync(ct).ConfigureAwait(false);
                    return true;
                },
                CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is FtpToolsException or ObjectDisposedException or OperationCanceledException)
        {
            FailOwed(ex);
        }
    }

    /// <summary>Without <paramref name="overwrite"/>, refuses a rename onto an existing name; then goes back to the working directory (RNFR may be refused from inside the directory it renames).</summary>
    private async Task CheckRenameTargetAsync(string from, string to, bool overwrite, CancellationToken cancellationToken)
    {
        if (!overwrite && await GetItemCoreAsync(to, cancellationToken).ConfigureAwait(false) is not null)
        {
            throw new CommandRefusedException($"Cannot rename {from} to {to}: the target already exists.", RemoteErrorKind.AlreadyExists, path: to);
        }

        await ReturnToWorkingDirectoryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>What the answers to RNFR and RNTO mean: null when the rename is done, else the exception that says why not.</summary>
    private static CommandRefusedException? RenameRefusal(FtpReply rnfr, FtpReply rnto, string from, string to)
    {
        if (rnfr.Code != FtpReplyCode.FileActionPendingFurtherInformation)
        {
            return FtpErrors.Refused(rnfr, "RNFR", from, targetMustExist: true);
        }

        return rnto.Code.IsPositiveCompletion() ? null : FtpErrors.Refused(rnto, "RNTO", to, targetMustExist: false);
    }

    public Task SetLastWriteTimeAsync(string path, DateTime lastWriteTimeUtc, CancellationToken cancellationToken) =>
        RunAsync(
            async ct =>
            {
                var full = Resolve(path);
                var time = FtpReplyText.FormatTimeVal(lastWriteTimeUtc);
                string verb;
                if (_quirks.HasMfmt)
                {
                    // draft-somers-ftp-mfxx §3: "MFMT time-val path", answered by 213.
                    verb = "MFMT";
                }
                else if (_quirks.MdtmSetsTime)
                {
                    verb = "MDTM";
                }
                else
                {
                    throw new CommandRefusedException("The server offers no command to set a file's modification time (no MFMT).", RemoteErrorKind.Unsupported, path: full);
                }

                var reply = await CommandAsync(verb + " " + time + " " + full, ct).ConfigureAwait(false);
                if (!reply.Code.IsPositiveCompletion())
                {
                    throw await ExplainChangeRefusalAsync(reply, verb, full, ct).ConfigureAwait(false);
                }

                return true;
            },
            cancellationToken);

    public Task SetPermissionsAsync(string path, int permissionBits, CancellationToken cancellationToken) =>
        RunAsync(
            async ct =>
            {
                // SITE is server-defined (RFC 959 §4.1.3); "SITE CHMOD <octal> <path>" is what vsftpd, ProFTPD
                // (mod_site) and Pure-FTPd understand. A server without it answers 500, 502 or 504: Unsupported.
                var full = Resolve(path);
                var mode = Convert.ToString(permissionBits & 0xFFF, 8).PadLeft(4, '0');
                var reply = await CommandAsync("SITE CHMOD " + mode + " " + full, ct).ConfigureAwait(false);
                if (!reply.Code.IsPositiveCompletion())
                {
                    throw await ExplainChangeRefusalAsync(reply, "SITE CHMOD", full, ct).ConfigureAwait(false);
                }

                return true;
            },
            cancellationToken);

    public Task ChangeDirectoryAsync(string path, CancellationToken cancellationToken) =>
        RunAsync(
            async ct =>
            {
                await ChangeDirectoryCoreAsync(Resolve(path), ct).ConfigureAwait(false);
                return true;
            },
            cancellationToken);

    public Task KeepAliveAsync(CancellationToken cancellationToken) =>
        RunAsync(
            async ct =>
            {
                var reply = await CommandAsync("NOOP", ct).ConfigureAwait(false);
                if (!reply.Code.IsPositiveCompletion())
                {
                    throw FtpErrors.Refused(reply, "NOOP", null, targetMustExist: false);
                }

                return true;
            },
            cancellationToken);

    public async Task DisconnectAsync(CancellationToken cancellationToken)
    {
        if (!IsConnected)
        {
            await DisposeAsync().ConfigureAwait(false);
            return;
        }

        await WaitTurnAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await QuitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _lock.Release();
            await DisposeAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _keepAlive?.Dispose();
        _abortedUpload?.Dispose();
        _abortedDownload?.Dispose();

        // A polite QUIT when nothing else is using the connection; a transfer still open is simply cut.
        if (!_control.IsClosed && await _lock.WaitAsync(0).ConfigureAwait(false))
        {
            try
            {
                using var quit = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await QuitAsync(quit.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is FtpToolsException or OperationCanceledException or ArgumentException)
            {
                _control.Log(LogDirection.Info, "QUIT was not answered: " + ex.Message);
            }
            finally
            {
                _lock.Release();
            }
        }

        _control.Dispose();
    }

    /// <summary>
    /// Called by <see cref="FtpFileStream"/> when its transfer ends. When the transfer's final reply
    /// was not read (an abort), the session resynchronises before its next command.
    /// </summary>
    internal void ReleaseTransfer(bool replyPending)
    {
        if (replyPending)
        {
            _abortPending = true;
        }

        _lock.Release();
    }

    /// <summary>Called when a transfer stream is disposed without completing; <paramref name="data"/> is ended before the next command.</summary>
    internal void AbortTransfer(FtpDataConnection data, bool upload)
    {
        if (upload)
        {
            _abortedUpload = data;
        }
        else
        {
            _abortedDownload = data;
        }

        ReleaseTransfer(replyPending: true);
    }

    /// <summary>
    /// After a data connection failed (reset, closed early, TLS broken, stalled) while the server still owes the
    /// transfer's final reply: reads that reply, so the control connection stays in step, and returns the
    /// exception to throw, which quotes it. Only this transfer failed: <see cref="DataConnectionFailedException"/>.
    /// When the reply cannot be read (the control connection is gone too, or silent for the operation timeout)
    /// the session is dead: <see cref="ConnectionLostException"/>.
    /// <para>
    /// A download or listing is aborted first (ABOR, RFC 959 §4.1.3), because a server still sending may not notice
    /// the broken connection, and some (pure-ftpd) say nothing before ABOR; the replies that follow are not counted
    /// on but read up to NOOP's (<see cref="AbortAndResynchroniseAsync"/>). An upload's server is the one reading:
    /// it sees the connection end and answers (426 or 451, or 226 for what arrived before our side closed).
    /// </para>
    /// </summary>
    internal async Task<FtpToolsException> DataConnectionFailedAsync(string verb, string? path, FtpToolsException failure, bool abort, CancellationToken cancellationToken, bool preliminaryPending = false)
    {
        try
        {
            if (preliminaryPending)
            {
                // Data sent before the command was answered: a server that refused the command (and closed the
                // connection it would have taken the data on) says so first, and that refusal is what failed.
                var (final, refusal) = await ReadEarlyTransferRepliesAsync(verb, path ?? "", cancellationToken).ConfigureAwait(false);
                return refusal is not null
                    ? refusal
                    : FtpErrors.DataConnectionFailed(verb, path, failure, failure is DataConnectionFailedException { Stalled: true }, final);
            }

            var reply = abort
                ? await AbortAndResynchroniseAsync(cancellationToken).ConfigureAwait(false)
                : await ReadTransferReplyAsync(cancellationToken).ConfigureAwait(false);
            return FtpErrors.DataConnectionFailed(verb, path, failure, failure is DataConnectionFailedException { Stalled: true }, reply);
        }
        catch (ConnectionLostException lost) when (lost is not ProtocolViolationException)
        {
            return _control.Lost(FtpErrors.ControlLostToo(verb, path, failure, lost));
        }
    }

    /// <summary>
    /// The replies to a transfer command whose data was sent before it was answered (<see cref="OpenEarlyStoreAsync"/>):
    /// a 1yz, then the final reply, which is returned; or, at once, the command's refusal, returned with the exception
    /// that says so (RFC 959 §5.4: 4yz or 5yz instead of 1yz). A 2yz before any 1yz breaks the protocol, as in
    /// <see cref="OpenTransferAsync"/>.
    /// </summary>
    internal async Task<(FtpReply Final, CommandRefusedException? Refusal)> ReadEarlyTransferRepliesAsync(string verb, string path, CancellationToken cancellationToken)
    {
        var first = await ReadReplyAsync(cancellationToken).ConfigureAwait(false);
        if (first.Code.IsPositivePreliminary())
        {
            return (await ReadTransferReplyAsync(cancellationToken).ConfigureAwait(false), null);
        }

        if (first.Code.IsPositiveCompletion())
        {
            throw _control.Lost(new ProtocolViolationException($"The server answered {verb} with {FtpReplyParser.Printable(first.ToString(), 200)} before opening the data connection."));
        }

        return (first, FtpErrors.Refused(first, verb, path, targetMustExist: false));
    }

    /// <summary>Reads the final reply of a transfer (RFC 959 §5.4: 226/250 after the data, or 4yz/5yz), skipping further 1yz replies.</summary>
    internal async Task<FtpReply> ReadTransferReplyAsync(CancellationToken cancellationToken)
    {
        // pure-ftpd sends a second 150 with its timing after the data; RFC 959 allows any number of 1yz.
        for (var i = 0; i < MaxPreliminaryReplies; i++)
        {
            var reply = await ReadReplyAsync(cancellationToken).ConfigureAwait(false);
            if (!reply.Code.IsPositivePreliminary())
            {
                return reply;
            }
        }

        throw _control.Lost(new ProtocolViolationException($"The server sent more than {MaxPreliminaryReplies} preliminary replies without a final one."));
    }

    /// <summary>
    /// The control connection ended from the server's side, without a reply, at the first exchange after a TLS 1.3
    /// handshake: what a server that checks a client certificate once the handshake is over does when it does not
    /// get one it accepts (a TLS 1.2 server refuses in the handshake itself, see <see cref="FtpTlsContext.AuthenticateAsync"/>).
    /// </summary>
    private bool AfterHandshake(ConnectionLostException lost, CancellationToken cancellationToken) =>
        lost is not ProtocolViolationException
        && !cancellationToken.IsCancellationRequested
        && _control.PeerEnded
        && _control.Tls is { SslProtocol: TlsOptions.Tls13 };

    /// <summary><paramref name="lost"/>, saying what a client certificate may have to do with it (<see cref="FtpTlsContext.ClientCertificateHint"/>).</summary>
    private ConnectionLostException WithClientCertificateHint(ConnectionLostException lost) =>
        new(lost.Message + " " + _tls!.ClientCertificateHint, lost);

    private async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_options.Protocol == RemoteProtocol.Ftps)
        {
            // Implicit FTPS: TLS from the first byte, before the greeting.
            try
            {
                await _control.StartTlsAsync(_tls!, cancellationToken).ConfigureAwait(false);
            }
            catch (ConnectionLostException lost) when (!cancellationToken.IsCancellationRequested
                && lost.InnerException is System.Security.Authentication.AuthenticationException notTls
                && notTls.Message.IndexOf("frame", StringComparison.OrdinalIgnoreCase) >= 0)
            {
                // What came back is no TLS record: a server that greets in clear text (plain FTP, or FTPES on its
                // usual port) answers the TLS hello with "220 ...". vsftpd refusing a client certificate ends the
                // handshake so that .NET says the same, so both are told.
                var hint = " " + _tls!.ClientCertificateHint;
                throw new ConnectionLostException(
                    lost.Message.Replace(hint, "") + " A server that starts in clear text (plain FTP, or FTPES: ftpes:// for that port) answers implicit FTPS this way." + hint,
                    lost.InnerException);
            }
        }

        FtpReply greeting;
        try
        {
            greeting = await ReadReplyAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ConnectionLostException lost) when (_options.Protocol == RemoteProtocol.Ftps && AfterHandshake(lost, cancellationToken))
        {
            // Implicit FTPS with TLS 1.3: a server checks a client certificate once the handshake is over.
            throw WithClientCertificateHint(lost);
        }

        while (greeting.Code == FtpReplyCode.ServiceReadyInMinutes)
        {
            greeting = await ReadReplyAsync(cancellationToken).ConfigureAwait(false);
        }

        if (greeting.Code != FtpReplyCode.ServiceReady)
        {
            throw _control.Lost(new ConnectionLostException($"The server did not accept the connection: {FtpReplyParser.Printable(greeting.ToString(), 300)}"));
        }

        if (_options.Protocol == RemoteProtocol.Ftpes)
        {
            // RFC 4217 §4: AUTH TLS, answered by 234, then the TLS handshake.
            var auth = await CommandAsync("AUTH TLS", cancellationToken).ConfigureAwait(false);
            if (auth.Code != FtpReplyCode.SecurityDataExchangeComplete)
            {
                throw new AuthenticationFailedException($"The server refused to start TLS (AUTH TLS): {FtpReplyParser.Printable(auth.ToString(), 300)}. It may not offer FTPES; plain FTP would send the password unprotected.");
            }

            if (FtpServerQuirks.AvoidTls13(greeting.Message))
            {
                if (_tls!.LimitToTls12())
                {
                    Report("ProFTPD: offering TLS 1.2 only, so data connections can resume the TLS session after uploads.");
                }
                else if ((_tls.Protocols & System.Security.Authentication.SslProtocols.Tls12) == 0)
                {
                    Report("ProFTPD, TLS 1.3 only (-TlsVersion): it may refuse a data connection after an upload (425, no TLS session to resume); allowing TLS 1.2 avoids that.");
                }
            }

            await _control.StartTlsAsync(_tls!, cancellationToken).ConfigureAwait(false);
        }

        // The questions that do not depend on each other's answers go to a server known to read one command line at a
        // time together, in one write: after the login, one round trip instead of up to seven (each 40 ms over a
        // far-away link). Other servers are asked one question at a time, as some lose commands sent before the
        // previous answer.
        _pipelined = FtpServerQuirks.ReadsPipelinedCommands(greeting.Message);
        string userName;
        try
        {
            userName = await LoginAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ConnectionLostException lost) when (_tls is not null && AfterHandshake(lost, cancellationToken))
        {
            // The first commands after the handshake: with TLS 1.3 a server checks a client certificate only now.
            throw WithClientCertificateHint(lost);
        }

        var questions = new List<string>(7);
        if (_tls is not null)
        {
            // RFC 4217 §9: PBSZ 0 then PROT P protects every data connection with TLS.
            questions.Add("PBSZ 0");
            questions.Add("PROT P");
        }

        questions.Add("SYST");
        questions.Add("FEAT");

        // RFC 2640 §3.2 / draft-ietf-ftpext-utf-8-option: turn on UTF-8 paths where the server needs asking, before
        // the first path is read; a server asked one question at a time is asked only when FEAT lists UTF8, the
        // servers known to read ahead (which all answer it, 200 or a refusal that changes nothing) with the rest.
        // RFC 959 §3.1.1: TYPE I moves bytes unchanged; TYPE A converts line ends, only when asked for. An absolute
        // start path does not depend on the login directory: its CWD and the PWD after it set the current directory,
        // so the login directory (PWD) is asked for only without one.
        var type = _options.Ftp.AsciiMode ? "TYPE A" : "TYPE I";
        var absoluteStart = _options.StartPath is { Length: > 0 } startPath && startPath[0] == '/';
        var later = new List<string>(3) { "OPTS UTF8 ON", type };
        if (!absoluteStart)
        {
            later.Add("PWD");
        }

        if (_pipelined)
        {
            questions.AddRange(later);
        }

        var answers = await AskAsync(questions, _pipelined, cancellationToken).ConfigureAwait(false);
        if (_tls is not null)
        {
            var refused = answers[0].Code.IsPositiveCompletion() ? answers[1] : answers[0];
            if (!refused.Code.IsPositiveCompletion())
            {
                throw new AuthenticationFailedException($"The server refused to protect data connections (PBSZ 0 / PROT P): {FtpReplyParser.Printable(refused.ToString(), 300)}.");
            }
        }

        var syst = answers[questions.IndexOf("SYST")];
        var system = syst.Code == FtpReplyCode.SystemType ? syst.Message : null;

        // RFC 2389 §3: FEAT answers 211 with one feature per line; 500/502 means no extensions.
        var feat = answers[questions.IndexOf("FEAT")];
        var features = feat.Code == FtpReplyCode.SystemStatus ? FtpFeatures.Parse(feat) : FtpFeatures.None;
        _quirks = FtpServerQuirks.Detect(greeting.Message, system, features);

        if (!_pipelined)
        {
            if (!features.Has("UTF8"))
            {
                later.Remove("OPTS UTF8 ON");
            }

            questions = later;
            answers = await AskAsync(later, together: false, cancellationToken).ConfigureAwait(false);
        }

        var typed = answers[questions.IndexOf(type)];
        if (!typed.Code.IsPositiveCompletion())
        {
            throw FtpErrors.Refused(typed, type, null, targetMustExist: false);
        }

        if (absoluteStart)
        {
            await ChangeDirectoryCoreAsync(RemotePath.Normalize(_options.StartPath!), cancellationToken).ConfigureAwait(false);
        }
        else
        {
            _currentDirectory = WorkingDirectory(answers[answers.Length - 1]) ?? "/";
            if (_options.StartPath is { Length: > 0 } relative)
            {
                await ChangeDirectoryCoreAsync(Resolve(relative), cancellationToken).ConfigureAwait(false);
            }
        }

        var ssl = _control.Tls;
        var certificate = _tls?.Validator.LastCertificate;
        Info = new SessionInfo
        {
            ServerBanner = greeting.Message,
            ServerSystem = system,
            Features = features.Names,
            TlsProtocol = ssl is null ? null : FtpTlsContext.ProtocolName(ssl),
            TlsCipher = ssl is null ? null : FtpTlsContext.CipherName(ssl),
            CertificateThumbprint = certificate?.Thumbprint,
            CertificateSubject = certificate?.Subject,
            UserName = userName,
            AsciiMode = _options.Ftp.AsciiMode,
            ClientCertificateSubject = _tls is null ? null : _options.Tls.ClientCertificate?.Subject,
            ClientCertificateThumbprint = _tls is null ? null : _options.Tls.ClientCertificate?.Thumbprint,
        };

        if (_options.KeepAliveInterval is { } interval && interval > TimeSpan.Zero)
        {
            _keepAlive = new Timer(static state => _ = ((FtpSession)state!).KeepAliveTickAsync(), this, interval, interval);
        }
    }

    /// <summary>RFC 959 §4.1.1 login sequence: USER, then PASS on 331, then ACCT on 332.</summary>
    private async Task<string> LoginAsync(CancellationToken cancellationToken)
    {
        var credential = _options.Credential;
        var anonymous = credential is null || string.IsNullOrEmpty(credential.UserName);
        var userName = anonymous ? "anonymous" : credential!.UserName;

        // RFC 1635: anonymous users give an e-mail-like password.
        var password = anonymous ? "anonymous@" : credential!.Password ?? "";
        FtpReply reply;
        if (_pipelined)
        {
            // A server that reads one command line at a time gets USER and PASS in one write (one round trip less).
            // PASS counts only when USER asked for it (331): after a USER that needed none (230) or was refused, its
            // answer is read and dropped. The password goes to the server the session logs in to either way.
            var replies = await AskAsync(new[] { "USER " + userName, "PASS " + password }, together: true, cancellationToken).ConfigureAwait(false);
            reply = replies[0].Code == FtpReplyCode.NeedPassword ? replies[1] : replies[0];
        }
        else
        {
            reply = await CommandAsync("USER " + userName, cancellationToken).ConfigureAwait(false);
            if (reply.Code == FtpReplyCode.NeedPassword)
            {
                reply = await CommandAsync("PASS " + password, cancellationToken).ConfigureAwait(false);
            }
        }

        if (reply.Code == FtpReplyCode.NeedAccount)
        {
            var account = credential?.Domain;
            if (string.IsNullOrEmpty(account))
            {
                throw new AuthenticationFailedException($"The server asks user '{userName}' for an account (ACCT), and none was given (the credential's Domain is sent as the account).");
            }

            reply = await CommandAsync("ACCT " + account, cancellationToken).ConfigureAwait(false);
        }

        if (!reply.Code.IsPositiveCompletion())
        {
            throw new AuthenticationFailedException($"The server refused the login of user '{userName}': {FtpReplyParser.Printable(reply.ToString(), 300)}");
        }

        return userName;
    }

    /// <summary>The directory a PWD reply names; null when it names none or not an absolute one.</summary>
    private static string? WorkingDirectory(FtpReply reply)
    {
        if (reply.Code != FtpReplyCode.PathnameCreated)
        {
            return null;
        }

        var path = FtpReplyText.ParsePathname(reply);
        return path is { Length: > 0 } && path[0] == '/' ? RemotePath.Normalize(path) : null;
    }

    /// <summary>
    /// CWD, then PWD for the server's own name of the directory; in one write to a server that reads one command line
    /// at a time (a refused CWD leaves the server where it was, and that PWD answer is dropped).
    /// </summary>
    private async Task ChangeDirectoryCoreAsync(string full, CancellationToken cancellationToken)
    {
        FtpReply cwd;
        FtpReply? pwd = null;
        if (_pipelined)
        {
            var replies = await AskAsync(new[] { "CWD " + full, "PWD" }, together: true, cancellationToken).ConfigureAwait(false);
            (cwd, pwd) = (replies[0], replies[1]);
        }
        else
        {
            cwd = await CommandAsync("CWD " + full, cancellationToken).ConfigureAwait(false);
        }

        if (!cwd.Code.IsPositiveCompletion())
        {
            throw FtpErrors.Refused(cwd, "CWD", full, targetMustExist: true);
        }

        pwd ??= await CommandAsync("PWD", cancellationToken).ConfigureAwait(false);
        _currentDirectory = WorkingDirectory(pwd) ?? full;
        _away = false;
    }

    /// <summary>True when <paramref name="full"/> is a directory we may enter (the server stays there: see <see cref="_away"/>).</summary>
    private async Task<bool> IsDirectoryAsync(string full, CancellationToken cancellationToken)
    {
        var reply = await CommandAsync("CWD " + full, cancellationToken).ConfigureAwait(false);
        _away |= reply.Code.IsPositiveCompletion();
        return reply.Code.IsPositiveCompletion();
    }

    /// <summary>
    /// Makes <paramref name="full"/> the server's working directory, for a command that works on it (<paramref
    /// name="verb"/>, named in the error when it does not exist). Always sent, even when the server is there already:
    /// the path is looked up again, so a directory renamed and replaced meanwhile (by another client, say) is not
    /// mistaken for its successor.
    /// </summary>
    private async Task EnterDirectoryAsync(string full, string verb, CancellationToken cancellationToken) =>
        Entered(await CommandAsync("CWD " + full, cancellationToken).ConfigureAwait(false), full, verb);

    /// <summary>Takes the answer to CWD <paramref name="full"/>: the server is there now, or <paramref name="verb"/> is refused.</summary>
    private void Entered(FtpReply reply, string full, string verb)
    {
        if (!reply.Code.IsPositiveCompletion())
        {
            throw FtpErrors.Refused(reply, verb, full, targetMustExist: true);
        }

        _away = true;
    }

    /// <summary>Brings the server back to <see cref="CurrentDirectory"/> when a listing left it elsewhere.</summary>
    private async Task ReturnToWorkingDirectoryAsync(CancellationToken cancellationToken)
    {
        if (!_away)
        {
            return;
        }

        var reply = await CommandAsync("CWD " + _currentDirectory, cancellationToken).ConfigureAwait(false);
        if (reply.Code.IsPositiveCompletion())
        {
            _away = false;
        }
        else
        {
            // The working directory itself is gone (removed by someone else): the command that follows says what it says.
            Report($"Could not return to the working directory {_currentDirectory}: {FtpReplyParser.Printable(reply.ToString(), 200)}");
        }
    }

    private async Task<bool> CreateDirectoryCoreAsync(string full, bool createParents, CancellationToken cancellationToken)
    {
        if (full == "/")
        {
            return true;
        }

        if (createParents)
        {
            var prefix = "";
            foreach (var segment in full.Substring(1).Split('/'))
            {
                prefix += "/" + segment;
                if (await IsDirectoryAsync(prefix, cancellationToken).ConfigureAwait(false))
                {
                    continue;
                }

                await MakeDirectoryAsync(prefix, cancellationToken).ConfigureAwait(false);
            }

            return true;
        }

        await MakeDirectoryAsync(full, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private async Task MakeDirectoryAsync(string full, CancellationToken cancellationToken)
    {
        var reply = await CommandAsync("MKD " + full, cancellationToken).ConfigureAwait(false);
        if (reply.Code.IsPositiveCompletion())
        {
            return;
        }

        // 550 says neither "exists" nor "no parent"; look, so the caller learns which.
        if (reply.Code == FtpReplyCode.FileUnavailable)
        {
            if (await GetItemCoreAsync(full, cancellationToken).ConfigureAwait(false) is not null)
            {
                throw FtpErrors.Refused(reply, "MKD", full, RemoteErrorKind.AlreadyExists);
            }

            if (!await IsDirectoryAsync(RemotePath.GetDirectoryName(full), cancellationToken).ConfigureAwait(false))
            {
                throw FtpErrors.Refused(reply, "MKD", full, RemoteErrorKind.NotFound);
            }

            throw FtpErrors.Refused(reply, "MKD", full, RemoteErrorKind.PermissionDenied);
        }

        throw FtpErrors.Refused(reply, "MKD", full, targetMustExist: false);
    }

    /// <summary>
    /// A refused change to an item's attributes (SITE CHMOD, MFMT): a 550 that does not say why (vsftpd's "SITE CHMOD
    /// command failed.") is NotFound only when the item is not there; one that is there was refused (not its owner).
    /// </summary>
    private async Task<CommandRefusedException> ExplainChangeRefusalAsync(FtpReply reply, string verb, string full, CancellationToken cancellationToken)
    {
        var refused = FtpErrors.Refused(reply, verb, full, targetMustExist: true);
        if (refused.Kind != RemoteErrorKind.NotFound)
        {
            return refused;
        }

        return await GetItemCoreAsync(full, cancellationToken).ConfigureAwait(false) is null
            ? refused
            : FtpErrors.Refused(reply, verb, full, RemoteErrorKind.PermissionDenied);
    }

    private async Task<CommandRefusedException> ExplainRemovalAsync(FtpReply reply, string verb, string full, CancellationToken cancellationToken)
    {
        if (reply.Code != FtpReplyCode.FileUnavailable)
        {
            return FtpErrors.Refused(reply, verb, full, targetMustExist: true);
        }

        var item = await GetItemCoreAsync(full, cancellationToken).ConfigureAwait(false);
        if (item is null)
        {
            return FtpErrors.Refused(reply, verb, full, RemoteErrorKind.NotFound);
        }

        if (verb == "RMD" && item.IsDirectory && (await ListCoreAsync(full, cancellationToken).ConfigureAwait(false)).Count > 0)
        {
            return FtpErrors.Refused(reply, verb, full, RemoteErrorKind.NotEmpty);
        }

        return FtpErrors.Refused(reply, verb, full, item.IsDirectory == (verb == "RMD") ? RemoteErrorKind.PermissionDenied : RemoteErrorKind.Failure);
    }

    private async Task QuitAsync(CancellationToken cancellationToken)
    {
        await DrainPendingRepliesAsync(cancellationToken).ConfigureAwait(false);

        // RFC 959 §4.1.1: QUIT, answered by 221, then the server closes. It goes out at once: the answers still owed
        // (to an EPSV sent behind the last transfer, then to renames; only a server that reads commands sent ahead has
        // either) come before 221 and are read in the order they were asked for, with no round trip of their own.
        await _control.SendAsync("QUIT", cancellationToken).ConfigureAwait(false);
        await DropEpsvSentBehindAsync(cancellationToken).ConfigureAwait(false);
        await ReadOwedAsync(cancellationToken).ConfigureAwait(false);
        await _control.ReadReplyAsync(cancellationToken).ConfigureAwait(false);
        _control.Close();
    }

    private async Task KeepAliveTickAsync()
    {
        if (!IsConnected || !await _lock.WaitAsync(0).ConfigureAwait(false))
        {
            return;
        }

        try
        {
            await DrainPendingRepliesAsync(CancellationToken.None).ConfigureAwait(false);
            await CommandAsync("NOOP", CancellationToken.None).ConfigureAwait(false);
        }
        catch (FtpToolsException ex)
        {
            _control.Log(LogDirection.Info, "Keep-alive failed: " + ex.Message);
        }
        finally
        {
            _lock.Release();
        }
    }

    private async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> operation, CancellationToken cancellationToken)
    {
        await EnterAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await operation(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>
    /// True while an operation waits for the one under way (a transfer holds the session from its command to its
    /// end): a reader handing out what it reads to a consumer that waits for room (Get-FtpContent's lines) stops
    /// waiting then, as that consumer may be the very operation waiting here (<see cref="ITurnTaking"/>).
    /// </summary>
    public bool OthersWaiting => Volatile.Read(ref _waitingForTurn) > 0;

    private async Task WaitTurnAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _waitingForTurn);
        try
        {
            await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _waitingForTurn);
        }
    }

    /// <summary>Takes the operation lock and reads any reply an aborted transfer still owes.</summary>
    private async Task EnterAsync(CancellationToken cancellationToken)
    {
        if (_disposed != 0)
        {
            throw new ObjectDisposedException(nameof(FtpSession), "The FTP session is closed.");
        }

        await WaitTurnAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_control.IsClosed)
            {
                throw _control.Unusable();
            }

            try
            {
                await DrainPendingRepliesAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (ConnectionLostException lost) when (lost is not ProtocolViolationException && !cancellationToken.IsCancellationRequested)
            {
                // A server that dropped the session after a given-up transfer (or on its ABOR) shows it here, before
                // this operation sent anything: the operation may run on a new connection (SessionKeeper.RunAsync).
                throw new ConnectionLostException(lost.Message, lost) { BeforeRequest = true };
            }

            Interlocked.Increment(ref _operationsEntered);
        }
        catch
        {
            _lock.Release();
            throw;
        }
    }

    /// <summary>Operations that got past <see cref="EnterAsync"/> to send their own requests (see <see cref="IOperationCount"/>).</summary>
    public long OperationsEntered => Interlocked.Read(ref _operationsEntered);

    /// <summary>
    /// Brings the conversation back in step after a transfer stream was disposed without completing.
    /// An upload is ended like a finished one (close_notify and FIN: the server keeps what arrived,
    /// which is what a later resume continues from) and its final reply is read. A download was cut;
    /// the server may owe a 426, a 226, both, or (pure-ftpd) nothing until it sees ABOR
    /// (RFC 959 §4.1.3). So ABOR is sent and its first final reply read; then NOOP, and replies are
    /// read until NOOP's 200, which consumes whatever else was owed.
    /// </summary>
    private async Task DrainPendingRepliesAsync(CancellationToken cancellationToken)
    {
        if (!_abortPending)
        {
            return;
        }

        if (_abortedUpload is { } upload)
        {
            _abortedUpload = null;
            await upload.TryShutdownAsync(cancellationToken).ConfigureAwait(false);
            upload.Dispose();
            await ReadTransferReplyAsync(cancellationToken).ConfigureAwait(false);
            _abortPending = false;
            return;
        }

        if (_abortedDownload is { } download)
        {
            var reading = _abortedDownloadRead;
            (_abortedDownload, _abortedDownloadRead) = (null, null);
            await AbortDownloadAsync(download, reading, cancellationToken).ConfigureAwait(false);
            _abortPending = false;
            return;
        }

        await AbortAndResynchroniseAsync(cancellationToken).ConfigureAwait(false);
        _abortPending = false;
    }

    /// <summary>
    /// Ends a download that was given up: ABOR while its data connection is still open, then that connection is read
    /// to its end for a moment before it is closed. A server that acts on ABOR during a transfer (ProFTPD, Pure-FTPd)
    /// stops sending and closes it itself; cutting it under a server still writing made ProFTPD's TLS end the whole
    /// session now and then ("unexpected OpenSSL error, disconnecting"). A server that reads ABOR only after the
    /// transfer (vsftpd) has the connection cut after that moment, as before. Then the replies are read as after any
    /// abort. <paramref name="reading"/>, a read of the connection still under way when it was given up, ends first.
    /// </summary>
    private async Task AbortDownloadAsync(FtpDataConnection download, Task<int>? reading, CancellationToken cancellationToken)
    {
        try
        {
            await _control.SendAsync("ABOR", cancellationToken).ConfigureAwait(false);
            using var moment = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            moment.CancelAfter(AbortDrainTime);
            var discard = ArrayPool<byte>.Shared.Rent(64 * 1024);
            try
            {
                // A read still under way (its buffer is not ours) is waited for within the moment; the next may not
                // start before it ends.
                var more = reading is null
                    || (await Task.WhenAny(reading, Task.Delay(AbortDrainTime, moment.Token)).ConfigureAwait(false) == reading
                        && await reading.ConfigureAwait(false) > 0);
                while (more && await download.ReadAsync(discard, 0, discard.Length, moment.Token).ConfigureAwait(false) > 0)
                {
                }
            }
            catch (Exception ex) when (ex is FtpToolsException or OperationCanceledException or System.IO.IOException or ObjectDisposedException)
            {
                // Cut after the moment, or ended by the server: either way the connection is done with.
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(discard);
            }
        }
        finally
        {
            download.Dispose();
        }

        cancellationToken.ThrowIfCancellationRequested();
        await ResynchroniseAfterAbortAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>How long a given-up download's data connection is read after ABOR before it is cut.</summary>
    private static readonly TimeSpan AbortDrainTime = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Aborts a download whose data connection we closed: ABOR, and its first final reply, which is the transfer's
    /// (426 when it was cut, 226 when the server had sent everything; RFC 959 §4.1.3); then NOOP, and replies are
    /// read until NOOP's 200, which consumes whatever else was owed (ABOR's own 225/226, or nothing).
    /// </summary>
    private async Task<FtpReply> AbortAndResynchroniseAsync(CancellationToken cancellationToken)
    {
        await _control.SendAsync("ABOR", cancellationToken).ConfigureAwait(false);
        return await ResynchroniseAfterAbortAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>After ABOR went out: its first final reply (the transfer's), then NOOP and replies up to NOOP's 200.</summary>
    private async Task<FtpReply> ResynchroniseAfterAbortAsync(CancellationToken cancellationToken)
    {
        var final = await ReadTransferReplyAsync(cancellationToken).ConfigureAwait(false);
        await _control.SendAsync("NOOP", cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < MaxPreliminaryReplies; i++)
        {
            var reply = await ReadReplyAsync(cancellationToken).ConfigureAwait(false);
            if (reply.Code == FtpReplyCode.CommandOk)
            {
                return final;
            }
        }

        throw _control.Lost(new ProtocolViolationException("The server's replies after an aborted transfer did not come back in step."));
    }

    /// <summary>
    /// Sends a command and reads its reply; 421 (RFC 959 §4.2: the server is closing) ends the session. The reply is
    /// awaited for the operation timeout, or <paramref name="replyTimeout"/> for a command the server works on before
    /// it answers (a checksum).
    /// </summary>
    private async Task<FtpReply> CommandAsync(string command, CancellationToken cancellationToken, TimeSpan? replyTimeout = null)
    {
        await _control.SendAsync(command, cancellationToken).ConfigureAwait(false);
        return await ReadReplyAsync(cancellationToken, replyTimeout).ConfigureAwait(false);
    }

    /// <summary>
    /// The replies to <paramref name="commands"/>, in order: sent in one write when <paramref name="together"/>,
    /// else each after the answer to the one before. Every command is sent whatever the answers before it.
    /// </summary>
    private async Task<FtpReply[]> AskAsync(IReadOnlyList<string> commands, bool together, CancellationToken cancellationToken)
    {
        var replies = new FtpReply[commands.Count];
        if (together)
        {
            await _control.SendAsync(commands, cancellationToken).ConfigureAwait(false);
        }

        for (var i = 0; i < replies.Length; i++)
        {
            replies[i] = together
                ? await ReadReplyAsync(cancellationToken).ConfigureAwait(false)
                : await CommandAsync(commands[i], cancellationToken).ConfigureAwait(false);
        }

        return replies;
    }

    /// <summary>The reply to the command sent last, read after the answers still owed to renames sent before it (<see cref="ReadOwedAsync"/>).</summary>
    private async Task<FtpReply> ReadReplyAsync(CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        if (HasOwed)
        {
            // On no caller's token: the renames are earlier files' (complete and checked), and cancelling this command
            // must not cost them their answers. The operation timeout still bounds the wait.
            await ReadOwedAsync(CancellationToken.None).ConfigureAwait(false);
        }

        return await ReadOneReplyAsync(cancellationToken, timeout).ConfigureAwait(false);
    }

    private bool StillOpenWhileIdle()
    {
        if (!_lock.Wait(0))
        {
            // In use: the operation's own reads will tell.
            return true;
        }

        try
        {
            return HasOwed || _abortPending || _control.StillOpenWhileIdle();
        }
        finally
        {
            _lock.Release();
        }
    }

    private bool HasOwed
    {
        get
        {
            lock (_owed)
            {
                return _owed.Count > 0;
            }
        }
    }

    /// <summary>
    /// Reads the answers owed to renames sent behind and ends their tasks. A failure to read them closes the
    /// session (as any reply not read does), so every rename still owed fails with it, and it is thrown on.
    /// </summary>
    private async Task ReadOwedAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            OwedRename owed;
            lock (_owed)
            {
                if (_owed.Count == 0)
                {
                    return;
                }

                owed = _owed[0];
            }

            FtpReply rnto;
            try
            {
                owed.Rnfr ??= await ReadOneReplyAsync(cancellationToken).ConfigureAwait(false);
                rnto = await ReadOneReplyAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is FtpToolsException or OperationCanceledException or ObjectDisposedException)
            {
                FailOwed(ex);
                throw;
            }

            lock (_owed)
            {
                // FailOwed (a close on another thread) may have emptied the list meanwhile; it failed this one too.
                _owed.Remove(owed);
            }

            owed.Answer(RenameRefusal(owed.Rnfr, rnto, owed.From, owed.To));
        }
    }

    /// <summary>Ends every rename still owed an answer: the session cannot read it any more.</summary>
    private void FailOwed(Exception cause)
    {
        OwedRename[] failed;
        lock (_owed)
        {
            failed = _owed.ToArray();
            _owed.Clear();
        }

        foreach (var owed in failed)
        {
            owed.Fail(new ConnectionLostException(
                $"The server's answer to the rename of {owed.From} to {owed.To} was not read, so it may or may not have been done: {cause.Message}",
                cause));
        }
    }

    /// <summary>
    /// The next reply; an EPSV sent behind (<see cref="_epsvSentBehindAt"/>) went out before the command this one
    /// answers, so its 229 is read and dropped first.
    /// </summary>
    private async Task<FtpReply> ReadOneReplyAsync(CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        await DropEpsvSentBehindAsync(cancellationToken).ConfigureAwait(false);
        return await ReadControlReplyAsync(cancellationToken, timeout).ConfigureAwait(false);
    }

    /// <summary>
    /// Once a transfer's data connection has ended, and before its final reply is read, sends what comes next to a
    /// server known to read commands that arrive early (<see cref="_pipelined"/>): the server reads them once it has
    /// sent the final reply and answers at once, so their answers follow it with no round trip of their own. EPSV for
    /// the next transfer (RFC 2428 §3; a passive port stays open until the next data command or PASV/EPSV), in passive
    /// mode with EPSV: a transfer that follows takes its 229 (<see cref="TakeEpsvSentBehindAsync"/>), anything else
    /// drops it (<see cref="ReadOneReplyAsync"/>); and after an upload, SIZE of the file (RFC 3659 §4), the length the
    /// transfer engine checks before the file is renamed into place (<see cref="ReadSizeSentBehindAsync"/>). After an
    /// upload only to a server that reads no command while the data flows
    /// (<see cref="FtpServerQuirks.ReadsCommandsOnlyBetweenTransfers"/>): Pure-FTPd answers 500 to what comes then.
    /// The caller reads the final reply, then SIZE's answer, then calls <see cref="TransferEnded"/>; when it cannot,
    /// the abort that follows reads these answers with the rest (up to NOOP's).
    /// </summary>
    internal async Task<SentBehind> SendBehindTransferAsync(bool upload, string path, CancellationToken cancellationToken)
    {
        if (!_pipelined || _control.IsClosed || HasOwed || (upload && !_quirks.ReadsCommandsOnlyBetweenTransfers))
        {
            return default;
        }

        var size = upload && _quirks.HasSize && !_quirks.UseMachineListing && !_options.Ftp.AsciiMode;
        var epsv = _quirks.UseEpsv && _options.Ftp.DataMode != FtpDataMode.Active && _epsvSentBehindAt == 0;
        var commands = new List<string>(2);
        if (size)
        {
            commands.Add("SIZE " + path);
        }

        if (epsv)
        {
            commands.Add("EPSV");
        }

        if (commands.Count > 0)
        {
            await _control.SendAsync(commands, cancellationToken).ConfigureAwait(false);
        }

        return new SentBehind(size, epsv);
    }

    /// <summary>The answer to SIZE sent behind an upload (<see cref="SendBehindTransferAsync"/>), read after the final reply.</summary>
    internal async Task<long?> ReadSizeSentBehindAsync(CancellationToken cancellationToken) =>
        SizeOf(await ReadControlReplyAsync(cancellationToken).ConfigureAwait(false));

    /// <summary>The transfer's final reply, and SIZE's answer if one was sent behind it, are read: an EPSV sent behind is owed from now on.</summary>
    internal void TransferEnded(SentBehind sent)
    {
        if (sent.Epsv)
        {
            _epsvSentBehindAt = Stopwatch.GetTimestamp();
        }
    }

    /// <summary>What <see cref="SendBehindTransferAsync"/> sent: SIZE, EPSV, both or neither (default).</summary>
    internal readonly record struct SentBehind(bool Size, bool Epsv);

    /// <summary>
    /// The answer to an EPSV sent behind the last transfer, for the transfer about to start; null when there is none,
    /// or when it is older than <see cref="EpsvSentBehindMaxAge"/> (its answer is read and dropped then).
    /// </summary>
    private async Task<FtpReply?> TakeEpsvSentBehindAsync(CancellationToken cancellationToken)
    {
        var sentAt = _epsvSentBehindAt;
        if (sentAt == 0)
        {
            return null;
        }

        _epsvSentBehindAt = 0;
        var reply = await ReadControlReplyAsync(cancellationToken, askedEarlier: true).ConfigureAwait(false);
        return Stopwatch.GetTimestamp() - sentAt <= (long)(EpsvSentBehindMaxAge.TotalSeconds * Stopwatch.Frequency) ? reply : null;
    }

    /// <summary>Reads and drops the answer to an EPSV sent behind the last transfer, if one is owed.</summary>
    private async Task DropEpsvSentBehindAsync(CancellationToken cancellationToken)
    {
        if (_epsvSentBehindAt != 0)
        {
            _epsvSentBehindAt = 0;
            await ReadControlReplyAsync(cancellationToken, askedEarlier: true).ConfigureAwait(false);
        }
    }

    private async Task<FtpReply> ReadControlReplyAsync(CancellationToken cancellationToken, TimeSpan? timeout = null, bool askedEarlier = false)
    {
        var reply = await _control.ReadReplyAsync(cancellationToken, timeout, askedEarlier).ConfigureAwait(false);
        if (reply.Code == FtpReplyCode.ServiceNotAvailable)
        {
            throw _control.Lost(new ConnectionLostException($"The server closed the session: {FtpReplyParser.Printable(reply.ToString(), 300)}"));
        }

        return reply;
    }

    private string Resolve(string path)
    {
        if (path is null)
        {
            throw new ArgumentNullException(nameof(path));
        }

        return RemotePath.Combine(_currentDirectory, path);
    }

    private void Report(string message) => _control.Log(LogDirection.Info, message);

    private IPAddress PeerAddress => _control.RemoteEndPoint.Address;

    /// <summary>A rename whose RNFR and RNTO went out together and whose answers are still to be read.</summary>
    private sealed class OwedRename
    {
        // Continuations run where the answer is read (inside the next command's read, under the operation lock): the
        // upload's commit ends there and hands its result on without a thread-pool hand-over per file; what it may do
        // with the session afterwards (a refused rename's fallback, removing the part file) waits for the lock
        // asynchronously, never blocking the reader.
        private readonly TaskCompletionSource<bool> _answered = new();

        public OwedRename(string from, string to)
        {
            From = from;
            To = to;
        }

        public string From { get; }

        public string To { get; }

        /// <summary>RNFR's answer, once read (RNTO's may not be there yet).</summary>
        public FtpReply? Rnfr { get; set; }

        /// <summary>Ends when both answers are read: done, or the refusal (<see cref="RenameRefusal"/>).</summary>
        public Task Answered => _answered.Task;

        public void Answer(CommandRefusedException? refusal)
        {
            if (refusal is null)
            {
                _answered.TrySetResult(true);
            }
            else
            {
                _answered.TrySetException(refusal);
            }
        }

        public void Fail(ConnectionLostException lost) => _answered.TrySetException(lost);
    }
}
