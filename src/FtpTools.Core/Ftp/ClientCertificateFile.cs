using System;
using System.IO;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace FtpTools.Core.Ftp;

/// <summary>
/// Reads the client certificate an FTPS server may ask for (<see cref="TlsOptions.ClientCertificate"/>,
/// Connect-FtpSession -ClientCertificatePath): a PKCS#12 file (.pfx, .p12), or a PEM file holding the certificate and
/// its private key (unencrypted, or encrypted with <c>password</c>). The certificate must come with its private key.
/// Every failure is an <see cref="ArgumentException"/> that names the file and never the password.
/// </summary>
public static class ClientCertificateFile
{
    /// <summary>Certificate files are small; a larger file is not one.</summary>
    private const long MaxLength = 1024 * 1024;

    public static X509Certificate2 Load(string path, NetworkCredential? password)
    {
        if (string.IsNullOrEmpty(path))
        {
            throw new ArgumentException("A client certificate file is required.", nameof(path));
        }

        if (Directory.Exists(path))
        {
            throw new ArgumentException($"The client certificate path '{path}' is a directory, not a file.", nameof(path));
        }

        if (!File.Exists(path))
        {
            throw new ArgumentException($"The client certificate file '{path}' does not exist.", nameof(path));
        }

        var bytes = ReadBounded(path);
        var secret = password?.Password;
        X509Certificate2 certificate;
        try
        {
            certificate = IsPem(bytes) ? FromPem(path, Encoding.ASCII.GetString(bytes), secret) : FromPkcs12(bytes, secret);
        }
        catch (CryptographicException ex)
        {
            var hint = secret is null ? " If the file is protected by a password, pass it with -ClientCertificatePassword." : "";
            throw new ArgumentException($"Could not read the client certificate file '{path}': {ex.Message}{hint}", nameof(path), ex);
        }

        if (!certificate.HasPrivateKey)
        {
            certificate.Dispose();
            throw new ArgumentException(
                $"The client certificate file '{path}' holds no private key, and a server can only accept a certificate with its key. "
                + "Use a PKCS#12 file (.pfx), or a PEM file with the certificate and its key (cat client.crt client.key > client.pem).",
                nameof(path));
        }

        return certificate;
    }

    /// <summary>The file's bytes, at most <see cref="MaxLength"/> (read, not stat'ed: a device reports no length).</summary>
    private static byte[] ReadBounded(string path)
    {
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            using var copy = new MemoryStream();
            var buffer = new byte[16 * 1024];
            int read;
            while ((read = file.Read(buffer, 0, buffer.Length)) > 0)
            {
                copy.Write(buffer, 0, read);
                if (copy.Length > MaxLength)
                {
                    throw new ArgumentException($"The client certificate file '{path}' is longer than {MaxLength} bytes: not a certificate (a PKCS#12 or PEM file is a few kilobytes).", nameof(path));
                }
            }

            return copy.ToArray();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"Could not read the client certificate file '{path}': {ex.Message}", nameof(path), ex);
        }
    }

    private static bool IsPem(byte[] bytes) => Encoding.ASCII.GetString(bytes).IndexOf("-----BEGIN ", StringComparison.Ordinal) >= 0;

    private static X509Certificate2 FromPkcs12(byte[] bytes, string? password)
    {
#if NET9_0_OR_GREATER
        return X509CertificateLoader.LoadPkcs12(bytes, password, X509KeyStorageFlags.DefaultKeySet);
#else
        return new X509Certificate2(bytes, password, X509KeyStorageFlags.DefaultKeySet);
#endif
    }

    private static X509Certificate2 FromPem(string path, string text, string? password)
    {
#if NET8_0_OR_GREATER
        if (text.IndexOf("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal) < 0)
        {
            throw new ArgumentException($"The PEM file '{path}' holds no certificate (no BEGIN CERTIFICATE block).", nameof(path));
        }

        if (text.IndexOf("PRIVATE KEY-----", StringComparison.Ordinal) < 0)
        {
            // The certificate alone: Load says that the key is missing.
            return X509Certificate2.CreateFromPem(text);
        }

        if (text.IndexOf("Proc-Type: 4,ENCRYPTED", StringComparison.Ordinal) >= 0)
        {
            throw new ArgumentException(
                $"The private key in '{path}' is encrypted in OpenSSL's old format, which .NET cannot read: convert it to PKCS#8 "
                + "(openssl pkcs8 -topk8 -in client.key -out client-pkcs8.key), or make a PKCS#12 file (openssl pkcs12 -export).",
                nameof(path));
        }

        var encrypted = text.IndexOf("-----BEGIN ENCRYPTED PRIVATE KEY-----", StringComparison.Ordinal) >= 0;
        if (encrypted && password is null)
        {
            throw new ArgumentException($"The private key in '{path}' is encrypted: pass its password with -ClientCertificatePassword.", nameof(path));
        }

        // A file may hold a chain (the CA's certificates before or after the client's): the certificate is the one
        // that goes with the key.
        X509Certificate2? loaded = null;
        CryptographicException? mismatch = null;
        foreach (var block in CertificateBlocks(text))
        {
            try
            {
                loaded = encrypted ? X509Certificate2.CreateFromEncryptedPem(block, text, password) : X509Certificate2.CreateFromPem(block, text);
                break;
            }
            catch (CryptographicException ex)
            {
                mismatch ??= ex;
            }
        }

        if (loaded is null)
        {
            throw mismatch ?? new CryptographicException("No certificate in the file goes with its private key.");
        }

        if (!OperatingSystem.IsWindows())
        {
            return loaded;
        }

        // A key read from PEM lives in memory only, which Windows' TLS (SChannel) cannot use: go through PKCS#12,
        // as a certificate from a .pfx file would come.
        using (loaded)
        {
            return FromPkcs12(loaded.Export(X509ContentType.Pkcs12), null);
        }
#else
        throw new ArgumentException(
            $"'{path}' is a PEM file, which Windows PowerShell 5.1 cannot read a key from: use PowerShell 7, or convert it to PKCS#12 "
            + "(openssl pkcs12 -export -in client.crt -inkey client.key -out client.pfx; with OpenSSL 3 add -legacy for older Windows).",
            nameof(path));
#endif
    }

#if NET8_0_OR_GREATER
    /// <summary>Each "BEGIN CERTIFICATE" block of <paramref name="text"/>, in order.</summary>
    private static System.Collections.Generic.IEnumerable<string> CertificateBlocks(string text)
    {
        const string Begin = "-----BEGIN CERTIFICATE-----";
        const string End = "-----END CERTIFICATE-----";
        var at = 0;
        while ((at = text.IndexOf(Begin, at, StringComparison.Ordinal)) >= 0)
        {
            var end = text.IndexOf(End, at, StringComparison.Ordinal);
            if (end < 0)
            {
                yield break;
            }

            yield return text.Substring(at, end + End.Length - at);
            at = end + End.Length;
        }
    }
#endif
}
