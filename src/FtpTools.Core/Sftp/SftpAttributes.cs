using System;
using System.Runtime.CompilerServices;
using FtpTools.Core.Ssh;

namespace FtpTools.Core.Sftp;

/// <summary>
/// The ATTRS structure of SFTP version 3 (draft-ietf-secsh-filexfer-02 §5). Every field is optional;
/// a field the server did not send is null. Times are seconds since 1970-01-01 UTC as uint32.
/// </summary>
internal sealed class SftpAttributes
{
    /// <summary>S_IFMT and the type bits of st_mode (POSIX sys/stat.h); SFTP v3 carries st_mode whole in "permissions".</summary>
    public const uint S_IFMT = 0xF000;
    public const uint S_IFIFO = 0x1000;
    public const uint S_IFCHR = 0x2000;
    public const uint S_IFDIR = 0x4000;
    public const uint S_IFBLK = 0x6000;
    public const uint S_IFREG = 0x8000;
    public const uint S_IFLNK = 0xA000;
    public const uint S_IFSOCK = 0xC000;

    public static readonly SftpAttributes Empty = new();

    public ulong? Size { get; init; }

    public uint? Uid { get; init; }

    public uint? Gid { get; init; }

    /// <summary>st_mode: file type bits and permission bits.</summary>
    public uint? Permissions { get; init; }

    public uint? AccessTime { get; init; }

    public uint? ModifyTime { get; init; }

    public int ExtendedCount { get; init; }

    public SftpAttributeFlags Flags
    {
        get
        {
            var flags = SftpAttributeFlags.None;
            if (Size.HasValue)
            {
                flags |= SftpAttributeFlags.SSH_FILEXFER_ATTR_SIZE;
            }

            if (Uid.HasValue && Gid.HasValue)
            {
                flags |= SftpAttributeFlags.SSH_FILEXFER_ATTR_UIDGID;
            }

            if (Permissions.HasValue)
            {
                flags |= SftpAttributeFlags.SSH_FILEXFER_ATTR_PERMISSIONS;
            }

            if (AccessTime.HasValue && ModifyTime.HasValue)
            {
                flags |= SftpAttributeFlags.SSH_FILEXFER_ATTR_ACMODTIME;
            }

            return flags;
        }
    }

    public RemoteItemKind Kind => Permissions switch
    {
        null => RemoteItemKind.Other,
        var mode when (mode & S_IFMT) == S_IFREG => RemoteItemKind.File,
        var mode when (mode & S_IFMT) == S_IFDIR => RemoteItemKind.Directory,
        var mode when (mode & S_IFMT) == S_IFLNK => RemoteItemKind.SymbolicLink,
        _ => RemoteItemKind.Other,
    };

    public DateTime? LastWriteTimeUtc => ModifyTime.HasValue ? FromUnixSeconds(ModifyTime.Value) : null;

    public DateTime? LastAccessTimeUtc => AccessTime.HasValue ? FromUnixSeconds(AccessTime.Value) : null;

    /// <summary>Reads an ATTRS structure; malformed input is a <see cref="Errors.ProtocolViolationException"/> (from <see cref="SshReader"/>).</summary>
    [MethodImpl(HotPath.Optimized)]
    public static SftpAttributes Read(ref SshReader reader)
    {
        var flags = (SftpAttributeFlags)reader.ReadUInt32();
        ulong? size = null;
        uint? uid = null, gid = null, permissions = null, atime = null, mtime = null;
        var extendedCount = 0;
        if ((flags & SftpAttributeFlags.SSH_FILEXFER_ATTR_SIZE) != 0)
        {
            size = reader.ReadUInt64();
        }

        if ((flags & SftpAttributeFlags.SSH_FILEXFER_ATTR_UIDGID) != 0)
        {
            uid = reader.ReadUInt32();
            gid = reader.ReadUInt32();
        }

        if ((flags & SftpAttributeFlags.SSH_FILEXFER_ATTR_PERMISSIONS) != 0)
        {
            permissions = reader.ReadUInt32();
        }

        if ((flags & SftpAttributeFlags.SSH_FILEXFER_ATTR_ACMODTIME) != 0)
        {
            atime = reader.ReadUInt32();
            mtime = reader.ReadUInt32();
        }

        if ((flags & SftpAttributeFlags.SSH_FILEXFER_ATTR_EXTENDED) != 0)
        {
            // extended_count pairs of (type, data) strings; none is meaningful to us, so they are skipped.
            // Each pair takes at least 8 bytes, so a hostile count runs out of message quickly.
            var count = reader.ReadUInt32();
            for (uint i = 0; i < count; i++)
            {
                reader.ReadStringBytes();
                reader.ReadStringBytes();
                extendedCount++;
            }
        }

        return new SftpAttributes
        {
            Size = size,
            Uid = uid,
            Gid = gid,
            Permissions = permissions,
            AccessTime = atime,
            ModifyTime = mtime,
            ExtendedCount = extendedCount,
        };
    }

    /// <summary>Writes the fields that are set (never the extended ones).</summary>
    public void Write(SshWriter writer)
    {
        var flags = Flags;
        writer.WriteUInt32((uint)flags);
        if (Size.HasValue)
        {
            writer.WriteUInt64(Size.Value);
        }

        if ((flags & SftpAttributeFlags.SSH_FILEXFER_ATTR_UIDGID) != 0)
        {
            writer.WriteUInt32(Uid!.Value).WriteUInt32(Gid!.Value);
        }

        if (Permissions.HasValue)
        {
            writer.WriteUInt32(Permissions.Value);
        }

        if ((flags & SftpAttributeFlags.SSH_FILEXFER_ATTR_ACMODTIME) != 0)
        {
            writer.WriteUInt32(AccessTime!.Value).WriteUInt32(ModifyTime!.Value);
        }
    }

    public static DateTime FromUnixSeconds(uint seconds) => DateTime.SpecifyKind(UnixEpoch.AddSeconds(seconds), DateTimeKind.Utc);

    /// <summary>What SFTP version 3 can carry, for error messages.</summary>
    public const string TimeRange = "SFTP version 3 carries times from 1970-01-01 to 2106-02-07 UTC only";

    /// <summary>SFTP v3 times are uint32 seconds: 1970-01-01 to 2106-02-07. Sub-second parts are dropped.</summary>
    public static uint ToUnixSeconds(DateTime utc) =>
        TryToUnixSeconds(utc, out var seconds) ? seconds : throw new ArgumentOutOfRangeException(nameof(utc), utc, TimeRange + ".");

    /// <summary>As <see cref="ToUnixSeconds"/>; false for a time SFTP v3 cannot carry.</summary>
    public static bool TryToUnixSeconds(DateTime utc, out uint unixSeconds)
    {
        var value = utc.Kind == DateTimeKind.Local ? utc.ToUniversalTime() : utc;
        var seconds = (long)Math.Floor((value - UnixEpoch).TotalSeconds);
        unixSeconds = seconds is >= 0 and <= uint.MaxValue ? (uint)seconds : 0;
        return seconds is >= 0 and <= uint.MaxValue;
    }

    /// <summary>"rwxr-xr-x" with setuid/setgid/sticky shown the way ls(1) does (s/S, t/T).</summary>
    public static string FormatPermissions(uint mode) => PermissionText.Format((int)(mode & 0xFFF));

    private static readonly DateTime UnixEpoch = new(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc);
}
