using System;
using System.Text;

namespace FtpTools.Core.Ssh.Channels;

/// <summary>The outcome of a remote command run with "exec" (RFC 4254 §6.5, §6.10).</summary>
internal sealed class SshExecResult
{
    public SshExecResult(int? exitStatus, string? exitSignal, byte[] standardOutput, byte[] standardError, long standardErrorLength)
    {
        ExitStatus = exitStatus;
        ExitSignal = exitSignal;
        StandardOutput = standardOutput;
        StandardError = standardError;
        StandardErrorLength = standardErrorLength;
    }

    /// <summary>The command's exit status, or null when the server sent none (e.g. killed by a signal).</summary>
    public int? ExitStatus { get; }

    /// <summary>The signal name (e.g. "TERM") when the command was killed by one.</summary>
    public string? ExitSignal { get; }

    public byte[] StandardOutput { get; }

    /// <summary>stderr, at most <see cref="SshChannel.MaxCollectedStderr"/> bytes of it.</summary>
    public byte[] StandardError { get; }

    /// <summary>The full stderr length, also counting bytes past the collection limit.</summary>
    public long StandardErrorLength { get; }

    public string StandardOutputText => Encoding.UTF8.GetString(StandardOutput);

    public string StandardErrorText => Encoding.UTF8.GetString(StandardError);
}
