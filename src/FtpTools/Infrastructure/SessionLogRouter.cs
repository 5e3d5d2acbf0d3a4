using System;
using System.Threading;
using FtpTools.Core.Logging;

namespace FtpTools.Infrastructure;

/// <summary>
/// The protocol log a session is opened with. A session outlives the cmdlets that use it, so the log goes as verbose
/// output to whichever cmdlet is running core work on the session right now (see <see cref="Attach"/>), and is
/// dropped in between (keep-alive probes while the prompt waits). With Connect-FtpSession -LogPath it also goes to
/// that file, all of it, with the errors the session's commands met (<see cref="Note"/>). Thread-safe: the core logs
/// from pool threads.
/// </summary>
internal sealed class SessionLogRouter : IProtocolLog, IDisposable
{
    private readonly FileProtocolLog? _file;
    private PipelineChannel? _target;

    public SessionLogRouter(FileProtocolLog? file = null) => _file = file;

    /// <summary>The full path of the -LogPath file, or null.</summary>
    public string? FilePath => _file?.Path;

    public void Write(LogDirection direction, string message)
    {
        _file?.Write(direction, message);
        var prefix = direction switch
        {
            LogDirection.Sent => "> ",
            LogDirection.Received => "< ",
            _ => "",
        };
        Volatile.Read(ref _target)?.WriteVerbose(prefix + message);
    }

    /// <summary>A line for the -LogPath file only (an error the user sees as an error record already).</summary>
    public void Note(string message) => _file?.Write(LogDirection.Info, message);

    /// <summary>Routes the log to <paramref name="channel"/> until the returned scope is disposed; scopes nest.</summary>
    public IDisposable Attach(PipelineChannel channel)
    {
        var previous = Interlocked.Exchange(ref _target, channel);
        return new Scope(this, previous);
    }

    /// <summary>Closes the -LogPath file (when no other session writes to it).</summary>
    public void Dispose() => _file?.Dispose();

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
