using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core;

namespace FtpTools.Bench;

internal sealed class BenchSettings
{
    public string EnvFile { get; init; } = "";

    public string DataDirectory { get; init; } = "";

    public string ResultsDirectory { get; init; } = "bench/results";

    public int Runs { get; init; } = 3;

    public bool Quick { get; init; }

    /// <summary>Regex over "protocol/case label", e.g. "sftp/" or "download-big (curl|FtpTools)".</summary>
    public string? Only { get; init; }

    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(10);

    public bool MeasureLimits { get; init; } = true;

    /// <summary>The command that started the run, recorded with the results.</summary>
    public string Command { get; init; } = "";

    public string Seed { get; init; } = "";

    /// <summary>With a value, SFTP only, through a <see cref="DelayRelay"/> with this one-way delay.</summary>
    public TimeSpan? WanDelay { get; init; }

    /// <summary>The relay's rate cap per direction in bytes/s (only with <see cref="WanDelay"/>), or null for none.</summary>
    public double? WanBytesPerSecond { get; init; }

    /// <summary>Set once the relay runs: what the report says of the link.</summary>
    public string? Link { get; set; }
}

/// <summary>One run of one row.</summary>
internal sealed class RunRecord
{
    public bool Ok { get; init; }

    public double Seconds { get; init; }

    public double WallSeconds { get; init; }

    public string? Error { get; init; }

    public long? PeakRssBytes { get; init; }

    /// <summary>CPU time of an FtpTools child, start-up included, as the child itself reports it; null for peers.</summary>
    public double? CpuSeconds { get; init; }

    /// <summary>
    /// User CPU time of the run's processes, for every row (<see cref="ChildCpu"/>); for FtpTools' warm row, of its
    /// timed run alone (<see cref="RunOutcome.TimedCpu"/>).
    /// </summary>
    public double UserCpuSeconds { get; init; }

    /// <summary>System (kernel) CPU time, measured as <see cref="UserCpuSeconds"/>.</summary>
    public double SystemCpuSeconds { get; init; }

    public bool Sha256Checked { get; init; }
}

/// <summary>A contender on a case: the runs, and their median once all are in.</summary>
internal sealed class Row
{
    public Row(BenchCase @case, Contender contender)
    {
        Case = @case;
        Contender = contender;
    }

    public BenchCase Case { get; }

    public Contender Contender { get; }

    public List<RunRecord> Runs { get; } = new();

    /// <summary>The first failure; a row with one failed run is failed, so a broken transfer never counts as fast.</summary>
    public string? Failure { get; set; }

    public string? Command { get; set; }

    public string? Negotiated { get; set; }

    public bool Ok => Failure is null && Runs.Count > 0;

    public double? MedianSeconds => Ok ? Median(Runs.Select(r => r.Seconds)) : null;

    public long? PeakRssBytes => Runs.Max(r => r.PeakRssBytes);

    /// <summary>Median of the runs' CPU time (user plus system) of all the row's processes.</summary>
    public double? MedianCpuSeconds => Ok ? Median(Runs.Select(r => r.UserCpuSeconds + r.SystemCpuSeconds)) : null;

    public double? Rate(DataSet data) => MedianSeconds is double s && s > 0 ? Case.Amount(data) / s : null;

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}

/// <summary>Runs every row N times, interleaved (run 1 of every row, then run 2...), so that load on the machine hits all rows alike.</summary>
internal static class BenchRunner
{
    private static readonly string[] KeptInRoot = { DataSet.BigName, DataSet.SmallName, DataSet.ListName, DataSet.UploadSmallName };

