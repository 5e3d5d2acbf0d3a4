using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;
using FtpTools.Core.Logging;
using FtpTools.Core.Ssh.Agent;
using FtpTools.Core.Ssh.Keys;
using FtpTools.Core.Ssh.Trust;

namespace FtpTools.Core.Ssh.Authentication;

/// <summary>What authentication achieved: the methods that succeeded, in order (more than one after partial success).</summary>
internal sealed class UserAuthenticationResult
{
    public UserAuthenticationResult(IReadOnlyList<string> methods)
    {
        Methods = methods;
    }

    public IReadOnlyList<string> Methods { get; }

    public override string ToString() => string.Join(",", Methods);
}

/// <summary>
/// The client side of SSH user authentication (RFC 4252) over an established transport. Unattended by design:
/// it answers only from the credential, key files and agent it was given, and never prompts.
///
/// The transport does not request the "ssh-userauth" service; this class does (SSH_MSG_SERVICE_REQUEST and
/// SERVICE_ACCEPT, RFC 4253 §10), so the transport stays ignorant of the layers above it.
///
/// Order: publickey (key files in the given order, then agent keys; each queried first, RFC 4252 §7), whose first
/// refusal also names the methods the server allows; "none" (RFC 4252 §5.2) to learn them when no key was offered;
/// then, among what the server still allows, password
/// (RFC 4252 §8), keyboard-interactive (RFC 4256) answering password prompts. A partial success
/// (AuthenticationMethods publickey,password) continues with what the server names next.
/// </summary>
internal sealed class UserAuthenticator
{
    private const string PublicKey = "publickey";
    private const string Password = "password";
    private const string KeyboardInteractive = "keyboard-interactive";

    // A server that keeps asking is either broken or hostile; real ones ask once or twice.
    private const int MaxKeyboardInteractiveRounds = 16;

    private readonly ISshTransport _transport;
    private readonly ConnectionOptions _options;
    private readonly IProtocolLog? _log;
    private readonly string _user;
    private readonly string? _password;
    private readonly List<string> _tried = new();
    private readonly List<string> _notes = new();
    private readonly List<string> _succeeded = new();
    private readonly List<IDisposable> _owned = new();
    private readonly CancellationToken _cancellationToken;
    private List<IUserAuthKey>? _keys;
    private int _nextKey;
    private SshAgentClient? _agent;
    private bool _passwordTried;
    private bool _keyboardInteractiveTried;

    private readonly string? _agentEndpoint;

    private UserAuthenticator(ISshTransport transport, ConnectionOptions options, string user, string? agentEndpoint, CancellationToken cancellationToken)
    {
        _agentEndpoint = agentEndpoint;
        _transport = transport;
        _options = options;
        _log = options.Log ?? transport.Log;
        _user = user;
        _password = string.IsNullOrEmpty(options.Credential?.Password) ? null : options.Credential!.Password;
        _cancellationToken = cancellationToken;
    }

    private enum Outcome
    {
        Success,
        Failure,

        /// <summary>Not sent: the key or method could not be used (e.g. no acceptable signature algorithm).</summary>
        Skipped,
    }

    /// <summary>Authenticates <see cref="ConnectionOptions.Credential"/>'s user; throws <see cref="AuthenticationFailedException"/> when the server does not let us in.</summary>
    public static Task<UserAuthenticationResult> AuthenticateAsync(ISshTransport transport, ConnectionOptions options, CancellationToken cancellationToken) =>
        AuthenticateAsync(transport, options, SshAgentClient.DefaultEndpoint(), cancellationToken);

    /// <summary>As above with the agent's socket or pipe given explicitly (null: no agent); tests use their own agent.</summary>
    internal static async Task<UserAuthenticationResult> AuthenticateAsync(ISshTransport transport, ConnectionOptions options, string? agentEndpoint, CancellationToken cancellationToken)
    {
        if (transport is null)
        {
            throw new ArgumentNullException(nameof(transport));
        }

        if (options is null)
        {
            throw new ArgumentNullException(nameof(options));
        }

        var user = options.Credential?.UserName;
        if (string.IsNullOrEmpty(user))
        {
            throw new AuthenticationFailedException($"SFTP needs a user name to log in to {options.Host}; give a credential.");
        }

        var authenticator = new UserAuthenticator(transport, options, user!, agentEndpoint, cancellationToken);
        try
        {
            return await authenticator.RunAsync().ConfigureAwait(false);
        }
        finally
        {
            await authenticator.ReleaseAsync().ConfigureAwait(false);
        }
    }

