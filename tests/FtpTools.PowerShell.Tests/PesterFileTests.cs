using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Xunit;
using Xunit.Abstractions;

namespace FtpTools.PowerShell.Tests;

/// <summary>
/// The Pester files (tests/*.Tests.ps1), which build.ps1 runs with Pester 5 where pwsh has it, run here too: in the
/// PowerShell 7.6 engine, against the same servers, by MiniPester.ps1, a runner that follows Pester 5's discovery
/// and run phases and its Should operators for what these files use, with the Management and Utility commands they
/// call written over the engine's provider API (this engine has neither module). So a Pester test that would fail
/// for a reviewer fails here first. What cannot run without the Utility module is named below and must stay exactly
/// that; the module's format views are covered by CmdletScenarioTests instead.
/// </summary>
[Collection("module")]
public sealed class PesterFileTests
{
    /// <summary>Tests that call Format-List, Format-Table or Out-String (the Utility module), by file.</summary>
    private static readonly Dictionary<string, string[]> NotRunHere = new(StringComparer.Ordinal)
    {
        ["Get-FtpItem.Tests.ps1"] = new[] { "Ftp", "Ftpes", "Sftp" }
            .Select(p => $"Get-FtpItem.Tests.ps1 > Get-FtpItem > {p} > shows an item in a list with what it is and where it came from, not its internals")
            .ToArray(),
        ["Get-FtpFileHash.Tests.ps1"] = new[] { "Ftp", "Ftpes", "Sftp" }
            .Select(p => $"Get-FtpFileHash.Tests.ps1 > Get-FtpFileHash > {p} > shows a whole SHA256 hash in its table, as Get-FileHash does, on an 80-column console")
            .ToArray(),
    };

    private readonly ImportedModule _module;
    private readonly TestServers _servers;
    private readonly ITestOutputHelper _output;

    public PesterFileTests(ImportedModule module, TestServers servers, ITestOutputHelper output)
    {
        _module = module;
        _servers = servers;
        _output = output;
    }

    private static string Runner => Path.Combine(ImportedModule.RepositoryRoot, "tests", "FtpTools.PowerShell.Tests", "MiniPester.ps1");

    public static IEnumerable<object[]> Files() =>
        Directory.GetFiles(Path.Combine(ImportedModule.RepositoryRoot, "tests"), "*.Tests.ps1")
            .Select(Path.GetFileName)
            .Order(StringComparer.Ordinal)
            .Select(name => new object[] { name! });

