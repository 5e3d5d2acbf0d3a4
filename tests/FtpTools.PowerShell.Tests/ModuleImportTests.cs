using System;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using Xunit;

namespace FtpTools.PowerShell.Tests;

/// <summary>The module as the PowerShell engine imports it: its cmdlets, where its core comes from, its help.</summary>
[Collection("module")]
public sealed class ModuleImportTests
{
    private static readonly string[] Cmdlets =
    {
        "Connect-FtpSession", "Disconnect-FtpSession", "Get-FtpContent", "Get-FtpFileHash", "Get-FtpItem", "Get-FtpSession", "Invoke-FtpCommand", "New-FtpDirectory",
        "Receive-FtpFile", "Remove-FtpItem", "Rename-FtpItem", "Send-FtpFile", "Set-FtpItem", "Set-FtpLocation", "Test-FtpPath",
    };

    private readonly ImportedModule _module;

    public ModuleImportTests(ImportedModule module) => _module = module;

    [Fact]
    public void Import_Module_by_the_manifest_loads_the_core_from_the_modules_lib_folder_and_exports_every_cmdlet()
    {
        Assert.False(_module.CoreLoadedBeforeImport, "FtpTools.Core was loaded before the first Import-Module; this test would not show how the module finds it.");
        Assert.True(_module.ImportFailure is null, "Import-Module failed: " + _module.ImportFailure);
        Assert.Equal(Cmdlets, _module.Module!.ExportedCmdlets.Keys.OrderBy(n => n, StringComparer.Ordinal));

        // The core loads when a cmdlet first needs it (here: parsing a URI, which is refused for its password).
        var shell = _module.Shell();
        var refused = ImportedModule.Run(shell, "Connect-FtpSession -Uri 'ftp://user:secret@127.0.0.1'");
        Assert.Equal("FtpTools.InvalidUri,FtpTools.Commands.ConnectFtpSessionCommand", Assert.Single(refused.Errors).FullyQualifiedErrorId);
        var core = AppDomain.CurrentDomain.GetAssemblies().Single(a => a.GetName().Name == "FtpTools.Core");
        var folder = OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64 ? "net10.0-linux-x64" : "net8.0";
        Assert.Equal(Path.Combine(_module.ModuleDirectory, "lib", folder, "FtpTools.Core.dll"), core.Location);
    }

    [Fact]
    public void Get_Help_finds_the_about_topic()
    {
        var result = ImportedModule.Run(_module.Shell(), "Get-Help -Name about_FtpTools | ForEach-Object { \"$_\" }");

        Assert.Empty(result.Errors);
        var text = string.Join("\n", result.Output.Select(o => o.ToString()));
        Assert.Contains("about_FtpTools", text, StringComparison.Ordinal);
        Assert.Contains("LOST CONNECTIONS", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_cmdlet_has_help_with_a_synopsis_a_description_and_an_example()
    {
        var shell = _module.Shell();
        foreach (var name in Cmdlets)
        {
            var result = ImportedModule.Run(shell, "Get-Help -Name $args[0] -Full", name);
            Assert.True(result.Output.Count == 1, $"Get-Help {name}: {result.Output.Count} objects; errors: {string.Join("; ", result.Errors)}");
            var help = result.Output[0];
            var synopsis = help.Properties["Synopsis"].Value?.ToString()?.Trim();
            Assert.False(string.IsNullOrEmpty(synopsis), name + " has no synopsis");
            Assert.False(synopsis!.StartsWith(name, StringComparison.Ordinal), name + "'s help is the generated one: " + synopsis);

            var parts = ImportedModule.Run(
                shell,
                "$h = Get-Help -Name $args[0] -Full; ($h.description | ForEach-Object Text) -join ' '; @($h.examples.example).Count",
                name).Output;
            Assert.True(parts[0].ToString().Length > 40, name + "'s help has no description: " + parts[0]);
            Assert.True((int)parts[1].BaseObject >= 1, name + "'s help has no example");
        }
    }
}
