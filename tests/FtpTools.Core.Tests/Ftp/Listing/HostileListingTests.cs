using System;
using System.Collections.Generic;
using System.Linq;
using FtpTools.Core.Ftp.Listing;
using Xunit;
using static FtpTools.Core.Tests.Ftp.Listing.ListingAssert;

namespace FtpTools.Core.Tests.Ftp.Listing;

/// <summary>Lines a hostile or broken server could send. None may yield an item whose FullName leaves the directory.</summary>
public class HostileListingTests
{
    private const string NotPlain = "is not a plain entry name (path separator, \"..\", NUL or drive letter)";

    [Theory]
    [InlineData("-rw-r--r--    1 0        0               5 Nov 21 13:34 ../../etc/passwd", "the name \"../../etc/passwd\" " + NotPlain)]
    [InlineData("-rw-r--r--    1 0        0               5 Nov 21 13:34 /etc/passwd", "the name \"/etc/passwd\" " + NotPlain)]
    [InlineData("-rw-r--r--    1 0        0               5 Nov 21 13:34 /abs", "the name \"/abs\" " + NotPlain)]
    [InlineData("drwxr-xr-x    2 0        0            4096 Nov 21 13:34 a/b", "the name \"a/b\" " + NotPlain)]
    [InlineData("-rw-r--r--    1 0        0               5 Nov 21 13:34 ..\\..\\windows\\win.ini", "the name \"..\\..\\windows\\win.ini\" " + NotPlain)]
    [InlineData("-rw-r--r--    1 0        0               5 Nov 21 13:34 C:evil", "the name \"C:evil\" " + NotPlain)]
    [InlineData("-rw-r--r--    1 0        0               5 Nov 21 13:34 a\0b", "the name \"a\0b\" " + NotPlain)]
    [InlineData("lrwxrwxrwx    1 0        0               5 Nov 21 13:34 ../up -> /etc/passwd", "the name \"../up\" " + NotPlain)]
    [InlineData("-rw-r--r--    1 0        0               5 Nov 21 13:34    ", "the name is empty or only white space")]
    [InlineData("-rw-r--r--    1 0        0               5 Nov 21 13:34 \t", "the name is empty or only white space")]
    [InlineData("-rw-r--r--    1 0        0               5 Nov 21 13:34 \u001b[31mred", "the name contains control characters")]
    [InlineData("-rw-r--r--    1 0        0               5 Nov 21 13:34 bell\u0007", "the name contains control characters")]
    [InlineData("lrwxrwxrwx    1 0        0               5 Nov 21 13:34 ok -> \u001b]0;title\u0007", "the link target contains control characters")]
    [InlineData("01-16-24  02:15PM       <DIR>          ..\\evil", "the name \"..\\evil\" " + NotPlain)]
    [InlineData("01-16-24  02:15PM                 1234 D:\\boot.ini", "the name \"D:\\boot.ini\" " + NotPlain)]
    [InlineData("01-16-24  02:15PM                 1234    ", "the name is empty or only white space")]
    public void Unsafe_list_names_are_rejected(string line, string reason)
    {
        var result = FtpListingParser.ParseList(line, Directory, CaptureNowUtc);
        Assert.Equal(ListingLineStatus.UnsafeName, result.Status);
        Assert.Null(result.Item);
        Assert.Equal(reason, result.Reason);
    }

    [Theory]
    [InlineData("type=file;size=1; ../../etc/passwd", "the name \"../../etc/passwd\" " + NotPlain)]
    [InlineData("type=file;size=1; /abs", "the name \"/abs\" " + NotPlain)]
    [InlineData("type=dir; a/b", "the name \"a/b\" " + NotPlain)]
    [InlineData("type=file; ..\\x", "the name \"..\\x\" " + NotPlain)]
    [InlineData("type=file; C:", "the name \"C:\" " + NotPlain)]
    [InlineData("type=file;size=3;    ", "the name is empty or only white space")]
    [InlineData("type=file;size=3; ", "the name is empty or only white space")]
    [InlineData("type=file;size=3; new\u0085line\u001b", "the name contains control characters")]
    public void Unsafe_mlsd_names_are_rejected(string line, string reason)
    {
        var result = FtpListingParser.ParseMlsd(line, Directory);
        Assert.Equal(ListingLineStatus.UnsafeName, result.Status);
        Assert.Null(result.Item);
        Assert.Equal(reason, result.Reason);
    }

