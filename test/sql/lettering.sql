-- pgTAP: lettering engine invariants: never over-allocates, idempotent,
-- reversible, robust to garbage.
BEGIN;
CREATE EXTENSION IF NOT EXISTS dunning;
SELECT plan(31);

-- A busy little ledger: 40 customers, 400 invoices, 600 payments, many of
-- them ambiguous on purpose (amounts repeat, numbers collide, currencies mix).
INSERT INTO dunning.customer (customer_id, name)
SELECT c, 'Customer ' || chr(65 + c % 26) || chr(65 + (c * 7) % 26) || ' ' || c || ' SA' FROM generate_series(1, 40) c;
INSERT INTO dunning.invoice (invoice_id, customer_id, invoice_number, issued_on, due_on, amount, currency, reference)
SELECT i, 1 + i % 40, 'INV-' || lpad(i::text, 6, '0'), DATE '2026-01-01' + i % 200, DATE '2026-02-01' + i % 200,
       CASE WHEN i % 17 = 0 THEN -(10 + i % 50) ELSE 50 + (i * 37) % 400 + (i % 3) * 0.25 END,
       CASE WHEN i % 9 = 0 THEN 'USD' ELSE 'EUR' END,
       CASE WHEN i % 4 = 0 THEN dunning.reference_create(i::text, 'rf') END
  FROM generate_series(1, 400) i;
INSERT INTO dunning.payment (payment_id, received_on, amount, currency, payer_name, remittance_info, reference, customer_id)
SELECT p, DATE '2026-03-01' + p % 200,
       CASE p % 5 WHEN 0 THEN 50 + (p * 37) % 400 WHEN 1 THEN 75.25 ELSE 50 + ((p % 400) * 37) % 400 + (p % 3) * 0.25 END,
       CASE WHEN p % 11 = 0 THEN 'USD' ELSE 'EUR' END,
       'CUSTOMER ' || p % 40,
       CASE p % 4 WHEN 0 THEN 'INV-' || lpad((p % 400)::text, 6, '0') WHEN 1 THEN 'INV ' || (p % 400) || ' and ' || ((p * 3) % 400)
                  WHEN 2 THEN repeat('x', p) ELSE NULL END,
       CASE WHEN p % 8 = 0 THEN dunning.reference_create((p % 400)::text, 'rf') END,
       CASE WHEN p % 6 = 0 THEN 1 + p % 40 END
  FROM generate_series(1, 600) p;

SELECT lives_ok($$SELECT * FROM dunning.auto_letter(0.5)$$, 'auto_letter runs on a messy ledger (threshold 0.5)');
SELECT cmp_ok((SELECT count(*)::int FROM dunning.allocation), '>', 50, 'it lettered a good part of it');
SELECT is_empty($$
    SELECT i.invoice_id FROM dunning.invoice i
      LEFT JOIN (SELECT x.id, sum(x.amount) s FROM (
                   SELECT invoice_id id, amount FROM dunning.allocation
                   UNION ALL SELECT credit_note_id, amount FROM dunning.allocation WHERE credit_note_id IS NOT NULL
                   UNION ALL SELECT invoice_id, amount FROM dunning.write_off) x GROUP BY 1) a ON a.id = i.invoice_id
     WHERE COALESCE(a.s, 0) > abs(i.amount) OR COALESCE(a.s, 0) <> i.settled_amount
$$, 'no item settled beyond its amount; totals match allocations and write-offs');
SELECT is_empty($$
    SELECT p.payment_id FROM dunning.payment p
      LEFT JOIN (SELECT payment_id, sum(amount) s FROM dunning.allocation GROUP BY 1) a USING (payment_id)
     WHERE COALESCE(a.s, 0) > p.amount OR COALESCE(a.s, 0) <> p.allocated_amount
$$, 'no payment allocated beyond its amount');
SELECT is_empty($$
    SELECT 1 FROM dunning.allocation a JOIN dunning.payment p USING (payment_id) JOIN dunning.invoice i USING (invoice_id)
     WHERE p.currency <> i.currency OR p.customer_id <> i.customer_id
$$, 'allocations never cross currencies or customers');
SELECT is_empty($$
    SELECT w.invoice_id FROM dunning.write_off w JOIN dunning.invoice i USING (invoice_id)
     WHERE w.amount > (SELECT COALESCE(max(s.fee_tolerance_amount), 15.00) FROM dunning.lettering_setting s)
$$, 'write-offs stay within the tolerance');
SELECT is_empty($$
    SELECT letter_id FROM dunning.allocation GROUP BY letter_id HAVING count(DISTINCT payment_id) > 1
$$, 'a letter group holds one payment');

