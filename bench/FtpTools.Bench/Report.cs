using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace FtpTools.Bench;

/// <summary>The comparison of one case: FtpTools' best row against the best peer and the best single-connection peer.</summary>
internal sealed class CaseSummary
{
    public string Protocol { get; init; } = "";

    public string Case { get; init; } = "";

    public string Description { get; init; } = "";

    public string Unit { get; init; } = "";

    public string? FtpTools { get; init; }

    public double? FtpToolsRate { get; init; }

    public string? FtpToolsFailure { get; init; }

    public long? FtpToolsPeakRssBytes { get; init; }

    public string? BestPeer { get; init; }

    public double? BestPeerRate { get; init; }

    public string? BestSingleConnectionPeer { get; init; }

    public double? BestSingleConnectionPeerRate { get; init; }

    /// <summary>FtpTools rate / best peer rate: above 1 is faster than every peer.</summary>
    public double? RatioToBestPeer { get; init; }

    public double? RatioToBestSingleConnectionPeer { get; init; }

    /// <summary>FtpTools' warm row (the run after a first one in the same process): not part of the ratios above.</summary>
    public double? WarmRate { get; init; }

    public double? WarmRatioToBestPeer { get; init; }

    public double? WarmRatioToBestSingleConnectionPeer { get; init; }

    /// <summary>SFTP cases: FtpTools against each OpenSSH <c>sftp -b</c> row of the run (issue 5's comparison), fastest first.</summary>
    public IReadOnlyList<PeerRatio>? OpenSshSftp { get; init; }
}

/// <summary>FtpTools' best fresh row (and its warm row) divided by one peer row of the same case.</summary>
internal sealed class PeerRatio
{
    public string Peer { get; init; } = "";

    public double Rate { get; init; }

    public double? Ratio { get; init; }

    public double? WarmRatio { get; init; }
}

