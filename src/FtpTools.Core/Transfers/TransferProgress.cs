using System;

namespace FtpTools.Core.Transfers;

/// <summary>A snapshot of one transfer, handed to <see cref="IProgress{T}"/> from the copy loop.</summary>
public sealed class TransferProgress
{
    public TransferProgress(TransferDirection direction, string source, string destination)
    {
        Direction = direction;
        Source = source;
        Destination = destination;
    }

    public TransferDirection Direction { get; }

    public string Source { get; }

    public string Destination { get; }

    /// <summary>Bytes of the file now at the destination, including a resumed part file's head.</summary>
    public long BytesDone { get; init; }

    /// <summary>Bytes moved by this attempt only.</summary>
    public long BytesTransferred { get; init; }

    /// <summary>Length of the source; null when unknown.</summary>
    public long? TotalBytes { get; init; }

    public TimeSpan Elapsed { get; init; }

    /// <summary>Average rate of this attempt since it started.</summary>
    public double BytesPerSecond { get; init; }

    /// <summary>Null when the total or the rate is unknown.</summary>
    public TimeSpan? EstimatedRemaining { get; init; }

    /// <summary>0..100, or -1 when the total is unknown (Write-Progress's convention).</summary>
    public int PercentComplete { get; init; }

    /// <summary>True for the last report of a transfer.</summary>
    public bool IsFinal { get; init; }
}