-- Idempotent: a second run letters nothing, a third neither.
CREATE TEMP TABLE snap AS SELECT allocation_id, payment_id, invoice_id, amount FROM dunning.allocation;
CREATE TEMP TABLE pending_after_first AS
SELECT payment_id, rank, invoice_ids, amounts FROM dunning.proposal WHERE status = 'pending';
SELECT is((SELECT lettered FROM dunning.auto_letter(0.5)), 0::bigint, 'a second run letters nothing new');
SELECT is((SELECT lettered FROM dunning.auto_letter(0.5)), 0::bigint, 'a third run neither');
SELECT is_empty($$SELECT allocation_id, payment_id, invoice_id, amount FROM dunning.allocation
                  EXCEPT SELECT * FROM snap$$, 'the allocations are those of the first run');
SELECT set_eq($$SELECT payment_id, rank, invoice_ids, amounts FROM dunning.proposal WHERE status = 'pending'$$,
              $$SELECT * FROM pending_after_first$$, 'the same proposals, replaced and not piled up');

-- Reversible: unlettering everything the engine did restores every open amount.
CREATE TEMP TABLE open_before AS
SELECT invoice_id, settled_amount FROM dunning.invoice;
SELECT lives_ok($$SELECT dunning.unletter(letter_id) FROM dunning.letter
                  WHERE method <> 'manual' AND unlettered_at IS NULL$$, 'unletter every engine letter');
SELECT is((SELECT sum(settled_amount) FROM dunning.invoice), 0::numeric, 'every invoice is open again');
SELECT is((SELECT sum(allocated_amount) FROM dunning.payment), 0::numeric, 'every payment is unallocated again');
SELECT is((SELECT count(*) FROM dunning.letter_history), (SELECT count(*) FROM snap) + (SELECT count(*) FROM dunning.letter_history WHERE kind = 'write_off'),
          'the history keeps every removed allocation and write-off');
-- Learns from a no: an unlettered group is an answer the engine does not
-- give again; forgotten, the same payments are lettered again.
SELECT is((SELECT count(*) FROM dunning.proposal WHERE status = 'rejected' AND rank = 0),
          (SELECT count(DISTINCT payment_id) FROM snap), 'each unlettered group is remembered as rejected');
SELECT * FROM dunning.auto_letter(0.5);
SELECT is_empty($$
    SELECT payment_id, array_agg(DISTINCT invoice_id ORDER BY invoice_id) FROM dunning.allocation
     WHERE payment_id IS NOT NULL GROUP BY payment_id
    INTERSECT
    SELECT payment_id, array_agg(DISTINCT invoice_id ORDER BY invoice_id) FROM snap
     WHERE payment_id IS NOT NULL GROUP BY payment_id$$, 're-running does not letter an unlettered answer again');
SELECT lives_ok($$SELECT dunning.unletter(letter_id) FROM dunning.letter
                  WHERE method <> 'manual' AND unlettered_at IS NULL$$, 'unletter the new answers too');
DELETE FROM dunning.proposal WHERE status = 'rejected';
SELECT results_eq($$SELECT lettered FROM dunning.auto_letter(0.5)$$,
                  $$SELECT count(DISTINCT payment_id) FROM snap$$, 'the rejections forgotten, it letters the same payments again');

-- Garbage in: no crash, no wrong allocation.
INSERT INTO dunning.payment (payment_id, received_on, amount, payer_name, payer_iban, remittance_info, reference) VALUES
  (9001, '2026-06-01', 0.01, repeat('A', 100000), repeat('B', 1000), repeat('INV-000123 ', 95000), repeat('RF18 ', 1000)),
  (9002, '2026-06-01', 1.00, E'\u00e9\u00e8\u4e2d\u6587 \u2603', E'\u2603', E'+++\u2603/\u2603+++ RF\u00b2\u00b3', E'\u00a0'),
  (9003, '2026-06-01', 99999999999.99, '', '', '', '');
