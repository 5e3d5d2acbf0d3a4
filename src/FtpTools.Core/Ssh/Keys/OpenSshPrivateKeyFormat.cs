using System;
using System.Text;
using FtpTools.Core.Errors;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Modes;
using Org.BouncyCastle.Crypto.Parameters;

namespace FtpTools.Core.Ssh.Keys;

/// <summary>
/// OpenSSH's own private key format, "openssh-key-v1" (OpenSSH PROTOCOL.key), unencrypted or encrypted
/// with the bcrypt KDF and aes*-ctr (ssh-keygen's default), aes*-cbc or aes*-gcm@openssh.com.
/// Parses from bytes; no I/O.
/// </summary>
internal static class OpenSshPrivateKeyFormat
{
    public const string PemLabel = "OPENSSH PRIVATE KEY";

    // PROTOCOL.key §1: the magic includes its terminating NUL.
    private static readonly byte[] AuthMagic = Encoding.ASCII.GetBytes("openssh-key-v1\0");

    // ssh-keygen's default is 16 rounds; a file asking for absurd work is refused rather than hanging the caller.
    private const uint MaxKdfRounds = 100_000;

    public static SshPrivateKey Parse(ReadOnlyMemory<byte> data, string source, string? passphrase)
    {
        try
        {
            return ParseCore(data, source, passphrase);
        }
        catch (ProtocolViolationException ex)
        {
            throw Invalid(source, "its structure is damaged", ex);
        }
    }

    private static SshPrivateKey ParseCore(ReadOnlyMemory<byte> data, string source, string? passphrase)
    {
        if (data.Length < AuthMagic.Length || !data.Span.Slice(0, AuthMagic.Length).SequenceEqual(AuthMagic))
        {
            throw Invalid(source, "it does not start with openssh-key-v1", null);
        }

        var reader = new SshReader(data.Slice(AuthMagic.Length));
        var cipherName = reader.ReadString();
        var kdfName = reader.ReadString();
        var kdfOptions = reader.ReadStringBytes();
        var keyCount = reader.ReadUInt32();
        if (keyCount != 1)
        {
            // OpenSSH itself writes and reads exactly one key per file.
            throw Invalid(source, $"it holds {keyCount} keys instead of one", null);
        }

        var publicBlob = reader.ReadStringBytes();
        var privateSection = reader.ReadStringBytes();
        var cipher = CipherSpec.Find(cipherName)
            ?? throw new PrivateKeyLoadException(
                $"The key file '{source}' is encrypted with '{cipherName}', which is not supported (aes256-ctr, aes*-cbc and aes*-gcm@openssh.com are). Re-encrypt it with: ssh-keygen -p -Z aes256-ctr -f <file>.",
                PrivateKeyProblem.Unsupported,
                source);

        byte[] plain;
        if (cipher.KeyLength == 0)
        {
            if (kdfName != "none")
            {
                throw Invalid(source, $"it names KDF '{kdfName}' without a cipher", null);
            }

            plain = privateSection.ToArray();
        }
        else
        {
            if (kdfName != "bcrypt")
            {
                throw new PrivateKeyLoadException($"The key file '{source}' uses the key derivation '{kdfName}', which is not supported (bcrypt is).", PrivateKeyProblem.Unsupported, source);
            }

            if (string.IsNullOrEmpty(passphrase))
            {
                throw new PrivateKeyLoadException($"The key file '{source}' is encrypted: give its passphrase with -KeyPassphrase.", PrivateKeyProblem.PassphraseRequired, source);
            }

            var tag = ReadOnlyMemory<byte>.Empty;
            if (cipher.TagLength > 0)
            {
                // PROTOCOL.key: for AEAD ciphers the tag follows the encrypted section, outside its length.
                tag = reader.ReadRaw(cipher.TagLength);
            }

            plain = Decrypt(cipher, kdfOptions, privateSection, tag, passphrase!, source);
        }

        try
        {
            return ParsePrivateSection(plain, cipher.BlockLength, publicBlob.Span, source, cipher.KeyLength != 0);
        }
        finally
        {
            Array.Clear(plain, 0, plain.Length);
        }
    }

