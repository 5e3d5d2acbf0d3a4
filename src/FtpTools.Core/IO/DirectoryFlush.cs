using System;
using System.IO;
using System.Runtime.InteropServices;
using System.Threading;

namespace FtpTools.Core.IO;

/// <summary>
/// Writes a directory's entries to disk (fsync of the directory, Linux and macOS), so that a file renamed into it
/// keeps its name after a power loss: a move (-RemoveSource) removes a download's remote source only once both the
/// file's bytes and its name are on the local disk. Windows has no such call for a directory (NTFS journals the
/// rename itself), and there this does nothing. Best effort: a file system that refuses it (some network ones) is
/// not an error, the rename stands.
/// </summary>
internal static class DirectoryFlush
{
    private const int ReadOnly = 0;

    private static readonly bool IsUnix = !RuntimeInformation.IsOSPlatform(OSPlatform.Windows);
    private static int _unavailable;

    /// <summary>Tests: counts, in the calling flow, the directories flushed to disk.</summary>
    internal static readonly AsyncLocal<System.Runtime.CompilerServices.StrongBox<int>?> Flushes = new();

    /// <summary>True when the directory's entries were written to disk.</summary>
    public static bool Flush(string directory)
    {
        if (!IsUnix || Volatile.Read(ref _unavailable) != 0 || string.IsNullOrEmpty(directory))
        {
            return false;
        }

        try
        {
            var fd = Open(directory, ReadOnly);
            if (fd < 0)
            {
                return false;
            }

            try
            {
                if (Fsync(fd) != 0)
                {
                    return false;
                }
            }
            finally
            {
                _ = Close(fd);
            }

            if (Flushes.Value is { } count)
            {
                Interlocked.Increment(ref count.Value);
            }

            return true;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            Volatile.Write(ref _unavailable, 1);
            return false;
        }
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPStr)] string path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static extern int Fsync(int fd);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int fd);
}
