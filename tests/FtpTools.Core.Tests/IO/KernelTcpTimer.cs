using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Text.RegularExpressions;
using Xunit;

namespace FtpTools.Core.Tests.IO;

/// <summary>
/// The kernel's own view of one TCP connection (Linux, /proc/net/tcp and tcp6): which timer is pending on it and when
/// it fires. An idle connection with SO_KEEPALIVE has the keep-alive timer (2) pending, due when its idle time is up;
/// one without has none (0).
/// </summary>
internal static class KernelTcpTimer
{
    public const int None = 0;
    public const int KeepAlive = 2;

    /// <summary>USER_HZ: /proc reports timers in clock ticks of 1/100 s.</summary>
    private const double TicksPerSecond = 100;

    /// <summary>The connection the protocol log names in its "Connected to R from L." line.</summary>
    public static (int Timer, double Seconds) FromLog(RecordingLog log)
    {
        var line = log.Lines.FirstOrDefault(l => l.StartsWith("* Connected to ", StringComparison.Ordinal))
            ?? throw new InvalidOperationException("The protocol log has no 'Connected to' line:\n" + log);
        var match = Regex.Match(line, @"^\* Connected to (?<remote>\S+) from (?<local>\S+)\.$");
        Assert.True(match.Success, line);
        return Of(IPEndPoint.Parse(match.Groups["local"].Value), IPEndPoint.Parse(match.Groups["remote"].Value));
    }

    /// <summary>The pending timer of the connection from <paramref name="local"/> to <paramref name="remote"/>, and the seconds until it fires.</summary>
    public static (int Timer, double Seconds) Of(IPEndPoint local, IPEndPoint remote)
    {
        Assert.True(OperatingSystem.IsLinux(), "The kernel's TCP timers are read from /proc/net/tcp, which only Linux has.");
        var table = local.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "/proc/net/tcp6" : "/proc/net/tcp";
        var wantLocal = Hex(local);
        var wantRemote = Hex(remote);

        // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
        foreach (var row in File.ReadLines(table).Skip(1))
        {
            var fields = row.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields[1] == wantLocal && fields[2] == wantRemote)
            {
                var timer = fields[5].Split(':');
                return (int.Parse(timer[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                    long.Parse(timer[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture) / TicksPerSecond);
            }
        }

        throw new InvalidOperationException($"No connection from {local} to {remote} in {table}.");
    }

    /// <summary>An endpoint as /proc prints it: the address in network byte order read as host-order 32-bit words, then the port.</summary>
    private static string Hex(IPEndPoint endPoint)
    {
        var bytes = endPoint.Address.GetAddressBytes();
        var words = Enumerable.Range(0, bytes.Length / 4)
            .Select(i => BitConverter.ToUInt32(bytes, i * 4).ToString("X8", CultureInfo.InvariantCulture));
        return string.Concat(words) + ":" + endPoint.Port.ToString("X4", CultureInfo.InvariantCulture);
    }
}
