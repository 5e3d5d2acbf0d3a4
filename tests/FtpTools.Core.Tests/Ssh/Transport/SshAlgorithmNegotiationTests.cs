using System;
using System.Linq;
using FtpTools.Core.Ssh.Transport;
using Xunit;

namespace FtpTools.Core.Tests.Ssh.Transport;

public sealed class SshAlgorithmNegotiationTests
{
    [Fact]
    public void Defaults_offer_only_modern_algorithms_in_preference_order()
    {
        var preferences = SshAlgorithmPreferences.FromOptions(new SshOptions(), portableOnly: false);

        Assert.Equal(
            new[] { "curve25519-sha256", "curve25519-sha256@libssh.org", "ecdh-sha2-nistp256", "ecdh-sha2-nistp384", "ecdh-sha2-nistp521", "diffie-hellman-group-exchange-sha256", "diffie-hellman-group16-sha512", "diffie-hellman-group14-sha256" },
            preferences.Kex);
        Assert.Equal(new[] { "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "rsa-sha2-512", "rsa-sha2-256" }, preferences.HostKey);
        Assert.Equal(new[] { "aes128-gcm@openssh.com", "aes256-gcm@openssh.com", "chacha20-poly1305@openssh.com", "aes128-ctr", "aes192-ctr", "aes256-ctr" }, preferences.Ciphers);
        Assert.Equal(new[] { "hmac-sha2-256-etm@openssh.com", "hmac-sha2-512-etm@openssh.com", "hmac-sha2-256", "hmac-sha2-512" }, preferences.Macs);
    }

    [Fact]
    public void Portable_set_has_no_gcm_and_refuses_it_by_name()
    {
        var preferences = SshAlgorithmPreferences.FromOptions(new SshOptions(), portableOnly: true);
        Assert.Equal(new[] { "chacha20-poly1305@openssh.com", "aes128-ctr", "aes192-ctr", "aes256-ctr" }, preferences.Ciphers);

        var error = Assert.Throws<ArgumentException>(() => SshAlgorithmPreferences.FromOptions(new SshOptions { Ciphers = new[] { "aes128-gcm@openssh.com" } }, portableOnly: true));
        Assert.StartsWith("The SSH cipher 'aes128-gcm@openssh.com' in Ciphers is not available: it needs .NET 8's AES-GCM", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("KexAlgorithms", "diffie-hellman-group1-sha256")]
    [InlineData("HostKeyAlgorithms", "ssh-dss")]
    [InlineData("Ciphers", "3des-cbc")]
    [InlineData("Macs", "hmac-md5")]
    public void Unknown_names_are_argument_errors_naming_the_option(string option, string name)
    {
        var options = option switch
        {
            "KexAlgorithms" => new SshOptions { KexAlgorithms = new[] { name } },
            "HostKeyAlgorithms" => new SshOptions { HostKeyAlgorithms = new[] { name } },
            "Ciphers" => new SshOptions { Ciphers = new[] { name } },
            _ => new SshOptions { Macs = new[] { name } },
        };

        var error = Assert.Throws<ArgumentException>(() => SshAlgorithmPreferences.FromOptions(options, portableOnly: false));

        Assert.Contains($"'{name}' in {option}. Supported: ", error.Message, StringComparison.Ordinal);
        Assert.Equal(option, error.ParamName);
    }

    [Fact]
    public void An_empty_list_is_refused_and_duplicates_collapse()
    {
        Assert.Throws<ArgumentException>(() => SshAlgorithmPreferences.FromOptions(new SshOptions { Macs = Array.Empty<string>() }, portableOnly: false));

        var preferences = SshAlgorithmPreferences.FromOptions(new SshOptions { Macs = new[] { "hmac-sha2-512", " hmac-sha2-512 ", "hmac-sha1" } }, portableOnly: false);
        Assert.Equal(new[] { "hmac-sha2-512", "hmac-sha1" }, preferences.Macs);
    }

    [Fact]
    public void The_first_kexinit_carries_ext_info_and_strict_kex_later_ones_do_not()
    {
        var preferences = SshAlgorithmPreferences.FromOptions(new SshOptions(), portableOnly: false);

        var first = SshKexInit.Parse(SshKexInit.ForClient(preferences, initial: true).ToPayload());
        var later = SshKexInit.Parse(SshKexInit.ForClient(preferences, initial: false).ToPayload());

        Assert.Equal(new[] { "ext-info-c", "kex-strict-c-v00@openssh.com" }, first.KexAlgorithms.Skip(first.KexAlgorithms.Count - 2));
        Assert.DoesNotContain("ext-info-c", later.KexAlgorithms);
        Assert.DoesNotContain("kex-strict-c-v00@openssh.com", later.KexAlgorithms);
        Assert.Equal(new[] { "none" }, first.CompressionClientToServer);
    }

    [Fact]
    public void The_clients_order_wins_and_aead_ciphers_ignore_the_mac_lists()
    {
        var client = Init(kex: new[] { "ecdh-sha2-nistp256", "curve25519-sha256" }, ciphers: new[] { "chacha20-poly1305@openssh.com", "aes128-ctr" }, macs: new[] { "hmac-sha2-256" });
        var server = Init(kex: new[] { "curve25519-sha256", "ecdh-sha2-nistp256", "kex-strict-s-v00@openssh.com" }, ciphers: new[] { "aes128-ctr", "chacha20-poly1305@openssh.com" }, macs: new[] { "hmac-sha1" });

        var negotiated = SshNegotiatedAlgorithms.Negotiate(client, server);

        Assert.Equal("ecdh-sha2-nistp256", negotiated.Kex);
        Assert.Equal("chacha20-poly1305@openssh.com", negotiated.CipherClientToServer);
        Assert.Null(negotiated.MacClientToServer);
    }

    [Fact]
    public void A_ctr_cipher_needs_a_common_mac_and_the_failure_says_both_offers()
    {
        var client = Init(kex: new[] { "curve25519-sha256" }, ciphers: new[] { "aes128-ctr" }, macs: new[] { "hmac-sha2-256-etm@openssh.com" });
        var server = Init(kex: new[] { "curve25519-sha256" }, ciphers: new[] { "aes128-ctr" }, macs: new[] { "hmac-sha1", "umac-64@openssh.com" });

        var error = Assert.Throws<SshNegotiationException>(() => SshNegotiatedAlgorithms.Negotiate(client, server));

        Assert.StartsWith(
            "No common SSH MAC (client to server): we offered [hmac-sha2-256-etm@openssh.com]; the server offered [hmac-sha1, umac-64@openssh.com].",
            error.Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public void Pseudo_algorithms_never_count_as_a_common_key_exchange()
    {
        var client = Init(kex: new[] { "curve25519-sha256", "ext-info-c", "kex-strict-c-v00@openssh.com" }, ciphers: new[] { "aes128-ctr" }, macs: new[] { "hmac-sha2-256" });
        var server = Init(kex: new[] { "sntrup761x25519-sha512@openssh.com", "ext-info-c", "kex-strict-c-v00@openssh.com" }, ciphers: new[] { "aes128-ctr" }, macs: new[] { "hmac-sha2-256" });

        var error = Assert.Throws<SshNegotiationException>(() => SshNegotiatedAlgorithms.Negotiate(client, server));

        Assert.StartsWith("No common SSH key exchange algorithm: we offered [curve25519-sha256];", error.Message, StringComparison.Ordinal);
    }

    private static SshKexInit Init(string[] kex, string[] ciphers, string[] macs) => new()
    {
        KexAlgorithms = kex,
        ServerHostKeyAlgorithms = new[] { "ssh-ed25519" },
        CiphersClientToServer = ciphers,
        CiphersServerToClient = ciphers,
        MacsClientToServer = macs,
        MacsServerToClient = macs,
        CompressionClientToServer = new[] { "none" },
        CompressionServerToClient = new[] { "none" },
    };
}
