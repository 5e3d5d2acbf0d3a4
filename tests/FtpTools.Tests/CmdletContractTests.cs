using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using FtpTools.Core.Transfers;
using Xunit;
using static FtpTools.Tests.CmdletMetadata;

namespace FtpTools.Tests;

public class CmdletContractTests
{
    /// <summary>Cmdlets that change something (remote, local or session state) and so must support -WhatIf/-Confirm.</summary>
    private static readonly string[] Changers =
    {
        "Send-FtpFile", "Receive-FtpFile", "New-FtpDirectory", "Remove-FtpItem", "Rename-FtpItem", "Set-FtpItem", "Disconnect-FtpSession", "Set-FtpLocation",
        "Invoke-FtpCommand", // a raw command may change anything (SITE CHMOD, DELE)
    };

    private static readonly string[] CommonParameters =
    {
        "Verbose", "Debug", "ErrorAction", "WarningAction", "InformationAction", "ProgressAction", "ErrorVariable",
        "WarningVariable", "InformationVariable", "OutVariable", "OutBuffer", "PipelineVariable", "WhatIf", "Confirm",
        "vb", "db", "ea", "wa", "infa", "proga", "ev", "wv", "iv", "ov", "ob", "pv", "wi", "cf",
    };

    public static IEnumerable<object[]> AllCmdlets => CmdletCases;

    [Fact]
    public void The_module_has_exactly_the_fifteen_cmdlets_of_the_manifest()
    {
        var manifest = File.ReadAllText(Path.Combine(RepositoryRoot, "FtpTools.psd1"));
        var block = Regex.Match(manifest, @"CmdletsToExport\s*=\s*@\((?<list>[^)]*)\)").Groups["list"].Value;
        var exported = Regex.Matches(block, @"'([^']+)'").Select(m => m.Groups[1].Value).OrderBy(n => n, StringComparer.Ordinal).ToList();

        Assert.Equal(15, exported.Count);
        Assert.Equal(exported, Cmdlets.Select(Name).OrderBy(n => n, StringComparer.Ordinal).ToList());
    }

    [Theory]
    [MemberData(nameof(AllCmdlets))]
    public void Class_name_namespace_and_file_follow_the_convention(string className)
    {
        var type = ByClass(className);

        Assert.Equal(Verb(type) + Noun(type) + "Command", type.Name);
        Assert.Equal("FtpTools.Commands", type.Namespace);
        Assert.True(type.IsSealed && type.IsPublic);
        Assert.True(File.Exists(Path.Combine(RepositoryRoot, "src", "FtpTools", "Commands", type.Name + ".cs")), type.Name + ".cs is missing");
    }

