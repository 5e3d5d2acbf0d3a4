using System;
using FtpTools.Core.Ftp.Listing;
using Xunit;
using static FtpTools.Core.Tests.Ftp.Listing.ListingAssert;

namespace FtpTools.Core.Tests.Ftp.Listing;

public class ListParserTests
{
    // Captured from vsftpd 3.0.3 (Debian 12) listing a prepared directory on 2026-11-21 13:34 UTC.
    // vsftpd prints numeric ids, a device's size as 0, and "Mon dd  yyyy" with a zero-padded day.
    [Theory]
    [InlineData("-rw-r--r--    1 0        0               0 Nov 21 13:34  leading space", "File| leading space|0|2026-11-21 13:34:00|rw-r--r--|644|0|0|null")]
    [InlineData("-rw-r--r--    1 0        0               0 Nov 21 13:34 -dash", "File|-dash|0|2026-11-21 13:34:00|rw-r--r--|644|0|0|null")]
    [InlineData("drwxr-xr-x    2 0        0            4096 Nov 21 13:34 Folder name", "Directory|Folder name|4096|2026-11-21 13:34:00|rwxr-xr-x|755|0|0|null")]
    [InlineData("lrwxrwxrwx    1 0        0              11 Nov 21 13:34 abslink -> /etc/passwd", "SymbolicLink|abslink|11|2026-11-21 13:34:00|rwxrwxrwx|777|0|0|/etc/passwd")]
    [InlineData("-rw-r--r--    1 0        0               0 Nov 21 13:34 arrow -> not link", "File|arrow -> not link|0|2026-11-21 13:34:00|rw-r--r--|644|0|0|null")]
    [InlineData("-rw-r--r--    1 0        0        5000000000 Nov 21 13:34 big.bin", "File|big.bin|5000000000|2026-11-21 13:34:00|rw-r--r--|644|0|0|null")]
    [InlineData("lrwxrwxrwx    1 0        0              11 Nov 21 13:34 dir link -> Folder name", "SymbolicLink|dir link|11|2026-11-21 13:34:00|rwxrwxrwx|777|0|0|Folder name")]
    [InlineData("-rw-r--r--    1 1234     5678            6 Nov 21 13:34 file.txt", "File|file.txt|6|2026-11-21 13:34:00|rw-r--r--|644|1234|5678|null")]
    [InlineData("-rw-r--r--    1 0        0               0 Jan 01  2099 future.txt", "File|future.txt|0|2099-01-01 00:00:00|rw-r--r--|644|0|0|null")]
    [InlineData("lrwxrwxrwx    1 0        0               8 Nov 21 13:34 link -> file.txt", "SymbolicLink|link|8|2026-11-21 13:34:00|rwxrwxrwx|777|0|0|file.txt")]
    [InlineData("-rw-r--r--    1 0        0               0 Nov 21 13:34 name with  two spaces", "File|name with  two spaces|0|2026-11-21 13:34:00|rw-r--r--|644|0|0|null")]
    [InlineData("crw-r--r--    1 0        0               0 Nov 21 13:34 null", "Other|null|0|2026-11-21 13:34:00|rw-r--r--|644|0|0|null")]
    [InlineData("-rw-r--r--    1 0        0               0 Jan 01  2020 old.txt", "File|old.txt|0|2020-01-01 00:00:00|rw-r--r--|644|0|0|null")]
    [InlineData("prw-r--r--    1 0        0               0 Nov 21 13:34 pipe", "Other|pipe|0|2026-11-21 13:34:00|rw-r--r--|644|0|0|null")]
    [InlineData("-rw-r--r--    1 0        0               0 Nov 21 13:34 semi;colon.txt", "File|semi;colon.txt|0|2026-11-21 13:34:00|rw-r--r--|644|0|0|null")]
    [InlineData("drwxr-xr-x    2 102      105          4096 Nov 21 13:34 sub", "Directory|sub|4096|2026-11-21 13:34:00|rwxr-xr-x|755|102|105|null")]
    [InlineData("-rw-r--r--    1 0        0               0 Nov 21 13:34 trailing space ", "File|trailing space |0|2026-11-21 13:34:00|rw-r--r--|644|0|0|null")]
    [InlineData("-rw-r--r--    1 0        0               0 Nov 21 13:34 ünïcødé ñame.txt", "File|ünïcødé ñame.txt|0|2026-11-21 13:34:00|rw-r--r--|644|0|0|null")]
    [InlineData("-rw-r--r--    1 0        0               0 Nov 21 13:34 日本語.txt", "File|日本語.txt|0|2026-11-21 13:34:00|rw-r--r--|644|0|0|null")]
    public void Vsftpd_lines(string line, string expected)
    {
        AssertItem(FtpListingParser.ParseList(line, Directory, CaptureNowUtc), expected);
    }