    private async Task<UserAuthenticationResult> RunAsync()
    {
        await SendAsync(UserAuthMessages.ServiceRequest(UserAuthMessages.UserAuthService), $"SSH_MSG_SERVICE_REQUEST {UserAuthMessages.UserAuthService}").ConfigureAwait(false);
        var accept = await ReceiveAsync("the service request").ConfigureAwait(false);
        if (accept.Span[0] != (byte)SshMessageNumber.SSH_MSG_SERVICE_ACCEPT || UserAuthMessages.ParseServiceAccept(accept) != UserAuthMessages.UserAuthService)
        {
            throw new ProtocolViolationException($"The server answered the {UserAuthMessages.UserAuthService} service request with message {accept.Span[0]}.");
        }

        Log(LogDirection.Received, $"SSH_MSG_SERVICE_ACCEPT {UserAuthMessages.UserAuthService}");

        // Until the server has named the methods that can continue, any may: a key's query goes first, and its
        // refusal names them just as an answer to "none" does (RFC 4252 §5.2 lets a client start with any method),
        // so a key login saves the round trip of "none". A password is never sent before the server has named
        // "password": without a key, or once every key was skipped here, "none" asks first.
        IReadOnlyList<string> allowed = new[] { PublicKey, Password, KeyboardInteractive };
        var listed = false;
        while (true)
        {
            _cancellationToken.ThrowIfCancellationRequested();
            Outcome result;
            IReadOnlyList<string>? next;
            IUserAuthKey? key = null;
            if (allowed.Contains(PublicKey) && (key = await NextKeyAsync().ConfigureAwait(false)) is not null)
            {
                (result, next) = await TryPublicKeyAsync(key).ConfigureAwait(false);
            }
            else if (!listed)
            {
                await SendAsync(UserAuthMessages.NoneRequest(_user), $"SSH_MSG_USERAUTH_REQUEST user '{_user}' method none").ConfigureAwait(false);
                (result, next) = await ReadResultAsync("none").ConfigureAwait(false);
            }
            else if (allowed.Contains(Password) && _password is not null && !_passwordTried)
            {
                _passwordTried = true;
                (result, next) = await TryPasswordAsync(_password).ConfigureAwait(false);
            }
            else if (allowed.Contains(KeyboardInteractive) && _password is not null && !_keyboardInteractiveTried)
            {
                _keyboardInteractiveTried = true;
                (result, next) = await TryKeyboardInteractiveAsync(_password).ConfigureAwait(false);
            }
            else
            {
                throw Failed(allowed);
            }

            if (result == Outcome.Success)
            {
                return new UserAuthenticationResult(_succeeded);
            }

            if (next is not null)
            {
                allowed = next;
                listed = true;
            }
        }
    }

