-- Sample ledger generator (scripts/sample_ledger.sql, doc/sample_ledger.md):
-- deterministic whatever the plan, realistic mix, and consistent with the
-- ledger's rules.  Check digits: /work/shared/domain.md.
\set VERBOSITY terse
CREATE EXTENSION dunning;

-- Run 1, with parallel plans wherever the planner can use them.
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
\set customers 50
\set seed 7
\set years 3
\set as_of 2026-11-23
\set quiet true
\set ECHO none
\i scripts/sample_ledger.sql
\set ECHO all
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

-- Fingerprints of everything generated (allocation.created_by aside).
\set fingerprint 'SELECT (SELECT md5(string_agg(row(c.customer_id, c.external_ref, c.name, c.email, c.phone, c.postal_address, c.country, c.language, c.timezone, c.segment, c.credit_limit, c.collector, c.on_hold, c.created_at)::text, \'|\' ORDER BY customer_id)) FROM dunning.customer c) AS customers, (SELECT md5(string_agg(row(i.invoice_id, i.customer_id, i.invoice_number, i.issued_on, i.due_on, i.amount, i.currency, i.reference, i.created_at, i.settled_amount)::text, \'|\' ORDER BY invoice_id)) FROM dunning.invoice i) AS invoices, (SELECT md5(string_agg(row(p.payment_id, p.received_on, p.amount, p.currency, p.payer_name, p.payer_iban, p.remittance_info, p.reference, p.customer_id, p.external_ref, p.created_at, p.allocated_amount)::text, \'|\' ORDER BY payment_id)) FROM dunning.payment p) AS payments, (SELECT md5(string_agg(row(a.allocation_id, a.payment_id, a.credit_note_id, a.invoice_id, a.amount, a.created_at)::text, \'|\' ORDER BY allocation_id)) FROM dunning.allocation a) AS allocations, (SELECT md5(string_agg(row(d.dispute_id, d.invoice_id, d.amount, d.reason, d.status, d.opened_on, d.resolved_on, d.created_at)::text, \'|\' ORDER BY dispute_id)) FROM dunning.dispute d) AS disputes, (SELECT md5(string_agg(t::text, \'|\' ORDER BY payment_id, invoice_id)) FROM dunning_sample.payment_truth t) AS truth, (SELECT md5(string_agg(p::text, \'|\' ORDER BY customer_id)) FROM dunning_sample.customer_profile p) AS profiles'
CREATE TEMP TABLE run1 AS :fingerprint;

-- Run 2, same variables, serial plans: the same data.
DROP SCHEMA dunning_sample CASCADE;
DROP EXTENSION dunning;
CREATE EXTENSION dunning;
SET max_parallel_workers_per_gather = 0;
\set ECHO none
\i scripts/sample_ledger.sql
\set ECHO all
RESET max_parallel_workers_per_gather;
CREATE TEMP TABLE run2 AS :fingerprint;
SELECT r2 = r1 AS same_data_serial_and_parallel FROM run1 r1, run2 r2;
SELECT * FROM run2;

-- The generator refuses a ledger that is not empty.
\set ECHO none
\set ON_ERROR_STOP 0
\i scripts/sample_ledger.sql
\set ECHO all
SELECT count(*) AS customers_still FROM dunning.customer;

SELECT seed, customers, years, as_of, period_start, lettered_before FROM dunning_sample.params;

-- Counts per table.
SELECT (SELECT count(*) FROM dunning.customer) AS customers,
       (SELECT count(*) FROM dunning.invoice WHERE amount > 0) AS invoices,
       (SELECT count(*) FROM dunning.invoice WHERE amount < 0) AS credit_notes,
       (SELECT count(*) FROM dunning.payment) AS payments,
       (SELECT count(*) FROM dunning.allocation) AS allocations,
       (SELECT count(*) FROM dunning.dispute) AS disputes,
       (SELECT count(*) FROM dunning_sample.payment_truth) AS truth_rows;

-- Customers per country and language, per payment profile.
SELECT country, language, count(*) FROM dunning.customer GROUP BY 1, 2 ORDER BY 1, 2;
SELECT profile, count(*) AS customers, sum(n) AS documents
  FROM dunning_sample.customer_profile p
  LEFT JOIN (SELECT customer_id, count(*) AS n FROM dunning.invoice GROUP BY 1) i USING (customer_id)
 GROUP BY profile ORDER BY profile;

-- Amounts per currency: invoices, credit notes, payments; all in minor units.
SELECT currency, count(*) FILTER (WHERE amount > 0) AS invoices, sum(amount) FILTER (WHERE amount > 0) AS invoiced,
       count(*) FILTER (WHERE amount < 0) AS credit_notes, sum(amount) FILTER (WHERE amount < 0) AS credited,
       sum(settled_amount) AS settled
  FROM dunning.invoice GROUP BY currency ORDER BY currency;
