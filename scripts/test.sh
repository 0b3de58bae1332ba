#!/usr/bin/env bash
# Runs every test suite (pg_regress, isolation when present, pgTAP, a
# pg_dump/pg_restore round trip, the driver test of test/drivers/) in a
# throwaway PostgreSQL 15 cluster, then the Citus test (skipped when Citus
# is not installed); first, pg_regress, isolation and pgTAP once more
# against a build with the undefined behaviour sanitizer (scripts/ubsan_test.sh).
# Exits non-zero when any test fails, and ends with one line: "tests: N
# passed, M failed".
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
export PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
log=$(mktemp -d)
status=0
scripts/ubsan_test.sh > "$log/ubsan.out" 2>&1 || status=1
BG_ASSERTS=1 scripts/build.sh     # CI's build: -DUSE_ASSERT_CHECKING -Wextra -Werror
make -s versioncheck
pg_virtualenv -t -v 15 -i '--encoding=UTF8 --locale=C.UTF-8' sh -c "
    status=0
    make -s installcheck PG_CONFIG=\"\$PG_CONFIG\" > $log/regress.out 2>&1 || status=1
    make -s prove PG_CONFIG=\"\$PG_CONFIG\" > $log/prove.out 2>&1 || status=1
    scripts/dump_restore_test.sh > $log/dump.out 2>&1 || status=1
    test/drivers/run.sh > $log/drivers.out 2>&1 || status=1
    scripts/readme_test.sh > $log/readme.out 2>&1 || status=1
    exit \$status
" || status=1
# a coordinator and two workers of its own, when Citus is installed
scripts/citus_test.sh > "$log/citus.out" 2>&1 || status=1
cat "$log/ubsan.out" "$log/regress.out" "$log/prove.out" "$log/dump.out" "$log/drivers.out" "$log/readme.out" "$log/citus.out"
[ -f regression.diffs ] && [ $status -ne 0 ] && head -300 regression.diffs
# pg_regress prints one line per test ("ok" or "FAILED"), and so do the
# sanitizer pass (one line for its whole run), the dump test, the driver
# test (one per driver), the README test and the Citus test; pg_prove
# "Tests=N"
regress_ok=$(cat "$log/ubsan.out" "$log/regress.out" "$log/dump.out" "$log/drivers.out" "$log/readme.out" "$log/citus.out" | grep -cE '^(test| ) .* \.\.\. ok' || true)
regress_failed=$(cat "$log/ubsan.out" "$log/regress.out" "$log/dump.out" "$log/drivers.out" "$log/readme.out" "$log/citus.out" | grep -cE '\.\.\. FAILED' || true)
tap_total=$(sed -n 's/.*Tests=\([0-9]*\).*/\1/p' "$log/prove.out" | tail -1)
tap_failed=$(grep -cE '^not ok' "$log/prove.out" || true)
tap_total=${tap_total:-0}
passed=$((regress_ok + tap_total - tap_failed))
failed=$((regress_failed + tap_failed))
[ $status -eq 0 ] || [ $failed -gt 0 ] || failed=1   # a suite that broke before counting
rm -rf "$log"
echo "tests: $passed passed, $failed failed"
exit $status
