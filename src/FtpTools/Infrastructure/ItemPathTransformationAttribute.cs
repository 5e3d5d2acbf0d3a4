using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using FtpTools.Core.Paths;
using FtpTools.Core.Transfers;

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
        if (value is IEnumerable many and not string)
        {
            // object[], and the collections .Where() and List[object] give.
            var elements = new List<object?>();
            foreach (var element in many)
            {
                elements.Add(TransformOne(element));
            }

            return elements.ToArray();
        }

        return TransformOne(inputData);
    }

    private object? TransformOne(object? element)
    {
        var value = element is PSObject wrapped ? wrapped.BaseObject : element;
        return (value, Local) switch
        {
            (FtpToolsItem item, false) => Wildcard.EscapeLiteralPath(item.FullName),
            (RemoteFileHash hash, false) => Wildcard.EscapeLiteralPath(hash.Path),
            (FileSystemInfo file, true) => WildcardPattern.Escape(file.FullName),
            (PathInfo path, true) => WildcardPattern.Escape(path.ProviderPath),

            // Get-FileHash's FileHashInfo (Microsoft.PowerShell.Utility, not referenced here): its Path is a file's.
            (not null, true) when value.GetType().Name == "FileHashInfo" && PSObject.AsPSObject(value).Properties["Path"]?.Value is string hashed
                => WildcardPattern.Escape(hashed),
            _ => element,
        };
    }
}
