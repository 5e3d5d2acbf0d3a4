using System.Collections.Generic;

namespace FtpTools.Core.Ftp.Listing;

/// <summary>What became of one line of a directory listing.</summary>
internal enum ListingLineStatus
{
    /// <summary>The line described an entry; <see cref="ListingLineResult.Item"/> is set.</summary>
    Item,

    /// <summary>The line carries no entry on purpose ("total 12", ".", "..", MLSD cdir/pdir, blank).</summary>
    Skipped,

    /// <summary>The line is not in any format we understand, or a field in it is malformed.</summary>
    Unparseable,

    /// <summary>The line parsed but its name is not a plain entry name ("../x", "/etc/passwd", "a/b", "C:x", control characters).</summary>
    UnsafeName,
}

/// <summary>The outcome of parsing one listing line: an item, a deliberate skip, or a rejection with its reason.</summary>
internal sealed class ListingLineResult
{
    private ListingLineResult(ListingLineStatus status, RemoteItem? item, string? reason)
    {
        Status = status;
        Item = item;
        Reason = reason;
    }

    public ListingLineStatus Status { get; }

    /// <summary>Set only when <see cref="Status"/> is <see cref="ListingLineStatus.Item"/>.</summary>
    public RemoteItem? Item { get; }

    /// <summary>Why the line was skipped or rejected; null for items.</summary>
    public string? Reason { get; }

    public static ListingLineResult Parsed(RemoteItem item) => new(ListingLineStatus.Item, item, null);

    public static ListingLineResult Skip(string reason) => new(ListingLineStatus.Skipped, null, reason);

    public static ListingLineResult Unparseable(string reason) => new(ListingLineStatus.Unparseable, null, reason);

    public static ListingLineResult Unsafe(string reason) => new(ListingLineStatus.UnsafeName, null, reason);

    public override string ToString() => Item is not null ? "Item " + Item.FullName : Status + ": " + Reason;
}

/// <summary>A listing line that produced no item and was not a deliberate skip, kept for the caller to report.</summary>
internal sealed class RejectedListingLine
{
    public RejectedListingLine(int lineNumber, string line, ListingLineStatus status, string reason)
    {
        LineNumber = lineNumber;
        Line = line;
        Status = status;
        Reason = reason;
    }

    /// <summary>1-based position of the line in the listing.</summary>
    public int LineNumber { get; }

    /// <summary>The line as received, cut to <see cref="FtpListingParser.MaxReportedLineLength"/> characters.</summary>
    public string Line { get; }

    /// <summary><see cref="ListingLineStatus.Unparseable"/> or <see cref="ListingLineStatus.UnsafeName"/>.</summary>
    public ListingLineStatus Status { get; }

    public string Reason { get; }

    public override string ToString() => "line " + LineNumber + ": " + Reason;
}

/// <summary>All items of a listing, plus every line that could not be turned into one.</summary>
internal sealed class ListingParseResult
{
    public ListingParseResult(IReadOnlyList<RemoteItem> items, IReadOnlyList<RejectedListingLine> rejected)
    {
        Items = items;
        Rejected = rejected;
    }

    public IReadOnlyList<RemoteItem> Items { get; }

    /// <summary>Unparseable and unsafe lines, in listing order. Never dropped silently: the caller reports them.</summary>
    public IReadOnlyList<RejectedListingLine> Rejected { get; }
}
