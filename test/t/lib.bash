# Shared helpers for the shell TAP tests in test/t/ (sourced, not run).
# They talk to the server named by the PG* variables and create their own
# databases, which they drop at the end.
set -uo pipefail
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
TAP_N=0
TAP_FAILED=0
ok() {      # ok CONDITION-EXIT-STATUS DESCRIPTION
    TAP_N=$((TAP_N + 1))
    if [ "$1" -eq 0 ]; then echo "ok $TAP_N - $2"; else echo "not ok $TAP_N - $2"; TAP_FAILED=$((TAP_FAILED + 1)); fi
}
is() {      # is GOT WANT DESCRIPTION
    TAP_N=$((TAP_N + 1))
    if [ "$1" == "$2" ]; then echo "ok $TAP_N - $3"
    else echo "not ok $TAP_N - $3"; echo "#   got:  '$1'"; echo "#   want: '$2'"; TAP_FAILED=$((TAP_FAILED + 1)); fi
}
done_testing() { echo "1..$TAP_N"; [ "$TAP_FAILED" -eq 0 ]; }
q() {       # q DB SQL: one value, unaligned
    psql -X -qAt -v ON_ERROR_STOP=1 -d "$1" -c "$2"
}
fresh_db() { # fresh_db NAME: an empty database with the extension
    psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1" >/dev/null &&
    q "$1" "SET client_min_messages = warning; CREATE EXTENSION dunning" >/dev/null
}
drop_db() { psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $1" >/dev/null 2>&1; }
# bankfile DB STATEMENT_ID N: table bankfile (doc) in DB holding a camt.053
# of N credits (payers "Payer i", amounts 10 + i), from test/bank/generate.sql
bankfile() {
    psql -X -q -o /dev/null -v ON_ERROR_STOP=1 -d "$1" <<SQL
\\i $(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/test/bank/generate.sql
CREATE TABLE bankfile AS
SELECT pg_temp.camt_document('053', 8, '$2', DATE '2026-03-02', 0,
                             array_agg('Payer ' || i ORDER BY i), array_agg('BE68539007547034'::text ORDER BY i),
                             array_agg((10 + i)::numeric ORDER BY i), array_agg('INV-' || i ORDER BY i), 'BE71096123456769', 7) AS doc
  FROM generate_series(1, $3) i;
SQL
}
# SQL counting the invoices and payments whose running total is not the sum
# of their allocations and write-offs, or is beyond their amount (0 expected).
totals_violations_sql="(SELECT count(*) FROM dunning.invoice i
                    LEFT JOIN (SELECT x.id, sum(x.amount) s FROM (
                         SELECT invoice_id id, amount FROM dunning.allocation
                         UNION ALL SELECT credit_note_id, amount FROM dunning.allocation WHERE credit_note_id IS NOT NULL
                         UNION ALL SELECT invoice_id, amount FROM dunning.write_off) x GROUP BY 1) a ON a.id = i.invoice_id
                   WHERE COALESCE(a.s, 0) > abs(i.amount) OR COALESCE(a.s, 0) <> i.settled_amount)
                + (SELECT count(*) FROM dunning.payment p
                    LEFT JOIN (SELECT payment_id, sum(amount) s FROM dunning.allocation GROUP BY 1) a USING (payment_id)
                   WHERE COALESCE(a.s, 0) > p.amount OR COALESCE(a.s, 0) <> p.allocated_amount)"
