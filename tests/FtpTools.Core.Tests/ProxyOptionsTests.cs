using System;
using System.Net;
using Xunit;

namespace FtpTools.Core.Tests;

public class ProxyOptionsTests
{
    [Theory]
    [InlineData("socks5://h:1", ProxyKind.Socks5, "h", 1, 1)]
    [InlineData("socks5h://proxy.example:1081", ProxyKind.Socks5, "proxy.example", 1081, 1081)]
    [InlineData("socks://proxy.example", ProxyKind.Socks5, "proxy.example", 0, 1080)]
    [InlineData("SOCKS5://Proxy.Example:9050", ProxyKind.Socks5, "Proxy.Example", 9050, 9050)]
    [InlineData("socks5://h", ProxyKind.Socks5, "h", 0, 1080)]
    [InlineData("http://h", ProxyKind.Http, "h", 0, 8080)]
    [InlineData("HTTP://h:3128", ProxyKind.Http, "h", 3128, 3128)]
    [InlineData("http://h:3128/", ProxyKind.Http, "h", 3128, 3128)]
    [InlineData("socks5://h/", ProxyKind.Socks5, "h", 0, 1080)]
    [InlineData("http://h:", ProxyKind.Http, "h", 0, 8080)]
    [InlineData("socks5://[::1]:1080", ProxyKind.Socks5, "::1", 1080, 1080)]
    [InlineData("http://[2001:db8::7]/", ProxyKind.Http, "2001:db8::7", 0, 8080)]
    [InlineData("  socks5://10.0.0.1:1080  ", ProxyKind.Socks5, "10.0.0.1", 1080, 1080)]
    public void Parses_scheme_host_and_port(string text, ProxyKind kind, string host, int port, int effectivePort)
    {
        var proxy = ProxyOptions.Parse(text);

        Assert.Equal(kind, proxy.Kind);
        Assert.Equal(host, proxy.Host);
        Assert.Equal(port, proxy.Port);
        Assert.Equal(effectivePort, proxy.EffectivePort);
        Assert.Null(proxy.Credential);

        Assert.True(ProxyOptions.TryParse(text, null, out var parsed, out var error));
        Assert.Null(error);
        Assert.Equal((kind, host, port), (parsed!.Kind, parsed.Host, parsed.Port));
    }

    [Theory]
    [InlineData("", "The proxy URI is empty.")]
    [InlineData("   ", "The proxy URI is empty.")]
    [InlineData("proxy.example:1080", "'proxy.example:1080' is not a proxy URI of the form socks5://host:port or http://host:port.")]
    [InlineData("://proxy.example", "'://proxy.example' is not a proxy URI of the form socks5://host:port or http://host:port.")]
    [InlineData("https://proxy.example", "The proxy scheme 'https' is not supported; use socks5://host:port or http://host:port (an HTTP proxy's CONNECT).")]
    [InlineData("socks4://proxy.example", "The proxy scheme 'socks4' is not supported; use socks5://host:port or http://host:port (an HTTP proxy's CONNECT).")]
    [InlineData("http://bob:secret@proxy.example:3128", "The proxy URI contains a user name or password. Pass the proxy's credentials with -ProxyCredential instead.")]
    [InlineData("socks5://bob@proxy.example", "The proxy URI contains a user name or password. Pass the proxy's credentials with -ProxyCredential instead.")]
    [InlineData("http://bob:secret@proxy.example:3128/path", "The proxy URI contains a user name or password. Pass the proxy's credentials with -ProxyCredential instead.")]
    [InlineData("bob:secret@proxy.example:1080", "The proxy URI contains a user name or password. Pass the proxy's credentials with -ProxyCredential instead.")]
    [InlineData("socks4://bob:secret@proxy.example", "The proxy URI contains a user name or password. Pass the proxy's credentials with -ProxyCredential instead.")]
    [InlineData("http://proxy.example:3128/path", "The proxy URI 'http://proxy.example:3128/path' has a path, query or fragment; give only scheme, host and port.")]
    [InlineData("http://proxy.example?x=1", "The proxy URI 'http://proxy.example?x=1' has a path, query or fragment; give only scheme, host and port.")]
    [InlineData("socks5://proxy.example#f", "The proxy URI 'socks5://proxy.example#f' has a path, query or fragment; give only scheme, host and port.")]
    [InlineData("socks5://h:0", "'0' is not a valid port; use a number from 1 to 65535.")]
    [InlineData("socks5://h:65536", "'65536' is not a valid port; use a number from 1 to 65535.")]
    [InlineData("http://h:80x", "'80x' is not a valid port; use a number from 1 to 65535.")]
    [InlineData("http://h:-1", "'-1' is not a valid port; use a number from 1 to 65535.")]
    [InlineData("socks5://", "The proxy URI names no host.")]
    [InlineData("socks5://:1080", "The proxy URI names no host.")]
    [InlineData("socks5://[::1:1080", "The IPv6 address in '[::1:1080' has no closing ']'.")]
    [InlineData("socks5://[proxy]:1080", "'proxy' is not a valid IPv6 address.")]
    [InlineData("http://bad%20host:3128", "'bad host' is not a valid host name.")]
    public void Refuses_malformed_proxy_uris_with_a_message_that_says_why(string text, string message)
    {
        Assert.False(ProxyOptions.TryParse(text, null, out var result, out var error));
        Assert.Null(result);
        Assert.Equal(message, error);

        var thrown = Assert.Throws<FormatException>(() => ProxyOptions.Parse(text));
        Assert.Equal(message, thrown.Message);
    }

