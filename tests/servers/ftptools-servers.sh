#!/usr/bin/env bash
# Real FTP/FTPS/SFTP servers on loopback for FtpTools' tests.
#
#   ftptools-servers.sh install            install what the servers need (root on Debian/Ubuntu), else say what to install
#   ftptools-servers.sh check              exit 0 when everything is installed, else print what is missing and exit 1
#   ftptools-servers.sh run KIND DIR PORT [PORT2]
#                                          write KIND's config, keys and certificates into DIR and exec the server in
#                                          the foreground (the test fixture owns that process and kills only it)
#   ftptools-servers.sh up DIR             start vsftpd (also one that requires a client certificate), proftpd,
#                                          pure-ftpd, sshd and the two proxies in the background
#                                          for the Pester tests; writes DIR/env.sh and DIR/env.ps1 with FTPTOOLS_TEST_*
#                                          variables (the proxies' output in DIR/danted.out and DIR/tinyproxy.out)
#   ftptools-servers.sh down DIR           stop what `up DIR` started
#
# KIND: vsftpd | vsftpd-implicit | vsftpd-ipv6 (on ::1) | vsftpd-clientcert, vsftpd-implicit-clientcert (ask every
#       TLS connection for a client certificate signed by DIR/clientca.crt: DIR/client.pfx, password client-pass) | proftpd | pure-ftpd | sshd
#       | danted (SOCKS5 proxy; PORT2 "username" asks for the test account's password, else no authentication;
#         a fifth argument allows connections to that port only)
#       | tinyproxy (HTTP CONNECT proxy; PORT2 "basic" asks for the test account's password, else none)
# Every server listens on 127.0.0.1 only (sshd and vsftpd also on ::1 where asked), from a fresh DIR.
# vsftpd, proftpd and pure-ftpd conflict as Debian packages (each provides ftp-server): vsftpd is installed
# normally, the other two are unpacked with `dpkg -x` into $PREFIX. So is dante-server, whose package starts a
# system-wide SOCKS server; tinyproxy-bin is the HTTP proxy's program alone.
set -euo pipefail

PREFIX=${FTPTOOLS_SERVERS_PREFIX:-/opt/ftptools-test}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# Loopback-only test accounts. The password is not a secret: the servers listen on 127.0.0.1 only.
TEST_USER=ftptools
KEY_USER=ftptoolskey
TEST_PASSWORD='FtpTools-Test-Pa55'
PAM_SERVICE=ftptools-test

APT_PACKAGES=(vsftpd openssh-server openssh-client openssh-sftp-server openssl ca-certificates
              libhiredis0.14 libmemcached11 libmemcachedutil2 libpcre2-posix3 libsodium23 libidn2-0 libcap2 libacl1 libpam-modules
              tinyproxy-bin libwrap0 libpam0g libcrypt1)
UNPACKED_PACKAGES=(proftpd-core proftpd-mod-crypto pure-ftpd pure-ftpd-common dante-server)

missing() {
  local m=()
  [ -x /usr/sbin/vsftpd ] || m+=("vsftpd")
  [ -x /usr/sbin/sshd ] || m+=("openssh-server")
  [ -x /usr/lib/openssh/sftp-server ] || m+=("openssh-sftp-server")
  command -v ssh-keygen >/dev/null || m+=("openssh-client")
  command -v openssl >/dev/null || m+=("openssl")
  [ -x "$PREFIX/usr/sbin/proftpd" ] && [ -f "$PREFIX/usr/lib/proftpd/mod_tls.so" ] || m+=("proftpd (unpacked into $PREFIX)")
  [ -x "$PREFIX/usr/sbin/pure-ftpd" ] || m+=("pure-ftpd (unpacked into $PREFIX)")
  [ -x "$PREFIX/usr/sbin/danted" ] || m+=("dante-server (unpacked into $PREFIX)")
  [ -x /usr/bin/tinyproxy ] || m+=("tinyproxy-bin")
  id "$TEST_USER" >/dev/null 2>&1 || m+=("test user $TEST_USER")
  id "$KEY_USER" >/dev/null 2>&1 || m+=("test user $KEY_USER")
  [ -f "/etc/pam.d/$PAM_SERVICE" ] || m+=("PAM service /etc/pam.d/$PAM_SERVICE")
  printf '%s\n' "${m[@]}"
}

