#!/usr/bin/env bash
# The whole FtpTools test suite: the xunit tests (against real servers the fixtures start on loopback) and,
# where pwsh with Pester 5 is installed, the Pester tests against the built module.
# Run as root on Debian/Ubuntu, the servers are installed first; otherwise it says what to install.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash tests/servers/ftptools-servers.sh install || exit 1

log=$(mktemp)
dotnet test FtpTools.sln -c Release --logger "console;verbosity=normal" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# dotnet test prints one summary per test assembly; add them up into one closing line.
read -r passed failed skipped < <(awk '
  /^(Passed|Failed)! +- +Failed: / {
    gsub(/,/, " ");
    for (i = 1; i <= NF; i++) {
      if ($i == "Failed:") f += $(i+1);
      if ($i == "Passed:") p += $(i+1);
      if ($i == "Skipped:") s += $(i+1);
    }
  }
  END { printf "%d %d %d\n", p, f, s }' "$log")
rm -f "$log"

pester_status=0
if command -v pwsh >/dev/null 2>&1; then
  pwsh -NoProfile -NonInteractive -File ./build.ps1 -Task Pester -Configuration Release || pester_status=$?
else
  echo "Pester tests not run: pwsh is not installed on this machine (build.ps1 -Task Test runs them where it is)."
fi

echo "xunit: $passed passed, $failed failed, $skipped skipped"
if [ "$status" -ne 0 ] || [ "$pester_status" -ne 0 ] || [ "$passed" -eq 0 ]; then
  exit 1
fi