    // Captured from pure-ftpd 1.0.50 (Debian 12) over the same directory: wider columns, a group name next to a
    // numeric owner, and "Jan  1 00:00" for a file dated 2099 (placed in the coming January by the 6-month rule).
    [Theory]
    [InlineData("-rw-r--r--    1 0          0                   0 Nov 21 13:34  leading space", "File| leading space|0|2026-11-21 13:34:00|rw-r--r--|644|0|0|null")]
    [InlineData("-rw-r--r--    1 0          0          5000000000 Nov 21 13:34 big.bin", "File|big.bin|5000000000|2026-11-21 13:34:00|rw-r--r--|644|0|0|null")]
    [InlineData("lrwxrwxrwx    1 0          0                  11 Nov 21 13:34 dir link -> Folder name", "SymbolicLink|dir link|11|2026-11-21 13:34:00|rwxrwxrwx|777|0|0|Folder name")]
    [InlineData("-rw-r--r--    1 0          0                   0 Jan  1 00:00 future.txt", "File|future.txt|0|2027-01-01 00:00:00|rw-r--r--|644|0|0|null")]
    [InlineData("-rw-r--r--    1 0          0                   0 Jan  1  2020 old.txt", "File|old.txt|0|2020-01-01 00:00:00|rw-r--r--|644|0|0|null")]
    [InlineData("drwxr-xr-x    2 102        ftp              4096 Nov 21 13:34 sub", "Directory|sub|4096|2026-11-21 13:34:00|rwxr-xr-x|755|102|ftp|null")]
    [InlineData("-rw-r--r--    1 0          0                   0 Nov 21 13:34 日本語.txt", "File|日本語.txt|0|2026-11-21 13:34:00|rw-r--r--|644|0|0|null")]
    public void Pure_ftpd_lines(string line, string expected)
    {
        AssertItem(FtpListingParser.ParseList(line, Directory, CaptureNowUtc), expected);
    }

    // Captured from proftpd 1.3.8 (Debian 12) with ListOptions "-a".
    [Theory]
    [InlineData("-rw-r--r--   1 0        0               0 Nov 21 13:34  leading space", "File| leading space|0|2026-11-21 13:34:00|rw-r--r--|644|0|0|null")]
    [InlineData("drwxr-xr-x   2 lister   105          4096 Nov 21 13:34 sub", "Directory|sub|4096|2026-11-21 13:34:00|rwxr-xr-x|755|lister|105|null")]
    [InlineData("lrwxrwxrwx   1 0        0              11 Nov 21 13:34 abslink -> /etc/passwd", "SymbolicLink|abslink|11|2026-11-21 13:34:00|rwxrwxrwx|777|0|0|/etc/passwd")]
    [InlineData("crw-r--r--   1 0        0               0 Nov 21 13:34 null", "Other|null|0|2026-11-21 13:34:00|rw-r--r--|644|0|0|null")]
    [InlineData("-rw-r--r--   1 0        0               0 Jan  1 00:00 future.txt", "File|future.txt|0|2027-01-01 00:00:00|rw-r--r--|644|0|0|null")]
    public void Proftpd_lines(string line, string expected)
    {
        AssertItem(FtpListingParser.ParseList(line, Directory, CaptureNowUtc), expected);
    }

