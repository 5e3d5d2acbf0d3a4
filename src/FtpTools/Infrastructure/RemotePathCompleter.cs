using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Paths;

namespace FtpTools.Infrastructure;

/// <summary>
/// Tab completion of remote paths on the session the command would use (its -Session, else the runspace's newest):
/// <see cref="RemotePathCompletion"/>. Completion never connects, never prompts and never fails: a session that is
/// not connected, a listing that is refused or takes longer than <see cref="Timeout"/> completes to nothing. One
/// subclass per kind of parameter: wildcard paths, literal paths, directories.
/// </summary>
public abstract class RemotePathCompleter : IArgumentCompleter
{
    /// <summary>How long a completion may wait for the server's listing.</summary>
    internal static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    private readonly bool _literal;
    private readonly bool _directoriesOnly;

    private protected RemotePathCompleter(bool literal, bool directoriesOnly)
    {
        _literal = literal;
        _directoriesOnly = directoriesOnly;
    }

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        try
        {
            var session = fakeBoundParameters is not null && fakeBoundParameters.Contains("Session")
                ? SessionFrom(fakeBoundParameters)
                : SessionStore.CurrentIfAny?.Default;
            if (session is null || session.Closed || !session.Connected)
            {
                return Array.Empty<CompletionResult>();
            }

            using var timeout = new CancellationTokenSource(Timeout);
            var candidates = Task.Run(() => RemotePathCompletion.CompleteAsync(session.Remote, wordToComplete, _literal, _directoriesOnly, timeout.Token)).GetAwaiter().GetResult();
            return candidates.Select(c => new CompletionResult(
                c.CompletionText,
                c.ListItemText,
                // Not ProviderContainer: PSReadLine on Windows appends '\' to those, which no remote path has.
                CompletionResultType.ParameterValue,
                c.ToolTip)).ToList();
        }
#pragma warning disable CA1031 // Tab completion offers what it can; a failure must never reach the prompt.
        catch (Exception)
#pragma warning restore CA1031
        {
            return Array.Empty<CompletionResult>();
        }
    }

    /// <summary>The -Session already typed: a session object, or its Id.</summary>
    private static FtpToolsSession? SessionFrom(IDictionary fakeBoundParameters)
    {
        if (fakeBoundParameters is null || !fakeBoundParameters.Contains("Session"))
        {
            return null;
        }

        // A -Session that was typed but names no open session completes nothing, rather than list another server.
        return SessionNamed(fakeBoundParameters["Session"]);
    }

    private static FtpToolsSession? SessionNamed(object? typed)
    {

        var value = typed;
        if (value is PSObject wrapped)
        {
            value = wrapped.BaseObject;
        }

        return value switch
        {
            FtpToolsSession session => session,
            int id => SessionStore.CurrentIfAny?.Find(id),
            string text when int.TryParse(text, out var id) => SessionStore.CurrentIfAny?.Find(id),
            _ => null,
        };
    }
}

/// <summary>-Path parameters that take wildcards (Get-FtpItem, Receive-FtpFile, Remove-FtpItem, Set-FtpItem, Get-FtpFileHash): names are wildcard-escaped.</summary>
public sealed class WildcardRemotePathCompleter : RemotePathCompleter
{
    public WildcardRemotePathCompleter()
        : base(literal: false, directoriesOnly: false)
    {
    }
}

/// <summary>Parameters that take a remote path as it is (-LiteralPath, Rename-FtpItem and Test-FtpPath's -Path).</summary>
public sealed class LiteralRemotePathCompleter : RemotePathCompleter
{
    public LiteralRemotePathCompleter()
        : base(literal: true, directoriesOnly: false)
    {
    }
}

/// <summary>Parameters that name a remote directory as it is (Set-FtpLocation, New-FtpDirectory, Send-FtpFile -Destination).</summary>
public sealed class RemoteDirectoryCompleter : RemotePathCompleter
{
    public RemoteDirectoryCompleter()
        : base(literal: true, directoriesOnly: true)
    {
    }
}