SELECT currency, count(*) AS payments, sum(amount) AS received, sum(allocated_amount) AS allocated
  FROM dunning.payment GROUP BY currency ORDER BY currency;
SELECT count(*) AS not_in_minor_units FROM dunning.invoice WHERE scale(amount) <> 2;

-- Invoice number formats and structured references.
SELECT CASE WHEN invoice_number ~ '^INV-\d{4}-\d{6,}$' THEN 'INV-YYYY-NNNNNN'
            WHEN invoice_number ~ '^F\d\d/\d{5,}$' THEN 'FYY/NNNNN'
            WHEN invoice_number ~ '^\d{8,}$' THEN 'YYYYNNNN'
            WHEN invoice_number ~ '^(CN-\d{4}-|AV\d\d/|CN\d{4})\d{4,}$' THEN 'credit note'
            ELSE invoice_number END AS format, count(*)
  FROM dunning.invoice GROUP BY 1 ORDER BY 1;
SELECT CASE WHEN reference LIKE 'RF%' THEN 'RF' WHEN reference IS NOT NULL THEN 'OGM' END AS scheme, count(*)
  FROM dunning.invoice WHERE amount > 0 GROUP BY 1 ORDER BY 1;
-- RF: move 4 chars to the end, letters to digits, mod 97 = 1; OGM: base mod 97 (0 -> 97).
SELECT count(*) AS bad_references FROM dunning.invoice
 WHERE reference LIKE 'RF%'
       AND dunning_sample.letters_to_digits(substr(reference, 5) || left(reference, 4))::numeric % 97 <> 1
    OR reference ~ '^\d+$'
       AND (length(reference) <> 12
            OR coalesce(nullif(left(reference, 10)::bigint % 97, 0), 97) <> right(reference, 2)::int);
SELECT count(*) FILTER (WHERE m <> 1) AS bad_ibans, count(*) AS payments_with_iban,
       count(*) FILTER (WHERE payer_iban LIKE '% %') AS printed_with_spaces
  FROM (SELECT payer_iban, dunning_sample.letters_to_digits(substr(replace(payer_iban, ' ', ''), 5)
                               || left(replace(payer_iban, ' ', ''), 4))::numeric % 97 AS m
          FROM dunning.payment WHERE payer_iban IS NOT NULL) x;

