# Sourced (`. tests/tools/pwsh-pester.sh`) before tests/run-tests.sh, by CI: gives this shell PowerShell 7 and
# Pester 5 where they are missing, so the Pester files also run under Pester itself, in a real pwsh, against the
# built module (run-tests.sh runs them whenever pwsh is on PATH). Both come from NuGet, into .tools/ in the checkout
# (git-ignored): pwsh as a .NET tool, Pester as a package. When NuGet cannot give them, it says so and changes
# nothing: the Pester files then run only in the PowerShell engine tests (PesterFileTests), as run-tests.sh says.
ftptools_tools="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/.tools"
ftptools_pwsh_version=7.6.9
ftptools_pester_version=5.7.1

if ! command -v pwsh >/dev/null 2>&1; then
  if [ -x "$ftptools_tools/pwsh/pwsh" ] \
    || dotnet tool install PowerShell --version "$ftptools_pwsh_version" --tool-path "$ftptools_tools/pwsh" >/dev/null; then
    export PATH="$ftptools_tools/pwsh:$PATH"
  else
    echo "PowerShell $ftptools_pwsh_version could not be installed as a .NET tool (dotnet tool install PowerShell); the Pester files will run only in the engine tests."
  fi
fi

if command -v pwsh >/dev/null 2>&1 \
  && ! pwsh -NoProfile -NonInteractive -Command 'if (Get-Module -ListAvailable Pester | Where-Object Version -ge 5.0.0) { exit 0 } else { exit 1 }' >/dev/null 2>&1; then
  if [ ! -f "$ftptools_tools/modules/Pester/Pester.psd1" ]; then
    # A project of its own outside the checkout (the repository's Directory.Build.props must not apply) that only
    # downloads the package.
    ftptools_restore=$(mktemp -d)
    cat > "$ftptools_restore/pester.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup>
  <ItemGroup><PackageDownload Include="Pester" Version="[$ftptools_pester_version]" /></ItemGroup>
</Project>
XML
    if dotnet restore "$ftptools_restore/pester.csproj" --packages "$ftptools_tools/packages" >/dev/null; then
      mkdir -p "$ftptools_tools/modules"
      ln -sfn "$ftptools_tools/packages/pester/$ftptools_pester_version/tools" "$ftptools_tools/modules/Pester"
    fi
    rm -rf "$ftptools_restore"
  fi

  if [ -f "$ftptools_tools/modules/Pester/Pester.psd1" ]; then
    export PSModulePath="$ftptools_tools/modules${PSModulePath:+:$PSModulePath}"
  else
    echo "Pester $ftptools_pester_version could not be downloaded from NuGet; build.ps1 -Task Pester will say what to install."
  fi
fi
