using System;

namespace FtpTools.Core.Sftp;

/// <summary>SFTP packet types, spec names kept (draft-ietf-secsh-filexfer-02 §3).</summary>
internal enum SftpPacketType : byte
{
    SSH_FXP_INIT = 1,
    SSH_FXP_VERSION = 2,
    SSH_FXP_OPEN = 3,
    SSH_FXP_CLOSE = 4,
    SSH_FXP_READ = 5,
    SSH_FXP_WRITE = 6,
    SSH_FXP_LSTAT = 7,
    SSH_FXP_FSTAT = 8,
    SSH_FXP_SETSTAT = 9,
    SSH_FXP_FSETSTAT = 10,
    SSH_FXP_OPENDIR = 11,
    SSH_FXP_READDIR = 12,
    SSH_FXP_REMOVE = 13,
    SSH_FXP_MKDIR = 14,
    SSH_FXP_RMDIR = 15,
    SSH_FXP_REALPATH = 16,
    SSH_FXP_STAT = 17,
    SSH_FXP_RENAME = 18,
    SSH_FXP_READLINK = 19,
    SSH_FXP_SYMLINK = 20,
    SSH_FXP_STATUS = 101,
    SSH_FXP_HANDLE = 102,
    SSH_FXP_DATA = 103,
    SSH_FXP_NAME = 104,
    SSH_FXP_ATTRS = 105,
    SSH_FXP_EXTENDED = 200,
    SSH_FXP_EXTENDED_REPLY = 201,
}

/// <summary>Error codes of SSH_FXP_STATUS (draft-ietf-secsh-filexfer-02 §7).</summary>
internal enum SftpStatusCode : uint
{
    SSH_FX_OK = 0,
    SSH_FX_EOF = 1,
    SSH_FX_NO_SUCH_FILE = 2,
    SSH_FX_PERMISSION_DENIED = 3,
    SSH_FX_FAILURE = 4,
    SSH_FX_BAD_MESSAGE = 5,
    SSH_FX_NO_CONNECTION = 6,
    SSH_FX_CONNECTION_LOST = 7,
    SSH_FX_OP_UNSUPPORTED = 8,
}

/// <summary>pflags of SSH_FXP_OPEN (draft-ietf-secsh-filexfer-02 §6.3).</summary>
[Flags]
internal enum SftpOpenFlags : uint
{
    None = 0,
    SSH_FXF_READ = 0x00000001,
    SSH_FXF_WRITE = 0x00000002,
    SSH_FXF_APPEND = 0x00000004,
    SSH_FXF_CREAT = 0x00000008,
    SSH_FXF_TRUNC = 0x00000010,
    SSH_FXF_EXCL = 0x00000020,
}

/// <summary>Which fields an ATTRS structure carries (draft-ietf-secsh-filexfer-02 §5).</summary>
[Flags]
internal enum SftpAttributeFlags : uint
{
    None = 0,
    SSH_FILEXFER_ATTR_SIZE = 0x00000001,
    SSH_FILEXFER_ATTR_UIDGID = 0x00000002,
    SSH_FILEXFER_ATTR_PERMISSIONS = 0x00000004,
    SSH_FILEXFER_ATTR_ACMODTIME = 0x00000008,
    SSH_FILEXFER_ATTR_EXTENDED = 0x80000000,
}

/// <summary>Names of the OpenSSH extensions we use (OpenSSH PROTOCOL §4).</summary>
internal static class SftpExtensionNames
{
    public const string PosixRename = "posix-rename@openssh.com";
    public const string StatVfs = "statvfs@openssh.com";
    public const string FStatVfs = "fstatvfs@openssh.com";
    public const string Hardlink = "hardlink@openssh.com";
    public const string Fsync = "fsync@openssh.com";
    public const string Limits = "limits@openssh.com";
}
