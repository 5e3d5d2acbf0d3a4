using System.Threading;
using System.Threading.Tasks;

namespace FtpTools.Core;

/// <summary>
/// A session with one conversation (FTP's control connection) that can send a rename without waiting for its
/// answer: the answer is read just before the reply to the next command, so the rename's round trip overlaps the
/// next file's first command. <see cref="Transfers.TransferQueue"/> puts FTP uploads in place with it.
/// </summary>
internal interface IRenameBehind
{
    /// <summary>
    /// Whether <see cref="SendRenameAsync"/> leaves the answer for later: only to a server known to read one command
    /// line at a time (<see cref="Ftp.FtpServerQuirks.ReadsPipelinedCommands"/>); to others it renames at once.
    /// </summary>
    bool SendsRenameBehind { get; }

    /// <summary>
    /// Renames as <see cref="IRemoteSession.RenameAsync"/> does, but returns once the rename is sent (or, where the
    /// server cannot take commands ahead of answers, done): the task returned ends when the server has answered, and
    /// fails as <see cref="IRemoteSession.RenameAsync"/> would (a refusal, or the connection lost before the answer
    /// came). Throws itself only when the session cannot be used (closed, or cancelled while waiting for it).
    /// </summary>
    Task<Task> SendRenameAsync(string oldPath, string newPath, bool overwrite, CancellationToken cancellationToken);

    /// <summary>
    /// Reads the answers still owed to renames sent behind, for when no other command will come to read them (the
    /// last file, or a next file that failed before it asked the server anything). Never throws: a failure ends the
    /// renames' tasks instead.
    /// </summary>
    Task ReadOwedAnswersAsync();
}
