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
    param([Parameter(Mandatory)] [string] $Protocol)
    $credential = New-TestCredential
    switch ($Protocol) {
        'Ftp' { Connect-FtpSession -Uri (Get-TestSetting FTPTOOLS_TEST_FTP_URI) -Credential $credential -ErrorAction Stop }
        'Ftpes' { Connect-FtpSession -Uri (Get-TestSetting FTPTOOLS_TEST_FTPES_URI) -Credential $credential -CaCertificatePath (Get-TestSetting FTPTOOLS_TEST_CA) -ErrorAction Stop }
        'Sftp' { Connect-FtpSession -Uri (Get-TestSetting FTPTOOLS_TEST_SFTP_URI) -Credential $credential -HostKeyFingerprint (Get-TestSetting FTPTOOLS_TEST_HOSTKEY_FINGERPRINT) -ErrorAction Stop }
        default { throw "Unknown protocol $Protocol" }
    }
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
