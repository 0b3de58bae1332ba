#!/usr/bin/env bash
# The Citus test (docs/design.md §12): when Citus is installed for the
# PostgreSQL 15 in PG_CONFIG, starts a coordinator and two workers on
# loopback, loads the same accounts, people and roles templates into the
# cluster (people and accounts distributed by account, co-located) and into a
# plain database, and requires every query of test/citus/queries.sql and
# every step of test/citus/managed.sql to give the same answer on both.
# test/citus/refusals.sql checks, on the cluster only, the errors (SQLSTATE)
# by which bg refuses what it cannot do against distributed tables, and
# test/citus/pushdown.sql where the scoring runs (the plans).  Prints
# one pg_regress-style line per query ("test citus/NAME ... ok" or
# "... FAILED"); without Citus it prints "citus: skipped (not installed)".
# Leaves no server running and no files behind.
set -euo pipefail
cd "$(dirname "$0")/.."
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
if [ ! -f "$("$PG_CONFIG" --pkglibdir)/citus.so" ]; then
    echo "citus: skipped (not installed)"
    exit 0
fi
# a coordinator (database postgres) and two workers, and the database plain
. scripts/citus_cluster.sh
PGOPTIONS="-c client_min_messages=warning" q "${ports[0]}" postgres -f test/citus/data.sql -f test/citus/distribute.sql >/dev/null
PGOPTIONS="-c client_min_messages=warning" q "${ports[0]}" plain -f test/citus/data.sql >/dev/null

passed=0
failed=0
# Runs file $2 on database $1 and splits its output into one file per
# section (a section starts with "\echo == name") under $dir/$1/.
run_sections() {
    q "${ports[0]}" "$1" -A -v ON_ERROR_STOP=0 -f "$2" > "$dir/$1-$(basename "$2" .sql).out" 2>&1 || true
    mkdir -p "$dir/$1"
    awk -v d="$dir/$1" '/^== /{f=d "/" $2; next} f{print > f}' "$dir/$1-$(basename "$2" .sql).out"
}
# Prints test $1's line; $2 is 0 when it passed, $3 a file to show if not.
report() {
    if [ "$2" -eq 0 ]; then
        echo "test citus/$1 ... ok"
        passed=$((passed + 1))
    else
        echo "test citus/$1 ... FAILED"
        head -40 "$3" 2>/dev/null || true
        failed=$((failed + 1))
    fi
}
# Every section of file $1 must print the same on the cluster as on the
# plain database, and no error on the plain database.
compare() {
    local name ok
    run_sections postgres "$1"
    run_sections plain "$1"
    for name in $(sed -n 's/^\\echo == \([^ ]*\).*/\1/p' "$1"); do
        ok=1
        [ -f "$dir/postgres/$name" ] && [ -f "$dir/plain/$name" ] &&
            ! grep -q '^psql:.*ERROR' "$dir/plain/$name" &&
            diff -u "$dir/plain/$name" "$dir/postgres/$name" > "$dir/$name.diff" && ok=0
        report "$name" $ok "$dir/$name.diff"
    done
}
# Each section of file $1 ("\echo == name SQLSTATE"), run on the cluster
# only, must end with that SQLSTATE (psql's, echoed last).
expect() {
    local name state ok
    run_sections postgres "$1"
    while read -r name state; do
        ok=1
        [ -f "$dir/postgres/$name" ] && [ "$(tail -1 "$dir/postgres/$name")" = "$state" ] && ok=0
        report "$name" $ok "$dir/postgres/$name"
    done < <(sed -n 's/^\\echo == \([^ ]*\) \([0-9A-Z]*\)$/\1 \2/p' "$1")
}
compare test/citus/queries.sql
compare test/citus/managed.sql
expect test/citus/refusals.sql
expect test/citus/pushdown.sql
# BG_CITUS_DEBUG=dir: keeps both outputs there, and runs dir/explain.sql if any
if [ -n "${BG_CITUS_DEBUG:-}" ]; then
    cp "$dir"/postgres-*.out "$dir"/plain-*.out "$BG_CITUS_DEBUG"/
    [ ! -f "$BG_CITUS_DEBUG/explain.sql" ] ||
        q "${ports[0]}" postgres -v ON_ERROR_STOP=0 -f "$BG_CITUS_DEBUG/explain.sql" > "$BG_CITUS_DEBUG/explain.out" 2>&1
fi
echo "citus: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