    private static byte[] Decrypt(CipherSpec cipher, ReadOnlyMemory<byte> kdfOptions, ReadOnlyMemory<byte> encrypted, ReadOnlyMemory<byte> tag, string passphrase, string source)
    {
        // PROTOCOL.key §2: kdfoptions for bcrypt are string salt, uint32 rounds.
        var options = new SshReader(kdfOptions);
        var salt = options.ReadStringBytes();
        var rounds = options.ReadUInt32();
        if (rounds == 0 || rounds > MaxKdfRounds || salt.Length == 0)
        {
            throw Invalid(source, $"its bcrypt parameters are out of range ({rounds} rounds)", null);
        }

        if (encrypted.Length % cipher.BlockLength != 0)
        {
            throw Invalid(source, "its encrypted section is not a whole number of cipher blocks", null);
        }

        var passwordBytes = Encoding.UTF8.GetBytes(passphrase);
        var keyAndIv = BcryptPbkdf.DeriveKey(passwordBytes, salt.Span, (int)rounds, cipher.KeyLength + cipher.IvLength);
        Array.Clear(passwordBytes, 0, passwordBytes.Length);
        try
        {
            var key = new KeyParameter(keyAndIv, 0, cipher.KeyLength);
            var iv = new byte[cipher.IvLength];
            Array.Copy(keyAndIv, cipher.KeyLength, iv, 0, iv.Length);
            var input = new byte[encrypted.Length + tag.Length];
            encrypted.Span.CopyTo(input);
            tag.Span.CopyTo(input.AsSpan(encrypted.Length));
            var output = new byte[encrypted.Length];
            switch (cipher.Mode)
            {
                case CipherMode.Ctr:
                    {
                        var ctr = new BufferedBlockCipher(new SicBlockCipher(new AesEngine()));
                        ctr.Init(false, new ParametersWithIV(key, iv));
                        var written = ctr.ProcessBytes(input, 0, input.Length, output, 0);
                        ctr.DoFinal(output, written);
                        break;
                    }

                case CipherMode.Cbc:
                    {
                        var cbc = new BufferedBlockCipher(new CbcBlockCipher(new AesEngine()));
                        cbc.Init(false, new ParametersWithIV(key, iv));
                        var written = cbc.ProcessBytes(input, 0, input.Length, output, 0);
                        cbc.DoFinal(output, written);
                        break;
                    }

                default:
                    {
                        var gcm = new GcmBlockCipher(new AesEngine());
                        gcm.Init(false, new AeadParameters(key, cipher.TagLength * 8, iv));
                        var written = gcm.ProcessBytes(input, 0, input.Length, output, 0);
                        try
                        {
                            gcm.DoFinal(output, written);
                        }
                        catch (InvalidCipherTextException ex)
                        {
                            // With an authenticated cipher a wrong passphrase shows up as a bad tag.
                            throw WrongPassphrase(source, ex);
                        }

                        break;
                    }
            }

            return output;
        }
        finally
        {
            Array.Clear(keyAndIv, 0, keyAndIv.Length);
        }
    }

