using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Xunit;

namespace FtpTools.PowerShell.Tests;

/// <summary>
/// What a user's script does, run by the PowerShell engine against the real servers: pipelines between the file
/// system and the cmdlets, -WhatIf, error records under -ErrorAction and try/catch, progress, trust failures.
/// </summary>
[Collection("module")]
public sealed class CmdletScenarioTests : IDisposable
{
    private readonly ImportedModule _module;
    private readonly TestServers _servers;
    private readonly string _local = Path.Combine(Path.GetTempPath(), "ftptools-pwsh-local-" + Guid.NewGuid().ToString("N").Substring(0, 12));

    public CmdletScenarioTests(ImportedModule module, TestServers servers)
    {
        _module = module;
        _servers = servers;
        Directory.CreateDirectory(_local);
    }

    public void Dispose() => Directory.Delete(_local, recursive: true);

    [Theory]
    [InlineData("Ftp")]
    [InlineData("Ftpes")]
    [InlineData("Sftp")]
    public void Files_piped_from_the_file_system_go_up_and_a_filtered_recursive_listing_piped_to_Receive_brings_them_back(string protocol)
    {
        var up = Directory.CreateDirectory(Path.Combine(_local, "up")).FullName;
        var down = Path.Combine(_local, "down");
        var files = new[] { "a.csv", "b.csv", "notes.txt" }.ToDictionary(n => n, n => Bytes(70_000 + n.Length * 1000, n.GetHashCode(StringComparison.Ordinal)));
        foreach (var (name, data) in files)
        {
            File.WriteAllBytes(Path.Combine(up, name), data);
        }

        var remote = "pwsh-" + Guid.NewGuid().ToString("N").Substring(0, 12);
        var result = ImportedModule.Run(
            _module.Shell(),
            """
            $connect, $up, $down, $remote = $args
            $null = Connect-FtpSession @connect -ErrorAction Stop
            $null = New-FtpDirectory -Path "$remote/sub" -Force -ErrorAction Stop
            # As Get-ChildItem *.csv | Send-FtpFile (the provider's items carry PSPath, which Send-FtpFile binds).
            $ExecutionContext.InvokeProvider.ChildItem.Get($up, $false) | Where-Object Name -like '*.csv' | Send-FtpFile -Destination "$remote/sub"
            Get-FtpItem -Path $remote -Recurse | Where-Object { -not $_.IsDirectory -and $_.Name -like 'a*' } | Receive-FtpFile -Destination $down
            Disconnect-FtpSession
            """,
            _servers.ConnectParameters(protocol), up, down, remote);

        Assert.Empty(result.Errors);
        var transfers = result.Output.Select(o => o.BaseObject).ToList();
        Assert.All(transfers, t => Assert.Equal("FtpTools.Core.Transfers.TransferResult", t.GetType().FullName));
        Assert.Equal(new[] { "Completed", "Completed", "Completed" }, result.Output.Select(o => o.Properties["Status"].Value.ToString()));

        var onServer = Path.Combine(_servers.Root(protocol), remote, "sub");
        Assert.Equal(new[] { "a.csv", "b.csv" }, Directory.GetFiles(onServer).Select(Path.GetFileName).OrderBy(n => n, StringComparer.Ordinal));
        Assert.Equal(Sha(files["a.csv"]), Sha(File.ReadAllBytes(Path.Combine(onServer, "a.csv"))));
        Assert.Equal(Sha(files["b.csv"]), Sha(File.ReadAllBytes(Path.Combine(onServer, "b.csv"))));

        // Receive-FtpFile of items from a recursive listing keeps the file name under -Destination.
        Assert.Equal(new[] { "a.csv" }, Directory.GetFiles(down).Select(Path.GetFileName));
        Assert.Equal(Sha(files["a.csv"]), Sha(File.ReadAllBytes(Path.Combine(down, "a.csv"))));
    }

    [Theory]
    [InlineData("Ftp")]
    [InlineData("Ftpes")]
    [InlineData("Sftp")]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Get_FtpContent_writes_the_lines_of_piped_items_and_stops_reading_when_the_pipeline_does(string protocol)
    {
        var remote = "pwsh-" + Guid.NewGuid().ToString("N").Substring(0, 12);
        var onServer = Directory.CreateDirectory(Path.Combine(_servers.Root(protocol), remote)).FullName;
        File.SetUnixFileMode(onServer, (UnixFileMode)Convert.ToInt32("777", 8));
        File.WriteAllText(Path.Combine(onServer, "a.log"), "a1\r\nERROR a2\r\na3\r\n");
        File.WriteAllBytes(Path.Combine(onServer, "b.log"), System.Text.Encoding.Unicode.GetPreamble().Concat(System.Text.Encoding.Unicode.GetBytes("ERROR b1\nb2")).ToArray());
        File.WriteAllText(Path.Combine(onServer, "long.txt"), string.Concat(Enumerable.Range(0, 300_000).Select(i => $"row {i}\n")));
        Directory.CreateDirectory(Path.Combine(onServer, "sub.log"));
        var result = ImportedModule.Run(
            _module.Shell(),
            """
            $connect, $remote = $args
            $null = Connect-FtpSession @connect -ErrorAction Stop
            (Get-FtpItem -Path "$remote/*.log" -File | Get-FtpContent | Where-Object { $_ -like 'ERROR*' }) -join '|'
            (Get-FtpContent -Path "$remote/a.log" -Raw).Replace("`r`n", '<CRLF>')
            (Get-FtpContent -LiteralPath "$remote/long.txt" -TotalCount 2) -join '|'
            # A pipeline that fails downstream stops the reading; the session goes on.
            $n = 0
            try { Get-FtpContent -Path "$remote/long.txt" | ForEach-Object { if (++$n -gt 5) { throw 'enough' } } } catch { "stopped after ${n}: $($_.Exception.Message)" }
            (Get-FtpContent -Path "$remote/long.txt" | Where-Object { $_ -like '*99999' }) -join '|'
            # A command further down that uses the same session while the file is still being read (more lines than
            # wait for room in the pipeline): on FTP the read holds the session, so it must not wait for the pipeline.
            $m = 0
            $seen = @(Get-FtpContent -Path "$remote/long.txt" | ForEach-Object { if (++$m -eq 1) { Test-FtpPath -Path "$remote/a.log" } })
            "$($seen -join '|') after $m lines"
            $directory = Get-FtpContent -Path "$remote/sub.log" -ErrorAction SilentlyContinue -ErrorVariable failed
            "$($failed[0].FullyQualifiedErrorId): $($failed[0].Exception.Message)"
            try { Get-FtpContent -Path "$remote/a.log" -Raw -TotalCount 1 -ErrorAction Stop } catch { $_.FullyQualifiedErrorId }
            Disconnect-FtpSession
            """,
            _servers.ConnectParameters(protocol), remote);

        Assert.True(result.Errors.Count == 0, string.Join("\n", result.Errors.Select(e => e.ToString())));
        Assert.Equal(
            new[]
            {
                "ERROR a2|ERROR b1",
                "a1<CRLF>ERROR a2<CRLF>a3<CRLF>",
                "row 0|row 1",
                "stopped after 6: enough",
                "row 99999|row 199999|row 299999",
                "True after 300000 lines",
                "FtpTools.InvalidArgument,FtpTools.Commands.GetFtpContentCommand",
            },
            result.Output.Select(o => o.ToString()).Where((_, i) => i != 6));

        // The path as the session sees it: from the root on FTP, from the login directory on SFTP.
        Assert.Matches($"^FtpTools.SourceIsDirectory,FtpTools.Commands.GetFtpContentCommand: '(/[^']*)?/{remote}/sub.log' is a directory: only a file has content.$", result.Output[6].ToString());
    }

    [Theory]
    [InlineData("Ftp")]
    [InlineData("Sftp")]
    public void WhatIf_changes_nothing_on_either_side(string protocol)
    {
        var file = Path.Combine(_local, "w.bin");
        File.WriteAllBytes(file, Bytes(1000, 5));
        var remote = "pwsh-" + Guid.NewGuid().ToString("N").Substring(0, 12);

        var result = ImportedModule.Run(
            _module.Shell(),
            """
            $connect, $file, $remote, $down = $args
            $null = Connect-FtpSession @connect -ErrorAction Stop
            New-FtpDirectory -Path $remote -WhatIf
            Send-FtpFile -Path $file -Destination "$remote.bin" -WhatIf
            Receive-FtpFile -Path '.' -Destination $down -Recurse -WhatIf
            Disconnect-FtpSession
            """,
            _servers.ConnectParameters(protocol), file, remote, Path.Combine(_local, "down"));

        Assert.Empty(result.Errors);
        Assert.False(Directory.Exists(Path.Combine(_servers.Root(protocol), remote)));
        Assert.False(File.Exists(Path.Combine(_servers.Root(protocol), remote + ".bin")));
        Assert.False(Directory.Exists(Path.Combine(_local, "down")));
    }

    [Theory]
    [InlineData("Ftp")]
    [InlineData("Sftp")]
    public void Errors_are_records_that_ErrorAction_and_try_catch_handle_as_usual(string protocol)
    {
        var existing = Path.Combine(_local, "kept.bin");
        File.WriteAllBytes(existing, Bytes(100, 6));
        var remote = "pwsh-" + Guid.NewGuid().ToString("N").Substring(0, 12);
        Directory.CreateDirectory(Path.Combine(_servers.Root(protocol), remote));
        File.WriteAllBytes(Path.Combine(_servers.Root(protocol), remote, "kept.bin"), Bytes(200, 7));

        var result = ImportedModule.Run(
            _module.Shell(),
            """
            $connect, $remote, $local = $args
            $null = Connect-FtpSession @connect -ErrorAction Stop
            $caught = try { Get-FtpItem -Path "$remote/missing.txt" -ErrorAction Stop; 'not thrown' } catch { $_.FullyQualifiedErrorId }
            Get-FtpItem -Path "$remote/missing.txt" -ErrorAction SilentlyContinue -ErrorVariable quiet
            $refused = Receive-FtpFile -Path "$remote/kept.bin" -Destination $local -ErrorAction SilentlyContinue -ErrorVariable overwrite
            $after = 'after'
            [pscustomobject]@{
                Caught = $caught
                Quiet = @($quiet).Count
                QuietId = $quiet[0].FullyQualifiedErrorId
                Overwrite = $overwrite[0].FullyQualifiedErrorId
                RefusedStatus = "$($refused.Status)"
                After = $after
            }
            Disconnect-FtpSession
            """,
            _servers.ConnectParameters(protocol), remote, _local);

        Assert.Empty(result.Errors);
        var outcome = Assert.Single(result.Output);
        Assert.Equal("FtpTools.SourceNotFound,FtpTools.Commands.GetFtpItemCommand", outcome.Properties["Caught"].Value);
        Assert.Equal(1, outcome.Properties["Quiet"].Value);
        Assert.Equal("FtpTools.SourceNotFound,FtpTools.Commands.GetFtpItemCommand", outcome.Properties["QuietId"].Value);
        Assert.Equal("FtpTools.DestinationExists,FtpTools.Commands.ReceiveFtpFileCommand", outcome.Properties["Overwrite"].Value);
        Assert.Equal("Failed", outcome.Properties["RefusedStatus"].Value);
        Assert.Equal("after", outcome.Properties["After"].Value);

        // The local file was not overwritten.
        Assert.Equal(Sha(Bytes(100, 6)), Sha(File.ReadAllBytes(existing)));
    }

