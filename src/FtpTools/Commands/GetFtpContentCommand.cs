using System;
using System.Collections.Generic;
using System.Management.Automation;
using FtpTools.Core;
using FtpTools.Core.Paths;
using FtpTools.Core.Transfers;
using FtpTools.Infrastructure;

namespace FtpTools.Commands;

/// <summary>
/// Writes the lines of remote files, as Get-Content does for local ones, as they arrive: nothing is stored locally.
/// -Raw writes each file as one string; -TotalCount stops reading after that many lines.
/// </summary>
[Cmdlet(VerbsCommon.Get, "FtpContent", DefaultParameterSetName = PathSet)]
[OutputType(typeof(string))]
public sealed class GetFtpContentCommand : RemotePathCmdlet
{
    /// <summary>The text's encoding when the file has no byte order mark: utf8 (the default), ascii, unicode, and so on, or a code page's number or name.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(EncodingNameCompleter))]
    public string Encoding { get; set; } = "utf8";

    /// <summary>Each file as one string, line ends included.</summary>
    [Parameter]
    public SwitchParameter Raw { get; set; }

    /// <summary>At most this many lines of each file; the rest is not read.</summary>
    [Parameter]
    [Alias("First", "Head")]
    [ValidateRange(0, long.MaxValue)]
    public long TotalCount { get; set; } = -1;

    protected override void ProcessRecord()
    {
        var session = ResolveSession();
        if (Raw && TotalCount >= 0)
        {
            Fail("InvalidArgument", ErrorCategory.InvalidArgument, "-Raw and -TotalCount cannot be used together: -Raw writes each file whole, as one string.", TotalCount);
        }

        var encoding = RemoteText.TryParseEncoding(Encoding);
        if (encoding is null)
        {
            Fail("InvalidArgument", ErrorCategory.InvalidArgument, RemoteText.UnknownEncoding(Encoding), Encoding);
            return;
        }

        foreach (var path in Paths)
        {
            // A -Path whose wildcard characters are all escaped names one item, as a -LiteralPath does.
            var literal = IsLiteral ? path : Wildcard.LiteralPathOf(path);
            var full = RemotePath.Combine(session.CurrentDirectory, literal ?? path);
            if (literal is not null)
            {
                Read(session, full, listed: null, encoding);
                continue;
            }

            IReadOnlyList<RemoteWalkEntry> entries = Array.Empty<RemoteWalkEntry>();
            IReadOnlyList<RemoteWalkError> errors = Array.Empty<RemoteWalkError>();
            if (!Run(session, path, async (_, cancellationToken) =>
                (entries, errors) = await RemoteWalker.CollectAsync(session.Remote, new[] { path }, null, cancellationToken).ConfigureAwait(false), repeatable: true))
            {
                continue;
            }

            foreach (var error in errors)
            {
                WriteFailure(error.Exception, error.Path);
            }

            foreach (var entry in entries)
            {
                Read(session, entry.Item.FullName, entry.Item, encoding);
            }
        }
    }

    private void Read(FtpToolsSession session, string full, RemoteItem? listed, System.Text.Encoding encoding)
    {
        // Not repeated on a new connection when this one is lost part-way: the lines written so far would come twice.
        // (A connection found lost before anything was asked is made again first all the same.) The lines wait for
        // room in the pipeline, unless a command further down waits for this session (an FTP session runs one
        // operation at a time, and this read holds it to the file's end): then they are taken without bound.
        Run(session, full, async (channel, cancellationToken) =>
            await RemoteText.ReadAsync(
                session.Remote,
                full,
                listed,
                encoding,
                Raw,
                TotalCount,
                line => channel.WriteObjectWhenRoom(line, cancellationToken, () => RemoteText.OthersWaitFor(session.Remote)),
                cancellationToken).ConfigureAwait(false));
    }
}
