#!/usr/bin/env bash
# Runs every example of README.md, in order, as written: the ```sql fenced
# blocks (not ```sql norun, ```sh or indented blocks) become one psql script,
# run with ON_ERROR_STOP in a fresh database of the running server (PGHOST
# etc. from the environment, as pg_virtualenv sets them).  Prints
# "test readme_examples ... ok", or FAILED with the README line of the block
# that failed and psql's error.
set -euo pipefail
cd "$(dirname "$0")/.."
db=bg_readme
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
scripts/readme_sql.py README.md "$work/readme.sql"
dropdb --if-exists "$db"
createdb "$db"
if psql -X -q -v ON_ERROR_STOP=1 -d "$db" -f "$work/readme.sql" >"$work/out" 2>"$work/err"; then
    echo "test readme_examples ... ok"
    dropdb "$db"
else
    line=$(sed -n 's/^psql:[^:]*:\([0-9]*\):.*/\1/p' "$work/err" | head -1)
    at=$(head -n "${line:-1}" "$work/readme.sql" | sed -n 's/^-- README.md line \([0-9]*\)$/\1/p' | tail -1)
    echo "test readme_examples ... FAILED: the block at README.md line ${at:-?}"
    cat "$work/err"
    dropdb "$db"
    exit 1
fi
