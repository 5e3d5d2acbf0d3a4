using System;
using System.Linq;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using FtpTools.Core;
using FtpTools.Core.Paths;
using FtpTools.Core.Transfers;
using FtpTools.Infrastructure;
using Xunit;

namespace FtpTools.Tests;

public class CmdletHelpersTests
{
    [Theory]
    [InlineData(RemoteItemKind.File, 0x1A4, "-rw-r--r--")]
    [InlineData(RemoteItemKind.Directory, 0x1ED, "drwxr-xr-x")]
    [InlineData(RemoteItemKind.SymbolicLink, 0x1FF, "lrwxrwxrwx")]
    [InlineData(RemoteItemKind.File, 0x9ED, "-rwsr-xr-x")]
    [InlineData(RemoteItemKind.Directory, 0x3FF, "drwxrwxrwt")]
    [InlineData(RemoteItemKind.File, 0x400, "------S---")]
    [InlineData(RemoteItemKind.Other, 0, "?---------")]
    public void Modes_read_like_ls(RemoteItemKind kind, int bits, string mode)
    {
        Assert.Equal(mode, FtpToolsItem.FormatMode(kind, bits));
    }

    [Theory]
    [InlineData(0, "0 B")]
    [InlineData(1023, "1023 B")]
    [InlineData(1536, "1.5 KB")]
    [InlineData(10L * 1024 * 1024, "10.0 MB")]
    public void Byte_counts_are_readable(long bytes, string text)
    {
        Assert.Equal(text, TransferProgressReporter.FormatBytes(bytes));
    }

    [Fact]
    public void File_progress_carries_bytes_rate_and_time_left()
    {
        var progress = new TransferProgress(TransferDirection.Download, "/big.iso", "/tmp/big.iso")
        {
            BytesDone = 512 * 1024,
            TotalBytes = 1024 * 1024,
            BytesPerSecond = 256 * 1024,
            EstimatedRemaining = TimeSpan.FromSeconds(1.2),
            PercentComplete = 50,
        };

        var update = TransferProgressReporter.FileUpdate("Receive-FtpFile", progress, TransferProgressReporter.BatchActivityId);

        Assert.Equal("512.0 KB of 1.0 MB at 256.0 KB/s", update.Status);
        Assert.Equal("/big.iso -> /tmp/big.iso", update.CurrentOperation);
        Assert.Equal(50, update.PercentComplete);
        Assert.Equal(2, update.SecondsRemaining);
        Assert.Equal(TransferProgressReporter.BatchActivityId, update.ParentActivityId);
        Assert.False(update.Completed);
    }

    [Fact]
    public void Batch_progress_counts_files_and_bytes()
    {
        var batch = new BatchProgress { FilesDone = 2, FileCount = 5, BytesDone = 2048, TotalBytes = 4096, BytesPerSecond = 1024, PercentComplete = 50, EstimatedRemaining = TimeSpan.FromSeconds(2) };

        var update = TransferProgressReporter.BatchUpdate("Send-FtpFile", batch);

        Assert.Equal("2 of 5 files, 2.0 KB of 4.0 KB at 1.0 KB/s", update.Status);
        Assert.Equal(TransferProgressReporter.BatchActivityId, update.ActivityId);
        Assert.Equal(50, update.PercentComplete);
        Assert.Equal(2, update.SecondsRemaining);
    }

