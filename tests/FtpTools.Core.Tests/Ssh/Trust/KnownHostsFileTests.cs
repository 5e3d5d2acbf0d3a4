using FtpTools.Core.Ssh.Trust;
using Xunit;

namespace FtpTools.Core.Tests.Ssh.Trust;

public class KnownHostsFileTests
{
    [Theory]
    [InlineData("srv.example", "srv.example", true)]
    [InlineData("a.example,srv.example", "srv.example", true)]
    [InlineData("*.example", "srv.example", true)]
    [InlineData("*.example,!srv.example", "srv.example", false)]
    [InlineData("!srv.example,*", "srv.example", false)]
    [InlineData("!other.example,*.example", "srv.example", true)]
    [InlineData("!srv.example", "srv.example", false)]
    [InlineData("sr?.example", "srv.example", true)]
    [InlineData("s?.example", "srv.example", false)]
    [InlineData("SRV.Example", "srv.example", true)]
    [InlineData("10.0.0.*", "10.0.0.7", true)]
    [InlineData("[srv.example]:2222", "[srv.example]:2222", true)]
    [InlineData("[*.example]:*", "[srv.example]:2222", true)]
    [InlineData("srv.example", "[srv.example]:2222", false)]
    [InlineData("*", "anything", true)]
    [InlineData("", "srv.example", false)]
    public void Host_patterns_follow_OpenSSH(string patterns, string lookupName, bool matches)
    {
        Assert.Equal(matches, KnownHostsFile.MatchesPatternList(patterns, lookupName));
    }

    [Theory]
    [InlineData("Srv.Example", 22, "srv.example")]
    [InlineData("srv.example", 2222, "[srv.example]:2222")]
    [InlineData("::1", 22, "::1")]
    [InlineData("[::1]", 2200, "[::1]:2200")]
    public void Lookup_names_bracket_non_default_ports(string host, int port, string expected)
    {
        Assert.Equal(expected, KnownHostsFile.LookupName(host, port));
    }

    [Fact]
    public void Hashed_names_match_only_their_host()
    {
        var hashed = KnownHostsFile.HashName("[srv.example]:2222");

        Assert.True(KnownHostsFile.MatchesHashed(hashed, "[srv.example]:2222"));
        Assert.False(KnownHostsFile.MatchesHashed(hashed, "srv.example"));
        Assert.False(KnownHostsFile.MatchesHashed("|1|bad|worse", "srv.example"));
        Assert.False(KnownHostsFile.MatchesHashed("|1|", "srv.example"));
    }
}