    private async Task<(Outcome, IReadOnlyList<string>?)> TryPublicKeyAsync(IUserAuthKey key)
    {
        var serverAlgorithms = _transport.ServerSignatureAlgorithms;
        IReadOnlyList<string> algorithms = serverAlgorithms is null
            ? key.SignatureAlgorithms
            : key.SignatureAlgorithms.Where(a => serverAlgorithms.Contains(a)).ToList();
        if (algorithms.Count == 0)
        {
            // RFC 8308 §3.1: server-sig-algs lists what the server accepts; sending anything else only
            // burns one of its MaxAuthTries. SHA-1 ssh-rsa is deliberately never offered.
            _tried.Add($"publickey with {key.Description} (skipped: the server accepts only {string.Join(",", serverAlgorithms!)})");
            return (Outcome.Skipped, null);
        }

        IReadOnlyList<string>? allowed = null;
        foreach (var algorithm in algorithms)
        {
            // Query first (RFC 4252 §7): cheap for the server, and no agent confirmation for a key it would refuse.
            await SendAsync(
                UserAuthMessages.PublicKeyQuery(_user, algorithm, key.PublicKeyBlob.Span),
                $"SSH_MSG_USERAUTH_REQUEST user '{_user}' method publickey query {algorithm} {key.Description}").ConfigureAwait(false);
            var reply = await ReceiveAsync("the public key query").ConfigureAwait(false);
            var type = reply.Span[0];
            if (type == (byte)SshMessageNumber.SSH_MSG_USERAUTH_FAILURE)
            {
                var failure = UserAuthMessages.ParseFailure(reply);
                LogFailure(failure);
                allowed = failure.MethodsThatCanContinue;
                continue;
            }

            if (type != (byte)SshMessageNumber.SSH_MSG_USERAUTH_PK_OK)
            {
                throw new ProtocolViolationException($"The server answered a public key query with message {type}.");
            }

            var (okAlgorithm, okBlob) = UserAuthMessages.ParsePublicKeyOk(reply);
            if (okAlgorithm != algorithm || !okBlob.Span.SequenceEqual(key.PublicKeyBlob.Span))
            {
                throw new ProtocolViolationException("The server's SSH_MSG_USERAUTH_PK_OK names a different key or algorithm than the query.");
            }

            Log(LogDirection.Received, $"SSH_MSG_USERAUTH_PK_OK {algorithm}");
            var signedData = UserAuthMessages.PublicKeySignedData(_transport.SessionId.Span, _user, algorithm, key.PublicKeyBlob.Span);
            byte[] signature;
            try
            {
                signature = await key.SignAsync(algorithm, signedData, _cancellationToken).ConfigureAwait(false);
            }
            catch (AuthenticationFailedException ex) when (key is AgentUserAuthKey)
            {
                // An agent may refuse (a key added with confirmation, a locked agent); nothing is pending at
                // the server after PK_OK, so the next key or method can follow.
                _tried.Add($"publickey with {key.Description} (skipped: {ex.Message})");
                return (Outcome.Skipped, null);
            }

            await SendAsync(
                UserAuthMessages.PublicKeyRequest(_user, algorithm, key.PublicKeyBlob.Span, signature),
                $"SSH_MSG_USERAUTH_REQUEST user '{_user}' method publickey {algorithm} {key.Description} (signed)").ConfigureAwait(false);
            var (outcome, next) = await ReadResultAsync($"publickey with {key.Description}").ConfigureAwait(false);
            return (outcome, next);
        }

        _tried.Add($"publickey with {key.Description} (not accepted)");
        return (Outcome.Failure, allowed);
    }

    private async Task<(Outcome, IReadOnlyList<string>?)> TryPasswordAsync(string password)
    {
        await SendAsync(UserAuthMessages.PasswordRequest(_user, password), $"SSH_MSG_USERAUTH_REQUEST user '{_user}' method password (password ***)").ConfigureAwait(false);
        var reply = await ReceiveAsync("the password").ConfigureAwait(false);
        if (reply.Span[0] == (byte)SshMessageNumber.SSH_MSG_USERAUTH_PASSWD_CHANGEREQ)
        {
            var prompt = UserAuthMessages.ParsePasswordChangeRequest(reply);
            Log(LogDirection.Received, $"SSH_MSG_USERAUTH_PASSWD_CHANGEREQ {prompt}");
            throw new AuthenticationFailedException(
                $"The server demands a password change for user '{_user}' before it lets anyone log in{(prompt.Length > 0 ? $" (it says: {prompt})" : string.Empty)}. " +
                "Change the password interactively (for example with ssh or passwd), then try again.");
        }

        return Interpret(reply, "password");
    }

