using System;

namespace FtpTools.Core.Ssh.Channels;

/// <summary>
/// Takes a channel's data as it arrives, in place of the channel's ring buffer and its reader (the SFTP channel,
/// which cuts packets and hands each answer to its request). Called on the connection's receive loop, one call at a
/// time and in order: the data is consumed on the spot, so its window is re-opened at once, and the sink bounds its
/// own memory. Neither method may block.
/// </summary>
internal interface ISshChannelSink
{
    /// <summary>One SSH_MSG_CHANNEL_DATA's payload; the memory is the transport's and valid only during the call.</summary>
    void OnData(ReadOnlySpan<byte> data);

    /// <summary>
    /// No more data will come: called once, with null after the server's EOF or CLOSE or our own release of the
    /// channel, or with what broke the connection.
    /// </summary>
    void OnEnd(Exception? failure);
}
