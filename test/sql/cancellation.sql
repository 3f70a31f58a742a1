-- pgTAP: run()'s cancellation of unsent actions whose items are all paid
-- (src/sql/outbox.sql, doc/dunning.md "How a run works").  The first run of
-- a day looks at every unsent action; the later runs of that day only at
-- those listing an invoice the settlement triggers queued since.  A run
-- under way while a payment settles is in test/t/dunning_concurrency.sh.
BEGIN;
CREATE EXTENSION IF NOT EXISTS dunning;
SELECT plan(26);

-- Five customers, one invoice each, a month overdue on Monday 2026-03-02;
-- the sixth's invoice is due in June.
INSERT INTO dunning.customer (customer_id, name, email, timezone)
SELECT g, 'Customer ' || g, 'c' || g || '@example.com', 'UTC' FROM generate_series(1, 6) g;
INSERT INTO dunning.invoice (invoice_id, customer_id, invoice_number, issued_on, due_on, amount)
SELECT g, g, 'C-' || g, DATE '2026-01-01', CASE WHEN g = 6 THEN DATE '2026-06-01' ELSE DATE '2026-02-01' END, 100
  FROM generate_series(1, 6) g;
INSERT INTO dunning.payment (payment_id, received_on, amount, customer_id)
SELECT g, DATE '2026-03-02', 100, g FROM generate_series(1, 6) g;

-- Customer 6 pays before dunning ever ran: queued all the same (a run may
-- be under way); the first run's full pass empties the queue.
SELECT dunning.allocate(6, 6);
SELECT results_eq($$SELECT customer_id, invoice_id FROM dunning_internal.newly_settled$$,
    $$VALUES (6::bigint, 6::bigint)$$, 'a settlement is queued before any run too');

SELECT is(dunning.run('2026-03-02 10:00+00'), 5, 'Monday''s first run: a notice to each overdue customer');
SELECT is_empty($$SELECT * FROM dunning_internal.newly_settled$$, 'its full pass emptied the queue');
SELECT is((SELECT full_pass_on FROM dunning_internal.cancellation_pass), DATE '2026-03-02',
    'the first run of the day made a full pass and noted the day');

-- Customer 1 pays (allocation), customer 2's invoice is written off.
SELECT dunning.allocate(1, 1);
INSERT INTO dunning.write_off (invoice_id, amount, reason) VALUES (2, 100, 'small_balance');
SELECT results_eq($$SELECT customer_id, invoice_id FROM dunning_internal.newly_settled ORDER BY 1$$,
    $$VALUES (1::bigint, 1::bigint), (2, 2)$$,
    'the invoices settled are queued (by an allocation, a write-off)');
-- Customer 3's invoice settles where the queue does not hear of it (an
-- amount lowered to what was paid, totals rebuilt: simulated by taking the
-- queue's row away).
SELECT dunning.allocate(3, 3);
DELETE FROM dunning_internal.newly_settled WHERE customer_id = 3;
-- Customer 4 pays half.
INSERT INTO dunning.payment (payment_id, received_on, amount, customer_id) VALUES (14, '2026-03-02', 50, 4);
SELECT dunning.allocate(14, 4);
SELECT is((SELECT count(*) FROM dunning_internal.newly_settled WHERE customer_id = 4), 0::bigint,
    'a partly paid invoice is not queued');

SELECT is(dunning.run('2026-03-02 14:00+00'), 1,
    'a later run the same day: one confirmation (of the payment of 3, whose notice is still queued)');
SELECT results_eq($$SELECT customer_id, status FROM dunning.action WHERE kind = 'notice' ORDER BY customer_id$$,
    $$VALUES (1::bigint, 'cancelled'), (2, 'cancelled'), (3, 'queued'), (4, 'queued'), (5, 'queued')$$,
    '...and cancels the notices of the queued invoices only (3 was not heard of, 4 is half open)');
SELECT is((SELECT last_error FROM dunning.action WHERE customer_id = 1), 'items paid before sending',
    'the cancellation says why');
SELECT is_empty($$SELECT * FROM dunning_internal.newly_settled$$, 'the pass emptied the queue');
SELECT is((SELECT full_pass_on FROM dunning_internal.cancellation_pass), DATE '2026-03-02',
    'no second full pass that day');