-- Payments per truth kind: lettered (history) or not (the engine's test set).
SELECT k.kind, count(*) AS payments,
       count(*) FILTER (WHERE p.received_on < s.lettered_before) AS lettered,
       count(*) FILTER (WHERE p.received_on >= s.lettered_before) AS to_letter,
       count(*) FILTER (WHERE p.received_on >= s.lettered_before AND p.customer_id IS NULL) AS payer_unknown,
       coalesce(sum(t.n), 0) AS truth_rows
  FROM dunning_sample.payment_kind k JOIN dunning.payment p USING (payment_id)
  CROSS JOIN dunning_sample.params s
  LEFT JOIN (SELECT payment_id, count(*) AS n FROM dunning_sample.payment_truth GROUP BY 1) t USING (payment_id)
 GROUP BY k.kind ORDER BY k.kind;

-- Every truth row links a payment to an invoice of one customer, in the
-- payment's currency; credit notes netted belong to the same customer.
SELECT count(*) AS truth_rows_mismatched
  FROM dunning_sample.payment_truth t
  JOIN dunning.payment p USING (payment_id)
  JOIN dunning.invoice i USING (invoice_id)
  LEFT JOIN dunning.invoice c ON c.invoice_id = t.credit_note_id
 WHERE i.currency <> p.currency OR i.amount < 0 OR t.amount <= 0
    OR i.customer_id <> coalesce(p.customer_id, i.customer_id)
    OR c.customer_id <> i.customer_id OR c.currency <> i.currency OR c.amount >= 0;
SELECT count(*) AS payments_of_several_customers
  FROM (SELECT t.payment_id FROM dunning_sample.payment_truth t JOIN dunning.invoice i USING (invoice_id)
         GROUP BY 1 HAVING count(DISTINCT i.customer_id) > 1) x;
SELECT count(*) AS unrelated_with_truth
  FROM dunning_sample.payment_kind k JOIN dunning_sample.payment_truth t USING (payment_id)
 WHERE k.kind = 'unrelated';
-- wrong_ref: the text names another invoice than the one paid.
SELECT count(*) AS wrong_ref_naming_the_truth
  FROM dunning_sample.payment_truth t JOIN dunning.payment p USING (payment_id)
  JOIN dunning.invoice i USING (invoice_id)
 WHERE t.kind = 'wrong_ref'
   AND (strpos(p.remittance_info, i.invoice_number) > 0 OR p.reference = i.reference);
-- number: the exact invoice number is in the text; typo: it is not.
SELECT t.kind, count(*) FILTER (WHERE strpos(p.remittance_info, i.invoice_number) > 0) AS exact_number_in_text,
       count(*) AS rows
  FROM dunning_sample.payment_truth t JOIN dunning.payment p USING (payment_id)
  JOIN dunning.invoice i USING (invoice_id)
 WHERE t.kind IN ('number', 'typo') GROUP BY 1 ORDER BY 1;

-- Nothing over-allocated, by the truth either.
SELECT count(*) AS over_settled_invoices FROM dunning.invoice WHERE settled_amount > abs(amount);
SELECT count(*) AS over_allocated_payments FROM dunning.payment WHERE allocated_amount > amount;
SELECT count(*) AS invoices_over_paid_by_truth
  FROM (SELECT t.invoice_id, sum(t.amount) + coalesce(max(-c.amount) FILTER (WHERE t.credit_note_id IS NOT NULL), 0) AS s
          FROM dunning_sample.payment_truth t LEFT JOIN dunning.invoice c ON c.invoice_id = t.credit_note_id
         GROUP BY 1) x JOIN dunning.invoice i USING (invoice_id)
 WHERE x.s > i.amount;
SELECT count(*) AS payments_over_spent_by_truth
  FROM (SELECT payment_id, sum(amount) AS s FROM dunning_sample.payment_truth GROUP BY 1) x
  JOIN dunning.payment p USING (payment_id) WHERE x.s > p.amount;

-- History: the allocations are exactly the truth of the payments received
-- before as_of - 45 days (plus credit notes); later payments are unlettered.
SELECT (SELECT count(*) FROM (
          SELECT a.payment_id, a.invoice_id, a.amount FROM dunning.allocation a WHERE a.payment_id IS NOT NULL
          EXCEPT
          SELECT t.payment_id, t.invoice_id, t.amount FROM dunning_sample.payment_truth t
            JOIN dunning.payment p USING (payment_id), dunning_sample.params s
           WHERE p.received_on < s.lettered_before) x) AS allocations_not_in_truth,
       (SELECT count(*) FROM (
          SELECT t.payment_id, t.invoice_id, t.amount FROM dunning_sample.payment_truth t
            JOIN dunning.payment p USING (payment_id), dunning_sample.params s
           WHERE p.received_on < s.lettered_before
          EXCEPT
          SELECT a.payment_id, a.invoice_id, a.amount FROM dunning.allocation a WHERE a.payment_id IS NOT NULL) x)
         AS truth_not_allocated,
       (SELECT count(*) FROM dunning.payment p, dunning_sample.params s
         WHERE p.received_on >= s.lettered_before AND p.allocated_amount <> 0) AS recent_lettered,
       (SELECT count(*) FROM dunning.allocation WHERE credit_note_id IS NOT NULL) AS credit_note_allocations;

-- Running totals agree with the allocations (rebuild corrects nothing) ...
SELECT dunning.rebuild_totals() AS totals_corrected;
-- ... and the views with the invoices, allocations and payments.
SELECT o.currency, count(*) AS open_items, sum(o.open_amount) AS open_amount,
       sum(o.open_amount) = (SELECT sum(i.amount - sign(i.amount) * (coalesce(
                                      (SELECT sum(a.amount) FROM dunning.allocation a
                                        WHERE a.invoice_id = i.invoice_id OR a.credit_note_id = i.invoice_id), 0)
                                    + coalesce((SELECT sum(w.amount) FROM dunning.write_off w
                                                 WHERE w.invoice_id = i.invoice_id), 0)))
                               FROM dunning.invoice i WHERE i.currency = o.currency) AS matches_allocations
  FROM dunning.open_item o GROUP BY o.currency ORDER BY o.currency;
SELECT b.currency, sum(b.open_invoices) AS open_invoices, sum(b.open_credit_notes) AS open_credit_notes,
       sum(b.unapplied_payments) AS unapplied, sum(b.balance) AS balance,
       sum(b.balance) = (SELECT sum(i.amount) FROM dunning.invoice i WHERE i.currency = b.currency)
                        - (SELECT coalesce(sum(a.amount), 0) FROM dunning.allocation a
                             JOIN dunning.invoice i USING (invoice_id)
                            WHERE a.payment_id IS NOT NULL AND i.currency = b.currency)
                        - (SELECT coalesce(sum(w.amount), 0) FROM dunning.write_off w
                             JOIN dunning.invoice i USING (invoice_id) WHERE i.currency = b.currency)
                        - (SELECT coalesce(sum(p.amount - p.allocated_amount), 0) FROM dunning.payment p
                            WHERE p.customer_id IS NOT NULL AND p.currency = b.currency) AS balance_consistent
  FROM dunning.customer_balance b GROUP BY b.currency ORDER BY b.currency;

-- Disputes: open ones only on unsettled invoices.
SELECT status, count(*), count(*) FILTER (WHERE i.settled_amount < i.amount) AS on_open_invoices
  FROM dunning.dispute d JOIN dunning.invoice i USING (invoice_id) GROUP BY status ORDER BY status;

DROP SCHEMA dunning_sample CASCADE;
DROP EXTENSION dunning;
