using System;
using System.Collections.Generic;
using System.Linq;
using FtpTools.Core.Errors;
using FtpTools.Core.Sftp;
using FtpTools.Core.Ssh;
using Xunit;

namespace FtpTools.Core.Tests.Sftp;

/// <summary>
/// The reader's framing: packets cut from bytes that arrive in pieces of any size, and a read's SSH_FXP_DATA handed
/// over as it comes instead of collected whole.
/// </summary>
public class SftpPacketAssemblerTests
{
    private static readonly byte[] Payload = Enumerable.Range(0, 70_000).Select(i => (byte)(i * 31 + (i >> 8))).ToArray();

    private static byte[] Packet(SftpPacketType type, uint id, Action<SshWriter>? body = null)
    {
        var writer = new SshWriter();
        SftpPacket.Begin(writer, type, id);
        body?.Invoke(writer);
        SftpPacket.End(writer);
        return writer.ToArray();
    }

    /// <summary>A stream mixing every shape: whole packets, streamed data, data its request does not stream, empty data, a bare 5-byte body.</summary>
    private static (byte[] Stream, string[] Expected) Mixed()
    {
        var packets = new[]
        {
            Packet(SftpPacketType.SSH_FXP_HANDLE, 1, w => w.WriteString("abc")),
            Packet(SftpPacketType.SSH_FXP_DATA, 2, w => w.WriteString(Payload)),
            Packet(SftpPacketType.SSH_FXP_DATA, 3, w => w.WriteString(Payload.AsSpan(0, 100).ToArray())),
            Packet(SftpPacketType.SSH_FXP_DATA, 4, w => w.WriteString(Array.Empty<byte>())),
            new byte[] { 0, 0, 0, 5, (byte)SftpPacketType.SSH_FXP_VERSION, 0, 0, 0, 3 },
            Packet(SftpPacketType.SSH_FXP_STATUS, 5, w => w.WriteUInt32(1).WriteString("end").WriteString("")),
            Packet(SftpPacketType.SSH_FXP_DATA, 6, w => w.WriteString(Payload.AsSpan(5, 40_000).ToArray())),
        };
        var expected = new[]
        {
            "packet " + Hex(packets[0].AsSpan(4)),
            "data 2 " + Hex(Payload),
            "packet " + Hex(packets[2].AsSpan(4)),
            "data 4 ",
            "packet " + Hex(packets[4].AsSpan(4)),
            "packet " + Hex(packets[5].AsSpan(4)),
            "data 6 " + Hex(Payload.AsSpan(5, 40_000)),
        };
        return (packets.SelectMany(p => p).ToArray(), expected);
    }

    private static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes);

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(13)]
    [InlineData(4096)]
    [InlineData(32_768)]
    [InlineData(int.MaxValue)]
    public void Bytes_in_pieces_of_any_size_give_the_same_packets_and_data(int pieceLength)
    {
        var (stream, expected) = Mixed();
        var target = new Recorder(streams: id => id != 3);
        var assembler = new SftpPacketAssembler(target);

        for (var at = 0; at < stream.Length; at += pieceLength)
        {
            assembler.Feed(stream.AsSpan(at, Math.Min(pieceLength, stream.Length - at)));
        }

        Assert.Equal(expected, target.Events);
        Assert.Equal(0, assembler.PartialBytes);
    }

    [Fact]
    public void Data_is_handed_over_as_it_arrives_not_when_the_packet_is_whole()
    {
        var packet = Packet(SftpPacketType.SSH_FXP_DATA, 9, w => w.WriteString(Payload));
        var target = new Recorder(streams: _ => true);
        var assembler = new SftpPacketAssembler(target);

        assembler.Feed(packet.AsSpan(0, 13 + 1000));

        Assert.Equal(1000, target.DataSoFar);
        Assert.Equal(13 + 1000, assembler.PartialBytes);
        Assert.Empty(target.Events);

        assembler.Feed(packet.AsSpan(13 + 1000));

        Assert.Equal(new[] { "data 9 " + Hex(Payload) }, target.Events);
    }

    [Fact]
    public void Data_whose_length_disagrees_with_its_packet_comes_whole_for_the_request_to_judge()
    {
        // A packet 4 bytes longer than its data string: not streamed, so the request's own parser sees exactly what came.
        var packet = Packet(SftpPacketType.SSH_FXP_DATA, 7, w => w.WriteString(new byte[] { 1, 2, 3 }).WriteUInt32(0xFFFFFFFF));
        var target = new Recorder(streams: _ => true);
        var assembler = new SftpPacketAssembler(target);

        assembler.Feed(packet);

        Assert.Equal(new[] { "packet " + Hex(packet.AsSpan(4)) }, target.Events);
    }

    [Fact]
    public void A_partial_packet_is_counted_in_every_state()
    {
        var status = Packet(SftpPacketType.SSH_FXP_STATUS, 1, w => w.WriteUInt32(0).WriteString("ok").WriteString(""));
        var data = Packet(SftpPacketType.SSH_FXP_DATA, 2, w => w.WriteString(new byte[50]));
        var assembler = new SftpPacketAssembler(new Recorder(streams: _ => true));

        assembler.Feed(status.AsSpan(0, 2));
        Assert.Equal(2, assembler.PartialBytes);
        assembler.Feed(status.AsSpan(2, 14));
        Assert.Equal(16, assembler.PartialBytes);
        assembler.Feed(status.AsSpan(16));
        Assert.Equal(0, assembler.PartialBytes);
        assembler.Feed(data.AsSpan(0, 20));
        Assert.Equal(20, assembler.PartialBytes);
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(4u)]
    [InlineData((uint)SftpPacket.MaxIncomingLength + 1)]
    [InlineData(uint.MaxValue)]
    public void A_length_outside_the_bounds_is_refused_from_the_prefix_alone(uint length)
    {
        var prefix = new byte[] { (byte)(length >> 24), (byte)(length >> 16), (byte)(length >> 8), (byte)length };
        var assembler = new SftpPacketAssembler(new Recorder(streams: _ => true));

        var error = Assert.Throws<ProtocolViolationException>(() => assembler.Feed(prefix));

        Assert.Contains(length.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message, StringComparison.Ordinal);
    }

    private sealed class Recorder : ISftpPacketTarget
    {
        private readonly Func<uint, bool> _streams;
        private readonly List<byte> _data = new();
        private uint? _dataId;

        public Recorder(Func<uint, bool> streams) => _streams = streams;

        public List<string> Events { get; } = new();

        public int DataSoFar => _data.Count;

        public void OnPacket(ReadOnlyMemory<byte> body)
        {
            Assert.Null(_dataId);
            Events.Add("packet " + Hex(body.Span));
        }

        public bool BeginData(uint id, int dataLength)
        {
            Assert.Null(_dataId);
            if (!_streams(id))
            {
                return false;
            }

            _dataId = id;
            _data.Clear();
            return true;
        }

        public void DataPiece(ReadOnlySpan<byte> piece)
        {
            Assert.NotNull(_dataId);
            Assert.False(piece.IsEmpty);
            _data.AddRange(piece.ToArray());
        }

        public void DataEnd()
        {
            Events.Add($"data {_dataId} " + Hex(_data.ToArray()));
            _dataId = null;
        }
    }
}
