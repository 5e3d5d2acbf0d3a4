using System;
using FtpTools.Core.Ftp.Listing;
using Xunit;
using static FtpTools.Core.Tests.Ftp.Listing.ListingAssert;

namespace FtpTools.Core.Tests.Ftp.Listing;

public class MlsdParserTests
{
    // Captured from pure-ftpd 1.0.50: numeric UNIX.uid/gid, "sizd" for directories, "OS.unix=slink:" without
    // the target, "unknown" for FIFOs and devices.
    [Theory]
    [InlineData("type=file;size=0;modify=20261121133421;UNIX.mode=0644;UNIX.uid=0;UNIX.gid=0;unique=fe00gb1e212; arrow -> not link", "File|arrow -> not link|0|2026-11-21 13:34:21|rw-r--r--|644|0|0|null")]
    [InlineData("type=file;size=0;modify=20261121133421;UNIX.mode=0644;UNIX.uid=0;UNIX.gid=0;unique=fe00gb1e20b;  leading space", "File| leading space|0|2026-11-21 13:34:21|rw-r--r--|644|0|0|null")]
    [InlineData("type=file;size=0;modify=20261121133421;UNIX.mode=0644;UNIX.uid=0;UNIX.gid=0;unique=fe00gb1e20e; ünïcødé ñame.txt", "File|ünïcødé ñame.txt|0|2026-11-21 13:34:21|rw-r--r--|644|0|0|null")]
    [InlineData("type=OS.unix=slink:;size=11;modify=20261121133418;UNIX.mode=0777;UNIX.uid=0;UNIX.gid=0;unique=fe00gb1e1fa; dir link", "SymbolicLink|dir link|11|2026-11-21 13:34:18|rwxrwxrwx|777|0|0|null")]
    [InlineData("type=dir;sizd=4096;modify=20261121133418;UNIX.mode=0755;UNIX.uid=0;UNIX.gid=0;unique=fe00gb1e1f6; Folder name", "Directory|Folder name|4096|2026-11-21 13:34:18|rwxr-xr-x|755|0|0|null")]
    [InlineData("type=unknown;size=0;modify=20261121133418;UNIX.mode=0644;UNIX.uid=0;UNIX.gid=0;unique=fe00gb1e1fc; pipe", "Other|pipe|0|2026-11-21 13:34:18|rw-r--r--|644|0|0|null")]
    [InlineData("type=file;size=0;modify=20261121133421;UNIX.mode=0644;UNIX.uid=0;UNIX.gid=0;unique=fe00gb1e20c; name with  two spaces", "File|name with  two spaces|0|2026-11-21 13:34:21|rw-r--r--|644|0|0|null")]
    [InlineData("type=file;size=0;modify=20261121133421;UNIX.mode=0644;UNIX.uid=0;UNIX.gid=0;unique=fe00gb1e210; trailing space ", "File|trailing space |0|2026-11-21 13:34:21|rw-r--r--|644|0|0|null")]
    [InlineData("type=file;size=0;modify=20261121133421;UNIX.mode=0644;UNIX.uid=0;UNIX.gid=0;unique=fe00gb1e20f; 日本語.txt", "File|日本語.txt|0|2026-11-21 13:34:21|rw-r--r--|644|0|0|null")]
    [InlineData("type=file;size=6;modify=20261121133418;UNIX.mode=0644;UNIX.uid=1234;UNIX.gid=5678;unique=fe00gb1e1f5; file.txt", "File|file.txt|6|2026-11-21 13:34:18|rw-r--r--|644|1234|5678|null")]
    [InlineData("type=dir;sizd=4096;modify=20261121133418;UNIX.mode=0755;UNIX.uid=102;UNIX.gid=105;unique=fe00gb1e1f7; sub", "Directory|sub|4096|2026-11-21 13:34:18|rwxr-xr-x|755|102|105|null")]
    [InlineData("type=file;size=0;modify=20261121133421;UNIX.mode=0644;UNIX.uid=0;UNIX.gid=0;unique=fe00gb1e211; -dash", "File|-dash|0|2026-11-21 13:34:21|rw-r--r--|644|0|0|null")]
    [InlineData("type=file;size=0;modify=20261121133421;UNIX.mode=0644;UNIX.uid=0;UNIX.gid=0;unique=fe00gb1e20d; semi;colon.txt", "File|semi;colon.txt|0|2026-11-21 13:34:21|rw-r--r--|644|0|0|null")]
    [InlineData("type=file;size=5000000000;modify=20261121133418;UNIX.mode=0644;UNIX.uid=0;UNIX.gid=0;unique=fe00gb1e1ff; big.bin", "File|big.bin|5000000000|2026-11-21 13:34:18|rw-r--r--|644|0|0|null")]
    [InlineData("type=file;size=0;modify=20990101000000;UNIX.mode=0644;UNIX.uid=0;UNIX.gid=0;unique=fe00gb1e1fe; future.txt", "File|future.txt|0|2099-01-01 00:00:00|rw-r--r--|644|0|0|null")]
    public void Pure_ftpd_lines(string line, string expected)
    {
        AssertItem(FtpListingParser.ParseMlsd(line, Directory), expected);
    }

