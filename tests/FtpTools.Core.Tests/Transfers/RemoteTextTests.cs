using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using FtpTools.Core.Transfers;
using Xunit;

namespace FtpTools.Core.Tests.Transfers;

// RemoteText.LineSink: the bytes of a file in, however the reads split them, its lines (or whole text) out.
public sealed class RemoteTextTests
{
    private const string Mixed = "a\r\nb\nc\rd\r\r\ne\n\nf";
    private static readonly string[] MixedLines = { "a", "b", "c", "d", "", "e", "", "f" };

    private static List<string> Feed(byte[] bytes, IEnumerable<int> cuts, string encoding = "utf8", bool raw = false, long limit = -1)
    {
        var lines = new List<string>();
        using var sink = new RemoteText.LineSink(RemoteText.ParseEncoding(encoding), raw, limit, lines.Add);
        var at = 0;
        foreach (var cut in cuts.Append(bytes.Length))
        {
            sink.Write(bytes, at, cut - at);
            at = cut;
        }

        sink.Finish();
        return lines;
    }

    public static IEnumerable<object[]> Encodings => new[]
    {
        new object[] { "utf8", Array.Empty<byte>() },
        new object[] { "utf8", new byte[] { 0xEF, 0xBB, 0xBF } },
        new object[] { "unicode", Array.Empty<byte>() },
        new object[] { "utf8", new byte[] { 0xFF, 0xFE } },
        new object[] { "bigendianunicode", Array.Empty<byte>() },
        new object[] { "utf8", new byte[] { 0xFE, 0xFF } },
        new object[] { "utf32", Array.Empty<byte>() },
        new object[] { "utf8", new byte[] { 0xFF, 0xFE, 0x00, 0x00 } },
        new object[] { "bigendianutf32", Array.Empty<byte>() },
        new object[] { "utf8", new byte[] { 0x00, 0x00, 0xFE, 0xFF } },
    };

    private static Encoding EncodingOf(string asked, byte[] mark) => mark switch
    {
        [0xEF, 0xBB, 0xBF] => Encoding.UTF8,
        [0xFF, 0xFE] => Encoding.Unicode,
        [0xFE, 0xFF] => Encoding.BigEndianUnicode,
        [0xFF, 0xFE, 0x00, 0x00] => Encoding.UTF32,
        [0x00, 0x00, 0xFE, 0xFF] => new UTF32Encoding(bigEndian: true, byteOrderMark: true),
        _ => RemoteText.ParseEncoding(asked),
    };

    [Theory]
    [MemberData(nameof(Encodings))]
    public void Lines_end_at_CRLF_LF_and_CR_wherever_the_reads_split_the_bytes(string asked, byte[] mark)
    {
        // Characters of one, two, three and four UTF-8 bytes (a surrogate pair in UTF-16) around every kind of end.
        const string text = "é\r\n€x\n😀\r" + Mixed;
        var expected = new[] { "é", "€x", "😀" }.Concat(MixedLines).ToArray();
        var bytes = mark.Concat(EncodingOf(asked, mark).GetBytes(text)).ToArray();

        for (var cut = 0; cut <= bytes.Length; cut++)
        {
            Assert.Equal(expected, Feed(bytes, new[] { cut }, asked));
        }

        Assert.Equal(expected, Feed(bytes, Enumerable.Range(1, bytes.Length - 1), asked));
        Assert.Equal(new[] { text }, Feed(bytes, new[] { bytes.Length / 3, bytes.Length / 2 }, asked, raw: true));
    }

    [Theory]
    [InlineData(new byte[0], new string[0])]
    [InlineData(new byte[] { 0xEF, 0xBB, 0xBF }, new string[0])]
    [InlineData(new byte[] { (byte)'a' }, new[] { "a" })]
    [InlineData(new byte[] { (byte)'\r', (byte)'\n' }, new[] { "" })]
    [InlineData(new byte[] { (byte)'a', (byte)'\n' }, new[] { "a" })]
    [InlineData(new byte[] { (byte)'a', (byte)'\n', (byte)'\n' }, new[] { "a", "" })]
    [InlineData(new byte[] { (byte)'\r' }, new[] { "" })]
    [InlineData(new byte[] { 0xEF, 0xBB, 0xBF, (byte)'z' }, new[] { "z" })]
    public void Short_files_empty_ones_and_last_lines_without_an_end(byte[] bytes, string[] expected)
    {
        Assert.Equal(expected, Feed(bytes, Array.Empty<int>()));
        Assert.Equal(expected, Feed(bytes, Enumerable.Range(1, Math.Max(0, bytes.Length - 1))));
    }

    [Fact]
    public void The_mark_of_the_encoding_asked_for_comes_before_the_others()
    {
        // FF FE 00 00 is UTF-32 LE's mark, or UTF-16 LE's followed by U+0000: asked for unicode, it is the latter.
        var bytes = new byte[] { 0xFF, 0xFE, 0x00, 0x00, (byte)'A', 0x00 };
        Assert.Equal(new[] { "\0A" }, Feed(bytes, new[] { 1 }, "unicode"));
        Assert.Equal(new[] { "\uFFFD" }, Feed(bytes, Array.Empty<int>(), "utf8"));
    }

