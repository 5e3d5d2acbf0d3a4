using System;
using System.IO;
using System.Linq;
using FtpTools.Core.Errors;
using FtpTools.Core.Transfers;
using Xunit;

namespace FtpTools.Core.Tests.Transfers;

public sealed class LocalPathMapperTests : IDisposable
{
    private readonly string _destination = Path.Combine(Path.GetTempPath(), "ftptools-map-" + Guid.NewGuid().ToString("N"));

    public LocalPathMapperTests() => Directory.CreateDirectory(_destination);

    public void Dispose() => Directory.Delete(_destination, recursive: true);

    [Theory]
    [InlineData("..", "'..' segment")]
    [InlineData("../outside.txt", "'..' segment")]
    [InlineData("dir/../../outside.txt", "'..' segment")]
    [InlineData("dir/..", "'..' segment")]
    [InlineData("./a", "'.' segment")]
    [InlineData("/etc/passwd", "empty segment")]
    [InlineData("dir//a", "empty segment")]
    [InlineData("dir/", "empty segment")]
    [InlineData("", "the name is empty")]
    [InlineData("C:evil.txt", "drive letter")]
    [InlineData("dir/c:\\windows\\x", "backslash")]
    [InlineData("D:", "drive letter")]
    [InlineData("..\\..\\outside.txt", "backslash")]
    [InlineData("dir\\..\\..\\x", "backslash")]
    [InlineData("a\0b", "NUL")]
    [InlineData("dir/a\0/b", "NUL")]
    public void Hostile_names_are_refused_as_unsafe(string name, string reason)
    {
        var e = Assert.Throws<TransferRefusedException>(() => LocalPathMapper.MapUnder(_destination, name));
        Assert.Equal(TransferRefusedReason.UnsafeRemoteName, e.Reason);
        Assert.Equal(name, e.Path);
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(_destination));
    }

    [Theory]
    [InlineData("a.txt")]
    [InlineData("dir/sub/a.txt")]
    [InlineData("...")]
    [InlineData("..hidden")]
    [InlineData("a..b/c")]
    [InlineData(" leading space")]
    [InlineData(".profile")]
    [InlineData("ünïcødé/文件.txt")]
    public void Ordinary_names_map_under_the_destination(string name)
    {
        var mapped = LocalPathMapper.MapUnder(_destination, name);

        Assert.Equal(Path.Combine(new[] { _destination }.Concat(name.Split('/')).ToArray()), mapped);
        Assert.StartsWith(_destination + Path.DirectorySeparatorChar, mapped, StringComparison.Ordinal);
    }

    [Fact]
    public void Control_characters_in_refused_names_are_shown_escaped()
    {
        var e = Assert.Throws<TransferRefusedException>(() => LocalPathMapper.MapUnder(_destination, "x\n/../y"));

        Assert.Equal("The remote name 'x\\x0a/../y' is refused: it has a '..' segment.", e.Message);
    }

    [Fact]
    public void A_relative_destination_is_made_absolute_first()
    {
        var mapped = LocalPathMapper.MapUnder(".", "a.txt");

        Assert.Equal(Path.Combine(Directory.GetCurrentDirectory(), "a.txt"), mapped);
    }

    [Theory]
    [InlineData("/tmp/d", "/tmp/d/a", true)]
    [InlineData("/tmp/d", "/tmp/d", false)]
    [InlineData("/tmp/d", "/tmp/dx/a", false)]
    [InlineData("/tmp/d/", "/tmp/d/a", true)]
    [InlineData("/", "/etc", true)]
    public void Containment_is_by_whole_segments(string root, string path, bool inside)
    {
        Assert.Equal(inside, LocalPathMapper.IsStrictlyUnder(root, path));
    }
}
