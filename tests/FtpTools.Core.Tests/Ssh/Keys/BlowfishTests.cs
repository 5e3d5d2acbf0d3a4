using System.Text;
using FtpTools.Core.Ssh.Keys;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Parameters;
using Xunit;

namespace FtpTools.Core.Tests.Ssh.Keys;

public class BlowfishTests
{
    [Theory]
    [InlineData("FtpTools", "0123456789abcdef")]
    [InlineData("a much longer key of fifty-six bytes, Blowfish's limit!", "\0\0\0\0\0\0\0\0")]
    public void Our_Blowfish_encrypts_like_BouncyCastle(string key, string block)
    {
        // Blowfish's ordinary key schedule is bcrypt's expand0state from the initial (π) state, so this
        // checks the π digits and the round function against an independent implementation.
        var keyBytes = Encoding.ASCII.GetBytes(key);
        var input = Encoding.ASCII.GetBytes(block)[..8];
        var reference = new BlowfishEngine();
        reference.Init(true, new KeyParameter(keyBytes));
        var expected = new byte[8];
        reference.ProcessBlock(input, 0, expected, 0);

        var ours = new Blowfish();
        ours.ExpandZeroState(keyBytes);
        var position = 0;
        var left = Blowfish.StreamToWord(input, ref position);
        var right = Blowfish.StreamToWord(input, ref position);
        ours.Encipher(ref left, ref right);

        Assert.Equal(expected, new[] { (byte)(left >> 24), (byte)(left >> 16), (byte)(left >> 8), (byte)left, (byte)(right >> 24), (byte)(right >> 16), (byte)(right >> 8), (byte)right });
    }
}
