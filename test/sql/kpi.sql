-- pgTAP: the KPI surface (src/sql/kpi.sql): contract, privileges,
-- and invariants on a generated ledger of the last 15 months (partial
-- payments, credit notes, write-offs, disputes, two currencies):
--   aging buckets add up to the open balance; today's views equal the
--   point-in-time functions at today; kpi_as_of(month end) equals every
--   kpi_monthly row; AR rolls forward; payer figures equal the plain SQL
--   formulas; refresh_segments is idempotent, logs, respects overrides.
BEGIN;
CREATE EXTENSION IF NOT EXISTS dunning;
SELECT plan(51);

-- Contract ------------------------------------------------------------------
SELECT has_view('dunning', 'settlement', 'view settlement');
SELECT has_view('dunning', 'paid_invoice', 'view paid_invoice');
SELECT has_view('dunning', 'aging', 'view aging');
SELECT has_view('dunning', 'cash_forecast', 'view cash_forecast');
SELECT has_materialized_view('dunning', 'customer_risk', 'materialized view customer_risk');
SELECT has_materialized_view('dunning', 'kpi_monthly', 'materialized view kpi_monthly');
SELECT has_table('dunning', 'credit_insurance', 'table credit_insurance');
SELECT has_table('dunning', 'segment_rule', 'table segment_rule');
SELECT has_table('dunning', 'segment_override', 'table segment_override');
SELECT has_table('dunning', 'segment_change', 'table segment_change');
SELECT function_returns('dunning', 'refresh_segments', ARRAY['date'], 'integer');
SELECT function_returns('dunning', 'refresh_kpi', ARRAY[]::text[], 'void');
SELECT has_function('dunning', 'kpi_as_of', ARRAY['date'], 'kpi_as_of(date)');
SELECT has_function('dunning', 'aging_as_of', ARRAY['date'], 'aging_as_of(date)');
SELECT has_function('dunning', 'customer_risk_as_of', ARRAY['date'], 'customer_risk_as_of(date)');
SELECT has_function('dunning', 'open_items_as_of', ARRAY['date'], 'open_items_as_of(date)');
-- BI tools read them without casts: money numeric, days date.
SELECT is_empty($$
    SELECT c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
      FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
     WHERE c.relnamespace = 'dunning'::regnamespace
       AND c.relname IN ('aging', 'customer_risk', 'kpi_monthly', 'cash_forecast')
       AND ((a.attname ~ '(amount|invoiced|collected|balance|_ar|ar_|limit|exposure|credit|sales|not_due|^days_|written_off|unapplied)'
             AND a.attname NOT IN ('days', 'over_limit', 'max_days_past_due', 'other_currency_open_items',
                                   'dispute_count', 'invoice_count', 'open_invoice_count')
             AND a.atttypid <> 'numeric'::regtype)
         OR (a.attname ~ '(_on|as_of|month|period_end|week_start|week_end)$' AND a.atttypid <> 'date'::regtype))
$$, 'money columns are numeric and day columns date');
SELECT is_empty($$
    SELECT c.relname || '.' || a.attname FROM pg_class c
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
     WHERE c.relnamespace = 'dunning'::regnamespace AND c.relkind IN ('v', 'm')
       AND (col_description(c.oid, a.attnum) IS NULL OR obj_description(c.oid, 'pg_class') IS NULL)
$$, 'every view and materialized view and each of their columns has a COMMENT');
SELECT is((SELECT string_agg(cfg::regclass::text || '=' || cond, ', ' ORDER BY cfg::regclass::text)
             FROM pg_extension e, unnest(e.extconfig, e.extcondition) AS u(cfg, cond)
            WHERE e.extname = 'dunning' AND cfg::regclass::text ~ '^dunning\.(segment_(rule|override|change)|credit_insurance)'),
          'dunning.credit_insurance=, dunning.credit_insurance_credit_insurance_id_seq=, dunning.segment_change=, '
          'dunning.segment_change_segment_change_id_seq=, dunning.segment_override=, dunning.segment_rule=WHERE NOT seeded',
          'pg_dump keeps user rows, not the seeded segment rules');

