#!/usr/bin/env bash
# Lettering benchmark against the server named by the PG* variables (the
# dunning extension installed).  On the same generated ledger, in one run:
#   quality  precision / recall / unrelated lettered of dunning.auto_letter()
#            and of the plain-SQL matcher (bench/plain_matcher.sql), per kind
#   speed    both timed on the same payments
# Usage: bench/lettering.sh [CUSTOMERS [SEED]]   (default 2000 customers, seed 42:
#        about 4,700 unlettered payments; 25000 customers: about 58,000)
# Set PLAIN=0 to skip the plain-SQL matcher (it grows quadratically), or PLAIN_TIMEOUT=seconds
# to stop each of its statements after that long (its time is then a lower bound).
set -euo pipefail
cd "$(dirname "$0")/.."
customers=${1:-2000}; seed=${2:-42}; db=${BENCH_DB:-dunning_bench_letter}
ms() { date +%s%3N; }
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" 2>/dev/null
psql -X -q -d "$db" -c "CREATE EXTENSION dunning"
t=$(ms)
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -v customers="$customers" -v seed="$seed" -f scripts/sample_ledger.sql >/dev/null
echo "generated $customers customers in $(( $(ms) - t )) ms"
psql -X -q -d "$db" -c "VACUUM ANALYZE" -c "CREATE SCHEMA bench_eval" \
     -c "CREATE TABLE bench_eval.work AS SELECT payment_id FROM dunning.payment WHERE allocated_amount = 0" \
     -c "CREATE TABLE bench_eval.before AS SELECT max(allocation_id) AS last_allocation FROM dunning.allocation"
psql -X -qAt -d "$db" -c "SELECT 'ledger: ' || (SELECT count(*) FROM dunning.invoice) || ' invoices, '
    || (SELECT count(*) FROM dunning.invoice WHERE settled_amount < abs(amount)) || ' open, '
    || (SELECT count(*) FROM bench_eval.work) || ' unlettered payments'"

plain_done=0
if [ "${PLAIN:-1}" != 0 ]; then
    t=$(ms)
    # PLAIN_TIMEOUT=seconds bounds the quadratic matcher: its time is then a lower bound
    if PGOPTIONS="-c statement_timeout=$(( ${PLAIN_TIMEOUT:-0} * 1000 ))" \
        psql -X -q -v ON_ERROR_STOP=1 -d "$db" -f bench/plain_matcher.sql >/dev/null 2>/tmp/plain_matcher.$$; then
        plain_done=1
        plain_ms=$(( $(ms) - t ))
        echo "plain-SQL matcher: $plain_ms ms"
    elif grep -q "statement timeout" /tmp/plain_matcher.$$; then
        plain_ms=$(( $(ms) - t ))
        echo "plain-SQL matcher: stopped after $plain_ms ms (PLAIN_TIMEOUT), not finished"
    else
        cat /tmp/plain_matcher.$$ >&2; rm -f /tmp/plain_matcher.$$; exit 1
    fi
    rm -f /tmp/plain_matcher.$$
fi
t=$(ms)
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "SELECT * FROM dunning.auto_letter()"
dunning_ms=$(( $(ms) - t ))
n=$(psql -X -qAt -d "$db" -c "SELECT count(*) FROM bench_eval.work")
echo "dunning.auto_letter: $dunning_ms ms ($(( n * 1000 / (dunning_ms > 0 ? dunning_ms : 1) )) payments/s)"
[ -n "${plain_ms:-}" ] && echo "speed ratio plain/dunning: $([ $plain_done = 1 ] || echo 'more than ')$(awk -v a="$plain_ms" -v b="$dunning_ms" 'BEGIN { printf "%.1f", a / b }')x"

psql -X -q -d "$db" -c "CREATE VIEW bench_eval.engine AS
    SELECT a.payment_id, a.invoice_id, a.amount FROM dunning.allocation a, bench_eval.before b
     WHERE a.payment_id IS NOT NULL AND a.allocation_id > b.last_allocation"
psql -X -q -d "$db" -v pred=bench_eval.engine -v label=dunning -f bench/lettering_quality.sql
[ "$plain_done" = 1 ] && psql -X -q -d "$db" -v pred=bench_plain.matched -v label=plain_sql -f bench/lettering_quality.sql
[ -n "${KEEP:-}" ] || psql -X -q -d postgres -c "DROP DATABASE $db"
