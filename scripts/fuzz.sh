#!/usr/bin/env bash
# The condition fuzzer of test/helpers/cond_fuzz.sql at scale, in a throwaway
# PostgreSQL 15 cluster: INPUTS mutated conditions (default 1 000 000), in
# batches of BATCH (default 20 000), each batch a session of its own with a
# seed of its own.  Prints how many inputs ended in each outcome and the
# duration; exits non-zero on any internal error (SQLSTATE class XX), any
# canonical text that does not round-trip, or a lost connection.
# Builds and installs bg as scripts/test.sh does.  Usage: scripts/fuzz.sh [INPUTS [BATCH]]
set -euo pipefail
cd "$(dirname "$0")/.."
inputs=${1:-1000000}
batch=${2:-20000}
scripts/deps.sh
scripts/build.sh
export PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
start=$(date +%s)
pg_virtualenv -t -v 15 -i '--encoding=UTF8 --locale=C.UTF-8' bash -c '
    set -euo pipefail
    inputs=$1; batch=$2; out=$3
    createdb bg_fuzz
    export PGDATABASE=bg_fuzz PGOPTIONS="-c search_path=fuzz,public -c client_min_messages=warning"
    psql -X -q -v ON_ERROR_STOP=1 -c "CREATE EXTENSION bg" -c "CREATE SCHEMA fuzz" \
         -f test/helpers/cond_fuzz.sql > /dev/null
    batches=$(( (inputs + batch - 1) / batch ))
    for i in $(seq 1 "$batches"); do
        n=$(( i < batches ? batch : inputs - (batches - 1) * batch ))
        # a seed per batch, in (-1, 1)
        seed=$(awk -v i="$i" -v b="$batches" "BEGIN { printf \"%.9f\", 2 * i / (b + 1) - 1 }")
        if ! psql -X -q -A -t -F "|" -v ON_ERROR_STOP=1 \
                -c "SELECT outcome, count FROM fuzz($n, $seed)" >> "$out/outcomes"; then
            echo "batch $i (seed $seed) failed: an error escaped the fuzzer or the connection was lost" >&2
            exit 1
        fi
    done
' fuzz "$inputs" "$batch" "$out"
end=$(date +%s)
echo "outcome|inputs"
awk -F'|' '{ n[$1] += $2; t += $2 } END { for (o in n) print o "|" n[o]; print "total|" t }' \
    "$out/outcomes" | sort
echo "duration: $((end - start)) s"
! grep -qE '^(internal error|canonical text)' "$out/outcomes"
