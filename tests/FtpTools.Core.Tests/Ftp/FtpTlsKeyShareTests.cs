using System;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Ftp;
using FtpTools.Core.Tests.Servers;
using Xunit;
using Xunit.Abstractions;

namespace FtpTools.Core.Tests.Ftp;

/// <summary>
/// vsftpd and Pure-FTPd take only P-256 for a TLS 1.3 key exchange, while OpenSSL's clients send an X25519 key share
/// first: each handshake then needs a HelloRetryRequest and a second ClientHello. On Linux, FtpTools remembers the
/// server's group (TlsKeyShareMemory), so the handshakes after it send one ClientHello. The ClientHellos are counted on
/// the wire, by a relay between the session and the server's control port; the files read back compare by SHA-256.
/// </summary>
public abstract class FtpTlsKeyShareTests : FtpSessionTestBase
{
    protected FtpTlsKeyShareTests(FtpServerFixture server, ITestOutputHelper output)
        : base(server, output)
    {
    }

    protected override RemoteProtocol Protocol => RemoteProtocol.Ftpes;

    [Fact]
    public async Task After_the_server_asked_for_another_key_share_once_later_handshakes_send_one_ClientHello()
    {
        Assert.True(OperatingSystem.IsLinux(), "runs where SslStream is OpenSSL (Linux)");
        var dir = Server.NewTestDirectory();
        var data = RandomBytes(10_000);
        var local = Local("/" + dir, "f.bin");
        await File.WriteAllBytesAsync(local, data, Token);
        TestServers.GiveToTestUser(local);
        var tls = new TlsOptions { ExtraCaFile = Server.CaCertificatePath, Protocols = TlsOptions.ProtocolsFor(new[] { TlsVersion.Tls13 }) };

        // Other tests of this process may have taught it the group already, and a handshake that ends while another
        // FtpTools handshake is under way teaches nothing; so sessions are opened one after another until a control
        // handshake goes through in one ClientHello. Without the memory every one of them needs two.
        var counts = new System.Collections.Generic.List<int>();
        for (var attempt = 0; attempt < 6 && (counts.Count == 0 || counts[^1] != 1); attempt++)
        {
            using var relay = new ClientHelloCountingRelay(new IPEndPoint(IPAddress.Loopback, ControlPort));
            var lines = Log.Lines.Count;
            await using (var session = await RemoteSessionFactory.ConnectAsync(Options(tls: tls, port: relay.Port), Token))
            {
                Assert.Equal("TLS 1.3", session.Info.TlsProtocol);
                Assert.Equal(Sha256(data), Sha256(await DownloadAsync(session, "/" + dir + "/f.bin")));
            }

            counts.Add(relay.ClientHellos);
            var taught = Log.Lines.Skip(lines).Where(l => l.Contains("key exchange group", StringComparison.Ordinal)).ToList();
            if (relay.ClientHellos == 2 && taught.Count > 0)
            {
                Assert.Equal(
                    "* The server chose the TLS key exchange group P-256 after a retry (HelloRetryRequest); later TLS handshakes in this process offer P-256 first.",
                    taught[0]);
            }
        }

        Assert.True(TlsKeyShareMemory.Available, "the key share memory is off in this process: no libssl mapped, or SslStream has no _securityContext field on this .NET");
        Assert.True(counts.All(c => c is 1 or 2), "ClientHellos per control handshake: " + string.Join(", ", counts));
        Assert.Equal(1, counts[^1]);

        // The data connections of a session that starts with the group known need no retry either: nothing more to learn.
        var before = Log.Lines.Count;
        await using (var session = await RemoteSessionFactory.ConnectAsync(Options(tls: tls), Token))
        {
            for (var i = 0; i < 3; i++)
            {
                Assert.Equal(Sha256(data), Sha256(await DownloadAsync(session, "/" + dir + "/f.bin")));
            }
        }

        Assert.Equal(3, Log.Lines.Skip(before).Count(l => l == "* Data connection secured: TLS 1.3."));
        Assert.DoesNotContain(Log.Lines.Skip(before), l => l.Contains("key exchange group", StringComparison.Ordinal));
    }

    /// <summary>
    /// A one-connection TCP relay to the server's control port that counts the TLS handshake records starting with a
    /// ClientHello (record type 22, handshake type 1) the client sends after "AUTH TLS".
    /// </summary>
    private sealed class ClientHelloCountingRelay : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private int _clientHellos;

        public ClientHelloCountingRelay(IPEndPoint server)
        {
            _listener.Start();
            _ = Task.Run(() => RunAsync(server));
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public int ClientHellos => Volatile.Read(ref _clientHellos);

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            _stop.Dispose();
        }

        private async Task RunAsync(IPEndPoint server)
        {
            try
            {
                using var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                using var upstream = new TcpClient();
                await upstream.ConnectAsync(server, _stop.Token);
                var toServer = CopyAsync(client.GetStream(), upstream.GetStream(), count: true);
                var toClient = CopyAsync(upstream.GetStream(), client.GetStream(), count: false);
                await Task.WhenAny(toServer, toClient);
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The session or the test ended the relay.
            }
        }

        private async Task CopyAsync(NetworkStream from, NetworkStream to, bool count)
        {
            var buffer = new byte[64 * 1024];
            var seen = new MemoryStream();
            var parsed = -1; // where the next TLS record starts in what the client sent; -1 until "AUTH TLS\r\n"
            int read;
            while ((read = await from.ReadAsync(buffer, _stop.Token)) > 0)
            {
                if (count)
                {
                    seen.Write(buffer, 0, read);
                    parsed = CountRecords(seen.GetBuffer().AsSpan(0, (int)seen.Length), parsed);
                }

                await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
            }

            to.Socket.Shutdown(SocketShutdown.Send);
        }

        private int CountRecords(ReadOnlySpan<byte> sent, int next)
        {
            if (next < 0)
            {
                var auth = System.Text.Encoding.ASCII.GetString(sent).IndexOf("AUTH TLS\r\n", StringComparison.Ordinal);
                if (auth < 0)
                {
                    return -1;
                }

                next = auth + "AUTH TLS\r\n".Length;
            }

            while (next + 5 <= sent.Length)
            {
                var length = (sent[next + 3] << 8) | sent[next + 4];
                if (next + 5 + length > sent.Length)
                {
                    break;
                }

                if (sent[next] == 22 && length > 0 && sent[next + 5] == 1)
                {
                    Interlocked.Increment(ref _clientHellos);
                }

                next += 5 + length;
            }

            return next;
        }
    }
}

[Collection("vsftpd")]
public sealed class VsftpdTlsKeyShareTests : FtpTlsKeyShareTests
{
    public VsftpdTlsKeyShareTests(VsftpdFixture server, ITestOutputHelper output)
        : base(server, output)
    {
    }
}

[Collection("pure-ftpd")]
public sealed class PureFtpdTlsKeyShareTests : FtpTlsKeyShareTests
{
    public PureFtpdTlsKeyShareTests(PureFtpdFixture server, ITestOutputHelper output)
        : base(server, output)
    {
    }
}
