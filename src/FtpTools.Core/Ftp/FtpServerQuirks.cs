using System;

namespace FtpTools.Core.Ftp;

/// <summary>Server software we recognise from the greeting or SYST, for the quirks below.</summary>
internal enum FtpServerKind
{
    Unknown,
    Vsftpd,
    ProFtpd,
    PureFtpd,
    MicrosoftIis,
    FileZilla,
}

/// <summary>
/// Every server-specific behaviour of the FTP session, decided in one place from the greeting,
/// SYST and FEAT. The session asks this object; it never tests server names itself.
/// </summary>
internal sealed class FtpServerQuirks
{
    private FtpServerQuirks(FtpServerKind kind, bool unixListing, FtpFeatures features)
    {
        Kind = kind;
        UnixListing = unixListing;
        Features = features;
    }

    public FtpServerKind Kind { get; }

    public FtpFeatures Features { get; }

    /// <summary>The server lists in Unix "ls -l" style and understands "LIST -a" (show dot files).</summary>
    public bool UnixListing { get; }

    /// <summary>MLSD/MLST (RFC 3659 §7) are offered: machine-readable listings.</summary>
    public bool UseMachineListing => Features.Has("MLST");

    /// <summary>The LIST command to send. Windows servers take "-a" for a file name, so they get plain LIST.</summary>
    public string ListCommand => UnixListing ? "LIST -a" : "LIST";

    /// <summary>REST before STOR resumes an upload (RFC 3659 §5 "REST STREAM"); otherwise resume with APPE.</summary>
    public bool RestartStore => Features.Has("REST", "STREAM") || Kind is FtpServerKind.Vsftpd or FtpServerKind.ProFtpd or FtpServerKind.PureFtpd;

    /// <summary>MFMT (draft-somers-ftp-mfxx) sets a file's modification time.</summary>
    public bool HasMfmt => Features.Has("MFMT");

    /// <summary>vsftpd (mdtm_write, on by default) sets the time with a two-argument "MDTM time path" instead of MFMT.</summary>
    public bool MdtmSetsTime => Kind == FtpServerKind.Vsftpd;

    public bool HasSize => Features.Has("SIZE") || Kind == FtpServerKind.Vsftpd;

    /// <summary>
    /// vsftpd reads no command while a transfer's data flows (ABOR aside, which comes as urgent data), so a command sent
    /// once an upload's data has all gone out is read after the transfer's final reply. Pure-FTPd reads the control
    /// connection during an upload and answers anything but ABOR and QUIT with 500 there; ProFTPD is not counted on.
    /// </summary>
    public bool ReadsCommandsOnlyBetweenTransfers => Kind == FtpServerKind.Vsftpd;

    public bool HasMdtm => Features.Has("MDTM") || Kind == FtpServerKind.Vsftpd;

    /// <summary>
    /// EPSV (RFC 2428 §3) is tried first; once a server refuses it the session stays with PASV.
    /// Likewise EPRT and PORT for active mode.
    /// </summary>
    public bool UseEpsv { get; set; } = true;

    public bool UseEprt { get; set; } = true;

    /// <summary>
    /// ProFTPD (mod_tls) requires data connections to resume the control connection's TLS session
    /// and issues no fresh TLS 1.3 session ticket on upload data connections; OpenSSL clients use a
    /// TLS 1.3 ticket once (RFC 8446 §C.4), so the data connection after an upload could not resume
    /// and is refused with 425. TLS 1.2 sessions can be resumed again and again. Decided from the
    /// greeting, which explicit TLS (AUTH TLS) lets us read before the handshake.
    /// </summary>
    public static bool AvoidTls13(string greeting) => Contains(greeting, "ProFTPD");

    /// <summary>
    /// vsftpd, ProFTPD and Pure-FTPd read the control connection one command line at a time, so commands sent
    /// together (without waiting for each answer) are answered in turn; the tests hold each of them to it. Servers
    /// that cannot be told from their greeting (a changed banner, anything else) are sent one command at a time.
    /// </summary>
    public static bool ReadsPipelinedCommands(string greeting) =>
        Contains(greeting, "vsFTPd") || Contains(greeting, "ProFTPD") || Contains(greeting, "Pure-FTPd");

    public static FtpServerQuirks Detect(string banner, string? system, FtpFeatures features)
    {
        var kind = FtpServerKind.Unknown;
        if (Contains(banner, "vsFTPd"))
        {
            kind = FtpServerKind.Vsftpd;
        }
        else if (Contains(banner, "ProFTPD"))
        {
            kind = FtpServerKind.ProFtpd;
        }
        else if (Contains(banner, "Pure-FTPd"))
        {
            kind = FtpServerKind.PureFtpd;
        }
        else if (Contains(banner, "Microsoft FTP Service") || (system is not null && Contains(system, "Windows_NT")))
        {
            kind = FtpServerKind.MicrosoftIis;
        }
        else if (Contains(banner, "FileZilla"))
        {
            kind = FtpServerKind.FileZilla;
        }

        // RFC 959 §4.1.3: SYST answers with a system name from the "Assigned Numbers" list; most servers say UNIX.
        var unix = kind is FtpServerKind.Vsftpd or FtpServerKind.ProFtpd or FtpServerKind.PureFtpd
            || (system is not null && Contains(system, "UNIX") && kind != FtpServerKind.MicrosoftIis);
        return new FtpServerQuirks(kind, unix, features);
    }

    private static bool Contains(string text, string value) => text.IndexOf(value, StringComparison.OrdinalIgnoreCase) >= 0;
}
