using System;
using System.Buffers;
using System.Collections.Generic;
using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;
using FtpTools.Core.IO;
using ProtocolViolationException = FtpTools.Core.Errors.ProtocolViolationException;
using FtpTools.Core.Logging;
using FtpTools.Core.Paths;

namespace FtpTools.Core.Ftp;

/// <summary>Data connections, transfers and listings.</summary>
internal sealed partial class FtpSession
{
    /// <summary>A listing with more lines than this is refused rather than held in memory.</summary>
    private const int MaxListingLines = 1_000_000;

    /// <summary>
    /// Read-ahead under a TLS data connection: several 16 KiB records per socket read. Under the large-object
    /// threshold (85,000 bytes), so a data connection per small file costs the collector nothing special.
    /// </summary>
    private const int DataReadAheadBytes = 64 * 1024;

    /// <summary>
    /// From this many bytes on, a passive download reads its data connection with blocking reads on a thread of its
    /// own: per read, one system call instead of a wake-up of the runtime's socket event thread and a hand-over to the
    /// thread pool (measured on loopback: about half the CPU time, a fifth less wall time for 1 GiB). Below it, a
    /// thread per file would cost more than it saves.
    /// </summary>
    internal const long BlockingReadThreshold = 4 * 1024 * 1024;

    /// <summary>
    /// The largest upload whose data is sent before the server answers STOR (<see cref="OpenEarlyStoreAsync"/>): well
    /// within what the client's send buffer and the server's receive buffer take before the server reads anything.
    /// </summary>
    internal const long EarlyDataLimit = 64 * 1024;

    private static readonly Encoding StrictUtf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private static readonly Encoding Latin1 = Encoding.GetEncoding(28591);

    public Task<RemoteFileStream> OpenReadAsync(string path, long offset, CancellationToken cancellationToken) =>
        OpenReadAsync(path, offset, blockingReads: false, cancellationToken);

    /// <summary>
    /// As <see cref="OpenReadAsync(string, long, CancellationToken)"/>. A passive download of at least
    /// <see cref="BlockingReadThreshold"/> bytes, or of unknown length, gets a data connection for blocking reads
    /// (<see cref="RemoteFileStream.ReadsBlocking"/>), which the transfer engine copies from on a thread of its own.
    /// </summary>
    public Task<RemoteFileStream> OpenReadAsync(string path, long offset, long? knownLength, CancellationToken cancellationToken) =>
        OpenReadAsync(path, offset, blockingReads: !_options.Ftp.AsciiMode && (knownLength is not long length || length - offset >= BlockingReadThreshold), cancellationToken);

