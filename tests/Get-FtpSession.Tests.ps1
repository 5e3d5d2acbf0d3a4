BeforeDiscovery {
    $protocols = @(@{ Protocol = 'Ftp' }, @{ Protocol = 'Ftpes' }, @{ Protocol = 'Sftp' })
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'FtpTools.PesterHelpers.ps1')
    $manifest = Import-FtpToolsUnderTest
}

Describe 'Get-FtpSession' {
    Context '<Protocol>' -ForEach $protocols {
        AfterEach {
            Get-FtpSession | Disconnect-FtpSession
        }

        It 'lists the sessions of this runspace oldest first' {
            $first = Connect-TestSession -Protocol $Protocol
            $second = Connect-TestSession -Protocol $Protocol

            $listed = @(Get-FtpSession)

            $listed.Count | Should -Be 2
            $listed[0].Id | Should -Be $first.Id
            $listed[1].Id | Should -Be $second.Id
        }

        It 'filters by Id and reports unknown Ids' {
            $session = Connect-TestSession -Protocol $Protocol

            (Get-FtpSession -Id $session.Id).Host | Should -Be $session.Host
            Get-FtpSession -Id 99999 -ErrorVariable failures -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $failures[0].FullyQualifiedErrorId | Should -Be 'FtpTools.SessionNotFound,FtpTools.Commands.GetFtpSessionCommand'
        }

        It 'does not show this runspace''s sessions to another runspace' {
            $null = Connect-TestSession -Protocol $Protocol
            # A runspace of PowerShell's core commands only, as a host application would open: Import-Module is one of them.
            $other = [powershell]::Create([initialsessionstate]::CreateDefault2())
            try {
                $null = $other.AddScript("Import-Module '$manifest'; @(Get-FtpSession).Count")
                $count = $other.Invoke()

                $other.HadErrors | Should -BeFalse -Because ($other.Streams.Error -join [Environment]::NewLine)
                $count[0] | Should -Be 0
                @(Get-FtpSession).Count | Should -Be 1
            }
            finally {
                $other.Dispose()
            }
        }
    }
}
