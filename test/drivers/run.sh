#!/usr/bin/env bash
# The driver test: bg through psycopg2 (Debian's python3-psycopg2) and
# node-postgres (test/drivers/node_modules, from scripts/deps.sh), each in a
# database of its own made by fixture.sql.  Runs against the server of the
# PG* variables (scripts/test.sh runs it inside pg_virtualenv).  Prints one
# line per driver in pg_regress's form ("test drivers/NAME ... ok" or
# "... FAILED"), after the failed checks of a failing one.  The drivers log
# in as an application would: a role with bg's writer level and SELECT on
# the fixture's tables, nothing more.
set -uo pipefail
cd "$(dirname "$0")"
status=0
run() {   # name, command...
    local name=$1 db=bg_drivers_$1 out; shift
    dropdb --if-exists "$db" 2>/dev/null; createdb "$db" &&
        psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c 'CREATE EXTENSION bg' -f fixture.sql \
             -c "SELECT bg.grant_access('bg_driver_app', 'writer')" \
             -c 'GRANT USAGE ON SCHEMA public TO bg_driver_app' \
             -c 'GRANT SELECT ON account, person TO bg_driver_app' >/dev/null ||
        { echo "test drivers/$name ... FAILED (fixture)"; status=1; return; }
    if out=$(PGDATABASE=$db PGUSER=bg_driver_app PGPASSWORD=$app_password "$@" 2>&1); then
        echo "test drivers/$name ($(tail -1 <<<"$out")) ... ok"
    else
        echo "$out"
        echo "test drivers/$name ... FAILED"
        status=1
    fi
    dropdb --if-exists "$db"
}
app_password=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
psql -X -q -d postgres -c "SET client_min_messages = warning" -c "DROP ROLE IF EXISTS bg_driver_app" -c "CREATE ROLE bg_driver_app LOGIN PASSWORD '$app_password'" >/dev/null ||
    { echo "test drivers ... FAILED (role)"; exit 1; }
run psycopg2 /usr/bin/python3 psycopg2_test.py
run node-postgres node node_test.js
psql -X -q -d postgres -c "DROP ROLE bg_driver_app" >/dev/null || status=1
exit $status
