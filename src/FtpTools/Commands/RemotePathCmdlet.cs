using System;
using System.Management.Automation;

namespace FtpTools.Commands;

/// <summary>
/// Base of the session cmdlets that take remote paths the same way, Receive-FtpFile and Remove-FtpItem: a mandatory
/// -Path (wildcards, position 0, from the pipeline) or -LiteralPath (taken as it is, bound from FullName of
/// Get-FtpItem output), in the parameter sets <see cref="PathSet"/> and <see cref="LiteralPathSet"/>.
/// </summary>
public abstract class RemotePathCmdlet : FtpSessionCmdlet
{
    protected const string PathSet = "Path";
    protected const string LiteralPathSet = "LiteralPath";

    /// <summary>Remote paths with wildcards.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = PathSet)]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>Remote paths taken as they are; binds FullName of items from Get-FtpItem.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = LiteralPathSet)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = Array.Empty<string>();

    /// <summary>True when the paths came as -LiteralPath.</summary>
    internal bool IsLiteral => ParameterSetName == LiteralPathSet;

    /// <summary>The paths of whichever parameter set was bound.</summary>
    internal string[] Paths => IsLiteral ? LiteralPath : Path;
}
