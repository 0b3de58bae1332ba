#!/usr/bin/env bash
# Live mode's added latency (issue 12, target 4): single-row UPDATEs of a
# watched column of the people table (bench/live_update.sql, one
# transaction each, one pgbench client), with one solution interest with
# update_existing over every account, with live mode off and on in
# alternating rounds; then where the time goes (pg_stat_user_functions over
# a last round in live mode).  In a throwaway cluster.
#   PEOPLE=200000 ACCOUNTS=20000 N=300 RUNS=3 bench/live.sh
set -euo pipefail
bench=$(cd "$(dirname "$0")" && pwd)
cd "$bench/.."
PEOPLE=${PEOPLE:-200000}
ACCOUNTS=${ACCOUNTS:-20000}
N=${N:-300}
RUNS=${RUNS:-3}
scripts/build.sh
echo "data: $PEOPLE people, $ACCOUNTS accounts; $RUNS rounds of $N updates per mode"
pg_virtualenv -t -v 15 -i '--encoding=UTF8 --locale=C.UTF-8' -o shared_buffers=512MB \
    bash -ec "
    psql -X -q -c 'CREATE EXTENSION bg'
    psql -X -q -v people=$PEOPLE -v accounts=$ACCOUNTS -f $bench/gen.sql
    psql -X -q -f $bench/template.sql
    psql -X -q -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
SELECT bg.bind_accounts('accounts', key => 'id', name => 'name');
SELECT bg.create_solution_interest('Live SI', 'Bench', update_existing => true);
SELECT bg.create_account_list('Every account');
SELECT bg.add_accounts('Every account', array_agg(id)) FROM accounts;
SELECT bg.create_buying_groups('Live SI', 'Every account');
ANALYZE;
SQL
    for r in \$(seq $RUNS); do
        for mode in false true; do
            psql -X -q -c \"SELECT bg.watch_people(\$mode)\" >/dev/null
            ms=\$(pgbench -n -D people=$PEOPLE -f $bench/live_update.sql -t $N 2>&1 | sed -n 's/latency average = \([0-9.]*\) ms/\1/p')
            echo \"round \$r live=\$mode latency_ms=\$ms\"
        done
    done
    psql -X -q -c \"ALTER DATABASE \$PGDATABASE SET track_functions = 'all'\"
    psql -X -q -c 'SELECT pg_stat_reset()' >/dev/null
    pgbench -n -D people=$PEOPLE -f $bench/live_update.sql -t $N >/dev/null 2>&1
    sleep 1
    psql -X -c \"SELECT funcname, calls, round((total_time / $N)::numeric, 3) AS total_ms_per_update,
                        round((self_time / $N)::numeric, 3) AS self_ms_per_update
                   FROM pg_stat_user_functions ORDER BY self_time DESC LIMIT 12\"
    psql -X -c \"SELECT count(*) AS mismatched_groups FROM bg_internal.buying_group g
                  WHERE g.member_count <> (SELECT count(*) FROM bg_internal.member m WHERE m.group_id = g.id AND NOT m.is_removed)\"
"
