using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;
using FtpTools.Core.IO;
using Xunit;
using ProtocolViolationException = FtpTools.Core.Errors.ProtocolViolationException;

namespace FtpTools.Core.Tests.IO;

/// <summary>
/// The proxy handshakes against a scripted fake proxy on 127.0.0.1: what is sent byte for byte, and what broken or
/// hostile answers do. The real proxies (dante, tinyproxy) are exercised by the server tests.
/// </summary>
public sealed class ProxyTunnelTests
{
    /// <summary>No test waits longer than this for anything.</summary>
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The handshake's own deadline where a test does not test the deadline.</summary>
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(5);

    private const string Target = "files.example.com";
    private const int TargetPort = 2121;
    private const string TargetRequestHex = "050100031166696c65732e6578616d706c652e636f6d0849";
    private const string User = "zo\u00eb";
    private const string Password = "s3cret!";

    private static readonly byte[] Banner = Encoding.ASCII.GetBytes("220 hello\r\n");
    private static readonly byte[] Quit = Encoding.ASCII.GetBytes("QUIT\r\n");

    public enum Mode
    {
        Async,
        Blocking,
        Inline,
    }

    // ---- SOCKS5: what is sent ----

    [Theory]
    [InlineData(Target, TargetPort, TargetRequestHex)]
    [InlineData("127.0.0.1", 21, "050100017f0000010015")]
    [InlineData("::1", 22, "05010004000000000000000000000000000000010016")]
    [InlineData("b\u00fccher.example", 65535, "0501000315786e2d2d62636865722d6b76612e6578616d706c65ffff")]
    public async Task Socks5_without_credentials_offers_no_authentication_and_asks_for_a_name_an_IPv4_or_an_IPv6_address(string host, int port, string requestHex)
    {
        using var proxy = new FakeProxy();
        var expected = Convert.FromHexString(requestHex);
        byte[]? greeting = null, request = null;
        var script = proxy.Run(async peer =>
        {
            greeting = await peer.ReadAsync(3);
            await peer.WriteAsync(5, 0);
            request = await peer.ReadAsync(expected.Length);
            await peer.WriteAsync(Socks5Reply(0));
            await peer.ExpectClosedAsync();
        });

        using (await SucceedAsync(script, ProxyTunnel.ConnectAsync(proxy.Options(), host, port, HandshakeTimeout, CancellationToken.None)))
        {
        }

        await script.WaitAsync(TestTimeout);
        Assert.Equal(new byte[] { 5, 1, 0 }, greeting);
        Assert.Equal(expected, request);
    }

    [Theory]
    [InlineData(1, Mode.Async)]
    [InlineData(3, Mode.Async)]
    [InlineData(4, Mode.Async)]
    [InlineData(1, Mode.Blocking)]
    [InlineData(3, Mode.Blocking)]
    [InlineData(4, Mode.Blocking)]
    [InlineData(1, Mode.Inline)]
    [InlineData(3, Mode.Inline)]
    [InlineData(4, Mode.Inline)]
    public async Task The_bound_address_of_each_type_is_read_whole_and_the_servers_bytes_after_it_are_left_on_the_socket(byte addressType, Mode mode)
    {
        using var proxy = new FakeProxy();
        byte[]? afterHandshake = null;
        var script = proxy.Run(async peer =>
        {
            await peer.ReadAsync(3);
            await peer.WriteAsync(5, 0);
            await peer.ReadAsync(TargetRequestHex.Length / 2);

            // The reply and the server's first bytes in one write, as a proxy that relays at once may send them.
            await peer.WriteAsync(Concat(Socks5Reply(0, addressType), Banner));
            afterHandshake = await peer.ReadAsync(Quit.Length);
            await peer.ExpectClosedAsync();
        });
        var log = new RecordingLog();

        using (var socket = await SucceedAsync(script, Connect(proxy.Options(), mode, log: log)))
        {
            Assert.Equal(Banner, ReceiveExactly(socket, Banner.Length));
            socket.Send(Quit);
        }

        await script.WaitAsync(TestTimeout);
        Assert.Equal(Quit, afterHandshake);
        Assert.Equal(new[] { $"* Connected to {Target}:{TargetPort} through the proxy socks5://127.0.0.1:{proxy.Port} (127.0.0.1:{proxy.Port})." }, log.Lines);
    }

    [Theory]
    [InlineData(Mode.Async)]
    [InlineData(Mode.Blocking)]
    [InlineData(Mode.Inline)]
    public async Task Socks5_with_credentials_offers_both_methods_and_logs_in_as_RFC_1929_says_when_the_proxy_asks(Mode mode)
    {
        using var proxy = new FakeProxy();
        byte[]? greeting = null, login = null, request = null;
        var script = proxy.Run(async peer =>
        {
            greeting = await peer.ReadAsync(4);
            await peer.WriteAsync(5, 2);
            login = await peer.ReadAsync(14);
            await peer.WriteAsync(1, 0);
            request = await peer.ReadAsync(TargetRequestHex.Length / 2);
            await peer.WriteAsync(Concat(Socks5Reply(0), Banner));
            await peer.ExpectClosedAsync();
        });

        using (var socket = await SucceedAsync(script, Connect(proxy.Options(credential: new NetworkCredential(User, Password)), mode)))
        {
            Assert.Equal(Banner, ReceiveExactly(socket, Banner.Length));
        }

        await script.WaitAsync(TestTimeout);
        Assert.Equal(new byte[] { 5, 2, 0, 2 }, greeting);

        // VER 1, ULEN, UNAME in UTF-8, PLEN, PASSWD.
        Assert.Equal(Convert.FromHexString("01047a6fc3ab0773336372657421"), login);
        Assert.Equal(Convert.FromHexString(TargetRequestHex), request);
    }

