using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Xunit;

namespace FtpTools.PowerShell.Tests;

/// <summary>
/// Every example a user may copy (the cmdlets' help, the README), and every script of ours (the Pester tests, build.ps1),
/// parses in PowerShell and calls the module's cmdlets only with parameters they have.
/// </summary>
[Collection("module")]
public sealed class DocumentedExampleTests
{
    private readonly ImportedModule _module;

    public DocumentedExampleTests(ImportedModule module) => _module = module;

    public static IEnumerable<object[]> HelpExamples()
    {
        var help = XDocument.Load(Path.Combine(ImportedModule.RepositoryRoot, "out", "FtpTools", "en-US", "FtpTools.dll-Help.xml"));
        foreach (var command in help.Descendants().Where(e => e.Name.LocalName == "command"))
        {
            var name = command.Descendants().First(e => e.Name.LocalName == "name").Value.Trim();
            var number = 0;
            foreach (var code in command.Descendants().Where(e => e.Name.LocalName == "example").Select(e => e.Descendants().First(c => c.Name.LocalName == "code").Value))
            {
                yield return new object[] { $"{name} example {++number}", code };
            }
        }
    }

    public static IEnumerable<object[]> ReadmeExamples()
    {
        var readme = File.ReadAllText(Path.Combine(ImportedModule.RepositoryRoot, "README.md"));
        var number = 0;
        foreach (Match block in Regex.Matches(readme, "```powershell\\n(.*?)```", RegexOptions.Singleline))
        {
            yield return new object[] { $"README block {++number}", block.Groups[1].Value };
        }
    }

    /// <summary>The Pester tests, their helpers and build.ps1: run by reviewers' pwsh, never here (no Pester).</summary>
    public static IEnumerable<object[]> Scripts() =>
        Directory.GetFiles(Path.Combine(ImportedModule.RepositoryRoot, "tests"), "*.ps1")
            .Append(Path.Combine(ImportedModule.RepositoryRoot, "build.ps1"))
            .OrderBy(p => p, StringComparer.Ordinal)
            .Select(p => new object[] { Path.GetRelativePath(ImportedModule.RepositoryRoot, p), File.ReadAllText(p) });

    [Fact]
    public void There_are_examples_to_check()
    {
        Assert.True(HelpExamples().Count() >= 26, "fewer help examples than cmdlets x 2");
        Assert.NotEmpty(ReadmeExamples());
        Assert.True(Scripts().Count() >= 15, "the Pester files were not found");
    }

    [Theory]
    [MemberData(nameof(HelpExamples))]
    [MemberData(nameof(ReadmeExamples))]
    [MemberData(nameof(Scripts))]
    public void The_example_parses_and_uses_only_parameters_the_cmdlets_have(string where, string code)
    {
        Assert.True(_module.ImportFailure is null, "Import-Module failed: " + _module.ImportFailure);
        var ast = Parser.ParseInput(code, out _, out var errors);
        Assert.True(errors.Length == 0, $"{where} does not parse: {string.Join("; ", errors.Select(e => $"line {e.Extent.StartLineNumber}: {e.Message}"))}\n{code}");

        var cmdlets = _module.Module!.ExportedCmdlets;
        foreach (var call in ast.FindAll(a => a is CommandAst, searchNestedScriptBlocks: true).Cast<CommandAst>())
        {
            var name = call.GetCommandName();
            if (name is null || !Regex.IsMatch(name, "^[A-Za-z]+-Ftp[A-Za-z]*$") || OwnFunctions.Contains(name))
            {
                continue;
            }

            Assert.True(cmdlets.ContainsKey(name), $"{where} calls {name}, which the module does not have.");
            var parameters = cmdlets[name].Parameters.Values;
            foreach (var parameter in call.CommandElements.OfType<CommandParameterAst>())
            {
                var matches = parameters.Where(p => Named(p, parameter.ParameterName, exact: true)).ToList();
                if (matches.Count == 0)
                {
                    matches = parameters.Where(p => Named(p, parameter.ParameterName, exact: false)).ToList();
                }

                Assert.True(matches.Count == 1, $"{where}: {name} has {(matches.Count == 0 ? "no" : "more than one")} parameter -{parameter.ParameterName}.\n{call.Extent.Text}");
            }
        }
    }

    /// <summary>Functions our scripts define (test helpers such as Import-FtpToolsUnderTest): not the module's.</summary>
    private static readonly HashSet<string> OwnFunctions = Scripts()
        .SelectMany(s => Parser.ParseInput((string)s[1], out _, out _).FindAll(a => a is FunctionDefinitionAst, searchNestedScriptBlocks: true))
        .Select(f => ((FunctionDefinitionAst)f).Name)
        .ToHashSet(StringComparer.OrdinalIgnoreCase);

    private static bool Named(ParameterMetadata parameter, string name, bool exact) =>
        new[] { parameter.Name }.Concat(parameter.Aliases).Any(n => exact
            ? string.Equals(n, name, StringComparison.OrdinalIgnoreCase)
            : n.StartsWith(name, StringComparison.OrdinalIgnoreCase));
}
