using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;

namespace FtpTools.Core;

/// <summary>
/// Checksums computed by the server, so a transfer can be verified without reading the file back.
/// Sessions implement it when their protocol may offer it; callers ask <see cref="SupportedHashAlgorithms"/> first.
/// </summary>
internal interface IRemoteHashProvider
{
    IReadOnlyList<RemoteHashAlgorithm> SupportedHashAlgorithms { get; }

    /// <summary>
    /// The file's hash as lower-case hex. Throws <see cref="CommandRefusedException"/> (Unsupported) when the server
    /// cannot. The server reads the whole file before it answers, so the answer is awaited longer than other replies:
    /// by the time a slow disk takes for <paramref name="length"/> bytes (or an hour when the length is unknown).
    /// </summary>
    Task<string> ComputeHashAsync(string path, RemoteHashAlgorithm algorithm, long? length, CancellationToken cancellationToken);
}
