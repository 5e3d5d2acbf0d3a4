using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;

namespace FtpTools.Bench;

/// <summary>
/// The loopback servers that tests/servers/ftptools-servers.sh `up DIR` started, read from DIR/env.sh.
/// vsftpd serves plain FTP and AUTH TLS on one port; sshd serves SFTP with internal-sftp starting in its root.
/// </summary>
internal sealed class ServerEnvironment
{
    private ServerEnvironment(string envFile, IReadOnlyDictionary<string, string> values)
    {
        EnvFile = envFile;
        string Get(string name) => values.TryGetValue(name, out var v) && v.Length > 0
            ? v
            : throw new InvalidOperationException($"env.sh does not set {name}.");

        FtpPort = PortOf(Get("FTPTOOLS_TEST_FTP_URI"));
        SftpPort = PortOf(Get("FTPTOOLS_TEST_SFTP_URI"));
        UserName = Get("FTPTOOLS_TEST_USER");
        Password = Get("FTPTOOLS_TEST_PASSWORD");
        CaPath = Get("FTPTOOLS_TEST_CA");
        FtpRoot = Get("FTPTOOLS_TEST_FTP_ROOT");
        SftpRoot = Get("FTPTOOLS_TEST_SFTP_ROOT");
        SshDirectory = Path.GetDirectoryName(SftpRoot) ?? throw new InvalidOperationException("FTPTOOLS_TEST_SFTP_ROOT has no parent.");
        ClientKeyPath = Path.Combine(SshDirectory, "client_ed25519");
        HostKeys = new[] { "ed25519", "ecdsa", "rsa" }
            .Select(t => Path.Combine(SshDirectory, $"ssh_host_{t}_key.pub"))
            .Where(File.Exists)
            .Select(p => File.ReadAllText(p).Trim().Split(' '))
            .Select(f => new HostKey(f[0], f[1]))
            .ToArray();
        if (HostKeys.Count == 0)
        {
            throw new InvalidOperationException($"No host keys in {SshDirectory}.");
        }
    }

    /// <summary>The env.sh this was read from; FtpTools children read it again.</summary>
    public string EnvFile { get; }

    public int FtpPort { get; }

    public int SftpPort { get; }

    public string UserName { get; }

    /// <summary>The loopback test account's password (tests/servers: "not a secret: the servers listen on 127.0.0.1 only"). Never printed all the same.</summary>
    public string Password { get; }

    public string CaPath { get; }

    /// <summary>Local directory that is "/" for the FTP user (vsftpd chroot).</summary>
    public string FtpRoot { get; }

    /// <summary>Local directory sshd's internal-sftp starts in.</summary>
    public string SftpRoot { get; }

    public string SshDirectory { get; }

    /// <summary>ed25519 key the test user also accepts; OpenSSH tools cannot type a password in batch mode.</summary>
    public string ClientKeyPath { get; }

    public IReadOnlyList<HostKey> HostKeys { get; }

    public static ServerEnvironment Load(string envFile)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in File.ReadAllLines(envFile))
        {
            var line = raw.Trim();
            if (!line.StartsWith("export ", StringComparison.Ordinal))
            {
                continue;
            }

            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq < 0)
            {
                continue;
            }

            var name = line[7..eq].Trim();
            var value = line[(eq + 1)..].Trim();
            if (value.Length >= 2 && value[0] == '\'' && value[^1] == '\'')
            {
                value = value[1..^1];
            }

            values[name] = value;
        }

        return new ServerEnvironment(Path.GetFullPath(envFile), values);
    }

    public string RootFor(FtpTools.Core.RemoteProtocol protocol) =>
        protocol == FtpTools.Core.RemoteProtocol.Sftp ? SftpRoot : FtpRoot;

    /// <summary>OpenSSH fingerprints ("SHA256:...") of every host key, for FtpTools' pinned-fingerprint option.</summary>
    public IReadOnlyList<string> HostKeyFingerprints => HostKeys.Select(k => "SHA256:" + k.Sha256Base64.TrimEnd('=')).ToArray();

    /// <summary>Writes a known_hosts file naming the loopback sshd, so the OpenSSH peers check the host key for real.</summary>
    public string WriteKnownHosts(string directory)
    {
        var path = Path.Combine(directory, "known_hosts");
        var sb = new StringBuilder();
        foreach (var key in HostKeys)
        {
            sb.Append(CultureInfo.InvariantCulture, $"[127.0.0.1]:{SftpPort} {key.Algorithm} {key.Base64}\n");
        }

        File.WriteAllText(path, sb.ToString());
        return path;
    }

    /// <summary>Writes a copy of the env file whose SFTP URI names <paramref name="port"/> instead (the delay relay's); returns its path.</summary>
    public string WriteWithSftpPort(string directory, int port)
    {
        var path = Path.Combine(directory, "env-relay.sh");
        var lines = File.ReadAllLines(EnvFile)
            .Select(l => l.TrimStart().StartsWith("export FTPTOOLS_TEST_SFTP_URI=", StringComparison.Ordinal)
                ? string.Create(CultureInfo.InvariantCulture, $"export FTPTOOLS_TEST_SFTP_URI='sftp://127.0.0.1:{port}'")
                : l);
        File.WriteAllLines(path, lines);
        return path;
    }

    private static int PortOf(string uri) => new Uri(uri).Port;
}

internal sealed class HostKey
{
    public HostKey(string algorithm, string base64)
    {
        Algorithm = algorithm;
        Base64 = base64;
        Sha256Base64 = Convert.ToBase64String(SHA256.HashData(Convert.FromBase64String(base64)));
    }

    public string Algorithm { get; }

    public string Base64 { get; }

    /// <summary>Padded base64 of the key blob's SHA-256 (curl's --hostpubsha256 form).</summary>
    public string Sha256Base64 { get; }
}
