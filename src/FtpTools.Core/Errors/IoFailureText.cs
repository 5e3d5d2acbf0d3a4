using System;
using System.IO;
using System.Security.Authentication;

namespace FtpTools.Core.Errors;

/// <summary>What an I/O failure says, in the words of the layer that saw it.</summary>
internal static class IoFailureText
{
    /// <summary>
    /// The message of <paramref name="ex"/>, or of the failure it wraps: a TLS stream reports a broken connection as
    /// "The read operation failed, see inner exception." around what happened, the socket stream's own failure
    /// ("Unable to read data from the transport connection: Connection reset by peer.") or its own (a record cut off
    /// when the peer went away: "Cannot determine the frame size or a corrupted frame was received."), and only that
    /// tells a user anything.
    /// </summary>
    public static string Of(Exception ex)
    {
        while (ex is IOException && ex.InnerException is IOException inner)
        {
            ex = inner;
        }

        return ex is IOException && ex.InnerException is AuthenticationException tls
            ? "The TLS connection broke: " + tls.Message
            : ex.Message;
    }
}
