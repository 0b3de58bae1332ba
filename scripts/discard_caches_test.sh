#!/usr/bin/env bash
# Runs every README example against a server that discards its catalog
# caches at every chance (debug_discard_caches = 1), so that each of bg's
# caches (templates, call sites, kept plans) is rebuilt and invalidated far
# more often than any workload would: a pointer kept across an
# invalidation fails here as an error, an assertion or a crash.  The
# setting exists only in a PostgreSQL built with --enable-cassert, which
# Debian does not ship, so this check is run by hand and is not part of
# scripts/test.sh:
#     PG_CONFIG=/path/to/cassert/bin/pg_config scripts/discard_caches_test.sh
# It builds and installs bg into that PostgreSQL, starts a throwaway
# cluster of it on a private socket, creates the extension with the
# setting off (CREATE EXTENSION alone would take hours), then runs the
# examples with it on (≈ 10 minutes).  Prints "test discard_caches/readme
# ... ok" or FAILED with psql's error and the server log's last lines.
set -euo pipefail
cd "$(dirname "$0")/.."
PG_CONFIG=${PG_CONFIG:-}
if [ -z "$PG_CONFIG" ] || ! "$PG_CONFIG" --configure | grep -q -- "--enable-cassert"; then
    echo "discard_caches_test.sh: set PG_CONFIG to the pg_config of a PostgreSQL 15 built with --enable-cassert" >&2
    exit 2
fi
bin=$("$PG_CONFIG" --bindir)
make -s clean >/dev/null
make -s PG_CONFIG="$PG_CONFIG" PG_CFLAGS="-Wextra -Werror" install >/dev/null
# the objects are this PostgreSQL's: scripts/build.sh rebuilds them next time
mkdir -p .cache && echo "discard caches: $PG_CONFIG" > .cache/bg-build-flags
work=$(mktemp -d)
chmod 755 "$work"
run=()
if [ "$(id -u)" -eq 0 ]; then
    chown postgres "$work"
    run=(runuser -u postgres --)
fi
stop() { "${run[@]}" "$bin/pg_ctl" -D "$work/data" stop -m immediate >/dev/null 2>&1 || true; rm -rf "$work"; }
trap stop EXIT
scripts/readme_sql.py README.md "$work/readme.sql" --without "CREATE EXTENSION bg;"
"${run[@]}" "$bin/initdb" -D "$work/data" -E UTF8 --locale=C.UTF-8 > "$work/initdb.log" 2>&1 ||
    { cat "$work/initdb.log"; exit 1; }
"${run[@]}" "$bin/pg_ctl" -D "$work/data" -l "$work/server.log" -w \
    -o "-c listen_addresses='' -k $work -p 5497" start >/dev/null
psql=("${run[@]}" "$bin/psql" -X -q -h "$work" -p 5497 -d bg_discard)
"${run[@]}" "$bin/createdb" -h "$work" -p 5497 bg_discard
"${psql[@]}" -c "CREATE EXTENSION bg" -c "ALTER DATABASE bg_discard SET debug_discard_caches = 1"
if "${psql[@]}" -v ON_ERROR_STOP=1 -f "$work/readme.sql" > "$work/out" 2> "$work/err"; then
    echo "test discard_caches/readme           ... ok"
else
    echo "test discard_caches/readme           ... FAILED"
    cat "$work/err"
    tail -20 "$work/server.log"
    exit 1
fi
