namespace FtpTools.Core;

/// <summary>
/// A session that counts the operations that got as far as sending their own requests, so that a caller can tell
/// whether anything was sent between two moments (<see cref="SessionKeeper.RunAsync"/>).
/// </summary>
internal interface IOperationCount
{
    long OperationsEntered { get; }
}
