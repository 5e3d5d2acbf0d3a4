using System;
using System.Globalization;

namespace FtpTools.Core;

/// <summary>
/// A connection URI as users type it: <c>scheme://[user@]host[:port][/path]</c> with scheme ftp, ftpes
/// (explicit TLS), ftps (implicit TLS) or sftp. The authority follows RFC 3986 §3.2 (IPv6 literals in
/// brackets, percent-encoded user names); the path is the start directory. A path starting with "/~/"
/// (draft-ietf-secsh-scp-sftp-ssh-uri §3.3 convention) or "/~" is relative to the login directory.
/// A password in the URI is refused: it would end up in shell history and logs; use a credential.
/// Parsing only; no name resolution or I/O.
/// </summary>
public sealed class ConnectionUri
{
    private ConnectionUri(RemoteProtocol protocol, string host, int port, string? userName, string? startPath)
    {
        Protocol = protocol;
        Host = host;
        Port = port;
        UserName = userName;
        StartPath = startPath;
    }

    public RemoteProtocol Protocol { get; }

    /// <summary>Host name or address; IPv6 literals without their brackets.</summary>
    public string Host { get; }

    /// <summary>0 when the URI names no port (the protocol's default applies).</summary>
    public int Port { get; }

    /// <summary>Percent-decoded user name, or null when the URI has none.</summary>
    public string? UserName { get; }

    /// <summary>Start directory: absolute ("/pub"), relative to the login directory ("in/new"), or null for none.</summary>
    public string? StartPath { get; }

    public static ConnectionUri Parse(string uri)
    {
        if (TryParse(uri, out var result, out var error))
        {
            return result!;
        }

        throw new FormatException(error);
    }

    public static bool TryParse(string? uri, out ConnectionUri? result, out string? error)
    {
        result = null;
        error = Validate(uri, ref result);
        return error is null;
    }

    /// <summary>Copies the URI's parts into connection options; other settings come from <paramref name="template"/>.</summary>
    public ConnectionOptions ApplyTo(ConnectionOptions template)
    {
        if (template is null)
        {
            throw new ArgumentNullException(nameof(template));
        }

        return new ConnectionOptions
        {
            Protocol = Protocol,
            Host = Host,
            Port = Port,
            Credential = template.Credential,
            StartPath = StartPath ?? template.StartPath,
            ConnectTimeout = template.ConnectTimeout,
            OperationTimeout = template.OperationTimeout,
            KeepAliveInterval = template.KeepAliveInterval,
            Ftp = template.Ftp,
            Tls = template.Tls,
            Ssh = template.Ssh,
            Proxy = template.Proxy,
            Log = template.Log,
        };
    }

    public override string ToString()
    {
        var scheme = Protocol.ToString().ToLowerInvariant();
        var user = UserName is null ? "" : Uri.EscapeDataString(UserName) + "@";
        var host = Host.IndexOf(':') >= 0 ? "[" + Host + "]" : Host;
        var port = Port == 0 ? "" : ":" + Port.ToString(CultureInfo.InvariantCulture);
        var path = StartPath is null ? "" : StartPath[0] == '/' ? EscapePath(StartPath) : "/~/" + EscapePath(StartPath);
        return scheme + "://" + user + host + port + path;
    }

    private static string EscapePath(string path) => string.Join("/", Array.ConvertAll(path.Split('/'), Uri.EscapeDataString));

    private static string? Validate(string? uri, ref ConnectionUri? result)
    {
        if (string.IsNullOrWhiteSpace(uri))
        {
            return "The URI is empty.";
        }

        var text = uri!.Trim();
        var schemeEnd = text.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd <= 0)
        {
            // Not echoed when it may hold a password: without "://" there is no telling where one would end.
            return $"{(text.IndexOf('@') >= 0 ? "The URI" : $"'{text}'")} is not a URI of the form ftp://host, ftpes://host, ftps://host or sftp://host.";
        }

        var scheme = text.Substring(0, schemeEnd);
        var protocol = RemoteProtocolInfo.FromScheme(scheme);
        if (protocol is null)
        {
            return $"The URI scheme '{scheme}' is not supported; use ftp, ftpes (explicit TLS), ftps (implicit TLS) or sftp.";
        }

        var rest = text.Substring(schemeEnd + 3);
        if (rest.IndexOfAny(QueryOrFragment) >= 0)
        {
            return "Connection URIs take no query or fragment ('?' or '#'); pass options as parameters.";
        }

        var pathStart = rest.IndexOf('/');
        var authority = pathStart < 0 ? rest : rest.Substring(0, pathStart);
        var rawPath = pathStart < 0 ? "" : rest.Substring(pathStart);

        string? userName = null;
        var at = authority.LastIndexOf('@');
        if (at >= 0)
        {
            var userInfo = authority.Substring(0, at);
            authority = authority.Substring(at + 1);
            if (userInfo.IndexOf(':') >= 0)
            {
                // RFC 3986 §3.2.1: "user:password" in a URI is deprecated; a password there leaks into history and logs.
                return "The URI contains a password. Pass credentials with -Credential instead of in the URI.";
            }

            if (userInfo.Length == 0)
            {
                return "The URI has an '@' but no user name before it.";
            }

            userName = Decode(userInfo);
            if (userName is null)
            {
                return $"The user name '{userInfo}' has an invalid percent-encoding.";
            }
        }

