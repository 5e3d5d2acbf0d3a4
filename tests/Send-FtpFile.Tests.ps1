BeforeDiscovery {
    $protocols = @(@{ Protocol = 'Ftp' }, @{ Protocol = 'Ftpes' }, @{ Protocol = 'Sftp' })
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'FtpTools.PesterHelpers.ps1')
    $manifest = Import-FtpToolsUnderTest
}

Describe 'Send-FtpFile' {
    Context '<Protocol>' -ForEach $protocols {
        BeforeAll {
            $session = Connect-TestSession -Protocol $Protocol
            $source = Join-Path $TestDrive "send-$Protocol"
            New-RandomFile -Path (Join-Path $source 'one.bin') -Length 300000
            New-RandomFile -Path (Join-Path $source 'two.csv') -Length 1234
            New-RandomFile -Path (Join-Path $source 'three.csv') -Length 0
            New-RandomFile -Path (Join-Path $source 'tree/deep/four.txt') -Length 77
        }

        BeforeEach {
            $work = New-RemoteWorkDirectory -Session $session -Protocol $Protocol
        }

        AfterEach {
            if ($work) { Remove-Item -LiteralPath $work.Local -Recurse -Force -ErrorAction SilentlyContinue }
        }

        AfterAll {
            if ($session) { Disconnect-FtpSession -Session $session }
        }

        It 'uploads a file byte for byte and returns a completed result' {
            $result = Send-FtpFile -Path (Join-Path $source 'one.bin') -Destination $work.Remote

            $result.Status.ToString() | Should -Be 'Completed'
            $result.Length | Should -Be 300000
            $result.BytesTransferred | Should -Be 300000
            Get-Sha256 (Join-Path $work.Local 'one.bin') | Should -Be (Get-Sha256 (Join-Path $source 'one.bin'))
            Get-ChildItem -LiteralPath $work.Local -Force -Filter '*.ftptools-part' | Should -BeNullOrEmpty
        }

        It 'moves files to the server with -RemoveSource and keeps the one that failed' {
            $outbox = Join-Path $TestDrive ("move-$Protocol-" + (New-TestName))
            New-RandomFile -Path (Join-Path $outbox 'r1.bin') -Length 3100
            New-RandomFile -Path (Join-Path $outbox 'r2.bin') -Length 3200
            New-RandomFile -Path (Join-Path $outbox 'taken.bin') -Length 3300
            $null = Send-FtpFile -Path (Join-Path $source 'two.csv') -Destination "$($work.Remote)/taken.bin" -ErrorAction Stop
            $expected = @{}
            foreach ($name in 'r1.bin', 'r2.bin') { $expected[$name] = Get-Sha256 (Join-Path $outbox $name) }

            $results = @(Get-ChildItem -LiteralPath $outbox | Send-FtpFile -Destination $work.Remote -RemoveSource -ErrorAction SilentlyContinue -ErrorVariable failed)

            ($results | Sort-Object Source | ForEach-Object { "$(Split-Path -Leaf $_.Source):$($_.Status):$($_.SourceRemoved)" }) -join ',' |
                Should -Be 'r1.bin:Completed:True,r2.bin:Completed:True,taken.bin:Failed:False'
            @($failed).Count | Should -Be 1
            $failed[0].FullyQualifiedErrorId | Should -Be 'FtpTools.DestinationExists,FtpTools.Commands.SendFtpFileCommand'
            (Get-ChildItem -LiteralPath $outbox).Name | Should -Be 'taken.bin'
            Get-Sha256 (Join-Path $work.Local 'r1.bin') | Should -Be $expected['r1.bin']
            Get-Sha256 (Join-Path $work.Local 'r2.bin') | Should -Be $expected['r2.bin']
        }

        It 'uploads only what is new or changed since the last run with -NewerOnly -PreserveTimestamp' {
            $changing = Join-Path $TestDrive "newer-$Protocol"
            New-RandomFile -Path (Join-Path $changing 'x.bin') -Length 300
            New-RandomFile -Path (Join-Path $changing 'y.bin') -Length 400
            $statuses = { param($results) ($results | Sort-Object Source | ForEach-Object { $_.Status.ToString() }) -join ',' }

            $first = & $statuses @(Get-ChildItem -LiteralPath $changing | Send-FtpFile -Destination $work.Remote -NewerOnly -PreserveTimestamp)
            $second = & $statuses @(Get-ChildItem -LiteralPath $changing | Send-FtpFile -Destination $work.Remote -NewerOnly -PreserveTimestamp)
            $y = Join-Path $changing 'y.bin'
            [IO.File]::WriteAllBytes($y, [byte[]]::new(400))
            [IO.File]::SetLastWriteTimeUtc($y, [datetime]::UtcNow.AddHours(1))
            $third = & $statuses @(Get-ChildItem -LiteralPath $changing | Send-FtpFile -Destination $work.Remote -NewerOnly -PreserveTimestamp)

            $first | Should -Be 'Completed,Completed'
            $second | Should -Be 'Skipped,Skipped'
            $third | Should -Be 'Skipped,Completed'
            Get-Sha256 (Join-Path $work.Local 'y.bin') | Should -Be (Get-Sha256 $y)
        }

        It 'uploads what Get-ChildItem pipes in' {
            $results = Get-ChildItem -LiteralPath $source -Filter '*.csv' | Send-FtpFile -Destination $work.Remote

            @($results).Count | Should -Be 2
            $results.Status | ForEach-Object { $_.ToString() | Should -Be 'Completed' }
            Get-Sha256 (Join-Path $work.Local 'two.csv') | Should -Be (Get-Sha256 (Join-Path $source 'two.csv'))
            (Get-Item -LiteralPath (Join-Path $work.Local 'three.csv')).Length | Should -Be 0
        }

        It 'uploads exactly the piped file when its name holds wildcard characters' {
            $wild = Join-Path $TestDrive "wild-$Protocol"
            New-RandomFile -Path (Join-Path $wild 's1.txt') -Length 21
            New-RandomFile -Path (Join-Path $wild 's[1].txt') -Length 22

            $result = Get-ChildItem -LiteralPath (Join-Path $wild 's[1].txt') | Send-FtpFile -Destination "$($work.Remote)/wild/"

            $result.Status.ToString() | Should -Be 'Completed'
            @((Get-ChildItem -LiteralPath (Join-Path $work.Local 'wild')).Name) -join ',' | Should -Be 's[1].txt'
            Get-Sha256 (Join-Path $work.Local 'wild/s[1].txt') | Should -Be (Get-Sha256 (Join-Path $wild 's[1].txt'))
        }

        It 'takes Path and Destination from the rows of a CSV file' {
            # As Import-Csv gives them: objects with a string property per column.
            $rows = @(
                [pscustomobject]@{ Path = (Join-Path $source 'two.csv'); Destination = "$($work.Remote)/first/" }
                [pscustomobject]@{ Path = (Join-Path $source 'one.bin'); Destination = "$($work.Remote)/second/" }
            )

            $results = @($rows | Send-FtpFile)

            @($results | ForEach-Object { $_.Status.ToString() }) -join ',' | Should -Be 'Completed,Completed'
            Get-Sha256 (Join-Path $work.Local 'first/two.csv') | Should -Be (Get-Sha256 (Join-Path $source 'two.csv'))
            Get-Sha256 (Join-Path $work.Local 'second/one.bin') | Should -Be (Get-Sha256 (Join-Path $source 'one.bin'))
        }

        It 'writes one result per piped file, in order, each once its file is in place on the server' {
            # On SFTP each file's rename runs while the next one is opened, and on FTP and FTPES the rename's answer
            # is read with the next file's first command; each result must still come once, in order, and only when
            # the file is under its final name on the server.
            $many = Join-Path $TestDrive "many-$Protocol"
            $names = 1..12 | ForEach-Object { 'p{0:00}.bin' -f $_ }
            # Lengths 0, 1000, ... 11000: the first file is empty on purpose (an empty upload is a file too).
            foreach ($name in $names) { New-RandomFile -Path (Join-Path $many $name) -Length (1000 * $names.IndexOf($name)) }

            $seen = Get-ChildItem -LiteralPath $many | Sort-Object Name | Send-FtpFile -Destination $work.Remote | ForEach-Object {
                $leaf = ($_.Destination -split '/')[-1]
                [pscustomobject]@{
                    Name    = $leaf
                    Status  = $_.Status.ToString()
                    InPlace = (Test-Path -LiteralPath (Join-Path $work.Local $leaf) -PathType Leaf) -and -not (Test-Path -LiteralPath (Join-Path $work.Local ".$leaf.ftptools-part"))
                }
            }

            (@($seen).Name -join ',') | Should -Be ($names -join ',')
            @($seen | Where-Object { $_.Status -ne 'Completed' -or -not $_.InPlace }) | Should -BeNullOrEmpty
            foreach ($name in $names) {
                Get-Sha256 (Join-Path $work.Local $name) | Should -Be (Get-Sha256 (Join-Path $many $name))
            }
            Get-ChildItem -LiteralPath $work.Local -Force -Filter '*.ftptools-part' | Should -BeNullOrEmpty
        }

        It 'uploads a folder with -Recurse' {
            $null = Send-FtpFile -Path (Join-Path $source 'tree') -Destination $work.Remote -Recurse

            Get-Sha256 (Join-Path $work.Local 'tree/deep/four.txt') | Should -Be (Get-Sha256 (Join-Path $source 'tree/deep/four.txt'))
        }

        It 'refuses to overwrite without -Force, per file, and overwrites with it' {
            $null = Send-FtpFile -Path (Join-Path $source 'two.csv') -Destination "$($work.Remote)/one.bin"
            $before = Get-Sha256 (Join-Path $work.Local 'one.bin')

            $result = Send-FtpFile -Path (Join-Path $source 'one.bin') -Destination $work.Remote -ErrorVariable failures -ErrorAction SilentlyContinue

            $result.Status.ToString() | Should -Be 'Failed'
            $failures[0].FullyQualifiedErrorId | Should -Be 'FtpTools.DestinationExists,FtpTools.Commands.SendFtpFileCommand'
            Get-Sha256 (Join-Path $work.Local 'one.bin') | Should -Be $before

            $forced = Send-FtpFile -Path (Join-Path $source 'one.bin') -Destination $work.Remote -Force
            $forced.Status.ToString() | Should -Be 'Completed'
            Get-Sha256 (Join-Path $work.Local 'one.bin') | Should -Be (Get-Sha256 (Join-Path $source 'one.bin'))
        }

        It 'sends nothing with -WhatIf' {
            $result = Send-FtpFile -Path (Join-Path $source '*.csv') -Destination $work.Remote -WhatIf

            $result | Should -BeNullOrEmpty
            Get-ChildItem -LiteralPath $work.Local -Force | Should -BeNullOrEmpty
        }

        It 'resolves relative local paths against the PowerShell location' {
            Push-Location $source
            try {
                $result = Send-FtpFile -Path 'two.csv' -Destination $work.Remote
            }
            finally {
                Pop-Location
            }

            $result.Source | Should -Be (Join-Path $source 'two.csv')
            Test-Path -LiteralPath (Join-Path $work.Local 'two.csv') | Should -BeTrue
        }
    }
}

