-- What dunning computes on the sample ledger (run by scripts/demo).
-- Resolves pg_catalog and dunning objects only (doc/security.md): nothing
-- another role planted in public is called when a superuser runs it.
SET search_path = pg_catalog, pg_temp;
\pset footer off
-- the demo's day (psql variable as_of; scripts/demo passes the last weekday)
\if :{?as_of}
\else
SELECT CURRENT_DATE AS as_of \gset
\endif
\echo
\echo '== The ledger'
SELECT (SELECT count(*) FROM dunning.customer) AS customers,
       (SELECT count(*) FROM dunning.invoice) AS invoices,
       (SELECT count(*) FROM dunning.payment) AS payments,
       (SELECT count(*) FROM dunning.payment WHERE allocated_amount = 0) AS unlettered_payments,
       (SELECT count(*) FROM dunning.open_item) AS open_items;

\echo
\echo '== Lettering the unlettered payments: dunning.auto_letter()'
\timing on
SELECT * FROM dunning.auto_letter();
\timing off

\echo
\echo '== How some of them were lettered (one per method)'
SELECT DISTINCT ON (l.method) l.method, l.letter_code, l.confidence,
       left(l.explanation, 110) AS explanation
  FROM dunning.letter l WHERE l.method <> 'manual' AND l.created_at > now() - interval '1 hour'
 ORDER BY l.method, l.letter_id;

\echo
\echo '== Proposals left for a human (best first)'
SELECT p.payment_id, p.invoice_ids, p.amounts, p.confidence, left(p.reason, 90) AS reason
  FROM dunning.proposal p WHERE p.status = 'pending' AND p.rank = 1
 ORDER BY p.confidence DESC, p.payment_id LIMIT 5;

\echo
\echo '== Today''s bank statement in: a camt.053 of 40 transfers and a bank fee, imported and lettered'
\ir ../test/bank/generate.sql
SELECT pg_temp.camt_document('053', 8, 'DEMO-' || replace(:'as_of', '-', ''), :'as_of'::date, 10000,
                             array_agg(x.name ORDER BY x.k) || 'Bank fees'::text,
                             array_agg(x.iban ORDER BY x.k) || 'BE71096123456769'::text,
                             array_agg(x.amount ORDER BY x.k) || (-12.50)::numeric,
                             array_agg(x.remit ORDER BY x.k) || 'account fees'::text) AS camt
  FROM (SELECT row_number() OVER (ORDER BY o.invoice_id) AS k, c.name, 'BE68539007547034'::text AS iban,
               o.open_amount AS amount, 'Invoice ' || o.invoice_number AS remit
          FROM dunning.open_item o JOIN dunning.customer c USING (customer_id)
         WHERE o.currency = 'EUR' AND o.open_amount > 0
         ORDER BY o.invoice_id LIMIT 40) x \gset
\timing on
SELECT * FROM dunning.import_statement(:'camt');
\timing off
SELECT statement_ref, entries, credits, credit_amount, debits, debit_amount, lettered, lettered_amount,
       proposed, unapplied
  FROM dunning.bank_reconciliation ORDER BY statement_id DESC LIMIT 1;

\echo
\echo '== Quality against the generator''s truth (payments received in the last 45 days)'
WITH work AS (SELECT k.payment_id, k.kind FROM dunning_sample.payment_kind k
                JOIN dunning.payment p USING (payment_id)
               WHERE p.received_on >= (SELECT lettered_before FROM dunning_sample.params)),
got AS (SELECT a.payment_id, array_agg(a.invoice_id || ':' || a.amount ORDER BY a.invoice_id) AS got
          FROM dunning.allocation a JOIN work USING (payment_id) GROUP BY 1),
want AS (SELECT t.payment_id, array_agg(t.invoice_id || ':' || t.amount ORDER BY t.invoice_id) AS want
           FROM dunning_sample.payment_truth t JOIN work USING (payment_id) GROUP BY 1)
SELECT count(*) FILTER (WHERE want IS NOT NULL) AS matchable,
       count(*) FILTER (WHERE want = got) AS lettered_right,
       count(*) FILTER (WHERE got IS NOT NULL AND want IS DISTINCT FROM got) AS lettered_otherwise,
       round(100.0 * count(*) FILTER (WHERE want = got) / NULLIF(count(*) FILTER (WHERE want IS NOT NULL), 0), 1) AS recall_pct,
       count(*) FILTER (WHERE want IS NULL AND got IS NOT NULL) AS unrelated_lettered
  FROM work LEFT JOIN got USING (payment_id) LEFT JOIN want USING (payment_id);