    private static SshPrivateKey ParsePrivateSection(byte[] plain, int blockLength, ReadOnlySpan<byte> publicBlob, string source, bool encrypted)
    {
        if (plain.Length % blockLength != 0)
        {
            throw Invalid(source, "its private section is not padded to the cipher block size", null);
        }

        var reader = new SshReader(plain);

        // PROTOCOL.key §3: two equal random check integers; unequal after decryption means a wrong passphrase.
        var check1 = reader.ReadUInt32();
        var check2 = reader.ReadUInt32();
        if (check1 != check2)
        {
            if (encrypted)
            {
                throw WrongPassphrase(source, null);
            }

            throw Invalid(source, "its check integers differ", null);
        }

        var keyType = reader.ReadString();
        SshPrivateKey key;
        switch (keyType)
        {
            case Ed25519PrivateKey.Name:
                {
                    var publicKey = reader.ReadStringBytes();
                    var secret = reader.ReadStringBytes();

                    // The "private key" here is seed || public key, 64 bytes (PROTOCOL.key, sshkey.c).
                    if (publicKey.Length != 32 || secret.Length != 64)
                    {
                        throw Invalid(source, "its Ed25519 key has the wrong length", null);
                    }

                    key = Ed25519PrivateKey.FromSeed(secret.Span.Slice(0, 32), publicKey.Span, source);
                    break;
                }

            case "ecdsa-sha2-nistp256":
            case "ecdsa-sha2-nistp384":
            case "ecdsa-sha2-nistp521":
                {
                    var curve = reader.ReadString();
                    if ("ecdsa-sha2-" + curve != keyType)
                    {
                        throw Invalid(source, $"its key type {keyType} names curve {curve}", null);
                    }

                    var point = reader.ReadStringBytes();
                    var scalar = reader.ReadStringBytes();
                    key = EcdsaPrivateKey.Create(curve, point.Span, scalar.Span, source);
                    break;
                }

            case RsaPrivateKey.Name:
                {
                    var n = reader.ReadStringBytes();
                    var e = reader.ReadStringBytes();
                    var d = reader.ReadStringBytes();
                    var iqmp = reader.ReadStringBytes();
                    var p = reader.ReadStringBytes();
                    var q = reader.ReadStringBytes();
                    key = RsaPrivateKey.Create(n.Span, e.Span, d.Span, p.Span, q.Span, iqmp.Span, source);
                    break;
                }

            default:
                throw new PrivateKeyLoadException(
                    $"The key file '{source}' holds a {keyType} key, which is not supported (ssh-ed25519, ecdsa-sha2-nistp256/384/521 and ssh-rsa are).",
                    PrivateKeyProblem.Unsupported,
                    source);
        }

        try
        {
            reader.ReadStringBytes(); // comment

            // PROTOCOL.key §3: padding is 1, 2, 3, ... up to the block size.
            var padding = reader.ReadRemaining().Span;
            for (var i = 0; i < padding.Length; i++)
            {
                if (padding[i] != (byte)(i + 1))
                {
                    throw Invalid(source, "its padding is wrong", null);
                }
            }

            if (!key.PublicKeyBlob.Span.SequenceEqual(publicBlob))
            {
                throw Invalid(source, "its private key does not match the public key stored with it", null);
            }

            return key;
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    private static PrivateKeyLoadException Invalid(string source, string why, Exception? inner) =>
        new($"The key file '{source}' is not a valid OpenSSH private key: {why}.", PrivateKeyProblem.InvalidFormat, source, inner);

    private static PrivateKeyLoadException WrongPassphrase(string source, Exception? inner) =>
        new($"The passphrase for key file '{source}' (-KeyPassphrase) is wrong.", PrivateKeyProblem.WrongPassphrase, source, inner);

    private enum CipherMode
    {
        None,
        Ctr,
        Cbc,
        Gcm,
    }

    private sealed class CipherSpec
    {
        private CipherSpec(CipherMode mode, int keyLength, int ivLength, int blockLength, int tagLength)
        {
            Mode = mode;
            KeyLength = keyLength;
            IvLength = ivLength;
            BlockLength = blockLength;
            TagLength = tagLength;
        }

        public CipherMode Mode { get; }

        public int KeyLength { get; }

        public int IvLength { get; }

        public int BlockLength { get; }

        public int TagLength { get; }

        public static CipherSpec? Find(string name) => name switch
        {
            "none" => new CipherSpec(CipherMode.None, 0, 0, 8, 0),
            "aes128-ctr" => new CipherSpec(CipherMode.Ctr, 16, 16, 16, 0),
            "aes192-ctr" => new CipherSpec(CipherMode.Ctr, 24, 16, 16, 0),
            "aes256-ctr" => new CipherSpec(CipherMode.Ctr, 32, 16, 16, 0),
            "aes128-cbc" => new CipherSpec(CipherMode.Cbc, 16, 16, 16, 0),
            "aes192-cbc" => new CipherSpec(CipherMode.Cbc, 24, 16, 16, 0),
            "aes256-cbc" => new CipherSpec(CipherMode.Cbc, 32, 16, 16, 0),
            "aes128-gcm@openssh.com" => new CipherSpec(CipherMode.Gcm, 16, 12, 16, 16),
            "aes256-gcm@openssh.com" => new CipherSpec(CipherMode.Gcm, 32, 12, 16, 16),
            _ => null,
        };
    }
}
