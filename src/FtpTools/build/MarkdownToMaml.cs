// MSBuild inline task (RoslynCodeTaskFactory), compiled by the build, not part of the FtpTools assembly.
// Turns docs/cmdlets/<Cmdlet>.md (platyPS-style markdown: SYNOPSIS, DESCRIPTION, EXAMPLES, PARAMETERS with a
// yaml block per parameter, "Accepted values" for a set or an enum, INPUTS, OUTPUTS, NOTES, RELATED LINKS) into one
// MAML file for Get-Help.
// Syntax blocks are derived from the parameters' yaml (sets, positions, required), so they cannot drift from
// the parameter docs; tests/FtpTools.Tests checks those against the cmdlet classes.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public sealed class MarkdownToMaml : Task
{
    private static readonly XNamespace Msh = "http://msh";
    private static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
    private static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";

    [Required]
    public ITaskItem[] MarkdownFiles { get; set; }

    [Required]
    public string OutputFile { get; set; }

    public override bool Execute()
    {
        var root = new XElement(Msh + "helpItems", new XAttribute("schema", "maml"),
            new XAttribute(XNamespace.Xmlns + "maml", Maml.NamespaceName),
            new XAttribute(XNamespace.Xmlns + "command", Command.NamespaceName),
            new XAttribute(XNamespace.Xmlns + "dev", Dev.NamespaceName));
        foreach (var item in MarkdownFiles.OrderBy(i => i.ItemSpec, StringComparer.Ordinal))
        {
            try
            {
                root.Add(ConvertCommand(File.ReadAllText(item.ItemSpec)));
            }
            catch (FormatException e)
            {
                Log.LogError(null, "FTPHELP001", null, item.ItemSpec, 0, 0, 0, 0, e.Message);
            }
        }

        if (Log.HasLoggedErrors)
        {
            return false;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(OutputFile)));
        var settings = new XmlWriterSettings { Indent = true, Encoding = new UTF8Encoding(false), NewLineChars = "\n" };
        using (var writer = XmlWriter.Create(OutputFile, settings))
        {
            new XDocument(new XDeclaration("1.0", "utf-8", null), root).Save(writer);
        }

        return true;
    }

    private sealed class Parameter
    {
        public string Name;
        public string Description = "";
        public string Type = "Object";
        public List<string> Sets = new List<string>();
        public string Aliases = "none";
        public bool Required;
        public string Position = "named";
        public string DefaultValue = "None";
        public string PipelineInput = "False";
        public bool Globbing;
        public List<string> AcceptedValues = new List<string>();
    }

    private static XElement ConvertCommand(string markdown)
    {
        var lines = markdown.Replace("\r\n", "\n").Split('\n');
        var title = lines.FirstOrDefault(l => l.StartsWith("# ", StringComparison.Ordinal));
        if (title == null)
        {
            throw new FormatException("The file has no '# <Cmdlet-Name>' title.");
        }

        var name = title.Substring(2).Trim();
        var dash = name.IndexOf('-');
        if (dash <= 0)
        {
            throw new FormatException("The title '" + name + "' is not a Verb-Noun cmdlet name.");
        }

        var sections = Split(lines, "## ");
        var synopsis = Text(Get(sections, "SYNOPSIS", name));
        var parameters = ParseParameters(Get(sections, "PARAMETERS", name), name);

        var command = new XElement(Command + "command",
            new XElement(Command + "details",
                new XElement(Command + "name", name),
                new XElement(Command + "verb", name.Substring(0, dash)),
                new XElement(Command + "noun", name.Substring(dash + 1)),
                new XElement(Maml + "description", Paras(synopsis))),
            new XElement(Maml + "description", Paras(Text(Get(sections, "DESCRIPTION", name)))),
            Syntax(name, parameters),
            new XElement(Command + "parameters", parameters.Select(ParameterElement)),
            TypeList(sections, "INPUTS", "inputTypes", "inputType"),
            TypeList(sections, "OUTPUTS", "returnValues", "returnValue"));

        string notes;
        if (sections.TryGetValue("NOTES", out var notesLines) && (notes = Text(notesLines)).Length > 0)
        {
            command.Add(new XElement(Maml + "alertSet", new XElement(Maml + "alert", Paras(notes))));
        }

        command.Add(Examples(Get(sections, "EXAMPLES", name), name));
        if (sections.TryGetValue("RELATED LINKS", out var links))
        {
            command.Add(new XElement(Command + "relatedLinks",
                links.Select(l => l.Trim().TrimStart('-', '*').Trim()).Where(l => l.Length > 0).Select(l =>
                {
                    var m = Regex.Match(l, @"^\[(?<text>[^\]]+)\]\((?<uri>[^)]*)\)$");
                    return new XElement(Maml + "navigationLink",
                        new XElement(Maml + "linkText", m.Success ? m.Groups["text"].Value : l),
                        new XElement(Maml + "uri", m.Success ? m.Groups["uri"].Value : ""));
                })));
        }

        return command;
    }

    private static List<Parameter> ParseParameters(List<string> lines, string name)
    {
        var result = new List<Parameter>();
        foreach (var block in Split(lines.ToArray(), "### "))
        {
            if (!block.Key.StartsWith("-", StringComparison.Ordinal))
            {
                throw new FormatException(name + ": parameter heading '" + block.Key + "' must start with '-'.");
            }

            var parameter = new Parameter { Name = block.Key.Substring(1).Trim() };
            var description = new List<string>();
            var inYaml = false;
            var sawYaml = false;
            foreach (var line in block.Value)
            {
                if (line.Trim() == "```yaml")
                {
                    inYaml = true;
                    sawYaml = true;
                    continue;
                }

                if (inYaml && line.Trim() == "```")
                {
                    inYaml = false;
                    continue;
                }

                if (!inYaml)
                {
                    description.Add(line);
                    continue;
                }

                var colon = line.IndexOf(':');
                if (colon < 0)
                {
                    continue;
                }

                var key = line.Substring(0, colon).Trim();
                var value = line.Substring(colon + 1).Trim();
                switch (key)
                {
                    case "Type": parameter.Type = value; break;
                    case "Parameter Sets":
                        parameter.Sets = value.Split(',').Select(s => s.Trim()).Where(s => s.Length > 0).ToList();
                        break;
                    case "Aliases": parameter.Aliases = value.Length == 0 ? "none" : value; break;
                    case "Required": parameter.Required = string.Equals(value, "True", StringComparison.OrdinalIgnoreCase); break;
                    case "Position": parameter.Position = value.Length == 0 || value == "Named" ? "named" : value; break;
                    case "Default value": parameter.DefaultValue = value.Length == 0 ? "None" : value; break;
                    case "Accept pipeline input": parameter.PipelineInput = value.Length == 0 ? "False" : value; break;
                    case "Accept wildcard characters": parameter.Globbing = string.Equals(value, "True", StringComparison.OrdinalIgnoreCase); break;
                    case "Accepted values":
                        parameter.AcceptedValues = value.Split(',').Select(s => s.Trim()).Where(s => s.Length > 0).ToList();
                        break;
                    default: throw new FormatException(name + " -" + parameter.Name + ": unknown yaml key '" + key + "'.");
                }
            }

            if (!sawYaml)
            {
                throw new FormatException(name + " -" + parameter.Name + ": the parameter has no ```yaml block.");
            }

            if (parameter.Sets.Count == 0)
            {
                parameter.Sets.Add("(All)");
            }

            parameter.Description = Text(description);
            result.Add(parameter);
        }

        return result;
    }

    private static XElement Syntax(string name, List<Parameter> parameters)
    {
        var sets = parameters.SelectMany(p => p.Sets).Where(s => s != "(All)").Distinct().ToList();
        if (sets.Count == 0)
        {
            sets.Add("(All)");
        }

        var syntax = new XElement(Command + "syntax");
        foreach (var set in sets)
        {
            var members = parameters.Where(p => p.Sets.Contains(set) || p.Sets.Contains("(All)"))
                .OrderBy(p => p.Position == "named" ? int.MaxValue : int.Parse(p.Position))
                .ToList();
            syntax.Add(new XElement(Command + "syntaxItem", new XElement(Maml + "name", name), members.Select(ParameterElement)));
        }

        return syntax;
    }

    private static XElement ParameterElement(Parameter p)
    {
        var isSwitch = p.Type == "SwitchParameter";
        var element = new XElement(Command + "parameter",
            new XAttribute("required", p.Required ? "true" : "false"),
            new XAttribute("variableLength", p.Type.EndsWith("[]", StringComparison.Ordinal) ? "true" : "false"),
            new XAttribute("globbing", p.Globbing ? "true" : "false"),
            new XAttribute("pipelineInput", p.PipelineInput),
            new XAttribute("position", p.Position),
            new XAttribute("aliases", p.Aliases),
            new XElement(Maml + "name", p.Name),
            new XElement(Maml + "description", Paras(p.Description)));
        if (p.AcceptedValues.Count > 0)
        {
            // Get-Help shows these in the syntax as -Name {A | B | C}.
            element.Add(new XElement(Command + "parameterValueGroup", p.AcceptedValues.Select(v =>
                new XElement(Command + "parameterValue", new XAttribute("required", "false"), new XAttribute(Command + "variableLength", "false"), v))));
        }

        if (!isSwitch)
        {
            element.Add(new XElement(Command + "parameterValue", new XAttribute("required", "true"), new XAttribute("variableLength", "false"), p.Type));
        }

        element.Add(
            new XElement(Dev + "type", new XElement(Maml + "name", p.Type), new XElement(Maml + "uri")),
            new XElement(Dev + "defaultValue", p.DefaultValue));
        return element;
    }

    private static XElement TypeList(Dictionary<string, List<string>> sections, string heading, string listName, string itemName)
    {
        var list = new XElement(Command + listName);
        if (sections.TryGetValue(heading, out var lines))
        {
            foreach (var block in Split(lines.ToArray(), "### "))
            {
                list.Add(new XElement(Command + itemName,
                    new XElement(Dev + "type", new XElement(Maml + "name", block.Key.Trim()), new XElement(Maml + "uri")),
                    new XElement(Maml + "description", Paras(Text(block.Value)))));
            }
        }

        return list;
    }

    private static XElement Examples(List<string> lines, string name)
    {
        var examples = new XElement(Command + "examples");
        foreach (var block in Split(lines.ToArray(), "### "))
        {
            var code = new List<string>();
            var remarks = new List<string>();
            var inCode = false;
            foreach (var line in block.Value)
            {
                if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
                {
                    inCode = !inCode;
                    continue;
                }

                (inCode ? code : remarks).Add(line);
            }

            if (code.Count == 0)
            {
                throw new FormatException(name + ": example '" + block.Key + "' has no code block.");
            }

            if (string.IsNullOrWhiteSpace(Text(remarks)))
            {
                throw new FormatException(name + ": example '" + block.Key + "' says nothing about its code (no remarks after the code block).");
            }

            examples.Add(new XElement(Command + "example",
                new XElement(Maml + "title", "-------------------------- " + block.Key.Trim() + " --------------------------"),
                new XElement(Dev + "code", string.Join("\n", code).Trim('\n')),
                new XElement(Dev + "remarks", Paras(Text(remarks)))));
        }

        if (examples.IsEmpty)
        {
            throw new FormatException(name + ": the EXAMPLES section has no example.");
        }

        return examples;
    }

    /// <summary>Splits lines into sections by a heading prefix; the key is the heading text.</summary>
    private static Dictionary<string, List<string>> Split(string[] lines, string prefix)
    {
        // Only ever added to, so enumeration follows document order (examples, parameters, types).
        var result = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        List<string> current = null;
        var inCode = false;
        foreach (var line in lines)
        {
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                inCode = !inCode;
            }

            if (!inCode && line.StartsWith(prefix, StringComparison.Ordinal))
            {
                var key = line.Substring(prefix.Length).Trim();
                current = new List<string>();
                if (result.ContainsKey(key))
                {
                    throw new FormatException("The heading '" + prefix + key + "' appears twice.");
                }

                result.Add(key, current);
                continue;
            }

            if (current != null)
            {
                current.Add(line);
            }
        }

        return result;
    }

    private static List<string> Get(Dictionary<string, List<string>> sections, string heading, string name)
    {
        if (!sections.TryGetValue(heading, out var lines))
        {
            throw new FormatException(name + ": the '## " + heading + "' section is missing.");
        }

        return lines;
    }

    private static string Text(IEnumerable<string> lines) => string.Join("\n", lines).Trim();

    /// <summary>
    /// Blank-line separated paragraphs; lines inside a paragraph are joined with spaces, and Markdown's inline code
    /// marks (`...`) are dropped, since Get-Help shows text as it is.
    /// </summary>
    private static IEnumerable<XElement> Paras(string text)
    {
        return Regex.Split(text, @"\n\s*\n")
            .Select(p => Regex.Replace(Regex.Replace(p.Trim(), @"\s*\n\s*", " "), "`([^`\n]+)`", "$1"))
            .Where(p => p.Length > 0)
            .Select(p => new XElement(Maml + "para", p));
    }
}
