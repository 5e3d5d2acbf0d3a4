using System;
using System.Diagnostics;
using System.Linq;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;
using FtpTools.Core.Ssh;
using FtpTools.Core.Ssh.Transport;
using FtpTools.Core.Tests.Servers;
using Xunit;

namespace FtpTools.Core.Tests.Ssh.Transport;

/// <summary>Runs alone so that the allocation measurements see only the connection under test.</summary>
[CollectionDefinition("ssh-hostile", DisableParallelization = true)]
public sealed class SshHostileCollection
{
}

/// <summary>Scripted hostile or broken peers: each must end with a clear error, quickly, without large allocations.</summary>
[Collection("ssh-hostile")]
public sealed class HostilePeerTests
{
    private static readonly byte[] Banner = Encoding.ASCII.GetBytes("SSH-2.0-Hostile_1.0\r\n");

    [Fact]
    public async Task Endless_preamble_lines_are_cut_off()
    {
        await using var peer = ScriptedPeer.Start(async (stream, ct) =>
        {
            var line = Encoding.ASCII.GetBytes("Welcome, this server talks and talks\r\n");
            while (!ct.IsCancellationRequested)
            {
                await stream.WriteAsync(line, ct);
            }
        });

        var error = await ConnectExpectingAsync<ProtocolViolationException>(peer.Port);

        Assert.Equal(
            "The server sent more than 50 lines or 8192 bytes without an SSH identification string (RFC 4253 §4.2); this is not an SSH server.",
            error.Message);
    }

