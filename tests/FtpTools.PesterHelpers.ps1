# Shared by the tests/*.Tests.ps1 Pester files: imports the built module and opens sessions to the test servers
# that tests/servers/ftptools-servers.sh starts (build.ps1 -Task Test starts them and sets the variables).
# A missing variable fails the tests with a message saying what to do; nothing is skipped.
# Run as root, as the servers are: the tests write files straight into the servers' directories, which the servers'
# account owns.

function Get-TestSetting {
    param([Parameter(Mandatory)] [string] $Name)
    $value = [Environment]::GetEnvironmentVariable($Name)
    if ([string]::IsNullOrEmpty($value)) {
        throw "Environment variable $Name is not set. Start the test servers with 'bash tests/servers/ftptools-servers.sh up <dir>' and dot-source <dir>/env.ps1, or run './build.ps1 -Task Test', which does both."
    }
    $value
}

function Import-FtpToolsUnderTest {
    $manifest = [IO.Path]::Combine($PSScriptRoot, '..', 'out', 'FtpTools', 'FtpTools.psd1')
    if (-not (Test-Path -LiteralPath $manifest)) {
        throw "The module is not built: $manifest is missing. Run 'dotnet build FtpTools.sln' first."
    }
    Import-Module $manifest -Force -ErrorAction Stop
    $manifest
}

function New-TestCredential {
    $password = ConvertTo-SecureString (Get-TestSetting FTPTOOLS_TEST_PASSWORD) -AsPlainText -Force
    [pscredential]::new((Get-TestSetting FTPTOOLS_TEST_USER), $password)
}

function Connect-TestSession {
    param([Parameter(Mandatory)] [string] $Protocol, [int] $ReconnectAttempts = 3, [string] $LogPath, [string] $Proxy, [string] $TransferMode)
    $credential = New-TestCredential
    $more = @{}
    if ($LogPath) { $more.LogPath = $LogPath }
    if ($TransferMode) { $more.TransferMode = $TransferMode }
    # The test proxies ask for the test account's login.
    if ($Proxy) { $more.Proxy = $Proxy; $more.ProxyCredential = $credential }
    switch ($Protocol) {
        'Ftp' { Connect-FtpSession -Uri (Get-TestSetting FTPTOOLS_TEST_FTP_URI) -Credential $credential -ReconnectAttempts $ReconnectAttempts -ErrorAction Stop @more }
        'Ftpes' { Connect-FtpSession -Uri (Get-TestSetting FTPTOOLS_TEST_FTPES_URI) -Credential $credential -CaCertificatePath (Get-TestSetting FTPTOOLS_TEST_CA) -ReconnectAttempts $ReconnectAttempts -ErrorAction Stop @more }
        'Sftp' { Connect-FtpSession -Uri (Get-TestSetting FTPTOOLS_TEST_SFTP_URI) -Credential $credential -HostKeyFingerprint (Get-TestSetting FTPTOOLS_TEST_HOSTKEY_FINGERPRINT) -ReconnectAttempts $ReconnectAttempts -ErrorAction Stop @more }
        default { throw "Unknown protocol $Protocol" }
    }
}

# Ends the server's side of this process's connections to the session's port at once (SIGKILL to every process that
# holds a server end of one of them), as a crash, a restart or a dropped link would. The connections are found with
# ss(8) from iproute2: the client ends by this process's pid, the server ends by their peer ports. Linux, as root,
# like the test servers themselves.
function Stop-TestServerSide {
    param([Parameter(Mandatory)] $Session)
    if (-not $IsLinux) {
        throw 'Stop-TestServerSide runs on Linux only (ss from iproute2), where the test servers run.'
    }
    if (-not (Get-Command ss -ErrorAction SilentlyContinue)) {
        throw 'ss is missing: install iproute2 (apt-get install iproute2).'
    }

    $port = $Session.Port
    # "Recv-Q Send-Q local:port peer:port users:((...,pid=N,fd=M),...)"
    $pattern = '^\s*\d+\s+\d+\s+\S+:(\d+)\s+\S+:(\d+)\s+users:\((.*)\)\s*$'
    $ourPorts = @(foreach ($line in (ss -tnpH state established "( dport = :$port )")) {
            if ($line -match $pattern) {
                $localPort = [int]$Matches[1]
                $users = $Matches[3]
                if ($users -match "pid=$PID,") { $localPort }
            }
        })
    if ($ourPorts.Count -eq 0) {
        throw "This process (pid $PID) has no connection to port $port."
    }

    $serverPids = @(foreach ($line in (ss -tnpH state established "( sport = :$port )")) {
            if ($line -match $pattern) {
                $peerPort = [int]$Matches[2]
                $users = $Matches[3]
                if ($ourPorts -contains $peerPort) {
                    foreach ($match in [regex]::Matches($users, 'pid=(\d+)')) { [int]$match.Groups[1].Value }
                }
            }
        }) | Sort-Object -Unique
    if (@($serverPids).Count -eq 0) {
        throw "No process holds the server end of this process's connections to port $port (run the tests as root)."
    }

    Stop-Process -Id $serverPids -Force -ErrorAction SilentlyContinue
}

# The local directory the test user's login directory maps to on the server side.
function Get-TestServerRoot {
    param([Parameter(Mandatory)] [string] $Protocol)
    if ($Protocol -eq 'Sftp') { Get-TestSetting FTPTOOLS_TEST_SFTP_ROOT } else { Get-TestSetting FTPTOOLS_TEST_FTP_ROOT }
}

function New-TestName {
    'pester-' + [guid]::NewGuid().ToString('N').Substring(0, 12)
}

# A remote working directory created through the session (so the test user owns it), and its local path.
function New-RemoteWorkDirectory {
    param([Parameter(Mandatory)] $Session, [Parameter(Mandatory)] [string] $Protocol)
    $name = New-TestName
    $null = New-FtpDirectory -Path $name -Session $Session -ErrorAction Stop
    [pscustomobject]@{
        Remote = $name
        Local  = Join-Path (Get-TestServerRoot -Protocol $Protocol) $name
    }
}

function New-RandomFile {
    param([Parameter(Mandatory)] [string] $Path, [Parameter(Mandatory)] [int] $Length)
    $bytes = [byte[]]::new($Length)
    [Random]::new($Length).NextBytes($bytes)
    $null = New-Item -ItemType Directory -Force -Path (Split-Path -Parent $Path)
    [IO.File]::WriteAllBytes($Path, $bytes)
}

function Get-Sha256 {
    param([Parameter(Mandatory)] [string] $Path)
    (Get-FileHash -Algorithm SHA256 -LiteralPath $Path).Hash
}
