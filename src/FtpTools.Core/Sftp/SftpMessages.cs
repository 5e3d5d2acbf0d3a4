using System;
using System.Collections.Generic;
using System.Globalization;
using System.Runtime.CompilerServices;
using FtpTools.Core.Errors;
using FtpTools.Core.Ssh;

namespace FtpTools.Core.Sftp;

/// <summary>SSH_FXP_STATUS contents (draft-ietf-secsh-filexfer-02 §7).</summary>
internal sealed class SftpStatus
{
    public SftpStatus(SftpStatusCode code, string message, string language)
    {
        Code = code;
        Message = message;
        Language = language;
    }

    public SftpStatusCode Code { get; }

    public string Message { get; }

    public string Language { get; }

    public override string ToString() => $"{Code} \"{Message}\"";
}

/// <summary>One entry of SSH_FXP_NAME (draft-02 §7): file name, the ls -l style long name (v3 only), attributes.</summary>
internal sealed class SftpName
{
    public SftpName(string fileName, string longName, SftpAttributes attributes)
    {
        FileName = fileName;
        LongName = longName;
        Attributes = attributes;
    }

    public string FileName { get; }

    public string LongName { get; }

    public SftpAttributes Attributes { get; }
}

/// <summary>statvfs@openssh.com reply (OpenSSH PROTOCOL §4.4), fields as statvfs(3) names them.</summary>
internal sealed class SftpFileSystemInfo
{
    public ulong BlockSize { get; init; }

    public ulong FragmentSize { get; init; }

    public ulong Blocks { get; init; }

    public ulong FreeBlocks { get; init; }

    public ulong AvailableBlocks { get; init; }

    public ulong Files { get; init; }

    public ulong FreeFiles { get; init; }

    public ulong AvailableFiles { get; init; }

    public ulong FileSystemId { get; init; }

    public ulong Flags { get; init; }

    public ulong MaxNameLength { get; init; }

    /// <summary>Bytes available to an unprivileged user: f_bavail * f_frsize.</summary>
    public ulong AvailableBytes => AvailableBlocks * FragmentSize;

    /// <summary>ST_RDONLY in f_flag (OpenSSH PROTOCOL §4.4: SSH_FXE_STATVFS_ST_RDONLY = 0x1).</summary>
    public bool IsReadOnly => (Flags & 0x1) != 0;
}

/// <summary>limits@openssh.com reply (OpenSSH PROTOCOL §4.8). Zero means "no limit stated".</summary>
internal sealed class SftpLimits
{
    public ulong MaxPacketLength { get; init; }

    public ulong MaxReadLength { get; init; }

    public ulong MaxWriteLength { get; init; }

    public ulong MaxOpenHandles { get; init; }
}

/// <summary>SSH_FXP_VERSION (draft-02 §4): the server's version and its extension pairs.</summary>
internal sealed class SftpVersion
{
    public SftpVersion(uint version, IReadOnlyDictionary<string, string> extensions)
    {
        Version = version;
        Extensions = extensions;
    }

    public uint Version { get; }

    public IReadOnlyDictionary<string, string> Extensions { get; }
}

/// <summary>A response, copied out of the receive buffer, for the requests that are not on the transfer path.</summary>
internal sealed class SftpResponse
{
    public SftpResponse(SftpPacketType type) => Type = type;

    public SftpPacketType Type { get; }

    public SftpStatus? Status { get; init; }

    public byte[]? Handle { get; init; }

    public IReadOnlyList<SftpName>? Names { get; init; }

    public SftpAttributes? Attributes { get; init; }

    /// <summary>SSH_FXP_DATA contents, or the extension-specific part of SSH_FXP_EXTENDED_REPLY.</summary>
    public byte[]? Data { get; init; }

    public override string ToString() => Type switch
    {
        SftpPacketType.SSH_FXP_STATUS => $"{Type} {Status}",
        SftpPacketType.SSH_FXP_NAME => $"{Type} ({Names!.Count} names)",
        SftpPacketType.SSH_FXP_DATA => $"{Type} ({Data!.Length} bytes)",
        _ => Type.ToString(),
    };
}

/// <summary>Pure parse functions for server-to-client packets (draft-ietf-secsh-filexfer-02 §4, §7).</summary>
internal static class SftpMessages
{
    /// <summary>Longest handle a server may send (draft-02 §6.2: "MUST NOT be longer than 256 bytes").</summary>
    public const int MaxHandleLength = 256;

