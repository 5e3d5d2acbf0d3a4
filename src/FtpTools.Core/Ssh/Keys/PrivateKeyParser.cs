using System;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace FtpTools.Core.Ssh.Keys;

/// <summary>Reads a private key file in any format we support, picking the format from its PEM label.</summary>
internal static class PrivateKeyParser
{
    // Private key files are a few KiB; anything far larger is not one.
    private const int MaxFileBytes = 1 << 20;

    /// <summary>Parses the contents of a key file. <paramref name="source"/> names the file in messages.</summary>
    public static SshPrivateKey Parse(ReadOnlySpan<byte> contents, string source, string? passphrase)
    {
        var text = Encoding.ASCII.GetString(contents.ToArray());
        if (text.StartsWith("PuTTY-User-Key-File-", StringComparison.Ordinal))
        {
            throw new PrivateKeyLoadException(
                $"The key file '{source}' is a PuTTY key, which is not supported; convert it with: puttygen <file> -O private-openssh-new -o <newfile>.",
                PrivateKeyProblem.Unsupported,
                source);
        }

        var pem = PemArmor.TryParse(text)
            ?? throw new PrivateKeyLoadException($"The key file '{source}' is not a PEM or OpenSSH private key.", PrivateKeyProblem.InvalidFormat, source);
        if (pem.Label == OpenSshPrivateKeyFormat.PemLabel)
        {
            return OpenSshPrivateKeyFormat.Parse(pem.Data, source, passphrase);
        }

        if (PemPrivateKeyFormat.IsSupportedLabel(pem.Label))
        {
            return PemPrivateKeyFormat.Parse(pem, source, passphrase);
        }

        throw new PrivateKeyLoadException(
            $"The key file '{source}' holds a '{pem.Label}', which is not a supported private key (OpenSSH, RSA, EC and PKCS#8 private keys are).",
            PrivateKeyProblem.Unsupported,
            source);
    }

    /// <summary>Reads and parses a key file.</summary>
    public static async Task<SshPrivateKey> LoadAsync(string path, string? passphrase, CancellationToken cancellationToken)
    {
        byte[] contents;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, useAsync: true);
            if (stream.Length > MaxFileBytes)
            {
                throw new PrivateKeyLoadException($"The key file '{path}' is {stream.Length} bytes, too large to be a private key.", PrivateKeyProblem.InvalidFormat, path);
            }

            contents = new byte[stream.Length];
            var read = 0;
            while (read < contents.Length)
            {
                var count = await stream.ReadAsync(contents, read, contents.Length - read, cancellationToken).ConfigureAwait(false);
                if (count == 0)
                {
                    break;
                }

                read += count;
            }

            if (read != contents.Length)
            {
                Array.Resize(ref contents, read);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new PrivateKeyLoadException($"The key file '{path}' cannot be read: {ex.Message}", PrivateKeyProblem.Unreadable, path, ex);
        }

        try
        {
            return Parse(contents, path, passphrase);
        }
        finally
        {
            Array.Clear(contents, 0, contents.Length);
        }
    }
}
