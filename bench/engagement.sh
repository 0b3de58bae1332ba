#!/usr/bin/env bash
# Benchmark of bg.refresh_engagement (issue 14, bench/engagement.sql) against
# plain SQL, the bare count and the single-account aggregate, over
# 20 000 000 activities of 2 000 000 people.
#   bench/engagement.sh                      a throwaway cluster (pg_virtualenv)
#   KEEP=/tmp/engbench bench/engagement.sh   a cluster kept in that directory:
#                                            the data is generated on the first
#                                            run only; bg is made again each run
#   PEOPLE=200000 ACCOUNTS=20000 ACTIVITIES=2000000 RUNS=3 bench/engagement.sh
set -euo pipefail
bench=$(cd "$(dirname "$0")" && pwd)
cd "${BG_DIR:-$bench/..}"
PEOPLE=${PEOPLE:-2000000}
ACCOUNTS=${ACCOUNTS:-200000}
ACTIVITIES=${ACTIVITIES:-20000000}
RUNS=${RUNS:-3}
KEEP=${KEEP:-}
scripts/build.sh
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB"
echo "data: $PEOPLE people, $ACCOUNTS accounts, $ACTIVITIES activities; $RUNS rounds; bg from $(pwd)"
steps="
    psql -X -q -c 'SET client_min_messages = warning' -c 'DROP EXTENSION IF EXISTS bg CASCADE'
    # the data of an earlier run, complete (analyzed at the end of engagement_gen.sql)
    [ -n \"\$(psql -X -qAt -c \"SELECT 1 FROM pg_class WHERE relname = 'activities' AND reltuples > 0\")\" ] || {
        psql -X -q -v people=$PEOPLE -v accounts=$ACCOUNTS -f $bench/gen.sql
        psql -X -q -v activities=$ACTIVITIES -f $bench/engagement_gen.sql
    }
    psql -X -q -c 'CREATE EXTENSION bg'
    psql -X -q -f $bench/template.sql
    psql -X -q -f $bench/engagement_setup.sql
    psql -X -q -v runs=$RUNS -f $bench/engagement.sql
"
conf="-c shared_buffers=1GB -c max_wal_size=8GB -c checkpoint_timeout=30min"
if [ -z "$KEEP" ]; then
    pg_virtualenv -t -v 15 -i '--encoding=UTF8 --locale=C.UTF-8' \
        -o shared_buffers=1GB -o max_wal_size=8GB -o checkpoint_timeout=30min sh -ec "$steps"
    exit
fi
# a cluster of our own in $KEEP, run as postgres, its socket in $KEEP
bin=/usr/lib/postgresql/15/bin
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ ! -f "$KEEP/PG_VERSION" ]; then
    mkdir -p "$KEEP"; [ "$(id -u)" != 0 ] || chown postgres: "$KEEP"
    as_pg $bin/initdb -D "$KEEP" --encoding=UTF8 --locale=C.UTF-8 -A trust >/dev/null
fi
as_pg $bin/pg_ctl -D "$KEEP" -l "$KEEP/log" -w -o "-k $KEEP -c listen_addresses='' $conf" start >/dev/null
trap 'as_pg $bin/pg_ctl -D "$KEEP" -w stop >/dev/null' EXIT
as_pg env PGHOST="$KEEP" PGUSER=postgres PGDATABASE=postgres sh -ec "$steps"