    [Fact]
    public void Raw_is_the_whole_text_with_its_line_ends_and_nothing_for_an_empty_file()
    {
        var bytes = Encoding.UTF8.GetBytes(Mixed + "\r\n");
        Assert.Equal(new[] { Mixed + "\r\n" }, Feed(bytes, new[] { 5 }, raw: true));
        Assert.Empty(Feed(Array.Empty<byte>(), Array.Empty<int>(), raw: true));
        Assert.Empty(Feed(new byte[] { 0xEF, 0xBB, 0xBF }, Array.Empty<int>(), raw: true));
    }

    [Fact]
    public void Encodings_without_a_mark_are_the_one_asked_for_and_bad_bytes_become_replacement_characters()
    {
        var latin = new byte[] { (byte)'M', 0xFC, (byte)'l', (byte)'l', (byte)'e', (byte)'r', (byte)'\n', 0xE9 };
        Assert.Equal(new[] { "Müller", "é" }, Feed(latin, new[] { 2 }, "latin1"));
        Assert.Equal(new[] { "M\uFFFDller", "\uFFFD" }, Feed(latin, new[] { 2 }, "utf8"));
        Assert.Equal(new[] { "M?ller", "?" }, Feed(latin, new[] { 2 }, "ascii"));
    }

    [Fact]
    public void The_lines_asked_for_end_the_copy_at_once()
    {
        var bytes = Encoding.UTF8.GetBytes("1\n2\n3\n4\n");
        var lines = new List<string>();
        using var sink = new RemoteText.LineSink(RemoteText.ParseEncoding("utf8"), raw: false, limit: 2, lines.Add);

        Assert.Throws<RemoteText.EnoughLinesException>(() => sink.Write(bytes, 0, bytes.Length));
        Assert.Equal(new[] { "1", "2" }, lines);
        Assert.Equal(2, sink.Written);

        // The last line of the file, ending it, is as good, and the copy goes on to the end of the file (no abort).
        var last = new List<string>();
        using var exact = new RemoteText.LineSink(RemoteText.ParseEncoding("utf8"), raw: false, limit: 2, last.Add);
        exact.Write(bytes, 0, 3);
        exact.Finish();
        Assert.Equal(new[] { "1", "2" }, last);
    }

    [Theory]
    [InlineData("1\n2\n", 4)]
    [InlineData("1\r\n2\r\n", 6)]
    [InlineData("1\r\n2\r\n", 5)]
    [InlineData("1\r2\r", 4)]
    public void The_end_of_the_file_right_after_the_lines_asked_for_lets_the_copy_complete_and_more_text_ends_it(string text, int cut)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var lines = new List<string>();
        using (var sink = new RemoteText.LineSink(RemoteText.ParseEncoding("utf8"), raw: false, limit: 2, lines.Add))
        {
            sink.Write(bytes, 0, cut);
            sink.Write(bytes, cut, bytes.Length - cut);
            sink.Finish();
        }

        Assert.Equal(new[] { "1", "2" }, lines);

        // One more byte after them, in the same write or the next, is more of the file: the copy ends there.
        var more = Encoding.UTF8.GetBytes(text + "3");
        using var ended = new RemoteText.LineSink(RemoteText.ParseEncoding("utf8"), raw: false, limit: 2, _ => { });
        Assert.Throws<RemoteText.EnoughLinesException>(() => ended.Write(more, 0, more.Length));
        using var next = new RemoteText.LineSink(RemoteText.ParseEncoding("utf8"), raw: false, limit: 2, _ => { });
        next.Write(bytes, 0, bytes.Length);
        Assert.Throws<RemoteText.EnoughLinesException>(() => next.Write(more, bytes.Length, 1));
    }

    [Fact]
    public void Encoding_names_are_Get_Contents_and_others_are_refused()
    {
        foreach (var name in RemoteText.EncodingNames)
        {
            Assert.NotNull(RemoteText.ParseEncoding(name.ToUpperInvariant()));
        }

        Assert.Equal(28591, RemoteText.ParseEncoding("latin1").CodePage);
        Assert.Equal(1201, RemoteText.ParseEncoding("BigEndianUnicode").CodePage);
        var refused = Assert.Throws<ArgumentException>(() => RemoteText.ParseEncoding("ebcdic"));
        Assert.StartsWith("Unknown encoding 'ebcdic'. Use utf8, utf8BOM, utf8NoBOM, ascii, unicode, bigendianunicode, utf32, bigendianutf32, latin1, or a code page's number or name (1252, windows-1252).", refused.Message, StringComparison.Ordinal);
        Assert.Null(RemoteText.TryParseEncoding("99999"));
        Assert.Null(RemoteText.TryParseEncoding("-1"));
    }

    [Theory]
    // Windows-1252 and ISO 8859-15 put the euro sign where Latin-1 has control characters and the currency sign.
    [InlineData("1252", new byte[] { 0x80, 0x41 }, "\u20ACA")]
    [InlineData("windows-1252", new byte[] { 0x80, 0x41 }, "\u20ACA")]
    [InlineData("ISO-8859-15", new byte[] { 0xA4 }, "\u20AC")]
    [InlineData("28591", new byte[] { 0xA4 }, "\u00A4")]
    [InlineData("shift_jis", new byte[] { 0x82, 0xA0 }, "\u3042")]
    public void Code_pages_are_taken_by_number_or_name_as_Get_Content_takes_them(string name, byte[] bytes, string text)
    {
        Assert.Equal(new[] { text }, Feed(bytes, Array.Empty<int>(), name));
    }
}
