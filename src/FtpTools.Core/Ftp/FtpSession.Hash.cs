using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;
using FtpTools.Core.Transfers;

namespace FtpTools.Core.Ftp;

/// <summary>Remote hashes: HASH (draft-bryan-ftpext-hash-02) first, then the older XSHA256/XSHA1/XMD5/XCRC commands.</summary>
internal sealed partial class FtpSession : IRemoteHashProvider
{
    private static readonly (RemoteHashAlgorithm Algorithm, string HashName, string Command, int HexLength)[] HashCommands =
    {
        (RemoteHashAlgorithm.Sha256, "SHA-256", "XSHA256", 64),
        (RemoteHashAlgorithm.Sha512, "SHA-512", "XSHA512", 128),
        (RemoteHashAlgorithm.Sha1, "SHA-1", "XSHA1", 40),
        (RemoteHashAlgorithm.Md5, "MD5", "XMD5", 32),
        (RemoteHashAlgorithm.Crc32, "CRC32", "XCRC", 8),
    };

    public IReadOnlyList<RemoteHashAlgorithm> SupportedHashAlgorithms
    {
        get
        {
            var supported = new List<RemoteHashAlgorithm>();
            foreach (var (algorithm, hashName, command, _) in HashCommands)
            {
                if (_quirks.Features.Has("HASH", hashName) || _quirks.Features.Has(command))
                {
                    supported.Add(algorithm);
                }
            }

            return supported;
        }
    }

    /// <summary>The slowest hashing a server's disk is allowed before its answer is given up on (see <see cref="HashReplyTimeout"/>).</summary>
    internal const double SlowHashBytesPerSecond = 20_000_000;

    public Task<string> ComputeHashAsync(string path, RemoteHashAlgorithm algorithm, long? length, CancellationToken cancellationToken) =>
        RunAsync(
            async ct =>
            {
                var full = Resolve(path);
                var (_, hashName, command, hexLength) = Array.Find(HashCommands, c => c.Algorithm == algorithm);
                if (hashName is null)
                {
                    throw new CommandRefusedException($"FtpTools knows no FTP command for {RemoteFileHasher.NameOf(algorithm)} checksums.", RemoteErrorKind.Unsupported, path: full);
                }

                FtpReply reply;
                string verb;
                if (_quirks.Features.Has("HASH", hashName))
                {
                    // draft-bryan-ftpext-hash §3-4: the FEAT line marks the selected algorithm with '*'; OPTS HASH selects another.
                    if (!IsSelectedHash(hashName))
                    {
                        var select = await CommandAsync("OPTS HASH " + hashName, ct).ConfigureAwait(false);
                        if (!select.Code.IsPositiveCompletion())
                        {
                            throw FtpErrors.Refused(select, "OPTS HASH", null, RemoteErrorKind.Unsupported);
                        }

                        SelectedHash = hashName;
                    }

                    verb = "HASH";
                }
                else if (_quirks.Features.Has(command))
                {
                    verb = command;
                }
                else
                {
                    throw new CommandRefusedException($"The server offers no {hashName} checksum command.", RemoteErrorKind.Unsupported, path: full);
                }

                reply = await CommandAsync(verb + " " + full, ct, HashReplyTimeout(length)).ConfigureAwait(false);
                if (!reply.Code.IsPositiveCompletion())
                {
                    throw FtpErrors.Refused(reply, verb, full, targetMustExist: true);
                }

                return FtpReplyText.ParseHash(reply, hexLength)
                    ?? throw new CommandRefusedException($"The server's {verb} reply holds no {hashName} value: {FtpReplyParser.Printable(reply.ToString(), 200)}", RemoteErrorKind.Failure, (int)reply.Code, path: full);
            },
            cancellationToken);

    /// <summary>
    /// How long a checksum's answer may take: the operation timeout plus the file read at
    /// <see cref="SlowHashBytesPerSecond"/>, or plus an hour when the length is unknown. Still a bound, so a server
    /// that never answers does not hang the session.
    /// </summary>
    internal TimeSpan HashReplyTimeout(long? length) =>
        _options.OperationTimeout < TimeSpan.Zero
            ? _options.OperationTimeout // Infinite stays infinite.
            : _options.OperationTimeout + (length is long bytes && bytes >= 0
                ? TimeSpan.FromSeconds(bytes / SlowHashBytesPerSecond)
                : TimeSpan.FromHours(1));

    /// <summary>The HASH algorithm chosen with OPTS HASH in this session; null while the server's default ('*' in FEAT) applies.</summary>
    private string? SelectedHash { get; set; }

    private bool IsSelectedHash(string hashName)
    {
        if (SelectedHash is not null)
        {
            return string.Equals(SelectedHash, hashName, StringComparison.OrdinalIgnoreCase);
        }

        foreach (var word in (_quirks.Features.Parameters("HASH") ?? "").Split(';'))
        {
            if (word.EndsWith("*", StringComparison.Ordinal) && string.Equals(word.TrimEnd('*').Trim(), hashName, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