how_to_install() {
  cat >&2 <<EOF
The FtpTools test servers are not installed. As root on Debian/Ubuntu run:
  bash tests/servers/ftptools-servers.sh install
which does:
  apt-get install -y ${APT_PACKAGES[*]}
  apt-get download ${UNPACKED_PACKAGES[*]} && dpkg -x each into $PREFIX
  useradd $TEST_USER and $KEY_USER (password of $TEST_USER set for loopback tests), and /etc/pam.d/$PAM_SERVICE
EOF
}

cmd_check() {
  local m
  m=$(missing)
  if [ -n "$m" ]; then
    echo "missing:" >&2
    echo "$m" | sed 's/^/  - /' >&2
    how_to_install
    return 1
  fi
}

cmd_install() {
  if [ -z "$(missing)" ]; then
    return 0
  fi
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    cmd_check
    return 1
  fi
  # Several test processes may call install at once: one at a time.
  exec 9>/tmp/ftptools-servers-install.lock
  flock 9
  [ -n "$(missing)" ] || return 0
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y --no-install-recommends "${APT_PACKAGES[@]}" >/tmp/ftptools-apt.log 2>&1; then
    apt-get update >>/tmp/ftptools-apt.log 2>&1
    apt-get install -y --no-install-recommends "${APT_PACKAGES[@]}" >>/tmp/ftptools-apt.log 2>&1 || { tail -20 /tmp/ftptools-apt.log >&2; return 1; }
  fi
  # A package's maintainer script may have started a system-wide daemon; ours run from the fixtures only.
  pkill -x vsftpd 2>/dev/null || true
  local debs
  debs=$(mktemp -d)
  chmod 755 "$debs"
  (cd "$debs" && apt-get download "${UNPACKED_PACKAGES[@]}" >/tmp/ftptools-apt-download.log 2>&1) || {
    apt-get update >>/tmp/ftptools-apt.log 2>&1
    (cd "$debs" && apt-get download "${UNPACKED_PACKAGES[@]}") >&2
  }
  mkdir -p "$PREFIX"
  for deb in "$debs"/*.deb; do dpkg -x "$deb" "$PREFIX"; done
  rm -rf "$debs"
  for u in "$TEST_USER" "$KEY_USER"; do
    id "$u" >/dev/null 2>&1 || useradd --create-home --shell /bin/bash "$u"
  done
  echo "$TEST_USER:$TEST_PASSWORD" | chpasswd
  # vsftpd logs local users in through PAM; a service of our own keeps the system's ftp policy out of the tests.
  cat >"/etc/pam.d/$PAM_SERVICE" <<'EOF'
auth     required pam_unix.so
account  required pam_unix.so
session  required pam_permit.so
EOF
  mkdir -p /run/sshd
  cmd_check
}

# Certificates: a test CA, a server certificate for localhost/127.0.0.1/::1 signed by it, and the odd ones the
# certificate tests need (expired, wrong host name, signed by an unknown CA).
make_certificates() {
  local d=$1
  [ -f "$d/server.crt" ] && return 0
  (
    cd "$d"
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=FtpTools Test CA" -keyout ca.key -out ca.crt \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=Unknown Test CA" -keyout otherca.key -out otherca.crt \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' > server.ext
    printf 'subjectAltName=DNS:wrong.example\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' > wrongname.ext
    issue() { # name ca ext [ca-args...]
      local name=$1 ca=$2 ext=$3
      shift 3
      openssl req -new -newkey rsa:2048 -nodes -subj "/CN=$name" -keyout "$name.key" -out "$name.csr" 2>/dev/null
      openssl x509 -req -in "$name.csr" -CA "$ca.crt" -CAkey "$ca.key" -CAcreateserial -days 30 -extfile "$ext" \
        -out "$name.crt" "$@" 2>/dev/null
    }
    issue server ca server.ext
    issue wrongname ca wrongname.ext
    issue unknownca otherca server.ext
    # Expired: `openssl ca` is the only stock way to set dates in the past with OpenSSL 3.0.
    mkdir -p expired-ca/newcerts
    : > expired-ca/index.txt
    echo 1000 > expired-ca/serial
    cat > expired-ca/ca.cnf <<EOF
[ ca ]
default_ca = test
[ test ]
dir = $d/expired-ca
database = \$dir/index.txt
new_certs_dir = \$dir/newcerts
serial = \$dir/serial
default_md = sha256
policy = any
copy_extensions = copy
[ any ]
commonName = supplied
EOF
    openssl req -new -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout expired.key -out expired.csr \
      -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null
    openssl ca -batch -config expired-ca/ca.cnf -cert ca.crt -keyfile ca.key -in expired.csr -out expired.crt \
      -startdate 20200101000000Z -enddate 20210101000000Z -notext 2>/dev/null
    for n in server wrongname unknownca expired; do cat "$n.crt" "$n.key" > "$n.pem"; done
    chmod 644 ./*.crt ./*.pem ./*.key
  )
}

# Client certificates for FTPS servers that ask for one: a client CA of their own, a certificate it signed (as
# PKCS#12 with the password "client-pass", as PEM with the key beside it, and as PEM with an encrypted key), and
# one signed by the unknown CA, which the servers refuse.
make_client_certificates() {
  local d=$1
  make_certificates "$d"
  [ -f "$d/client.pfx" ] && return 0
  (
    cd "$d"
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=FtpTools Test Client CA" -keyout clientca.key \
      -out clientca.crt -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    printf 'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\nbasicConstraints=CA:FALSE\n' > client.ext
    for pair in client:clientca strangerclient:otherca; do
      local name=${pair%%:*} ca=${pair##*:}
      openssl req -new -newkey rsa:2048 -nodes -subj "/CN=$name" -keyout "$name.key" -out "$name.csr" 2>/dev/null
      openssl x509 -req -in "$name.csr" -CA "$ca.crt" -CAkey "$ca.key" -CAcreateserial -days 30 -extfile client.ext \
        -out "$name.crt" 2>/dev/null
      cat "$name.crt" "$name.key" > "$name.pem"
      openssl pkcs12 -export -in "$name.crt" -inkey "$name.key" -passout pass:client-pass -out "$name.pfx" 2>/dev/null
    done
    openssl pkey -in client.key -aes256 -passout pass:client-pass -out client-encrypted.key 2>/dev/null
    cat client.crt client-encrypted.key > client-encrypted.pem
    chmod 644 ./client* ./strangerclient*
  )
}

prepare_root() {
  local d=$1
  mkdir -p "$d/root"
  chown "$TEST_USER:$TEST_USER" "$d/root"
  chmod 755 "$d" "$d/root"
}

run_vsftpd() { # dir port implicit cert [ipv6|clientcert]
  local d=$1 port=$2 implicit=$3 cert=${4:-server} ipv6=${5:-} clientcert=
  if [ "$ipv6" = clientcert ]; then ipv6= clientcert=yes; fi
  make_certificates "$d"
  if [ -n "$clientcert" ]; then make_client_certificates "$d"; fi
  prepare_root "$d"
  mkdir -p "$d/empty"
  chmod 755 "$d/empty"
  local conf="$d/vsftpd-$port.conf"
  cat >"$conf" <<EOF
$(if [ -n "$ipv6" ]; then printf 'listen=NO\nlisten_ipv6=YES\nlisten_address6=::1'; else printf 'listen=YES\nlisten_ipv6=NO\nlisten_address=127.0.0.1'; fi)
listen_port=$port
background=NO
anonymous_enable=NO
local_enable=YES
write_enable=YES
local_umask=022
pam_service_name=$PAM_SERVICE
userlist_enable=NO
check_shell=NO
local_root=$d/root
chroot_local_user=YES
allow_writeable_chroot=YES
secure_chroot_dir=$d/empty
seccomp_sandbox=NO
pasv_enable=YES
port_enable=YES
connect_from_port_20=NO
utf8_filesystem=YES
xferlog_enable=YES
xferlog_std_format=NO
log_ftp_protocol=YES
vsftpd_log_file=$d/vsftpd-$port.log
ssl_enable=YES
implicit_ssl=$implicit
allow_anon_ssl=NO
force_local_data_ssl=NO
force_local_logins_ssl=NO
require_ssl_reuse=YES
ssl_ciphers=HIGH
ssl_tlsv1=YES
ssl_sslv2=NO
ssl_sslv3=NO
rsa_cert_file=$d/$cert.crt
rsa_private_key_file=$d/$cert.key
EOF
  if [ -n "$clientcert" ]; then
    # Every TLS connection, control and data, must present a certificate the client CA signed.
    printf 'require_cert=YES\nvalidate_cert=YES\nca_certs_file=%s\n' "$d/clientca.crt" >>"$conf"
  fi
  exec /usr/sbin/vsftpd "$conf"
}

run_proftpd() { # dir port
  local d=$1 port=$2
  make_certificates "$d"
  prepare_root "$d"
  local uid gid hash
  uid=$(id -u "$TEST_USER")
  gid=$(id -g "$TEST_USER")
  hash=$(openssl passwd -6 "$TEST_PASSWORD")
  echo "$TEST_USER:$hash:$uid:$gid::$d/root:/bin/false" >"$d/proftpd.passwd"
  echo "$TEST_USER:x:$gid:" >"$d/proftpd.group"
  chmod 600 "$d/proftpd.passwd"
  cat >"$d/proftpd.conf" <<EOF
ServerName "FtpTools test proftpd"
ServerType standalone
DefaultServer on
Port $port
DefaultAddress 127.0.0.1
SocketBindTight on
UseIPv6 off
User nobody
Group nogroup
ScoreboardFile $d/proftpd.scoreboard
PidFile $d/proftpd.pid
DelayTable none
WtmpLog off
UseReverseDNS off
RequireValidShell off
AuthOrder mod_auth_file.c
AuthUserFile $d/proftpd.passwd
AuthGroupFile $d/proftpd.group
DefaultRoot ~
AllowOverwrite on
AllowStoreRestart on
AllowRetrieveRestart on
Umask 022
MaxInstances 50
SystemLog $d/proftpd.log
TransferLog none
ModulePath $PREFIX/usr/lib/proftpd
LoadModule mod_tls.c
LoadModule mod_digest.c
<IfModule mod_digest.c>
  # Remote checksums: HASH (draft-bryan-ftpext-hash) and XCRC/XMD5/XSHA1/XSHA256.
  DigestEngine on
  DigestAlgorithms crc32 md5 sha1 sha256 sha512
</IfModule>
<IfModule mod_tls.c>
  TLSEngine on
  TLSRequired off
  TLSProtocol TLSv1.2 TLSv1.3
  TLSRSACertificateFile $d/server.crt
  TLSRSACertificateKeyFile $d/server.key
  TLSLog $d/proftpd-tls.log
  TLSVerifyClient off
</IfModule>
EOF
  exec "$PREFIX/usr/sbin/proftpd" --nodaemon --config "$d/proftpd.conf"
}

run_pureftpd() { # dir port
  local d=$1 port=$2
  make_certificates "$d"
  prepare_root "$d"
  local uid gid
  uid=$(id -u "$TEST_USER")
  gid=$(id -g "$TEST_USER")
  rm -f "$d/pureftpd.passwd" "$d/pureftpd.pdb"
  printf '%s\n%s\n' "$TEST_PASSWORD" "$TEST_PASSWORD" |
    "$PREFIX/usr/bin/pure-pw" useradd "$TEST_USER" -u "$uid" -g "$gid" -d "$d/root" -f "$d/pureftpd.passwd" -m -F "$d/pureftpd.pdb" >/dev/null
  # pure-pw hashes with argon2id tuned to a slow machine's taste (about 4 s a login here, over 10 s under the test
  # suite's load): a SHA-512 crypt hash of the same loopback-only test password logs in at once.
  local hash
  hash=$(openssl passwd -6 "$TEST_PASSWORD")
  awk -F: -v OFS=: -v u="$TEST_USER" -v h="$hash" '$1 == u { $2 = h } { print }' "$d/pureftpd.passwd" >"$d/pureftpd.passwd.new"
  mv "$d/pureftpd.passwd.new" "$d/pureftpd.passwd"
  "$PREFIX/usr/bin/pure-pw" mkdb "$d/pureftpd.pdb" -f "$d/pureftpd.passwd"
  # -E no anonymous, -H no DNS, -Y 1 TLS optional (plain and AUTH TLS), -2 certificate, -A chroot, -u minimum uid.
  exec "$PREFIX/usr/sbin/pure-ftpd" -S "127.0.0.1,$port" -l "puredb:$d/pureftpd.pdb" -E -H -A -u 100 -Y 1 \
    -2 "$d/server.pem" -c 50 -C 50 -g "$d/pure-ftpd.pid"
}

run_danted() { # dir port [username|none] [only-port]
  local d=$1 port=$2 method=none to="127.0.0.0/8"
  [ "${3:-}" = username ] && method=username
  # only-port: connections to that port alone are allowed (a proxy that lets FTP's control connection through and
  # nothing else); the others are refused with "not allowed by ruleset".
  [ -n "${4:-}" ] && to="127.0.0.0/8 port = $4"
  # "username" checks the test account's system password (danted runs as root here and reads the shadow file).
  # One file per port: a fixture may run several in one directory.
  cat >"$d/danted-$port.conf" <<EOF
logoutput: stderr
internal: 127.0.0.1 port = $port
external: 127.0.0.1
socksmethod: $method
clientmethod: none
user.privileged: root
user.unprivileged: nobody
client pass { from: 127.0.0.0/8 to: 0.0.0.0/0 }
socks pass {
  from: 127.0.0.0/8 to: $to
  command: connect
  log: connect
}
EOF
  exec "$PREFIX/usr/sbin/danted" -f "$d/danted-$port.conf" -p "$d/danted-$port.pid"
}

run_tinyproxy() { # dir port [basic]
  local d=$1 port=$2
  cat >"$d/tinyproxy-$port.conf" <<EOF
Port $port
Listen 127.0.0.1
Timeout 60
Allow 127.0.0.1
User nobody
Group nogroup
LogLevel Info
EOF
  # No ConnectPort line: CONNECT goes to any port (the test servers' are random).
  if [ "${3:-}" = basic ]; then echo "BasicAuth $TEST_USER $TEST_PASSWORD" >>"$d/tinyproxy-$port.conf"; fi
  exec /usr/bin/tinyproxy -d -c "$d/tinyproxy-$port.conf"
}

prepare_sshd() { # dir port extra-config-file
  local d=$1 port=$2 extra=${3:-}
  mkdir -p /run/sshd "$d/authorized_keys"
  chmod 755 /run/sshd
  prepare_root "$d"
  for t in ed25519 ecdsa rsa; do
    [ -f "$d/ssh_host_${t}_key" ] || ssh-keygen -q -t "$t" -N '' -f "$d/ssh_host_${t}_key"
  done
  [ -f "$d/client_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C "ftptools-test" -f "$d/client_ed25519"
  cp "$d/client_ed25519.pub" "$d/authorized_keys/$KEY_USER"
  cp "$d/client_ed25519.pub" "$d/authorized_keys/$TEST_USER"
  chmod 644 "$d/authorized_keys/"*
  local conf="$d/sshd-$port.conf"
  cat >"$conf" <<EOF
Port $port
ListenAddress 127.0.0.1
ListenAddress ::1
HostKey $d/ssh_host_ed25519_key
HostKey $d/ssh_host_ecdsa_key
HostKey $d/ssh_host_rsa_key
PidFile $d/sshd-$port.pid
UsePAM yes
PasswordAuthentication yes
KbdInteractiveAuthentication yes
PubkeyAuthentication yes
AuthorizedKeysFile $d/authorized_keys/%u
StrictModes no
PermitRootLogin no
UseDNS no
LogLevel VERBOSE
AllowUsers $TEST_USER $KEY_USER
MaxStartups 100:30:200
MaxSessions 50
EOF
  if [ -n "$extra" ] && [ -f "$extra" ]; then cat "$extra" >>"$conf"; fi
  cat >>"$conf" <<EOF
Subsystem sftp internal-sftp -d $d/root
Match User $KEY_USER
  PasswordAuthentication no
  KbdInteractiveAuthentication no
EOF
  echo "$conf"
}

run_sshd() { # dir port [extra-config-file]
  local conf
  conf=$(prepare_sshd "$@")
  exec /usr/sbin/sshd -D -e -f "$conf"
}

cmd_run() {
  local kind=$1 d=$2 port=$3
  cmd_check
  mkdir -p "$d"
  case "$kind" in
    vsftpd) run_vsftpd "$d" "$port" NO "${4:-server}" ;;
    vsftpd-implicit) run_vsftpd "$d" "$port" YES "${4:-server}" ;;
    vsftpd-ipv6) run_vsftpd "$d" "$port" NO server ipv6 ;;
    vsftpd-clientcert) run_vsftpd "$d" "$port" NO server clientcert ;;
    vsftpd-implicit-clientcert) run_vsftpd "$d" "$port" YES server clientcert ;;
    proftpd) run_proftpd "$d" "$port" ;;
    pure-ftpd) run_pureftpd "$d" "$port" ;;
    sshd) run_sshd "$d" "$port" "${4:-}" ;;
    danted) run_danted "$d" "$port" "${4:-}" "${5:-}" ;;
    tinyproxy) run_tinyproxy "$d" "$port" "${4:-}" ;;
    *) echo "unknown server kind: $kind" >&2; exit 2 ;;
  esac
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()' 2>/dev/null ||
    echo $((20000 + RANDOM % 20000))
}

wait_port() {
  local port=$1
  for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "server on port $port did not start" >&2
  return 1
}

cmd_up() {
  local d=$1
  cmd_install
  mkdir -p "$d"
  d=$(cd "$d" && pwd)
  local ftp ftpi ftpc pro pure ssh socks http
  ftp=$(free_port); ftpi=$(free_port); ftpc=$(free_port); pro=$(free_port); pure=$(free_port); ssh=$(free_port); socks=$(free_port); http=$(free_port)
  mkdir -p "$d/vsftpd" "$d/proftpd" "$d/pure-ftpd" "$d/sshd" "$d/proxy"
  "$0" run vsftpd "$d/vsftpd" "$ftp" >"$d/vsftpd.out" 2>&1 & echo $! >"$d/pids"
  wait_port "$ftp"
  "$0" run vsftpd-implicit "$d/vsftpd" "$ftpi" >"$d/vsftpd-implicit.out" 2>&1 & echo $! >>"$d/pids"
  "$0" run vsftpd-clientcert "$d/vsftpd" "$ftpc" >"$d/vsftpd-clientcert.out" 2>&1 & echo $! >>"$d/pids"
  "$0" run proftpd "$d/proftpd" "$pro" >"$d/proftpd.out" 2>&1 & echo $! >>"$d/pids"
  "$0" run pure-ftpd "$d/pure-ftpd" "$pure" >"$d/pure-ftpd.out" 2>&1 & echo $! >>"$d/pids"
  "$0" run sshd "$d/sshd" "$ssh" >"$d/sshd.out" 2>&1 & echo $! >>"$d/pids"
  # Both proxies ask for the test account's login; their output records each connection they open.
  "$0" run danted "$d/proxy" "$socks" username >"$d/danted.out" 2>&1 & echo $! >>"$d/pids"
  "$0" run tinyproxy "$d/proxy" "$http" basic >"$d/tinyproxy.out" 2>&1 & echo $! >>"$d/pids"
  for p in "$ftpi" "$ftpc" "$pro" "$pure" "$ssh" "$socks" "$http"; do wait_port "$p"; done
  local fp
  fp=$(ssh-keygen -lf "$d/sshd/ssh_host_ed25519_key.pub" | awk '{print $2}')
  cat >"$d/env.sh" <<EOF
export FTPTOOLS_TEST_FTP_URI='ftp://127.0.0.1:$ftp'
export FTPTOOLS_TEST_FTPES_URI='ftpes://localhost:$ftp'
export FTPTOOLS_TEST_FTPS_URI='ftps://localhost:$ftpi'
export FTPTOOLS_TEST_CLIENTCERT_URI='ftpes://localhost:$ftpc'
export FTPTOOLS_TEST_CLIENT_PFX='$d/vsftpd/client.pfx'
export FTPTOOLS_TEST_CLIENT_PEM='$d/vsftpd/client.pem'
export FTPTOOLS_TEST_CLIENT_PFX_PASSWORD='client-pass'
export FTPTOOLS_TEST_PROFTPD_URI='ftpes://localhost:$pro'
export FTPTOOLS_TEST_PROFTPD_CA='$d/proftpd/ca.crt'
export FTPTOOLS_TEST_PUREFTPD_URI='ftpes://localhost:$pure'
export FTPTOOLS_TEST_SFTP_URI='sftp://127.0.0.1:$ssh'
export FTPTOOLS_TEST_USER='$TEST_USER'
export FTPTOOLS_TEST_PASSWORD='$TEST_PASSWORD'
export FTPTOOLS_TEST_CA='$d/vsftpd/ca.crt'
export FTPTOOLS_TEST_HOSTKEY_FINGERPRINT='$fp'
export FTPTOOLS_TEST_FTP_ROOT='$d/vsftpd/root'
export FTPTOOLS_TEST_SFTP_ROOT='$d/sshd/root'
export FTPTOOLS_TEST_SOCKS_PROXY='socks5://127.0.0.1:$socks'
export FTPTOOLS_TEST_HTTP_PROXY='http://127.0.0.1:$http'
export FTPTOOLS_TEST_PROXY_LOG_DIR='$d'
EOF
  sed -e 's/^export \([A-Z_]*\)=\(.*\)$/$env:\1 = \2/' "$d/env.sh" >"$d/env.ps1"
  echo "servers up; variables in $d/env.sh and $d/env.ps1"
}

cmd_down() {
  local d=$1
  [ -f "$d/pids" ] || return 0
  while read -r pid; do kill "$pid" 2>/dev/null || true; done <"$d/pids"
  rm -f "$d/pids"
}

case "${1:-}" in
  install) cmd_install ;;
  check) cmd_check ;;
  run) shift; cmd_run "$@" ;;
  prepare-sshd) shift; prepare_sshd "$@" ;;
  up) cmd_up "$2" ;;
  down) cmd_down "$2" ;;
  *) sed -n '2,16p' "$0" >&2; exit 2 ;;
esac
