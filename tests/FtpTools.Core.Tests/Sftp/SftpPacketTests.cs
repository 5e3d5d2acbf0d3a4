using System;
using System.Collections.Generic;
using System.Linq;
using FtpTools.Core.Errors;
using FtpTools.Core.Sftp;
using FtpTools.Core.Ssh;
using Xunit;

namespace FtpTools.Core.Tests.Sftp;

/// <summary>The pure packet layer: response parsing, attributes, long names, request headers (framing: <see cref="SftpPacketAssemblerTests"/>).</summary>
public class SftpPacketTests
{
    [Fact]
    public void Version_with_extensions_is_parsed()
    {
        var writer = new SshWriter().WriteByte((byte)SftpPacketType.SSH_FXP_VERSION).WriteUInt32(3)
            .WriteString("posix-rename@openssh.com").WriteString("1")
            .WriteString("statvfs@openssh.com").WriteString("2");

        var version = SftpMessages.ParseVersion(writer.ToArray());

        Assert.Equal(3u, version.Version);
        Assert.Equal("1", version.Extensions["posix-rename@openssh.com"]);
        Assert.Equal("2", version.Extensions["statvfs@openssh.com"]);
    }

    [Fact]
    public void Status_with_and_without_message_fields_is_parsed()
    {
        var full = SftpMessages.ParseResponse(SftpPacketType.SSH_FXP_STATUS, new SshWriter().WriteUInt32(2).WriteString("No such file").WriteString("en").ToArray());
        var bare = SftpMessages.ParseResponse(SftpPacketType.SSH_FXP_STATUS, new SshWriter().WriteUInt32(4).ToArray());

        Assert.Equal(SftpStatusCode.SSH_FX_NO_SUCH_FILE, full.Status!.Code);
        Assert.Equal("No such file", full.Status.Message);
        Assert.Equal("en", full.Status.Language);
        Assert.Equal(SftpStatusCode.SSH_FX_FAILURE, bare.Status!.Code);
        Assert.Equal("", bare.Status.Message);
    }

    [Fact]
    public void Names_with_attributes_and_long_names_are_parsed()
    {
        var body = new SshWriter().WriteUInt32(2)
            .WriteString("a.txt").WriteString("-rw-r--r--    1 alice    staff        42 Jan  1 00:00 a.txt")
            .WriteUInt32(0x0F).WriteUInt64(42).WriteUInt32(1000).WriteUInt32(50).WriteUInt32(0x81A4).WriteUInt32(100).WriteUInt32(1_600_000_000)
            .WriteString("d").WriteString("").WriteUInt32(0x80000004).WriteUInt32(0x41ED).WriteUInt32(1).WriteString("x").WriteString("y")
            .ToArray();

        var names = SftpMessages.ParseResponse(SftpPacketType.SSH_FXP_NAME, body).Names!;

        Assert.Equal(2, names.Count);
        var a = names[0].Attributes;
        Assert.Equal(42UL, a.Size);
        Assert.Equal(1000u, a.Uid);
        Assert.Equal(50u, a.Gid);
        Assert.Equal(RemoteItemKind.File, a.Kind);
        Assert.Equal(new DateTime(2020, 9, 13, 12, 26, 40, DateTimeKind.Utc), a.LastWriteTimeUtc);
        Assert.Equal(("alice", "staff"), SftpMessages.ParseOwnerFromLongName(names[0].LongName));
        Assert.Equal(RemoteItemKind.Directory, names[1].Attributes.Kind);
        Assert.Equal(1, names[1].Attributes.ExtendedCount);
        Assert.Null(names[1].Attributes.Size);
    }

    [Fact]
    public void Bytes_after_a_response_are_refused()
    {
        var body = new SshWriter().WriteString("h").WriteByte(9).ToArray();

        Assert.Throws<ProtocolViolationException>(() => SftpMessages.ParseResponse(SftpPacketType.SSH_FXP_HANDLE, body));
    }

