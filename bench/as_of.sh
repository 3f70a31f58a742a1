#!/usr/bin/env bash
# Bench of the point-in-time functions (bench/as_of.sql): one customer against
# the whole book on a sample ledger (scripts/sample_ledger.sql), against the
# server named by the PG* variables.  Steps:
#   load   create database $BENCH_DB with the extension and the sample ledger
#          of $CUSTOMERS customers (5,000 by default: about 2 minutes; 100,000
#          takes about 25 minutes on 2 cores): done once, the database is kept
#   time   bench/as_of.sql (REFRESH=1 also times refresh_kpi())
#   drop   drop the database
# With no argument: load (unless the database exists), then time.
# Variables: CUSTOMERS (5000), SEED (42), YEARS (3), AS_OF (today),
# BENCH_DB (dunning_as_of_$CUSTOMERS), REFRESH (0).
set -euo pipefail
cd "$(dirname "$0")/.."
customers=${CUSTOMERS:-5000}
db=${BENCH_DB:-dunning_as_of_$customers}
as_of=${AS_OF:-$(date +%F)}

load() {
    psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
    psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "CREATE EXTENSION dunning"
    psql -X -q -v ON_ERROR_STOP=1 -d "$db" -v customers="$customers" -v seed="${SEED:-42}" \
         -v years="${YEARS:-3}" -v as_of="$as_of" -v quiet=true -f scripts/sample_ledger.sql >/dev/null
    psql -X -q -d "$db" -c "VACUUM ANALYZE"
}
run() {
    psql -X -q -v ON_ERROR_STOP=1 -d "$db" -v as_of="$as_of" -v refresh="${REFRESH:-0}" -f bench/as_of.sql
}
case "${1:-}" in
    load) load ;;
    time) run ;;
    drop) psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" ;;
    "")   if [ -z "$(psql -X -qAt -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$db'")" ]; then load; fi
          run ;;
    *)    echo "usage: bench/as_of.sh [load|time|drop]" >&2; exit 2 ;;
esac
