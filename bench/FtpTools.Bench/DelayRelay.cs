using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;

namespace FtpTools.Bench;

/// <summary>
/// A slow, far-away link in miniature, for the SFTP cases (one TCP connection each): a relay on 127.0.0.1 that holds
/// every chunk it forwards for a fixed one-way delay and, when asked, caps the rate of each direction. netem is not
/// available in this machine's kernel, so the delay is made here, in user space; it applies to every row alike
/// because every row connects through the same relay.
/// <para>
/// Each direction queues at most <see cref="QueueChunks"/> chunks (32 MiB without a rate cap), like a router's buffer: past that the relay stops reading,
/// TCP's own flow control pushes back on the sender, and the tools' windows (SSH channel windows, SFTP requests in
/// flight) decide the throughput, which is what the WAN rows are for.
/// </para>
/// </summary>
internal sealed class DelayRelay : IAsyncDisposable
{
    private const int ChunkBytes = 64 * 1024;
    private const int MaxQueueBytes = 32 * 1024 * 1024;

    private readonly Socket _listener;
    private readonly IPEndPoint _target;
    private readonly TimeSpan _delay;
    private readonly double? _bytesPerSecond;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _pumps = new();
    private readonly Task _accepting;

    private DelayRelay(IPEndPoint target, TimeSpan oneWayDelay, double? bytesPerSecond, int listenPort)
    {
        _target = target;
        _delay = oneWayDelay;
        _bytesPerSecond = bytesPerSecond;
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, listenPort));
        _listener.Listen(16);
        Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;

        // Under a rate cap the queue holds about two bandwidth-delay products, so waiting in it (bufferbloat) does not
        // swamp the delay asked for.
        QueueChunks = bytesPerSecond is double rate
            ? Math.Clamp((int)(rate * 2 * Math.Max(oneWayDelay.TotalSeconds, 0.001) / ChunkBytes) + 1, 16, MaxQueueBytes / ChunkBytes)
            : MaxQueueBytes / ChunkBytes;
        _accepting = AcceptLoopAsync();
    }

    public int Port { get; }

    private int QueueChunks { get; }

    /// <summary>What the report says of the link.</summary>
    public string Description => _bytesPerSecond is double rate
        ? $"one-way delay {_delay.TotalMilliseconds:0.#} ms (round trip {2 * _delay.TotalMilliseconds:0.#} ms), {rate * 8 / 1e6:0.#} Mbit/s each way"
        : $"one-way delay {_delay.TotalMilliseconds:0.#} ms (round trip {2 * _delay.TotalMilliseconds:0.#} ms), no rate cap";

    /// <param name="target">Where every accepted connection is relayed to.</param>
    /// <param name="oneWayDelay">How long each chunk waits in each direction.</param>
    /// <param name="bytesPerSecond">The rate cap of each direction, or null for none.</param>
    /// <param name="listenPort">The port on 127.0.0.1 to listen on; 0 (the default) for any free one.</param>
    public static DelayRelay Start(IPEndPoint target, TimeSpan oneWayDelay, double? bytesPerSecond, int listenPort = 0)
    {
        if (oneWayDelay < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(oneWayDelay), "The delay cannot be negative.");
        }

        if (bytesPerSecond is <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(bytesPerSecond), "The rate cap must be positive.");
        }

        return new DelayRelay(target, oneWayDelay, bytesPerSecond, listenPort);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        Task[] pumps;
        lock (_pumps)
        {
            pumps = _pumps.ToArray();
        }

        await Task.WhenAll(pumps).ConfigureAwait(false);
        await _accepting.ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            lock (_pumps)
            {
                _pumps.RemoveAll(t => t.IsCompleted);
                _pumps.Add(RelayAsync(client));
            }
        }
    }

    private async Task RelayAsync(Socket client)
    {
        using var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using (client)
        {
            client.NoDelay = true;
            try
            {
                await server.ConnectAsync(_target, _stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException)
            {
                return;
            }

            // When one side ends, the other is closed too: the relay is one connection, not two.
            using var both = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            await Task.WhenAll(
                PumpAsync(client, server, both),
                PumpAsync(server, client, both)).ConfigureAwait(false);
        }
    }

    private async Task PumpAsync(Socket from, Socket to, CancellationTokenSource both)
    {
        var queue = Channel.CreateBounded<Chunk>(new BoundedChannelOptions(QueueChunks) { SingleReader = true, SingleWriter = true });
        var writing = DeliverAsync(queue.Reader, to, both);
        try
        {
            while (true)
            {
                var buffer = new byte[ChunkBytes];
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, both.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                await queue.Writer.WriteAsync(new Chunk(buffer, read, Stopwatch.GetTimestamp() + Ticks(_delay)), both.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            await both.CancelAsync().ConfigureAwait(false);
        }
        finally
        {
            queue.Writer.TryComplete();
        }

        await writing.ConfigureAwait(false);
    }

    /// <summary>Writes each chunk once its delay is over and the rate cap allows, then passes the end (FIN) on.</summary>
    private async Task DeliverAsync(ChannelReader<Chunk> queue, Socket to, CancellationTokenSource both)
    {
        // When the link is free again: with a rate cap each chunk occupies it for its length / rate (serialization),
        // and time the link sat idle is not saved up for a later burst.
        var linkFree = 0L;
        try
        {
            await foreach (var chunk in queue.ReadAllAsync(both.Token).ConfigureAwait(false))
            {
                var now = Stopwatch.GetTimestamp();
                var start = Math.Max(chunk.Due, _bytesPerSecond is null ? now : Math.Max(now, linkFree));
                if (start > now)
                {
                    await Task.Delay(TimeSpan.FromSeconds((double)(start - now) / Stopwatch.Frequency), both.Token).ConfigureAwait(false);
                }

                var offset = 0;
                while (offset < chunk.Length)
                {
                    offset += await to.SendAsync(chunk.Buffer.AsMemory(offset, chunk.Length - offset), SocketFlags.None, both.Token).ConfigureAwait(false);
                }

                if (_bytesPerSecond is double rate)
                {
                    linkFree = start + Ticks(TimeSpan.FromSeconds(chunk.Length / rate));
                }
            }

            to.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            await both.CancelAsync().ConfigureAwait(false);
        }
    }

    private static long Ticks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);

    private readonly record struct Chunk(byte[] Buffer, int Length, long Due);
}
