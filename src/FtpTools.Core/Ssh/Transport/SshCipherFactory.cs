using System;

namespace FtpTools.Core.Ssh.Transport;

/// <summary>Key and IV sizes per cipher and construction of one direction's <see cref="SshPacketCipher"/>.</summary>
internal static class SshCipherFactory
{
    /// <summary>AEAD ciphers carry their own integrity; the negotiated MAC is ignored (OpenSSH PROTOCOL §1.6).</summary>
    public static bool IsAead(string cipher) =>
        cipher is SshAlgorithms.ChaCha20Poly1305 or SshAlgorithms.Aes128Gcm or SshAlgorithms.Aes256Gcm;

    public static int KeyLength(string cipher) => cipher switch
    {
        SshAlgorithms.ChaCha20Poly1305 => 64,
        SshAlgorithms.Aes256Gcm or SshAlgorithms.Aes256Ctr => 32,
        SshAlgorithms.Aes192Ctr => 24,
        SshAlgorithms.Aes128Gcm or SshAlgorithms.Aes128Ctr => 16,
        _ => throw new ArgumentOutOfRangeException(nameof(cipher), cipher, "Unknown cipher."),
    };

    public static int IvLength(string cipher) => cipher switch
    {
        SshAlgorithms.ChaCha20Poly1305 => 0,
        SshAlgorithms.Aes128Gcm or SshAlgorithms.Aes256Gcm => 12,
        _ => 16,
    };

    /// <summary>Takes ownership of nothing: key material passed in may be wiped by the caller afterwards.</summary>
    public static SshPacketCipher Create(string cipher, string? mac, byte[] key, byte[] iv, byte[]? macKey)
    {
        switch (cipher)
        {
            case SshAlgorithms.ChaCha20Poly1305:
                return new SshChaCha20Poly1305Cipher(key);
            case SshAlgorithms.Aes128Gcm:
            case SshAlgorithms.Aes256Gcm:
#if NET8_0_OR_GREATER
                return new SshAesGcmCipher(key, iv);
#else
                throw new PlatformNotSupportedException("AES-GCM is not available in this build.");
#endif
            case SshAlgorithms.Aes128Ctr:
            case SshAlgorithms.Aes192Ctr:
            case SshAlgorithms.Aes256Ctr:
                if (mac is null || macKey is null)
                {
                    throw new ArgumentException("A CTR cipher needs a MAC.", nameof(mac));
                }

                return new SshCtrHmacCipher(key, iv, SshMac.Create(mac, macKey));
            default:
                throw new ArgumentOutOfRangeException(nameof(cipher), cipher, "Unknown cipher.");
        }
    }
}
