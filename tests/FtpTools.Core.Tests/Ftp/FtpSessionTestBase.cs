using System;
using System.IO;
using System.Net;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Logging;
using FtpTools.Core.Tests.Servers;
using Xunit.Abstractions;

namespace FtpTools.Core.Tests.Ftp;

/// <summary>Connection options and transfer helpers shared by the tests against real FTP servers.</summary>
public abstract class FtpSessionTestBase : IDisposable
{
    private readonly ITestOutputHelper _output;
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromMinutes(3));

    protected FtpSessionTestBase(FtpServerFixture server, ITestOutputHelper output)
    {
        Server = server;
        _output = output;
    }

    protected FtpServerFixture Server { get; }

    internal RecordingLog Log { get; } = new();

    protected CancellationToken Token => _timeout.Token;

    protected abstract RemoteProtocol Protocol { get; }

    protected virtual int ControlPort => Server.Port;

    public void Dispose()
    {
        _output.WriteLine(Log.ToString());
        _output.WriteLine(Server.ServerOutput);
        _timeout.Dispose();
        GC.SuppressFinalize(this);
    }

    protected ConnectionOptions Options(FtpDataMode mode = FtpDataMode.Passive, string? password = null, TlsOptions? tls = null, int? port = null, string? startPath = null, IProtocolLog? log = null) => new()
    {
        Protocol = Protocol,
        Host = Server.Host,
        Port = port ?? ControlPort,
        Credential = new NetworkCredential(Server.UserName, password ?? Server.Password),
        OperationTimeout = TimeSpan.FromSeconds(20),
        ConnectTimeout = TimeSpan.FromSeconds(30),
        Ftp = new FtpOptions { DataMode = mode },
        Tls = tls ?? new TlsOptions { ExtraCaFile = Server.CaCertificatePath },
        Log = log ?? Log,
        StartPath = startPath,
    };

    protected Task<IRemoteSession> ConnectAsync(FtpDataMode mode = FtpDataMode.Passive) => RemoteSessionFactory.ConnectAsync(Options(mode), Token);

    protected string Local(string remoteDirectory, string name = "") => Path.Combine(Server.RootDirectory, remoteDirectory.TrimStart('/'), name);

    protected static byte[] RandomBytes(int length)
    {
        var data = new byte[length];
        RandomNumberGenerator.Fill(data);
        return data;
    }

    protected async Task UploadAsync(IRemoteSession session, string path, byte[] data, long offset = 0)
    {
        var stream = await session.OpenWriteAsync(path, offset, Token);
        await using (stream)
        {
            for (var position = (int)offset; position < data.Length; position += 32 * 1024)
            {
                await stream.WriteAsync(data.AsMemory(position, Math.Min(32 * 1024, data.Length - position)), Token);
            }

            await stream.CompleteAsync(Token);
        }
    }

    /// <summary>Writes all of <paramref name="data"/> to an open upload in 32 KiB writes and completes it.</summary>
    protected async Task WriteAllAsync(RemoteFileStream stream, byte[] data)
    {
        await using (stream)
        {
            for (var position = 0; position < data.Length; position += 32 * 1024)
            {
                await stream.WriteAsync(data.AsMemory(position, Math.Min(32 * 1024, data.Length - position)), Token);
            }

            await stream.CompleteAsync(Token);
        }
    }

    protected async Task<byte[]> DownloadAsync(IRemoteSession session, string path, long offset = 0)
    {
        var stream = await session.OpenReadAsync(path, offset, Token);
        await using (stream)
        {
            using var memory = new MemoryStream();
            var buffer = new byte[16 * 1024];
            int read;
            while ((read = await stream.ReadAsync(buffer, Token)) > 0)
            {
                memory.Write(buffer, 0, read);
            }

            await stream.CompleteAsync(Token);
            return memory.ToArray();
        }
    }

    protected static string Sha256(byte[] data) => Convert.ToHexString(SHA256.HashData(data));

    protected static string Sha256File(string path)
    {
        using var file = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(file));
    }
}
