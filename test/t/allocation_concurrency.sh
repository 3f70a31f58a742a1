#!/usr/bin/env bash
# Issue 13, point 11: 8 sessions allocate the same payments to different
# invoices (of several customers, payers known and unknown) for 20 seconds,
# unallocating and unlettering some, and moving payments' days and invoices'
# issue and due days as an admin would (the settlement facts made again);
# then auto_letter runs beside manual
# lettering for 20 seconds.  Afterwards nothing is over-allocated, no
# allocation crosses customers, every unknown payer that lettering inferred
# is logged, and rebuild_totals() finds no drift.
. "$(dirname "$0")/lib.bash"
DB=dunning_alloc_concurrency
SECONDS_EACH=${ALLOC_CONCURRENCY_SECONDS:-20}
fresh_db $DB
psql -X -q -o /dev/null -v ON_ERROR_STOP=1 -d $DB <<'SQL'
INSERT INTO dunning.customer (customer_id, name) SELECT c, 'Customer ' || c || ' SA' FROM generate_series(1, 4) c;
-- 10 invoices per customer, some with a reference the payments quote
INSERT INTO dunning.invoice (invoice_id, customer_id, invoice_number, issued_on, due_on, amount, reference)
SELECT i, 1 + i % 4, 'K-' || lpad(i::text, 4, '0'), DATE '2026-01-01', DATE '2026-01-31', 40.00 + (i % 5) * 10,
       CASE WHEN i % 3 = 0 THEN dunning.reference_create(i::text, 'rf') END
  FROM generate_series(1, 40) i;
-- 12 payments: half of unknown payer, some quoting an invoice
INSERT INTO dunning.payment (payment_id, received_on, amount, customer_id, remittance_info)
SELECT p, DATE '2026-02-01', 60.00 + (p % 4) * 15, CASE WHEN p % 2 = 0 THEN 1 + p % 4 END,
       CASE WHEN p % 3 = 0 THEN 'K-' || lpad((p * 3)::text, 4, '0') END
  FROM generate_series(1, 12) p;
CREATE SEQUENCE ok_allocations; CREATE SEQUENCE refused; CREATE SEQUENCE removals; CREATE SEQUENCE deadlocks;
CREATE FUNCTION try_allocate(p bigint, i bigint, a numeric) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM dunning.allocate(p, i, a);
    PERFORM nextval('ok_allocations');
EXCEPTION WHEN check_violation THEN
    PERFORM nextval('refused');
END $$;
CREATE FUNCTION try_undo(p bigint, whole boolean) RETURNS void LANGUAGE plpgsql AS $$
DECLARE a record;
BEGIN
    SELECT allocation_id, letter_id INTO a FROM dunning.allocation WHERE payment_id = p ORDER BY allocation_id LIMIT 1;
    IF FOUND THEN
        IF whole THEN
            PERFORM dunning.unletter(a.letter_id, 'storm');
        ELSE
            PERFORM dunning.unallocate(a.allocation_id);
        END IF;
        PERFORM nextval('removals');
    END IF;
EXCEPTION WHEN undefined_object OR object_not_in_prerequisite_state THEN
    NULL;   -- another session removed it first
END $$;
SQL
ok $? "4 customers, 40 invoices, 12 payments (6 of unknown payer)"

dir=$(mktemp -d)
cat > $dir/allocate.sql <<'S'
\set p random(1, 12)
\set i random(1, 40)
\set a random(0, 30)
SELECT try_allocate(:p, :i, CASE WHEN :a = 0 THEN NULL ELSE :a + 0.5 END);
S
cat > $dir/undo.sql <<'S'
\set p random(1, 12)
\set w random(0, 1)
SELECT try_undo(:p, :w = 1);
S
cat > $dir/redate.sql <<'S'
\set p random(1, 12)
\set i random(1, 40)
\set d random(0, 20)
UPDATE dunning.payment SET received_on = DATE '2026-02-01' + :d WHERE payment_id = :p;
UPDATE dunning.invoice SET issued_on = DATE '2026-01-01' + :d % 10, due_on = DATE '2026-01-31' + :d WHERE invoice_id = :i;
S
cat > $dir/letter.sql <<'S'
SELECT * FROM dunning.auto_letter(0.5);
S

