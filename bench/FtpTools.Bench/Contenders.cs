using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core;

namespace FtpTools.Bench;

/// <summary>One way of doing a case: FtpTools, or a peer tool with given settings. Each is a row of the report.</summary>
internal abstract class Contender
{
    protected Contender(string tool, string label, int connections)
    {
        Tool = tool;
        Label = label;
        Connections = connections;
    }

    /// <summary>"FtpTools", "curl", "lftp", "sftp" or "rclone".</summary>
    public string Tool { get; }

    /// <summary>The tool and its settings as shown in the table.</summary>
    public string Label { get; }

    /// <summary>Most connections (or transfer streams) it uses at once; 1 for the single-connection rows.</summary>
    public int Connections { get; }

    /// <summary>Connections used for this case; a tool may use more for one case than another.</summary>
    public virtual int ConnectionsFor(BenchCase @case) => Connections;

    public bool IsFtpTools => Tool == "FtpTools";

    public abstract bool Supports(BenchCase @case);

    public abstract Task<RunOutcome> RunAsync(Job job, CancellationToken cancellationToken);
}

/// <summary>A peer tool run as a process; its wall time, start-up included, is the measurement.</summary>
internal abstract class PeerContender : Contender
{
    protected PeerContender(string tool, string label, int connections)
        : base(tool, label, connections)
    {
    }

    /// <summary>The last command line, with the password masked, for the report.</summary>
    public string? LastCommand { get; private set; }

    public override async Task<RunOutcome> RunAsync(Job job, CancellationToken cancellationToken)
    {
        var spec = Build(job);
        LastCommand = spec.ToString().Replace(job.Servers.Password, "***", StringComparison.Ordinal);
        var result = await ProcessRunner.RunAsync(spec, job.Timeout, cancellationToken).ConfigureAwait(false);
        if (result.TimedOut)
        {
            return RunOutcome.Failed($"timed out after {job.Timeout.TotalSeconds:0} s", result.Seconds);
        }

        if (result.ExitCode != 0)
        {
            var why = result.StderrTail.Trim().Replace(job.Servers.Password, "***", StringComparison.Ordinal);
            var lastLine = why.Split('\n').LastOrDefault(l => l.Trim().Length > 0)?.Trim() ?? "";
            return RunOutcome.Failed($"exit code {result.ExitCode}: {lastLine}", result.Seconds);
        }

        return new RunOutcome { Ok = true, Seconds = result.Seconds, WallSeconds = result.Seconds, Stdout = spec.CaptureStdout ? result.Stdout : null };
    }

    protected abstract ProcessSpec Build(Job job);

    /// <summary>Writes a file only this user can read: the peers' config files carry the test password.</summary>
    protected static string WritePrivate(Job job, string name, string text)
    {
        var path = Path.Combine(job.ConfigDirectory, name);
        File.WriteAllText(path, text);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }

    protected static IEnumerable<string> SmallNames(Job job) => job.Data.SmallFiles.Keys;
}

/// <summary>
/// curl: one process, one connection reused for every file of a -K config (curl keeps the connection between
/// transfers of one invocation); with --parallel, up to 8 connections.
/// </summary>
internal sealed class CurlContender : PeerContender
{
    private readonly bool _parallel;

    public CurlContender(bool parallel)
        : base("curl", parallel ? "curl -K --parallel-max 8" : "curl -K", parallel ? 8 : 1)
    {
        _parallel = parallel;
    }

    public override bool Supports(BenchCase @case) => !_parallel || @case.IsSmall;

