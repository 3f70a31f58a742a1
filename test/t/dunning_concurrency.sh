#!/usr/bin/env bash
# Several sessions run dunning.run() at once while others record payments
# and allocations (pgbench): no action is created twice, none is lost, and
# concurrent runs create exactly what one serial run creates.  New actions
# are announced with NOTIFY (per channel, with their ids).
. "$(dirname "$0")/lib.bash"
DB=dunning_run_concurrency; REF=dunning_run_serial
load() {    # 300 customers x 4 invoices, due 0..90 days before 2026-03-16
    psql -X -q -o /dev/null -v ON_ERROR_STOP=1 -d "$1" <<'SQL'
INSERT INTO dunning.customer (customer_id, name, email, phone, postal_address, timezone)
SELECT g, 'Customer ' || g, 'c' || g || '@example.com', '+1 555 ' || lpad(g::text, 4, '0'), 'Street ' || g,
       (ARRAY['UTC', 'Europe/Brussels', 'America/New_York'])[1 + g % 3]
  FROM generate_series(1, 300) g;
INSERT INTO dunning.invoice (invoice_id, customer_id, invoice_number, issued_on, due_on, amount)
SELECT g, 1 + (g - 1) / 4, 'K-' || g, DATE '2025-12-01', DATE '2026-03-16' - (g * 37 % 91), 100 + g % 50
  FROM generate_series(1, 1200) g;
INSERT INTO dunning.payment (payment_id, received_on, amount, customer_id)
SELECT g, DATE '2026-03-16', 40, 1 + (g - 1) / 4 FROM generate_series(1, 1200) g;
SQL
}
fresh_db $DB && load $DB
ok $? "test database loaded"
psql -X -q -o /dev/null -v ON_ERROR_STOP=1 -d $DB <<'SQL'
CREATE TABLE run_log (created integer NOT NULL);   -- one row per committed run
CREATE SEQUENCE allocated;
CREATE FUNCTION try_run(t timestamptz) RETURNS void LANGUAGE sql AS $$
    INSERT INTO run_log VALUES (dunning.run(t));
$$;
CREATE FUNCTION try_allocate(p bigint) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM dunning.allocate(p, p);
    PERFORM nextval('allocated');
EXCEPTION WHEN check_violation THEN NULL;
END $$;
SQL
dir=$(mktemp -d)
cat > $dir/run.sql <<'S'
\set h random(0, 2)
SELECT try_run(TIMESTAMPTZ '2026-03-16 14:30+00' + :h * interval '1 hour');
S
cat > $dir/pay.sql <<'S'
\set p random(1, 1200)
SELECT try_allocate(:p);
S
pgbench -n -c 8 -j 2 -t 60 -f $dir/run.sql@1 -f $dir/pay.sql@3 $DB > $dir/out1 2>&1
ok $? "8 sessions x 60 transactions of run() and allocate() ran"
is "$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' $dir/out1)" "0" "no transaction failed"
is "$(q $DB "SELECT count(*) FROM (SELECT customer_id, changed_on FROM dunning.level_change
                                    WHERE event IN ('climb', 'renotice') GROUP BY 1, 2 HAVING count(*) > 1) x")" \
   "0" "no customer got two notices a day (level log)"
is "$(q $DB "SELECT count(*) FROM (SELECT customer_id, step_id, action_date FROM dunning.action GROUP BY 1, 2, 3 HAVING count(*) > 1) x")" \
   "0" "no customer got the same step twice a day"
is "$(q $DB "SELECT count(*) FROM (SELECT customer_id, action_date FROM dunning.action WHERE status <> 'cancelled' GROUP BY 1, 2 HAVING count(*) > 1) x")" \
   "0" "one contact per customer and day (guardrail) under concurrency"
is "$(q $DB "SELECT count(*) FROM dunning.action a WHERE NOT EXISTS (SELECT FROM dunning.action_item i WHERE i.action_id = a.action_id)")" \
   "0" "every action has its items"
is "$(q $DB "SELECT (SELECT sum(created) FROM run_log) - count(*) FROM dunning.action")" \
   "0" "the counts run() returned add up to the actions in the outbox"
