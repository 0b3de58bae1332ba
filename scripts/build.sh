#!/usr/bin/env bash
# Builds and installs bg into the local PostgreSQL 15 (warnings are errors).
# BG_ASSERTS=1 builds with the Assert()s on (scripts/test.sh, so CI); the
# demo and bench builds leave it unset.  BG_UBSAN=1 adds GCC's undefined
# behaviour sanitizer (scripts/ubsan_test.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
export PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
cflags="-Wextra -Werror"
[ "${BG_ASSERTS:-0}" = 1 ] && cflags="$cflags -DUSE_ASSERT_CHECKING"
ldflags=""
if [ "${BG_UBSAN:-0}" = 1 ]; then
    cflags="$cflags -fsanitize=undefined -fno-omit-frame-pointer"
    ldflags="-fsanitize=undefined"
fi
# objects built with other flags (with or without asserts) are rebuilt
stamp=.cache/bg-build-flags
if [ "$(cat "$stamp" 2>/dev/null)" != "$cflags" ]; then
    make -s clean >/dev/null
    mkdir -p .cache && echo "$cflags" > "$stamp"
fi
make -s PG_CFLAGS="$cflags" PG_LDFLAGS="$ldflags" >/dev/null
$sudo make -s install PG_CONFIG="$PG_CONFIG" >/dev/null
