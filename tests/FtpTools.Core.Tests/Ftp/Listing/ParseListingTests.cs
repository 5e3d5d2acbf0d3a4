using System;
using System.Linq;
using FtpTools.Core.Ftp.Listing;
using Xunit;
using static FtpTools.Core.Tests.Ftp.Listing.ListingAssert;

namespace FtpTools.Core.Tests.Ftp.Listing;

public class ParseListingTests
{
    // proftpd 1.3.8 LIST with ListOptions "-a" (captured), with hostile and broken lines mixed in.
    private static readonly string[] ListLines =
    {
        "total 20",
        "-rw-r--r--   1 0        0               0 Nov 21 13:34  leading space",
        "drwxr-xr-x   4 0        0            4096 Nov 21 13:34 .",
        "drwxr-xr-x   4 0        0            4096 Nov 21 13:34 ..",
        "drwxr-xr-x   2 0        0            4096 Nov 21 13:34 Folder name",
        "-rw-r--r--   1 0        0               5 Nov 21 13:34 ../../etc/passwd",
        "lrwxrwxrwx   1 0        0              11 Nov 21 13:34 abslink -> /etc/passwd",
        "this is not a listing line",
        "-rw-r--r--   1 1234     5678            6 Nov 21 13:34 file.txt",
        "01-16-24  02:15PM       <DIR>          dos dir",
        "-rw-r--r--   1 0        0               0 Nov 21 13:34 日本語.txt",
        "",
    };

    [Fact]
    public void List_listing_returns_items_in_order_and_reports_every_rejected_line()
    {
        var result = FtpListingParser.ParseListing(ListLines, "/pub/data/", CaptureNowUtc, mlsd: false);

        Assert.Equal(
            new[] { " leading space", "Folder name", "abslink", "file.txt", "dos dir", "日本語.txt" },
            result.Items.Select(i => i.Name));
        Assert.Equal(
            new[] { "/pub/data/ leading space", "/pub/data/Folder name", "/pub/data/abslink", "/pub/data/file.txt", "/pub/data/dos dir", "/pub/data/日本語.txt" },
            result.Items.Select(i => i.FullName));
        Assert.Equal(
            new[]
            {
                "6|UnsafeName|-rw-r--r--   1 0        0               5 Nov 21 13:34 ../../etc/passwd|the name \"../../etc/passwd\" is not a plain entry name (path separator, \"..\", NUL or drive letter)",
                "8|Unparseable|this is not a listing line|not a recognised listing format (no Unix mode or DOS date at the start)",
            },
            result.Rejected.Select(r => r.LineNumber + "|" + r.Status + "|" + r.Line + "|" + r.Reason));
    }

    [Fact]
    public void Mlsd_listing_skips_cdir_and_pdir_and_reports_bad_lines()
    {
        var lines = new[]
        {
            "type=cdir;sizd=4096;modify=20261121133421;UNIX.mode=0755;UNIX.uid=0;UNIX.gid=0;unique=fe00gb1e1f4; .",
            "type=file;size=6;modify=20261121133418;UNIX.mode=0644;UNIX.uid=1234;UNIX.gid=5678;unique=fe00gb1e1f5; file.txt",
            "type=pdir;sizd=4096;modify=20261121133421;UNIX.mode=0755;UNIX.uid=0;UNIX.gid=0;unique=fe00gb1e1f4; ..",
            "type=file;size=1; /etc/passwd",
            "type=dir;sizd=4096;modify=20261121133418;UNIX.mode=0755;UNIX.uid=102;UNIX.gid=105;unique=fe00gb1e1f7; sub",
            "type=file;size=many; broken",
        };

        var result = FtpListingParser.ParseListing(lines, "/", CaptureNowUtc, mlsd: true);

        Assert.Equal(new[] { "/file.txt", "/sub" }, result.Items.Select(i => i.FullName));
        Assert.Equal(new[] { RemoteItemKind.File, RemoteItemKind.Directory }, result.Items.Select(i => i.Kind));
        Assert.Equal(
            new[] { "4|UnsafeName", "6|Unparseable|bad size fact \"many\"" },
            result.Rejected.Select(r => r.LineNumber + "|" + r.Status + (r.Status == ListingLineStatus.Unparseable ? "|" + r.Reason : string.Empty)));
    }

    [Fact]
    public void Rejected_lines_are_cut_for_the_report()
    {
        var garbage = new string('x', 10_000);
        var result = FtpListingParser.ParseListing(new[] { garbage }, "/", CaptureNowUtc, mlsd: false);

        var rejected = Assert.Single(result.Rejected);
        Assert.Equal(new string('x', FtpListingParser.MaxReportedLineLength) + "...", rejected.Line);
        Assert.Equal("the line is 10000 characters long; the limit is 8192", rejected.Reason);
        Assert.Empty(result.Items);
    }

    [Fact]
    public void Null_arguments_are_refused()
    {
        Assert.Throws<ArgumentNullException>(() => FtpListingParser.ParseListing(null!, "/", CaptureNowUtc, mlsd: false));
        Assert.Throws<ArgumentNullException>(() => FtpListingParser.ParseList(null!, "/", CaptureNowUtc));
        Assert.Throws<ArgumentNullException>(() => FtpListingParser.ParseMlsd("type=file; x", null!));
        Assert.Throws<ArgumentNullException>(() => FtpListingParser.ParseMlst(null!, "/x"));
    }
}
