using System;
using System.Buffers.Binary;
using FtpTools.Core.Errors;
using FtpTools.Core.Ssh;

namespace FtpTools.Core.Sftp;

/// <summary>
/// SFTP framing (draft-ietf-secsh-filexfer-02 §3): uint32 length, then that many bytes starting with the
/// packet type. Pure functions over buffers; the channel does the I/O.
/// </summary>
internal static class SftpPacket
{
    /// <summary>
    /// Largest packet body we accept from a server. OpenSSH's sftp-server caps its packets at 256 KiB
    /// (SFTP_MAX_MSG_LENGTH) and we never ask for more data than fits in that; the extra kilobyte is room for
    /// headers of servers that count the cap on the data alone.
    /// </summary>
    public const int MaxIncomingLength = (256 * 1024) + 1024;

    /// <summary>Largest data length we put in one READ or WRITE (OpenSSH allows 255 KiB: 256 KiB less 1 KiB of header).</summary>
    public const int MaxDataLength = 255 * 1024;

    /// <summary>Read and write size when the server does not send limits@openssh.com: the 32 KiB every server must take (draft-02 §3).</summary>
    public const int DefaultDataLength = 32 * 1024;

    /// <summary>Smallest body: a type byte and a uint32 (request id, or version for INIT/VERSION).</summary>
    public const int MinimumLength = 5;

    /// <summary>
    /// A packet's length field, checked against the limit and the smallest body. A length outside [5,
    /// <paramref name="maxLength"/>] is a protocol violation: no legitimate server sends it, and waiting for it would
    /// let a peer make us buffer without bound.
    /// </summary>
    public static int CheckLength(uint length, int maxLength)
    {
        if (length > (uint)maxLength)
        {
            throw new ProtocolViolationException($"The SFTP server sent a packet of {length} bytes; the limit is {maxLength}.");
        }

        if (length < MinimumLength)
        {
            throw new ProtocolViolationException($"The SFTP server sent a packet of {length} bytes, too short to hold a type and a request id.");
        }

        return (int)length;
    }

    /// <summary>Starts a request: a length placeholder, the type and the id. Finish with <see cref="End"/>.</summary>
    public static SshWriter Begin(SshWriter writer, SftpPacketType type, uint id)
    {
        writer.Reset();
        writer.WriteUInt32(0).WriteByte((byte)type).WriteUInt32(id);
        return writer;
    }

    /// <summary>Patches the length prefix of a packet started by <see cref="Begin"/>.</summary>
    public static void End(SshWriter writer) =>
        BinaryPrimitives.WriteUInt32BigEndian(writer.GetWrittenSpanForPatch(), (uint)(writer.Length - 4));

    /// <summary>SSH_FXP_INIT with our version (3); its uint32 is the version, not a request id (draft-02 §4).</summary>
    public static byte[] BuildInit()
    {
        var writer = new SshWriter(16);
        Begin(writer, SftpPacketType.SSH_FXP_INIT, 3);
        End(writer);
        return writer.ToArray();
    }

    /// <summary>
    /// The fixed part of a READ or WRITE request for one handle: length, type, id, handle, offset, and for reads
    /// the length to read, for writes the data length (data follows). Patched per request by the pipelines.
    /// </summary>
    public static int DataRequestHeaderLength(int handleLength) => 4 + 1 + 4 + 4 + handleLength + 8 + 4;

    public static void WriteDataRequestHeader(Span<byte> header, SftpPacketType type, ReadOnlySpan<byte> handle, uint id, ulong offset, uint length, int dataFollowing)
    {
        var total = DataRequestHeaderLength(handle.Length) + dataFollowing;
        BinaryPrimitives.WriteUInt32BigEndian(header, (uint)(total - 4));
        header[4] = (byte)type;
        BinaryPrimitives.WriteUInt32BigEndian(header.Slice(5), id);
        BinaryPrimitives.WriteUInt32BigEndian(header.Slice(9), (uint)handle.Length);
        handle.CopyTo(header.Slice(13));
        var at = 13 + handle.Length;
        BinaryPrimitives.WriteUInt64BigEndian(header.Slice(at), offset);
        BinaryPrimitives.WriteUInt32BigEndian(header.Slice(at + 8), length);
    }
}