    // Captured from proftpd 1.3.8 (default facts, then after OPTS MLST without "unique"): UNIX.ownername and
    // UNIX.groupname win over the numeric UNIX.owner/UNIX.group; directories carry no size.
    [Theory]
    [InlineData("modify=20261121133421;perm=adfr;size=0;type=file;unique=FE00UB1E212;UNIX.group=0;UNIX.groupname=105;UNIX.mode=0644;UNIX.owner=0;UNIX.ownername=lister; arrow -> not link", "File|arrow -> not link|0|2026-11-21 13:34:21|rw-r--r--|644|lister|105|null")]
    [InlineData("modify=20261121133421;perm=adfr;size=0;type=file;unique=FE00UB1E20B;UNIX.group=0;UNIX.groupname=105;UNIX.mode=0644;UNIX.owner=0;UNIX.ownername=lister;  leading space", "File| leading space|0|2026-11-21 13:34:21|rw-r--r--|644|lister|105|null")]
    [InlineData("modify=20261121133418;perm=adfr;size=11;type=OS.unix=symlink;unique=FE00UB1E1F6;UNIX.group=0;UNIX.groupname=105;UNIX.mode=0777;UNIX.owner=0;UNIX.ownername=lister; dir link", "SymbolicLink|dir link|11|2026-11-21 13:34:18|rwxrwxrwx|777|lister|105|null")]
    [InlineData("modify=20261121133418;perm=fle;type=dir;unique=FE00UB1E1F6;UNIX.group=0;UNIX.groupname=105;UNIX.mode=0755;UNIX.owner=0;UNIX.ownername=lister; Folder name", "Directory|Folder name|null|2026-11-21 13:34:18|rwxr-xr-x|755|lister|105|null")]
    [InlineData("modify=20261121133418;perm=flcdmpe;type=dir;UNIX.group=105;UNIX.groupname=105;UNIX.mode=0755;UNIX.owner=102;UNIX.ownername=lister; sub", "Directory|sub|null|2026-11-21 13:34:18|rwxr-xr-x|755|lister|105|null")]
    [InlineData("modify=20261121133421;perm=adfr;size=0;type=file;UNIX.group=0;UNIX.groupname=105;UNIX.mode=0644;UNIX.owner=0;UNIX.ownername=lister; ünïcødé ñame.txt", "File|ünïcødé ñame.txt|0|2026-11-21 13:34:21|rw-r--r--|644|lister|105|null")]
    [InlineData("modify=20261121133421;perm=adfr;size=0;type=file;UNIX.group=0;UNIX.groupname=105;UNIX.mode=0644;UNIX.owner=0;UNIX.ownername=lister; semi;colon.txt", "File|semi;colon.txt|0|2026-11-21 13:34:21|rw-r--r--|644|lister|105|null")]
    [InlineData("modify=20200101000000;perm=adfr;size=0;type=file;UNIX.group=0;UNIX.groupname=105;UNIX.mode=0644;UNIX.owner=0;UNIX.ownername=lister; old.txt", "File|old.txt|0|2020-01-01 00:00:00|rw-r--r--|644|lister|105|null")]
    public void Proftpd_lines(string line, string expected)
    {
        AssertItem(FtpListingParser.ParseMlsd(line, Directory), expected);
    }

