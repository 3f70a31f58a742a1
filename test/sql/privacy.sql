-- pgTAP: personal data (issue 13, points 7 and 8): analysts do not read it,
-- BI tools get a pseudonymised customer; erasure removes it from every
-- table that holds it, keeps every figure, and is logged.
BEGIN;
CREATE EXTENSION IF NOT EXISTS dunning;
SELECT plan(22);

INSERT INTO dunning.customer (customer_id, external_ref, name, email, phone, postal_address, country, timezone, collector) VALUES
  (1, 'C-1', 'Jean Dupont EI', 'jean.dupont@mail.example', '+33 6 12 34 56 78', '12 rue des Lilas, 75011 Paris', 'FR', 'UTC', 'alice'),
  (2, 'C-2', 'Globex Ltd', 'ap@globex.example', '+44 20 7946 0958', '1 High Street, London', 'GB', 'UTC', 'bob');
INSERT INTO dunning.invoice (invoice_id, customer_id, invoice_number, issued_on, due_on, amount) VALUES
  (1, 1, 'F-2026-001', '2026-01-01', '2026-01-31', 100.00), (2, 1, 'F-2026-002', '2026-01-05', '2026-02-04', 250.00),
  (3, 2, 'G-1', '2026-01-01', '2026-01-31', 80.00), (4, 1, 'F-2026-003', '2026-01-10', '2026-02-09', 75.00);
INSERT INTO dunning.payment (payment_id, received_on, amount, customer_id, payer_name, payer_iban, remittance_info) VALUES
  (1, '2026-02-01', 100.00, 1, 'M. JEAN DUPONT', 'FR76 3000 6000 0112 3456 7890 189',
   'Facture F-2026-001 Jean Dupont 12 rue des Lilas RF18539007547034'),
  (2, '2026-02-02', 80.00, 2, 'GLOBEX LTD', 'GB29 NWBK 6016 1331 9268 19', 'G-1');
SELECT dunning.allocate(1, 1), dunning.allocate(2, 3);
SELECT dunning.open_dispute(2, 'quality', 50.00, 'carol', 'called Jean at home');
INSERT INTO dunning.setting (id, pay_link_base) VALUES (true, 'https://pay.example/p');
SELECT cmp_ok(dunning.run('2026-03-10 12:00+00'), '>', 0, 'the customer was dunned (the outbox holds its data)');

-----------------------------------------------------------------------------
-- 7. What analysts and BI read
-----------------------------------------------------------------------------
SET LOCAL ROLE dunning_analyst;
SELECT throws_ok($$SELECT email FROM dunning.customer$$, '42501', NULL, 'analysts cannot read e-mail addresses');
SELECT throws_ok($$SELECT phone, postal_address FROM dunning.customer$$, '42501', NULL, '... nor phones and addresses');
SELECT throws_ok($$SELECT payer_iban FROM dunning.payment$$, '42501', NULL, '... nor payers'' IBANs');
SELECT throws_ok($$SELECT remittance_info, payer_name FROM dunning.payment$$, '42501', NULL, '... nor remittance texts and payer names');
SELECT throws_ok($$SELECT payer_iban FROM dunning.unapplied_payment$$, '42501', NULL, '... nor through unapplied_payment');
SELECT throws_ok($$SELECT payload->>'pay_link' FROM dunning.action$$, '42501', NULL, 'analysts get no payment link from the outbox');
SELECT throws_ok($$SELECT * FROM dunning.preview('2026-03-20 12:00+00')$$, '42501', NULL, '... nor from preview()');
SELECT lives_ok($$SELECT customer_id, channel, status, action_date FROM dunning.action$$, 'analysts read what the outbox did');
SELECT results_eq($$SELECT customer_id, country, has_email, has_phone, has_postal_address FROM dunning.customer_bi ORDER BY 1$$,
                  $$VALUES (1::bigint, 'FR'::char(2), true, true, true), (2, 'GB', true, true, true)$$,
                  'BI reads the pseudonymised customer: no name, no number, no contact data');
SELECT lives_ok($$SELECT customer_id, segment, on_hold FROM dunning.customer$$, 'analysts read the customer''s other columns');
RESET ROLE;

