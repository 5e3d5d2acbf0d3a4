BeforeDiscovery {
    $protocols = @(@{ Protocol = 'Ftp' }, @{ Protocol = 'Ftpes' }, @{ Protocol = 'Sftp' })
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'FtpTools.PesterHelpers.ps1')
    $manifest = Import-FtpToolsUnderTest
}

Describe 'Get-FtpContent' {
    Context '<Protocol>' -ForEach $protocols {
        BeforeAll {
            $session = Connect-TestSession -Protocol $Protocol
            $work = New-RemoteWorkDirectory -Session $session -Protocol $Protocol
            [System.IO.File]::WriteAllText((Join-Path $work.Local 'a.txt'), "one`r`ntwo`nthree")
            # Non-ASCII text made from code points: this file stays ASCII, which Windows PowerShell 5.1 reads alike.
            $greeting = "Gr$([char]0xFC)$([char]0xDF)e"
            [System.IO.File]::WriteAllText((Join-Path $work.Local 'b.txt'), "$greeting`n", [System.Text.UTF8Encoding]::new($true))
            [System.IO.File]::WriteAllText((Join-Path $work.Local 'long.txt'), (-join (0..99999 | ForEach-Object { "row $_`n" })))
            $null = New-Item -ItemType Directory -Path (Join-Path $work.Local 'dir.txt') -Force
        }

        AfterAll {
            if ($work) { Remove-Item -LiteralPath $work.Local -Recurse -Force -ErrorAction SilentlyContinue }
            if ($session) { Disconnect-FtpSession -Session $session }
        }

        It 'writes one string per line, without the line ends' {
            $lines = @(Get-FtpContent -Path "$($work.Remote)/a.txt")

            $lines.Count | Should -Be 3
            $lines[0] | Should -BeExactly 'one'
            $lines[1] | Should -BeExactly 'two'
            $lines[2] | Should -BeExactly 'three'
        }

        It 'writes the whole file as one string with -Raw' {
            $text = Get-FtpContent -Path "$($work.Remote)/a.txt" -Raw

            $text | Should -BeOfType [string]
            $text | Should -BeExactly "one`r`ntwo`nthree"
        }

        It 'reads the encoding a byte order mark names, and drops the mark' {
            Get-FtpContent -Path "$($work.Remote)/b.txt" -Encoding latin1 | Should -BeExactly $greeting
        }

        It 'reads a code page named by number or name, and refuses an unknown one' {
            # Windows-1252 has the euro sign at 0x80, where Latin-1 has a control character.
            [System.IO.File]::WriteAllBytes((Join-Path $work.Local 'cp.txt'), [byte[]](0x80, 0x41, 0x0A))

            Get-FtpContent -Path "$($work.Remote)/cp.txt" -Encoding 1252 | Should -BeExactly ([string][char]0x20AC + 'A')
            Get-FtpContent -Path "$($work.Remote)/cp.txt" -Encoding windows-1252 | Should -BeExactly ([string][char]0x20AC + 'A')
            Get-FtpContent -Path "$($work.Remote)/cp.txt" -Encoding latin1 | Should -BeExactly ([string][char]0x80 + 'A')
            { Get-FtpContent -Path "$($work.Remote)/cp.txt" -Encoding ebcdic-nope -ErrorAction Stop } | Should -Throw -ErrorId 'FtpTools.InvalidArgument,FtpTools.Commands.GetFtpContentCommand'
        }

        It 'stops at -TotalCount and the session goes on' {
            $first = @(Get-FtpContent -Path "$($work.Remote)/long.txt" -TotalCount 2)

            $first.Count | Should -Be 2
            $first[1] | Should -BeExactly 'row 1'
            (Get-FtpContent -Path "$($work.Remote)/long.txt" | Select-Object -Last 1) | Should -BeExactly 'row 99999'
            (Get-FtpContent -Path "$($work.Remote)/long.txt" | Select-Object -First 3) -join ',' | Should -BeExactly 'row 0,row 1,row 2'
            Get-FtpContent -Path "$($work.Remote)/a.txt" -TotalCount 1 | Should -BeExactly 'one'
        }

        It 'lets a command further down use the same session while it reads' {
            # On FTP the read holds the session to the file's end, and more lines come than wait for the pipeline.
            $count = 0
            $found = @(Get-FtpContent -Path "$($work.Remote)/long.txt" | ForEach-Object { if (++$count -eq 1) { Test-FtpPath -Path "$($work.Remote)/a.txt" -Session $session } })

            $found -join ',' | Should -Be 'True'
            $count | Should -Be 100000
        }

        It 'reads the files Get-FtpItem pipes in, in their session' {
            $lines = @(Get-FtpItem -Path "$($work.Remote)/?.txt" -Session $session | Sort-Object Name | Get-FtpContent)

            $lines -join ',' | Should -BeExactly "one,two,three,$greeting"
        }

        It 'reports a directory and a missing file, and goes on with the rest' {
            $lines = @(Get-FtpContent -Path "$($work.Remote)/dir.txt", "$($work.Remote)/missing.txt", "$($work.Remote)/a.txt" -ErrorVariable failures -ErrorAction SilentlyContinue)

            $lines -join ',' | Should -BeExactly 'one,two,three'
            $failures.Count | Should -Be 2
            $failures[0].FullyQualifiedErrorId | Should -Be 'FtpTools.SourceIsDirectory,FtpTools.Commands.GetFtpContentCommand'
            $failures[0].Exception.Message | Should -BeLike "*/$($work.Remote)/dir.txt' is a directory: only a file has content."
            $failures[1].FullyQualifiedErrorId | Should -Be 'FtpTools.SourceNotFound,FtpTools.Commands.GetFtpContentCommand'
        }

        It 'refuses -Raw with -TotalCount' {
            { Get-FtpContent -Path "$($work.Remote)/a.txt" -Raw -TotalCount 1 -ErrorAction Stop } | Should -Throw -ErrorId 'FtpTools.InvalidArgument,FtpTools.Commands.GetFtpContentCommand'
        }
    }
}
