using System.Management.Automation;
using System;
using FtpTools.Core.Paths;
using FtpTools.Core;
using FtpTools.Infrastructure;

namespace FtpTools.Commands;

/// <summary>
/// Tells whether remote paths exist, as Test-Path does for local ones: $true or $false per path, optionally only for
/// files (-PathType Leaf) or directories (-PathType Container). A missing path is $false, not an error; a server that
/// refuses to say (permission denied on the parent, say) is a non-terminating error and writes nothing for that path.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "FtpPath", DefaultParameterSetName = PathSet)]
[OutputType(typeof(bool))]
public sealed class TestFtpPathCommand : FtpSessionCmdlet
{
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";

    /// <summary>
    /// Remote paths; relative ones start at the session's current directory. One with * or ? is true when anything
    /// matches it (a name literally there answers first); brackets and backticks are taken as they are.
    /// </summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = PathSet)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(LiteralRemotePathCompleter))]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>Remote paths taken exactly as they are: * and ? are characters of the name, as in Test-Path -LiteralPath.</summary>
    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet)]
    [Alias("LP")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(LiteralRemotePathCompleter))]
    public string[] LiteralPath { get; set; } = Array.Empty<string>();

    /// <summary>Any (the default), Leaf (a file or anything else that is not a directory) or Container (a directory, or a link to one).</summary>
    [Parameter]
    public RemotePathType PathType { get => (RemotePathType)_pathType; set => _pathType = (int)value; }

    // An int, not the core's enum: see ConnectFtpSessionCommand's _protocol (PowerShell lays out this type's fields
    // before FtpTools.Core can be found).
    private int _pathType;

    private static readonly char[] Wildcards = { '*', '?' };

    protected override void ProcessRecord()
    {
        var session = ResolveSession();
        var literal = ParameterSetName == LiteralPathSet;
        foreach (var path in literal ? LiteralPath : Path)
        {
            var full = RemotePath.Combine(session.CurrentDirectory, path);
            var found = false;
            // A path with * or ? is true when anything matches it, as Test-Path's is (a polling loop on *.csv must see
            // the files come); a name that is literally there answers first. Brackets and backticks are taken as they
            // are: names have them (scan[1].pdf), and piped items bind their FullName here.
            var pattern = !literal && path.IndexOfAny(Wildcards) >= 0;
            var ok = Run(session, full, async (_, cancellationToken) =>
                found = pattern
                    ? await RemotePathProbe.AnyMatchesAsync(session.Remote, path, PathType, cancellationToken).ConfigureAwait(false)
                    : await RemotePathProbe.ExistsAsync(session.Remote, full, PathType, cancellationToken).ConfigureAwait(false), repeatable: true);

            if (ok)
            {
                WriteObject(found);
            }
        }
    }
}
