using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace FtpTools.Infrastructure;

/// <summary>
/// Tab completion of -Id on Get-FtpSession and Disconnect-FtpSession: the Ids of this runspace's sessions, each with
/// what it is connected to as its tool tip (PowerShell would offer local file names otherwise).
/// </summary>
public sealed class SessionIdCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var results = new List<CompletionResult>();
        if (SessionStore.CurrentIfAny is not { } store)
        {
            return results;
        }

        foreach (var session in store.Snapshot())
        {
            var id = session.Id.ToString(CultureInfo.InvariantCulture);
            if (id.StartsWith(wordToComplete ?? "", StringComparison.Ordinal))
            {
                results.Add(new CompletionResult(id, id, CompletionResultType.ParameterValue, session.ToString()));
            }
        }

        return results;
    }
}
