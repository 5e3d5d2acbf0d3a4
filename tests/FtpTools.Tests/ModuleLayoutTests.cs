using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Xunit;
using static FtpTools.Tests.CmdletMetadata;

namespace FtpTools.Tests;

/// <summary>The importable module folder that every build assembles in out/FtpTools, and its help and format data.</summary>
public class ModuleLayoutTests
{
    private static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
    private static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";

    private static string ModuleDirectory => Path.Combine(RepositoryRoot, "out", "FtpTools");

    [Theory]
    [InlineData("FtpTools.psd1")]
    [InlineData("FtpTools.dll")]
    [InlineData("FtpTools.format.ps1xml")]
    [InlineData("en-US/FtpTools.dll-Help.xml")]
    [InlineData("en-US/about_FtpTools.help.txt")]
    [InlineData("lib/net8.0/FtpTools.Core.dll")]
    [InlineData("lib/net10.0-linux-x64/FtpTools.Core.dll")]
    [InlineData("lib/net10.0-win-x64/FtpTools.Core.dll")]
    [InlineData("lib/netstandard2.0/FtpTools.Core.dll")]
    [InlineData("lib/netstandard2.0/System.Memory.dll")]
    [InlineData("lib/netstandard2.0/System.Threading.Channels.dll")]
    public void The_module_folder_has_everything_Import_Module_needs(string relativePath)
    {
        Assert.True(File.Exists(Path.Combine(ModuleDirectory, relativePath)), $"out/FtpTools/{relativePath} is missing; build src/FtpTools");
    }

    [Fact]
    public void The_module_folder_ships_no_PowerShell_reference_assembly()
    {
        Assert.Empty(Directory.GetFiles(ModuleDirectory, "System.Management.Automation.dll", SearchOption.AllDirectories));
    }

    [Theory]
    [InlineData("lib/net8.0", ".NETCoreApp,Version=v8.0")]
    [InlineData("lib/netstandard2.0", ".NETStandard,Version=v2.0")]
    [InlineData("lib/net10.0-linux-x64", ".NETCoreApp,Version=v10.0")]
    [InlineData("lib/net10.0-win-x64", ".NETCoreApp,Version=v10.0")]
    public void Each_lib_folder_holds_the_core_built_for_it(string folder, string framework)
    {
        var core = Path.Combine(ModuleDirectory, folder, "FtpTools.Core.dll");
        Assert.Equal(framework, TargetFramework(core));
    }

    /// <summary>
    /// The net10.0 folders hold the core precompiled (ReadyToRun) for their OS on x64, and nothing else: the rest
    /// comes from lib/net8.0. A ReadyToRun image has a managed native header, and its COFF machine is x64's
    /// (0x8664) combined by XOR with a value for the OS (0 for Windows, 0x7B79 for Linux), so another OS ignores its
    /// machine code. The IL-only builds have neither.
    /// </summary>
    [Theory]
    [InlineData("lib/net10.0-linux-x64", 0x8664 ^ 0x7B79, true)]
    [InlineData("lib/net10.0-win-x64", 0x8664, true)]
    [InlineData("lib/net8.0", 0x14C, false)]
    [InlineData("lib/netstandard2.0", 0x14C, false)]
    public void The_net10_folders_hold_only_the_core_precompiled_for_their_platform(string folder, int machine, bool readyToRun)
    {
        using var pe = new PEReader(File.OpenRead(Path.Combine(ModuleDirectory, folder, "FtpTools.Core.dll")));

        Assert.Equal(machine, (int)pe.PEHeaders.CoffHeader.Machine);
        Assert.Equal(readyToRun, pe.PEHeaders.CorHeader!.ManagedNativeHeaderDirectory.Size > 0);
        if (readyToRun)
        {
            Assert.Equal(new[] { "FtpTools.Core.dll" }, Directory.GetFiles(Path.Combine(ModuleDirectory, folder)).Select(Path.GetFileName));
        }
    }

