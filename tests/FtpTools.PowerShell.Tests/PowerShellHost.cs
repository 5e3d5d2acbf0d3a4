using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Management.Automation.Runspaces;
using Xunit;

namespace FtpTools.PowerShell.Tests;

/// <summary>What one script run in the engine gave: its output, and its error and warning records.</summary>
public sealed record ScriptResult(IReadOnlyList<PSObject> Output, IReadOnlyList<ErrorRecord> Errors, IReadOnlyList<WarningRecord> Warnings);

/// <summary>
/// The built module (out/FtpTools, as `dotnet build` assembles it) imported by the PowerShell 7.6 engine, the way a
/// user's pwsh imports it: by its manifest, with nothing of the module loaded before. Only the first import in a
/// process shows how the module finds its core (lib/&lt;folder&gt;/FtpTools.Core.dll), so it happens here once, and what it
/// met is kept for the tests to assert.
/// </summary>
public sealed class ImportedModule : IDisposable
{
    private readonly List<Runspace> _runspaces = new();

    public ImportedModule()
    {
        ModuleDirectory = Path.Combine(RepositoryRoot, "out", "FtpTools");
        Manifest = Path.Combine(ModuleDirectory, "FtpTools.psd1");
        CoreLoadedBeforeImport = AppDomain.CurrentDomain.GetAssemblies().Any(a => a.GetName().Name == "FtpTools.Core");
        try
        {
            if (!File.Exists(Manifest))
            {
                throw new FileNotFoundException($"{Manifest} is missing: build the solution first (dotnet build FtpTools.sln -c Release), which assembles out/FtpTools.");
            }

            var first = NewRunspace(import: false);
            var result = Run(first, "Import-Module -Name $args[0] -PassThru -ErrorAction Stop", Manifest);
            if (result.Output.Count != 1)
            {
                throw new InvalidOperationException(string.Join(Environment.NewLine, result.Errors.Select(e => e.FullyQualifiedErrorId + ": " + e.Exception)));
            }

            Module = (PSModuleInfo)result.Output[0].BaseObject;
        }
        catch (Exception ex)
        {
            ImportFailure = ex;
        }
    }

    public static string RepositoryRoot
    {
        get
        {
            var root = AppContext.BaseDirectory;
            while (!File.Exists(Path.Combine(root, "FtpTools.sln")))
            {
                root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("The repository root (FtpTools.sln) was not found above " + AppContext.BaseDirectory);
            }

            return root;
        }
    }

    public string ModuleDirectory { get; }

    public string Manifest { get; }

    public bool CoreLoadedBeforeImport { get; }

    public PSModuleInfo? Module { get; }

    public Exception? ImportFailure { get; }

    /// <summary>A new runspace of the default PowerShell session state with the module imported (as a new pwsh window after Import-Module).</summary>
    public Runspace Shell(PSHost? host = null)
    {
        Assert.True(ImportFailure is null, "Import-Module failed: " + ImportFailure);
        return NewRunspace(import: true, host);
    }

    /// <summary>A new runspace of the default PowerShell session state without the module (a new pwsh window).</summary>
    public Runspace Bare()
    {
        Assert.True(ImportFailure is null, "Import-Module failed: " + ImportFailure);
        return NewRunspace(import: false);
    }

    /// <summary>Runs <paramref name="script"/> with <paramref name="arguments"/> as $args; a terminating error is thrown as it is.</summary>
    public static ScriptResult Run(Runspace runspace, string script, params object?[] arguments)
    {
        using var shell = System.Management.Automation.PowerShell.Create();
        shell.Runspace = runspace;
        shell.AddScript(script);
        foreach (var argument in arguments)
        {
            shell.AddArgument(argument);
        }

        var output = shell.Invoke();
        return new ScriptResult(output.ToList(), shell.Streams.Error.ToList(), shell.Streams.Warning.ToList());
    }

    public void Dispose()
    {
        foreach (var runspace in _runspaces)
        {
            runspace.Dispose();
        }
    }

    private Runspace NewRunspace(bool import, PSHost? host = null)
    {
        var state = InitialSessionState.CreateDefault2();
        if (import)
        {
            state.ImportPSModule(Manifest);
        }

        state.ThrowOnRunspaceOpenError = true;
        var runspace = host is null ? RunspaceFactory.CreateRunspace(state) : RunspaceFactory.CreateRunspace(host, state);
        runspace.Open();
        lock (_runspaces)
        {
            _runspaces.Add(runspace);
        }

        return runspace;
    }
}

[CollectionDefinition("module")]
public sealed class ModuleCollection : ICollectionFixture<ImportedModule>, ICollectionFixture<TestServers>
{
}
