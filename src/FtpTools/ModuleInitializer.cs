using System;
using System.IO;
using System.Management.Automation;
using System.Reflection;
using System.Runtime.InteropServices;

namespace FtpTools;

/// <summary>
/// Runs when the module is imported. The cmdlet assembly is netstandard2.0 and sits at the module root;
/// the core comes in several builds (lib/netstandard2.0 for Windows PowerShell 5.1, lib/net8.0 for PowerShell 7.4+,
/// and lib/net10.0-&lt;os&gt;-x64, the core precompiled for .NET 10 on x64 Windows or Linux).
/// None of these folders is on PowerShell's probing path, so resolve our own dependencies from the right ones.
/// This class must not touch any FtpTools.Core type: it runs before the core can be loaded.
/// </summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    private static readonly string[] LibDirectories = ChooseLibDirectories(
        Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location) ?? ".",
        RuntimeInformation.FrameworkDescription,
        Environment.Version,
        RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "win" : RuntimeInformation.IsOSPlatform(OSPlatform.Linux) ? "linux" : null,
        RuntimeInformation.ProcessArchitecture);

    /// <summary>
    /// The folders to load the module's assemblies from, first match wins: on .NET 10 or later on x64 Windows or
    /// Linux the precompiled core (that folder holds only FtpTools.Core.dll), then lib/net8.0 for every .NET (Core);
    /// lib/netstandard2.0 on .NET Framework.
    /// </summary>
    internal static string[] ChooseLibDirectories(string moduleDirectory, string frameworkDescription, Version runtimeVersion, string? os, Architecture architecture)
    {
        var lib = Path.Combine(moduleDirectory, "lib");
        if (frameworkDescription.StartsWith(".NET Framework", StringComparison.Ordinal))
        {
            return new[] { Path.Combine(lib, "netstandard2.0") };
        }

        return runtimeVersion.Major >= 10 && os is not null && architecture == Architecture.X64
            ? new[] { Path.Combine(lib, "net10.0-" + os + "-x64"), Path.Combine(lib, "net8.0") }
            : new[] { Path.Combine(lib, "net8.0") };
    }

    /// <summary>
    /// Why the module cannot run on this runtime, or null. PowerShell 7.0 to 7.3 (.NET Core 3.1 to .NET 7) pass the
    /// manifest's checks (it cannot ask one edition for more than the other), but the core's net8.0 build does not
    /// load there: refused at import with what to use instead, rather than failing at the first cmdlet.
    /// </summary>
    internal static string? UnsupportedRuntime(string frameworkDescription, Version runtimeVersion) =>
        frameworkDescription.StartsWith(".NET Framework", StringComparison.Ordinal) || runtimeVersion.Major >= 8
            ? null
            : $"FtpTools needs PowerShell 7.4 or later (on .NET 8 or later) or Windows PowerShell 5.1; this PowerShell runs on {frameworkDescription}.";

    public void OnImport()
    {
        var unsupported = UnsupportedRuntime(RuntimeInformation.FrameworkDescription, Environment.Version);
        if (unsupported is not null)
        {
            throw new PlatformNotSupportedException(unsupported);
        }

        AppDomain.CurrentDomain.AssemblyResolve += ResolveFromLib;
    }

    public void OnRemove(PSModuleInfo psModuleInfo)
    {
        SessionCleanup.CloseAll();
        AppDomain.CurrentDomain.AssemblyResolve -= ResolveFromLib;
    }

    private static Assembly? ResolveFromLib(object? sender, ResolveEventArgs args)
    {
        var name = new AssemblyName(args.Name).Name;
        if (name is null)
        {
            return null;
        }

        foreach (var directory in LibDirectories)
        {
            var candidate = Path.Combine(directory, name + ".dll");
            if (File.Exists(candidate))
            {
                return Assembly.LoadFrom(candidate);
            }
        }

        return null;
    }
}

/// <summary>Kept apart from <see cref="ModuleInitializer"/> so that loading the initializer never loads the core.</summary>
internal static class SessionCleanup
{
    /// <summary>
    /// Closes the sessions of the runspace the module is removed from. Other runspaces keep theirs: the
    /// assembly stays loaded and they may still use the module. Waits at most <see cref="Infrastructure.SessionStore.CloseTimeout"/>.
    /// </summary>
    public static void CloseAll()
    {
        Infrastructure.SessionStore.CurrentIfAny?.CloseAll(Infrastructure.SessionStore.CloseTimeout);
    }
}
