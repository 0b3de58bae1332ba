#!/usr/bin/env bash
# Benchmark of suggestions (issue 17, bench/suggest.sql): bg.suggest_members
# over every group of the bench data against bg.sync of the same interest
# (which also reads every person of the groups, and changes nothing) and the
# plain predictions of the same people, in a throwaway cluster.
#   PEOPLE=200000 ACCOUNTS=20000 LABELS=100000 RUNS=3 bench/suggest.sh
set -euo pipefail
bench=$(cd "$(dirname "$0")" && pwd)
cd "${BG_DIR:-$bench/..}"
PEOPLE=${PEOPLE:-200000}
ACCOUNTS=${ACCOUNTS:-20000}
LABELS=${LABELS:-100000}
RUNS=${RUNS:-3}
scripts/build.sh
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB"
echo "data: $PEOPLE people, $ACCOUNTS accounts, $LABELS labels; $RUNS rounds; bg from $(pwd)"
pg_virtualenv -t -v 15 -i '--encoding=UTF8 --locale=C.UTF-8' -o shared_buffers=512MB -o max_wal_size=8GB \
    sh -ec "
    psql -X -q -c 'CREATE EXTENSION bg'
    psql -X -q -v people=$PEOPLE -v accounts=$ACCOUNTS -f $bench/gen.sql
    psql -X -q -f $bench/template.sql
    psql -X -q -v labels=$LABELS -v runs=$RUNS -f $bench/suggest.sql
"
