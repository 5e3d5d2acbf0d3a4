using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.IO;
using System.Linq;
using System.Reflection;

namespace FtpTools.Tests;

/// <summary>
/// Reads cmdlet declarations from attribute metadata only (GetCustomAttributesData): the PowerShell
/// reference assembly does nothing at run time, so no attribute is ever constructed here.
/// </summary>
internal static class CmdletMetadata
{
    public const string AllSets = "__AllParameterSets";
    private const string Sma = "System.Management.Automation.";

    public static Assembly Module => typeof(ModuleInitializer).Assembly;

    public static IReadOnlyList<Type> Cmdlets { get; } = Module.GetTypes()
        .Where(t => !t.IsAbstract && Find(t, "CmdletAttribute") is not null)
        .OrderBy(t => t.Name, StringComparer.Ordinal)
        .ToList();

    public static IEnumerable<object[]> CmdletCases => Cmdlets.Select(t => new object[] { t.Name });

    public static Type ByClass(string className) => Cmdlets.Single(t => t.Name == className);

    public static Type ByName(string cmdletName) => Cmdlets.Single(t => Name(t) == cmdletName);

    public static CustomAttributeData? Find(MemberInfo member, string attributeName) =>
        member.GetCustomAttributesData().FirstOrDefault(a => a.AttributeType.FullName == Sma + attributeName);

    public static string Verb(Type cmdlet) => (string)Find(cmdlet, "CmdletAttribute")!.ConstructorArguments[0].Value!;

    public static string Noun(Type cmdlet) => (string)Find(cmdlet, "CmdletAttribute")!.ConstructorArguments[1].Value!;

    public static string Name(Type cmdlet) => Verb(cmdlet) + "-" + Noun(cmdlet);

    public static bool Has(CustomAttributeData? attribute, string name) =>
        attribute is not null && attribute.NamedArguments.Any(a => a.MemberName == name);

    public static T? Named<T>(CustomAttributeData? attribute, string name)
    {
        foreach (var argument in attribute?.NamedArguments ?? (IList<CustomAttributeNamedArgument>)Array.Empty<CustomAttributeNamedArgument>())
        {
            if (argument.MemberName == name)
            {
                return (T?)argument.TypedValue.Value;
            }
        }

        return default;
    }

    public static string? DefaultParameterSet(Type cmdlet) => Named<string>(Find(cmdlet, "CmdletAttribute"), "DefaultParameterSetName");

    public static bool SupportsShouldProcess(Type cmdlet) => Named<bool>(Find(cmdlet, "CmdletAttribute"), "SupportsShouldProcess");

    /// <summary>ConfirmImpact as its enum name (None, Low, Medium, High); Medium when not set, as PowerShell does.</summary>
    public static string ConfirmImpact(Type cmdlet)
    {
        var attribute = Find(cmdlet, "CmdletAttribute")!;
        if (!Has(attribute, "ConfirmImpact"))
        {
            return "Medium";
        }

        var value = attribute.NamedArguments.First(a => a.MemberName == "ConfirmImpact").TypedValue;
        return Enum.GetName(value.ArgumentType, value.Value!)!;
    }

    public static IReadOnlyList<Type> OutputTypes(Type cmdlet) => cmdlet.GetCustomAttributesData()
        .Where(a => a.AttributeType.FullName == Sma + "OutputTypeAttribute")
        .SelectMany(a => a.ConstructorArguments)
        .SelectMany(arg => arg.Value is ReadOnlyCollection<CustomAttributeTypedArgument> many ? many.Select(m => m.Value) : new[] { arg.Value })
        .OfType<Type>()
        .ToList();

    public static IReadOnlyList<Parameter> Parameters(Type cmdlet)
    {
        var result = new List<Parameter>();
        foreach (var property in cmdlet.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var declarations = property.GetCustomAttributesData().Where(a => a.AttributeType.FullName == Sma + "ParameterAttribute").ToList();
            if (declarations.Count == 0)
            {
                continue;
            }

            var aliasAttribute = Find(property, "AliasAttribute");
            var aliases = aliasAttribute is null
                ? Array.Empty<string>()
                : ((ReadOnlyCollection<CustomAttributeTypedArgument>)aliasAttribute.ConstructorArguments[0].Value!).Select(a => (string)a.Value!).ToArray();
            foreach (var declaration in declarations)
            {
                result.Add(new Parameter(
                    property.Name,
                    property.PropertyType,
                    Named<string>(declaration, "ParameterSetName") ?? AllSets,
                    Named<bool>(declaration, "Mandatory"),
                    Has(declaration, "Position") ? Named<int>(declaration, "Position") : (int?)null,
                    Named<bool>(declaration, "ValueFromPipeline"),
                    Named<bool>(declaration, "ValueFromPipelineByPropertyName"),
                    aliases,
                    Named<bool>(declaration, "DontShow")));
            }
        }

        return result;
    }

    /// <summary>The named parameter sets, or just the all-sets pseudo set when there are none.</summary>
    public static IReadOnlyList<string> Sets(Type cmdlet)
    {
        var named = Parameters(cmdlet).Select(p => p.Set).Where(s => s != AllSets).Distinct().ToList();
        return named.Count > 0 ? named : new List<string> { AllSets };
    }

    /// <summary>The parameters that belong to <paramref name="set"/>: its own and the all-sets ones.</summary>
    public static IReadOnlyList<Parameter> InSet(Type cmdlet, string set) =>
        Parameters(cmdlet).Where(p => p.Set == set || p.Set == AllSets).ToList();

    /// <summary>The parameters a user sees (Get-Help, syntax, completion): all but those marked DontShow.</summary>
    public static IReadOnlyList<Parameter> Shown(Type cmdlet) => Parameters(cmdlet).Where(p => !p.DontShow).ToList();

    public static string RepositoryRoot
    {
        get
        {
            var root = AppContext.BaseDirectory;
            while (!File.Exists(Path.Combine(root, "FtpTools.sln")))
            {
                root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("repository root not found");
            }

            return root;
        }
    }

    internal sealed record Parameter(
        string Name,
        Type Type,
        string Set,
        bool Mandatory,
        int? Position,
        bool FromPipeline,
        bool FromPipelineByPropertyName,
        IReadOnlyList<string> Aliases,
        bool DontShow = false)
    {
        public IEnumerable<string> Names => new[] { Name }.Concat(Aliases);
    }
}