    protected override ProcessSpec Build(Job job)
    {
        var s = job.Servers;
        var config = new StringBuilder();
        config.Append("silent\nshow-error\n");
        string baseUrl;
        switch (job.Case.Protocol)
        {
            case RemoteProtocol.Ftp:
                baseUrl = $"ftp://127.0.0.1:{s.FtpPort}/";
                config.Append($"user = \"{s.UserName}:{s.Password}\"\n");
                break;
            case RemoteProtocol.Ftpes:
                baseUrl = $"ftp://localhost:{s.FtpPort}/";
                config.Append($"user = \"{s.UserName}:{s.Password}\"\nssl-reqd\ncacert = \"{s.CaPath}\"\n");
                break;
            default:
                // libssh2 picks the ECDSA host key of the test sshd; curl checks its SHA-256 against the one pinned here.
                // sftp:// paths are absolute (curl's "~" is the home directory, not internal-sftp's start directory).
                baseUrl = $"sftp://127.0.0.1:{s.SftpPort}{s.SftpRoot}/";
                var ecdsa = s.HostKeys.First(k => k.Algorithm.StartsWith("ecdsa", StringComparison.Ordinal));
                config.Append($"user = \"{s.UserName}:\"\nkey = \"{s.ClientKeyPath}\"\npubkey = \"{s.ClientKeyPath}.pub\"\nhostpubsha256 = \"{ecdsa.Sha256Base64}\"\n");
                break;
        }

        var captureStdout = false;
        switch (job.Case.Kind)
        {
            case CaseKind.DownloadBig:
                config.Append($"url = \"{baseUrl}{job.RemoteName}\"\noutput = \"{job.LocalTarget}\"\n");
                break;
            case CaseKind.UploadBig:
                config.Append($"upload-file = \"{job.LocalSource}\"\nurl = \"{baseUrl}{job.RemoteName}\"\n");
                break;
            case CaseKind.DownloadSmall:
                foreach (var name in SmallNames(job))
                {
                    config.Append($"url = \"{baseUrl}{job.RemoteName}/{name}\"\noutput = \"{job.LocalTarget}/{name}\"\n");
                }

                break;
            case CaseKind.UploadSmall:
                foreach (var name in SmallNames(job))
                {
                    config.Append($"upload-file = \"{job.LocalSource}/{name}\"\nurl = \"{baseUrl}{job.RemoteName}/{name}\"\n");
                }

                break;
            default:
                config.Append($"url = \"{baseUrl}{job.RemoteName}/\"\n");
                captureStdout = true;
                break;
        }

        var path = WritePrivate(job, "curl.config", config.ToString());
        var args = new List<string> { "-K", path };
        if (_parallel)
        {
            args.AddRange(new[] { "--parallel", "--parallel-max", "8" });
        }

        return new ProcessSpec("curl", args) { CaptureStdout = captureStdout };
    }
}

internal enum LftpMode
{
    /// <summary>get / put / mirror / ls over one session.</summary>
    Plain,

    /// <summary>pget -n 4: one file in 4 segments over 4 connections.</summary>
    Pget4,

    /// <summary>mirror -P 8: 8 files at once.</summary>
    Mirror8,
}

/// <summary>lftp, driven by a script (-f); SFTP goes through its ssh connect-program with the test key.</summary>
internal sealed class LftpContender : PeerContender
{
    private readonly LftpMode _mode;

    public LftpContender(LftpMode mode)
        : base("lftp", mode switch { LftpMode.Pget4 => "lftp pget -n 4", LftpMode.Mirror8 => "lftp mirror -P 8", _ => "lftp" }, mode switch { LftpMode.Pget4 => 4, LftpMode.Mirror8 => 8, _ => 1 })
    {
        _mode = mode;
    }

    public override bool Supports(BenchCase @case) => _mode switch
    {
        LftpMode.Pget4 => @case.Kind == CaseKind.DownloadBig,
        LftpMode.Mirror8 => @case.IsSmall,
        _ => true,
    };

