-- pgTAP: allocated means fixed (issue 13, point 1), no back door to the
-- running totals (point 2), lettering that learns from a no (point 10, the
-- SQL side: inferred payers given back, unlettered groups remembered).
BEGIN;
CREATE EXTENSION IF NOT EXISTS dunning;
SELECT plan(75);

INSERT INTO dunning.customer (customer_id, name) VALUES (1, 'Acme SA'), (2, 'Globex Ltd');
INSERT INTO dunning.invoice (invoice_id, customer_id, invoice_number, issued_on, due_on, amount, currency) VALUES
  (1, 1, 'A-1', '2026-01-01', '2026-01-31', 100.00, 'EUR'), (2, 1, 'A-2', '2026-01-01', '2026-01-31', 200.00, 'EUR'),
  (3, 1, 'A-3-CN', '2026-01-05', '2026-01-05', -30.00, 'EUR'), (4, 2, 'G-4', '2026-01-01', '2026-01-31', 400.00, 'EUR'),
  (5, 2, 'G-5', '2026-01-01', '2026-01-31', 50.00, 'USD');
INSERT INTO dunning.payment (payment_id, received_on, amount, currency, customer_id) VALUES
  (1, '2026-02-01', 100.00, 'EUR', 1), (2, '2026-02-01', 400.00, 'EUR', NULL), (3, '2026-02-01', 90.00, 'EUR', 2);
SELECT dunning.allocate(1, 1, 60.00) AS a1 \gset
SELECT dunning.allocate_credit_note(3, 2, 30.00) AS a2 \gset

-----------------------------------------------------------------------------
-- 1. Allocated means fixed
-----------------------------------------------------------------------------
SELECT fk_ok('dunning', 'allocation', ARRAY['customer_id', 'payment_id'], 'dunning', 'payment', ARRAY['customer_id', 'payment_id'],
             'an allocation references its payment with its customer');
SELECT fk_ok('dunning', 'allocation', ARRAY['customer_id', 'invoice_id'], 'dunning', 'invoice', ARRAY['customer_id', 'invoice_id'],
             'an allocation references its invoice with its customer');
SELECT fk_ok('dunning', 'write_off', ARRAY['customer_id', 'invoice_id'], 'dunning', 'invoice', ARRAY['customer_id', 'invoice_id'],
             'a write-off references its invoice with its customer');
SELECT fk_ok('dunning', 'dispute', ARRAY['customer_id', 'invoice_id'], 'dunning', 'invoice', ARRAY['customer_id', 'invoice_id'],
             'a dispute references its invoice with its customer');
SELECT is_empty($$
    SELECT c.conrelid::regclass FROM pg_constraint c
     WHERE c.contype = 'p' AND c.conrelid IN ('dunning.allocation'::regclass, 'dunning.write_off'::regclass,
                                             'dunning.letter'::regclass, 'dunning.proposal'::regclass,
                                             'dunning.dispute'::regclass, 'dunning.payer_history'::regclass)
       AND (SELECT attname FROM pg_attribute WHERE attrelid = c.conrelid AND attnum = c.conkey[1]) <> 'customer_id'$$,
    'the keys of customer-owned ledger tables start with customer_id');
-- A cross-customer allocation cannot be written, by any path.
SELECT throws_ok($$INSERT INTO dunning.allocation (customer_id, payment_id, invoice_id, amount) VALUES (1, 3, 2, 1)$$,
                 '23503', NULL, 'an allocation of customer 2''s payment to customer 1''s invoice: foreign key');
SELECT throws_ok($$INSERT INTO dunning.allocation (customer_id, payment_id, invoice_id, amount) VALUES (2, 3, 2, 1)$$,
                 '23503', NULL, '... whichever customer the row claims');
-- Written directly, an allocation whose sides do not fit together is refused
-- by the statement's own check (in allocation_sync), row by row of a
-- many-row statement too, and nothing of the statement stays.
SELECT throws_ok($$INSERT INTO dunning.allocation (customer_id, payment_id, invoice_id, amount) VALUES (1, 1, 3, 1)$$,
                 '23514', 'invoice 3 is a credit note and cannot be settled', 'a credit note settled by a payment is refused');
