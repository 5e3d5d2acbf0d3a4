using System;
using Xunit;

namespace FtpTools.Core.Tests;

public sealed class PermissionTextTests
{
    [Theory]
    [InlineData("644", "644")]
    [InlineData("0755", "755")]
    [InlineData(" 600 ", "600")]
    [InlineData("7", "7")]
    [InlineData("4711", "4711")]
    [InlineData("rw-r--r--", "644")]
    [InlineData("rwxr-x---", "750")]
    [InlineData("rwsr-xr-x", "4755")]
    [InlineData("rwxr-S---", "2740")]
    [InlineData("rwxrwxrwt", "1777")]
    [InlineData("---------", "0")]
    public void Octal_and_ls_forms_give_the_mode(string text, string octal) =>
        Assert.Equal(Convert.ToInt32(octal, 8), PermissionText.Parse(text));

    [Fact]
    public void Every_mode_survives_format_and_parse()
    {
        for (var bits = 0; bits < 0x1000; bits++)
        {
            Assert.Equal(bits, PermissionText.Parse(PermissionText.Format(bits)));
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("8")]
    [InlineData("12345")]
    [InlineData("0x1ff")]
    [InlineData("rw-r--r-")]
    [InlineData("rw-r--r-x-")]
    [InlineData("rwtr--r--")]
    [InlineData("r-wr--r--")]
    [InlineData("u+x")]
    public void Anything_else_is_refused_with_the_forms_that_work(string text) =>
        Assert.Equal(
            $"'{text}' is not a permission: write it in octal (644, 0755, 2775) or as ls shows it (rw-r--r--, rwxr-s---).",
            Assert.Throws<FormatException>(() => PermissionText.Parse(text)).Message);
}
