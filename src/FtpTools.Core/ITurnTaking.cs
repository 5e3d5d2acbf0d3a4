namespace FtpTools.Core;

/// <summary>
/// A session that runs one operation at a time (FTP: one control connection), and can tell whether another one waits
/// for the one under way (<see cref="Transfers.RemoteText.OthersWaitFor"/>).
/// </summary>
internal interface ITurnTaking
{
    bool OthersWaiting { get; }
}
