using System.Net.Sockets;

namespace FtpTools.Core.IO;

/// <summary>
/// A connected socket that the runtime has never put in non-blocking mode, and must never: its owner reads and writes
/// it only with synchronous calls. On Unix one asynchronous call would register the socket with the runtime's event
/// loop, and from then on every batch of incoming data costs a wake-up of the event thread and a thread-pool work
/// item, whether anyone reads asynchronously or not (see <see cref="ShortPoll"/>). The SSH transport reads such a
/// socket on a thread of its own (<see cref="Ssh.Transport.SshTransport"/>).
/// </summary>
internal sealed class BlockingSocketStream : NetworkStream
{
    public BlockingSocketStream(Socket socket)
        : base(socket, ownsSocket: true)
    {
    }

    /// <summary>The socket, for poll(2) and socket options.</summary>
    public Socket BlockingSocket => Socket;
}