-- Privileges ----------------------------------------------------------------
SELECT table_privs_are('dunning', 'customer_risk', 'dunning_analyst', ARRAY['SELECT']);
SELECT table_privs_are('dunning', 'kpi_monthly', 'dunning_analyst', ARRAY['SELECT']);
SELECT function_privs_are('dunning', 'kpi_as_of', ARRAY['date'], 'dunning_analyst', ARRAY['EXECUTE']);
SELECT function_privs_are('dunning', 'refresh_kpi', ARRAY[]::text[], 'dunning_admin', ARRAY['EXECUTE']);
SELECT function_privs_are('dunning', 'refresh_kpi', ARRAY[]::text[], 'public', ARRAY[]::text[]);
SELECT ok(NOT has_function_privilege('dunning_analyst', 'dunning.refresh_segments(date)', 'EXECUTE'),
          'analysts cannot refresh segments');

-- A generated ledger: 60 customers (one in 6 in USD), 3,000 invoices over
-- the last 15 months, every 50th a credit note; most paid in full by one
-- payment (some early, most late), some partly, some never; credit notes
-- netted, a few write-offs, disputes.
INSERT INTO dunning.customer (customer_id, name, credit_limit)
SELECT c, 'Customer ' || c, CASE WHEN c % 4 <> 0 THEN 2000 * c END FROM generate_series(1, 60) c;
INSERT INTO dunning.invoice (invoice_id, customer_id, invoice_number, issued_on, due_on, amount, currency)
SELECT i, c, 'T-' || i, d, d + CASE WHEN i % 50 = 0 THEN 0 ELSE 30 END,
       CASE WHEN i % 50 = 0 THEN -(i % 300 + 0.5) ELSE round((i * 104729 % 100000) / 100.0 + 20, 2) END,
       CASE WHEN c % 6 = 0 THEN 'USD' ELSE 'EUR' END
  FROM generate_series(1, 3000) i,
       LATERAL (SELECT 1 + i % 60 AS c, CURRENT_DATE - 455 + (i * 7919 % 455)::int AS d) x;
INSERT INTO dunning.payment (payment_id, received_on, amount, currency, customer_id)
SELECT i.invoice_id, r,
       CASE WHEN i.invoice_id % 11 = 0 THEN round(i.amount / 2, 2) ELSE i.amount END, i.currency, i.customer_id
  FROM dunning.invoice i,
       LATERAL (SELECT i.due_on + (i.customer_id % 13 * 3 - 8 + i.invoice_id % 9)::int AS r) x
 WHERE i.amount > 0 AND i.invoice_id % 17 <> 0 AND r < CURRENT_DATE;
INSERT INTO dunning.allocation (payment_id, invoice_id, amount)
SELECT p.payment_id, p.payment_id, p.amount - CASE WHEN p.payment_id % 23 = 0 THEN 1 ELSE 0 END
  FROM dunning.payment p;
INSERT INTO dunning.write_off (invoice_id, payment_id, amount)
SELECT p.payment_id, p.payment_id, 1 FROM dunning.payment p WHERE p.payment_id % 23 = 0 AND p.payment_id % 11 <> 0;
SELECT ok(count(dunning.allocate_credit_note(c.invoice_id, i.invoice_id)) > 0, 'credit notes netted against invoices')
  FROM dunning.invoice c JOIN LATERAL (
        SELECT x.invoice_id FROM dunning.invoice x
         WHERE x.customer_id = c.customer_id AND x.currency = c.currency AND x.amount > 0
           AND x.settled_amount < x.amount AND x.amount - x.settled_amount >= -c.amount
         ORDER BY x.invoice_id LIMIT 1) i ON true
 WHERE c.invoice_id IN (SELECT DISTINCT ON (x.customer_id) x.invoice_id FROM dunning.invoice x
                         WHERE x.amount < 0 ORDER BY x.customer_id, x.invoice_id);
INSERT INTO dunning.dispute (invoice_id, amount, reason, opened_on)
SELECT i.invoice_id, CASE WHEN i.invoice_id % 2 = 0 THEN 10 END, 'price', i.issued_on + 5
  FROM dunning.invoice i WHERE i.invoice_id % 97 = 0 AND i.issued_on + 5 <= CURRENT_DATE;
