using System.Collections.Generic;
using System.Text;
using FtpTools.Core.Logging;

namespace FtpTools.Core.Tests;

/// <summary>
/// Collects the protocol log of one test, to assert on and to print when a test fails: "&gt; " sent, "&lt; " received,
/// "* " anything else.
/// </summary>
internal sealed class RecordingLog : IProtocolLog
{
    private readonly List<string> _lines = new();

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
            {
                return _lines.ToArray();
            }
        }
    }

    public void Write(LogDirection direction, string message)
    {
        var prefix = direction switch
        {
            LogDirection.Sent => "> ",
            LogDirection.Received => "< ",
            _ => "* ",
        };

        lock (_lines)
        {
            _lines.Add(prefix + message);
        }
    }

    public override string ToString()
    {
        var builder = new StringBuilder();
        foreach (var line in Lines)
        {
            builder.Append(line).Append('\n');
        }

        return builder.ToString();
    }
}
