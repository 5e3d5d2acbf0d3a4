using System.Runtime.CompilerServices;

namespace FtpTools.Core;

/// <summary>
/// For the few methods that run once per listing line, directory entry or cipher block. .NET starts every method in
/// unoptimised code and recompiles it only after it has been called often and the process has been running a
/// while (tiered compilation), so a fresh process (a scheduled task, a first command) parsed a 10,000-entry listing
/// entirely in unoptimised code: three to five times slower. These methods are compiled optimised at once instead.
/// <para>
/// Not in the precompiled build (FTPTOOLS_READYTORUN, net10.0): ReadyToRun leaves out every method marked
/// AggressiveOptimization, so the mark would make the JIT compile at start what the image already holds optimised.
/// </para>
/// </summary>
internal static class HotPath
{
#if FTPTOOLS_READYTORUN
    // Precompiled optimised; the runtime recompiles the hottest of them later, with its profile.
    public const MethodImplOptions Optimized = 0;
#elif NET8_0_OR_GREATER
    public const MethodImplOptions Optimized = MethodImplOptions.AggressiveOptimization;
#else
    // .NET Framework (Windows PowerShell 5.1) compiles every method optimised the first time.
    public const MethodImplOptions Optimized = 0;
#endif
}