    [Fact]
    public void A_null_uri_is_an_empty_one()
    {
        Assert.False(ProxyOptions.TryParse(null, null, out var result, out var error));
        Assert.Null(result);
        Assert.Equal("The proxy URI is empty.", error);
    }

    [Theory]
    [InlineData("socks5://::1:1080")]
    [InlineData("http://2001:db8::7")]
    public void An_IPv6_address_without_brackets_is_refused(string text)
    {
        var thrown = Assert.Throws<FormatException>(() => ProxyOptions.Parse(text));

        var authority = text.Substring(text.IndexOf("://", StringComparison.Ordinal) + 3);
        Assert.StartsWith($"'{authority}' looks like an IPv6 address; write it in brackets", thrown.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(255, 7, null)]
    [InlineData(256, 7, "A SOCKS5 proxy's user name must be 1 to 255 bytes in UTF-8.")]
    [InlineData(0, 7, "A SOCKS5 proxy's user name must be 1 to 255 bytes in UTF-8.")]
    [InlineData(5, 255, null)]
    [InlineData(5, 256, "A SOCKS5 proxy's password must be 1 to 255 bytes in UTF-8.")]
    [InlineData(5, 0, "A SOCKS5 proxy's password must be 1 to 255 bytes in UTF-8.")]
    public void A_SOCKS5_login_is_limited_to_255_bytes_each_as_RFC_1929_says(int userBytes, int passwordBytes, string? message)
    {
        var credential = new NetworkCredential(new string('u', userBytes), new string('p', passwordBytes));

        Assert.Equal(message is null, ProxyOptions.TryParse("socks5://h", credential, out var result, out var error));
        Assert.Equal(message, error);
        if (message is null)
        {
            Assert.Same(credential, result!.Credential);
        }
        else
        {
            Assert.Equal(message, Assert.Throws<FormatException>(() => ProxyOptions.Parse("socks5://h", credential)).Message);
        }

        // An HTTP proxy's Basic login has no such limit.
        Assert.Same(credential, ProxyOptions.Parse("http://h", credential).Credential);
    }

    [Fact]
    public void The_SOCKS5_limit_counts_UTF8_bytes_not_characters()
    {
        // 128 characters of two bytes each.
        var user = new string('\u00e9', 128);
        var error = Assert.Throws<FormatException>(() => ProxyOptions.Parse("socks5://h", new NetworkCredential(user, "pw")));
        Assert.Equal("A SOCKS5 proxy's user name must be 1 to 255 bytes in UTF-8.", error.Message);

        var password = new string('\u00e9', 127) + "x";
        Assert.Equal(password, ProxyOptions.Parse("socks5://h", new NetworkCredential("u", password)).Credential!.Password);
        Assert.Equal(
            "A SOCKS5 proxy's password must be 1 to 255 bytes in UTF-8.",
            Assert.Throws<FormatException>(() => ProxyOptions.Parse("socks5://h", new NetworkCredential("u", password + "x"))).Message);
    }

    [Theory]
    [InlineData("socks5://proxy.example:1081", "socks5://proxy.example:1081")]
    [InlineData("socks5h://proxy.example", "socks5://proxy.example:1080")]
    [InlineData("socks://[::1]", "socks5://[::1]:1080")]
    [InlineData("http://proxy.example", "http://proxy.example:8080")]
    [InlineData("HTTP://[2001:db8::7]:3128/", "http://[2001:db8::7]:3128")]
    public void ToString_names_scheme_host_and_port_and_never_the_credentials(string text, string expected)
    {
        var credential = new NetworkCredential("alice", "Sup3rSecret");

        var proxy = ProxyOptions.Parse(text, credential);

        Assert.Equal(expected, proxy.ToString());
        Assert.Same(credential, proxy.Credential);
        Assert.DoesNotContain("alice", proxy.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("Sup3rSecret", proxy.ToString(), StringComparison.Ordinal);
    }
}
