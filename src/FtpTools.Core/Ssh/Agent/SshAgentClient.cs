using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Pipes;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;

namespace FtpTools.Core.Ssh.Agent;

/// <summary>
/// A connection to a running SSH agent (draft-miller-ssh-agent): the Unix socket named by SSH_AUTH_SOCK,
/// or on Windows the OpenSSH agent's named pipe (\\.\pipe\openssh-ssh-agent unless SSH_AUTH_SOCK names
/// another pipe). Requests are strictly one at a time.
/// </summary>
internal sealed class SshAgentClient : IAsyncDisposable
{
    public const string WindowsPipeName = "openssh-ssh-agent";

    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    private readonly Stream _stream;
    private readonly SemaphoreSlim _gate = new(1, 1);

    private SshAgentClient(Stream stream, string endpoint)
    {
        _stream = stream;
        Endpoint = endpoint;
    }

    /// <summary>Socket path or pipe name, for messages.</summary>
    public string Endpoint { get; }

    /// <summary>Where the agent is expected: SSH_AUTH_SOCK, else the Windows pipe; null when there is none on this platform.</summary>
    public static string? DefaultEndpoint()
    {
        var socket = Environment.GetEnvironmentVariable("SSH_AUTH_SOCK");
        if (!string.IsNullOrEmpty(socket))
        {
            return socket;
        }

        return RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? @"\\.\pipe\" + WindowsPipeName : null;
    }

    public static async Task<SshAgentClient> ConnectAsync(string endpoint, TimeSpan timeout, CancellationToken cancellationToken)
    {
        const string pipePrefix = @"\\.\pipe\";
        if (endpoint.StartsWith(pipePrefix, StringComparison.OrdinalIgnoreCase))
        {
            var pipe = new NamedPipeClientStream(".", endpoint.Substring(pipePrefix.Length), PipeDirection.InOut, PipeOptions.Asynchronous);
            try
            {
                await pipe.ConnectAsync((int)timeout.TotalMilliseconds, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is TimeoutException or IOException)
            {
                pipe.Dispose();
                throw new FtpToolsException($"The SSH agent pipe '{endpoint}' did not answer: {ex.Message}. Is the ssh-agent service running?", ex);
            }

            return new SshAgentClient(pipe, endpoint);
        }

#if NET8_0_OR_GREATER
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeoutSource.CancelAfter(timeout);
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(endpoint), timeoutSource.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new FtpToolsException($"The SSH agent socket '{endpoint}' did not answer: {ex.Message}.", ex);
        }

        return new SshAgentClient(new NetworkStream(socket, ownsSocket: true), endpoint);
#else
        // netstandard2.0 serves Windows PowerShell 5.1, where the agent is a named pipe; Unix sockets need PowerShell 7.
        await Task.CompletedTask.ConfigureAwait(false);
        throw new FtpToolsException($"The SSH agent at '{endpoint}' is a Unix socket, which this build cannot open; use PowerShell 7 or the OpenSSH agent pipe.");
#endif
    }

    public static Task<SshAgentClient> ConnectAsync(string endpoint, CancellationToken cancellationToken) =>
        ConnectAsync(endpoint, ConnectTimeout, cancellationToken);

    public async Task<IReadOnlyList<SshAgentIdentity>> RequestIdentitiesAsync(CancellationToken cancellationToken)
    {
        var reply = await RoundTripAsync(SshAgentProtocol.RequestIdentities(), cancellationToken).ConfigureAwait(false);
        return SshAgentProtocol.ParseIdentities(reply);
    }

    /// <summary>
    /// Asks the agent to sign <paramref name="data"/> with the key <paramref name="publicKeyBlob"/>; returns the SSH
    /// signature encoding (string algorithm, string blob), or null when the agent refuses.
    /// </summary>
    public async Task<byte[]?> SignAsync(ReadOnlyMemory<byte> publicKeyBlob, ReadOnlyMemory<byte> data, SshAgentSignFlags flags, CancellationToken cancellationToken)
    {
        var reply = await RoundTripAsync(SshAgentProtocol.SignRequest(publicKeyBlob.Span, data.Span, flags), cancellationToken).ConfigureAwait(false);
        return SshAgentProtocol.ParseSignResponse(reply);
    }

    public async ValueTask DisposeAsync()
    {
#if NET8_0_OR_GREATER
        await _stream.DisposeAsync().ConfigureAwait(false);
#else
        _stream.Dispose();
        await Task.CompletedTask.ConfigureAwait(false);
#endif
        _gate.Dispose();
    }

    private async Task<byte[]> RoundTripAsync(byte[] request, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _stream.WriteAsync(request, 0, request.Length, cancellationToken).ConfigureAwait(false);
            await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            var header = new byte[4];
            await ReadExactlyAsync(header, cancellationToken).ConfigureAwait(false);
            var body = new byte[SshAgentProtocol.ReadLength(header)];
            await ReadExactlyAsync(body, cancellationToken).ConfigureAwait(false);
            return body;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task ReadExactlyAsync(byte[] buffer, CancellationToken cancellationToken)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var count = await _stream.ReadAsync(buffer, read, buffer.Length - read, cancellationToken).ConfigureAwait(false);
            if (count == 0)
            {
                throw new FtpToolsException($"The SSH agent at '{Endpoint}' closed the connection.");
            }

            read += count;
        }
    }
}