    /// <summary>
    /// The cmdlet assembly is compiled against the netstandard2.0 core, but PowerShell 7 loads the net8.0 core, or on
    /// .NET 10 x64 the precompiled net10.0 one. Every member the module's cmdlet assembly uses from the core must
    /// resolve against each; init-only setters once did not (their signature names the polyfilled IsExternalInit).
    /// Each pair is loaded apart from this test process, as ModuleInitializer would pick them.
    /// </summary>
    [Theory]
    [InlineData("net8.0", ".NETCoreApp,Version=v8.0")]
    [InlineData("net10.0-linux-x64", ".NETCoreApp,Version=v10.0")]
    [InlineData("net10.0-win-x64", ".NETCoreApp,Version=v10.0")]
    public void Every_core_member_the_cmdlets_use_resolves_against_each_dotnet_core_build(string folder, string framework)
    {
        var moduleDirectory = System.IO.Path.Combine(CmdletMetadata.RepositoryRoot, "out", "FtpTools");
        var context = new ModuleLoadContext(moduleDirectory, folder);
        try
        {
            var module = context.LoadFromAssemblyPath(System.IO.Path.Combine(moduleDirectory, "FtpTools.dll"));
            var core = context.LoadFromAssemblyName(new AssemblyName("FtpTools.Core"));
            Assert.Equal(System.IO.Path.Combine(moduleDirectory, "lib", folder, "FtpTools.Core.dll"), core.Location);
            Assert.Equal(framework, TargetFrameworkOf(core));

            using var pe = new PEReader(System.IO.File.OpenRead(module.Location));
            var reader = pe.GetMetadataReader();
            var checkedCount = 0;
            foreach (var handle in reader.MemberReferences)
            {
                var reference = reader.GetMemberReference(handle);
                if (reference.Parent.Kind != HandleKind.TypeReference)
                {
                    continue;
                }

                var parent = reader.GetTypeReference((TypeReferenceHandle)reference.Parent);
                if (!IsFromCore(reader, parent))
                {
                    continue;
                }

                var member = module.ManifestModule.ResolveMember(MetadataTokens.GetToken(handle));
                Assert.NotNull(member);
                Assert.Same(core, member!.Module.Assembly);
                checkedCount++;
            }

            Assert.True(checkedCount > 20, $"only {checkedCount} core members found; the check is not looking at the right references");
        }
        finally
        {
            context.Unload();
        }
    }

    /// <summary>Loads the module's assemblies as ModuleInitializer resolves them: the given lib folder first, then lib/net8.0.</summary>
    private sealed class ModuleLoadContext : System.Runtime.Loader.AssemblyLoadContext
    {
        private readonly string[] _directories;

        public ModuleLoadContext(string moduleDirectory, string folder)
            : base("FtpTools " + folder, isCollectible: true)
        {
            _directories = new[] { System.IO.Path.Combine(moduleDirectory, "lib", folder), System.IO.Path.Combine(moduleDirectory, "lib", "net8.0") };
        }

        protected override Assembly? Load(AssemblyName assemblyName)
        {
            foreach (var directory in _directories)
            {
                var candidate = System.IO.Path.Combine(directory, assemblyName.Name + ".dll");
                if (System.IO.File.Exists(candidate))
                {
                    return LoadFromAssemblyPath(candidate);
                }
            }

            return null; // The runtime's and PowerShell's own assemblies come from the default context.
        }
    }

    /// <summary>What PowerShell 7 must find for the cmdlet assembly: each of its references loads on a .NET Core runtime.</summary>
    [Fact]
    public void Every_assembly_the_cmdlets_reference_loads_on_dotnet_core()
    {
        var references = typeof(ModuleInitializer).Assembly.GetReferencedAssemblies()
            .Where(r => r.Name is not "System.Management.Automation")
            .ToList();

        Assert.Contains(references, r => r.Name == "FtpTools.Core");
        foreach (var reference in references)
        {
            Assert.NotNull(Assembly.Load(reference));
        }
    }

    [Fact]
    public void The_net8_lib_folder_carries_the_async_interfaces_facade_the_cmdlets_name()
    {
        var facade = System.IO.Path.Combine(CmdletMetadata.RepositoryRoot, "out", "FtpTools", "lib", "net8.0", "Microsoft.Bcl.AsyncInterfaces.dll");
        Assert.True(System.IO.File.Exists(facade));

        // The netstandard2.1 build only forwards IAsyncDisposable to the runtime; it must not define its own.
        using var pe = new PEReader(System.IO.File.OpenRead(facade));
        var reader = pe.GetMetadataReader();
        Assert.DoesNotContain(reader.TypeDefinitions, t => reader.GetString(reader.GetTypeDefinition(t).Name) == "IAsyncDisposable");
        Assert.Contains(reader.ExportedTypes, t => reader.GetString(reader.GetExportedType(t).Name) == "IAsyncDisposable");
    }

    private static bool IsFromCore(MetadataReader reader, TypeReference type)
    {
        while (type.ResolutionScope.Kind == HandleKind.TypeReference)
        {
            type = reader.GetTypeReference((TypeReferenceHandle)type.ResolutionScope);
        }

        return type.ResolutionScope.Kind == HandleKind.AssemblyReference
            && reader.GetString(reader.GetAssemblyReference((AssemblyReferenceHandle)type.ResolutionScope).Name) == "FtpTools.Core";
    }

    private static string TargetFrameworkOf(Assembly assembly) =>
        assembly.GetCustomAttributesData().First(a => a.AttributeType.Name == "TargetFrameworkAttribute").ConstructorArguments[0].Value as string ?? "";
}
