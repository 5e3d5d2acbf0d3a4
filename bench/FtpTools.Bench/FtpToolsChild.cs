using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core;
using FtpTools.Core.Transfers;

namespace FtpTools.Bench;

/// <summary>
/// The FtpTools side of one run, in a process of its own. It opens the session the way the cmdlets do
/// (<see cref="RemoteSessionFactory.ConnectAsync"/> with <see cref="ConnectionOptions"/>), moves the files with the
/// transfer engine as Receive-FtpFile and Send-FtpFile do, and prints one
/// <see cref="ChildResult"/> line with its time and peak RSS. It never throws: a protocol that is not there yet is a
/// failed result with the exception's message.
/// </summary>
internal static class FtpToolsChild
{
    public static async Task<int> RunAsync(string[] args)
    {
        var result = new ChildResult();
        try
        {
            var envFile = Option(args, "--env");
            var protocol = RemoteProtocolInfo.FromScheme(Option(args, "--protocol")) ?? throw new ArgumentException("Unknown --protocol.");
            var kind = Option(args, "--case");
            var local = Option(args, "--local");
            var remote = Option(args, "--remote");
            var timeout = TimeSpan.FromSeconds(double.Parse(Option(args, "--timeout"), CultureInfo.InvariantCulture));
            var cipherIndex = Array.IndexOf(args, "--cipher");
            var cipher = cipherIndex >= 0 && cipherIndex + 1 < args.Length ? args[cipherIndex + 1] : null;
            var operationIndex = Array.IndexOf(args, "--operation-timeout");
            TimeSpan? operationTimeout = operationIndex >= 0 && operationIndex + 1 < args.Length
                ? TimeSpan.FromSeconds(double.Parse(args[operationIndex + 1], CultureInfo.InvariantCulture))
                : null;

            var servers = ServerEnvironment.Load(envFile);
            var tlsIndex = Array.IndexOf(args, "--tls-version");
            TlsVersion? tls = tlsIndex >= 0 && tlsIndex + 1 < args.Length ? Enum.Parse<TlsVersion>(args[tlsIndex + 1]) : null;
            var options = Options(servers, protocol, cipher, operationTimeout, tls);
            if (args.Contains("--no-flush"))
            {
                Receive = new() { Overwrite = true, PreserveTimestamp = true, FlushToDisk = false };
            }

            var trashIndex = Array.IndexOf(args, "--trash");
            var trash = trashIndex >= 0 && trashIndex + 1 < args.Length ? args[trashIndex + 1] : null;
            if (args.Contains("--warm-up"))
            {
                // The same case once before, on targets of its own, in a session of its own: the timed run below is
                // then the second in this process, as in a PowerShell session that has used the module already.
                using var warmUpDeadline = new CancellationTokenSource(timeout);
                var (warmLocal, warmRemote) = WarmUpTargets(kind, local, remote);
                await RunSessionAsync(options, kind, warmLocal, warmRemote, result, warmUpDeadline.Token).ConfigureAwait(false);
                DeleteLocal(warmLocal, keep: local, trash);

                // What the warm-up uploaded goes too, as the harness takes every upload off the server root before
                // each run: a timed 1 GiB upload that starts right after another 1 GiB file was written takes about
                // twice as long whichever tool writes either (by hand, 2026-11-23: 1.31-1.35 s against 0.50-0.65 s
                // for the same FtpTools upload after `cat` wrote a 1 GiB file or after one was deleted), which is
                // how the warm upload rows came out slower than the fresh ones until then.
                if (kind.StartsWith("upload-", StringComparison.Ordinal))
                {
                    DeleteLocal(Path.Combine(servers.RootFor(protocol), warmRemote), keep: Path.Combine(servers.RootFor(protocol), remote), trash);
                }

                // As the harness does before every run: the warm-up's dirty pages (a 1 GiB upload's, on the server's
                // disk) are written out now, not during the timed run.
                await ProcessRunner.OutputOfAsync("sync").ConfigureAwait(false);
            }

            using var deadline = new CancellationTokenSource(timeout);
            var self = Process.GetCurrentProcess();
            var (user, system) = (self.UserProcessorTime, self.PrivilegedProcessorTime);
            var workItems = ThreadPool.CompletedWorkItemCount;
            var clock = Stopwatch.StartNew();
            result.Items = await RunSessionAsync(options, kind, local, remote, result, deadline.Token).ConfigureAwait(false);
            result.Seconds = clock.Elapsed.TotalSeconds;
            result.TimedWorkItems = ThreadPool.CompletedWorkItemCount - workItems;
            self.Refresh();
            result.TimedUserCpuSeconds = (self.UserProcessorTime - user).TotalSeconds;
            result.TimedSystemCpuSeconds = (self.PrivilegedProcessorTime - system).TotalSeconds;
            result.Ok = true;
        }
#pragma warning disable CA1031 // Whatever went wrong is the row's result ("FtpTools: failed (...)"), not a crash of the harness.
        catch (Exception e)
#pragma warning restore CA1031
        {
            var inner = e is AggregateException { InnerException: { } first } ? first : e;
            result.Ok = false;
            result.Error = inner.Message;
            result.ErrorType = inner.GetType().FullName;
        }

        result.PeakRssBytes = PeakRssBytes();
        result.CpuSeconds = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
        result.AllocatedBytes = GC.GetTotalAllocatedBytes(precise: false);
        result.Collections = GC.CollectionCount(0);
        Console.Out.WriteLine(ChildResult.Marker + JsonSerializer.Serialize(result, ChildResult.JsonOptions));
        return result.Ok ? 0 : 1;
    }

