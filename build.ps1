<#
.SYNOPSIS
    Builds and tests FtpTools. A thin wrapper over the dotnet commands CI runs.
.DESCRIPTION
    -Task Build   dotnet build; the AssembleModule target writes the importable module to out/FtpTools,
                  which is then imported in a fresh pwsh to prove it loads.
    -Task Test    dotnet build, dotnet test --no-build (xunit, real servers on loopback), then the Pester tests.
    -Task Pester  only the Pester tests, against out/FtpTools and servers started by tests/servers/ftptools-servers.sh.
.EXAMPLE
    ./build.ps1
.EXAMPLE
    ./build.ps1 -Task Test -Configuration Release
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Pester')]
    [string] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release'
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
Push-Location $PSScriptRoot
try {
    $module = Join-Path $PSScriptRoot 'out/FtpTools/FtpTools.psd1'

    function Invoke-Native([string] $File, [string[]] $Arguments) {
        & $File @Arguments
        if ($LASTEXITCODE -ne 0) { throw "$File $($Arguments -join ' ') failed with exit code $LASTEXITCODE" }
    }

    # A fresh PowerShell like this one: its executable, or, for pwsh installed as a .NET tool (which runs as
    # `dotnet pwsh.dll`, so this process is dotnet), dotnet with the pwsh.dll of $PSHOME.
    function Get-PowerShellLauncher {
        $exe = (Get-Process -Id $PID).Path
        if ([IO.Path]::GetFileNameWithoutExtension($exe) -in @('pwsh', 'powershell')) {
            return [pscustomobject]@{ File = $exe; Arguments = @() }
        }
        return [pscustomobject]@{ File = $exe; Arguments = @(Join-Path $PSHOME 'pwsh.dll') }
    }

    function Invoke-PowerShell([string] $Command) {
        $launcher = Get-PowerShellLauncher
        Invoke-Native $launcher.File ($launcher.Arguments + @('-NoProfile', '-NonInteractive', '-Command', $Command))
    }

    function Invoke-PesterSuite {
        if (-not (Get-Module -ListAvailable -Name Pester | Where-Object Version -ge '5.0.0')) {
            throw 'Pester 5 is not installed: Install-Module Pester -MinimumVersion 5.0 -Scope CurrentUser'
        }
        $servers = Join-Path ([IO.Path]::GetTempPath()) ("ftptools-pester-" + [guid]::NewGuid().ToString('N'))
        $started = $false
        try {
            if (-not $env:FTPTOOLS_TEST_FTP_URI -and (Get-Command bash -ErrorAction SilentlyContinue) -and [Environment]::OSVersion.Platform -ne [PlatformID]::Win32NT) {
                # Inside the try and set first: when `up` fails half-way, `down` still stops what it did start.
                $started = $true
                Invoke-Native bash @('tests/servers/ftptools-servers.sh', 'up', $servers)
                . (Join-Path $servers 'env.ps1')
            }
            # A fresh pwsh, so the module under test is the only FtpTools loaded.
            $script = "Import-Module Pester -MinimumVersion 5.0; `$c = New-PesterConfiguration; `$c.Run.Path = './tests'; `$c.Run.Exit = `$true; `$c.Output.Verbosity = 'Detailed'; Invoke-Pester -Configuration `$c"
            Invoke-PowerShell $script
        }
        finally {
            if ($started) {
                & bash tests/servers/ftptools-servers.sh down $servers
                # Its keys, certificates and server roots are of no use once the servers are down.
                Remove-Item -LiteralPath $servers -Recurse -Force -ErrorAction SilentlyContinue
                # The variables name servers that are gone now; left set, the next run in this session would use them.
                Get-ChildItem env:FTPTOOLS_TEST_* | Remove-Item
            }
        }
    }

    switch ($Task) {
        'Build' {
            Invoke-Native dotnet @('build', 'FtpTools.sln', '-c', $Configuration)
            $check = "Import-Module '$module' -ErrorAction Stop; Get-Command -Module FtpTools | Format-Table -AutoSize | Out-String"
            Invoke-PowerShell $check
            Write-Host "Module ready: Import-Module $module"
        }
        'Test' {
            # Built first: the PowerShell engine tests import out/FtpTools, which the build assembles.
            Invoke-Native dotnet @('build', 'FtpTools.sln', '-c', $Configuration)
            Invoke-Native dotnet @('test', 'FtpTools.sln', '-c', $Configuration, '--no-build')
            Invoke-PesterSuite
        }
        'Pester' {
            # Always (it is incremental): a module left in out/ by an older build would be tested otherwise.
            Invoke-Native dotnet @('build', 'FtpTools.sln', '-c', $Configuration)
            Invoke-PesterSuite
        }
    }
}
finally {
    Pop-Location
}
