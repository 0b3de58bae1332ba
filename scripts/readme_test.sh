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
python3 - README.md "$work/readme.sql" <<'PY'
import re, sys
src, dst = sys.argv[1], sys.argv[2]
out, block, start = [], None, 0
for n, line in enumerate(open(src, encoding='utf-8'), 1):
    fence = re.match(r'^```\s*(.*?)\s*$', line)
    if block is None and fence and fence.group(1) != '':
        block, start = fence.group(1), n
        if block == 'sql':
            out.append('-- README.md line %d\n' % n)
    elif block is not None and fence and fence.group(1) == '':
        block = None
    elif block == 'sql':
        out.append(line)
if block is not None:
    sys.exit('README.md: the block at line %d is not closed' % start)
if not out:
    sys.exit('README.md: no sql blocks')
open(dst, 'w', encoding='utf-8').writelines(out)
PY
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
