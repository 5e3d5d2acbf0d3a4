using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;
using Xunit;

namespace FtpTools.Core.Tests;

// What a session does when its connection is gone, decided without a server: when it probes, when it connects
// again, what it gives up on and what it says. TransferBehaviours.Reconnect runs the same against every real server.
public class SessionKeeperTests
{
    private static readonly TimeSpan Long = TimeSpan.FromHours(1);

    [Fact]
    public async Task A_connected_session_used_lately_is_handed_back_without_a_probe()
    {
        var first = new FakeSession();
        var connects = new Connects();
        await using var keeper = new SessionKeeper(first, connects.Next, 3, TimeSpan.Zero, null) { ProbeAfterIdle = Long };

        Assert.Same(first, await keeper.ReadyAsync(CancellationToken.None));
        Assert.Equal(0, first.Probes);
        Assert.Equal(0, connects.Count);
        Assert.Equal(0, keeper.Reconnects);
    }

    [Fact]
    public async Task An_idle_session_is_probed_and_kept_when_it_answers()
    {
        var first = new FakeSession();
        var connects = new Connects();
        await using var keeper = new SessionKeeper(first, connects.Next, 3, TimeSpan.Zero, null) { ProbeAfterIdle = TimeSpan.Zero };

        Assert.Same(first, await keeper.ReadyAsync(CancellationToken.None));
        Assert.Equal(1, first.Probes);
        Assert.Equal(0, connects.Count);
    }

    [Fact]
    public async Task An_idle_session_whose_server_refuses_the_probe_is_alive_and_kept()
    {
        var first = new FakeSession { ProbeFailure = new CommandRefusedException("500 NOOP not understood.", RemoteErrorKind.Unsupported, 500), ProbeFailureLeavesConnected = true };
        var connects = new Connects();
        await using var keeper = new SessionKeeper(first, connects.Next, 3, TimeSpan.Zero, null) { ProbeAfterIdle = TimeSpan.Zero };

        Assert.Same(first, await keeper.ReadyAsync(CancellationToken.None));
        Assert.Equal(1, first.Probes);
        Assert.Equal(0, connects.Count);
    }

    [Fact]
    public async Task An_idle_session_that_no_longer_answers_is_replaced_by_a_new_one_in_the_same_directory()
    {
        var first = new FakeSession { CurrentDirectory = "/data/in", ProbeFailure = new ConnectionLostException("The server closed the connection: 421 Timeout.") };
        var second = new FakeSession { CurrentDirectory = "/" };
        var connects = new Connects(second);
        var log = new RecordingLog();
        await using var keeper = new SessionKeeper(first, connects.Next, 3, TimeSpan.Zero, log) { ProbeAfterIdle = TimeSpan.Zero };

        Assert.Same(second, await keeper.ReadyAsync(CancellationToken.None));

        Assert.Same(second, keeper.Current);
        Assert.Equal(1, keeper.Reconnects);
        Assert.Equal(new[] { "/data/in" }, second.DirectoryChanges);
        Assert.Equal(1, first.Disposals);
        Assert.Equal(0, second.Disposals);
        Assert.Equal(
            new[]
            {
                "* Reconnecting to ftp.example:21 (attempt 1 of 3). The server closed the connection: 421 Timeout.",
                "* Reconnected to ftp.example:21; working directory /data/in.",
            },
            log.Lines);
    }

    [Fact]
    public async Task A_session_known_to_be_lost_is_replaced_without_a_probe()
    {
        var first = new FakeSession { IsConnected = false };
        var second = new FakeSession();
        var connects = new Connects(second);
        var log = new RecordingLog();
        await using var keeper = new SessionKeeper(first, connects.Next, 1, TimeSpan.Zero, log) { ProbeAfterIdle = Long };

        Assert.Same(second, await keeper.ReadyAsync(CancellationToken.None));
        Assert.Equal(0, first.Probes);
        Assert.Empty(second.DirectoryChanges);
        Assert.Equal("* Reconnecting to ftp.example:21 (attempt 1 of 1). The connection was found closed.", log.Lines[0]);
    }