    private async Task<RemoteFileStream> OpenReadAsync(string path, long offset, bool blockingReads, CancellationToken cancellationToken)
    {
        if (offset < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), offset, "The offset cannot be negative.");
        }

        CheckOffsetForType(offset);
        await EnterAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var full = Resolve(path);

            // RFC 3659 §5: REST STREAM then RETR continues a download at the offset.
            var data = await OpenTransferAsync("RETR", full, offset, targetMustExist: true, cancellationToken, blockingReads).ConfigureAwait(false);
            return Typed(new FtpFileStream(this, data, writing: false, full, offset));
        }
        catch
        {
            _lock.Release();
            throw;
        }
    }

    /// <summary>
    /// As <see cref="OpenWriteAsync(string, long, CancellationToken)"/>. A new upload (offset 0) of at most
    /// <see cref="EarlyDataLimit"/> bytes over a plain passive data connection sends its data right after STOR,
    /// without waiting for the server's 150 (<see cref="OpenEarlyStoreAsync"/>): one round trip less per small file.
    /// </summary>
    public Task<RemoteFileStream> OpenWriteAsync(string path, long offset, long? knownLength, CancellationToken cancellationToken) =>
        offset == 0 && knownLength is long length && length <= EarlyDataLimit && _tls is null && _options.Ftp.DataMode != FtpDataMode.Active && !_options.Ftp.AsciiMode
            ? OpenEarlyStoreAsync(path, cancellationToken)
            : OpenWriteAsync(path, offset, cancellationToken);

    public async Task<RemoteFileStream> OpenWriteAsync(string path, long offset, CancellationToken cancellationToken)
    {
        if (offset < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), offset, "The offset cannot be negative.");
        }

        CheckOffsetForType(offset);
        await EnterAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var full = Resolve(path);
            FtpDataConnection data;
            if (offset == 0 || _quirks.RestartStore)
            {
                // RFC 3659 §5.5: REST then STOR writes from the offset without truncating.
                data = await OpenTransferAsync("STOR", full, offset, targetMustExist: false, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                // Without REST STREAM for uploads, APPE continues the file, which is only right when it ends exactly at the offset.
                var size = await SizeAsync(full, cancellationToken).ConfigureAwait(false);
                if (size != offset)
                {
                    throw new CommandRefusedException(
                        $"Cannot resume the upload of {full} at {offset}: the server's file has {(size is null ? "an unknown number of" : size.Value.ToString(CultureInfo.InvariantCulture))} bytes.",
                        RemoteErrorKind.Failure,
                        path: full);
                }

                data = await OpenTransferAsync("APPE", full, 0, targetMustExist: false, cancellationToken).ConfigureAwait(false);
            }

            data.StartDraining();
            return Typed(new FtpFileStream(this, data, writing: true, full, offset));
        }
        catch
        {
            _lock.Release();
            throw;
        }
    }

    /// <summary>In ASCII mode (<see cref="FtpOptions.AsciiMode"/>) the stream converts line ends (<see cref="FtpAsciiStream"/>).</summary>
    private RemoteFileStream Typed(FtpFileStream stream) => _options.Ftp.AsciiMode ? new FtpAsciiStream(stream) : stream;

    /// <summary>An offset means nothing to an ASCII-mode transfer: the two sides' lengths differ by the line ends.</summary>
    private void CheckOffsetForType(long offset)
    {
        if (offset > 0 && _options.Ftp.AsciiMode)
        {
            throw new ArgumentException("An ASCII-mode transfer cannot continue at an offset: line ends change the length on the way. Transfer the whole file, or use binary mode.", nameof(offset));
        }
    }

    /// <summary>
    /// A STOR whose data goes out right after the command, before the server's 150. The passive data connection is
    /// connected before STOR is sent, and TCP holds what is written until the server takes the connection, so no
    /// server can tell the difference; what changes is that the data no longer waits a round trip for the 150. Only
    /// small files (<see cref="EarlyDataLimit"/>), whose bytes fit in the two ends' socket buffers, go this way: a
    /// server that refuses STOR (550, 553) and never takes the connection cannot hold the writes up, the refusal is
    /// read after them (<see cref="FtpFileStream.CompleteAsync"/>) and is the upload's error as usual. Not over TLS:
    /// the handshake, which needs the server, comes before any data anyway.
    /// </summary>
    private async Task<RemoteFileStream> OpenEarlyStoreAsync(string path, CancellationToken cancellationToken)
    {
        await EnterAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var full = Resolve(path);
            PendingDataConnection pending;
            try
            {
                pending = await PrepareDataConnectionAsync(blocking: false, "STOR", enter: null, cancellationToken).ConfigureAwait(false);
            }
            catch (ConnectionLostException ex) when (!_control.IsClosed && ex is not ProtocolViolationException)
            {
                // The passive connect failed; the control connection answered, and nothing is owed on it.
                throw FtpErrors.DataConnectionFailed("STOR", full, ex);
            }

            using (pending)
            {
                var socket = await pending.TakeSocketAsync(PeerAddress, checkPeer: false, _options.ConnectTimeout, cancellationToken).ConfigureAwait(false);
                var data = new FtpDataConnection(socket, new NetworkStream(socket, ownsSocket: true), _options.OperationTimeout, null, readsBlocking: false, pollFirst: _control.AnswersQuickly);
                try
                {
                    await _control.SendAsync("STOR " + full, cancellationToken).ConfigureAwait(false);
                }
                catch
                {
                    data.Dispose();
                    throw;
                }

                data.StartDraining();
                return new FtpFileStream(this, data, writing: true, full, 0, preliminaryPending: true);
            }
        }
        catch
        {
            _lock.Release();
            throw;
        }
    }

    /// <summary>Checks the final reply of a transfer; a refusal there (426, 451, 552...) means the file is not complete.</summary>
    internal static void CheckTransferReply(FtpReply reply, string verb, string path, bool mustSucceed)
    {
        if (mustSucceed && !reply.Code.IsPositiveCompletion())
        {
            throw FtpErrors.Refused(reply, verb, path, targetMustExist: false);
        }
    }

    private async Task<IReadOnlyList<RemoteItem>> ListCoreAsync(string full, CancellationToken cancellationToken)
    {
        var machine = _quirks.UseMachineListing;
        var listing = new Listing.FtpListingBuilder(full, DateTime.UtcNow, machine);
        if (machine)
        {
            // RFC 3659 §7: MLSD lists one directory in a fixed, machine-readable format.
            await ReadListingAsync("MLSD", full, listing, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            // LIST's argument goes to ls-like code on most servers (options, globs, and silence for a
            // missing path), so enter the directory and list it without an argument. The server stays there
            // (see _away): a walk lists one directory after another, and coming back each time cost a round trip.
            await ReadListingAsync(_quirks.ListCommand, null, listing, cancellationToken, enter: full).ConfigureAwait(false);
        }

        return FtpListingAdapter.Complete(listing, full, Report);
    }

    private async Task<RemoteItem?> GetItemCoreAsync(string full, CancellationToken cancellationToken)
    {
        if (full == "/")
        {
            return new RemoteItem("", "/", RemoteItemKind.Directory);
        }

        if (_quirks.UseMachineListing)
        {
            // RFC 3659 §7.2: the facts come on a line of their own, starting with a space, inside a 250 reply.
            var reply = await CommandAsync("MLST " + full, cancellationToken).ConfigureAwait(false);
            if (reply.Code.IsPositiveCompletion())
            {
                foreach (var line in reply.Lines)
                {
                    if (line.Length > 1 && line[0] == ' ')
                    {
                        return FtpListingAdapter.ParseMlst(line, full, Report);
                    }
                }

                Report($"MLST {full} was answered without a fact line.");
            }
            else if (reply.Code != FtpReplyCode.FileUnavailable && reply.Code != FtpReplyCode.SyntaxErrorInParameters)
            {
                throw FtpErrors.Refused(reply, "MLST", full, targetMustExist: true);
            }

            return null;
        }

        var name = RemotePath.GetFileName(full);
        if (_quirks.HasSize)
        {
            // Without MLST, a regular file answers SIZE (RFC 3659 §4) and a directory CWD: a few round trips
            // whatever the size of the parent directory. Batches stat every file, and listing a parent of
            // thousands of entries for each one made them quadratic. (In ASCII mode SIZE may count converted bytes,
            // which nothing compares there.)
            // A server that reads one command line at a time gets SIZE and MDTM in one write; MDTM's answer is
            // dropped when SIZE's says it is no file.
            long? size;
            FtpReply? mdtm = null;
            var ascii = _options.Ftp.AsciiMode;
            if (_pipelined && _quirks.HasMdtm)
            {
                var replies = await AskAsync(new[] { "SIZE " + full, "MDTM " + full }, together: true, cancellationToken).ConfigureAwait(false);
                size = SizeOf(replies[0]);
                mdtm = replies[1];
            }
            else
            {
                size = await SizeAsync(full, cancellationToken).ConfigureAwait(false);
                mdtm = (size is not null || ascii) && _quirks.HasMdtm ? await CommandAsync("MDTM " + full, cancellationToken).ConfigureAwait(false) : null;
            }

            if (size is not null)
            {
                return new RemoteItem(name, full, RemoteItemKind.File) { Length = size, LastWriteTimeUtc = mdtm is null ? null : ModificationTimeOf(mdtm) };
            }

            if (await IsDirectoryAsync(full, cancellationToken).ConfigureAwait(false))
            {
                return new RemoteItem(name, full, RemoteItemKind.Directory);
            }

            // In ASCII mode a server may refuse SIZE for a file that is there (RFC 3659 §4 lets it; ProFTPD does), and
            // an upload must not take it for missing and replace it. MDTM, which the type does not touch, says when
            // there is nothing (550); anything else (it is there, of a kind a refused CWD does not tell, or MDTM is
            // refused) is the listing's to say.
            if (!ascii || mdtm?.Code == FtpReplyCode.FileUnavailable)
            {
                return null;
            }
        }

        // Without MLST or SIZE: the parent's listing tells kind, size, time and permissions in one go.
        IReadOnlyList<RemoteItem>? siblings = null;
        try
        {
            siblings = await ListCoreAsync(RemotePath.GetDirectoryName(full), cancellationToken).ConfigureAwait(false);
        }
        catch (CommandRefusedException ex) when (ex.Kind == RemoteErrorKind.NotFound)
        {
            return null;
        }

        foreach (var sibling in siblings)
        {
            if (string.Equals(sibling.Name, name, StringComparison.Ordinal))
            {
                if (sibling.Kind == RemoteItemKind.File && _quirks.HasMdtm)
                {
                    // Listings give minutes at best; MDTM (RFC 3659 §3) gives the exact UTC time.
                    var exact = await ModificationTimeAsync(full, cancellationToken).ConfigureAwait(false);
                    if (exact is not null)
                    {
                        return Copy(sibling, exact);
                    }
                }

                return sibling;
            }
        }

        // Hidden from the listing (vsftpd hides dot files by default): ask about the name itself.
        var fileSize = _quirks.HasSize ? await SizeAsync(full, cancellationToken).ConfigureAwait(false) : null;
        if (fileSize is not null)
        {
            var time = _quirks.HasMdtm ? await ModificationTimeAsync(full, cancellationToken).ConfigureAwait(false) : null;
            return new RemoteItem(name, full, RemoteItemKind.File) { Length = fileSize, LastWriteTimeUtc = time };
        }

        return await IsDirectoryAsync(full, cancellationToken).ConfigureAwait(false)
            ? new RemoteItem(name, full, RemoteItemKind.Directory)
            : null;
    }

    private static RemoteItem Copy(RemoteItem item, DateTime? lastWriteTimeUtc) => new(item.Name, item.FullName, item.Kind)
    {
        Length = item.Length,
        LastWriteTimeUtc = lastWriteTimeUtc,
        PermissionBits = item.PermissionBits,
        Permissions = item.Permissions,
        Owner = item.Owner,
        Group = item.Group,
        LinkTarget = item.LinkTarget,
    };

    /// <summary>SIZE (RFC 3659 §4); null when the server does not tell (no such file, a directory, no SIZE).</summary>
    private async Task<long?> SizeAsync(string full, CancellationToken cancellationToken) =>
        SizeOf(await CommandAsync("SIZE " + full, cancellationToken).ConfigureAwait(false));

    private static long? SizeOf(FtpReply reply) => reply.Code == FtpReplyCode.FileStatus ? FtpReplyText.ParseSize(reply) : null;

    /// <summary>MDTM (RFC 3659 §3); null when the server does not tell.</summary>
    private async Task<DateTime?> ModificationTimeAsync(string full, CancellationToken cancellationToken) =>
        ModificationTimeOf(await CommandAsync("MDTM " + full, cancellationToken).ConfigureAwait(false));

    private static DateTime? ModificationTimeOf(FtpReply reply) =>
        reply.Code == FtpReplyCode.FileStatus ? FtpReplyText.ParseModificationTime(reply) : null;

    /// <summary>
    /// Runs a listing command and hands its lines, decoded and without line ends, to <paramref name="listing"/> as
    /// they arrive. With <paramref name="enter"/>, that directory is entered first (for a bare LIST).
    /// </summary>
    private async Task ReadListingAsync(string verb, string? path, Listing.FtpListingBuilder listing, CancellationToken cancellationToken, string? enter = null)
    {
        DataConnectionFailedException? failure = null;
        CommandRefusedException? tooLong = null;
        var data = await OpenTransferAsync(verb, path, 0, targetMustExist: true, cancellationToken, enter: enter).ConfigureAwait(false);
        var givenUp = false;

        // Buffers: both rented here and returned in the finally below, unless a read still under way is given up
        // with the listing (it may still write to its buffer, which is then left to the garbage collector).
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        var line = ArrayPool<byte>.Shared.Rent(Listing.FtpListingParser.MaxLineLength + 1);
        var lineLength = 0;
        Task<int>? reading = null;
        try
        {
            while (true)
            {
                // The caller's token never reaches the read: an SslStream read cancelled part-way leaves the stream
                // corrupt, and the abort that follows a cancelled listing reads the connection on (the server's TLS
                // session tickets are there, which vsftpd's next data connection needs), so the read is left to
                // finish there instead.
                cancellationToken.ThrowIfCancellationRequested();
                reading = data.ReadAsync(buffer, 0, buffer.Length, CancellationToken.None);
                if (!reading.IsCompleted && cancellationToken.CanBeCanceled)
                {
                    await WhenDoneOrCancelledAsync(reading, cancellationToken).ConfigureAwait(false);
                }

                var read = await reading.ConfigureAwait(false);
                reading = null;
                if (read == 0)
                {
                    break;
                }

                lineLength = AddLines(listing, buffer, read, line, lineLength);
            }

            if (lineLength > 0)
            {
                AddLine(listing, line, lineLength);
            }

            await data.TryShutdownAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (DataConnectionFailedException ex)
        {
            failure = ex;
        }
        catch (CommandRefusedException ex)
        {
            tooLong = ex;
        }
        catch (OperationCanceledException) when (!_control.IsClosed)
        {
            // Cancelled while the listing's data was coming (Ctrl+C, a tab completion's time limit): the listing is
            // given up as a cancelled download is (FtpFileStream), its data connection left open and its final reply
            // owed, and the next command aborts it first (DrainPendingRepliesAsync): ABOR while the server may still
            // be sending, then the replies up to NOOP's, so that none answers a later command.
            (_abortedDownload, _abortedDownloadRead, _abortPending) = (data, reading, true);
            reading?.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            givenUp = true;
            throw;
        }
        finally
        {
            if (reading is null || reading.IsCompleted)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
            else if (!givenUp)
            {
                // Ended by the dispose below; its buffer is left to the garbage collector.
                _ = reading.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            }

            ArrayPool<byte>.Shared.Return(line);
            if (!givenUp)
            {
                data.Dispose();
            }
        }

        if (failure is not null)
        {
            throw await DataConnectionFailedAsync(verb, path ?? _currentDirectory, failure, abort: true, cancellationToken).ConfigureAwait(false);
        }

        if (tooLong is not null)
        {
            // The rest of the listing is not read: the transfer is aborted so that its final reply does not answer
            // the session's next command.
            await AbortAndResynchroniseAsync(cancellationToken).ConfigureAwait(false);
            throw tooLong;
        }

        var sent = await SendBehindTransferAsync(upload: false, path ?? _currentDirectory, cancellationToken).ConfigureAwait(false);
        var reply = await ReadTransferReplyAsync(cancellationToken).ConfigureAwait(false);
        TransferEnded(sent);
        CheckTransferReply(reply, verb, path ?? _currentDirectory, mustSucceed: true);
    }

    /// <summary>Returns when <paramref name="reading"/> has ended, or throws <see cref="OperationCanceledException"/> first when <paramref name="cancellationToken"/> is cancelled.</summary>
    private static async Task WhenDoneOrCancelledAsync(Task reading, CancellationToken cancellationToken)
    {
        var cancelled = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        using (cancellationToken.Register(static state => ((TaskCompletionSource<bool>)state!).TrySetResult(true), cancelled))
        {
            if (await Task.WhenAny(reading, cancelled.Task).ConfigureAwait(false) != reading)
            {
                throw new OperationCanceledException(cancellationToken);
            }
        }
    }

    /// <summary>
    /// Adds the lines that end in the first <paramref name="count"/> bytes of <paramref name="received"/>;
    /// <paramref name="line"/> holds the unfinished line (<paramref name="lineLength"/> bytes) across calls. Returns
    /// the unfinished line's new length.
    /// </summary>
    [MethodImpl(HotPath.Optimized)]
    private static int AddLines(Listing.FtpListingBuilder listing, byte[] received, int count, byte[] line, int lineLength)
    {
        var rest = received.AsSpan(0, count);
        while (true)
        {
            var end = rest.IndexOf((byte)'\n');
            var part = end < 0 ? rest : rest.Slice(0, end);

            // A longer line is kept one byte too long, so the parser reports it as such.
            var room = Listing.FtpListingParser.MaxLineLength + 1 - lineLength;
            var kept = Math.Min(room, part.Length);
            part.Slice(0, kept).CopyTo(line.AsSpan(lineLength));
            lineLength += kept;
            if (end < 0)
            {
                return lineLength;
            }

            AddLine(listing, line, lineLength);
            lineLength = 0;
            rest = rest.Slice(end + 1);
        }
    }

    private static void AddLine(Listing.FtpListingBuilder listing, byte[] line, int length)
    {
        if (listing.LineCount >= MaxListingLines)
        {
            throw new CommandRefusedException($"The listing has more than {MaxListingLines} lines; it was not read to its end.", RemoteErrorKind.Failure);
        }

        if (length > 0 && line[length - 1] == (byte)'\r')
        {
            length--;
        }

        string text;
        try
        {
            text = StrictUtf8.GetString(line, 0, length);
        }
        catch (DecoderFallbackException)
        {
            text = Latin1.GetString(line, 0, length);
        }

        listing.Add(text);
    }

    /// <summary>
    /// Opens a data connection and starts a transfer command on it (RFC 959 §5.4: the command is
    /// answered first by 1yz, then, after the data, by 2yz). On success the transfer's final reply
    /// is still owed on the control connection. With blockingReads a passive data connection is made for blocking
    /// reads (<see cref="FtpDataConnection.ReadsBlocking"/>): connected, and TLS-secured, with synchronous calls. An
    /// active one is accepted asynchronously, so it is as usual.
    /// </summary>
    private async Task<FtpDataConnection> OpenTransferAsync(string verb, string? path, long restartOffset, bool targetMustExist, CancellationToken cancellationToken, bool blockingReads = false, string? enter = null)
    {
        blockingReads &= _options.Ftp.DataMode != FtpDataMode.Active;
        PendingDataConnection pending;
        try
        {
            pending = await PrepareDataConnectionAsync(blockingReads, verb, enter, cancellationToken).ConfigureAwait(false);
        }
        catch (ConnectionLostException ex) when (!_control.IsClosed && ex is not ProtocolViolationException)
        {
            // The passive connect failed; the control connection answered, and nothing is owed on it.
            throw FtpErrors.DataConnectionFailed(verb, path, ex);
        }

        using var _ = pending;
        if (restartOffset > 0)
        {
            var rest = await CommandAsync("REST " + restartOffset.ToString(CultureInfo.InvariantCulture), cancellationToken).ConfigureAwait(false);
            if (rest.Code != FtpReplyCode.FileActionPendingFurtherInformation)
            {
                throw FtpErrors.Refused(rest, "REST", path, RemoteErrorKind.Unsupported);
            }
        }

        pending.StartAccepting();

        // A passive data connection is connected already, so its TLS handshake starts now, alongside the command,
        // instead of after the server's 150: the client speaks first in TLS, and the ClientHello waits in the
        // server's socket buffer until the server turns to the data connection. That saves a round trip per transfer
        // (per file, for many small ones) whichever the server does first, its 1yz reply or its side of the handshake.
        EarlyHandshake? early = null;
        if (_tls is not null && pending.IsConnected)
        {
            early = StartDataHandshake(await pending.TakeSocketAsync(PeerAddress, checkPeer: false, _options.ConnectTimeout, cancellationToken).ConfigureAwait(false), blockingReads);
        }

        var command = path is null ? verb : verb + " " + path;
        FtpReply reply;
        try
        {
            reply = await CommandAsync(command, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await AbandonAsync(early).ConfigureAwait(false);
            throw;
        }

        if (!reply.Code.IsPositivePreliminary())
        {
            if (await AbandonAsync(early).ConfigureAwait(false) is TrustFailureException refusedCertificate)
            {
                // A server that judged the handshake before it answered: the certificate is the cause.
                throw DataTrustFailure(command, refusedCertificate, reply);
            }

            if (reply.Code.IsPositiveCompletion())
            {
                throw _control.Lost(new ProtocolViolationException($"The server answered {verb} with {FtpReplyParser.Printable(reply.ToString(), 200)} before opening the data connection."));
            }

            throw FtpErrors.Refused(reply, verb, path, targetMustExist);
        }

        // From here the server owes a final reply; if the data connection fails, read it so the
        // caller learns what the server said and the session stays in step. A cancellation gives the data
        // connection's making a moment to end (WithGraceAsync): made, the transfer's first read sees the cancellation
        // and the transfer is aborted as any given up (DrainPendingRepliesAsync); a data handshake cut in the middle
        // made vsftpd and Pure-FTPd end the whole session.
        try
        {
            early ??= _tls is null ? null : StartDataHandshake(
                await WithGraceAsync(pending.TakeSocketAsync(PeerAddress, !_options.Ftp.TrustPassiveAddress, _options.ConnectTimeout, CancellationToken.None), cut: null, cancellationToken).ConfigureAwait(false),
                blockingReads);
            if (early is not null)
            {
                var ssl = await WithGraceAsync(early.Secured, early.Socket.Dispose, cancellationToken).ConfigureAwait(false);
                Report($"Data connection secured: {FtpTlsContext.ProtocolName(ssl)}.");
                if (_tls!.TakeNote() is { } note)
                {
                    Report(note);
                }
                return new FtpDataConnection(early.Socket, ssl, _options.OperationTimeout, early.ReadAhead, blockingReads)
                {
                    // Through a proxy: see FtpDataConnection.HalfCloseAfterServer.
                    HalfCloseAfterServer = _options.Proxy is not null,
                    Note = Report,
                };
            }

            var socket = await WithGraceAsync(pending.TakeSocketAsync(PeerAddress, !_options.Ftp.TrustPassiveAddress, _options.ConnectTimeout, CancellationToken.None), cut: null, cancellationToken).ConfigureAwait(false);
            return new FtpDataConnection(socket, new NetworkStream(socket, ownsSocket: true), _options.OperationTimeout, null, blockingReads, pollFirst: !blockingReads && _control.AnswersQuickly);
        }
        catch (ConnectionLostException ex) when (!_control.IsClosed && ex is not ProtocolViolationException)
        {
            // The server is waiting for the connection or its TLS handshake and answers (425, 522) when it gives up.
            throw await DataConnectionFailedAsync(verb, path, ex, abort: false, cancellationToken).ConfigureAwait(false);
        }
        catch (TrustFailureException untrusted) when (!_control.IsClosed)
        {
            // The control connection's certificate was trusted and this one is not: the handshake was refused and the
            // socket closed, so the server answers the transfer (425, 522). That reply is read here so that it does not
            // answer the next command; the failure stays a trust failure, with the certificate that caused it.
            FtpReply answer;
            try
            {
                answer = await ReadTransferReplyAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (ConnectionLostException lost) when (lost is not ProtocolViolationException)
            {
                throw _control.Lost(FtpErrors.ControlLostToo(verb, path, untrusted, lost));
            }

            throw DataTrustFailure(command, untrusted, answer);
        }
    }

    /// <summary>How long a data connection still being made gets to finish once its transfer is cancelled.</summary>
    private static readonly TimeSpan DataSetupGrace = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Waits for <paramref name="making"/>, a step in making a data connection (an active one's accept, a TLS
    /// handshake) that no token cuts. When <paramref name="cancellationToken"/> is cancelled first, the step gets
    /// <see cref="DataSetupGrace"/> more and the connection is returned if it ends in time, for the transfer's first
    /// read to see the cancellation; else it is given up: <paramref name="cut"/> ends it, whatever it still makes is
    /// closed, the transfer's final reply is marked owed (the next command aborts the transfer first) and this
    /// throws <see cref="OperationCanceledException"/>. So a server that never opens the connection cannot hold a
    /// cancellation for a whole timeout.
    /// </summary>
    private async Task<T> WithGraceAsync<T>(Task<T> making, Action? cut, CancellationToken cancellationToken)
        where T : IDisposable
    {
        if (!making.IsCompleted && cancellationToken.CanBeCanceled)
        {
            var cancelled = false;
            try
            {
                await WhenDoneOrCancelledAsync(making, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                cancelled = true;
            }

            if (cancelled && await Task.WhenAny(making, Task.Delay(DataSetupGrace, CancellationToken.None)).ConfigureAwait(false) != making)
            {
                cut?.Invoke();
                _ = making.ContinueWith(
                    static t =>
                    {
                        if (t.Status == TaskStatus.RanToCompletion)
                        {
                            t.Result.Dispose();
                        }

                        return t.Exception;
                    },
                    CancellationToken.None,
                    TaskContinuationOptions.None,
                    TaskScheduler.Default);
                _abortPending = true;
                throw new OperationCanceledException(cancellationToken);
            }
        }

        return await making.ConfigureAwait(false);
    }

    private static TrustFailureException DataTrustFailure(string command, TrustFailureException untrusted, FtpReply answer) => new(
        $"The data connection for {command} was closed: {untrusted.Message} " +
        $"The server then said: {FtpReplyParser.Printable(answer.ToString(), 200)}",
        untrusted.Fingerprint,
        untrusted.Reason);

    /// <summary>Starts the TLS handshake on a data connection; the returned handshake owns the socket.</summary>
    private EarlyHandshake StartDataHandshake(Socket socket, bool blocking)
    {
        // On no caller's token (see OpenTransferAsync): the operation timeout bounds it, and a refused or failed
        // transfer command ends it by closing the socket (AbandonAsync).
        var readAhead = new ReadAheadStream(new NetworkStream(socket, ownsSocket: true), DataReadAheadBytes);
        return new EarlyHandshake(socket, readAhead, _tls!.AuthenticateAsync(readAhead, socket, _options.OperationTimeout, CancellationToken.None, blocking));
    }

    /// <summary>
    /// Ends a data connection whose transfer command was refused or failed: closing the socket ends a handshake still
    /// waiting for the server. Returns how the handshake failed, if it did (the caller's error is the command's, or
    /// the certificate's when it was refused); a handshake that succeeded is closed.
    /// </summary>
    private static async Task<Exception?> AbandonAsync(EarlyHandshake? early)
    {
        if (early is null)
        {
            return null;
        }

        early.Socket.Dispose();
        try
        {
            (await early.Secured.ConfigureAwait(false)).Dispose();
            return null;
        }
#pragma warning disable CA1031 // The handshake's failure is expected here (its socket was closed under it) and handed to the caller.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return ex;
        }
    }

    /// <summary>A data connection's TLS handshake under way, and what it runs on.</summary>
    private sealed record EarlyHandshake(Socket Socket, ReadAheadStream ReadAhead, Task<SslStream> Secured);

    /// <summary>
    /// Enters <paramref name="enter"/> first when given (see <see cref="EnterDirectoryAsync"/>; a server that reads one
    /// command line at a time gets that CWD and the EPSV in one write, and EPSV's answer is dropped when the CWD is
    /// refused), then opens a passive data connection or listens for an active one.
    /// </summary>
    private async Task<PendingDataConnection> PrepareDataConnectionAsync(bool blocking, string verb, string? enter, CancellationToken cancellationToken)
    {
        var passive = _options.Ftp.DataMode != FtpDataMode.Active;
        FtpReply? epsv = null;
        if (enter is not null && _pipelined && passive && _quirks.UseEpsv)
        {
            var replies = await AskAsync(new[] { "CWD " + enter, "EPSV" }, together: true, cancellationToken).ConfigureAwait(false);
            Entered(replies[0], enter, verb);
            epsv = replies[1];
        }
        else if (enter is not null)
        {
            await EnterDirectoryAsync(enter, verb, cancellationToken).ConfigureAwait(false);
        }

        if (!passive)
        {
            return await PrepareActiveAsync(cancellationToken).ConfigureAwait(false);
        }

        var (target, sentBehind) = await EnterPassiveModeAsync(epsv, cancellationToken).ConfigureAwait(false);
        Socket socket;
        try
        {
            socket = await ConnectDataAsync(target, blocking, cancellationToken).ConfigureAwait(false);
        }
        catch (ConnectionLostException ex) when (sentBehind && ex is not ProtocolViolationException && !cancellationToken.IsCancellationRequested)
        {
            // The port came from an EPSV sent behind the last transfer, and it is gone (given up by the server, or by a
            // firewall in between): a new one, once.
            Report($"{ex.Message.TrimEnd('.')} (a port asked for behind the last transfer); asking for another.");
            (target, _) = await EnterPassiveModeAsync(null, cancellationToken, takeSentBehind: false).ConfigureAwait(false);
            socket = await ConnectDataAsync(target, blocking, cancellationToken).ConfigureAwait(false);
        }

        return new PendingDataConnection(socket, null);
    }

    /// <summary>
    /// Opens a passive data connection to <paramref name="target"/>; through the session's proxy, to the server's name
    /// as the control connection's (whose peer, and so <paramref name="target"/>'s address, is then the proxy), or to
    /// the address a 227 named when <see cref="FtpOptions.TrustPassiveAddress"/> says to use it.
    /// </summary>
    private async Task<Socket> ConnectDataAsync(IPEndPoint target, bool blocking, CancellationToken cancellationToken)
    {
        var inline = !blocking && _control.AnswersQuickly;
        if (_options.Proxy is { } proxy)
        {
            var host = target.Address.Equals(PeerAddress) ? _options.Host : target.Address.ToString();
            Report($"Data connection to {(host.IndexOf(':') >= 0 ? "[" + host + "]" : host)}:{target.Port} through the proxy.");
            try
            {
                return await ProxyTunnel.ConnectAsync(proxy, host, target.Port, _options.ConnectTimeout, cancellationToken, blocking, inline).ConfigureAwait(false);
            }
            catch (FtpToolsException ex) when (ex.GetType() != typeof(ConnectionLostException))
            {
                // Whatever the proxy said (a refused login, a broken answer), it concerns this data connection: the
                // control connection is in step and nothing is owed on it, so only this transfer fails.
                throw new ConnectionLostException(ex.Message, ex);
            }
        }

        Report($"Data connection to {target}.");
        return await TcpConnector.ConnectAsync(target, _options.ConnectTimeout, cancellationToken, blocking, inline).ConfigureAwait(false);
    }

    /// <summary>
    /// Where to open a passive data connection; <paramref name="epsv"/> is the answer to an EPSV sent already, if one
    /// was; else the answer to one sent behind the last transfer is taken when there is a recent one
    /// (<see cref="SendBehindTransferAsync"/>; SentBehind then says so), else EPSV is sent now.
    /// </summary>
    private async Task<(IPEndPoint Target, bool SentBehind)> EnterPassiveModeAsync(FtpReply? epsv, CancellationToken cancellationToken, bool takeSentBehind = true)
    {
        var peer = PeerAddress;
        if (_quirks.UseEpsv)
        {
            // RFC 2428 §3: EPSV gives only a port; the address is the control connection's peer.
            var reply = epsv;
            var sentBehind = false;
            if (reply is null && takeSentBehind && await TakeEpsvSentBehindAsync(cancellationToken).ConfigureAwait(false) is { Code: FtpReplyCode.EnteringExtendedPassiveMode } early)
            {
                (reply, sentBehind) = (early, true);
            }

            reply ??= await CommandAsync("EPSV", cancellationToken).ConfigureAwait(false);
            if (reply.Code == FtpReplyCode.EnteringExtendedPassiveMode)
            {
                return (new IPEndPoint(peer, FtpReplyText.ParseExtendedPassive(reply)), sentBehind);
            }

            if (peer.AddressFamily == AddressFamily.InterNetworkV6)
            {
                throw FtpErrors.Refused(reply, "EPSV", null, RemoteErrorKind.Unsupported);
            }

            _quirks.UseEpsv = false;
            Report("EPSV refused; using PASV from now on.");
        }

        var pasv = await CommandAsync("PASV", cancellationToken).ConfigureAwait(false);
        if (pasv.Code != FtpReplyCode.EnteringPassiveMode)
        {
            throw FtpErrors.Refused(pasv, "PASV", null, RemoteErrorKind.Unsupported);
        }

        var named = FtpReplyText.ParsePassive(pasv);
        if (_options.Ftp.TrustPassiveAddress)
        {
            return (named, false);
        }

        // The 227 address is ignored by default: a server (or a NAT box) naming another host would
        // make us connect there, which is the FTP bounce problem (RFC 2577 §3).
        if (!named.Address.Equals(peer) && _options.Proxy is null)
        {
            Report($"The passive reply names {named.Address}; connecting to the server's address {peer} instead.");
        }

        return (new IPEndPoint(peer, named.Port), false);
    }

    private async Task<PendingDataConnection> PrepareActiveAsync(CancellationToken cancellationToken)
    {
        var local = _options.Ftp.ActiveListenAddress ?? _control.LocalEndPoint.Address;
        var listener = new Socket(local.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.Bind(new IPEndPoint(local, 0));
            listener.Listen(1);
            var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
            var ipv6 = local.AddressFamily == AddressFamily.InterNetworkV6;
            if (_quirks.UseEprt)
            {
                // RFC 2428 §2: EPRT |1|a.b.c.d|port| or |2|ipv6|port|.
                var address = local.ToString();
                var scope = address.IndexOf('%');
                if (scope >= 0)
                {
                    address = address.Substring(0, scope);
                }

                var reply = await CommandAsync($"EPRT |{(ipv6 ? 2 : 1)}|{address}|{port.ToString(CultureInfo.InvariantCulture)}|", cancellationToken).ConfigureAwait(false);
                if (reply.Code.IsPositiveCompletion())
                {
                    return new PendingDataConnection(null, listener);
                }

                if (ipv6)
                {
                    throw FtpErrors.Refused(reply, "EPRT", null, RemoteErrorKind.Unsupported);
                }

                _quirks.UseEprt = false;
                Report("EPRT refused; using PORT from now on.");
            }

            // RFC 959 §4.1.2: PORT h1,h2,h3,h4,p1,p2.
            var bytes = local.GetAddressBytes();
            var argument = string.Join(",", bytes[0], bytes[1], bytes[2], bytes[3], port >> 8, port & 0xFF);
            var portReply = await CommandAsync("PORT " + argument, cancellationToken).ConfigureAwait(false);
            if (!portReply.Code.IsPositiveCompletion())
            {
                throw FtpErrors.Refused(portReply, "PORT", null, RemoteErrorKind.Unsupported);
            }

            return new PendingDataConnection(null, listener);
        }
        catch
        {
            listener.Dispose();
            throw;
        }
    }

    /// <summary>A data connection on its way: connected (passive) or a listener waiting for the server (active).</summary>
    private sealed class PendingDataConnection : IDisposable
    {
        private Socket? _connected;
        private readonly Socket? _listener;
        private Task<Socket>? _accept;

        /// <summary>Set once <see cref="TakeSocketAsync"/> has the accepted socket: from then on it is the caller's.</summary>
        private volatile bool _taken;

        public PendingDataConnection(Socket? connected, Socket? listener)
        {
            _connected = connected;
            _listener = listener;
        }

        /// <summary>True for a passive data connection, connected before the transfer command.</summary>
        public bool IsConnected => _connected is not null;

        /// <summary>Active mode: starts accepting before the transfer command, since servers may connect before they reply.</summary>
        public void StartAccepting()
        {
            if (_listener is not null)
            {
                _accept = _listener.AcceptAsync();
            }
        }

        /// <summary>The data socket, now owned by the caller.</summary>
        public async Task<Socket> TakeSocketAsync(IPAddress expectedPeer, bool checkPeer, TimeSpan timeout, CancellationToken cancellationToken)
        {
            if (_connected is not null)
            {
                var socket = _connected;
                _connected = null;
                return socket;
            }

            var listener = _listener!;
            var timedOut = false;
            using var timer = new Timer(_ => { timedOut = true; listener.Dispose(); }, null, timeout, Timeout.InfiniteTimeSpan);
            using var registration = cancellationToken.Register(listener.Dispose);
            Socket accepted;
            try
            {
                accepted = await _accept!.ConfigureAwait(false);
                _taken = true;
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                cancellationToken.ThrowIfCancellationRequested();
                throw new ConnectionLostException(
                    timedOut ? $"The server did not open the active data connection within {timeout.TotalSeconds:0.#} s." : "Waiting for the active data connection failed: " + ex.Message,
                    ex);
            }

            var from = ((IPEndPoint)accepted.RemoteEndPoint!).Address;
            if (checkPeer && !from.Equals(expectedPeer))
            {
                // RFC 2577 §3: only the server we talk to may deliver or take the file.
                accepted.Dispose();
                throw new ConnectionLostException($"A data connection came from {from}, not from the server {expectedPeer}; it was refused.");
            }

            return accepted;
        }

        public void Dispose()
        {
            _connected?.Dispose();
            _listener?.Dispose();

            // A connection the server made that nobody took (the transfer was refused or given up) is closed.
            _accept?.ContinueWith(
                static (t, state) =>
                {
                    if (t.Status == TaskStatus.RanToCompletion && !((PendingDataConnection)state!)._taken)
                    {
                        t.Result.Dispose();
                    }

                    return t.Exception;
                },
                this,
                CancellationToken.None,
                TaskContinuationOptions.None,
                TaskScheduler.Default);
        }
    }
}
