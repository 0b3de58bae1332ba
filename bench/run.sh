#!/usr/bin/env bash
# Benchmark: bg's scoring aggregates and role_for against plain SQL, the
# GROUP BY floor and the bare scan, in one session of a throwaway cluster.
#   bench/run.sh                         2 000 000 people, 200 000 accounts, 5 runs
#   PEOPLE=200000 ACCOUNTS=20000 RUNS=3 bench/run.sh
#   QUICK=1 bench/run.sh                 without the slow plain-SQL variants
#   GROUPS=0 bench/run.sh                without bench/groups.sql
#   PARALLEL=1 bench/run.sh              also with 2 parallel workers (issue 12, target 3)
set -euo pipefail
cd "$(dirname "$0")/.."
PEOPLE=${PEOPLE:-2000000}
ACCOUNTS=${ACCOUNTS:-200000}
RUNS=${RUNS:-5}
QUICK=${QUICK:-0}
GROUPS=${GROUPS:-1}
PARALLEL=${PARALLEL:-0}
scripts/deps.sh
scripts/build.sh
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(lscpu | sed -n 's/^Model name: *//p')"
echo "data: $PEOPLE people, $ACCOUNTS accounts; $RUNS runs per variant"
pg_virtualenv -t -v 15 -i '--encoding=UTF8 --locale=C.UTF-8' \
    -o shared_buffers=512MB -o max_wal_size=8GB -o checkpoint_timeout=30min \
    sh -ec "
    psql -X -q -c 'CREATE EXTENSION bg'
    psql -X -q -v people=$PEOPLE -v accounts=$ACCOUNTS -f bench/gen.sql
    psql -X -q -f bench/template.sql
    psql -X -q -f bench/template_small.sql
    psql -X -q -f bench/queries.sql
    psql -X -q -f bench/queries_small.sql
    psql -X -q -v runs=$RUNS -v quick=$QUICK -v parallel=$PARALLEL -f bench/run.sql
    psql -X -q -v runs=$RUNS -f bench/bound.sql
    [ $GROUPS = 0 ] || psql -X -q -v runs=$RUNS -f bench/groups.sql
"