    [Fact]
    public async Task Socks5_sends_no_credentials_when_the_proxy_picks_no_authentication()
    {
        using var proxy = new FakeProxy();
        byte[]? request = null;
        var script = proxy.Run(async peer =>
        {
            await peer.ReadAsync(4);
            await peer.WriteAsync(5, 0);
            request = await peer.ReadAsync(TargetRequestHex.Length / 2);
            await peer.WriteAsync(Socks5Reply(0));
            await peer.ExpectClosedAsync();
        });

        using (await SucceedAsync(script, Connect(proxy.Options(credential: new NetworkCredential(User, Password)))))
        {
        }

        await script.WaitAsync(TestTimeout);
        Assert.Equal(Convert.FromHexString(TargetRequestHex), request);
    }

    [Fact]
    public async Task A_host_name_longer_than_255_bytes_is_refused_before_the_proxy_is_connected_to()
    {
        using var proxy = new FakeProxy();
        var host = string.Join(".", Enumerable.Repeat(new string('a', 63), 4)) + ".example";

        var error = await Assert.ThrowsAsync<ConnectFailedException>(() => Connect(proxy.Options(), host: host, port: 21));

        Assert.Equal($"The host name '{host}' is longer than a SOCKS5 proxy takes (255 bytes).", error.Message);
        Assert.False(proxy.WasConnectedTo);
    }

    // Only names with other than ASCII characters go through IDNA (an ASCII name goes to the proxy as it is, for the
    // proxy's resolver to judge).
    [Theory]
    [InlineData("b\u00fccher..example")]
    [InlineData("b\u00fccher-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example")]
    public async Task A_host_name_that_IDNA_refuses_is_a_connect_failure_before_the_proxy_is_connected_to(string host)
    {
        using var proxy = new FakeProxy();

        var error = await Assert.ThrowsAsync<ConnectFailedException>(() => Connect(proxy.Options(), host: host, port: 21));

        Assert.Equal($"The host name '{host}' is not a valid international domain name, so it cannot be sent to a proxy.", error.Message);
        Assert.IsAssignableFrom<ArgumentException>(error.InnerException);
        Assert.False(proxy.WasConnectedTo);
    }

    [Fact]
    public async Task An_HTTP_proxy_takes_a_host_name_that_SOCKS5_could_not_carry_as_it_is()
    {
        var host = string.Join(".", Enumerable.Repeat(new string('a', 63), 4)) + ".example";
        using var proxy = new FakeProxy();
        string? request = null;
        var script = proxy.Run(async peer =>
        {
            request = await peer.ReadHttpRequestAsync();
            await peer.WriteAsync("HTTP/1.1 200 OK\r\n\r\n");
            await peer.ExpectClosedAsync();
        });

        using (await SucceedAsync(script, Connect(proxy.Options(ProxyKind.Http), host: host, port: 21)))
        {
        }

        await script.WaitAsync(TestTimeout);
        Assert.Equal($"CONNECT {host}:21 HTTP/1.1\r\nHost: {host}:21\r\n\r\n", request);
    }

    // ---- SOCKS5: refusals and broken answers ----

    [Fact]
    public async Task A_refused_SOCKS5_login_names_the_user_and_never_the_password()
    {
        using var proxy = new FakeProxy();
        var script = proxy.Run(async peer =>
        {
            await peer.ReadAsync(4);
            await peer.WriteAsync(5, 2);
            await peer.ReadAsync(14);
            await peer.WriteAsync(1, 1);
            await peer.ExpectClosedAsync();
        });

        var error = await Assert.ThrowsAsync<AuthenticationFailedException>(() => Connect(proxy.Options(credential: new NetworkCredential(User, Password))));

        Assert.Equal($"The SOCKS5 proxy socks5://127.0.0.1:{proxy.Port} refused the user name '{User}' and its password (status 1).", error.Message);
        Assert.DoesNotContain(Password, error.ToString(), StringComparison.Ordinal);
        await script.WaitAsync(TestTimeout);
    }

    [Fact]
    public async Task A_login_answer_of_another_version_is_a_protocol_violation()
    {
        using var proxy = new FakeProxy();
        var script = proxy.Run(async peer =>
        {
            await peer.ReadAsync(4);
            await peer.WriteAsync(5, 2);
            await peer.ReadAsync(14);
            await peer.WriteAsync(5, 0);
            await peer.ExpectClosedAsync();
        });

        var error = await Assert.ThrowsAsync<ProtocolViolationException>(() => Connect(proxy.Options(credential: new NetworkCredential(User, Password))));

        Assert.Equal($"The SOCKS5 proxy socks5://127.0.0.1:{proxy.Port} answered the login with version 5; RFC 1929 says 1.", error.Message);
        await script.WaitAsync(TestTimeout);
    }

    [Theory]
    [InlineData(false, "requires authentication; give its user name and password with -ProxyCredential.")]
    [InlineData(true, "accepts none of the authentication methods FtpTools offers (none, user name and password).")]
    public async Task No_acceptable_method_is_an_authentication_failure(bool withCredential, string reason)
    {
        using var proxy = new FakeProxy();
        var script = proxy.Run(async peer =>
        {
            await peer.ReadAsync(withCredential ? 4 : 3);
            await peer.WriteAsync(5, 0xFF);
            await peer.ExpectClosedAsync();
        });
        var options = proxy.Options(credential: withCredential ? new NetworkCredential(User, Password) : null);

        var error = await Assert.ThrowsAsync<AuthenticationFailedException>(() => Connect(options));

        Assert.Equal($"The SOCKS5 proxy socks5://127.0.0.1:{proxy.Port} {reason}", error.Message);
        await script.WaitAsync(TestTimeout);
    }

