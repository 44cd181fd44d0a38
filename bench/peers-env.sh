#!/bin/sh
# peers-env.sh - runs the peer harness (../shared/bench-peers/run.sh) on a
# machine set up for CentralLog's tests, where rsyslog is installed and
# syslog-ng-core therefore cannot be (the two conflict):
#
#     bench/peers-env.sh build versus table        # steps of the harness, or
#     bench/peers-env.sh ../shared/bench-peers/run.sh build versus table
#     bench/peers-env.sh                           # only prepare; print what it set
#
# The harness's own "deps" step would apt-get install syslog-ng-core, which
# apt refuses (it would have to remove rsyslog), so this script does that
# step's work without installing anything that conflicts:
#   - syslog-ng-core and syslog-ng-mod-sql (the sql() destination) are
#     unpacked from their .debs under $WORK/syslog-ng-root, and a `syslog-ng`
#     on PATH ($WORK/env-bin) execs the unpacked daemon with its module path
#     and library directory (exec: the harness measures that PID's CPU/RSS);
#   - rsyslog's .deb is unpacked under $WORK/rsyslog-root, where the harness
#     looks for it;
#   - libdbi1 and libdbd-sqlite3 must be installed as packages (they conflict
#     with nothing): libdbi finds its drivers only in the directory compiled
#     into it, /usr/lib/<arch>/dbd. As root they are installed here with
#     --no-remove; otherwise the script prints the apt-get line and stops.
#   - $WORK/results/versions.txt and rsyslog-modules.txt, as "deps" writes them.
# Then it runs the command with that PATH, WORK exported and CLD defaulting
# to bench/peers-cld.sh of this tree, and after it the exact-count verdict of
# the runs it added (bench/peers-counts.sh); the exit status is the
# command's, else 1 if a run's counts were not exact. Steps "deps" and "all" (which begins
# with deps) are refused: name the steps instead.
#
# env: WORK (default /tmp/peers-bench, the harness's default), CLD,
#      PEERS_RUN (the harness, default ../shared/bench-peers/run.sh from the
#      repository's top directory, else /work/shared/bench-peers/run.sh).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
WORK=${WORK:-/tmp/peers-bench}
export WORK
CLD=${CLD:-$here/peers-cld.sh}
export CLD
debs=$WORK/debs
sngroot=$WORK/syslog-ng-root
rsroot=$WORK/rsyslog-root
envbin=$WORK/env-bin

die() {
    echo "peers-env.sh: $*" >&2
    exit 1
}