    // RFC 3659 §7 forms other servers use: capitalised fact names and type values (the RFC's own examples),
    // perm without UNIX.mode, fractional modify times, slink with a target, no facts at all, mode with type bits.
    [Theory]
    [InlineData("Type=file;Size=25730;Modify=19940728095854;Perm=; capmux.tar.z", "File|capmux.tar.z|25730|1994-07-28 09:58:54||null|null|null|null")]
    [InlineData("Type=file;Size=1830;Modify=19940916055648;Perm=r; hatch.c", "File|hatch.c|1830|1994-09-16 05:56:48|r|null|null|null|null")]
    [InlineData("TYPE=DIR;MODIFY=20240116141500;PERM=flcdmpe; Upper Case", "Directory|Upper Case|null|2024-01-16 14:15:00|flcdmpe|null|null|null|null")]
    [InlineData("type=file;size=1234;modify=20240116141500.123;perm=adfrw; report.pdf", "File|report.pdf|1234|2024-01-16 14:15:00.1230000|adfrw|null|null|null|null")]
    [InlineData("type=OS.unix=slink:/etc/passwd;size=11;modify=20240116141500; abslink", "SymbolicLink|abslink|11|2024-01-16 14:15:00|null|null|null|null|/etc/passwd")]
    [InlineData("type=OS.UNIX=symlink;size=3; link", "SymbolicLink|link|3|null|null|null|null|null|null")]
    [InlineData("type=OS.unix=blkdev;UNIX.mode=0660; sda", "Other|sda|null|null|rw-rw----|660|null|null|null")]
    [InlineData(" no facts.txt", "Other|no facts.txt|null|null|null|null|null|null|null")]
    [InlineData("type=file;size=1;UNIX.mode=100644; mode with type bits", "File|mode with type bits|1|null|rw-r--r--|644|null|null|null")]
    [InlineData("type=file;size=1;UNIX.mode=4755; setuid", "File|setuid|1|null|rwsr-xr-x|4755|null|null|null")]
    [InlineData("type=file;size=1;UNIX.owner=1000;UNIX.group=100; numeric only", "File|numeric only|1|null|null|null|1000|100|null")]
    [InlineData("type=file;size=1;size=2; repeated fact", "File|repeated fact|2|null|null|null|null|null|null")]
    [InlineData("type=file;size=7 no trailing semicolon", "File|no trailing semicolon|7|null|null|null|null|null|null")]
    [InlineData("type=file;size=3;modify=20240116141500; crlf.txt\r", "File|crlf.txt|3|2024-01-16 14:15:00|null|null|null|null|null")]
    public void Rfc_3659_forms(string line, string expected)
    {
        AssertItem(FtpListingParser.ParseMlsd(line, Directory), expected);
    }

    [Theory]
    [InlineData("type=cdir;sizd=4096;modify=20261121133421;UNIX.mode=0755;UNIX.uid=0;UNIX.gid=0;unique=fe00gb1e1f4; .", "cdir entry")]
    [InlineData("type=pdir;sizd=4096;modify=20261121133421;UNIX.mode=0755;UNIX.uid=0;UNIX.gid=0;unique=fe00gb1e1f4; ..", "pdir entry")]
    [InlineData("modify=20261121133421;perm=fle;type=cdir;unique=FE00UB1E1F4;UNIX.group=0;UNIX.groupname=105;UNIX.mode=0755;UNIX.owner=0;UNIX.ownername=lister; .", "cdir entry")]
    [InlineData("Type=cdir;Modify=19981107085215;Perm=el; /tmp", "cdir entry")]
    [InlineData("Type=PDIR;Perm=el; ..", "pdir entry")]
    [InlineData("type=dir;modify=20240116141500; .", "\".\" entry")]
    [InlineData("type=dir;modify=20240116141500; ..", "\"..\" entry")]
    [InlineData("", "blank line")]
    [InlineData("\r", "blank line")]
    public void Cdir_pdir_and_dot_entries_are_skipped(string line, string reason)
    {
        var result = FtpListingParser.ParseMlsd(line, Directory);
        Assert.Equal(ListingLineStatus.Skipped, result.Status);
        Assert.Equal(reason, result.Reason);
    }

