#if NET8_0_OR_GREATER
using System;
using System.Collections.Generic;
using System.IO;
using System.Net.Security;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Security.Authentication;

namespace FtpTools.Core.Ftp;

/// <summary>
/// TLS 1.3 key shares on Linux, where SslStream runs on OpenSSL. A TLS 1.3 client sends a key share for one group in
/// its ClientHello (OpenSSL: the first of its list, X25519 by default); a server that does not take that group answers
/// with a HelloRetryRequest naming the one it wants, and the client starts again (RFC 8446 §4.1.4): one more round
/// trip and one more key generation on both sides. vsftpd and Pure-FTPd take P-256 only, so without this every FTPES
/// data connection to them (one per file and per listing) paid that retry: over a 40 ms round trip 50 small downloads
/// from vsftpd took 10.8-11.0 s, and 8.7-8.9 s once the group is learned (bench/HISTORY.md, stop 37).
/// <para>
/// RFC 8446 §4.2.8 lets a client remember the group a server chose and offer it first. .NET has no setting for the
/// groups, so after a TLS 1.3 handshake whose group was not the one offered first, this sets the group order of the
/// OpenSSL context that SslStream keeps for that kind of client connection (one per protocol set and client
/// certificate, shared by the process) with the server's group first, through libssl's own SSL_CTX_set1_groups_list.
/// The list set is OpenSSL's default list (1.1.1 to 3.4) with that group moved to the front: every group offered by
/// default is still offered, only the key share moves (a Groups line of the system's openssl.cnf gives way to it for
/// that context). OpenSSL 3.5 and later, whose default starts with a post-quantum hybrid group and sends two key shares,
/// are left alone. The change is process-wide for that context, so a later server that wants another group moves it
/// again on its first handshake. It is made only while no FtpTools handshake is under way (OpenSSL copies the list
/// when a connection starts, so changing it then would race with that copy), and only where every piece is found: on
/// Linux, the libssl this process has loaded, and the handle SslStream keeps (a private field, read by reflection).
/// Anything missing leaves OpenSSL's order alone: handshakes then work exactly as before, each with its retry.
/// </para>
/// </summary>
internal static class TlsKeyShareMemory
{
    // OpenSSL's NIDs (obj_mac.h) and SSL_ctrl commands (ssl.h), the same in 1.1.1 and 3.x.
    private const int NidX25519 = 1034;
    private const int NidX448 = 1035;
    private const int NidP256 = 415;
    private const int NidP384 = 715;
    private const int NidP521 = 716;
    private const int SslCtrlSetGroupsList = 92;
    private const int SslCtrlGetNegotiatedGroup = 134;

    /// <summary>
    /// OpenSSL's default order of the elliptic-curve groups (1.1.1 to 3.4), as SSL_CTX_set1_groups_list names them; 3.0
    /// to 3.4 also offer the finite-field groups after them (<see cref="FiniteFieldGroups"/>).
    /// </summary>
    private static readonly (int Nid, string Name)[] DefaultOrder =
    {
        (NidX25519, "X25519"), (NidP256, "P-256"), (NidX448, "X448"), (NidP521, "P-521"), (NidP384, "P-384"),
    };

    private const string FiniteFieldGroups = "ffdhe2048:ffdhe3072:ffdhe4096:ffdhe6144:ffdhe8192";

    // OpenSSL_version_num(): 0xMNN00PP0 from 3.0 on, 0xMNNFFPPS before.
    private const long OpenSsl111 = 0x1010100F;
    private const long OpenSsl30 = 0x30000000;
    private const long OpenSsl35 = 0x30500000;

    private static readonly object Gate = new();
    private static readonly Lazy<LibSsl?> Native = new(LibSsl.Find);
    private static readonly FieldInfo? SecurityContextField =
        typeof(SslStream).GetField("_securityContext", BindingFlags.Instance | BindingFlags.NonPublic);

    /// <summary>The group each context offers first, for the contexts whose order was set here.</summary>
    private static readonly Dictionary<IntPtr, int> FirstGroups = new();

    private static int s_handshakes;

    /// <summary>
    /// Whether this process can do it: Linux, libssl loaded, SslStream's handle found. Asked only after a handshake has
    /// succeeded: before the first one libssl may not be loaded yet, and the answer is kept for the process.
    /// </summary>
    internal static bool Available => OperatingSystem.IsLinux() && SecurityContextField is not null && Native.Value is not null;

    /// <summary>Called before every FtpTools TLS handshake starts; no group order changes until <see cref="EndHandshake"/>.</summary>
    public static void BeginHandshake()
    {
        lock (Gate)
        {
            s_handshakes++;
        }
    }

    /// <summary>
    /// Called when a handshake has ended, with its stream if it succeeded. When it negotiated TLS 1.3 with a group
    /// other than the one offered first, and no other FtpTools handshake is under way, the server's group is offered
    /// first from now on; the returned text says so (for the protocol log), or is null when nothing changed.
    /// </summary>
    public static string? EndHandshake(SslStream? secured)
    {
        lock (Gate)
        {
            s_handshakes--;
            if (secured is null || s_handshakes != 0 || secured.SslProtocol != TlsOptions.Tls13 || !Available)
            {
                return null;
            }

            return Learn(secured, Native.Value!);
        }
    }

