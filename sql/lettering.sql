-- The lettering engine: every kind of remittance the issue names, lettered
-- or proposed, reversibly.  Dates are fixed: nothing here depends on today.
\set VERBOSITY terse
CREATE EXTENSION dunning;

INSERT INTO dunning.customer (customer_id, name, country) VALUES
  (1, 'Acme SA', 'BE'), (2, 'Globex GmbH', 'DE'), (3, 'Initech Ltd', 'GB'),
  (4, 'Soylent Corporation', 'US'), (5, 'Umbrella Pharma BV', 'NL'), (6, 'Stark Industries Inc', 'US'),
  (7, 'Wayne Enterprises', 'US');
INSERT INTO dunning.invoice (invoice_id, customer_id, invoice_number, issued_on, due_on, amount, currency, reference) VALUES
  (101, 1, 'INV-2026-00101', '2026-09-01', '2026-10-01', 1000.00, 'EUR', 'RF18539007547034'),
  (102, 1, 'INV-2026-00102', '2026-09-02', '2026-10-02',  480.00, 'EUR', '010806817183'),
  (103, 1, 'INV-2026-00103', '2026-09-03', '2026-10-03',  333.33, 'EUR', NULL),
  (104, 1, 'INV-2026-00104', '2026-09-04', '2026-10-04',  250.00, 'EUR', NULL),
  (105, 1, 'INV-2026-00105', '2026-09-05', '2026-10-05',  777.70, 'EUR', NULL),
  (201, 2, 'F26/00201', '2026-09-01', '2026-10-01', 1200.00, 'EUR', NULL),
  (202, 2, 'F26/00202', '2026-09-02', '2026-10-02',  300.00, 'EUR', NULL),
  (203, 2, 'F26/00203', '2026-09-03', '2026-10-03',  615.40, 'EUR', NULL),
  (204, 2, 'F26/00204', '2026-09-04', '2026-10-04',  189.60, 'EUR', NULL),
  (205, 2, 'F26/00205', '2026-09-05', '2026-10-05', 4321.00, 'EUR', NULL),
  (301, 3, '7001', '2026-09-01', '2026-10-01', 50.00, 'EUR', NULL),
  (302, 3, '7002', '2026-09-02', '2026-10-02', 50.00, 'EUR', NULL),
  (401, 4, 'SC-401', '2026-09-01', '2026-10-01', 900.00, 'EUR', NULL),
  (402, 4, 'SC-402-CN', '2026-09-15', '2026-09-15', -150.00, 'EUR', NULL),
  (403, 4, 'SC-403', '2026-09-20', '2026-10-20', 2000.00, 'EUR', NULL),
  (501, 5, 'UP501', '2026-09-01', '2026-10-01', 640.00, 'EUR', NULL),
  (502, 5, 'UP502', '2026-12-01', '2026-12-31', 980.00, 'EUR', NULL),
  (601, 6, 'SI-2026-601', '2026-09-01', '2026-10-01', 5000.00, 'USD', NULL),
  (701, 7, 'WE-9001', '2026-08-01', '2026-09-01', 120.00, 'EUR', NULL),
  (702, 7, 'WE-9002', '2026-08-15', '2026-09-15', 410.00, 'EUR', NULL);

-- History: a lettered payment teaches the engine Initech's and Globex's IBANs.
INSERT INTO dunning.invoice (invoice_id, customer_id, invoice_number, issued_on, due_on, amount) VALUES
  (900, 3, 'OLD-900', '2026-01-01', '2026-01-31', 10.00), (901, 2, 'OLD-901', '2026-01-01', '2026-01-31', 20.00);
INSERT INTO dunning.payment (payment_id, received_on, amount, payer_name, payer_iban) VALUES
  (900, '2026-02-01', 10.00, 'INITECH', 'GB82 WEST 1234 5698 7654 32'),
  (901, '2026-02-01', 20.00, 'GLOBEX', 'DE89 3704 0044 0532 0130 00');
SELECT dunning.allocate(900, 900), dunning.allocate(901, 901);

