#!/usr/bin/env bash
# Several sessions run auto_letter() at once, with and without manual
# lettering going on meanwhile: the result equals one serial run, nothing
# is lettered twice, nothing is over-allocated.
. "$(dirname "$0")/lib.bash"
SER=dunning_letter_serial; CON=dunning_letter_concurrent

load() {
    fresh_db $1
    psql -X -q -o /dev/null -v ON_ERROR_STOP=1 -d $1 <<'SQL'
INSERT INTO dunning.customer (customer_id, name)
SELECT c, 'Customer ' || c || ' NV' FROM generate_series(1, 60) c;
INSERT INTO dunning.invoice (invoice_id, customer_id, invoice_number, issued_on, due_on, amount, reference)
SELECT i, 1 + i % 60, 'INV-' || lpad(i::text, 6, '0'), DATE '2026-01-01' + i % 100, DATE '2026-02-01' + i % 100,
       100 + (i * 53) % 900 + (i % 4) * 0.25, CASE WHEN i % 3 = 0 THEN dunning.reference_create(i::text, 'rf') END
  FROM generate_series(1, 1200) i;
INSERT INTO dunning.payment (payment_id, received_on, amount, payer_name, remittance_info, reference)
SELECT p, DATE '2026-03-01' + p % 100, 100 + (p * 53) % 900 + (p % 4) * 0.25 - CASE WHEN p % 10 = 0 THEN 1.5 ELSE 0 END,
       'CUSTOMER ' || (1 + p % 60), CASE WHEN p % 3 <> 0 THEN 'Invoice INV-' || lpad(p::text, 6, '0') END,
       CASE WHEN p % 3 = 0 THEN dunning.reference_create(p::text, 'rf') END
  FROM generate_series(1, 1000) p;
CREATE FUNCTION try_allocate(p bigint, i bigint) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM dunning.allocate(p, i, 1.00);
EXCEPTION WHEN check_violation THEN NULL;
END $$;
SQL
}
letters() {  # the lettering, as (payment, invoice, amount) rows
    q $1 "SELECT string_agg(payment_id || ':' || invoice_id || ':' || amount, ',' ORDER BY payment_id, invoice_id)
            FROM dunning.allocation WHERE method <> 'manual'"
}
invariants() {
    q $1 "SELECT $totals_violations_sql
                + (SELECT count(*) FROM (SELECT payment_id FROM dunning.allocation WHERE method <> 'manual'
                                          GROUP BY payment_id HAVING count(DISTINCT letter_id) > 1) d)"
}

load $SER; load $CON
ok $? "two identical ledgers loaded"
q $SER "SELECT * FROM dunning.auto_letter()" >/dev/null
ok $? "serial run"
serial=$(letters $SER)
ok $([ -n "$serial" ]; echo $?) "the serial run lettered $(q $SER "SELECT count(DISTINCT payment_id) FROM dunning.allocation") payments"

dir=$(mktemp -d)
echo 'SELECT * FROM dunning.auto_letter();' > $dir/letter.sql
pgbench -n -c 4 -j 2 -t 3 -f $dir/letter.sql $CON > $dir/out 2>&1
ok $? "4 sessions x 3 runs of auto_letter at once"
is "$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' $dir/out)" "0" "no run failed"
is "$(letters $CON)" "$serial" "concurrent runs letter exactly what one serial run letters"
is "$(invariants $CON)" "0" "nothing over-allocated or lettered twice"

# Manual lettering competes with the engine for the same items.
load $CON
cat > $dir/manual.sql <<'S'
\set p random(1, 1000)
\set i random(1, 1200)
SELECT try_allocate(:p, :i);
S
pgbench -n -c 3 -j 1 -T 6 -f $dir/manual.sql $CON > $dir/manual.out 2>&1 &
bench=$!
pgbench -n -c 2 -j 1 -t 4 -f $dir/letter.sql $CON > $dir/out2 2>&1
ok $? "auto_letter runs while 3 sessions letter by hand"
wait $bench
ok $? "manual sessions ran"
is "$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' $dir/out2)" "0" "no auto_letter run failed"
is "$(invariants $CON)" "0" "nothing over-allocated or lettered twice with manual lettering in between"
is "$(q $CON 'SELECT dunning.rebuild_totals()')" "0" "running totals exact"
grep -E "^(number of transactions actually processed|latency average)" $dir/out $dir/out2 $dir/manual.out | sed 's/^/# /'
rm -rf $dir
drop_db $SER; drop_db $CON
done_testing