    [Theory]
    [InlineData("hello world", "not a recognised listing format (no Unix mode or DOS date at the start)")]
    [InlineData("550 No files found.", "not a recognised listing format (no Unix mode or DOS date at the start)")]
    [InlineData("-", "not a recognised listing format (no Unix mode or DOS date at the start)")]
    [InlineData("drwx", "not a recognised listing format (no Unix mode or DOS date at the start)")]
    [InlineData("-rw-r--r-x-", "not a recognised listing format (no Unix mode or DOS date at the start)")]
    [InlineData("-rwZr--r-- 1 0 0 5 Nov 21 13:34 x", "not a recognised listing format (no Unix mode or DOS date at the start)")]
    [InlineData("\u0001\u0002\u0003\u00ff", "not a recognised listing format (no Unix mode or DOS date at the start)")]
    [InlineData("-rw-r--r-- 1 0 0 x Nov 21 13:34 file", "Unix listing line without a recognisable size and date")]
    [InlineData("-rw-r--r-- 1 0 0 5 Foo 21 13:34 file", "Unix listing line without a recognisable size and date")]
    [InlineData("-rw-r--r-- 1 0 0 5 Nov 21 25:34 file", "Unix listing line without a recognisable size and date")]
    [InlineData("-rw-r--r-- 1 0 0 5 Nov 21 13:34", "no name after the date")]
    [InlineData("-rw-r--r-- 1 0 0 5 Nov 21 13:34 ", "no name after the date")]
    [InlineData("-rw-r--r-- 1 0 0 5 Feb 30 2020 file", "impossible date \"Feb 30 2020\"")]
    [InlineData("-rw-r--r-- 1 0 0 5 Apr 31 13:34 file", "impossible date \"Apr 31\"")]
    [InlineData("-rw-r--r-- 1 0 0 5 2024-02-30 13:34 file", "impossible date \"2024-02-30\"")]
    [InlineData("-rw-r--r-- 1 0 0 99999999999999999999 Nov 21 13:34 file", "Unix listing line without a recognisable size and date")]
    [InlineData("-rw-r--r-- 1 0 0 9223372036854775808 Nov 21 13:34 file", "Unix listing line without a recognisable size and date")]
    [InlineData("13-45-24  02:15PM  12 x", "not a recognised listing format (no Unix mode or DOS date at the start)")]
    [InlineData("01-16-24  13:15PM  12 x", "impossible 12-hour time in DOS listing line")]
    [InlineData("01-16-24", "DOS listing line without a time after the date")]
    [InlineData("01-16-24  02:15PM", "DOS listing line without a size or <DIR>")]
    [InlineData("01-16-24  02:15PM  twelve x", "DOS listing line with a bad size \"twelve\"")]
    [InlineData("01-16-24  02:15PM  12", "no name after the size")]
    [InlineData("totally 12", "not a recognised listing format (no Unix mode or DOS date at the start)")]
    public void Garbage_list_lines_are_unparseable_with_a_reason(string line, string reason)
    {
        var result = FtpListingParser.ParseList(line, Directory, CaptureNowUtc);
        Assert.Equal(ListingLineStatus.Unparseable, result.Status);
        Assert.Null(result.Item);
        Assert.Equal(reason, result.Reason);
    }

    [Theory]
    [InlineData("9223372036854775807", long.MaxValue)] // The largest size a listing can give: one more is refused above.
    [InlineData("0", 0L)]
    [InlineData("00012", 12L)]
    public void Unix_sizes_are_read_up_to_the_largest_64_bit_value(string size, long expected)
    {
        var result = FtpListingParser.ParseList("-rw-r--r-- 1 0 0 " + size + " Nov 21 13:34 file", Directory, CaptureNowUtc);
        Assert.Equal(ListingLineStatus.Item, result.Status);
        Assert.Equal(expected, result.Item!.Length);
    }