    public static async Task<int> RunAsync(BenchSettings settings, CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.Now;
        var servers = ServerEnvironment.Load(settings.EnvFile);
        Console.Error.WriteLine("bench: hashing the data set");
        var data = DataSet.Load(settings.DataDirectory, servers);
        var machine = await MachineInfo.CollectAsync().ConfigureAwait(false);
        using var held = GuestMemory.HoldFreedPages(out var memory);
        machine.Memory = memory;
        Console.Error.WriteLine("bench: " + memory);

        var configDirectory = Path.Combine(settings.DataDirectory, "config");
        Directory.CreateDirectory(configDirectory);
        File.SetUnixFileMode(configDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        // Every row reaches sshd through the relay: the FtpTools child reads the rewritten env file, the peers take
        // the port (and the known_hosts entry) from the servers loaded from it.
        await using var relay = settings.WanDelay is TimeSpan delay
            ? DelayRelay.Start(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, servers.SftpPort), delay, settings.WanBytesPerSecond)
            : null;
        if (relay is not null)
        {
            servers = ServerEnvironment.Load(servers.WriteWithSftpPort(configDirectory, relay.Port));
            settings.Link = "SFTP through a delay relay on 127.0.0.1: " + relay.Description;
            Console.Error.WriteLine("bench: " + settings.Link);
        }
        servers.WriteKnownHosts(configDirectory);
        var obscured = (await ProcessRunner.RunWithInputAsync("rclone", new[] { "obscure", "-" }, servers.Password).ConfigureAwait(false)).Trim();
        RcloneContender.WriteConfig(servers, configDirectory, obscured);

        var limits = new List<Limit>();
        if (settings.MeasureLimits)
        {
            Console.Error.WriteLine("bench: machine limits (openssl speed, loopback TCP, local copy)");
            limits = await MachineLimits.MeasureAsync(data, settings.Quick).ConfigureAwait(false);
            foreach (var l in limits)
            {
                Console.Error.WriteLine(string.Format(CultureInfo.InvariantCulture, "  {0,-28} {1,10:0.0} MB/s", l.Name, l.MegabytesPerSecond));
            }
        }

        var rows = BuildRows(settings);
        Console.Error.WriteLine(string.Format(CultureInfo.InvariantCulture, "bench: {0} rows x {1} run(s); big file {2}, {3} small files, listing of {4}", rows.Count, settings.Runs, BenchCase.Size(data.BigSize), data.SmallFiles.Count, data.ListCount));
        try
        {
            for (var run = 1; run <= settings.Runs; run++)
            {
                foreach (var row in InRunOrder(rows, run).Where(r => r.Failure is null))
                {
                    var job = new Job(row.Case, servers, data, configDirectory, settings.Timeout)
                    {
                        // A smoke run should not sit 60 s on every transfer a session cannot finish yet.
                        OperationTimeout = settings.Quick ? TimeSpan.FromSeconds(15) : null,
                    };
                    await OneRunAsync(row, job, run, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            Trash.Empty(data.TrashDirectory);
        }

        machine.LoadAtEnd = MachineInfo.LoadAverage();
        var report = new Report(settings, started, DateTimeOffset.Now, machine, data, limits, rows);
        report.PrintTable(Console.Out);
        var (json, markdown) = report.Save(settings.ResultsDirectory);
        Console.Out.WriteLine();
        Console.Out.WriteLine($"results: {json}");
        Console.Out.WriteLine($"         {markdown}");
        return 0;
    }

    /// <summary>
    /// The rows of each case in turn, the case's rows rotated by one more place in each run, so that no tool is
    /// always the first after another case (the one that meets whatever that case left behind) or always the last.
    /// </summary>
    internal static IEnumerable<Row> InRunOrder(IReadOnlyList<Row> rows, int run)
    {
        foreach (var group in rows.GroupBy(r => r.Case.Id, StringComparer.Ordinal))
        {
            var caseRows = group.ToList();
            var shift = (run - 1) % caseRows.Count;
            foreach (var row in caseRows.Skip(shift).Concat(caseRows.Take(shift)))
            {
                yield return row;
            }
        }
    }

    private static List<Row> BuildRows(BenchSettings settings)
    {
        var contenders = new List<Contender>
        {
            new FtpToolsContender(null),
            new FtpToolsContender(null, warm: true),
            new FtpToolsContender("chacha20-poly1305@openssh.com"),
            new FtpToolsContender(null, tls: TlsVersion.Tls12),
            new FtpToolsContender(null, noFlush: true),
            new CurlContender(parallel: false),
            new CurlContender(parallel: true),
            new LftpContender(LftpMode.Plain),
            new LftpContender(LftpMode.Pget4),
            new LftpContender(LftpMode.Mirror8),
            new OpenSshSftpContender(best: false),
            new OpenSshSftpContender(best: true),
            new RcloneContender(RcloneMode.Default),
            new RcloneContender(RcloneMode.SingleStream),
            new RcloneContender(RcloneMode.Transfers1),
            new RcloneContender(RcloneMode.Transfers8),
        };
        var filter = settings.Only is null ? null : new Regex(settings.Only, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        var rows = new List<Row>();
        // FTP's data connections go to ports the relay does not know of: a WAN run is SFTP's.
        foreach (var protocol in BenchCase.Protocols.Where(p => settings.WanDelay is null || p == RemoteProtocol.Sftp))
        {
            foreach (var kind in Enum.GetValues<CaseKind>())
            {
                var @case = new BenchCase(protocol, kind);
                foreach (var c in contenders.Where(c => c.Supports(@case)))
                {
                    if (filter is null || filter.IsMatch(@case.Id + " " + c.Label))
                    {
                        rows.Add(new Row(@case, c));
                    }
                }
            }
        }

        return rows;
    }

    private static async Task OneRunAsync(Row row, Job job, int run, CancellationToken cancellationToken)
    {
        await ResetAsync(job).ConfigureAwait(false);

        // Dirty pages of the previous run are written now, not during this one.
        await ProcessRunner.OutputOfAsync("sync").ConfigureAwait(false);
        ReadSources(job);
        GuestMemory.Touch(job.Data.WorkDirectory, TouchBytes(job.Data));
        RunOutcome outcome;
        var cpuBefore = ChildCpu.Now();
        try
        {
            outcome = await row.Contender.RunAsync(job, cancellationToken).ConfigureAwait(false);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            outcome = RunOutcome.Failed($"{row.Contender.Tool} could not start: {e.Message}");
        }

        var cpu = outcome.TimedCpu ?? ChildCpu.Now() - cpuBefore;

        if (row.Contender is PeerContender peer)
        {
            row.Command ??= peer.LastCommand;
        }

        row.Negotiated ??= outcome.Negotiated;
        var hashed = false;
        var error = outcome.Error;
        if (outcome.Ok)
        {
            hashed = job.Case.IsBig && run == 1;
            error = Verifier.Check(job, outcome, hashBigFile: hashed);
            if (error is not null)
            {
                error = "verification: " + error;
            }
        }

        var ok = outcome.Ok && error is null;
        row.Runs.Add(new RunRecord { Ok = ok, Seconds = outcome.Seconds, WallSeconds = outcome.WallSeconds, Error = error, PeakRssBytes = outcome.PeakRssBytes, CpuSeconds = outcome.CpuSeconds, UserCpuSeconds = cpu.UserSeconds, SystemCpuSeconds = cpu.SystemSeconds, Sha256Checked = hashed && ok });
        if (!ok)
        {
            row.Failure = error ?? "failed";
        }

        var rate = ok ? (job.Case.Amount(job.Data) / outcome.Seconds).ToString("0.0", CultureInfo.InvariantCulture) + " " + job.Case.Unit : "failed (" + row.Failure + ")";
        Console.Error.WriteLine(string.Format(CultureInfo.InvariantCulture, "  run {0} {1,-20} {2,-40} {3,8:0.000} s  {4}  (CPU {5:0.00} s user, {6:0.00} s system)", run, job.Case.Id, row.Contender.Label, outcome.Seconds, rate, cpu.UserSeconds, cpu.SystemSeconds));
        await ResetAsync(job).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads what the run moves or lists once, so that every row starts with its source in the page cache. This
    /// machine's kernel pages out file cache that has not been used for about a minute (a DAMON "pageout" scheme),
    /// so without this the first row of a case in each run (FtpTools', by the rows' order) read the 1 GiB file from
    /// disk while the rows after it found it cached: 5.7 s against 2.2 s for an FTPES download by hand.
    /// </summary>
    private static void ReadSources(Job job)
    {
        var buffer = new byte[1 << 20];
        switch (job.Case.Kind)
        {
            case CaseKind.DownloadBig or CaseKind.UploadBig:
                // The server roots hold hard links to the data set's files: one read warms both sides.
                ReadWhole(job.Data.BigPath, buffer);
                break;
            case CaseKind.DownloadSmall or CaseKind.UploadSmall:
                foreach (var name in job.Data.SmallFiles.Keys)
                {
                    ReadWhole(Path.Combine(job.Data.SmallDirectory, name), buffer);
                }

                break;
            case CaseKind.List:
                // What a server's LIST or readdir loop reads: the directory and every entry's inode.
                foreach (var entry in new DirectoryInfo(Path.Combine(job.Servers.RootFor(job.Case.Protocol), DataSet.ListName)).EnumerateFiles())
                {
                    _ = entry.Length;
                }

                break;
        }
    }

    /// <summary>What <see cref="GuestMemory.Touch"/> writes before each run: the big file and room for the processes.</summary>
    internal static long TouchBytes(DataSet data) => data.BigSize + (512L << 20);

    private static void ReadWhole(string path, byte[] buffer)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        while (stream.Read(buffer, 0, buffer.Length) > 0)
        {
        }
    }

    /// <summary>
    /// Empties the download area and takes every upload (and any part or temporary file) off the server roots:
    /// directories into the trash, files deleted (<see cref="Trash"/>), and the remote upload directory made anew.
    /// </summary>
    private static async Task ResetAsync(Job job)
    {
        var trash = job.Data.TrashDirectory;
        var work = job.Data.WorkDirectory;
        foreach (var entry in new DirectoryInfo(work).EnumerateFileSystemInfos())
        {
            Trash.Discard(entry, trash);
        }

        if (job.Case.Kind == CaseKind.DownloadSmall)
        {
            Directory.CreateDirectory(job.LocalTarget);
        }

        var root = job.Servers.RootFor(job.Case.Protocol);
        foreach (var entry in new DirectoryInfo(root).EnumerateFileSystemInfos())
        {
            if (!KeptInRoot.Contains(entry.Name, StringComparer.Ordinal))
            {
                Trash.Discard(entry, trash);
            }
        }

        var uploadsPath = Path.Combine(root, DataSet.UploadSmallName);
        var uploads = new DirectoryInfo(uploadsPath);
        if (uploads.Exists && uploads.EnumerateFileSystemInfos().Any())
        {
            // (MoveTo points the DirectoryInfo at the trash.)
            Trash.Discard(uploads, trash);
            uploads = new DirectoryInfo(uploadsPath);
        }

        if (!uploads.Exists)
        {
            uploads.Create();

            // The server writes here as the test user, who owns the root.
            await ProcessRunner.OutputOfAsync("chown", "--reference=" + root, uploads.FullName).ConfigureAwait(false);
        }
    }
}