\echo
\echo '== Receivable by currency and age (days past due as of today)'
SELECT currency,
       sum(open_amount) FILTER (WHERE NOT is_overdue) AS current,
       sum(open_amount) FILTER (WHERE days_past_due BETWEEN 1 AND 30) AS d1_30,
       sum(open_amount) FILTER (WHERE days_past_due BETWEEN 31 AND 90) AS d31_90,
       sum(open_amount) FILTER (WHERE days_past_due > 90) AS over_90,
       sum(open_amount) AS total
  FROM dunning.open_item GROUP BY currency ORDER BY total DESC;

\echo
\echo '== Payer behaviour over the paid invoices (C aggregates): the ten slowest payers'
WITH paid AS (
    SELECT i.customer_id, i.due_on, i.issued_on, i.amount, max(p.received_on) AS paid_on
      FROM dunning.invoice i JOIN dunning.allocation a USING (invoice_id) JOIN dunning.payment p USING (payment_id)
     WHERE i.settled_amount = i.amount AND i.amount > 0 AND i.currency = 'EUR'
     GROUP BY i.customer_id, i.invoice_id)
SELECT c.name, count(*) AS paid_invoices,
       round(dunning.weighted_days_late(due_on, paid_on, amount), 1) AS weighted_days_late,
       round(dunning.days_beyond_terms(due_on, paid_on, amount), 1) AS days_beyond_terms,
       dunning.paydex(due_on, paid_on, amount) AS paydex
  FROM paid JOIN dunning.customer c USING (customer_id)
 GROUP BY c.customer_id, c.name HAVING count(*) >= 10
 ORDER BY weighted_days_late DESC LIMIT 10;

\echo
\echo '== Monthly DSO (EUR): simple, and countback over a rolling 3 months'
WITH months AS (
    SELECT m::date AS month_start, (m + interval '1 month' - interval '1 day')::date AS month_end
      FROM generate_series((SELECT date_trunc('month', as_of) - interval '11 months' FROM dunning_sample.params),
                           (SELECT date_trunc('month', as_of) - interval '1 month' FROM dunning_sample.params),
                           interval '1 month') m),
figures AS (
    SELECT m.month_start, m.month_end - m.month_start + 1 AS days,
           (SELECT sum(i.amount) FROM dunning.invoice i
             WHERE i.currency = 'EUR' AND i.issued_on BETWEEN m.month_start AND m.month_end) AS sales,
           (SELECT sum(i.amount) FROM dunning.invoice i WHERE i.currency = 'EUR' AND i.issued_on <= m.month_end)
         - (SELECT COALESCE(sum(a.amount), 0) FROM dunning.allocation a
              JOIN dunning.payment p USING (payment_id)
             WHERE p.currency = 'EUR' AND p.received_on <= m.month_end) AS ar_end
      FROM months m)
SELECT to_char(month_start, 'YYYY-MM') AS month, sales, ar_end,
       round(dunning.dso(ar_end, sales, days), 1) AS dso,
       round(dunning.dso_countback(ar_end, sales, days) OVER (ORDER BY month_start ROWS 2 PRECEDING), 1) AS dso_countback_3m
  FROM figures ORDER BY month_start;

\echo
\echo '== KPIs of October 2026 reproduced from the ledger: dunning.kpi_as_of(''2026-10-31'')'
\x on
SELECT * FROM dunning.kpi_as_of('2026-10-31') WHERE currency = 'EUR';
\x off

\echo
\echo '== Segments from the risk scores: dunning.refresh_segments()'
SELECT dunning.refresh_segments() AS segments_changed;
SELECT segment, count(*) AS customers FROM dunning.customer GROUP BY segment ORDER BY segment;

\echo
\echo '== What a dunning run would send on the demo''s day (' :as_of '16:00 UTC): dunning.preview()'
SELECT channel, step_name, count(*) AS actions, sum(invoice_count) AS invoices
  FROM dunning.preview((:'as_of'::date + time '16:00') AT TIME ZONE 'UTC') GROUP BY channel, step_name ORDER BY actions DESC;
