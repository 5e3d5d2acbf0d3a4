using System;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Sockets;

namespace FtpTools.Core.Tests.Servers;

/// <summary>Where the server script is, whether the servers are installed, and the loopback test account.</summary>
public static class TestServers
{
    /// <summary>The loopback-only test account created by ftptools-servers.sh install. Not a secret.</summary>
    public const string UserName = "ftptools";

    public const string Password = "FtpTools-Test-Pa55";

    /// <summary>A second account that may only log in over SSH with a public key.</summary>
    public const string KeyUserName = "ftptoolskey";

    private static readonly object InstallLock = new();
    private static string? _installError;
    private static bool _installChecked;

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static string ScriptPath => Path.Combine(RepositoryRoot, "tests", "servers", "ftptools-servers.sh");

    /// <summary>
    /// Installs the servers when running as root on Debian/Ubuntu (the script does it), else fails with the
    /// script's list of what to install. Never passes silently when a server is missing.
    /// </summary>
    public static void EnsureInstalled()
    {
        lock (InstallLock)
        {
            if (!_installChecked)
            {
                _installChecked = true;
                var psi = new ProcessStartInfo("bash")
                {
                    RedirectStandardError = true,
                    RedirectStandardOutput = true,
                    UseShellExecute = false,
                };
                psi.ArgumentList.Add(ScriptPath);
                psi.ArgumentList.Add("install");
                using var process = Process.Start(psi)!;
                var stdout = process.StandardOutput.ReadToEndAsync();
                var stderr = process.StandardError.ReadToEnd();
                process.WaitForExit();
                if (process.ExitCode != 0)
                {
                    _installError = "The real test servers are missing and could not be installed.\n" + stderr + stdout.Result;
                }
            }

            if (_installError is not null)
            {
                throw new InvalidOperationException(_installError);
            }
        }
    }

    /// <summary>
    /// A loopback port that nothing listens on, reserved against the other test processes of this machine until
    /// <see cref="ReleasePort"/> or this process's exit. The kernel picks a free port; between that and a server
    /// binding it another test assembly (they run side by side) could be handed the same one, so each port is also
    /// claimed by creating a file named after it (an atomic create) in a directory all test processes share, and a
    /// port already claimed is skipped.
    /// </summary>
    public static int FreePort()
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            int port;
            using (var listener = new TcpListener(IPAddress.Loopback, 0))
            {
                listener.Start();
                port = ((IPEndPoint)listener.LocalEndpoint).Port;
            }

            if (TryReserve(port))
            {
                return port;
            }
        }

        throw new InvalidOperationException($"No free loopback port could be reserved in {PortReservations}.");
    }

    /// <summary>Gives back a port from <see cref="FreePort"/> (a server on it has stopped).</summary>
    public static void ReleasePort(int port)
    {
        lock (Reserved)
        {
            if (!Reserved.Remove(port))
            {
                return;
            }
        }

        TryDelete(ReservationPath(port));
    }

    /// <summary>Where the ports are claimed: one empty file per port, named after it.</summary>
    public static string PortReservations { get; } = Path.Combine(Path.GetTempPath(), "ftptools-test-ports");

    private static readonly System.Collections.Generic.HashSet<int> Reserved = new();
    private static bool _reservationsReady;

    private static string ReservationPath(int port) => Path.Combine(PortReservations, port.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Claims <paramref name="port"/> for this process; false when another test process (or this one) holds it.</summary>
    internal static bool TryReserve(int port)
    {
        lock (Reserved)
        {
            if (!_reservationsReady)
            {
                _reservationsReady = true;
                Directory.CreateDirectory(PortReservations);

                // A test process that was killed leaves its claims behind; a day later nothing can still use them.
                foreach (var stale in Directory.EnumerateFiles(PortReservations))
                {
                    if (File.GetLastWriteTimeUtc(stale) < DateTime.UtcNow.AddDays(-1))
                    {
                        TryDelete(stale);
                    }
                }

                AppDomain.CurrentDomain.ProcessExit += (_, _) =>
                {
                    int[] held;
                    lock (Reserved)
                    {
                        held = new int[Reserved.Count];
                        Reserved.CopyTo(held);
                    }

                    foreach (var claimed in held)
                    {
                        ReleasePort(claimed);
                    }
                };
            }

            try
            {
                new FileStream(ReservationPath(port), FileMode.CreateNew, FileAccess.Write).Dispose();
            }
            catch (IOException)
            {
                return false;
            }

            Reserved.Add(port);
            return true;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>A fresh directory for one server instance, removed by the fixture.</summary>
    public static string NewWorkDirectory(string kind)
    {
        var path = Path.Combine(Path.GetTempPath(), $"ftptools-{kind}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>Makes a file or directory the test user's, so the server (running as that user) can change it.</summary>
    public static void GiveToTestUser(string path)
    {
        using var process = Process.Start("chown", new[] { "-R", $"{UserName}:{UserName}", path })!;
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"chown {path} failed (the tests run as root to prepare server-side files).");
        }
    }

    public static void DeleteDirectory(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static string FindRepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "FtpTools.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Cannot find the repository root (FtpTools.sln) above " + AppContext.BaseDirectory);
    }
}
