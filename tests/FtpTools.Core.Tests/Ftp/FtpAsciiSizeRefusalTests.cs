using System;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace FtpTools.Core.Tests.Ftp;

/// <summary>
/// RFC 3659 §4 lets a server refuse SIZE in ASCII mode (ProFTPD does; it has MLST, so a server without MLST is played
/// here): a file that is there must not be taken for missing, or an upload would replace it unasked. MDTM, which the
/// type does not touch, says when there is nothing; the listing says what is there.
/// </summary>
public sealed class FtpAsciiSizeRefusalTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task In_ascii_mode_a_file_whose_SIZE_is_refused_is_found_in_its_directorys_listing_and_MDTM_saves_that_for_a_missing_one(bool mdtm)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        TcpListener? data = null;
        await using var server = FakeFtpServer.Start(
            async (connection, command) =>
            {
                switch (command.Split(' ')[0])
                {
                    case "SIZE":
                        await connection.SendAsync("550 SIZE not allowed in ASCII mode\r\n");
                        return true;
                    case "MDTM" when mdtm:
                        await connection.SendAsync(command == "MDTM /there.txt" ? "213 20240101120000\r\n" : "550 No such file\r\n");
                        return true;
                    case "CWD" when command != "CWD /":
                        await connection.SendAsync("550 Not a directory\r\n");
                        return true;
                    case "EPSV":
                        data?.Stop();
                        data = connection.ListenForData();
                        await connection.SendAsync($"229 Entering Extended Passive Mode (|||{((IPEndPoint)data.LocalEndpoint).Port}|)\r\n");
                        return true;
                    case "LIST":
                        await connection.SendAsync("150 Here comes the directory listing.\r\n");
                        using (var client = await data!.AcceptTcpClientAsync(timeout.Token))
                        {
                            await client.GetStream().WriteAsync(Encoding.ASCII.GetBytes("-rw-r--r--    1 ftp      ftp            12 Jan 01  2024 there.txt\r\n"), timeout.Token);
                        }

                        await connection.SendAsync("226 Directory send OK.\r\n");
                        return true;
                    default:
                        return false;
                }
            },
            features: mdtm ? " EPSV\r\n SIZE\r\n MDTM\r\n" : " EPSV\r\n SIZE\r\n");
        await using var session = await RemoteSessionFactory.ConnectAsync(
            new ConnectionOptions
            {
                Protocol = RemoteProtocol.Ftp,
                Host = "127.0.0.1",
                Port = server.Port,
                Credential = new NetworkCredential("user", "secret"),
                Ftp = new FtpOptions { AsciiMode = true },
            },
            timeout.Token);

        var there = await session.GetItemAsync("/there.txt", timeout.Token);
        var missing = await session.GetItemAsync("/missing.txt", timeout.Token);

        Assert.Equal(RemoteItemKind.File, there!.Kind);
        Assert.Null(missing);
        var received = server.Received.ToString().Split('\n');
        Assert.Contains("TYPE A", received);
        Assert.Contains("SIZE /there.txt", received);
        Assert.Equal(12, there.Length);

        // MDTM's 550 says a name is missing without a listing; what is there is the listing's to describe (a
        // directory CWD refuses may answer MDTM too).
        Assert.Equal(mdtm ? 1 : 2, received.Count(l => l.StartsWith("LIST", StringComparison.Ordinal)));
    }
}
