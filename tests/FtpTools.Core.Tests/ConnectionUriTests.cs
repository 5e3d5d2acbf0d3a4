using System;
using System.Net;
using Xunit;

namespace FtpTools.Core.Tests;

public class ConnectionUriTests
{
    [Theory]
    [InlineData("ftp://example.org", RemoteProtocol.Ftp, "example.org", 0, null, null)]
    [InlineData("FTPES://Example.org:2121/", RemoteProtocol.Ftpes, "Example.org", 2121, null, null)]
    [InlineData("ftps://bob@10.0.0.5:990/pub/in", RemoteProtocol.Ftps, "10.0.0.5", 990, "bob", "/pub/in")]
    [InlineData("sftp://deploy@host.example/srv/www/", RemoteProtocol.Sftp, "host.example", 0, "deploy", "/srv/www")]
    [InlineData("sftp://u@[::1]:2222", RemoteProtocol.Sftp, "::1", 2222, "u", null)]
    [InlineData("sftp://me@h/~/upload/new", RemoteProtocol.Sftp, "h", 0, "me", "upload/new")]
    [InlineData("sftp://me@h/~", RemoteProtocol.Sftp, "h", 0, "me", null)]
    [InlineData("ftp://first.last%40corp.example@ftp.corp.example/a%20b", RemoteProtocol.Ftp, "ftp.corp.example", 0, "first.last@corp.example", "/a b")]
    [InlineData("  ftp://h:21  ", RemoteProtocol.Ftp, "h", 21, null, null)]
    [InlineData("ftp://h:", RemoteProtocol.Ftp, "h", 0, null, null)]
    public void Parses_scheme_user_host_port_and_path(string text, RemoteProtocol protocol, string host, int port, string? user, string? path)
    {
        var uri = ConnectionUri.Parse(text);

        Assert.Equal(protocol, uri.Protocol);
        Assert.Equal(host, uri.Host);
        Assert.Equal(port, uri.Port);
        Assert.Equal(user, uri.UserName);
        Assert.Equal(path, uri.StartPath);
    }

    [Theory]
    [InlineData("", "The URI is empty.")]
    [InlineData("example.org", "'example.org' is not a URI of the form ftp://host, ftpes://host, ftps://host or sftp://host.")]
    [InlineData("http://example.org", "The URI scheme 'http' is not supported; use ftp, ftpes (explicit TLS), ftps (implicit TLS) or sftp.")]
    [InlineData("ftp://bob:secret@h", "The URI contains a password. Pass credentials with -Credential instead of in the URI.")]
    [InlineData("ftp://@h", "The URI has an '@' but no user name before it.")]
    [InlineData("ftp://h:0", "'0' is not a valid port; use a number from 1 to 65535.")]
    [InlineData("ftp://h:65536", "'65536' is not a valid port; use a number from 1 to 65535.")]
    [InlineData("ftp://h:-1", "'-1' is not a valid port; use a number from 1 to 65535.")]
    [InlineData("ftp://h:21x", "'21x' is not a valid port; use a number from 1 to 65535.")]
    [InlineData("ftp://", "The URI names no host.")]
    [InlineData("ftp:///pub", "The URI names no host.")]
    [InlineData("sftp://::1/", "'::1' looks like an IPv6 address; write it in brackets, e.g. sftp://[::1]:22.")]
    [InlineData("sftp://[::1/", "The IPv6 address in '[::1' has no closing ']'.")]
    [InlineData("sftp://[not-v6]/", "'not-v6' is not a valid IPv6 address.")]
    [InlineData("sftp://[::1]x/", "Unexpected text after the IPv6 address in '[::1]x'.")]
    [InlineData("ftp://h/a?type=i", "Connection URIs take no query or fragment ('?' or '#'); pass options as parameters.")]
    [InlineData("ftp://h/%zz", "The path '/%zz' has an invalid percent-encoding.")]
    [InlineData("ftp://u%4@h", "The user name 'u%4' has an invalid percent-encoding.")]
    [InlineData("ftp://h/a%00b", "The path contains a NUL character.")]
    [InlineData("ftp://bad%20host/", "'bad host' is not a valid host name.")]
    public void Refuses_malformed_uris_with_a_message_that_says_why(string text, string message)
    {
        Assert.False(ConnectionUri.TryParse(text, out var result, out var error));
        Assert.Null(result);
        Assert.Equal(message, error);

        var thrown = Assert.Throws<FormatException>(() => ConnectionUri.Parse(text));
        Assert.Equal(message, thrown.Message);
    }

