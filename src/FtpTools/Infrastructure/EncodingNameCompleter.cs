using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Management.Automation.Language;
using FtpTools.Core.Transfers;

namespace FtpTools.Infrastructure;

/// <summary>
/// Tab completion of Get-FtpContent -Encoding: Get-Content's encoding names (a code page's number or name is taken
/// too, but not offered: there are hundreds).
/// </summary>
public sealed class EncodingNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var results = new List<CompletionResult>();
        foreach (var name in RemoteText.EncodingNames)
        {
            if (name.StartsWith(wordToComplete ?? "", StringComparison.OrdinalIgnoreCase))
            {
                results.Add(new CompletionResult(name, name, CompletionResultType.ParameterValue, name));
            }
        }

        return results;
    }
}
