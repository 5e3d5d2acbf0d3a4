using System;
using System.Text;
using FtpTools.Core.Errors;
using FtpTools.Core.Ftp;
using Xunit;

namespace FtpTools.Core.Tests.Ftp;

public class FtpReplyParserTests
{
    private static FtpReply? Parse(string text, out int consumed) => FtpReplyParser.TryParse(Encoding.UTF8.GetBytes(text), out consumed);

    [Fact]
    public void Single_line_reply_is_read_with_its_code_and_length()
    {
        var reply = Parse("220 Welcome\r\n331 next", out var consumed);
        Assert.NotNull(reply);
        Assert.Equal(FtpReplyCode.ServiceReady, reply!.Code);
        Assert.Equal("Welcome", reply.Message);
        Assert.Equal(13, consumed);
    }

    [Fact]
    public void Multi_line_reply_runs_to_the_line_with_the_same_code_and_a_space()
    {
        const string Text = "211-Features:\r\n MLST size*;\r\n211-not the end\r\n200 not the end either\r\n211\r\nstill inside\r\n211 End\r\n";
        var reply = Parse(Text, out var consumed);
        Assert.NotNull(reply);
        Assert.Equal(FtpReplyCode.SystemStatus, reply!.Code);
        Assert.Equal(Encoding.UTF8.GetByteCount(Text), consumed);
        Assert.Equal(7, reply.Lines.Count);
        Assert.Equal(" MLST size*;", reply.Lines[1]);
        Assert.Equal("211 End", reply.Lines[6]);
    }

    [Fact]
    public void A_reply_split_at_every_byte_needs_more_until_its_last_byte()
    {
        var bytes = Encoding.UTF8.GetBytes("150-Opening\r\n weird line\r\n150 go\r\n");
        for (var length = 0; length < bytes.Length; length++)
        {
            Assert.Null(FtpReplyParser.TryParse(bytes.AsSpan(0, length), out var consumed));
            Assert.Equal(0, consumed);
        }

        var reply = FtpReplyParser.TryParse(bytes, out var all);
        Assert.Equal(FtpReplyCode.FileStatusOk, reply!.Code);
        Assert.Equal(bytes.Length, all);
    }

    [Fact]
    public void Bare_line_feeds_are_accepted()
    {
        var reply = Parse("257 \"/a \"\"b\"\"\" created\n", out _);
        Assert.Equal(FtpReplyCode.PathnameCreated, reply!.Code);
        Assert.Equal("/a \"b\"", FtpReplyText.ParsePathname(reply));
    }

    [Fact]
    public void Non_utf8_bytes_are_read_as_latin1()
    {
        var bytes = new byte[] { (byte)'5', (byte)'5', (byte)'0', (byte)' ', 0xE9, (byte)'\r', (byte)'\n' };
        var reply = FtpReplyParser.TryParse(bytes, out _);
        Assert.Equal("é", reply!.Message);
    }

    [Fact]
    public void An_endless_line_is_a_protocol_violation_before_the_limit_is_passed_by_much()
    {
        var bytes = Encoding.ASCII.GetBytes("220 " + new string('x', FtpReplyParser.MaxLineLength));
        var ex = Assert.Throws<ProtocolViolationException>(() => FtpReplyParser.TryParse(bytes, out _));
        Assert.Contains("longer than 8192 bytes", ex.Message, StringComparison.Ordinal);
        Assert.Null(FtpReplyParser.TryParse(bytes.AsSpan(0, FtpReplyParser.MaxLineLength - 1), out _));
    }

