@{
    RootModule           = 'FtpTools.dll'
    ModuleVersion        = '0.1.0'
    CompatiblePSEditions = @('Desktop', 'Core')
    GUID                 = '5b0e4f5e-3f4a-4d0c-9d7e-6f2b1a7c9e41'
    Author               = 'FtpTools contributors'
    CompanyName          = 'FtpTools'
    Copyright            = '(c) FtpTools contributors. MIT License.'
    Description          = 'Move files with FTP, FTPES, FTPS and SFTP from PowerShell: one session model, safe defaults (verified certificates and host keys, no prompts), resumable transfers that never leave truncated files.'
    PowerShellVersion    = '5.1'
    DotNetFrameworkVersion = '4.7.2'
    FormatsToProcess     = @('FtpTools.format.ps1xml')
    CmdletsToExport      = @(
        'Connect-FtpSession'
        'Disconnect-FtpSession'
        'Get-FtpSession'
        'Get-FtpItem'
        'Get-FtpFileHash'
        'Get-FtpContent'
        'Send-FtpFile'
        'Receive-FtpFile'
        'New-FtpDirectory'
        'Remove-FtpItem'
        'Rename-FtpItem'
        'Set-FtpItem'
        'Test-FtpPath'
        'Set-FtpLocation'
        'Invoke-FtpCommand'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('FTP', 'FTPS', 'FTPES', 'SFTP', 'SSH', 'FileTransfer', 'PSEdition_Desktop', 'PSEdition_Core', 'Windows', 'Linux', 'MacOS')
            LicenseUri   = 'https://opensource.org/licenses/MIT'
        }
    }
}