    [Theory]
    [InlineData("type=file;size=abc; x", "bad size fact \"abc\"")]
    [InlineData("type=file;size=-1; x", "bad size fact \"-1\"")]
    [InlineData("type=file;size=99999999999999999999; x", "bad size fact \"99999999999999999999\"")]
    [InlineData("type=file;modify=2024; x", "bad modify fact \"2024\"")]
    [InlineData("type=file;modify=20241301000000; x", "bad modify fact \"20241301000000\"")]
    [InlineData("type=file;UNIX.mode=rwxr-xr-x; x", "bad UNIX.mode fact \"rwxr-xr-x\"")]
    [InlineData("type=file;UNIX.mode=0999; x", "bad UNIX.mode fact \"0999\"")]
    [InlineData("type=file;size=1;", "no space between the facts and the name")]
    [InlineData("garbage", "no space between the facts and the name")]
    [InlineData("no facts here", "malformed fact \"no\" (expected name=value)")]
    [InlineData("type=file;=orphan; x", "malformed fact \"=orphan\" (expected name=value)")]
    [InlineData("-rw-r--r-- 1 0 0 5 Jan 16 14:15 list.txt", "malformed fact \"-rw-r--r--\" (expected name=value)")]
    public void Malformed_lines_are_unparseable_with_a_reason(string line, string reason)
    {
        var result = FtpListingParser.ParseMlsd(line, Directory);
        Assert.Equal(ListingLineStatus.Unparseable, result.Status);
        Assert.Null(result.Item);
        Assert.Equal(reason, result.Reason);
    }

    // MLST replies (RFC 3659 §7.2) come on the control connection, one space in front; the item is named after
    // the path asked for, whatever form the server echoes (proftpd echoes "/file.txt", pure-ftpd "file.txt").
    [Theory]
    [InlineData(" modify=20261121133418;perm=adfr;size=6;type=file;unique=FE00UB1E1F5;UNIX.group=5678;UNIX.groupname=105;UNIX.mode=0644;UNIX.owner=1234;UNIX.ownername=lister; /file.txt", "/file.txt", "File|file.txt|6|2026-11-21 13:34:18|rw-r--r--|644|lister|105|null")]
    [InlineData(" type=dir;sizd=4096;modify=20261121133418;UNIX.mode=0755;UNIX.uid=102;UNIX.gid=105;unique=fe00gb1e1f7; sub", "/pub/data/sub/", "Directory|sub|4096|2026-11-21 13:34:18|rwxr-xr-x|755|102|105|null")]
    [InlineData(" type=OS.unix=slink:;size=8;modify=20261121133418;UNIX.mode=0777;UNIX.uid=0;UNIX.gid=0;unique=fe00gb1e1f8; link", "/pub/data/link", "SymbolicLink|link|8|2026-11-21 13:34:18|rwxrwxrwx|777|0|0|null")]
    [InlineData(" Type=cdir;Modify=19981107085215;Perm=el; /pub/data/here", "/pub/data/here", "Directory|here|null|1998-11-07 08:52:15|el|null|null|null|null")]
    [InlineData(" type=file;size=1; ../../etc/passwd", "/pub/data/a b", "File|a b|1|null|null|null|null|null|null")]
    public void Mlst_lines(string line, string path, string expected)
    {
        var result = FtpListingParser.ParseMlst(line, path);
        Assert.Equal(ListingLineStatus.Item, result.Status);
        Assert.Equal(expected, Describe(result.Item!));
        Assert.Equal(path.TrimEnd('/'), result.Item!.FullName);
    }
}