# Payments cancelled some actions, which frees the day's contact for other
# steps: a last run creates what a preview shows, then nothing is left.
want=$(q $DB "SELECT count(*) FROM dunning.preview('2026-03-16 16:30+00')")
is "$(q $DB "SELECT dunning.run('2026-03-16 16:30+00')")" "$want" "a last run creates exactly what preview shows ($want)"
is "$(q $DB "SELECT count(*) FROM dunning.preview('2026-03-16 16:30+00')")" "0" "nothing left behind: a preview finds nothing to do"
# That last run was not the day's first: its cancellation pass looked only
# at what the settlement triggers queued, some while a run was under way.
is "$(q $DB "SELECT count(*) FROM dunning.action a
              WHERE a.status = 'queued' AND a.kind <> 'confirmation'
                AND NOT EXISTS (SELECT FROM dunning.action_item ai JOIN dunning.invoice i USING (customer_id, invoice_id)
                                 WHERE ai.customer_id = a.customer_id AND ai.action_id = a.action_id
                                   AND i.settled_amount < abs(i.amount))")" \
   "0" "no queued reminder whose items were all paid during the storm (the day's later runs cancel them)"
is "$(q $DB "SELECT dunning.run('2026-03-16 16:30+00')")" "0" "another run creates nothing"
is "$(q $DB "SELECT dunning.rebuild_totals()")" "0" "ledger totals exact after the storm"

# Concurrent runs only (no payments) create exactly what one serial run does.
fresh_db $REF && load $REF
q $REF "SELECT dunning.run('2026-03-16 16:30+00')" >/dev/null
q $DB "TRUNCATE dunning.action CASCADE; TRUNCATE dunning.allocation;
        TRUNCATE dunning.customer_dunning, dunning.level_change, dunning.legal_case" >/dev/null
cat > $dir/run2.sql <<'S'
SELECT dunning.run('2026-03-16 16:30+00');
S
pgbench -n -c 8 -j 2 -t 10 -f $dir/run2.sql $DB > $dir/out2 2>&1
ok $? "8 sessions x 10 identical runs ran"
fp="SELECT md5(string_agg(a.customer_id || ':' || a.step_id || ':' || a.action_date || ':' || a.status || ':'
                         || (SELECT string_agg(i.invoice_id::text, ',' ORDER BY i.invoice_id) FROM dunning.action_item i WHERE i.action_id = a.action_id),
                         '|' ORDER BY a.customer_id, a.step_id)) || ' ' || count(*) FROM dunning.action a"
is "$(q $DB "$fp")" "$(q $REF "$fp")" "concurrent runs = one serial run (same actions, same items)"
ok $([ "$(q $REF "SELECT count(*) FROM dunning.action")" -gt 100 ]; echo $?) "the serial run created actions"

