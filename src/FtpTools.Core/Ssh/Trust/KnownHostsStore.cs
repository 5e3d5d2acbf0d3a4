using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;

namespace FtpTools.Core.Ssh.Trust;

/// <summary>
/// Reading known_hosts files and appending to the module's own one. Appends are serialized across
/// processes by an exclusive lock on a sibling "known_hosts.lock" file (FileShare.None: flock on Unix,
/// a sharing lock on Windows; both end with the process), so scheduled runs that connect at once neither
/// lose nor interleave lines. Readers never take that lock: a line is written with one append, and a
/// half-written line would only be skipped as unusable.
/// </summary>
internal static class KnownHostsStore
{
    // known_hosts files are small; one that is not is refused rather than read into memory whole.
    private const long MaxFileBytes = 16L << 20;

    private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(30);

    public static string DefaultUserPath() =>
        Path.Combine(Folder(Environment.SpecialFolder.UserProfile), ".ssh", "known_hosts");

    /// <summary>~/.local/share/FtpTools/known_hosts on Unix ($XDG_DATA_HOME honoured by .NET), %LOCALAPPDATA%\FtpTools\known_hosts on Windows.</summary>
    public static string DefaultModulePath() =>
        Path.Combine(Folder(Environment.SpecialFolder.LocalApplicationData), "FtpTools", "known_hosts");

    /// <summary>The file's entries; a missing file (or folder) has none.</summary>
    public static async Task<IReadOnlyList<KnownHostsEntry>> ReadAsync(string path, CancellationToken cancellationToken)
    {
        var text = await ReadTextAsync(path, cancellationToken).ConfigureAwait(false);
        return text is null ? Array.Empty<KnownHostsEntry>() : KnownHostsFile.Parse(text, path);
    }

    /// <summary>
    /// Under the file lock: re-reads <paramref name="path"/>, asks <paramref name="lineToAppend"/> what to add
    /// given the current entries (null: nothing, e.g. another process filed the host meanwhile) and appends it.
    /// Returns the entries as they were before the append.
    /// </summary>
    public static async Task<IReadOnlyList<KnownHostsEntry>> AppendUnderLockAsync(
        string path,
        Func<IReadOnlyList<KnownHostsEntry>, string?> lineToAppend,
        CancellationToken cancellationToken)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        using var lockFile = await AcquireLockAsync(path + ".lock", cancellationToken).ConfigureAwait(false);
        var text = await ReadTextAsync(path, cancellationToken).ConfigureAwait(false) ?? string.Empty;
        var entries = KnownHostsFile.Parse(text, path);
        var line = lineToAppend(entries);
        if (line is null)
        {
            return entries;
        }

        var builder = new StringBuilder();
        if (text.Length > 0 && !text.EndsWith("\n", StringComparison.Ordinal))
        {
            builder.Append('\n');
        }

        builder.Append(line).Append('\n');
        var bytes = new UTF8Encoding(false).GetBytes(builder.ToString());
        using (var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 4096, useAsync: true))
        {
            await stream.WriteAsync(bytes, 0, bytes.Length, cancellationToken).ConfigureAwait(false);
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            stream.Flush(flushToDisk: true);
        }

        return entries;
    }

    /// <summary>
    /// A per-user folder; a service account without a profile (HOME unset) has none, and a relative path
    /// would silently put trust decisions in the current directory.
    /// </summary>
    private static string Folder(Environment.SpecialFolder folder)
    {
        var path = Environment.GetFolderPath(folder, Environment.SpecialFolderOption.DoNotVerify);
        if (string.IsNullOrEmpty(path))
        {
            throw new FtpToolsException($"This account has no {folder} folder for its known_hosts file; set the known_hosts paths explicitly.");
        }

        return path;
    }

    private static async Task<FileStream> AcquireLockAsync(string lockPath, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + LockTimeout;
        var delay = 5;
        var random = new Random();
        while (true)
        {
            try
            {
                return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
            }
            catch (IOException ex) when (ex is not FileNotFoundException and not DirectoryNotFoundException)
            {
                // Another process holds the lock (EWOULDBLOCK from flock, or ERROR_SHARING_VIOLATION).
                if (DateTime.UtcNow > deadline)
                {
                    throw new FtpToolsException($"Could not lock '{lockPath}' within {LockTimeout.TotalSeconds:0} seconds to record a new host key; another process keeps it locked.", ex);
                }
            }

            await Task.Delay(delay + random.Next(delay), cancellationToken).ConfigureAwait(false);
            delay = Math.Min(delay * 2, 200);
        }
    }

    private static async Task<string?> ReadTextAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 4096, useAsync: true);
            if (stream.Length > MaxFileBytes)
            {
                throw new FtpToolsException($"The known_hosts file '{path}' is larger than {MaxFileBytes >> 20} MiB; not reading it.");
            }

            using var reader = new StreamReader(stream, Encoding.UTF8);
            cancellationToken.ThrowIfCancellationRequested();
            return await reader.ReadToEndAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }
}
