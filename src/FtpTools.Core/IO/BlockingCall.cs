using System;
using System.Threading;
using System.Threading.Tasks;

namespace FtpTools.Core.IO;

/// <summary>
/// Runs a call that blocks (a connect, a TLS handshake or a copy on a socket kept in blocking mode, see
/// <see cref="Ftp.FtpDataConnection.ReadsBlocking"/>) on a thread of its own, never on a thread-pool thread: a
/// blocked pool thread would hold up the timers and continuations that every session's timeouts run on until the
/// pool adds threads (on 2 cores, after half a second and more).
/// </summary>
internal static class BlockingCall
{
    public static Task RunAsync(Action call) =>
        Task.Factory.StartNew(call, CancellationToken.None, TaskCreationOptions.LongRunning | TaskCreationOptions.DenyChildAttach, TaskScheduler.Default);
}
