using System;
using System.Collections.Generic;

namespace FtpTools.Core.Ftp;

/// <summary>
/// The server's FEAT answer (RFC 2389 §3.2): one feature per line, each line starting with a space,
/// a feature name and optional parameters ("MLST type*;size*;modify*;", "REST STREAM").
/// </summary>
internal sealed class FtpFeatures
{
    private readonly Dictionary<string, string> _features;

    private FtpFeatures(Dictionary<string, string> features)
    {
        _features = features;
    }

    public static FtpFeatures None { get; } = new(new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase));

    /// <summary>Feature names upper-cased, in the server's order.</summary>
    public IReadOnlyList<string> Names { get; private set; } = Array.Empty<string>();

    public static FtpFeatures Parse(FtpReply reply)
    {
        var features = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var names = new List<string>();

        // RFC 2389 §3.2: the first and last lines are the reply frame; feature lines start with a space.
        for (var i = 1; i < reply.Lines.Count - 1; i++)
        {
            var line = reply.Lines[i];
            if (line.Length < 2 || line[0] != ' ')
            {
                continue;
            }

            var text = line.Trim();
            var space = text.IndexOf(' ');
            var name = (space < 0 ? text : text.Substring(0, space)).ToUpperInvariant();
            var parameters = space < 0 ? "" : text.Substring(space + 1).Trim();
            if (name.Length == 0 || features.ContainsKey(name))
            {
                continue;
            }

            features[name] = parameters;
            names.Add(name);
        }

        return new FtpFeatures(features) { Names = names };
    }

    public bool Has(string name) => _features.ContainsKey(name);

    /// <summary>True when a feature is offered with a parameter word, e.g. ("REST", "STREAM") or ("AUTH", "TLS").</summary>
    public bool Has(string name, string parameter)
    {
        if (!_features.TryGetValue(name, out var parameters))
        {
            return false;
        }

        foreach (var word in parameters.Split(new[] { ' ', ';', ',' }, StringSplitOptions.RemoveEmptyEntries))
        {
            if (string.Equals(word.TrimEnd('*'), parameter, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    public string? Parameters(string name) => _features.TryGetValue(name, out var parameters) ? parameters : null;
}
