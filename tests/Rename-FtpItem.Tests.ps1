BeforeDiscovery {
    $protocols = @(@{ Protocol = 'Ftp' }, @{ Protocol = 'Ftpes' }, @{ Protocol = 'Sftp' })
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'FtpTools.PesterHelpers.ps1')
    $manifest = Import-FtpToolsUnderTest
}

Describe 'Rename-FtpItem' {
    Context '<Protocol>' -ForEach $protocols {
        BeforeAll {
            $session = Connect-TestSession -Protocol $Protocol
        }

        BeforeEach {
            $work = New-RemoteWorkDirectory -Session $session -Protocol $Protocol
            $null = New-FtpDirectory -Path "$($work.Remote)/archive"
            New-RandomFile -Path (Join-Path $work.Local 'old.txt') -Length 42
            New-RandomFile -Path (Join-Path $work.Local 'other.txt') -Length 7
        }

        AfterEach {
            if ($work) { Remove-Item -LiteralPath $work.Local -Recurse -Force -ErrorAction SilentlyContinue }
        }

        AfterAll {
            if ($session) { Disconnect-FtpSession -Session $session }
        }

        It 'renames within the directory and returns the item with -PassThru' {
            $hash = Get-Sha256 (Join-Path $work.Local 'old.txt')

            $item = Rename-FtpItem -Path "$($work.Remote)/old.txt" -NewName 'new.txt' -PassThru

            $item.Name | Should -Be 'new.txt'
            Test-Path -LiteralPath (Join-Path $work.Local 'old.txt') | Should -BeFalse
            Get-Sha256 (Join-Path $work.Local 'new.txt') | Should -Be $hash
        }

        It 'moves piped items into a directory' {
            Get-FtpItem -Path "$($work.Remote)/*.txt" | Rename-FtpItem -NewName "$($work.Remote)/archive/"

            (Get-ChildItem -LiteralPath (Join-Path $work.Local 'archive')).Name | Sort-Object | Should -Be @('old.txt', 'other.txt')
        }

        It 'refuses to move piped items into a directory that does not exist, even with -Force' {
            Get-FtpItem -Path "$($work.Remote)/*.txt" |
                Rename-FtpItem -NewName "$($work.Remote)/missing/" -Force -ErrorVariable failures -ErrorAction SilentlyContinue

            $failures.Count | Should -Be 2
            $failures.FullyQualifiedErrorId | Should -Be @(
                'FtpTools.DestinationDirectoryNotFound,FtpTools.Commands.RenameFtpItemCommand'
                'FtpTools.DestinationDirectoryNotFound,FtpTools.Commands.RenameFtpItemCommand'
            )
            Test-Path -LiteralPath (Join-Path $work.Local 'missing') | Should -BeFalse
            (Get-Item -LiteralPath (Join-Path $work.Local 'old.txt')).Length | Should -Be 42
            (Get-Item -LiteralPath (Join-Path $work.Local 'other.txt')).Length | Should -Be 7
        }

        It 'refuses a new name that is the item itself with a trailing slash' {
            Rename-FtpItem -Path "$($work.Remote)/old.txt" -NewName "$($work.Remote)/old.txt/" -Force -ErrorVariable failures -ErrorAction SilentlyContinue
            Rename-FtpItem -Path "$($work.Remote)/archive" -NewName "$($work.Remote)/archive/" -Force -ErrorVariable +failures -ErrorAction SilentlyContinue

            $failures.Count | Should -Be 2
            $failures[0].FullyQualifiedErrorId | Should -Be 'FtpTools.DestinationDirectoryNotFound,FtpTools.Commands.RenameFtpItemCommand'
            $failures[0].Exception.Message | Should -BeLike "Cannot move '*/old.txt' into '*/old.txt': it is not a directory."
            $failures[1].FullyQualifiedErrorId | Should -Be 'FtpTools.DestinationExists,FtpTools.Commands.RenameFtpItemCommand'
            $failures[1].Exception.Message | Should -BeLike "Cannot move '*/archive' into itself."
            (Get-Item -LiteralPath (Join-Path $work.Local 'old.txt')).Length | Should -Be 42
        }

        It 'renames each piped item by a script block run for it' {
            Get-FtpItem -Path "$($work.Remote)/*.txt" | Rename-FtpItem -NewName { $_.Name + '.bak' }

            @((Get-ChildItem -LiteralPath $work.Local -File).Name | Sort-Object) -join ',' | Should -Be 'old.txt.bak,other.txt.bak'
        }

        It 'refuses to replace an existing item without -Force' {
            Rename-FtpItem -Path "$($work.Remote)/old.txt" -NewName 'other.txt' -ErrorVariable failures -ErrorAction SilentlyContinue

            $failures.Count | Should -Be 1
            $failures[0].FullyQualifiedErrorId | Should -Be 'FtpTools.RemoteExists,FtpTools.Commands.RenameFtpItemCommand'
            (Get-Item -LiteralPath (Join-Path $work.Local 'old.txt')).Length | Should -Be 42
            (Get-Item -LiteralPath (Join-Path $work.Local 'other.txt')).Length | Should -Be 7
        }

        It 'renames nothing with -WhatIf' {
            Rename-FtpItem -Path "$($work.Remote)/old.txt" -NewName 'new.txt' -WhatIf

            Test-Path -LiteralPath (Join-Path $work.Local 'old.txt') | Should -BeTrue
            Test-Path -LiteralPath (Join-Path $work.Local 'new.txt') | Should -BeFalse
        }
    }
}
