-- The ledger model: loading, constraints that reject bad rows, the views.
\set VERBOSITY terse
CREATE EXTENSION dunning;

INSERT INTO dunning.customer (customer_id, external_ref, name, country, language, timezone)
VALUES (1, 'C-001', 'Acme SA', 'BE', 'fr', 'Europe/Brussels'),
       (2, 'C-002', 'Globex GmbH', 'DE', 'de', 'Europe/Berlin'),
       (3, 'C-003', 'Initech Ltd', 'GB', 'en', 'Europe/London');

-- Invoices relative to today so that days past due are stable.
INSERT INTO dunning.invoice (invoice_id, customer_id, invoice_number, issued_on, due_on, amount, currency, reference)
VALUES (10, 1, 'INV-10', CURRENT_DATE - 75, CURRENT_DATE - 45, 1000.00, 'EUR', 'RF18539007547034'),
       (11, 1, 'INV-11', CURRENT_DATE - 40, CURRENT_DATE - 10, 250.50, 'EUR', NULL),
       (12, 1, 'CN-12', CURRENT_DATE - 5, CURRENT_DATE - 5, -100.00, 'EUR', NULL),
       (13, 2, 'INV-13', CURRENT_DATE - 20, CURRENT_DATE + 10, 5000, 'JPY', NULL),
       (14, 3, 'INV-14', CURRENT_DATE - 3, CURRENT_DATE + 27, 80.125, 'KWD', NULL);

-- Bad rows fail with an error naming the problem, and nothing of the
-- statement stays behind.
INSERT INTO dunning.invoice (customer_id, invoice_number, issued_on, due_on, amount)
VALUES (99, 'X-1', '2026-01-01', '2026-01-31', 10);
INSERT INTO dunning.invoice (customer_id, invoice_number, issued_on, due_on, amount)
VALUES (1, 'X-2', '2026-01-31', '2026-01-01', 10);
INSERT INTO dunning.invoice (customer_id, invoice_number, issued_on, due_on, amount)
VALUES (1, 'X-3', '2026-01-01', '2026-01-31', 0);
INSERT INTO dunning.invoice (customer_id, invoice_number, issued_on, due_on, amount, currency)
VALUES (1, 'X-4', '2026-01-01', '2026-01-31', 10, 'EUT');
INSERT INTO dunning.invoice (customer_id, invoice_number, issued_on, due_on, amount, currency)
VALUES (1, 'X-5', '2026-01-01', '2026-01-31', 10, 'eur');
INSERT INTO dunning.invoice (customer_id, invoice_number, issued_on, due_on, amount, currency)
VALUES (1, 'X-6', '2026-01-01', '2026-01-31', 10.5, 'JPY');
INSERT INTO dunning.invoice (customer_id, invoice_number, issued_on, due_on, amount)
VALUES (1, 'X-7', '2026-01-01', '2026-01-31', 'NaN');
INSERT INTO dunning.invoice (customer_id, invoice_number, issued_on, due_on, amount)
VALUES (1, 'INV-10', '2026-01-01', '2026-01-31', 10);
INSERT INTO dunning.invoice (customer_id, invoice_number, issued_on, due_on, amount)
VALUES (1, '  ', '2026-01-01', '2026-01-31', 10);
INSERT INTO dunning.payment (received_on, amount) VALUES ('2026-01-01', -5);
INSERT INTO dunning.payment (received_on, amount) VALUES ('2026-01-01', 0);
INSERT INTO dunning.payment (received_on, amount) VALUES ('2026-01-01', 'Infinity');
INSERT INTO dunning.payment (received_on, amount, currency) VALUES ('2026-01-01', 5, 'XAU');
INSERT INTO dunning.customer (name, country) VALUES ('Bad country', 'bel');
INSERT INTO dunning.customer (name, timezone) VALUES ('Bad zone', 'Mars/Olympus');
INSERT INTO dunning.customer (name) VALUES ('');
INSERT INTO dunning.dispute (invoice_id, reason, status) VALUES (10, 'price', 'pending');
INSERT INTO dunning.dispute (invoice_id, reason, status) VALUES (10, 'price', 'resolved');
-- A multi-row load with one bad row in the middle loads nothing.
INSERT INTO dunning.invoice (invoice_id, customer_id, invoice_number, issued_on, due_on, amount)
VALUES (20, 2, 'OK-1', '2026-01-01', '2026-01-31', 10),
       (21, 2, 'BAD', '2026-01-31', '2026-01-01', 10),
       (22, 2, 'OK-2', '2026-01-01', '2026-01-31', 10);