    /// <summary>Connect, the case, disconnect: what one run times.</summary>
    private static async Task<int> RunSessionAsync(ConnectionOptions options, string kind, string local, string remote, ChildResult result, CancellationToken cancellationToken)
    {
        var session = await RemoteSessionFactory.ConnectAsync(options, cancellationToken).ConfigureAwait(false);
        await using (session.ConfigureAwait(false))
        {
            var items = await RunCaseAsync(session, kind, local, remote, cancellationToken).ConfigureAwait(false);
            var info = session.Info;
            result.Negotiated = string.Join(", ", new[] { info.TlsProtocol, info.TlsCipher, info.SshKexAlgorithm, info.SshCipher, info.SshMac }.Where(x => !string.IsNullOrEmpty(x)));
            await session.DisconnectAsync(cancellationToken).ConfigureAwait(false);
            return items;
        }
    }

    /// <summary>
    /// Where a warm-up run puts what it moves: next to the run's own targets, under other names (the directory a
    /// small-file download needs is made here). Downloads land beside the local target, uploads beside the remote one
    /// in the server's root; both are deleted before the timed run.
    /// </summary>
    internal static (string Local, string Remote) WarmUpTargets(string kind, string local, string remote) => kind switch
    {
        "download-big" => (local + ".warm-up", remote),
        "download-small" => (Directory.CreateDirectory(local.TrimEnd('/') + ".warm-up").FullName, remote),
        "upload-big" => (local, remote + ".warm-up"),
        "upload-small" => (local, remote.TrimEnd('/') + "-warm-up"),
        _ => (local, remote),
    };

    /// <summary>
    /// Deletes a warm-up's target, unless it is the timed run's own; with a trash (<c>--trash</c>, which the harness
    /// passes), a directory goes there instead (<see cref="Trash"/>).
    /// </summary>
    private static void DeleteLocal(string path, string keep, string? trash)
    {
        if (string.Equals(Path.GetFullPath(path).TrimEnd('/'), Path.GetFullPath(keep).TrimEnd('/'), StringComparison.Ordinal))
        {
            return;
        }

        if (Directory.Exists(path))
        {
            if (trash is null)
            {
                Directory.Delete(path, recursive: true);
            }
            else
            {
                Trash.Discard(new DirectoryInfo(path), trash);
            }
        }
        else
        {
            File.Delete(path);
        }
    }

    internal static ConnectionOptions Options(ServerEnvironment servers, RemoteProtocol protocol, string? cipher, TimeSpan? operationTimeout, TlsVersion? tls = null) => new()
    {
        Protocol = protocol,
        Log = Environment.GetEnvironmentVariable("FTPTOOLS_BENCH_PROTOCOL_LOG") == "1" ? new TimedLog() : null,
        OperationTimeout = operationTimeout ?? new ConnectionOptions().OperationTimeout,

        // The test certificate names localhost and 127.0.0.1; FTPES goes by name as a user would.
        Host = protocol == RemoteProtocol.Ftpes ? "localhost" : "127.0.0.1",
        Port = protocol == RemoteProtocol.Sftp ? servers.SftpPort : servers.FtpPort,
        // SFTP logs in with the test key, as every SFTP peer does (sshd's password check costs tens of milliseconds).
        Credential = protocol == RemoteProtocol.Sftp
            ? new NetworkCredential(servers.UserName, (string?)null)
            : new NetworkCredential(servers.UserName, servers.Password),
        Tls = new TlsOptions
        {
            ExtraCaFile = servers.CaPath,
            Protocols = tls is TlsVersion version ? TlsOptions.ProtocolsFor(new[] { version }) : new TlsOptions().Protocols,
        },
        Ssh = new SshOptions
        {
            HostKeyFingerprints = servers.HostKeyFingerprints,
            PrivateKeyPaths = protocol == RemoteProtocol.Sftp ? new[] { servers.ClientKeyPath } : Array.Empty<string>(),
            Ciphers = cipher is null ? null : new[] { cipher },
        },
    };