INSERT INTO dunning.payment (payment_id, received_on, amount, currency, payer_name, payer_iban, remittance_info, reference) VALUES
  -- structured references
  (1,  '2026-10-02', 1000.00, 'EUR', 'ACME SA', NULL, 'Payment', 'RF18 5390 0754 7034'),
  (2,  '2026-10-03',  480.00, 'EUR', 'ACME', NULL, 'Communication +++010/8068/17183+++', NULL),
  -- invoice number among bank tokens, with O/0 confusion
  (3,  '2026-10-04',  333.33, 'EUR', 'Acme S.A.', NULL, '/EREF/NOTPROVIDED/REMI/USTD//INV-2O26-OO1O3/', NULL),
  -- fee deducted (2.50, within tolerance): written off
  (4,  '2026-10-05',  247.50, 'EUR', 'ACME SA', NULL, 'INV 2026 00104', NULL),
  -- one typing error in the number, amount exact, payer by IBAN history
  (5,  '2026-10-06',  615.40, 'EUR', 'Globex', 'DE89370400440532013000', 'Rechnung F26/00230', NULL),
  -- several invoices listed
  (6,  '2026-10-07', 1500.00, 'EUR', 'GLOBEX GMBH', NULL, 'SVWZ+Rechnung F26/00201 F26/00202', NULL),
  -- several invoices not listed: the only combination
  (7,  '2026-10-08', 4510.60, 'EUR', 'Globex', 'DE89 3704 0044 0532 0130 00', 'Sammelzahlung Oktober', NULL),
  -- the text names invoice 103 but the amount is exactly invoice 105's: the reference is wrong
  (8,  '2026-10-03',  777.70, 'EUR', 'Acme', NULL, 'Facture INV-2026-00103 merci', NULL),
  -- two open items of the same amount, nothing else: propose both
  (9,  '2026-10-10',   50.00, 'EUR', 'INITECH LTD', 'GB82WEST12345698765432', 'thanks', NULL),
  -- invoice net of its credit note
  (10, '2026-10-11',  750.00, 'EUR', 'Soylent Corp.', NULL, 'SC-401 less credit SC-402-CN', NULL),
  -- a partial payment (instalment) with the number: lettered, the rest stays open
  (11, '2026-10-12', 1000.00, 'EUR', 'SOYLENT CORPORATION', NULL, 'SC-403 first instalment', NULL),
  -- payment before the invoice date, payer by name, amount only: proposed at most
  (12, '2026-10-13',  980.00, 'EUR', 'Umbrella Pharma B.V.', NULL, NULL, NULL),
  -- other currency than the invoice it names: no match
  (13, '2026-10-14', 5000.00, 'EUR', 'Stark Industries', NULL, 'SI-2026-601', NULL),
  -- overpayment by reference: the invoice is settled, the rest left unapplied
  (14, '2026-10-15',  130.00, 'EUR', 'Wayne Enterprises', NULL, 'WE-9001', NULL),
  -- unrelated income
  (15, '2026-10-16',   12.34, 'EUR', 'Tax office', NULL, 'VAT refund 2025', NULL),
  -- garbage
  (16, '2026-10-17',    1.00, 'EUR', NULL, NULL, NULL, NULL),
  (17, '2026-10-17',    1.00, 'EUR', '', '', '', ''),
  (18, '2026-10-17',    1.00, 'EUR', 'ÆØÅ 株式会社 ☃', 'XX00', '€€€ +++ RF RF00 ***', '☃');

-- What the matcher thinks of a few, before lettering.
SELECT rank, invoice_ids, amounts, write_off, confidence, method FROM dunning.suggest(5);
SELECT rank, invoice_ids, amounts, confidence, method, reason FROM dunning.suggest(8);
SELECT rank, invoice_ids, amounts, confidence, method FROM dunning.suggest(9);
SELECT count(*) FROM dunning.suggest(13);
SELECT dunning.suggest(424242);
SELECT dunning.suggest(1, 0);

SELECT * FROM dunning.auto_letter();
SELECT a.payment_id, a.invoice_id, a.credit_note_id, a.amount, a.letter_code, a.method, a.confidence
  FROM dunning.allocation a WHERE a.payment_id IS DISTINCT FROM 900 AND a.payment_id IS DISTINCT FROM 901
 ORDER BY a.payment_id, a.invoice_id, a.credit_note_id;
SELECT invoice_id, payment_id, amount, reason FROM dunning.write_off ORDER BY invoice_id;
SELECT payment_id, rank, invoice_ids, amounts, confidence, method FROM dunning.proposal ORDER BY payment_id, rank;
SELECT payment_id, unapplied_amount, partly_applied FROM dunning.unapplied_payment ORDER BY payment_id;
SELECT invoice_id, open_amount FROM dunning.open_item ORDER BY invoice_id;
SELECT l.customer_id, l.letter_code, l.method, l.explanation FROM dunning.letter l
 WHERE l.method <> 'manual' ORDER BY l.letter_id;

-- A second run letters nothing new and keeps the same proposals.
SELECT * FROM dunning.auto_letter();
SELECT count(*) AS pending FROM dunning.proposal WHERE status = 'pending';

-- A human decides: payment 9 is for invoice 302; reject payment 12's answer.
SELECT dunning.confirm_proposal(proposal_id) > 0 AS confirmed
  FROM dunning.proposal WHERE payment_id = 9 AND invoice_ids = '{302}' AND status = 'pending';
SELECT payment_id, rank, status FROM dunning.proposal WHERE payment_id = 9 ORDER BY rank;
SELECT dunning.reject_proposal(proposal_id, 'not this one') FROM dunning.proposal WHERE payment_id = 12 AND status = 'pending';
SELECT dunning.confirm_proposal(proposal_id) FROM dunning.proposal WHERE payment_id = 12;
SELECT * FROM dunning.auto_letter();
SELECT count(*) AS pending_for_12 FROM dunning.proposal WHERE payment_id = 12 AND status = 'pending';

-- Unlettering restores the open amounts exactly and keeps the history.
SELECT dunning.unletter(letter_id, 'wrong customer') FROM dunning.allocation WHERE payment_id = 7 LIMIT 1;
SELECT invoice_id, open_amount FROM dunning.open_item WHERE customer_id = 2 ORDER BY invoice_id;
SELECT kind, invoice_id, amount FROM dunning.letter_history ORDER BY invoice_id;
SELECT dunning.unletter_code(2, 'ac');
SELECT dunning.unletter(letter_id) FROM dunning.letter WHERE unletter_reason = 'wrong customer';
SELECT dunning.unletter(424242);
-- the fee write-off goes with its letter
SELECT dunning.unletter(letter_id) FROM dunning.write_off;
SELECT invoice_id, open_amount FROM dunning.open_item WHERE invoice_id = 104;
SELECT count(*) AS write_offs FROM dunning.write_off;
SELECT dunning.rebuild_totals() AS corrected;

-- Bad arguments.
SELECT * FROM dunning.auto_letter(0);
SELECT * FROM dunning.auto_letter(1.5);
SELECT * FROM dunning.auto_letter('NaN');
SELECT dunning.letter_code(0), dunning.letter_code(1), dunning.letter_code(675), dunning.letter_code(676), dunning.letter_code(18251);

DROP EXTENSION dunning;