-- Tuesday.  A confirmation of a payment is never cancelled for its paid items.
SELECT is(dunning.run('2026-03-03 10:00+00') >= 0, true, 'Tuesday''s first run');
SELECT is((SELECT status FROM dunning.action WHERE customer_id = 3 AND kind = 'notice'), 'cancelled',
    'the day''s first run is a full pass: it cancels what the queue missed');
SELECT is((SELECT full_pass_on FROM dunning_internal.cancellation_pass), DATE '2026-03-03', 'the full pass noted Tuesday');
SELECT ok((SELECT bool_and(status IN ('queued', 'sent')) FROM dunning.action WHERE kind = 'confirmation'),
    'the confirmations of the paid notices are not cancelled');

-- A sender holds customer 4's notice when its invoice is paid in full:
-- the same-day pass leaves it (held) and keeps its invoice queued; once the
-- sender releases it unsent, the next run cancels it.
INSERT INTO dunning.payment (payment_id, received_on, amount, customer_id) VALUES (24, '2026-03-03', 50, 4);
UPDATE dunning.action SET lease_until = now() + interval '1 hour', claim_pid = pg_backend_pid(), claimed_by = 'w'
 WHERE customer_id = 4 AND kind = 'notice';
SELECT dunning.allocate(24, 4);
SELECT is(dunning.cancel_paid_actions(), 0, 'cancel_paid_actions(): the held notice is not cancelled');
SELECT is((SELECT count(*) FROM dunning_internal.newly_settled WHERE invoice_id = 4), 1::bigint,
    '...and the public full pass leaves the queue to run()');
SELECT dunning.run('2026-03-03 15:00+00');
SELECT is((SELECT status FROM dunning.action WHERE customer_id = 4 AND kind = 'notice'), 'queued',
    'a run does not cancel a held notice either...');
SELECT is((SELECT count(*) FROM dunning_internal.newly_settled WHERE invoice_id = 4), 1::bigint,
    '...and keeps its invoice queued');
SELECT dunning.release_actions(ARRAY(SELECT action_id FROM dunning.action WHERE customer_id = 4 AND kind = 'notice'));
SELECT dunning.run('2026-03-03 16:00+00');
SELECT is((SELECT status FROM dunning.action WHERE customer_id = 4 AND kind = 'notice'), 'cancelled',
    'released unsent, it is cancelled by the next run of the day');
SELECT is_empty($$SELECT * FROM dunning_internal.newly_settled$$, 'the queue is empty again');
-- One row per settlement: an invoice settled, unsettled and settled again is
-- queued twice (a pass never deletes a settlement it did not see).
SELECT dunning.unallocate((SELECT allocation_id FROM dunning.allocation WHERE payment_id = 1));
SELECT dunning.allocate(1, 1);
SELECT dunning.unallocate((SELECT allocation_id FROM dunning.allocation WHERE payment_id = 1));
SELECT dunning.allocate(1, 1);
SELECT is((SELECT count(*) FROM dunning_internal.newly_settled WHERE invoice_id = 1), 2::bigint,
    'each settlement has its own row in the queue');

-- cancel_paid_actions() is always a full pass.
SELECT dunning.allocate(5, 5);
DELETE FROM dunning_internal.newly_settled;
UPDATE dunning.action SET lease_until = now() + interval '1 hour', claim_pid = pg_backend_pid(), claimed_by = 'w'
 WHERE customer_id = 5 AND kind = 'notice';
SELECT is(dunning.cancel_paid_actions(), 0, 'an action a live sender holds is not cancelled');
UPDATE dunning.action SET lease_until = NULL, claim_pid = NULL, claimed_by = NULL WHERE customer_id = 5;
SELECT is(dunning.cancel_paid_actions(), 1, 'cancel_paid_actions() looks at every unsent action');
SELECT is((SELECT status FROM dunning.action WHERE customer_id = 5 AND kind = 'notice'), 'cancelled',
    '...and cancels the paid one');
SELECT is((SELECT count(*) FROM dunning.action WHERE kind = 'notice' AND status = 'queued'), 0::bigint,
    'no notice left queued');

SELECT * FROM finish();
ROLLBACK;
