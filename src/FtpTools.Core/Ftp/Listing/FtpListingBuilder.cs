using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;

namespace FtpTools.Core.Ftp.Listing;

/// <summary>
/// A listing parsed line by line as its lines arrive, so that parsing overlaps the server's sending instead of
/// following it (a server takes tens of milliseconds to send 10,000 lines, about as long as parsing them). Pure:
/// no I/O; the caller splits the data connection's bytes into lines and decodes them. Items come back in listing
/// order; unparseable or unsafe lines come back in <see cref="ListingParseResult.Rejected"/> with their reasons, and
/// skipped lines (totals, ".", "..") are dropped.
/// </summary>
internal sealed class FtpListingBuilder
{
    private readonly string _directory;
    private readonly DateTime _nowUtc;
    private readonly bool _mlsd;
    private readonly List<RemoteItem> _items = new();
    private readonly List<RejectedListingLine> _rejected = new();

    /// <param name="directory">The listed directory (absolute); items are named under it.</param>
    /// <param name="nowUtc">Places LIST's "HH:mm" dates in a year (see <see cref="FtpListingParser.ParseList"/>).</param>
    /// <param name="mlsd">True for MLSD lines (RFC 3659 §7), false for LIST.</param>
    public FtpListingBuilder(string directory, DateTime nowUtc, bool mlsd)
    {
        _directory = directory ?? throw new ArgumentNullException(nameof(directory));
        _nowUtc = nowUtc;
        _mlsd = mlsd;
    }

    /// <summary>How many lines were added, skipped and rejected ones included.</summary>
    public int LineCount { get; private set; }

    /// <summary>Parses one line (without its line end) and keeps its item or its rejection.</summary>
    [MethodImpl(HotPath.Optimized)]
    public void Add(string line)
    {
        LineCount++;
        var result = _mlsd ? FtpListingParser.ParseMlsd(line, _directory) : FtpListingParser.ParseList(line, _directory, _nowUtc);
        switch (result.Status)
        {
            case ListingLineStatus.Item:
                _items.Add(result.Item!);
                break;
            case ListingLineStatus.Skipped:
                break;
            default:
                _rejected.Add(new RejectedListingLine(LineCount, FtpListingParser.Shorten(line), result.Status, result.Reason!));
                break;
        }
    }

    /// <summary>The items and rejections of the lines added so far.</summary>
    public ListingParseResult ToResult() => new(_items, _rejected);
}