    [Fact]
    public async Task An_overlong_line_is_cut_off()
    {
        await using var peer = ScriptedPeer.Start((stream, ct) => stream.WriteAsync(Enumerable.Repeat((byte)'A', 300).ToArray(), ct).AsTask());

        var error = await ConnectExpectingAsync<ProtocolViolationException>(peer.Port);

        Assert.StartsWith("The server sent a line of more than 255 bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_ssh1_server_is_refused_by_name()
    {
        await using var peer = ScriptedPeer.Start((stream, ct) => stream.WriteAsync(Encoding.ASCII.GetBytes("SSH-1.5-OldServer\r\n"), ct).AsTask());

        var error = await ConnectExpectingAsync<ProtocolViolationException>(peer.Port);

        Assert.Equal("The server speaks an unsupported SSH protocol version: \"SSH-1.5-OldServer\". Only SSH-2.0 is supported.", error.Message);
    }

    [Fact]
    public async Task A_one_gibibyte_packet_length_is_refused_without_allocating_it()
    {
        await using var peer = ScriptedPeer.Start(async (stream, ct) =>
        {
            await stream.WriteAsync(Banner, ct);
            await stream.WriteAsync(new byte[] { 0x40, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8 }, ct);
        });
        var before = GC.GetTotalAllocatedBytes(precise: true);

        var error = await ConnectExpectingAsync<ProtocolViolationException>(peer.Port);

        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        Assert.StartsWith("The server announced an SSH packet of 1073741824 bytes; the limit is 262144", error.Message, StringComparison.Ordinal);
        Assert.True(allocated < 16 * 1024 * 1024, $"{allocated} bytes allocated");
    }

    [Fact]
    public async Task Too_little_padding_is_refused()
    {
        await using var peer = ScriptedPeer.Start(async (stream, ct) =>
        {
            await stream.WriteAsync(Banner, ct);
            var packet = new byte[16];
            packet[3] = 12;
            packet[4] = 2;
            packet[5] = (byte)SshMessageNumber.SSH_MSG_KEXINIT;
            await stream.WriteAsync(packet, ct);
        });

        var error = await ConnectExpectingAsync<ProtocolViolationException>(peer.Port);

        Assert.StartsWith("The server sent an SSH packet with 2 bytes of padding in a packet of 12 bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_disconnect_reports_the_servers_reason()
    {
        await using var peer = ScriptedPeer.Start(async (stream, ct) =>
        {
            await stream.WriteAsync(Banner, ct);
            var disconnect = new SshWriter().WriteByte(1).WriteUInt32(2).WriteString("go away\u0007").WriteString("").ToArray();
            await stream.WriteAsync(ScriptedPeer.Packet(disconnect), ct);
        });

        var error = await ConnectExpectingAsync<ConnectionLostException>(peer.Port);

        Assert.Equal("The SSH server disconnected: go away? (reason 2: SSH_DISCONNECT_PROTOCOL_ERROR).", error.Message);
    }

    [Fact]
    public async Task A_non_kex_message_during_key_exchange_is_refused()
    {
        await using var peer = ScriptedPeer.Start(async (stream, ct) =>
        {
            await stream.WriteAsync(Banner, ct);
            await stream.WriteAsync(ScriptedPeer.Packet(ServerKexInit(strict: false)), ct);
            await stream.WriteAsync(ScriptedPeer.Packet(new byte[] { 94, 0, 0, 0, 0, 0, 0, 0, 1, 42 }), ct);
        });

        var error = await ConnectExpectingAsync<ProtocolViolationException>(peer.Port);

        Assert.Equal("The SSH server sent message 94 during key exchange; only key exchange messages are allowed (RFC 4253 §7.1).", error.Message);
    }

    [Fact]
    public async Task Strict_kex_refuses_an_ignore_message_during_the_initial_exchange()
    {
        await using var peer = ScriptedPeer.Start(async (stream, ct) =>
        {
            await stream.WriteAsync(Banner, ct);
            await stream.WriteAsync(ScriptedPeer.Packet(ServerKexInit(strict: true)), ct);
            await stream.WriteAsync(ScriptedPeer.Packet(new SshWriter().WriteByte(2).WriteString("noise").ToArray()), ct);
        });

        var error = await ConnectExpectingAsync<ProtocolViolationException>(peer.Port);

        Assert.Equal(
            "The SSH server sent message 2 during key exchange (strict kex, OpenSSH PROTOCOL §1.10); only key exchange messages are allowed (RFC 4253 §7.1).",
            error.Message);
    }

    [Fact]
    public async Task Strict_kex_requires_kexinit_to_be_the_first_packet()
    {
        await using var peer = ScriptedPeer.Start(async (stream, ct) =>
        {
            await stream.WriteAsync(Banner, ct);
            await stream.WriteAsync(ScriptedPeer.Packet(new SshWriter().WriteByte(2).WriteString("noise").ToArray()), ct);
            await stream.WriteAsync(ScriptedPeer.Packet(ServerKexInit(strict: true)), ct);
        });

        var error = await ConnectExpectingAsync<ProtocolViolationException>(peer.Port);

        Assert.Equal("Strict key exchange: the server's KEXINIT was not its first packet.", error.Message);
    }

    [Fact]
    public async Task A_silent_peer_times_out()
    {
        await using var peer = ScriptedPeer.Start((_, _) => Task.CompletedTask);
        var watch = Stopwatch.StartNew();

        var error = await ConnectExpectingAsync<ConnectionLostException>(peer.Port);

        Assert.Equal("The SSH server did not respond within 1 s (OperationTimeout); the connection was closed.", error.Message);
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_peer_stalling_in_the_middle_of_a_packet_times_out()
    {
        await using var peer = ScriptedPeer.Start(async (stream, ct) =>
        {
            await stream.WriteAsync(Banner, ct);
            await stream.WriteAsync(new byte[] { 0, 0, 0, 252, 4, 20 }, ct);
        });
        var watch = Stopwatch.StartNew();

        var error = await ConnectExpectingAsync<ConnectionLostException>(peer.Port);

        Assert.Equal("The SSH server did not respond within 1 s (OperationTimeout); the connection was closed.", error.Message);
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(5));
    }

    private static byte[] ServerKexInit(bool strict)
    {
        var preferences = SshAlgorithmPreferences.FromOptions(new SshOptions(), portableOnly: false);
        var init = SshKexInit.ForClient(preferences, initial: false);
        var kex = init.KexAlgorithms.ToList();
        if (strict)
        {
            kex.Add(SshAlgorithms.StrictKexServer);
        }

        return new SshKexInit
        {
            KexAlgorithms = kex,
            ServerHostKeyAlgorithms = init.ServerHostKeyAlgorithms,
            CiphersClientToServer = init.CiphersClientToServer,
            CiphersServerToClient = init.CiphersServerToClient,
            MacsClientToServer = init.MacsClientToServer,
            MacsServerToClient = init.MacsServerToClient,
            CompressionClientToServer = init.CompressionClientToServer,
            CompressionServerToClient = init.CompressionServerToClient,
        }.ToPayload();
    }

    private static async Task<T> ConnectExpectingAsync<T>(int port)
        where T : Exception
    {
        var options = SshTestSupport.Options("127.0.0.1", port, timeout: TimeSpan.FromSeconds(1));
        var connect = SshClient.ConnectAsync(options, SshTestSupport.Pinned(Array.Empty<string>()), SshTestSupport.NoAuthentication, CancellationToken.None);
        var error = await Assert.ThrowsAsync<T>(() => connect.WaitAsync(TimeSpan.FromSeconds(15)));
        Assert.IsType<T>(error);
        return error;
    }
}

/// <summary>A man in the middle corrupts or stalls a real sshd's traffic after authentication.</summary>
[Collection("sshd")]
public sealed class TamperedConnectionTests
{
    private readonly SshdFixture _server;

    public TamperedConnectionTests(SshdFixture server)
    {
        _server = server;
    }

    [Theory]
    [InlineData("aes256-gcm@openssh.com", null)]
    [InlineData("chacha20-poly1305@openssh.com", null)]
    [InlineData("aes128-ctr", "hmac-sha2-256-etm@openssh.com")]
    [InlineData("aes256-ctr", "hmac-sha2-512")]
    public async Task A_flipped_bit_from_the_server_is_a_mac_error(string cipher, string? mac)
    {
        await using var proxy = new TamperingProxy(_server.Host, _server.Port);
        await using var client = await SshTestSupport.ConnectAsync(
            "127.0.0.1", proxy.Port, _server.HostKeyFingerprints, o =>
            {
                o.Ciphers = new[] { cipher };
                o.Macs = mac is null ? null : new[] { mac };
            });

        proxy.FlipNextServerByte(20);
        var error = await Assert.ThrowsAsync<ProtocolViolationException>(() => client.ExecAsync("echo hi", CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(15)));

        Assert.StartsWith("MAC error: the integrity check of SSH packet", error.Message, StringComparison.Ordinal);
        Assert.False(client.IsConnected);
    }

    [Fact]
    public async Task Garbage_injected_after_key_exchange_is_a_mac_error()
    {
        await using var proxy = new TamperingProxy(_server.Host, _server.Port);
        await using var client = await SshTestSupport.ConnectAsync(
            "127.0.0.1", proxy.Port, _server.HostKeyFingerprints, o => o.Ciphers = new[] { "aes128-gcm@openssh.com" });

        proxy.InjectBeforeNextServerChunk(new byte[] { 0, 0, 0, 0x20 }.Concat(RandomNumberGenerator.GetBytes(48)).ToArray());
        var error = await Assert.ThrowsAsync<ProtocolViolationException>(() => client.ExecAsync("echo hi", CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(15)));

        Assert.StartsWith("MAC error", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_that_stops_answering_after_login_times_out()
    {
        await using var proxy = new TamperingProxy(_server.Host, _server.Port);
        await using var client = await SshTestSupport.ConnectAsync("127.0.0.1", proxy.Port, _server.HostKeyFingerprints, timeout: TimeSpan.FromSeconds(1));

        proxy.StallServer();
        var watch = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<ConnectionLostException>(() => client.ExecAsync("echo hi", CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(15)));

        Assert.Equal("The SSH server did not send a reply to the channel open request within 1 s (OperationTimeout); the connection was closed.", error.Message);
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(5));
        Assert.False(client.IsConnected);
    }
}