    [Theory]
    [InlineData(false, 2)]
    [InlineData(false, 1)]
    [InlineData(true, 1)]
    [InlineData(true, 0x80)]
    public async Task A_method_that_was_not_offered_is_a_protocol_violation(bool withCredential, byte method)
    {
        using var proxy = new FakeProxy();
        var script = proxy.Run(async peer =>
        {
            await peer.ReadAsync(withCredential ? 4 : 3);
            await peer.WriteAsync(5, method);
            await peer.ExpectClosedAsync();
        });
        var options = proxy.Options(credential: withCredential ? new NetworkCredential(User, Password) : null);

        var error = await Assert.ThrowsAsync<ProtocolViolationException>(() => Connect(options));

        Assert.Equal($"The SOCKS5 proxy socks5://127.0.0.1:{proxy.Port} chose authentication method {method}, which was not offered.", error.Message);
        await script.WaitAsync(TestTimeout);
    }

    [Theory]
    [InlineData(false, 4)]
    [InlineData(false, 0)]
    [InlineData(true, 4)]
    public async Task A_reply_of_another_SOCKS_version_is_a_protocol_violation(bool inConnectReply, byte version)
    {
        using var proxy = new FakeProxy();
        var script = proxy.Run(async peer =>
        {
            await peer.ReadAsync(3);
            if (inConnectReply)
            {
                await peer.WriteAsync(5, 0);
                await peer.ReadAsync(TargetRequestHex.Length / 2);
                await peer.WriteAsync(version, 0x5A, 0, 1, 127, 0, 0, 1, 0, 21);
            }
            else
            {
                await peer.WriteAsync(version, 0);
            }

            await peer.ExpectClosedAsync();
        });

        var error = await Assert.ThrowsAsync<ProtocolViolationException>(() => Connect(proxy.Options()));

        Assert.Equal($"The proxy socks5://127.0.0.1:{proxy.Port} is not a SOCKS5 proxy: it answered with version {version}.", error.Message);
        await script.WaitAsync(TestTimeout);
    }

