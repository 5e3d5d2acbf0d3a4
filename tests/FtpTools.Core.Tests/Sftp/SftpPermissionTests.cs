using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;
using FtpTools.Core.Sftp;
using Xunit;

namespace FtpTools.Core.Tests.Sftp;

/// <summary>
/// PERMISSION_DENIED for real: sftp-server runs as user nobody (setpriv) against a directory it may read but not
/// write, so the kernel refuses and OpenSSH maps EACCES to SSH_FX_PERMISSION_DENIED.
/// </summary>
public sealed class SftpPermissionTests : IAsyncLifetime
{
    private SftpServerProcess _server = null!;
    private SftpSession _session = null!;

    public async Task InitializeAsync()
    {
        _server = SftpServerProcess.Create(asNobody: true);
        Directory.CreateDirectory(_server.Local("readonly"));
        await File.WriteAllTextAsync(_server.Local("readonly/file"), "kept");
        await File.WriteAllTextAsync(_server.Local("secret"), "root only");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(_server.Local("readonly"), (UnixFileMode)Convert.ToInt32("555", 8));
            File.SetUnixFileMode(_server.Local("readonly/file"), (UnixFileMode)Convert.ToInt32("444", 8));
            File.SetUnixFileMode(_server.Local("secret"), (UnixFileMode)Convert.ToInt32("600", 8));
        }

        _session = await _server.ConnectAsync();
    }

    public async Task DisposeAsync()
    {
        await _session.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Writing_into_a_read_only_directory_is_PermissionDenied_and_the_session_stays_usable()
    {
        var create = await Assert.ThrowsAsync<CommandRefusedException>(() => _session.OpenWriteAsync("readonly/new", 0, CancellationToken.None));
        var mkdir = await Assert.ThrowsAsync<CommandRefusedException>(() => _session.CreateDirectoryAsync("readonly/sub", createParents: false, CancellationToken.None));
        var remove = await Assert.ThrowsAsync<CommandRefusedException>(() => _session.RemoveFileAsync("readonly/file", CancellationToken.None));
        var read = await Assert.ThrowsAsync<CommandRefusedException>(() => _session.OpenReadAsync("secret", 0, CancellationToken.None));

        foreach (var error in new[] { create, mkdir, remove, read })
        {
            Assert.Equal(RemoteErrorKind.PermissionDenied, error.Kind);
            Assert.Equal((int)SftpStatusCode.SSH_FX_PERMISSION_DENIED, error.SftpStatus);
            Assert.Contains("Permission denied", error.Message, StringComparison.Ordinal);
        }

        Assert.False(File.Exists(_server.Local("readonly/new")));
        Assert.False(Directory.Exists(_server.Local("readonly/sub")));
        Assert.True(File.Exists(_server.Local("readonly/file")));
        Assert.True(_session.IsConnected);
        Assert.Single(await _session.ListDirectoryAsync("readonly", CancellationToken.None));
    }
}
