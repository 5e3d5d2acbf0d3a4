#if NETSTANDARD2_0
// netstandard2.0 lacks the marker type the C# compiler needs for init-only setters and records.
// It is public on purpose: the cmdlet assembly is compiled against this netstandard2.0 build, so every init
// setter it calls carries a modreq naming [FtpTools.Core]IsExternalInit. Under PowerShell 7 the net8.0 build
// of the core is loaded instead, and forwards that name to the runtime's own type (below), so the setter
// signatures still match. With an internal type here the calls fail with MissingMethodException.
namespace System.Runtime.CompilerServices;

/// <summary>Compiler marker for init-only setters (netstandard2.0 only; forwarded to the runtime's type on net8.0).</summary>
public static class IsExternalInit
{
}
#else
[assembly: System.Runtime.CompilerServices.TypeForwardedTo(typeof(System.Runtime.CompilerServices.IsExternalInit))]
#endif