    [Fact]
    public void A_password_never_appears_in_the_error()
    {
        Assert.False(ConnectionUri.TryParse("ftp://bob:Sup3rSecret@h", out _, out var error));
        Assert.DoesNotContain("Sup3rSecret", error, StringComparison.Ordinal);
    }

    [Fact]
    public void ApplyTo_takes_the_uri_parts_and_keeps_everything_else()
    {
        var credential = new NetworkCredential("bob", "pw");
        var template = new ConnectionOptions
        {
            Protocol = RemoteProtocol.Ftp,
            Host = "ignored",
            Port = 1,
            Credential = credential,
            StartPath = "/fallback",
            ConnectTimeout = TimeSpan.FromSeconds(5),
            OperationTimeout = TimeSpan.FromSeconds(7),
            KeepAliveInterval = TimeSpan.FromSeconds(9),
            Ftp = new FtpOptions { DataMode = FtpDataMode.Active },
            Tls = new TlsOptions { SkipCertificateCheck = true },
            Ssh = new SshOptions { AcceptNewHostKey = true },
        };

        var options = ConnectionUri.Parse("sftp://alice@[::1]:2222/data").ApplyTo(template);

        Assert.Equal(RemoteProtocol.Sftp, options.Protocol);
        Assert.Equal("::1", options.Host);
        Assert.Equal(2222, options.Port);
        Assert.Equal("/data", options.StartPath);
        Assert.Same(credential, options.Credential);
        Assert.Equal(TimeSpan.FromSeconds(5), options.ConnectTimeout);
        Assert.Equal(TimeSpan.FromSeconds(7), options.OperationTimeout);
        Assert.Equal(TimeSpan.FromSeconds(9), options.KeepAliveInterval);
        Assert.Same(template.Ftp, options.Ftp);
        Assert.Same(template.Tls, options.Tls);
        Assert.Same(template.Ssh, options.Ssh);
    }

    [Fact]
    public void ApplyTo_keeps_the_template_start_path_when_the_uri_has_none()
    {
        var options = ConnectionUri.Parse("ftp://h").ApplyTo(new ConnectionOptions { StartPath = "/in" });

        Assert.Equal("/in", options.StartPath);
        Assert.Equal(21, options.EffectivePort);
    }

    [Theory]
    [InlineData("ftp://h")]
    [InlineData("ftpes://bob@h:2121/pub")]
    [InlineData("sftp://me@[::1]:22/~/in")]
    [InlineData("ftps://a%20b@h/x%20y")]
    public void ToString_round_trips(string text)
    {
        var uri = ConnectionUri.Parse(text);
        var again = ConnectionUri.Parse(uri.ToString());

        Assert.Equal(text, uri.ToString());
        Assert.Equal(uri.Protocol, again.Protocol);
        Assert.Equal(uri.Host, again.Host);
        Assert.Equal(uri.Port, again.Port);
        Assert.Equal(uri.UserName, again.UserName);
        Assert.Equal(uri.StartPath, again.StartPath);
    }

    [Theory]
    [InlineData("ftp://user:MySecretPw@host:21/dir", "ftp://user:***@host:21/dir")]
    [InlineData("sftp://user:p@ss:word@host", "sftp://user:***@host")]
    [InlineData("socks5://proxyuser:pw@proxy:1080", "socks5://proxyuser:***@proxy:1080")]
    [InlineData("ftp://user:pa/ss@host/dir", "ftp://user:***@host/dir")]
    [InlineData("/srv/x", "/srv/x")]
    [InlineData("ftp://host/", "ftp://host/")]
    [InlineData("ftp://host:21", "ftp://host:21")]
    [InlineData("ftp:/x", "ftp:/x")]
    [InlineData("", "")]
    public void Redact_hides_the_password_of_a_user_info_and_nothing_else(string uri, string redacted)
    {
        Assert.Equal(redacted, ConnectionUri.Redact(uri));
    }

    [Fact]
    public void A_refused_uri_does_not_repeat_its_password()
    {
        Assert.False(ConnectionUri.TryParse("ftp:/user:MySecretPw@host", out _, out var error));
        Assert.DoesNotContain("MySecretPw", error, StringComparison.Ordinal);
        Assert.False(ConnectionUri.TryParse("ftp://user:MySecretPw@host", out _, out error));
        Assert.DoesNotContain("MySecretPw", error, StringComparison.Ordinal);
    }
}
