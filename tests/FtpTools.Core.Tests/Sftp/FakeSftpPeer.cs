using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Sftp;
using FtpTools.Core.Ssh;

namespace FtpTools.Core.Tests.Sftp;

/// <summary>
/// A scripted SFTP server on the far end of a loopback TCP connection: the test reads the client's requests and
/// writes whatever bytes it likes back, well-formed or not.
/// </summary>
internal sealed class FakeSftpPeer : IAsyncDisposable
{
    private readonly TcpClient _client;
    private readonly TcpClient _server;
    private readonly NetworkStream _peer;
    private readonly SftpPacketReceiver _receiver;
    private readonly SemaphoreSlim _sendLock = new(1, 1);

    private FakeSftpPeer(TcpClient client, TcpClient server)
    {
        _client = client;
        _server = server;
        _peer = server.GetStream();
        _receiver = new SftpPacketReceiver(_peer, 1 << 20);
        ClientStream = client.GetStream();
    }

    /// <summary>The stream to hand to the session under test.</summary>
    public Stream ClientStream { get; }

    public static async Task<FakeSftpPeer> CreateAsync()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var client = new TcpClient();
        var accept = listener.AcceptTcpClientAsync();
        await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        return new FakeSftpPeer(client, await accept);
    }

    /// <summary>
    /// Opens a session against this peer, playing a well-behaved server for INIT, limits@openssh.com (offered and
    /// answered only when <paramref name="limits"/> is given) and REALPATH ".".
    /// </summary>
    public async Task<SftpSession> OpenSessionAsync(TimeSpan timeout, IReadOnlyDictionary<string, string>? extensions = null, SftpLimits? limits = null)
    {
        if (limits is not null)
        {
            extensions = new Dictionary<string, string>(extensions ?? new Dictionary<string, string>()) { [SftpExtensionNames.Limits] = "1" };
        }

        var options = new ConnectionOptions { Protocol = RemoteProtocol.Sftp, Host = "127.0.0.1", OperationTimeout = timeout };
        var open = SftpSession.OpenAsync(ClientStream, "127.0.0.1", 22, new SessionInfo(), options, null, CancellationToken.None);
        var init = await ReadRequestAsync();
        if (init.Type != SftpPacketType.SSH_FXP_INIT || init.Id != 3)
        {
            throw new InvalidOperationException($"Expected SSH_FXP_INIT version 3, got {init.Type} {init.Id}.");
        }

        var version = new SshWriter().WriteUInt32(0).WriteByte((byte)SftpPacketType.SSH_FXP_VERSION).WriteUInt32(3);
        foreach (var extension in extensions ?? new Dictionary<string, string>())
        {
            version.WriteString(extension.Key).WriteString(extension.Value);
        }

        SftpPacket.End(version);
        await SendRawAsync(version.ToArray());
        if (limits is not null)
        {
            var request = await ReadRequestAsync();
            if (request.Type != SftpPacketType.SSH_FXP_EXTENDED || request.Reader().ReadString() != SftpExtensionNames.Limits)
            {
                throw new InvalidOperationException($"Expected the limits@openssh.com request, got {request.Type}.");
            }

            await SendPacketAsync(SftpPacketType.SSH_FXP_EXTENDED_REPLY, request.Id, w => w
                .WriteUInt64(limits.MaxPacketLength).WriteUInt64(limits.MaxReadLength).WriteUInt64(limits.MaxWriteLength).WriteUInt64(limits.MaxOpenHandles));
        }

        var realPath = await ReadRequestAsync();
        await SendNameAsync(realPath.Id, "/home/fake");
        return await open;
    }

    public async Task<Request> ReadRequestAsync()
    {
        var body = await _receiver.ReceiveAsync(CancellationToken.None);
        var reader = new SshReader(body.ToArray());
        var type = (SftpPacketType)reader.ReadByte();
        var id = reader.ReadUInt32();
        return new Request(type, id, reader.ReadRemaining().ToArray());
    }

    public async Task SendRawAsync(byte[] bytes)
    {
        await _sendLock.WaitAsync();
        try
        {
            await _peer.WriteAsync(bytes);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    public Task SendPacketAsync(SftpPacketType type, uint id, Action<SshWriter>? body = null)
    {
        var writer = new SshWriter();
        SftpPacket.Begin(writer, type, id);
        body?.Invoke(writer);
        SftpPacket.End(writer);
        return SendRawAsync(writer.ToArray());
    }

    public Task SendStatusAsync(uint id, SftpStatusCode code, string message = "") =>
        SendPacketAsync(SftpPacketType.SSH_FXP_STATUS, id, w => w.WriteUInt32((uint)code).WriteString(message).WriteString("en"));

    public Task SendNameAsync(uint id, string name) =>
        SendPacketAsync(SftpPacketType.SSH_FXP_NAME, id, w => w.WriteUInt32(1).WriteString(name).WriteString(name).WriteUInt32(0));

    /// <summary>Closes the peer's end, as a server that dies would.</summary>
    public void Close() => _server.Close();

    public ValueTask DisposeAsync()
    {
        _server.Dispose();
        _client.Dispose();
        _sendLock.Dispose();
        return ValueTask.CompletedTask;
    }

    internal sealed record Request(SftpPacketType Type, uint Id, byte[] Body)
    {
        public SshReader Reader() => new(Body);
    }
}
