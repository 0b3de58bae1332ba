#!/usr/bin/env bash
# Builds and installs bg into the local PostgreSQL 15 (warnings are errors).
set -euo pipefail
cd "$(dirname "$0")/.."
export PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
make -s PG_CFLAGS="-Wextra -Werror" >/dev/null
$sudo make -s install PG_CONFIG="$PG_CONFIG" >/dev/null
