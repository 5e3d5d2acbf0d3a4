using System;
using System.Runtime.InteropServices;

namespace FtpTools.Bench;

/// <summary>
/// CPU time used by this process's children that have ended and been waited for (<c>getrusage(RUSAGE_CHILDREN)</c>,
/// Linux). Taken before and after one run, the difference is what that run's processes used, the helpers a peer
/// starts and waits for included (<c>ssh</c> under <c>sftp</c> and lftp): the same measure for every row.
/// </summary>
internal readonly record struct ChildCpu(double UserSeconds, double SystemSeconds)
{
    private const int RusageChildren = -1;

    public double TotalSeconds => UserSeconds + SystemSeconds;

    public static ChildCpu Now()
    {
        // struct rusage: two struct timeval (seconds and microseconds, 8 bytes each on 64-bit Linux), then 14 longs.
        var usage = new long[18];
        if (GetRusage(RusageChildren, usage) != 0)
        {
            throw new InvalidOperationException($"getrusage failed with errno {Marshal.GetLastPInvokeError()}.");
        }

        return new ChildCpu(usage[0] + (usage[1] / 1e6), usage[2] + (usage[3] / 1e6));
    }

    public static ChildCpu operator -(ChildCpu after, ChildCpu before) =>
        new(after.UserSeconds - before.UserSeconds, after.SystemSeconds - before.SystemSeconds);

    [DllImport("libc", EntryPoint = "getrusage", SetLastError = true)]
    private static extern int GetRusage(int who, long[] usage);
}
