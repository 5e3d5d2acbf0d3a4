using System;
using System.IO;
using System.Security.Cryptography;

namespace FtpTools.Core.Transfers;

/// <summary>
/// A write-only stream that hashes what is written to it, so a remote file can be hashed with the transfer engine's
/// copy loop (reads overlap hashing, progress is counted the same way) without being stored anywhere.
/// </summary>
internal sealed class HashingStream : Stream
{
    private readonly IncrementalHash? _hash;
    private uint _crc = 0xFFFFFFFFu;
    private long _length;

    public HashingStream(RemoteHashAlgorithm algorithm)
    {
        _hash = algorithm switch
        {
            RemoteHashAlgorithm.Sha256 => IncrementalHash.CreateHash(HashAlgorithmName.SHA256),
            RemoteHashAlgorithm.Sha1 => IncrementalHash.CreateHash(HashAlgorithmName.SHA1),
            RemoteHashAlgorithm.Sha384 => IncrementalHash.CreateHash(HashAlgorithmName.SHA384),
            RemoteHashAlgorithm.Sha512 => IncrementalHash.CreateHash(HashAlgorithmName.SHA512),
            RemoteHashAlgorithm.Md5 => IncrementalHash.CreateHash(HashAlgorithmName.MD5),
            RemoteHashAlgorithm.Crc32 => null,
            _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "Unknown hash algorithm."),
        };
    }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => _length;

    public override long Position
    {
        get => _length;
        set => throw new NotSupportedException();
    }

    /// <summary>The hash of everything written, as upper-case hexadecimal.</summary>
    public string HexHash()
    {
        if (_hash is null)
        {
            return (~_crc).ToString("X8", System.Globalization.CultureInfo.InvariantCulture);
        }

        var bytes = _hash.GetHashAndReset();
        var hex = new char[bytes.Length * 2];
        for (var i = 0; i < bytes.Length; i++)
        {
            hex[2 * i] = "0123456789ABCDEF"[bytes[i] >> 4];
            hex[(2 * i) + 1] = "0123456789ABCDEF"[bytes[i] & 0xF];
        }

        return new string(hex);
    }

    public override void Write(byte[] buffer, int offset, int count)
    {
        if (_hash is null)
        {
            _crc = Crc32.Update(_crc, buffer, offset, count);
        }
        else
        {
            _hash.AppendData(buffer, offset, count);
        }

        _length += count;
    }

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hash?.Dispose();
        }

        base.Dispose(disposing);
    }
}