    [Fact]
    public void Every_cmdlet_has_a_Pester_file()
    {
        var files = Files().Select(f => (string)f[0]).ToList();
        Assert.Equal(_module.Module!.ExportedCmdlets.Keys.Order(StringComparer.Ordinal).Select(c => c + ".Tests.ps1"), files);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void The_Pester_file_passes_in_the_engine_against_the_test_servers(string file)
    {
        // As build.ps1 does after `ftptools-servers.sh up`: the helpers read the servers from the environment.
        foreach (var (name, value) in _servers.Settings())
        {
            Environment.SetEnvironmentVariable(name, value);
        }

        var path = Path.Combine(ImportedModule.RepositoryRoot, "tests", file);
        var result = ImportedModule.Run(_module.Bare(), "$ErrorActionPreference = 'Stop'; . $args[0]; $ErrorActionPreference = 'Continue'; Invoke-MiniPester -Path $args[1]", Runner, path);

        var tests = result.Output.Select(o => (
            Path: (string)o.Properties["Path"].Value,
            Passed: (bool)o.Properties["Passed"].Value,
            NotRunHere: o.Properties["NotRunHere"].Value as string,
            Message: o.Properties["Message"].Value as string)).ToList();
        foreach (var test in tests)
        {
            _output.WriteLine($"{(test.Passed ? "passed" : test.NotRunHere is null ? "FAILED" : "not run here")}: {test.Path}");
        }

        var failed = tests.Where(t => !t.Passed && t.NotRunHere is null).Select(t => $"{t.Path}:\n{t.Message}").ToList();
        Assert.True(failed.Count == 0, $"{failed.Count} of {tests.Count} failed:\n\n" + string.Join("\n\n", failed));
        Assert.True(tests.Count(t => t.Passed) >= 3, $"{file}: only {tests.Count(t => t.Passed)} tests ran and passed; errors: {string.Join("\n", result.Errors.Select(e => e + " " + e.InvocationInfo?.PositionMessage))}");
        Assert.Equal(
            NotRunHere.TryGetValue(file, out var expected) ? expected : Array.Empty<string>(),
            tests.Where(t => t.NotRunHere is not null).Select(t => t.Path));
    }

    /// <summary>
    /// The runner's Should, held to Pester 5's rules (pipeline input collected; Be, BeExactly, BeNullOrEmpty and Contain
    /// take the whole input, the others each item; no input is $null): each line must pass, and fail with -Not.
    /// </summary>
    [Theory]
    [InlineData("5 | Should -Be 5")]
    [InlineData("'A' | Should -Be 'a'")]
    [InlineData("'a', 'b' | Should -Be @('a', 'b')")]
    [InlineData("@() | Should -BeNullOrEmpty")]
    [InlineData("$null | Should -BeNullOrEmpty")]
    [InlineData("'' | Should -BeNullOrEmpty")]
    [InlineData("Should -BeNullOrEmpty -ActualValue @()")]
    [InlineData("'a' | Should -BeExactly 'a'")]
    [InlineData("$true | Should -BeTrue")]
    [InlineData("0 | Should -BeFalse")]
    [InlineData("3 | Should -BeGreaterThan 2")]
    [InlineData("2 | Should -BeLessOrEqual 2")]
    [InlineData("'x' | Should -BeIn @('x', 'y')")]
    [InlineData("'abc.txt' | Should -BeLike '*.TXT'")]
    [InlineData("$true | Should -BeOfType [bool]")]
    [InlineData("'a', 'b' | Should -Contain 'b'")]
    [InlineData("'line 42' | Should -Match '\\d+$'")]
    [InlineData("{ throw [System.Management.Automation.ErrorRecord]::new([Exception]::new('m'), 'Some.Id', 'InvalidOperation', $null) } | Should -Throw -ErrorId 'Some.Id'")]
    [InlineData("{ throw 'boom' } | Should -Throw -ExpectedMessage 'bo*'")]
    public void The_runners_Should_passes_what_Pester_passes_and_fails_it_negated(string line)
    {
        var shell = _module.Bare();
        var passed = ImportedModule.Run(shell, ". $args[0]; $line = $args[1]; try { . ([scriptblock]::Create($line)); 'passed' } catch { $_.Exception.Message }", Runner, line);
        Assert.Equal("passed", Assert.Single(passed.Output).ToString());

        var negated = line.Replace("| Should -", "| Should -Not -", StringComparison.Ordinal).Replace("Should -BeNullOrEmpty -ActualValue", "Should -Not -BeNullOrEmpty -ActualValue", StringComparison.Ordinal);
        var failed = ImportedModule.Run(shell, ". $args[0]; $line = $args[1]; try { . ([scriptblock]::Create($line)); 'passed' } catch { $_.Exception.Message }", Runner, negated);
        Assert.StartsWith("Expected not -", Assert.Single(failed.Output).ToString(), StringComparison.Ordinal);
    }

    /// <summary>And these fail as they do in Pester 5.</summary>
    [Theory]
    [InlineData("5 | Should -Be 6")]
    [InlineData("'a' | Should -Be @('a', 'b')")]
    [InlineData("'a', 'b' | Should -Be 'a'")]
    [InlineData("'A' | Should -BeExactly 'a'")]
    [InlineData("'x' | Should -BeNullOrEmpty")]
    [InlineData("$null, $null | Should -BeNullOrEmpty")]
    [InlineData("$true, $false | Should -BeTrue")]
    [InlineData("@() | Should -BeTrue")]
    [InlineData("2 | Should -BeGreaterThan 2")]
    [InlineData("'x' | Should -BeIn @('y')")]
    [InlineData("'a' | Should -BeOfType [int]")]
    [InlineData("{ 1 } | Should -Throw")]
    [InlineData("{ throw [System.Management.Automation.ErrorRecord]::new([Exception]::new('m'), 'Some.Id', 'InvalidOperation', $null) } | Should -Throw -ErrorId 'Other.Id'")]
    [InlineData("{ Get-Command no-such-command -ErrorAction Continue 2>$null } | Should -Throw")]
    public void The_runners_Should_fails_what_Pester_fails(string line)
    {
        var result = ImportedModule.Run(_module.Bare(), ". $args[0]; $line = $args[1]; try { . ([scriptblock]::Create($line)); 'passed' } catch { $_.Exception.Message }", Runner, line);
        Assert.StartsWith("Expected -", Assert.Single(result.Output).ToString(), StringComparison.Ordinal);
    }
}
