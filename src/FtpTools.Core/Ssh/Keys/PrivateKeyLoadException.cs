using System;
using FtpTools.Core.Errors;

namespace FtpTools.Core.Ssh.Keys;

/// <summary>Why a private key file could not be used.</summary>
internal enum PrivateKeyProblem
{
    /// <summary>The file could not be read (missing, no permission).</summary>
    Unreadable,

    /// <summary>Not a private key in a format we read, or damaged.</summary>
    InvalidFormat,

    /// <summary>A key type or cipher we do not support (DSA, PuTTY, chacha20-poly1305 encryption...).</summary>
    Unsupported,

    /// <summary>The file is encrypted and no passphrase was given.</summary>
    PassphraseRequired,

    /// <summary>The passphrase does not decrypt the file.</summary>
    WrongPassphrase,
}

/// <summary>A private key file could not be loaded. The message names the file, never the passphrase or key material.</summary>
internal sealed class PrivateKeyLoadException : AuthenticationFailedException
{
    public PrivateKeyLoadException(string message, PrivateKeyProblem problem, string keyFile, Exception? innerException = null)
        : base(message, innerException)
    {
        Problem = problem;
        KeyFile = keyFile;
    }

    public PrivateKeyProblem Problem { get; }

    /// <summary>The key file's path.</summary>
    public string KeyFile { get; }
}
