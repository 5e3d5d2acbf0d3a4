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