    [Fact]
    public async Task Without_attempts_a_lost_session_stays_lost()
    {
        var first = new FakeSession { IsConnected = false };
        var connects = new Connects(new FakeSession());
        await using var keeper = new SessionKeeper(first, connects.Next, 0, TimeSpan.Zero, null) { ProbeAfterIdle = TimeSpan.Zero };

        Assert.False(keeper.CanReconnect);
        Assert.Same(first, await keeper.ReadyAsync(CancellationToken.None));
        Assert.Equal(0, connects.Count);
        Assert.False(keeper.WorthAnotherTry(new ConnectionLostException("gone"), CancellationToken.None));
    }

    [Fact]
    public async Task Every_attempt_failing_ends_with_the_last_error_keeps_the_lost_session_and_tries_again_next_time()
    {
        var first = new FakeSession { IsConnected = false };
        var connects = new Connects(
            new ConnectFailedException("Could not connect to the SSH server ftp.example:21: Connection refused"),
            new ConnectFailedException("Could not connect to the SSH server ftp.example:21: Connection refused"),
            new ConnectFailedException("Connecting to ftp.example:21 timed out after 30 s (ConnectTimeout)."));
        await using var keeper = new SessionKeeper(first, connects.Next, 3, TimeSpan.FromMilliseconds(20), null);

        var error = await Assert.ThrowsAsync<ConnectionLostException>(() => keeper.ReadyAsync(CancellationToken.None));

        Assert.Equal(
            "The connection to ftp.example:21 was lost and could not be made again in 3 attempts: Connecting to ftp.example:21 timed out after 30 s (ConnectTimeout).",
            error.Message);
        Assert.IsType<ConnectFailedException>(error.InnerException);
        Assert.Equal(3, connects.Count);
        Assert.Same(first, keeper.Current);
        Assert.Equal(0, keeper.Reconnects);

        // The server is back: the next command connects.
        var second = new FakeSession();
        connects.Then(second);
        Assert.Same(second, await keeper.ReadyAsync(CancellationToken.None));
        Assert.Equal(4, connects.Count);
    }

    public static TheoryData<Exception> NotWorthRetrying => new()
    {
        new AuthenticationFailedException("The server refused the password for user deploy."),
        new TrustFailureException("The host key of ftp.example:22 has changed.", "SHA256:abc", TrustFailureReason.ChangedHostKey),
        new ProtocolViolationException("The server's reply is not FTP."),
    };

    [Theory]
    [MemberData(nameof(NotWorthRetrying))]
    public async Task Login_trust_and_protocol_failures_end_the_reconnection_at_once_as_they_are(Exception failure)
    {
        var first = new FakeSession { IsConnected = false };
        var connects = new Connects(failure, new FakeSession());
        await using var keeper = new SessionKeeper(first, connects.Next, 3, TimeSpan.Zero, null);

        var thrown = await Assert.ThrowsAnyAsync<Exception>(() => keeper.ReadyAsync(CancellationToken.None));

        Assert.Same(failure, thrown);
        Assert.Equal(1, connects.Count);
        Assert.Same(first, keeper.Current);
    }

    [Fact]
    public async Task A_working_directory_that_is_gone_stops_the_command_instead_of_working_elsewhere()
    {
        var first = new FakeSession { IsConnected = false, CurrentDirectory = "/data/in" };
        var second = new FakeSession
        {
            CurrentDirectory = "/",
            DirectoryFailure = new CommandRefusedException("/data/in: No such file or directory (550).", RemoteErrorKind.NotFound, 550, path: "/data/in"),
        };
        var connects = new Connects(second);
        await using var keeper = new SessionKeeper(first, connects.Next, 3, TimeSpan.Zero, null);

        var error = await Assert.ThrowsAsync<ConnectionLostException>(() => keeper.ReadyAsync(CancellationToken.None));

        Assert.Equal(
            "The connection to ftp.example:21 was made again, but its working directory /data/in could not be restored: /data/in: No such file or directory (550).",
            error.Message);
        Assert.Equal(1, connects.Count);
        Assert.Equal(1, second.Disposals);
        Assert.Same(first, keeper.Current);
    }

    [Fact]
    public async Task Callers_at_the_same_time_share_one_reconnection()
    {
        var first = new FakeSession { IsConnected = false };
        var second = new FakeSession();
        var gate = new TaskCompletionSource<IRemoteSession>(TaskCreationOptions.RunContinuationsAsynchronously);
        var count = 0;
        await using var keeper = new SessionKeeper(
            first,
            _ =>
            {
                Interlocked.Increment(ref count);
                return gate.Task;
            },
            3,
            TimeSpan.Zero,
            null);

        var one = keeper.ReadyAsync(CancellationToken.None);
        var other = keeper.ReadyAsync(CancellationToken.None);
        gate.SetResult(second);

        Assert.Same(second, await one);
        Assert.Same(second, await other);
        Assert.Equal(1, count);
        Assert.Equal(1, keeper.Reconnects);
    }

