using System;
using System.IO;
using System.Management.Automation;
using System.Reflection;

namespace FtpTools;

/// <summary>
/// Runs when the module is imported. The cmdlet assembly is netstandard2.0 and sits at the module root;
/// the core comes in two builds (lib/net8.0 for PowerShell 7, lib/netstandard2.0 for Windows PowerShell 5.1).
/// Neither folder is on PowerShell's probing path, so resolve our own dependencies from the right one.
/// This class must not touch any FtpTools.Core type: it runs before the core can be loaded.
/// </summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    private static readonly string LibDirectory = Path.Combine(
        Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location) ?? ".",
        "lib",
        IsNetCore ? "net8.0" : "netstandard2.0");

    private static bool IsNetCore =>
        !System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription.StartsWith(".NET Framework", StringComparison.Ordinal);

    public void OnImport()
    {
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

        var candidate = Path.Combine(LibDirectory, name + ".dll");
        return File.Exists(candidate) ? Assembly.LoadFrom(candidate) : null;
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