    [Fact]
    public void Overlong_lines_are_rejected_unread_in_both_formats()
    {
        var longName = new string('a', FtpListingParser.MaxLineLength);
        var list = "-rw-r--r-- 1 0 0 5 Nov 21 13:34 " + longName;
        var mlsd = "type=file;size=5; " + longName;
        var atLimit = "-rw-r--r-- 1 0 0 5 Nov 21 13:34 " + new string('b', FtpListingParser.MaxLineLength - 32);

        var listResult = FtpListingParser.ParseList(list, Directory, CaptureNowUtc);
        var mlsdResult = FtpListingParser.ParseMlsd(mlsd, Directory);
        Assert.Equal(ListingLineStatus.Unparseable, listResult.Status);
        Assert.Equal("the line is " + list.Length + " characters long; the limit is 8192", listResult.Reason);
        Assert.Equal(ListingLineStatus.Unparseable, mlsdResult.Status);
        Assert.Equal("the line is " + mlsd.Length + " characters long; the limit is 8192", mlsdResult.Reason);

        Assert.Equal(FtpListingParser.MaxLineLength, atLimit.Length);
        Assert.Equal(FtpListingParser.MaxLineLength - 32, FtpListingParser.ParseList(atLimit, Directory, CaptureNowUtc).Item!.Name.Length);
    }

    [Fact]
    public void Symlink_targets_that_point_outside_are_kept_as_text_and_the_item_stays_inside()
    {
        var item = AssertItem(
            FtpListingParser.ParseList("lrwxrwxrwx 1 0 0 16 Nov 21 13:34 escape -> ../../etc/passwd", Directory, CaptureNowUtc),
            "SymbolicLink|escape|16|2026-11-21 13:34:00|rwxrwxrwx|777|0|0|../../etc/passwd");
        Assert.Equal("/pub/data/escape", item.FullName);
    }

    /// <summary>Every hostile line from the tables above plus variants, in both formats and in odd directories.</summary>
    public static IEnumerable<object[]> AnyLine()
    {
        var names = new[]
        {
            "../../etc/passwd", "/etc/passwd", "/abs", "a/b", "..", ".", "../x", "x/..", "..\\x", "C:\\x", "c:x", "a\0b",
            "   ", " ", " ../x", "../ x", "./x", "x/", "/", "//", "\\\\server\\share", "….", ". .", "..\u2215x",
        };
        foreach (var name in names)
        {
            yield return new object[] { "-rw-r--r-- 1 0 0 5 Nov 21 13:34 " + name, false };
            yield return new object[] { "lrwxrwxrwx 1 0 0 5 Nov 21 13:34 " + name + " -> " + name, false };
            yield return new object[] { "drwxr-xr-x 1 0 0 5 Jan 1 2020 " + name, false };
            yield return new object[] { "01-16-24  02:15PM       <DIR>          " + name, false };
            yield return new object[] { "01-16-24  02:15PM                 1234 " + name, false };
            yield return new object[] { "type=file;size=1; " + name, true };
            yield return new object[] { "type=dir; " + name, true };
        }
    }

    [Theory]
    [MemberData(nameof(AnyLine))]
    public void No_line_yields_an_item_outside_the_listed_directory(string line, bool mlsd)
    {
        foreach (var directory in new[] { "/", "/pub/data", "/pub/data/", "/a b/c" })
        {
            var result = mlsd ? FtpListingParser.ParseMlsd(line, directory) : FtpListingParser.ParseList(line, directory, CaptureNowUtc);
            if (result.Status != ListingLineStatus.Item)
            {
                Assert.NotNull(result.Reason);
                continue;
            }

            var item = result.Item!;
            var prefix = directory.TrimEnd('/') + "/";
            Assert.StartsWith(prefix, item.FullName, StringComparison.Ordinal);
            Assert.Equal(prefix + item.Name, item.FullName);
            Assert.DoesNotContain('/', item.Name);
            Assert.DoesNotContain('\\', item.Name);
            Assert.NotEqual("..", item.Name);
            Assert.NotEqual(".", item.Name);
        }
    }

    [Fact]
    public void The_safe_looking_variants_of_the_hostile_table_are_the_only_items()
    {
        var items = AnyLine()
            .Select(row => (bool)row[1] ? FtpListingParser.ParseMlsd((string)row[0], Directory) : FtpListingParser.ParseList((string)row[0], Directory, CaptureNowUtc))
            .Where(r => r.Status == ListingLineStatus.Item)
            .Select(r => r.Item!.Name)
            .Distinct()
            .OrderBy(n => n, StringComparer.Ordinal)
            .ToArray();

        // " ../x" keeps its leading space and still holds '/': rejected. Only names without separators survive.
        Assert.Equal(new[] { ". .", "..\u2215x", "…." }, items);
    }
}
