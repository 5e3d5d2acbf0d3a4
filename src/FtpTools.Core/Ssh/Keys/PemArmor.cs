using System;
using System.Collections.Generic;

namespace FtpTools.Core.Ssh.Keys;

/// <summary>
/// One PEM block (RFC 7468 §2, plus the RFC 1421 headers OpenSSL writes for legacy encryption:
/// "Proc-Type: 4,ENCRYPTED" and "DEK-Info: AES-128-CBC,&lt;iv hex&gt;").
/// </summary>
internal sealed class PemArmor
{
    private PemArmor(string label, IReadOnlyDictionary<string, string> headers, byte[] data)
    {
        Label = label;
        Headers = headers;
        Data = data;
    }

    /// <summary>The text between "BEGIN " and the dashes, e.g. "RSA PRIVATE KEY".</summary>
    public string Label { get; }

    public IReadOnlyDictionary<string, string> Headers { get; }

    public byte[] Data { get; }

    /// <summary>The first PEM block in <paramref name="text"/>, or null when there is none.</summary>
    public static PemArmor? TryParse(string text)
    {
        const string begin = "-----BEGIN ";
        const string end = "-----END ";
        var lines = text.Replace("\r", string.Empty).Split('\n');
        var start = -1;
        string? label = null;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.StartsWith(begin, StringComparison.Ordinal) && line.EndsWith("-----", StringComparison.Ordinal) && line.Length > begin.Length + 5)
            {
                label = line.Substring(begin.Length, line.Length - begin.Length - 5);
                start = i + 1;
                break;
            }
        }

        if (label is null)
        {
            return null;
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var body = new System.Text.StringBuilder();
        var inHeaders = true;
        for (var i = start; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line == end + label + "-----")
            {
                try
                {
                    return new PemArmor(label, headers, Convert.FromBase64String(body.ToString()));
                }
                catch (FormatException)
                {
                    return null;
                }
            }

            if (inHeaders)
            {
                var colon = line.IndexOf(':');
                if (colon > 0)
                {
                    headers[line.Substring(0, colon).Trim()] = line.Substring(colon + 1).Trim();
                    continue;
                }

                inHeaders = false;
            }

            body.Append(line);
        }

        return null;
    }
}
