BeforeDiscovery {
    $protocols = @(@{ Protocol = 'Ftp' }, @{ Protocol = 'Ftpes' }, @{ Protocol = 'Sftp' })
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'FtpTools.PesterHelpers.ps1')
    $manifest = Import-FtpToolsUnderTest
}

Describe 'Get-FtpItem' {
    Context '<Protocol>' -ForEach $protocols {
        BeforeAll {
            $session = Connect-TestSession -Protocol $Protocol
            $work = New-RemoteWorkDirectory -Session $session -Protocol $Protocol
            New-RandomFile -Path (Join-Path $work.Local 'a.txt') -Length 10
            New-RandomFile -Path (Join-Path $work.Local 'b.log') -Length 2000
            New-RandomFile -Path (Join-Path $work.Local 'sub/c.txt') -Length 30
        }

        AfterAll {
            if ($work) { Remove-Item -LiteralPath $work.Local -Recurse -Force -ErrorAction SilentlyContinue }
            if ($session) { Disconnect-FtpSession -Session $session }
        }

        It 'lists a directory''s children with their kind and length' {
            $items = Get-FtpItem -Path $work.Remote | Sort-Object Name

            $items.Name | Should -Be @('a.txt', 'b.log', 'sub')
            ($items | Where-Object Name -eq 'b.log').Length | Should -Be 2000
            ($items | Where-Object Name -eq 'sub').IsDirectory | Should -BeTrue
            ($items | Where-Object Name -eq 'sub').Length | Should -BeNullOrEmpty
            $items[0].Session.Id | Should -Be $session.Id
        }

        It 'gives directories no length, so the lengths of a recursive listing add up to its files'' bytes on every server' {
            $sum = 0
            foreach ($item in Get-FtpItem -Path $work.Remote -Recurse) { $sum += $item.Length }

            $sum | Should -Be 2040
        }

        It 'tab completes remote paths on the session, directories only for Set-FtpLocation' {
            $complete = {
                param($line)
                @((TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches | ForEach-Object CompletionText)
            }

            & $complete "Get-FtpItem -Session $($session.Id) -Path $($work.Remote)/" | Should -Be @("$($work.Remote)/a.txt", "$($work.Remote)/b.log", "$($work.Remote)/sub/")
            & $complete "Get-FtpItem -Session $($session.Id) -Path $($work.Remote)/s" | Should -Be "$($work.Remote)/sub/"
            & $complete "Set-FtpLocation -Session $($session.Id) -Path $($work.Remote)/" | Should -Be "$($work.Remote)/sub/"
        }

        It 'walks with -Recurse and filters with -File, -Directory and -Filter' {
            (Get-FtpItem -Path $work.Remote -Recurse -File).Name | Sort-Object | Should -Be @('a.txt', 'b.log', 'c.txt')
            (Get-FtpItem -Path $work.Remote -Recurse -Directory).Name | Should -Be 'sub'
            (Get-FtpItem -Path $work.Remote -Recurse -Filter '*.txt').Name | Sort-Object | Should -Be @('a.txt', 'c.txt')
            (Get-FtpItem -Path $work.Remote -Recurse -Exclude '*.txt' -File).Name | Should -Be 'b.log'
        }

        It 'expands wildcards and lists a single file' {
            (Get-FtpItem -Path "$($work.Remote)/*.log").Name | Should -Be 'b.log'
            (Get-FtpItem -Path "$($work.Remote)/a.txt").Length | Should -Be 10
        }

        It 'reports a missing path as a non-terminating error and goes on' {
            $items = Get-FtpItem -Path "$($work.Remote)/missing", "$($work.Remote)/a.txt" -ErrorVariable failures -ErrorAction SilentlyContinue

            $items.Name | Should -Be 'a.txt'
            $failures.Count | Should -Be 1
            $failures[0].FullyQualifiedErrorId | Should -Be 'FtpTools.SourceNotFound,FtpTools.Commands.GetFtpItemCommand'
        }

        It 'reports a wildcard in a missing directory, as Get-ChildItem does, and matches nothing quietly in an existing one' {
            $items = @(Get-FtpItem -Path "$($work.Remote)/no-such-dir/*.csv", "$($work.Remote)/*.csv" -ErrorVariable failures -ErrorAction SilentlyContinue)

            $items.Count | Should -Be 0
            $failures.Count | Should -Be 1
            $failures[0].FullyQualifiedErrorId | Should -Be 'FtpTools.SourceNotFound,FtpTools.Commands.GetFtpItemCommand'
            $failures[0].Exception.Message | Should -BeLike "Cannot find remote path '*/no-such-dir' because it does not exist."
        }

        It 'shows an item in a list with what it is and where it came from, not its internals' {
            $text = Get-FtpItem -Path "$($work.Remote)/a.txt" | Format-List | Out-String -Width 4096

            $text | Should -Match "(?m)^FullName\s*: /(.*/)?$([regex]::Escape("$($work.Remote)/a.txt"))\s*$"
            $text | Should -Match "(?m)^Length\s*: 10\s*$"
            $text | Should -Match "(?m)^Session\s*: $($session.Id) \($($Protocol.ToLowerInvariant())://"
            $text | Should -Not -Match '(?m)^(Item|PermissionBits|IsDirectory)\s*:'
        }

        It 'lists piped items by their full name' {
            (Get-FtpItem -Path $work.Remote -Directory | Get-FtpItem).Name | Should -Be 'c.txt'
        }

        It 'lists a directory with brackets in its name by -LiteralPath or an escaped -Path, as any other directory' {
            $local = [IO.Directory]::CreateDirectory((Join-Path $work.Local 'br[1]')).FullName
            try {
                [IO.File]::WriteAllBytes((Join-Path $local 'in.txt'), [byte[]](1, 2, 3))

                (Get-FtpItem -LiteralPath "$($work.Remote)/br[1]").Name | Should -Be 'in.txt'
                (Get-FtpItem -Path "$($work.Remote)/br``[1``]").Name | Should -Be 'in.txt'
                (Get-FtpItem -Path "$($work.Remote)/br*").Name | Should -Be 'br[1]'
                Get-FtpItem -LiteralPath "$($work.Remote)/br[2]" -ErrorVariable failures -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
                $failures.Count | Should -Be 1
                $failures[0].Exception.Message | Should -Match "^Cannot find remote path '.*/br\[2\]' because it does not exist\.$"
            }
            finally {
                [IO.Directory]::Delete($local, $true)
            }
        }
    }
}