        var hostError = SplitHostPort(authority, out var host, out var port);
        if (hostError is not null)
        {
            return hostError;
        }

        var startPath = MapPath(rawPath, out var pathError);
        if (pathError is not null)
        {
            return pathError;
        }

        result = new ConnectionUri(protocol.Value, host, port, userName, startPath);
        return null;
    }

    internal static string? SplitHostPort(string authority, out string host, out int port)
    {
        host = "";
        port = 0;
        string? portText = null;
        if (authority.StartsWith("[", StringComparison.Ordinal))
        {
            // RFC 3986 §3.2.2: IP-literal = "[" IPv6address "]".
            var close = authority.IndexOf(']');
            if (close < 0)
            {
                return $"The IPv6 address in '{authority}' has no closing ']'.";
            }

            host = authority.Substring(1, close - 1);
            var after = authority.Substring(close + 1);
            if (after.Length > 0)
            {
                if (after[0] != ':')
                {
                    return $"Unexpected text after the IPv6 address in '{authority}'.";
                }

                portText = after.Substring(1);
            }

            if (!System.Net.IPAddress.TryParse(host, out var address) || address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
            {
                return $"'{host}' is not a valid IPv6 address.";
            }
        }
        else
        {
            var colon = authority.IndexOf(':');
            if (colon >= 0)
            {
                if (authority.IndexOf(':', colon + 1) >= 0)
                {
                    return $"'{authority}' looks like an IPv6 address; write it in brackets, e.g. sftp://[::1]:22.";
                }

                portText = authority.Substring(colon + 1);
                host = authority.Substring(0, colon);
            }
            else
            {
                host = authority;
            }

            var decoded = Decode(host);
            if (decoded is null)
            {
                return $"The host name '{host}' has an invalid percent-encoding.";
            }

            host = decoded;
            if (host.IndexOfAny(InvalidHostChars) >= 0)
            {
                return $"'{host}' is not a valid host name.";
            }
        }

        if (host.Length == 0)
        {
            return "The URI names no host.";
        }

        if (portText is not null)
        {
            // RFC 3986 §3.2.3: port = *DIGIT; an empty port means the default.
            if (portText.Length == 0)
            {
                return null;
            }

            if (portText.Length > 5
                || !int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port)
                || port < 1
                || port > 65535)
            {
                port = 0;
                return $"'{portText}' is not a valid port; use a number from 1 to 65535.";
            }
        }

        return null;
    }

    private static string? MapPath(string rawPath, out string? error)
    {
        error = null;
        if (rawPath.Length == 0 || rawPath == "/")
        {
            return null;
        }

        var path = Decode(rawPath);
        if (path is null)
        {
            error = $"The path '{rawPath}' has an invalid percent-encoding.";
            return null;
        }

        if (path.IndexOf('\0') >= 0)
        {
            error = "The path contains a NUL character.";
            return null;
        }

        if (path == "/~" || path == "/~/")
        {
            return null;
        }

        if (path.StartsWith("/~/", StringComparison.Ordinal))
        {
            var relative = path.Substring(3).TrimEnd('/');
            return relative.Length == 0 ? null : relative;
        }

        return path.Length > 1 ? path.TrimEnd('/') : path;
    }

    private static string? Decode(string text)
    {
        // Uri.UnescapeDataString leaves malformed escapes in place; refuse them instead of guessing.
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '%' && (i + 2 >= text.Length || !IsHex(text[i + 1]) || !IsHex(text[i + 2])))
            {
                return null;
            }
        }

        return Uri.UnescapeDataString(text);
    }

    private static bool IsHex(char c) => (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');

    private static readonly char[] QueryOrFragment = { '?', '#' };

    /// <summary>
    /// <paramref name="uri"/> with the password of a "user:password@" (refused, but typed all the same) replaced by
    /// ***, for error records and messages; anything else as it is.
    /// </summary>
    public static string Redact(string uri)
    {
        if (uri is null)
        {
            throw new ArgumentNullException(nameof(uri));
        }

        // The user information ends at the last '@' before the host, which has no '@' of its own; a password may hold
        // '/' too, so the last '@' of the whole text is taken when it comes before any '?' or '#'.
        var schemeEnd = uri.IndexOf("://", StringComparison.Ordinal);
        var start = schemeEnd < 0 ? 0 : schemeEnd + 3;
        var query = uri.IndexOfAny(new[] { '?', '#' }, start);
        var end = query < 0 ? uri.Length : query;
        var at = end > start ? uri.LastIndexOf('@', end - 1, end - start) : -1;
        var colon = at < 0 ? -1 : uri.IndexOf(':', start, at - start);
        return colon < 0 ? uri : uri.Substring(0, colon + 1) + "***" + uri.Substring(at);
    }

    private static readonly char[] InvalidHostChars = { ' ', '/', '\\', '@', '[', ']', '\0', '\t' };
}
