using System;
using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;
using FtpTools.Core.Ftp;
using FtpTools.Core.IO;
using Xunit;

namespace FtpTools.Core.Tests.Ftp;

/// <summary>
/// A TLS control connection (FTPES, FTPS) waits for a near server's replies in poll(2) below the TLS layer, as a plain
/// one does above the socket, so that its socket stays out of the runtime's event loop; the deadline and cancellation
/// still end a wait for a reply that does not come.
/// </summary>
public sealed class FtpTlsControlPollTests : IDisposable
{
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(60));
    private readonly X509Certificate2 _certificate = FakeFtpServer.SelfSignedCertificate("CN=fake tls control");

    private CancellationToken Token => _timeout.Token;

    public void Dispose()
    {
        _timeout.Dispose();
        _certificate.Dispose();
    }

    [Fact]
    public async Task Replies_that_are_there_are_read_through_the_poll_under_TLS()
    {
        await using var server = StartServer();
        using var control = await SecuredControlAsync(server, TimeSpan.FromSeconds(30));
        var (quick, late) = (control.QuickReads, control.LateReads);

        for (var i = 0; i < 5; i++)
        {
            await control.SendAsync("NOOP", Token);
            await ReplyArrivedAsync(control);
            Assert.Equal("200 ok", (await control.ReadReplyAsync(Token)).ToString());
        }

        // Each reply was in before the read: each was found by the poll (one wait per TLS record needed: SslStream's
        // zero-byte read), none waited.
        Assert.InRange(control.QuickReads - quick, 5, 10);
        Assert.Equal(late, control.LateReads);
    }

    [Fact]
    public async Task A_far_server_under_TLS_is_backed_off_from_after_four_late_replies_as_a_plain_one_is()
    {
        await using var server = StartServer();
        using var control = await SecuredControlAsync(server, TimeSpan.FromSeconds(30));
        await control.SendAsync("NOOP", Token);
        await ReplyArrivedAsync(control);
        Assert.Equal("200 ok", (await control.ReadReplyAsync(Token)).ToString());
        var late = control.LateReads;

        for (var i = 0; i < ShortPoll.MissesBeforeBackOff + 2; i++)
        {
            await control.SendAsync("SLOW", Token);
            Assert.Equal("200 slow but sure", (await control.ReadReplyAsync(Token)).ToString());
        }

        // One wait per reply: four late ones in a row make the server far, and the next replies are not waited for.
        Assert.Equal(ShortPoll.MissesBeforeBackOff, control.LateReads - late);
    }

    [Fact]
    public async Task A_late_reply_under_TLS_is_still_read()
    {
        await using var server = StartServer();
        using var control = await SecuredControlAsync(server, TimeSpan.FromSeconds(30));
        var late = control.LateReads;

        await control.SendAsync("SLOW", Token);

        Assert.Equal("200 slow but sure", (await control.ReadReplyAsync(Token)).ToString());
        Assert.True(control.LateReads > late);
    }

    [Fact]
    public async Task A_near_server_that_stops_answering_under_TLS_is_given_up_at_the_operation_timeout()
    {
        await using var server = StartServer();
        using var control = await SecuredControlAsync(server, TimeSpan.FromSeconds(1));

        // Near: the last reply found by the poll. On a loaded machine the handshake's replies can come late enough
        // to back the poll off for its next reads (CI, once); NOOPs, each read once it is in, until one is found.
        var quick = control.QuickReads;
        for (var i = 0; i <= ShortPoll.BackOffReads && control.QuickReads == quick; i++)
        {
            await control.SendAsync("NOOP", Token);
            await ReplyArrivedAsync(control);
            Assert.Equal("200 ok", (await control.ReadReplyAsync(Token)).ToString());
        }

        Assert.True(control.QuickReads > quick, "No reply was found by the poll.");
        var late = control.LateReads;
        await control.SendAsync("HANG", Token);
        var watch = Stopwatch.StartNew();
        var lost = await Assert.ThrowsAsync<ConnectionLostException>(() => control.ReadReplyAsync(Token));

        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(5));
        Assert.Equal("The server did not respond within 1 s (waiting for a reply).", lost.Message);
        Assert.True(control.IsClosed);
        Assert.Equal(late + 1, control.LateReads);
    }

    [Fact]
    public async Task Cancelling_the_wait_for_a_reply_under_TLS_ends_it_at_once()
    {
        await using var server = StartServer();
        using var control = await SecuredControlAsync(server, TimeSpan.FromSeconds(30));
        var late = control.LateReads;
        await control.SendAsync("HANG", Token);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Token);
        cancel.CancelAfter(TimeSpan.FromMilliseconds(200));
        var watch = Stopwatch.StartNew();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => control.ReadReplyAsync(cancel.Token));

        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(0.15), TimeSpan.FromSeconds(5));
        Assert.True(control.IsClosed);
        Assert.Equal(late + 1, control.LateReads);
    }

    /// <summary>Waits until the reply's bytes are on the socket, so that the read that follows finds them at once.</summary>
    private async Task ReplyArrivedAsync(FtpControlConnection control)
    {
        var watch = Stopwatch.StartNew();
        while (control.BytesWaitingOnSocket == 0)
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), "The fake server did not answer within 10 s.");
            await Task.Delay(5, Token);
        }
    }

    /// <summary>A fake server that secures the control connection after AUTH TLS, answers SLOW after 100 ms and HANG never.</summary>
    private FakeFtpServer StartServer() => FakeFtpServer.Start(async (connection, command) =>
    {
        switch (command)
        {
            case "AUTH TLS":
                await connection.SendAsync("234 Proceed with negotiation.\r\n");
                await connection.StartTlsAsync(_certificate);
                return true;
            case "SLOW":
                await Task.Delay(100);
                await connection.SendAsync("200 slow but sure\r\n");
                return true;
            case "HANG":
                return true;
            default:
                return false;
        }
    });

    private async Task<FtpControlConnection> SecuredControlAsync(FakeFtpServer server, TimeSpan operationTimeout)
    {
        var options = new ConnectionOptions
        {
            Protocol = RemoteProtocol.Ftpes,
            Host = "127.0.0.1",
            Port = server.Port,
            OperationTimeout = operationTimeout,
            Tls = new TlsOptions { PinnedThumbprints = new[] { FtpCertificateValidator.Sha256Thumbprint(_certificate) } },
        };
        var control = await FtpControlConnection.ConnectAsync(options, Token);
        try
        {
            // Replies read once they are in, so that no late one before the tests' own counts toward a back-off.
            await ReplyArrivedAsync(control);
            Assert.Equal("220 fake ready", (await control.ReadReplyAsync(Token)).ToString());
            await control.SendAsync("AUTH TLS", Token);
            await ReplyArrivedAsync(control);
            Assert.Equal(234, (int)(await control.ReadReplyAsync(Token)).Code);
            await control.StartTlsAsync(new FtpTlsContext(options.Tls, options.Host, options.Port), Token);
            Assert.NotNull(control.Tls);

            // The server's TLS 1.3 session tickets come after the handshake, on their own: read past them, so that
            // the tests' replies are all that arrives on the socket from here on.
            await control.SendAsync("NOOP", Token);
            Assert.Equal("200 ok", (await control.ReadReplyAsync(Token)).ToString());
            return control;
        }
        catch
        {
            control.Dispose();
            throw;
        }
    }
}