    [Fact]
    public async Task A_cancelled_wait_between_attempts_ends_the_reconnection()
    {
        var first = new FakeSession { IsConnected = false };
        var connects = new Connects(new ConnectFailedException("refused"), new FakeSession());
        await using var keeper = new SessionKeeper(first, connects.Next, 2, Long, null);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => keeper.ReadyAsync(cancel.Token));

        Assert.Equal(1, connects.Count);
        Assert.Same(first, keeper.Current);
    }

    [Fact]
    public async Task Closing_says_goodbye_on_the_connection_in_use_and_ends_the_keeper()
    {
        var first = new FakeSession { IsConnected = false };
        var second = new FakeSession();
        var keeper = new SessionKeeper(first, new Connects(second).Next, 1, TimeSpan.Zero, null);
        await keeper.ReadyAsync(CancellationToken.None);

        await keeper.CloseAsync(CancellationToken.None);
        await keeper.CloseAsync(CancellationToken.None);
        await keeper.DisposeAsync();

        Assert.Equal(1, second.Disconnects);
        Assert.Equal(1, second.Disposals);
        Assert.True(keeper.Closed);
        Assert.False(keeper.CanReconnect);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => keeper.ReadyAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Only_a_lost_connection_is_worth_another_try_and_not_once_cancelled()
    {
        await using var keeper = new SessionKeeper(new FakeSession(), new Connects().Next, 1, TimeSpan.Zero, null);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.True(keeper.WorthAnotherTry(new ConnectionLostException("The SSH server closed the connection."), CancellationToken.None));
        Assert.True(keeper.WorthAnotherTry(new ConnectFailedException("refused"), CancellationToken.None));
        Assert.False(keeper.WorthAnotherTry(new ConnectionLostException("The SSH server closed the connection."), cancelled.Token));
        Assert.False(keeper.WorthAnotherTry(new ProtocolViolationException("garbage"), CancellationToken.None));
        Assert.False(keeper.WorthAnotherTry(new CommandRefusedException("550 denied", RemoteErrorKind.PermissionDenied), CancellationToken.None));
        Assert.False(keeper.WorthAnotherTry(new DataConnectionFailedException("425 no data connection", stalled: false), CancellationToken.None));
        Assert.False(keeper.WorthAnotherTry(new OperationCanceledException(), CancellationToken.None));
    }

    [Fact]
    public async Task Work_that_can_run_twice_runs_again_on_a_new_connection_when_its_connection_is_lost_and_says_so()
    {
        var first = new FakeSession { CurrentDirectory = "/data" };
        var second = new FakeSession { CurrentDirectory = "/" };
        await using var keeper = new SessionKeeper(first, new Connects(second).Next, 3, TimeSpan.Zero, null) { ProbeAfterIdle = Long };
        var warnings = new List<string>();
        var ranOn = new List<IRemoteSession>();

        await keeper.RunAsync(
            (session, _) =>
            {
                ranOn.Add(session);
                if (ranOn.Count == 1)
                {
                    first.IsConnected = false;
                    throw new ConnectionLostException("The server closed the connection.");
                }

                return Task.CompletedTask;
            },
            repeatable: true,
            warnings.Add,
            CancellationToken.None);

        Assert.Equal(new IRemoteSession[] { first, second }, ranOn);
        Assert.Equal(
            new[]
            {
                "The connection was lost: The server closed the connection. Running the command again on a new connection.",
                "The connection to ftp.example:21 had been lost and was made again; working directory /data.",
            },
            warnings);
        Assert.Equal(1, keeper.Reconnects);
    }

    [Fact]
    public async Task Work_that_changes_something_fails_with_the_loss_and_the_next_command_connects_again()
    {
        var first = new FakeSession();
        var second = new FakeSession();
        var connects = new Connects(second);
        await using var keeper = new SessionKeeper(first, connects.Next, 3, TimeSpan.Zero, null) { ProbeAfterIdle = Long };
        var warnings = new List<string>();
        var runs = 0;

        var lost = await Assert.ThrowsAsync<ConnectionLostException>(() => keeper.RunAsync(
            (_, _) =>
            {
                runs++;
                first.IsConnected = false;
                throw new ConnectionLostException("The server closed the connection.");
            },
            repeatable: false,
            warnings.Add,
            CancellationToken.None));

        Assert.Equal("The server closed the connection.", lost.Message);
        Assert.Equal(1, runs);
        Assert.Equal(0, connects.Count);
        Assert.Empty(warnings);

        IRemoteSession? next = null;
        await keeper.RunAsync((session, _) => { next = session; return Task.CompletedTask; }, repeatable: false, warnings.Add, CancellationToken.None);

        Assert.Same(second, next);
        Assert.Equal(new[] { "The connection to ftp.example:21 had been lost and was made again; working directory /." }, warnings);
    }

    [Fact]
    public async Task Work_is_not_run_again_for_a_refusal_nor_without_attempts()
    {
        var refusing = new FakeSession();
        var connects = new Connects(new FakeSession());
        await using var keeper = new SessionKeeper(refusing, connects.Next, 3, TimeSpan.Zero, null) { ProbeAfterIdle = Long };
        var runs = 0;

        await Assert.ThrowsAsync<CommandRefusedException>(() => keeper.RunAsync(
            (_, _) =>
            {
                runs++;
                throw new CommandRefusedException("550 Permission denied.", RemoteErrorKind.PermissionDenied, 550);
            },
            repeatable: true,
            null,
            CancellationToken.None));
        Assert.Equal(1, runs);

        var lost = new FakeSession();
        var none = new Connects(new FakeSession());
        await using var off = new SessionKeeper(lost, none.Next, 0, TimeSpan.Zero, null);
        await Assert.ThrowsAsync<ConnectionLostException>(() => off.RunAsync(
            (_, _) =>
            {
                runs++;
                lost.IsConnected = false;
                throw new ConnectionLostException("The server closed the connection.");
            },
            repeatable: true,
            null,
            CancellationToken.None));
        Assert.Equal(2, runs);
        Assert.Equal(0, connects.Count + none.Count);
    }

    /// <summary>Hands out scripted outcomes, one per connection attempt, and counts the attempts.</summary>
    private sealed class Connects
    {
        private readonly Queue<object> _outcomes;
        private int _count;

        public Connects(params object[] outcomes) => _outcomes = new Queue<object>(outcomes);

        public int Count => Volatile.Read(ref _count);

        public void Then(object outcome) => _outcomes.Enqueue(outcome);

        public Task<IRemoteSession> Next(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _count);
            return _outcomes.Dequeue() switch
            {
                IRemoteSession session => Task.FromResult(session),
                Exception failure => Task.FromException<IRemoteSession>(failure),
                _ => throw new InvalidOperationException("Unknown outcome."),
            };
        }
    }

    /// <summary>Test double of a session: answers or fails probes and directory changes as told; transfers nothing.</summary>
    private sealed class FakeSession : IRemoteSession
    {
        public int Probes;
        public int Disconnects;
        public int Disposals;

        public List<string> DirectoryChanges { get; } = new();

        public Exception? ProbeFailure { get; init; }

        public Exception? DirectoryFailure { get; init; }

        public bool ProbeFailureLeavesConnected { get; init; }

        public RemoteProtocol Protocol => RemoteProtocol.Ftp;

        public string Host => "ftp.example";

        public int Port => 21;

        public SessionInfo Info { get; } = new();

        public bool IsConnected { get; set; } = true;

        public string CurrentDirectory { get; set; } = "/";

        public Task KeepAliveAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Probes);
            if (ProbeFailure is not null)
            {
                IsConnected = ProbeFailureLeavesConnected;
                return Task.FromException(ProbeFailure);
            }

            return Task.CompletedTask;
        }

        public Task ChangeDirectoryAsync(string path, CancellationToken cancellationToken)
        {
            if (DirectoryFailure is not null)
            {
                return Task.FromException(DirectoryFailure);
            }

            DirectoryChanges.Add(path);
            CurrentDirectory = path;
            return Task.CompletedTask;
        }

        public Task DisconnectAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Disconnects);
            IsConnected = false;
            return Task.CompletedTask;
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
    }
}