-----------------------------------------------------------------------------
-- 8. Erasure
-----------------------------------------------------------------------------
CREATE TEMP TABLE figures_before AS
SELECT (SELECT string_agg(customer_id || ':' || currency || ':' || balance || ':' || open_invoices, ',' ORDER BY customer_id)
          FROM dunning.customer_balance) AS balances,
       (SELECT string_agg(invoice_id || ':' || settled_amount, ',' ORDER BY invoice_id) FROM dunning.invoice) AS settled,
       (SELECT string_agg(payment_id || ':' || amount || ':' || allocated_amount || ':' || received_on, ',' ORDER BY payment_id)
          FROM dunning.payment) AS payments,
       (SELECT string_agg(allocation_id || ':' || amount || ':' || letter_code, ',' ORDER BY allocation_id) FROM dunning.allocation) AS letters,
       (SELECT string_agg(dispute_id || ':' || amount, ',' ORDER BY dispute_id) FROM dunning.dispute) AS disputes,
       (SELECT string_agg(action_id || ':' || (SELECT sum(open_amount) FROM dunning.action_item i WHERE i.action_id = a.action_id), ','
                          ORDER BY action_id) FROM dunning.action a) AS actions;
SET LOCAL ROLE dunning_admin;
SELECT isnt(dunning.erase_customer(1, false, 'GDPR art. 17 request 2026-42'), NULL, 'an admin erases a customer''s personal data');
RESET ROLE;
SELECT results_eq($$SELECT name, email, phone, postal_address FROM dunning.customer WHERE customer_id = 1$$,
                  $$VALUES ('erased customer 1'::text, NULL::text, NULL::text, NULL::text)$$, 'contact data and name are gone');
SELECT results_eq($$SELECT payer_name, payer_iban, remittance_info FROM dunning.payment WHERE payment_id = 1$$,
                  $$VALUES (NULL::text, NULL::text, 'RF18539007547034 F-2026-001'::text)$$,
                  'payer name and IBAN gone; the remittance text keeps only the reference and the invoice number');
SELECT is((SELECT notes FROM dunning.dispute WHERE customer_id = 1), NULL, 'dispute notes gone');
SELECT is_empty($$SELECT FROM dunning.action WHERE customer_id = 1
                   AND (recipient IS NOT NULL OR body IS NOT NULL OR subject IS NOT NULL OR payload ? 'pay_link'
                        OR payload ? 'customer_name' OR status = 'queued')$$,
                'the outbox keeps no recipient, text or link of the customer; unsent actions are cancelled');
SELECT is((SELECT row(balances, settled, payments, letters, disputes, actions)::text FROM figures_before),
          (SELECT row((SELECT string_agg(customer_id || ':' || currency || ':' || balance || ':' || open_invoices, ',' ORDER BY customer_id)
                         FROM dunning.customer_balance),
                      (SELECT string_agg(invoice_id || ':' || settled_amount, ',' ORDER BY invoice_id) FROM dunning.invoice),
                      (SELECT string_agg(payment_id || ':' || amount || ':' || allocated_amount || ':' || received_on, ',' ORDER BY payment_id)
                         FROM dunning.payment),
                      (SELECT string_agg(allocation_id || ':' || amount || ':' || letter_code, ',' ORDER BY allocation_id) FROM dunning.allocation),
                      (SELECT string_agg(dispute_id || ':' || amount, ',' ORDER BY dispute_id) FROM dunning.dispute),
                      (SELECT string_agg(action_id || ':' || (SELECT sum(open_amount) FROM dunning.action_item i WHERE i.action_id = a.action_id), ','
                                         ORDER BY action_id) FROM dunning.action a))::text),
          'every figure is the same: balances, settlements, payments, lettering, disputes, what actions covered');
SELECT is(dunning.rebuild_totals(), 0::bigint, 'the running totals agree');
SELECT results_eq($$SELECT customer_id, erased_by, name_kept, reason, (erased->>'payments')::int,
                          (erased->>'actions')::int > 0 FROM dunning.erasure$$,
                  $$VALUES (1::bigint, current_user::name, false, 'GDPR art. 17 request 2026-42'::text, 1, true)$$,
                  'the erasure is logged: who, why, what');
SELECT results_eq($$SELECT name, email FROM dunning.customer WHERE customer_id = 2$$,
                  $$VALUES ('Globex Ltd'::text, 'ap@globex.example'::text)$$, 'other customers are untouched');
SELECT dunning.erase_customer(2, true);
SELECT is((SELECT name FROM dunning.customer WHERE customer_id = 2), 'Globex Ltd', 'keep_name keeps the name (bookkeeping law)');
SET LOCAL ROLE dunning_collector;
SELECT throws_ok($$SELECT dunning.erase_customer(2)$$, '42501', NULL, 'collectors cannot erase');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