installed() { # installed PKG: whether dpkg has it installed
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

# Packages that do not conflict with rsyslog: the dbd driver (see above), the
# libraries of the unpacked daemons (scripts/install-deps.sh installs
# syslog-ng-core's and rsyslog's for the tests) and the harness's build tools.
need_packages() {
    missing=""
    for p in libdbi1 libdbd-sqlite3 libglib2.0-0 libivykis0 libjson-c5 libnet1 libpcre3 \
        libwrap0 libcap2 libestr0 libfastjson4 liblognorm5 gcc libc6-dev libsqlite3-dev sqlite3; do
        installed "$p" || missing="$missing $p"
    done
    [ -z "$missing" ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        echo "peers-env.sh: missing Debian packages:$missing" >&2
        die "install them (nothing conflicts with rsyslog): sudo apt-get install --no-remove$missing"
    fi
    echo "peers-env.sh: installing$missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086 # the list is meant to split
    apt-get install -y -qq --no-install-recommends --no-remove $missing >/dev/null
}

# deb NAME: the path of NAME's downloaded .deb (empty if none)
deb() {
    ls "$debs/$1"_*.deb 2>/dev/null | head -1
}

fetch_debs() {
    mkdir -p "$debs"
    # syslog-ng-mod-sql depends on exactly its own version of the core: fetch
    # both together. (Root downloads as root: the directory may not be
    # readable by apt's sandbox user.)
    if [ -z "$(deb syslog-ng-core)" ] || [ -z "$(deb syslog-ng-mod-sql)" ]; then
        rm -f "$debs"/syslog-ng-core_*.deb "$debs"/syslog-ng-mod-sql_*.deb
        (cd "$debs" && apt-get -o APT::Sandbox::User=root download syslog-ng-core syslog-ng-mod-sql \
            >/dev/null) || die "apt-get download syslog-ng-core syslog-ng-mod-sql failed (apt-get update?)"
    fi
    if [ -z "$(deb rsyslog)" ]; then
        (cd "$debs" && apt-get -o APT::Sandbox::User=root download rsyslog >/dev/null) ||
            die "apt-get download rsyslog failed (apt-get update?)"
    fi
}

unpack() {
    if [ ! -f "$sngroot/usr/lib/syslog-ng/3.38/libafsql.so" ] || [ ! -x "$sngroot/usr/sbin/syslog-ng" ]; then
        rm -rf "$sngroot"
        mkdir -p "$sngroot"
        dpkg-deb -x "$(deb syslog-ng-core)" "$sngroot"
        dpkg-deb -x "$(deb syslog-ng-mod-sql)" "$sngroot"
    fi
    if [ ! -x "$rsroot/usr/sbin/rsyslogd" ]; then
        mkdir -p "$rsroot"
        dpkg-deb -x "$(deb rsyslog)" "$rsroot"
    fi
}

# The `syslog-ng` the harness starts: the unpacked daemon, its modules (the
# binary's compiled-in module path is /usr/lib/syslog-ng/3.38) and its own
# libraries; LD_LIBRARY_PATH is set for it alone, not for the harness.
write_wrapper() {
    mkdir -p "$envbin"
    modules=$(ls -d "$sngroot"/usr/lib/syslog-ng/3.* | head -1)
    cat >"$envbin/syslog-ng.tmp" <<EOF
#!/bin/sh
# written by bench/peers-env.sh: Debian's syslog-ng unpacked in $sngroot
LD_LIBRARY_PATH=$sngroot/usr/lib/syslog-ng\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}
export LD_LIBRARY_PATH
exec $sngroot/usr/sbin/syslog-ng --module-path=$modules "\$@"
EOF
    chmod 755 "$envbin/syslog-ng.tmp"
    mv "$envbin/syslog-ng.tmp" "$envbin/syslog-ng"
}

# What the harness's deps step records, for its table.
write_versions() {
    res=$WORK/results
    mkdir -p "$res"
    {
        echo "# rsyslog modules in the Debian rsyslog package:"
        ls "$rsroot/usr/lib/x86_64-linux-gnu/rsyslog" | tr '\n' ' '
        echo
        echo "# apt-cache search rsyslog:"
        apt-cache search rsyslog
        echo "# apt-cache search omlibdbi:"
        apt-cache search omlibdbi || true
    } >"$res/rsyslog-modules.txt"
    {
        for p in syslog-ng-core syslog-ng-mod-sql; do
            echo "$p $(dpkg-deb -f "$(deb "$p")" Version) (Debian .deb unpacked in $sngroot, not installed)"
        done
        dpkg-query -W -f='${Package} ${Version} (installed)\n' libdbd-sqlite3 libdbi1 libsqlite3-0
        echo "rsyslog $(dpkg-deb -f "$(deb rsyslog)" Version) (Debian .deb unpacked in $rsroot, not installed)"
    } >"$res/versions.txt"
}

# A syslog-ng that cannot load a module the configs use fails here, not
# after a benchmark: every module named below must be listed.
check_syslog_ng() {
    mods=$("$envbin/syslog-ng" --version 2>&1) || die "the unpacked syslog-ng does not start: $mods"
    for m in affile afsocket afsql json-plugin syslogformat; do
        echo "$mods" | grep -q "$m" || die "the unpacked syslog-ng has no module $m: $mods"
    done
}

need_packages
fetch_debs
unpack
write_wrapper
write_versions
check_syslog_ng
PATH=$envbin:$PATH
export PATH

if [ $# -eq 0 ]; then
    echo "WORK=$WORK"
    echo "CLD=$CLD"
    echo "PATH=$envbin:\$PATH    # syslog-ng -> $sngroot"
    echo "rsyslog root: $rsroot"
    exit 0
fi
for a in "$@"; do
    case $a in
    deps | all) die "step '$a' would apt-get install syslog-ng-core (it conflicts with rsyslog); this script did its work: name the other steps (all = build raw daemons extra ablation long sweep variability table, after removing \$WORK/results/*.tsv)" ;;
    esac
done
case $1 in
build | raw | daemons | extra | ablation | long | sweep | variability | versus | table)
    if [ -z "${PEERS_RUN:-}" ]; then
        PEERS_RUN=$repo/../shared/bench-peers/run.sh
        [ -x "$PEERS_RUN" ] || PEERS_RUN=/work/shared/bench-peers/run.sh
    fi
    [ -x "$PEERS_RUN" ] || die "no harness at $PEERS_RUN: set PEERS_RUN"
    set -- "$PEERS_RUN" "$@"
    ;;
esac
# Run it, then give the exact-count verdict of the runs it added
# (bench/peers-counts.sh: the harness's ok column cannot count CentralLog's
# marker line).
tsv=$WORK/results/daemons.tsv
before=0
[ -f "$tsv" ] && before=$(wc -l <"$tsv")
rc=0
"$@" || rc=$?
after=0
[ -f "$tsv" ] && after=$(wc -l <"$tsv")
if [ "$after" -gt "$before" ]; then
    echo
    echo "== exact counts of the $((after - before)) runs above (bench/peers-counts.sh) =="
    "$here/peers-counts.sh" "$((before + 1))" || { [ "$rc" -ne 0 ] || rc=1; }
fi
# The harness removes each run's bulky outputs unless KEEP=1, but not the
# collector's data directory bench/peers-cld.sh made beside them (~180 MB a
# run of 1,000,000 entries).
if [ "${KEEP:-0}" != 1 ]; then
    rm -rf "$WORK"/run/*-cl-*/cl-data
fi
exit "$rc"
