#!/usr/bin/env bash
# FtpTools against curl, lftp, OpenSSH sftp and rclone on the loopback test servers. See bench/README.md.
#
#   bash bench/run.sh [--quick] [--runs N] [--only REGEX] [--timeout SECONDS] [--no-limits] [--keep]
#                     [--wan-delay-ms MS [--wan-rate-mbit MBIT]]
#
#   --quick     one run per row and small data (64 MiB, 100 x 4 KiB, 1,000 entries): a smoke run of a few minutes
#   --runs N    runs per row (median); default 3 (1 with --quick)
#   --only RE   rows whose "protocol/case label" matches RE, e.g. 'sftp/' or 'download-big (FtpTools|sftp)'
#   --keep      leave the servers' and data's temporary directory in place (it is printed)
#   --wan-delay-ms MS    SFTP rows only, each through a relay that delays every chunk by MS each way
#   --wan-rate-mbit MBIT and caps each direction at MBIT Mbit/s (a slow, far-away link; netem is not needed)
# Sizes can be overridden with FTPTOOLS_BENCH_BIG_MIB, FTPTOOLS_BENCH_SMALL_FILES, FTPTOOLS_BENCH_LIST_ENTRIES;
# the temporary directory goes under FTPTOOLS_BENCH_TMP (default /var/tmp), on the same disk for servers and data.
# Results: a table on stdout, bench/results/<timestamp>.json and .md.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

quick=0
keep=0
pass=()
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1; pass+=("$1") ;;
    --keep) keep=1 ;;
    --runs|--only|--timeout|--wan-delay-ms|--wan-rate-mbit) pass+=("$1" "$2"); shift ;;
    --no-limits) pass+=("$1") ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
  shift
done

if [ "$quick" = 1 ]; then
  big_mib=${FTPTOOLS_BENCH_BIG_MIB:-64}; small_files=${FTPTOOLS_BENCH_SMALL_FILES:-100}; list_entries=${FTPTOOLS_BENCH_LIST_ENTRIES:-1000}
else
  big_mib=${FTPTOOLS_BENCH_BIG_MIB:-1024}; small_files=${FTPTOOLS_BENCH_SMALL_FILES:-2000}; list_entries=${FTPTOOLS_BENCH_LIST_ENTRIES:-10000}
fi
small_size=4096
seed=${FTPTOOLS_BENCH_SEED:-ftptools-bench-1}

# The peers come from Debian's packages.
need=()
command -v curl >/dev/null || need+=(curl)
command -v lftp >/dev/null || need+=(lftp)
command -v rclone >/dev/null || need+=(rclone)
command -v sftp >/dev/null || need+=(openssh-client)
command -v openssl >/dev/null || need+=(openssl)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "bench: installing ${need[*]}" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need[@]}" >/tmp/ftptools-bench-apt.log 2>&1 ||
      { apt-get update -qq >/dev/null 2>&1; DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need[@]}" >>/tmp/ftptools-bench-apt.log 2>&1; } ||
      { tail -20 /tmp/ftptools-bench-apt.log >&2; exit 1; }
  else
    echo "bench: missing ${need[*]}; install them (apt-get install -y ${need[*]}) or run as root" >&2
    exit 1
  fi
fi
if [ "$(id -u)" != 0 ]; then
  # The server roots belong to the test user; resetting them between runs needs root.
  echo "bench: run as root (the test servers and their roots need it)" >&2
  exit 1
fi

echo "bench: building bench/FtpTools.Bench (Release)" >&2
dotnet build bench/FtpTools.Bench/FtpTools.Bench.csproj -c Release -nologo -v q >/tmp/ftptools-bench-build.log 2>&1 ||
  { grep -E "error|warn" /tmp/ftptools-bench-build.log | sort -u >&2; exit 1; }
bench_dll=bench/FtpTools.Bench/bin/Release/net10.0/FtpTools.Bench.dll

# The FtpTools rows run the core as the module ships it to PowerShell on .NET 10: precompiled (ReadyToRun) where
# the module has a build for this OS and architecture. AssembleModule (src/FtpTools) makes it.
echo "bench: building the module (src/FtpTools, Release) for its precompiled core" >&2
dotnet build src/FtpTools/FtpTools.csproj -c Release -nologo -v q >/tmp/ftptools-bench-module.log 2>&1 ||
  { grep -E "error|warn" /tmp/ftptools-bench-module.log | sort -u >&2; exit 1; }
case "$(uname -m)" in x86_64) precompiled=out/FtpTools/lib/net10.0-linux-x64/FtpTools.Core.dll ;; *) precompiled= ;; esac
if [ -n "$precompiled" ] && [ -f "$precompiled" ]; then
  cp "$precompiled" "$(dirname "$bench_dll")/FtpTools.Core.dll"
fi

base=$(mktemp -d "${FTPTOOLS_BENCH_TMP:-/var/tmp}/ftptools-bench.XXXXXX")
# The servers drop to the test user, who must be able to walk down to its root.
chmod 755 "$base"
# Run from a copy, so that building the tree while a run goes on (it takes 40 minutes) cannot swap its binaries.
cp -r "$(dirname "$bench_dll")" "$base/bench-bin"
bench_dll=$base/bench-bin/$(basename "$bench_dll")
cleanup() {
  bash tests/servers/ftptools-servers.sh down "$base/srv" || true
  if [ "$keep" = 1 ]; then echo "bench: kept $base" >&2; else rm -rf "$base"; fi
}
trap cleanup EXIT

echo "bench: starting the servers in $base/srv" >&2
bash tests/servers/ftptools-servers.sh up "$base/srv" >&2
# shellcheck disable=SC1091
. "$base/srv/env.sh"

# Deterministic bytes: AES-128-CTR of zeros under a key derived from the seed and a label.
stream() { # label bytes
  local key
  key=$(printf '%s/%s' "$seed" "$1" | sha256sum | cut -c1-32)
  ( set +o pipefail; openssl enc -aes-128-ctr -K "$key" -iv 00000000000000000000000000000000 -in /dev/zero 2>/dev/null | head -c "$2" )
}

echo "bench: making data (seed $seed): ${big_mib} MiB, $small_files x $small_size B, $list_entries entries" >&2
data=$base/data
mkdir -p "$data/small"
stream big $((big_mib * 1024 * 1024)) >"$data/big.bin"
(cd "$data/small" && stream small $((small_files * small_size)) | split -b "$small_size" -d -a 4 - f)
mkdir -p "$data/list"
(cd "$data/list" && stream list "$list_entries" | split -b 1 -d -a 5 - e)
for root in "$FTPTOOLS_TEST_FTP_ROOT" "$FTPTOOLS_TEST_SFTP_ROOT"; do
  # Hard links: the servers read the very bytes the verifier compares against, without copying gigabytes.
  ln "$data/big.bin" "$root/big.bin"
  cp -al "$data/small" "$root/small"
  cp -al "$data/list" "$root/list10k"
  mkdir "$root/up-small"
  chown --reference="$root" "$root/up-small"
done
chmod -R a+rX "$data"

args=(run --env "$base/srv/env.sh" --data "$data" --results bench/results --seed "$seed"
      --command "bash bench/run.sh${pass[*]:+ ${pass[*]}}" "${pass[@]}")
dotnet "$bench_dll" "${args[@]}"
