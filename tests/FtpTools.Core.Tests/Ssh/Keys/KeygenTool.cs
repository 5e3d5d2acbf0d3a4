using System;
using System.Diagnostics;
using System.IO;
using System.Collections.Generic;
using System.Globalization;
using System.Net.Sockets;
using System.Threading.Tasks;

namespace FtpTools.Core.Tests.Ssh.Keys;

/// <summary>Runs OpenSSH's ssh-keygen (and friends) for tests; fails with an install hint when they are missing.</summary>
internal static class KeygenTool
{
    public static async Task<(int ExitCode, string StdOut, string StdErr)> RunAsync(string program, string[] arguments, string? stdin = null, params (string Name, string Value)[] environment)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException($"{program} is not installed; install OpenSSH (apt-get install -y openssh-client openssh-server).", ex);
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (stdin is not null)
            {
                await process.StandardInput.WriteAsync(stdin);
            }

            process.StandardInput.Close();
            await process.WaitForExitAsync();
            return (process.ExitCode, await stdout, await stderr);
        }
    }

    /// <summary>Generates a key with ssh-keygen; returns the private key path (the public key is path + ".pub").</summary>
    public static async Task<string> GenerateAsync(string directory, string type, int bits, string passphrase = "", string format = "", string cipher = "")
    {
        var path = Path.Combine(directory, $"id_{type}_{bits}_{(passphrase.Length > 0 ? "enc" : "plain")}_{(format.Length > 0 ? format : "openssh")}{(cipher.Length > 0 ? "_" + cipher.Replace("@", "_", StringComparison.Ordinal) : "")}");
        var args = new List<string> { "-q", "-t", type, "-N", passphrase, "-C", "test@ftptools", "-f", path };
        if (bits > 0)
        {
            args.AddRange(new[] { "-b", bits.ToString(CultureInfo.InvariantCulture) });
        }

        if (format.Length > 0)
        {
            args.AddRange(new[] { "-m", format });
        }

        if (cipher.Length > 0)
        {
            args.AddRange(new[] { "-Z", cipher });
        }

        var (code, _, err) = await RunAsync("ssh-keygen", args.ToArray());
        if (code != 0)
        {
            throw new InvalidOperationException($"ssh-keygen failed ({code}): {err}");
        }

        return path;
    }

    /// <summary>The public key blob of an OpenSSH ".pub" line ("type base64 comment").</summary>
    public static byte[] ReadPublicKeyBlob(string publicKeyPath)
    {
        var fields = File.ReadAllText(publicKeyPath).Trim().Split(' ');
        return Convert.FromBase64String(fields[1]);
    }

    /// <summary>ssh-keygen -l's fingerprint of a key file ("SHA256:...").</summary>
    public static async Task<string> FingerprintAsync(string keyPath)
    {
        var (code, output, err) = await RunAsync("ssh-keygen", new[] { "-l", "-E", "sha256", "-f", keyPath });
        if (code != 0)
        {
            throw new InvalidOperationException($"ssh-keygen -l failed: {err}");
        }

        return output.Split(' ')[1];
    }

    public static string NewTempDirectory()
    {
        var path = Path.Combine(Path.GetTempPath(), "ftptools-ssh-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>
    /// Waits until the ssh-agent started on <paramref name="socket"/> takes connections: it creates the socket file
    /// (bind) before it listens, and a client that comes in between is refused.
    /// </summary>
    public static async Task<bool> WaitForAgentAsync(string socket)
    {
        for (var i = 0; i < 100; i++)
        {
            if (File.Exists(socket))
            {
                using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await probe.ConnectAsync(new UnixDomainSocketEndPoint(socket));
                    return true;
                }
                catch (SocketException)
                {
                    // Bound, not listening yet.
                }
            }

            await Task.Delay(50);
        }

        return false;
    }
}