    /// <summary>Parses SSH_FXP_VERSION; <paramref name="body"/> starts with the packet type.</summary>
    public static SftpVersion ParseVersion(ReadOnlyMemory<byte> body)
    {
        var reader = new SshReader(body);
        var type = (SftpPacketType)reader.ReadByte();
        if (type != SftpPacketType.SSH_FXP_VERSION)
        {
            throw new ProtocolViolationException($"The SFTP server answered SSH_FXP_INIT with packet type {(byte)type}, not SSH_FXP_VERSION.");
        }

        var version = reader.ReadUInt32();
        var extensions = new Dictionary<string, string>(StringComparer.Ordinal);
        while (!reader.AtEnd)
        {
            var name = reader.ReadString();
            var data = reader.ReadString();
            extensions[name] = data;
        }

        return new SftpVersion(version, extensions);
    }

    /// <summary>Parses a response body after its type and request id.</summary>
    public static SftpResponse ParseResponse(SftpPacketType type, ReadOnlyMemory<byte> afterId)
    {
        var reader = new SshReader(afterId);
        SftpResponse response = type switch
        {
            SftpPacketType.SSH_FXP_STATUS => new SftpResponse(type) { Status = ReadStatus(ref reader) },
            SftpPacketType.SSH_FXP_HANDLE => new SftpResponse(type) { Handle = ReadHandle(ref reader) },
            SftpPacketType.SSH_FXP_DATA => new SftpResponse(type) { Data = reader.ReadStringBytes().ToArray() },
            SftpPacketType.SSH_FXP_NAME => new SftpResponse(type) { Names = ReadNames(ref reader) },
            SftpPacketType.SSH_FXP_ATTRS => new SftpResponse(type) { Attributes = SftpAttributes.Read(ref reader) },
            SftpPacketType.SSH_FXP_EXTENDED_REPLY => new SftpResponse(type) { Data = reader.ReadRemaining().ToArray() },
            _ => throw new ProtocolViolationException($"The SFTP server sent packet type {(byte)type}, which is not a response."),
        };

        if (!reader.AtEnd && type != SftpPacketType.SSH_FXP_STATUS)
        {
            throw new ProtocolViolationException($"The SFTP server's {type} carried {reader.Remaining} bytes after its contents.");
        }

        return response;
    }

    /// <summary>
    /// SSH_FXP_STATUS: code, then message and language tag. Version 3 servers that predate the message
    /// fields (draft-02 §7 allows older ones) end after the code; that is accepted with an empty message.
    /// </summary>
    public static SftpStatus ReadStatus(ref SshReader reader)
    {
        var code = (SftpStatusCode)reader.ReadUInt32();
        if (reader.AtEnd)
        {
            return new SftpStatus(code, "", "");
        }

        var message = reader.ReadString();
        var language = reader.AtEnd ? "" : reader.ReadString();
        return new SftpStatus(code, message, language);
    }

    public static byte[] ReadHandle(ref SshReader reader)
    {
        var handle = reader.ReadStringBytes();
        if (handle.Length > MaxHandleLength)
        {
            throw new ProtocolViolationException($"The SFTP server sent a handle of {handle.Length} bytes; at most {MaxHandleLength} are allowed.");
        }

        return handle.ToArray();
    }

    [MethodImpl(HotPath.Optimized)]
    public static IReadOnlyList<SftpName> ReadNames(ref SshReader reader)
    {
        var count = reader.ReadUInt32();

        // Each entry takes at least 12 bytes (two empty strings and the attribute flags), so a count larger than
        // that allows is a lie; checking first keeps the list allocation bounded by the packet.
        if (count > (uint)(reader.Remaining / 12))
        {
            throw new ProtocolViolationException($"The SFTP server's SSH_FXP_NAME claims {count} entries in {reader.Remaining} bytes.");
        }

        var names = new List<SftpName>((int)count);
        for (var i = 0; i < count; i++)
        {
            var fileName = reader.ReadString();
            var longName = reader.ReadString();
            var attributes = SftpAttributes.Read(ref reader);
            names.Add(new SftpName(fileName, longName, attributes));
        }

        return names;
    }

    /// <summary>limits@openssh.com reply: four uint64 (OpenSSH PROTOCOL §4.8).</summary>
    public static SftpLimits ParseLimits(ReadOnlyMemory<byte> data)
    {
        var reader = new SshReader(data);
        return new SftpLimits
        {
            MaxPacketLength = reader.ReadUInt64(),
            MaxReadLength = reader.ReadUInt64(),
            MaxWriteLength = reader.ReadUInt64(),
            MaxOpenHandles = reader.ReadUInt64(),
        };
    }

