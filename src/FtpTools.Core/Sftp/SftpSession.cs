using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;
using FtpTools.Core.Logging;
using FtpTools.Core.Paths;
using FtpTools.Core.Ssh;
using FtpTools.Core.Ssh.Authentication;
using FtpTools.Core.Ssh.Trust;

namespace FtpTools.Core.Sftp;

/// <summary>
/// An SFTP version 3 session (draft-ietf-secsh-filexfer-02) with OpenSSH's extensions (OpenSSH PROTOCOL §4),
/// over an already open "sftp" subsystem channel. Any number of operations may run at once: requests are
/// matched to responses by id in <see cref="SftpChannel"/>.
/// </summary>
internal sealed class SftpSession : IRemoteSession, IKnownLengthReader, IDurableWriter, IDirectoryProbe, ICreateModeWriter
{
    /// <summary>Largest number of READ or WRITE requests one transfer keeps outstanding.</summary>
    internal const int MaxRequestsInFlight = 64;

    /// <summary>
    /// Largest amount of data one transfer keeps outstanding; bounds its memory whatever the request size. A download
    /// cannot have more than the SSH channel's window (8 MiB) on its way, so requests beyond it only keep the server
    /// busy while a window adjust travels; a quarter more does that. 16 MiB was no faster, on loopback or over a 40 ms
    /// round trip, and cost 6 MB more peak memory.
    /// </summary>
    internal const int MaxBytesInFlight = 10 * 1024 * 1024;

    /// <summary>How many SSH_FXP_READLINK a listing sends at once for its symbolic links.</summary>
    private const int ReadLinkBatch = 64;

    /// <summary>
    /// SSH_FXP_READDIR requests a listing keeps in flight on its handle at first; doubled per answer with names. A small
    /// directory still takes one round trip (its names, then EOF for the rest); a large one reaches the maximum after
    /// the first round trip.
    /// </summary>
    internal const int InitialReadDirDepth = 8;

    /// <summary>
    /// At most this many SSH_FXP_READDIR in flight: OpenSSH's sftp-server answers each with up to 100 names, so a
    /// directory of 10,000 entries takes two round trips at this depth once it is reached (sixteen took seven: 0.4 s over
    /// a 40 ms round trip). The answers waiting to be read are a few MiB at most, within the channel's window.
    /// </summary>
    private const int MaxReadDirDepth = 64;

    private readonly SftpChannel _channel;
    private readonly IAsyncDisposable? _owner;
    private readonly IProtocolLog? _log;
    private string _currentDirectory = "/";
    private int _disposed;

    private SftpSession(SftpChannel channel, string host, int port, SessionInfo info, IAsyncDisposable? owner)
    {
        _channel = channel;
        _owner = owner;
        _log = channel.Log;
        Host = host;
        Port = port;
        Info = info;
        ReadLength = SftpPacket.DefaultDataLength;
        WriteLength = SftpPacket.DefaultDataLength;
    }

    public RemoteProtocol Protocol => RemoteProtocol.Sftp;

    /// <summary>
    /// The request buffers of every SFTP transfer in the process. The shared pool keeps only a few arrays of this size,
    /// so a 40-request window would allocate most of its buffers again on every transfer; this one keeps up to two
    /// full windows' worth (allocated only as used, 32 MiB at most). It is one pool for all sessions, not one each:
    /// the buffers of a session that had ended were left to the garbage collector, which frees arrays this large only
    /// in its rare full collections. A process that downloaded 1 GiB five times, each over a new SFTP session, peaked
    /// at 86, 116, 140, 146 and 146 MB after each; with this pool and the channels' ring pool, at 90, 102, 103, 104
    /// and 105 MB.
    /// </summary>
    internal static ArrayPool<byte> Buffers { get; } = ArrayPool<byte>.Create(SftpPacket.MaxDataLength + 1024, 2 * MaxRequestsInFlight);

    public string Host { get; }

    public int Port { get; }

    public SessionInfo Info { get; }

    /// <summary>
    /// False once the SFTP channel failed or closed, or the SSH connection under it failed: a write that met a reset
    /// connection says so before the receiving side has noticed.
    /// </summary>
    public bool IsConnected => _channel.IsOpen && Volatile.Read(ref _disposed) == 0 && (_owner is not SshClient ssh || ssh.IsConnected);

    public string CurrentDirectory => Volatile.Read(ref _currentDirectory);

    /// <summary>The SSH connection under the session, when it runs over one (tests).</summary>
    internal SshClient? Ssh => _owner as SshClient;

    /// <summary>The server's extensions from SSH_FXP_VERSION (name to version data).</summary>
    internal IReadOnlyDictionary<string, string> Extensions => _channel.ServerVersion.Extensions;

    /// <summary>limits@openssh.com as the server sent it, or null when it does not offer the extension.</summary>
    internal SftpLimits? Limits { get; private set; }

    /// <summary>Data length of one SSH_FXP_READ: from limits@openssh.com (at most 255 KiB), else 32 KiB.</summary>
    internal int ReadLength { get; private set; }

    /// <summary>Data length of one SSH_FXP_WRITE: from limits@openssh.com (at most 255 KiB), else 32 KiB.</summary>
    internal int WriteLength { get; private set; }

