#!/usr/bin/env bash
# Installs what building and testing bg needs on Debian 12, when it is missing.
# Needs root (or sudo); does nothing when everything is there.
set -euo pipefail

packages=(make gcc libubsan1 pkg-config libicu-dev postgresql-15 postgresql-server-dev-15
          postgresql-common postgresql-15-pgtap libtap-parser-sourcehandler-pgtap-perl
          python3-psycopg2)
# the driver test's node-postgres: Debian's node and npm, unless a node is
# there already (another node's package may bring its own npm)
command -v node >/dev/null || packages+=(nodejs)
command -v npm >/dev/null || packages+=(npm)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# node-postgres for the driver test, as test/drivers/package-lock.json pins it
if ! (cd test/drivers && node -e "require('pg')" 2>/dev/null); then
    echo "installing: node-postgres (npm ci in test/drivers)"
    (cd test/drivers && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
