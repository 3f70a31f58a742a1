-- pgTAP: the KPI surface (src/sql/kpi.sql): contract, privileges,
-- and invariants on a generated ledger of the last 15 months (partial
-- payments, credit notes, write-offs, disputes, two currencies):
--   aging buckets add up to the open balance; today's views equal the
--   point-in-time functions at today; kpi_as_of(month end) equals every
--   kpi_monthly row; AR rolls forward; payer figures equal the plain SQL
--   formulas; refresh_segments is idempotent, logs, respects overrides.
BEGIN;
CREATE EXTENSION IF NOT EXISTS dunning;
SELECT plan(82);

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


-- BI tools (JDBC, ODBC) read precision and scale from the column typmods:
-- no public view column may be numeric without them, nor a char code
-- without its length; every view and column says what it is.
SELECT is_empty($$
    SELECT c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
      FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
     WHERE c.relnamespace = 'dunning'::regnamespace AND c.relkind IN ('v', 'm')
       AND a.atttypid IN ('numeric'::regtype, 'bpchar'::regtype, 'varchar'::regtype) AND a.atttypmod = -1
$$, 'every numeric column of the public views declares precision and scale, every char column its length');
SELECT is_empty($$
    SELECT c.relname || '.' || a.attname
      FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
     WHERE c.relnamespace = 'dunning'::regnamespace AND c.relkind IN ('v', 'm')
       AND col_description(c.oid, a.attnum) IS NULL
    UNION ALL
    SELECT c.relname FROM pg_class c
     WHERE c.relnamespace = 'dunning'::regnamespace AND c.relkind IN ('v', 'm')
       AND obj_description(c.oid, 'pg_class') IS NULL
$$, 'every public view and each of its columns has a comment (REMARKS in JDBC)');
SELECT has_view('dunning', 'aging_total', 'view aging_total');
SELECT has_function('dunning', 'aging_total_as_of', ARRAY['date'], 'aging_total_as_of(date)');
SELECT is_empty($$
    SELECT c.relname FROM pg_class c
     WHERE c.relnamespace = 'dunning'::regnamespace AND c.relkind = 'm'
       AND NOT EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'refreshed_at'
                          AND a.atttypid = 'timestamptz'::regtype)
