using System;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using FtpTools.Core.Logging;
using Xunit;

namespace FtpTools.Core.Tests.Logging;

/// <summary>The -LogPath file: lines, escaping, files shared by sessions, and a disk that refuses writes.</summary>
public sealed class FileProtocolLogTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "ftptools-log-" + Guid.NewGuid().ToString("N").Substring(0, 12));

    public FileProtocolLogTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Each_message_is_appended_as_one_line_with_its_UTC_time_label_and_direction()
    {
        var path = Path.Combine(_directory, "a.log");
        File.WriteAllText(path, "kept" + Environment.NewLine);
        var before = DateTime.UtcNow;
        using (var log = new FileProtocolLog(path, "ftp://bob@host:21"))
        {
            Assert.Equal(path, log.Path);
            log.Write(LogDirection.Sent, "USER bob");
            log.Write(LogDirection.Received, "331 Password required");
            log.Write(LogDirection.Info, "TLS handshake done");

            // Written through: readable while the log is open.
            Assert.Equal(4, ReadShared(path).Length);
        }

        var lines = File.ReadAllLines(path);
        Assert.Equal("kept", lines[0]);
        Assert.Equal(new[] { "ftp://bob@host:21 > USER bob", "ftp://bob@host:21 < 331 Password required", "ftp://bob@host:21 TLS handshake done" }, lines.Skip(1).Select(l => l.Substring(25)));
        foreach (var line in lines.Skip(1))
        {
            Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z ", line);
            var time = DateTime.Parse(line.Substring(0, 24), null, System.Globalization.DateTimeStyles.RoundtripKind);
            Assert.Equal(DateTimeKind.Utc, time.Kind);
            Assert.InRange(time, before.AddSeconds(-1), DateTime.UtcNow.AddSeconds(1));
        }
    }

    [Fact]
    public void A_server_cannot_forge_lines_or_send_terminal_escapes_into_the_file()
    {
        var path = Path.Combine(_directory, "b.log");
        using (var log = new FileProtocolLog(path, "x"))
        {
            log.Write(LogDirection.Received, "550 no\r\n2026-01-01T00:00:00.000Z x < 230 forged\u001b[31m\u0085\u2028end\tok");
        }

        Assert.Equal(@"x < 550 no\x0d\x0a2026-01-01T00:00:00.000Z x < 230 forged\x1b[31m\x85\x2028end" + "\tok", Assert.Single(File.ReadAllLines(path)).Substring(25));
    }

    [Fact]
    public void Sessions_that_name_the_same_file_share_it_line_by_line_until_the_last_one_closes()
    {
        var path = Path.Combine(_directory, "shared.log");
        var first = new FileProtocolLog(path, "one");
        var second = new FileProtocolLog(Path.Combine(_directory, ".", "shared.log"), "two");
        Parallel.For(0, 2000, i => (i % 2 == 0 ? first : second).Write(LogDirection.Sent, "NOOP " + i));
        first.Dispose();
        first.Dispose();
        first.Write(LogDirection.Sent, "after dispose: dropped");
        Assert.Throws<IOException>(() => new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None).Dispose());
        second.Write(LogDirection.Sent, "last");
        second.Dispose();

        // Closed now, and every line whole.
        using (new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
        {
        }

        var lines = File.ReadAllLines(path);
        Assert.Equal(2001, lines.Length);
        Assert.All(lines, l => Assert.Matches(@"^\S+Z (one > NOOP \d*[02468]|two > NOOP \d*[13579]|two > last)$", l));
        Assert.Equal(Enumerable.Range(0, 2000), lines.Take(2000).Select(l => int.Parse(Regex.Match(l, @"\d+$").Value, System.Globalization.CultureInfo.InvariantCulture)).Order());
    }

    [Fact]
    public void A_file_that_cannot_be_opened_throws_at_once()
    {
        var missing = Path.Combine(_directory, "no-such-directory", "c.log");
        Assert.Throws<DirectoryNotFoundException>(() => new FileProtocolLog(missing, "x"));
        Assert.False(File.Exists(missing));
    }

    [Fact]
    public void A_disk_that_refuses_the_writes_ends_the_logging_quietly()
    {
        Assert.True(File.Exists("/dev/full"), "/dev/full is missing: this test needs Linux's full device.");
        using var log = new FileProtocolLog("/dev/full", "x");

        // ENOSPC on the first write: the session must not see it, now or later.
        log.Write(LogDirection.Sent, "LIST");
        log.Write(LogDirection.Received, "226 Transfer complete");
    }

    [Fact]
    public void A_file_another_process_writes_to_is_refused_and_one_this_process_writes_to_is_refused_there()
    {
        // A second process that logs to the same file holds the same lock (fcntl, whole file) as FileProtocolLog:
        // perl (perl-base, on every Debian) plays it.
        var busy = Path.Combine(_directory, "busy.log");
        using (var other = Perl(LockScript(hold: true), busy))
        {
            Assert.Equal("locked", other.StandardOutput.ReadLine());
            var refused = Assert.Throws<IOException>(() => new FileProtocolLog(busy, "x"));
            Assert.Equal($"Another process is writing to '{busy}'; give each one a log file of its own.", refused.Message);
            other.Kill();
            other.WaitForExit();
        }

        // Free again once that process is gone; and while this one holds it, the other cannot lock it.
        var ours = Path.Combine(_directory, "ours.log");
        using (var log = new FileProtocolLog(busy, "x"))
        using (var mine = new FileProtocolLog(ours, "y"))
        using (var other = Perl(LockScript(hold: false), ours))
        {
            Assert.Equal("refused", other.StandardOutput.ReadLine());
            other.WaitForExit();
            mine.Write(LogDirection.Sent, "still written");
        }

        Assert.EndsWith("y > still written", Assert.Single(File.ReadAllLines(ours)), StringComparison.Ordinal);
    }

    private static string LockScript(bool hold) =>
        "use Fcntl; open(my $f, '>>', $ARGV[0]) or die \"open: $!\"; my $l = pack('ssx4qqix4', F_WRLCK, 0, 0, 0, 0); $| = 1; "
        + (hold ? "fcntl($f, F_SETLK, $l) or die \"lock: $!\"; print \"locked\\n\"; sleep 60;" : "print fcntl($f, F_SETLK, $l) ? \"locked\\n\" : \"refused\\n\";");

    private static System.Diagnostics.Process Perl(string script, string path)
    {
        Assert.True(File.Exists("/usr/bin/perl"), "/usr/bin/perl is missing: install perl-base (apt-get install perl-base).");
        var start = new System.Diagnostics.ProcessStartInfo("/usr/bin/perl") { RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add("-e");
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(path);
        return System.Diagnostics.Process.Start(start)!;
    }

    private static string[] ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
    }
}