    private async Task<(Outcome, IReadOnlyList<string>?)> TryKeyboardInteractiveAsync(string password)
    {
        await SendAsync(UserAuthMessages.KeyboardInteractiveRequest(_user), $"SSH_MSG_USERAUTH_REQUEST user '{_user}' method keyboard-interactive").ConfigureAwait(false);
        var passwordSent = false;
        string? unanswerable = null;
        for (var round = 0; round < MaxKeyboardInteractiveRounds; round++)
        {
            var reply = await ReceiveAsync("keyboard-interactive").ConfigureAwait(false);
            if (reply.Span[0] != (byte)SshMessageNumber.SSH_MSG_USERAUTH_INFO_REQUEST)
            {
                var (outcome, next) = Interpret(reply, unanswerable is null ? KeyboardInteractive : $"keyboard-interactive (cannot answer the prompt '{unanswerable}' unattended)");
                return (outcome, next);
            }

            var request = UserAuthMessages.ParseInfoRequest(reply);
            Log(LogDirection.Received, $"SSH_MSG_USERAUTH_INFO_REQUEST '{request.Name}' '{request.Instruction}' prompts: {string.Join(" | ", request.Prompts.Select(p => $"'{p.Text}'{(p.Echo ? " (echo)" : string.Empty)}"))}");
            var responses = new List<string>(request.Prompts.Count);
            foreach (var prompt in request.Prompts)
            {
                // RFC 4256 §3.3: a prompt with echo off that asks for the password is answered from the
                // credential, once; anything else (OTP codes, questions) cannot be answered unattended.
                if (unanswerable is null && !passwordSent && !prompt.Echo && prompt.Text.IndexOf("password", StringComparison.OrdinalIgnoreCase) >= 0)
                {
                    responses.Add(password);
                    passwordSent = true;
                }
                else
                {
                    unanswerable ??= prompt.Text;
                    responses.Add(string.Empty);
                }
            }

            if (unanswerable is not null)
            {
                // Empty answers end the exchange with a FAILURE; the server may still offer other methods.
                responses = request.Prompts.Select(_ => string.Empty).ToList();
                Log(LogDirection.Info, $"keyboard-interactive: cannot answer '{unanswerable}' unattended; declining");
            }

            await SendAsync(
                UserAuthMessages.InfoResponse(responses),
                $"SSH_MSG_USERAUTH_INFO_RESPONSE {responses.Count} response(s){(responses.Any(r => r.Length > 0) ? " (password ***)" : string.Empty)}").ConfigureAwait(false);
        }

        throw new ProtocolViolationException($"The server sent more than {MaxKeyboardInteractiveRounds} keyboard-interactive rounds.");
    }

    /// <summary>Reads SUCCESS or FAILURE for the request just sent.</summary>
    private async Task<(Outcome, IReadOnlyList<string>)> ReadResultAsync(string attempt)
    {
        var reply = await ReceiveAsync(attempt).ConfigureAwait(false);
        var (outcome, next) = Interpret(reply, attempt);
        return (outcome, next ?? Array.Empty<string>());
    }

    private (Outcome, IReadOnlyList<string>?) Interpret(ReadOnlyMemory<byte> reply, string attempt)
    {
        var method = attempt.Split(' ')[0];
        switch (reply.Span[0])
        {
            case (byte)SshMessageNumber.SSH_MSG_USERAUTH_SUCCESS:
                Log(LogDirection.Received, "SSH_MSG_USERAUTH_SUCCESS");
                _succeeded.Add(method);
                return (Outcome.Success, null);
            case (byte)SshMessageNumber.SSH_MSG_USERAUTH_FAILURE:
                {
                    var failure = UserAuthMessages.ParseFailure(reply);
                    LogFailure(failure);
                    if (failure.PartialSuccess)
                    {
                        // RFC 4252 §5.1: this method worked, but the server wants more.
                        _succeeded.Add(method);
                        _tried.Add($"{attempt} (accepted, more needed)");
                    }
                    else if (method != "none")
                    {
                        _tried.Add($"{attempt} (rejected)");
                    }

                    return (Outcome.Failure, failure.MethodsThatCanContinue);
                }

            default:
                throw new ProtocolViolationException($"The server answered an authentication request ({method}) with message {reply.Span[0]}.");
        }
    }

    /// <summary>The next key to try: key files in the order given, then the agent's keys not already tried.</summary>
    private async Task<IUserAuthKey?> NextKeyAsync()
    {
        if (_keys is null)
        {
            _keys = new List<IUserAuthKey>();
            var passphrase = _options.Ssh.KeyPassphrase?.Password;
            foreach (var path in _options.Ssh.PrivateKeyPaths)
            {
                var key = await PrivateKeyParser.LoadAsync(path, string.IsNullOrEmpty(passphrase) ? null : passphrase, _cancellationToken).ConfigureAwait(false);
                _owned.Add(key);
                _keys.Add(new FileUserAuthKey(key));
            }

            if (_options.Ssh.UseAgent)
            {
                await AddAgentKeysAsync(_keys).ConfigureAwait(false);
            }
        }

        return _nextKey < _keys.Count ? _keys[_nextKey++] : null;
    }