    private static string? Learn(SslStream secured, LibSsl native)
    {
        if (SecurityContextField!.GetValue(secured) is not SafeHandle handle || handle.IsInvalid || handle.IsClosed)
        {
            return null;
        }

        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            var ssl = handle.DangerousGetHandle();
            var context = native.GetContext(ssl);
            var group = (int)native.Control(ssl, SslCtrlGetNegotiatedGroup, 0, IntPtr.Zero);
            var first = FirstGroups.TryGetValue(context, out var known) ? known : NidX25519;
            var name = NameOf(group);
            if (context == IntPtr.Zero || group == first || name is null)
            {
                return null;
            }

            var list = name;
            foreach (var (nid, other) in DefaultOrder)
            {
                if (nid != group)
                {
                    list += ":" + other;
                }
            }

            if (native.Version >= OpenSsl30)
            {
                list += ":" + FiniteFieldGroups;
            }

            var text = Marshal.StringToCoTaskMemUTF8(list);
            try
            {
                if (native.ContextControl(context, SslCtrlSetGroupsList, 0, text) != 1)
                {
                    return null;
                }
            }
            finally
            {
                Marshal.FreeCoTaskMem(text);
            }

            FirstGroups[context] = group;
            return $"The server chose the TLS key exchange group {name} after a retry (HelloRetryRequest); later TLS handshakes in this process offer {name} first.";
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException or MarshalDirectiveException or ObjectDisposedException)
        {
            return null;
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>The name of a group this class knows, or null.</summary>
    internal static string? NameOf(int nid)
    {
        foreach (var (known, name) in DefaultOrder)
        {
            if (known == nid)
            {
                return name;
            }
        }

        return null;
    }

    /// <summary>The group a TLS 1.3 stream negotiated, by name, or null where it cannot be read (tests and diagnostics).</summary>
    internal static string? NegotiatedGroup(SslStream secured)
    {
        if (!Available || SecurityContextField!.GetValue(secured) is not SafeHandle handle || handle.IsInvalid || handle.IsClosed)
        {
            return null;
        }

        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            return NameOf((int)Native.Value!.Control(handle.DangerousGetHandle(), SslCtrlGetNegotiatedGroup, 0, IntPtr.Zero));
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>The libssl functions used, from the libssl this process has already loaded (never another copy).</summary>
    private sealed class LibSsl
    {
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        private delegate IntPtr GetContextFunction(IntPtr ssl);

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        private delegate nuint VersionFunction();

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        private delegate nint ControlFunction(IntPtr target, int command, nint larg, IntPtr parg);

        private readonly GetContextFunction _getContext;
        private readonly ControlFunction _control;
        private readonly ControlFunction _contextControl;

        private LibSsl(IntPtr library, long version)
        {
            Version = version;
            _getContext = Marshal.GetDelegateForFunctionPointer<GetContextFunction>(NativeLibrary.GetExport(library, "SSL_get_SSL_CTX"));
            _control = Marshal.GetDelegateForFunctionPointer<ControlFunction>(NativeLibrary.GetExport(library, "SSL_ctrl"));
            _contextControl = Marshal.GetDelegateForFunctionPointer<ControlFunction>(NativeLibrary.GetExport(library, "SSL_CTX_ctrl"));
        }

        /// <summary>OpenSSL_version_num() of the loaded library.</summary>
        public long Version { get; }

        public IntPtr GetContext(IntPtr ssl) => _getContext(ssl);

        public nint Control(IntPtr ssl, int command, nint larg, IntPtr parg) => _control(ssl, command, larg, parg);

        public nint ContextControl(IntPtr context, int command, nint larg, IntPtr parg) => _contextControl(context, command, larg, parg);

        /// <summary>
        /// The libssl SslStream uses, found after a handshake has loaded it: its path is read from /proc/self/maps, so
        /// the handle is that library and never a second copy, of another version perhaps, loaded beside it.
        /// </summary>
        public static LibSsl? Find()
        {
            if (!OperatingSystem.IsLinux())
            {
                return null;
            }

            try
            {
                string? path = null;
                foreach (var line in File.ReadLines("/proc/self/maps"))
                {
                    var at = line.IndexOf('/', StringComparison.Ordinal);
                    if (at >= 0 && line.IndexOf("/libssl.so.", at, StringComparison.Ordinal) >= 0)
                    {
                        path = line.Substring(at);
                        break;
                    }
                }

                if (path is null || !NativeLibrary.TryLoad(path, out var library) ||
                    !NativeLibrary.TryGetExport(library, "OpenSSL_version_num", out var versionFunction))
                {
                    return null;
                }

                // OpenSSL 3.5 and later offer a post-quantum hybrid group first (X25519MLKEM768) with key shares for two
                // groups: a list of ours would drop it, so those are left alone, as is anything before TLS 1.3 (1.1.1).
                var version = (long)Marshal.GetDelegateForFunctionPointer<VersionFunction>(versionFunction)();
                return version is >= OpenSsl111 and < OpenSsl35 ? new LibSsl(library, version) : null;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or EntryPointNotFoundException or BadImageFormatException)
            {
                return null;
            }
        }
    }
}
#endif