SELECT throws_ok($$INSERT INTO dunning.allocation (customer_id, payment_id, invoice_id, amount) VALUES (2, 3, 4, 1), (2, 3, 5, 1)$$,
                 '23514', 'payment 3 is in EUR but invoice 5 is in USD', 'a payment of another currency is refused, in a two-row statement');
SELECT throws_ok($$INSERT INTO dunning.allocation (customer_id, credit_note_id, invoice_id, amount) VALUES (1, 1, 2, 1)$$,
                 '23514', 'invoice 1 is not a credit note', 'an invoice given as the credit note is refused');
SELECT is((SELECT allocated_amount FROM dunning.payment WHERE payment_id = 3), 0.00, '... and nothing of the refused statements stays');
SELECT throws_ok($$SELECT dunning.allocate(3, 2)$$, '23514', 'payment 3 is from customer 2 but invoice 2 belongs to customer 1',
                 'allocate() says why');
-- The customer, currency and amount of what is settled are fixed.
SET LOCAL ROLE dunning_admin;
SELECT throws_like($$UPDATE dunning.payment SET customer_id = 2 WHERE payment_id = 1$$,
                   '%payment 1 is allocated by allocations ' || :a1 || ' (letter AA)%', 'a lettered payment keeps its customer; the error names its allocations');
SELECT throws_ok($$UPDATE dunning.payment SET currency = 'USD' WHERE payment_id = 1$$, '23514', NULL,
                 'a lettered payment keeps its currency');
SELECT throws_ok($$UPDATE dunning.payment SET amount = 59.99 WHERE payment_id = 1$$, '23514', NULL,
                 'a lettered payment''s amount cannot drop below what is allocated');
SELECT lives_ok($$UPDATE dunning.payment SET amount = 60.00 WHERE payment_id = 1$$, '... down to it, it can');
SELECT throws_like($$UPDATE dunning.invoice SET customer_id = 2 WHERE invoice_id = 1$$,
                   '%invoice 1 is settled by allocations ' || :a1 || '%', 'a settled invoice keeps its customer; the error names its allocations');
SELECT throws_ok($$UPDATE dunning.invoice SET currency = 'USD' WHERE invoice_id = 2$$, '23514', NULL,
                 'an invoice settled by a credit note keeps its currency');
SELECT throws_ok($$UPDATE dunning.invoice SET amount = 59.99 WHERE invoice_id = 1$$, '23514', NULL,
                 'a settled invoice''s amount cannot drop below what is settled');
SELECT throws_like($$UPDATE dunning.invoice SET customer_id = 2 WHERE invoice_id = 3$$,
                   '%allocations ' || :a2 || '%', 'a consumed credit note keeps its customer');
SELECT lives_ok($$UPDATE dunning.invoice SET customer_id = 2 WHERE invoice_id = 5$$, 'an open item moves freely');
RESET ROLE;
SET LOCAL ROLE dunning_collector;
SELECT throws_ok($$UPDATE dunning.payment SET customer_id = NULL WHERE payment_id = 1$$, '23514', NULL,
                 'a collector cannot make a lettered payment unidentified');
