using System;
using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace FtpTools.Core.Ssh;

/// <summary>
/// Builds SSH wire data (RFC 4251 §5: byte, boolean, uint32, uint64, string, mpint, name-list) into a
/// growable buffer. SFTP (draft-ietf-secsh-filexfer-02 §3) uses the same encodings.
/// The writer owns its array; <see cref="WrittenMemory"/> is valid until the next write or <see cref="Reset"/>.
/// </summary>
internal sealed class SshWriter
{
    private byte[] _buffer;
    private int _length;

    public SshWriter(int initialCapacity = 256)
    {
        _buffer = new byte[Math.Max(16, initialCapacity)];
    }

    public int Length => _length;

    public ReadOnlyMemory<byte> WrittenMemory => new(_buffer, 0, _length);

    public ReadOnlySpan<byte> WrittenSpan => new(_buffer, 0, _length);

    public byte[] ToArray() => WrittenSpan.ToArray();

    public void Reset() => _length = 0;

    public SshWriter WriteByte(byte value)
    {
        Ensure(1);
        _buffer[_length++] = value;
        return this;
    }

    public SshWriter WriteBoolean(bool value) => WriteByte(value ? (byte)1 : (byte)0);

    public SshWriter WriteUInt32(uint value)
    {
        Ensure(4);
        BinaryPrimitives.WriteUInt32BigEndian(_buffer.AsSpan(_length), value);
        _length += 4;
        return this;
    }

    public SshWriter WriteUInt64(ulong value)
    {
        Ensure(8);
        BinaryPrimitives.WriteUInt64BigEndian(_buffer.AsSpan(_length), value);
        _length += 8;
        return this;
    }

    /// <summary>An SSH "string": uint32 length, then the bytes.</summary>
    public SshWriter WriteString(ReadOnlySpan<byte> value)
    {
        WriteUInt32((uint)value.Length);
        return WriteRaw(value);
    }

    /// <summary>An SSH "string" holding UTF-8 text.</summary>
    public SshWriter WriteString(string value)
    {
        var count = Encoding.UTF8.GetByteCount(value);
        WriteUInt32((uint)count);
        Ensure(count);
        _length += Encoding.UTF8.GetBytes(value, 0, value.Length, _buffer, _length);
        return this;
    }

    public SshWriter WriteNameList(System.Collections.Generic.IEnumerable<string> names) => WriteString(string.Join(",", names));

    /// <summary>An mpint (RFC 4251 §5): two's complement, big-endian, minimal, with a leading zero byte when the top bit is set.</summary>
    public SshWriter WriteMpint(BigInteger value)
    {
        if (value.IsZero)
        {
            return WriteUInt32(0);
        }

        var bytes = value.ToByteArray();
        Array.Reverse(bytes);
        return WriteString(bytes);
    }

    /// <summary>An mpint from an unsigned big-endian magnitude (e.g. a shared secret), adding the sign byte when needed.</summary>
    public SshWriter WriteMpintFromUnsigned(ReadOnlySpan<byte> magnitude)
    {
        var start = 0;
        while (start < magnitude.Length && magnitude[start] == 0)
        {
            start++;
        }

        var trimmed = magnitude.Slice(start);
        if (trimmed.Length == 0)
        {
            return WriteUInt32(0);
        }

        var pad = (trimmed[0] & 0x80) != 0 ? 1 : 0;
        WriteUInt32((uint)(trimmed.Length + pad));
        if (pad == 1)
        {
            WriteByte(0);
        }

        return WriteRaw(trimmed);
    }

    public SshWriter WriteRaw(ReadOnlySpan<byte> value)
    {
        Ensure(value.Length);
        value.CopyTo(_buffer.AsSpan(_length));
        _length += value.Length;
        return this;
    }

    /// <summary>Reserves <paramref name="count"/> bytes and returns them for the caller to fill (e.g. a length written later).</summary>
    public Span<byte> Reserve(int count)
    {
        Ensure(count);
        var span = _buffer.AsSpan(_length, count);
        _length += count;
        return span;
    }

    /// <summary>Writable access to already written bytes, for patching a length prefix in place.</summary>
    public Span<byte> GetWrittenSpanForPatch() => _buffer.AsSpan(0, _length);

    private void Ensure(int count)
    {
        if (_length + count <= _buffer.Length)
        {
            return;
        }

        var size = Math.Max(_buffer.Length * 2, _length + count);
        Array.Resize(ref _buffer, size);
    }
}
