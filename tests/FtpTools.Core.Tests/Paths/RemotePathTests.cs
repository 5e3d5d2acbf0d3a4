using FtpTools.Core.Paths;
using Xunit;

namespace FtpTools.Core.Tests.Paths;

public class RemotePathTests
{
    [Theory]
    [InlineData("/home/u", "a.txt", "/home/u/a.txt")]
    [InlineData("/home/u/", "../x", "/home/x")]
    [InlineData("/", "../../etc", "/etc")]
    [InlineData("/a", "/b//c/./d", "/b/c/d")]
    [InlineData("/a/b", "", "/a/b")]
    public void Combine_resolves_relative_and_dot_segments(string baseDir, string path, string expected)
    {
        Assert.Equal(expected, RemotePath.Combine(baseDir, path));
    }

    [Theory]
    [InlineData("/", "/")]
    [InlineData("/a/b", "/a/b")]
    [InlineData("/...", "/...")]
    [InlineData("/.a/..b/a.", "/.a/..b/a.")]
    [InlineData("/a/", "/a")]
    [InlineData("//a", "/a")]
    [InlineData("/a//b", "/a/b")]
    [InlineData("/a/.", "/a")]
    [InlineData("/./a", "/a")]
    [InlineData("/a/..", "/")]
    [InlineData("/a/../b", "/b")]
    [InlineData("/..", "/")]
    [InlineData("a/b", "/a/b")]
    [InlineData("", "/")]
    public void Normalize_keeps_canonical_paths_and_rewrites_the_rest(string path, string expected)
    {
        Assert.Equal(expected, RemotePath.Normalize(path));
    }

    [Theory]
    [InlineData("/a/b/c", "c", "/a/b")]
    [InlineData("/top", "top", "/")]
    [InlineData("/", "", "/")]
    public void File_and_directory_names(string path, string name, string parent)
    {
        Assert.Equal(name, RemotePath.GetFileName(path));
        Assert.Equal(parent, RemotePath.GetDirectoryName(path));
    }

    [Theory]
    [InlineData("report.csv", true)]
    [InlineData(" leading space", true)]
    [InlineData("..", false)]
    [InlineData(".", false)]
    [InlineData("../etc/passwd", false)]
    [InlineData("a/b", false)]
    [InlineData("a\\b", false)]
    [InlineData("C:evil", false)]
    [InlineData("", false)]
    public void Entry_names_from_listings_are_checked(string name, bool safe)
    {
        Assert.Equal(safe, RemotePath.IsSafeEntryName(name));
    }
}

public class WildcardTests
{
    [Theory]
    [InlineData("*.csv", "data.CSV", true)]
    [InlineData("*.csv", "data.csv.bak", false)]
    [InlineData("file?.txt", "file1.txt", true)]
    [InlineData("file?.txt", "file10.txt", false)]
    [InlineData("[a-c]*", "beta", true)]
    [InlineData("[a-c]*", "delta", false)]
    [InlineData("a`*b", "a*b", true)]
    [InlineData("a`*b", "axb", false)]
    [InlineData("*", "", true)]
    public void Matches_like_PowerShell(string pattern, string text, bool expected)
    {
        Assert.Equal(expected, new Wildcard(pattern).IsMatch(text));
    }

    [Theory]
    [InlineData("/data/report.csv", "/data/report.csv")]
    [InlineData("/data/report[1].csv", "/data/report`[1`].csv")]
    [InlineData("/data/*odd?/a`b", "/data/`*odd`?/a`b")]
    [InlineData("/we[ird/x*", "/we`[ird/x`*")]
    public void Literal_paths_are_escaped_only_where_the_walker_would_see_wildcards(string literal, string escaped)
    {
        Assert.Equal(escaped, Wildcard.EscapeLiteralPath(literal));
    }

    [Theory]
    [InlineData("report.csv", "report.csv")]
    [InlineData("it`s", "it`s")]
    [InlineData("report`[1`].csv", "report[1].csv")]
    [InlineData("`*odd`?", "*odd?")]
    [InlineData("we[ird", "we[ird")]
    [InlineData("tick``[x`]", null)]
    [InlineData("end`[`", "end[`")]
    [InlineData("report[1].csv", null)]
    [InlineData("*.csv", null)]
    [InlineData("a?c", null)]
    [InlineData("`[a][b]", null)]
    public void A_segment_is_literal_when_none_of_its_wildcards_is_unescaped(string segment, string? literal)
    {
        Assert.Equal(literal, Wildcard.LiteralOf(segment));
        if (literal is not null && RemotePath.HasWildcards(segment))
        {
            // What it stands for is what the walker's pattern matches, and all it matches.
            Assert.True(new Wildcard(segment, ignoreCase: false).IsMatch(literal));
            Assert.False(new Wildcard(segment, ignoreCase: false).IsMatch(literal + "x"));
        }
    }

    [Theory]
    [InlineData("/data/report`[1`].csv", "/data/report[1].csv")]
    [InlineData("/d`[1`]/it`s/x", "/d[1]/it`s/x")]
    [InlineData("/d[1]/x", null)]
    [InlineData("/d`[1`]/*.txt", null)]
    public void A_path_is_literal_when_every_segment_is(string path, string? literal)
    {
        Assert.Equal(literal, Wildcard.LiteralPathOf(path));
    }

    [Theory]
    [InlineData("/data/report[1].csv")]
    [InlineData("/a*b/c?d/e`f/[x]")]
    public void An_escaped_literal_path_reads_back_as_itself(string path)
    {
        Assert.Equal(path, Wildcard.LiteralPathOf(Wildcard.EscapeLiteralPath(path)));
    }

    [Theory]
    [InlineData("report[1].csv")]
    [InlineData("a*b?c")]
    [InlineData("`tick[*]")]
    public void An_escaped_name_matches_itself_and_nothing_else(string name)
    {
        var escaped = Wildcard.EscapeLiteralPath("/d/" + name).Substring(3);
        var pattern = new Wildcard(escaped);

        Assert.True(pattern.IsMatch(name));
        Assert.False(pattern.IsMatch(name + "x"));
        Assert.False(pattern.IsMatch("report1.csv"));
    }
}
