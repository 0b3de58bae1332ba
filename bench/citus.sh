#!/usr/bin/env bash
# Benchmark on Citus (docs/design.md §12): a coordinator and two workers on
# this machine (scripts/citus_cluster.sh; Citus must be installed), people
# and accounts distributed by account, against the same data in a plain
# database on the coordinator's server.  Times per-account completeness and
# missing roles and by-industry completeness, each against the built-in
# count(*) grouped the same way on the same database.
#   bench/citus.sh                        1 000 000 people, 100 000 accounts, 5 runs
#   PEOPLE=200000 ACCOUNTS=20000 RUNS=3 bench/citus.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PEOPLE=${PEOPLE:-1000000}
ACCOUNTS=${ACCOUNTS:-100000}
RUNS=${RUNS:-5}
export PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
[ -f "$("$PG_CONFIG" --pkglibdir)/citus.so" ] || { echo "Citus is not installed"; exit 1; }
scripts/build.sh
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB"
echo "data: $PEOPLE people, $ACCOUNTS accounts; $RUNS runs per variant"
# serial, every variant reads the table (as bench/run.sql), on every node
CITUS_SHARD_COUNT=8 CITUS_EXTRA_CONF="shared_buffers = 256MB
max_wal_size = 4GB
jit = off
max_parallel_workers_per_gather = 0
work_mem = '256MB'
enable_indexscan = off
enable_indexonlyscan = off
enable_bitmapscan = off" . scripts/citus_cluster.sh
for db in plain postgres; do
    q "${ports[0]}" $db -c 'CREATE EXTENSION IF NOT EXISTS bg' \
        -v people="$PEOPLE" -v accounts="$ACCOUNTS" -f bench/gen.sql >/dev/null
    q "${ports[0]}" $db -f bench/template.sql \
        -c "ALTER TABLE accounts ADD industry text" \
        -c "UPDATE accounts SET industry = (ARRAY['Banking', 'Retail', 'Health', 'Energy', 'Software', 'Telecom', 'Public', 'Media'])[1 + id % 8]" \
        >/dev/null
    # the timing helper of bench/queries.sql
    sed -n '/^CREATE OR REPLACE FUNCTION bench_rounds/,/^END \$\$;/p' bench/queries.sql | q "${ports[0]}" $db >/dev/null
done
q "${ports[0]}" postgres >/dev/null <<'SQL'
ALTER TABLE people DROP CONSTRAINT people_pkey, ADD PRIMARY KEY (account_id, id);
SELECT create_distributed_table('accounts', 'id');
SELECT create_distributed_table('people', 'account_id', colocate_with => 'accounts');
VACUUM ANALYZE accounts;
VACUUM ANALYZE people;
SQL
for db in plain postgres; do
    echo "== $db (postgres: the Citus cluster) =="
    q "${ports[0]}" $db -v runs="$RUNS" -f bench/citus.sql
done
