#!/bin/sh
# install-deps.sh - installs the Debian packages CentralLog needs to build,
# run and test, when they are missing. As root it runs apt-get itself;
# otherwise it prints the exact command and stops, so nothing happens behind
# the user's back.
set -eu

# Build: compiler, CMake, the four libraries (zlib compresses rotated text
# files). Tests: cmocka, Debian's python3
# with python3-jsonschema (schema conformance) and sqlite3 (inspection);
# clang with its runtime libraries (libFuzzer, ASan, UBSan) for the fuzz
# targets and valgrind for the memcheck run (make test-fuzz, test-valgrind);
# clang-format checks the C sources against .clang-format (make test-format).
# netcat-openbsd gives the one-line "send a first entry" shown at start-up.
# systemd provides systemd-analyze and systemd-sysusers, which check the units
# in packaging/systemd (tests/e2e/test_systemd_units.py); nothing is started.
# unicode-data (Unicode's DerivedCoreProperties.txt, ~1 MB) is the oracle that
# tests/unit/test_cli_unsafe.c checks common/unsafe.c's table against.
PKGS="build-essential cmake pkg-config libcjson-dev libsqlite3-dev zlib1g-dev libcmocka-dev \
python3 python3-jsonschema sqlite3 netcat-openbsd clang libclang-rt-dev clang-format valgrind \
systemd unicode-data"
PKGS="$PKGS librelp-dev rsyslog-relp" # relp:// forwarding (collector/forward/fwd_relp.c); tests/e2e/test_forward_relp.py runs rsyslogd with imrelp
PKGS="$PKGS tmux less" # test_cli_pager.py: a real terminal (tmux) showing the default pager (less)
PKGS="$PKGS scdoc man-db lnav zsh" # man pages from docs/man/*.scd (build; man-db renders them in test_man), lnav formats (test_lnav), zsh completion (test_completion)
PKGS="$PKGS rsyslog" # rsyslogd -> omuxsock -> --syslog-socket: tests/e2e/test_syslog_socket.py
PKGS="$PKGS libpcre2-dev" # PCRE2 for centrallog -g/--grep (tools/regex.c); test_cli_regex, test_cli_grep_regex
PKGS="$PKGS libgnutls28-dev openssl" # syslog+tls:// (collector/forward/fwd_tls.c); openssl makes the test CA of tests/e2e/test_forward_tls.py
PKGS="$PKGS libglib2.0-0 libivykis0 libjson-c5 libnet1 libpcre3 libwrap0 libcap2" # syslog-ng-core's libraries: tests/e2e/test_forward.py runs it unpacked by scripts/unpack-syslog-ng.sh
PKGS="$PKGS strace" # test_shutdown.py test_sigterm_while_starting: delays listen()'s return to widen the start-up moment
PKGS="$PKGS systemd-journal-remote" # centrallog -o export | systemd-journal-remote: tests/e2e/test_cli_modes.py test_export reads the journal back with journalctl --file
# --windows: the cross toolchain and Wine for the Windows build and its tests
# (make test-win); dpkg-dev and tcl turn Debian's source packages of cJSON,
# SQLite and cmocka into Windows libraries (scripts/build-win-deps.sh).
if [ "${1:-}" = "--windows" ]; then
    PKGS="$PKGS mingw-w64 wine wine64 dpkg-dev tcl debian-archive-keyring"
fi

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

echo "centrallog: installing missing packages:$missing" >&2
if [ "$(id -u)" -eq 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086 # word splitting of the package list is wanted
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
    exit 0
fi
echo "centrallog: these Debian packages are missing:$missing" >&2
echo "Install them, then run the command again:" >&2
echo "    sudo apt-get install$missing" >&2
exit 1
