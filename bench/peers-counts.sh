#!/bin/sh
# peers-counts.sh [FIRST_ROW] - the exact-count verdict of each run of the peer
# harness (../shared/bench-peers/run.sh) in $WORK/results/daemons.tsv, from
# row FIRST_ROW on (default 1); bench/peers-env.sh runs it after the harness
# for the rows that run added. Exit status 1 if a run's counts are not exact.
#
# Why: the harness's `ok` column wants exactly N lines in the text file, and
# CentralLog's text file begins with its marker line ("# centrallogd text
# log ...", which makes the file recognisably the collector's own), so `cl`
# always shows ok=0 with file=N+1 db=N. Here a `cl` run is exact when the
# database holds N rows and the file N lines beyond the marker. With KEEP=1
# the run's outputs are still there and this also checks that the first
# line is the marker and that each producer's entries are stored in the
# order sent (the harness's reorder column cannot see it for `cl`: it looks
# for "app":"..." in the text line, which the text format shows as app[pid]).
set -eu
WORK=${WORK:-/tmp/peers-bench}
tsv=$WORK/results/daemons.tsv
first=${1:-1}
[ -f "$tsv" ] || {
    echo "peers-counts.sh: no $tsv" >&2
    exit 1
}

# marker_and_order DIR: the checks a kept `cl` run allows; prints a note
marker_and_order() {
    d=$1
    [ -f "$d/out.log" ] && [ -e "$d/logs.db" ] || {
        echo "(outputs removed: KEEP=1 keeps them)"
        return 0
    }
    head -1 "$d/out.log" | grep -q '^# centrallogd text log' || {
        echo "FIRST LINE IS NOT THE MARKER"
        return 1
    }
    bad=$(sqlite3 "$d/logs.db" "SELECT count(*) FROM (SELECT CAST(json_extract(extra, '\$.seq') AS INTEGER) AS s,
        lag(CAST(json_extract(extra, '\$.seq') AS INTEGER)) OVER (PARTITION BY app ORDER BY id) AS p
        FROM entries) WHERE p IS NOT NULL AND s != p + 1")
    [ "$bad" = 0 ] || {
        echo "$bad ENTRIES OUT OF ORDER"
        return 1
    }
    echo "(first line the marker; every producer's seq in order in the database)"
}

status=0
rows=$(tail -n "+$first" "$tsv")
[ -n "$rows" ] || exit 0
printf '%-11s %-19s %-36s %8s %3s  %s\n' group config params N rep "exact counts"
echo "$rows" | {
    while IFS="$(printf '\t')" read -r group cfg params n rep _rate _el _send _hwm _cpu fcount dcount ok _reord; do
        verdict="NO (file=$fcount db=$dcount ok=$ok)"
        if [ "$cfg" = cl ]; then
            if [ "$dcount" = "$n" ] && [ "$fcount" = "$((n + 1))" ]; then
                if note=$(marker_and_order "$WORK/run/$group-cl-$rep"); then
                    verdict="yes: db=$n, file=$n + marker line $note"
                else
                    verdict="NO: $note"
                fi
            fi
        elif [ "$ok" = 1 ]; then
            verdict="yes (file=$fcount db=$dcount)"
        fi
        case $verdict in NO*) status=1 ;; esac
        printf '%-11s %-19s %-36s %8s %3s  %s\n' "$group" "$cfg" "$params" "$n" "$rep" "$verdict"
    done
    exit $status
}
