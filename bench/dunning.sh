#!/usr/bin/env bash
# Bench of the dunning runner against the server the PG* variables name:
#   bash bench/dunning.sh
set -euo pipefail
DB=dunning_bench_run
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
psql -X -q -d $DB -c "CREATE EXTENSION dunning"
psql -X -d $DB -f "$(dirname "$0")/dunning.sql"
[ "${KEEP:-0}" = 1 ] || psql -X -q -d postgres -c "DROP DATABASE $DB"