    protected override ProcessSpec Build(Job job)
    {
        var s = job.Servers;
        var script = new StringBuilder();
        script.Append("set cmd:fail-exit yes\nset net:max-retries 1\nset net:timeout 60\nset xfer:clobber yes\n");
        switch (job.Case.Protocol)
        {
            case RemoteProtocol.Ftp:
                // lftp tries AUTH TLS whenever the server offers it; plain FTP is what this row measures.
                script.Append("set ftp:ssl-allow no\n");
                script.Append($"open -u \"{s.UserName},{s.Password}\" -p {s.FtpPort} ftp://127.0.0.1\n");
                break;
            case RemoteProtocol.Ftpes:
                script.Append($"set ftp:ssl-force yes\nset ftp:ssl-protect-data yes\nset ftp:ssl-protect-list yes\nset ssl:verify-certificate yes\nset ssl:ca-file \"{s.CaPath}\"\n");
                script.Append($"open -u \"{s.UserName},{s.Password}\" -p {s.FtpPort} ftp://localhost\n");
                break;
            default:
                script.Append($"set sftp:connect-program \"ssh -a -x -i {s.ClientKeyPath} -o IdentitiesOnly=yes -o UserKnownHostsFile={job.KnownHostsPath} -o StrictHostKeyChecking=yes -o BatchMode=yes\"\n");
                script.Append($"open -u \"{s.UserName},\" -p {s.SftpPort} sftp://127.0.0.1\n");
                break;
        }

        var parallel = _mode == LftpMode.Mirror8 ? "-P 8 " : "";
        var captureStdout = false;
        switch (job.Case.Kind)
        {
            case CaseKind.DownloadBig:
                script.Append(_mode == LftpMode.Pget4 ? "pget -n 4 " : "get ").Append($"{job.RemoteName} -o \"{job.LocalTarget}\"\n");
                break;
            case CaseKind.UploadBig:
                script.Append($"put \"{job.LocalSource}\" -o {job.RemoteName}\n");
                break;
            case CaseKind.DownloadSmall:
                script.Append($"mirror {parallel}{job.RemoteName} \"{job.LocalTarget}\"\n");
                break;
            case CaseKind.UploadSmall:
                script.Append($"mirror -R {parallel}\"{job.LocalSource}\" {job.RemoteName}\n");
                break;
            default:
                script.Append($"ls {job.RemoteName}\n");
                captureStdout = true;
                break;
        }

        var path = WritePrivate(job, "lftp.script", script.ToString());
        return new ProcessSpec("lftp", new[] { "-f", path }) { CaptureStdout = captureStdout };
    }
}

/// <summary>OpenSSH sftp in batch mode (-b), public-key login, host key checked against the test sshd's keys.</summary>
internal sealed class OpenSshSftpContender : PeerContender
{
    private readonly string[] _extra;

    public OpenSshSftpContender(bool best)
        : base("sftp", best ? "sftp -b -c aes128-gcm -B 261120 -R 128" : "sftp -b", 1)
    {
        // Best: the fastest AEAD cipher on AES-NI machines, and the largest requests and most of them in flight
        // that OpenSSH's sftp-server takes (its limits@openssh.com read/write length is 256 KiB).
        _extra = best ? new[] { "-c", "aes128-gcm@openssh.com", "-B", "261120", "-R", "128" } : Array.Empty<string>();
    }

    public override bool Supports(BenchCase @case) => @case.Protocol == RemoteProtocol.Sftp;

    protected override ProcessSpec Build(Job job)
    {
        var s = job.Servers;
        var batch = new StringBuilder();
        var captureStdout = false;
        switch (job.Case.Kind)
        {
            case CaseKind.DownloadBig:
                batch.Append($"get {job.RemoteName} \"{job.LocalTarget}\"\n");
                break;
            case CaseKind.UploadBig:
                batch.Append($"put \"{job.LocalSource}\" {job.RemoteName}\n");
                break;
            case CaseKind.DownloadSmall:
                batch.Append($"lcd \"{job.LocalTarget}\"\nget {job.RemoteName}/*\n");
                break;
            case CaseKind.UploadSmall:
                batch.Append($"lcd \"{job.LocalSource}\"\ncd {job.RemoteName}\nput *\n");
                break;
            default:
                batch.Append($"ls -1 {job.RemoteName}\n");
                captureStdout = true;
                break;
        }

        var path = WritePrivate(job, "sftp.batch", batch.ToString());
        var args = new List<string>
        {
            "-q", "-b", path, "-P", s.SftpPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "-i", s.ClientKeyPath,
            "-o", "IdentitiesOnly=yes", "-o", "UserKnownHostsFile=" + job.KnownHostsPath, "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes",
        };
        args.AddRange(_extra);
        args.Add(s.UserName + "@127.0.0.1");
        return new ProcessSpec("sftp", args) { CaptureStdout = captureStdout };
    }
}

internal enum RcloneMode
{
    /// <summary>copyto / lsl with rclone's defaults (a big download goes in up to 4 streams).</summary>
    Default,

    /// <summary>copyto --multi-thread-streams 0: one stream for the big download.</summary>
    SingleStream,

