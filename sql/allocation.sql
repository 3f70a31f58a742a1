-- Manual lettering: dunning.allocate and dunning.allocate_credit_note rules.
\set VERBOSITY terse
CREATE EXTENSION dunning;

INSERT INTO dunning.customer (customer_id, name) VALUES (1, 'Acme SA'), (2, 'Globex GmbH');
INSERT INTO dunning.invoice (invoice_id, customer_id, invoice_number, issued_on, due_on, amount, currency)
VALUES (1, 1, 'A-1', '2026-01-01', '2026-01-31', 100.00, 'EUR'),
       (2, 1, 'A-2', '2026-01-05', '2026-02-04', 300.00, 'EUR'),
       (3, 1, 'A-CN', '2026-01-10', '2026-01-10', -40.00, 'EUR'),
       (4, 1, 'A-USD', '2026-01-10', '2026-02-10', 50.00, 'USD'),
       (5, 2, 'G-1', '2026-01-10', '2026-02-10', 70.00, 'EUR'),
       (6, 2, 'G-CN', '2026-01-10', '2026-01-10', -10.00, 'EUR');
INSERT INTO dunning.payment (payment_id, received_on, amount, currency, customer_id)
VALUES (1, '2026-02-01', 250.00, 'EUR', NULL),
       (2, '2026-02-02', 50.00, 'USD', 1),
       (3, '2026-02-03', 20.00, 'EUR', 2);

-- NULL amount: as much as both sides allow.
SELECT dunning.allocate(1, 1) AS allocation_id;
SELECT amount FROM dunning.allocation WHERE allocation_id = 1;
SELECT dunning.allocate(1, 2);
SELECT payment_id, allocated_amount, customer_id FROM dunning.payment ORDER BY payment_id;
-- Payment 1 is used up; invoice 2 has 150 open.
SELECT dunning.allocate(1, 2);
SELECT dunning.allocate(1, 2, 0.01);
SELECT dunning.allocate(3, 5, 25.00);
SELECT dunning.allocate(3, 5, 0);
SELECT dunning.allocate(3, 5, -1);
SELECT dunning.allocate(3, 5, 'NaN');
SELECT dunning.allocate(3, 5, 1.001);
SELECT dunning.allocate(3, 5, NULL);
SELECT dunning.allocate(3, 5);
-- Sides that do not fit together.
SELECT dunning.allocate(2, 1);           -- USD payment, EUR invoice
SELECT dunning.allocate(3, 1);           -- customer 2's payment, customer 1's invoice
SELECT dunning.allocate(2, 3);           -- a credit note is not settled by a payment
SELECT dunning.allocate(99, 1);
SELECT dunning.allocate(2, 99);
SELECT dunning.allocate(NULL, 1);
SELECT dunning.allocate_credit_note(1, 2);   -- invoice 1 is not a credit note
SELECT dunning.allocate_credit_note(6, 2);   -- other customer
SELECT dunning.allocate_credit_note(3, 4);   -- other currency
SELECT dunning.allocate_credit_note(3, 2, 50);
SELECT dunning.allocate_credit_note(3, 2);
SELECT dunning.allocate(2, 4);
SELECT invoice_id, amount, settled_amount FROM dunning.invoice ORDER BY invoice_id;
-- Direct inserts follow the same rules (the collector role cannot do them).
INSERT INTO dunning.allocation (payment_id, invoice_id, amount) VALUES (3, 5, 30);
INSERT INTO dunning.allocation (payment_id, credit_note_id, invoice_id, amount) VALUES (3, 6, 5, 1);
INSERT INTO dunning.allocation (payment_id, invoice_id, amount) VALUES (3, 1, 1);
-- Many rows in one statement: totals follow.
DELETE FROM dunning.allocation;
INSERT INTO dunning.allocation (payment_id, invoice_id, amount)
VALUES (1, 1, 60), (1, 2, 190), (3, 5, 20);
SELECT invoice_id, settled_amount FROM dunning.invoice ORDER BY invoice_id;
SELECT payment_id, allocated_amount FROM dunning.payment ORDER BY payment_id;
SELECT dunning.rebuild_totals() AS corrected;

DROP EXTENSION dunning;