    [Theory]
    [MemberData(nameof(AllCmdlets))]
    public void Verbs_are_approved(string className)
    {
        var approved = new[] { "VerbsCommon", "VerbsCommunications", "VerbsData", "VerbsDiagnostic", "VerbsLifecycle", "VerbsOther", "VerbsSecurity" }
            .Select(n => typeof(System.Management.Automation.Cmdlet).Assembly.GetType("System.Management.Automation." + n, throwOnError: true)!)
            .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.Static))
            .Where(f => f.IsLiteral)
            .Select(f => (string)f.GetRawConstantValue()!)
            .ToHashSet(StringComparer.Ordinal);

        Assert.True(approved.Count > 90, "the approved verb list could not be read from the reference assembly");
        Assert.Contains(Verb(ByClass(className)), approved);
    }

    [Theory]
    [MemberData(nameof(AllCmdlets))]
    public void Every_cmdlet_declares_its_output_type(string className)
    {
        var outputs = OutputTypes(ByClass(className));

        Assert.NotEmpty(outputs);
        Assert.All(outputs, t => Assert.NotEqual(typeof(void), t));
    }

    [Theory]
    [MemberData(nameof(AllCmdlets))]
    public void Cmdlets_that_change_something_support_WhatIf_and_Confirm_and_others_do_not(string className)
    {
        var type = ByClass(className);
        var changes = Changers.Contains(Name(type));

        Assert.Equal(changes, SupportsShouldProcess(type));
        if (changes)
        {
            // High would ask at the default $ConfirmPreference, which fails in non-interactive scheduled tasks.
            Assert.Contains(ConfirmImpact(type), new[] { "Low", "Medium" });
        }
    }

    [Theory]
    [MemberData(nameof(AllCmdlets))]
    public void Hidden_parameters_neither_show_nor_make_an_abbreviated_parameter_ambiguous(string className)
    {
        var parameters = Parameters(ByClass(className));
        var shownNames = parameters.Where(p => !p.DontShow).SelectMany(p => p.Names).Distinct(StringComparer.OrdinalIgnoreCase).ToList();

        // PowerShell matches a prefix against names and aliases alike, hidden ones included: "-Sess" must still be
        // -Session, so no hidden name may share with a shown one the prefix a user would type (four letters).
        foreach (var hidden in parameters.Where(p => p.DontShow).SelectMany(p => p.Names))
        {
            Assert.DoesNotContain(shownNames, shown => string.Compare(shown, 0, hidden, 0, 4, StringComparison.OrdinalIgnoreCase) == 0);
        }
    }

    [Fact]
    public void A_piped_item_feeds_the_hidden_parameter_that_checks_its_session()
    {
        foreach (var type in CmdletCases.Select(c => ByClass((string)c[0])).Where(t => t.IsSubclassOf(typeof(FtpTools.Commands.FtpSessionCmdlet))))
        {
            var hidden = Assert.Single(Parameters(type), p => p.Name == "FtpSessionId");
            Assert.True(hidden.DontShow && hidden.FromPipelineByPropertyName, type.Name);
        }

        Assert.NotNull(typeof(FtpToolsItem).GetProperty("FtpSessionId"));
    }

    [Theory]
    [MemberData(nameof(AllCmdlets))]
    public void Parameter_sets_are_ones_PowerShell_accepts(string className)
    {
        var type = ByClass(className);
        var parameters = Parameters(type);
        var sets = Sets(type);
        var named = sets.Where(s => s != AllSets).ToList();
        var defaultSet = DefaultParameterSet(type);

        if (named.Count > 1)
        {
            Assert.NotNull(defaultSet);
        }

        if (defaultSet is not null)
        {
            Assert.Contains(defaultSet, named);
        }

        foreach (var set in sets)
        {
            var members = InSet(type, set);

            // One property belongs to a set once; its names and aliases are unique and clash with no common parameter.
            Assert.Equal(members.Count, members.Select(p => p.Name).Distinct().Count());
            var allNames = members.SelectMany(p => p.Names).ToList();
            Assert.Equal(allNames.Count, allNames.Distinct(StringComparer.OrdinalIgnoreCase).Count());
            Assert.Empty(allNames.Intersect(CommonParameters, StringComparer.OrdinalIgnoreCase));

            // Positions are unique, and no optional positional parameter comes before a mandatory one.
            var positional = members.Where(p => p.Position is not null).OrderBy(p => p.Position).ToList();
            Assert.Equal(positional.Count, positional.Select(p => p.Position).Distinct().Count());
            for (var i = 1; i < positional.Count; i++)
            {
                Assert.False(positional[i].Mandatory && !positional[i - 1].Mandatory, $"{set}: mandatory -{positional[i].Name} follows optional -{positional[i - 1].Name}");
            }

            // At most one parameter takes whole pipeline objects per set.
            Assert.True(members.Count(p => p.FromPipeline) <= 1, $"{set} has several ValueFromPipeline parameters");
        }

        // Every set but the default one can be told apart: it has a mandatory parameter no other set has.
        foreach (var set in named.Where(s => s != defaultSet))
        {
            var own = parameters.Where(p => p.Set == set && p.Mandatory).Select(p => p.Name);
            var elsewhere = parameters.Where(p => p.Set != set).Select(p => p.Name);
            Assert.True(own.Except(elsewhere).Any(), $"{className}: set {set} has no mandatory parameter of its own");
        }
    }

    public static IEnumerable<object[]> PipelineFeeds => new[]
    {
        new object[] { "Send-FtpFile", typeof(FileInfo), "FullName", "LiteralPath" },
        new object[] { "Receive-FtpFile", typeof(FtpToolsItem), "FullName", "LiteralPath" },
        new object[] { "Receive-FtpFile", typeof(FtpToolsItem), "Session", "Session" },
        new object[] { "Remove-FtpItem", typeof(FtpToolsItem), "FullName", "LiteralPath" },
        new object[] { "Remove-FtpItem", typeof(FtpToolsItem), "Session", "Session" },
        new object[] { "Set-FtpItem", typeof(FtpToolsItem), "FullName", "LiteralPath" },
        new object[] { "Set-FtpItem", typeof(FtpToolsItem), "Session", "Session" },
        new object[] { "Rename-FtpItem", typeof(FtpToolsItem), "FullName", "Path" },
        new object[] { "Rename-FtpItem", typeof(FtpToolsItem), "Session", "Session" },
        new object[] { "Get-FtpItem", typeof(FtpToolsItem), "FullName", "LiteralPath" },
        new object[] { "Get-FtpItem", typeof(FtpToolsItem), "Session", "Session" },
        new object[] { "Get-FtpFileHash", typeof(FtpToolsItem), "FullName", "LiteralPath" },
        new object[] { "Get-FtpFileHash", typeof(FtpToolsItem), "Session", "Session" },
        new object[] { "Get-FtpContent", typeof(FtpToolsItem), "FullName", "LiteralPath" },
        new object[] { "Get-FtpContent", typeof(FtpToolsItem), "Session", "Session" },
        new object[] { "Get-FtpSession", typeof(FtpToolsSession), "Id", "Id" },
        new object[] { "Test-FtpPath", typeof(FtpToolsItem), "FullName", "Path" },
        new object[] { "Test-FtpPath", typeof(FtpToolsItem), "Session", "Session" },
        new object[] { "Set-FtpLocation", typeof(FtpToolsItem), "FullName", "Path" },
        new object[] { "Set-FtpLocation", typeof(FtpToolsItem), "Session", "Session" },
    };

    [Theory]
    [MemberData(nameof(PipelineFeeds))]
    public void Piped_objects_bind_by_property_name(string cmdlet, Type feeder, string property, string parameter)
    {
        var type = ByName(cmdlet);
        var feederProperty = feeder.GetProperty(property);
        Assert.NotNull(feederProperty);

        var bound = Parameters(type).Where(p => p.FromPipelineByPropertyName && p.Names.Contains(property, StringComparer.OrdinalIgnoreCase)).ToList();
        Assert.NotEmpty(bound);
        Assert.All(bound, p => Assert.Equal(parameter, p.Name));
        Assert.All(bound, p => Assert.True(
            p.Type.IsAssignableFrom(feederProperty!.PropertyType)
            || (p.Type.IsArray && p.Type.GetElementType()!.IsAssignableFrom(feederProperty.PropertyType)),
            $"{feeder.Name}.{property} ({feederProperty.PropertyType.Name}) does not fit -{p.Name} ({p.Type.Name})"));
    }

    [Fact]
    public void Sessions_pipe_into_Disconnect_FtpSession_by_value()
    {
        var session = Parameters(ByName("Disconnect-FtpSession")).Single(p => p.Name == "Session");

        Assert.True(session.FromPipeline);
        Assert.True(session.Type.GetElementType()!.IsAssignableFrom(typeof(FtpToolsSession)));
    }

    [Theory]
    [MemberData(nameof(AllCmdlets))]
    public void Every_property_bound_parameter_has_an_object_that_feeds_it(string className)
    {
        var feeders = new[] { typeof(FileInfo), typeof(FtpToolsItem), typeof(FtpToolsSession), typeof(TransferResult) };

        // Rows of a CSV file (Import-Csv jobs.csv | Send-FtpFile) feed these by their column names, as for Copy-Item
        // and Rename-Item; -NewName also takes a script block run for each piped item.
        var columns = new[] { "Path", "Destination", "NewName" };
        foreach (var parameter in Parameters(ByClass(className)).Where(p => p.FromPipelineByPropertyName))
        {
            Assert.True(
                feeders.Any(f => parameter.Names.Any(n => f.GetProperty(n) is not null)) || columns.Contains(parameter.Name),
                $"-{parameter.Name} binds by property name, but none of the module's objects or FileInfo has a property named {string.Join(" or ", parameter.Names)}");
        }
    }

    [Theory]
    [MemberData(nameof(AllCmdlets))]
    public void No_cmdlet_has_a_field_of_an_enum_or_struct_of_the_core(string className)
    {
        // A field's type is loaded with its class (its size is part of the layout), and PowerShell loads the cmdlet
        // classes at Import-Module, before the module can resolve FtpTools.Core from lib/<framework>/: the import
        // fails. A parameter of a core enum keeps its value in an int (Connect-FtpSession -DataMode, -TransferMode).
        var core = typeof(FtpTools.Core.RemoteProtocol).Assembly;
        for (var type = ByClass(className); type is not null && type != typeof(object); type = type.BaseType)
        {
            foreach (var field in type.GetFields(BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                var fieldType = Nullable.GetUnderlyingType(field.FieldType) ?? field.FieldType;
                Assert.False(fieldType.IsValueType && fieldType.Assembly == core, $"{type.Name}.{field.Name} is a {fieldType.Name} of FtpTools.Core");
            }
        }
    }

    [Fact]
    public void Session_objects_hold_no_secret()
    {
        var names = typeof(FtpToolsSession).GetProperties(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance).Select(p => p.Name);

        Assert.DoesNotContain(names, n => Regex.IsMatch(n, "password|passphrase|credential|secret|key$", RegexOptions.IgnoreCase));
    }

    [Theory]
    [InlineData("Get-FtpItem", "Path", "WildcardRemotePathCompleter")]
    [InlineData("Get-FtpItem", "LiteralPath", "LiteralRemotePathCompleter")]
    [InlineData("Receive-FtpFile", "Path", "WildcardRemotePathCompleter")]
    [InlineData("Receive-FtpFile", "LiteralPath", "LiteralRemotePathCompleter")]
    [InlineData("Remove-FtpItem", "Path", "WildcardRemotePathCompleter")]
    [InlineData("Set-FtpItem", "LiteralPath", "LiteralRemotePathCompleter")]
    [InlineData("Get-FtpFileHash", "Path", "WildcardRemotePathCompleter")]
    [InlineData("Get-FtpContent", "Path", "WildcardRemotePathCompleter")]
    [InlineData("Get-FtpContent", "LiteralPath", "LiteralRemotePathCompleter")]
    [InlineData("Rename-FtpItem", "Path", "LiteralRemotePathCompleter")]
    [InlineData("Test-FtpPath", "Path", "LiteralRemotePathCompleter")]
    [InlineData("Set-FtpLocation", "Path", "RemoteDirectoryCompleter")]
    [InlineData("New-FtpDirectory", "Path", "RemoteDirectoryCompleter")]
    [InlineData("Send-FtpFile", "Destination", "RemoteDirectoryCompleter")]
    [InlineData("Rename-FtpItem", "NewName", "LiteralRemotePathCompleter")]
    [InlineData("Test-FtpPath", "LiteralPath", "LiteralRemotePathCompleter")]
    [InlineData("Receive-FtpFile", "Session", "SessionIdCompleter")]
    [InlineData("Get-FtpItem", "Session", "SessionIdCompleter")]
    [InlineData("Get-FtpSession", "Id", "SessionIdCompleter")]
    [InlineData("Disconnect-FtpSession", "Id", "SessionIdCompleter")]
    [InlineData("Send-FtpFile", "Path", null)]
    [InlineData("Receive-FtpFile", "Destination", null)]
    public void Remote_path_parameters_tab_complete_remote_paths_and_local_ones_are_left_to_PowerShell(string cmdlet, string parameter, string? completer)
    {
        var property = ByName(cmdlet).GetProperty(parameter)!;
        var attribute = Find(property, "ArgumentCompleterAttribute");
        Assert.Equal(completer, (attribute?.ConstructorArguments[0].Value as Type)?.Name);
    }

    [Fact]
    public void Parameters_that_hold_secrets_are_SecureString_or_PSCredential()
    {
        var connect = Parameters(ByName("Connect-FtpSession"));

        Assert.Equal(typeof(System.Security.SecureString), connect.Single(p => p.Name == "KeyPassphrase").Type);
        Assert.Equal("PSCredential", connect.Single(p => p.Name == "Credential").Type.Name);
        Assert.Equal(typeof(System.Security.SecureString), connect.Single(p => p.Name == "ClientCertificatePassword").Type);

        // As PSScriptAnalyzer's AvoidUsingPlainTextForPassword: a parameter named for a secret never takes plain text.
        var named = connect.Where(p => Regex.IsMatch(p.Name, "password|passphrase|secret", RegexOptions.IgnoreCase)).ToList();
        Assert.Equal(new[] { "ClientCertificatePassword", "KeyPassphrase" }, named.Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.All(named, p => Assert.Equal(typeof(System.Security.SecureString), p.Type));

        // CredentialAttribute would turn a plain user name into an interactive prompt; nothing may prompt.
        var credential = typeof(Commands.ConnectFtpSessionCommand).GetProperty("Credential")!;
        Assert.Null(Find(credential, "CredentialAttribute"));
    }
}
