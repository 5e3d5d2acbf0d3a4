using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;
using FtpTools.Core.Paths;

namespace FtpTools.Core.Transfers;

/// <summary>
/// Checksums of remote files, for Get-FtpFileHash: computed by the server when it has a checksum command for the
/// algorithm (FTP HASH, XSHA256 and the like; <see cref="IRemoteHashProvider"/>), so the file does not cross the
/// network, else over the file's bytes as they are read, through the transfer engine's copy loop into a hash (nothing
/// is stored; memory stays two buffers). OpenSSH's SFTP server has no checksum extension, so SFTP always reads.
/// </summary>
public static class RemoteFileHasher
{
    private static readonly TransferOptions Defaults = new();

    /// <summary>The name Get-FileHash uses for the algorithm (SHA256, SHA1, SHA384, SHA512, MD5), and CRC32.</summary>
    public static string NameOf(RemoteHashAlgorithm algorithm) => algorithm switch
    {
        RemoteHashAlgorithm.Sha256 => "SHA256",
        RemoteHashAlgorithm.Sha1 => "SHA1",
        RemoteHashAlgorithm.Sha384 => "SHA384",
        RemoteHashAlgorithm.Sha512 => "SHA512",
        RemoteHashAlgorithm.Md5 => "MD5",
        RemoteHashAlgorithm.Crc32 => "CRC32",
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "Unknown hash algorithm."),
    };

    /// <summary>The algorithm of a name as <see cref="NameOf"/> gives it (any case; "SHA-256" too).</summary>
    public static RemoteHashAlgorithm Parse(string name)
    {
        var compact = (name ?? throw new ArgumentNullException(nameof(name))).Replace("-", "");
        foreach (RemoteHashAlgorithm algorithm in Enum.GetValues(typeof(RemoteHashAlgorithm)))
        {
            if (string.Equals(NameOf(algorithm), compact, StringComparison.OrdinalIgnoreCase))
            {
                return algorithm;
            }
        }

        throw new ArgumentException($"Unknown hash algorithm '{name}'. Use SHA256, SHA1, SHA384, SHA512, MD5 or CRC32.", nameof(name));
    }

    /// <summary>
    /// The checksum of the file at <paramref name="path"/> (relative paths resolve against the session's current
    /// directory); null when the path is a directory or a symbolic link to one. A missing path throws
    /// <see cref="TransferRefusedException"/> (SourceNotFound). With <paramref name="serverOnly"/>, a server without a
    /// checksum command for the algorithm throws <see cref="CommandRefusedException"/> (Unsupported) instead of the
    /// file being read. Reading reports to <paramref name="progress"/> as a download to the algorithm's name.
    /// </summary>
    public static async Task<RemoteFileHash?> ComputeAsync(
        IRemoteSession session,
        string path,
        RemoteHashAlgorithm algorithm,
        bool serverOnly,
        IProgress<TransferProgress>? progress,
        CancellationToken cancellationToken)
    {
        if (session is null)
        {
            throw new ArgumentNullException(nameof(session));
        }

        if (string.IsNullOrEmpty(path))
        {
            throw new ArgumentException("A remote path is required.", nameof(path));
        }

        var full = RemotePath.Combine(session.CurrentDirectory, path);
        var item = await session.GetItemAsync(full, cancellationToken).ConfigureAwait(false)
            ?? throw new TransferRefusedException($"Cannot find remote path '{full}' because it does not exist.", TransferRefusedReason.SourceNotFound, full);
        return await ComputeAsync(session, full, item, algorithm, serverOnly, progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// As <see cref="ComputeAsync(IRemoteSession, string, RemoteHashAlgorithm, bool, IProgress{TransferProgress}, CancellationToken)"/>
    /// for an item a listing or walk has just described (what <c>Get-FtpItem | Get-FtpFileHash</c> pipes), without
    /// asking the server about it again.
    /// </summary>
    public static Task<RemoteFileHash?> ComputeAsync(
        IRemoteSession session,
        RemoteItem item,
        RemoteHashAlgorithm algorithm,
        bool serverOnly,
        IProgress<TransferProgress>? progress,
        CancellationToken cancellationToken)
    {
        if (session is null)
        {
            throw new ArgumentNullException(nameof(session));
        }

        if (item is null)
        {
            throw new ArgumentNullException(nameof(item));
        }

        return ComputeAsync(session, RemotePath.Combine(session.CurrentDirectory, item.FullName), item, algorithm, serverOnly, progress, cancellationToken);
    }

    private static async Task<RemoteFileHash?> ComputeAsync(
        IRemoteSession session,
        string full,
        RemoteItem item,
        RemoteHashAlgorithm algorithm,
        bool serverOnly,
        IProgress<TransferProgress>? progress,
        CancellationToken cancellationToken)
    {
        var name = NameOf(algorithm);
        if (item.Kind == RemoteItemKind.Directory
            || (item.Kind == RemoteItemKind.SymbolicLink && await TransferEngine.LeadsToDirectoryAsync(session, full, cancellationToken).ConfigureAwait(false)))
        {
            return null;
        }

        if (session is IRemoteHashProvider provider && provider.SupportedHashAlgorithms.Contains(algorithm))
        {
            try
            {
                var hex = await provider.ComputeHashAsync(full, algorithm, item.Kind == RemoteItemKind.File ? item.Length : null, cancellationToken).ConfigureAwait(false);
                return new RemoteFileHash(name, hex.ToUpperInvariant(), full, HashComputedBy.Server);
            }
            catch (CommandRefusedException e) when (e.Kind == RemoteErrorKind.Unsupported && !serverOnly)
            {
                // It announced the command but will not run it (a site may switch it off, or limit it by size):
                // reading the file gives the same answer.
            }
        }
        else if (serverOnly)
        {
            throw new CommandRefusedException(
                $"The server cannot compute {name} checksums itself; without -ServerOnly the file is read and hashed here.",
                RemoteErrorKind.Unsupported,
                path: full);
        }

        if (session.Info.AsciiMode)
        {
            // Read in ASCII mode, the bytes come with their line ends converted: their checksum is not the file's.
            throw new CommandRefusedException(
                $"The server cannot compute {name} checksums itself, and this session transfers in ASCII mode (Connect-FtpSession -TransferMode Ascii), which changes line ends on the way: the file's own checksum needs a binary session.",
                RemoteErrorKind.Unsupported,
                path: full);
        }

        using var sink = new HashingStream(algorithm);
        var total = item.Kind == RemoteItemKind.File ? item.Length : null;
        var meter = new ProgressMeter(TransferDirection.Download, full, name, total, 0, progress, Defaults.ProgressInterval);
        var remote = await (session is IKnownLengthReader reader
            ? reader.OpenReadAsync(full, 0, total, cancellationToken)
            : session.OpenReadAsync(full, 0, cancellationToken)).ConfigureAwait(false);
        await TransferEngine.CopyAndCompleteAsync(remote, from: remote, to: sink, Defaults.BufferSize, Defaults.ProgressInterval, meter, alongsideCompletion: null, cancellationToken).ConfigureAwait(false);
        meter.Finish();
        return new RemoteFileHash(name, sink.HexHash(), full, HashComputedBy.Client);
    }
}
