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

    /// <summary>The file's hash as lower-case hex. Throws <see cref="CommandRefusedException"/> (Unsupported) when the server cannot.</summary>
    Task<string> ComputeHashAsync(string path, RemoteHashAlgorithm algorithm, CancellationToken cancellationToken);
}