SELECT lives_ok($$SELECT * FROM dunning.suggest(9001)$$, 'suggest copes with a 1 MB remittance text');
SELECT lives_ok($$SELECT * FROM dunning.auto_letter()$$, 'auto_letter copes with garbage payments');
SELECT is_empty($$SELECT 1 FROM dunning.allocation WHERE payment_id IN (9001, 9002, 9003)$$,
                'garbage payments are not lettered');
SELECT throws_ok($$SELECT * FROM dunning.auto_letter(-1)$$, '22023', NULL, 'a bad threshold is refused');

-- suggest() loads only the customers a payment can concern; its answers are
-- what auto_letter, with every customer loaded, proposed.  A threshold of 1
-- turns most answers into proposals.
SELECT count(dunning.unletter(letter_id)) >= 0 AS unlettered FROM dunning.letter
 WHERE method <> 'manual' AND unlettered_at IS NULL \gset
SELECT proposed > 0 AS proposed FROM dunning.auto_letter(1) \gset
SELECT cmp_ok((SELECT count(DISTINCT payment_id)::int FROM dunning.proposal WHERE status = 'pending'), '>', 100,
              'there are proposals to compare suggest with');
SELECT is_empty($$
    SELECT payment_id, rank, invoice_ids, amounts, confidence, method FROM dunning.proposal WHERE status = 'pending'
    EXCEPT
    SELECT p.payment_id, s.rank, s.invoice_ids, s.amounts, s.confidence, s.method
      FROM (SELECT DISTINCT payment_id FROM dunning.proposal WHERE status = 'pending') p,
           LATERAL dunning.suggest(p.payment_id, 3) s
$$, 'suggest answers what auto_letter proposed: same ranks, items, amounts, confidence, method');

-- A name word borne by more than 2,000 customers names nobody, counted over
-- every customer although suggest loads only a few of them.
INSERT INTO dunning.customer (customer_id, name)
SELECT 20000 + c, 'Omnico Q' || c || ' Ltd' FROM generate_series(1, 2001) c;
UPDATE dunning.customer SET name = 'Omnico' WHERE customer_id = 20005;
INSERT INTO dunning.customer (customer_id, name) VALUES (30001, 'Omnico Zyxwv Trading');
INSERT INTO dunning.invoice (invoice_id, customer_id, invoice_number, issued_on, due_on, amount, currency) VALUES
  (30001, 30001, 'ZX-1', '2026-05-01', '2026-05-31', 777.77, 'EUR'),
  (30002, 20005, 'ZX-2', '2026-05-01', '2026-05-31', 888.88, 'EUR');
INSERT INTO dunning.payment (payment_id, received_on, amount, currency, payer_name) VALUES
  (30001, '2026-06-02', 777.77, 'EUR', 'OMNICO ZYXWV'),
  (30002, '2026-06-02', 888.88, 'EUR', 'OMNICO');
SELECT results_eq($$SELECT customer_id, reason ~ 'payer Omnico Zyxwv Trading by name' FROM dunning.suggest(30001) WHERE rank = 1$$,
                  $$VALUES (30001::bigint, true)$$, 'a payer found by the rare word of its name');
SELECT results_eq($$SELECT customer_id, reason ~ 'payer unknown' FROM dunning.suggest(30002) WHERE rank = 1$$,
                  $$VALUES (20005::bigint, true)$$, 'a word of 2,002 customers names nobody, not even the customer called just that');
SELECT is(dunning.company_name_words('  Omnico omnico  Zyxwv Trading S.A. & Co'), ARRAY['omnico', 'trading', 'zyxwv'],
          'company_name_words: the normal form''s words of 2 characters or more, each once');

-- letter_code (C): boundaries of each width, the largest bigint, and a negative number.
SELECT is(ARRAY[dunning.letter_code(0), dunning.letter_code(675), dunning.letter_code(676),
                dunning.letter_code(18251), dunning.letter_code(18252), dunning.letter_code(475254)],
          ARRAY['AA', 'ZZ', 'AAA', 'ZZZ', 'AAAA', 'AAABA'], 'letter_code at the boundaries of each width');
SELECT is(dunning.letter_code(9223372036854775807), 'CRPXNLSKVLJFIH', 'letter_code of the largest bigint');
SELECT throws_ok($$SELECT dunning.letter_code(-1)$$, '22023', 'letter number must be >= 0, got -1',
                 'letter_code of a negative number: invalid_parameter_value');

SELECT * FROM finish();
ROLLBACK;
