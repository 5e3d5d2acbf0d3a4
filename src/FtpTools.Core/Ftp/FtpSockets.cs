using System;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;
using FtpTools.Core.IO;

namespace FtpTools.Core.Ftp;

/// <summary>
/// Opening an FTP control connection by host name, directly or through the session's proxy (its data connections
/// connect with <see cref="TcpConnector"/> or <see cref="ProxyTunnel"/>).
/// </summary>
internal static class FtpSockets
{
    public static async Task<Socket> ConnectAsync(string host, int port, TimeSpan timeout, CancellationToken cancellationToken, ProxyOptions? proxy = null, Logging.IProtocolLog? log = null)
    {
        if (proxy is not null)
        {
            try
            {
                return await ProxyTunnel.ConnectAsync(proxy, host, port, timeout, cancellationToken, inline: true, log: log).ConfigureAwait(false);
            }
            catch (ConnectionLostException ex) when (ex is not ConnectFailedException)
            {
                // As without a proxy: the server (or the proxy) could not be reached, and nothing was sent to the server.
                throw new ConnectFailedException(ex.Message, ex);
            }
        }

        IPAddress[] addresses;
        if (IPAddress.TryParse(host, out var literal))
        {
            addresses = new[] { literal };
        }
        else
        {
            try
            {
                addresses = await Dns.GetHostAddressesAsync(host).ConfigureAwait(false);
            }
            catch (SocketException ex)
            {
                throw new ConnectFailedException($"The host name '{host}' could not be resolved: {ex.Message}", ex);
            }
        }

        Exception? last = null;
        foreach (var address in addresses)
        {
            try
            {
                // Connected without the runtime's event loop, which a near server's control connection then never joins.
                return await TcpConnector.ConnectAsync(new IPEndPoint(address, port), timeout, cancellationToken, inline: true).ConfigureAwait(false);
            }
            catch (ConnectionLostException ex)
            {
                last = ex;
            }
        }

        // Control connections only: what failed here is reaching the server at all, not a session that was lost.
        throw last is null
            ? new ConnectFailedException($"The host name '{host}' has no address.")
            : new ConnectFailedException(last.Message, last.InnerException);
    }
}
