#!/usr/bin/env bash
# The whole FtpTools test suite: the xunit tests (against real servers the fixtures start on loopback) and,
# where pwsh with Pester 5 is installed, the Pester tests against the built module.
# Run as root on Debian/Ubuntu, the servers are installed first; otherwise it says what to install.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash tests/servers/ftptools-servers.sh install || exit 1

results=$(mktemp -d)
# Build first, then test without building: `dotnet test` builds and runs the test projects side by side, and the
# PowerShell engine tests import out/FtpTools, which the build assembles (src/FtpTools's AssembleModule target).
dotnet build FtpTools.sln -c Release
status=$?
if [ "$status" -eq 0 ]; then
  dotnet test FtpTools.sln -c Release --no-build --logger "console;verbosity=normal" --logger trx --results-directory "$results"
  status=$?
fi

# One TRX file per test assembly; add their counters up into one closing line.
read -r passed failed skipped < <(cat "$results"/*.trx 2>/dev/null | awk '
  /<Counters / {
    match($0, / passed="[0-9]+"/); p += substr($0, RSTART + 9, RLENGTH - 10);
    match($0, / failed="[0-9]+"/); f += substr($0, RSTART + 9, RLENGTH - 10);
    match($0, / notExecuted="[0-9]+"/); s += substr($0, RSTART + 14, RLENGTH - 15);
  }
  END { printf "%d %d %d\n", p, f, s }')
# CI shows only the end of the output: name each failed test there, with the start of its message.
failures=$(cat "$results"/*.trx 2>/dev/null | awk '
  /<UnitTestResult / && / outcome="Failed"/ {
    match($0, / testName="[^"]*"/); name = substr($0, RSTART + 11, RLENGTH - 12); inFailed = 1; lines = 0;
    print "FAILED: " name; next
  }
  /<UnitTestResult / { inFailed = 0 }
  inFailed && /<Message>/ { inMessage = 1 }
  inFailed && inMessage && lines < 12 { line = $0; sub(/^ *<Message>/, "", line); sub(/<\/Message>.*/, "", line); print "    " line; lines++ }
  /<\/Message>/ { inMessage = 0 }')
rm -rf "$results"

pester_status=0
if command -v pwsh >/dev/null 2>&1; then
  pwsh -NoProfile -NonInteractive -File ./build.ps1 -Task Pester -Configuration Release || pester_status=$?
else
  echo "Pester not run: pwsh is not installed on this machine (build.ps1 -Task Test runs it where it is); the Pester files ran in the PowerShell engine tests above (PesterFileTests)."
fi

[ -n "$failures" ] && printf '%s\n' "$failures"
echo "xunit: $passed passed, $failed failed, $skipped skipped"
if [ "$status" -ne 0 ] || [ "$pester_status" -ne 0 ] || [ "$passed" -eq 0 ]; then
  exit 1
fi
