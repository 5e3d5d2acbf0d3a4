BeforeDiscovery {
    $protocols = @(@{ Protocol = 'Ftp' }, @{ Protocol = 'Ftpes' }, @{ Protocol = 'Sftp' })
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'FtpTools.PesterHelpers.ps1')
    $manifest = Import-FtpToolsUnderTest
}

Describe 'Test-FtpPath' {
    Context '<Protocol>' -ForEach $protocols {
        BeforeAll {
            $session = Connect-TestSession -Protocol $Protocol
            $work = New-RemoteWorkDirectory -Session $session -Protocol $Protocol
            New-RandomFile -Path (Join-Path $work.Local 'file.bin') -Length 10
            $null = New-FtpDirectory -Path "$($work.Remote)/dir" -Session $session
        }

        AfterAll {
            if ($work) { Remove-Item -LiteralPath $work.Local -Recurse -Force -ErrorAction SilentlyContinue }
            if ($session) { Disconnect-FtpSession -Session $session }
        }

        It 'writes one boolean per path, in order' {
            $answers = @(Test-FtpPath -Path "$($work.Remote)/file.bin", "$($work.Remote)/missing", "$($work.Remote)/dir", "$($work.Remote)/missing/deeper")

            ($answers -join ',') | Should -Be 'True,False,True,False'
            $answers | ForEach-Object { $_ | Should -BeOfType [bool] }
        }

        It 'tells files from directories with -PathType' {
            Test-FtpPath "$($work.Remote)/file.bin" -PathType Leaf | Should -BeTrue
            Test-FtpPath "$($work.Remote)/file.bin" -PathType Container | Should -BeFalse
            Test-FtpPath "$($work.Remote)/dir" -PathType Container | Should -BeTrue
            Test-FtpPath "$($work.Remote)/dir" -PathType Leaf | Should -BeFalse
        }

        It 'takes -LiteralPath as it is: * and ? are characters of the name' {
            New-RandomFile -Path (Join-Path $work.Local 'dir/lit1.txt') -Length 3

            Test-FtpPath -Path "$($work.Remote)/dir/lit?.txt" | Should -BeTrue
            Test-FtpPath -LiteralPath "$($work.Remote)/dir/lit?.txt" | Should -BeFalse
            Test-FtpPath -LiteralPath "$($work.Remote)/dir/lit*" | Should -BeFalse
            Test-FtpPath -LP "$($work.Remote)/dir/lit1.txt" -PathType Leaf | Should -BeTrue
            Test-FtpPath -LiteralPath "$($work.Remote)/dir" -PathType Leaf | Should -BeFalse
        }

        It 'takes rows of an exported listing, whose Session column is the session''s text' {
            # What Import-Csv gives for a listing exported with Export-Csv.
            $row = [pscustomobject]@{ FullName = "$($work.Remote)/file.bin"; Session = $session.ToString(); FtpSessionId = "$($session.Id)" }

            $row | Test-FtpPath -PathType Leaf | Should -BeTrue
        }

        It 'takes items from Get-FtpItem by FullName' {
            $answers = @(Get-FtpItem -Path $work.Remote | Test-FtpPath -PathType Leaf)

            $answers.Count | Should -Be 2
            ($answers | Where-Object { $_ }).Count | Should -Be 1
        }
    }
}
