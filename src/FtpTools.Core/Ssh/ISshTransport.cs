using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Logging;

namespace FtpTools.Core.Ssh;

/// <summary>
/// The SSH transport layer (RFC 4253) as seen by the layers above it: user authentication (RFC 4252)
/// and the connection protocol (RFC 4254). The transport handles IGNORE, DEBUG, UNIMPLEMENTED,
/// DISCONNECT and re-keying itself; callers only ever see their own messages.
/// </summary>
internal interface ISshTransport : IAsyncDisposable
{
    /// <summary>H of the first key exchange (RFC 4253 §7.2); signed in publickey authentication.</summary>
    ReadOnlyMemory<byte> SessionId { get; }

    /// <summary>server-sig-algs from SSH_MSG_EXT_INFO (RFC 8308 §3.1), or null when the server sent none.</summary>
    IReadOnlyList<string>? ServerSignatureAlgorithms { get; }

    IProtocolLog? Log { get; }

    /// <summary>Sends one message; <paramref name="payload"/> starts with the message number. Safe to call concurrently.</summary>
    ValueTask SendAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken);

    /// <summary>
    /// The next message for the layer above, starting with its message number. The memory is valid until
    /// the next call to ReceiveAsync (the transport reuses its buffer). Single reader only.
    /// </summary>
    ValueTask<ReadOnlyMemory<byte>> ReceiveAsync(CancellationToken cancellationToken);
}
