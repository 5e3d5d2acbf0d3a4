using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;
using Xunit;

namespace FtpTools.Core.Tests;

/// <summary>
/// -ConnectTimeout bounds the whole connect (TCP, greeting, TLS or SSH handshake, login), not only the TCP connection:
/// a peer that takes the connection and then says nothing fails in that time, as a connect.
/// </summary>
public sealed class ConnectTimeoutTests : IAsyncLifetime
{
    private readonly TcpListener _silent = new(IPAddress.Loopback, 0);
    private readonly List<Socket> _accepted = new();
    private readonly CancellationTokenSource _stop = new();
    private Task? _accepting;

    public Task InitializeAsync()
    {
        _silent.Start();
        _accepting = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                // Takes each connection and keeps it open, reading nothing and writing nothing.
                var socket = await _silent.AcceptSocketAsync(_stop.Token);
                lock (_accepted)
                {
                    _accepted.Add(socket);
                }
            }
        });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _stop.Cancel();
        _silent.Stop();
        await Task.WhenAny(_accepting!, Task.Delay(TimeSpan.FromSeconds(5)));
        lock (_accepted)
        {
            _accepted.ForEach(s => s.Dispose());
        }

        _stop.Dispose();
    }

    [Theory]
    [InlineData(RemoteProtocol.Ftp, "the TLS handshake", "an FTP", " (An implicit FTPS server waits for TLS first: ftps:// for it.)")]
    [InlineData(RemoteProtocol.Ftpes, "the TLS handshake", "an FTP", " (An implicit FTPS server waits for TLS first: ftps:// for it.)")]
    [InlineData(RemoteProtocol.Ftps, "the TLS handshake", "an implicit FTPS", "")]
    [InlineData(RemoteProtocol.Sftp, "the SSH handshake", "an SSH", "")]
    public async Task A_peer_that_takes_the_connection_and_says_nothing_fails_at_the_connect_timeout_not_the_operation_timeout(RemoteProtocol protocol, string handshake, string kind, string hint)
    {
        var port = ((IPEndPoint)_silent.LocalEndpoint).Port;
        var options = new ConnectionOptions
        {
            Protocol = protocol,
            Host = "127.0.0.1",
            Port = port,
            Credential = new NetworkCredential("user", "secret"),
            ConnectTimeout = TimeSpan.FromSeconds(1),
            OperationTimeout = TimeSpan.FromSeconds(30),
        };
        var watch = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<ConnectFailedException>(() => RemoteSessionFactory.ConnectAsync(options, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20)));

        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(6));
        Assert.Equal(
            $"Connecting to 127.0.0.1:{port} did not finish within 1 s (ConnectTimeout): the server took the connection but its greeting, {handshake} or the login did not come in that time. Is it {kind} server on that port?{hint}",
            error.Message);
    }

    [Fact]
    public async Task The_callers_cancellation_stays_a_cancellation()
    {
        var options = new ConnectionOptions
        {
            Protocol = RemoteProtocol.Ftp,
            Host = "127.0.0.1",
            Port = ((IPEndPoint)_silent.LocalEndpoint).Port,
            ConnectTimeout = TimeSpan.FromSeconds(20),
            OperationTimeout = TimeSpan.FromSeconds(30),
        };
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));

        var error = await Record.ExceptionAsync(() => RemoteSessionFactory.ConnectAsync(options, cancel.Token).WaitAsync(TimeSpan.FromSeconds(10)));

        Assert.NotNull(error);
        Assert.IsNotType<ConnectFailedException>(error);
        Assert.True(cancel.IsCancellationRequested);
    }
}
