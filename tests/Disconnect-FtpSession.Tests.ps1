BeforeDiscovery {
    $protocols = @(@{ Protocol = 'Ftp' }, @{ Protocol = 'Ftpes' }, @{ Protocol = 'Sftp' })
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'FtpTools.PesterHelpers.ps1')
    $manifest = Import-FtpToolsUnderTest
}

Describe 'Disconnect-FtpSession' {
    Context '<Protocol>' -ForEach $protocols {
        AfterEach {
            Get-FtpSession | Disconnect-FtpSession
        }

        It 'closes the session and removes it from the runspace' {
            $session = Connect-TestSession -Protocol $Protocol

            $closed = Disconnect-FtpSession -Session $session -PassThru

            $closed.Id | Should -Be $session.Id
            $session.Connected | Should -BeFalse
            Get-FtpSession | Where-Object Id -eq $session.Id | Should -BeNullOrEmpty
        }

        It 'takes sessions from the pipeline' {
            $null = Connect-TestSession -Protocol $Protocol
            $null = Connect-TestSession -Protocol $Protocol

            Get-FtpSession | Disconnect-FtpSession

            Get-FtpSession | Should -BeNullOrEmpty
        }

        It 'changes nothing with -WhatIf' {
            $session = Connect-TestSession -Protocol $Protocol

            Disconnect-FtpSession -Session $session -WhatIf

            $session.Connected | Should -BeTrue
            (Get-FtpSession).Id | Should -Contain $session.Id
        }

        It 'reports an unknown Id as a non-terminating error' {
            Disconnect-FtpSession -Id 99999 -ErrorVariable failures -ErrorAction SilentlyContinue

            $failures.Count | Should -Be 1
            $failures[0].FullyQualifiedErrorId | Should -Be 'FtpTools.SessionNotFound,FtpTools.Commands.DisconnectFtpSessionCommand'
            # The same exception as Get-FtpSession -Id gives, so one catch takes both.
            $failures[0].Exception | Should -BeOfType [System.Management.Automation.ItemNotFoundException]
        }

        It 'makes other cmdlets fail with NoSession once nothing is open' {
            Get-FtpSession | Disconnect-FtpSession

            { Get-FtpItem } | Should -Throw -ErrorId 'FtpTools.NoSession,FtpTools.Commands.GetFtpItemCommand'
        }
    }
}
