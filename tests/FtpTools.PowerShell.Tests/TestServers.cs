using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Management.Automation;
using System.Security;
using System.Text.RegularExpressions;
using Xunit;

namespace FtpTools.PowerShell.Tests;

/// <summary>
/// vsftpd, ProFTPD, Pure-FTPd and sshd on loopback, started by `tests/servers/ftptools-servers.sh up` (as the Pester
/// tests get them from build.ps1) and stopped with `down`. Its FTPTOOLS_TEST_* settings are read from the env.sh it
/// writes. When the servers are missing, every test that uses them fails with what to install.
/// </summary>
public sealed class TestServers : IDisposable
{
    private readonly Dictionary<string, string> _settings = new(StringComparer.Ordinal);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "ftptools-pwsh-" + Guid.NewGuid().ToString("N").Substring(0, 12));

    public TestServers()
    {
        try
        {
            Script("up", TimeSpan.FromMinutes(5));
            foreach (Match line in Regex.Matches(File.ReadAllText(Path.Combine(_directory, "env.sh")), "^export (FTPTOOLS_TEST_[A-Z_]+)='([^']*)'$", RegexOptions.Multiline))
            {
                _settings[line.Groups[1].Value] = line.Groups[2].Value;
            }
        }
        catch (Exception ex)
        {
            Failure = ex.Message;
        }
    }

    /// <summary>Why the servers are not there, or null.</summary>
    public string? Failure { get; }

    public string Setting(string name)
    {
        Assert.True(Failure is null, "The test servers did not start: " + Failure);
        return _settings.TryGetValue(name, out var value) ? value : throw new InvalidOperationException(name + " is not in env.sh");
    }

    public PSCredential Credential()
    {
        var password = new SecureString();
        foreach (var c in Setting("FTPTOOLS_TEST_PASSWORD"))
        {
            password.AppendChar(c);
        }

        password.MakeReadOnly();
        return new PSCredential(Setting("FTPTOOLS_TEST_USER"), password);
    }

    /// <summary>Connect-FtpSession's parameters for a protocol of vsftpd (FTP, FTPES) or sshd (SFTP), trust included.</summary>
    public System.Collections.Hashtable ConnectParameters(string protocol)
    {
        var parameters = new System.Collections.Hashtable { ["Credential"] = Credential() };
        switch (protocol)
        {
            case "Ftp":
                parameters["Uri"] = Setting("FTPTOOLS_TEST_FTP_URI");
                break;
            case "Ftpes":
                parameters["Uri"] = Setting("FTPTOOLS_TEST_FTPES_URI");
                parameters["CaCertificatePath"] = Setting("FTPTOOLS_TEST_CA");
                break;
            case "Sftp":
                parameters["Uri"] = Setting("FTPTOOLS_TEST_SFTP_URI");
                parameters["HostKeyFingerprint"] = Setting("FTPTOOLS_TEST_HOSTKEY_FINGERPRINT");
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(protocol), protocol, null);
        }

        return parameters;
    }

    /// <summary>Every FTPTOOLS_TEST_* setting of env.sh, as the Pester files read them from the environment.</summary>
    public IReadOnlyDictionary<string, string> Settings()
    {
        Assert.True(Failure is null, "The test servers did not start: " + Failure);
        return _settings;
    }

    /// <summary>The local directory the test user's start directory is, on the server side.</summary>
    public string Root(string protocol) => Setting(protocol == "Sftp" ? "FTPTOOLS_TEST_SFTP_ROOT" : "FTPTOOLS_TEST_FTP_ROOT");

    public void Dispose()
    {
        try
        {
            Script("down", TimeSpan.FromMinutes(1));
        }
        catch (InvalidOperationException)
        {
            // Nothing was started.
        }

        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private void Script(string verb, TimeSpan timeout)
    {
        var script = Path.Combine(ImportedModule.RepositoryRoot, "tests", "servers", "ftptools-servers.sh");
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(verb);
        start.ArgumentList.Add(_directory);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("bash did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"ftptools-servers.sh {verb} did not finish within {timeout.TotalSeconds} s.");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"ftptools-servers.sh {verb} failed (exit code {process.ExitCode}); install the test servers (bash tests/servers/ftptools-servers.sh install, as root): {errors.Result}{output.Result}");
        }
    }
}
