using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;

namespace FtpTools.Core;

/// <summary>
/// What every protocol can do. FTP/FTPS and SFTP implement it; cmdlets and the transfer engine only
/// ever talk to this interface. Paths are remote paths with '/' separators; relative ones are resolved
/// against <see cref="CurrentDirectory"/>.
/// Threading: FTP sessions serialise operations internally (one control connection); SFTP sessions
/// allow several at once. Callers may call from any thread.
/// </summary>
public interface IRemoteSession : IAsyncDisposable
{
    RemoteProtocol Protocol { get; }

    string Host { get; }

    int Port { get; }

    SessionInfo Info { get; }

    /// <summary>False once the connection was lost or closed; a dead session cannot be revived.</summary>
    bool IsConnected { get; }

    /// <summary>Absolute remote working directory.</summary>
    string CurrentDirectory { get; }

    /// <summary>Lists a directory's entries (without "." and ".."). Throws <see cref="Errors.CommandRefusedException"/> with <see cref="Errors.RemoteErrorKind.NotFound"/> when it does not exist.</summary>
    Task<IReadOnlyList<RemoteItem>> ListDirectoryAsync(string path, CancellationToken cancellationToken);

    /// <summary>The item at a path, or null when nothing is there. Symbolic links are followed for Kind only when the protocol cannot tell.</summary>
    Task<RemoteItem?> GetItemAsync(string path, CancellationToken cancellationToken);

    /// <summary>Opens a file for reading from <paramref name="offset"/>. Call <see cref="RemoteFileStream.CompleteAsync"/> after the last read.</summary>
    Task<RemoteFileStream> OpenReadAsync(string path, long offset, CancellationToken cancellationToken);

    /// <summary>
    /// Opens a file for writing. <paramref name="offset"/> 0 creates or truncates; a positive offset
    /// continues an existing file at that offset (resume). Call <see cref="RemoteFileStream.CompleteAsync"/>
    /// to commit; disposing without it aborts the transfer.
    /// </summary>
    Task<RemoteFileStream> OpenWriteAsync(string path, long offset, CancellationToken cancellationToken);

    Task CreateDirectoryAsync(string path, bool createParents, CancellationToken cancellationToken);

    Task RemoveFileAsync(string path, CancellationToken cancellationToken);

    /// <summary>Removes an empty directory.</summary>
    Task RemoveDirectoryAsync(string path, CancellationToken cancellationToken);

    /// <summary>Renames or moves. With <paramref name="overwrite"/> false, an existing target is an error.</summary>
    Task RenameAsync(string oldPath, string newPath, bool overwrite, CancellationToken cancellationToken);

    /// <summary>Sets the modification time. Throws <see cref="Errors.CommandRefusedException"/> with Unsupported when the server cannot.</summary>
    Task SetLastWriteTimeAsync(string path, DateTime lastWriteTimeUtc, CancellationToken cancellationToken);

    /// <summary>
    /// Sets the permission bits (07777: setuid, setgid, sticky, then read/write/execute for owner, group and others;
    /// SFTP SSH_FXP_SETSTAT, FTP SITE CHMOD). Throws <see cref="Errors.CommandRefusedException"/> with Unsupported when
    /// the server cannot.
    /// </summary>
    Task SetPermissionsAsync(string path, int permissionBits, CancellationToken cancellationToken);

    Task ChangeDirectoryAsync(string path, CancellationToken cancellationToken);

    /// <summary>A cheap round trip that keeps the connection alive and proves it still is.</summary>
    Task KeepAliveAsync(CancellationToken cancellationToken);

    /// <summary>Says goodbye (QUIT / channel close) and closes the connection.</summary>
    Task DisconnectAsync(CancellationToken cancellationToken);
}

/// <summary>
/// A stream over one remote file transfer. Reading returns 0 at the end of the file.
/// <see cref="CompleteAsync"/> finishes the transfer and reports whether the server accepted it
/// (for FTP: TLS close_notify, then the 226 reply; for SFTP: outstanding writes acknowledged and the
/// handle closed). Disposing without completing aborts the transfer; the session stays usable.
/// </summary>
public abstract class RemoteFileStream : Stream
{
    public abstract Task CompleteAsync(CancellationToken cancellationToken);

    /// <summary>
    /// After a successful <see cref="CompleteAsync"/> of a write: the file's length as the server acknowledged it
    /// request by request (SFTP), or told it in answer to SIZE sent right behind the transfer (FTP, to vsftpd), so
    /// nobody needs to ask again; null when the server has not said.
    /// </summary>
    internal virtual long? AcknowledgedLength => null;

    /// <summary>
    /// Asks a write stream to give the file these times as part of <see cref="CompleteAsync"/>, without a round trip
    /// of its own (SFTP: SSH_FXP_FSETSTAT sent behind the last write, before the close). False when the stream cannot;
    /// the caller then sets the time itself afterwards.
    /// </summary>
    internal virtual bool SetTimesOnComplete(DateTime lastWriteTimeUtc, DateTime lastAccessTimeUtc) => false;

    /// <summary>After <see cref="CompleteAsync"/>: the server's refusal of the times asked for with <see cref="SetTimesOnComplete"/>, or null.</summary>
    internal virtual CommandRefusedException? TimesRefusal => null;

    /// <summary>
    /// True when synchronous <see cref="Stream.Read(byte[], int, int)"/> is this stream's fast path (an FTP data
    /// connection on a blocking socket): the transfer engine then copies on a thread of its own with blocking reads,
    /// and ends a read still waiting a moment after a cancellation with <see cref="Interrupt"/>.
    /// </summary>
    internal virtual bool ReadsBlocking => false;

    /// <summary>
    /// Called from another thread when a cancelled transfer's blocking read has not returned for a moment: ends it,
    /// which then throws <see cref="OperationCanceledException"/>. The stream must still be disposed, which aborts the
    /// transfer. Called only while the copy is in that read, never once the copy has ended.
    /// </summary>
    internal virtual void Interrupt()
    {
    }
}
