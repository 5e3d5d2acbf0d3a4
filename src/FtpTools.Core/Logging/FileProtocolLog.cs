using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;

namespace FtpTools.Core.Logging;

/// <summary>
/// A protocol log appended to a file, for scripts that run unattended: one line per message,
/// <c>2026-11-24T15:51:38.123Z ftp://bob@host:21 &gt; LIST</c> (UTC, the session's label, "&gt; " sent, "&lt; " received,
/// nothing for a note of ours), each written through to the file at once, so a script that dies leaves what happened
/// up to then. Logs that name the same file share one writer (and lines from different sessions never mix within a
/// line); the file is closed when the last of them is disposed, and others may read it meanwhile. Another FtpTools
/// process cannot open it meanwhile ("Another process is writing to ..."; on Windows the share mode says so, on Linux
/// a lock; not on macOS), so two never write over each other's lines. Control characters
/// a server sent are written as \xNN, so it cannot forge lines. Secrets are masked by the callers (see
/// <see cref="IProtocolLog"/>). A write that fails (disk full, say) ends the writing to that file for every log that
/// shares it and is not reported to the session: the transfer goes on.
/// </summary>
public sealed class FileProtocolLog : IProtocolLog, IDisposable
{
    private static readonly Dictionary<string, SharedFile> OpenFiles = new(
        RuntimeInformation.IsOSPlatform(OSPlatform.Windows) || RuntimeInformation.IsOSPlatform(OSPlatform.OSX) ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);

    private readonly SharedFile _file;
    private readonly string _label;
    private int _disposed;

    /// <summary>Opens (or creates) <paramref name="path"/> for appending; throws what opening the file throws.</summary>
    public FileProtocolLog(string path, string label)
    {
        var full = System.IO.Path.GetFullPath(path);
        _label = Escape(label);
        lock (OpenFiles)
        {
            if (!OpenFiles.TryGetValue(full, out var file))
            {
                file = new SharedFile(full);
                OpenFiles.Add(full, file);
            }

            file.References++;
            _file = file;
        }
    }

    /// <summary>The file's full path.</summary>
    public string Path => _file.Path;

    public void Write(LogDirection direction, string message)
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        var prefix = direction switch
        {
            LogDirection.Sent => "> ",
            LogDirection.Received => "< ",
            _ => "",
        };
        var line = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture) + " " + _label + " " + prefix + Escape(message);
        _file.WriteLine(line);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        lock (OpenFiles)
        {
            if (--_file.References == 0)
            {
                OpenFiles.Remove(_file.Path);
                _file.Dispose();
            }
        }
    }

    private static string Escape(string text)
    {
        StringBuilder? escaped = null;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if ((c < ' ' && c != '\t') || c == '\x7f' || c is '\u0085' or '\u2028' or '\u2029')
            {
                escaped ??= new StringBuilder(text, 0, i, text.Length + 16);
                escaped.Append("\\x").Append(((int)c).ToString(c > 0xff ? "x4" : "x2", CultureInfo.InvariantCulture));
            }
            else
            {
                escaped?.Append(c);
            }
        }

        return escaped?.ToString() ?? text;
    }

    private sealed class SharedFile : IDisposable
    {
        private readonly object _gate = new();
        private StreamWriter? _writer;

        public SharedFile(string path)
        {
            Path = path;
            var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read | FileShare.Delete);
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Linux))
            {
                // Windows refuses a second writer by the share mode above; Linux does not, and two processes appending
                // to one file write over each other's lines. A write lock on the whole file (fcntl, which readers such
                // as tail never ask for) makes another FtpTools process's open fail there too. (.NET locks no file
                // regions on macOS.)
                try
                {
                    stream.Lock(0, long.MaxValue);
                }
                catch (IOException)
                {
                    stream.Dispose();
                    throw new IOException($"Another process is writing to '{path}'; give each one a log file of its own.");
                }
            }

            _writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)) { AutoFlush = true };
        }

        public string Path { get; }

        public int References { get; set; }

        public void WriteLine(string line)
        {
            lock (_gate)
            {
                if (_writer is null)
                {
                    return;
                }

                try
                {
                    _writer.WriteLine(line);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ObjectDisposedException)
                {
                    Close();
                }
            }
        }

        public void Dispose()
        {
            lock (_gate)
            {
                Close();
            }
        }

        private void Close()
        {
            try
            {
                _writer?.Dispose();
            }
            catch (IOException)
            {
                // What could not be written is lost either way; the file is closed.
            }

            _writer = null;
        }
    }
}
