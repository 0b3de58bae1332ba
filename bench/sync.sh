#!/usr/bin/env bash
# Benchmark of bg.sync() at full scale (bench/sync.sql; issue 12, target 6)
# in a throwaway cluster: the no-op sync and the sync after 1 % of the
# people changed title, against SELECT count(bg.role_for('Bench', p)).
#   PEOPLE=2000000 ACCOUNTS=200000 RUNS=5 bench/sync.sh
#   BASE=main bench/sync.sh     also the SQL functions of sync (sql/bg/sync.sql,
#                               sql/bg/rule_members.sql) of that revision, in
#                               the same rounds (CREATE OR REPLACE between them)
set -euo pipefail
bench=$(cd "$(dirname "$0")" && pwd)
cd "$bench/.."
PEOPLE=${PEOPLE:-2000000}
ACCOUNTS=${ACCOUNTS:-200000}
RUNS=${RUNS:-5}
base_opt=""
if [ -n "${BASE:-}" ]; then
    base_file=$(mktemp /tmp/bg-sync-base.XXXXXX.sql)
    trap 'rm -f "$base_file"' EXIT
    # the base revision's SQL and PL/pgSQL functions of these files, as
    # CREATE OR REPLACE (its C functions are not this build's)
    for f in sql/bg/sync.sql sql/bg/rule_members.sql; do
        git show "$BASE:$f" | awk '
            /^CREATE FUNCTION/ { fn = ""; on = 1 }
            on { fn = fn $0 "\n" }
            on && /\$\$;[[:space:]]*$/ { if (fn !~ /LANGUAGE c /) { sub(/^CREATE FUNCTION/, "CREATE OR REPLACE FUNCTION", fn); printf "%s", fn } on = 0 }'
    done > "$base_file"
    chmod a+r "$base_file"
    base_opt="-v base=$base_file"
fi
scripts/build.sh
echo "data: $PEOPLE people, $ACCOUNTS accounts; $RUNS rounds; bg from $(pwd)${BASE:+; base $BASE}"
pg_virtualenv -t -v 15 -i '--encoding=UTF8 --locale=C.UTF-8' -o shared_buffers=512MB -o max_wal_size=8GB \
    -o checkpoint_timeout=30min sh -ec "
    psql -X -q -c 'CREATE EXTENSION bg'
    psql -X -q -v people=$PEOPLE -v accounts=$ACCOUNTS -f $bench/gen.sql
    psql -X -q -f $bench/template.sql
    psql -X -q -v runs=$RUNS $base_opt -f $bench/sync.sql
"