    [Fact]
    public void An_overlong_handle_is_refused()
    {
        var body = new SshWriter().WriteString(new byte[257]).ToArray();

        var error = Assert.Throws<ProtocolViolationException>(() => SftpMessages.ParseResponse(SftpPacketType.SSH_FXP_HANDLE, body));
        Assert.Contains("257", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Attributes_round_trip_through_the_writer()
    {
        var attributes = new SftpAttributes { Size = 5, Uid = 1, Gid = 2, Permissions = 0x81FF, AccessTime = 10, ModifyTime = 20 };
        var writer = new SshWriter();
        attributes.Write(writer);
        var reader = new SshReader(writer.ToArray());

        var back = SftpAttributes.Read(ref reader);

        Assert.True(reader.AtEnd);
        Assert.Equal((5UL, 1u, 2u, 0x81FFu, 10u, 20u), (back.Size!.Value, back.Uid!.Value, back.Gid!.Value, back.Permissions!.Value, back.AccessTime!.Value, back.ModifyTime!.Value));
        Assert.Equal(new byte[] { 0, 0, 0, 0 }, WriteEmpty());

        static byte[] WriteEmpty()
        {
            var w = new SshWriter();
            SftpAttributes.Empty.Write(w);
            return w.ToArray();
        }
    }

    [Theory]
    [InlineData(0x1ED, "rwxr-xr-x")]
    [InlineData(0x1A4, "rw-r--r--")]
    [InlineData(0x989, "rwS--x--x")]
    [InlineData(0xFFF, "rwsrwsrwt")]
    [InlineData(0x200, "--------T")]
    [InlineData(0x5A8, "rw-r-s---")]
    public void Permissions_are_shown_like_ls(int mode, string text)
    {
        Assert.Equal(text, SftpAttributes.FormatPermissions((uint)mode));
    }

    [Theory]
    [InlineData(0xA1FF, RemoteItemKind.SymbolicLink)]
    [InlineData(0x2190, RemoteItemKind.Other)]
    [InlineData(0xC1ED, RemoteItemKind.Other)]
    [InlineData(0x81A4, RemoteItemKind.File)]
    [InlineData(0x41ED, RemoteItemKind.Directory)]
    public void The_kind_comes_from_S_IFMT(int mode, RemoteItemKind kind)
    {
        Assert.Equal(kind, new SftpAttributes { Permissions = (uint)mode }.Kind);
    }

    [Theory]
    [InlineData("drwxr-xr-x    2 bob      users        4096 Mar  1 12:00 my dir", "bob", "users")]
    [InlineData("-rw-------    1 1001     1001            0 Mar  1 12:00 x", "1001", "1001")]
    [InlineData("some other format", null, null)]
    [InlineData("", null, null)]
    [InlineData("-rw-r--r-- 1", null, null)]
    [InlineData("-rw-r--r-- 1 alice staff", null, null)]
    [InlineData("-rw-r--r-- 1 alice staff \t ", null, null)]
    [InlineData("-rw-r--r--\t1\talice\tstaff\t5 Mar  1 12:00 x", "alice", "staff")]
    [InlineData("  lrwxrwxrwx 1 root root 7 Mar  1 12:00 bin -> usr/bin", "root", "root")]
    [InlineData("-rw-r--r 1 alice staff 5 Mar  1 12:00 x", null, null)]
    [InlineData("xrw-r--r-- 1 alice staff 5 Mar  1 12:00 x", null, null)]
    public void Owner_and_group_come_from_an_ls_style_long_name(string longName, string? owner, string? group)
    {
        var parsed = SftpMessages.ParseOwnerFromLongName(longName);

        Assert.Equal(owner, parsed?.Owner);
        Assert.Equal(group, parsed?.Group);
    }

    [Theory]
    [InlineData(2u, RemoteErrorKind.NotFound)]
    [InlineData(3u, RemoteErrorKind.PermissionDenied)]
    [InlineData(4u, RemoteErrorKind.Failure)]
    [InlineData(8u, RemoteErrorKind.Unsupported)]
    [InlineData(5u, RemoteErrorKind.Failure)]
    public void Status_codes_map_to_error_kinds(uint value, RemoteErrorKind kind)
    {
        var code = (SftpStatusCode)value;
        var error = SftpMessages.ToException(new SftpStatus(code, "server words", "en"), "SSH_FXP_OPEN of", "/p");

        Assert.Equal(kind, error.Kind);
        Assert.Equal((int)code, error.SftpStatus);
        Assert.Equal("/p", error.Path);
        Assert.Equal($"The SFTP server refused SSH_FXP_OPEN of /p ({code}): server words", error.Message);
    }

    [Fact]
    public void Limits_and_statvfs_replies_are_parsed_in_spec_order()
    {
        var limits = SftpMessages.ParseLimits(new SshWriter().WriteUInt64(262144).WriteUInt64(261120).WriteUInt64(261120).WriteUInt64(1019).ToArray());
        var statvfs = SftpMessages.ParseStatVfs(Enumerable.Range(1, 11).Aggregate(new SshWriter(), (w, i) => w.WriteUInt64((ulong)i)).ToArray());

        Assert.Equal((262144UL, 261120UL, 261120UL, 1019UL), (limits.MaxPacketLength, limits.MaxReadLength, limits.MaxWriteLength, limits.MaxOpenHandles));
        Assert.Equal(1UL, statvfs.BlockSize);
        Assert.Equal(2UL, statvfs.FragmentSize);
        Assert.Equal(5UL, statvfs.AvailableBlocks);
        Assert.Equal(10UL, statvfs.Flags);
        Assert.Equal(11UL, statvfs.MaxNameLength);
        Assert.Equal(10UL, statvfs.AvailableBytes);
        Assert.Throws<ProtocolViolationException>(() => SftpMessages.ParseLimits(new byte[31]));
    }

    [Fact]
    public void Times_outside_uint32_seconds_are_refused()
    {
        Assert.Equal(0u, SftpAttributes.ToUnixSeconds(new DateTime(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc)));
        Assert.Equal(uint.MaxValue, SftpAttributes.ToUnixSeconds(new DateTime(2106, 2, 7, 6, 28, 15, DateTimeKind.Utc)));
        Assert.Throws<ArgumentOutOfRangeException>(() => SftpAttributes.ToUnixSeconds(new DateTime(1969, 12, 31, 23, 59, 59, DateTimeKind.Utc)));
        Assert.Throws<ArgumentOutOfRangeException>(() => SftpAttributes.ToUnixSeconds(new DateTime(2106, 2, 7, 6, 28, 16, DateTimeKind.Utc)));
    }

    [Fact]
    public void Data_request_headers_are_laid_out_as_the_draft_says()
    {
        var handle = new byte[] { 0xAA, 0xBB };
        var header = new byte[SftpPacket.DataRequestHeaderLength(handle.Length)];

        SftpPacket.WriteDataRequestHeader(header, SftpPacketType.SSH_FXP_WRITE, handle, 9, 0x0102030405060708, 3, 3);

        var expected = new SshWriter().WriteUInt32((uint)(header.Length - 4 + 3)).WriteByte(6).WriteUInt32(9).WriteString(handle).WriteUInt64(0x0102030405060708).WriteUInt32(3).ToArray();
        Assert.Equal(expected, header);
    }
}