INSERT INTO dunning.credit_insurance (customer_id, insurer, insured_limit, currency, valid_from, valid_to)
SELECT c, 'Insurer ' || c % 3, 5000, CASE WHEN c % 6 = 0 THEN 'USD' ELSE 'EUR' END,
       CURRENT_DATE - 400, CASE WHEN c % 5 = 0 THEN CURRENT_DATE - 1 END
  FROM generate_series(1, 60, 2) c;
SELECT dunning.refresh_kpi();

-- Aging ---------------------------------------------------------------------
SELECT is_empty($$
    SELECT * FROM dunning.aging
     WHERE not_due + days_1_30 + days_31_60 + days_61_90 + days_91_120 + days_over_120 + open_credit_notes
           <> open_amount
$$, 'aging: the buckets and open credit notes add up to the open amount in every row');
SELECT set_eq($$SELECT currency, open_amount FROM dunning.aging WHERE is_total$$,
              $$SELECT currency, sum(open_amount) FROM dunning.open_item GROUP BY currency$$,
              'aging: the total rows are the open balance of each currency');
SELECT set_eq($$SELECT * FROM dunning.aging$$, $$SELECT * FROM dunning.aging_as_of(CURRENT_DATE)$$,
              'aging (today) = aging_as_of(today)');
SELECT set_eq($$SELECT currency, open_amount FROM dunning.aging_as_of(CURRENT_DATE - 200) WHERE is_total$$,
              $$SELECT currency, ar_end FROM dunning.kpi_as_of(CURRENT_DATE - 200)$$,
              'aging_as_of(day) totals = kpi_as_of(day) AR');

-- Monthly KPIs ----------------------------------------------------------------
SELECT cmp_ok((SELECT count(*)::int FROM dunning.kpi_monthly), '>=', 30, 'kpi_monthly: 15+ months x 2 currencies');
SELECT is_empty($$
    SELECT m.currency, m.month FROM dunning.kpi_monthly m
      LEFT JOIN LATERAL dunning.kpi_as_of(m.period_end) k ON k.currency = m.currency
     WHERE ROW(m.*) IS DISTINCT FROM ROW(k.*)
$$, 'kpi_as_of(period end) = the kpi_monthly row, every month and currency');
SELECT is_empty($$
    SELECT * FROM (SELECT m.*, lag(ar_end) OVER (PARTITION BY currency ORDER BY month) AS prev
                     FROM dunning.kpi_monthly m) x
     WHERE ar_end <> ar_begin + net_sales - collected - written_off
        OR ar_begin <> COALESCE(prev, 0)
$$, 'AR rolls forward: ar_end = ar_begin + net sales - collected - written off = next ar_begin');
SELECT set_eq($$SELECT currency, ar_end FROM dunning.kpi_monthly WHERE period_end = CURRENT_DATE$$,
              $$SELECT currency, sum(open_amount) FROM dunning.open_item GROUP BY currency$$,
              'today''s AR in kpi_monthly = the open items');
SELECT is_empty($$
    SELECT * FROM dunning.kpi_monthly
     WHERE 'NaN' IN (dso, best_possible_dso, average_days_delinquent, cei, collection_rate, dispute_rate)
        OR dso IS DISTINCT FROM round(dunning.dso(ar_end, net_sales, days), 2)
        OR average_days_delinquent IS DISTINCT FROM round(dunning.average_days_delinquent(ar_end, current_ar_end, net_sales, days), 2)
$$, 'kpi_monthly: no NaN; DSO and ADD by the scalar formulas');
SELECT is((SELECT count(*)::int FROM dunning.kpi_as_of(CURRENT_DATE - 5000)), 0,
          'kpi_as_of before the first invoice: no rows');

-- Customer risk ---------------------------------------------------------------
SELECT set_eq($$SELECT * FROM dunning.customer_risk$$, $$SELECT * FROM dunning.customer_risk_as_of(CURRENT_DATE)$$,
              'customer_risk = customer_risk_as_of(today)');
