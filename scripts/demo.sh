#!/usr/bin/env bash
# The main job: build and install bg, start a throwaway PostgreSQL 15 cluster,
# load a small sample (accounts and people), create a roles template with
# conditions for the six default roles, and print every person's role, then
# managed buying groups, engagement scores, a stage model, completing a group
# (acquisition targets, enrichment, an import) and their events.
# The cluster is removed afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/build.sh
pg_virtualenv -t -v 15 -i '--encoding=UTF8 --locale=C.UTF-8' psql -X -q -v ON_ERROR_STOP=1 -f demo/sample.sql