    /// <summary>statvfs@openssh.com reply: eleven uint64 in statvfs(3) order (OpenSSH PROTOCOL §4.4).</summary>
    public static SftpFileSystemInfo ParseStatVfs(ReadOnlyMemory<byte> data)
    {
        var reader = new SshReader(data);
        return new SftpFileSystemInfo
        {
            BlockSize = reader.ReadUInt64(),
            FragmentSize = reader.ReadUInt64(),
            Blocks = reader.ReadUInt64(),
            FreeBlocks = reader.ReadUInt64(),
            AvailableBlocks = reader.ReadUInt64(),
            Files = reader.ReadUInt64(),
            FreeFiles = reader.ReadUInt64(),
            AvailableFiles = reader.ReadUInt64(),
            FileSystemId = reader.ReadUInt64(),
            Flags = reader.ReadUInt64(),
            MaxNameLength = reader.ReadUInt64(),
        };
    }

    /// <summary>Maps a refusal to the protocol-independent kind (draft-02 §7 codes).</summary>
    public static RemoteErrorKind ToErrorKind(SftpStatusCode code) => code switch
    {
        SftpStatusCode.SSH_FX_NO_SUCH_FILE => RemoteErrorKind.NotFound,
        SftpStatusCode.SSH_FX_PERMISSION_DENIED => RemoteErrorKind.PermissionDenied,
        SftpStatusCode.SSH_FX_OP_UNSUPPORTED => RemoteErrorKind.Unsupported,
        _ => RemoteErrorKind.Failure,
    };

    /// <summary>The exception for a refused request, carrying the status code and the server's own words.</summary>
    public static CommandRefusedException ToException(SftpStatus status, string operation, string? path, RemoteErrorKind? kind = null)
    {
        var target = path is null ? "" : " " + path;
        var said = status.Message.Length == 0 ? "" : $": {status.Message}";
        var message = string.Format(CultureInfo.InvariantCulture, "The SFTP server refused {0}{1} ({2}){3}", operation, target, status.Code, said);
        return new CommandRefusedException(message, kind ?? ToErrorKind(status.Code), sftpStatus: (int)status.Code, path: path);
    }

    /// <summary>
    /// Owner and group from the ls -l style long name of SSH_FXP_NAME (draft-02 §7 recommends
    /// "-rwxr-xr-x 1 mjos staff 348911 Mar 25 14:29 t-filexfer"). Null when the text does not look like that.
    /// </summary>
    [MethodImpl(HotPath.Optimized)]
    public static (string Owner, string Group)? ParseOwnerFromLongName(string longName)
    {
        // Read in place (a listing has thousands of these): mode, links, owner, group, then something more.
        var position = 0;
        if (!NextField(longName, ref position, out var modeStart, out var modeEnd)
            || !NextField(longName, ref position, out _, out _)
            || !NextField(longName, ref position, out var ownerStart, out var ownerEnd)
            || !NextField(longName, ref position, out var groupStart, out var groupEnd)
            || !NextField(longName, ref position, out _, out _)
            || modeEnd - modeStart < 10
            || !IsModeText(longName, modeStart))
        {
            return null;
        }

        return (longName.Substring(ownerStart, ownerEnd - ownerStart), longName.Substring(groupStart, groupEnd - groupStart));
    }

    /// <summary>The next run of characters other than blanks and tabs, from <paramref name="position"/> on.</summary>
    [MethodImpl(HotPath.Optimized)]
    private static bool NextField(string text, ref int position, out int start, out int end)
    {
        while (position < text.Length && IsLongNameSeparator(text[position]))
        {
            position++;
        }

        start = position;
        while (position < text.Length && !IsLongNameSeparator(text[position]))
        {
            position++;
        }

        end = position;
        return end > start;
    }

    private static bool IsLongNameSeparator(char c) => c == ' ' || c == '\t';

    [MethodImpl(HotPath.Optimized)]
    private static bool IsModeText(string text, int start)
    {
        if ("-dlcbps".IndexOf(text[start]) < 0)
        {
            return false;
        }

        for (var i = start + 1; i < start + 10; i++)
        {
            if ("rwxsStT-".IndexOf(text[i]) < 0)
            {
                return false;
            }
        }

        return true;
    }
}
