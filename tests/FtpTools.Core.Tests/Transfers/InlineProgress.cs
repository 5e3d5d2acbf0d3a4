using System;
using FtpTools.Core.Transfers;

namespace FtpTools.Core.Tests.Transfers;

/// <summary>
/// Progress handled on the reporting thread, during the report. Synchronous on purpose: <see cref="Progress{T}"/>
/// posts to a context, and a test that cancels from a report would cancel too late to be deterministic.
/// </summary>
internal sealed class InlineProgress : IProgress<TransferProgress>
{
    private readonly Action<TransferProgress> _action;

    public InlineProgress(Action<TransferProgress> action) => _action = action;

    public void Report(TransferProgress value) => _action(value);
}
