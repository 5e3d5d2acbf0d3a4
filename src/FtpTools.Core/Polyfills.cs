#if NETSTANDARD2_0
// netstandard2.0 lacks the marker type the C# compiler needs for init-only setters and records.
// Declaring it internally is the documented way to use those language features on older targets.
namespace System.Runtime.CompilerServices;

internal static class IsExternalInit
{
}
#endif
