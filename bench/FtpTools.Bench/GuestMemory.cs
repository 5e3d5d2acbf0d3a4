using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace FtpTools.Bench;

/// <summary>
/// Keeps a virtual machine's free page reporting out of the numbers. A guest with a virtio balloon that reports free
/// pages hands memory that has been free for a moment back to its host, and the next use of each such page costs a
/// fault in the host: on the machine of 2026-11-23 writing 1 GiB into the page cache (<c>dd</c>) took 0.2 s of system
/// time right after 1 GiB had been freed and 2.7 s once that memory had been free for 10 s. Every row writes (a
/// download into the page cache, an upload through the server) and starts processes, so whichever row happened to
/// follow a recent free ran up to ten times faster than the same command after a pause.
/// <list type="bullet">
/// <item><see cref="HoldFreedPages"/>: where the kernel has the <c>page_reporting</c> module's parameters, raises
/// them for the whole run so that freed pages stay with the guest, and puts the old values back at the end.</item>
/// <item><see cref="Touch"/>: before each run, writes and deletes a file of about the run's size, so that the run
/// finds pages the guest has used lately, whichever tool runs and whatever ran before it.</item>
/// </list>
/// </summary>
internal static class GuestMemory
{
    private const string Parameters = "/sys/module/page_reporting/parameters/";

    /// <summary>
    /// The parameters of the kernel's <c>page_reporting</c> module raised while the bench runs. Their meaning is read
    /// from what they did on the machine of 2026-11-23 (a kernel of its own, 6.18 "fc"; the names suggest the rest):
    /// with <c>min_free_ms</c> at 300,000 (five minutes, the most it takes) a 1 GiB <c>dd</c> 10 s after another took
    /// 0.26 s instead of 2.7 s, but after a 1.5 GiB write and 20 s still 2.4 s; with <c>max_waiting_mib</c> (default
    /// 1,024) raised as well, 0.21 s after 10 s and 0.40 s after 30 s.
    /// </summary>
    private static readonly (string Name, string Value)[] Held = { ("min_free_ms", "300000"), ("max_waiting_mib", "8192") };

    /// <summary>
    /// Raises the parameters of <see cref="Held"/> for the lifetime of the returned object, which puts the old values
    /// back. Returns null, with <paramref name="what"/> saying why, where they do not exist or cannot be written (not
    /// root, another kernel); <paramref name="what"/> is for the report either way.
    /// </summary>
    public static IDisposable? HoldFreedPages(out string what)
    {
        var restore = new Restore();
        try
        {
            foreach (var (name, value) in Held)
            {
                var old = File.ReadAllText(Parameters + name).Trim();
                File.WriteAllText(Parameters + name, value);
                restore.Add(name, old);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            restore.Dispose();
            what = $"free page reporting not held ({e.Message})";
            return null;
        }

        what = "free page reporting held during the run (" + string.Join(", ", restore.Changes) + ")";
        return restore;
    }

    /// <summary>
    /// Writes a file of <paramref name="bytes"/> into <paramref name="directory"/> and deletes it at once (after a
    /// <c>sync</c>, before write-back of its pages would normally start), so that page cache pages are taken and
    /// freed. Memory that a process maps, touches page by page and unmaps did not do: on the machine of 2026-11-23,
    /// with the parameters held and after memory had been free for 14 s, a 1 GiB <c>dd</c> 2 s after a process had
    /// done so with 1.5 GiB took 2.25-2.48 s of system time (2.30-2.64 s with nothing before it), 2 s after a 1.5 GiB
    /// file was written and deleted 0.27-0.29 s; a process mapping and touching 512 MiB took 0.68 s of system time
    /// after the first, 0.47 s after the file.
    /// </summary>
    public static void Touch(string directory, long bytes)
    {
        var path = Path.Combine(directory, "guest-memory-touch.tmp");
        var chunk = new byte[1 << 20];
        try
        {
            using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0);
            for (long written = 0; written < bytes; written += chunk.Length)
            {
                file.Write(chunk, 0, (int)Math.Min(chunk.Length, bytes - written));
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    private sealed class Restore : IDisposable
    {
        private readonly List<(string Name, string Old)> _old = new();

        public IEnumerable<string> Changes => _old.Select(o => $"{o.Name} {o.Old} -> {Held.First(h => h.Name == o.Name).Value}");

        public void Add(string name, string old) => _old.Add((name, old));

        public void Dispose()
        {
            foreach (var (name, old) in _old)
            {
                File.WriteAllText(Parameters + name, old);
            }

            _old.Clear();
        }
    }
}
