using System;
using System.IO;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;
using FtpTools.Core.Ftp;
using Xunit;
using Xunit.Abstractions;

namespace FtpTools.Core.Tests.Ftp;

/// <summary>
/// FTPES where a data connection presents another certificate than the control connection did (a hijacked passive
/// port, or a misconfigured server): the transfer fails with the trust failure and that certificate's thumbprint,
/// the server's reply to the failed handshake is read, and the next command gets its own answer. Also the order of a
/// passive data connection's handshake and the transfer command's replies, which real servers do not vary.
/// </summary>
public sealed class FtpDataTlsTrustTests : IDisposable
{
    private static readonly byte[] Good = RandomNumberGenerator.GetBytes(300_000);

    private readonly ITestOutputHelper _output;
    private readonly RecordingLog _log = new();
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(60));
    private readonly X509Certificate2 _server = FakeFtpServer.SelfSignedCertificate("CN=fake control");
    private readonly X509Certificate2 _stranger = FakeFtpServer.SelfSignedCertificate("CN=fake stranger");
    private TcpListener? _data;

    public FtpDataTlsTrustTests(ITestOutputHelper output)
    {
        _output = output;
    }

    private CancellationToken Token => _timeout.Token;

    public void Dispose()
    {
        _output.WriteLine(_log.ToString());
        _data?.Stop();
        _timeout.Dispose();
        _server.Dispose();
        _stranger.Dispose();
    }

    [Fact]
    public async Task A_data_connection_with_another_certificate_fails_as_untrusted_and_the_session_stays_in_step()
    {
        await using var server = FakeFtpServer.Start(async (connection, command) =>
        {
            switch (command)
            {
                case "AUTH TLS":
                    await connection.SendAsync("234 Proceed with negotiation.\r\n");
                    await connection.StartTlsAsync(_server);
                    return true;
                case "EPSV":
                    _data?.Stop();
                    _data = connection.ListenForData();
                    await connection.SendAsync($"229 Entering Extended Passive Mode (|||{((IPEndPoint)_data.LocalEndpoint).Port}|)\r\n");
                    return true;
                case "RETR /hijacked.bin":
                    await connection.SendAsync("150 Opening BINARY mode data connection.\r\n");
                    await ServeDataAsync(_stranger, Good);
                    await connection.SendAsync("425 Failed to establish connection.\r\n");
                    return true;
                case "RETR /good.bin":
                    await connection.SendAsync("150 Opening BINARY mode data connection.\r\n");
                    await ServeDataAsync(_server, Good);
                    await connection.SendAsync("226 Transfer complete.\r\n");
                    return true;
                default:
                    return false;
            }
        });
        await using var session = await RemoteSessionFactory.ConnectAsync(Options(server), Token);

        var ex = await Assert.ThrowsAsync<TrustFailureException>(() => ReadAllAsync(session, "/hijacked.bin"));

        Assert.Equal(TrustFailureReason.UntrustedChain, ex.Reason);
        Assert.Equal(FtpCertificateValidator.Sha256Thumbprint(_stranger), ex.Fingerprint);
        Assert.StartsWith("The data connection for RETR /hijacked.bin was closed: The server's TLS certificate is not trusted: its chain does not end in a trusted root", ex.Message, StringComparison.Ordinal);
        Assert.Contains("SHA-256 thumbprint: " + ex.Fingerprint, ex.Message, StringComparison.Ordinal);
        Assert.EndsWith("The server then said: 425 Failed to establish connection.", ex.Message, StringComparison.Ordinal);
        Assert.True(session.IsConnected);

        // In step: EPSV gets its own 229, not the 425 owed by the failed transfer.
        Assert.Equal(Convert.ToHexString(SHA256.HashData(Good)), Convert.ToHexString(SHA256.HashData(await ReadAllAsync(session, "/good.bin"))));
    }

    [Fact]
    public async Task The_data_handshake_does_not_wait_for_the_1yz_reply()
    {
        // A server that secures the data connection before it answers RETR: a client that waited for the 150 before
        // its ClientHello would wait for ever (until its timeout) here.
        await using var server = FakeFtpServer.Start(async (connection, command) =>
        {
            switch (command)
            {
                case "AUTH TLS":
                    await connection.SendAsync("234 Proceed with negotiation.\r\n");
                    await connection.StartTlsAsync(_server);
                    return true;
                case "EPSV":
                    _data?.Stop();
                    _data = connection.ListenForData();
                    await connection.SendAsync($"229 Entering Extended Passive Mode (|||{((IPEndPoint)_data.LocalEndpoint).Port}|)\r\n");
                    return true;
                case "RETR /tls-first.bin":
                    using (var client = await _data!.AcceptTcpClientAsync(Token))
                    await using (var ssl = new SslStream(client.GetStream(), leaveInnerStreamOpen: false))
                    {
                        await ssl.AuthenticateAsServerAsync(_server).WaitAsync(TimeSpan.FromSeconds(5), Token);
                        await connection.SendAsync("150 Opening BINARY mode data connection.\r\n");
                        await ssl.WriteAsync(Good, Token);
                        await ssl.ShutdownAsync();
                        client.Client.Shutdown(SocketShutdown.Send);
                    }

                    await connection.SendAsync("226 Transfer complete.\r\n");
                    return true;
                default:
                    return false;
            }
        });
        await using var session = await RemoteSessionFactory.ConnectAsync(Options(server), Token);

        var read = await ReadAllAsync(session, "/tls-first.bin").WaitAsync(TimeSpan.FromSeconds(8), Token);

        Assert.Equal(Convert.ToHexString(SHA256.HashData(Good)), Convert.ToHexString(SHA256.HashData(read)));
    }

    [Fact]
    public async Task A_refused_transfer_ends_the_handshake_it_started_and_the_session_stays_in_step()
    {
        var refused = 0;
        await using var server = FakeFtpServer.Start(async (connection, command) =>
        {
            switch (command)
            {
                case "AUTH TLS":
                    await connection.SendAsync("234 Proceed with negotiation.\r\n");
                    await connection.StartTlsAsync(_server);
                    return true;
                case "EPSV":
                    _data?.Stop();
                    _data = connection.ListenForData();
                    await connection.SendAsync($"229 Entering Extended Passive Mode (|||{((IPEndPoint)_data.LocalEndpoint).Port}|)\r\n");
                    return true;
                case "RETR /missing.bin":
                    // Refused without ever turning to the data connection (whose ClientHello is waiting).
                    refused++;
                    await connection.SendAsync("550 Failed to open file.\r\n");
                    return true;
                case "RETR /stranger-first.bin":
                    // Secures the data connection with another certificate before answering, then gives up on it.
                    await ServeDataAsync(_stranger, Good);
                    await connection.SendAsync("425 Failed to establish connection.\r\n");
                    return true;
                case "RETR /good.bin":
                    await connection.SendAsync("150 Opening BINARY mode data connection.\r\n");
                    await ServeDataAsync(_server, Good);
                    await connection.SendAsync("226 Transfer complete.\r\n");
                    return true;
                default:
                    return false;
            }
        });
        await using var session = await RemoteSessionFactory.ConnectAsync(Options(server), Token);

        var missing = await Assert.ThrowsAsync<CommandRefusedException>(() => ReadAllAsync(session, "/missing.bin"));
        Assert.Equal(RemoteErrorKind.NotFound, missing.Kind);
        Assert.Contains("550 Failed to open file.", missing.Message, StringComparison.Ordinal);
        Assert.Equal(1, refused);

        // The certificate, not the 425, is what the caller learns when the server judged the handshake first.
        var untrusted = await Assert.ThrowsAsync<TrustFailureException>(() => ReadAllAsync(session, "/stranger-first.bin"));
        Assert.Equal(FtpCertificateValidator.Sha256Thumbprint(_stranger), untrusted.Fingerprint);
        Assert.EndsWith("The server then said: 425 Failed to establish connection.", untrusted.Message, StringComparison.Ordinal);

        // The next refusal is the command's own, not the earlier certificate's.
        var again = await Assert.ThrowsAsync<CommandRefusedException>(() => ReadAllAsync(session, "/missing.bin"));
        Assert.Equal(RemoteErrorKind.NotFound, again.Kind);
        Assert.Equal(2, refused);

        Assert.True(session.IsConnected);
        Assert.Equal(Convert.ToHexString(SHA256.HashData(Good)), Convert.ToHexString(SHA256.HashData(await ReadAllAsync(session, "/good.bin"))));
    }

    /// <summary>
    /// Accepts the data connection and serves <paramref name="content"/> over TLS. A client that refuses the
    /// certificate ends it with an alert; with TLS 1.3 the server may learn that only when it writes.
    /// </summary>
    private async Task ServeDataAsync(X509Certificate2 certificate, byte[] content)
    {
        using var client = await _data!.AcceptTcpClientAsync(Token);
        _data.Stop();
        _data = null;
        await using var ssl = new SslStream(client.GetStream(), leaveInnerStreamOpen: false);
        try
        {
            await ssl.AuthenticateAsServerAsync(certificate);
            await ssl.WriteAsync(content, Token);
            await ssl.ShutdownAsync();
            client.Client.Shutdown(SocketShutdown.Send);
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException)
        {
            _output.WriteLine($"fake server: the data connection ended: {ex.Message}");
        }
    }

    private async Task<byte[]> ReadAllAsync(IRemoteSession session, string path)
    {
        await using var stream = await session.OpenReadAsync(path, 0, Token);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy, Token);
        await stream.CompleteAsync(Token);
        return copy.ToArray();
    }


    private ConnectionOptions Options(FakeFtpServer server) => new()
    {
        Protocol = RemoteProtocol.Ftpes,
        Host = "127.0.0.1",
        Port = server.Port,
        Credential = new NetworkCredential("user", "secret"),
        OperationTimeout = TimeSpan.FromSeconds(10),
        ConnectTimeout = TimeSpan.FromSeconds(15),
        Tls = new TlsOptions { PinnedThumbprints = new[] { FtpCertificateValidator.Sha256Thumbprint(_server) } },
        Log = _log,
    };
}
