#!/bin/sh
# The collector as ../shared/bench-peers/run.sh runs it, with the database's
# rotation off:  CLD=bench/peers-cld.sh ../shared/bench-peers/run.sh versus
#
# The harness turns the text file's rotation off (--rotate-size 100G) and
# counts the rows of the one database file it names (--db); this turns the
# database's rotation off the same way, so that the count holds. Ingest with
# rotation and retention at work is bench/retention.py.
# CENTRALLOGD: the binary (default: build/bin/centrallogd of this tree).
here=$(cd "$(dirname "$0")" && pwd)
exec "${CENTRALLOGD:-$here/../build/bin/centrallogd}" "$@" --db-rotate-size 100G
