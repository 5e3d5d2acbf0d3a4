BeforeDiscovery {
    $protocols = @(@{ Protocol = 'Ftp' }, @{ Protocol = 'Ftpes' }, @{ Protocol = 'Sftp' })
    $algorithms = @(@{ Algorithm = 'SHA1' }, @{ Algorithm = 'SHA384' }, @{ Algorithm = 'SHA512' }, @{ Algorithm = 'MD5' })
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'FtpTools.PesterHelpers.ps1')
    $manifest = Import-FtpToolsUnderTest
}

Describe 'Get-FtpFileHash' {
    # vsftpd and OpenSSH's sftp-server have no checksum command: the module reads the file and hashes it.
    Context '<Protocol>' -ForEach $protocols {
        BeforeAll {
            $session = Connect-TestSession -Protocol $Protocol
            $work = New-RemoteWorkDirectory -Session $session -Protocol $Protocol
            New-RandomFile -Path (Join-Path $work.Local 'a.bin') -Length 300000
            New-RandomFile -Path (Join-Path $work.Local 'b.bin') -Length 10
            New-RandomFile -Path (Join-Path $work.Local 'dir/c.bin') -Length 20
        }

        AfterAll {
            if ($work) { Remove-Item -LiteralPath $work.Local -Recurse -Force -ErrorAction SilentlyContinue }
            if ($session) { Disconnect-FtpSession -Session $session }
        }

        It 'writes what Get-FileHash writes for the same bytes' {
            $hash = Get-FtpFileHash -Path "$($work.Remote)/a.bin"

            $hash.Algorithm | Should -BeExactly 'SHA256'
            $hash.Hash | Should -BeExactly (Get-Sha256 (Join-Path $work.Local 'a.bin'))
            $hash.ComputedBy.ToString() | Should -Be 'Client'
            $hash.Path | Should -BeLike "*/$($work.Remote)/a.bin"
        }

        It 'shows a whole SHA256 hash in its table, as Get-FileHash does, on an 80-column console' {
            $hash = Get-FtpFileHash -Path "$($work.Remote)/a.bin"
            $narrow = $hash | Format-Table | Out-String -Width 80
            $wide = $hash | Format-Table | Out-String -Width 300

            $narrow | Should -Match "(?m)^SHA256\s+$($hash.Hash)"
            $wide | Should -Match "(?m)^SHA256\s+$($hash.Hash)\s+$([regex]::Escape($hash.Path))\s*$"
        }

        It 'computes <Algorithm> (by position) as Get-FileHash does' -ForEach $algorithms {
            $hash = Get-FtpFileHash "$($work.Remote)/b.bin" $Algorithm

            $hash.Algorithm | Should -BeExactly $Algorithm
            $hash.Hash | Should -BeExactly (Get-FileHash -Algorithm $Algorithm -LiteralPath (Join-Path $work.Local 'b.bin')).Hash
        }

        It 'hashes the files Get-FtpItem pipes in and skips directories' {
            $hashes = @(Get-FtpItem -Path $work.Remote | Get-FtpFileHash)

            ($hashes | ForEach-Object { $_.Path.Split('/')[-1] } | Sort-Object) -join ',' | Should -Be 'a.bin,b.bin'
        }

        It 'expands wildcards' {
            $hashes = @(Get-FtpFileHash -Path "$($work.Remote)/*/c.bin")

            $hashes.Count | Should -Be 1
            $hashes[0].Hash | Should -BeExactly (Get-Sha256 (Join-Path $work.Local 'dir/c.bin'))
        }

        It 'reports a missing file and goes on with the rest' {
            $hashes = @(Get-FtpFileHash -Path "$($work.Remote)/missing", "$($work.Remote)/b.bin" -ErrorVariable failures -ErrorAction SilentlyContinue)

            $hashes.Count | Should -Be 1
            $failures.Count | Should -Be 1
            $failures[0].FullyQualifiedErrorId | Should -Be 'FtpTools.SourceNotFound,FtpTools.Commands.GetFtpFileHashCommand'
        }

        It 'refuses to read the file with -ServerOnly' {
            Get-FtpFileHash -Path "$($work.Remote)/b.bin" -ServerOnly -ErrorVariable failures -ErrorAction SilentlyContinue | Should -BeNullOrEmpty

            $failures[0].FullyQualifiedErrorId | Should -Be 'FtpTools.NotSupportedByServer,FtpTools.Commands.GetFtpFileHashCommand'
            $failures[0].Exception.Message | Should -BeLike '*cannot compute SHA256 checksums itself*'
            { Get-FtpFileHash -Path "$($work.Remote)/b.bin" -ServerOnly -ErrorAction Stop } | Should -Throw -ErrorId 'FtpTools.NotSupportedByServer,FtpTools.Commands.GetFtpFileHashCommand'
        }
    }

    Context 'a server with checksum commands (ProFTPD with mod_digest)' {
        BeforeAll {
            $session = Connect-FtpSession -Uri (Get-TestSetting FTPTOOLS_TEST_PROFTPD_URI) -Credential (New-TestCredential) -CaCertificatePath (Get-TestSetting FTPTOOLS_TEST_PROFTPD_CA) -ErrorAction Stop
            $local = Join-Path $TestDrive 'sum.bin'
            New-RandomFile -Path $local -Length 100000
            $dir = New-TestName
            $null = New-FtpDirectory -Path $dir -Session $session -ErrorAction Stop
            $null = Send-FtpFile -Path $local -Destination "$dir/" -Session $session -ErrorAction Stop
        }

        AfterAll {
            if ($session) {
                Remove-FtpItem -Path $dir -Recurse -Session $session -Confirm:$false -ErrorAction SilentlyContinue
                Disconnect-FtpSession -Session $session
            }
        }

        It 'lets the server compute the checksum' {
            $hash = Get-FtpFileHash -Path "$dir/sum.bin" -Session $session -ServerOnly

            $hash.ComputedBy.ToString() | Should -Be 'Server'
            $hash.Hash | Should -BeExactly (Get-Sha256 $local)
        }

        It 'reads the file for SHA384, which the server does not compute' {
            $hash = Get-FtpFileHash -Path "$dir/sum.bin" -Algorithm SHA384 -Session $session

            $hash.ComputedBy.ToString() | Should -Be 'Client'
            $hash.Hash | Should -BeExactly (Get-FileHash -Algorithm SHA384 -LiteralPath $local).Hash
        }
    }
}
