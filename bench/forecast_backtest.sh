#!/usr/bin/env bash
# Cash-forecast backtest (doc/kpi.md, "Cash forecast: backtest") on the sample
# ledger, against the server named by the PG* variables (extension
# installed):
#   bench/forecast_backtest.sh [CUSTOMERS [SEED]]     (default 2000 42)
# creates database dunning_forecast_<CUSTOMERS>_<SEED> (kept: KEEP_DB=1 reuses
# it), generates the ledger (scripts/sample_ledger.sql, 3 years, as_of
# 2026-11-23), letters the payments the generator leaves to the lettering
# engine (its last 45 days) with their truth, so that the actuals are
# complete, then runs bench/forecast_backtest.sql.
set -euo pipefail
cd "$(dirname "$0")/.."
customers=${1:-2000}
seed=${2:-42}
db=dunning_forecast_${customers}_${seed}

if [ -z "${KEEP_DB:-}" ] || ! psql -X -d "$db" -c 'SELECT' >/dev/null 2>&1; then
    psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
    psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "CREATE EXTENSION dunning"
    psql -X -q -v ON_ERROR_STOP=1 -d "$db" -v customers="$customers" -v seed="$seed" -v quiet=true \
         -f scripts/sample_ledger.sql
    psql -X -q -v ON_ERROR_STOP=1 -d "$db" <<'SQL'
SET search_path = pg_catalog, pg_temp;
-- Letter the payments left unlettered (from params.lettered_before on) with
-- their truth, as the generator letters the history: payments, credit notes
-- netted in them, credit notes cancelling a whole invoice, bank fees
-- written off.
INSERT INTO dunning.allocation (payment_id, credit_note_id, invoice_id, amount)
SELECT x.payment_id, x.credit_note_id, x.invoice_id, x.amount
  FROM (SELECT t.payment_id, NULL::bigint AS credit_note_id, t.invoice_id, t.amount, p.received_on AS on_date
          FROM dunning_sample.payment_truth t JOIN dunning.payment p USING (payment_id)
         WHERE p.received_on >= (SELECT lettered_before FROM dunning_sample.params)
        UNION ALL
        SELECT NULL, t.credit_note_id, t.invoice_id, -c.amount, p.received_on
          FROM dunning_sample.payment_truth t JOIN dunning.payment p USING (payment_id)
          JOIN dunning_sample.credit_note c ON c.credit_note_id = t.credit_note_id
         WHERE p.received_on >= (SELECT lettered_before FROM dunning_sample.params)
        UNION ALL
        SELECT NULL, c.credit_note_id, c.invoice_id, -c.amount, cn.issued_on
          FROM dunning_sample.credit_note c
          JOIN dunning.invoice i ON i.invoice_id = c.invoice_id
          JOIN dunning.invoice cn ON cn.invoice_id = c.credit_note_id
         WHERE c.amount = -i.amount AND cn.issued_on >= (SELECT lettered_before FROM dunning_sample.params)) x
 ORDER BY x.on_date, x.payment_id NULLS LAST, x.credit_note_id, x.invoice_id;
INSERT INTO dunning.write_off (invoice_id, payment_id, amount, reason)
SELECT t.invoice_id, t.payment_id, i.amount - i.settled_amount, 'bank_fee'
  FROM dunning_sample.payment_truth t
  JOIN dunning.payment p USING (payment_id)
  JOIN dunning.invoice i USING (invoice_id)
 WHERE t.kind = 'fee' AND p.received_on >= (SELECT lettered_before FROM dunning_sample.params)
   AND i.settled_amount > 0 AND i.settled_amount < i.amount
 ORDER BY t.invoice_id;
VACUUM ANALYZE;
SQL
fi
echo "== $customers customers, seed $seed (database $db)"
psql -X -q -d "$db" -f bench/forecast_backtest.sql