    private async Task AddAgentKeysAsync(List<IUserAuthKey> keys)
    {
        var endpoint = _agentEndpoint;
        if (endpoint is null)
        {
            _notes.Add("no SSH agent: SSH_AUTH_SOCK is not set");
            Log(LogDirection.Info, "UseAgent: SSH_AUTH_SOCK is not set; no agent keys");
            return;
        }

        try
        {
            _agent = await SshAgentClient.ConnectAsync(endpoint, _cancellationToken).ConfigureAwait(false);
            var identities = await _agent.RequestIdentitiesAsync(_cancellationToken).ConfigureAwait(false);
            var added = 0;
            foreach (var identity in identities)
            {
                var keyType = SshFingerprint.KeyTypeOf(identity.PublicKeyBlob);
                if (!AgentUserAuthKey.IsUsableType(keyType) || keys.Any(k => k.PublicKeyBlob.Span.SequenceEqual(identity.PublicKeyBlob)))
                {
                    continue;
                }

                keys.Add(new AgentUserAuthKey(_agent, identity, keyType));
                added++;
            }

            Log(LogDirection.Info, $"SSH agent at {endpoint}: {identities.Count} key(s), {added} usable");
            if (added == 0)
            {
                _notes.Add($"the SSH agent at {endpoint} holds no usable key");
            }
        }
        catch (FtpToolsException ex) when (ex is not ConnectionLostException)
        {
            _notes.Add($"the SSH agent could not be used: {ex.Message}");
            Log(LogDirection.Info, "SSH agent not usable: " + ex.Message);
        }
    }

    private AuthenticationFailedException Failed(IReadOnlyList<string> allowed)
    {
        if (allowed.Contains(Password) || allowed.Contains(KeyboardInteractive))
        {
            if (_password is null)
            {
                _notes.Add("no password was given");
            }
        }

        if (allowed.Contains(PublicKey) && _options.Ssh.PrivateKeyPaths.Count == 0 && !_options.Ssh.UseAgent)
        {
            _notes.Add("no key file was given and the agent was not asked");
        }

        var tried = _tried.Count == 0 ? "nothing it allows could be tried" : string.Join("; ", _tried);
        var notes = _notes.Count == 0 ? string.Empty : $" Note: {string.Join("; ", _notes.Distinct())}.";
        return new AuthenticationFailedException(
            $"The server {_options.Host} did not accept user '{_user}'. Tried: {tried}. The server still allows: {(allowed.Count == 0 ? "nothing" : string.Join(", ", allowed))}.{notes}");
    }

    private void LogFailure(UserAuthFailure failure) =>
        Log(LogDirection.Received, $"SSH_MSG_USERAUTH_FAILURE allowed: {string.Join(",", failure.MethodsThatCanContinue)}{(failure.PartialSuccess ? " (partial success)" : string.Empty)}");

    private async Task SendAsync(byte[] payload, string description)
    {
        Log(LogDirection.Sent, description);
        try
        {
            await _transport.SendAsync(payload, _cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // The payload may hold a password; do not leave it for the garbage collector to keep.
            Array.Clear(payload, 0, payload.Length);
        }
    }

    /// <summary>The next authentication message; banners (RFC 4252 §5.4) are logged and skipped.</summary>
    private async Task<ReadOnlyMemory<byte>> ReceiveAsync(string waitingFor)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_cancellationToken);
        timeout.CancelAfter(_options.OperationTimeout);
        while (true)
        {
            ReadOnlyMemory<byte> message;
            try
            {
                message = await _transport.ReceiveAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!_cancellationToken.IsCancellationRequested)
            {
                throw new ConnectionLostException($"The server did not answer {waitingFor} within {_options.OperationTimeout.TotalSeconds:0} seconds.");
            }

            if (message.IsEmpty)
            {
                throw new ProtocolViolationException("The server sent an empty message during authentication.");
            }

            switch (message.Span[0])
            {
                case (byte)SshMessageNumber.SSH_MSG_USERAUTH_BANNER:
                    foreach (var line in UserAuthMessages.ParseBanner(message).Split('\n'))
                    {
                        Log(LogDirection.Received, "banner: " + line);
                    }

                    continue;
                case (byte)SshMessageNumber.SSH_MSG_EXT_INFO:
                    // RFC 8308 §2.4 allows a second EXT_INFO just before USERAUTH_SUCCESS; the transport reads it.
                    continue;
                default:
                    return message;
            }
        }
    }

    private void Log(LogDirection direction, string message) => _log?.Write(direction, message);

    private async Task ReleaseAsync()
    {
        foreach (var owned in _owned)
        {
            owned.Dispose();
        }

        if (_agent is not null)
        {
            await _agent.DisposeAsync().ConfigureAwait(false);
        }
    }
}
