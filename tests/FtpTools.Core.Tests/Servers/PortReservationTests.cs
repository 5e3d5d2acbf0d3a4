using System;
using System.IO;
using System.Net;
using System.Net.Sockets;
using Xunit;

namespace FtpTools.Core.Tests.Servers;

/// <summary>
/// The fixtures' ports are claimed across test processes (two test assemblies start servers at the same time), so
/// that no two servers, and no "closed port" test, are handed the same one.
/// </summary>
public class PortReservationTests
{
    [Fact]
    public void A_free_port_is_claimed_until_it_is_released()
    {
        var port = TestServers.FreePort();
        var claim = Path.Combine(TestServers.PortReservations, port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        try
        {
            Assert.True(File.Exists(claim), $"no claim at {claim}");
            Assert.False(TestServers.TryReserve(port), "a claimed port was claimed again");

            using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            var refused = Assert.Throws<SocketException>(() => client.Connect(IPAddress.Loopback, port));
            Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        }
        finally
        {
            TestServers.ReleasePort(port);
        }

        Assert.False(File.Exists(claim), "the claim outlived its release");
    }

    [Fact]
    public void A_port_another_process_claimed_is_not_claimed_again()
    {
        var port = TestServers.FreePort();
        TestServers.ReleasePort(port);

        // What another test process leaves while its server runs: the file named after the port.
        var claim = Path.Combine(TestServers.PortReservations, port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        File.WriteAllText(claim, string.Empty);
        try
        {
            Assert.False(TestServers.TryReserve(port));
        }
        finally
        {
            File.Delete(claim);
        }

        Assert.True(TestServers.TryReserve(port), "a port was refused after its claim was gone");
        TestServers.ReleasePort(port);
    }
}
