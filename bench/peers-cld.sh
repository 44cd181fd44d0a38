#!/bin/sh
# The collector as ../shared/bench-peers/run.sh runs it:
#     CLD=bench/peers-cld.sh ../shared/bench-peers/run.sh versus
#
# The harness counts rows in `entries` of the one database file it names
# (--db D/logs.db) and turns the text file's rotation off (--rotate-size
# 100G). Our --db names a catalog, and the rows are in the live partition
# beside it (docs/DESIGN.md, "Storage"). So this gives the collector a data
# directory of its own, D/cl-data/ (not logs.db*, which the harness removes
# with rm -f after a run), turns the database's rotation off
# the way the harness turns the text file's off (one partition holds the
# whole run), and makes D/logs.db a link to that live partition as soon as
# it exists, for the harness to poll and count. Ingest with rotation and
# retention at work is bench/retention.py.
# bench/peers-env.sh removes D/cl-data after the harness unless KEEP=1;
# called directly, the harness leaves it (~180 MB per million entries).
# CENTRALLOGD: the binary (default: build/bin/centrallogd of this tree).
here=$(cd "$(dirname "$0")" && pwd)
bin=${CENTRALLOGD:-$here/../build/bin/centrallogd}
db=""
n=$#
i=0
while [ $i -lt $n ]; do
    a=$1
    shift
    i=$((i + 1))
    if [ "$a" = "--db" ]; then
        db=$1
        shift
        i=$((i + 1))
        data="$(dirname "$db")/cl-data"
        mkdir -p "$data"
        set -- "$@" --db "$data/centrallog.db"
    else
        set -- "$@" "$a"
    fi
done
if [ -n "$db" ]; then
    live="$data/centrallog.d/live-00000000000000000001.db"
    (
        for _ in $(seq 1 200); do
            [ -f "$live" ] && break
            sleep 0.05
        done
        ln -sf "$live" "$db"
    ) &
fi
exec "$bin" "$@" --db-rotate-size 100G
