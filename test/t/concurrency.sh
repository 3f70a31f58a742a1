#!/usr/bin/env bash
# Several sessions letter the same few payments and invoices at once
# (pgbench, 8 clients): nothing is ever over-allocated, every successful
# allocation is there exactly once, and the running totals stay exact.
. "$(dirname "$0")/lib.bash"
DB=dunning_concurrency
fresh_db $DB
psql -X -q -o /dev/null -v ON_ERROR_STOP=1 -d $DB <<'SQL'
INSERT INTO dunning.customer (customer_id, name) VALUES (1, 'Acme SA');
INSERT INTO dunning.invoice (invoice_id, customer_id, invoice_number, issued_on, due_on, amount)
SELECT g, 1, 'C-' || g, DATE '2026-01-01', DATE '2026-01-31', 100.00 FROM generate_series(1, 6) g;
INSERT INTO dunning.payment (payment_id, received_on, amount, customer_id)
SELECT g, DATE '2026-02-01', 100.00, 1 FROM generate_series(1, 6) g;
-- Bookkeeping outside the transactions under test: sequences do not roll back.
CREATE SEQUENCE ok_allocations; CREATE SEQUENCE refused_allocations; CREATE SEQUENCE removals;
CREATE FUNCTION try_allocate(p bigint, i bigint, a numeric) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM dunning.allocate(p, i, a);
    PERFORM nextval('ok_allocations');
EXCEPTION WHEN check_violation THEN
    PERFORM nextval('refused_allocations');
END $$;
CREATE FUNCTION try_unallocate(p bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE id bigint;
BEGIN
    SELECT allocation_id INTO id FROM dunning.allocation WHERE payment_id = p ORDER BY allocation_id LIMIT 1;
    IF FOUND THEN
        PERFORM dunning.unallocate(id);
        PERFORM nextval('removals');
    END IF;
EXCEPTION WHEN undefined_object THEN
    NULL;   -- another session removed it first
END $$;
-- Direct inserts (the admin's path) under REPEATABLE READ: serialization
-- failures propagate so that pgbench retries them.
CREATE FUNCTION try_insert(p bigint, i bigint, a numeric) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO dunning.allocation (payment_id, invoice_id, amount) VALUES (p, i, a);
    PERFORM nextval('ok_allocations');
EXCEPTION WHEN check_violation THEN
    PERFORM nextval('refused_allocations');
END $$;
SQL
ok $? "test database prepared"

dir=$(mktemp -d)
cat > $dir/allocate.sql <<'S'
\set p random(1, 6)
\set i random(1, 6)
\set a random(0, 45)
SELECT try_allocate(:p, :i, CASE WHEN :a = 0 THEN NULL ELSE :a + 0.25 END);
S
cat > $dir/unallocate.sql <<'S'
\set p random(1, 6)
SELECT try_unallocate(:p);
S
cat > $dir/insert.sql <<'S'
\set p random(1, 6)
\set i random(1, 6)
\set a random(1, 45)
SELECT try_insert(:p, :i, :a + 0.5);
S

n() {           # how many times sequence $1 was advanced
    echo "(SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM $1)"
}
failures() {    # failed transactions reported by pgbench
    sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$1"
}
invariants() {  # prints the number of violated rows (0 expected)
    q $DB "SELECT (SELECT count(*) FROM dunning.invoice i
                    LEFT JOIN (SELECT invoice_id, sum(amount) s FROM dunning.allocation GROUP BY 1) a USING (invoice_id)
                   WHERE COALESCE(a.s, 0) > i.amount OR COALESCE(a.s, 0) <> i.settled_amount)
                 + (SELECT count(*) FROM dunning.payment p
                    LEFT JOIN (SELECT payment_id, sum(amount) s FROM dunning.allocation GROUP BY 1) a USING (payment_id)
                   WHERE COALESCE(a.s, 0) > p.amount OR COALESCE(a.s, 0) <> p.allocated_amount)"
}

pgbench -n -c 8 -j 2 -t 400 -f $dir/allocate.sql@5 -f $dir/unallocate.sql@1 $DB > $dir/out1 2>&1
ok $? "8 sessions x 400 allocate/unallocate calls ran"
is "$(failures $dir/out1)" "0" "no transaction failed (no deadlock: one lock order)"
is "$(invariants)" "0" "no over-allocation, totals exact after concurrent allocate()"
is "$(q $DB "SELECT $(n ok_allocations) - $(n removals) - count(*) FROM dunning.allocation")" \
   "0" "every successful allocation minus every removal is in the table, once"
refused=$(q $DB "SELECT $(n refused_allocations)")
ok $([ "$refused" -gt 50 ]; echo $?) "contention was real: $refused allocations refused for lack of room"
is "$(q $DB "SELECT count(*) > 0 FROM dunning.allocation")" "t" "allocations remain after the storm"

q $DB "TRUNCATE dunning.allocation; SELECT setval('ok_allocations', 1, false), setval('refused_allocations', 1, false)" >/dev/null
PGOPTIONS="$PGOPTIONS -c default_transaction_isolation=repeatable\ read" \
    pgbench -n -c 8 -j 2 -t 300 --max-tries=50 -f $dir/insert.sql $DB > $dir/out2 2>&1
ok $? "8 sessions x 300 direct inserts at REPEATABLE READ ran (serialization failures retried)"
is "$(failures $dir/out2)" "0" "no transaction failed after retries"
is "$(invariants)" "0" "no over-allocation, totals exact after concurrent direct inserts"
is "$(q $DB "SELECT $(n ok_allocations) - count(*) FROM dunning.allocation")" \
   "0" "every committed insert is there once"
is "$(q $DB "SELECT dunning.rebuild_totals()")" "0" "rebuild_totals finds nothing to correct"

grep -E "^(number of (transactions actually processed|failed|transactions retried)|tps)" $dir/out1 $dir/out2 | sed 's/^/# /'
rm -rf $dir
drop_db $DB
done_testing