    // GNU ls -l (coreutils, this machine) and the marks other ls implementations add after the mode:
    // '+' ACL, '.' SELinux context, '@' macOS extended attributes. Devices show "major, minor" and no size.
    [Theory]
    [InlineData("crw-r--r-- 1 root root 1, 3 Nov 21 13:34 null", "Other|null|null|2026-11-21 13:34:00|rw-r--r--|644|root|root|null")]
    [InlineData("crw-rw-rw- 1 root root 1, 3 Jan 1 2020 null", "Other|null|null|2020-01-01 00:00:00|rw-rw-rw-|666|root|root|null")]
    [InlineData("brw-rw---- 1 root disk 8,   0 Nov 21 13:34 sda", "Other|sda|null|2026-11-21 13:34:00|rw-rw----|660|root|disk|null")]
    [InlineData("crw-rw-rw- 1 root tty 5,0 Nov 21 13:34 tty", "Other|tty|null|2026-11-21 13:34:00|rw-rw-rw-|666|root|tty|null")]
    [InlineData("-rw-r--r-- 1 root root          0 2026-11-21 13:34  leading space", "File| leading space|0|2026-11-21 13:34:00|rw-r--r--|644|root|root|null")]
    [InlineData("drwxr-xr-x 2 root root       4096 2026-11-21 13:34 Folder name", "Directory|Folder name|4096|2026-11-21 13:34:00|rwxr-xr-x|755|root|root|null")]
    [InlineData("-rw-rw-r--+ 1 root root 6 Nov 21 13:34 file.txt", "File|file.txt|6|2026-11-21 13:34:00|rw-rw-r--|664|root|root|null")]
    [InlineData("drwxr-xr-x. 2 root root 4096 Jan 16  2024 selinux dir", "Directory|selinux dir|4096|2024-01-16 00:00:00|rwxr-xr-x|755|root|root|null")]
    [InlineData("-rw-r--r--@ 1 alice  staff  1234 Oct  3 09:05 mac file.txt", "File|mac file.txt|1234|2026-10-03 09:05:00|rw-r--r--|644|alice|staff|null")]
    [InlineData("-rwsr-xr-x    1 0        0           12345 Jan 16  2024 sudo", "File|sudo|12345|2024-01-16 00:00:00|rwsr-xr-x|4755|0|0|null")]
    [InlineData("drwxrwxrwt   10 0        0            4096 Nov 21 13:30 tmp", "Directory|tmp|4096|2026-11-21 13:30:00|rwxrwxrwt|1777|0|0|null")]
    [InlineData("drwxr-sr-x    2 0        50           4096 Nov 21 13:30 shared", "Directory|shared|4096|2026-11-21 13:30:00|rwxr-sr-x|2755|0|50|null")]
    [InlineData("-rwSr-Sr-T    1 0        0               0 Jan 16  2024 odd", "File|odd|0|2024-01-16 00:00:00|rwSr-Sr-T|7644|0|0|null")]
    public void Gnu_ls_lines(string line, string expected)
    {
        AssertItem(FtpListingParser.ParseList(line, Directory, CaptureNowUtc), expected);
    }

