using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;

namespace FtpTools.Core;

/// <summary>The server's final answer to a command sent as it is (<see cref="RemoteCommand.SendAsync"/>).</summary>
public sealed class RemoteCommandReply
{
    public RemoteCommandReply(string command, int code, string message, IReadOnlyList<string> lines)
    {
        Command = command;
        Code = code;
        Message = message;
        Lines = lines;
    }

    /// <summary>The command line as sent.</summary>
    public string Command { get; }

    /// <summary>The final reply's code (RFC 959 §4.2): 2yz done, 3yz more is expected. 4yz and 5yz are errors instead.</summary>
    public int Code { get; }

    /// <summary>The final reply's text without its code prefixes, lines joined by "\n".</summary>
    public string Message { get; }

    /// <summary>Every reply line as received (a preliminary 1yz reply's too), code prefixes included.</summary>
    public IReadOnlyList<string> Lines { get; }

    public override string ToString() => Code.ToString(CultureInfo.InvariantCulture) + " " + Message.Replace('\n', ' ');
}

/// <summary>A session that can send a command line as the user wrote it (FTP's SITE commands and the like).</summary>
internal interface IRawCommandSession
{
    Task<RemoteCommandReply> SendRawCommandAsync(string command, CancellationToken cancellationToken);
}

/// <summary>
/// Commands sent to an FTP server as they are (Invoke-FtpCommand): SITE commands, STAT, HELP, FEAT and the like. The
/// reply is read whole (a preliminary 1yz reply and the final one), so the session stays in step; a 4yz or 5yz
/// reply is a <see cref="Errors.CommandRefusedException"/>. Commands that would change what the session keeps track of
/// (login and TLS, data connections and transfer parameters, the current directory, a rename's two halves, QUIT) are
/// refused before anything is sent, with the cmdlet to use instead. SFTP has no such commands.
/// </summary>
public static class RemoteCommand
{
    /// <summary>Longest command line sent (vsftpd reads at most 4 KiB).</summary>
    public const int MaxLength = 2048;

    private static readonly Dictionary<string, string> Refused = new(StringComparer.OrdinalIgnoreCase)
    {
        ["USER"] = "logging in is Connect-FtpSession's",
        ["PASS"] = "logging in is Connect-FtpSession's",
        ["ACCT"] = "logging in is Connect-FtpSession's",
        ["REIN"] = "logging in is Connect-FtpSession's",
        ["HOST"] = "logging in is Connect-FtpSession's",
        ["AUTH"] = "TLS is set up by Connect-FtpSession (ftpes:// or ftps://)",
        ["PBSZ"] = "TLS is set up by Connect-FtpSession (ftpes:// or ftps://)",
        ["PROT"] = "TLS is set up by Connect-FtpSession (ftpes:// or ftps://)",
        ["CCC"] = "TLS is set up by Connect-FtpSession (ftpes:// or ftps://)",
        ["QUIT"] = "use Disconnect-FtpSession",
        ["CWD"] = "use Set-FtpLocation",
        ["XCWD"] = "use Set-FtpLocation",
        ["CDUP"] = "use Set-FtpLocation ..",
        ["XCUP"] = "use Set-FtpLocation ..",
        ["RNFR"] = "use Rename-FtpItem",
        ["RNTO"] = "use Rename-FtpItem",
        ["PORT"] = "data connections are opened by the transfer and listing cmdlets",
        ["EPRT"] = "data connections are opened by the transfer and listing cmdlets",
        ["LPRT"] = "data connections are opened by the transfer and listing cmdlets",
        ["PASV"] = "data connections are opened by the transfer and listing cmdlets",
        ["EPSV"] = "data connections are opened by the transfer and listing cmdlets",
        ["LPSV"] = "data connections are opened by the transfer and listing cmdlets",
        ["SPSV"] = "data connections are opened by the transfer and listing cmdlets",
        ["RETR"] = "use Receive-FtpFile",
        ["STOR"] = "use Send-FtpFile",
        ["STOU"] = "use Send-FtpFile",
        ["APPE"] = "use Send-FtpFile",
        ["REST"] = "use Receive-FtpFile or Send-FtpFile -Resume",
        ["ABOR"] = "stop the transfer's pipeline instead (Ctrl+C)",
        ["LIST"] = "use Get-FtpItem",
        ["NLST"] = "use Get-FtpItem",
        ["MLSD"] = "use Get-FtpItem",
        ["TYPE"] = "the transfer type is the session's (Connect-FtpSession -TransferMode)",
        ["MODE"] = "transfers use stream mode, set by the session",
        ["STRU"] = "transfers use file structure, set by the session",
    };

    /// <summary>
    /// Sends <paramref name="command"/> as it is and returns the server's answer. Throws
    /// <see cref="ArgumentException"/> for a command <see cref="Check"/> refuses, <see cref="NotSupportedException"/>
    /// for an SFTP session, and <see cref="Errors.CommandRefusedException"/> for a 4yz or 5yz reply.
    /// </summary>
    public static Task<RemoteCommandReply> SendAsync(IRemoteSession session, string command, CancellationToken cancellationToken)
    {
        if (session is null)
        {
            throw new ArgumentNullException(nameof(session));
        }

        if (Check(command) is { } error)
        {
            throw new ArgumentException(error, nameof(command));
        }

        return session is IRawCommandSession raw
            ? raw.SendRawCommandAsync(command, cancellationToken)
            : throw new NotSupportedException(
                $"{session.Protocol.ToString().ToUpperInvariant()} has no commands to send as they are; Invoke-FtpCommand works on FTP, FTPES and FTPS sessions.");
    }

    /// <summary>Why <paramref name="command"/> is not sent, or null when it may be.</summary>
    public static string? Check(string? command)
    {
        if (string.IsNullOrWhiteSpace(command))
        {
            return "The command is empty.";
        }

        foreach (var c in command!)
        {
            if (c < ' ' || c == '\x7F')
            {
                // Telnet end of line (RFC 959 §4.1.3) ends a command: a second line would be a second, unchecked
                // command. A tab or another control character may separate a verb from its argument for the server
                // (ProFTPD splits on any white space) and so hide the verb from the check below.
                return "A command is one line of printable text: it must not contain a carriage return, a line feed, a tab or another control character.";
            }
        }

        if (command.Length > MaxLength)
        {
            return $"The command is {command.Length} characters long; at most {MaxLength} are sent.";
        }

        var trimmed = command.Trim();
        var space = trimmed.IndexOf(' ');
        var verb = space < 0 ? trimmed : trimmed.Substring(0, space);
        if (Refused.TryGetValue(verb, out var instead))
        {
            return $"{verb.ToUpperInvariant()} is not sent as a raw command: it would change what FtpTools keeps track of in the session; {instead}.";
        }

        if (verb.Equals("OPTS", StringComparison.OrdinalIgnoreCase) && trimmed.Substring(4).Trim().StartsWith("UTF", StringComparison.OrdinalIgnoreCase))
        {
            return "OPTS UTF8 is not sent as a raw command: the session's text encoding is agreed on at connect.";
        }

        if (verb.Equals("OPTS", StringComparison.OrdinalIgnoreCase) && trimmed.Substring(4).Trim().StartsWith("HASH", StringComparison.OrdinalIgnoreCase))
        {
            return "OPTS HASH is not sent as a raw command: the session keeps track of the algorithm it selected; use Get-FtpFileHash -Algorithm.";
        }

        return null;
    }
}