-- Same with COPY.
COPY dunning.invoice (invoice_id, customer_id, invoice_number, issued_on, due_on, amount) FROM STDIN (FORMAT csv);
30,2,OK-30,2026-01-01,2026-01-31,10
31,2,BAD-31,2026-01-01,2026-01-31,0
32,2,OK-32,2026-01-01,2026-01-31,10
\.
SELECT count(*) AS invoices FROM dunning.invoice;

-- Currencies.
SELECT code, dunning.is_currency(code), dunning.currency_minor_unit(code)
  FROM unnest(ARRAY['EUR', 'JPY', 'KWD', 'CLF', 'HRK', 'XAU', 'eur', 'EURO', '']) AS code;

-- Open items and balances before any allocation.
SELECT invoice_id, customer_name, currency, amount, open_amount, days_past_due, is_overdue, is_credit_note
  FROM dunning.open_item ORDER BY invoice_id;

-- The running totals belong to the extension: a value given on insert is
-- ignored, a direct update refused.
INSERT INTO dunning.payment (payment_id, received_on, amount, payer_name, allocated_amount)
VALUES (100, CURRENT_DATE - 2, 1200.00, 'ACME S.A.', 999);
SELECT payment_id, allocated_amount, customer_id FROM dunning.payment;
UPDATE dunning.invoice SET settled_amount = 10 WHERE invoice_id = 10;
UPDATE dunning.payment SET allocated_amount = 10 WHERE payment_id = 100;

SELECT dunning.allocate(100, 10);            -- all of invoice 10
SELECT dunning.allocate(100, 11, 150.25);    -- part of invoice 11
SELECT dunning.allocate_credit_note(12, 11); -- the credit note nets 100.00 of it
SELECT payment_id, amount, allocated_amount, customer_id FROM dunning.payment;
SELECT invoice_id, amount, open_amount FROM dunning.open_item ORDER BY invoice_id;
SELECT customer_id, customer_name, currency, open_invoices, open_credit_notes, unapplied_payments,
       balance, overdue_amount, open_invoice_count, oldest_due_on - CURRENT_DATE AS oldest_due_in, max_days_past_due
  FROM dunning.customer_balance ORDER BY customer_id, currency;

-- A settled invoice keeps customer, currency and sign; its amount cannot
-- drop below what is settled.
UPDATE dunning.invoice SET currency = 'USD' WHERE invoice_id = 10;
UPDATE dunning.invoice SET amount = 900 WHERE invoice_id = 10;
UPDATE dunning.invoice SET amount = 1100 WHERE invoice_id = 10;
SELECT invoice_id, amount, open_amount FROM dunning.open_item WHERE invoice_id = 10;
UPDATE dunning.invoice SET amount = 1000 WHERE invoice_id = 10;

-- Allocations are immutable; unallocate restores the open amounts exactly.
UPDATE dunning.allocation SET amount = 1 WHERE invoice_id = 10;
SELECT dunning.unallocate(allocation_id) FROM dunning.allocation WHERE invoice_id = 10;
SELECT invoice_id, open_amount FROM dunning.open_item ORDER BY invoice_id;
SELECT payment_id, allocated_amount FROM dunning.payment;
SELECT dunning.unallocate(424242);

-- TRUNCATE skips the delete triggers; the totals are rebuilt all the same.
TRUNCATE dunning.allocation;
SELECT invoice_id, settled_amount FROM dunning.invoice ORDER BY invoice_id;
SELECT dunning.rebuild_totals();

-- Disputes show in open items.
INSERT INTO dunning.dispute (invoice_id, reason) VALUES (11, 'goods damaged');
SELECT invoice_id, in_dispute FROM dunning.open_item ORDER BY invoice_id;

DROP EXTENSION dunning;
