#!/usr/bin/env bash
# Runs every test suite (pg_regress, isolation when present, pgTAP) in a
# throwaway PostgreSQL 15 cluster.  Exits non-zero when any test fails.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/build.sh
export PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config
make -s versioncheck
pg_virtualenv -v 15 -i '--encoding=UTF8 --locale=C.UTF-8' sh -ec '
    status=0
    make -s installcheck PG_CONFIG="$PG_CONFIG" || { status=1; cat regression.diffs 2>/dev/null | head -200; }
    make -s prove PG_CONFIG="$PG_CONFIG" || status=1
    exit $status
'
