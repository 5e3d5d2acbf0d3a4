using System.Text;
using FtpTools.Core.Transfers;
using Xunit;

namespace FtpTools.Core.Tests.Transfers;

public class PartFileTests
{
    [Fact]
    public void Part_files_sit_next_to_the_destination_with_a_hidden_suffixed_name()
    {
        Assert.Equal(".report.csv.ftptools-part", PartFile.NameFor("report.csv"));
        Assert.Equal("/data/in/.report.csv.ftptools-part", PartFile.RemotePathFor("/data/in/report.csv"));
        Assert.Equal("/.top.ftptools-part", PartFile.RemotePathFor("/top"));
        Assert.Equal(System.IO.Path.Combine("/tmp/x", ".a.bin.ftptools-part"), PartFile.LocalPathFor("/tmp/x/a.bin"));
    }

    [Fact]
    public void Names_too_long_for_a_suffix_get_a_stable_hashed_part_name()
    {
        var longName = new string('é', 120) + ".txt";

        var part = PartFile.NameFor(longName);

        Assert.Matches("^\\.ftptools-[0-9a-f]{32}\\.part$", part);
        Assert.Equal(part, PartFile.NameFor(longName));
        Assert.NotEqual(part, PartFile.NameFor(longName + "x"));
        Assert.True(Encoding.UTF8.GetByteCount("." + longName + PartFile.Suffix) > 255);
    }

    [Fact]
    public void The_longest_name_that_still_fits_keeps_the_readable_form()
    {
        var name = new string('a', 255 - 1 - PartFile.Suffix.Length);

        Assert.Equal("." + name + PartFile.Suffix, PartFile.NameFor(name));
        Assert.StartsWith(".ftptools-", PartFile.NameFor(name + "a"), System.StringComparison.Ordinal);
    }
}
