BeforeDiscovery {
    $protocols = @(@{ Protocol = 'Ftp' }, @{ Protocol = 'Ftpes' }, @{ Protocol = 'Sftp' })
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'FtpTools.PesterHelpers.ps1')
    $manifest = Import-FtpToolsUnderTest
}

Describe 'New-FtpDirectory' {
    Context '<Protocol>' -ForEach $protocols {
        BeforeAll {
            $session = Connect-TestSession -Protocol $Protocol
            $work = New-RemoteWorkDirectory -Session $session -Protocol $Protocol
        }

        AfterAll {
            Remove-Item -LiteralPath $work.Local -Recurse -Force -ErrorAction SilentlyContinue
            Disconnect-FtpSession -Session $session
        }

        It 'creates a directory and returns it' {
            $item = New-FtpDirectory -Path "$($work.Remote)/made"

            $item.Name | Should -Be 'made'
            $item.IsDirectory | Should -BeTrue
            Test-Path -LiteralPath (Join-Path $work.Local 'made') -PathType Container | Should -BeTrue
        }

        It 'creates missing parents with -Force and accepts an existing directory' {
            $null = New-FtpDirectory -Path "$($work.Remote)/x/y/z" -Force
            $again = New-FtpDirectory -Path "$($work.Remote)/x/y/z" -Force

            $again.Name | Should -Be 'z'
            Test-Path -LiteralPath (Join-Path $work.Local 'x/y/z') -PathType Container | Should -BeTrue
        }

        It 'reports an existing item without -Force' {
            $null = New-FtpDirectory -Path "$($work.Remote)/twice"

            New-FtpDirectory -Path "$($work.Remote)/twice" -ErrorVariable failures -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $failures[0].FullyQualifiedErrorId | Should -BeLike 'FtpTools.RemoteExists*'
        }

        It 'creates nothing with -WhatIf' {
            New-FtpDirectory -Path "$($work.Remote)/not-made" -WhatIf | Should -BeNullOrEmpty

            Test-Path -LiteralPath (Join-Path $work.Local 'not-made') | Should -BeFalse
        }
    }
}
