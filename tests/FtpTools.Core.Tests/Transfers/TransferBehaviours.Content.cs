using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;
using FtpTools.Core.Transfers;
using Xunit;

namespace FtpTools.Core.Tests.Transfers;

// RemoteText (Get-FtpContent): a remote file's lines, read as they arrive.
public abstract partial class TransferBehaviours
{
    [Fact]
    public async Task Content_is_a_files_lines_or_its_whole_text_in_the_encoding_its_mark_names()
    {
        const string text = "first\r\nsecond\nthird\rMüller 😀\n\nlast";
        ServerFile("text/plain.txt", Encoding.UTF8.GetBytes(text));
        ServerFile("text/utf16.txt", Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes(text)).ToArray());
        ServerFile("text/latin1.txt", Encoding.Latin1.GetBytes("Müller\n"));
        ServerFile("text/empty.txt", Array.Empty<byte>());
        var expected = new[] { "first", "second", "third", "Müller 😀", "", "last" };
        var utf8 = RemoteText.ParseEncoding("utf8");

        async Task<List<string>> Read(string name, string encoding = "utf8", bool raw = false, long total = -1, RemoteItem? listed = null)
        {
            var lines = new List<string>();
            var written = await RemoteText.ReadAsync(Session, RemoteDir + "/text/" + name, listed, RemoteText.ParseEncoding(encoding), raw, total, lines.Add, Timeout());
            Assert.Equal(lines.Count, written);
            return lines;
        }

        Assert.Equal(expected, await Read("plain.txt"));
        Assert.Equal(expected, await Read("utf16.txt"));
        Assert.Equal(new[] { text }, await Read("utf16.txt", raw: true));
        Assert.Equal(new[] { text }, await Read("plain.txt", raw: true));
        Assert.Equal(new[] { "Müller" }, await Read("latin1.txt", "latin1"));
        Assert.Equal(new[] { "M\uFFFDller" }, await Read("latin1.txt"));
        Assert.Empty(await Read("empty.txt"));
        Assert.Empty(await Read("empty.txt", raw: true));
        Assert.Equal(expected.Take(2), await Read("plain.txt", total: 2));
        Assert.Empty(await Read("plain.txt", total: 0));

        // From a listing, as piped items come; and a relative path, against the current directory.
        var listing = await Session.ListDirectoryAsync(RemoteDir + "/text", Timeout());
        Assert.Equal(expected, await Read("plain.txt", listed: listing.Single(i => i.Name == "plain.txt")));
        await Session.ChangeDirectoryAsync(RemoteDir, Timeout());
        var relative = new List<string>();
        await RemoteText.ReadAsync(Session, "text/plain.txt", null, utf8, false, -1, relative.Add, Timeout());
        Assert.Equal(expected, relative);

        // A missing file and a directory are refused, each with what it is.
        var missing = await Assert.ThrowsAsync<TransferRefusedException>(() => Read("nothing.txt"));
        Assert.Equal(TransferRefusedReason.SourceNotFound, missing.Reason);
        Assert.Equal($"The remote file '{RemoteDir}/text/nothing.txt' does not exist.", missing.Message);
        var directory = await Assert.ThrowsAsync<TransferRefusedException>(() => RemoteText.ReadAsync(Session, RemoteDir + "/text", null, utf8, false, -1, _ => { }, Timeout()));
        Assert.Equal(TransferRefusedReason.SourceIsDirectory, directory.Reason);
        Assert.Equal($"'{RemoteDir}/text' is a directory: only a file has content.", directory.Message);
    }

    [Fact]
    public async Task Content_stops_reading_at_the_lines_asked_for_or_at_a_cancellation_and_the_session_goes_on()
    {
        // Far more than the lines read and than the copy's buffers: the rest of the file is given up mid-transfer.
        var big = new StringBuilder();
        for (var i = 0; i < 400_000; i++)
        {
            big.Append("line ").Append(i.ToString("D7", System.Globalization.CultureInfo.InvariantCulture)).Append('\n');
        }

        ServerFile("long.txt", Encoding.ASCII.GetBytes(big.ToString()));
        var after = Bytes(70_000, 501);
        ServerFile("after.bin", after);
        var ascii = RemoteText.ParseEncoding("ascii");

        var first = new List<string>();
        Assert.Equal(3, await RemoteText.ReadAsync(Session, RemoteDir + "/long.txt", null, ascii, false, 3, first.Add, Timeout()));
        Assert.Equal(new[] { "line 0000000", "line 0000001", "line 0000002" }, first);

        var download = await TransferEngine.DownloadFileAsync(Session, RemoteDir + "/after.bin", Path.Combine(LocalDir, "after.bin"), null, null, Timeout());
        AssertCompleted(download, TransferDirection.Download, RemoteDir + "/after.bin", Path.Combine(LocalDir, "after.bin"), after.Length);
        Assert.Equal(Sha(after), Sha(File.ReadAllBytes(Path.Combine(LocalDir, "after.bin"))));

        // Cancelled from the writer (a pipeline that stopped), part-way.
        using var stop = new CancellationTokenSource();
        var seen = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => RemoteText.ReadAsync(
            Session,
            RemoteDir + "/long.txt",
            null,
            ascii,
            false,
            -1,
            _ =>
            {
                if (++seen == 1000)
                {
                    stop.Cancel();
                    stop.Token.ThrowIfCancellationRequested();
                }
            },
            stop.Token));
        Assert.Equal(1000, seen);

        // The whole file, after both: every line, in order.
        var all = new List<string>();
        Assert.Equal(400_000, await RemoteText.ReadAsync(Session, RemoteDir + "/long.txt", null, ascii, false, -1, all.Add, Timeout()));
        Assert.Equal("line 0399999", all[^1]);
        Assert.Equal(Sha(Encoding.ASCII.GetBytes(big.ToString())), Sha(Encoding.ASCII.GetBytes(string.Concat(all.Select(l => l + "\n")))));
    }
}
