-- The plain-SQL matcher a careful user would write without dunning's engine,
-- for comparison (bench/lettering.sh).  Rules tried in order, first hit wins:
--   1. structured reference: payment.reference (blanks removed, upper case)
--      equals an open invoice's reference;
--   2. invoice number found in the remittance text (ILIKE), exactly one open
--      invoice of the payment's currency, amount fits (equal, or the payment
--      is smaller: partial);
--   3. the payer found by an IBAN seen on lettered payments, else by pg_trgm
--      name similarity (best customer, similarity >= 0.5), and exactly one
--      of its open invoices with exactly the payment's amount.
-- Writes bench_plain.matched(payment_id, invoice_id, amount).  Reads only.
-- Resolves pg_catalog and dunning objects only (doc/security.md): nothing
-- another role planted in public is called when a superuser runs it.
SET search_path = pg_catalog, pg_temp;
DROP SCHEMA IF EXISTS bench_plain CASCADE;
CREATE SCHEMA bench_plain;
CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA bench_plain;

CREATE TABLE bench_plain.open_inv AS
SELECT invoice_id, customer_id, invoice_number, upper(replace(reference, ' ', '')) AS reference,
       currency, abs(amount) - settled_amount AS open_amount
  FROM dunning.invoice WHERE settled_amount < abs(amount) AND amount > 0;
CREATE INDEX ON bench_plain.open_inv (reference);
CREATE INDEX ON bench_plain.open_inv (customer_id, currency, open_amount);
CREATE TABLE bench_plain.pay AS
SELECT payment_id, amount, currency, payer_name, upper(replace(payer_iban, ' ', '')) AS iban,
       remittance_info, upper(replace(reference, ' ', '')) AS reference
  FROM dunning.payment WHERE allocated_amount = 0;
ANALYZE bench_plain.open_inv, bench_plain.pay;

-- 1. reference equality
CREATE TABLE bench_plain.matched AS
SELECT p.payment_id, i.invoice_id, least(p.amount, i.open_amount) AS amount, 'reference'::text AS rule
  FROM bench_plain.pay p JOIN bench_plain.open_inv i ON i.reference = p.reference AND i.currency = p.currency;

-- 2. invoice number in the text
INSERT INTO bench_plain.matched
SELECT x.payment_id, x.invoice_id, least(x.amount, x.open_amount), 'invoice_number'
  FROM (SELECT p.payment_id, p.amount, i.invoice_id, i.open_amount,
               count(*) OVER (PARTITION BY p.payment_id) AS hits
          FROM bench_plain.pay p
          JOIN bench_plain.open_inv i ON i.currency = p.currency
                                     AND p.remittance_info ILIKE '%' || i.invoice_number || '%'
         WHERE p.payment_id NOT IN (SELECT payment_id FROM bench_plain.matched)) x
 WHERE x.hits = 1 AND x.amount <= x.open_amount;

-- 3. unique amount for a payer found by IBAN or by name
CREATE TABLE bench_plain.iban_customer AS
SELECT upper(replace(payer_iban, ' ', '')) AS iban, min(customer_id) AS customer_id
  FROM dunning.payment WHERE customer_id IS NOT NULL AND allocated_amount > 0 AND payer_iban IS NOT NULL
 GROUP BY 1 HAVING count(DISTINCT customer_id) = 1;
CREATE TABLE bench_plain.payer AS
SELECT p.payment_id,
       COALESCE((SELECT ic.customer_id FROM bench_plain.iban_customer ic WHERE ic.iban = p.iban),
                (SELECT c.customer_id FROM dunning.customer c
                  WHERE bench_plain.similarity(c.name, p.payer_name) >= 0.5
                  ORDER BY bench_plain.similarity(c.name, p.payer_name) DESC, c.customer_id LIMIT 1)) AS customer_id
  FROM bench_plain.pay p
 WHERE p.payment_id NOT IN (SELECT payment_id FROM bench_plain.matched);
INSERT INTO bench_plain.matched
SELECT x.payment_id, x.invoice_id, x.amount, 'amount'
  FROM (SELECT p.payment_id, p.amount, i.invoice_id, count(*) OVER (PARTITION BY p.payment_id) AS hits
          FROM bench_plain.payer y
          JOIN bench_plain.pay p USING (payment_id)
          JOIN bench_plain.open_inv i ON i.customer_id = y.customer_id AND i.currency = p.currency
                                     AND i.open_amount = p.amount) x
 WHERE x.hits = 1;
