using System;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Tasks;
using FtpTools.Core.IO;

namespace FtpTools.Core.Ftp;

/// <summary>
/// Loads the system's root certificates in the background while an FTPES or FTPS control connection is being opened,
/// so that its TLS handshake does not wait for them. On Linux, .NET reads every certificate of the system store
/// (SSL_CERT_DIR, SSL_CERT_FILE) the first time a process builds any chain, even one that trusts custom roots only:
/// 40 ms for Debian's 151 roots, in the middle of the first handshake. It keeps them in a process-wide cache that it
/// checks for changes every few seconds and drops after five minutes, so a load started here is the one the handshake
/// uses. It runs on a thread of its own (<see cref="BlockingCall"/>): 40 ms of a pool thread would hold up the
/// connect's own continuations on a machine with two cores. Elsewhere chains come from the platform's own store
/// service and nothing is started.
/// </summary>
internal static class TrustStoreWarmup
{
    /// <summary>How long after one load another connect starts none (the cache lives for five minutes).</summary>
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    private static readonly bool Applies = RuntimeInformation.IsOSPlatform(OSPlatform.Linux);
    private static readonly Stopwatch Clock = Stopwatch.StartNew();
    private static Task? _last;
    private static TimeSpan _lastStarted;

    /// <summary>
    /// Starts a load unless one was started within <see cref="Interval"/>; returns it (tests), or a completed task when
    /// the platform does not need one. Never throws: a store that cannot be read fails again, reported, in the handshake.
    /// </summary>
    public static Task Start()
    {
        if (!Applies)
        {
            return Task.CompletedTask;
        }

        lock (Clock)
        {
            var now = Clock.Elapsed;
            if (_last is null || now - _lastStarted >= Interval)
            {
                _lastStarted = now;
                _last = BlockingCall.RunAsync(Load);
            }

            return _last;
        }
    }

    private static void Load()
    {
        try
        {
            using var store = new X509Store(StoreName.Root, StoreLocation.LocalMachine);
            store.Open(OpenFlags.ReadOnly);
            foreach (var certificate in store.Certificates)
            {
                certificate.Dispose();
            }
        }
#pragma warning disable CA1031 // Only a head start: whatever fails here happens again, and is reported, in the handshake.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }
}