failures() { sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$1"; }
processed() { sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$1"; }
invariants() {  # violated rows (0 expected)
    q $DB "SELECT $totals_violations_sql
                + (SELECT count(*) FROM dunning.allocation a
                     JOIN dunning.invoice i ON i.invoice_id = a.invoice_id
                     LEFT JOIN dunning.payment p ON p.payment_id = a.payment_id
                    WHERE i.customer_id <> a.customer_id OR p.customer_id <> a.customer_id)
                + (SELECT count(*) FROM dunning.payment p
                    WHERE p.payment_id % 2 = 1 AND p.customer_id IS NOT NULL
                      AND NOT EXISTS (SELECT FROM dunning.payer_history h
                                       WHERE h.payment_id = p.payment_id AND h.customer_id = p.customer_id
                                         AND h.cleared_at IS NULL))
                + (SELECT count(*) FROM dunning.payment p
                    WHERE p.payment_id % 2 = 1 AND p.customer_id IS NOT NULL AND p.allocated_amount = 0)"
}

# 1. Manual allocation storm: the same payments to invoices of every customer.
pgbench -n -c 8 -j 2 -T $SECONDS_EACH --max-tries=20 -f $dir/allocate.sql@6 -f $dir/undo.sql@1 -f $dir/redate.sql@1 \
        $DB > $dir/out1 2>&1
ok $? "8 sessions allocate, unallocate, unletter the same payments and redate payments and invoices for ${SECONDS_EACH}s"
is "$(failures $dir/out1)" "0" "no transaction failed (deadlocks retried: one lock order)"
is "$(invariants)" "0" "no over-allocation, no cross-customer allocation, inferred payers logged and given back"
refused=$(q $DB "SELECT last_value FROM refused")
ok $([ "$refused" -gt 100 ]; echo $?) "contention was real: $refused allocations refused (another customer's invoice, no room)"
ok $([ "$(q $DB "SELECT count(*) FROM dunning.payer_history WHERE cleared_at IS NOT NULL")" -gt 0 ]; echo $?) \
   "unknown payers were inferred and given back during the storm"
is "$(q $DB "SELECT dunning.rebuild_totals()")" "0" "rebuild_totals finds no drift"

# 2. auto_letter beside manual lettering.
q $DB "SELECT dunning.unletter(letter_id, 'reset') FROM dunning.letter WHERE unlettered_at IS NULL
         AND letter_id IN (SELECT letter_id FROM dunning.allocation UNION SELECT letter_id FROM dunning.write_off);
       DELETE FROM dunning.proposal" >/dev/null
pgbench -n -c 6 -j 2 -T $SECONDS_EACH --max-tries=20 -f $dir/allocate.sql@6 -f $dir/undo.sql@2 $DB > $dir/manual.out 2>&1 &
bench=$!
pgbench -n -c 2 -j 1 -T $SECONDS_EACH --max-tries=20 -f $dir/letter.sql $DB > $dir/letter.out 2>&1
ok $? "auto_letter ran for ${SECONDS_EACH}s in 2 sessions"
wait $bench
ok $? "beside 6 manual sessions"
is "$(failures $dir/letter.out)/$(failures $dir/manual.out)" "0/0" "no transaction failed"
ok $([ "$(processed $dir/letter.out)" -gt 0 ]; echo $?) "auto_letter completed $(processed $dir/letter.out) runs"
is "$(invariants)" "0" "no over-allocation, no cross-customer allocation, inferred payers logged"
is "$(q $DB "SELECT dunning.rebuild_totals()")" "0" "rebuild_totals finds no drift"

grep -E "^(number of (transactions actually processed|failed|transactions retried)|tps)" $dir/out1 $dir/manual.out $dir/letter.out | sed 's/^/# /'
rm -rf $dir
drop_db $DB
done_testing
