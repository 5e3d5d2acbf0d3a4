using FtpTools.Core.Transfers;
using Xunit;

namespace FtpTools.Core.Tests.Transfers;

public class ItemFilterTests
{
    private static RemoteItem F(string name) => new(name, "/d/" + name, RemoteItemKind.File);

    private static RemoteItem D(string name) => new(name, "/d/" + name, RemoteItemKind.Directory);

    private static RemoteItem L(string name) => new(name, "/d/" + name, RemoteItemKind.SymbolicLink);

    [Theory]
    [InlineData("*.txt", "a.txt", true)]
    [InlineData("*.txt", "A.TXT", true)]
    [InlineData("*.txt", "a.txt.bak", false)]
    [InlineData("report-??.csv", "report-01.csv", true)]
    [InlineData("report-??.csv", "report-1.csv", false)]
    [InlineData("[a-c]*", "beta", true)]
    [InlineData("[a-c]*", "delta", false)]
    [InlineData("a`*b", "a*b", true)]
    [InlineData("a`*b", "axb", false)]
    public void Filter_is_one_powershell_wildcard_on_the_name(string filter, string name, bool yielded)
    {
        var f = new ItemFilter(new RemoteWalkOptions { Filter = filter });

        Assert.Equal(yielded, f.IsMatch(F(name)));
        Assert.Equal(yielded, f.IsMatch(D(name)));
    }

    [Fact]
    public void Case_sensitive_matching_is_opt_in()
    {
        var f = new ItemFilter(new RemoteWalkOptions { Filter = "*.txt", CaseSensitive = true });

        Assert.True(f.IsMatch(F("a.txt")));
        Assert.False(f.IsMatch(F("A.TXT")));
    }

    [Fact]
    public void Include_needs_one_match_exclude_removes_any_match_and_exclude_wins()
    {
        var f = new ItemFilter(new RemoteWalkOptions { Include = new[] { "*.csv", "*.txt" }, Exclude = new[] { "tmp*", "*.bak.*" } });

        Assert.True(f.IsMatch(F("data.csv")));
        Assert.True(f.IsMatch(F("notes.txt")));
        Assert.False(f.IsMatch(F("image.png")));
        Assert.False(f.IsMatch(F("tmp.csv")));
        Assert.False(f.IsMatch(F("x.bak.txt")));
        Assert.False(f.IsMatch(D("archive")));
    }

    [Fact]
    public void Filter_and_include_both_apply()
    {
        var f = new ItemFilter(new RemoteWalkOptions { Filter = "2024*", Include = new[] { "*.csv" } });

        Assert.True(f.IsMatch(F("2024-01.csv")));
        Assert.False(f.IsMatch(F("2023-01.csv")));
        Assert.False(f.IsMatch(F("2024-01.txt")));
    }

    [Fact]
    public void Empty_patterns_are_ignored()
    {
        var f = new ItemFilter(new RemoteWalkOptions { Filter = "", Include = new[] { "" }, Exclude = new string[0] });

        Assert.True(f.IsMatch(F("anything")));
    }

    [Fact]
    public void File_and_directory_switches_select_kinds_and_links_count_as_what_they_lead_to()
    {
        var files = new ItemFilter(new RemoteWalkOptions { FilesOnly = true });
        var directories = new ItemFilter(new RemoteWalkOptions { DirectoriesOnly = true });
        var both = new ItemFilter(new RemoteWalkOptions { FilesOnly = true, DirectoriesOnly = true });

        Assert.True(files.IsMatch(F("a")));
        Assert.True(files.IsMatch(L("a")));
        Assert.False(files.IsMatch(L("a"), leadsToDirectory: true));
        Assert.False(files.IsMatch(D("a")));
        Assert.True(directories.IsMatch(D("a")));
        Assert.False(directories.IsMatch(F("a")));
        Assert.False(directories.IsMatch(L("a")));
        Assert.True(directories.IsMatch(L("a"), leadsToDirectory: true));
        Assert.True(both.IsMatch(F("a")));
        Assert.True(both.IsMatch(D("a")));
        Assert.True(both.IsMatch(L("a"), leadsToDirectory: true));
    }

    [Fact]
    public void Where_a_link_leads_is_asked_only_when_one_kind_switch_alone_decides_and_the_name_matches()
    {
        var files = new ItemFilter(new RemoteWalkOptions { FilesOnly = true, Filter = "*.csv" });

        Assert.True(files.NeedsLinkTarget(L("a.csv")));
        Assert.False(files.NeedsLinkTarget(L("a.txt")));
        Assert.False(files.NeedsLinkTarget(F("a.csv")));
        Assert.False(files.NeedsLinkTarget(D("a.csv")));
        Assert.True(new ItemFilter(new RemoteWalkOptions { DirectoriesOnly = true }).NeedsLinkTarget(L("a")));
        Assert.False(new ItemFilter(new RemoteWalkOptions()).NeedsLinkTarget(L("a")));
        Assert.False(new ItemFilter(new RemoteWalkOptions { FilesOnly = true, DirectoriesOnly = true }).NeedsLinkTarget(L("a")));
    }

    [Fact]
    public void Depth_implies_recursion_and_counts_levels_below_the_first()
    {
        Assert.Equal(0, new RemoteWalkOptions().MaxDepth);
        Assert.Equal(int.MaxValue, new RemoteWalkOptions { Recurse = true }.MaxDepth);
        Assert.Equal(2, new RemoteWalkOptions { Depth = 2 }.MaxDepth);
        Assert.Equal(0, new RemoteWalkOptions { Recurse = true, Depth = 0 }.MaxDepth);
        Assert.Throws<System.ArgumentOutOfRangeException>(() => new RemoteWalkOptions { Depth = -1 }.Validate());
    }
}
