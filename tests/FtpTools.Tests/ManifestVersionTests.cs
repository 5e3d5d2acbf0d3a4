using System;
using System.IO;
using System.Text.RegularExpressions;
using Xunit;

namespace FtpTools.Tests;

public class ManifestVersionTests
{
    [Fact]
    public void Assemblies_carry_the_manifest_version()
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "FtpTools.sln")))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("repository root not found");
        }

        var manifest = File.ReadAllText(Path.Combine(root, "FtpTools.psd1"));
        var version = Regex.Match(manifest, @"ModuleVersion\s*=\s*'([0-9.]+)'").Groups[1].Value;
        Assert.Matches(@"^\d+\.\d+\.\d+$", version);
        Assert.Equal(Version.Parse(version), typeof(ModuleInitializer).Assembly.GetName().Version!.ToString(3) is var v ? Version.Parse(v) : null);
        Assert.Equal(Version.Parse(version).ToString(3), typeof(FtpTools.Core.IRemoteSession).Assembly.GetName().Version!.ToString(3));
    }
}
