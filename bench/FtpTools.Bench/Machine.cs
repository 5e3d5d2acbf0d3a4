using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace FtpTools.Bench;

/// <summary>What machine the numbers come from.</summary>
internal sealed class MachineInfo
{
    public int Processors { get; init; }

    public string CpuModel { get; init; } = "";

    public long MemoryBytes { get; init; }

    public string Kernel { get; init; } = "";

    public string Runtime { get; init; } = "";

    /// <summary>1, 5 and 15 minute load averages when the run started: other work on the machine skews the numbers.</summary>
    public string LoadAtStart { get; init; } = "";

    public string LoadAtEnd { get; set; } = "";

    /// <summary>What the run did about a virtual machine's free page reporting (<see cref="GuestMemory"/>).</summary>
    public string Memory { get; set; } = "";

    /// <summary>Versions of the peers and servers (dpkg), and of openssl.</summary>
    public IReadOnlyDictionary<string, string> Versions { get; init; } = new Dictionary<string, string>();

    public static async Task<MachineInfo> CollectAsync()
    {
        var cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
        var mem = File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
        var versions = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var dpkg = await ProcessRunner.OutputOfAsync("dpkg-query", "-W", "-f", "${Package} ${Version}\\n", "curl", "lftp", "rclone", "openssh-client", "openssh-server", "vsftpd", "openssl").ConfigureAwait(false);
        foreach (var line in dpkg.Split('\n'))
        {
            var parts = line.Trim().Split(' ', 2);
            if (parts.Length == 2)
            {
                versions[parts[0]] = parts[1];
            }
        }

        return new MachineInfo
        {
            Processors = Environment.ProcessorCount,
            CpuModel = cpu?[(cpu.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim() ?? "unknown",
            MemoryBytes = mem is null ? 0 : long.Parse(mem.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024,
            Kernel = (await ProcessRunner.OutputOfAsync("uname", "-r").ConfigureAwait(false)).Trim(),
            Runtime = System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription,
            LoadAtStart = LoadAverage(),
            Versions = versions,
        };
    }

    public static string LoadAverage() =>
        string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
}

/// <summary>A ceiling for a case: one-core cipher speed, loopback TCP, a local disk copy.</summary>
internal sealed class Limit
{
    public string Name { get; init; } = "";

    public double MegabytesPerSecond { get; init; }

    public string How { get; init; } = "";
}

internal static class MachineLimits
{
    /// <summary>The ciphers the sessions use: TLS 1.2/1.3 AES-GCM and ChaCha20-Poly1305, SSH AES-GCM, ChaCha20-Poly1305 and AES-CTR.</summary>
    private static readonly string[] Ciphers = { "aes-128-gcm", "aes-256-gcm", "chacha20-poly1305", "aes-128-ctr" };

    public static async Task<List<Limit>> MeasureAsync(DataSet data, bool quick)
    {
        var limits = new List<Limit>();
        var seconds = quick ? "1" : "3";
        foreach (var cipher in Ciphers)
        {
            var output = await ProcessRunner.OutputOfAsync("openssl", "speed", "-evp", cipher, "-seconds", seconds, "-bytes", "16384").ConfigureAwait(false);

            // The last line is "<NAME>  <n>k": thousands of bytes per second with 16 KiB blocks, on one core.
            var last = output.Split('\n').LastOrDefault(l => l.TrimEnd().EndsWith('k'))?.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries).LastOrDefault();
            var mbps = last is not null && double.TryParse(last.TrimEnd('k'), NumberStyles.Float, CultureInfo.InvariantCulture, out var k) ? k / 1000 : double.NaN;
            limits.Add(new Limit { Name = "openssl " + cipher, MegabytesPerSecond = mbps, How = $"openssl speed -evp {cipher} -seconds {seconds} -bytes 16384 (one core)" });
        }

        limits.Add(new Limit { Name = "loopback TCP 1 GiB", MegabytesPerSecond = await LoopbackTcpAsync(1L << 30).ConfigureAwait(false), How = "1 GiB from memory to memory over 127.0.0.1 (.NET sockets, 1 MiB writes)" });
        limits.Add(await LocalCopyAsync(data).ConfigureAwait(false));
        return limits;
    }

    private static async Task<double> LoopbackTcpAsync(long bytes)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var buffer = new byte[1 << 20];
        Random.Shared.NextBytes(buffer);
        var clock = Stopwatch.StartNew();
        var receive = Task.Run(async () =>
        {
            using var server = await listener.AcceptTcpClientAsync().ConfigureAwait(false);
            var stream = server.GetStream();
            var sink = new byte[1 << 20];
            long total = 0;
            int n;
            while ((n = await stream.ReadAsync(sink).ConfigureAwait(false)) > 0)
            {
                total += n;
            }

            return total;
        });
        using (var client = new TcpClient())
        {
            await client.ConnectAsync(IPAddress.Loopback, port).ConfigureAwait(false);
            var stream = client.GetStream();
            for (long sent = 0; sent < bytes; sent += buffer.Length)
            {
                await stream.WriteAsync(buffer).ConfigureAwait(false);
            }

            client.Client.Shutdown(SocketShutdown.Send);
            var received = await receive.ConfigureAwait(false);
            clock.Stop();
            if (received != bytes)
            {
                throw new InvalidOperationException($"Loopback copy received {received} of {bytes} bytes.");
            }
        }

        return bytes / 1e6 / clock.Elapsed.TotalSeconds;
    }

    private static async Task<Limit> LocalCopyAsync(DataSet data)
    {
        var target = Path.Combine(data.WorkDirectory, "cp-limit.bin");
        await ProcessRunner.OutputOfAsync("sync").ConfigureAwait(false);
        GuestMemory.Touch(data.WorkDirectory, BenchRunner.TouchBytes(data));
        var result = await ProcessRunner.RunAsync(new ProcessSpec("cp", new[] { data.BigPath, target }), TimeSpan.FromMinutes(10), CancellationToken.None).ConfigureAwait(false);
        File.Delete(target);
        return new Limit
        {
            Name = "local copy " + BenchCase.Size(data.BigSize),
            MegabytesPerSecond = result.ExitCode == 0 ? data.BigSize / 1e6 / result.Seconds : double.NaN,
            How = "cp of the big file on the data disk (page cache, no fsync)",
        };
    }
}
