BeforeDiscovery {
    $ftpProtocols = @(@{ Protocol = 'Ftp' }, @{ Protocol = 'Ftpes' })
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'FtpTools.PesterHelpers.ps1')
    $manifest = Import-FtpToolsUnderTest
}

Describe 'Invoke-FtpCommand' {
    Context '<Protocol>' -ForEach $ftpProtocols {
        BeforeEach {
            $session = Connect-TestSession -Protocol $Protocol
            $work = New-RemoteWorkDirectory -Session $session -Protocol $Protocol
            $local = Join-Path $TestDrive 'raw.bin'
            New-RandomFile -Path $local -Length 100
            $null = Send-FtpFile -LiteralPath $local -Destination "$($work.Remote)/raw.bin" -Session $session -ErrorAction Stop
        }

        AfterEach {
            if ($work) { Remove-Item -LiteralPath $work.Local -Recurse -Force -ErrorAction SilentlyContinue }
            if ($session) { Disconnect-FtpSession -Session $session }
        }

        It 'sends a SITE command with a path relative to the current directory and writes the answer' {
            Set-FtpLocation -Path $work.Remote -Session $session

            $reply = Invoke-FtpCommand -Command 'SITE CHMOD 640 raw.bin' -Session $session

            $reply.Code | Should -Be 200
            $reply.Command | Should -Be 'SITE CHMOD 640 raw.bin'
            [int](Get-Item -LiteralPath (Join-Path $work.Local 'raw.bin')).UnixFileMode | Should -Be ([Convert]::ToInt32('640', 8))
        }

        It 'writes a multi-line answer whole' {
            $reply = 'FEAT' | Invoke-FtpCommand -Session $session

            $reply.Code | Should -Be 211
            $reply.Lines.Count | Should -BeGreaterThan 2
            ($reply.Message -split "`n") -match '^\s*SIZE' | Should -Not -BeNullOrEmpty
        }

        It 'reports a refused command with the reply code and goes on' {
            Invoke-FtpCommand -Command 'XYZZY', 'NOOP' -Session $session -ErrorVariable refused -ErrorAction SilentlyContinue |
                ForEach-Object Code | Should -Be 200

            $refused.Count | Should -Be 1
            $refused[0].FullyQualifiedErrorId | Should -Be 'FtpTools.NotSupportedByServer,FtpTools.Commands.InvokeFtpCommandCommand'
            $refused[0].Exception.FtpReplyCode | Should -Be 500
        }

        It 'refuses a command that would take the session out of step, before sending it' {
            Set-FtpLocation -Path $work.Remote -Session $session
            $here = $session.CurrentDirectory

            { Invoke-FtpCommand -Command 'CWD /' -Session $session -ErrorAction Stop } |
                Should -Throw -ErrorId 'FtpTools.CommandNotAllowed,FtpTools.Commands.InvokeFtpCommandCommand' -ExpectedMessage '*use Set-FtpLocation*'
            $session.CurrentDirectory | Should -Be $here
            (Invoke-FtpCommand -Command 'SIZE raw.bin' -Session $session).Message | Should -Be '100'
        }

        It 'sends nothing with -WhatIf' {
            Invoke-FtpCommand -Command "SITE CHMOD 600 $($work.Remote)/raw.bin" -Session $session -WhatIf | Should -BeNullOrEmpty

            [int](Get-Item -LiteralPath (Join-Path $work.Local 'raw.bin')).UnixFileMode | Should -Not -Be ([Convert]::ToInt32('600', 8))
        }
    }

    Context 'Sftp' {
        It 'fails with NotSupported: SFTP has no such commands' {
            $session = Connect-TestSession -Protocol Sftp
            try {
                { Invoke-FtpCommand -Command 'SITE CHMOD 600 x' -Session $session } |
                    Should -Throw -ErrorId 'FtpTools.NotSupported,FtpTools.Commands.InvokeFtpCommandCommand'
            }
            finally {
                Disconnect-FtpSession -Session $session
            }
        }
    }
}
