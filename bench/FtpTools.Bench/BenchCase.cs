using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using FtpTools.Core;

namespace FtpTools.Bench;

internal enum CaseKind
{
    /// <summary>One big file from the server (1 GiB in a full run).</summary>
    DownloadBig,

    UploadBig,

    /// <summary>Many small files (2,000 of 4 KiB in a full run) from one directory.</summary>
    DownloadSmall,

    UploadSmall,

    /// <summary>One listing of a directory with many entries (10,000 in a full run).</summary>
    List,
}

/// <summary>One protocol and one thing to do; each contender that can do it is a row of the report.</summary>
internal sealed record BenchCase(RemoteProtocol Protocol, CaseKind Kind)
{
    public static IReadOnlyList<RemoteProtocol> Protocols { get; } = new[] { RemoteProtocol.Ftp, RemoteProtocol.Ftpes, RemoteProtocol.Sftp };

    public string ProtocolName => Protocol.ToString().ToLowerInvariant();

    public string KindName => Kind switch
    {
        CaseKind.DownloadBig => "download-big",
        CaseKind.UploadBig => "upload-big",
        CaseKind.DownloadSmall => "download-small",
        CaseKind.UploadSmall => "upload-small",
        CaseKind.List => "list",
        _ => throw new ArgumentOutOfRangeException(nameof(Kind)),
    };

    public string Id => ProtocolName + "/" + KindName;

    public bool IsBig => Kind is CaseKind.DownloadBig or CaseKind.UploadBig;

    public bool IsSmall => Kind is CaseKind.DownloadSmall or CaseKind.UploadSmall;

    public bool IsUpload => Kind is CaseKind.UploadBig or CaseKind.UploadSmall;

    public bool IsDownload => Kind is CaseKind.DownloadBig or CaseKind.DownloadSmall;

    public string Unit => Kind switch
    {
        CaseKind.DownloadBig or CaseKind.UploadBig => "MB/s",
        CaseKind.DownloadSmall or CaseKind.UploadSmall => "files/s",
        _ => "entries/s",
    };

    /// <summary>What one run moves, in the unit's numerator (MB = 10^6 bytes).</summary>
    public double Amount(DataSet data) => Kind switch
    {
        CaseKind.DownloadBig or CaseKind.UploadBig => data.BigSize / 1e6,
        CaseKind.DownloadSmall or CaseKind.UploadSmall => data.SmallFiles.Count,
        _ => data.ListCount,
    };

    public string Describe(DataSet data)
    {
        var inv = CultureInfo.InvariantCulture;
        return Kind switch
        {
            CaseKind.DownloadBig => string.Format(inv, "download {0}", Size(data.BigSize)),
            CaseKind.UploadBig => string.Format(inv, "upload {0}", Size(data.BigSize)),
            CaseKind.DownloadSmall => string.Format(inv, "download {0} x {1}", data.SmallFiles.Count, Size(data.SmallFileSize)),
            CaseKind.UploadSmall => string.Format(inv, "upload {0} x {1}", data.SmallFiles.Count, Size(data.SmallFileSize)),
            _ => string.Format(inv, "list {0} entries", data.ListCount),
        };
    }

    public static string Size(long bytes) => bytes switch
    {
        >= 1L << 30 when bytes % (1L << 30) == 0 => (bytes >> 30).ToString(CultureInfo.InvariantCulture) + " GiB",
        >= 1L << 20 when bytes % (1L << 20) == 0 => (bytes >> 20).ToString(CultureInfo.InvariantCulture) + " MiB",
        >= 1L << 10 when bytes % (1L << 10) == 0 => (bytes >> 10).ToString(CultureInfo.InvariantCulture) + " KiB",
        _ => bytes.ToString(CultureInfo.InvariantCulture) + " B",
    };
}

/// <summary>Everything a contender needs for one run of one case.</summary>
internal sealed class Job
{
    public Job(BenchCase @case, ServerEnvironment servers, DataSet data, string configDirectory, TimeSpan timeout)
    {
        Case = @case;
        Servers = servers;
        Data = data;
        ConfigDirectory = configDirectory;
        Timeout = timeout;
    }

    public BenchCase Case { get; }

    public ServerEnvironment Servers { get; }

    public DataSet Data { get; }

    /// <summary>Private (0700) directory for the peers' config and batch files, known_hosts and rclone.conf.</summary>
    public string ConfigDirectory { get; }

    public TimeSpan Timeout { get; }

    /// <summary>FtpTools' longest wait for one reply; null keeps ConnectionOptions' default (a smoke run shortens it).</summary>
    public TimeSpan? OperationTimeout { get; init; }

    public string KnownHostsPath => Path.Combine(ConfigDirectory, "known_hosts");

    public string RcloneConfigPath => Path.Combine(ConfigDirectory, "rclone.conf");

    /// <summary>Local path a download writes to: a file for the big case, an (empty) directory for the small one.</summary>
    public string LocalTarget => Case.Kind == CaseKind.DownloadSmall
        ? Path.Combine(Data.WorkDirectory, DataSet.SmallName)
        : Path.Combine(Data.WorkDirectory, DataSet.BigName);

    /// <summary>Local path an upload reads.</summary>
    public string LocalSource => Case.Kind == CaseKind.UploadSmall ? Data.SmallDirectory : Data.BigPath;

    /// <summary>The remote path of this case, relative to the login directory.</summary>
    public string RemoteName => Case.Kind switch
    {
        CaseKind.DownloadBig => DataSet.BigName,
        CaseKind.UploadBig => DataSet.UploadBigName,
        CaseKind.DownloadSmall => DataSet.SmallName,
        CaseKind.UploadSmall => DataSet.UploadSmallName,
        _ => DataSet.ListName,
    };

    /// <summary>Where the server keeps <see cref="RemoteName"/> on this machine's disk.</summary>
    public string ServerPath => Path.Combine(Servers.RootFor(Case.Protocol), RemoteName);
}

/// <summary>What one run gave, before verification.</summary>
internal sealed class RunOutcome
{
    public bool Ok { get; init; }

    public double Seconds { get; init; }

    /// <summary>Wall time of the process, start-up included (equal to <see cref="Seconds"/> for peers).</summary>
    public double WallSeconds { get; init; }

    public string? Error { get; init; }

    /// <summary>Listing output of a peer, counted by the verifier.</summary>
    public string? Stdout { get; init; }

    /// <summary>Entries FtpTools listed (its child reports the count, the verifier checks it).</summary>
    public int? ListedCount { get; init; }

    /// <summary>Peak resident set (VmHWM) of an FtpTools child; null for peers.</summary>
    public long? PeakRssBytes { get; init; }

    /// <summary>What the session negotiated (cipher, TLS version), FtpTools only.</summary>
    public string? Negotiated { get; init; }

    /// <summary>User plus system CPU of an FtpTools child (runtime start-up included); null for peers.</summary>
    public double? CpuSeconds { get; init; }

    /// <summary>
    /// The CPU that counts for a row whose process does more than the timed run (FtpTools' warm row, measured by the
    /// child itself); null where the run's processes are measured from outside (<see cref="ChildCpu"/>).
    /// </summary>
    public ChildCpu? TimedCpu { get; init; }

    public static RunOutcome Failed(string error, double seconds = 0) => new() { Ok = false, Error = error, Seconds = seconds, WallSeconds = seconds };
}
