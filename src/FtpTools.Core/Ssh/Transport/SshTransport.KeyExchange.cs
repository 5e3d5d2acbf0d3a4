using System;
using System.Buffers;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;
using FtpTools.Core.Logging;
using FtpTools.Core.Ssh.Keys;

namespace FtpTools.Core.Ssh.Transport;

/// <summary>Key exchange and re-keying (RFC 4253 §7-9), strict kex (OpenSSH PROTOCOL §1.10).</summary>
internal sealed partial class SshTransport
{
    /// <summary>Bound on IGNORE/DEBUG packets a server may send before its KEXINIT.</summary>
    private const int MaxPacketsBeforeKexInit = 32;

    private async Task InitialKeyExchangeAsync(CancellationToken cancellationToken)
    {
        await EnterSendLockAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await SendKexInitLockedAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }

        for (var i = 0; ; i++)
        {
            var payload = await ReadPacketAsync(bounded: true, cancellationToken).ConfigureAwait(false);
            var number = payload.Span[0];
            if (number == (byte)SshMessageNumber.SSH_MSG_KEXINIT)
            {
                // Strict kex requires the server's KEXINIT to be its very first packet (sequence number 0).
                var sequence = unchecked(_decoder.SequenceNumber - 1);
                await RunKeyExchangeAsync(payload.ToArray(), cancellationToken, sequence).ConfigureAwait(false);
                return;
            }

            if (number == (byte)SshMessageNumber.SSH_MSG_DISCONNECT)
            {
                throw Disconnected(payload);
            }

            if ((number != (byte)SshMessageNumber.SSH_MSG_IGNORE && number != (byte)SshMessageNumber.SSH_MSG_DEBUG) || i >= MaxPacketsBeforeKexInit)
            {
                throw new ProtocolViolationException($"The SSH server sent message {number} where its SSH_MSG_KEXINIT was expected (RFC 4253 §7.1).");
            }
        }
    }

    /// <summary>Sends our KEXINIT and from then on queues the upper layers' messages. Caller holds the send lock.</summary>
    private async Task SendKexInitLockedAsync(CancellationToken cancellationToken)
    {
        var init = SshKexInit.ForClient(_preferences, initial: KeyExchangeCount == 0 && !_initialKexDone);
        var payload = init.ToPayload();
        _ourKexInit = init;
        _ourKexInitPayload = payload;
        _kexInProgress = true;
        await WritePacketLockedAsync(payload, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs one key exchange after the server's KEXINIT arrived (RFC 4253 §7): negotiation, the method's
    /// messages, host key signature check, trust decision (first exchange only), NEWKEYS both ways.
    /// </summary>
    private async Task RunKeyExchangeAsync(byte[] serverKexInitPayload, CancellationToken cancellationToken, uint serverKexInitSequence = 0)
    {
        var serverInit = SshKexInit.Parse(serverKexInitPayload);
        await EnterSendLockAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_kexInProgress)
            {
                await SendKexInitLockedAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _sendLock.Release();
        }

        var ourInit = _ourKexInit!;
        var ourPayload = _ourKexInitPayload!;
        var initial = !_initialKexDone;
        if (initial)
        {
            // OpenSSH PROTOCOL §1.10: only the first KEXINIT's pseudo-algorithm counts.
            _strictKex = serverInit.KexAlgorithms.Contains(SshAlgorithms.StrictKexServer);
            if (_strictKex && serverKexInitSequence != 0)
            {
                throw new ProtocolViolationException("Strict key exchange: the server's KEXINIT was not its first packet.");
            }
        }

        var negotiated = SshNegotiatedAlgorithms.Negotiate(ourInit, serverInit);
        Log?.Write(LogDirection.Info, $"SSH key exchange {negotiated.Kex}, host key {negotiated.HostKey}, ciphers {negotiated.CipherClientToServer}/{negotiated.CipherServerToClient}, MACs {negotiated.MacClientToServer ?? "<implicit>"}/{negotiated.MacServerToClient ?? "<implicit>"}{(_strictKex ? ", strict kex" : "")}");

        // RFC 4253 §7: a wrongly guessed first kex packet from the server is ignored.
        var skipGuess = serverInit.FirstKexPacketFollows &&
            (serverInit.KexAlgorithms.FirstOrDefault() != ourInit.KexAlgorithms.FirstOrDefault() ||
             serverInit.ServerHostKeyAlgorithms.FirstOrDefault() != ourInit.ServerHostKeyAlgorithms.FirstOrDefault());
        if (skipGuess)
        {
            await ReadKexPacketAsync(cancellationToken).ConfigureAwait(false);
        }

        var method = SshKeyExchange.Create(negotiated.Kex);
        var prefix = new SshWriter(4096)
            .WriteString(SshVersionExchange.ClientVersion)
            .WriteString(ServerVersion)
            .WriteString(ourPayload)
            .WriteString(serverKexInitPayload)
            .ToArray();
        var result = await method.RunAsync(new KexConversation(this), prefix, cancellationToken).ConfigureAwait(false);
        try
        {
            await AcceptHostKeyAsync(negotiated.HostKey, result, initial, cancellationToken).ConfigureAwait(false);
            var sessionId = _sessionId ??= result.ExchangeHash;
            var (send, receive) = CreateCiphers(method, negotiated, result, sessionId);

            await EnterSendLockAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await WritePacketLockedAsync(new[] { (byte)SshMessageNumber.SSH_MSG_NEWKEYS }, cancellationToken).ConfigureAwait(false);
                var old = _encoder.Cipher;
                _encoder.SetCipher(send);
                old.Dispose();
                if (_strictKex)
                {
                    _encoder.ResetSequenceNumber();
                }

                _kexInProgress = false;
                Interlocked.Exchange(ref _bytesSentSinceKex, 0);
                await FlushQueuedLockedAsync(cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                receive.Dispose();
                throw;
            }
            finally
            {
                _sendLock.Release();
            }

            var newKeys = await ReadKexPacketAsync(cancellationToken).ConfigureAwait(false);
            if (newKeys.Length != 1 || newKeys.Span[0] != (byte)SshMessageNumber.SSH_MSG_NEWKEYS)
            {
                receive.Dispose();
                throw new ProtocolViolationException($"The SSH server sent message {newKeys.Span[0]} where SSH_MSG_NEWKEYS was expected (RFC 4253 §7.3).");
            }

            var oldReceive = _decoder.Cipher;
            _decoder.SetCipher(receive);
            oldReceive.Dispose();
            if (_strictKex)
            {
                _decoder.ResetSequenceNumber();
            }

            Interlocked.Exchange(ref _bytesReceivedSinceKex, 0);
            Interlocked.Exchange(ref _lastKexTimestamp, Stopwatch.GetTimestamp());
            Negotiated = negotiated;
            _initialKexDone = true;
            KeyExchangeCount++;
            if (!initial)
            {
                Log?.Write(LogDirection.Info, $"SSH re-key {KeyExchangeCount - 1} complete.");
            }
        }
        finally
        {
            SshCrypto.Clear(result.SharedSecret);
        }
    }

    /// <summary>
    /// RFC 4253 §8: the server proves possession of the host key by signing H. On the first exchange the
    /// trust decision (known_hosts, pinning) is made by the injected verifier, before NEWKEYS is sent; a
    /// re-key must present the very same key.
    /// </summary>
    private async Task AcceptHostKeyAsync(string hostKeyAlgorithm, SshKexResult result, bool initial, CancellationToken cancellationToken)
    {
        var key = SshPublicKey.Parse(result.HostKeyBlob);
        if (!key.SupportsSignatureAlgorithm(hostKeyAlgorithm))
        {
            throw new ProtocolViolationException($"The SSH server sent a {key.KeyType} host key for the negotiated host key algorithm {hostKeyAlgorithm}.");
        }

        if (!key.Verify(hostKeyAlgorithm, result.ExchangeHash, result.Signature))
        {
            throw new ProtocolViolationException(
                $"The SSH server's signature over the key exchange does not verify with its {key.KeyType} host key {key.Fingerprint} (RFC 4253 §8). The connection may be intercepted.");
        }

        if (initial)
        {
            Log?.Write(LogDirection.Info, $"SSH host key {hostKeyAlgorithm} {key.Fingerprint}");
            await _hostKeyVerifier(hostKeyAlgorithm, result.HostKeyBlob, cancellationToken).ConfigureAwait(false);
            _hostKey = key;
        }
        else if (!key.Blob.Span.SequenceEqual(_hostKey!.Blob.Span))
        {
            throw new ProtocolViolationException(
                $"The SSH server presented a different host key during re-keying ({key.Fingerprint} instead of {_hostKey.Fingerprint}).");
        }
    }

    /// <summary>RFC 4253 §7.2: IVs 'A'/'B', keys 'C'/'D', MAC keys 'E'/'F', client to server first.</summary>
    private static (SshPacketCipher Send, SshPacketCipher Receive) CreateCiphers(SshKeyExchange method, SshNegotiatedAlgorithms negotiated, SshKexResult result, byte[] sessionId)
    {
        SshPacketCipher Make(string cipher, string? mac, char ivLetter, char keyLetter, char macLetter)
        {
            var hash = method.Hash;
            var iv = SshKeyDerivation.Derive(hash, result.SharedSecret, result.ExchangeHash, ivLetter, sessionId, SshCipherFactory.IvLength(cipher));
            var key = SshKeyDerivation.Derive(hash, result.SharedSecret, result.ExchangeHash, keyLetter, sessionId, SshCipherFactory.KeyLength(cipher));
            var macKey = mac is null ? null : SshKeyDerivation.Derive(hash, result.SharedSecret, result.ExchangeHash, macLetter, sessionId, SshMac.KeyLength(mac));
            try
            {
                return SshCipherFactory.Create(cipher, mac, key, iv, macKey);
            }
            finally
            {
                SshCrypto.Clear(iv);
                SshCrypto.Clear(key);
                SshCrypto.Clear(macKey);
            }
        }

        var send = Make(negotiated.CipherClientToServer, negotiated.MacClientToServer, 'A', 'C', 'E');
        try
        {
            return (send, Make(negotiated.CipherServerToClient, negotiated.MacServerToClient, 'B', 'D', 'F'));
        }
        catch
        {
            send.Dispose();
            throw;
        }
    }

    private async Task FlushQueuedLockedAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            (byte[] Buffer, int Length) next;
            lock (_queuedDuringKex)
            {
                if (_queuedDuringKex.Count == 0)
                {
                    return;
                }

                next = _queuedDuringKex[0];
                _queuedDuringKex.RemoveAt(0);
            }

            try
            {
                await WritePacketLockedAsync(new ReadOnlyMemory<byte>(next.Buffer, 0, next.Length), cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(next.Buffer);
            }
        }
    }

    /// <summary>
    /// The next packet during a key exchange. DISCONNECT ends the connection; IGNORE/DEBUG are skipped,
    /// except during a strict initial exchange where anything unexpected is fatal (OpenSSH PROTOCOL §1.10).
    /// </summary>
    private async ValueTask<ReadOnlyMemory<byte>> ReadKexPacketAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var payload = await ReadPacketAsync(bounded: true, cancellationToken).ConfigureAwait(false);
            var number = payload.Span[0];
            if (number == (byte)SshMessageNumber.SSH_MSG_DISCONNECT)
            {
                throw Disconnected(payload);
            }

            if (number is (byte)SshMessageNumber.SSH_MSG_IGNORE or (byte)SshMessageNumber.SSH_MSG_DEBUG && !(_strictKex && !_initialKexDone))
            {
                continue;
            }

            if (number == (byte)SshMessageNumber.SSH_MSG_NEWKEYS || number is >= 30 and < 50)
            {
                return payload;
            }

            throw new ProtocolViolationException(
                $"The SSH server sent message {number} during key exchange{(_strictKex && !_initialKexDone ? " (strict kex, OpenSSH PROTOCOL §1.10)" : "")}; only key exchange messages are allowed (RFC 4253 §7.1).");
        }
    }

    /// <summary>The key exchange method's view of the transport: its own messages only.</summary>
    private sealed class KexConversation : ISshKexConversation
    {
        private readonly SshTransport _transport;

        public KexConversation(SshTransport transport)
        {
            _transport = transport;
        }

        public async ValueTask SendAsync(byte[] payload, CancellationToken cancellationToken)
        {
            await _transport.EnterSendLockAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await _transport.WritePacketLockedAsync(payload, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _transport._sendLock.Release();
            }
        }

        public async ValueTask<ReadOnlyMemory<byte>> ReceiveAsync(CancellationToken cancellationToken)
        {
            var payload = await _transport.ReadKexPacketAsync(cancellationToken).ConfigureAwait(false);
            if (payload.Span[0] == (byte)SshMessageNumber.SSH_MSG_NEWKEYS)
            {
                throw new ProtocolViolationException("The SSH server sent SSH_MSG_NEWKEYS before the key exchange reply.");
            }

            return payload;
        }
    }
}