    // Layouts with columns missing (ls -o / ls -g style servers, the ftpparse "no group" sample shape),
    // IIS in "Unix" directory listing style, FileZilla Server 0.9 (owner and group "ftp", link count 1).
    [Theory]
    [InlineData("dr-xr-xr-x   2 root                  512 Apr  8  1994 no group dir", "Directory|no group dir|512|1994-04-08 00:00:00|r-xr-xr-x|555|root|null|null")]
    [InlineData("-rw-r--r--   ftp      ftp          1234 Jan 16  2024 nolinks.txt", "File|nolinks.txt|1234|2024-01-16 00:00:00|rw-r--r--|644|ftp|ftp|null")]
    [InlineData("-rw-r--r-- 1234 Jan 16  2024 bare.txt", "File|bare.txt|1234|2024-01-16 00:00:00|rw-r--r--|644|null|null|null")]
    [InlineData("-rw-r--r--    1 jan      12           2020 Nov 21 13:34 owner named like a date", "File|owner named like a date|2020|2026-11-21 13:34:00|rw-r--r--|644|jan|12|null")]
    [InlineData("-rwxrwxrwx   1 owner    group         1234567 Oct  3 09:05 report.pdf", "File|report.pdf|1234567|2026-10-03 09:05:00|rwxrwxrwx|777|owner|group|null")]
    [InlineData("drwxrwxrwx   1 owner    group               0 Oct  3  2019 Folder name", "Directory|Folder name|0|2019-10-03 00:00:00|rwxrwxrwx|777|owner|group|null")]
    [InlineData("-rw-r--r-- 1 ftp ftp            531 Oct 29 03:26 readme.txt", "File|readme.txt|531|2026-10-29 03:26:00|rw-r--r--|644|ftp|ftp|null")]
    [InlineData("drwxr-xr-x 1 ftp ftp              0 Oct 29 03:26 incoming", "Directory|incoming|0|2026-10-29 03:26:00|rwxr-xr-x|755|ftp|ftp|null")]
    [InlineData("lrwxrwxrwx 1 ftp ftp              0 Oct 29 03:26 no target shown", "SymbolicLink|no target shown|0|2026-10-29 03:26:00|rwxrwxrwx|777|ftp|ftp|null")]
    [InlineData("lrwxrwxrwx 1 0 0 3 Oct 29 03:26 a -> b -> c", "SymbolicLink|a|3|2026-10-29 03:26:00|rwxrwxrwx|777|0|0|b -> c")]
    [InlineData("-rw-r--r-- 1 0 0 3 Oct 29 03:26 Jan 16 14:15 looks like a date", "File|Jan 16 14:15 looks like a date|3|2026-10-29 03:26:00|rw-r--r--|644|0|0|null")]
    [InlineData("-rw-r--r--\t1 0\t0\t3 Oct 29 03:26\ttabbed", "File|tabbed|3|2026-10-29 03:26:00|rw-r--r--|644|0|0|null")]
    [InlineData("-rw-r--r-- 1 0 0 3 Oct 29 03:26 crlf.txt\r", "File|crlf.txt|3|2026-10-29 03:26:00|rw-r--r--|644|0|0|null")]
    public void Other_unix_layouts(string line, string expected)
    {
        AssertItem(FtpListingParser.ParseList(line, Directory, CaptureNowUtc), expected);
    }

    [Theory]
    // ls gives files older than six months (or in the future) a year instead of a clock: their time of day is unknown.
    [InlineData("-rw-r--r--    1 0        0              10 May  6  2024 aged.txt", 1440)]
    [InlineData("-rw-r--r--    1 0        0              10 Nov 21 13:34 recent.txt", 1)]
    [InlineData("-rw-r--r--    1 0        0              10 2024-01-16 14:15 iso.txt", 1)]
    [InlineData("01-16-24  02:15PM                 1234 dos.txt", 1)]
    public void Each_listed_time_says_how_precise_it_is(string line, int minutes)
    {
        var item = FtpListingParser.ParseList(line, Directory, CaptureNowUtc).Item!;

        Assert.Equal(TimeSpan.FromMinutes(minutes), item.LastWriteTimePrecision);
    }

