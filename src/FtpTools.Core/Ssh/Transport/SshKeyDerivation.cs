using System;
using System.Security.Cryptography;

namespace FtpTools.Core.Ssh.Transport;

/// <summary>
/// Key derivation (RFC 4253 §7.2): K1 = HASH(K || H || X || session_id), Kn = HASH(K || H || K1 || ... || Kn-1),
/// key = K1 || K2 || ... cut to the needed length. K is the mpint encoding of the shared secret
/// (length prefix included); X is one of 'A'..'F'.
/// </summary>
internal static class SshKeyDerivation
{
    public static byte[] Derive(HashAlgorithmName hashName, byte[] sharedSecretMpint, byte[] exchangeHash, char letter, byte[] sessionId, int length)
    {
        var result = new byte[length];
        if (length == 0)
        {
            return result;
        }

        using var hash = IncrementalHash.CreateHash(hashName);
        hash.AppendData(sharedSecretMpint);
        hash.AppendData(exchangeHash);
        hash.AppendData(new[] { (byte)letter });
        hash.AppendData(sessionId);
        var block = hash.GetHashAndReset();
        var written = Math.Min(block.Length, length);
        Buffer.BlockCopy(block, 0, result, 0, written);
        while (written < length)
        {
            hash.AppendData(sharedSecretMpint);
            hash.AppendData(exchangeHash);
            hash.AppendData(result, 0, written);
            SshCrypto.Clear(block);
            block = hash.GetHashAndReset();
            var count = Math.Min(block.Length, length - written);
            Buffer.BlockCopy(block, 0, result, written, count);
            written += count;
        }

        SshCrypto.Clear(block);
        return result;
    }
}
