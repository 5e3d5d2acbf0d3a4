using System;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace FtpTools.Core.Tests.Servers;

/// <summary>
/// One real server process started by tests/servers/ftptools-servers.sh (which execs the daemon in the
/// foreground, so this process is the server). Disposing kills it and only it.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ServerProcess(Process process, string kind, int port)
    {
        _process = process;
        Kind = kind;
        Port = port;
    }

    public string Kind { get; }

    public int Port { get; }

    /// <summary>The loopback address the server listens on: ::1 for the "-ipv6" kinds, 127.0.0.1 otherwise.</summary>
    public IPAddress Address => Kind.EndsWith("-ipv6", StringComparison.Ordinal) ? IPAddress.IPv6Loopback : IPAddress.Loopback;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>
    /// Starts KIND in DIR on a free loopback port and waits until it answers with <paramref name="bannerPrefix"/> (null:
    /// TCP connect is enough). A server that exits before it answers (its port taken after all, by something that
    /// is not a test process) is started again on another port, twice at most.
    /// </summary>
    public static async Task<ServerProcess> StartAsync(string kind, string directory, string? bannerPrefix, params string[] extraArguments)
    {
        TestServers.EnsureInstalled();
        for (var attempt = 1; ; attempt++)
        {
            var server = Start(kind, directory, extraArguments);
            try
            {
                await server.WaitUntilAnsweringAsync(bannerPrefix, TimeSpan.FromSeconds(60)).ConfigureAwait(false);
                return server;
            }
            catch (ExitedEarlyException) when (attempt < 3)
            {
                await server.DisposeAsync().ConfigureAwait(false);
            }
            catch
            {
                await server.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
    }

    private static ServerProcess Start(string kind, string directory, string[] extraArguments)
    {
        var port = TestServers.FreePort();
        var psi = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(TestServers.ScriptPath);
        psi.ArgumentList.Add("run");
        psi.ArgumentList.Add(kind);
        psi.ArgumentList.Add(directory);
        psi.ArgumentList.Add(port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        foreach (var argument in extraArguments)
        {
            psi.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new InvalidOperationException($"Could not start {kind}.");
        }
        catch
        {
            TestServers.ReleasePort(port);
            throw;
        }

        var server = new ServerProcess(process, kind, port);
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                // The daemon itself (bash exec'd into it); its per-connection children end with their sockets.
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().ConfigureAwait(false);
            }
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
        TestServers.ReleasePort(Port);
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    private async Task WaitUntilAnsweringAsync(string? bannerPrefix, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        Exception? last = null;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new ExitedEarlyException($"{Kind} exited with code {_process.ExitCode} before answering on port {Port}:\n{Output}");
            }

            try
            {
                using var client = new TcpClient(Address.AddressFamily);
                await client.ConnectAsync(Address, Port).ConfigureAwait(false);
                if (bannerPrefix is null)
                {
                    return;
                }

                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                var stream = client.GetStream();
                var buffer = new byte[256];
                var read = await stream.ReadAsync(buffer, cts.Token).ConfigureAwait(false);
                var text = Encoding.ASCII.GetString(buffer, 0, read);
                if (text.StartsWith(bannerPrefix, StringComparison.Ordinal))
                {
                    return;
                }

                last = new InvalidOperationException($"{Kind} answered '{text.Trim()}'");
            }
            catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
            {
                last = e;
            }

            await Task.Delay(100).ConfigureAwait(false);
        }

        throw new TimeoutException($"{Kind} did not answer on port {Port} within {timeout.TotalSeconds} s ({last?.Message}):\n{Output}");
    }

    /// <summary>The server process ended before it answered.</summary>
    private sealed class ExitedEarlyException : InvalidOperationException
    {
        public ExitedEarlyException(string message)
            : base(message)
        {
        }
    }
}
