using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Reflection;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core;

namespace FtpTools.Bench;

/// <summary>
/// FtpTools: every run is a child process (this program with "child") so its peak RSS belongs to that one case.
/// The time is the child's own, from before connecting to after disconnecting: what a cmdlet pays in a PowerShell
/// session that has the module loaded already. The child's wall time, runtime start-up included, is kept too.
/// </summary>
internal sealed class FtpToolsContender : Contender
{
    private readonly string? _cipher;
    private readonly TlsVersion? _tls;
    private readonly bool _noFlush;

    public FtpToolsContender(string? cipher, bool warm = false, TlsVersion? tls = null, bool noFlush = false)
        : base("FtpTools", Describe(cipher, warm, tls, noFlush), 1)
    {
        _cipher = cipher;
        _tls = tls;
        _noFlush = noFlush;
        IsWarm = warm;
    }

    /// <summary>
    /// The "warm" row: the child does the case once (on targets of its own) before the run it times, so the timed run
    /// is the second in its process and finds the runtime's code compiled and tiered up, as a PowerShell session that
    /// has used the module does. Its CPU is the child's own during the timed run. It does not count for the ratios.
    /// </summary>
    public bool IsWarm { get; }

    /// <summary>
    /// The cipher row runs SFTP big files only; the TLS 1.2 row (Connect-FtpSession -TlsVersion Tls12) FTPES small files
    /// only, where a data connection's handshake is a large part of each file's cost; the -NoFlush row (Receive-FtpFile
    /// -NoFlush: no part file waits for the disk before its rename, as no peer's file does) downloads only.
    /// </summary>
    public override bool Supports(BenchCase @case) =>
        _cipher is not null ? @case.Protocol == RemoteProtocol.Sftp && @case.IsBig
        : _tls is not null ? @case.Protocol == RemoteProtocol.Ftpes && @case.IsSmall
        : _noFlush ? @case.IsDownload
        : true;

    public override async Task<RunOutcome> RunAsync(Job job, CancellationToken cancellationToken)
    {
        var args = new List<string>();
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("The path of this process is unknown.");
        if (string.Equals(System.IO.Path.GetFileNameWithoutExtension(self), "dotnet", StringComparison.Ordinal))
        {
            args.Add(Assembly.GetExecutingAssembly().Location);
        }

        args.AddRange(new[]
        {
            "child",
            "--env", job.Servers.EnvFile,
            "--protocol", job.Case.ProtocolName,
            "--case", job.Case.KindName,
            "--local", job.Case.IsUpload ? job.LocalSource : job.LocalTarget,
            "--remote", job.RemoteName,
            "--timeout", job.Timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture),
            "--trash", job.Data.TrashDirectory,
        });
        if (_cipher is not null)
        {
            args.AddRange(new[] { "--cipher", _cipher });
        }

        if (_tls is TlsVersion tls)
        {
            args.AddRange(new[] { "--tls-version", tls.ToString() });
        }

        if (_noFlush)
        {
            args.Add("--no-flush");
        }

        if (IsWarm)
        {
            args.Add("--warm-up");
        }

        if (job.OperationTimeout is TimeSpan operation)
        {
            args.AddRange(new[] { "--operation-timeout", operation.TotalSeconds.ToString(CultureInfo.InvariantCulture) });
        }

        // The child gets a little longer than its own deadline (one per run it does) so that it can report a timeout itself.
        var deadline = (IsWarm ? 2 * job.Timeout : job.Timeout) + TimeSpan.FromSeconds(15);
        var result = await ProcessRunner.RunAsync(new ProcessSpec(self, args) { CaptureStdout = true }, deadline, cancellationToken).ConfigureAwait(false);
        var line = result.Stdout.Split('\n').LastOrDefault(l => l.StartsWith(ChildResult.Marker, StringComparison.Ordinal));
        if (line is null)
        {
            var tail = result.StderrTail.Trim().Split('\n').LastOrDefault(l => l.Trim().Length > 0)?.Trim();
            return RunOutcome.Failed(result.TimedOut ? "timed out" : $"child exited with {result.ExitCode} without a result: {tail}", result.Seconds);
        }

        var child = JsonSerializer.Deserialize<ChildResult>(line[ChildResult.Marker.Length..], ChildResult.JsonOptions)
            ?? throw new InvalidOperationException("The child's result is empty.");
        return new RunOutcome
        {
            Ok = child.Ok,
            Seconds = child.Seconds,
            WallSeconds = result.Seconds,
            Error = child.Error,
            ListedCount = child.Items,
            PeakRssBytes = child.PeakRssBytes,
            Negotiated = child.Negotiated,
            CpuSeconds = child.CpuSeconds,
            TimedCpu = IsWarm && child.TimedUserCpuSeconds is double user && child.TimedSystemCpuSeconds is double system ? new ChildCpu(user, system) : null,
        };
    }

    private static string Describe(string? cipher, bool warm, TlsVersion? tls, bool noFlush) =>
        warm ? "FtpTools (warm)"
        : noFlush ? "FtpTools (-NoFlush)"
        : cipher is not null ? "FtpTools (" + ShortCipher(cipher) + ")"
        : tls is TlsVersion version ? "FtpTools (" + TlsOptions.Describe(TlsOptions.ProtocolsFor(new[] { version })) + ")"
        : "FtpTools";

    private static string ShortCipher(string cipher)
    {
        var at = cipher.IndexOf('@', StringComparison.Ordinal);
        return at < 0 ? cipher : cipher[..at];
    }
}

/// <summary>The one line a child prints: marker, then JSON.</summary>
internal sealed class ChildResult
{
    public const string Marker = "FTPTOOLS-BENCH-RESULT ";

    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    public bool Ok { get; set; }

    public double Seconds { get; set; }

    public int? Items { get; set; }

    public string? Error { get; set; }

    public string? ErrorType { get; set; }

    public long? PeakRssBytes { get; set; }

    public string? Negotiated { get; set; }

    /// <summary>User plus system CPU of the child process, start-up included.</summary>
    public double? CpuSeconds { get; set; }

    /// <summary>User and system CPU of the child process during the timed part alone (what a warm row counts).</summary>
    public double? TimedUserCpuSeconds { get; set; }

    public double? TimedSystemCpuSeconds { get; set; }

    /// <summary>Managed bytes allocated and garbage collections (all generations) during the child's life.</summary>
    public long? AllocatedBytes { get; set; }

    public int? Collections { get; set; }

    /// <summary>
    /// Thread-pool work items completed during the timed part: each is a hand-over from one thread to another (an
    /// awaited socket or file operation that did not complete at once, a continuation posted by the core), and on this
    /// machine each wakes a worker that then spins before it sleeps, which costs CPU the server could use.
    /// </summary>
    public long? TimedWorkItems { get; set; }
}
