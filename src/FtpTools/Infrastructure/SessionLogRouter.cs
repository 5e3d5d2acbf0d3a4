using System;
using System.Threading;
using FtpTools.Core.Logging;

namespace FtpTools.Infrastructure;

/// <summary>
/// The protocol log a session is opened with. A session outlives the cmdlets that use it, so the log goes
/// to whichever cmdlet is running core work on the session right now (see <see cref="Attach"/>), and is
/// dropped in between (keep-alive probes while the prompt waits). Thread-safe: the core logs from pool threads.
/// </summary>
internal sealed class SessionLogRouter : IProtocolLog
{
    private PipelineChannel? _target;

    public void Write(LogDirection direction, string message)
    {
        var prefix = direction switch
        {
            LogDirection.Sent => "> ",
            LogDirection.Received => "< ",
            _ => "",
        };
        Volatile.Read(ref _target)?.WriteVerbose(prefix + message);
    }

    /// <summary>Routes the log to <paramref name="channel"/> until the returned scope is disposed; scopes nest.</summary>
    public IDisposable Attach(PipelineChannel channel)
    {
        var previous = Interlocked.Exchange(ref _target, channel);
        return new Scope(this, previous);
    }

    private sealed class Scope : IDisposable
    {
        private readonly SessionLogRouter _router;
        private readonly PipelineChannel? _previous;

        public Scope(SessionLogRouter router, PipelineChannel? previous)
        {
            _router = router;
            _previous = previous;
        }

        public void Dispose() => Volatile.Write(ref _router._target, _previous);
    }
}
