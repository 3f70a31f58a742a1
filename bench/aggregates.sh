#!/usr/bin/env bash
# Runs bench/aggregates.sql in a scratch database against the server named by
# the PG* variables (the dunning extension must be installed).  Takes a few
# minutes on two cores.
set -euo pipefail
cd "$(dirname "$0")/.."
db=${BENCH_DB:-dunning_bench}
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
psql -X -q -d "$db" -c "CREATE EXTENSION dunning"
psql -X -q -d "$db" -f bench/aggregates.sql
psql -X -q -d postgres -c "DROP DATABASE $db"
