using System;
using System.Linq;
using System.Threading.Tasks;
using FtpTools.Core.Paths;
using Xunit;

namespace FtpTools.Core.Tests.Transfers;

// RemotePathCompletion: tab completion of remote paths, against each real server's listing.
public abstract partial class TransferBehaviours
{
    [Fact]
    public async Task Completion_offers_the_entries_that_start_with_the_word_quoted_and_escaped_as_PowerShell_reads_them()
    {
        ServerFile("cmp/alpha.txt", Bytes(10, 1));
        ServerFile("cmp/Alpine dir/x.txt", Bytes(10, 2));
        ServerFile("cmp/beta.bin", Bytes(1234, 3));
        ServerFile("cmp/we[ird].txt", Bytes(10, 4));
        ServerFile("cmp/it's.txt", Bytes(10, 5));
        ServerFile("cmp/sub/deep.txt", Bytes(10, 6));
        ServerFile("cmp/[x]/f.txt", Bytes(10, 7));
        var dir = RemoteDir + "/cmp/";

        // Case does not matter, directories end in '/', a name with a space is quoted.
        var al = await Complete(dir + "al");
        Assert.Equal(new[] { dir + "alpha.txt", $"'{dir}Alpine dir/'" }, al.Select(c => c.CompletionText));
        Assert.Equal(new[] { "alpha.txt", "Alpine dir/" }, al.Select(c => c.ListItemText));
        Assert.Equal(new[] { false, true }, al.Select(c => c.IsDirectory));
        Assert.Equal($"{dir}beta.bin (1234 bytes)", Assert.Single(await Complete(dir + "b")).ToolTip);

        // -Path takes wildcards: '[' and ']' are escaped (and the backticks quoted); -LiteralPath takes the name as it is.
        Assert.Equal($"'{dir}we`[ird`].txt'", Assert.Single(await Complete(dir + "we")).CompletionText);
        Assert.Equal($"{dir}we[ird].txt", Assert.Single(await Complete(dir + "we", literal: true)).CompletionText);

        // A word begun with a quote goes on in that quote; a quote in the name is doubled (single) or escaped (double).
        Assert.Equal($"'{dir}it''s.txt'", Assert.Single(await Complete("'" + dir + "it")).CompletionText);
        Assert.Equal($"\"{dir}Alpine dir/\"", Assert.Single(await Complete("\"" + dir + "alp", directoriesOnly: true)).CompletionText);

        // In double quotes a backtick is doubled, and a word typed on from such a completion reads back as its text.
        Assert.Equal($"\"{dir}we``[ird``].txt\"", Assert.Single(await Complete("\"" + dir + "we``[")).CompletionText);
        Assert.Equal($"\"{dir}``[x``]/f.txt\"", Assert.Single(await Complete("\"" + dir + "``[x``]/f")).CompletionText);
        Assert.Equal($"\"{dir}``[x``]/f.txt\"", Assert.Single(await Complete("\"" + dir + "``[x``]/\"")).CompletionText);

        // Directories only; an escaped bracket in the directory part is a directory to list, an unescaped one a pattern.
        Assert.Equal(new[] { $"'{dir}Alpine dir/'", dir + "sub/", $"'{dir}`[x`]/'" }, (await Complete(dir, directoriesOnly: true)).Select(c => c.CompletionText));
        Assert.Equal($"'{dir}`[x`]/f.txt'", Assert.Single(await Complete(dir + "`[x`]/f")).CompletionText);
        Assert.Equal($"{dir}[x]/f.txt", Assert.Single(await Complete(dir + "[x]/", literal: true)).CompletionText);
        Assert.Empty(await Complete(RemoteDir + "/c*/al"));

        // Read back as the walker reads a -Path: a segment without '*', '?' or '[' is the name as it is, a '`' in it
        // included; a pattern in the last segment offers the names whose start it matches.
        ServerFile("cmp/it`s/in.txt", Bytes(10, 11));
        Assert.Equal($"'{dir}it`s/in.txt'", Assert.Single(await Complete("'" + dir + "it`s/")).CompletionText);
        Assert.Equal(new[] { dir + "beta.bin" }, (await Complete(dir + "*.b")).Select(c => c.CompletionText));
        Assert.Equal(new[] { dir + "alpha.txt", $"'{dir}it''s.txt'", $"'{dir}we`[ird`].txt'" }, (await Complete(dir + "*.t")).Select(c => c.CompletionText));

        // Names a bare word would misread (a dash: a parameter; a digit: a number) and typographic quotes are quoted.
        ServerFile("cmp2/-old.txt", Bytes(10, 8));
        ServerFile("cmp2/1e3.txt", Bytes(10, 9));
        ServerFile("cmp2/it\u2019s.txt", Bytes(10, 10));
        await Session.ChangeDirectoryAsync(RemoteDir + "/cmp2", Timeout());
        Assert.Equal(new[] { "'-old.txt'", "'1e3.txt'", "'it\u2019\u2019s.txt'" }, (await Complete("")).Select(c => c.CompletionText));

        // A relative word completes against the current directory and stays relative.
        await Session.ChangeDirectoryAsync(RemoteDir, Timeout());
        Assert.Equal(new[] { "cmp/sub/deep.txt" }, (await Complete("cmp/sub/")).Select(c => c.CompletionText));
        Assert.Equal(new[] { "cmp/", "cmp2/" }, (await Complete("c")).Select(c => c.CompletionText));
    }

    private Task<System.Collections.Generic.IReadOnlyList<RemotePathCandidate>> Complete(string word, bool literal = false, bool directoriesOnly = false) =>
        RemotePathCompletion.CompleteAsync(Session, word, literal, directoriesOnly, Timeout());
}
