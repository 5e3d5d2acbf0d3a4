BeforeDiscovery {
    $protocols = @(@{ Protocol = 'Ftp' }, @{ Protocol = 'Ftpes' }, @{ Protocol = 'Sftp' })
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'FtpTools.PesterHelpers.ps1')
    $manifest = Import-FtpToolsUnderTest
}

Describe 'Remove-FtpItem' {
    Context '<Protocol>' -ForEach $protocols {
        BeforeAll {
            $session = Connect-TestSession -Protocol $Protocol
        }

        BeforeEach {
            $work = New-RemoteWorkDirectory -Session $session -Protocol $Protocol
            $null = New-FtpDirectory -Path "$($work.Remote)/full/inner" -Force
            New-RandomFile -Path (Join-Path $work.Local 'a.txt') -Length 5
            New-RandomFile -Path (Join-Path $work.Local 'b.txt') -Length 5
            New-RandomFile -Path (Join-Path $work.Local 'full/inner/c.txt') -Length 5
        }

        AfterEach {
            if ($work) { Remove-Item -LiteralPath $work.Local -Recurse -Force -ErrorAction SilentlyContinue }
        }

        AfterAll {
            if ($session) { Disconnect-FtpSession -Session $session }
        }

        It 'removes a file' {
            Remove-FtpItem -Path "$($work.Remote)/a.txt"

            Test-Path -LiteralPath (Join-Path $work.Local 'a.txt') | Should -BeFalse
            Test-Path -LiteralPath (Join-Path $work.Local 'b.txt') | Should -BeTrue
        }

        It 'refuses a non-empty directory without -Recurse and removes it with -Recurse' {
            Remove-FtpItem -Path "$($work.Remote)/full" -ErrorVariable failures -ErrorAction SilentlyContinue

            $failures[0].FullyQualifiedErrorId | Should -Be 'FtpTools.DirectoryNotEmpty,FtpTools.Commands.RemoveFtpItemCommand'
            Test-Path -LiteralPath (Join-Path $work.Local 'full/inner/c.txt') | Should -BeTrue

            Remove-FtpItem -Path "$($work.Remote)/full" -Recurse
            Test-Path -LiteralPath (Join-Path $work.Local 'full') | Should -BeFalse
        }

        It 'removes what Get-FtpItem pipes in' {
            Get-FtpItem -Path "$($work.Remote)/*.txt" | Remove-FtpItem

            Get-ChildItem -LiteralPath $work.Local -Filter '*.txt' | Should -BeNullOrEmpty
        }

        It 'removes exactly the piped item when its name holds wildcard characters' {
            New-RandomFile -Path (Join-Path $work.Local 'r1.txt') -Length 5
            New-RandomFile -Path (Join-Path $work.Local 'r[12].txt') -Length 5

            Get-FtpItem -LiteralPath "$($work.Remote)/r[12].txt" | Remove-FtpItem

            Test-Path -LiteralPath (Join-Path $work.Local 'r[12].txt') | Should -BeFalse
            Test-Path -LiteralPath (Join-Path $work.Local 'r1.txt') | Should -BeTrue

            # So does a hash from Get-FtpFileHash, and items given to -Path as a filtered collection.
            New-RandomFile -Path (Join-Path $work.Local 'r[12].txt') -Length 5
            Get-FtpFileHash -LiteralPath "$($work.Remote)/r[12].txt" | Remove-FtpItem
            Test-Path -LiteralPath (Join-Path $work.Local 'r[12].txt') | Should -BeFalse
            Test-Path -LiteralPath (Join-Path $work.Local 'r1.txt') | Should -BeTrue

            New-RandomFile -Path (Join-Path $work.Local 'r[12].txt') -Length 5
            Remove-FtpItem -Path (Get-FtpItem -Path "$($work.Remote)/r*").Where({ $_.Name -eq 'r[12].txt' })
            Test-Path -LiteralPath (Join-Path $work.Local 'r[12].txt') | Should -BeFalse
            Test-Path -LiteralPath (Join-Path $work.Local 'r1.txt') | Should -BeTrue
        }

        It 'refuses the current directory and the directories that hold it, as Remove-Item refuses its location' {
            $start = $session.CurrentDirectory
            try {
                Set-FtpLocation -Path "$($work.Remote)/full/inner" -Session $session
                $inner = $session.CurrentDirectory
                $full = $inner.Substring(0, $inner.LastIndexOf('/'))

                Remove-FtpItem -Path '.', '..', "./" -Recurse -Session $session -ErrorVariable failures -ErrorAction SilentlyContinue

                $failures.Count | Should -Be 3
                $failures | ForEach-Object { $_.FullyQualifiedErrorId | Should -Be 'FtpTools.RefuseCurrentDirectory,FtpTools.Commands.RemoveFtpItemCommand' }
                $failures[0].Exception.Message | Should -Be "Cannot remove '$inner': it is the session's current directory. Set-FtpLocation elsewhere first."
                $failures[1].Exception.Message | Should -Be "Cannot remove '$full': it holds the session's current directory ($inner). Set-FtpLocation elsewhere first."
                Test-Path -LiteralPath (Join-Path $work.Local 'full/inner/c.txt') | Should -BeTrue

                # A sibling of the current directory's parent still goes.
                Remove-FtpItem -Path '../../a.txt' -Session $session -ErrorAction Stop
                Test-Path -LiteralPath (Join-Path $work.Local 'a.txt') | Should -BeFalse
            }
            finally {
                Set-FtpLocation -Path $start -Session $session
            }
        }

        It 'refuses a piped item of another session than -Session names, and removes nothing' {
            $other = Connect-TestSession -Protocol $Protocol
            try {
                $item = Get-FtpItem -Path "$($work.Remote)/a.txt" -Session $session
                $item.FtpSessionId | Should -Be $session.Id
                # An abbreviated -Session is not made ambiguous by the hidden parameter that checks the item's session.
                (Get-FtpItem -Path "$($work.Remote)/a.txt" -Sess $session).Name | Should -Be 'a.txt'

                { $item | Remove-FtpItem -Session $other -ErrorAction Stop } | Should -Throw -ErrorId 'FtpTools.SessionMismatch,FtpTools.Commands.RemoveFtpItemCommand'
                $PSDefaultParameterValues['Remove-FtpItem:Session'] = $other
                { $item | Remove-FtpItem -ErrorAction Stop } | Should -Throw -ErrorId 'FtpTools.SessionMismatch,FtpTools.Commands.RemoveFtpItemCommand'
                Test-Path -LiteralPath (Join-Path $work.Local 'a.txt') | Should -BeTrue

                # Its own session, named or bound from the item, removes it.
                $PSDefaultParameterValues.Remove('Remove-FtpItem:Session')
                $item | Remove-FtpItem -Session $session -ErrorAction Stop
                Test-Path -LiteralPath (Join-Path $work.Local 'a.txt') | Should -BeFalse
            }
            finally {
                $PSDefaultParameterValues.Remove('Remove-FtpItem:Session')
                Disconnect-FtpSession -Session $other
            }
        }

        It 'removes nothing with -WhatIf' {
            Remove-FtpItem -Path "$($work.Remote)/*" -Recurse -WhatIf

            Test-Path -LiteralPath (Join-Path $work.Local 'a.txt') | Should -BeTrue
            Test-Path -LiteralPath (Join-Path $work.Local 'full/inner/c.txt') | Should -BeTrue
        }

        It 'reports a missing path and writes removed items with -PassThru' {
            $removed = Remove-FtpItem -Path "$($work.Remote)/missing.txt", "$($work.Remote)/b.txt" -PassThru -ErrorVariable failures -ErrorAction SilentlyContinue

            $removed.Name | Should -Be 'b.txt'
            $failures[0].FullyQualifiedErrorId | Should -Be 'FtpTools.SourceNotFound,FtpTools.Commands.RemoveFtpItemCommand'
        }

        It 'writes everything a -Recurse removal took with -PassThru, contents before their directory' {
            $removed = @(Remove-FtpItem -Path "$($work.Remote)/full" -Recurse -PassThru)

            ($removed.Name -join ',') | Should -Be 'c.txt,inner,full'
            $removed[0].FullName | Should -BeLike "*/$($work.Remote)/full/inner/c.txt"
            $removed[0].Session | Should -Be $session
            Test-Path -LiteralPath (Join-Path $work.Local 'full') | Should -BeFalse
        }
    }
}