    private static async Task<int> RunCaseAsync(IRemoteSession session, string kind, string local, string remote, CancellationToken cancellationToken)
    {
        switch (kind)
        {
            case "download-big":
                await DownloadAsync(session, remote, local, cancellationToken).ConfigureAwait(false);
                return 1;
            case "upload-big":
                await UploadAsync(session, local, remote, cancellationToken).ConfigureAwait(false);
                return 1;
            case "download-small":
            {
                // As Receive-FtpFile -Recurse would: list the directory, then one transfer after another on this session,
                // each of an item as listed (the engine does not look it up again).
                var items = await session.ListDirectoryAsync(remote, cancellationToken).ConfigureAwait(false);
                return await DownloadItemsAsync(session, items.Where(i => i.Kind == RemoteItemKind.File), local, cancellationToken).ConfigureAwait(false);
            }

            case "upload-small":
            {
                await TransferEngine.EnsureRemoteDirectoryAsync(session, remote, cancellationToken).ConfigureAwait(false);
                return await UploadFilesAsync(session, Directory.EnumerateFiles(local).Order(StringComparer.Ordinal), remote, cancellationToken).ConfigureAwait(false);
            }

            case "list":
                return (await session.ListDirectoryAsync(remote, cancellationToken).ConfigureAwait(false)).Count;
            default:
                throw new ArgumentException($"Unknown case '{kind}'.");
        }
    }

    // Send-FtpFile -Force / Receive-FtpFile -Force: the same options (Receive-FtpFile keeps the remote time unless
    // -NoPreserveTimestamp, Send-FtpFile only with -PreserveTimestamp) and a progress sink, as the cmdlets pass one
    // for Write-Progress.
    private static readonly TransferOptions Transfer = new() { Overwrite = true };
    // With --no-flush, Receive-FtpFile -Force -NoFlush: no part file waits for the disk before its rename.
    private static TransferOptions Receive = new() { Overwrite = true, PreserveTimestamp = true };
    private static readonly ProgressSink Progress = new();

    private static async Task DownloadAsync(IRemoteSession session, string remotePath, string localPath, CancellationToken cancellationToken) =>
        Check(await TransferEngine.DownloadFileAsync(session, remotePath, localPath, Receive, Progress, cancellationToken).ConfigureAwait(false));

    // As Receive-FtpFile does: a TransferQueue, so each file's flush and rename run while the next one transfers.
    private static Task<int> DownloadItemsAsync(IRemoteSession session, IEnumerable<RemoteItem> items, string localDirectory, CancellationToken cancellationToken) =>
        QueueAsync(new TransferQueue(session, Receive), items, (queue, item) => queue.DownloadAsync(item, Path.Combine(localDirectory, item.Name), Progress, null, (earlier, _) => Check(earlier), cancellationToken));

    // As Send-FtpFile -Force does: a TransferQueue, so on SFTP each file's rename runs while the next one is opened.
    private static Task<int> UploadFilesAsync(IRemoteSession session, IEnumerable<string> files, string remoteDirectory, CancellationToken cancellationToken) =>
        QueueAsync(new TransferQueue(session, Transfer), files, (queue, file) => queue.UploadAsync(file, remoteDirectory + "/" + Path.GetFileName(file), Progress, null, (earlier, _) => Check(earlier), cancellationToken));

    private static async Task<int> QueueAsync<T>(TransferQueue queue, IEnumerable<T> files, Func<TransferQueue, T, Task<TransferResult?>> transfer)
    {
        var count = 0;
        foreach (var file in files)
        {
            if (await transfer(queue, file).ConfigureAwait(false) is { } result)
            {
                Check(result);
            }

            count++;
        }

        if (await queue.CompleteAsync(null).ConfigureAwait(false) is { } last)
        {
            Check(last);
        }

        return count;
    }

    private static async Task UploadAsync(IRemoteSession session, string localPath, string remotePath, CancellationToken cancellationToken) =>
        Check(await TransferEngine.UploadFileAsync(session, localPath, remotePath, Transfer, Progress, cancellationToken).ConfigureAwait(false));

    private static void Check(TransferResult result)
    {
        if (result.Status != TransferStatus.Completed)
        {
            throw result.Exception ?? new InvalidOperationException($"{result.Source}: {result.Status}");
        }
    }

    private sealed class ProgressSink : IProgress<TransferProgress>
    {
        public long Reports { get; private set; }

        public void Report(TransferProgress value) => Reports++;
    }

    /// <summary>VmHWM of /proc/self/status: the most this process was ever resident, in bytes.</summary>
    private static long? PeakRssBytes()
    {
        try
        {
            var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            if (line is null)
            {
                return null;
            }

            var kb = line["VmHWM:".Length..].Trim().Split(' ')[0];
            return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static string Option(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{name} is required.");
    }
}

/// <summary>
/// The protocol conversation on stderr, each line with the milliseconds since the options were made: where a
/// connect or a listing spends its time (FTPTOOLS_BENCH_PROTOCOL_LOG=1, for runs by hand; secrets are masked by the core).
/// </summary>
internal sealed class TimedLog : FtpTools.Core.Logging.IProtocolLog
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public void Write(FtpTools.Core.Logging.LogDirection direction, string message) =>
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{_clock.Elapsed.TotalMilliseconds,8:F1} {direction} {message}"));
}