# NOTIFY: a listening session hears about new actions.
q $REF "TRUNCATE dunning.action CASCADE; TRUNCATE dunning.customer_dunning, dunning.level_change, dunning.legal_case" >/dev/null
out=$(psql -X -d $REF -c "LISTEN dunning_action" -c "SELECT dunning.run('2026-03-16 16:30+00')" 2>&1)
want=$(q $REF "SELECT string_agg(channel || ':' || n, ' ' ORDER BY channel)
                FROM (SELECT channel, count(*) n FROM dunning.action WHERE status = 'queued' GROUP BY 1) x")
got=$(echo "$out" | sed -n 's/^Asynchronous notification "dunning_action" with payload "\(.*\)" received.*/\1/p' |
      perl -ne '/"channel" : "(\w+)", "action_ids" : \[([\d,]*)\]/ and print "$1:", scalar(split /,/, $2), "\n";
                /"channel" : "(\w+)", .*"count" : (\d+)/ and print "$1:$2\n"' | sort | tr '\n' ' ' | sed 's/ $//')
is "$got" "$want" "NOTIFY dunning_action per channel with its new actions ($want)"

# A payment settles an invoice while a run is listing it as open (the run's
# statement has its snapshot and waits on a row lock of another session):
# the settlement's trigger cannot see the new action, yet queues the invoice
# because a run is under way, and the day's next run cancels the notice.
fresh_db $REF
psql -X -q -o /dev/null -v ON_ERROR_STOP=1 -d $REF <<'SQL'
INSERT INTO dunning.customer (customer_id, name, email, timezone)
VALUES (1, 'Racer', 'r@example.com', 'UTC'), (2, 'Blocker', 'b@example.com', 'UTC');
INSERT INTO dunning.invoice (invoice_id, customer_id, invoice_number, issued_on, due_on, amount)
VALUES (1, 1, 'R-1', '2026-01-01', '2026-02-01', 100), (2, 2, 'B-1', '2026-01-01', '2026-02-01', 100);
INSERT INTO dunning.payment (payment_id, received_on, amount, customer_id) VALUES (1, '2026-03-16', 100, 1);
SQL
# the run's foreign-key check of invoice 2 waits for this lock (the empty
# delete takes run_references shared: the run writes with its per-row checks)
psql -X -q -o /dev/null -d $REF -c "BEGIN" -c "SELECT FROM dunning.invoice WHERE invoice_id = 2 FOR UPDATE" \
     -c "DELETE FROM dunning.invoice WHERE false" -c "SELECT pg_sleep(4)" -c "COMMIT" &
sleep 0.5
psql -X -qAt -d $REF -c "SELECT dunning.run('2026-03-16 10:00+00')" > $dir/race_run &
sleep 1.5
q $REF "SELECT dunning.allocate(1, 1)" >/dev/null
is "$(q $REF "SELECT count(*) FROM dunning.action")" "0" "the payment committed while the run was still under way"
wait
is "$(cat $dir/race_run)" "2" "the run then committed its two notices"
is "$(q $REF "SELECT a.status FROM dunning.action a JOIN dunning.action_item ai USING (customer_id, action_id)
              WHERE ai.invoice_id = 1")" "queued" "one of them lists the invoice paid meanwhile"
q $REF "SELECT dunning.run('2026-03-16 14:00+00')" >/dev/null
is "$(q $REF "SELECT status FROM dunning.action WHERE customer_id = 1 AND kind = 'notice'")" "cancelled" \
   "the day's next run (no full pass) cancels it: the settlement was queued"

# A pass takes only the settlements it sees: invoice 2 is settled and
# unsettled (its queue row stays), then settled again in a transaction still
# open while a run passes (invoice 2 open in its snapshot); the next run
# cancels the notice from the settlement's own row.
q $REF "INSERT INTO dunning.payment (payment_id, received_on, amount, customer_id) VALUES (2, '2026-03-16', 100, 2);
        SELECT dunning.allocate(2, 2);
        SELECT dunning.unallocate((SELECT allocation_id FROM dunning.allocation WHERE payment_id = 2))" >/dev/null
psql -X -q -o /dev/null -d $REF -c "BEGIN" -c "SELECT dunning.allocate(2, 2)" -c "SELECT pg_sleep(3)" -c "COMMIT" &
sleep 1
q $REF "SELECT dunning.run('2026-03-16 15:00+00')" >/dev/null
is "$(q $REF "SELECT status FROM dunning.action WHERE customer_id = 2 AND kind = 'notice'")" "queued" \
   "a run while the second settlement is uncommitted leaves the notice (its invoice open then)"
wait
q $REF "SELECT dunning.run('2026-03-16 16:00+00')" >/dev/null
is "$(q $REF "SELECT status FROM dunning.action WHERE customer_id = 2 AND kind = 'notice'")" "cancelled" \
   "the next run cancels it: that pass did not take the settlement it could not see"

# The run's writing without per-row foreign-key checks (runner.sql): a
# delete of a dunned invoice or customer cannot leave an item or an action
# naming nothing.  (1) The run first: it holds run_references; a delete of
# an invoice it lists waits for its commit, then fails on the foreign key.
race_db() {
    fresh_db $REF
    psql -X -q -o /dev/null -v ON_ERROR_STOP=1 -d $REF <<'SQL'
INSERT INTO dunning.customer (customer_id, name, email, timezone)
SELECT g, 'Customer ' || g, 'c' || g || '@example.com', 'UTC' FROM generate_series(1, 3) g;
INSERT INTO dunning.invoice (invoice_id, customer_id, invoice_number, issued_on, due_on, amount)
SELECT g, 1 + (g - 1) / 2, 'D-' || g, '2026-01-01', '2026-02-01', 100 FROM generate_series(1, 6) g;
SQL
}
orphans() {
    q $REF "SELECT (SELECT count(*) FROM dunning.action_item ai
                     WHERE NOT EXISTS (SELECT FROM dunning.invoice i
                                        WHERE i.customer_id = ai.customer_id AND i.invoice_id = ai.invoice_id))
                 + (SELECT count(*) FROM dunning.action a
                     WHERE NOT EXISTS (SELECT FROM dunning.customer c WHERE c.customer_id = a.customer_id))"
}
race_db
is "$(q $REF "SELECT dunning_internal.trusted_run_write_possible()")" "t" "(the run writes without per-row checks here)"
is "$(psql -X -qAt -d $REF -c "BEGIN ISOLATION LEVEL REPEATABLE READ" -c "SELECT dunning_internal.trusted_run_write_possible()" \
        -c "COMMIT")" "f" "not in REPEATABLE READ (its snapshot may be older than the lock)"
psql -X -At -d $REF -c "BEGIN" -c "SELECT dunning.run('2026-03-16 10:00+00')" -c "SELECT pg_sleep(2)" -c "COMMIT" \
     > $dir/ra 2>&1 &
a=$!
sleep 0.7
t0=$(date +%s%3N)
psql -X -At -d $REF -c "DELETE FROM dunning.invoice WHERE invoice_id = 2" > $dir/rb 2>&1
waited=$(( $(date +%s%3N) - t0 ))
wait $a
is "$(grep -x '[0-9]*' $dir/ra)" "3" "a run in a transaction held open writes three notices"
grep -q 'violates foreign key constraint "action_item_invoice_fkey"' $dir/rb
ok $? "a delete of an invoice one of them lists, meanwhile, fails on the foreign key"
[ "$waited" -ge 700 ]
ok $? "... after waiting for the run's commit (waited $waited ms)"
psql -X -At -d $REF -c "DELETE FROM dunning.customer WHERE customer_id = 3" > $dir/rc 2>&1
grep -q 'violates foreign key constraint' $dir/rc
ok $? "a delete of a dunned customer fails on a foreign key"
is "$(orphans)" "0" "no item names a missing invoice, no action a missing customer"
# (2) The delete first, uncommitted: the run does not wait for the lock; it
# writes with its per-row checks, whose check of the deleted invoice waits
# for the delete's commit and fails the run (as before the unchecked
# writing); without the lock the run would write an item naming it.
race_db
psql -X -At -d $REF -c "BEGIN" -c "DELETE FROM dunning.invoice WHERE invoice_id = 2" -c "SELECT pg_sleep(2)" -c "COMMIT" \
     > $dir/da 2>&1 &
a=$!
sleep 0.7
psql -X -At -d $REF -c "SELECT dunning.run('2026-03-16 10:00+00')" > $dir/db 2>&1
wait $a
grep -q 'violates foreign key constraint "action_item_invoice_fkey"' $dir/db
ok $? "a run while an invoice's delete is uncommitted fails on the foreign key once the delete commits"
is "$(q $REF "SELECT count(*) FROM dunning.invoice WHERE invoice_id = 2")" "0" "... the delete committed"
is "$(q $REF "SELECT dunning.run('2026-03-16 11:00+00')")" "3" "the next run writes the three notices"
is "$(orphans)" "0" "no item names the deleted invoice"
# (3) A rolled-back delete leaves the run to write (checked) what it found.
race_db
psql -X -At -d $REF -c "BEGIN" -c "DELETE FROM dunning.customer WHERE customer_id = 42" -c "SELECT pg_sleep(1.5)" \
     -c "ROLLBACK" > /dev/null 2>&1 &
sleep 0.5
is "$(q $REF "SELECT dunning.run('2026-03-16 10:00+00')")" "3" "a run beside an open delete of customers writes its notices"
is "$(q $REF "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state = 'active'
                AND query LIKE 'SELECT pg_sleep(1.5)%'")" "1" "... without waiting for it (the delete is still open)"
wait
is "$(q $REF "SELECT count(*) FROM dunning.action_item")" "6" "... with their items"

grep -E "^(number of (transactions actually processed|failed)|tps)" $dir/out1 $dir/out2 | sed 's/^/# /'
rm -rf $dir
drop_db $DB; drop_db $REF
done_testing
