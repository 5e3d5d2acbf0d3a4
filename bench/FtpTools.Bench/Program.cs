using System;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;

// The harness reads /proc, runs Debian's peers and the test servers' script: Linux only, like the servers.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

namespace FtpTools.Bench;

/// <summary>
/// FtpTools.Bench run --env DIR/env.sh --data DATA [--runs N] [--quick] [--only REGEX] [--timeout SECONDS]
///                    [--results DIR] [--no-limits] [--command TEXT] [--seed TEXT]
/// FtpTools.Bench child ...   (one FtpTools run; started by "run" itself)
/// bench/run.sh starts the servers, makes the data and calls "run"; see bench/README.md.
/// </summary>
internal static class Program
{
#if FTPTOOLS_TRANSFER_ENGINE
    public const string TransferPath = "TransferEngine.DownloadFileAsync/UploadFileAsync";
#else
    public const string TransferPath = "IRemoteSession.OpenReadAsync/OpenWriteAsync + CompleteAsync (no transfer engine in this tree)";
#endif

    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "child")
        {
            return await FtpToolsChild.RunAsync(args).ConfigureAwait(false);
        }

        if (args.Length == 0 || args[0] != "run")
        {
            Console.Error.WriteLine("usage: FtpTools.Bench run --env DIR/env.sh --data DATA [--runs N] [--quick] [--only REGEX] [--timeout SECONDS] [--results DIR] [--no-limits]");
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
        };
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

    private static bool Has(string[] args, string name) => Array.IndexOf(args, name) >= 0;

    private static string? Value(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