    /// <summary>
    /// Opens an SSH connection (host key checked by <see cref="HostKeyTrust"/>, user authenticated by
    /// <see cref="UserAuthenticator"/>), starts the "sftp" subsystem (RFC 4254 §6.5) and SFTP on it.
    /// </summary>
    public static Task<IRemoteSession> ConnectAsync(ConnectionOptions options, CancellationToken cancellationToken) =>
        ConnectAsync(options, portableAlgorithmsOnly: false, cancellationToken);

    /// <summary>As <see cref="ConnectAsync(ConnectionOptions, CancellationToken)"/>; <paramref name="portableAlgorithmsOnly"/> offers only the netstandard2.0 algorithm set, for tests.</summary>
    internal static async Task<IRemoteSession> ConnectAsync(ConnectionOptions options, bool portableAlgorithmsOnly, CancellationToken cancellationToken)
    {
        if (options is null)
        {
            throw new ArgumentNullException(nameof(options));
        }

        var host = options.Host;
        var port = options.EffectivePort;
        var client = await SshClient.ConnectAsync(
            options,
            async (algorithm, blob, ct) =>
            {
                var trust = await HostKeyTrust.VerifyAsync(host, port, algorithm, blob, options.Ssh, ct).ConfigureAwait(false);
                options.Log?.Write(LogDirection.Info, $"Host key {algorithm} {trust.Fingerprint} trusted: {trust}");
            },
            (transport, ct) => UserAuthenticator.AuthenticateAsync(transport, options, ct),
            portableAlgorithmsOnly,
            cancellationToken).ConfigureAwait(false);
        Stream channel;
        try
        {
            channel = await client.OpenSubsystemAsync("sftp", cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return await OpenAsync(channel, host, port, client.Info, options, client, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Starts SFTP on an open duplex stream (the "sftp" subsystem channel): version exchange, limits, start directory.
    /// The session owns <paramref name="channel"/> and <paramref name="owner"/> (e.g. the SSH connection) from here on,
    /// and disposes both when it is disposed or when opening fails.
    /// </summary>
    public static async Task<SftpSession> OpenAsync(Stream channel, string host, int port, SessionInfo info, ConnectionOptions options, IAsyncDisposable? owner, CancellationToken cancellationToken)
    {
        if (channel is null)
        {
            throw new ArgumentNullException(nameof(channel));
        }

        if (options is null)
        {
            throw new ArgumentNullException(nameof(options));
        }

        SftpChannel sftp;
        try
        {
            sftp = await SftpChannel.OpenAsync(channel, options.OperationTimeout, options.Log, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            if (owner is not null)
            {
                await owner.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }

        var session = new SftpSession(sftp, host, port, info, owner);
        try
        {
            await session.InitializeAsync(options.StartPath, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await session.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return session;
    }

    public async Task<IReadOnlyList<RemoteItem>> ListDirectoryAsync(string path, CancellationToken cancellationToken)
    {
        var directory = Resolve(path);
        var handle = await OpenHandleAsync(SftpPacketType.SSH_FXP_OPENDIR, w => w.WriteString(directory), "SSH_FXP_OPENDIR of", directory, cancellationToken).ConfigureAwait(false);

        // Items are made as the answers arrive, while the server reads the next names; links get their targets at the
        // end, when their items are made again.
        var items = new List<RemoteItem>();
        var links = new List<(int Index, SftpName Name)>();
        var pending = new Queue<Task<SftpResponse>>();
        try
        {
            // draft-02 §6.7: SSH_FXP_READDIR until SSH_FX_EOF; each answer holds one or more names. The requests are
            // pipelined (§6.1 allows any number outstanding): a directory of 10,000 entries is about 100 answers, one
            // round trip each when asked one at a time. The depth starts at eight (a small directory costs one round
            // trip: its names and the EOFs) and doubles with every answer that had names. A server that works on
            // requests concurrently may answer a later READDIR with names and an earlier one with EOF, so every
            // request sent is read before the listing is complete.
            var depth = InitialReadDirDepth;
            var ended = false;
            while (true)
            {
                while (!ended && pending.Count < depth)
                {
                    pending.Enqueue(_channel.RequestAsync(SftpPacketType.SSH_FXP_READDIR, w => w.WriteString(handle), directory, cancellationToken));
                }

                if (pending.Count == 0)
                {
                    break;
                }

                var response = await pending.Dequeue().ConfigureAwait(false);
                if (response.Type == SftpPacketType.SSH_FXP_STATUS)
                {
                    if (response.Status!.Code != SftpStatusCode.SSH_FX_EOF)
                    {
                        throw SftpMessages.ToException(response.Status, "SSH_FXP_READDIR of", directory);
                    }

                    ended = true;
                    continue;
                }

                Expect(response, SftpPacketType.SSH_FXP_NAME, SftpPacketType.SSH_FXP_READDIR);
                depth = Math.Min(MaxReadDirDepth, depth * 2);
                foreach (var name in response.Names!)
                {
                    if (name.FileName is "." or "..")
                    {
                        continue;
                    }

                    if (name.FileName.Length == 0 || name.FileName.IndexOf('/') >= 0 || name.FileName.IndexOf('\0') >= 0)
                    {
                        _log?.Write(LogDirection.Info, $"Skipped a directory entry whose name is not a single path segment: \"{name.FileName}\".");
                        continue;
                    }

                    if (name.Attributes.Kind == RemoteItemKind.SymbolicLink)
                    {
                        links.Add((items.Count, name));
                    }

                    items.Add(ToItem(name.FileName, RemotePath.Combine(directory, name.FileName), name.Attributes, name.LongName, linkTarget: null));
                }
            }
        }
        finally
        {
            // Answers still due (after a failure) are awaited before the handle goes: a CLOSE overtaking them would
            // only make them fail, and their failures must not go unobserved.
            while (pending.Count > 0)
            {
                try
                {
                    await pending.Dequeue().ConfigureAwait(false);
                }
#pragma warning disable CA1031 // The listing has already failed with the error that matters.
                catch (Exception)
#pragma warning restore CA1031
                {
                }
            }

            await CloseHandleQuietlyAsync(handle).ConfigureAwait(false);
        }

        for (var start = 0; start < links.Count; start += ReadLinkBatch)
        {
            // Pipelined: one round trip per batch, not per link.
            var batch = links.Skip(start).Take(ReadLinkBatch).ToList();
            var targets = await Task.WhenAll(batch.Select(link => TryReadLinkAsync(items[link.Index].FullName, cancellationToken))).ConfigureAwait(false);
            for (var k = 0; k < batch.Count; k++)
            {
                var (index, name) = batch[k];
                items[index] = ToItem(name.FileName, items[index].FullName, name.Attributes, name.LongName, targets[k]);
            }
        }

        return items;
    }

    public async Task<RemoteItem?> GetItemAsync(string path, CancellationToken cancellationToken)
    {
        var full = Resolve(path);
        var attributes = await TryStatAsync(SftpPacketType.SSH_FXP_LSTAT, full, cancellationToken).ConfigureAwait(false);
        if (attributes is null)
        {
            return null;
        }

        var target = attributes.Kind == RemoteItemKind.SymbolicLink ? await TryReadLinkAsync(full, cancellationToken).ConfigureAwait(false) : null;
        return ToItem(RemotePath.GetFileName(full), full, attributes, null, target);
    }

    /// <summary>SSH_FXP_STAT follows links; a broken one, a loop or a refusal is not a directory.</summary>
    public async Task<bool> LeadsToDirectoryAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            return (await TryStatAsync(SftpPacketType.SSH_FXP_STAT, Resolve(path), cancellationToken).ConfigureAwait(false))?.Kind == RemoteItemKind.Directory;
        }
        catch (CommandRefusedException)
        {
            return false;
        }
    }

    public Task<RemoteFileStream> OpenReadAsync(string path, long offset, CancellationToken cancellationToken) =>
        OpenReadAsync(path, offset, knownLength: null, cancellationToken);

    /// <summary>
    /// Opens for reading. With <paramref name="knownLength"/> (the caller stat'ed the file just before) the
    /// SSH_FXP_FSTAT that would give the first window its end is skipped; it is only a hint either way.
    /// </summary>
    public async Task<RemoteFileStream> OpenReadAsync(string path, long offset, long? knownLength, CancellationToken cancellationToken)
    {
        if (offset < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), offset, "The offset cannot be negative.");
        }

        var full = Resolve(path);
        var handle = await OpenFileAsync(full, SftpOpenFlags.SSH_FXF_READ, cancellationToken).ConfigureAwait(false);
        SftpReadStream? stream = null;
        try
        {
            // The size lets the first window stop at the end of the file; a server that refuses FSTAT just costs a
            // few requests past it.
            var size = knownLength ?? -1L;
            if (knownLength is null)
            {
                try
                {
                    if ((await FStatAsync(handle, full, cancellationToken).ConfigureAwait(false)).Size is { } known && known <= long.MaxValue)
                    {
                        size = (long)known;
                    }
                }
                catch (CommandRefusedException)
                {
                    // No size hint then.
                }
            }

            stream = new SftpReadStream(this, _channel, handle, full, offset, ReadLength, Window(ReadLength), size);
            await stream.StartAsync(cancellationToken).ConfigureAwait(false);
            return stream;
        }
        catch
        {
            if (stream is not null)
            {
#if NET8_0_OR_GREATER
                await stream.DisposeAsync().ConfigureAwait(false);
#else
                stream.Dispose();
#endif
            }
            else
            {
                await CloseHandleQuietlyAsync(handle).ConfigureAwait(false);
            }

            throw;
        }
    }

    public Task<RemoteFileStream> OpenWriteAsync(string path, long offset, CancellationToken cancellationToken) =>
        OpenWriteAsync(path, offset, fsync: false, cancellationToken);

    public bool CanWriteDurably => Extensions.ContainsKey(SftpExtensionNames.Fsync);

    public Task<RemoteFileStream> OpenDurableWriteAsync(string path, long offset, CancellationToken cancellationToken) =>
        OpenWriteAsync(path, offset, fsync: true, cancellationToken);

    public Task<RemoteFileStream> OpenNewWriteAsync(string path, int permissionBits, bool durable, CancellationToken cancellationToken) =>
        OpenWriteAsync(path, 0, durable, cancellationToken, new SftpAttributes { Permissions = ((uint)permissionBits & 0x1FF) | 0x80 });

    /// <summary>
    /// Opens for writing: offset 0 creates or truncates (WRITE|CREAT|TRUNC); a positive offset opens the existing file
    /// without TRUNC or CREAT (a missing file is NotFound) and writes from there. With <paramref name="fsync"/>,
    /// completing also asks for fsync@openssh.com (refused as Unsupported when the server does not offer it). With
    /// <paramref name="create"/>, the attributes a file the open creates gets (<see cref="ICreateModeWriter"/>).
    /// </summary>
    internal async Task<RemoteFileStream> OpenWriteAsync(string path, long offset, bool fsync, CancellationToken cancellationToken, SftpAttributes? create = null)
    {
        if (offset < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), offset, "The offset cannot be negative.");
        }

        if (fsync && !Extensions.ContainsKey(SftpExtensionNames.Fsync))
        {
            throw Unsupported(SftpExtensionNames.Fsync, path);
        }

        var full = Resolve(path);
        var flags = offset == 0
            ? SftpOpenFlags.SSH_FXF_WRITE | SftpOpenFlags.SSH_FXF_CREAT | SftpOpenFlags.SSH_FXF_TRUNC
            : SftpOpenFlags.SSH_FXF_WRITE;
        var handle = await OpenFileAsync(full, flags, cancellationToken, create).ConfigureAwait(false);
        var chunk = WriteLength;
        if (Limits is { MaxPacketLength: > 0 } limits)
        {
            // limits@openssh.com: the whole request, not just its data, must fit the server's packet limit.
            var room = (long)Math.Min(limits.MaxPacketLength, int.MaxValue) - (SftpPacket.DataRequestHeaderLength(handle.Length) - 4);
            chunk = (int)Math.Max(1024, Math.Min(chunk, room));
        }

        return new SftpWriteStream(this, _channel, handle, full, offset, chunk, Window(chunk), fsync);
    }

    public async Task CreateDirectoryAsync(string path, bool createParents, CancellationToken cancellationToken)
    {
        var full = Resolve(path);
        if (full == "/")
        {
            if (createParents)
            {
                return;
            }

            throw new CommandRefusedException("The directory / already exists.", RemoteErrorKind.AlreadyExists, path: full);
        }

        var status = await StatusRequestAsync(SftpPacketType.SSH_FXP_MKDIR, w => w.WriteString(full).Also(SftpAttributes.Empty.Write), full, cancellationToken).ConfigureAwait(false);
        if (status.Code == SftpStatusCode.SSH_FX_OK)
        {
            return;
        }

        // OpenSSH answers EEXIST with SSH_FX_FAILURE, so what is there decides the error.
        var existing = await TryStatAsync(SftpPacketType.SSH_FXP_LSTAT, full, cancellationToken).ConfigureAwait(false);
        if (existing is not null)
        {
            if (createParents && existing.Kind == RemoteItemKind.Directory)
            {
                return;
            }

            throw SftpMessages.ToException(status, "SSH_FXP_MKDIR of", full, RemoteErrorKind.AlreadyExists);
        }

        if (!createParents || (status.Code != SftpStatusCode.SSH_FX_NO_SUCH_FILE && status.Code != SftpStatusCode.SSH_FX_FAILURE))
        {
            throw SftpMessages.ToException(status, "SSH_FXP_MKDIR of", full);
        }

        await CreateDirectoryAsync(RemotePath.GetDirectoryName(full), createParents: true, cancellationToken).ConfigureAwait(false);
        var retry = await StatusRequestAsync(SftpPacketType.SSH_FXP_MKDIR, w => w.WriteString(full).Also(SftpAttributes.Empty.Write), full, cancellationToken).ConfigureAwait(false);
        if (retry.Code != SftpStatusCode.SSH_FX_OK)
        {
            var raced = await TryStatAsync(SftpPacketType.SSH_FXP_LSTAT, full, cancellationToken).ConfigureAwait(false);
            if (raced?.Kind == RemoteItemKind.Directory)
            {
                return;
            }

            throw SftpMessages.ToException(retry, "SSH_FXP_MKDIR of", full);
        }
    }

    public Task RemoveFileAsync(string path, CancellationToken cancellationToken)
    {
        var full = Resolve(path);
        return ExpectOkAsync(SftpPacketType.SSH_FXP_REMOVE, w => w.WriteString(full), "SSH_FXP_REMOVE of", full, cancellationToken);
    }

    public async Task RemoveDirectoryAsync(string path, CancellationToken cancellationToken)
    {
        var full = Resolve(path);
        var status = await StatusRequestAsync(SftpPacketType.SSH_FXP_RMDIR, w => w.WriteString(full), full, cancellationToken).ConfigureAwait(false);
        if (status.Code == SftpStatusCode.SSH_FX_OK)
        {
            return;
        }

        // ENOTEMPTY comes back as plain SSH_FX_FAILURE; a look inside tells the caller what went wrong.
        var kind = status.Code == SftpStatusCode.SSH_FX_FAILURE && await HasEntriesAsync(full, cancellationToken).ConfigureAwait(false)
            ? RemoteErrorKind.NotEmpty
            : SftpMessages.ToErrorKind(status.Code);
        throw SftpMessages.ToException(status, "SSH_FXP_RMDIR of", full, kind);
    }

    public async Task RenameAsync(string oldPath, string newPath, bool overwrite, CancellationToken cancellationToken)
    {
        var from = Resolve(oldPath);
        var to = Resolve(newPath);
        if (overwrite && Extensions.ContainsKey(SftpExtensionNames.PosixRename))
        {
            // OpenSSH PROTOCOL §4.3: rename(2) semantics, an existing target is replaced atomically.
            await ExpectOkAsync(
                SftpPacketType.SSH_FXP_EXTENDED,
                w => w.WriteString(SftpExtensionNames.PosixRename).WriteString(from).WriteString(to),
                "posix-rename@openssh.com of",
                from + " to " + to,
                cancellationToken).ConfigureAwait(false);
            return;
        }

        // draft-02 §6.5: SSH_FXP_RENAME fails when the target exists. Servers that replace anyway exist, so the
        // target is checked first when it must not be replaced.
        if (!overwrite && await TryStatAsync(SftpPacketType.SSH_FXP_LSTAT, to, cancellationToken).ConfigureAwait(false) is not null)
        {
            throw new CommandRefusedException($"Cannot rename {from} to {to}: the target already exists.", RemoteErrorKind.AlreadyExists, path: to);
        }

        var status = await StatusRequestAsync(SftpPacketType.SSH_FXP_RENAME, w => w.WriteString(from).WriteString(to), from + " to " + to, cancellationToken).ConfigureAwait(false);
        if (status.Code == SftpStatusCode.SSH_FX_OK)
        {
            return;
        }

        var target = status.Code == SftpStatusCode.SSH_FX_FAILURE ? await TryStatAsync(SftpPacketType.SSH_FXP_LSTAT, to, cancellationToken).ConfigureAwait(false) : null;
        if (target is null)
        {
            throw SftpMessages.ToException(status, "SSH_FXP_RENAME of", from + " to " + to);
        }

        if (!overwrite)
        {
            throw SftpMessages.ToException(status, "SSH_FXP_RENAME of", from + " to " + to, RemoteErrorKind.AlreadyExists);
        }

        // No posix-rename: replace in two steps (not atomic; the best SFTP v3 alone can do).
        if (target.Kind == RemoteItemKind.Directory)
        {
            await RemoveDirectoryAsync(to, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await RemoveFileAsync(to, cancellationToken).ConfigureAwait(false);
        }

        await ExpectOkAsync(SftpPacketType.SSH_FXP_RENAME, w => w.WriteString(from).WriteString(to), "SSH_FXP_RENAME of", from + " to " + to, cancellationToken).ConfigureAwait(false);
    }

    public async Task SetLastWriteTimeAsync(string path, DateTime lastWriteTimeUtc, CancellationToken cancellationToken)
    {
        var full = Resolve(path);
        if (!SftpAttributes.TryToUnixSeconds(lastWriteTimeUtc, out var mtime))
        {
            throw new CommandRefusedException(
                string.Format(System.Globalization.CultureInfo.InvariantCulture, "Cannot set the time of {0} to {1:yyyy-MM-dd HH:mm:ss} UTC: {2}.", full, lastWriteTimeUtc.Kind == DateTimeKind.Local ? lastWriteTimeUtc.ToUniversalTime() : lastWriteTimeUtc, SftpAttributes.TimeRange),
                RemoteErrorKind.Unsupported,
                path: full);
        }

        // SFTP v3 sets atime and mtime together (draft-02 §5); the current atime is kept.
        var current = await StatAsync(SftpPacketType.SSH_FXP_STAT, full, cancellationToken).ConfigureAwait(false);
        var attributes = new SftpAttributes { AccessTime = current.AccessTime ?? mtime, ModifyTime = mtime };
        await ExpectOkAsync(SftpPacketType.SSH_FXP_SETSTAT, w => w.WriteString(full).Also(attributes.Write), "SSH_FXP_SETSTAT of", full, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sets the permission bits (07777) with SSH_FXP_SETSTAT.</summary>
    public Task SetPermissionsAsync(string path, int permissionBits, CancellationToken cancellationToken)
    {
        var full = Resolve(path);
        var attributes = new SftpAttributes { Permissions = (uint)permissionBits & 0xFFF };
        return ExpectOkAsync(SftpPacketType.SSH_FXP_SETSTAT, w => w.WriteString(full).Also(attributes.Write), "SSH_FXP_SETSTAT of", full, cancellationToken);
    }

    public async Task ChangeDirectoryAsync(string path, CancellationToken cancellationToken) =>
        Volatile.Write(ref _currentDirectory, await LookUpDirectoryAsync(Resolve(path), cancellationToken).ConfigureAwait(false));

    /// <summary>
    /// The canonical path of the directory <paramref name="full"/> (an absolute path): SSH_FXP_REALPATH and
    /// SSH_FXP_STAT go out together, one round trip for both. When both are refused, REALPATH's refusal is thrown.
    /// </summary>
    private async Task<string> LookUpDirectoryAsync(string full, CancellationToken cancellationToken)
    {
        var resolved = RealPathAsync(full, cancellationToken);
        var attributes = StatAsync(SftpPacketType.SSH_FXP_STAT, full, cancellationToken);
        await Task.WhenAll(resolved, attributes).ConfigureAwait(false);
        if ((await attributes.ConfigureAwait(false)).Kind != RemoteItemKind.Directory)
        {
            // NotFound, as a file is to Set-Location (PathNotFound) and to an FTP server's CWD (550).
            throw new CommandRefusedException($"Cannot change to {full}: it is not a directory.", RemoteErrorKind.NotFound, path: full);
        }

        return await resolved.ConfigureAwait(false);
    }

    public async Task KeepAliveAsync(CancellationToken cancellationToken) =>
        await RealPathAsync(".", cancellationToken).ConfigureAwait(false);

    public Task DisconnectAsync(CancellationToken cancellationToken) => DisposeAsync().AsTask();

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _channel.DisposeAsync().ConfigureAwait(false);
        if (_owner is not null)
        {
            await _owner.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>SSH_FXP_REALPATH (draft-02 §6.9): the server's canonical absolute form of a path.</summary>
    internal async Task<string> RealPathAsync(string path, CancellationToken cancellationToken)
    {
        var response = await _channel.RequestAsync(SftpPacketType.SSH_FXP_REALPATH, w => w.WriteString(path), path, cancellationToken).ConfigureAwait(false);
        return SingleName(response, SftpPacketType.SSH_FXP_REALPATH, "SSH_FXP_REALPATH of", path);
    }

    /// <summary>SSH_FXP_READLINK (draft-02 §6.10): a symbolic link's target as stored.</summary>
    internal async Task<string> ReadLinkAsync(string path, CancellationToken cancellationToken)
    {
        var full = Resolve(path);
        var response = await _channel.RequestAsync(SftpPacketType.SSH_FXP_READLINK, w => w.WriteString(full), full, cancellationToken).ConfigureAwait(false);
        return SingleName(response, SftpPacketType.SSH_FXP_READLINK, "SSH_FXP_READLINK of", full);
    }

    /// <summary>SSH_FXP_STAT (follows links) or SSH_FXP_LSTAT (does not); a refusal throws.</summary>
    internal async Task<SftpAttributes> StatAsync(SftpPacketType type, string path, CancellationToken cancellationToken)
    {
        var full = Resolve(path);
        var response = await _channel.RequestAsync(type, w => w.WriteString(full), full, cancellationToken).ConfigureAwait(false);
        if (response.Type == SftpPacketType.SSH_FXP_STATUS)
        {
            throw SftpMessages.ToException(response.Status!, type + " of", full);
        }

        Expect(response, SftpPacketType.SSH_FXP_ATTRS, type);
        return response.Attributes!;
    }

    /// <summary>SSH_FXP_FSTAT of an open handle.</summary>
    internal async Task<SftpAttributes> FStatAsync(byte[] handle, string path, CancellationToken cancellationToken)
    {
        var response = await _channel.RequestAsync(SftpPacketType.SSH_FXP_FSTAT, w => w.WriteString(handle), path, cancellationToken).ConfigureAwait(false);
        if (response.Type == SftpPacketType.SSH_FXP_STATUS)
        {
            throw SftpMessages.ToException(response.Status!, "SSH_FXP_FSTAT of", path);
        }

        Expect(response, SftpPacketType.SSH_FXP_ATTRS, SftpPacketType.SSH_FXP_FSTAT);
        return response.Attributes!;
    }

    /// <summary>statvfs@openssh.com (OpenSSH PROTOCOL §4.4): the file system holding <paramref name="path"/>.</summary>
    internal async Task<SftpFileSystemInfo> GetFileSystemInfoAsync(string path, CancellationToken cancellationToken)
    {
        var full = Resolve(path);
        if (!Extensions.ContainsKey(SftpExtensionNames.StatVfs))
        {
            throw Unsupported(SftpExtensionNames.StatVfs, full);
        }

        var response = await _channel.RequestAsync(
            SftpPacketType.SSH_FXP_EXTENDED,
            w => w.WriteString(SftpExtensionNames.StatVfs).WriteString(full),
            SftpExtensionNames.StatVfs + " " + full,
            cancellationToken).ConfigureAwait(false);
        if (response.Type == SftpPacketType.SSH_FXP_STATUS)
        {
            throw SftpMessages.ToException(response.Status!, "statvfs@openssh.com of", full);
        }

        Expect(response, SftpPacketType.SSH_FXP_EXTENDED_REPLY, SftpPacketType.SSH_FXP_EXTENDED);
        return ParseOrFail(() => SftpMessages.ParseStatVfs(response.Data));
    }

    /// <summary>hardlink@openssh.com (OpenSSH PROTOCOL §4.7): link(oldpath, newpath).</summary>
    internal Task CreateHardLinkAsync(string existingPath, string newPath, CancellationToken cancellationToken)
    {
        var from = Resolve(existingPath);
        var to = Resolve(newPath);
        if (!Extensions.ContainsKey(SftpExtensionNames.Hardlink))
        {
            throw Unsupported(SftpExtensionNames.Hardlink, to);
        }

        return ExpectOkAsync(
            SftpPacketType.SSH_FXP_EXTENDED,
            w => w.WriteString(SftpExtensionNames.Hardlink).WriteString(from).WriteString(to),
            "hardlink@openssh.com of",
            from + " to " + to,
            cancellationToken);
    }

    /// <summary>fsync@openssh.com (OpenSSH PROTOCOL §4.6) on an open handle.</summary>
    internal Task FsyncAsync(byte[] handle, string path, CancellationToken cancellationToken)
    {
        if (!Extensions.ContainsKey(SftpExtensionNames.Fsync))
        {
            throw Unsupported(SftpExtensionNames.Fsync, path);
        }

        return ExpectOkAsync(SftpPacketType.SSH_FXP_EXTENDED, w => w.WriteString(SftpExtensionNames.Fsync).WriteString(handle), "fsync@openssh.com of", path, cancellationToken);
    }

    /// <summary>SSH_FXP_FSETSTAT (draft-02 §6.9) on an open handle.</summary>
    internal Task FSetStatAsync(byte[] handle, string path, SftpAttributes attributes, CancellationToken cancellationToken) =>
        ExpectOkAsync(SftpPacketType.SSH_FXP_FSETSTAT, w => w.WriteString(handle).Also(attributes.Write), "SSH_FXP_FSETSTAT of", path, cancellationToken);

    internal Task CloseHandleAsync(byte[] handle, string path, CancellationToken cancellationToken) =>
        ExpectOkAsync(SftpPacketType.SSH_FXP_CLOSE, w => w.WriteString(handle), "SSH_FXP_CLOSE of", path, cancellationToken);

    /// <summary>Closes a handle after a failure or an abort; a refusal or a dead session changes nothing then.</summary>
    internal async Task CloseHandleQuietlyAsync(byte[] handle)
    {
        if (!_channel.IsOpen)
        {
            return;
        }

        try
        {
            await _channel.RequestAsync(SftpPacketType.SSH_FXP_CLOSE, w => w.WriteString(handle), "(cleanup)", CancellationToken.None).ConfigureAwait(false);
        }
        catch (FtpToolsException)
        {
            // Dead session or refused close: the server drops its handles when the channel closes.
        }
    }

    private async Task InitializeAsync(string? startPath, CancellationToken cancellationToken)
    {
        // The start directory does not depend on the limits: the questions go out at once, one round trip for all
        // (on a far-away server, 40 ms of every connect). An absolute start path needs no login directory to resolve.
        var absoluteStart = startPath is { Length: > 0 } && startPath[0] == '/';
        var limitsRequest = Extensions.ContainsKey(SftpExtensionNames.Limits)
            ? _channel.RequestAsync(SftpPacketType.SSH_FXP_EXTENDED, w => w.WriteString(SftpExtensionNames.Limits), SftpExtensionNames.Limits, cancellationToken)
            : null;
        var start = absoluteStart ? LookUpDirectoryAsync(RemotePath.Normalize(startPath!), cancellationToken) : RealPathAsync(".", cancellationToken);
        await Task.WhenAll(limitsRequest is null ? new Task[] { start } : new Task[] { limitsRequest, start }).ConfigureAwait(false);
        if (limitsRequest is not null)
        {
            var response = await limitsRequest.ConfigureAwait(false);
            if (response.Type == SftpPacketType.SSH_FXP_EXTENDED_REPLY)
            {
                var limits = ParseOrFail(() => SftpMessages.ParseLimits(response.Data));
                Limits = limits;
                ReadLength = LengthFromLimit(limits.MaxReadLength);
                WriteLength = LengthFromLimit(limits.MaxWriteLength);
                if (limits.MaxOpenHandles > 0)
                {
                    _channel.LimitOpenHandles((int)Math.Min(limits.MaxOpenHandles, int.MaxValue));
                }
                _log?.Write(LogDirection.Info, $"limits@openssh.com: packet {limits.MaxPacketLength}, read {limits.MaxReadLength}, write {limits.MaxWriteLength}, handles {limits.MaxOpenHandles}; using reads of {ReadLength} and writes of {WriteLength} bytes.");
            }
        }

        Volatile.Write(ref _currentDirectory, await start.ConfigureAwait(false));
        if (!absoluteStart && !string.IsNullOrEmpty(startPath))
        {
            await ChangeDirectoryAsync(startPath!, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A server's limit, never above what our receive buffer takes (255 KiB) nor below 1 KiB; 0 means none stated.</summary>
    private static int LengthFromLimit(ulong limit) =>
        limit == 0 ? SftpPacket.DefaultDataLength : (int)Math.Max(1024, Math.Min(limit, (ulong)SftpPacket.MaxDataLength));

    private static int Window(int requestLength) => Math.Max(1, Math.Min(MaxRequestsInFlight, MaxBytesInFlight / requestLength));

    private string Resolve(string path) => RemotePath.Combine(CurrentDirectory, path ?? "");

    private async Task<byte[]> OpenFileAsync(string full, SftpOpenFlags flags, CancellationToken cancellationToken, SftpAttributes? create = null) =>
        await OpenHandleAsync(
            SftpPacketType.SSH_FXP_OPEN,
            w => w.WriteString(full).WriteUInt32((uint)flags).Also((create ?? SftpAttributes.Empty).Write),
            "SSH_FXP_OPEN of",
            full,
            cancellationToken).ConfigureAwait(false);

    private async Task<byte[]> OpenHandleAsync(SftpPacketType type, Action<SshWriter> body, string operation, string full, CancellationToken cancellationToken)
    {
        var response = await _channel.RequestAsync(type, body, full, cancellationToken).ConfigureAwait(false);
        if (response.Type == SftpPacketType.SSH_FXP_STATUS)
        {
            throw SftpMessages.ToException(response.Status!, operation, full);
        }

        Expect(response, SftpPacketType.SSH_FXP_HANDLE, type);
        return response.Handle!;
    }

    private async Task<SftpStatus> StatusRequestAsync(SftpPacketType type, Action<SshWriter> body, string logText, CancellationToken cancellationToken)
    {
        var response = await _channel.RequestAsync(type, body, logText, cancellationToken).ConfigureAwait(false);
        Expect(response, SftpPacketType.SSH_FXP_STATUS, type);
        return response.Status!;
    }

    private async Task ExpectOkAsync(SftpPacketType type, Action<SshWriter> body, string operation, string target, CancellationToken cancellationToken)
    {
        // Extended requests are logged with their extension name ("posix-rename@openssh.com of a to b").
        var logText = type == SftpPacketType.SSH_FXP_EXTENDED ? operation + " " + target : target;
        var status = await StatusRequestAsync(type, body, logText, cancellationToken).ConfigureAwait(false);
        if (status.Code != SftpStatusCode.SSH_FX_OK)
        {
            throw SftpMessages.ToException(status, operation, target);
        }
    }

    /// <summary>Attributes, or null when nothing is at the path (SSH_FX_NO_SUCH_FILE); other refusals throw.</summary>
    private async Task<SftpAttributes?> TryStatAsync(SftpPacketType type, string full, CancellationToken cancellationToken)
    {
        var response = await _channel.RequestAsync(type, w => w.WriteString(full), full, cancellationToken).ConfigureAwait(false);
        if (response.Type == SftpPacketType.SSH_FXP_STATUS)
        {
            if (response.Status!.Code == SftpStatusCode.SSH_FX_NO_SUCH_FILE)
            {
                return null;
            }

            throw SftpMessages.ToException(response.Status, type + " of", full);
        }

        Expect(response, SftpPacketType.SSH_FXP_ATTRS, type);
        return response.Attributes;
    }

    private async Task<string?> TryReadLinkAsync(string full, CancellationToken cancellationToken)
    {
        var response = await _channel.RequestAsync(SftpPacketType.SSH_FXP_READLINK, w => w.WriteString(full), full, cancellationToken).ConfigureAwait(false);
        return response.Type == SftpPacketType.SSH_FXP_STATUS ? null : SingleName(response, SftpPacketType.SSH_FXP_READLINK, "SSH_FXP_READLINK of", full);
    }

    private async Task<bool> HasEntriesAsync(string directory, CancellationToken cancellationToken)
    {
        var open = await _channel.RequestAsync(SftpPacketType.SSH_FXP_OPENDIR, w => w.WriteString(directory), directory, cancellationToken).ConfigureAwait(false);
        if (open.Type != SftpPacketType.SSH_FXP_HANDLE)
        {
            return false;
        }

        try
        {
            var response = await _channel.RequestAsync(SftpPacketType.SSH_FXP_READDIR, w => w.WriteString(open.Handle!), directory, cancellationToken).ConfigureAwait(false);
            return response.Type == SftpPacketType.SSH_FXP_NAME && response.Names!.Any(n => n.FileName is not "." and not "..");
        }
        finally
        {
            await CloseHandleQuietlyAsync(open.Handle!).ConfigureAwait(false);
        }
    }

    private string SingleName(SftpResponse response, SftpPacketType request, string operation, string path)
    {
        if (response.Type == SftpPacketType.SSH_FXP_STATUS)
        {
            throw SftpMessages.ToException(response.Status!, operation, path);
        }

        Expect(response, SftpPacketType.SSH_FXP_NAME, request);
        if (response.Names!.Count != 1)
        {
            throw Violation($"The SFTP server answered {request} with {response.Names.Count} names instead of one.");
        }

        return response.Names[0].FileName;
    }

    /// <summary>A response of the wrong type is a protocol violation: the session cannot be trusted after it.</summary>
    private void Expect(SftpResponse response, SftpPacketType expected, SftpPacketType request)
    {
        if (response.Type != expected)
        {
            throw Violation($"The SFTP server answered {request} with {response.Type} instead of {expected}.");
        }
    }

    private ProtocolViolationException Violation(string message)
    {
        var error = new ProtocolViolationException(message);
        _channel.Fail(error);
        return error;
    }

    private T ParseOrFail<T>(Func<T> parse)
    {
        try
        {
            return parse();
        }
        catch (ProtocolViolationException ex)
        {
            _channel.Fail(ex);
            throw;
        }
    }

    private static CommandRefusedException Unsupported(string extension, string path) =>
        new($"The SFTP server does not offer {extension}.", RemoteErrorKind.Unsupported, path: path);

    [MethodImpl(HotPath.Optimized)]
    private static RemoteItem ToItem(string name, string fullName, SftpAttributes attributes, string? longName, string? linkTarget)
    {
        var kind = attributes.Kind;
        if (attributes.Permissions is null && !string.IsNullOrEmpty(longName))
        {
            // No mode in the attributes: the long name's type character is the next best thing.
            kind = longName![0] switch
            {
                'd' => RemoteItemKind.Directory,
                'l' => RemoteItemKind.SymbolicLink,
                '-' => RemoteItemKind.File,
                _ => RemoteItemKind.Other,
            };
        }

        var owners = longName is null ? null : SftpMessages.ParseOwnerFromLongName(longName);
        return new RemoteItem(name, fullName, kind)
        {
            Length = attributes.Size is { } size && size <= long.MaxValue ? (long)size : null,
            LastWriteTimeUtc = attributes.LastWriteTimeUtc,
            PermissionBits = attributes.Permissions is { } mode ? (int)(mode & 0xFFF) : null,
            Permissions = attributes.Permissions is { } bits ? SftpAttributes.FormatPermissions(bits) : null,
            Owner = owners?.Owner ?? attributes.Uid?.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Group = owners?.Group ?? attributes.Gid?.ToString(System.Globalization.CultureInfo.InvariantCulture),
            LinkTarget = linkTarget,
        };
    }
}

/// <summary>Lets a writer call be chained with a method that takes the writer (ATTRS after a path).</summary>
internal static class SshWriterChaining
{
    public static SshWriter Also(this SshWriter writer, Action<SshWriter> write)
    {
        write(writer);
        return writer;
    }
}
