using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace FtpTools.Core.Ftp;

/// <summary>Commands sent as the user wrote them (<see cref="RemoteCommand"/>).</summary>
internal sealed partial class FtpSession : IRawCommandSession
{
    public Task<RemoteCommandReply> SendRawCommandAsync(string command, CancellationToken cancellationToken) =>
        RunAsync(
            async ct =>
            {
                // Relative paths in the command are the server's to resolve: against CurrentDirectory, as every
                // cmdlet's, even after a listing left the server in another directory.
                await ReturnToWorkingDirectoryAsync(ct).ConfigureAwait(false);
                var reply = await CommandAsync(command.Trim(), ct).ConfigureAwait(false);
                var lines = new List<string>(reply.Lines);

                // A preliminary reply (1yz) is followed by the final one (RFC 959 §4.2): read too, so that the next
                // command's reply is its own; a server that never sends one loses the session, as after a transfer.
                if (reply.Code.IsPositivePreliminary())
                {
                    reply = await ReadTransferReplyAsync(ct).ConfigureAwait(false);
                    lines.AddRange(reply.Lines);
                }

                if (reply.Code.IsNegative())
                {
                    throw FtpErrors.Refused(reply, command.Trim(), null, targetMustExist: false);
                }

                return new RemoteCommandReply(command, (int)reply.Code, reply.Message, lines);
            },
            cancellationToken);
}