    [Fact]
    public void A_transfer_reports_progress_to_the_engine_and_completes_it()
    {
        var data = Bytes(6 * 1024 * 1024, 8);
        var remote = "pwsh-" + Guid.NewGuid().ToString("N").Substring(0, 12) + ".bin";
        File.WriteAllBytes(Path.Combine(_servers.Root("Ftp"), remote), data);
        var destination = Path.Combine(_local, "p.bin");

        using var shell = System.Management.Automation.PowerShell.Create();
        shell.Runspace = _module.Shell();
        shell.AddScript("$connect, $remote, $destination = $args; $null = Connect-FtpSession @connect -ErrorAction Stop; Receive-FtpFile -Path $remote -Destination $destination; Disconnect-FtpSession")
            .AddArgument(_servers.ConnectParameters("Ftp")).AddArgument(remote).AddArgument(destination);
        var output = shell.Invoke();

        Assert.Empty(shell.Streams.Error);
        Assert.Equal("Completed", Assert.Single(output).Properties["Status"].Value.ToString());
        Assert.Equal(Sha(data), Sha(File.ReadAllBytes(destination)));
        var progress = shell.Streams.Progress.ToList();
        Assert.NotEmpty(progress);
        Assert.Contains(progress, p => p.RecordType == ProgressRecordType.Processing && p.Activity == "Receive-FtpFile" && p.CurrentOperation == $"/{remote} -> {destination}");
        Assert.All(progress.GroupBy(p => p.ActivityId), g => Assert.Equal(ProgressRecordType.Completed, g.Last().RecordType));
    }

    [Fact]
    public void An_FTPES_server_whose_certificate_is_not_trusted_is_refused_without_a_prompt_and_says_how_to_trust_it()
    {
        var result = ImportedModule.Run(
            _module.Shell(),
            "param($uri, $credential) try { Connect-FtpSession -Uri $uri -Credential $credential -ErrorAction Stop } catch { $_ }",
            _servers.Setting("FTPTOOLS_TEST_FTPES_URI"), _servers.Credential());

        var error = (ErrorRecord)Assert.Single(result.Output).BaseObject;
        Assert.Equal("FtpTools.TrustFailure,FtpTools.Commands.ConnectFtpSessionCommand", error.FullyQualifiedErrorId);
        Assert.Matches("thumbprint: ([0-9A-F]{64})\\. To trust it, confirm the thumbprint with the server's administrator, then pass -CertificateThumbprint '\\1', or trust its issuing CA with -CaCertificatePath", error.Exception.Message);
        Assert.Equal(0, ImportedModule.Run(_module.Shell(), "@(Get-FtpSession).Count").Output.Single().BaseObject);
    }

