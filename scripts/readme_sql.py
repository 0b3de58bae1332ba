#!/usr/bin/env python3
"""Writes the README's examples as one psql script: the ```sql fenced blocks
(not ```sql norun, ```sh or indented blocks), in order, each preceded by a
comment naming its README line.  Usage: readme_sql.py README.md OUT
[--without LINE] (--without leaves out the lines equal to LINE, e.g. the
CREATE EXTENSION of a database made beforehand)."""
import re
import sys

src, dst = sys.argv[1], sys.argv[2]
without = sys.argv[4] if len(sys.argv) > 4 and sys.argv[3] == '--without' else None
out, block, start = [], None, 0
for n, line in enumerate(open(src, encoding='utf-8'), 1):
    fence = re.match(r'^```\s*(.*?)\s*$', line)
    if block is None and fence and fence.group(1) != '':
        block, start = fence.group(1), n
        if block == 'sql':
            out.append('-- README.md line %d\n' % n)
    elif block is not None and fence and fence.group(1) == '':
        block = None
    elif block == 'sql' and (without is None or line.strip() != without):
        out.append(line)
if block is not None:
    sys.exit('README.md: the block at line %d is not closed' % start)
if not out:
    sys.exit('README.md: no sql blocks')
open(dst, 'w', encoding='utf-8').writelines(out)