internal sealed class Report
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private readonly BenchSettings _settings;
    private readonly DateTimeOffset _started;
    private readonly DateTimeOffset _finished;
    private readonly MachineInfo _machine;
    private readonly DataSet _data;
    private readonly IReadOnlyList<Limit> _limits;
    private readonly IReadOnlyList<Row> _rows;
    private readonly IReadOnlyList<CaseSummary> _summaries;

    public Report(BenchSettings settings, DateTimeOffset started, DateTimeOffset finished, MachineInfo machine, DataSet data, IReadOnlyList<Limit> limits, IReadOnlyList<Row> rows)
    {
        _settings = settings;
        _started = started;
        _finished = finished;
        _machine = machine;
        _data = data;
        _limits = limits;
        _rows = rows;
        _summaries = rows.GroupBy(r => r.Case).Select(g => Summarise(g.Key, g.ToList())).ToList();
    }

    public void PrintTable(TextWriter output)
    {
        var inv = CultureInfo.InvariantCulture;
        output.WriteLine();
        output.WriteLine(string.Format(inv, "FtpTools benchmark, {0:yyyy-MM-dd HH:mm zzz}: {1} run(s) per row{2}", _started, _settings.Runs, _settings.Quick ? " (--quick: smaller data, smoke run)" : ""));
        output.WriteLine(string.Format(inv, "machine: {0} x {1}, {2:0.0} GiB; load average {3} at start, {4} at end", _machine.Processors, _machine.CpuModel, _machine.MemoryBytes / (double)(1L << 30), _machine.LoadAtStart, _machine.LoadAtEnd));
        output.WriteLine("FtpTools core: " + Program.CoreBuild);
        output.WriteLine("memory: " + _machine.Memory + "; a file of the run's size written and deleted before each run");
        if (_settings.Link is not null)
        {
            output.WriteLine("link: " + _settings.Link);
        }
        if (_limits.Count > 0)
        {
            output.WriteLine();
            output.WriteLine("limits of this machine");
            foreach (var l in _limits)
            {
                output.WriteLine(string.Format(inv, "  {0,-28} {1,10:0.0} MB/s", l.Name, l.MegabytesPerSecond));
            }
        }

        output.WriteLine();
        output.WriteLine(string.Format(inv, "{0,-6} {1,-24} {2,-40} {3,4} {4,10} {5,16} {6,7} {7,9}", "proto", "case", "tool", "conn", "median s", "rate", "CPU s", "peak RSS"));
        foreach (var group in _rows.GroupBy(r => r.Case))
        {
            foreach (var row in group)
            {
                output.WriteLine(string.Format(inv, "{0,-6} {1,-24} {2,-40} {3,4} {4}", row.Case.ProtocolName, row.Case.Describe(_data), row.Contender.Label, row.Contender.ConnectionsFor(row.Case), Result(row)));
            }

            var s = _summaries.First(x => x.Protocol == group.Key.ProtocolName && x.Case == group.Key.KindName);
            output.WriteLine("       => " + SummaryLine(s));
        }
    }

    /// <summary>Writes &lt;timestamp&gt;.json and .md into <paramref name="directory"/>; returns their paths.</summary>
    public (string Json, string Markdown) Save(string directory)
    {
        Directory.CreateDirectory(directory);
        var stamp = _started.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        var json = Path.Combine(directory, stamp + ".json");
        var markdown = Path.Combine(directory, stamp + ".md");
        File.WriteAllText(json, JsonSerializer.Serialize(Model(), Json) + "\n");
        File.WriteAllText(markdown, Markdown());
        return (json, markdown);
    }

    private object Model() => new
    {
        started = _started,
        finished = _finished,
        command = _settings.Command,
        runs = _settings.Runs,
        quick = _settings.Quick,
        seed = _settings.Seed,
        link = _settings.Link,
        transferPath = Program.TransferPath,
        coreBuild = Program.CoreBuild,
        data = new { bigFileBytes = _data.BigSize, bigFileSha256 = _data.BigSha256, smallFiles = _data.SmallFiles.Count, smallFileBytes = _data.SmallFileSize, listEntries = _data.ListCount },
        machine = _machine,
        limits = _limits,
        rows = _rows.Select(r => new
        {
            protocol = r.Case.ProtocolName,
            @case = r.Case.KindName,
            description = r.Case.Describe(_data),
            tool = r.Contender.Tool,
            label = r.Contender.Label,
            connections = r.Contender.ConnectionsFor(r.Case),
            ok = r.Ok,
            failure = r.Failure,
            medianSeconds = r.MedianSeconds,
            rate = r.Rate(_data),
            unit = r.Case.Unit,
            peakRssBytes = r.PeakRssBytes,
            medianCpuSeconds = r.MedianCpuSeconds,
            negotiated = r.Negotiated,
            command = r.Command,
            runs = r.Runs,
        }),
        summary = _summaries,
    };

    private string Markdown()
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append(inv, $"Command: `{_settings.Command}`, {_settings.Runs} run(s) per row (median), started {_started:yyyy-MM-dd HH:mm zzz}.\n");
        sb.Append(inv, $"Machine: {_machine.Processors} x {_machine.CpuModel}, {_machine.MemoryBytes / (double)(1L << 30):0.0} GiB, load average {_machine.LoadAtStart} at start, {_machine.LoadAtEnd} at end. FtpTools transfers: {Program.TransferPath}. FtpTools core: {Program.CoreBuild}. Memory: {_machine.Memory}; a file of the run's size written and deleted before each run.\n");
        if (_settings.Link is not null)
        {
            sb.Append(inv, $"Link: {_settings.Link}.\n");
        }

        sb.Append('\n');
        if (_limits.Count > 0)
        {
            sb.Append("| Limit | MB/s | How |\n|---|---:|---|\n");
            foreach (var l in _limits)
            {
                sb.Append(inv, $"| {l.Name} | {l.MegabytesPerSecond:0.0} | {l.How} |\n");
            }

            sb.Append('\n');
        }

        sb.Append("| Protocol | Case | Tool | Conn | Median s | Rate | CPU s | Peak RSS |\n|---|---|---|---:|---:|---:|---:|---:|\n");
        foreach (var r in _rows)
        {
            var rate = r.Ok ? string.Format(inv, "{0:0.0} {1}", r.Rate(_data), r.Case.Unit) : "failed (" + Escape(r.Failure ?? "") + ")";
            var median = r.MedianSeconds is double m ? m.ToString("0.000", inv) : "-";
            var cpu = r.MedianCpuSeconds is double c ? c.ToString("0.00", inv) : "-";
            sb.Append(inv, $"| {r.Case.ProtocolName} | {r.Case.Describe(_data)} | {r.Contender.Label} | {r.Contender.ConnectionsFor(r.Case)} | {median} | {rate} | {cpu} | {(r.Ok ? Rss(r.PeakRssBytes) : "-")} |\n");
        }

        sb.Append("\n| Protocol | Case | FtpTools | Best peer | FtpTools / best | Best single-connection peer | FtpTools / best single | Warm / best single |\n|---|---|---|---|---:|---|---:|---:|\n");
        foreach (var s in _summaries)
        {
            // The row that counted is named when it is not the default one (e.g. "FtpTools (TLS 1.2)").
            var variant = s.FtpTools is { } label && label != "FtpTools" ? label + " " : "";
            var ft = s.FtpToolsFailure is not null ? "failed (" + Escape(s.FtpToolsFailure) + ")" : variant + Rate(s.FtpToolsRate, s.Unit) + ", " + Rss(s.FtpToolsPeakRssBytes);
            sb.Append(inv, $"| {s.Protocol} | {s.Description} | {ft} | {s.BestPeer} {Rate(s.BestPeerRate, s.Unit)} | {Ratio(s.RatioToBestPeer)} | {s.BestSingleConnectionPeer} {Rate(s.BestSingleConnectionPeerRate, s.Unit)} | {Ratio(s.RatioToBestSingleConnectionPeer)} | {Ratio(s.WarmRatioToBestSingleConnectionPeer)} |\n");
        }

        // Issue 5's own comparison: FtpTools against OpenSSH's sftp in the same run, row by row.
        var openSshCases = _summaries.Where(s => s.OpenSshSftp is { Count: > 0 }).ToList();
        if (openSshCases.Count > 0)
        {
            sb.Append("\n| Protocol | Case | FtpTools | OpenSSH sftp row | FtpTools / it | Warm / it |\n|---|---|---|---|---:|---:|\n");
            foreach (var s in openSshCases)
            {
                foreach (var openSsh in s.OpenSshSftp!)
                {
                    sb.Append(inv, $"| {s.Protocol} | {s.Description} | {Rate(s.FtpToolsRate, s.Unit)} | {openSsh.Peer} {Rate(openSsh.Rate, s.Unit)} | {Ratio(openSsh.Ratio)} | {Ratio(openSsh.WarmRatio)} |\n");
                }
            }
        }

        return sb.ToString();
    }

    private CaseSummary Summarise(BenchCase @case, List<Row> rows)
    {
        // The warm row is reported beside the ratios, not in them: they compare a fresh process with the peers'.
        var ours = rows.Where(r => r.Contender is FtpToolsContender { IsWarm: false }).ToList();
        var warm = rows.FirstOrDefault(r => r.Contender is FtpToolsContender { IsWarm: true } && r.Ok);
        var bestOurs = ours.Where(r => r.Ok).OrderByDescending(r => r.Rate(_data)).FirstOrDefault();
        var peers = rows.Where(r => !r.Contender.IsFtpTools && r.Ok).OrderByDescending(r => r.Rate(_data)).ToList();
        var bestPeer = peers.FirstOrDefault();
        var bestSingle = peers.FirstOrDefault(r => r.Contender.ConnectionsFor(@case) == 1);
        double? RatioOf(Row? row, Row? peer) => row?.Rate(_data) is double a && peer?.Rate(_data) is double b && b > 0 ? a / b : null;
        double? Ratio(Row? peer) => RatioOf(bestOurs, peer);
        return new CaseSummary
        {
            Protocol = @case.ProtocolName,
            Case = @case.KindName,
            Description = @case.Describe(_data),
            Unit = @case.Unit,
            FtpTools = bestOurs?.Contender.Label,
            FtpToolsRate = bestOurs?.Rate(_data),
            FtpToolsFailure = bestOurs is null ? ours.Select(r => r.Failure).FirstOrDefault(f => f is not null) ?? (ours.Count == 0 ? "not run" : null) : null,
            FtpToolsPeakRssBytes = ours.Max(r => r.PeakRssBytes),
            BestPeer = bestPeer?.Contender.Label,
            BestPeerRate = bestPeer?.Rate(_data),
            BestSingleConnectionPeer = bestSingle?.Contender.Label,
            BestSingleConnectionPeerRate = bestSingle?.Rate(_data),
            RatioToBestPeer = Ratio(bestPeer),
            RatioToBestSingleConnectionPeer = Ratio(bestSingle),
            WarmRate = warm?.Rate(_data),
            WarmRatioToBestPeer = RatioOf(warm, bestPeer),
            WarmRatioToBestSingleConnectionPeer = RatioOf(warm, bestSingle),
            OpenSshSftp = peers.Any(r => r.Contender is OpenSshSftpContender)
                ? peers.Where(r => r.Contender is OpenSshSftpContender)
                    .Select(r => new PeerRatio { Peer = r.Contender.Label, Rate = r.Rate(_data) ?? 0, Ratio = Ratio(r), WarmRatio = RatioOf(warm, r) })
                    .ToList()
                : null,
        };
    }

    private string Result(Row row)
    {
        var inv = CultureInfo.InvariantCulture;
        if (!row.Ok)
        {
            var failure = row.Failure ?? "not run";
            return row.Contender.IsFtpTools ? $"FtpTools: failed ({failure})" : $"failed ({failure})";
        }

        return string.Format(inv, "{0,10:0.000} {1,16} {2,7:0.00} {3,9}", row.MedianSeconds, Rate(row.Rate(_data), row.Case.Unit), row.MedianCpuSeconds, row.Contender.IsFtpTools ? Rss(row.PeakRssBytes) : "");
    }

    private static string SummaryLine(CaseSummary s)
    {
        var inv = CultureInfo.InvariantCulture;
        var ours = s.FtpToolsFailure is not null ? $"FtpTools: failed ({s.FtpToolsFailure})" : $"{s.FtpTools} {Rate(s.FtpToolsRate, s.Unit)}, peak RSS {Rss(s.FtpToolsPeakRssBytes)}";
        var line = string.Format(inv, "{0}; FtpTools / best peer ({1} {2}): {3}; / best single-connection peer ({4} {5}): {6}", ours, s.BestPeer ?? "none", Rate(s.BestPeerRate, s.Unit), Ratio(s.RatioToBestPeer), s.BestSingleConnectionPeer ?? "none", Rate(s.BestSingleConnectionPeerRate, s.Unit), Ratio(s.RatioToBestSingleConnectionPeer));
        if (s.WarmRate is not null)
        {
            line += string.Format(inv, "; warm {0}: {1} / {2}", Rate(s.WarmRate, s.Unit), Ratio(s.WarmRatioToBestPeer), Ratio(s.WarmRatioToBestSingleConnectionPeer));
        }

        foreach (var openSsh in s.OpenSshSftp ?? Array.Empty<PeerRatio>())
        {
            line += string.Format(inv, "; / {0} ({1}): {2}", openSsh.Peer, Rate(openSsh.Rate, s.Unit), Ratio(openSsh.Ratio));
        }

        return line;
    }

    private static string Rate(double? rate, string unit) => rate is double r ? r.ToString("0.0", CultureInfo.InvariantCulture) + " " + unit : "-";

    private static string Ratio(double? ratio) => ratio is double r ? r.ToString("0.00", CultureInfo.InvariantCulture) : "-";

    private static string Rss(long? bytes) => bytes is long b ? (b / 1e6).ToString("0", CultureInfo.InvariantCulture) + " MB" : "-";

    private static string Escape(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal).Replace("\r", " ", StringComparison.Ordinal);
}
