using System;
using System.Buffers;
using System.Globalization;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using FtpTools.Core.Errors;
using FtpTools.Core.Paths;

namespace FtpTools.Core.Transfers;

/// <summary>
/// The text of remote files, for Get-FtpContent: read through the transfer engine's copy loop into a decoder, never
/// stored, and handed on line by line as it arrives (memory stays the copy's buffers and one line), or as one string
/// (<c>raw</c>). A byte order mark at the start of a file says its encoding, whatever was asked, as Get-Content reads
/// it. Lines end at CR LF, LF or CR, as StreamReader ends them; a last line without an end is a line too. When the
/// lines asked for are in (<c>totalCount</c>), the rest of the file is not read: the transfer is given up as a
/// cancelled download is, and the session stays usable.
/// </summary>
public static class RemoteText
{
    private static readonly TransferOptions Defaults = new();

    /// <summary>The names <see cref="ParseEncoding"/> takes, as Get-Content's -Encoding takes them.</summary>
    public static readonly string[] EncodingNames =
    {
        "utf8", "utf8BOM", "utf8NoBOM", "ascii", "unicode", "bigendianunicode", "utf32", "bigendianutf32", "latin1",
    };

    /// <summary>
    /// The encoding of a name of <see cref="EncodingNames"/> (any case), or of a code page number or name (1252,
    /// windows-1252, iso-8859-15, shift_jis), as Get-Content takes them in PowerShell 7.4. UTF-8 for all three UTF-8
    /// names: a file read has its byte order mark or not, and either way it is taken away. Anything else throws
    /// <see cref="ArgumentException"/> with <see cref="UnknownEncoding"/>'s words.
    /// </summary>
    public static Encoding ParseEncoding(string name) =>
        TryParseEncoding(name) ?? throw new ArgumentException(UnknownEncoding(name), nameof(name));

