#!/usr/bin/env bash
# Benchmark of the KPI surface (src/sql/kpi.sql) on a synthetic
# ledger of 5M invoices and 100k customers, against the server named by the
# PG* variables.  Steps:
#   load     create database $BENCH_DB with the extension, load the ledger
#            (plain SQL into dunning.customer/invoice/payment, allocations in
#            one bulk INSERT); ~10 minutes on 2 cores
#   time [1|2|3]  bench/kpi.sql (or one of its three parts): correctness
#            checks, then best-of-N timings
#   drop     drop the database
# With no argument: load, time, drop.  On a shared machine run each step
# under the install lock, e.g.
#   flock /tmp/dunning-install.lock bench/kpi.sh time
# Sizes: CUSTOMERS (100000), INVOICES (5000000).  KEEP_DB=1 loads into an
# existing database $BENCH_DB that already has the extension (created under
# the lock), so that the long load itself can run outside it.
set -euo pipefail
cd "$(dirname "$0")/.."
db=${BENCH_DB:-dunning_kpi_bench}
customers=${CUSTOMERS:-100000}
invoices=${INVOICES:-5000000}

load() {
    if [ -z "${KEEP_DB:-}" ]; then
        psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
        psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "CREATE EXTENSION dunning"
    fi
    psql -X -q -v ON_ERROR_STOP=1 -d "$db" -v customers="$customers" -v invoices="$invoices" <<'SQL'
\timing on
-- Customers: one in 20 invoices in USD, the others in EUR; each has its own
-- payment habit (mean days late from -10 to 30) and terms (30, 45 or 60).
INSERT INTO dunning.customer (customer_id, name, credit_limit, country)
SELECT c, 'Customer ' || c, (c % 50 + 1) * 1000, 'BE'
  FROM generate_series(1, :customers) c;
-- Invoices issued over the two years up to today; one in 200 is a credit note.
INSERT INTO dunning.invoice (invoice_id, customer_id, invoice_number, issued_on, due_on, amount, currency)
SELECT i, c, 'B-' || i, d,
       d + CASE WHEN i % 200 = 0 THEN 0 ELSE 30 + 15 * (c % 3)::int END,
       CASE WHEN i % 200 = 0 THEN -((i * 104729) % 50000 / 100.0 + 5)
            ELSE (i * 104729) % 500000 / 100.0 + 50 END::numeric(12,2),
       CASE WHEN c % 20 = 0 THEN 'USD' ELSE 'EUR' END
  FROM generate_series(1::bigint, :invoices) i,
       LATERAL (SELECT (i % :customers + 1)::bigint AS c,
                       CURRENT_DATE - 730 + ((i * 7919) % 730)::int AS d) x;
-- Payments: every invoice but one in 37 is paid in full, days late = the
-- customer's habit +- 10, if that day has come.
INSERT INTO dunning.payment (payment_id, received_on, amount, currency, customer_id)
SELECT i.invoice_id, r, i.amount, i.currency, i.customer_id
  FROM dunning.invoice i,
       LATERAL (SELECT i.due_on + (i.customer_id % 41 - 10 + (i.invoice_id * 31) % 21 - 10)::int AS r) x
 WHERE i.amount > 0 AND i.invoice_id % 37 <> 0 AND r < CURRENT_DATE;
-- Allocations: one bulk INSERT (the statement triggers update the totals).
INSERT INTO dunning.allocation (payment_id, invoice_id, amount)
SELECT p.payment_id, p.payment_id, p.amount FROM dunning.payment p;
VACUUM ANALYZE;
SELECT (SELECT count(*) FROM dunning.customer) AS customers, (SELECT count(*) FROM dunning.invoice) AS invoices,
       (SELECT count(*) FROM dunning.payment) AS payments, (SELECT count(*) FROM dunning.allocation) AS allocations,
       (SELECT count(*) FROM dunning.invoice WHERE settled_amount < abs(amount)) AS open_items;
SQL
}

case "${1:-all}" in
load) load ;;
time) psql -X -q -v ON_ERROR_STOP=1 -d "$db" -v part="${2:-all}" -f bench/kpi.sql ;;
drop) psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" ;;
all)  load; psql -X -q -v ON_ERROR_STOP=1 -d "$db" -f bench/kpi.sql
      psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" ;;
*)    echo "usage: bench/kpi.sh [load|time [1|2|3]|drop|all]" >&2; exit 2 ;;
esac
