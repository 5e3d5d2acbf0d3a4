using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;

namespace FtpTools.Core.Tests.Servers;

/// <summary>
/// Ends the server's side of this test process's connections to a real server at once, as a crash, a restart or an
/// administrator's kill would: every process that holds the server's end of one of them gets SIGKILL. The connections
/// are found in the kernel's tables (/proc/net/tcp and tcp6: the server's end has the server's port as its own and
/// one of this process's ports as its peer), their holders by their open sockets (/proc/PID/fd). Linux, as root (the
/// servers run as root before they drop privileges), like the server fixtures themselves.
/// </summary>
internal static class ServerSideKill
{
    private const string Established = "01";

    /// <summary>Kills the server processes of this process's connections to <paramref name="serverPort"/>; returns how many.</summary>
    public static int KillServersOf(int serverPort)
    {
        var table = Connections("/proc/net/tcp").Concat(Connections("/proc/net/tcp6")).ToList();
        var own = SocketsOf(Environment.ProcessId);
        var ourPorts = table.Where(c => c.RemotePort == serverPort && own.Contains(c.Inode)).Select(c => c.LocalPort).ToHashSet();
        var serverEnds = table.Where(c => c.LocalPort == serverPort && ourPorts.Contains(c.RemotePort) && c.Inode != 0).Select(c => c.Inode).ToHashSet();
        if (serverEnds.Count == 0)
        {
            throw new InvalidOperationException($"This process has no open connection to port {serverPort} whose server end could be found.");
        }

        var killed = 0;
        foreach (var pid in Processes())
        {
            if (pid != Environment.ProcessId && SocketsOf(pid).Overlaps(serverEnds))
            {
                try
                {
                    using var process = Process.GetProcessById(pid);
                    process.Kill();
                    killed++;
                }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException or Win32Exception)
                {
                    // Gone already.
                }
            }
        }

        if (killed == 0)
        {
            throw new InvalidOperationException($"No process holds the server end of this process's connections to port {serverPort}.");
        }

        return killed;
    }

    private static IEnumerable<int> Processes() =>
        Directory.EnumerateDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : 0)
            .Where(pid => pid > 0);

    /// <summary>The inodes of a process's sockets (empty when it is gone or not readable).</summary>
    private static HashSet<long> SocketsOf(int pid)
    {
        var inodes = new HashSet<long>();
        try
        {
            foreach (var fd in Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd"))
            {
                var target = new FileInfo(fd).LinkTarget;
                if (target is not null && target.StartsWith("socket:[", StringComparison.Ordinal) && long.TryParse(target.AsSpan(8, target.Length - 9), NumberStyles.None, CultureInfo.InvariantCulture, out var inode))
                {
                    inodes.Add(inode);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The process ended while it was looked at, or is not ours to read.
        }

        return inodes;
    }

    /// <summary>The established connections of one of the kernel's tables: "sl local rem st ... inode", addresses as HEXIP:HEXPORT.</summary>
    private static IEnumerable<(int LocalPort, int RemotePort, long Inode)> Connections(string table)
    {
        if (!File.Exists(table))
        {
            yield break;
        }

        foreach (var line in File.ReadLines(table).Skip(1))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length > 9 && fields[3] == Established)
            {
                yield return (Port(fields[1]), Port(fields[2]), long.Parse(fields[9], NumberStyles.None, CultureInfo.InvariantCulture));
            }
        }
    }

    private static int Port(string address) =>
        int.Parse(address.AsSpan(address.LastIndexOf(':') + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
}