    [Fact]
    public async Task An_HTTP_server_answering_the_greeting_is_recognised_and_http_is_suggested()
    {
        using var proxy = new FakeProxy();
        var script = proxy.Run(async peer =>
        {
            await peer.ReadAsync(3);
            await peer.WriteAsync("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            await peer.ExpectClosedAsync();
        });

        var error = await Assert.ThrowsAsync<ProtocolViolationException>(() => Connect(proxy.Options()));

        Assert.Equal(
            $"The proxy socks5://127.0.0.1:{proxy.Port} answered as an HTTP server, not a SOCKS5 proxy; for an HTTP proxy write http://127.0.0.1:{proxy.Port}.",
            error.Message);
        await script.WaitAsync(TestTimeout);
    }

    [Theory]
    [InlineData(1, "general SOCKS server failure")]
    [InlineData(2, "connection not allowed by its rules")]
    [InlineData(3, "network unreachable")]
    [InlineData(4, "host unreachable")]
    [InlineData(5, "connection refused")]
    [InlineData(6, "TTL expired")]
    [InlineData(7, "command not supported")]
    [InlineData(8, "address type not supported")]
    [InlineData(9, "an unassigned reply code")]
    [InlineData(0xFF, "an unassigned reply code")]
    public async Task A_CONNECT_failure_is_a_lost_connection_that_names_the_target_and_the_reason(byte reply, string reason)
    {
        using var proxy = new FakeProxy();
        var script = proxy.Run(async peer =>
        {
            await peer.ReadAsync(3);
            await peer.WriteAsync(5, 0);
            await peer.ReadAsync(TargetRequestHex.Length / 2);
            await peer.WriteAsync(Socks5Reply(reply));
            await peer.ExpectClosedAsync();
        });

        var error = await Assert.ThrowsAsync<ConnectionLostException>(() => Connect(proxy.Options()));

        Assert.Equal($"The SOCKS5 proxy socks5://127.0.0.1:{proxy.Port} could not connect to {Target}:{TargetPort}: {reason} (reply {reply}).", error.Message);
        await script.WaitAsync(TestTimeout);
    }

    [Fact]
    public async Task A_refusal_is_the_answer_whatever_address_type_follows_it()
    {
        using var proxy = new FakeProxy();
        var script = proxy.Run(async peer =>
        {
            await peer.ReadAsync(3);
            await peer.WriteAsync(5, 0);
            await peer.ReadAsync(TargetRequestHex.Length / 2);
            await peer.WriteAsync(5, 5, 0, 0);
            await peer.ExpectClosedAsync();
        });

        var error = await Assert.ThrowsAsync<ConnectionLostException>(() => Connect(proxy.Options()));

        Assert.Equal($"The SOCKS5 proxy socks5://127.0.0.1:{proxy.Port} could not connect to {Target}:{TargetPort}: connection refused (reply 5).", error.Message);
        await script.WaitAsync(TestTimeout);
    }

    [Theory]
    [InlineData(256, 8)]
    [InlineData(8, 256)]
    [InlineData(0, 8)]
    public async Task A_SOCKS5_login_too_long_for_RFC_1929_is_refused_before_the_proxy_is_connected_to(int userLength, int passwordLength)
    {
        using var proxy = new FakeProxy();
        var credential = new NetworkCredential(new string('u', userLength), new string('p', passwordLength));

        var error = await Assert.ThrowsAsync<ArgumentException>(() => Connect(proxy.Options(credential: credential)));

        Assert.StartsWith(userLength is 0 or > 255 ? "A SOCKS5 proxy's user name must be 1 to 255 bytes in UTF-8." : "A SOCKS5 proxy's password must be 1 to 255 bytes in UTF-8.", error.Message, StringComparison.Ordinal);
        Assert.False(proxy.WasConnectedTo);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(5)]
    public async Task An_undefined_address_type_in_the_CONNECT_reply_is_a_protocol_violation(byte addressType)
    {
        using var proxy = new FakeProxy();
        var script = proxy.Run(async peer =>
        {
            await peer.ReadAsync(3);
            await peer.WriteAsync(5, 0);
            await peer.ReadAsync(TargetRequestHex.Length / 2);
            await peer.WriteAsync(5, 0, 0, addressType, 127, 0, 0, 1, 0, 21);
            await peer.ExpectClosedAsync();
        });

        var error = await Assert.ThrowsAsync<ProtocolViolationException>(() => Connect(proxy.Options()));

        Assert.Equal($"The SOCKS5 proxy socks5://127.0.0.1:{proxy.Port} answered CONNECT with address type {addressType}, which RFC 1928 does not define.", error.Message);
        await script.WaitAsync(TestTimeout);
    }

    [Theory]
    [InlineData(ProxyKind.Socks5, "")]
    [InlineData(ProxyKind.Socks5, "05")]
    [InlineData(ProxyKind.Socks5, "0500")]
    [InlineData(ProxyKind.Socks5, "050005000001")]
    [InlineData(ProxyKind.Socks5, "05000500000311616263")]
    [InlineData(ProxyKind.Http, "")]
    [InlineData(ProxyKind.Http, "485454502f312e3120323030204f4b0d0a")]
    public async Task A_proxy_that_closes_in_the_middle_of_its_handshake_is_a_lost_connection(ProxyKind kind, string answerHex)
    {
        // The answer so far, for SOCKS5 the method choice and part of the CONNECT reply ("abc" of a name of 17 bytes),
        // for HTTP "HTTP/1.1 200 OK\r\n" and no blank line.
        var answer = Convert.FromHexString(answerHex);
        using var proxy = new FakeProxy();
        var script = proxy.Run(async peer =>
        {
            if (kind == ProxyKind.Http)
            {
                await peer.ReadHttpRequestAsync();
                await peer.WriteAsync(answer);
            }
            else
            {
                await peer.ReadAsync(3);
                await peer.WriteAsync(answer.Take(2).ToArray());
                if (answer.Length >= 2)
                {
                    await peer.ReadAsync(TargetRequestHex.Length / 2);
                    await peer.WriteAsync(answer.Skip(2).ToArray());
                }
            }

            peer.Close();
        });

        var error = await Assert.ThrowsAsync<ConnectionLostException>(() => Connect(proxy.Options(kind)));

        Assert.Equal($"The proxy {proxy.Options(kind)} closed the connection in the middle of its handshake.", error.Message);
        await script.WaitAsync(TestTimeout);
    }

    // ---- Deadline, cancellation, no proxy ----

    [Theory]
    [InlineData(ProxyKind.Socks5, Mode.Async)]
    [InlineData(ProxyKind.Socks5, Mode.Blocking)]
    [InlineData(ProxyKind.Socks5, Mode.Inline)]
    [InlineData(ProxyKind.Http, Mode.Async)]
    public async Task A_proxy_that_never_answers_runs_into_the_deadline_and_the_socket_is_closed(ProxyKind kind, Mode mode)
    {
        using var proxy = new FakeProxy();
        var script = proxy.Run(async peer =>
        {
            if (kind == ProxyKind.Http)
            {
                await peer.ReadHttpRequestAsync();
            }
            else
            {
                await peer.ReadAsync(3);
            }

            await peer.ExpectClosedAsync();
        });
        var watch = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<ConnectionLostException>(() => Connect(proxy.Options(kind), mode, TimeSpan.FromSeconds(1)));

        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(5));
        Assert.Equal($"The proxy {proxy.Options(kind)} did not open the connection to {Target}:{TargetPort} within 1 s.", error.Message);
        await script.WaitAsync(TestTimeout);
    }

    [Theory]
    [InlineData(Mode.Async)]
    [InlineData(Mode.Blocking)]
    [InlineData(Mode.Inline)]
    public async Task Cancelling_the_handshake_throws_OperationCanceledException_and_closes_the_socket(Mode mode)
    {
        using var proxy = new FakeProxy();
        using var greeted = new SemaphoreSlim(0);
        var script = proxy.Run(async peer =>
        {
            await peer.ReadAsync(3);
            greeted.Release();
            await peer.ExpectClosedAsync();
        });
        using var cancellation = new CancellationTokenSource();
        var connecting = Connect(proxy.Options(), mode, HandshakeTimeout, cancellation.Token);
        Assert.True(await greeted.WaitAsync(TestTimeout));
        var watch = Stopwatch.StartNew();

        cancellation.Cancel();
        var error = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => connecting);

