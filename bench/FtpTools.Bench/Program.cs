using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;

// The harness reads /proc, runs Debian's peers and the test servers' script: Linux only, like the servers.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

namespace FtpTools.Bench;

/// <summary>
/// FtpTools.Bench run --env DIR/env.sh --data DATA [--runs N] [--quick] [--only REGEX] [--timeout SECONDS]
///                    [--results DIR] [--no-limits] [--command TEXT] [--seed TEXT]
///                    [--wan-delay-ms MS [--wan-rate-mbit MBIT]]   (SFTP only, through DelayRelay)
/// FtpTools.Bench child ...   (one FtpTools run; started by "run" itself)
/// FtpTools.Bench relay --to PORT --delay-ms MS [--rate-mbit MBIT]   (the WAN relay alone, for trying a tool by hand)
/// FtpTools.Bench relay --to-host ADDRESS --ports LIST --delay-ms MS  (one relay per port, for FTP by hand)
/// bench/run.sh starts the servers, makes the data and calls "run"; see bench/README.md.
/// </summary>
internal static class Program
{
    public const string TransferPath = "TransferEngine.DownloadFileAsync/UploadFileAsync (small files through a TransferQueue, as Receive-FtpFile and Send-FtpFile)";

    /// <summary>
    /// How the core this process loaded was built: run.sh puts the module's precompiled core (ReadyToRun,
    /// lib/net10.0-linux-x64) in place of the IL build, as PowerShell on .NET 10 x64 loads it.
    /// </summary>
    public static string CoreBuild
    {
        get
        {
            using var pe = new System.Reflection.PortableExecutable.PEReader(System.IO.File.OpenRead(typeof(FtpTools.Core.RemoteSessionFactory).Assembly.Location));
            return pe.PEHeaders.CorHeader?.ManagedNativeHeaderDirectory.Size > 0
                ? "ReadyToRun (as the module's lib/net10.0-linux-x64)"
                : "IL only (compiled on first use)";
        }
    }

    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "child")
        {
            return await FtpToolsChild.RunAsync(args).ConfigureAwait(false);
        }

        if (args.Length > 0 && args[0] == "relay")
        {
            return await RelayAsync(args).ConfigureAwait(false);
        }

        if (args.Length == 0 || args[0] != "run")
        {
            Console.Error.WriteLine("usage: FtpTools.Bench run --env DIR/env.sh --data DATA [--runs N] [--quick] [--only REGEX] [--timeout SECONDS] [--results DIR] [--no-limits] [--wan-delay-ms MS [--wan-rate-mbit MBIT]]");
            return 2;
        }

        var quick = Has(args, "--quick");
        var settings = new BenchSettings
        {
            EnvFile = Value(args, "--env") ?? throw new ArgumentException("--env is required."),
            DataDirectory = Value(args, "--data") ?? throw new ArgumentException("--data is required."),
            ResultsDirectory = Value(args, "--results") ?? "bench/results",
            Quick = quick,
            Runs = int.Parse(Value(args, "--runs") ?? (quick ? "1" : "3"), CultureInfo.InvariantCulture),
            Only = Value(args, "--only"),
            Timeout = TimeSpan.FromSeconds(double.Parse(Value(args, "--timeout") ?? (quick ? "120" : "300"), CultureInfo.InvariantCulture)),
            MeasureLimits = !Has(args, "--no-limits"),
            Command = Value(args, "--command") ?? "FtpTools.Bench " + string.Join(' ', args),
            Seed = Value(args, "--seed") ?? "",
            WanDelay = Value(args, "--wan-delay-ms") is string ms ? TimeSpan.FromMilliseconds(double.Parse(ms, CultureInfo.InvariantCulture)) : null,
            WanBytesPerSecond = Value(args, "--wan-rate-mbit") is string mbit ? double.Parse(mbit, CultureInfo.InvariantCulture) * 1e6 / 8 : null,
        };
        if (settings.WanBytesPerSecond is not null && settings.WanDelay is null)
        {
            throw new ArgumentException("--wan-rate-mbit needs --wan-delay-ms.");
        }

        if (settings.Runs < 1)
        {
            throw new ArgumentException("--runs must be at least 1.");
        }

        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };
        return await BenchRunner.RunAsync(settings, cancel.Token).ConfigureAwait(false);
    }

    /// <summary>
    /// relay --to PORT --delay-ms MS [--rate-mbit MBIT]: a <see cref="DelayRelay"/> to 127.0.0.1:PORT on its own, for
    /// trying one tool by hand over a slow link; prints the port it listens on and runs until Ctrl+C.
    /// relay --to-host ADDRESS --ports LIST --delay-ms MS [--rate-mbit MBIT]: one relay per port of LIST (e.g.
    /// "56000,41000-41040"), each from 127.0.0.1:PORT to ADDRESS:PORT. An FTP server listening on 127.0.0.2 with its
    /// passive ports in LIST is then reached through the relay on 127.0.0.1, data connections included: EPSV names only
    /// a port, which the client connects to on the control connection's address (bench/HISTORY.md, "Measured by hand").
    /// </summary>
    private static async Task<int> RelayAsync(string[] args)
    {
        var delay = TimeSpan.FromMilliseconds(double.Parse(Value(args, "--delay-ms") ?? throw new ArgumentException("--delay-ms is required."), CultureInfo.InvariantCulture));
        double? rate = Value(args, "--rate-mbit") is string mbit ? double.Parse(mbit, CultureInfo.InvariantCulture) * 1e6 / 8 : null;
        var relays = new List<DelayRelay>();
        try
        {
            if (Value(args, "--ports") is string ports)
            {
                var host = System.Net.IPAddress.Parse(Value(args, "--to-host") ?? throw new ArgumentException("--to-host is required with --ports."));
                foreach (var port in PortList(ports))
                {
                    relays.Add(DelayRelay.Start(new System.Net.IPEndPoint(host, port), delay, rate, listenPort: port));
                }

                Console.Error.WriteLine($"relay: 127.0.0.1:PORT -> {host}:PORT for {relays.Count} ports ({ports}), {relays[0].Description}; Ctrl+C stops it");
            }
            else
            {
                var to = int.Parse(Value(args, "--to") ?? throw new ArgumentException("--to or --ports is required."), CultureInfo.InvariantCulture);
                relays.Add(DelayRelay.Start(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, to), delay, rate));
                Console.Out.WriteLine(relays[0].Port.ToString(CultureInfo.InvariantCulture));
                Console.Error.WriteLine("relay: 127.0.0.1:" + relays[0].Port + " -> 127.0.0.1:" + to + ", " + relays[0].Description + "; Ctrl+C stops it");
            }

            await WaitForStopAsync().ConfigureAwait(false);
            return 0;
        }
        finally
        {
            foreach (var relay in relays)
            {
                await relay.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>"56000,41000-41040" as the ports it names.</summary>
    private static IEnumerable<int> PortList(string list)
    {
        foreach (var part in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var dash = part.IndexOf('-', StringComparison.Ordinal);
            var first = int.Parse(dash < 0 ? part : part[..dash], CultureInfo.InvariantCulture);
            var last = dash < 0 ? first : int.Parse(part[(dash + 1)..], CultureInfo.InvariantCulture);
            for (var port = first; port <= last; port++)
            {
                yield return port;
            }
        }
    }

    private static async Task WaitForStopAsync()
    {
        var stopped = new TaskCompletionSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stopped.TrySetResult();
        };
        AppDomain.CurrentDomain.ProcessExit += (_, _) => stopped.TrySetResult();
        await stopped.Task.ConfigureAwait(false);
    }

    private static bool Has(string[] args, string name) => Array.IndexOf(args, name) >= 0;

    private static string? Value(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
