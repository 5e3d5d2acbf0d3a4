using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace FtpTools.Bench;

/// <summary>A command line to start: no shell in between, so nothing is re-quoted or expanded.</summary>
internal sealed class ProcessSpec
{
    public ProcessSpec(string fileName, IEnumerable<string> arguments)
    {
        FileName = fileName;
        Arguments = new List<string>(arguments);
    }

    public string FileName { get; }

    public IReadOnlyList<string> Arguments { get; }

    public IDictionary<string, string> Environment { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    public string? WorkingDirectory { get; init; }

    /// <summary>Keep stdout (listings are counted from it); otherwise it is read and dropped.</summary>
    public bool CaptureStdout { get; init; }

    /// <summary>Text written to stdin before it is closed; null closes it at once.</summary>
    public string? Input { get; init; }

    /// <summary>The command as a person would type it, for the report. Arguments holding the password are masked by the caller.</summary>
    public override string ToString() => FileName + " " + string.Join(' ', Arguments);
}

internal sealed class ProcessResult
{
    public int ExitCode { get; init; }

    public bool TimedOut { get; init; }

    /// <summary>Wall time from start to exit, process start-up included.</summary>
    public double Seconds { get; init; }

    public string Stdout { get; init; } = "";

    /// <summary>The last few kilobytes of stderr, to say why a run failed.</summary>
    public string StderrTail { get; init; } = "";
}

internal static class ProcessRunner
{
    private const int StderrKeep = 4096;

    public static async Task<ProcessResult> RunAsync(ProcessSpec spec, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo(spec.FileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = spec.WorkingDirectory ?? System.Environment.CurrentDirectory,
        };
        foreach (var a in spec.Arguments)
        {
            psi.ArgumentList.Add(a);
        }

        foreach (var (k, v) in spec.Environment)
        {
            psi.Environment[k] = v;
        }

        using var process = new Process { StartInfo = psi };
        var clock = Stopwatch.StartNew();
        process.Start();

        // Nothing is ever typed: a tool that asks for input gets end-of-file instead of hanging.
        if (spec.Input is not null)
        {
            await process.StandardInput.WriteAsync(spec.Input).ConfigureAwait(false);
        }

        process.StandardInput.Close();
        var stdoutTask = spec.CaptureStdout
            ? process.StandardOutput.ReadToEndAsync(CancellationToken.None)
            : DrainAsync(process.StandardOutput);
        var stderrTask = TailAsync(process.StandardError);

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var timedOut = false;
        try
        {
            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            timedOut = true;

            // Only the process this call started, and what it started.
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        }

        var stdout = await stdoutTask.ConfigureAwait(false);
        var stderr = await stderrTask.ConfigureAwait(false);
        clock.Stop();
        cancellationToken.ThrowIfCancellationRequested();
        return new ProcessResult
        {
            ExitCode = process.ExitCode,
            TimedOut = timedOut,
            Seconds = clock.Elapsed.TotalSeconds,
            Stdout = stdout,
            StderrTail = stderr,
        };
    }

    /// <summary>Runs a short command and returns its stdout and stderr together, or "" when it cannot start.</summary>
    public static async Task<string> OutputOfAsync(string fileName, params string[] arguments)
    {
        try
        {
            var result = await RunAsync(new ProcessSpec(fileName, arguments) { CaptureStdout = true }, TimeSpan.FromSeconds(120), CancellationToken.None).ConfigureAwait(false);
            return (result.Stdout + result.StderrTail).Trim();
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "";
        }
    }

    /// <summary>Runs a short command with <paramref name="input"/> on its stdin and returns its stdout; throws when it fails.</summary>
    public static async Task<string> RunWithInputAsync(string fileName, string[] arguments, string input)
    {
        var result = await RunAsync(new ProcessSpec(fileName, arguments) { CaptureStdout = true, Input = input }, TimeSpan.FromSeconds(60), CancellationToken.None).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{fileName} {string.Join(' ', arguments)} failed: {result.StderrTail.Trim()}");
        }

        return result.Stdout;
    }

    private static async Task<string> DrainAsync(StreamReader reader)
    {
        await reader.BaseStream.CopyToAsync(Stream.Null).ConfigureAwait(false);
        return "";
    }

    private static async Task<string> TailAsync(StreamReader reader)
    {
        var tail = new StringBuilder();
        var buffer = new char[4096];
        int n;
        while ((n = await reader.ReadAsync(buffer.AsMemory()).ConfigureAwait(false)) > 0)
        {
            tail.Append(buffer, 0, n);
            if (tail.Length > 2 * StderrKeep)
            {
                tail.Remove(0, tail.Length - StderrKeep);
            }
        }

        return tail.Length > StderrKeep ? tail.ToString(tail.Length - StderrKeep, StderrKeep) : tail.ToString();
    }
}
