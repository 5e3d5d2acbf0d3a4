using System;
using System.IO;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace FtpTools.Core.Tests.Ftp;

/// <summary>
/// A scripted FTP peer on loopback for replies no real server sends: it greets, answers the login
/// commands with ordinary replies, and hands every other command to the test's script.
/// </summary>
internal sealed class FakeFtpServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly Func<FakeFtpConnection, string, Task<bool>> _script;
    private readonly string _greeting;
    private readonly string _features;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _serving;

    private FakeFtpServer(IPAddress address, string greeting, string features, Func<FakeFtpConnection, string, Task<bool>> script)
    {
        _listener = new TcpListener(address, 0);
        _listener.Start();
        _greeting = greeting;
        _features = features;
        _script = script;
        _serving = ServeAsync();
    }

    public IPAddress Address => ((IPEndPoint)_listener.LocalEndpoint).Address;

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Raw text of everything the client sent, one command per line.</summary>
    public StringBuilder Received { get; } = new();

    /// <param name="script">Gets each command after login; returns false to get the default answer (502).</param>
    /// <param name="greeting">Raw bytes of the greeting, line ends included.</param>
    /// <param name="features">FEAT lines (each starting with a space, CRLF-terminated).</param>
    /// <param name="address">Loopback address to listen on; 127.0.0.1 unless given.</param>
    public static FakeFtpServer Start(Func<FakeFtpConnection, string, Task<bool>> script, string greeting = "220 fake ready\r\n", string features = " EPSV\r\n PASV\r\n", IPAddress? address = null) =>
        new(address ?? IPAddress.Loopback, greeting, features, script);

    /// <summary>A self-signed ECDSA certificate, valid from yesterday to tomorrow, that can serve TLS.</summary>
    public static X509Certificate2 SelfSignedCertificate(string subject)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));

        // A certificate with an ephemeral key cannot serve TLS on every platform; a round trip through PKCS#12 can.
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        try
        {
            await _serving;
        }
        catch (Exception ex) when (ex is SocketException or IOException or ObjectDisposedException or OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private async Task ServeAsync()
    {
        using var client = await _listener.AcceptTcpClientAsync(_stop.Token);
        var connection = new FakeFtpConnection(client.GetStream(), Address);
        await connection.SendAsync(_greeting);
        while (!_stop.IsCancellationRequested)
        {
            var line = await connection.ReadLineAsync(_stop.Token);
            if (line is null)
            {
                return;
            }

            lock (Received)
            {
                Received.Append(line).Append('\n');
            }

            if (await _script(connection, line))
            {
                continue;
            }

            var verb = line.Split(' ')[0].ToUpperInvariant();
            var answer = verb switch
            {
                "USER" => "331 password please\r\n",
                "PASS" => "230 logged in\r\n",
                "SYST" => "215 UNIX Type: L8\r\n",
                "FEAT" => "211-Features:\r\n" + _features + "211 End\r\n",
                "OPTS" or "TYPE" or "NOOP" or "PBSZ" or "PROT" => "200 ok\r\n",
                "PWD" => "257 \"/\" is current\r\n",
                "CWD" => "250 ok\r\n",
                "QUIT" => "221 bye\r\n",
                _ => "502 not implemented\r\n",
            };
            await connection.SendAsync(answer);
            if (verb == "QUIT")
            {
                return;
            }
        }
    }
}

/// <summary>The control connection as the fake server sees it, plus helpers to open data connections.</summary>
internal sealed class FakeFtpConnection
{
    private readonly Socket _socket;
    private readonly IPAddress _address;
    private readonly byte[] _one = new byte[1];
    private Stream _stream;

    public FakeFtpConnection(NetworkStream stream, IPAddress address)
    {
        _stream = stream;
        _socket = stream.Socket;
        _address = address;
    }

    /// <summary>The server's side of the TLS handshake after its 234 reply to AUTH TLS (RFC 4217 §4).</summary>
    /// <param name="certificate">The server's certificate.</param>
    /// <param name="protocols">The versions the server speaks; None lets the system choose.</param>
    public async Task StartTlsAsync(X509Certificate2 certificate, SslProtocols protocols = SslProtocols.None)
    {
        var ssl = new SslStream(_stream, leaveInnerStreamOpen: false);
        await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = certificate, EnabledSslProtocols = protocols });
        _stream = ssl;
    }

    public Task SendAsync(string raw) => _stream.WriteAsync(Encoding.UTF8.GetBytes(raw)).AsTask();

    /// <summary>
    /// Bytes the client has sent that the server has not read yet (plain connections: lines are read a byte at a
    /// time, so after a command line this is what the client sent behind it without waiting for the answer).
    /// </summary>
    public int UnreadBytes => _socket.Available;

    public async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        var bytes = new MemoryStream();
        while (true)
        {
            if (await _stream.ReadAsync(_one, cancellationToken) == 0)
            {
                return null;
            }

            if (_one[0] == (byte)'\n')
            {
                return Encoding.UTF8.GetString(bytes.ToArray()).TrimEnd('\r');
            }

            bytes.WriteByte(_one[0]);
        }
    }

    /// <summary>Ends the control connection from the server's side, as a crashed server would.</summary>
    public void Close() => _socket.Shutdown(SocketShutdown.Both);

    /// <summary>A listener for one passive data connection on the control connection's address family.</summary>
    public TcpListener ListenForData()
    {
        var listener = new TcpListener(_address, 0);
        listener.Start(1);
        return listener;
    }

    /// <summary>Accepts the client's data connection, writes <paramref name="content"/>, closes it.</summary>
    public static async Task SendDataAsync(TcpListener listener, string content)
    {
        using var data = await listener.AcceptTcpClientAsync();
        await data.GetStream().WriteAsync(Encoding.UTF8.GetBytes(content));
        data.Client.Shutdown(SocketShutdown.Send);
        listener.Stop();
    }

    /// <summary>
    /// Accepts the client's data connection and writes <paramref name="content"/> in pieces of 1 to
    /// <paramref name="maxPiece"/> bytes, each sent on its own (no Nagle) and followed by a short pause, so that the
    /// client reads it in many small parts; then closes it.
    /// </summary>
    public static async Task SendDataInPiecesAsync(TcpListener listener, byte[] content, int maxPiece, int seed)
    {
        using var data = await listener.AcceptTcpClientAsync();
        data.NoDelay = true;
        var random = new Random(seed);
        var stream = data.GetStream();
        for (var sent = 0; sent < content.Length;)
        {
            var piece = Math.Min(content.Length - sent, random.Next(1, maxPiece + 1));
            await stream.WriteAsync(content.AsMemory(sent, piece));
            sent += piece;
            await Task.Delay(1);
        }

        data.Client.Shutdown(SocketShutdown.Send);
        listener.Stop();
    }
}
