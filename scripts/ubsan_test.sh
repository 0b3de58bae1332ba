#!/usr/bin/env bash
# Runs the pg_regress, isolation and pgTAP suites against a build of bg
# with GCC's undefined behaviour sanitizer (shifts past a word, out-of-bounds array
# indexes, misaligned or null pointers, invalid bool or enum loads): the
# kind of fault that passes a test today and crashes a server on other data
# or another compiler.  The sanitizer reports into the server's log and
# lets the statement go on, so one run finds every report.  Prints one
# line, "test ubsan/regress ... ok" or "... FAILED" (then the reports and
# any failed test); run by scripts/test.sh before the regular build.
set -euo pipefail
cd "$(dirname "$0")/.."
export PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
BG_ASSERTS=1 BG_UBSAN=1 scripts/build.sh
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT
status=0
pg_virtualenv -t -v 15 -i '--encoding=UTF8 --locale=C.UTF-8' sh -c "
    status=0
    make -s installcheck PG_CONFIG=\"\$PG_CONFIG\" > $log/regress.out 2>&1 || status=1
    make -s prove PG_CONFIG=\"\$PG_CONFIG\" > $log/prove.out 2>&1 || status=1
    cp \"\$(pg_lsclusters -h | awk '{print \$7}')\" $log/server.log || status=1
    exit \$status
" || status=1
reports=$(grep -c 'runtime error:' "$log/server.log" || true)
if [ "$status" -eq 0 ] && [ "$reports" -eq 0 ]; then
    echo "test ubsan/regress                   ... ok"
else
    echo "test ubsan/regress                   ... FAILED ($reports sanitizer reports)"
    grep -o 'src/.*runtime error:.*' "$log/server.log" | sort | uniq -c | head -30 || true
    grep -hE '(not ok|FAILED)' "$log/regress.out" "$log/prove.out" | head -20 || true
    exit 1
fi
