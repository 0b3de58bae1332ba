#!/usr/bin/env bash
# Benchmark of bg.enrich_people against a plain UPDATE ... FROM of the same
# values (bench/enrich.sql, bench/enrich_round.sql) in a throwaway cluster:
# RUNS interleaved rounds (the order alternates), each on fresh copies of the
# people table; prints the median of each and their ratio.
#   PEOPLE=2000000 ACCOUNTS=200000 RUNS=3 bench/enrich.sh
set -euo pipefail
bench=$(cd "$(dirname "$0")" && pwd)
cd "${BG_DIR:-$bench/..}"
PEOPLE=${PEOPLE:-200000}
ACCOUNTS=${ACCOUNTS:-20000}
RUNS=${RUNS:-3}
scripts/build.sh
echo "data: $PEOPLE people, $ACCOUNTS accounts, $((PEOPLE / 4)) vendor records; $RUNS rounds; bg from $(pwd)"
pg_virtualenv -t -v 15 -i '--encoding=UTF8 --locale=C.UTF-8' -o shared_buffers=512MB -o max_wal_size=8GB \
    sh -ec "
    psql -X -q -c 'CREATE EXTENSION bg'
    psql -X -q -v people=$PEOPLE -v accounts=$ACCOUNTS -f $bench/gen.sql >/dev/null 2>&1
    psql -X -q -f $bench/enrich.sql >/dev/null
    for r in \$(seq 1 $RUNS); do
        first=enrich; [ \$((r % 2)) -eq 0 ] && first=update
        psql -X -q -A -t -v round=\$r -v first=\$first -f $bench/enrich_round.sql
    done
    psql -X -q -c \"SELECT round, string_agg(what || ' ' || round(ms) || ' ms', ', ' ORDER BY what) AS times,
                           round((max(ms) FILTER (WHERE what = 'enrich_people') / max(ms) FILTER (WHERE what = 'update_from'))::numeric, 2) AS ratio
                      FROM bench_result GROUP BY round ORDER BY round\"
    psql -X -q -c \"SELECT what, count(*) AS runs, round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)) AS median_ms,
                           round(min(ms)) AS min_ms, round(max(ms)) AS max_ms
                      FROM bench_result GROUP BY what ORDER BY what\"
    psql -X -q -A -t -c \"SELECT 'ratio enrich_people / update_from: ' || round((percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FILTER (WHERE what = 'enrich_people')
                                 / percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FILTER (WHERE what = 'update_from'))::numeric, 2)
                            FROM bench_result\"
"
