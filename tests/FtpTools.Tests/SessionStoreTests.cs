using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core;
using FtpTools.Infrastructure;
using Xunit;

namespace FtpTools.Tests;

public class SessionStoreTests
{
    [Fact]
    public void Ids_count_up_and_the_newest_session_is_the_default()
    {
        var store = new SessionStore();
        Assert.Null(store.Default);

        var first = store.Add(Keep(new RecordingSession()), "bob", new SessionLogRouter());
        var second = store.Add(Keep(new RecordingSession()), "alice", new SessionLogRouter());

        Assert.Equal(1, first.Id);
        Assert.Equal(2, second.Id);
        Assert.Same(second, store.Default);
        Assert.Same(first, store.Find(1));
        Assert.Null(store.Find(3));
        Assert.Equal(new[] { first, second }, store.Snapshot());
    }

    [Fact]
    public void Removing_the_newest_makes_the_previous_one_the_default_and_ids_are_not_reused()
    {
        var store = new SessionStore();
        var first = store.Add(Keep(new RecordingSession()), "bob", new SessionLogRouter());
        var second = store.Add(Keep(new RecordingSession()), "bob", new SessionLogRouter());

        Assert.True(store.Remove(second));
        Assert.False(store.Remove(second));
        Assert.Same(first, store.Default);
        Assert.Equal(3, store.Add(Keep(new RecordingSession()), "bob", new SessionLogRouter()).Id);
    }

    [Fact]
    public void Two_stores_never_share_sessions()
    {
        var one = new SessionStore();
        var other = new SessionStore();
        one.Add(Keep(new RecordingSession()), "bob", new SessionLogRouter());

        Assert.Null(other.Default);
        Assert.Null(other.Find(1));
        Assert.Empty(other.Snapshot());
    }

    [Fact]
    public void CloseAll_says_goodbye_to_every_session_disposes_it_and_forgets_it()
    {
        var store = new SessionStore();
        var live = new RecordingSession();
        var dead = new RecordingSession { IsConnected = false };
        var liveSession = store.Add(Keep(live), "bob", new SessionLogRouter());
        var deadSession = store.Add(Keep(dead), "bob", new SessionLogRouter());

        store.CloseAll(TimeSpan.FromSeconds(5));

        Assert.Equal(1, live.Disconnects);
        Assert.Equal(0, dead.Disconnects);
        Assert.Equal(1, live.Disposals);
        Assert.Equal(1, dead.Disposals);
        Assert.False(liveSession.Connected);
        Assert.False(deadSession.Connected);
        Assert.Null(store.Default);
    }

