#!/usr/bin/env bash
# Concurrency soak of the managed buying groups (issue 10): pgbench with
# CLIENTS clients for DURATION seconds runs every public operation at once
# (bench/soak/*.sql: people updates, moves, inserts and deletes under live
# mode, manual actions, sync, creation jobs, drops, drop-and-recreate,
# refreshes of a dynamic list), then bench/soak/check.sql checks the
# invariants, with no sync in between.  Exits non-zero on any orphan, stale,
# missing or wrong-role member, score mismatch, deadlock, serialization
# failure or aborted client.
#   bench/soak.sh                              40 s, 8 clients, 3000 people, 300 accounts
#   DURATION=60 PEOPLE=5000 ACCOUNTS=500 bench/soak.sh
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-40}
CLIENTS=${CLIENTS:-8}
PEOPLE=${PEOPLE:-3000}
ACCOUNTS=${ACCOUNTS:-300}
if [ "${1:-}" != inside ]; then
    scripts/deps.sh
    scripts/build.sh
    echo "soak: $CLIENTS clients, $DURATION s, $PEOPLE people, $ACCOUNTS accounts"
    exec pg_virtualenv -t -v 15 -i '--encoding=UTF8 --locale=C.UTF-8' -o max_connections=40 "$0" inside
fi
s=bench/soak
psql -X -q -v ON_ERROR_STOP=1 -v people="$PEOPLE" -v accounts="$ACCOUNTS" -f $s/setup.sql >/dev/null
out=$(mktemp)
# --max-tries=1: a deadlock or serialization failure is reported, not retried
set +e
pgbench -n -c "$CLIENTS" -j 2 -T "$DURATION" --max-tries=1 --failures-detailed \
    -D people="$PEOPLE" -D accounts="$ACCOUNTS" \
    -f $s/title.sql@30 -f $s/move.sql@8 -f $s/bulk.sql@4 -f $s/insert.sql@6 -f $s/delete.sql@4 \
    -f $s/manual.sql@20 -f $s/sync.sql@4 -f $s/create.sql@4 -f $s/drop.sql@2 -f $s/recreate.sql@4 \
    -f $s/refresh.sql@3 > "$out" 2>&1
pgbench_status=$?
set -e
grep -E '^(number of (transactions actually processed|failed transactions|serialization failures|deadlock failures)|tps|latency average)' "$out" || true
grep -iE 'aborted|error' "$out" | sort | uniq -c | head -20 || true
psql -X -v ON_ERROR_STOP=1 -f $s/check.sql | tee "$out.check"
deadlocks=$(sed -n 's/^number of deadlock failures: \([0-9]*\).*/\1/p' "$out")
serial=$(sed -n 's/^number of serialization failures: \([0-9]*\).*/\1/p' "$out")
# the first data row of the check: orphans | orphan_groups | score_mismatches | missing | stale | wrong_role
bad=$(awk -F'|' 'NR == 3 { s = 0; for (i = 1; i <= NF; i++) s += $i; print s; exit }' "$out.check")
echo "soak: deadlocks ${deadlocks:-?}, serialization failures ${serial:-?}, invariant violations ${bad:-?}, pgbench exit $pgbench_status"
rm -f "$out" "$out.check"
[ "$pgbench_status" -eq 0 ] && [ "${deadlocks:-1}" -eq 0 ] && [ "${serial:-1}" -eq 0 ] && [ "${bad:-1}" -eq 0 ]
