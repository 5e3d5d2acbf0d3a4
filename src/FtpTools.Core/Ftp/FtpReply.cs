using System;
using System.Collections.Generic;
using System.Text;

namespace FtpTools.Core.Ftp;

/// <summary>One whole reply from the control connection (RFC 959 §4.2), single- or multi-line.</summary>
internal sealed class FtpReply
{
    public FtpReply(FtpReplyCode code, IReadOnlyList<string> lines)
    {
        Code = code;
        Lines = lines;
    }

    public FtpReplyCode Code { get; }

    /// <summary>The reply's lines as received, code prefixes included, line ends removed.</summary>
    public IReadOnlyList<string> Lines { get; }

    /// <summary>The text without the "123-"/"123 " prefixes, lines joined by '\n'.</summary>
    public string Message
    {
        get
        {
            var prefix = ((int)Code).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var builder = new StringBuilder();
            foreach (var line in Lines)
            {
                if (builder.Length > 0)
                {
                    builder.Append('\n');
                }

                var text = line.StartsWith(prefix, StringComparison.Ordinal) && (line.Length == 3 || line[3] == ' ' || line[3] == '-')
                    ? line.Substring(Math.Min(4, line.Length))
                    : line;
                builder.Append(text);
            }

            return builder.ToString();
        }
    }

    /// <summary>The reply as a human reads it in an error message: "550 No such file."</summary>
    public override string ToString() => ((int)Code).ToString(System.Globalization.CultureInfo.InvariantCulture) + " " + Message.Replace('\n', ' ');
}
