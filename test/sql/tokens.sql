-- pgTAP: payment links bound to the ledger (issue 13, point 6): made only
-- for open invoices of the customer and a positive amount not above what is
-- open; a link whose invoices are settled says it is no longer payable;
-- links expire and can be revoked.
BEGIN;
CREATE EXTENSION IF NOT EXISTS dunning;
SELECT plan(21);

INSERT INTO dunning.customer (customer_id, name) VALUES (1, 'Acme SA'), (2, 'Globex Ltd');
INSERT INTO dunning.invoice (invoice_id, customer_id, invoice_number, issued_on, due_on, amount, currency) VALUES
  (1, 1, 'T-1', '2026-01-01', '2026-01-31', 100.00, 'EUR'), (2, 1, 'T-2', '2026-01-01', '2026-01-31', 200.00, 'EUR'),
  (3, 1, 'T-3', '2026-01-01', '2026-01-31', 50.00, 'USD'), (4, 1, 'T-4-CN', '2026-01-01', '2026-01-01', -10.00, 'EUR'),
  (5, 2, 'G-5', '2026-01-01', '2026-01-31', 300.00, 'EUR'), (6, 1, 'T-6', '2026-01-01', '2026-01-31', 40.00, 'EUR');
INSERT INTO dunning.payment (payment_id, received_on, amount, customer_id) VALUES (1, '2026-02-01', 40.00, 1);
SELECT dunning.allocate(1, 6);
CREATE TEMP TABLE tok AS SELECT dunning.pay_token(1, '{1,2}', 'EUR 300.00', now() + interval '30 days') AS t;

SELECT ok((SELECT valid FROM dunning.verify_pay_token((SELECT t FROM tok))), 'a link for open invoices of the customer verifies');
SELECT lives_ok($$SELECT dunning.pay_token(1, '{1,3}', 'EUR 100.00 + USD 50.00', now() + interval '1 day')$$,
                'one amount per currency, each at most what is open in it');
SELECT throws_ok($$SELECT dunning.pay_token(1, '{999}', 'EUR 1.00', now() + interval '1 day')$$, '42704', NULL,
                 'refused: an invoice that does not exist');
SELECT throws_ok($$SELECT dunning.pay_token(1, '{5}', 'EUR 1.00', now() + interval '1 day')$$, '42704',
                 'invoice 5 is not an invoice of customer 1', 'refused: another customer''s invoice');
SELECT throws_ok($$SELECT dunning.pay_token(1, '{6}', 'EUR 1.00', now() + interval '1 day')$$, '23514',
                 'invoice 6 is settled', 'refused: a settled invoice');
SELECT throws_ok($$SELECT dunning.pay_token(1, '{4}', 'EUR 1.00', now() + interval '1 day')$$, '23514',
                 'invoice 4 is a credit note', 'refused: a credit note');
SELECT throws_ok($$SELECT dunning.pay_token(1, '{1}', 'EUR -1.00', now() + interval '1 day')$$, '22023', NULL,
                 'refused: a negative amount');
SELECT throws_ok($$SELECT dunning.pay_token(1, '{1}', 'EUR 0.00', now() + interval '1 day')$$, '23514', NULL,
                 'refused: a zero amount');
SELECT throws_ok($$SELECT dunning.pay_token(1, '{1}', 'EUR 100.01', now() + interval '1 day')$$, '23514',
                 'amount EUR 100.01 is above the 100.00 they have open', 'refused: more than is open');
SELECT throws_ok($$SELECT dunning.pay_token(1, '{1}', 'USD 1.00', now() + interval '1 day')$$, '23514', NULL,
                 'refused: a currency none of the invoices is in');
SELECT throws_ok($$SELECT dunning.pay_token(1, '{}', 'EUR 1.00', now() + interval '1 day')$$, '22023', NULL,
                 'refused: no invoice');
SELECT throws_ok($$SELECT dunning.pay_token(1, '{1}', 'EUR 1.00', 'infinity')$$, '22023', NULL, 'refused: a link that never expires');
SELECT throws_ok($$SELECT dunning.pay_token(1, '{1}', 'EUR 1.00', now() + interval '2 years')$$, '22023', NULL,
                 'refused: a link valid more than a year');
SELECT throws_ok($$SELECT dunning.pay_token(1, '{1}', 'EUR 1.00|2|x', now() + interval '1 day')$$, '22023', NULL,
                 'refused: an amount that would forge claims');
SELECT throws_matching($$SELECT dunning.pay_token(1, '{1}', repeat('x', 1000000), now() + interval '1 day')$$,
                       '^[^x]*x{100}"$', 'a 1 MB amount is quoted in the error at 100 characters');
-- Once paid, the link says so; expired and revoked links too.
INSERT INTO dunning.payment (payment_id, received_on, amount, customer_id) VALUES (2, '2026-02-01', 300.00, 1);
SELECT dunning.allocate(2, 1), dunning.allocate(2, 2);
SELECT results_eq($$SELECT valid, reason FROM dunning.verify_pay_token((SELECT t FROM tok))$$,
                  $$VALUES (false, 'no longer payable')$$, 'a link of settled invoices is no longer payable');
SELECT results_eq($$SELECT valid, reason FROM dunning.verify_pay_token((SELECT t FROM tok), now() + interval '31 days')$$,
                  $$VALUES (false, 'expired')$$, 'links expire');
CREATE TEMP TABLE tok2 AS SELECT dunning.pay_token(1, '{3}', 'USD 50.00', now() + interval '30 days') AS t;
SELECT is(dunning.revoke_pay_token((SELECT t FROM tok2), 'sent by mistake'), true, 'a link is revoked');
SELECT results_eq($$SELECT valid, reason FROM dunning.verify_pay_token((SELECT t FROM tok2))$$,
                  $$VALUES (false, 'revoked')$$, 'a revoked link does not verify');
SELECT throws_ok($$SELECT dunning.revoke_pay_token('abc.def')$$, '22023', NULL, 'only our links can be revoked');
SELECT is((SELECT valid FROM dunning.verify_pay_token(repeat('A', 1000000) || '.x')), false, 'a 1 MB token is malformed, quietly');

SELECT * FROM finish();
ROLLBACK;