    [Theory]
    [InlineData("Ftp")]
    [InlineData("Sftp")]
    public void A_download_stopped_as_by_Ctrl_C_leaves_neither_the_final_name_nor_a_part_file(string protocol)
    {
        var remote = "pwsh-" + Guid.NewGuid().ToString("N").Substring(0, 12) + ".bin";
        using (var big = File.Create(Path.Combine(_servers.Root(protocol), remote)))
        {
            var block = Bytes(1024 * 1024, 9);
            for (var i = 0; i < 256; i++)
            {
                big.Write(block);
            }
        }

        var destination = Path.Combine(_local, "stopped.bin");
        using var shell = System.Management.Automation.PowerShell.Create();
        shell.Runspace = _module.Shell();
        shell.AddScript("$connect, $remote, $destination = $args; $null = Connect-FtpSession @connect -ErrorAction Stop; Receive-FtpFile -Path $remote -Destination $destination")
            .AddArgument(_servers.ConnectParameters(protocol)).AddArgument(remote).AddArgument(destination);

        // Stopped (what Ctrl+C does) at the first progress record of the file: a few hundred KiB into 256 MiB.
        var stopping = 0;
        shell.Streams.Progress.DataAdded += (_, _) =>
        {
            if (System.Threading.Interlocked.Exchange(ref stopping, 1) == 0)
            {
                shell.BeginStop(null, null);
            }
        };

        var output = shell.Invoke();

        Assert.Equal(1, stopping);
        Assert.Equal(PSInvocationState.Stopped, shell.InvocationStateInfo.State);
        Assert.Empty(output);
        Assert.Empty(Directory.GetFileSystemEntries(_local));

        // The session is still usable for the next command in that runspace.
        var after = ImportedModule.Run(shell.Runspace, "(Get-FtpItem -Path $args[0]).Length", remote);
        Assert.Empty(after.Errors);
        Assert.Equal(256L * 1024 * 1024, Convert.ToInt64(Assert.Single(after.Output).BaseObject, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("Ftp")]
    [InlineData("Sftp")]
    public void An_upload_stopped_as_by_Ctrl_C_leaves_nothing_on_the_server(string protocol)
    {
        var file = Path.Combine(_local, "up.bin");
        File.WriteAllBytes(file, Bytes(128 * 1024 * 1024, 14));
        var remote = "pwsh-" + Guid.NewGuid().ToString("N").Substring(0, 12);
        var onServer = Path.Combine(_servers.Root(protocol), remote);
        var runspace = _module.Shell();
        Assert.Empty(ImportedModule.Run(runspace, "$connect, $remote = $args; $null = Connect-FtpSession @connect -ErrorAction Stop; $null = New-FtpDirectory -Path $remote", _servers.ConnectParameters(protocol), remote).Errors);

        using (var shell = System.Management.Automation.PowerShell.Create())
        {
            shell.Runspace = runspace;
            shell.AddScript("Send-FtpFile -Path $args[0] -Destination $args[1]").AddArgument(file).AddArgument(remote + "/up.bin");
            var stopping = 0;
            shell.Streams.Progress.DataAdded += (_, _) =>
            {
                if (System.Threading.Interlocked.Exchange(ref stopping, 1) == 0)
                {
                    shell.BeginStop(null, null);
                }
            };
            var output = shell.Invoke();
            Assert.Equal(PSInvocationState.Stopped, shell.InvocationStateInfo.State);
            Assert.Empty(output);
        }

        // Neither the final name nor a part file is left; the session goes on.
        Assert.Empty(Directory.GetFileSystemEntries(onServer));
        var after = ImportedModule.Run(runspace, "@(Get-FtpItem -Path $args[0]).Count", remote);
        Assert.Empty(after.Errors);
        Assert.Equal(0, Assert.Single(after.Output).BaseObject);
    }

    [Theory]
    [InlineData("Ftp")]
    [InlineData("Sftp")]
    public void A_download_stopped_with_Resume_keeps_its_part_and_the_next_Resume_finishes_it(string protocol)
    {
        var data = Bytes(64 * 1024 * 1024, 13);
        var remote = "pwsh-" + Guid.NewGuid().ToString("N").Substring(0, 12) + ".bin";
        File.WriteAllBytes(Path.Combine(_servers.Root(protocol), remote), data);
        var destination = Path.Combine(_local, "resumed.bin");
        var part = Path.Combine(_local, ".resumed.bin.ftptools-part");
        var runspace = _module.Shell();
        Assert.Empty(ImportedModule.Run(runspace, "$connect = $args[0]; $null = Connect-FtpSession @connect -ErrorAction Stop", _servers.ConnectParameters(protocol)).Errors);

        using (var shell = System.Management.Automation.PowerShell.Create())
        {
            shell.Runspace = runspace;
            shell.AddScript("Receive-FtpFile -Path $args[0] -Destination $args[1] -Resume").AddArgument(remote).AddArgument(destination);
            var stopping = 0;
            shell.Streams.Progress.DataAdded += (_, _) =>
            {
                if (System.Threading.Interlocked.Exchange(ref stopping, 1) == 0)
                {
                    shell.BeginStop(null, null);
                }
            };
            shell.Invoke();
            Assert.Equal(PSInvocationState.Stopped, shell.InvocationStateInfo.State);
        }

        Assert.False(File.Exists(destination));
        var kept = new FileInfo(part).Length;
        Assert.InRange(kept, 1, data.Length - 1);
        Assert.Equal(Sha(data.AsSpan(0, (int)kept).ToArray()), Sha(File.ReadAllBytes(part)));

        var again = ImportedModule.Run(runspace, "Receive-FtpFile -Path $args[0] -Destination $args[1] -Resume", remote, destination);

        Assert.Empty(again.Errors);
        var done = Assert.Single(again.Output);
        Assert.Equal("Completed", done.Properties["Status"].Value.ToString());
        Assert.Equal(true, done.Properties["Resumed"].Value);
        Assert.Equal(kept, done.Properties["StartOffset"].Value);
        Assert.Equal(Sha(data), Sha(File.ReadAllBytes(destination)));
        Assert.False(File.Exists(part));
    }

    [Theory]
    [InlineData("Ftp")]
    [InlineData("Sftp")]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void A_download_cut_off_by_a_lost_connection_goes_again_on_a_new_one_and_its_result_says_so(string protocol)
    {
        var data = Bytes(64 * 1024 * 1024, 15);
        var remote = "pwsh-" + Guid.NewGuid().ToString("N").Substring(0, 12) + ".bin";
        File.WriteAllBytes(Path.Combine(_servers.Root(protocol), remote), data);
        var destination = Path.Combine(_local, "again.bin");
        var port = new Uri((string)_servers.ConnectParameters(protocol)["Uri"]!).Port;
        var runspace = _module.Shell();
        Assert.Empty(ImportedModule.Run(runspace, "$connect = $args[0]; $null = Connect-FtpSession @connect -ErrorAction Stop", _servers.ConnectParameters(protocol)).Errors);

        System.Collections.ObjectModel.Collection<PSObject> output;
        var killed = 0;
        using (var shell = System.Management.Automation.PowerShell.Create())
        {
            shell.Runspace = runspace;
            shell.AddScript("Receive-FtpFile -Path $args[0] -Destination $args[1]").AddArgument(remote).AddArgument(destination);

            // The server side goes away at the file's first progress record: a few hundred KiB into 64 MiB.
            shell.Streams.Progress.DataAdded += (_, _) =>
            {
                if (System.Threading.Interlocked.Exchange(ref killed, 1) == 0)
                {
                    FtpTools.Core.Tests.Servers.ServerSideKill.KillServersOf(port);
                }
            };
            output = shell.Invoke();
            Assert.True(shell.Streams.Error.Count == 0, string.Join("\n", shell.Streams.Error.Select(e => e.ToString())));
            Assert.Contains(shell.Streams.Warning, w => w.Message.StartsWith("The connection was lost during the transfer (", StringComparison.Ordinal));
        }

        Assert.Equal(1, killed);
        var result = Assert.Single(output);
        Assert.Equal("Completed", result.Properties["Status"].Value.ToString());
        Assert.StartsWith("The connection was lost during the transfer (", (string)result.Properties["Warning"].Value, StringComparison.Ordinal);
        Assert.EndsWith("); it was started again on a new connection.", (string)result.Properties["Warning"].Value, StringComparison.Ordinal);
        Assert.Equal(Sha(data), Sha(File.ReadAllBytes(destination)));
        Assert.Equal(new[] { destination }, Directory.GetFileSystemEntries(_local));
        var reconnects = ImportedModule.Run(runspace, "(Get-FtpSession).Reconnects");
        Assert.Equal(1, Assert.Single(reconnects.Output).BaseObject);
    }

    [Theory]
    [InlineData("Ftp")]
    [InlineData("Sftp")]
    public void NoFlush_downloads_put_every_file_in_place_byte_for_byte(string protocol)
    {
        var remote = "pwsh-" + Guid.NewGuid().ToString("N").Substring(0, 12);
        var onServer = Directory.CreateDirectory(Path.Combine(_servers.Root(protocol), remote)).FullName;
        var files = Enumerable.Range(0, 5).ToDictionary(i => $"n{i}.bin", i => Bytes(i == 0 ? 9 * 1024 * 1024 : 2000 + i, 20 + i));
        foreach (var (name, data) in files)
        {
            File.WriteAllBytes(Path.Combine(onServer, name), data);
        }

        var down = Path.Combine(_local, "noflush");
        var result = ImportedModule.Run(
            _module.Shell(),
            """
            $connect, $remote, $down = $args
            $null = Connect-FtpSession @connect -ErrorAction Stop
            Receive-FtpFile -Path "$remote/*" -Destination $down -NoFlush
            Disconnect-FtpSession
            """,
            _servers.ConnectParameters(protocol), remote, down);

        Assert.Empty(result.Errors);
        Assert.Equal(Enumerable.Repeat("Completed", files.Count), result.Output.Select(o => o.Properties["Status"].Value.ToString()));
        Assert.Equal(files.Keys.Order(StringComparer.Ordinal), Directory.GetFileSystemEntries(down).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        foreach (var (name, data) in files)
        {
            Assert.Equal(Sha(data), Sha(File.ReadAllBytes(Path.Combine(down, name))));
        }
    }

    [Theory]
    [InlineData("Ftp")]
    [InlineData("Ftpes")]
    [InlineData("Sftp")]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void RemoveSource_moves_files_up_and_down_and_a_source_it_keeps_is_an_error_record(string protocol)
    {
        var source = Directory.CreateDirectory(Path.Combine(_local, "outbox")).FullName;
        var back = Path.Combine(_local, "inbox");
        var files = new[] { "a.csv", "b.csv", "c.csv" }.ToDictionary(n => n, n => Bytes(n == "b.csv" ? 700_000 : 3000, n[0]));
        foreach (var (name, data) in files)
        {
            File.WriteAllBytes(Path.Combine(source, name), data);
        }

        var remote = "pwsh-" + Guid.NewGuid().ToString("N").Substring(0, 12);
        var onServer = Path.Combine(_servers.Root(protocol), remote);
        var result = ImportedModule.Run(
            _module.Shell(),
            """
            $connect, $remote, $src, $back = $args
            $null = Connect-FtpSession @connect -ErrorAction Stop
            $null = New-FtpDirectory -Path $remote
            $up = @($ExecutionContext.InvokeProvider.ChildItem.Get($src, $false) | Send-FtpFile -Destination $remote -RemoveSource)
            $down = @(Receive-FtpFile -Path "$remote/*" -Destination $back -RemoveSource)
            $noFlush = try { Receive-FtpFile -Path "$remote/*" -Destination $back -RemoveSource -NoFlush -ErrorAction Stop; 'not thrown' } catch { $_.FullyQualifiedErrorId }
            ($up + $down) | ForEach-Object { ($_.Source -split '[\/]')[-1] + ':' + $_.Status + ':' + $_.SourceRemoved }
            $noFlush
            """,
            _servers.ConnectParameters(protocol), remote, source, back);

        Assert.Empty(result.Errors);
        Assert.Equal(
            new[]
            {
                "a.csv:Completed:True", "b.csv:Completed:True", "c.csv:Completed:True",
                "a.csv:Completed:True", "b.csv:Completed:True", "c.csv:Completed:True",
                "FtpTools.InvalidArgument,FtpTools.Commands.ReceiveFtpFileCommand",
            },
            result.Output.Select(o => o.ToString()));
        Assert.Empty(Directory.GetFileSystemEntries(source));
        Assert.Empty(Directory.GetFileSystemEntries(onServer));
        foreach (var (name, data) in files)
        {
            Assert.Equal(Sha(data), Sha(File.ReadAllBytes(Path.Combine(back, name))));
        }

        // A local copy that -Resume finds complete was never compared with the server's: the remote file stays, and
        // says so as an error after its Completed result. Files in a directory the server may not change stay too:
        // their errors come from the queue's deferred results, one per file.
        File.WriteAllBytes(Path.Combine(onServer, "a.csv"), files["a.csv"]);
        var locked = Path.Combine(onServer, "locked");
        var kept = ImportedModule.Run(
            _module.Shell(),
            """
            $connect, $remote, $back = $args
            $null = Connect-FtpSession @connect -ErrorAction Stop
            $r = Receive-FtpFile -Path "$remote/a.csv" -Destination $back -Resume -RemoveSource -ErrorAction SilentlyContinue -ErrorVariable notRemoved
            "$($r.Status):$($r.Resumed):$($r.SourceRemoved):$(@($notRemoved).Count)"
            $notRemoved[0].FullyQualifiedErrorId
            $notRemoved[0].Exception.Message
            $null = New-FtpDirectory -Path "$remote/locked" -ErrorAction Stop
            $null = Receive-FtpFile -Path "$remote/a.csv" -Destination "$back/again.csv" -ErrorAction Stop
            $null = Send-FtpFile -Path "$back/a.csv", "$back/b.csv" -Destination "$remote/locked" -ErrorAction Stop
            """,
            _servers.ConnectParameters(protocol), remote, back);
        Assert.Empty(kept.Errors);
        Assert.Equal("Completed:True:False:1", kept.Output[0].ToString());
        Assert.Equal("FtpTools.SourceNotRemoved,FtpTools.Commands.ReceiveFtpFileCommand", kept.Output[1].ToString());
        Assert.Contains("was complete already (-Resume)", kept.Output[2].ToString(), StringComparison.Ordinal);
        Assert.Equal(Sha(files["a.csv"]), Sha(File.ReadAllBytes(Path.Combine(onServer, "a.csv"))));

        File.SetUnixFileMode(locked, (UnixFileMode)Convert.ToInt32("555", 8));
        try
        {
            var refused = ImportedModule.Run(
                _module.Shell(),
                """
                $connect, $remote, $inbox = $args
                $null = Connect-FtpSession @connect -ErrorAction Stop
                $r = @(Receive-FtpFile -Path "$remote/locked/*" -Destination $inbox -RemoveSource -ErrorAction SilentlyContinue -ErrorVariable notRemoved)
                ($r | ForEach-Object { ($_.Source -split '/')[-1] + ':' + $_.Status + ':' + $_.SourceRemoved }) -join ','
                ($notRemoved | ForEach-Object { $_.FullyQualifiedErrorId + ' ' + $_.TargetObject }) -join ','
                Disconnect-FtpSession
                """,
                _servers.ConnectParameters(protocol), remote, Path.Combine(_local, "from-locked"));
            Assert.Empty(refused.Errors);
            Assert.Equal("a.csv:Completed:False,b.csv:Completed:False", refused.Output[0].ToString());
            Assert.Matches(
                $"^FtpTools.SourceNotRemoved,FtpTools.Commands.ReceiveFtpFileCommand /.*{remote}/locked/a.csv,FtpTools.SourceNotRemoved,FtpTools.Commands.ReceiveFtpFileCommand /.*{remote}/locked/b.csv$",
                refused.Output[1].ToString());
            Assert.Equal(new[] { "a.csv", "b.csv" }, Directory.GetFileSystemEntries(locked).Select(Path.GetFileName).Order(StringComparer.Ordinal));
            Assert.Equal(Sha(files["b.csv"]), Sha(File.ReadAllBytes(Path.Combine(_local, "from-locked", "b.csv"))));
        }
        finally
        {
            File.SetUnixFileMode(locked, (UnixFileMode)Convert.ToInt32("755", 8));
        }
    }

    [Theory]
    [InlineData("Ftp")]
    [InlineData("Sftp")]
    public void Tab_completes_remote_paths_on_the_session_the_command_would_use(string protocol)
    {
        var remote = "pwsh-" + Guid.NewGuid().ToString("N").Substring(0, 12);
        var result = ImportedModule.Run(
            _module.Shell(),
            """
            $connect, $remote = $args
            function Complete([string] $line) {
                ((TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches | ForEach-Object CompletionText) -join '|'
            }

            Complete "Get-FtpItem -Path $remote/"
            $session = Connect-FtpSession @connect -ErrorAction Stop
            $null = New-FtpDirectory -Path $remote, "$remote/Alpine dir", "$remote/apps", "$remote/a[1]" -ErrorAction Stop
            Complete "Get-FtpItem $remote/a"
            Complete "Get-FtpItem -LiteralPath $remote/a"
            Complete "Set-FtpLocation $remote/a"
            Complete "Send-FtpFile -Path x -Destination $remote/al"
            Complete "Receive-FtpFile -Path $remote/ap"
            Complete "Get-FtpItem -Session $($session.Id) $remote/ap"
            Complete "Get-FtpItem $remote/missing/"
            Complete "Get-FtpItem -Session 999 $remote/ap"
            # Session Ids, not local file names.
            "$((Complete 'Get-FtpSession -Id ') -eq "$($session.Id)")"
            Disconnect-FtpSession
            Complete "Get-FtpItem $remote/a"
            """,
            _servers.ConnectParameters(protocol), remote);

        Assert.Empty(result.Errors);
        Assert.Equal(
            new[]
            {
                "",
                $"'{remote}/Alpine dir/'|{remote}/apps/|'{remote}/a`[1`]/'",
                $"'{remote}/Alpine dir/'|{remote}/apps/|{remote}/a[1]/",
                $"'{remote}/Alpine dir/'|{remote}/apps/|{remote}/a[1]/",
                $"'{remote}/Alpine dir/'",
                $"{remote}/apps/",
                $"{remote}/apps/",
                "",
                "",
                "True",
                "",
            },
            result.Output.Select(o => o.ToString()));
    }

    [Theory]
    [InlineData("Ftpes")]
    [InlineData("Sftp")]
    public void Verbose_output_shows_the_conversation_but_never_the_password(string protocol)
    {
        using var shell = System.Management.Automation.PowerShell.Create();
        shell.Runspace = _module.Shell();
        shell.AddScript("$connect = $args[0]; $null = Connect-FtpSession @connect -Verbose -ErrorAction Stop; $null = Get-FtpItem -Path . -Verbose; Disconnect-FtpSession -Verbose")
            .AddArgument(_servers.ConnectParameters(protocol));
        shell.Invoke();

        Assert.Empty(shell.Streams.Error);
        var verbose = shell.Streams.Verbose.Select(v => v.Message).ToList();
        Assert.True(verbose.Count >= 5, "too little verbose output: " + string.Join(" | ", verbose));
        Assert.DoesNotContain(verbose, v => v.Contains(_servers.Setting("FTPTOOLS_TEST_PASSWORD"), StringComparison.Ordinal));
        if (protocol == "Ftpes")
        {
            Assert.Contains(verbose, v => v.EndsWith("> PASS ***", StringComparison.Ordinal));
        }
    }

    [Theory]
    [InlineData("Ftp")]
    [InlineData("Sftp")]
    public void NewerOnly_sends_and_receives_only_what_changed_since_the_last_run(string protocol)
    {
        var source = Directory.CreateDirectory(Path.Combine(_local, "src")).FullName;
        var back = Path.Combine(_local, "back");
        foreach (var name in new[] { "a.txt", "b.txt", "c.txt" })
        {
            File.WriteAllBytes(Path.Combine(source, name), Bytes(5000, name[0]));
            File.SetLastWriteTimeUtc(Path.Combine(source, name), new DateTime(2024, 5, 6, 7, 8, 9, DateTimeKind.Utc));
        }

        var remote = "pwsh-" + Guid.NewGuid().ToString("N").Substring(0, 12);
        const string Round = """
            $src, $remote, $back = $args
            $sent = @(Send-FtpFile -Path "$src/*" -Destination $remote -NewerOnly -PreserveTimestamp)
            $received = @(Receive-FtpFile -Path "$remote/*" -Destination $back -NewerOnly)
            (($sent + $received) | ForEach-Object { ($_.Destination -split '[\\/]')[-1] + ':' + $_.Status }) -join ','
            """;
        var shell = _module.Shell();
        Assert.Empty(ImportedModule.Run(shell, "$connect, $remote = $args; $null = Connect-FtpSession @connect -ErrorAction Stop; $null = New-FtpDirectory -Path $remote", _servers.ConnectParameters(protocol), remote).Errors);

        // First run: everything goes both ways. Second run: nothing changed, nothing goes.
        var first = ImportedModule.Run(shell, Round, source, remote, back);
        var second = ImportedModule.Run(shell, Round, source, remote, back);
        Assert.Empty(first.Errors);
        Assert.Equal("a.txt:Completed,b.txt:Completed,c.txt:Completed,a.txt:Completed,b.txt:Completed,c.txt:Completed", Assert.Single(first.Output).ToString());
        Assert.Equal("a.txt:Skipped,b.txt:Skipped,c.txt:Skipped,a.txt:Skipped,b.txt:Skipped,c.txt:Skipped", Assert.Single(second.Output).ToString());

        // Then b.txt changes here (same length, a later time) and c.txt on the server: each goes the way it should.
        var newB = Bytes(5000, 'B');
        File.WriteAllBytes(Path.Combine(source, "b.txt"), newB);
        File.SetLastWriteTimeUtc(Path.Combine(source, "b.txt"), new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        var onServer = Path.Combine(_servers.Root(protocol), remote);
        var newC = Bytes(5000, 'C');
        File.WriteAllBytes(Path.Combine(onServer, "c.txt"), newC);
        File.SetLastWriteTimeUtc(Path.Combine(onServer, "c.txt"), new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc));

        var third = ImportedModule.Run(shell, Round + "; Disconnect-FtpSession", source, remote, back);
        Assert.Empty(third.Errors);
        Assert.Equal("a.txt:Skipped,b.txt:Completed,c.txt:Skipped,a.txt:Skipped,b.txt:Completed,c.txt:Completed", Assert.Single(third.Output).ToString());
        Assert.Equal(newB, File.ReadAllBytes(Path.Combine(onServer, "b.txt")));
        Assert.Equal(newB, File.ReadAllBytes(Path.Combine(back, "b.txt")));
        Assert.Equal(newC, File.ReadAllBytes(Path.Combine(back, "c.txt")));
        Assert.Equal(newC, File.ReadAllBytes(Path.Combine(onServer, "c.txt")));
        Assert.Equal(Bytes(5000, 'a'), File.ReadAllBytes(Path.Combine(back, "a.txt")));
    }

    [Theory]
    [InlineData("Ftp")]
    [InlineData("Ftpes")]
    [InlineData("Sftp")]
    public void LogPath_appends_the_conversation_and_the_errors_with_times_and_never_the_password_and_is_closed_at_disconnect(string protocol)
    {
        var logFile = Path.Combine(_local, "logs", "session.log");
        Directory.CreateDirectory(Path.GetDirectoryName(logFile)!);
        File.WriteAllText(logFile, "an earlier run's line" + Environment.NewLine);
        var remote = "log-" + Guid.NewGuid().ToString("N").Substring(0, 8);
        using var shell = System.Management.Automation.PowerShell.Create();
        shell.Runspace = _module.Shell();
        // Relative to PowerShell's location, as every path parameter (this engine has no Set-Location).
        shell.AddScript(@"
            $connect = $args[0]
            $null = $ExecutionContext.SessionState.Path.SetLocation($args[1])
            $session = Connect-FtpSession @connect -LogPath logs/session.log -ErrorAction Stop
            $session.LogPath
            $null = New-FtpDirectory -Path $args[2]
            $null = Receive-FtpFile -Path ($args[2] + '/missing.bin') -Destination $args[1] -ErrorAction Continue
            Disconnect-FtpSession")
            .AddArgument(_servers.ConnectParameters(protocol)).AddArgument(_local).AddArgument(remote);
        var output = shell.Invoke();

        Assert.Equal(logFile, Assert.Single(output).ToString());
        Assert.Single(shell.Streams.Error);
        var lines = File.ReadAllLines(logFile);
        Assert.Equal("an earlier run's line", lines[0]);
        var label = $"{protocol.ToLowerInvariant()}://{_servers.Setting("FTPTOOLS_TEST_USER")}@";
        foreach (var line in lines.Skip(1))
        {
            Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z " + System.Text.RegularExpressions.Regex.Escape(label) + @"\S+:\d+ ", line);
        }

        var text = string.Join("\n", lines);
        Assert.DoesNotContain(_servers.Setting("FTPTOOLS_TEST_PASSWORD"), text, StringComparison.Ordinal);
        Assert.Contains(lines, l => l.Contains(" Connecting to " + protocol.ToLowerInvariant() + "://", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains(" Error: ", StringComparison.Ordinal) && l.Contains(remote + "/missing.bin", StringComparison.Ordinal));
        if (protocol != "Sftp")
        {
            Assert.Contains(lines, l => l.EndsWith(" > PASS ***", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.EndsWith(" > MKD " + remote, StringComparison.Ordinal) || l.Contains(" > MKD /" , StringComparison.Ordinal) && l.EndsWith("/" + remote, StringComparison.Ordinal));
            Assert.Contains(lines, l => l.EndsWith(" > QUIT", StringComparison.Ordinal));
        }

        // Closed at Disconnect-FtpSession: nothing holds the file any more.
        using (new FileStream(logFile, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
        {
        }
    }

    [Theory]
    [InlineData("Ftp", "FTPTOOLS_TEST_SOCKS_PROXY", "danted.out")]
    [InlineData("Ftpes", "FTPTOOLS_TEST_HTTP_PROXY", "tinyproxy.out")]
    [InlineData("Sftp", "FTPTOOLS_TEST_SOCKS_PROXY", "danted.out")]
    [InlineData("Sftp", "FTPTOOLS_TEST_HTTP_PROXY", "tinyproxy.out")]
    public void Proxy_carries_every_connection_of_the_session_and_shows_on_it(string protocol, string proxySetting, string proxyOutput)
    {
        var proxy = _servers.Setting(proxySetting);
        var proxyLog = Path.Combine(_servers.Setting("FTPTOOLS_TEST_PROXY_LOG_DIR"), proxyOutput);
        var before = File.ReadAllText(proxyLog).Length;
        var source = Path.Combine(_local, "through-proxy.bin");
        var data = Bytes(300_000, 'p');
        File.WriteAllBytes(source, data);
        Directory.CreateDirectory(Path.Combine(_local, "back"));
        var remote = "pwsh-" + Guid.NewGuid().ToString("N").Substring(0, 12);
        var result = ImportedModule.Run(
            _module.Shell(),
            """
            $connect, $proxy, $proxyCredential, $remote, $source, $back = $args
            $session = Connect-FtpSession @connect -Proxy $proxy -ProxyCredential $proxyCredential -ErrorAction Stop
            $session.Proxy
            $null = New-FtpDirectory -Path $remote
            (Send-FtpFile -Path $source -Destination "$remote/").Status
            (Receive-FtpFile -Path "$remote/through-proxy.bin" -Destination $back).Status
            (Get-FtpSession).Proxy
            Disconnect-FtpSession
            """,
            _servers.ConnectParameters(protocol),
            proxy,
            _servers.Credential(),
            remote,
            source,
            Path.Combine(_local, "back"));

        Assert.Empty(result.Errors);
        Assert.Equal(new[] { proxy, "Completed", "Completed", proxy }, result.Output.Select(o => o.ToString()));
        Assert.Equal(data, File.ReadAllBytes(Path.Combine(_servers.Root(protocol), remote, "through-proxy.bin")));
        Assert.Equal(data, File.ReadAllBytes(Path.Combine(_local, "back", "through-proxy.bin")));

        // The proxy's own record: it opened the connection to the server's port (and, for FTP, the data connections).
        var serverPort = new Uri(_servers.ConnectParameters(protocol)["Uri"]!.ToString()!).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var toServer = new System.Text.RegularExpressions.Regex(proxyOutput == "danted.out"
            ? $@"tcp/connect \[: .* -> \S+ (127\.0\.0\.1|localhost)\.{serverPort}\b"
            : $@"CONNECT (127\.0\.0\.1|localhost):{serverPort} HTTP/1\.1");
        var recorded = "";
        for (var waited = 0; waited < 50 && !toServer.IsMatch(recorded); waited++)
        {
            // The proxy writes its record as it goes.
            System.Threading.Thread.Sleep(waited == 0 ? 0 : 100);
            recorded = File.ReadAllText(proxyLog).Substring(before);
        }

        Assert.True(toServer.IsMatch(recorded), recorded);
    }

    [Theory]
    [InlineData("-ClientCertificatePath $args[1] -ClientCertificatePassword $args[2]", "FTPTOOLS_TEST_CLIENT_PFX")]
    [InlineData("-ClientCertificatePath $args[1]", "FTPTOOLS_TEST_CLIENT_PEM")]
    [InlineData("-ClientCertificate $args[3]", "FTPTOOLS_TEST_CLIENT_PFX")]
    public void A_server_that_requires_a_client_certificate_takes_one_from_a_file_or_an_object(string parameters, string file)
    {
        var path = _servers.Setting(file);
        var password = _servers.Setting("FTPTOOLS_TEST_CLIENT_PFX_PASSWORD");
        using var certificate = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12FromFile(_servers.Setting("FTPTOOLS_TEST_CLIENT_PFX"), password);
        var data = Bytes(400_000, 31);
        var up = Path.Combine(_local, "cert-up.bin");
        File.WriteAllBytes(up, data);
        var remote = "pwsh-" + Guid.NewGuid().ToString("N").Substring(0, 12);
        var result = ImportedModule.Run(
            _module.Shell(),
            """
            $connect = $args[0]; $up, $down, $remote = $args[4..6]
            $all = @(Connect-FtpSession @connect -ErrorAction Stop -Verbose PARAMETERS 4>&1)
            $session = $all | Where-Object { $_ -is [FtpTools.FtpToolsSession] }
            $null = New-FtpDirectory -Path $remote -ErrorAction Stop
            (Send-FtpFile -Path $up -Destination "$remote/" -ErrorAction Stop).Status
            (Receive-FtpFile -Path "$remote/cert-up.bin" -Destination $down -ErrorAction Stop).Status
            $session.TlsProtocol
            Disconnect-FtpSession
            @($all | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message) -join "`n"
            "$($session.ClientCertificateSubject) $($session.ClientCertificateThumbprint)"
            """.Replace("PARAMETERS", parameters, StringComparison.Ordinal),
            ClientCertificateConnect(), path, NewSecureString(password), certificate, up, Path.Combine(_local, "cert-down.bin"), remote);

        Assert.Empty(result.Errors);
        Assert.Equal(new[] { "Completed", "Completed", "TLS 1.3" }, result.Output.Take(3).Select(o => o.ToString()));
        Assert.Equal(Sha(data), Sha(File.ReadAllBytes(Path.Combine(_local, "cert-down.bin"))));
        Assert.Equal(Sha(data), Sha(File.ReadAllBytes(Path.Combine(_servers.Root("Ftpes"), remote, "cert-up.bin"))));
        var verbose = result.Output[3].ToString();
        Assert.Contains("Offering the client certificate CN=client (issued by CN=FtpTools Test Client CA", verbose, StringComparison.Ordinal);
        Assert.DoesNotContain(password, verbose, StringComparison.Ordinal);

        // The session says which certificate it offers, after its disconnect too (a certificate read from a file is let go then).
        Assert.Equal("CN=client " + certificate.Thumbprint, result.Output[4].ToString());
    }

    [Theory]
    [InlineData("", "FtpTools.ConnectionLost", "when it gets none: pass one with -ClientCertificatePath or -ClientCertificate.")]
    [InlineData("-ClientCertificatePath $args[1] -ClientCertificatePassword $args[3]", "FtpTools.InvalidClientCertificate", "Could not read the client certificate file ")]
    [InlineData("-ClientCertificatePath $args[2]", "FtpTools.InvalidClientCertificate", "holds no private key")]
    [InlineData("-ClientCertificatePassword $args[3]", "FtpTools.InvalidArgument", "-ClientCertificatePassword needs -ClientCertificatePath")]
    [InlineData("-ClientCertificatePath $args[1] -ClientCertificate $args[4]", "FtpTools.InvalidArgument", "Give the client certificate once")]
    [InlineData("-ClientCertificate $args[4] -ClientCertificatePassword $args[3]", "FtpTools.InvalidArgument", "-ClientCertificatePassword goes with -ClientCertificatePath")]
    [InlineData("-ClientCertificate $args[4] -Uri $args[5]", "FtpTools.InvalidArgument", "A client certificate applies to FTPES and FTPS only; FTP does not use TLS.")]
    public void Client_certificate_mistakes_fail_the_connect_with_their_error_id(string parameters, string errorId, string message)
    {
        using var certificate = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12FromFile(
            _servers.Setting("FTPTOOLS_TEST_CLIENT_PFX"),
            _servers.Setting("FTPTOOLS_TEST_CLIENT_PFX_PASSWORD"));
        var certificateOnly = Path.Combine(_local, "client-only.crt");
        File.WriteAllText(certificateOnly, certificate.ExportCertificatePem());
        var connect = ClientCertificateConnect();
        if (parameters.Contains("-Uri", StringComparison.Ordinal))
        {
            connect.Remove("Uri");
            connect.Remove("CaCertificatePath");
        }

        var result = ImportedModule.Run(
            _module.Shell(),
            "$connect = $args[0]; try { Connect-FtpSession @connect " + parameters + " -ConnectTimeout 10 } catch { $_.FullyQualifiedErrorId; $_.Exception.Message }; @(Get-FtpSession).Count",
            connect,
            _servers.Setting("FTPTOOLS_TEST_CLIENT_PFX"),
            certificateOnly,
            NewSecureString("not-the-password-5521"),
            certificate,
            _servers.Setting("FTPTOOLS_TEST_FTP_URI"));

        Assert.Equal(errorId + ",FtpTools.Commands.ConnectFtpSessionCommand", result.Output[0].ToString());
        Assert.Contains(message, result.Output[1].ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-password-5521", result.Output[1].ToString(), StringComparison.Ordinal);
        Assert.Equal(0, (int)result.Output[2].BaseObject);
    }

    /// <summary>Connect-FtpSession's parameters for the vsftpd that requires a client certificate, without one.</summary>
    private System.Collections.Hashtable ClientCertificateConnect()
    {
        var connect = _servers.ConnectParameters("Ftpes");
        connect["Uri"] = _servers.Setting("FTPTOOLS_TEST_CLIENTCERT_URI");
        return connect;
    }

    [Theory]
    [InlineData("-Proxy $args[1] -ProxyCredential $args[2]", "wrong", "FtpTools.AuthenticationFailed")]
    [InlineData("-Proxy 'socks4://127.0.0.1:1080'", "", "FtpTools.InvalidProxyUri")]
    [InlineData("-Proxy 'socks5://user:secret@127.0.0.1:1080'", "", "FtpTools.InvalidProxyUri")]
    [InlineData("-ProxyCredential $args[2]", "", "FtpTools.InvalidArgument")]
    [InlineData("-Proxy $args[1] -DataMode Active", "", "FtpTools.InvalidArgument")]
    public void Proxy_mistakes_fail_the_connect_with_their_error_id(string parameters, string password, string errorId)
    {
        var credential = new System.Management.Automation.PSCredential(_servers.Setting("FTPTOOLS_TEST_USER"), NewSecureString(password.Length > 0 ? password : "unused"));
        var result = ImportedModule.Run(
            _module.Shell(),
            "$connect = $args[0]; try { Connect-FtpSession @connect " + parameters + " } catch { $_.FullyQualifiedErrorId; $_.Exception.Message + ' ' + $_.TargetObject }; @(Get-FtpSession).Count",
            _servers.ConnectParameters("Ftp"),
            _servers.Setting("FTPTOOLS_TEST_SOCKS_PROXY"),
            credential);

        Assert.Equal(errorId + ",FtpTools.Commands.ConnectFtpSessionCommand", result.Output[0].ToString());
        Assert.DoesNotContain("secret", result.Output[1].ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("wrong", result.Output[1].ToString().Replace("'ftptools'", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Equal(0, (int)result.Output[2].BaseObject);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // The test servers run on Linux; modes are read from their disk.
    public void Invoke_FtpCommand_writes_the_servers_answers_and_refuses_what_would_take_the_session_out_of_step()
    {
        var source = Path.Combine(_local, "raw.txt");
        File.WriteAllBytes(source, Bytes(1000, 'r'));
        var remote = "pwsh-" + Guid.NewGuid().ToString("N").Substring(0, 12);
        var result = ImportedModule.Run(
            _module.Shell(),
            """
            $connect, $remote, $source = $args
            $null = Connect-FtpSession @connect -ErrorAction Stop
            $null = New-FtpDirectory -Path $remote
            $null = Send-FtpFile -Path $source -Destination "$remote/"
            Set-FtpLocation $remote
            $replies = @(Invoke-FtpCommand 'SITE CHMOD 600 raw.txt', 'FEAT')
            $replies.Count; $replies[0].Code; $replies[1].Code; $replies[1].Lines.Count -gt 2
            Invoke-FtpCommand 'CWD /', 'NOOP' -ErrorVariable notAllowed -ErrorAction SilentlyContinue | ForEach-Object Code
            $notAllowed[0].FullyQualifiedErrorId; $notAllowed[0].Exception.Message
            Invoke-FtpCommand 'XYZZY plugh' -ErrorVariable refused -ErrorAction SilentlyContinue
            $refused[0].FullyQualifiedErrorId; $refused[0].Exception.FtpReplyCode
            @(Invoke-FtpCommand 'SITE CHMOD 644 raw.txt' -WhatIf).Count
            (Get-FtpSession).CurrentDirectory
            Disconnect-FtpSession
            """,
            _servers.ConnectParameters("Ftp"),
            remote,
            source);

        var output = result.Output.Select(o => o.ToString()).ToArray();
        Assert.Equal(new[] { "2", "200", "211", "True", "200", "FtpTools.CommandNotAllowed,FtpTools.Commands.InvokeFtpCommandCommand", "CWD is not sent as a raw command: it would change what FtpTools keeps track of in the session; use Set-FtpLocation.", "FtpTools.NotSupportedByServer,FtpTools.Commands.InvokeFtpCommandCommand", "500", "0", "/" + remote }, output);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_servers.Root("Ftp"), remote, "raw.txt")));
    }

    [Fact]
    public void Invoke_FtpCommand_on_an_SFTP_session_says_SFTP_has_none()
    {
        var result = ImportedModule.Run(
            _module.Shell(),
            "$connect = $args[0]; $null = Connect-FtpSession @connect -ErrorAction Stop; try { Invoke-FtpCommand 'SITE CHMOD 600 x' } catch { $_.FullyQualifiedErrorId }; Disconnect-FtpSession",
            _servers.ConnectParameters("Sftp"));

        Assert.Equal("FtpTools.NotSupported,FtpTools.Commands.InvokeFtpCommandCommand", Assert.Single(result.Output).ToString());
    }

    [Fact]
    public void LogPath_records_why_a_connect_failed_and_closes_the_file()
    {
        var logFile = Path.Combine(_local, "failed.log");
        var connect = _servers.ConnectParameters("Ftp");
        connect["Credential"] = new System.Management.Automation.PSCredential(_servers.Setting("FTPTOOLS_TEST_USER"), NewSecureString("not-the-password"));
        var result = ImportedModule.Run(_module.Shell(), "$connect = $args[0]; try { Connect-FtpSession @connect -LogPath $args[1] } catch { $_.FullyQualifiedErrorId }", connect, logFile);

        Assert.Equal("FtpTools.AuthenticationFailed,FtpTools.Commands.ConnectFtpSessionCommand", Assert.Single(result.Output).ToString());
        var lines = File.ReadAllLines(logFile);
        Assert.Contains(lines, l => l.EndsWith(" > PASS ***", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains(" < 530", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains(" Error: ", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("not-the-password", StringComparison.Ordinal));
        using (new FileStream(logFile, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
        {
        }
    }

    [Fact]
    public void LogPath_that_cannot_be_opened_fails_the_connect_before_anything_is_sent()
    {
        var missingDirectory = Path.Combine(_local, "no-such-directory", "x.log");
        var result = ImportedModule.Run(_module.Shell(), "$connect = $args[0]; try { Connect-FtpSession @connect -LogPath $args[1] } catch { $_.FullyQualifiedErrorId; $_.Exception.Message }; @(Get-FtpSession).Count", _servers.ConnectParameters("Ftp"), missingDirectory);

        Assert.Equal("FtpTools.LogFileUnavailable,FtpTools.Commands.ConnectFtpSessionCommand", result.Output[0].ToString());
        Assert.StartsWith("Cannot open the log file " + missingDirectory + ": ", result.Output[1].ToString(), StringComparison.Ordinal);
        Assert.Equal(0, (int)result.Output[2].BaseObject);
    }

    private static System.Security.SecureString NewSecureString(string text)
    {
        var secure = new System.Security.SecureString();
        foreach (var c in text)
        {
            secure.AppendChar(c);
        }

        secure.MakeReadOnly();
        return secure;
    }

    [Theory]
    [InlineData("Ftp")]
    [InlineData("Sftp")]
    public void A_session_whose_server_went_away_connects_again_for_the_next_command_in_its_directory_and_says_so(string protocol)
    {
        var remote = "pwsh-" + Guid.NewGuid().ToString("N").Substring(0, 12);
        var file = Path.Combine(_local, "r.bin");
        File.WriteAllBytes(file, Bytes(1000, 15));
        var logFile = Path.Combine(_local, "reconnect.log");
        var runspace = _module.Shell();
        var setup = ImportedModule.Run(
            runspace,
            "$connect, $remote, $file, $log = $args; $session = Connect-FtpSession @connect -LogPath $log -ErrorAction Stop; $null = New-FtpDirectory -Path $remote; $null = Send-FtpFile -Path $file -Destination \"$remote/r.bin\"; Set-FtpLocation -Path $remote; $session.CurrentDirectory",
            _servers.ConnectParameters(protocol), remote, file, logFile);
        Assert.Empty(setup.Errors);
        var directory = (string)Assert.Single(setup.Output).BaseObject;

        FtpTools.Core.Tests.Servers.ServerSideKill.KillServersOf(new Uri((string)_servers.ConnectParameters(protocol)["Uri"]!).Port);
        var result = ImportedModule.Run(
            runspace,
            """
            $items = @(Get-FtpItem -WarningVariable warnings -WarningAction SilentlyContinue)
            $session = Get-FtpSession
            [pscustomobject]@{ Names = ($items.Name -join ','); Reconnects = $session.Reconnects; Connected = $session.Connected; Directory = $session.CurrentDirectory; Warnings = ($warnings.Message -join "`n") }
            Disconnect-FtpSession
            """);

        Assert.Empty(result.Errors);
        var outcome = Assert.Single(result.Output);
        Assert.Equal("r.bin", outcome.Properties["Names"].Value);
        Assert.Equal(1, outcome.Properties["Reconnects"].Value);
        Assert.Equal(true, outcome.Properties["Connected"].Value);
        Assert.Equal(directory, outcome.Properties["Directory"].Value);
        Assert.Contains($"had been lost and was made again; working directory {directory}.", (string)outcome.Properties["Warnings"].Value, StringComparison.Ordinal);

        // The -LogPath file goes on across the reconnection: both connections, and the warning.
        var lines = File.ReadAllLines(logFile);
        Assert.Equal(2, lines.Count(l => l.Contains(" Connected to ", StringComparison.Ordinal)));
        Assert.Contains(lines, l => l.Contains(" Warning: ", StringComparison.Ordinal) && l.EndsWith($"had been lost and was made again; working directory {directory}.", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Ftp")]
    [InlineData("Sftp")]
    public void A_session_with_ReconnectAttempts_0_whose_server_went_away_stays_lost_with_terminating_errors(string protocol)
    {
        var runspace = _module.Shell();
        Assert.Empty(ImportedModule.Run(runspace, "$connect = $args[0]; $null = Connect-FtpSession @connect -ReconnectAttempts 0 -ErrorAction Stop", _servers.ConnectParameters(protocol)).Errors);

        FtpTools.Core.Tests.Servers.ServerSideKill.KillServersOf(new Uri((string)_servers.ConnectParameters(protocol)["Uri"]!).Port);
        var result = ImportedModule.Run(
            runspace,
            """
            $first = try { $null = Get-FtpItem; 'no error' } catch { $_.FullyQualifiedErrorId }
            $second = try { $null = Get-FtpItem; 'no error' } catch { $_.FullyQualifiedErrorId }
            $session = Get-FtpSession
            [pscustomobject]@{ First = $first; Second = $second; Connected = $session.Connected; Reconnects = $session.Reconnects }
            Disconnect-FtpSession
            """);

        Assert.Empty(result.Errors);
        var outcome = Assert.Single(result.Output);
        Assert.Contains((string)outcome.Properties["First"].Value, new[] { "FtpTools.ConnectionLost,FtpTools.Commands.GetFtpItemCommand", "FtpTools.SessionClosed,FtpTools.Commands.GetFtpItemCommand" });
        Assert.Equal("FtpTools.SessionClosed,FtpTools.Commands.GetFtpItemCommand", outcome.Properties["Second"].Value);
        Assert.Equal(false, outcome.Properties["Connected"].Value);
        Assert.Equal(0, outcome.Properties["Reconnects"].Value);
    }

    [Theory]
    [InlineData("Ftp")]
    [InlineData("Sftp")]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void RemoveSource_removes_on_the_new_connection_the_source_the_lost_one_kept(string protocol)
    {
        // The server side goes away between two piped files: the first file's removal (which waits for the second
        // file's transfer on that connection) fails with the connection, and is done on the one made again.
        var source = Directory.CreateDirectory(Path.Combine(_local, "lost-src")).FullName;
        var back = Directory.CreateDirectory(Path.Combine(_local, "lost-back")).FullName;
        var files = new[] { "a.bin", "b.bin", "c.bin" }.ToDictionary(n => n, n => Bytes(4000 + n[0], n[0]));
        foreach (var (name, data) in files)
        {
            File.WriteAllBytes(Path.Combine(source, name), data);
        }

        var remote = "pwsh-" + Guid.NewGuid().ToString("N").Substring(0, 12);
        var port = new Uri((string)_servers.ConnectParameters(protocol)["Uri"]!).Port;
        Action kill = () => FtpTools.Core.Tests.Servers.ServerSideKill.KillServersOf(port);
        var result = ImportedModule.Run(
            _module.Shell(),
            """
            $connect, $remote, $src, $back, $kill = $args
            $session = Connect-FtpSession @connect -ErrorAction Stop
            $null = New-FtpDirectory -Path $remote
            $null = $ExecutionContext.InvokeProvider.ChildItem.Get($src, $false) | Send-FtpFile -Destination $remote -ErrorAction Stop
            $count = 0
            $moved = @(Get-FtpItem -Path $remote |
                ForEach-Object { if (++$count -eq 2) { $kill.Invoke() }; $_ } |
                Receive-FtpFile -Destination $back -RemoveSource -WarningAction SilentlyContinue)
            $moved | ForEach-Object { ($_.Source -split '/')[-1] + ':' + $_.Status + ':' + $_.SourceRemoved }
            "reconnects:$($session.Reconnects)"
            Disconnect-FtpSession
            """,
            _servers.ConnectParameters(protocol), remote, source, back, kill);

        Assert.True(result.Errors.Count == 0, string.Join("\n", result.Errors.Select(e => e.ToString())) + "\n" + string.Join("\n", result.Output.Select(o => o.ToString())));
        Assert.Equal("reconnects:1", result.Output[^1].ToString());
        Assert.Equal(new[] { "a.bin:Completed:True", "b.bin:Completed:True", "c.bin:Completed:True" }, result.Output.SkipLast(1).Select(o => o.ToString()).Order(StringComparer.Ordinal));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(_servers.Root(protocol), remote)));
        foreach (var (name, data) in files)
        {
            Assert.Equal(Sha(data), Sha(File.ReadAllBytes(Path.Combine(back, name))));
        }
    }

    [Theory]
    [InlineData("Ftp")]
    [InlineData("Sftp")]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void RemoveSource_removes_the_last_files_source_on_a_new_connection_when_the_lost_one_kept_it(string protocol)
    {
        // The server side goes away once every file has been transferred, before the command ends: ForEach-Object's
        // -End runs before Receive-FtpFile's EndProcessing, where the last file goes in place and its source is
        // removed. That removal fails with the connection, and is done on one made again.
        var source = Directory.CreateDirectory(Path.Combine(_local, "last-src")).FullName;
        var back = Directory.CreateDirectory(Path.Combine(_local, "last-back")).FullName;
        var files = new[] { "a.bin", "b.bin" }.ToDictionary(n => n, n => Bytes(5000 + n[0], n[0]));
        foreach (var (name, data) in files)
        {
            File.WriteAllBytes(Path.Combine(source, name), data);
        }

        var remote = "pwsh-" + Guid.NewGuid().ToString("N").Substring(0, 12);
        var port = new Uri((string)_servers.ConnectParameters(protocol)["Uri"]!).Port;
        Action kill = () => FtpTools.Core.Tests.Servers.ServerSideKill.KillServersOf(port);
        var result = ImportedModule.Run(
            _module.Shell(),
            """
            $connect, $remote, $src, $back, $kill = $args
            $session = Connect-FtpSession @connect -ErrorAction Stop
            $null = New-FtpDirectory -Path $remote
            $null = $ExecutionContext.InvokeProvider.ChildItem.Get($src, $false) | Send-FtpFile -Destination $remote -ErrorAction Stop
            $moved = @(Get-FtpItem -Path $remote |
                ForEach-Object -Process { $_ } -End { $kill.Invoke() } |
                Receive-FtpFile -Destination $back -RemoveSource -WarningAction SilentlyContinue)
            $moved | ForEach-Object { ($_.Source -split '/')[-1] + ':' + $_.Status + ':' + $_.SourceRemoved }
            "reconnects:$($session.Reconnects)"
            Disconnect-FtpSession
            """,
            _servers.ConnectParameters(protocol), remote, source, back, kill);

        Assert.True(result.Errors.Count == 0, string.Join("\n", result.Errors.Select(e => e.ToString())) + "\n" + string.Join("\n", result.Output.Select(o => o.ToString())));
        Assert.Equal("reconnects:1", result.Output[^1].ToString());
        Assert.Equal(new[] { "a.bin:Completed:True", "b.bin:Completed:True" }, result.Output.SkipLast(1).Select(o => o.ToString()));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(_servers.Root(protocol), remote)));
        foreach (var (name, data) in files)
        {
            Assert.Equal(Sha(data), Sha(File.ReadAllBytes(Path.Combine(back, name))));
        }
    }

    [Theory]
    [InlineData("Ftp")]
    [InlineData("Sftp")]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Piped_files_of_one_name_are_never_written_to_one_destination_and_the_second_keeps_its_source(string protocol)
    {
        // Each piped item is planned on its own: two report.csv from a recursive listing, into one directory, with
        // -Force -RemoveSource. The second would replace the first, whose source is gone by then.
        var remote = "pwsh-" + Guid.NewGuid().ToString("N").Substring(0, 12);
        var onServer = Path.Combine(_servers.Root(protocol), remote);
        var first = Bytes(3000, 1);
        var second = Bytes(3100, 2);
        foreach (var (dir, data) in new[] { ("a", first), ("b", second) })
        {
            Directory.CreateDirectory(Path.Combine(onServer, dir));
            File.WriteAllBytes(Path.Combine(onServer, dir, "report.csv"), data);
        }

        foreach (var dir in new[] { onServer, Path.Combine(onServer, "a"), Path.Combine(onServer, "b") })
        {
            File.SetUnixFileMode(dir, (UnixFileMode)Convert.ToInt32("777", 8));
        }

        var back = Directory.CreateDirectory(Path.Combine(_local, "same-name")).FullName;
        var outbox = Directory.CreateDirectory(Path.Combine(_local, "same-name-up")).FullName;
        foreach (var (dir, data) in new[] { ("x", first), ("Y", second) })
        {
            File.WriteAllBytes(Path.Combine(Directory.CreateDirectory(Path.Combine(outbox, dir)).FullName, dir == "x" ? "data.csv" : "DATA.csv"), data);
        }

        var result = ImportedModule.Run(
            _module.Shell(),
            """
            $connect, $remote, $back, $outbox = $args
            $null = Connect-FtpSession @connect -ErrorAction Stop
            $down = @(Get-FtpItem -Path $remote -Recurse -File | Receive-FtpFile -Destination $back -Force -RemoveSource -ErrorVariable downFailed -ErrorAction SilentlyContinue)
            $down | ForEach-Object { ($_.Source -split '/')[-2] + ':' + $_.Status + ':' + $_.SourceRemoved }
            "$($downFailed.Count) $($downFailed[0].FullyQualifiedErrorId)"
            $downFailed[0].Exception.Message
            # Names that differ only in case are one name for -RemoveSource (a server on a case-insensitive disk).
            $files = @("x", "Y") | ForEach-Object { $ExecutionContext.InvokeProvider.ChildItem.Get("$outbox/$_", $false) }
            $up = @($files | Send-FtpFile -Destination "$remote/up" -Force -RemoveSource -ErrorVariable upFailed -ErrorAction SilentlyContinue)
            $up | ForEach-Object { [IO.Path]::GetFileName($_.Source) + ':' + $_.Status + ':' + $_.SourceRemoved }
            "$($upFailed.Count) $($upFailed[0].FullyQualifiedErrorId)"
            Disconnect-FtpSession
            """,
            _servers.ConnectParameters(protocol), remote, back, outbox);

        // The file left out has a Failed result, as any file not transferred, and its error.
        // (In the order they are settled: the refusal at once, the first file once it is in place.)
        Assert.Equal(new[] { "a:Completed:True", "b:Failed:False" }, result.Output.Take(2).Select(o => o.ToString()).Order(StringComparer.Ordinal));
        Assert.Equal("1 FtpTools.DestinationExists,FtpTools.Commands.ReceiveFtpFileCommand", result.Output[2].ToString());
        Assert.Matches($"^'(/[^']*)?/{remote}/b/report.csv' and '(/[^']*)?/{remote}/a/report.csv' would both be written to '{Regex.Escape(Path.Combine(back, "report.csv"))}' by this command; only the first is transferred.$", result.Output[3].ToString());
        Assert.Equal(Sha(first), Sha(File.ReadAllBytes(Path.Combine(back, "report.csv"))));
        Assert.False(File.Exists(Path.Combine(onServer, "a", "report.csv")));
        Assert.Equal(Sha(second), Sha(File.ReadAllBytes(Path.Combine(onServer, "b", "report.csv"))));

        Assert.Equal(new[] { "DATA.csv:Failed:False", "data.csv:Completed:True" }, result.Output.Skip(4).Take(2).Select(o => o.ToString()).Order(StringComparer.Ordinal));
        Assert.Equal("1 FtpTools.DestinationExists,FtpTools.Commands.SendFtpFileCommand", result.Output[6].ToString());
        Assert.Equal(new[] { "data.csv" }, Directory.GetFiles(Path.Combine(onServer, "up")).Select(Path.GetFileName));
        Assert.Equal(Sha(first), Sha(File.ReadAllBytes(Path.Combine(onServer, "up", "data.csv"))));
        Assert.False(File.Exists(Path.Combine(outbox, "x", "data.csv")));
        Assert.Equal(Sha(second), Sha(File.ReadAllBytes(Path.Combine(outbox, "Y", "DATA.csv"))));
    }

    [Theory]
    [InlineData("Ftp")]
    [InlineData("Sftp")]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Test_FtpPath_with_star_or_question_mark_is_true_when_anything_matches_and_brackets_are_names(string protocol)
    {
        var remote = "pwsh-" + Guid.NewGuid().ToString("N").Substring(0, 12);
        var onServer = Directory.CreateDirectory(Path.Combine(_servers.Root(protocol), remote)).FullName;
        Directory.CreateDirectory(Path.Combine(onServer, "sub"));
        File.WriteAllText(Path.Combine(onServer, "data1.csv"), "x");
        File.WriteAllText(Path.Combine(onServer, "a[1].txt"), "y");
        var result = ImportedModule.Run(
            _module.Shell(),
            """
            $connect, $remote = $args
            $null = Connect-FtpSession @connect -ErrorAction Stop
            $answers = foreach ($case in @(
                @("$remote/*.csv", 'Any'), @("$remote/*.zip", 'Any'), @("$remote/data?.csv", 'Leaf'), @("$remote/*.csv", 'Container'),
                @("$remote/s*", 'Container'), @("$remote/s*", 'Leaf'), @("$remote/a[1].txt", 'Leaf'), @("$remote/a[12].txt", 'Any'), @("missing-dir/*.csv", 'Any'),
                @("$remote/data[1].csv", 'Any'), @("$remote/a[?].txt", 'Leaf'), @("$remote/a[?].txt", 'Container'))) {
                "$($case[0].Replace($remote, 'R')) $($case[1]): $(Test-FtpPath -Path $case[0] -PathType $case[1] -ErrorAction Stop)"
            }
            $answers
            Disconnect-FtpSession
            """,
            _servers.ConnectParameters(protocol), remote);

        Assert.True(result.Errors.Count == 0, string.Join("\n", result.Errors.Select(e => e.ToString())));
        Assert.Equal(
            new[]
            {
                "R/*.csv Any: True", "R/*.zip Any: False", "R/data?.csv Leaf: True", "R/*.csv Container: False",
                "R/s* Container: True", "R/s* Leaf: False", "R/a[1].txt Leaf: True", "R/a[12].txt Any: False", "missing-dir/*.csv Any: False",
                // Brackets are names, never patterns: data[1].csv is not data1.csv.
                "R/data[1].csv Any: False", "R/a[?].txt Leaf: True", "R/a[?].txt Container: False",
            },
            result.Output.Select(o => o.ToString()));
    }

    [Theory]
    [InlineData("Ftp")]
    [InlineData("Sftp")]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void A_wildcard_that_matches_one_file_goes_into_a_directory_it_names_not_under_its_name(string protocol)
    {
        // A scheduled move by wildcard: how many files match changes from day to day, where they go must not.
        var remote = "pwsh-" + Guid.NewGuid().ToString("N").Substring(0, 12);
        var onServer = Directory.CreateDirectory(Path.Combine(_servers.Root(protocol), remote)).FullName;
        File.SetUnixFileMode(onServer, (UnixFileMode)Convert.ToInt32("777", 8));
        var data = Bytes(1500, 4);
        File.WriteAllBytes(Path.Combine(onServer, "data3.csv"), data);
        var outbox = Directory.CreateDirectory(Path.Combine(_local, "wild-out")).FullName;
        File.WriteAllBytes(Path.Combine(outbox, "up1.csv"), data);
        File.WriteAllText(Path.Combine(_local, "afile"), "keep");
        var result = ImportedModule.Run(
            _module.Shell(),
            """
            $connect, $remote, $local, $outbox = $args
            $null = Connect-FtpSession @connect -ErrorAction Stop
            # A file in the way of that directory is said once, with what to do instead.
            try { Receive-FtpFile -Path "$remote/data*.csv" -Destination "$local/afile" -RemoveSource -ErrorAction Stop; 'not thrown' } catch { $_.FullyQualifiedErrorId; $_.Exception.Message }
            (Receive-FtpFile -Path "$remote/data*.csv" -Destination "$local/inbox" -RemoveSource -ErrorAction Stop).Destination
            (Send-FtpFile -Path "$outbox/up*.csv" -Destination "$remote/archive" -ErrorAction Stop).Destination
            # Named without wildcards, one file still takes the destination's name.
            (Send-FtpFile -LiteralPath "$outbox/up1.csv" -Destination "$remote/renamed.csv" -ErrorAction Stop).Destination
            Disconnect-FtpSession
            """,
            _servers.ConnectParameters(protocol), remote, _local, outbox);

        Assert.True(result.Errors.Count == 0, string.Join("\n", result.Errors.Select(e => e.ToString())));
        Assert.Equal("FtpTools.DestinationExists,FtpTools.Commands.ReceiveFtpFileCommand", result.Output[0].ToString());
        Assert.Equal(
            $"The local destination '{Path.Combine(_local, "afile")}' is a file, not a directory: several files, a -Path with wildcards and piped items go into a directory; name one file with -LiteralPath to give it a new name.",
            result.Output[1].ToString());
        Assert.Equal("keep", File.ReadAllText(Path.Combine(_local, "afile")));
        Assert.Equal(Path.Combine(_local, "inbox", "data3.csv"), result.Output[2].ToString());
        Assert.Equal(Sha(data), Sha(File.ReadAllBytes(Path.Combine(_local, "inbox", "data3.csv"))));
        Assert.EndsWith($"/{remote}/archive/up1.csv", result.Output[3].ToString(), StringComparison.Ordinal);
        Assert.Equal(Sha(data), Sha(File.ReadAllBytes(Path.Combine(onServer, "archive", "up1.csv"))));
        Assert.EndsWith($"/{remote}/renamed.csv", result.Output[4].ToString(), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(onServer, "renamed.csv")));
        Assert.False(File.Exists(Path.Combine(onServer, "data3.csv")));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void A_removal_the_lost_connection_kept_is_never_made_on_another_session()
    {
        // One pipeline, items of two sessions: the SFTP session is closed after its file went through, so its removal
        // (which waits for the next file) fails. The next item's session is an FTP server that has a file of the same
        // absolute path, length and time: it must not be removed in its place.
        var remote = "pwsh-" + Guid.NewGuid().ToString("N").Substring(0, 12);
        var data = Bytes(2500, 9);
        var time = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        var sftpDir = Directory.CreateDirectory(Path.Combine(_servers.Root("Sftp"), remote)).FullName;
        File.SetUnixFileMode(sftpDir, (UnixFileMode)Convert.ToInt32("777", 8));
        File.WriteAllBytes(Path.Combine(sftpDir, "f.csv"), data);
        File.SetLastWriteTimeUtc(Path.Combine(sftpDir, "f.csv"), time);

        // The same absolute path under the FTP server's root (it sees its root as /).
        var decoyDir = Directory.CreateDirectory(_servers.Root("Ftp") + sftpDir).FullName;
        File.WriteAllBytes(Path.Combine(decoyDir, "f.csv"), data);
        File.SetLastWriteTimeUtc(Path.Combine(decoyDir, "f.csv"), time);
        var ftpDir = Directory.CreateDirectory(Path.Combine(_servers.Root("Ftp"), remote)).FullName;
        File.SetUnixFileMode(ftpDir, (UnixFileMode)Convert.ToInt32("777", 8));
        File.WriteAllBytes(Path.Combine(ftpDir, "g.csv"), Bytes(2600, 10));
        for (var dir = decoyDir; dir.Length > _servers.Root("Ftp").Length; dir = Path.GetDirectoryName(dir)!)
        {
            File.SetUnixFileMode(dir, (UnixFileMode)Convert.ToInt32("777", 8));
        }

        var back = Directory.CreateDirectory(Path.Combine(_local, "two-sessions")).FullName;
        var result = ImportedModule.Run(
            _module.Shell(),
            """
            $sftp, $ftp, $remote, $back = $args
            $a = Connect-FtpSession @sftp -ErrorAction Stop
            $b = Connect-FtpSession @ftp -ErrorAction Stop
            $first = Get-FtpItem -Session $a -Path "$remote/f.csv"
            $first.FullName
            $moved = @(& { $first; Disconnect-FtpSession -Session $a; Get-FtpItem -Session $b -Path "$remote/g.csv" } |
                Receive-FtpFile -Destination $back -RemoveSource -WarningAction SilentlyContinue -ErrorVariable failed -ErrorAction SilentlyContinue)
            $moved | ForEach-Object { ($_.Source -split '/')[-1] + ':' + $_.Status + ':' + $_.SourceRemoved }
            $failed | ForEach-Object { $_.FullyQualifiedErrorId }
            Disconnect-FtpSession -Session $b
            """,
            _servers.ConnectParameters("Sftp"), _servers.ConnectParameters("Ftp"), remote, back);

        Assert.Equal(sftpDir + "/f.csv", result.Output[0].ToString());
        Assert.Equal(new[] { "f.csv:Completed:False", "g.csv:Completed:True" }, result.Output.Skip(1).Take(2).Select(o => o.ToString()));
        Assert.Equal("FtpTools.SourceNotRemoved,FtpTools.Commands.ReceiveFtpFileCommand", result.Output[3].ToString());
        Assert.Equal(4, result.Output.Count);
        Assert.True(File.Exists(Path.Combine(decoyDir, "f.csv")), "the other server's file of the same path was removed");
        Assert.True(File.Exists(Path.Combine(sftpDir, "f.csv")));
        Assert.False(File.Exists(Path.Combine(ftpDir, "g.csv")));
        Assert.Equal(Sha(data), Sha(File.ReadAllBytes(Path.Combine(back, "f.csv"))));
    }

    [Theory]
    [InlineData("Ftp")]
    [InlineData("Ftpes")]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void TransferMode_Ascii_sends_CRLF_and_stores_local_line_ends_and_refuses_Resume_and_RemoveSource(string protocol)
    {
        // vsftpd (as configured by default) stores the bytes that come and sends the ones it has: its disk shows what
        // the module itself sent and converts.
        var source = Directory.CreateDirectory(Path.Combine(_local, "text")).FullName;
        File.WriteAllText(Path.Combine(source, "a.txt"), "one\ntwo\n");
        var remote = "pwsh-" + Guid.NewGuid().ToString("N").Substring(0, 12);
        var onServer = Directory.CreateDirectory(Path.Combine(_servers.Root(protocol), remote)).FullName;
        File.SetUnixFileMode(onServer, (UnixFileMode)Convert.ToInt32("777", 8));
        File.WriteAllText(Path.Combine(onServer, "b.txt"), "x\r\ny\r\n");
        var back = Directory.CreateDirectory(Path.Combine(_local, "back")).FullName;
        var result = ImportedModule.Run(
            _module.Shell(),
            """
            $connect, $remote, $src, $back = $args
            $session = Connect-FtpSession @connect -TransferMode Ascii -ErrorAction Stop
            "$($session.TransferMode)"
            (Send-FtpFile -Path "$src/a.txt" -Destination $remote -ErrorAction Stop).Status
            (Receive-FtpFile -Path "$remote/b.txt" -Destination $back -ErrorAction Stop).Status
            foreach ($switch in @{ Resume = $true }, @{ RemoveSource = $true }) {
                try { Send-FtpFile -Path "$src/a.txt" -Destination "$remote/again.txt" @switch -ErrorAction Stop; 'not thrown' } catch { $_.FullyQualifiedErrorId; $_.Exception.Message }
            }
            Disconnect-FtpSession
            """,
            _servers.ConnectParameters(protocol), remote, source, back);

        Assert.Empty(result.Errors);
        Assert.Equal("Ascii", result.Output[0].ToString());
        Assert.Equal(new[] { "Completed", "Completed" }, result.Output.Skip(1).Take(2).Select(o => o.ToString()));
        Assert.Equal("one\r\ntwo\r\n", File.ReadAllText(Path.Combine(onServer, "a.txt")));
        Assert.Equal("x\ny\n", File.ReadAllText(Path.Combine(back, "b.txt")));
        Assert.Equal("FtpTools.InvalidArgument,FtpTools.Commands.SendFtpFileCommand", result.Output[3].ToString());
        Assert.StartsWith("-Resume cannot be used in ASCII mode", result.Output[4].ToString(), StringComparison.Ordinal);
        Assert.Equal("FtpTools.InvalidArgument,FtpTools.Commands.SendFtpFileCommand", result.Output[5].ToString());
        Assert.StartsWith("-RemoveSource cannot be used in ASCII mode", result.Output[6].ToString(), StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(onServer, "again.txt")));
        Assert.True(File.Exists(Path.Combine(source, "a.txt")));

        var sftp = ImportedModule.Run(
            _module.Shell(),
            """
            $connect = $args[0]
            try { Connect-FtpSession @connect -TransferMode Ascii -ErrorAction Stop; 'not thrown' } catch { $_.FullyQualifiedErrorId; $_.Exception.Message }
            (Get-FtpSession).Count
            """,
            _servers.ConnectParameters("Sftp"));
        Assert.Equal("FtpTools.InvalidArgument,FtpTools.Commands.ConnectFtpSessionCommand", sftp.Output[0].ToString());
        Assert.Equal("-TransferMode Ascii applies to FTP, FTPES and FTPS only; SFTP transfers every file as it is.", sftp.Output[1].ToString());
        Assert.Equal(0, sftp.Output[2].BaseObject);
    }

    [Fact]
    public void Enum_parameters_bind_from_text_and_reach_the_core()
    {
        var uri = new Uri(_servers.Setting("FTPTOOLS_TEST_SFTP_URI"));
        var remote = "pwsh-" + Guid.NewGuid().ToString("N").Substring(0, 12);
        Directory.CreateDirectory(Path.Combine(_servers.Root("Sftp"), remote));
        File.WriteAllBytes(Path.Combine(_servers.Root("Sftp"), remote, "f.txt"), Bytes(10, 10));

        var result = ImportedModule.Run(
            _module.Shell(),
            """
            $hostName, $port, $credential, $fingerprint, $remote, $ftp, $ftpCredential = $args
            $session = Connect-FtpSession -ComputerName $hostName -Port $port -Protocol sftp -Credential $credential -HostKeyFingerprint $fingerprint -ErrorAction Stop
            "$($session.Protocol)"
            Test-FtpPath -Path "$remote/f.txt" -PathType Leaf
            Test-FtpPath -Path "$remote/f.txt" -PathType Container
            Test-FtpPath -Path $remote -PathType Container
            $passive = Connect-FtpSession -Uri $ftp -Credential $ftpCredential -DataMode Passive -ErrorAction Stop
            "$($passive.Protocol)"
            @(Get-FtpItem -Path '/' -Session $passive).Count -ge 0
            Get-FtpSession | Disconnect-FtpSession
            """,
            uri.Host, uri.Port, _servers.Credential(), _servers.Setting("FTPTOOLS_TEST_HOSTKEY_FINGERPRINT"), remote,
            _servers.Setting("FTPTOOLS_TEST_FTP_URI"), _servers.Credential());

        Assert.Empty(result.Errors);
        Assert.Equal(new object[] { "Sftp", true, false, true, "Ftp", true }, result.Output.Select(o => o.BaseObject));
    }

    [Theory]
    [InlineData("Ftp")]
    [InlineData("Sftp")]
    public void Output_shows_in_the_modules_views_and_an_unattended_script_is_never_prompted(string protocol)
    {
        var remote = "pwsh-" + Guid.NewGuid().ToString("N").Substring(0, 12);
        var file = Path.Combine(_local, "a.txt");
        File.WriteAllBytes(file, Bytes(10, 11));
        var host = new RecordingHost();

        // A console host that cannot prompt: Out-Default renders with the module's views; Remove-FtpItem -Recurse
        // (ConfirmImpact Medium) and the rest run without asking anything.
        var result = ImportedModule.Run(
            _module.Shell(host),
            """
            $connect, $remote, $file, $local = $args
            $session = Connect-FtpSession @connect -ErrorAction Stop
            $session | Out-Default
            $null = New-FtpDirectory -Path "$remote/sub" -Force
            $null = Send-FtpFile -Path $file -Destination "$remote/a.txt"
            Get-FtpItem -Path $remote | Out-Default
            Receive-FtpFile -Path "$remote/a.txt" -Destination "$local/back" | Out-Default
            Remove-FtpItem -Path $remote -Recurse
            Disconnect-FtpSession
            """,
            _servers.ConnectParameters(protocol), remote, file, _local);

        Assert.Empty(result.Errors);
        Assert.Empty(host.Prompts);
        Assert.False(Directory.Exists(Path.Combine(_servers.Root(protocol), remote)));
        var text = System.Text.RegularExpressions.Regex.Replace(host.Text, "\u001b\\[[0-9;]*m", "");
        Assert.Matches($"(?m)^ +Id Protocol +Host +Port User +Connected CurrentDirectory *$", text);
        Assert.Matches($"(?m)^ +1 {protocol} +127\\.0\\.0\\.1 +\\d+ ftptools +True +/", text);
        Assert.Matches($"(?m)^ +Directory: /(.*/)?{remote} *$", text);
        Assert.Matches("(?m)^Mode +LastWriteTime +Length Name *$", text);
        Assert.Matches("(?m)^-rw\\S* +\\S+ \\d\\d:\\d\\d +10 a\\.txt *$", text);
        Assert.Matches("(?m)^d\\S+ +\\S+ \\d\\d:\\d\\d +sub *$", text);
        Assert.Matches("(?m)^Status +Length +Duration +Bytes/s Source +Destination *$", text);
        Assert.Matches("(?m)^Completed +10 +\\d\\d:\\d\\d:\\d\\d", text);
        Assert.DoesNotContain("PermissionBits", text, StringComparison.Ordinal);
        Assert.DoesNotContain(_servers.Setting("FTPTOOLS_TEST_PASSWORD"), text, StringComparison.Ordinal);
    }

    private static byte[] Bytes(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    private static string Sha(byte[] data) => Convert.ToHexString(SHA256.HashData(data));
}
