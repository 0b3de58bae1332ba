#!/usr/bin/env bash
# Benchmark of creation jobs and sync alone (bench/groups.sql) in a throwaway
# cluster.  BG_DIR: the bg source tree to build (default: this one), so that
# another version can be measured with the same script.
#   PEOPLE=200000 ACCOUNTS=20000 RUNS=3 bench/groups.sh
set -euo pipefail
bench=$(cd "$(dirname "$0")" && pwd)
cd "${BG_DIR:-$bench/..}"
PEOPLE=${PEOPLE:-200000}
ACCOUNTS=${ACCOUNTS:-20000}
RUNS=${RUNS:-3}
scripts/build.sh
echo "data: $PEOPLE people, $ACCOUNTS accounts; $RUNS runs; bg from $(pwd)"
pg_virtualenv -t -v 15 -i '--encoding=UTF8 --locale=C.UTF-8' -o shared_buffers=512MB -o max_wal_size=8GB \
    sh -ec "
    psql -X -q -c 'CREATE EXTENSION bg'
    psql -X -q -v people=$PEOPLE -v accounts=$ACCOUNTS -f $bench/gen.sql
    psql -X -q -f $bench/template.sql
    psql -X -q -v runs=$RUNS -f $bench/groups.sql
"
