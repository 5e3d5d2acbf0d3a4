using System;
using System.Collections.Generic;
using System.IO;
using System.Text.RegularExpressions;

namespace FtpTools.Bench;

/// <summary>
/// Checks what a run left behind, so that a broken transfer never counts as fast: sizes always, SHA-256 of
/// every small file always, SHA-256 of the big file when asked (once per row), the entry count of a listing.
/// </summary>
internal static partial class Verifier
{
    /// <summary>Null when the run did what it should, else why not.</summary>
    public static string? Check(Job job, RunOutcome outcome, bool hashBigFile)
    {
        var data = job.Data;
        switch (job.Case.Kind)
        {
            case CaseKind.DownloadBig:
                return CheckBig(job.LocalTarget, data, hashBigFile);
            case CaseKind.UploadBig:
                return CheckBig(job.ServerPath, data, hashBigFile);
            case CaseKind.DownloadSmall:
                return CheckSmall(job.LocalTarget, data);
            case CaseKind.UploadSmall:
                return CheckSmall(job.ServerPath, data);
            default:
                var count = outcome.ListedCount ?? CountListed(outcome.Stdout ?? "");
                return count == data.ListCount ? null : $"listed {count} entries, expected {data.ListCount}";
        }
    }

    /// <summary>Distinct entry names (e00000...) in a listing, whatever the tool's format: the name ends each line.</summary>
    public static int CountListed(string listing)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in listing.Split('\n'))
        {
            var m = EntryName().Match(line.TrimEnd('\r', ' '));
            if (m.Success)
            {
                names.Add(m.Groups[1].Value);
            }
        }

        return names.Count;
    }

    private static string? CheckBig(string path, DataSet data, bool hash)
    {
        var file = new FileInfo(path);
        if (!file.Exists)
        {
            return $"{path} does not exist";
        }

        if (file.Length != data.BigSize)
        {
            return $"{path} has {file.Length} bytes, expected {data.BigSize}";
        }

        if (hash)
        {
            var sha = DataSet.Sha256OfFile(path);
            if (!string.Equals(sha, data.BigSha256, StringComparison.Ordinal))
            {
                return $"{path}: SHA-256 {sha} differs from the source's {data.BigSha256}";
            }
        }

        return null;
    }

    private static string? CheckSmall(string directory, DataSet data)
    {
        if (!Directory.Exists(directory))
        {
            return $"{directory} does not exist";
        }

        var found = Directory.GetFiles(directory);
        if (found.Length != data.SmallFiles.Count)
        {
            return $"{directory} holds {found.Length} files, expected {data.SmallFiles.Count}";
        }

        foreach (var (name, sha) in data.SmallFiles)
        {
            var path = Path.Combine(directory, name);
            if (!File.Exists(path))
            {
                return $"{path} is missing";
            }

            if (!string.Equals(DataSet.Sha256OfFile(path), sha, StringComparison.Ordinal))
            {
                return $"{path} differs from the source (SHA-256)";
            }
        }

        return null;
    }

    [GeneratedRegex(@"(?:^|[\s/])(e\d{5})$")]
    private static partial Regex EntryName();
}
