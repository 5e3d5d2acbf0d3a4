using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using FtpTools.Core.Ftp.Listing;
using Xunit;
using static FtpTools.Core.Tests.Ftp.Listing.ListingAssert;

namespace FtpTools.Core.Tests.Ftp.Listing;

/// <summary>
/// Listing lines are parsed while the data connection is still being read, so a parser that threw on a broken line
/// would cut the transfer off and leave the server's final reply unread. Mutated real lines (fixed seeds, so a failure
/// repeats) must each come back as an item inside the directory or as a rejection with a reason, never as an exception.
/// </summary>
public class ListingFuzzTests
{
    private const string Directory = "/pub/data";

    private static readonly string[] ListSeeds =
    {
        "-rw-r--r--   1 ftp      ftp          4096 Nov 21 13:34 a.txt",
        "drwxr-xr-x   2 1000     1000         4096 Jan  1  2020 dir name",
        "lrwxrwxrwx   1 0        0              11 Nov 21 13:34 link -> /etc/passwd",
        "-rw-r--r--   1 owner group 9223372036854775807 Feb 29 2024 big",
        "crw-rw-rw-   1 root     root       1,   3 Nov 21 13:34 null",
        "-rw-r--r--+  1 user     staff           5 Dec 31 23:59 acl.txt",
        "01-16-24  02:15PM       <DIR>          dos dir",
        "01-16-2024  14:15                 1234 dos file.txt",
        "total 20",
    };

    private static readonly string[] MlsdSeeds =
    {
        "type=file;size=6;modify=20261121133418;UNIX.mode=0644;UNIX.uid=1234;UNIX.gid=5678;unique=fe00gb1e1f5; file.txt",
        "type=dir;sizd=4096;modify=20261121133418.123;perm=flcdmpe; sub dir",
        "type=OS.unix=slink:/etc/passwd;size=11;modify=20261121133418; link",
        "type=cdir;modify=20261121133421; .",
    };

    private static readonly string Alphabet = "0123456789 -rwxdlst:;=./\\\t\r\u0000\u007f\u00e4\u65e5\u2215abcXYZ<>+,";

    [Theory]
    [InlineData(false, 1)]
    [InlineData(false, 2)]
    [InlineData(true, 3)]
    [InlineData(true, 4)]
    public void Mutated_lines_are_items_inside_the_directory_or_rejections_with_a_reason(bool mlsd, int seed)
    {
        var random = new Random(seed);
        var seeds = mlsd ? MlsdSeeds : ListSeeds;
        var lines = Enumerable.Range(0, 20_000).Select(_ => Mutate(seeds[random.Next(seeds.Length)], random)).ToList();

        var builder = new FtpListingBuilder(Directory, CaptureNowUtc, mlsd);
        var skipped = 0;
        foreach (var line in lines)
        {
            var result = mlsd ? FtpListingParser.ParseMlsd(line, Directory) : FtpListingParser.ParseList(line, Directory, CaptureNowUtc);
            if (result.Status == ListingLineStatus.Item)
            {
                var item = result.Item!;
                Assert.Equal(Directory + "/" + item.Name, item.FullName);
                Assert.DoesNotContain('/', item.Name);
                Assert.DoesNotContain('\\', item.Name);
                Assert.DoesNotContain('\0', item.Name);
                Assert.NotEqual("..", item.Name);
                Assert.True(item.Length is null or >= 0, line);
            }
            else
            {
                Assert.False(string.IsNullOrEmpty(result.Reason), line);
                skipped += result.Status == ListingLineStatus.Skipped ? 1 : 0;
            }

            builder.Add(line);
        }

        // Every line is accounted for once: an item, a rejection, or a skip.
        var parsed = builder.ToResult();
        Assert.Equal(lines.Count, builder.LineCount);
        Assert.Equal(lines.Count, parsed.Items.Count + parsed.Rejected.Count + skipped);
        Assert.All(parsed.Rejected, r => Assert.True(r.Line.Length <= FtpListingParser.MaxReportedLineLength + 3));
    }

    private static string Mutate(string seed, Random random)
    {
        var text = new StringBuilder(seed);
        var edits = random.Next(1, 6);
        for (var e = 0; e < edits; e++)
        {
            var at = text.Length == 0 ? 0 : random.Next(text.Length);
            switch (random.Next(6))
            {
                case 0 when text.Length > 0:
                    text[at] = Alphabet[random.Next(Alphabet.Length)];
                    break;
                case 1:
                    text.Insert(at, Alphabet[random.Next(Alphabet.Length)]);
                    break;
                case 2 when text.Length > 0:
                    text.Remove(at, Math.Min(text.Length - at, random.Next(1, 12)));
                    break;
                case 3:
                    // Numbers past every limit: sizes, days, years, uid.
                    text.Insert(at, new string('9', random.Next(1, 40)));
                    break;
                case 4 when text.Length > 0:
                    text.Length = at;
                    break;
                default:
                    text.Insert(at, new string(' ', random.Next(1, 4)));
                    break;
            }
        }

        return text.ToString();
    }
}
