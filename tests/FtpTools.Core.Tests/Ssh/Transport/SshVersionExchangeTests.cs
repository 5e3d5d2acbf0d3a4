using System;
using System.Linq;
using System.Text;
using FtpTools.Core.Errors;
using FtpTools.Core.Ssh.Transport;
using Xunit;

namespace FtpTools.Core.Tests.Ssh.Transport;

public sealed class SshVersionExchangeTests
{
    [Theory]
    [InlineData("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n", "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3")]
    [InlineData("SSH-2.0-dropbear\n", "SSH-2.0-dropbear")]
    [InlineData("SSH-1.99-Compat\r\n", "SSH-1.99-Compat")]
    [InlineData("Welcome\r\nAuthorised use only\r\nSSH-2.0-Box\r\n", "SSH-2.0-Box")]
    public void Finds_the_identification_line(string text, string expected)
    {
        var data = Encoding.ASCII.GetBytes(text + "\0\0\0\x1c");

        Assert.True(SshVersionExchange.TryParse(data, out var version, out var consumed));

        Assert.Equal(expected, version);
        Assert.Equal(text.Length, consumed);
    }

    [Theory]
    [InlineData("220 (vsFTPd 3.0.3)\r\n", "220 (vsFTPd 3.0.3)")]
    [InlineData("220-Welcome\r\n220 ready\r\n", "220-Welcome")]
    [InlineData("421 Too many connections\n", "421 Too many connections")]
    public void An_ftp_greeting_first_says_the_port_serves_ftp_at_once(string text, string shown)
    {
        var error = Assert.Throws<ProtocolViolationException>(() => SshVersionExchange.TryParse(Encoding.ASCII.GetBytes(text), out _, out _));

        Assert.Equal($"The server greeted with \"{shown}\", an FTP reply, not an SSH identification: that port serves FTP. Use an ftp://, ftpes:// or ftps:// URI for it, or the SSH server's port.", error.Message);
    }

    [Fact]
    public void Only_the_first_line_is_taken_for_an_ftp_greeting()
    {
        Assert.True(SshVersionExchange.TryParse(Encoding.ASCII.GetBytes("Welcome\r\n220 words\r\nSSH-2.0-Box\r\n"), out var version, out _));
        Assert.Equal("SSH-2.0-Box", version);
        Assert.True(SshVersionExchange.TryParse(Encoding.ASCII.GetBytes("2200 lines\r\nSSH-2.0-Box\r\n"), out version, out _));
        Assert.Equal("SSH-2.0-Box", version);
    }

    [Fact]
    public void Needs_more_until_the_line_feed_arrives_whatever_the_split()
    {
        var data = Encoding.ASCII.GetBytes("Hello\r\nSSH-2.0-Split\r\n");
        for (var length = 0; length < data.Length; length++)
        {
            Assert.False(SshVersionExchange.TryParse(data.AsSpan(0, length), out _, out _));
        }

        Assert.True(SshVersionExchange.TryParse(data, out var version, out _));
        Assert.Equal("SSH-2.0-Split", version);
    }

    [Fact]
    public void Fifty_preamble_lines_are_tolerated_the_fifty_first_is_not()
    {
        var fifty = string.Concat(Enumerable.Repeat("banner line\r\n", 50));
        Assert.True(SshVersionExchange.TryParse(Encoding.ASCII.GetBytes(fifty + "SSH-2.0-X\r\n"), out _, out _));

        var error = Assert.Throws<ProtocolViolationException>(() => SshVersionExchange.TryParse(Encoding.ASCII.GetBytes(fifty + "one more\r\n"), out _, out _));
        Assert.Contains("more than 50 lines or 8192 bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_line_of_255_bytes_without_line_feed_is_refused()
    {
        var error = Assert.Throws<ProtocolViolationException>(() => SshVersionExchange.TryParse(new byte[255], out _, out _));

        Assert.StartsWith("The server sent a line of more than 255 bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Non_printable_identification_is_refused()
    {
        var error = Assert.Throws<ProtocolViolationException>(() => SshVersionExchange.TryParse(Encoding.ASCII.GetBytes("SSH-2.0-Bad\u0001Name\r\n"), out _, out _));

        Assert.Contains("printable US-ASCII", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Our_identification_names_the_tool()
    {
        Assert.Matches(@"^SSH-2\.0-FtpTools_\d+\.\d+\.\d+$", SshVersionExchange.ClientVersion);
    }
}