$$, 'every materialized view has refreshed_at');
-- The *_as_of functions inline: plain SQL, not STRICT, no SET, not
-- SECURITY DEFINER (all of them, the cash forecast's included).
SELECT is_empty($$
    SELECT p.oid::regprocedure::text FROM pg_proc p
     WHERE p.pronamespace = 'dunning'::regnamespace
       AND p.proname LIKE '%\_as\_of'
       AND (p.prolang <> (SELECT oid FROM pg_language WHERE lanname = 'sql') OR p.proisstrict
            OR p.proconfig IS NOT NULL OR p.prosecdef OR NOT p.proretset)
$$, 'the *_as_of functions are inlinable');
\i test/lib/plan_of.sql
-- A customer filter reaches the indexes: no sequential scan remains when
-- they are discouraged, and no function is scanned (inlined).
SET LOCAL enable_seqscan = off;
SELECT unalike(pg_temp.plan_of($$SELECT * FROM dunning.customer_risk_as_of(CURRENT_DATE) WHERE customer_id = 7$$),
               '%Seq Scan%', 'customer_risk_as_of: a customer filter reaches the indexes');
SELECT unalike(pg_temp.plan_of($$SELECT * FROM dunning.customer_risk_as_of(CURRENT_DATE) WHERE customer_id = 7$$),
               '%Function Scan%', 'customer_risk_as_of is inlined');
SELECT unalike(pg_temp.plan_of($$SELECT * FROM dunning.aging_as_of(CURRENT_DATE - 30) WHERE customer_id = 7$$),
               '%Seq Scan%', 'aging_as_of: a customer filter reaches the indexes');
SELECT unalike(pg_temp.plan_of($$SELECT * FROM dunning.paid_invoice WHERE customer_id = 7$$),
               '%Seq Scan%', 'paid_invoice: a customer filter reaches the indexes');
SELECT unalike(pg_temp.plan_of($$SELECT * FROM dunning.aging WHERE customer_id = 7$$),
               '%Seq Scan%', 'aging: a customer filter reaches the indexes');
-- The one-customer forms (what Citus routes to a shard): the customer
-- reaches the indexes as an argument too.
SELECT unalike(pg_temp.plan_of($$SELECT * FROM dunning.customer_risk_as_of(CURRENT_DATE, 7)$$),
               '%Seq Scan%', 'customer_risk_as_of(day, customer): the customer reaches the indexes');
SELECT unalike(pg_temp.plan_of($$SELECT * FROM dunning.aging_as_of(CURRENT_DATE - 30, 7)$$),
               '%Seq Scan%', 'aging_as_of(day, customer): the customer reaches the indexes');
-- The settlements are dated from the keys alone: an invoice's issue day,
-- due day and currency are in invoice_pkey, a payment's day in
-- payment_customer_payment_key (the settlement facts are made and checked
-- from them; without the included columns the plan reads the heap).
-- Look-ups by key forced (the test ledger is small).
SET LOCAL enable_hashjoin = off;
SET LOCAL enable_mergejoin = off;
SELECT matches(pg_temp.plan_of($$SELECT s.currency, s.due_on, s.settled_on FROM dunning_internal.ledger_settlement s
                                  WHERE s.kind = 'write_off'$$),
               'Index Only Scan using invoice_pkey on invoice', 'the ledger''s settlements: the invoice''s days and currency read from its key');
-- (on this small ledger the planner looks a payment up by payment_pkey,
-- the smaller index: the key's columns are checked in the catalog)
SELECT is(pg_get_indexdef('dunning.payment_customer_payment_key'::regclass),
          'CREATE UNIQUE INDEX payment_customer_payment_key ON dunning.payment USING btree (customer_id, payment_id) INCLUDE (received_on, currency, amount)',
          'settlement: a payment''s day is in its key (and its currency and amount: the cash received per customer)');
RESET enable_hashjoin;
RESET enable_mergejoin;
RESET enable_seqscan;

-- Aging ---------------------------------------------------------------------
SELECT is_empty($$
    SELECT * FROM dunning.aging
     WHERE not_due + days_1_30 + days_31_60 + days_61_90 + days_91_120 + days_over_120 + open_credit_notes
           <> open_amount
$$, 'aging: the buckets and open credit notes add up to the open amount in every row');
SELECT is_empty($$SELECT * FROM dunning.aging WHERE is_total OR customer_id IS NULL$$,
                'aging: customer rows only (the totals are in aging_total)');
SELECT set_eq($$SELECT currency, open_amount FROM dunning.aging_total$$,
              $$SELECT currency, sum(open_amount) FROM dunning.open_item GROUP BY currency$$,
              'aging_total: the open balance of each currency');
SELECT set_eq($$SELECT * FROM dunning.aging$$, $$SELECT * FROM dunning.aging_as_of(CURRENT_DATE)$$,
              'aging (today) = aging_as_of(today)');
-- f(day, customer) is f(day)'s rows of that customer; f(day, NULL) is f(day)
SELECT set_eq($$SELECT * FROM dunning.aging_as_of(CURRENT_DATE - 45) WHERE customer_id IN (3, 7)$$,
              $$SELECT * FROM dunning.aging_as_of(CURRENT_DATE - 45, 3) UNION ALL
                SELECT * FROM dunning.aging_as_of(CURRENT_DATE - 45, 7)$$,
              'aging_as_of(day, customer) = aging_as_of(day) of that customer');
SELECT set_eq($$SELECT * FROM dunning.open_items_as_of(CURRENT_DATE - 45) WHERE customer_id IN (3, 7)$$,
              $$SELECT * FROM dunning.open_items_as_of(CURRENT_DATE - 45, 3) UNION ALL
                SELECT * FROM dunning.open_items_as_of(CURRENT_DATE - 45, 7)$$,
              'open_items_as_of(day, customer) = open_items_as_of(day) of that customer');
SELECT set_eq($$SELECT * FROM dunning.open_items_as_of(CURRENT_DATE - 45)$$,
              $$SELECT * FROM dunning.open_items_as_of(CURRENT_DATE - 45, NULL)$$,
              'open_items_as_of(day, NULL) = open_items_as_of(day)');
-- open_item_as_of: the view's name with _as_of, its columns; today it is
-- the view, a past day the items open then (with the disputes open then)
SELECT set_eq($$SELECT * FROM dunning.open_item_as_of(CURRENT_DATE)$$, $$SELECT * FROM dunning.open_item$$,
              'open_item_as_of(today) = open_item');
SELECT set_eq($$SELECT invoice_id, customer_id, open_amount, days_past_due FROM dunning.open_item_as_of(CURRENT_DATE - 45)$$,
              $$SELECT invoice_id, customer_id, open_amount, days_past_due FROM dunning.open_items_as_of(CURRENT_DATE - 45)$$,
              'open_item_as_of(day) lists the items of open_items_as_of(day)');
SELECT set_eq($$SELECT * FROM dunning.open_item_as_of(CURRENT_DATE - 45, 3)$$,
              $$SELECT * FROM dunning.open_item_as_of(CURRENT_DATE - 45) WHERE customer_id = 3$$,
              'open_item_as_of(day, customer) = open_item_as_of(day) of that customer');
SELECT set_eq($$SELECT currency, open_amount FROM dunning.aging_total_as_of(CURRENT_DATE - 200)$$,
              $$SELECT currency, ar_end FROM dunning.kpi_as_of(CURRENT_DATE - 200)$$,
              'aging_as_of(day) totals = kpi_as_of(day) AR');

-- Monthly KPIs ----------------------------------------------------------------
SELECT cmp_ok((SELECT count(*)::int FROM dunning.kpi_monthly), '>=', 30, 'kpi_monthly: 15+ months x 2 currencies');
SELECT is_empty($$
    SELECT m.currency, m.month FROM dunning.kpi_monthly m
      LEFT JOIN LATERAL dunning.kpi_as_of(m.period_end) k ON k.currency = m.currency
     WHERE ROW(m.currency, m.month, m.period_end, m.days, m.invoiced, m.credit_notes, m.net_sales, m.invoice_count, m.collected, m.written_off, m.ar_begin, m.ar_end, m.current_ar_end, m.overdue_ar_end, m.dso, m.dso_countback_3m, m.best_possible_dso, m.average_days_delinquent, m.cei, m.collection_rate, m.disputed_amount, m.dispute_count, m.dispute_rate, m.dispute_count_rate) IS DISTINCT FROM ROW(k.*)
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
SELECT set_eq($$SELECT customer_id, customer_name, segment, currency, as_of, open_invoices, open_credit_notes, unapplied_payments, balance, overdue_amount, max_days_past_due, other_currency_open_items, paid_invoices_12m, paid_amount_12m, weighted_days_late, days_beyond_terms, avg_days_to_pay, paydex, risk_score, credit_limit, exposure, available_credit, over_limit, insurer, insured_limit, uninsured_exposure FROM dunning.customer_risk$$, $$SELECT * FROM dunning.customer_risk_as_of(CURRENT_DATE)$$,
              'customer_risk = customer_risk_as_of(today)');
-- dunning.risk_figures: the fourteen figures customer_risk_as_of takes from
-- it are those of the SQL aggregates with FILTER it replaced, per customer
-- and currency, at several days (the open amount and cash applied as
-- customer_risk_as_of computes them, simplified: settlements after the day
-- ignored, which does not matter for the comparison)
CREATE TEMP VIEW rf_items AS
SELECT i.customer_id, i.currency, i.amount, i.amount - sign(i.amount) * i.settled_amount AS open_amount,
       CASE WHEN i.amount > 0 AND i.settled_amount > 0 THEN i.settled_amount END AS cash_applied,
       i.due_on, i.issued_on, CASE WHEN i.settled_amount = i.amount THEN i.settled_on END AS paid_on
  FROM dunning.invoice i;
CREATE FUNCTION pg_temp.rf_by_sql(d date) RETURNS TABLE (customer_id bigint, currency char(3), f text)
LANGUAGE sql AS $fn$
    SELECT it.customer_id, it.currency, ROW(
           count(*) FILTER (WHERE it.amount > 0),
           sum(it.open_amount) FILTER (WHERE it.amount > 0 AND it.open_amount <> 0),
           sum(it.open_amount) FILTER (WHERE it.amount < 0 AND it.open_amount <> 0),
           sum(it.open_amount) FILTER (WHERE it.amount > 0 AND it.open_amount <> 0 AND it.due_on < d),
           max(GREATEST(d - it.due_on, 0)) FILTER (WHERE it.amount > 0 AND it.open_amount <> 0),
           count(*) FILTER (WHERE it.open_amount <> 0),
           sum(it.cash_applied),
           count(*) FILTER (WHERE it.paid_on > d - 365),
           sum(it.amount) FILTER (WHERE it.paid_on > d - 365),
           dunning.weighted_days_late(it.due_on, it.paid_on, it.amount) FILTER (WHERE it.paid_on > d - 365),
           dunning.days_beyond_terms(it.due_on, it.paid_on, it.amount) FILTER (WHERE it.paid_on > d - 365),
           dunning.avg_days_to_pay(it.issued_on, it.paid_on, it.amount) FILTER (WHERE it.paid_on > d - 365),
           dunning.paydex(it.due_on, it.paid_on, it.amount) FILTER (WHERE it.paid_on > d - 365),
           dunning.payment_risk_score(it.due_on, it.paid_on, it.amount, d) FILTER (WHERE it.amount > 0))::text
      FROM rf_items it GROUP BY 1, 2
$fn$;
SELECT set_eq($$SELECT d, r.* FROM unnest(ARRAY[CURRENT_DATE, CURRENT_DATE - 90, CURRENT_DATE - 400]) d,
                   pg_temp.rf_by_sql(d) r$$,
              $$SELECT d, it.customer_id, it.currency,
                       dunning.risk_figures(it.amount, it.open_amount, it.cash_applied, it.due_on, it.issued_on,
                                            it.paid_on, d, d - 365)::text
                  FROM unnest(ARRAY[CURRENT_DATE, CURRENT_DATE - 90, CURRENT_DATE - 400]) d, rf_items it
                 GROUP BY 1, 2, 3$$,
              'risk_figures = the fourteen SQL aggregates it replaces, digit for digit, at three days');
-- NULLs count as the SQL aggregates count them; sums are exact beyond four
-- decimals (carried on as numeric) and keep the largest scale
SELECT is(dunning.risk_figures(a, o, c, due, iss, paid, DATE '2026-03-01', DATE '2025-03-01')::text,
          -- days to pay 13, PAYDEX 78 at 3 days late, risk 23: 28 days late on
          -- 100 at full weight, 3 on 20 paid 270 days ago (weight 1/8)
          '(2,100.000001,-5,100.000001,28,3,0.00005,1,20,3.0000000000000000,3.0000000000000000,13.0000000000000000,78,23)',
          'risk_figures: NULLs skipped per figure, sums exact beyond four decimals, at their largest scale')
  FROM (VALUES (100.00::numeric, 100.000001::numeric, NULL::numeric, DATE '2026-02-01', DATE '2026-01-02', NULL::date),
               (-5, -5, NULL, DATE '2026-02-01', DATE '2026-01-02', NULL),
               (20, 0, 0.00005, DATE '2025-06-01', DATE '2025-05-22', DATE '2025-06-04'),
               (NULL, 7, NULL, NULL, NULL, NULL)) v (a, o, c, due, iss, paid);
SELECT is(dunning.risk_figures(a, o, c, due, iss, paid, DATE '2026-03-01', DATE '2025-03-01')::text,
          '(0,,,,,0,,0,,,,,,)', 'risk_figures of no item: zero counts, every other figure NULL')
  FROM (VALUES (1.0, 0.0, NULL::numeric, DATE '2026-01-01', DATE '2025-12-01', NULL::date)) v (a, o, c, due, iss, paid)
 WHERE false;
SELECT throws_ok($$SELECT dunning.risk_figures(1.00001, 0, 1, DATE '2026-01-01', DATE '2025-12-01', DATE '2026-01-05',
                                               DATE '2026-03-01', DATE '2025-03-01')$$,
                 '22003', NULL, 'risk_figures: a paid amount below 1/10000 is refused as the scoring aggregates refuse it');
SELECT is((SELECT (dunning.risk_figures(x, x, x, DATE '2026-01-01', DATE '2025-12-01', DATE '2026-01-05',
                                        DATE '2026-03-01', DATE '2025-03-01')).cash_applied::text
             FROM (SELECT 999999999999.9999 AS x FROM generate_series(1, 20000)) v),
          (SELECT sum(999999999999.9999)::text FROM generate_series(1, 20000)),
          'risk_figures: a sum past 10^16 currency units keeps its decimals, as sum() does');
SELECT is((dunning.risk_figures(1.00001, 0, NULL, NULL, NULL, DATE '2026-01-05', DATE '2026-03-01', DATE '2025-03-01')).paid_amount_12m,
          1.00001, 'risk_figures: a paid row without dates is summed, not refused (the scoring aggregates skip it)');
-- In a parallel plan each worker aggregates part of the rows and the leader
-- adds the partial states (combine, serialize, deserialize): the same
-- figures as one pass gives, numeric rests (open amounts and cash applied
-- with more than four decimals) included
CREATE TABLE rf_parallel AS
SELECT g % 7 AS k, (g % 997 + 0.25)::numeric AS a,
       (CASE WHEN g % 3 = 0 THEN 0 WHEN g % 101 = 1 THEN g % 997 + 0.250001 ELSE g % 997 + 0.25 END)::numeric AS o,
       (CASE WHEN g % 5 = 0 THEN g % 89 + 0.000003 END)::numeric AS c,
       DATE '2025-01-01' + g % 400 AS due, DATE '2024-12-01' + g % 400 AS iss,
       CASE WHEN g % 3 = 0 THEN DATE '2025-01-10' + g % 420 END AS paid
  FROM generate_series(1, 60000) g;
CREATE FUNCTION pg_temp.rf_plan() RETURNS text LANGUAGE plpgsql AS $fn$
DECLARE
    line text;
    plan text := '';
BEGIN
    FOR line IN EXPLAIN (COSTS OFF)
        SELECT k, dunning.risk_figures(a, o, c, due, iss, paid, DATE '2026-03-01', DATE '2025-03-01')
          FROM rf_parallel GROUP BY k LOOP
        plan := plan || line || E'\n';
    END LOOP;
    RETURN plan;
END
$fn$;
SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SELECT matches(pg_temp.rf_plan(), 'Partial[^\n]*Aggregate',
               'risk_figures in a parallel plan: partial aggregates in the workers');
CREATE TEMP TABLE rf_in_parallel AS
SELECT k, dunning.risk_figures(a, o, c, due, iss, paid, DATE '2026-03-01', DATE '2025-03-01')::text AS f
  FROM rf_parallel GROUP BY k;
RESET max_parallel_workers_per_gather;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
SET max_parallel_workers_per_gather = 0;
SELECT set_eq($$SELECT k, f FROM rf_in_parallel$$,
              $$SELECT k, dunning.risk_figures(a, o, c, due, iss, paid, DATE '2026-03-01', DATE '2025-03-01')::text
                  FROM rf_parallel GROUP BY k$$,
              'risk_figures: partial states combined = one pass, digit for digit (sums beyond four decimals too)');
RESET max_parallel_workers_per_gather;
SELECT set_eq($$SELECT * FROM dunning.customer_risk_as_of(CURRENT_DATE - 200) WHERE customer_id IN (3, 7, 11)$$,
              $$SELECT * FROM dunning.customer_risk_as_of(CURRENT_DATE - 200, 3) UNION ALL
                SELECT * FROM dunning.customer_risk_as_of(CURRENT_DATE - 200, 7) UNION ALL
                SELECT * FROM dunning.customer_risk_as_of(CURRENT_DATE - 200, 11)$$,
              'customer_risk_as_of(day, customer) = customer_risk_as_of(day) of that customer');
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
