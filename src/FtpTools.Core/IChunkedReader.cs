using System;
using System.Threading;
using System.Threading.Tasks;

namespace FtpTools.Core;

/// <summary>
/// A remote read stream that can hand out its data where it already lies (an SFTP read's slot), so that a download
/// goes from there to its file without a copy into the transfer's own buffer.
/// </summary>
internal interface IChunkedReader
{
    /// <summary>
    /// The next bytes of the file, as many as lie together; empty at the end. The memory is the stream's: valid until
    /// the next call, or until the stream is completed or disposed. Fails as <see cref="System.IO.Stream.ReadAsync(byte[], int, int, CancellationToken)"/> would.
    /// </summary>
    ValueTask<ReadOnlyMemory<byte>> ReadChunkAsync(CancellationToken cancellationToken);
}
