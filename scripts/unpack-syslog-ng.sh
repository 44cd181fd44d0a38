#!/bin/sh
# unpack-syslog-ng.sh DEST - unpacks Debian's syslog-ng-core package under
# DEST without installing it, for tests/e2e/test_forward.py, which runs
# DEST/usr/sbin/syslog-ng in the foreground with its own config. Installing
# it is not an option: it conflicts with rsyslog, which the RELP tests need.
# Its shared libraries are installed by scripts/install-deps.sh. Does
# nothing if DEST already holds it.
set -eu
dest=${1:?usage: unpack-syslog-ng.sh DEST}
[ -x "$dest/usr/sbin/syslog-ng" ] && exit 0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# apt's download sandbox user must be able to write there.
chmod 755 "$tmp"
(cd "$tmp" && apt-get download syslog-ng-core >/dev/null 2>&1) || {
    echo "unpack-syslog-ng.sh: apt-get download syslog-ng-core failed (apt-get update?)" >&2
    exit 1
}
mkdir -p "$dest"
dpkg-deb -x "$tmp"/syslog-ng-core_*.deb "$dest"
