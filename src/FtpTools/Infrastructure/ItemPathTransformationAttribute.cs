using System;
using System.IO;
using System.Management.Automation;
using FtpTools.Core.Paths;

namespace FtpTools.Infrastructure;

/// <summary>
/// Lets an item given to -Path (piped in, or passed as an argument) name exactly itself: its full name with the
/// wildcard characters escaped. PowerShell binds a piped object to the default parameter set's -Path by converting it
/// to text before it tries -LiteralPath by property name, so without this an item named 'report[12].txt' or 'a*.txt'
/// was matched as a pattern, and other files were downloaded or removed in its place.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
internal sealed class ItemPathTransformationAttribute : ArgumentTransformationAttribute
{
    /// <param name="local">True for -Path of local files (FileSystemInfo, escaped as PowerShell escapes); false for remote ones (FtpToolsItem).</param>
    public ItemPathTransformationAttribute(bool local)
    {
        Local = local;
    }

    public bool Local { get; }

    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
        if (value is object[] many)
        {
            return Array.ConvertAll(many, TransformOne);
        }

        return TransformOne(inputData);
    }

    private object? TransformOne(object? element)
    {
        var value = element is PSObject wrapped ? wrapped.BaseObject : element;
        return (value, Local) switch
        {
            (FtpToolsItem item, false) => Wildcard.EscapeLiteralPath(item.FullName),
            (FileSystemInfo file, true) => WildcardPattern.Escape(file.FullName),
            _ => element,
        };
    }
}