Describe 'Send-FtpFile and Receive-FtpFile on a -TransferMode Ascii session' {
    # vsftpd, as the tests run it, stores the bytes that come and sends the ones it has: its disk shows what the
    # module itself sent and converts.
    Context '<Protocol>' -ForEach @(@{ Protocol = 'Ftp' }, @{ Protocol = 'Ftpes' }) {
        BeforeAll {
            $session = Connect-TestSession -Protocol $Protocol -TransferMode Ascii
            $work = New-RemoteWorkDirectory -Session $session -Protocol $Protocol
        }

        AfterAll {
            if ($work) { Remove-Item -LiteralPath $work.Local -Recurse -Force -ErrorAction SilentlyContinue }
            if ($session) { Disconnect-FtpSession -Session $session }
        }

        It 'sends every line end as CRLF, stores the local one, and refuses -Resume' {
            $session.TransferMode.ToString() | Should -Be 'Ascii'
            $text = Join-Path $TestDrive "ascii-$Protocol.txt"
            [IO.File]::WriteAllText($text, "one`ntwo`n")

            (Send-FtpFile -Path $text -Destination $work.Remote -Session $session).Status.ToString() | Should -Be 'Completed'
            [IO.File]::ReadAllText((Join-Path $work.Local "ascii-$Protocol.txt")) | Should -Be "one`r`ntwo`r`n"

            $back = Join-Path $TestDrive "ascii-back-$Protocol"
            $null = New-Item -ItemType Directory -Path $back -Force
            $null = Receive-FtpFile -Path "$($work.Remote)/ascii-$Protocol.txt" -Destination $back -Session $session
            $lineEnd = if ([IO.Path]::DirectorySeparatorChar -eq '\') { "`r`n" } else { "`n" }
            [IO.File]::ReadAllText((Join-Path $back "ascii-$Protocol.txt")) | Should -Be "one$($lineEnd)two$($lineEnd)"

            { Send-FtpFile -Path $text -Destination "$($work.Remote)/again.txt" -Session $session -Resume -ErrorAction Stop } |
                Should -Throw -ErrorId 'FtpTools.InvalidArgument,FtpTools.Commands.SendFtpFileCommand'
        }
    }
}
