using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;

namespace FtpTools.Core.Sftp;

/// <summary>
/// What the SFTP read and write streams share: an open handle, a window of reusable request slots
/// (draft-ietf-secsh-filexfer-02 §6.4 lets many requests be outstanding), and one way to finish. Completing drains
/// what is still in flight, then closes the handle and reports the first error; disposing without completing returns
/// the buffers and closes the handle quietly. Buffers: every slot in <see cref="All"/> owns one pooled buffer;
/// <see cref="ReleaseBuffers"/> returns them, except for in-flight slots, which it orphans to the reader loop.
/// </summary>
internal abstract class SftpPipelinedStream<TSlot> : RemoteFileStream
    where TSlot : SftpPipelineSlot
{
    private Exception? _error;
    private Task<Exception?>? _closing;

    protected SftpPipelinedStream(SftpSession session, SftpChannel channel, byte[] handle, string path, int chunk, int maxWindow)
    {
        Session = session;
        Channel = channel;
        Handle = handle;
        Path = path;
        Chunk = chunk;
        MaxWindow = Math.Max(1, maxWindow);
    }

    public override bool CanSeek => false;

    protected SftpSession Session { get; }

    protected SftpChannel Channel { get; }

    protected byte[] Handle { get; }

    protected string Path { get; }

    protected int Chunk { get; }

    protected int MaxWindow { get; }

    /// <summary>Requests sent and not yet taken back, oldest first.</summary>
    protected Queue<TSlot> InFlight { get; } = new();

    /// <summary>Slots ready for the next request.</summary>
    protected Stack<TSlot> Free { get; } = new();

    /// <summary>Every slot the stream made; each owns one pooled buffer.</summary>
    protected List<TSlot> All { get; } = new();

    /// <summary>Completed or disposed: no more requests.</summary>
    protected bool Finished { get; private set; }

    /// <summary><see cref="CompleteAsync"/> succeeded: every answer was taken back and the handle closed.</summary>
    protected bool Completed { get; private set; }

    /// <summary>
    /// Whether completing waits for SSH_FXP_CLOSE's status. A written file's close status counts; a read handle's close
    /// cannot change what was read, so a read stream sends it and does not wait (one round trip less per file).
    /// </summary>
    protected virtual bool WaitForClose => true;

    /// <summary>The first error the transfer met; once set, every later call throws it.</summary>
    protected Exception? Error => _error;

    public override void Flush()
    {
    }

    /// <summary>Waits for the requests still in flight, closes the handle and reports any error the transfer met.</summary>
    public sealed override async Task CompleteAsync(CancellationToken cancellationToken)
    {
        if (Finished)
        {
            ThrowIfFailed();
            return;
        }

        Finished = true;
        try
        {
            ThrowIfFailed();
            await DrainAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is FtpToolsException or OperationCanceledException)
        {
            RecordError(ex);
            ReleaseBuffers();
            if (_closing is null)
            {
                await Session.CloseHandleQuietlyAsync(Handle).ConfigureAwait(false);
            }
            else
            {
                // Closed already (never twice: the server may have given the handle's name to a newer open since);
                // the close's own outcome matters less than the failure on its way out.
                _ = await _closing.ConfigureAwait(false);
            }

            throw;
        }

        ReleaseBuffers();
        if (!WaitForClose)
        {
            _ = Session.CloseHandleQuietlyAsync(Handle);
            Completed = true;
            return;
        }

        // The close status counts: a file system may only report a failed write (quota, NFS) when the file is closed.
        if (_closing is null)
        {
            await Session.CloseHandleAsync(Handle, Path, cancellationToken).ConfigureAwait(false);
        }
        else if (await _closing.ConfigureAwait(false) is { } closeFailure)
        {
            ExceptionDispatchInfo.Capture(closeFailure).Throw();
        }

        Completed = true;
    }

    /// <summary>
    /// For <see cref="DrainAsync"/> once its last request is sent: sends SSH_FXP_CLOSE right behind it, before any
    /// answer is in, so that completing waits one round trip instead of two. The server takes a file's requests in
    /// the order they come (the filexfer drafts ask it to; OpenSSH's sftp-server handles one request at a time), so it
    /// closes after the last write; a write it refused is
    /// still reported from that write's own status, and the file is then closed once, by this request.
    /// <see cref="CompleteAsync"/> waits for the close's status after the drain.
    /// </summary>
    protected void SendCloseNow(CancellationToken cancellationToken) => _closing ??= CloseObservedAsync(cancellationToken);

    private async Task<Exception?> CloseObservedAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Session.CloseHandleAsync(Handle, Path, cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (Exception ex) when (ex is FtpToolsException or OperationCanceledException)
        {
            return ex;
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !Finished)
        {
            Finished = true;
            ReleaseBuffers();
            _ = Session.CloseHandleQuietlyAsync(Handle);
        }

        base.Dispose(disposing);
    }

#if NET8_0_OR_GREATER
    public override async ValueTask DisposeAsync()
    {
        if (!Finished)
        {
            Finished = true;
            ReleaseBuffers();
            await Session.CloseHandleQuietlyAsync(Handle).ConfigureAwait(false);
        }

        await base.DisposeAsync().ConfigureAwait(false);
    }
#endif

    /// <summary>The part of <see cref="CompleteAsync"/> before the handle is closed: take back every answer still due.</summary>
    protected abstract Task DrainAsync(CancellationToken cancellationToken);

    /// <summary>Called when the buffers are gone, to drop any reference the derived stream keeps to a slot.</summary>
    protected abstract void ForgetSlots();

    /// <summary>Throws at the start of a read or write on a finished stream: its error, or that it is closed.</summary>
    protected void ThrowIfFinished(string objectName, string message)
    {
        if (Finished)
        {
            throw _error ?? new ObjectDisposedException(objectName, message);
        }
    }

    /// <summary>Keeps <paramref name="error"/> unless an earlier one is already kept.</summary>
    protected void RecordError(Exception error) => _error ??= error;

    protected void ThrowIfFailed()
    {
        if (_error is not null)
        {
            throw _error;
        }
    }

    /// <summary>Arms <paramref name="slot"/> and registers it with the channel; if that fails the slot is free again.</summary>
    protected uint Register(TSlot slot)
    {
        slot.Arm();
        try
        {
            return Channel.Register(slot);
        }
        catch
        {
            slot.Disarm();
            Free.Push(slot);
            throw;
        }
    }

    /// <summary>Takes back a registered request that could not be sent.</summary>
    protected void Abandon(TSlot slot, uint id)
    {
        Channel.Unregister(id);
        slot.Disarm();
        Free.Push(slot);
    }

    /// <summary>Returns every buffer the stream still owns; in-flight slots are orphaned and the reader loop returns theirs.</summary>
    private void ReleaseBuffers()
    {
        foreach (var slot in All)
        {
            if (slot.TryOrphan() || slot.IsOrphaned)
            {
                continue;
            }

            slot.ReturnBuffer();
        }

        All.Clear();
        Free.Clear();
        InFlight.Clear();
        ForgetSlots();
    }
}
