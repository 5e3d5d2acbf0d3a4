using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;
using System.Text;

namespace FtpTools.PowerShell.Tests;

/// <summary>
/// A console-like host that keeps what is written to it (so that Out-Default renders the module's format views into
/// text, at 120 columns) and fails every prompt: an unattended script's host has nobody to answer.
/// </summary>
public sealed class RecordingHost : PSHost
{
    private readonly RecordingUserInterface _ui = new();

    public override string Name => "FtpTools.Tests.RecordingHost";

    public override Version Version => new(1, 0);

    public override Guid InstanceId { get; } = Guid.NewGuid();

    public override PSHostUserInterface UI => _ui;

    public override CultureInfo CurrentCulture => CultureInfo.InvariantCulture;

    public override CultureInfo CurrentUICulture => CultureInfo.InvariantCulture;

    /// <summary>Everything written to the host, as a console would show it.</summary>
    public string Text => _ui.Text.ToString();

    /// <summary>The prompts the host was asked to show (each also failed).</summary>
    public IReadOnlyList<string> Prompts => _ui.Prompts;

    public override void SetShouldExit(int exitCode)
    {
    }

    public override void EnterNestedPrompt() => throw new NotSupportedException();

    public override void ExitNestedPrompt() => throw new NotSupportedException();

    public override void NotifyBeginApplication()
    {
    }

    public override void NotifyEndApplication()
    {
    }

    private sealed class RecordingUserInterface : PSHostUserInterface
    {
        private readonly RawUserInterface _raw = new();

        public StringBuilder Text { get; } = new();

        public List<string> Prompts { get; } = new();

        public override PSHostRawUserInterface RawUI => _raw;

        public override string ReadLine() => Refuse("ReadLine");

        public override SecureString ReadLineAsSecureString() => Refuse<SecureString>("ReadLineAsSecureString");

        public override void Write(string value) => Text.Append(value);

        public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) => Text.Append(value);

        public override void WriteLine(string value) => Text.Append(value).Append('\n');

        public override void WriteErrorLine(string value) => Text.Append("ERROR: ").Append(value).Append('\n');

        public override void WriteDebugLine(string message) => Text.Append("DEBUG: ").Append(message).Append('\n');

        public override void WriteVerboseLine(string message) => Text.Append("VERBOSE: ").Append(message).Append('\n');

        public override void WriteWarningLine(string message) => Text.Append("WARNING: ").Append(message).Append('\n');

        public override void WriteProgress(long sourceId, ProgressRecord record)
        {
        }

        public override Dictionary<string, PSObject> Prompt(string caption, string message, Collection<FieldDescription> descriptions) =>
            Refuse<Dictionary<string, PSObject>>("Prompt: " + caption + " " + message);

        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) =>
            Refuse<PSCredential>("PromptForCredential: " + caption + " " + message);

        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName, PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) =>
            Refuse<PSCredential>("PromptForCredential: " + caption + " " + message);

        public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice) =>
            Refuse<int>("PromptForChoice: " + caption + " " + message);

        private string Refuse(string what) => Refuse<string>(what);

        private T Refuse<T>(string what)
        {
            Prompts.Add(what);
            throw new HostException("This host cannot prompt (a scheduled task's): " + what);
        }
    }

    private sealed class RawUserInterface : PSHostRawUserInterface
    {
        public override ConsoleColor ForegroundColor { get; set; } = ConsoleColor.Gray;

        public override ConsoleColor BackgroundColor { get; set; } = ConsoleColor.Black;

        public override Coordinates CursorPosition { get; set; }

        public override Coordinates WindowPosition { get; set; }

        public override int CursorSize { get; set; }

        public override Size BufferSize { get; set; } = new(120, 9999);

        public override Size WindowSize { get; set; } = new(120, 50);

        public override Size MaxWindowSize => new(120, 50);

        public override Size MaxPhysicalWindowSize => new(120, 50);

        public override bool KeyAvailable => false;

        public override string WindowTitle { get; set; } = "";

        public override KeyInfo ReadKey(ReadKeyOptions options) => throw new HostException("This host cannot read keys.");

        public override void FlushInputBuffer()
        {
        }

        public override void SetBufferContents(Coordinates origin, BufferCell[,] contents) => throw new NotSupportedException();

        public override void SetBufferContents(Rectangle rectangle, BufferCell fill) => throw new NotSupportedException();

        public override BufferCell[,] GetBufferContents(Rectangle rectangle) => throw new NotSupportedException();

        public override void ScrollBufferContents(Rectangle source, Coordinates destination, Rectangle clip, BufferCell fill) => throw new NotSupportedException();
    }
}