    /// <summary>
    /// ReadyToRun leaves out every method marked AggressiveOptimization, and the JIT then compiles it at first call:
    /// the precompiled builds must not carry the mark that the IL builds use for their per-line parsers (HotPath.cs),
    /// or the parsers lose the precompiling they ship for. Only ChaCha20's four-block function keeps it, on purpose.
    /// </summary>
    [Theory]
    [InlineData("lib/net10.0-linux-x64", "ChaCha20.FourBlocks")]
    [InlineData("lib/net10.0-win-x64", "ChaCha20.FourBlocks")]
    [InlineData("lib/net8.0", "ChaCha20.FourBlocks FtpListingBuilder.Add FtpListingParser.ParseList FtpListingParser.ParseMlsd FtpListingParser.ParseUnix")]
    public void Only_the_IL_builds_mark_the_listing_parsers_for_optimisation_at_first_call(string folder, string expected)
    {
        using var pe = new PEReader(File.OpenRead(Path.Combine(ModuleDirectory, folder, "FtpTools.Core.dll")));
        var reader = pe.GetMetadataReader();
        var marked = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var handle in reader.MethodDefinitions)
        {
            var method = reader.GetMethodDefinition(handle);
            if ((method.ImplAttributes & MethodImplAttributes.AggressiveOptimization) != 0)
            {
                marked.Add(reader.GetString(reader.GetTypeDefinition(method.GetDeclaringType()).Name) + "." + reader.GetString(method.Name));
            }
        }