    /// <summary>As <see cref="ParseEncoding"/>; null for a name it does not take.</summary>
    public static Encoding? TryParseEncoding(string name)
    {
        switch ((name ?? throw new ArgumentNullException(nameof(name))).ToUpperInvariant())
        {
            case "UTF8" or "UTF8BOM" or "UTF8NOBOM": return new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
            case "ASCII": return Encoding.ASCII;
            case "UNICODE": return Encoding.Unicode;
            case "BIGENDIANUNICODE": return Encoding.BigEndianUnicode;
            case "UTF32": return Encoding.UTF32;
            case "BIGENDIANUTF32": return new UTF32Encoding(bigEndian: true, byteOrderMark: true);
            case "LATIN1": return Encoding.GetEncoding(28591);
        }

        RegisterCodePages();
        try
        {
            return int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var codePage)
                ? Encoding.GetEncoding(codePage)
                : Encoding.GetEncoding(name);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>What an encoding name that <see cref="TryParseEncoding"/> does not take gets for an answer.</summary>
    public static string UnknownEncoding(string name) =>
        $"Unknown encoding '{name}'. Use {string.Join(", ", EncodingNames)}, or a code page's number or name (1252, windows-1252).";

    // .NET (not .NET Framework) knows only a few code pages until the system's are registered; PowerShell 7 does so
    // at its start, a host of its engine may not.
    private static void RegisterCodePages()
    {
#if NET
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
#endif
    }

    /// <summary>
    /// True while another operation waits for <paramref name="session"/> (FTP runs one at a time, and a read holds the
    /// session until the file's end): a consumer that bounds what waits for it must take the read's lines without
    /// bound then, or a pipeline that uses the same session further down (Get-FtpContent | Remove-FtpItem) would wait
    /// for itself.
    /// </summary>
    public static bool OthersWaitFor(IRemoteSession session) => session is ITurnTaking turns && turns.OthersWaiting;

    /// <summary>
    /// Reads the remote file at <paramref name="path"/> (relative paths resolve against the session's current
    /// directory; <paramref name="listed"/>, when given, is what a listing said of it) and hands its lines to
    /// <paramref name="write"/>, at most <paramref name="totalCount"/> of them (all when negative), or with
    /// <paramref name="raw"/> its whole text as one string (nothing for an empty file). Returns the number of strings
    /// written. A missing path throws <see cref="TransferRefusedException"/> (SourceNotFound); a directory, or a
    /// symbolic link to one, SourceIsDirectory. <paramref name="write"/> may block (the caller's room for output); it
    /// runs on whichever thread reads.
    /// </summary>
    public static async Task<long> ReadAsync(
        IRemoteSession session,
        string path,
        RemoteItem? listed,
        Encoding encoding,
        bool raw,
        long totalCount,
        Action<string> write,
        CancellationToken cancellationToken)
    {
        if (session is null)
        {
            throw new ArgumentNullException(nameof(session));
        }

        if (string.IsNullOrEmpty(path))
        {
            throw new ArgumentException("A remote path is required.", nameof(path));
        }

        if (encoding is null)
        {
            throw new ArgumentNullException(nameof(encoding));
        }

        if (write is null)
        {
            throw new ArgumentNullException(nameof(write));
        }

        var full = RemotePath.Combine(session.CurrentDirectory, path);
        var item = listed
            ?? await session.GetItemAsync(full, cancellationToken).ConfigureAwait(false)
            ?? throw new TransferRefusedException($"The remote file '{full}' does not exist.", TransferRefusedReason.SourceNotFound, full);
        if (item.Kind == RemoteItemKind.Directory
            || (item.Kind == RemoteItemKind.SymbolicLink && await TransferEngine.LeadsToDirectoryAsync(session, full, cancellationToken).ConfigureAwait(false)))
        {
            throw new TransferRefusedException($"'{full}' is a directory: only a file has content.", TransferRefusedReason.SourceIsDirectory, full);
        }

        if (totalCount == 0)
        {
            return 0;
        }

        using var sink = new LineSink(encoding, raw, raw ? -1 : totalCount, write);
        var total = item.Kind == RemoteItemKind.File ? item.Length : null;
        var meter = new ProgressMeter(TransferDirection.Download, full, "text", total, 0, progress: null, Defaults.ProgressInterval);
        var remote = await (session is IKnownLengthReader reader
            ? reader.OpenReadAsync(full, 0, total, cancellationToken)
            : session.OpenReadAsync(full, 0, cancellationToken)).ConfigureAwait(false);
        try
        {
            await TransferEngine.CopyAndCompleteAsync(remote, from: remote, to: sink, Defaults.BufferSize, Defaults.ProgressInterval, meter, alongsideCompletion: null, cancellationToken).ConfigureAwait(false);
            sink.Finish();
        }
        catch (EnoughLinesException)
        {
            // The lines asked for are in and more of the file came: the transfer was given up (the stream disposed
            // without completing), which the session brings back in step before its next request. A file that ends
            // right after them completes as a whole read does.
        }

        return sink.Written;
    }

    /// <summary>Thrown by <see cref="LineSink"/> once the lines asked for are written: ends the copy early.</summary>
    internal sealed class EnoughLinesException : Exception
    {
        public EnoughLinesException()
            : base("The lines asked for are in.")
        {
        }
    }

    /// <summary>
    /// The bytes of a file in, its lines (or its whole text) out. The first four bytes are held until they say
    /// whether a byte order mark starts the file.
    /// </summary>
    internal sealed class LineSink : Stream
    {
        private readonly Encoding _requested;
        private readonly bool _raw;
        private readonly long _limit;
        private readonly Action<string> _write;
        private readonly byte[] _head = new byte[4];
        private readonly StringBuilder _text = new();
        private int _headLength;
        private Decoder? _decoder;
        private Encoding? _encoding;
        private bool _afterCr;
        private bool _enough;
        private char[] _chars = Array.Empty<char>();

        public LineSink(Encoding encoding, bool raw, long limit, Action<string> write)
        {
            _requested = encoding;
            _raw = raw;
            _limit = limit;
            _write = write;
        }

        /// <summary>The strings handed to the writer so far.</summary>
        public long Written { get; private set; }

        /// <summary>The encoding the text is read with: the one asked for, or the one its byte order mark says (known once four bytes, or the whole file, are in).</summary>
        public Encoding? Encoding => _encoding;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override void Write(byte[] buffer, int offset, int count)
        {
            if (_decoder is null)
            {
                var taken = Math.Min(count, _head.Length - _headLength);
                Buffer.BlockCopy(buffer, offset, _head, _headLength, taken);
                _headLength += taken;
                offset += taken;
                count -= taken;
                if (_headLength < _head.Length)
                {
                    return;
                }

                Begin();
            }

            Decode(buffer, offset, count, flush: false);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Write(buffer, offset, count);
            return Task.CompletedTask;
        }

        /// <summary>The end of the file: what is left of it (a last line without an end, or the whole text) is written.</summary>
        public void Finish()
        {
            if (_decoder is null)
            {
                Begin();
            }

            Decode(Array.Empty<byte>(), 0, 0, flush: true);
            if (_text.Length > 0 && !_enough)
            {
                Emit();
            }
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (_chars.Length > 0)
            {
                ArrayPool<char>.Shared.Return(_chars);
                _chars = Array.Empty<char>();
            }

            base.Dispose(disposing);
        }

        /// <summary>The encoding from the first bytes (a byte order mark wins), then those bytes past the mark decoded.</summary>
        private void Begin()
        {
            // The mark of the encoding asked for first (a UTF-16 LE file starting with U+0000 is not UTF-32), as
            // StreamReader, and so Get-Content, read it.
            var own = _requested.GetPreamble();
            var (encoding, mark) = own.Length > 0 && StartsWith(_head, _headLength, own) ? (_requested, own.Length)
                : FromByteOrderMark(_head, _headLength) ?? (_requested, 0);
            _encoding = encoding;
            _decoder = encoding.GetDecoder();
            Decode(_head, mark, _headLength - mark, flush: false);
        }

        private static bool StartsWith(byte[] head, int length, byte[] mark)
        {
            if (length < mark.Length)
            {
                return false;
            }

            for (var i = 0; i < mark.Length; i++)
            {
                if (head[i] != mark[i])
                {
                    return false;
                }
            }

            return true;
        }

        private static (Encoding Encoding, int Length)? FromByteOrderMark(byte[] head, int length)
        {
            bool Starts(params byte[] mark) => StartsWith(head, length, mark);

            // UTF-32 LE's mark starts as UTF-16 LE's: it goes first.
            return Starts(0xFF, 0xFE, 0x00, 0x00) ? (Encoding.UTF32, 4)
                : Starts(0x00, 0x00, 0xFE, 0xFF) ? (new UTF32Encoding(bigEndian: true, byteOrderMark: true), 4)
                : Starts(0xEF, 0xBB, 0xBF) ? (new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), 3)
                : Starts(0xFF, 0xFE) ? (Encoding.Unicode, 2)
                : Starts(0xFE, 0xFF) ? (Encoding.BigEndianUnicode, 2)
                : null;
        }

        private void Decode(byte[] bytes, int offset, int count, bool flush)
        {
            var most = _encoding!.GetMaxCharCount(count);
            if (_chars.Length < most)
            {
                if (_chars.Length > 0)
                {
                    ArrayPool<char>.Shared.Return(_chars);
                }

                _chars = ArrayPool<char>.Shared.Rent(Math.Max(most, 1024));
            }

            var decoded = _decoder!.GetChars(bytes, offset, count, _chars, 0, flush);
            if (_raw)
            {
                _text.Append(_chars, 0, decoded);
                return;
            }

            var start = 0;
            if (_enough)
            {
                MoreAfterEnough(0, decoded);
                return;
            }

            for (var i = 0; i < decoded; i++)
            {
                var c = _chars[i];
                if (c != '\r' && c != '\n')
                {
                    continue;
                }

                if (c == '\n' && _afterCr && i == start)
                {
                    // The LF of a CR LF whose CR ended the line already.
                    _afterCr = false;
                    start = i + 1;
                    continue;
                }

                _text.Append(_chars, start, i - start);
                _afterCr = c == '\r';
                start = i + 1;
                Emit();
                if (_enough)
                {
                    MoreAfterEnough(start, decoded);
                    return;
                }
            }

            if (start < decoded)
            {
                _afterCr = false;
                _text.Append(_chars, start, decoded - start);
            }
        }

        private void Emit()
        {
            var line = _text.ToString();
            _text.Clear();
            Written++;
            _write(line);
            _enough = _limit >= 0 && Written >= _limit;
        }

        // Once the lines asked for are out, any more text ends the copy (the rest of the file is not read); the end
        // of the file right after the last of them (the LF of its CR LF at most) lets the transfer complete, with no
        // abort for the session to recover from.
        private void MoreAfterEnough(int start, int decoded)
        {
            if (start < decoded && _afterCr && _chars[start] == '\n')
            {
                start++;
                _afterCr = false;
            }

            if (start < decoded)
            {
                throw new EnoughLinesException();
            }
        }
    }
}