    [Fact]
    public void A_multi_line_reply_past_the_size_limit_is_a_protocol_violation()
    {
        var builder = new StringBuilder("211-start\r\n");
        while (builder.Length <= FtpReplyParser.MaxReplyLength)
        {
            builder.Append(' ').Append('y', 1000).Append("\r\n");
        }

        var ex = Assert.Throws<ProtocolViolationException>(() => FtpReplyParser.TryParse(Encoding.ASCII.GetBytes(builder.ToString()), out _));
        Assert.Contains("reply longer than", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("hello\r\n")]
    [InlineData("22 short\r\n")]
    [InlineData("620 bad class\r\n")]
    [InlineData("220x\r\n")]
    public void A_line_that_is_not_a_reply_is_a_protocol_violation(string text)
    {
        Assert.Throws<ProtocolViolationException>(() => Parse(text, out _));
    }

    [Fact]
    public void Reply_categories_come_from_the_first_digit()
    {
        Assert.True(FtpReplyCode.FileStatusOk.IsPositivePreliminary());
        Assert.True(FtpReplyCode.ClosingDataConnection.IsPositiveCompletion());
        Assert.True(FtpReplyCode.NeedPassword.IsPositiveIntermediate());
        Assert.True(((FtpReplyCode)451).IsNegative());
        Assert.False(FtpReplyCode.LoggedIn.IsNegative());
    }

    [Fact]
    public void Feat_lines_become_features_with_parameters()
    {
        var reply = Parse("211-Features:\r\n EPSV\r\n MLST type*;size*;modify*;\r\n REST STREAM\r\n AUTH TLS\r\n UTF8\r\n HASH SHA-256*;SHA-1;MD5\r\n211 End\r\n", out _);
        var features = FtpFeatures.Parse(reply!);
        Assert.Equal(new[] { "EPSV", "MLST", "REST", "AUTH", "UTF8", "HASH" }, features.Names);
        Assert.True(features.Has("REST", "STREAM"));
        Assert.True(features.Has("AUTH", "TLS"));
        Assert.True(features.Has("HASH", "SHA-1"));
        Assert.False(features.Has("MFMT"));
    }

    [Theory]
    [InlineData("227 Entering Passive Mode (127,0,0,1,195,80).", "127.0.0.1", 50000)]
    [InlineData("227 =10,1,2,3,4,1", "10.1.2.3", 1025)]
    [InlineData("227 Entering Passive Mode 192,168,1,300,1,2 then (192,168,1,2,0,21)", "192.168.1.2", 21)]
    public void Passive_replies_give_address_and_port(string text, string address, int port)
    {
        var endPoint = FtpReplyText.ParsePassive(Parse(text + "\r\n", out _)!);
        Assert.Equal(address, endPoint.Address.ToString());
        Assert.Equal(port, endPoint.Port);
    }

    [Theory]
    [InlineData("227 nothing here")]
    [InlineData("227 (1,2,3,4,0,0)")]
    public void Passive_replies_without_a_usable_address_are_violations(string text)
    {
        Assert.Throws<ProtocolViolationException>(() => FtpReplyText.ParsePassive(Parse(text + "\r\n", out _)!));
    }

    [Theory]
    [InlineData("229 Entering Extended Passive Mode (|||6446|)", 6446)]
    [InlineData("229 ok (!!!65535!)", 65535)]
    public void Extended_passive_replies_give_the_port(string text, int port)
    {
        Assert.Equal(port, FtpReplyText.ParseExtendedPassive(Parse(text + "\r\n", out _)!));
    }

    [Theory]
    [InlineData("229 (|||70000|)")]
    [InlineData("229 (|||0|)")]
    [InlineData("229 (||1|2|)")]
    [InlineData("229 no port")]
    public void Bad_extended_passive_replies_are_violations(string text)
    {
        Assert.Throws<ProtocolViolationException>(() => FtpReplyText.ParseExtendedPassive(Parse(text + "\r\n", out _)!));
    }

    [Theory]
    [InlineData("20240229123456", 2024, 2, 29, 12, 34, 56, 0)]
    [InlineData("20240101000000.5", 2024, 1, 1, 0, 0, 0, 500)]
    [InlineData("20240101000000.123", 2024, 1, 1, 0, 0, 0, 123)]
    public void Time_vals_are_utc(string text, int y, int mo, int d, int h, int mi, int s, int ms)
    {
        var time = FtpReplyText.ParseTimeVal(text);
        Assert.Equal(new DateTime(y, mo, d, h, mi, s, ms, DateTimeKind.Utc), time);
        Assert.Equal(DateTimeKind.Utc, time!.Value.Kind);
    }

    [Theory]
    [InlineData("2024022912345")]
    [InlineData("20241329123456")]
    [InlineData("20240229123456x")]
    public void Bad_time_vals_are_null(string text)
    {
        Assert.Null(FtpReplyText.ParseTimeVal(text));
    }

    [Theory]
    [InlineData("213 SHA-256 0-2 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 a.txt", 64, "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")]
    [InlineData("250 D41D8CD98F00B204E9800998ECF8427E", 32, "d41d8cd98f00b204e9800998ecf8427e")]
    public void Hash_replies_give_the_hex_value(string text, int length, string expected)
    {
        Assert.Equal(expected, FtpReplyText.ParseHash(Parse(text + "\r\n", out _)!, length));
    }

    [Theory]
    [InlineData("PASS secret", "PASS ***")]
    [InlineData("pass secret", "PASS ***")]
    [InlineData("ACCT acc", "ACCT ***")]
    [InlineData("USER bob", "USER bob")]
    public void Secrets_are_masked_for_the_log(string command, string logged)
    {
        Assert.Equal(logged, FtpControlConnection.Mask(command));
    }
}
