#!/usr/bin/env bash
# Benchmark of role models (issue 17, bench/predict.sql): training on
# 1 000 000 labels against the plain-SQL token count, and bg.predict_role
# over 2 000 000 people against bg.role_for, in a throwaway cluster.
#   PEOPLE=200000 ACCOUNTS=20000 LABELS=100000 RUNS=3 bench/predict.sh
set -euo pipefail
bench=$(cd "$(dirname "$0")" && pwd)
cd "${BG_DIR:-$bench/..}"
PEOPLE=${PEOPLE:-2000000}
ACCOUNTS=${ACCOUNTS:-200000}
LABELS=${LABELS:-1000000}
RUNS=${RUNS:-5}
scripts/build.sh
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB"
echo "data: $PEOPLE people, $ACCOUNTS accounts, $LABELS labels; $RUNS rounds; bg from $(pwd)"
pg_virtualenv -t -v 15 -i '--encoding=UTF8 --locale=C.UTF-8' \
    -o shared_buffers=1GB -o max_wal_size=8GB -o checkpoint_timeout=30min sh -ec "
    psql -X -q -c 'CREATE EXTENSION bg'
    psql -X -q -v people=$PEOPLE -v accounts=$ACCOUNTS -f $bench/gen.sql
    psql -X -q -f $bench/template.sql
    psql -X -q -v labels=$LABELS -v runs=$RUNS -f $bench/predict.sql
"
