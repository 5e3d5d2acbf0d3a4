using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation.Runspaces;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core;

namespace FtpTools.Infrastructure;

/// <summary>
/// The sessions of one runspace. Sessions belong to the runspace that opened them, never to the process or
/// to $global:, so two runspaces (jobs, ForEach-Object -Parallel, hosted PowerShell) never see or close each
/// other's sessions. The newest session is the default of every cmdlet. A runspace's sessions are closed
/// when it closes or when the module is removed from it.
/// Ids count up per runspace and are never reused while the runspace lives.
/// </summary>
internal sealed class SessionStore
{
    /// <summary>How long closing sessions may take when the module is removed or the runspace closes.</summary>
    internal static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(5);

    // Weak keys: a runspace that is gone takes its store with it.
    private static readonly ConditionalWeakTable<Runspace, SessionStore> PerRunspace = new();

    private readonly List<FtpToolsSession> _sessions = new();
    private int _lastId;

    /// <summary>The store of the runspace this thread runs (the pipeline thread of a cmdlet).</summary>
    public static SessionStore Current
    {
        get
        {
            var runspace = Runspace.DefaultRunspace
                ?? throw new InvalidOperationException("FtpTools cmdlets must run in a PowerShell runspace.");
            return PerRunspace.GetValue(runspace, CreateFor);
        }
    }

    /// <summary>The store of the current runspace when one was ever made, without making one.</summary>
    public static SessionStore? CurrentIfAny =>
        Runspace.DefaultRunspace is { } runspace && PerRunspace.TryGetValue(runspace, out var store) ? store : null;

    /// <summary>The newest session still in the store, or null.</summary>
    public FtpToolsSession? Default
    {
        get
        {
            lock (_sessions)
            {
                return _sessions.Count == 0 ? null : _sessions[_sessions.Count - 1];
            }
        }
    }

    public FtpToolsSession Add(SessionKeeper keeper, string? userName, SessionLogRouter log, string? proxy = null, IDisposable? owned = null)
    {
        lock (_sessions)
        {
            var session = new FtpToolsSession(++_lastId, keeper, userName, log, proxy, owned);
            _sessions.Add(session);
            return session;
        }
    }

    public FtpToolsSession? Find(int id)
    {
        lock (_sessions)
        {
            return _sessions.FirstOrDefault(s => s.Id == id);
        }
    }

    public IReadOnlyList<FtpToolsSession> Snapshot()
    {
        lock (_sessions)
        {
            return _sessions.ToArray();
        }
    }

    public bool Remove(FtpToolsSession session)
    {
        lock (_sessions)
        {
            return _sessions.Remove(session);
        }
    }

    /// <summary>Closes and forgets every session, waiting at most <paramref name="timeout"/> for the goodbyes.</summary>
    public void CloseAll(TimeSpan timeout)
    {
        FtpToolsSession[] sessions;
        lock (_sessions)
        {
            sessions = _sessions.ToArray();
            _sessions.Clear();
        }

        if (sessions.Length == 0)
        {
            return;
        }

        using var cts = new CancellationTokenSource(timeout);
        var closing = sessions.Select(s => CloseQuietlyAsync(s, cts.Token)).ToArray();

        // Runs at module removal on the pipeline thread; bounded so a dead server cannot hang Remove-Module.
        Task.WaitAll(closing, timeout);
    }

    private static async Task CloseQuietlyAsync(FtpToolsSession session, CancellationToken cancellationToken)
    {
        try
        {
            await session.CloseAsync(cancellationToken).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Closing at shutdown: a failed goodbye must not stop the other sessions from closing.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
        finally
        {
            session.ReleaseLocal();
        }
    }

    private static SessionStore CreateFor(Runspace runspace)
    {
        var store = new SessionStore();
        runspace.StateChanged += (_, e) =>
        {
            if (e.RunspaceStateInfo.State is RunspaceState.Closed or RunspaceState.Broken)
            {
                store.CloseAll(CloseTimeout);
            }
        };
        return store;
    }
}
