using System;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Ssh.Transport;

namespace FtpTools.Core.Tests.Ssh.Transport;

/// <summary>A loopback TCP peer that runs a script against the first client that connects.</summary>
internal sealed class ScriptedPeer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _run;

    private ScriptedPeer(Func<NetworkStream, CancellationToken, Task> script)
    {
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _run = RunAsync(script);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public static ScriptedPeer Start(Func<NetworkStream, CancellationToken, Task> script) => new(script);

    /// <summary>An unencrypted packet (RFC 4253 §6) as a peer before NEWKEYS would send it.</summary>
    public static byte[] Packet(byte[] payload)
    {
        var encoder = new SshPacketEncoder();
        var buffer = new byte[encoder.MaxEncodedLength(payload.Length)];
        var count = encoder.Encode(payload, buffer);
        return buffer.AsSpan(0, count).ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        try
        {
            await _run;
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The client hung up on the script; that is the point of these tests.
        }

        _stop.Dispose();
    }

    private async Task RunAsync(Func<NetworkStream, CancellationToken, Task> script)
    {
        using var client = await _listener.AcceptTcpClientAsync(_stop.Token);
        await using var stream = client.GetStream();
        await script(stream, _stop.Token);
        await Task.Delay(Timeout.Infinite, _stop.Token);
    }
}

/// <summary>A man in the middle between a client and a real sshd that can corrupt, inject or stall the server's bytes on demand.</summary>
internal sealed class TamperingProxy : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _run;
    private readonly object _gate = new();
    private int _flipOffset = -1;
    private byte[]? _inject;
    private volatile bool _stall;

    public TamperingProxy(string host, int port)
    {
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _run = RunAsync(host, port);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Flips one bit in the next chunk the server sends, <paramref name="offset"/> bytes into it.</summary>
    public void FlipNextServerByte(int offset)
    {
        lock (_gate)
        {
            _flipOffset = offset;
        }
    }

    /// <summary>Sends these bytes to the client before the server's next chunk.</summary>
    public void InjectBeforeNextServerChunk(byte[] bytes)
    {
        lock (_gate)
        {
            _inject = bytes;
        }
    }

    /// <summary>From now on the client receives nothing more from the server.</summary>
    public void StallServer() => _stall = true;

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        try
        {
            await _run;
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // Either side closing ends the proxy.
        }

        _stop.Dispose();
    }

    private async Task RunAsync(string host, int port)
    {
        using var client = await _listener.AcceptTcpClientAsync(_stop.Token);
        using var server = new TcpClient();
        await server.ConnectAsync(host, port, _stop.Token);
        var clientStream = client.GetStream();
        var serverStream = server.GetStream();
        var up = clientStream.CopyToAsync(serverStream, _stop.Token);
        var down = PumpDownAsync(serverStream, clientStream);
        await Task.WhenAny(up, down);
    }

    private async Task PumpDownAsync(Stream from, Stream to)
    {
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var read = await from.ReadAsync(buffer, _stop.Token);
            if (read == 0)
            {
                return;
            }

            if (_stall)
            {
                continue;
            }

            byte[]? inject;
            lock (_gate)
            {
                if (_flipOffset >= 0 && _flipOffset < read)
                {
                    buffer[_flipOffset] ^= 0x04;
                    _flipOffset = -1;
                }

                inject = _inject;
                _inject = null;
            }

            if (inject is not null)
            {
                await to.WriteAsync(inject, _stop.Token);
            }

            await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
        }
    }
}
