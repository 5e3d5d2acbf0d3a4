namespace FtpTools.Core.Ftp;

/// <summary>
/// FTP reply codes by their RFC 959 §4.2.2 meaning, plus the ones RFC 2228 (security), RFC 2428
/// (extended passive) and RFC 3659 add. Codes a server sends that are not named here are still
/// carried as their number; callers decide by the first digit (<see cref="FtpReplyCodeExtensions"/>).
/// </summary>
internal enum FtpReplyCode
{
    RestartMarker = 110,
    ServiceReadyInMinutes = 120,
    DataConnectionAlreadyOpen = 125,
    FileStatusOk = 150,
    CommandOk = 200,
    CommandSuperfluous = 202,
    SystemStatus = 211,
    DirectoryStatus = 212,
    FileStatus = 213,
    HelpMessage = 214,
    SystemType = 215,
    ServiceReady = 220,
    ClosingControlConnection = 221,
    DataConnectionOpenNoTransfer = 225,
    ClosingDataConnection = 226,
    EnteringPassiveMode = 227,
    EnteringExtendedPassiveMode = 229,
    LoggedIn = 230,
    LoggedInAuthorizedBySecurityExchange = 232,
    SecurityDataExchangeComplete = 234,
    FileActionOk = 250,
    PathnameCreated = 257,
    NeedPassword = 331,
    NeedAccount = 332,
    SecurityMechanismAccepted = 334,
    FileActionPendingFurtherInformation = 350,
    ServiceNotAvailable = 421,
    CannotOpenDataConnection = 425,
    ConnectionClosedTransferAborted = 426,
    SecurityResourceUnavailable = 431,
    FileActionNotTakenBusy = 450,
    LocalErrorInProcessing = 451,
    InsufficientStorage = 452,
    SyntaxError = 500,
    SyntaxErrorInParameters = 501,
    CommandNotImplemented = 502,
    BadSequenceOfCommands = 503,
    NotImplementedForParameter = 504,
    NotLoggedIn = 530,
    NeedAccountForStoring = 532,
    RequestDeniedForPolicy = 534,
    ProtectionLevelNotSupported = 536,
    FileUnavailable = 550,
    PageTypeUnknown = 551,
    ExceededStorageAllocation = 552,
    FileNameNotAllowed = 553,
}

/// <summary>The reply categories of RFC 959 §4.2.1, decided by the first digit.</summary>
internal static class FtpReplyCodeExtensions
{
    /// <summary>1yz: the action started; expect another reply.</summary>
    public static bool IsPositivePreliminary(this FtpReplyCode code) => (int)code / 100 == 1;

    /// <summary>2yz: the action completed.</summary>
    public static bool IsPositiveCompletion(this FtpReplyCode code) => (int)code / 100 == 2;

    /// <summary>3yz: accepted, more information (the next command) is needed.</summary>
    public static bool IsPositiveIntermediate(this FtpReplyCode code) => (int)code / 100 == 3;

    /// <summary>4yz and 5yz: the command was not accepted.</summary>
    public static bool IsNegative(this FtpReplyCode code) => (int)code >= 400;
}
