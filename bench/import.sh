#!/usr/bin/env bash
# Benchmark of bg.import_members (bench/import.sql) in a throwaway cluster.
#   PEOPLE=2000000 ACCOUNTS=200000 ROWS=500000 RUNS=3 bench/import.sh
set -euo pipefail
bench=$(cd "$(dirname "$0")" && pwd)
cd "${BG_DIR:-$bench/..}"
PEOPLE=${PEOPLE:-200000}
ACCOUNTS=${ACCOUNTS:-20000}
ROWS=${ROWS:-50000}
RUNS=${RUNS:-3}
scripts/build.sh
echo "data: $PEOPLE people, $ACCOUNTS accounts, $ROWS rows imported; $RUNS runs; bg from $(pwd)"
pg_virtualenv -t -v 15 -i '--encoding=UTF8 --locale=C.UTF-8' -o shared_buffers=512MB -o max_wal_size=8GB \
    sh -ec "
    psql -X -q -c 'CREATE EXTENSION bg'
    psql -X -q -v people=$PEOPLE -v accounts=$ACCOUNTS -f $bench/gen.sql
    psql -X -q -f $bench/template.sql
    psql -X -q -v rows=$ROWS -v runs=$RUNS -v accounts=$ACCOUNTS -f $bench/import.sql
"
