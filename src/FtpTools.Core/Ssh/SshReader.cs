using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Numerics;
using System.Text;
using FtpTools.Core.Errors;

namespace FtpTools.Core.Ssh;

/// <summary>
/// Reads SSH wire data (RFC 4251 §5) from a buffer it does not own. Every read is bounds-checked:
/// running past the end is a <see cref="ProtocolViolationException"/>, never an index error, because
/// the bytes come from the peer. A struct over memory (not a span) so async code can hold it.
/// </summary>
internal struct SshReader
{
    private readonly ReadOnlyMemory<byte> _data;
    private int _position;

    public SshReader(ReadOnlyMemory<byte> data)
    {
        _data = data;
        _position = 0;
    }

    public readonly int Position => _position;

    public readonly int Remaining => _data.Length - _position;

    public readonly bool AtEnd => _position >= _data.Length;

    public byte ReadByte()
    {
        Need(1);
        return _data.Span[_position++];
    }

    public bool ReadBoolean() => ReadByte() != 0;

    public uint ReadUInt32()
    {
        Need(4);
        var value = BinaryPrimitives.ReadUInt32BigEndian(_data.Span.Slice(_position));
        _position += 4;
        return value;
    }

    public ulong ReadUInt64()
    {
        Need(8);
        var value = BinaryPrimitives.ReadUInt64BigEndian(_data.Span.Slice(_position));
        _position += 8;
        return value;
    }

    /// <summary>An SSH "string" as raw bytes (a slice of the underlying buffer, not a copy).</summary>
    public ReadOnlyMemory<byte> ReadStringBytes()
    {
        var length = ReadUInt32();
        if (length > (uint)Remaining)
        {
            throw new ProtocolViolationException($"The peer sent a string of {length} bytes where only {Remaining} remain in the message.");
        }

        var slice = _data.Slice(_position, (int)length);
        _position += (int)length;
        return slice;
    }

    /// <summary>An SSH "string" decoded as UTF-8.</summary>
    public string ReadString() => Utf8(ReadStringBytes().Span);

    public IReadOnlyList<string> ReadNameList()
    {
        var text = ReadString();
        return text.Length == 0 ? Array.Empty<string>() : text.Split(',');
    }

    /// <summary>An mpint (two's complement, big-endian).</summary>
    public BigInteger ReadMpint()
    {
        var bytes = ReadStringBytes().ToArray();
        if (bytes.Length == 0)
        {
            return BigInteger.Zero;
        }

        Array.Reverse(bytes);
        return new BigInteger(bytes);
    }

    public ReadOnlyMemory<byte> ReadRaw(int count)
    {
        Need(count);
        var slice = _data.Slice(_position, count);
        _position += count;
        return slice;
    }

    public ReadOnlyMemory<byte> ReadRemaining() => ReadRaw(Remaining);

    private readonly void Need(int count)
    {
        if (count < 0 || count > Remaining)
        {
            throw new ProtocolViolationException($"The peer's message ended early: needed {count} more bytes, {Remaining} left.");
        }
    }

    private static string Utf8(ReadOnlySpan<byte> bytes)
    {
#if NETSTANDARD2_0
        return Encoding.UTF8.GetString(bytes.ToArray());
#else
        return Encoding.UTF8.GetString(bytes);
#endif
    }
}