    // IIS "MS-DOS" directory listing style: two- and four-digit years, 12- and 24-hour clocks.
    [Theory]
    [InlineData("01-16-24  02:15PM       <DIR>          Folder name", "Directory|Folder name|null|2024-01-16 14:15:00|null|null|null|null|null")]
    [InlineData("01-16-24  02:15PM                 1234 file.txt", "File|file.txt|1234|2024-01-16 14:15:00|null|null|null|null|null")]
    [InlineData("01-16-2024  14:15  1234 file.txt", "File|file.txt|1234|2024-01-16 14:15:00|null|null|null|null|null")]
    [InlineData("11-05-2007  07:58AM       <DIR>          old dir", "Directory|old dir|null|2007-11-05 07:58:00|null|null|null|null|null")]
    [InlineData("12-31-99  12:00AM                    0 y2k.txt", "File|y2k.txt|0|1999-12-31 00:00:00|null|null|null|null|null")]
    [InlineData("06-01-25  12:30PM                   42 noon.txt", "File|noon.txt|42|2025-06-01 12:30:00|null|null|null|null|null")]
    [InlineData("01-16-24  02:15PM           5000000000  leading space.bin", "File| leading space.bin|5000000000|2024-01-16 14:15:00|null|null|null|null|null")]
    [InlineData("01-16-24  02:15PM                 1234 日本語 ファイル.txt", "File|日本語 ファイル.txt|1234|2024-01-16 14:15:00|null|null|null|null|null")]
    [InlineData("10-07-25  09:05 PM                77 spaced marker.txt", "File|spaced marker.txt|77|2025-10-07 21:05:00|null|null|null|null|null")]
    [InlineData("05-27-11  09:31       <DIR>          3", "Directory|3|null|2011-05-27 09:31:00|null|null|null|null|null")]
    public void Iis_dos_lines(string line, string expected)
    {
        AssertItem(FtpListingParser.ParseList(line, Directory, CaptureNowUtc), expected);
    }

    [Theory]
    [InlineData("total 20", "\"total\" line")]
    [InlineData("total 0", "\"total\" line")]
    [InlineData("", "blank line")]
    [InlineData("   ", "blank line")]
    [InlineData("drwxr-xr-x    4 0        0            4096 Nov 21 13:34 .", "\".\" entry")]
    [InlineData("drwxr-xr-x    4 0        0            4096 Nov 21 13:34 ..", "\"..\" entry")]
    [InlineData("drwxr-xr-x   4 0        0            4096 Nov 21 13:34 .", "\".\" entry")]
    [InlineData("01-16-24  02:15PM       <DIR>          ..", "\"..\" entry")]
    public void Totals_blank_lines_and_dot_entries_are_skipped(string line, string reason)
    {
        var result = FtpListingParser.ParseList(line, Directory, CaptureNowUtc);
        Assert.Equal(ListingLineStatus.Skipped, result.Status);
        Assert.Null(result.Item);
        Assert.Equal(reason, result.Reason);
    }

    // "HH:mm" dates carry no year: the latest year that keeps the date at most six months after now.
    [Theory]
    [InlineData("2026-11-21T13:40:00", "Nov 21 13:34", "2026-11-21 13:34:00")]
    [InlineData("2026-11-21T13:40:00", "Dec 25 10:00", "2026-12-25 10:00:00")]
    [InlineData("2026-11-21T13:40:00", "May 21 13:40", "2027-05-21 13:40:00")]
    [InlineData("2026-11-21T13:40:00", "May 21 13:41", "2026-05-21 13:41:00")]
    [InlineData("2026-11-21T13:40:00", "Jun  1 00:00", "2026-06-01 00:00:00")]
    [InlineData("2026-02-10T08:00:00", "Dec 31 23:59", "2025-12-31 23:59:00")]
    [InlineData("2026-02-10T08:00:00", "Aug 10 08:00", "2026-08-10 08:00:00")]
    [InlineData("2026-02-10T08:00:00", "Aug 11 08:00", "2025-08-11 08:00:00")]
    [InlineData("2026-11-21T13:40:00", "Feb 29 12:00", "2024-02-29 12:00:00")]
    [InlineData("2027-12-31T23:59:00", "Feb 29 00:00", "2028-02-29 00:00:00")]
    public void Year_is_inferred_from_now(string now, string date, string expected)
    {
        var nowUtc = DateTime.SpecifyKind(DateTime.Parse(now, System.Globalization.CultureInfo.InvariantCulture), DateTimeKind.Utc);
        var result = FtpListingParser.ParseList("-rw-r--r-- 1 0 0 1 " + date + " f", Directory, nowUtc);
        AssertItem(result, "File|f|1|" + expected + "|rw-r--r--|644|0|0|null");
    }
}
