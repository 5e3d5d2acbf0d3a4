BeforeDiscovery {
    $protocols = @(@{ Protocol = 'Ftp' }, @{ Protocol = 'Ftpes' }, @{ Protocol = 'Sftp' })
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'FtpTools.PesterHelpers.ps1')
    $manifest = Import-FtpToolsUnderTest
}

Describe 'Receive-FtpFile' {
    Context '<Protocol>' -ForEach $protocols {
        BeforeAll {
            $session = Connect-TestSession -Protocol $Protocol
            $work = New-RemoteWorkDirectory -Session $session -Protocol $Protocol
            New-RandomFile -Path (Join-Path $work.Local 'big.bin') -Length 500000
            New-RandomFile -Path (Join-Path $work.Local 'a.csv') -Length 100
            New-RandomFile -Path (Join-Path $work.Local 'b.csv') -Length 200
            New-RandomFile -Path (Join-Path $work.Local 'dir/sub/c.txt') -Length 300
            foreach ($i in 1..12) { New-RandomFile -Path (Join-Path $work.Local ('many/p{0:00}.bin' -f $i)) -Length (1000 + $i) }
            $stamp = [datetime]::new(2020, 1, 2, 3, 4, 5, [DateTimeKind]::Utc)
            (Get-Item -LiteralPath (Join-Path $work.Local 'a.csv')).LastWriteTimeUtc = $stamp
        }

        BeforeEach {
            $target = Join-Path $TestDrive ("recv-$Protocol-" + (New-TestName))
            $null = New-Item -ItemType Directory -Path $target
        }

        AfterAll {
            if ($work) { Remove-Item -LiteralPath $work.Local -Recurse -Force -ErrorAction SilentlyContinue }
            if ($session) { Disconnect-FtpSession -Session $session }
        }

        It 'downloads a file byte for byte, leaving no temporary file' {
            $result = Receive-FtpFile -Path "$($work.Remote)/big.bin" -Destination $target

            $result.Status.ToString() | Should -Be 'Completed'
            $result.Length | Should -Be 500000
            Get-Sha256 (Join-Path $target 'big.bin') | Should -Be (Get-Sha256 (Join-Path $work.Local 'big.bin'))
            Get-ChildItem -LiteralPath $target -Force -Filter '*.ftptools-part' | Should -BeNullOrEmpty
        }

        It 'downloads byte for byte with -NoFlush, files piped in included' {
            $results = @(Get-FtpItem -Path "$($work.Remote)/many/*" | Receive-FtpFile -Destination $target -NoFlush)

            $results.Count | Should -Be 12
            @($results | Where-Object { $_.Status.ToString() -ne 'Completed' }) | Should -BeNullOrEmpty
            foreach ($i in 1..12) {
                $name = 'p{0:00}.bin' -f $i
                Get-Sha256 (Join-Path $target $name) | Should -Be (Get-Sha256 (Join-Path $work.Local "many/$name"))
            }
            Get-ChildItem -LiteralPath $target -Force -Filter '*.ftptools-part' | Should -BeNullOrEmpty
        }

        It 'downloads only what is new or changed since the last run with -NewerOnly' {
            New-RandomFile -Path (Join-Path $work.Local 'newer/x.bin') -Length 300
            New-RandomFile -Path (Join-Path $work.Local 'newer/y.bin') -Length 400
            $statuses = { param($results) ($results | Sort-Object Destination | ForEach-Object { $_.Status.ToString() }) -join ',' }

            $first = & $statuses @(Receive-FtpFile -Path "$($work.Remote)/newer/*" -Destination $target -NewerOnly)
            $second = & $statuses @(Receive-FtpFile -Path "$($work.Remote)/newer/*" -Destination $target -NewerOnly)
            $y = Join-Path $work.Local 'newer/y.bin'
            [IO.File]::WriteAllBytes($y, [byte[]]::new(400))
            [IO.File]::SetLastWriteTimeUtc($y, [datetime]::UtcNow.AddDays(1))
            $third = & $statuses @(Receive-FtpFile -Path "$($work.Remote)/newer/*" -Destination $target -NewerOnly)

            $first | Should -Be 'Completed,Completed'
            $second | Should -Be 'Skipped,Skipped'
            $third | Should -Be 'Skipped,Completed'
            Get-Sha256 (Join-Path $target 'y.bin') | Should -Be (Get-Sha256 $y)
            Get-Sha256 (Join-Path $target 'x.bin') | Should -Be (Get-Sha256 (Join-Path $work.Local 'newer/x.bin'))
        }

        It 'moves files off the server with -RemoveSource, and refuses it with -NoFlush' {
            $outbox = Join-Path $TestDrive "move-out-$Protocol"
            New-RandomFile -Path (Join-Path $outbox 'm1.bin') -Length 2100
            New-RandomFile -Path (Join-Path $outbox 'm2.bin') -Length 2200
            $remote = "$($work.Remote)/move-" + (New-TestName)
            $null = New-FtpDirectory -Path $remote -ErrorAction Stop
            $null = Get-ChildItem -LiteralPath $outbox | Send-FtpFile -Destination $remote -ErrorAction Stop

            { Receive-FtpFile -Path "$remote/*" -Destination $target -RemoveSource -NoFlush -ErrorAction Stop } |
                Should -Throw -ErrorId 'FtpTools.InvalidArgument,FtpTools.Commands.ReceiveFtpFileCommand'
            $results = @(Receive-FtpFile -Path "$remote/*" -Destination $target -RemoveSource)

            ($results | ForEach-Object { "$($_.Status):$($_.SourceRemoved)" }) -join ',' | Should -Be 'Completed:True,Completed:True'
            @(Get-FtpItem -Path $remote) | Should -BeNullOrEmpty
            foreach ($name in 'm1.bin', 'm2.bin') {
                Get-Sha256 (Join-Path $target $name) | Should -Be (Get-Sha256 (Join-Path $outbox $name))
            }
        }

        It 'downloads what Get-FtpItem pipes in, with the items'' session' {
            $results = Get-FtpItem -Path "$($work.Remote)/*.csv" | Receive-FtpFile -Destination $target

            @($results).Count | Should -Be 2
            Get-Sha256 (Join-Path $target 'b.csv') | Should -Be (Get-Sha256 (Join-Path $work.Local 'b.csv'))
        }

        It 'writes one result per piped file, in order, each once its file is in place' {
            # Each file's flush and rename run while the next one transfers; its result must still come once, in
            # order, and only when the file is under its final name.
            $seen = Get-FtpItem -Path "$($work.Remote)/many/*" | Sort-Object Name | Receive-FtpFile -Destination $target | ForEach-Object {
                $leaf = Split-Path -Leaf $_.Destination
                [pscustomobject]@{
                    Name    = $leaf
                    Status  = $_.Status.ToString()
                    InPlace = (Test-Path -LiteralPath $_.Destination -PathType Leaf) -and -not (Test-Path -LiteralPath (Join-Path $target ".$leaf.ftptools-part"))
                }
            }

            $names = 1..12 | ForEach-Object { 'p{0:00}.bin' -f $_ }
            (@($seen).Name -join ',') | Should -Be ($names -join ',')
            @($seen | Where-Object { $_.Status -ne 'Completed' -or -not $_.InPlace }) | Should -BeNullOrEmpty
            foreach ($name in $names) {
                Get-Sha256 (Join-Path $target $name) | Should -Be (Get-Sha256 (Join-Path $work.Local "many/$name"))
            }
            Get-ChildItem -LiteralPath $target -Force -Filter '*.ftptools-part' | Should -BeNullOrEmpty
        }

        It 'keeps the remote last write time' {
            $null = Receive-FtpFile -Path "$($work.Remote)/a.csv" -Destination $target

            $local = (Get-Item -LiteralPath (Join-Path $target 'a.csv')).LastWriteTimeUtc
            [math]::Abs(($local - $stamp).TotalSeconds) | Should -BeLessOrEqual 1
        }

        It 'downloads a directory tree with -Recurse' {
            $null = Receive-FtpFile -Path "$($work.Remote)/dir" -Destination $target -Recurse

            Get-Sha256 (Join-Path $target 'dir/sub/c.txt') | Should -Be (Get-Sha256 (Join-Path $work.Local 'dir/sub/c.txt'))
        }

        It 'downloads each file of a piped recursive listing once and refuses its directories without -Recurse' {
            # dir/sub comes down the pipeline as well as dir/sub/c.txt: listing it too would download c.txt twice.
            $results = Get-FtpItem -Path "$($work.Remote)/dir" -Recurse | Receive-FtpFile -Destination $target -ErrorVariable failures -ErrorAction SilentlyContinue

            @($results).Count | Should -Be 1
            $results.Status.ToString() | Should -Be 'Completed'
            Get-Sha256 (Join-Path $target 'c.txt') | Should -Be (Get-Sha256 (Join-Path $work.Local 'dir/sub/c.txt'))
            @(Get-ChildItem -LiteralPath $target -Recurse -Force).Count | Should -Be 1
            @($failures).Count | Should -Be 1
            $failures[0].FullyQualifiedErrorId | Should -Be 'FtpTools.SourceIsDirectory,FtpTools.Commands.ReceiveFtpFileCommand'
            $failures[0].TargetObject | Should -BeLike "*/$($work.Remote)/dir/sub"

            # A directory piped as text gives its files, as one named on the command line does.
            $text = Join-Path $TestDrive ("recv-text-$Protocol-" + (New-TestName))
            $fromText = @("$($work.Remote)/dir/sub" | Receive-FtpFile -Destination $text)
            @($fromText).Count | Should -Be 1
            Get-Sha256 (Join-Path $text 'sub/c.txt') | Should -Be (Get-Sha256 (Join-Path $work.Local 'dir/sub/c.txt'))
        }

        It 'downloads exactly the piped item when its name holds wildcard characters' {
            # Bound to -Path by value (PowerShell tries the default set first), these names matched w1.txt and w2.txt.
            $lengths = @{ 'w1.txt' = 11; 'w2.txt' = 12; 'w[12].txt' = 13; 'w*.txt' = 14 }
            foreach ($name in $lengths.Keys) { New-RandomFile -Path (Join-Path $work.Local "wild/$name") -Length $lengths[$name] }

            $results = @(Get-FtpItem -LiteralPath "$($work.Remote)/wild/w[12].txt", "$($work.Remote)/wild/w*.txt" | Receive-FtpFile -Destination $target)

            @($results | ForEach-Object { $_.Status.ToString() }) -join ',' | Should -Be 'Completed,Completed'
            @(Get-ChildItem -LiteralPath $target).Count | Should -Be 2
            Get-Sha256 (Join-Path $target 'w[12].txt') | Should -Be (Get-Sha256 (Join-Path $work.Local 'wild/w[12].txt'))
            Get-Sha256 (Join-Path $target 'w*.txt') | Should -Be (Get-Sha256 (Join-Path $work.Local 'wild/w*.txt'))
        }

        It 'refuses to overwrite a local file without -Force and overwrites with it' {
            Set-Content -LiteralPath (Join-Path $target 'a.csv') -Value 'keep me'

            $result = Receive-FtpFile -Path "$($work.Remote)/a.csv" -Destination $target -ErrorVariable failures -ErrorAction SilentlyContinue

            $result.Status.ToString() | Should -Be 'Failed'
            $failures[0].FullyQualifiedErrorId | Should -Be 'FtpTools.DestinationExists,FtpTools.Commands.ReceiveFtpFileCommand'
            # The record names the file the message is about.
            $failures[0].TargetObject | Should -Be (Join-Path $target 'a.csv')
            (Get-Content -LiteralPath (Join-Path $target 'a.csv')) | Should -Be 'keep me'

            $null = Receive-FtpFile -Path "$($work.Remote)/a.csv" -Destination $target -Force
            Get-Sha256 (Join-Path $target 'a.csv') | Should -Be (Get-Sha256 (Join-Path $work.Local 'a.csv'))
        }

        It 'resolves the destination against the PowerShell location' {
            Push-Location $target
            try {
                $null = Receive-FtpFile -Path "$($work.Remote)/b.csv" -Destination 'here'
            }
            finally {
                Pop-Location
            }

            Test-Path -LiteralPath (Join-Path $target 'here') -PathType Leaf | Should -BeTrue
        }

        It 'refuses a destination that is not on the file system, and writes nothing' {
            $name = 'FtpToolsNotAFile' + (New-TestName)
            $failures = @()
            foreach ($destination in "Env:/$name", "Variable:/$name/") {
                Receive-FtpFile -Path "$($work.Remote)/b.csv" -Destination $destination -ErrorVariable +failures -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            }

            $failures.Count | Should -Be 2
            $failures | ForEach-Object { $_.FullyQualifiedErrorId | Should -Be 'FtpTools.NotFileSystem,FtpTools.Commands.ReceiveFtpFileCommand' }
            $failures[0].Exception.Message | Should -Be "'Env:/$name' is not a file system path (provider Environment)."
            Test-Path -LiteralPath (Join-Path ([Environment]::CurrentDirectory) $name) | Should -BeFalse
            Test-Path -LiteralPath "Env:/$name" | Should -BeFalse
        }

        It 'downloads nothing with -WhatIf' {
            Receive-FtpFile -Path "$($work.Remote)/*" -Destination $target -Recurse -WhatIf | Should -BeNullOrEmpty

            Get-ChildItem -LiteralPath $target -Force | Should -BeNullOrEmpty
        }
    }
}
