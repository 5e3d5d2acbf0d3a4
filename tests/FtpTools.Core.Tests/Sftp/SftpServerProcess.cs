using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Logging;
using FtpTools.Core.Sftp;

namespace FtpTools.Core.Tests.Sftp;

/// <summary>
/// OpenSSH's sftp-server as a child process in a fresh temporary directory, its stdin and stdout joined into the
/// duplex stream an SFTP session runs over (what sshd does for the "sftp" subsystem, minus the SSH layer).
/// </summary>
internal sealed class SftpServerProcess : IAsyncDisposable
{
    public const string ServerPath = "/usr/lib/openssh/sftp-server";

    private readonly StringBuilder _stderr = new();

    private readonly bool _asNobody;
    private readonly List<Process> _started = new();

    private SftpServerProcess(string root, bool asNobody)
    {
        Root = root;
        _asNobody = asNobody;
    }

    /// <summary>Local directory the server starts in (its "." and our CurrentDirectory).</summary>
    public string Root { get; }

    public string ServerErrors
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>Starts a server in a new temporary directory; with <paramref name="asNobody"/> it runs as user nobody.</summary>
    public static SftpServerProcess Create(bool asNobody = false)
    {
        if (!File.Exists(ServerPath))
        {
            throw new InvalidOperationException($"{ServerPath} is missing: apt-get install openssh-sftp-server");
        }

        var root = Directory.CreateTempSubdirectory("ftptools-sftp-").FullName;
        if (asNobody && !OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(root, (UnixFileMode)0b111_101_101);
        }

        return new SftpServerProcess(root, asNobody);
    }

    /// <summary>Starts one sftp-server process and opens a session over it.</summary>
    public async Task<SftpSession> ConnectAsync(TimeSpan? timeout = null, IProtocolLog? log = null, string? startPath = null)
    {
        var stream = StartServer();
        var options = new ConnectionOptions
        {
            Protocol = RemoteProtocol.Sftp,
            Host = "127.0.0.1",
            OperationTimeout = timeout ?? TimeSpan.FromSeconds(30),
            Log = log,
            StartPath = startPath,
        };
        return await SftpSession.OpenAsync(stream, "127.0.0.1", 22, new SessionInfo(), options, null, CancellationToken.None);
    }

    public Stream StartServer()
    {
        var start = new ProcessStartInfo
        {
            FileName = _asNobody ? "/usr/bin/setpriv" : ServerPath,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (_asNobody)
        {
            foreach (var argument in new[] { "--reuid=65534", "--regid=65534", "--clear-groups", ServerPath })
            {
                start.ArgumentList.Add(argument);
            }
        }

        start.ArgumentList.Add("-e");

        // VERBOSE names each file operation in ServerErrors (open, close, rename, fsync "path").
        start.ArgumentList.Add("-l");
        start.ArgumentList.Add("VERBOSE");
        start.ArgumentList.Add("-d");
        start.ArgumentList.Add(Root);
        var process = Process.Start(start) ?? throw new InvalidOperationException("sftp-server did not start.");
        lock (_started)
        {
            _started.Add(process);
        }

        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_stderr)
                {
                    _stderr.AppendLine(e.Data);
                }
            }
        };
        process.BeginErrorReadLine();
        return new DuplexStream(process.StandardOutput.BaseStream, process.StandardInput.BaseStream, () =>
        {
            // sftp-server exits when its stdin closes; a stuck one is killed.
            if (!process.WaitForExit(5000))
            {
                process.Kill();
                process.WaitForExit(5000);
            }

            process.Dispose();
        });
    }

    public string Local(string relative) => Path.Combine(Root, relative);

    /// <summary>Kills every sftp-server this instance started that still runs (SIGKILL), as a crash would end it.</summary>
    public void KillAll()
    {
        lock (_started)
        {
            foreach (var process in _started)
            {
                try
                {
                    if (!process.HasExited)
                    {
                        process.Kill();
                        process.WaitForExit(5000);
                    }
                }
                catch (InvalidOperationException)
                {
                    // Disposed with its session already.
                }
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        try
        {
            MakeWritable(new DirectoryInfo(Root));
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory is not worth failing a test for.
        }
        catch (UnauthorizedAccessException)
        {
            // Same.
        }

        return ValueTask.CompletedTask;
    }

    private static void MakeWritable(DirectoryInfo directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        directory.UnixFileMode |= UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        foreach (var child in directory.EnumerateDirectories())
        {
            if (child.LinkTarget is null)
            {
                MakeWritable(child);
            }
        }
    }
}
