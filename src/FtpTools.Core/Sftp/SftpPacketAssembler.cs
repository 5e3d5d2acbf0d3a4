using System;
using System.Buffers.Binary;

namespace FtpTools.Core.Sftp;

/// <summary>Where <see cref="SftpPacketAssembler"/> delivers packets.</summary>
internal interface ISftpPacketTarget
{
    /// <summary>A whole packet body (type first). The memory is the assembler's and valid only during the call.</summary>
    void OnPacket(ReadOnlyMemory<byte> body);

    /// <summary>
    /// An SSH_FXP_DATA of <paramref name="dataLength"/> bytes answers request <paramref name="id"/>. True: its data
    /// follows in <see cref="DataPiece"/> calls, then <see cref="DataEnd"/>; false: it comes whole to <see cref="OnPacket"/>.
    /// </summary>
    bool BeginData(uint id, int dataLength);

    /// <summary>The next bytes of the data begun; all pieces together are exactly the announced length.</summary>
    void DataPiece(ReadOnlySpan<byte> piece);

    /// <summary>The data begun is complete.</summary>
    void DataEnd();
}

/// <summary>
/// Cuts an SFTP byte stream (draft-ietf-secsh-filexfer-02 §3: uint32 length, then the body) into packets as its
/// bytes arrive, in pieces of any size. An SSH_FXP_DATA whose request takes its data as it comes (a read's slot) goes
/// into the request's buffer piece by piece, so the bulk of a download is copied once between the SSH packet and
/// the slot; any other packet is collected whole (at most the limit) and handed over at once. One thread at a time.
/// </summary>
internal sealed class SftpPacketAssembler
{
    /// <summary>Length, type, request id and data length: what routes an SSH_FXP_DATA.</summary>
    private const int DataHeaderLength = 13;

    private readonly ISftpPacketTarget _target;
    private readonly int _maxLength;
    private readonly byte[] _header = new byte[DataHeaderLength];
    private readonly byte[] _body;
    private State _state;
    private int _headerCount;
    private int _headerWanted = 4;
    private int _length;
    private int _bodyCount;
    private int _dataRemaining;

    public SftpPacketAssembler(ISftpPacketTarget target, int maxLength = SftpPacket.MaxIncomingLength)
    {
        _target = target;
        _maxLength = maxLength;
        _body = new byte[maxLength];
    }

    private enum State
    {
        Header,
        Body,
        Data,
    }

    /// <summary>Bytes of a packet received so far whose end has not come (0 between packets).</summary>
    public int PartialBytes => _state switch
    {
        State.Body => 4 + _bodyCount,
        State.Data => 4 + _length - _dataRemaining,
        _ => _headerCount,
    };

    /// <summary>Takes the next bytes of the stream. Throws <see cref="Errors.ProtocolViolationException"/> for a packet beyond the limit or too short.</summary>
    public void Feed(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            int take;
            switch (_state)
            {
                case State.Header:
                    take = Math.Min(_headerWanted - _headerCount, data.Length);
                    data.Slice(0, take).CopyTo(_header.AsSpan(_headerCount));
                    _headerCount += take;
                    data = data.Slice(take);
                    if (_headerCount == 4 && _headerWanted == 4)
                    {
                        _length = SftpPacket.CheckLength(BinaryPrimitives.ReadUInt32BigEndian(_header), _maxLength);
                        _headerWanted = 4 + Math.Min(_length, DataHeaderLength - 4);
                    }

                    if (_headerCount == _headerWanted)
                    {
                        StartBody();
                    }

                    break;

                case State.Body:
                    take = Math.Min(_length - _bodyCount, data.Length);
                    data.Slice(0, take).CopyTo(_body.AsSpan(_bodyCount));
                    _bodyCount += take;
                    data = data.Slice(take);
                    if (_bodyCount == _length)
                    {
                        EndBody();
                    }

                    break;

                default:
                    take = Math.Min(_dataRemaining, data.Length);
                    _dataRemaining -= take;
                    _target.DataPiece(data.Slice(0, take));
                    data = data.Slice(take);
                    if (_dataRemaining == 0)
                    {
                        Reset();
                        _target.DataEnd();
                    }

                    break;
            }
        }
    }

    private void StartBody()
    {
        if (_length >= DataHeaderLength - 4 && _header[4] == (byte)SftpPacketType.SSH_FXP_DATA)
        {
            var dataLength = BinaryPrimitives.ReadUInt32BigEndian(_header.AsSpan(9));
            if (dataLength == (uint)(_length - (DataHeaderLength - 4)) && _target.BeginData(BinaryPrimitives.ReadUInt32BigEndian(_header.AsSpan(5)), (int)dataLength))
            {
                _state = State.Data;
                _dataRemaining = (int)dataLength;
                if (_dataRemaining == 0)
                {
                    Reset();
                    _target.DataEnd();
                }

                return;
            }
        }

        _bodyCount = _headerCount - 4;
        _header.AsSpan(4, _bodyCount).CopyTo(_body);
        _state = State.Body;
        if (_bodyCount == _length)
        {
            EndBody();
        }
    }

    private void EndBody()
    {
        var length = _length;
        Reset();
        _target.OnPacket(new ReadOnlyMemory<byte>(_body, 0, length));
    }

    private void Reset()
    {
        _state = State.Header;
        _headerCount = 0;
        _headerWanted = 4;
        _bodyCount = 0;
        _dataRemaining = 0;
    }
}