    [Fact]
    public void CloseAll_is_bounded_by_its_timeout_when_a_server_never_answers()
    {
        var store = new SessionStore();
        var hanging = new RecordingSession { HangOnDisconnect = true };
        store.Add(Keep(hanging), "bob", new SessionLogRouter());

        var clock = Stopwatch.StartNew();
        store.CloseAll(TimeSpan.FromMilliseconds(300));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"CloseAll took {clock.Elapsed}");
        Assert.Equal(1, hanging.Disconnects);
    }

    [Fact]
    public async Task Closing_a_session_twice_disconnects_once()
    {
        var remote = new RecordingSession();
        var session = new SessionStore().Add(Keep(remote), "bob", new SessionLogRouter());

        await session.CloseAsync(CancellationToken.None);
        await session.CloseAsync(CancellationToken.None);

        Assert.Equal(1, remote.Disconnects);
        Assert.Equal(1, remote.Disposals);
    }

    [Fact]
    public void The_session_object_shows_what_the_core_negotiated_and_the_user()
    {
        var remote = new RecordingSession
        {
            Info = new SessionInfo { ServerBanner = "SSH-2.0-OpenSSH_9.2", HostKeyFingerprint = "SHA256:abc", SshCipher = "aes256-gcm@openssh.com", UserName = "deploy" },
        };
        var session = new SessionStore().Add(Keep(remote), "ignored", new SessionLogRouter());

        Assert.Equal("deploy", session.User);
        Assert.Equal(RemoteProtocol.Sftp, session.Protocol);
        Assert.Equal("SSH-2.0-OpenSSH_9.2", session.ServerBanner);
        Assert.Equal("SHA256:abc", session.HostKeyFingerprint);
        Assert.Equal("aes256-gcm@openssh.com", session.SshCipher);
        Assert.Equal("/home/deploy", session.CurrentDirectory);
        Assert.True(session.Connected);
        Assert.Equal("sftp://deploy@[::1]:2222", session.ToString());
    }

    [Fact]
    public async Task A_session_that_connected_again_shows_and_uses_the_new_connection()
    {
        var lost = new RecordingSession { IsConnected = false };
        var fresh = new RecordingSession { Info = new SessionInfo { ServerBanner = "SSH-2.0-OpenSSH_9.6" } };
        var keeper = new SessionKeeper(lost, _ => Task.FromResult<IRemoteSession>(fresh), 3, TimeSpan.Zero, null);
        var session = new SessionStore().Add(keeper, "deploy", new SessionLogRouter());

        Assert.False(session.Connected);
        Assert.Equal(3, session.ReconnectAttempts);
        Assert.Equal(0, session.Reconnects);

        Assert.Same(fresh, await session.ReadyAsync(CancellationToken.None));

        Assert.True(session.Connected);
        Assert.Same(fresh, session.Remote);
        Assert.Equal(1, session.Reconnects);
        Assert.Equal("SSH-2.0-OpenSSH_9.6", session.ServerBanner);
        Assert.Equal(1, lost.Disposals);

        await session.CloseAsync(CancellationToken.None);
        Assert.Equal(1, fresh.Disconnects);
        Assert.False(session.Connected);
    }

    [Theory]
    [InlineData(3, true, 3)]
    [InlineData(3L, true, 3)]
    [InlineData("12", true, 12)]
    [InlineData(" 7 ", true, 7)]
    [InlineData("x", false, 0)]
    [InlineData("-1", false, 0)]
    [InlineData(1.5, false, 0)]
    public void Session_ids_are_accepted_as_numbers_or_text(object value, bool ok, int id)
    {
        Assert.Equal(ok, SessionTransformationAttribute.TryGetId(value, out var parsed));
        Assert.Equal(id, parsed);
    }

    /// <summary>A keeper that never reconnects, as after Connect-FtpSession -ReconnectAttempts 0.</summary>
    private static SessionKeeper Keep(IRemoteSession session) =>
        new(session, _ => throw new InvalidOperationException("This test never reconnects."), 0, TimeSpan.Zero, null);

    /// <summary>Test double of the core session: records goodbyes and disposals; transfers nothing.</summary>
    private sealed class RecordingSession : IRemoteSession
    {
        public int Disconnects;
        public int Disposals;

        public bool HangOnDisconnect { get; init; }

        public RemoteProtocol Protocol => RemoteProtocol.Sftp;

        public string Host => "::1";

        public int Port => 2222;

        public SessionInfo Info { get; init; } = new();

        public bool IsConnected { get; set; } = true;

        public string CurrentDirectory => "/home/deploy";

        public async Task DisconnectAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Disconnects);
            if (HangOnDisconnect)
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }

            IsConnected = false;
        }

        public ValueTask DisposeAsync()
        {
            Interlocked.Increment(ref Disposals);
            IsConnected = false;
            return default;
        }

        public Task<IReadOnlyList<RemoteItem>> ListDirectoryAsync(string path, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<RemoteItem?> GetItemAsync(string path, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<RemoteFileStream> OpenReadAsync(string path, long offset, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<RemoteFileStream> OpenWriteAsync(string path, long offset, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task CreateDirectoryAsync(string path, bool createParents, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task RemoveFileAsync(string path, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task RemoveDirectoryAsync(string path, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task RenameAsync(string oldPath, string newPath, bool overwrite, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task SetLastWriteTimeAsync(string path, DateTime lastWriteTimeUtc, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task SetPermissionsAsync(string path, int permissionBits, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task ChangeDirectoryAsync(string path, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task KeepAliveAsync(CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