        Assert.Equal(cancellation.Token, error.CancellationToken);
        Assert.InRange(watch.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(3));
        await script.WaitAsync(TestTimeout);
    }

    [Fact]
    public async Task A_proxy_that_cannot_be_reached_is_a_lost_connection_that_names_it()
    {
        int port;
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }

        var options = new ProxyOptions { Host = "127.0.0.1", Port = port };
        var error = await Assert.ThrowsAsync<ConnectionLostException>(() => Connect(options));

        Assert.StartsWith($"Could not connect to the proxy socks5://127.0.0.1:{port}: ", error.Message, StringComparison.Ordinal);
    }

    // ---- HTTP CONNECT ----

    [Theory]
    [InlineData(Target, TargetPort, "\r\n", Mode.Async)]
    [InlineData(Target, TargetPort, "\n", Mode.Async)]
    [InlineData("::1", 22, "\r\n", Mode.Blocking)]
    [InlineData("10.1.2.3", 990, "\n", Mode.Inline)]
    [InlineData(Target, TargetPort, "\r\n", Mode.Inline)]
    [InlineData("b\u00fccher.example", 21, "\r\n", Mode.Async)]
    public async Task Http_CONNECT_asks_for_host_and_port_and_the_bytes_after_the_header_are_left_on_the_socket(string host, int port, string lineEnd, Mode mode)
    {
        using var proxy = new FakeProxy();
        string? request = null;
        byte[]? afterHandshake = null;
        var script = proxy.Run(async peer =>
        {
            request = await peer.ReadHttpRequestAsync();
            await peer.WriteAsync(Concat(
                Encoding.ASCII.GetBytes($"HTTP/1.1 200 Connection established{lineEnd}Proxy-Agent: fake/1.0{lineEnd}Via: 1.1 fake{lineEnd}{lineEnd}"),
                Banner));
            afterHandshake = await peer.ReadAsync(Quit.Length);
            await peer.ExpectClosedAsync();
        });

        using (var socket = await SucceedAsync(script, Connect(proxy.Options(ProxyKind.Http), mode, host: host, port: port)))
        {
            Assert.Equal(Banner, ReceiveExactly(socket, Banner.Length));
            socket.Send(Quit);
        }

        await script.WaitAsync(TestTimeout);
        // An international name in its IDNA form, as DNS (and the SOCKS5 request) has it.
        var target = host == "::1" ? "[::1]" : host == "b\u00fccher.example" ? "xn--bcher-kva.example" : host;
        Assert.Equal($"CONNECT {target}:{port} HTTP/1.1\r\nHost: {target}:{port}\r\n\r\n", request);
        Assert.Equal(Quit, afterHandshake);
    }

    [Theory]
    [InlineData("HTTP/1.0 200 OK")]
    [InlineData("HTTP/1.1 200")]
    [InlineData("HTTP/1.1 204 No Content")]
    public async Task Any_2xx_status_opens_the_tunnel(string statusLine)
    {
        using var proxy = new FakeProxy();
        var script = proxy.Run(async peer =>
        {
            await peer.ReadHttpRequestAsync();
            await peer.WriteAsync(Concat(Encoding.ASCII.GetBytes(statusLine + "\r\n\r\n"), Banner));
            await peer.ExpectClosedAsync();
        });

        using (var socket = await SucceedAsync(script, Connect(proxy.Options(ProxyKind.Http))))
        {
            Assert.Equal(Banner, ReceiveExactly(socket, Banner.Length));
        }

        await script.WaitAsync(TestTimeout);
    }

    [Fact]
    public async Task Http_CONNECT_with_credentials_sends_them_as_Basic_in_UTF8()
    {
        using var proxy = new FakeProxy();
        string? request = null;
        var script = proxy.Run(async peer =>
        {
            request = await peer.ReadHttpRequestAsync();
            await peer.WriteAsync("HTTP/1.1 200 Connection established\r\n\r\n");
            await peer.ExpectClosedAsync();
        });

        using (await SucceedAsync(script, Connect(proxy.Options(ProxyKind.Http, new NetworkCredential(User, Password)))))
        {
        }

        await script.WaitAsync(TestTimeout);

        // base64("zoë:s3cret!") with ë in UTF-8.
        Assert.Equal($"CONNECT {Target}:{TargetPort} HTTP/1.1\r\nHost: {Target}:{TargetPort}\r\nProxy-Authorization: Basic em/DqzpzM2NyZXQh\r\n\r\n", request);
    }

    [Theory]
    [InlineData("Proxy-Authenticate: Basic realm=\"fake\"\r\n")]
    [InlineData("")]
    [InlineData("Proxy-Authenticate: NTLM\r\nProxy-Authenticate: Basic realm=\"fake\"\r\n")]
    [InlineData("Proxy-Authenticate: Negotiate, Basic realm=\"fake\"\r\n")]
    public async Task Http_407_without_credentials_asks_for_ProxyCredential(string challenges)
    {
        using var proxy = new FakeProxy();
        var script = proxy.Run(async peer =>
        {
            await peer.ReadHttpRequestAsync();
            await peer.WriteAsync($"HTTP/1.1 407 Proxy Authentication Required\r\n{challenges}Content-Length: 0\r\n\r\n");
            await peer.ExpectClosedAsync();
        });

        var error = await Assert.ThrowsAsync<AuthenticationFailedException>(() => Connect(proxy.Options(ProxyKind.Http)));

        Assert.Equal(
            $"The HTTP proxy http://127.0.0.1:{proxy.Port} requires authentication (407 Proxy Authentication Required); give its user name and password with -ProxyCredential.",
            error.Message);
        await script.WaitAsync(TestTimeout);
    }

    [Fact]
    public async Task Http_407_with_credentials_names_the_user_and_never_the_password()
    {
        using var proxy = new FakeProxy();
        var script = proxy.Run(async peer =>
        {
            await peer.ReadHttpRequestAsync();
            await peer.WriteAsync("HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"fake\"\r\n\r\n");
            await peer.ExpectClosedAsync();
        });

        var error = await Assert.ThrowsAsync<AuthenticationFailedException>(() => Connect(proxy.Options(ProxyKind.Http, new NetworkCredential(User, Password))));

        Assert.Equal(
            $"The HTTP proxy http://127.0.0.1:{proxy.Port} refused the user name '{User}' and its password (407 Proxy Authentication Required).",
            error.Message);
        Assert.DoesNotContain(Password, error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("em/DqzpzM2NyZXQh", error.ToString(), StringComparison.Ordinal);
        await script.WaitAsync(TestTimeout);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Http_407_asking_only_for_NTLM_or_Negotiate_says_that_only_Basic_is_supported(bool withCredential)
    {
        using var proxy = new FakeProxy();
        var script = proxy.Run(async peer =>
        {
            await peer.ReadHttpRequestAsync();
            await peer.WriteAsync("HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: NTLM\r\nproxy-authenticate: Negotiate\r\n\r\n");
            await peer.ExpectClosedAsync();
        });
        var options = proxy.Options(ProxyKind.Http, withCredential ? new NetworkCredential(User, Password) : null);

        var error = await Assert.ThrowsAsync<AuthenticationFailedException>(() => Connect(options));

        Assert.Equal(
            $"The HTTP proxy http://127.0.0.1:{proxy.Port} asks for NTLM, Negotiate authentication (407 Proxy Authentication Required); FtpTools logs in to a proxy with Basic only.",
            error.Message);
        Assert.DoesNotContain(Password, error.ToString(), StringComparison.Ordinal);
        await script.WaitAsync(TestTimeout);
    }

    [Theory]
    [InlineData(false, "WWW-Authenticate: Basic realm=\"fake\"\r\n", "requires authentication (401 Unauthorized); give its user name and password with -ProxyCredential.")]
    [InlineData(true, "WWW-Authenticate: Basic realm=\"fake\"\r\n", "refused the user name 'zo\u00eb' and its password (401 Unauthorized).")]
    [InlineData(true, "", "refused the user name 'zo\u00eb' and its password (401 Unauthorized).")]
    [InlineData(true, "WWW-Authenticate: Negotiate\r\nProxy-Authenticate: Basic\r\n", "asks for Negotiate authentication (401 Unauthorized); FtpTools logs in to a proxy with Basic only.")]
    public async Task Http_401_is_taken_as_the_proxy_refusing_the_login_as_tinyproxy_answers(bool withCredential, string challenges, string reason)
    {
        using var proxy = new FakeProxy();
        var script = proxy.Run(async peer =>
        {
            await peer.ReadHttpRequestAsync();
            await peer.WriteAsync($"HTTP/1.1 401 Unauthorized\r\n{challenges}Content-Length: 0\r\n\r\n");
            await peer.ExpectClosedAsync();
        });
        var options = proxy.Options(ProxyKind.Http, withCredential ? new NetworkCredential(User, Password) : null);

        var error = await Assert.ThrowsAsync<AuthenticationFailedException>(() => Connect(options));

        Assert.Equal($"The HTTP proxy http://127.0.0.1:{proxy.Port} {reason}", error.Message);
        Assert.DoesNotContain(Password, error.ToString(), StringComparison.Ordinal);
        await script.WaitAsync(TestTimeout);
    }

    [Theory]
    [InlineData("HTTP/1.1 403 Forbidden", "403 Forbidden")]
    [InlineData("HTTP/1.1 502 Bad Gateway", "502 Bad Gateway")]
    [InlineData("HTTP/1.0 404 Not Found", "404 Not Found")]
    [InlineData("HTTP/1.1 503", "503")]
    [InlineData("HTTP/1.1 302 Found", "302 Found")]
    public async Task Other_statuses_are_a_lost_connection_with_the_status_and_its_reason(string statusLine, string answer)
    {
        using var proxy = new FakeProxy();
        var script = proxy.Run(async peer =>
        {
            await peer.ReadHttpRequestAsync();
            await peer.WriteAsync(statusLine + "\r\nContent-Type: text/html\r\nContent-Length: 0\r\n\r\n");
            await peer.ExpectClosedAsync();
        });

        var error = await Assert.ThrowsAsync<ConnectionLostException>(() => Connect(proxy.Options(ProxyKind.Http)));

        Assert.Equal($"The HTTP proxy http://127.0.0.1:{proxy.Port} did not connect to {Target}:{TargetPort}: {answer}.", error.Message);
        await script.WaitAsync(TestTimeout);
    }

    [Theory]
    [InlineData("SSH-2.0-OpenSSH_9.6", "SSH-2.0-OpenSSH_9.6")]
    [InlineData("HTTP/1.1 2000 OK", "HTTP/1.1 2000 OK")]
    [InlineData("HTTP/1.1 abc OK", "HTTP/1.1 abc OK")]
    [InlineData("HTTP/1.1 +20 OK", "HTTP/1.1 +20 OK")]
    [InlineData("HTTP/2 200", "HTTP/2 200")]
    [InlineData("HTTP/1.1", "HTTP/1.1")]
    [InlineData("", "")]
    [InlineData("\u001b[31mHTTP/1.1 200 OK\u0007", "?[31mHTTP/1.1 200 OK?")]
    public async Task A_status_line_that_is_not_HTTP_is_a_protocol_violation(string statusLine, string shown)
    {
        using var proxy = new FakeProxy();
        var script = proxy.Run(async peer =>
        {
            await peer.ReadHttpRequestAsync();
            await peer.WriteAsync(statusLine + "\r\n\r\n");
            await peer.ExpectClosedAsync();
        });

        var error = await Assert.ThrowsAsync<ProtocolViolationException>(() => Connect(proxy.Options(ProxyKind.Http)));

        Assert.Equal($"The proxy http://127.0.0.1:{proxy.Port} is not an HTTP proxy: it answered CONNECT with '{shown}'.", error.Message);
        await script.WaitAsync(TestTimeout);
    }

    [Theory]
    [InlineData("Bad\u001b]0;pwned\u0007 Gate\rway\u00e9\u0000", "Bad?]0;pwned? Gate?way??")]
    [InlineData("Forbidden\u001b[2J\u001b[H", "Forbidden?[2J?[H")]
    public async Task Control_characters_in_the_reason_phrase_are_not_echoed(string reason, string shown)
    {
        using var proxy = new FakeProxy();
        var script = proxy.Run(async peer =>
        {
            await peer.ReadHttpRequestAsync();
            await peer.WriteAsync("HTTP/1.1 502 " + reason + "\r\n\r\n");
            await peer.ExpectClosedAsync();
        });

        var error = await Assert.ThrowsAsync<ConnectionLostException>(() => Connect(proxy.Options(ProxyKind.Http)));

        Assert.Equal($"The HTTP proxy http://127.0.0.1:{proxy.Port} did not connect to {Target}:{TargetPort}: 502 {shown}.", error.Message);
        Assert.All(error.Message, c => Assert.InRange(c, ' ', '~'));
        await script.WaitAsync(TestTimeout);
    }

    [Fact]
    public async Task A_long_reason_phrase_is_cut_short()
    {
        using var proxy = new FakeProxy();
        var script = proxy.Run(async peer =>
        {
            await peer.ReadHttpRequestAsync();
            await peer.WriteAsync("HTTP/1.1 502 " + new string('x', 1000) + "\r\n\r\n");
            await peer.ExpectClosedAsync();
        });

        var error = await Assert.ThrowsAsync<ConnectionLostException>(() => Connect(proxy.Options(ProxyKind.Http)));

        Assert.Equal($"The HTTP proxy http://127.0.0.1:{proxy.Port} did not connect to {Target}:{TargetPort}: 502 {new string('x', 116)}....", error.Message);
        await script.WaitAsync(TestTimeout);
    }

    [Fact]
    public async Task A_header_that_fills_the_limit_without_an_end_is_refused_without_reading_a_byte_more()
    {
        // Exactly MaxHttpHeadBytes and then nothing: a reader that wanted one byte more would wait for the deadline.
        var head = Padded("HTTP/1.1 200 OK\r\nX-Pad: ", ProxyTunnel.MaxHttpHeadBytes, "");
        using var proxy = new FakeProxy();
        var script = proxy.Run(async peer =>
        {
            await peer.ReadHttpRequestAsync();
            await peer.WriteAsync(head);
            await peer.ExpectClosedAsync();
        });
        var watch = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<ProtocolViolationException>(() => Connect(proxy.Options(ProxyKind.Http)));

        Assert.InRange(watch.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(3));
        Assert.Equal($"The proxy http://127.0.0.1:{proxy.Port} answered CONNECT with more than 16 KiB and no end of its header.", error.Message);
        await script.WaitAsync(TestTimeout);
    }

    [Fact]
    public async Task A_header_of_exactly_the_limit_with_its_end_is_taken()
    {
        var head = Padded("HTTP/1.1 200 OK\r\nX-Pad: ", ProxyTunnel.MaxHttpHeadBytes, "\r\n\r\n");
        using var proxy = new FakeProxy();
        var script = proxy.Run(async peer =>
        {
            await peer.ReadHttpRequestAsync();
            await peer.WriteAsync(Concat(Encoding.ASCII.GetBytes(head), Banner));
            await peer.ExpectClosedAsync();
        });

        using (var socket = await SucceedAsync(script, Connect(proxy.Options(ProxyKind.Http))))
        {
            Assert.Equal(Banner, ReceiveExactly(socket, Banner.Length));
        }

        await script.WaitAsync(TestTimeout);
    }

    [Fact]
    public async Task An_endless_header_is_refused_and_the_connection_closed()
    {
        using var proxy = new FakeProxy();
        long written = 0;
        var script = proxy.Run(async peer =>
        {
            await peer.ReadHttpRequestAsync();
            await peer.WriteAsync("HTTP/1.1 200 OK\r\n");
            var line = Encoding.ASCII.GetBytes("X-Pad: " + new string('x', 1000) + "\r\n");
            try
            {
                // Until the client closes: then a write fails (the kernel's buffers hold a few MB at most).
                while (written < 256L * 1024 * 1024)
                {
                    await peer.WriteAsync(line);
                    written += line.Length;
                }
            }
            catch (IOException)
            {
                return;
            }

            throw new InvalidOperationException("The client read 256 MB of header and did not close the connection.");
        });

        var error = await Assert.ThrowsAsync<ProtocolViolationException>(() => Connect(proxy.Options(ProxyKind.Http)));

        Assert.Equal($"The proxy http://127.0.0.1:{proxy.Port} answered CONNECT with more than 16 KiB and no end of its header.", error.Message);
        await script.WaitAsync(TestTimeout);
        Assert.True(written > ProxyTunnel.MaxHttpHeadBytes);
    }


    // ---- Helpers ----

    private static Task<Socket> Connect(
        ProxyOptions options,
        Mode mode = Mode.Async,
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default,
        RecordingLog? log = null,
        string host = Target,
        int port = TargetPort) =>
        ProxyTunnel.ConnectAsync(options, host, port, timeout ?? HandshakeTimeout, cancellationToken, mode == Mode.Blocking, mode == Mode.Inline, log)
            .WaitAsync(TestTimeout);

    /// <summary>The tunnel; when the handshake fails because the script did, the script's error, which says more.</summary>
    private static async Task<Socket> SucceedAsync(Task script, Task<Socket> connecting)
    {
        try
        {
            return await connecting.WaitAsync(TestTimeout);
        }
        catch (Exception) when (script.IsFaulted)
        {
            await script;
            throw;
        }
    }

    /// <summary>A SOCKS5 reply with a bound address of the given type (RFC 1928 §6).</summary>
    private static byte[] Socks5Reply(byte reply, byte addressType = 1)
    {
        var address = addressType switch
        {
            1 => new byte[] { 10, 0, 0, 9 },
            3 => Concat(new byte[] { 14 }, Encoding.ASCII.GetBytes("proxy.internal")),
            4 => IPAddress.Parse("2001:db8::9").GetAddressBytes(),
            _ => throw new ArgumentOutOfRangeException(nameof(addressType)),
        };
        return Concat(new byte[] { 5, reply, 0, addressType }, address, new byte[] { 0xC3, 0x51 });
    }

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(part => part).ToArray();

    private static string Padded(string start, int length, string end) =>
        start + new string('x', length - start.Length - end.Length) + end;

    private static byte[] ReceiveExactly(Socket socket, int count)
    {
        socket.ReceiveTimeout = (int)TestTimeout.TotalMilliseconds;
        var buffer = new byte[count];
        var read = 0;
        while (read < count)
        {
            var n = socket.Receive(buffer, read, count - read, SocketFlags.None);
            Assert.True(n > 0, $"The tunnel ended after {read} of {count} bytes.");
            read += n;
        }

        return buffer;
    }

    /// <summary>A proxy on 127.0.0.1 that plays a script on the one connection it accepts.</summary>
    private sealed class FakeProxy : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _timeout = new(TestTimeout);

        public FakeProxy()
        {
            _listener.Start(1);
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        /// <summary>Whether a connection waits to be accepted (the kernel completes a loopback connect without an accept).</summary>
        public bool WasConnectedTo => _listener.Pending();

        public ProxyOptions Options(ProxyKind kind = ProxyKind.Socks5, NetworkCredential? credential = null) =>
            new() { Kind = kind, Host = "127.0.0.1", Port = Port, Credential = credential };

        public Task Run(Func<Peer, Task> script) => Task.Run(async () =>
        {
            var socket = await _listener.AcceptSocketAsync(_timeout.Token);
            using var peer = new Peer(socket, _timeout.Token);
            await script(peer);
        });

        public void Dispose()
        {
            _listener.Stop();
            _timeout.Cancel();
            _timeout.Dispose();
        }
    }

    /// <summary>The fake proxy's end of the connection; every read and write gives up when the test's time is up.</summary>
    private sealed class Peer : IDisposable
    {
        private readonly Socket _socket;
        private readonly NetworkStream _stream;
        private readonly CancellationToken _cancellationToken;

        public Peer(Socket socket, CancellationToken cancellationToken)
        {
            socket.NoDelay = true;
            _socket = socket;
            _stream = new NetworkStream(socket, ownsSocket: true);
            _cancellationToken = cancellationToken;
        }

        public async Task<byte[]> ReadAsync(int count)
        {
            var buffer = new byte[count];
            await _stream.ReadExactlyAsync(buffer, _cancellationToken);
            return buffer;
        }

        /// <summary>Up to and with the blank line that ends an HTTP request's header.</summary>
        public async Task<string> ReadHttpRequestAsync()
        {
            var bytes = new List<byte>();
            var one = new byte[1];
            while (bytes.Count < 4 || !(bytes[^4] == '\r' && bytes[^3] == '\n' && bytes[^2] == '\r' && bytes[^1] == '\n'))
            {
                Assert.True(bytes.Count < 8192, "The CONNECT request has no end.");
                await _stream.ReadExactlyAsync(one, _cancellationToken);
                bytes.Add(one[0]);
            }

            return Encoding.Latin1.GetString(bytes.ToArray());
        }

        public Task WriteAsync(params byte[] bytes) => _stream.WriteAsync(bytes, _cancellationToken).AsTask();

        /// <summary>Writes text a character a byte (ISO-8859-1), control characters and all.</summary>
        public Task WriteAsync(string text) => WriteAsync(Encoding.Latin1.GetBytes(text));

        /// <summary>Waits for the client to close its end, after at most <paramref name="allowed"/> more bytes from it.</summary>
        public async Task ExpectClosedAsync(int allowed = 0)
        {
            var buffer = new byte[4096];
            var total = 0;
            try
            {
                int n;
                while ((n = await _stream.ReadAsync(buffer, _cancellationToken)) > 0)
                {
                    total += n;
                }
            }
            catch (IOException ex) when (ex.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionReset })
            {
                // Closed with bytes of ours unread: a reset.
            }

            Assert.True(total <= allowed, $"The client sent {total} bytes more than expected before it closed.");
        }

        public void Close() => _socket.Shutdown(SocketShutdown.Both);

        public void Dispose() => _stream.Dispose();
    }
}