SELECT is_empty($$
    SELECT r.customer_id FROM dunning.customer_risk r
      LEFT JOIN (SELECT p.customer_id, p.currency,
                        round(sum(p.amount * p.days_late) / sum(p.amount), 2) AS wdl,
                        round(sum(p.amount * greatest(p.days_late, 0)) / sum(p.amount), 2) AS dbt,
                        round(sum(p.amount * p.days_to_pay) / sum(p.amount), 2) AS dtp
                   FROM dunning.paid_invoice p
                  WHERE p.paid_on > CURRENT_DATE - 365 AND p.paid_on <= CURRENT_DATE
                  GROUP BY 1, 2) s ON s.customer_id = r.customer_id AND s.currency = r.currency
     WHERE (r.weighted_days_late, r.days_beyond_terms, r.avg_days_to_pay) IS DISTINCT FROM (s.wdl, s.dbt, s.dtp)
$$, 'customer_risk: day figures = the plain SQL formulas over paid_invoice');
SELECT set_eq($$SELECT customer_id, currency, balance FROM dunning.customer_risk WHERE currency IS NOT NULL$$,
              $$SELECT r.customer_id, r.currency, COALESCE(b.balance, 0) FROM dunning.customer_risk r
                  LEFT JOIN dunning.customer_balance b ON b.customer_id = r.customer_id AND b.currency = r.currency
                 WHERE r.currency IS NOT NULL$$,
              'customer_risk balance = customer_balance in the main currency');
SELECT is_empty($$
    SELECT * FROM dunning.customer_risk
     WHERE over_limit <> COALESCE(exposure > credit_limit, false)
        OR uninsured_exposure <> greatest(exposure - insured_limit, 0)
        OR (insurer IS NULL) <> (insured_limit = 0)
$$, 'customer_risk: over_limit and uninsured exposure by their definitions');

-- Cash forecast ----------------------------------------------------------------
SELECT is((SELECT count(*)::int FROM dunning.cash_forecast), 26, 'cash_forecast: 13 weeks x 2 currencies');
SELECT ok((SELECT sum(expected_amount) FROM dunning.cash_forecast)
          <= (SELECT sum(open_amount) FROM dunning.open_item WHERE NOT is_credit_note),
          'cash_forecast: never more than the open invoices (disputed ones follow the history of disputes)');

-- Segments ----------------------------------------------------------------------
SET LOCAL ROLE dunning_admin;
SELECT cmp_ok(dunning.refresh_segments(), '>', 0, 'refresh_segments (as an admin) sets segments');
SELECT is(dunning.refresh_segments(), 0, 'refresh_segments is idempotent: a second run changes nothing');
RESET ROLE;
SELECT is((SELECT count(*)::int FROM dunning.segment_change),
          (SELECT count(*)::int FROM dunning.customer WHERE risk_segment IS NOT NULL),
          'every change is logged once, with its reason');
SELECT is_empty($$
    SELECT c.customer_id FROM dunning.customer c JOIN dunning.customer_risk r USING (customer_id)
     WHERE c.risk_segment IS DISTINCT FROM (SELECT s.segment FROM dunning.segment_rule s
                                        WHERE s.seeded AND s.min_score <= r.risk_score
                                        ORDER BY s.min_score DESC LIMIT 1)
$$, 'each risk segment is the rule of the customer''s risk score');
SELECT is((SELECT count(*)::int FROM dunning.customer WHERE segment IS NOT NULL), 0,
          'the business segment stays as people set it (none here)');
INSERT INTO dunning.segment_override (customer_id, segment, reason, until) VALUES
  (1, 'vip', 'key account', NULL), (2, 'vip', 'until yesterday', CURRENT_DATE - 1);
SELECT is(dunning.refresh_segments(), 1, 'an override in force changes its customer, an expired one nothing');
SELECT is((SELECT row(old_segment IS NOT NULL, new_segment, reason)::text FROM dunning.segment_change
            ORDER BY segment_change_id DESC LIMIT 1),
          '(t,vip,"override: key account")', 'the change logs old, new and the override''s reason');
SELECT throws_ok($$UPDATE dunning.segment_rule SET min_score = 10 WHERE segment = 'medium'$$, '42501', NULL,
                 'seeded segment rules are read only');
SET LOCAL ROLE dunning_analyst;
SELECT throws_ok($$SELECT dunning.refresh_kpi()$$, '42501', NULL, 'analysts cannot refresh the materialized views');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
