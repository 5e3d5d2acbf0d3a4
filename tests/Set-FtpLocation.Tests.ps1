BeforeDiscovery {
    $protocols = @(@{ Protocol = 'Ftp' }, @{ Protocol = 'Ftpes' }, @{ Protocol = 'Sftp' })
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'FtpTools.PesterHelpers.ps1')
    $manifest = Import-FtpToolsUnderTest
}

Describe 'Set-FtpLocation' {
    Context '<Protocol>' -ForEach $protocols {
        BeforeEach {
            $session = Connect-TestSession -Protocol $Protocol
            $start = $session.CurrentDirectory
            $work = New-RemoteWorkDirectory -Session $session -Protocol $Protocol
            New-RandomFile -Path (Join-Path $work.Local 'sub/file.bin') -Length 10
        }

        AfterEach {
            if ($work) { Remove-Item -LiteralPath $work.Local -Recurse -Force -ErrorAction SilentlyContinue }
            if ($session) { Disconnect-FtpSession -Session $session }
        }

        It 'makes relative paths of other cmdlets start at the new directory' {
            Set-FtpLocation -Path "$($work.Remote)/sub"

            $session.CurrentDirectory | Should -BeLike "*/$($work.Remote)/sub"
            (Get-FtpItem -Path 'file.bin').FullName | Should -Be "$($session.CurrentDirectory)/file.bin"
            Test-FtpPath -Path 'file.bin' -PathType Leaf | Should -BeTrue
        }

        It 'goes up with .. and writes where it is with -PassThru' {
            Set-FtpLocation -Path "$($work.Remote)/sub"

            $now = Set-FtpLocation -Path '..' -PassThru

            $now | Should -BeOfType [string]
            $now | Should -Be $session.CurrentDirectory
            $now | Should -BeLike "*/$($work.Remote)"
        }

        It 'reports a missing directory and stays where it was' {
            Set-FtpLocation -Path "$($work.Remote)/missing" -ErrorVariable failures -ErrorAction SilentlyContinue | Should -BeNullOrEmpty

            $failures[0].FullyQualifiedErrorId | Should -Be 'FtpTools.RemoteNotFound,FtpTools.Commands.SetFtpLocationCommand'
            $session.CurrentDirectory | Should -Be $start
        }

        It 'reports a file as not found, as Set-Location does, and stays where it was' {
            Set-FtpLocation -Path "$($work.Remote)/sub/file.bin" -ErrorVariable failures -ErrorAction SilentlyContinue | Should -BeNullOrEmpty

            $failures.Count | Should -Be 1
            $failures[0].FullyQualifiedErrorId | Should -Be 'FtpTools.RemoteNotFound,FtpTools.Commands.SetFtpLocationCommand'
            $failures[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $failures[0].Exception.Message | Should -BeLike "*$($work.Remote)/sub/file.bin*"
            $session.CurrentDirectory | Should -Be $start
        }

        It 'changes nothing with -WhatIf' {
            Set-FtpLocation -Path $work.Remote -WhatIf

            $session.CurrentDirectory | Should -Be $start
        }
    }
}
