BeforeDiscovery {
    $protocols = @(@{ Protocol = 'Ftp' }, @{ Protocol = 'Ftpes' }, @{ Protocol = 'Sftp' })
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'FtpTools.PesterHelpers.ps1')
    $manifest = Import-FtpToolsUnderTest
}

Describe 'Set-FtpItem' {
    Context '<Protocol>' -ForEach $protocols {
        BeforeAll {
            $session = Connect-TestSession -Protocol $Protocol
            $work = New-RemoteWorkDirectory -Session $session -Protocol $Protocol
            # Uploaded, so that the server's test user owns the files (only the owner may change a mode).
            $source = Join-Path $TestDrive "set-$Protocol"
            New-RandomFile -Path (Join-Path $source 'a.sh') -Length 10
            New-RandomFile -Path (Join-Path $source 'b.txt') -Length 10
            New-RandomFile -Path (Join-Path $source 'c.txt') -Length 10
            $null = Get-ChildItem -LiteralPath $source -File | Send-FtpFile -Destination "$($work.Remote)/" -ErrorAction Stop
            $mode = { param($name) [int](Get-Item -LiteralPath (Join-Path $work.Local $name)).UnixFileMode }
        }

        AfterAll {
            if ($work) { Remove-Item -LiteralPath $work.Local -Recurse -Force -ErrorAction SilentlyContinue }
            if ($session) { Disconnect-FtpSession -Session $session }
        }

        It 'sets permissions written in octal or as ls shows them' {
            Set-FtpItem -Path "$($work.Remote)/a.sh" -Permission 750
            Set-FtpItem -Path "$($work.Remote)/b.txt" -Permission 'rw-------'

            & $mode 'a.sh' | Should -Be ([Convert]::ToInt32('750', 8))
            & $mode 'b.txt' | Should -Be ([Convert]::ToInt32('600', 8))
        }

        It 'sets the last write time' {
            $stamp = [datetime]::new(2020, 1, 2, 3, 4, 5, [DateTimeKind]::Utc)

            Set-FtpItem -Path "$($work.Remote)/c.txt" -LastWriteTime $stamp

            (Get-Item -LiteralPath (Join-Path $work.Local 'c.txt')).LastWriteTimeUtc | Should -Be $stamp
        }

        It 'changes what Get-FtpItem pipes in and writes it back with -PassThru' {
            $changed = @(Get-FtpItem -Path "$($work.Remote)/*.txt" | Set-FtpItem -Permission 604 -PassThru)

            ($changed | ForEach-Object Name | Sort-Object) -join ',' | Should -Be 'b.txt,c.txt'
            & $mode 'b.txt' | Should -Be ([Convert]::ToInt32('604', 8))
            & $mode 'c.txt' | Should -Be ([Convert]::ToInt32('604', 8))
        }

        It 'changes nothing with -WhatIf' {
            Set-FtpItem -Path "$($work.Remote)/a.sh" -Permission 750
            Set-FtpItem -Path "$($work.Remote)/a.sh" -Permission 777 -WhatIf

            & $mode 'a.sh' | Should -Be ([Convert]::ToInt32('750', 8))
        }

        It 'refuses a permission it cannot read, and a call with nothing to set' {
            { Set-FtpItem -Path "$($work.Remote)/a.sh" -Permission 'u+x' } | Should -Throw -ErrorId 'FtpTools.InvalidPermission,FtpTools.Commands.SetFtpItemCommand'
            { Set-FtpItem -Path "$($work.Remote)/a.sh" } | Should -Throw -ErrorId 'FtpTools.NothingToSet,FtpTools.Commands.SetFtpItemCommand'
        }

        It 'reports a missing path and goes on with the rest' {
            Set-FtpItem -Path "$($work.Remote)/missing", "$($work.Remote)/a.sh" -Permission 700 -ErrorVariable failures -ErrorAction SilentlyContinue

            $failures.Count | Should -Be 1
            $failures[0].FullyQualifiedErrorId | Should -Be 'FtpTools.SourceNotFound,FtpTools.Commands.SetFtpItemCommand'
            & $mode 'a.sh' | Should -Be ([Convert]::ToInt32('700', 8))
        }
    }
}
