using System;
using System.IO;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading.Tasks;
using Xunit;

namespace FtpTools.Core.Tests.Servers;

/// <summary>
/// Proves each fixture starts a real, reachable server that accepts the test account: a raw control-connection
/// login, a TLS handshake against the test CA, an SSH banner. The session-core tests build on these servers.
/// </summary>
internal static class RawFtp
{
    public static async Task<(TcpClient Client, StreamReader Reader, Stream Stream)> ConnectAsync(string host, int port)
    {
        var client = new TcpClient();
        await client.ConnectAsync(host, port);
        client.ReceiveTimeout = 10000;
        var stream = client.GetStream();
        return (client, new StreamReader(stream, Encoding.ASCII), stream);
    }

    /// <summary>Reads one reply (RFC 959 §4.2: the last line is "ddd text") and returns its code and last line.</summary>
    public static async Task<(int Code, string Line)> ReadReplyAsync(StreamReader reader)
    {
        while (true)
        {
            var line = await reader.ReadLineAsync() ?? throw new EndOfStreamException("server closed the connection");
            if (line.Length >= 4 && char.IsDigit(line[0]) && line[3] == ' ')
            {
                return (int.Parse(line.AsSpan(0, 3), provider: System.Globalization.CultureInfo.InvariantCulture), line);
            }
        }
    }

    public static async Task<(int Code, string Line)> CommandAsync(Stream stream, StreamReader reader, string command)
    {
        var bytes = Encoding.ASCII.GetBytes(command + "\r\n");
        await stream.WriteAsync(bytes);
        return await ReadReplyAsync(reader);
    }

    public static bool ValidateWithCa(X509Certificate? certificate, X509Chain? chain, string caPath)
    {
        using var ca = X509Certificate2.CreateFromPem(File.ReadAllText(caPath));
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.Add(ca);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return certificate is not null && custom.Build(new X509Certificate2(certificate));
    }
}

public abstract class FtpServerSmokeTests
{
    private readonly FtpServerFixture _server;

    protected FtpServerSmokeTests(FtpServerFixture server)
    {
        _server = server;
    }

    [Fact]
    public async Task Test_account_logs_in_over_plain_control_connection()
    {
        var (client, reader, stream) = await RawFtp.ConnectAsync(_server.Host, _server.Port);
        using (client)
        {
            Assert.Equal(220, (await RawFtp.ReadReplyAsync(reader)).Code);
            Assert.Equal(331, (await RawFtp.CommandAsync(stream, reader, "USER " + _server.UserName)).Code);
            Assert.Equal(230, (await RawFtp.CommandAsync(stream, reader, "PASS " + _server.Password)).Code);
            var pwd = await RawFtp.CommandAsync(stream, reader, "PWD");
            Assert.Equal(257, pwd.Code);
            Assert.Contains("\"/\"", pwd.Line, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Wrong_password_is_refused_with_530()
    {
        var (client, reader, stream) = await RawFtp.ConnectAsync(_server.Host, _server.Port);
        using (client)
        {
            await RawFtp.ReadReplyAsync(reader);
            await RawFtp.CommandAsync(stream, reader, "USER " + _server.UserName);
            Assert.Equal(530, (await RawFtp.CommandAsync(stream, reader, "PASS wrong-password")).Code);
        }
    }

    [Fact]
    public async Task Auth_tls_handshake_validates_against_the_test_ca()
    {
        var (client, reader, stream) = await RawFtp.ConnectAsync(_server.Host, _server.Port);
        using (client)
        {
            await RawFtp.ReadReplyAsync(reader);
            Assert.Equal(234, (await RawFtp.CommandAsync(stream, reader, "AUTH TLS")).Code);
            var caPath = _server.CaCertificatePath;
            using var tls = new SslStream(stream, leaveInnerStreamOpen: true, (_, cert, chain, _) => RawFtp.ValidateWithCa(cert, chain, caPath));
            await tls.AuthenticateAsClientAsync("localhost");
            Assert.True(tls.IsAuthenticated);
            using var tlsReader = new StreamReader(tls, Encoding.ASCII);
            Assert.Equal(331, (await RawFtp.CommandAsync(tls, tlsReader, "USER " + _server.UserName)).Code);
            Assert.Equal(230, (await RawFtp.CommandAsync(tls, tlsReader, "PASS " + _server.Password)).Code);
        }
    }
}

[Collection("vsftpd")]
public sealed class VsftpdSmokeTests : FtpServerSmokeTests
{
    private readonly VsftpdFixture _server;

    public VsftpdSmokeTests(VsftpdFixture server)
        : base(server)
    {
        _server = server;
    }

    [Fact]
    public async Task Implicit_tls_port_greets_after_handshake()
    {
        using var client = new TcpClient();
        await client.ConnectAsync(_server.Host, _server.ImplicitTlsPort);
        var caPath = _server.CaCertificatePath;
        using var tls = new SslStream(client.GetStream(), false, (_, cert, chain, _) => RawFtp.ValidateWithCa(cert, chain, caPath));
        await tls.AuthenticateAsClientAsync("localhost");
        using var reader = new StreamReader(tls, Encoding.ASCII);
        Assert.Equal(220, (await RawFtp.ReadReplyAsync(reader)).Code);
    }
}

[Collection("proftpd")]
public sealed class ProftpdSmokeTests : FtpServerSmokeTests
{
    public ProftpdSmokeTests(ProftpdFixture server)
        : base(server)
    {
    }
}

[Collection("pure-ftpd")]
public sealed class PureFtpdSmokeTests : FtpServerSmokeTests
{
    public PureFtpdSmokeTests(PureFtpdFixture server)
        : base(server)
    {
    }
}

[Collection("sshd")]
public sealed class SshdSmokeTests
{
    private readonly SshdFixture _server;

    public SshdSmokeTests(SshdFixture server)
    {
        _server = server;
    }

    [Fact]
    public async Task Sshd_sends_an_openssh_banner_and_has_three_host_keys()
    {
        using var client = new TcpClient();
        await client.ConnectAsync(_server.Host, _server.Port);
        using var reader = new StreamReader(client.GetStream(), Encoding.ASCII);
        var banner = await reader.ReadLineAsync();
        Assert.StartsWith("SSH-2.0-OpenSSH_", banner, StringComparison.Ordinal);
        Assert.Equal(3, _server.HostKeyFingerprints.Count);
        Assert.All(_server.HostKeyFingerprints, fp => Assert.StartsWith("SHA256:", fp, StringComparison.Ordinal));
    }
}
