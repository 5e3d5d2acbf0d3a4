BeforeDiscovery {
    $protocols = @(@{ Protocol = 'Ftp' }, @{ Protocol = 'Ftpes' }, @{ Protocol = 'Sftp' })
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'FtpTools.PesterHelpers.ps1')
    $manifest = Import-FtpToolsUnderTest
}

Describe 'Connect-FtpSession' {
    Context '<Protocol>' -ForEach $protocols {
        AfterEach {
            Get-FtpSession | Disconnect-FtpSession -Confirm:$false
        }

        It 'connects, logs in and returns the session with what was negotiated' {
            $session = Connect-TestSession -Protocol $Protocol

            $session.Protocol.ToString() | Should -Be $Protocol
            $session.Connected | Should -BeTrue
            $session.User | Should -Be (Get-TestSetting FTPTOOLS_TEST_USER)
            $session.CurrentDirectory | Should -Not -BeNullOrEmpty
            $session.ServerBanner | Should -Not -BeNullOrEmpty
            switch ($Protocol) {
                'Ftpes' { $session.TlsProtocol | Should -Not -BeNullOrEmpty; $session.TlsCipher | Should -Not -BeNullOrEmpty }
                'Sftp' { $session.HostKeyFingerprint | Should -Be (Get-TestSetting FTPTOOLS_TEST_HOSTKEY_FINGERPRINT); $session.SshCipher | Should -Not -BeNullOrEmpty }
                'Ftp' { $session.TlsProtocol | Should -BeNullOrEmpty }
            }
            ($session.PSObject.Properties.Name -match 'Password') | Should -BeNullOrEmpty
        }

        It 'makes the new session the default one' {
            $first = Connect-TestSession -Protocol $Protocol
            $second = Connect-TestSession -Protocol $Protocol

            $second.Id | Should -BeGreaterThan $first.Id
            (Get-FtpSession | Select-Object -Last 1).Id | Should -Be $second.Id
        }

        It 'fails a wrong password with a terminating AuthenticationFailed error' {
            $wrong = [pscredential]::new((Get-TestSetting FTPTOOLS_TEST_USER), (ConvertTo-SecureString 'wrong-password' -AsPlainText -Force))
            $uri = switch ($Protocol) { 'Ftp' { Get-TestSetting FTPTOOLS_TEST_FTP_URI } 'Ftpes' { Get-TestSetting FTPTOOLS_TEST_FTPES_URI } 'Sftp' { Get-TestSetting FTPTOOLS_TEST_SFTP_URI } }

            { Connect-FtpSession -Uri $uri -Credential $wrong -CaCertificatePath (Get-TestSetting FTPTOOLS_TEST_CA) -HostKeyFingerprint (Get-TestSetting FTPTOOLS_TEST_HOSTKEY_FINGERPRINT) } |
                Should -Throw -ErrorId 'FtpTools.AuthenticationFailed,FtpTools.Commands.ConnectFtpSessionCommand'
            Get-FtpSession | Should -BeNullOrEmpty
        }

        It 'goes through the <ProxySetting> proxy for the whole session and shows it on the session' -ForEach @(
            @{ ProxySetting = 'FTPTOOLS_TEST_SOCKS_PROXY' }, @{ ProxySetting = 'FTPTOOLS_TEST_HTTP_PROXY' }) {
            $proxy = Get-TestSetting $ProxySetting
            $name = New-TestName
            $local = Join-Path $TestDrive "$name.txt"
            Set-Content -LiteralPath $local -Value "through $proxy"

            $session = Connect-TestSession -Protocol $Protocol -Proxy $proxy
            $sent = Send-FtpFile -LiteralPath $local -Destination "$name.txt" -Session $session
            $listed = Get-FtpItem -Path "$name.txt" -Session $session

            $session.Proxy | Should -Be $proxy
            $sent.Status | Should -Be 'Completed'
            $listed.Length | Should -Be (Get-Item -LiteralPath $local).Length
            (Get-FileHash -LiteralPath (Join-Path (Get-TestServerRoot $Protocol) "$name.txt")).Hash | Should -Be (Get-FileHash -LiteralPath $local).Hash
        }

        It 'fails a wrong proxy password with a terminating AuthenticationFailed error and no session' {
            $wrong = [pscredential]::new((Get-TestSetting FTPTOOLS_TEST_USER), (ConvertTo-SecureString 'wrong-password' -AsPlainText -Force))
            $uri = switch ($Protocol) { 'Ftp' { Get-TestSetting FTPTOOLS_TEST_FTP_URI } 'Ftpes' { Get-TestSetting FTPTOOLS_TEST_FTPES_URI } 'Sftp' { Get-TestSetting FTPTOOLS_TEST_SFTP_URI } }

            { Connect-FtpSession -Uri $uri -Credential (New-TestCredential) -CaCertificatePath (Get-TestSetting FTPTOOLS_TEST_CA) -HostKeyFingerprint (Get-TestSetting FTPTOOLS_TEST_HOSTKEY_FINGERPRINT) -Proxy (Get-TestSetting FTPTOOLS_TEST_SOCKS_PROXY) -ProxyCredential $wrong } |
                Should -Throw -ErrorId 'FtpTools.AuthenticationFailed,FtpTools.Commands.ConnectFtpSessionCommand' -ExpectedMessage '*refused the user name*'
            Get-FtpSession | Should -BeNullOrEmpty
        }

        It 'writes the protocol log as verbose output without the password' {
            $verbose = Connect-TestSession -Protocol $Protocol -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }

            $verbose | Should -Not -BeNullOrEmpty
            ($verbose.Message -join "`n") | Should -Not -Match ([regex]::Escape((Get-TestSetting FTPTOOLS_TEST_PASSWORD)))
        }

        It 'appends the protocol log to -LogPath with UTC times and without the password, and closes it at disconnect' {
            $log = Join-Path $TestDrive "session-$Protocol.log"
            $session = Connect-TestSession -Protocol $Protocol -LogPath $log
            $null = Get-FtpItem -Session $session
            Disconnect-FtpSession -Session $session

            $session.LogPath | Should -Be $log
            $lines = @(Get-Content -LiteralPath $log)
            $lines.Count | Should -BeGreaterThan 3
            $lines | ForEach-Object { $_ | Should -Match "^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z $($Protocol.ToLowerInvariant())://" }
            ($lines -join "`n") | Should -Not -Match ([regex]::Escape((Get-TestSetting FTPTOOLS_TEST_PASSWORD)))
            { [IO.File]::Open($log, 'Open', 'ReadWrite', 'None').Dispose() } | Should -Not -Throw
        }
    }

    Context 'Module' {
        AfterEach {
            Get-FtpSession | Disconnect-FtpSession -Confirm:$false
        }

        It 'loads the core built for the running .NET (precompiled on .NET 10+ x64 Windows and Linux)' {
            $session = Connect-TestSession -Protocol Ftp
            $core = $session.Protocol.GetType().Assembly

            $folder = 'net8.0'
            if ($PSVersionTable.PSEdition -eq 'Desktop') {
                $folder = 'netstandard2.0'
            } elseif ([Environment]::Version.Major -ge 10 -and [Runtime.InteropServices.RuntimeInformation]::ProcessArchitecture -eq 'X64') {
                if ($IsWindows) { $folder = 'net10.0-win-x64' } elseif ($IsLinux) { $folder = 'net10.0-linux-x64' }
            }
            $core.GetName().Name | Should -Be 'FtpTools.Core'
            $directory = Split-Path -Parent $core.Location
            Split-Path -Leaf $directory | Should -Be $folder
            Split-Path -Leaf (Split-Path -Parent $directory) | Should -Be 'lib'
        }
    }

    Context 'TLS versions' {
        AfterEach {
            Get-FtpSession | Disconnect-FtpSession -Confirm:$false
        }

        It 'offers only the version given with -TlsVersion <Version>' -ForEach @(@{ Version = 'Tls12'; Expected = 'TLS 1.2' }, @{ Version = 'Tls13'; Expected = 'TLS 1.3' }) {
            $session = Connect-FtpSession -Uri (Get-TestSetting FTPTOOLS_TEST_FTPES_URI) -Credential (New-TestCredential) -CaCertificatePath (Get-TestSetting FTPTOOLS_TEST_CA) -TlsVersion $Version -ErrorAction Stop

            $session.TlsProtocol | Should -Be $Expected
            # A data connection under the same version: the listing of the start directory comes back.
            { Get-FtpItem -Session $session -ErrorAction Stop } | Should -Not -Throw
        }

        It 'refuses -TlsVersion for a protocol without TLS, before connecting' {
            # Nothing listens on port 1: a connect attempt would fail as FtpTools.ConnectFailed instead.
            { Connect-FtpSession -Uri 'ftp://127.0.0.1:1' -Credential (New-TestCredential) -TlsVersion Tls13 } |
                Should -Throw -ErrorId 'FtpTools.InvalidArgument,FtpTools.Commands.ConnectFtpSessionCommand'
            Get-FtpSession | Should -BeNullOrEmpty
        }

        It 'refuses a -CaCertificatePath file that does not exist, before connecting' {
            $caught = $null
            try { Connect-FtpSession -Uri 'ftpes://127.0.0.1:1' -Credential (New-TestCredential) -CaCertificatePath (Join-Path $TestDrive 'no-such-ca.crt') -ErrorAction Stop } catch { $caught = $_ }

            $caught.FullyQualifiedErrorId | Should -Be 'FtpTools.InvalidArgument,FtpTools.Commands.ConnectFtpSessionCommand'
            $caught.Exception.Message | Should -BeLike "The CA certificate file '*no-such-ca.crt' (-CaCertificatePath) does not exist."
            Get-FtpSession | Should -BeNullOrEmpty
        }

        It 'warns that <Option> is ignored on a <Protocol> session, and connects' -ForEach @(
            @{ Protocol = 'Ftpes'; Option = '-HostKeyFingerprint'; Extra = @{ HostKeyFingerprint = 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }; Message = '-HostKeyFingerprint applies to SFTP only and is ignored: FTPES checks the server''s TLS certificate instead (-CertificateThumbprint, -CaCertificatePath).' }
            @{ Protocol = 'Ftp'; Option = '-AcceptNewHostKey'; Extra = @{ AcceptNewHostKey = $true }; Message = '-AcceptNewHostKey applies to SFTP only and is ignored: plain FTP has neither keys nor certificates.' }
            @{ Protocol = 'Sftp'; Option = '-CertificateThumbprint'; Extra = @{ CertificateThumbprint = 'AB' }; Message = '-CertificateThumbprint applies to FTPES and FTPS only and is ignored: SFTP checks the server''s host key instead (-HostKeyFingerprint, known_hosts).' }
            @{ Protocol = 'Sftp'; Option = '-SkipCertificateCheck'; Extra = @{ SkipCertificateCheck = $true }; Message = '-SkipCertificateCheck applies to FTPES and FTPS only and is ignored: SFTP checks the server''s host key instead (-HostKeyFingerprint, known_hosts).' }
            @{ Protocol = 'Ftp'; Option = '-CaCertificatePath'; Extra = @{ CaCertificatePath = 'ca.crt' }; Message = '-CaCertificatePath applies to FTPES and FTPS only and is ignored: plain FTP does not use TLS: use an ftpes:// or ftps:// URI, or -Protocol Ftpes or Ftps.' }
            @{ Protocol = 'Sftp'; Option = '-DataMode Active'; Extra = @{ DataMode = 'Active' }; Message = '-DataMode Active applies to FTP, FTPES and FTPS only and is ignored: SFTP has no data connections.' }
            @{ Protocol = 'Ftpes'; Option = '-AcceptNewHostKey with -KeyFilePath'; Extra = @{ AcceptNewHostKey = $true; KeyFilePath = 'id_ed25519' }; Message = "-AcceptNewHostKey applies to SFTP only and is ignored: FTPES checks the server's TLS certificate instead (-CertificateThumbprint, -CaCertificatePath).`n-KeyFilePath applies to SFTP only and is ignored: FTPES checks the server's TLS certificate instead (-CertificateThumbprint, -CaCertificatePath)." }
        ) {
            $uri = switch ($Protocol) { 'Ftp' { Get-TestSetting FTPTOOLS_TEST_FTP_URI } 'Ftpes' { Get-TestSetting FTPTOOLS_TEST_FTPES_URI } 'Sftp' { Get-TestSetting FTPTOOLS_TEST_SFTP_URI } }
            $trust = switch ($Protocol) { 'Ftpes' { @{ CaCertificatePath = (Get-TestSetting FTPTOOLS_TEST_CA) } } 'Sftp' { @{ HostKeyFingerprint = (Get-TestSetting FTPTOOLS_TEST_HOSTKEY_FINGERPRINT) } } default { @{} } }
            $session = Connect-FtpSession -Uri $uri -Credential (New-TestCredential) @trust @Extra -WarningVariable warned -WarningAction SilentlyContinue -ErrorAction Stop

            ($warned | ForEach-Object { $_.Message }) -join "`n" | Should -BeExactly $Message
            $session.Connected | Should -BeTrue
            Disconnect-FtpSession -Session $session
        }
    }

    Context 'Client certificates' {
        BeforeAll {
            $clientUri = Get-TestSetting FTPTOOLS_TEST_CLIENTCERT_URI
            $pfx = Get-TestSetting FTPTOOLS_TEST_CLIENT_PFX
            $pfxPassword = ConvertTo-SecureString (Get-TestSetting FTPTOOLS_TEST_CLIENT_PFX_PASSWORD) -AsPlainText -Force
        }

        AfterEach {
            Get-FtpSession | Disconnect-FtpSession -Confirm:$false
        }

        It 'logs in to a server that requires one with -ClientCertificatePath, and moves files over its data connections' {
            $session = Connect-FtpSession -Uri $clientUri -Credential (New-TestCredential) -CaCertificatePath (Get-TestSetting FTPTOOLS_TEST_CA) -ClientCertificatePath $pfx -ClientCertificatePassword $pfxPassword -ErrorAction Stop
            $work = New-RemoteWorkDirectory -Session $session -Protocol Ftpes
            $file = Join-Path $TestDrive 'with-cert.bin'
            New-RandomFile -Path $file -Length 250000

            (Send-FtpFile -Path $file -Destination $work.Remote -Session $session).Status.ToString() | Should -Be 'Completed'
            $back = Join-Path $TestDrive 'with-cert-back.bin'
            (Receive-FtpFile -Path "$($work.Remote)/with-cert.bin" -Destination $back -Session $session).Status.ToString() | Should -Be 'Completed'
            Get-Sha256 $back | Should -Be (Get-Sha256 $file)
            Get-Sha256 (Join-Path $work.Local 'with-cert.bin') | Should -Be (Get-Sha256 $file)
        }

        It 'takes the certificate as an object with -ClientCertificate' {
            $certificate = [System.Security.Cryptography.X509Certificates.X509Certificate2]::new($pfx, $pfxPassword)
            $session = Connect-FtpSession -Uri $clientUri -Credential (New-TestCredential) -CaCertificatePath (Get-TestSetting FTPTOOLS_TEST_CA) -ClientCertificate $certificate -ErrorAction Stop

            { Get-FtpItem -Session $session -ErrorAction Stop } | Should -Not -Throw
        }

        It 'fails without one, saying that the server may require one, and keeps no session' {
            { Connect-FtpSession -Uri $clientUri -Credential (New-TestCredential) -CaCertificatePath (Get-TestSetting FTPTOOLS_TEST_CA) -ErrorAction Stop } |
                Should -Throw -ErrorId 'FtpTools.ConnectionLost,FtpTools.Commands.ConnectFtpSessionCommand' -ExpectedMessage '*requires a client certificate*-ClientCertificatePath*'
            Get-FtpSession | Should -BeNullOrEmpty
        }

        It 'refuses a wrong certificate password before connecting' {
            $wrong = ConvertTo-SecureString 'not-the-password' -AsPlainText -Force
            { Connect-FtpSession -Uri $clientUri -Credential (New-TestCredential) -ClientCertificatePath $pfx -ClientCertificatePassword $wrong } |
                Should -Throw -ErrorId 'FtpTools.InvalidClientCertificate,FtpTools.Commands.ConnectFtpSessionCommand'
        }
    }

    Context 'Lost connections: <Protocol>' -ForEach $protocols {
        AfterEach {
            Get-FtpSession | Disconnect-FtpSession -Confirm:$false
        }

        It 'connects again for the next command, in the same directory, and says so' {
            $session = Connect-TestSession -Protocol $Protocol
            $work = New-RemoteWorkDirectory -Session $session -Protocol $Protocol
            Set-FtpLocation -Path $work.Remote -Session $session
            $directory = $session.CurrentDirectory
            New-RandomFile -Path (Join-Path $work.Local 'a.bin') -Length 1000

            Stop-TestServerSide -Session $session
            $items = @(Get-FtpItem -Session $session -WarningVariable warnings -WarningAction SilentlyContinue)

            $items.Name | Should -Be 'a.bin'
            $items[0].Length | Should -Be 1000
            $session.Reconnects | Should -Be 1
            $session.Connected | Should -BeTrue
            $session.CurrentDirectory | Should -Be $directory
            ($warnings.Message -join "`n") | Should -BeLike "*The connection to $($session.Host):$($session.Port) had been lost and was made again; working directory $directory.*"
        }

        It 'removes on the new connection a source whose removal the lost one cut short (-RemoveSource)' {
            $session = Connect-TestSession -Protocol $Protocol
            $work = New-RemoteWorkDirectory -Session $session -Protocol $Protocol
            $outbox = Join-Path $TestDrive "lost-move-$Protocol"
            New-RandomFile -Path (Join-Path $outbox 'a.bin') -Length 3100
            New-RandomFile -Path (Join-Path $outbox 'b.bin') -Length 3200
            $null = Get-ChildItem -LiteralPath $outbox | Send-FtpFile -Destination $work.Remote -Session $session -ErrorAction Stop
            $inbox = Join-Path $TestDrive "lost-move-in-$Protocol"
            $null = New-Item -ItemType Directory -Path $inbox -Force

            # The first file's removal waits for the second file's transfer, on the connection the server drops first.
            $count = 0
            $results = @(Get-FtpItem -Path $work.Remote -Session $session |
                ForEach-Object { if (++$count -eq 2) { Stop-TestServerSide -Session $session }; $_ } |
                Receive-FtpFile -Destination $inbox -RemoveSource -WarningAction SilentlyContinue)

            ($results | ForEach-Object { "$($_.Status):$($_.SourceRemoved)" }) -join ',' | Should -Be 'Completed:True,Completed:True'
            $session.Reconnects | Should -Be 1
            @(Get-ChildItem -LiteralPath $work.Local) | Should -BeNullOrEmpty
            foreach ($name in 'a.bin', 'b.bin') {
                Get-Sha256 (Join-Path $inbox $name) | Should -Be (Get-Sha256 (Join-Path $outbox $name))
            }
        }

        It 'removes the last file''s source on a new connection when the lost one cut its removal short (-RemoveSource)' {
            $session = Connect-TestSession -Protocol $Protocol
            $work = New-RemoteWorkDirectory -Session $session -Protocol $Protocol
            $outbox = Join-Path $TestDrive "lost-last-$Protocol"
            New-RandomFile -Path (Join-Path $outbox 'a.bin') -Length 3300
            New-RandomFile -Path (Join-Path $outbox 'b.bin') -Length 3400
            $null = Get-ChildItem -LiteralPath $outbox | Send-FtpFile -Destination $work.Remote -Session $session -ErrorAction Stop
            $inbox = Join-Path $TestDrive "lost-last-in-$Protocol"
            $null = New-Item -ItemType Directory -Path $inbox -Force

            # ForEach-Object's -End runs once every file went through, before Receive-FtpFile ends: where the last
            # file goes in place and its source is removed.
            $results = @(Get-FtpItem -Path $work.Remote -Session $session |
                ForEach-Object -Process { $_ } -End { Stop-TestServerSide -Session $session } |
                Receive-FtpFile -Destination $inbox -RemoveSource -WarningAction SilentlyContinue)

            ($results | ForEach-Object { "$($_.Status):$($_.SourceRemoved)" }) -join ',' | Should -Be 'Completed:True,Completed:True'
            $session.Reconnects | Should -Be 1
            @(Get-ChildItem -LiteralPath $work.Local) | Should -BeNullOrEmpty
            foreach ($name in 'a.bin', 'b.bin') {
                Get-Sha256 (Join-Path $inbox $name) | Should -Be (Get-Sha256 (Join-Path $outbox $name))
            }
        }

        It 'stays lost with -ReconnectAttempts 0' {
            $session = Connect-TestSession -Protocol $Protocol -ReconnectAttempts 0
            $session.ReconnectAttempts | Should -Be 0

            Stop-TestServerSide -Session $session
            $first = $null
            try { $null = Get-FtpItem -Session $session } catch { $first = $_ }

            # The command that meets the loss says so; one that finds the session already known to be lost refuses to start.
            $first | Should -Not -BeNullOrEmpty
            $first.FullyQualifiedErrorId | Should -BeIn @('FtpTools.ConnectionLost,FtpTools.Commands.GetFtpItemCommand', 'FtpTools.SessionClosed,FtpTools.Commands.GetFtpItemCommand')
            { Get-FtpItem -Session $session } | Should -Throw -ErrorId 'FtpTools.SessionClosed,FtpTools.Commands.GetFtpItemCommand'
            $session.Connected | Should -BeFalse
            $session.Reconnects | Should -Be 0
        }
    }

    Context 'Trust' {
        AfterEach {
            Get-FtpSession | Disconnect-FtpSession -Confirm:$false
        }

        It 'refuses an FTPES server whose certificate does not chain to a trusted root' {
            { Connect-FtpSession -Uri (Get-TestSetting FTPTOOLS_TEST_FTPES_URI) -Credential (New-TestCredential) } |
                Should -Throw -ErrorId 'FtpTools.TrustFailure,FtpTools.Commands.ConnectFtpSessionCommand'
        }

        It 'refuses an SFTP server whose host key does not match the fingerprint' {
            { Connect-FtpSession -Uri (Get-TestSetting FTPTOOLS_TEST_SFTP_URI) -Credential (New-TestCredential) -HostKeyFingerprint 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' } |
                Should -Throw -ErrorId 'FtpTools.TrustFailure,FtpTools.Commands.ConnectFtpSessionCommand'
        }

        It 'refuses a password in the URI, and its error record does not repeat it' {
            { Connect-FtpSession -Uri 'ftp://user:secret@127.0.0.1' } | Should -Throw -ErrorId 'FtpTools.InvalidUri,FtpTools.Commands.ConnectFtpSessionCommand'

            $record = $null
            try { Connect-FtpSession -Uri 'ftp://user:MySecretPw@127.0.0.1:21' } catch { $record = $_ }
            $record.TargetObject | Should -BeExactly 'ftp://user:***@127.0.0.1:21'
            "$($record.Exception.Message) $($record.CategoryInfo)" | Should -Not -Match 'MySecretPw'
            try { Connect-FtpSession -Uri 'ftp://127.0.0.1' -Proxy 'socks5://proxyuser:MySecretPw@127.0.0.1:1080/x' } catch { $record = $_ }
            $record.TargetObject | Should -Not -Match 'MySecretPw'
        }
    }
}