        // The IL build marks more (every per-line helper); these stand for them.
        var names = expected.Split(' ');
        Assert.Superset(new SortedSet<string>(names, StringComparer.Ordinal), marked);
        if (!folder.StartsWith("lib/net8.0", StringComparison.Ordinal))
        {
            Assert.Equal(names, marked);
        }
    }

    [Theory]
    [InlineData(".NET Framework 4.8.9290.0", "4.0.30319", "win", Architecture.X64, "netstandard2.0")]
    [InlineData(".NET 8.0.22", "8.0.22", "win", Architecture.X64, "net8.0")]
    [InlineData(".NET 9.0.11", "9.0.11", "linux", Architecture.X64, "net8.0")]
    [InlineData(".NET 10.0.12", "10.0.12", "win", Architecture.X64, "net10.0-win-x64 net8.0")]
    [InlineData(".NET 10.0.12", "10.0.12", "linux", Architecture.X64, "net10.0-linux-x64 net8.0")]
    [InlineData(".NET 11.0.0", "11.0.0", "linux", Architecture.X64, "net10.0-linux-x64 net8.0")]
    [InlineData(".NET 10.0.12", "10.0.12", "linux", Architecture.Arm64, "net8.0")]
    [InlineData(".NET 10.0.12", "10.0.12", null, Architecture.X64, "net8.0")]
    public void The_module_loads_the_core_built_for_the_running_dotnet(string description, string version, string? os, Architecture architecture, string folders)
    {
        var chosen = ModuleInitializer.ChooseLibDirectories("/m", description, Version.Parse(version), os, architecture);

        Assert.Equal(folders.Split(' ').Select(f => Path.Combine("/m", "lib", f)), chosen);
    }

    [Theory]
    [InlineData(".NET Framework 4.8.9290.0", "4.0.30319", null)]
    [InlineData(".NET 8.0.22", "8.0.22", null)]
    [InlineData(".NET 10.0.12", "10.0.12", null)]
    [InlineData(".NET 7.0.20", "7.0.20", "FtpTools needs PowerShell 7.4 or later (on .NET 8 or later) or Windows PowerShell 5.1; this PowerShell runs on .NET 7.0.20.")]
    [InlineData(".NET Core 3.1.32", "3.1.32", "FtpTools needs PowerShell 7.4 or later (on .NET 8 or later) or Windows PowerShell 5.1; this PowerShell runs on .NET Core 3.1.32.")]
    public void PowerShell_on_a_dotnet_older_than_8_is_refused_at_import_with_what_to_use_instead(string description, string version, string? expected)
    {
        Assert.Equal(expected, ModuleInitializer.UnsupportedRuntime(description, Version.Parse(version)));
    }

    [Fact]
    public void The_copied_manifest_is_the_repository_manifest_and_versions_agree()
    {
        var manifest = File.ReadAllText(Path.Combine(RepositoryRoot, "FtpTools.psd1"));
        Assert.Equal(manifest, File.ReadAllText(Path.Combine(ModuleDirectory, "FtpTools.psd1")));

        var version = Version.Parse(Regex.Match(manifest, @"ModuleVersion\s*=\s*'([0-9.]+)'").Groups[1].Value);
        var moduleDll = AssemblyName.GetAssemblyName(Path.Combine(ModuleDirectory, "FtpTools.dll")).Version!;
        Assert.Equal(version.ToString(3), moduleDll.ToString(3));
        Assert.Matches(@"FormatsToProcess\s*=\s*@\('FtpTools\.format\.ps1xml'\)", manifest);
        Assert.Matches(@"RootModule\s*=\s*'FtpTools\.dll'", manifest);
    }

    [Fact]
    public void The_MAML_help_documents_every_cmdlet_and_no_other()
    {
        var commands = Help().Root!.Elements(Command + "command").Select(c => c.Element(Command + "details")!.Element(Command + "name")!.Value).ToList();

        Assert.Equal(Cmdlets.Select(Name).OrderBy(n => n, StringComparer.Ordinal), commands.OrderBy(n => n, StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(CmdletCases), MemberType = typeof(CmdletMetadata))]
    public void The_MAML_help_documents_every_parameter_as_the_code_declares_it(string className)
    {
        var type = ByClass(className);
        var command = HelpFor(Name(type));
        var documented = command.Element(Command + "parameters")!.Elements(Command + "parameter").ToDictionary(p => p.Element(Maml + "name")!.Value);
        var declared = Shown(type).GroupBy(p => p.Name).ToDictionary(g => g.Key, g => g.ToList());

        var expectedNames = declared.Keys.Concat(SupportsShouldProcess(type) ? new[] { "WhatIf", "Confirm" } : Array.Empty<string>());
        Assert.Equal(expectedNames.OrderBy(n => n, StringComparer.Ordinal), documented.Keys.OrderBy(n => n, StringComparer.Ordinal));

        foreach (var (name, declarations) in declared)
        {
            var doc = documented[name];
            var first = declarations[0];
            Assert.True(doc.Element(Maml + "description")!.Elements(Maml + "para").Any(), $"{name} has no description");
            Assert.Equal(first.Mandatory ? "true" : "false", doc.Attribute("required")!.Value);
            Assert.Equal(first.Position?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "named", doc.Attribute("position")!.Value);
            Assert.Equal(PipelineText(first), doc.Attribute("pipelineInput")!.Value);
            Assert.Equal(first.Aliases.Count == 0 ? "none" : string.Join(", ", first.Aliases), doc.Attribute("aliases")!.Value);
            // Get-Help shows an optional value type (DateTime?) by its value type, as PowerShell's own help does.
            Assert.Equal((Nullable.GetUnderlyingType(first.Type) ?? first.Type).Name, doc.Element(Command + "parameterValue")?.Value ?? "SwitchParameter");
            Assert.Equal(AcceptedValues(type, name), doc.Element(Command + "parameterValueGroup")?.Elements(Command + "parameterValue").Select(v => v.Value).ToList() ?? new List<string>());
        }
    }

    /// <summary>What Get-Help should list as a parameter's values: its ValidateSet, or its enum's names (also of an array or a nullable).</summary>
    private static List<string> AcceptedValues(Type cmdlet, string parameter)
    {
        var property = cmdlet.GetProperty(parameter)!;
        var validateSet = property.GetCustomAttributesData().SingleOrDefault(a => a.AttributeType.Name == "ValidateSetAttribute");
        if (validateSet is not null)
        {
            return ((System.Collections.ObjectModel.ReadOnlyCollection<CustomAttributeTypedArgument>)validateSet.ConstructorArguments[0].Value!).Select(a => (string)a.Value!).ToList();
        }

        var type = property.PropertyType.IsArray ? property.PropertyType.GetElementType()! : property.PropertyType;
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type.IsEnum ? Enum.GetNames(type).ToList() : new List<string>();
    }

    [Theory]
    [MemberData(nameof(CmdletCases), MemberType = typeof(CmdletMetadata))]
    public void The_MAML_syntax_has_one_item_per_parameter_set(string className)
    {
        var type = ByClass(className);
        var items = HelpFor(Name(type)).Element(Command + "syntax")!.Elements(Command + "syntaxItem")
            .Select(i => i.Elements(Command + "parameter").Select(p => p.Element(Maml + "name")!.Value).Where(n => n is not "WhatIf" and not "Confirm").OrderBy(n => n, StringComparer.Ordinal).ToList())
            .ToList();
        var sets = Sets(type).Select(s => InSet(type, s).Where(p => !p.DontShow).Select(p => p.Name).OrderBy(n => n, StringComparer.Ordinal).ToList()).ToList();

        Assert.Equal(sets.Count, items.Count);
        foreach (var set in sets)
        {
            Assert.Contains(items, item => item.SequenceEqual(set));
        }
    }

    [Theory]
    [MemberData(nameof(CmdletCases), MemberType = typeof(CmdletMetadata))]
    public void Every_cmdlet_has_a_synopsis_and_examples(string className)
    {
        var command = HelpFor(Name(ByClass(className)));

        Assert.NotEmpty(command.Element(Command + "details")!.Element(Maml + "description")!.Value.Trim());
        Assert.NotEmpty(command.Element(Command + "examples")!.Elements(Command + "example"));
    }

    [Fact]
    public void No_public_type_of_the_module_assembly_has_a_field_of_a_core_value_type()
    {
        // PowerShell lists a binary module's public types, which lays out their fields, before the module initializer
        // can say where FtpTools.Core is (lib/<folder>); a field of a core struct or enum (or Nullable of one) loads the
        // core then, and the import fails with "Could not load file or assembly 'FtpTools.Core'" (the engine-level test:
        // FtpTools.PowerShell.Tests).
        var core = typeof(FtpTools.Core.IRemoteSession).Assembly;
        static bool Holds(Type type, Assembly core) =>
            (type.IsValueType && type.Assembly == core) || (type.IsGenericType && type.IsValueType && type.GetGenericArguments().Any(a => Holds(a, core)));

        var offending = CmdletMetadata.Module.GetExportedTypes()
            .SelectMany(t => Hierarchy(t))
            .Distinct()
            .SelectMany(t => t.GetFields(BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Where(f => Holds(f.FieldType, core))
            .Select(f => $"{f.DeclaringType!.FullName}.{f.Name}: {f.FieldType}")
            .ToList();
        Assert.True(offending.Count == 0, string.Join("\n", offending));
        Assert.DoesNotContain(CmdletMetadata.Module.GetExportedTypes(), t => Hierarchy(t, all: true).Any(b => b.Assembly == core) || t.GetInterfaces().Any(i => i.Assembly == core));

        static IEnumerable<Type> Hierarchy(Type type, bool all = false)
        {
            for (var t = type; t is not null && (all || t.Assembly == CmdletMetadata.Module); t = t.BaseType)
            {
                yield return t;
            }
        }
    }

    [Fact]
    public void The_help_has_the_examples_the_issue_asks_for()
    {
        var code = string.Join("\n", Help().Descendants().Where(e => e.Name.LocalName == "code").Select(e => e.Value));

        Assert.Matches(@"Get-ChildItem[^\n]*\|\s*Send-FtpFile", code);
        Assert.Matches(@"Get-FtpItem[^\n]*\|[\s\S]*Receive-FtpFile", code);
        Assert.Contains("Connect-FtpSession", code);
        Assert.Contains("Disconnect-FtpSession -Session $session", code);
    }

    [Fact]
    public void The_about_topic_names_every_cmdlet()
    {
        var about = File.ReadAllText(Path.Combine(ModuleDirectory, "en-US", "about_FtpTools.help.txt"));

        Assert.StartsWith("TOPIC", about, StringComparison.Ordinal);
        Assert.All(Cmdlets.Select(Name), name => Assert.Contains(name, about, StringComparison.Ordinal));
    }

    [Fact]
    public void The_format_file_has_a_view_for_every_output_type_and_names_real_properties()
    {
        var format = XDocument.Load(Path.Combine(ModuleDirectory, "FtpTools.format.ps1xml"));
        var assemblies = new[] { CmdletMetadata.Module, typeof(FtpTools.Core.IRemoteSession).Assembly };
        var viewed = new HashSet<Type>();
        foreach (var view in format.Descendants("View"))
        {
            var typeName = view.Element("ViewSelectedBy")!.Element("TypeName")!.Value;
            var type = assemblies.Select(a => a.GetType(typeName)).FirstOrDefault(t => t is not null);
            Assert.True(type is not null, $"view {view.Element("Name")!.Value} names unknown type {typeName}");
            viewed.Add(type!);
            foreach (var property in view.Descendants("PropertyName").Select(p => p.Value))
            {
                Assert.True(type!.GetProperty(property) is not null, $"{typeName} has no property {property}");
            }

            foreach (var script in view.Descendants("ScriptBlock").Select(s => s.Value))
            {
                foreach (Match used in Regex.Matches(script, @"\$_\.(\w+)"))
                {
                    Assert.True(type!.GetProperty(used.Groups[1].Value) is not null, $"{typeName} has no property {used.Groups[1].Value}");
                }
            }
        }

        // Booleans and strings (Test-FtpPath, Set-FtpLocation -PassThru) are shown by PowerShell as they are.
        Assert.All(Cmdlets.SelectMany(OutputTypes).Distinct().Where(t => !t.IsPrimitive && t != typeof(string)), t => Assert.Contains(t, viewed));
    }

    private static string PipelineText(CmdletMetadata.Parameter parameter) => (parameter.FromPipeline, parameter.FromPipelineByPropertyName) switch
    {
        (true, true) => "True (ByValue, ByPropertyName)",
        (true, false) => "True (ByValue)",
        (false, true) => "True (ByPropertyName)",
        _ => "False",
    };

    private static XDocument Help() => XDocument.Load(Path.Combine(ModuleDirectory, "en-US", "FtpTools.dll-Help.xml"));

    private static XElement HelpFor(string name) =>
        Help().Root!.Elements(Command + "command").Single(c => c.Element(Command + "details")!.Element(Command + "name")!.Value == name);

    private static string? TargetFramework(string path)
    {
        using var stream = File.OpenRead(path);
        using var pe = new PEReader(stream);
        var reader = pe.GetMetadataReader();
        foreach (var handle in reader.GetAssemblyDefinition().GetCustomAttributes())
        {
            var attribute = reader.GetCustomAttribute(handle);
            var ctor = reader.GetMemberReference((MemberReferenceHandle)attribute.Constructor);
            var typeName = reader.GetString(reader.GetTypeReference((TypeReferenceHandle)ctor.Parent).Name);
            if (typeName == "TargetFrameworkAttribute")
            {
                var blob = reader.GetBlobReader(attribute.Value);
                blob.ReadUInt16();
                return blob.ReadSerializedString();
            }
        }

        return null;
    }
}
