using System;
using System.Globalization;
using System.Net;
using System.Text;

namespace FtpTools.Core;

/// <summary>The kinds of proxy a session can go through.</summary>
public enum ProxyKind
{
    /// <summary>SOCKS version 5 (RFC 1928), with no authentication or a user name and password (RFC 1929).</summary>
    Socks5,

    /// <summary>An HTTP proxy's CONNECT tunnel (RFC 9110 §9.3.6), with Basic authentication when credentials are given.</summary>
    Http,
}

/// <summary>
/// A proxy between this machine and the server: every TCP connection of the session (FTP's control and passive data
/// connections, SSH's) is opened through it, and the proxy resolves the server's name. Active-mode FTP cannot go
/// through one (the server would connect back to this machine directly).
/// </summary>
public sealed class ProxyOptions
{
    /// <summary>Default port of a SOCKS proxy (RFC 1928 §3).</summary>
    public const int DefaultSocksPort = 1080;

    /// <summary>Default port of an HTTP proxy when its URI names none.</summary>
    public const int DefaultHttpPort = 8080;

    public ProxyKind Kind { get; init; } = ProxyKind.Socks5;

    public string Host { get; init; } = "";

    /// <summary>0 means the kind's default port.</summary>
    public int Port { get; init; }

    /// <summary>The proxy's own login; null offers none. SOCKS5 sends it only when the proxy asks for it.</summary>
    public NetworkCredential? Credential { get; init; }

    public int EffectivePort => Port != 0 ? Port : Kind == ProxyKind.Http ? DefaultHttpPort : DefaultSocksPort;

    /// <summary>"socks5://host:port" or "http://host:port", without credentials: for logs, errors and the session object.</summary>
    public override string ToString()
    {
        var host = Host.IndexOf(':') >= 0 ? "[" + Host + "]" : Host;
        return (Kind == ProxyKind.Http ? "http" : "socks5") + "://" + host + ":" + EffectivePort.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Reads a proxy URI: socks5://host[:port] (socks5h:// and socks:// mean the same: the proxy resolves the server's
    /// name) or http://host[:port]. Credentials go in <paramref name="credential"/>, never in the URI.
    /// </summary>
    public static ProxyOptions Parse(string uri, NetworkCredential? credential = null)
    {
        if (TryParse(uri, credential, out var result, out var error))
        {
            return result!;
        }

        throw new FormatException(error);
    }

    public static bool TryParse(string? uri, NetworkCredential? credential, out ProxyOptions? result, out string? error)
    {
        result = null;
        error = Validate(uri, credential, ref result);
        return error is null;
    }

    /// <summary>Why a SOCKS5 proxy cannot be sent this login (RFC 1929 §2: one length byte each), or null.</summary>
    internal static string? CheckSocksLogin(NetworkCredential credential)
    {
        if (Encoding.UTF8.GetByteCount(credential.UserName ?? "") is 0 or > 255)
        {
            return "A SOCKS5 proxy's user name must be 1 to 255 bytes in UTF-8.";
        }

        if (Encoding.UTF8.GetByteCount(credential.Password ?? "") is 0 or > 255)
        {
            return "A SOCKS5 proxy's password must be 1 to 255 bytes in UTF-8.";
        }

        return null;
    }

    private static string? Validate(string? uri, NetworkCredential? credential, ref ProxyOptions? result)
    {
        if (string.IsNullOrWhiteSpace(uri))
        {
            return "The proxy URI is empty.";
        }

        var text = uri!.Trim();
        if (text.IndexOf('@') >= 0)
        {
            // Checked first, so that no message below repeats a password: as with the server's URI, a password there
            // leaks into history and logs.
            return "The proxy URI contains a user name or password. Pass the proxy's credentials with -ProxyCredential instead.";
        }

        var schemeEnd = text.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd <= 0)
        {
            return $"'{text}' is not a proxy URI of the form socks5://host:port or http://host:port.";
        }

        ProxyKind kind;
        switch (text.Substring(0, schemeEnd).ToLowerInvariant())
        {
            case "socks5":
            case "socks5h":
            case "socks":
                kind = ProxyKind.Socks5;
                break;
            case "http":
                kind = ProxyKind.Http;
                break;
            default:
                return $"The proxy scheme '{text.Substring(0, schemeEnd)}' is not supported; use socks5://host:port or http://host:port (an HTTP proxy's CONNECT).";
        }

        var authority = text.Substring(schemeEnd + 3).TrimEnd('/');
        if (authority.IndexOfAny(new[] { '/', '?', '#' }) >= 0)
        {
            return $"The proxy URI '{text}' has a path, query or fragment; give only scheme, host and port.";
        }

        var hostError = ConnectionUri.SplitHostPort(authority, out var host, out var port);
        if (hostError is not null)
        {
            return hostError.Replace("The URI", "The proxy URI").Replace("sftp://[::1]:22", "socks5://[::1]:1080");
        }

        if (credential is not null && kind == ProxyKind.Socks5 && CheckSocksLogin(credential) is { } loginError)
        {
            return loginError;
        }

        result = new ProxyOptions { Kind = kind, Host = host, Port = port, Credential = credential };
        return null;
    }
}