RESET ROLE;
-- rebuild_totals() finds what the keys would have refused, written with
-- them off (replication role).
SELECT is(dunning.rebuild_totals(), 0::bigint, 'rebuild_totals: nothing wrong yet');
SET LOCAL session_replication_role = replica;
INSERT INTO dunning.allocation (allocation_id, customer_id, payment_id, invoice_id, amount) VALUES (9001, 1, 3, 2, 1.00);
-- (a credit note of another customer: the allocation's customer has none)
INSERT INTO dunning.allocation (allocation_id, customer_id, credit_note_id, invoice_id, amount) VALUES (9002, 1, 4, 1, 1.00);
UPDATE dunning.invoice SET currency = 'USD' WHERE invoice_id = 1;
SET LOCAL session_replication_role = origin;
SET LOCAL client_min_messages = error;
SELECT cmp_ok(dunning.rebuild_totals(), '>=', 4::bigint,
              'rebuild_totals counts a cross-customer payment and credit note and a cross-currency allocation (and the totals it corrects)');
SET LOCAL session_replication_role = replica;
DELETE FROM dunning.allocation WHERE allocation_id IN (9001, 9002);
UPDATE dunning.invoice SET currency = 'EUR' WHERE invoice_id = 1;
SET LOCAL session_replication_role = origin;
SELECT dunning.rebuild_totals();
RESET client_min_messages;

-----------------------------------------------------------------------------
-- 2. No back door to the running totals, whatever a role sets
-----------------------------------------------------------------------------
SET LOCAL ROLE dunning_admin;
SET LOCAL dunning.internal_write = on;
SELECT throws_ok($$UPDATE dunning.invoice SET settled_amount = 0 WHERE invoice_id = 1$$, '42501', NULL,
                 'admin, SET LOCAL dunning.internal_write: settled_amount refused');
SELECT throws_ok($$SELECT set_config('dunning.internal_write', 'on', false);
                   UPDATE dunning.payment SET allocated_amount = 0 WHERE payment_id = 1$$, '42501', NULL,
                 'admin, set_config(): allocated_amount refused');
SELECT throws_ok($$SET dunning.internal_write = on; UPDATE dunning.invoice SET settled_amount = 100 WHERE invoice_id = 2$$,
                 '42501', NULL, 'admin, plain SET: refused');
SELECT throws_ok($$INSERT INTO dunning.invoice (invoice_id, customer_id, invoice_number, issued_on, due_on, amount)
                   VALUES (1, 1, 'A-1', '2026-01-01', '2026-01-31', 100.00)
                   ON CONFLICT (customer_id, invoice_id) DO UPDATE SET settled_amount = 100$$, '42501', NULL,
                 'admin, INSERT ... ON CONFLICT DO UPDATE: refused');
INSERT INTO dunning.invoice (invoice_id, customer_id, invoice_number, issued_on, due_on, amount, settled_amount)
VALUES (6, 1, 'A-6', '2026-01-01', '2026-01-31', 70.00, 70.00);
RESET ROLE;
SELECT is((SELECT settled_amount FROM dunning.invoice WHERE invoice_id = 6), 0::numeric,
          'admin, INSERT with a total: reset to 0');
SET LOCAL ROLE dunning_collector;
SELECT throws_ok($$SET dunning.internal_write = on; UPDATE dunning.payment SET allocated_amount = 0 WHERE payment_id = 1$$,
                 '42501', NULL, 'collector, plain SET: refused');
SELECT throws_ok($$SELECT set_config('dunning.internal_write', 'on', true);
                   UPDATE dunning.invoice SET settled_amount = 0 WHERE invoice_id = 1$$, '42501', NULL,
                 'collector, set_config(): refused');
RESET ROLE;
-- Not even a superuser other than through rebuild_totals().
SET LOCAL dunning.internal_write = off;
SELECT throws_ok($$UPDATE dunning.invoice SET settled_amount = 0 WHERE invoice_id = 1$$, '42501', NULL,
                 'superuser, no flag: refused by the trigger');
SELECT is((SELECT settled_amount FROM dunning.invoice WHERE invoice_id = 1) || '/' ||
          (SELECT allocated_amount FROM dunning.payment WHERE payment_id = 1), '60.00/60.00',
          'the totals are what the allocations say');
SELECT is(dunning.rebuild_totals(), 0::bigint, 'rebuild_totals: no drift');

-----------------------------------------------------------------------------
-- 10. What lettering inferred goes with it
-----------------------------------------------------------------------------
-- Payment 2 has no payer: lettering it to invoice 4 makes it customer 2's.
SELECT dunning.allocate(2, 4) AS a4 \gset
SELECT is((SELECT customer_id FROM dunning.payment WHERE payment_id = 2), 2::bigint, 'allocate sets the unknown payer first');
SELECT is((SELECT count(*) FROM dunning.payer_history WHERE payment_id = 2 AND cleared_at IS NULL), 1::bigint,
          '... and logs it');
SELECT dunning.unallocate(:a4);
SELECT is((SELECT customer_id FROM dunning.payment WHERE payment_id = 2), NULL::bigint,
          'unallocate gives back the unknown payer');
SELECT is((SELECT cleared_reason FROM dunning.payer_history WHERE payment_id = 2), 'unallocated', '... logged');
-- A payer that was loaded stays.
SELECT dunning.unallocate(:a1);
SELECT is((SELECT customer_id FROM dunning.payment WHERE payment_id = 1), 1::bigint, 'a loaded payer stays after unallocate');
-- unletter: the payer goes back, the group is remembered as rejected.
SELECT dunning.allocate(2, 4, 400.00) AS a5 \gset
SELECT dunning.unletter((SELECT letter_id FROM dunning.allocation WHERE allocation_id = :a5), 'wrong customer');
SELECT is((SELECT customer_id FROM dunning.payment WHERE payment_id = 2), NULL::bigint, 'unletter gives back the unknown payer');
SELECT results_eq($$SELECT customer_id, invoice_ids, amounts, status, rank FROM dunning.proposal WHERE payment_id = 2$$,
                  $$VALUES (2::bigint, '{4}'::bigint[], '{400.00}'::numeric[], 'rejected'::text, 0)$$,
                  'the unlettered group is remembered as a rejected answer');
SELECT ok((SELECT reason FROM dunning.proposal WHERE payment_id = 2) LIKE '%wrong customer%', '... with its reason');
-- The engine does not give that answer again: the payment (text names G-4,
-- amount equal) stays unlettered and unproposed to invoice 4.
UPDATE dunning.payment SET remittance_info = 'invoice G-4' WHERE payment_id = 2;
SELECT * FROM dunning.auto_letter(0.1);
SELECT is_empty($$SELECT FROM dunning.allocation WHERE payment_id = 2$$, 'auto_letter does not letter it again');
SELECT is_empty($$SELECT FROM dunning.proposal WHERE payment_id = 2 AND status = 'pending' AND invoice_ids = '{4}'$$,
                'nor proposes it');
SELECT is_empty($$SELECT FROM dunning.suggest(2) WHERE invoice_ids = '{4}'$$, 'nor suggests it');
-- Once forgotten, it would.
DELETE FROM dunning.proposal WHERE payment_id = 2;
SELECT isnt_empty($$SELECT FROM dunning.suggest(2) WHERE invoice_ids = '{4}'$$, 'forgotten, the answer comes back');
-- reject_proposal is remembered the same way.
SELECT * FROM dunning.auto_letter(1.0);
SELECT dunning.reject_proposal((SELECT proposal_id FROM dunning.proposal WHERE payment_id = 2 AND status = 'pending' AND rank = 1), 'no');
SELECT * FROM dunning.auto_letter(0.1);
SELECT is_empty($$SELECT FROM dunning.allocation WHERE payment_id = 2 AND invoice_id = 4$$,
                'a rejected proposal is not lettered afterwards, even at a low threshold');

-----------------------------------------------------------------------------
-- 11. The latest settlement date per item, maintained (issue 12, point 4)
-----------------------------------------------------------------------------
SET LOCAL TimeZone = 'UTC';
INSERT INTO dunning.customer (customer_id, name) VALUES (3, 'Initech');
INSERT INTO dunning.invoice (invoice_id, customer_id, invoice_number, issued_on, due_on, amount, currency, settled_on) VALUES
  (31, 3, 'I-31', '2026-03-01', '2026-03-31', 100.00, 'EUR', '2026-01-01'),
  (32, 3, 'I-32', '2026-03-10', '2026-04-10', 50.00, 'EUR', NULL),
  (33, 3, 'I-33-CN', '2026-03-20', '2026-03-20', -20.00, 'EUR', NULL);
INSERT INTO dunning.payment (payment_id, received_on, amount, currency, customer_id) VALUES
  (31, '2026-03-15', 60.00, 'EUR', 3), (32, '2026-02-20', 40.00, 'EUR', 3), (33, '2026-04-02', 100.00, 'EUR', 3);
CREATE TEMP VIEW settled_on_drift AS
SELECT i.invoice_id, i.settled_on, s.last_on
  FROM dunning.invoice i
  LEFT JOIN (SELECT x.invoice_id, max(x.settled_on) AS last_on FROM dunning_internal.ledger_settlement x GROUP BY 1) s
         ON s.invoice_id = i.invoice_id
 WHERE i.settled_on IS DISTINCT FROM s.last_on;
-- The settlement facts (kept by the same triggers; dunning.settlement reads
-- them) against the rows the ledger makes (dunning_internal.ledger_settlement),
-- both ways: every row equal, none missing, none extra.
CREATE TEMP VIEW settlement_fact_drift AS
(SELECT f.customer_id, f.invoice_id, f.kind, f.source_id, f.currency, f.due_on, f.settled_on, f.amount, f.open_change
   FROM dunning_internal.settlement_fact f
 EXCEPT
 SELECT s.customer_id, s.invoice_id, s.kind, COALESCE(s.allocation_id, s.write_off_id), s.currency, s.due_on,
        s.settled_on, s.amount, s.open_change
   FROM dunning_internal.ledger_settlement s)
UNION ALL
(SELECT s.customer_id, s.invoice_id, s.kind, COALESCE(s.allocation_id, s.write_off_id), s.currency, s.due_on,
        s.settled_on, s.amount, s.open_change
   FROM dunning_internal.ledger_settlement s
 EXCEPT
 SELECT f.customer_id, f.invoice_id, f.kind, f.source_id, f.currency, f.due_on, f.settled_on, f.amount, f.open_change
   FROM dunning_internal.settlement_fact f);
SELECT is((SELECT settled_on FROM dunning.invoice WHERE invoice_id = 31), NULL::date,
          'settled_on given on INSERT: reset to NULL');
SELECT dunning.allocate(31, 31, 60.00) AS s1 \gset
SELECT is((SELECT settled_on FROM dunning.invoice WHERE invoice_id = 31), '2026-03-15'::date,
          'allocate: settled_on is the payment date');
SELECT dunning.allocate(32, 31, 40.00) AS s2 \gset
SELECT is((SELECT settled_on FROM dunning.invoice WHERE invoice_id = 31), '2026-03-15'::date,
          '... an earlier settlement leaves the latest date');
SELECT dunning.unallocate(:s1);
SELECT is((SELECT settled_on FROM dunning.invoice WHERE invoice_id = 31), '2026-03-01'::date,
          'unallocate: recomputed (a payment received before the invoice date settles on that date)');
SELECT dunning.allocate_credit_note(33, 32, 20.00) AS s3 \gset
SELECT is((SELECT array_agg(settled_on ORDER BY invoice_id) FROM dunning.invoice WHERE invoice_id IN (32, 33)),
          '{2026-03-20,2026-03-20}'::date[], 'credit note: both items dated at the later issue date');
INSERT INTO dunning.write_off (customer_id, invoice_id, payment_id, amount, reason) VALUES (3, 32, 33, 5.00, 'bank_fee');
INSERT INTO dunning.write_off (customer_id, invoice_id, amount, reason, written_off_on)
VALUES (3, 31, 1.00, 'rounding', '2026-03-05');
SELECT is((SELECT array_agg(settled_on ORDER BY invoice_id) FROM dunning.invoice WHERE invoice_id IN (31, 32)),
          '{2026-03-05,2026-04-02}'::date[], 'write-off: dated by its payment, else its written_off_on');
SET LOCAL ROLE dunning_admin;
UPDATE dunning.payment SET received_on = '2026-04-20' WHERE payment_id = 33;
RESET ROLE;
SELECT is((SELECT settled_on FROM dunning.invoice WHERE invoice_id = 32), '2026-04-20'::date,
          'a payment''s received_on changed (by an admin): its items redated');
SET LOCAL ROLE dunning_admin;
UPDATE dunning.invoice SET issued_on = '2026-03-25' WHERE invoice_id = 32;
RESET ROLE;
SELECT is((SELECT array_agg(settled_on ORDER BY invoice_id) FROM dunning.invoice WHERE invoice_id IN (32, 33)),
          '{2026-04-20,2026-03-25}'::date[], 'an invoice''s issued_on changed: the credit note it took redated too');
DELETE FROM dunning.write_off WHERE customer_id = 3 AND invoice_id = 32;
SELECT is((SELECT settled_on FROM dunning.invoice WHERE invoice_id = 32), '2026-03-25'::date,
          'write-off deleted: recomputed');
SELECT dunning.allocate(33, 31, 59.00) AS s4 \gset
SELECT is_empty($$SELECT * FROM settled_on_drift$$, 'settled_on agrees with the settlements the ledger makes, for every item');
SELECT is_empty($$SELECT * FROM settlement_fact_drift$$,
                'the settlement facts are the rows the ledger makes after allocations, a credit note, write-offs, an unallocation, a deletion and two redatings');
SELECT results_eq($$SELECT paid_on FROM dunning.paid_invoice WHERE invoice_id = 31$$, $$VALUES ('2026-04-20'::date)$$,
                  'paid_invoice: the paid date is settled_on');
SET LOCAL ROLE dunning_admin;
SELECT throws_ok($$UPDATE dunning.invoice SET settled_on = '2026-01-01' WHERE invoice_id = 31$$, '42501', NULL,
                 'admin: settled_on refused');
SELECT throws_ok($$SET dunning.internal_write = on; UPDATE dunning.invoice SET settled_on = NULL WHERE invoice_id = 31$$,
                 '42501', NULL, 'admin, plain SET dunning.internal_write: settled_on refused');
RESET ROLE;
SET LOCAL ROLE dunning_collector;
SELECT throws_ok($$UPDATE dunning.invoice SET settled_on = '2026-01-01' WHERE invoice_id = 31$$, '42501', NULL,
                 'collector: settled_on refused');
RESET ROLE;
SET LOCAL dunning.internal_write = off;
SELECT throws_ok($$UPDATE dunning.invoice SET settled_on = '2026-01-01' WHERE invoice_id = 31$$, '42501', NULL,
                 'superuser, no flag: settled_on refused by the trigger');
SET LOCAL session_replication_role = replica;
UPDATE dunning.invoice SET settled_on = '2000-01-01' WHERE invoice_id IN (31, 33);
SET LOCAL session_replication_role = origin;
SELECT is(dunning.rebuild_totals(), 2::bigint, 'rebuild_totals counts the drifted dates');
SELECT is_empty($$SELECT * FROM settled_on_drift$$, '... and repairs them');
SET LOCAL ROLE dunning_admin;
UPDATE dunning.payment SET received_on = '2026-04-22' WHERE payment_id = 33;
UPDATE dunning.invoice SET due_on = '2026-05-15' WHERE invoice_id = 32;
RESET ROLE;
SELECT results_eq($$SELECT invoice_id, kind, due_on, settled_on, amount FROM dunning_internal.settlement_fact
                     WHERE customer_id = 3 AND invoice_id IN (31, 32, 33) ORDER BY invoice_id, kind, settled_on$$,
                  $$VALUES (31::bigint, 'payment', '2026-03-31'::date, '2026-03-01'::date, 40.00),
                           (31, 'payment', '2026-03-31', '2026-04-22', 59.00),
                           (31, 'write_off', '2026-03-31', '2026-03-05', 1.00),
                           (32, 'credit_note', '2026-05-15', '2026-03-25', 20.00),
                           (33, 'credit_note_applied', '2026-03-20', '2026-03-25', 20.00)$$,
                  'facts after a payment''s received_on and an item''s due date moved: the new day, the new due date');
SELECT is_empty($$SELECT * FROM settlement_fact_drift$$, '... and they still are the rows the ledger makes');
-- Facts changed behind the triggers' back: two amounts, one date, one gone,
-- one extra.
UPDATE dunning_internal.settlement_fact SET amount = amount + 1 WHERE customer_id = 3 AND invoice_id = 31 AND kind = 'payment';
UPDATE dunning_internal.settlement_fact SET settled_on = '2000-01-01' WHERE customer_id = 3 AND kind = 'credit_note';
DELETE FROM dunning_internal.settlement_fact WHERE customer_id = 3 AND kind = 'credit_note_applied';
INSERT INTO dunning_internal.settlement_fact VALUES (3, 31, 'write_off', 999999, 'EUR', '2026-03-31', '2026-03-31', 1, -1);
SELECT is((SELECT count(*) FROM settlement_fact_drift), 8::bigint,
          'facts changed by hand: the drift seen (a changed row counts twice)');
SELECT is(dunning.rebuild_totals(), 8::bigint,
          'rebuild_totals counts the facts it replaces (3: removed and added), adds (1) and removes (1)');
SELECT is_empty($$SELECT * FROM settlement_fact_drift$$, '... and the facts are the ledger''s rows again');

-- An unlettered group with a write-off is remembered whole: what each item
-- received (allocation and write-off) and the write-off apart.
INSERT INTO dunning.invoice (invoice_id, customer_id, invoice_number, issued_on, due_on, amount)
VALUES (9101, 3, 'RR-1', '2026-03-01', '2026-03-31', 50.00);
INSERT INTO dunning.payment (payment_id, received_on, amount, customer_id) VALUES (9102, '2026-04-01', 45.00, 3);
SELECT dunning.allocate(9102, 9101, 45.00) AS rr \gset
INSERT INTO dunning.write_off (customer_id, invoice_id, payment_id, amount, reason, letter_id)
SELECT 3, 9101, 9102, 5.00, 'bank_fee', a.letter_id FROM dunning.allocation a WHERE a.allocation_id = :rr;
SELECT dunning.unletter((SELECT letter_id FROM dunning.allocation WHERE allocation_id = :rr), 'test');
SELECT results_eq($$SELECT invoice_ids, amounts, write_off, status FROM dunning.proposal WHERE payment_id = 9102$$,
                  $$VALUES ('{9101}'::bigint[], '{50.00}'::numeric[], 5.00::numeric, 'rejected'::text)$$,
                  'an unlettered group with a write-off is remembered with what each item received and the write-off');

-- A write-off's day is stored (written_off_on): written in a time zone 14
-- hours ahead of UTC, it keeps that day for a reader 11 hours behind (the
-- two zones never share a date), and rebuild_totals() there finds nothing
-- to repair.
INSERT INTO dunning.invoice (invoice_id, customer_id, invoice_number, issued_on, due_on, amount)
VALUES (9201, 3, 'TZ-1', '2026-01-01', '2026-01-31', 10.00);
SET LOCAL TimeZone = 'Pacific/Kiritimati';
INSERT INTO dunning.write_off (customer_id, invoice_id, amount, reason) VALUES (3, 9201, 10.00, 'small_balance');
SELECT is((SELECT written_off_on FROM dunning.write_off WHERE invoice_id = 9201), CURRENT_DATE,
          'a write-off''s day: by default the writing session''s today');
SELECT CURRENT_DATE AS tz_day \gset
SET LOCAL TimeZone = 'Pacific/Niue';
SELECT is((SELECT array_agg(d) FROM (SELECT settled_on FROM dunning.invoice WHERE invoice_id = 9201
                                     UNION ALL SELECT settled_on FROM dunning.settlement WHERE invoice_id = 9201) x (d)),
          ARRAY[:'tz_day'::date, :'tz_day'::date], '... the item and its settlement keep it in a time zone 25 hours behind');
SELECT is(dunning.rebuild_totals(), 0::bigint, '... where rebuild_totals() finds nothing to repair');
RESET TimeZone;
SELECT throws_ok($$INSERT INTO dunning.write_off (customer_id, invoice_id, amount, reason, written_off_on)
                   VALUES (3, 9101, 1.00, 'manual', '0900-01-01')$$, '23514', NULL, 'a write-off''s day is bounded');

SELECT * FROM finish();
ROLLBACK;
