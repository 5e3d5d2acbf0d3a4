using System;
using System.IO;
using System.Net.Sockets;
using System.Security.Authentication;
using FtpTools.Core.Errors;
using Xunit;

namespace FtpTools.Core.Tests;

public sealed class IoFailureTextTests
{
    [Fact]
    public void A_TLS_streams_wrapper_gives_way_to_the_socket_streams_failure_it_wraps()
    {
        var socket = new IOException("Unable to read data from the transport connection: Connection reset by peer.", new SocketException((int)SocketError.ConnectionReset));
        var tls = new IOException("The read operation failed, see inner exception.", socket);

        Assert.Equal("Unable to read data from the transport connection: Connection reset by peer.", IoFailureText.Of(tls));
    }

    [Fact]
    public void A_record_cut_off_is_said_to_be_the_TLS_connection_breaking()
    {
        var tls = new IOException("The read operation failed, see inner exception.", new AuthenticationException("Cannot determine the frame size or a corrupted frame was received."));

        Assert.Equal("The TLS connection broke: Cannot determine the frame size or a corrupted frame was received.", IoFailureText.Of(tls));
    }

    [Fact]
    public void Any_other_failure_keeps_its_own_words()
    {
        Assert.Equal("Broken pipe", IoFailureText.Of(new IOException("Broken pipe", new SocketException((int)SocketError.Shutdown))));
        Assert.Equal("closed", IoFailureText.Of(new ObjectDisposedException(null, "closed")));
    }
}