    /// <summary>copy --transfers 8 --checkers 8.</summary>
    Transfers8,

    /// <summary>copy --transfers 1 --checkers 1.</summary>
    Transfers1,
}

/// <summary>
/// rclone with remotes "ftp", "ftpes" and "sftp" in a config file of its own (password stored with `rclone obscure`).
/// FTPES verifies the server certificate against the test CA (Go reads SSL_CERT_FILE) and turns TLS 1.3 off, without
/// which the handshake with vsftpd fails ("tls: illegal parameter").
/// </summary>
internal sealed class RcloneContender : PeerContender
{
    private readonly RcloneMode _mode;

    public RcloneContender(RcloneMode mode)
        : base("rclone", Describe(mode), mode switch { RcloneMode.Transfers8 => 8, RcloneMode.Default => 4, _ => 1 })
    {
        _mode = mode;
    }

    public override int ConnectionsFor(BenchCase @case) =>
        _mode == RcloneMode.Default && @case.Kind != CaseKind.DownloadBig ? 1 : Connections;

    public override bool Supports(BenchCase @case) => _mode switch
    {
        RcloneMode.Default => @case.IsBig || @case.Kind == CaseKind.List,
        RcloneMode.SingleStream => @case.Kind == CaseKind.DownloadBig,
        _ => @case.IsSmall,
    };

    public static string WriteConfig(ServerEnvironment s, string configDirectory, string obscuredPassword)
    {
        var text = $"""
            [ftp]
            type = ftp
            host = 127.0.0.1
            port = {s.FtpPort}
            user = {s.UserName}
            pass = {obscuredPassword}

            [ftpes]
            type = ftp
            host = localhost
            port = {s.FtpPort}
            user = {s.UserName}
            pass = {obscuredPassword}
            explicit_tls = true
            disable_tls13 = true

            [sftp]
            type = sftp
            host = 127.0.0.1
            port = {s.SftpPort}
            user = {s.UserName}
            key_file = {s.ClientKeyPath}
            known_hosts_file = {Path.Combine(configDirectory, "known_hosts")}
            disable_hashcheck = true
            shell_type = none

            """;
        var path = Path.Combine(configDirectory, "rclone.conf");
        File.WriteAllText(path, text);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }

    protected override ProcessSpec Build(Job job)
    {
        var remote = job.Case.ProtocolName + ":" + job.RemoteName;
        var args = new List<string> { "--config", job.RcloneConfigPath, "--retries", "1", "--low-level-retries", "1" };
        switch (_mode)
        {
            case RcloneMode.SingleStream:
                args.AddRange(new[] { "--multi-thread-streams", "0" });
                break;
            case RcloneMode.Transfers8:
                args.AddRange(new[] { "--transfers", "8", "--checkers", "8" });
                break;
            case RcloneMode.Transfers1:
                args.AddRange(new[] { "--transfers", "1", "--checkers", "1" });
                break;
        }

        var captureStdout = false;
        switch (job.Case.Kind)
        {
            case CaseKind.DownloadBig:
                args.AddRange(new[] { "copyto", remote, job.LocalTarget });
                break;
            case CaseKind.UploadBig:
                args.AddRange(new[] { "copyto", job.LocalSource, remote });
                break;
            case CaseKind.DownloadSmall:
                args.AddRange(new[] { "copy", remote, job.LocalTarget });
                break;
            case CaseKind.UploadSmall:
                args.AddRange(new[] { "copy", job.LocalSource, remote });
                break;
            default:
                args.AddRange(new[] { "lsl", remote });
                captureStdout = true;
                break;
        }

        var spec = new ProcessSpec("rclone", args) { CaptureStdout = captureStdout };
        if (job.Case.Protocol == RemoteProtocol.Ftpes)
        {
            spec.Environment["SSL_CERT_FILE"] = job.Servers.CaPath;
        }

        return spec;
    }

    private static string Describe(RcloneMode mode) => mode switch
    {
        RcloneMode.SingleStream => "rclone --multi-thread-streams 0",
        RcloneMode.Transfers8 => "rclone --transfers 8",
        RcloneMode.Transfers1 => "rclone --transfers 1",
        _ => "rclone",
    };
}
