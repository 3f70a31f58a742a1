-- Benchmark of the KPI surface (run: bench/kpi.sh; data: its load step).
-- In three parts, each short enough to run under the install lock of a
-- shared machine: psql -v part=1|2|3 (default: all).
--   1  paid dates of the whole ledger; per-customer payer scores
--      (dunning.weighted_days_late, dunning.paydex) vs the plain SQL formula
--      vs the sum() floor over the same rows, serial and parallel
--   2  12-month rolling countback DSO per customer and month:
--      dunning.dso_countback over a sliding 12-month frame, and its
--      4-argument form keeping 12 periods over a running frame, vs three
--      plain-SQL formulations: a lateral window walk per month, a
--      recursive CTE, window sums over a self-join (server's jit setting,
--      and jit off)
--   3  the views: refresh and read of customer_risk and kpi_monthly (and
--      what the same queries cost unmaterialized), aging, cash_forecast,
--      the point-in-time functions
-- Results are checked identical before anything is timed; timings are the
-- best of n runs of EXPLAIN ANALYZE (TIMING OFF) (nothing sent to the client)
-- or, for the refreshes, of psql's \timing.
-- Resolves pg_catalog and dunning objects only (doc/security.md): nothing
-- another role planted in public is called when a superuser runs it.
SET search_path = pg_catalog, pg_temp;
\set ON_ERROR_STOP on
\pset pager off
SET client_min_messages = warning;
\if :{?part}
\else
\set part all
\endif
SELECT :'part' IN ('all', '1') AS p1, :'part' IN ('all', '2') AS p2, :'part' IN ('all', '3') AS p3 \gset
CREATE SCHEMA IF NOT EXISTS kpi_bench;
\ir best_ms.sql
CREATE TEMP TABLE result (part text, mode text, query text, ms numeric, workers int);
SELECT (SELECT count(*) FROM dunning.customer) AS customers, (SELECT count(*) FROM dunning.invoice) AS invoices,
       (SELECT count(*) FROM dunning.allocation) AS allocations;

\if :p1
\echo == part 1: paid dates and per-customer payer scores
-- Deriving the paid dates of the whole ledger (dunning.paid_invoice).
SET max_parallel_workers_per_gather = 2;
INSERT INTO result SELECT '1', 'parallel', 'paid_invoice: count over the whole ledger', (bench_util.best_ms(
  'SELECT count(*), max(paid_on) FROM dunning.paid_invoice', 2)).*;
DROP TABLE IF EXISTS kpi_bench.paid;
CREATE UNLOGGED TABLE kpi_bench.paid AS
SELECT customer_id, due_on, paid_on, amount FROM dunning.paid_invoice;
ALTER TABLE kpi_bench.paid SET (parallel_workers = 2);
VACUUM ANALYZE kpi_bench.paid;
SELECT count(*) AS paid_rows FROM kpi_bench.paid;
SELECT count(*) AS weighted_mismatches FROM (
    SELECT customer_id, dunning.weighted_days_late(due_on, paid_on, amount) FROM kpi_bench.paid GROUP BY 1
    EXCEPT
    SELECT customer_id, sum(amount * (paid_on - due_on)) / sum(amount) FROM kpi_bench.paid GROUP BY 1) d;
SET max_parallel_workers_per_gather = 0;
INSERT INTO result SELECT '1', 'serial', q, (bench_util.best_ms(sql)).* FROM (VALUES
  ('floor: sum(amount) GROUP BY customer_id', 'SELECT customer_id, sum(amount) FROM kpi_bench.paid GROUP BY 1'),
  ('plain SQL sum(amount * (paid - due)) / sum(amount)', 'SELECT customer_id, sum(amount * (paid_on - due_on)) / sum(amount) FROM kpi_bench.paid GROUP BY 1'),
  ('dunning.weighted_days_late', 'SELECT customer_id, dunning.weighted_days_late(due_on, paid_on, amount) FROM kpi_bench.paid GROUP BY 1'),
  ('dunning.paydex', 'SELECT customer_id, dunning.paydex(due_on, paid_on, amount) FROM kpi_bench.paid GROUP BY 1')) v(q, sql);
SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
INSERT INTO result SELECT '1', 'parallel', q, (bench_util.best_ms(sql)).* FROM (VALUES
  ('floor: sum(amount) GROUP BY customer_id', 'SELECT customer_id, sum(amount) FROM kpi_bench.paid GROUP BY 1'),
  ('plain SQL sum(amount * (paid - due)) / sum(amount)', 'SELECT customer_id, sum(amount * (paid_on - due_on)) / sum(amount) FROM kpi_bench.paid GROUP BY 1'),
  ('dunning.weighted_days_late', 'SELECT customer_id, dunning.weighted_days_late(due_on, paid_on, amount) FROM kpi_bench.paid GROUP BY 1'),
  ('dunning.paydex', 'SELECT customer_id, dunning.paydex(due_on, paid_on, amount) FROM kpi_bench.paid GROUP BY 1')) v(q, sql);
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
\endif

\if :p2
\echo == part 2: 12-month rolling countback DSO per customer and month
-- Month-end AR and net sales per customer and month, from the ledger
-- (roll-forward, the kpi_monthly model per customer): 24 months.
DROP TABLE IF EXISTS kpi_bench.cm CASCADE;
CREATE UNLOGGED TABLE kpi_bench.cm AS
WITH flows AS (
    SELECT customer_id, date_trunc('month', issued_on::timestamp)::date AS month, sum(amount) AS sales, 0 AS paid
      FROM dunning.invoice GROUP BY 1, 2
    UNION ALL
    SELECT customer_id, date_trunc('month', settled_on::timestamp)::date, 0, sum(amount)
      FROM dunning.settlement WHERE kind IN ('payment', 'write_off') GROUP BY 1, 2
), m AS (
    SELECT c.customer_id, g::date AS month
      FROM dunning.customer c,
           generate_series(date_trunc('month', CURRENT_DATE - 700), date_trunc('month', CURRENT_DATE) - interval '1 month',
                           interval '1 month') g
)
SELECT m.customer_id AS customer, m.month, COALESCE(sum(f.sales), 0) AS sales,
       sum(COALESCE(sum(f.sales), 0) - COALESCE(sum(f.paid), 0)) OVER (PARTITION BY m.customer_id ORDER BY m.month) AS ar_end,
       ((m.month + interval '1 month')::date - m.month) AS days
  FROM m LEFT JOIN flows f ON f.customer_id = m.customer_id AND f.month = m.month
 GROUP BY 1, 2;
CREATE INDEX ON kpi_bench.cm (customer, month);
VACUUM ANALYZE kpi_bench.cm;
SELECT count(*) AS customer_months FROM kpi_bench.cm;
-- Three plain-SQL formulations of dunning.dso_countback's rules.  The
-- lateral window walk (the fastest plain SQL we know): for each month, its
-- own frame of up to 12 months walked newest first with window sums; the
-- first month whose cumulative sales cover the AR ends the walk (LIMIT 1),
-- otherwise the excess counts at the oldest month's rate.  It does not
-- follow the NULL rules (unknown sales, days or AR): cm has no NULLs.
CREATE OR REPLACE VIEW kpi_bench.countback_sql AS
SELECT a.customer, a.month,
  CASE WHEN a.ar_end <= 0 THEN 0 ELSE coalesce(
    (SELECT (f.full_prev * f.sales + (a.ar_end - f.cum_prev) * f.days) / f.sales
       FROM (SELECT b.month, b.sales, b.days,
                    coalesce(sum(b.sales) OVER p, 0) AS cum_prev,
                    coalesce(sum(b.days) OVER p, 0) AS full_prev
               FROM kpi_bench.cm b
              WHERE b.customer = a.customer AND b.month BETWEEN (a.month - interval '11 months')::date AND a.month
             WINDOW p AS (ORDER BY b.month DESC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)) f
      WHERE f.sales > 0 AND a.ar_end - f.cum_prev <= f.sales
      ORDER BY f.month DESC LIMIT 1),
    (SELECT CASE WHEN o.sales > 0 THEN (t.days * o.sales + (a.ar_end - t.sales) * o.days) / o.sales END
       FROM (SELECT sum(b.sales) AS sales, sum(b.days) AS days, min(b.month) AS first
               FROM kpi_bench.cm b
              WHERE b.customer = a.customer AND b.month BETWEEN (a.month - interval '11 months')::date AND a.month) t
       JOIN kpi_bench.cm o ON o.customer = a.customer AND o.month = t.first))
  END AS v
FROM kpi_bench.cm a;
-- The recursive CTE: one walk per month, a step per older month (its row
-- found by the (customer, month) index or a hash join, as the planner
-- chooses), carrying what is left of the AR and the days counted in full;
-- a walk stops at the month that covers the AR, at unknown sales, after 12
-- periods or at the customer's first month.  Only the row that ends each
-- walk is kept (a WHERE on the walk; DISTINCT ON over the whole walk,
-- deepest row first, is slower: doc/kpi.md).
-- Past the oldest period the excess counts at its rate: the same formula as
-- covering the AR in that period, (full_days x sales + remaining x days) /
-- sales, NULL when its sales are not positive.
CREATE OR REPLACE VIEW kpi_bench.countback_rcte AS
WITH RECURSIVE walk (customer, month, at, first, n, remaining, full_days, sales, days) AS (
    SELECT customer, month, month, min(month) OVER (PARTITION BY customer), 1, ar_end, 0::bigint, sales, days
      FROM kpi_bench.cm
  UNION ALL
    SELECT w.customer, w.month, b.month, w.first, w.n + 1, w.remaining - w.sales, w.full_days + w.days, b.sales, b.days
      FROM walk w
      JOIN kpi_bench.cm b ON b.customer = w.customer AND b.month = (w.at - interval '1 month')::date
     WHERE w.n < 12 AND w.at > w.first AND w.remaining > 0 AND NOT (w.sales > 0 AND w.remaining <= w.sales)
)
SELECT customer, month,
       CASE WHEN remaining <= 0 THEN 0
            WHEN sales > 0 THEN (full_days * sales + remaining * days) / sales END AS v
  FROM walk
 WHERE n = 12 OR at = first OR remaining IS NULL OR remaining <= 0 OR sales IS NULL
    OR (sales > 0 AND remaining <= sales);
-- Window sums and a self-join: running sums of sales and days per customer
-- (one window over the table), each month joined to the up-to-12 months of
-- its frame, where the AR left before month b is ar_end(a) - (cum(a) -
-- cum(b)); the newest month of the frame that covers what is left (or has
-- unknown sales or days), else the oldest month of the frame (the
-- extrapolation, as above), by DISTINCT ON.  The CTE is NOT MATERIALIZED so
-- that the planner joins the two window scans directly.  (Materialized, or
-- summing over each month's joined frame instead, 21 M rows through the
-- windows, is slower: doc/kpi.md.)
CREATE OR REPLACE VIEW kpi_bench.countback_window AS
WITH r AS NOT MATERIALIZED (
    SELECT customer, month, ar_end, sales, days,
           sum(sales) OVER w AS cum_sales, sum(days) OVER w AS cum_days,
           min(month) OVER (PARTITION BY customer) AS first
      FROM kpi_bench.cm
    WINDOW w AS (PARTITION BY customer ORDER BY month)
)
SELECT DISTINCT ON (a.customer, a.month) a.customer, a.month,
       CASE WHEN a.ar_end <= 0 THEN 0
            WHEN b.sales > 0 THEN ((a.cum_days - b.cum_days) * b.sales
                                   + (a.ar_end - (a.cum_sales - b.cum_sales)) * b.days) / b.sales END AS v
  FROM r a
  JOIN r b ON b.customer = a.customer AND b.month BETWEEN (a.month - interval '11 months')::date AND a.month
 WHERE a.ar_end <= 0 OR a.ar_end IS NULL OR b.sales IS NULL OR b.days IS NULL
    OR (b.sales > 0 AND a.ar_end - (a.cum_sales - b.cum_sales) > 0
        AND a.ar_end - (a.cum_sales - b.cum_sales) <= b.sales)
    OR b.month = greatest((a.month - interval '11 months')::date, a.first)
 ORDER BY a.customer, a.month, b.month DESC;
SET max_parallel_workers_per_gather = 0;
-- Both forms and the three plain formulations give the same figures: EXCEPT
-- both ways (numerics compare by value).
CREATE TEMP TABLE cb_sql AS SELECT * FROM kpi_bench.countback_sql;
CREATE TEMP TABLE cb_rcte AS SELECT * FROM kpi_bench.countback_rcte;
CREATE TEMP TABLE cb_window AS SELECT * FROM kpi_bench.countback_window;
CREATE TEMP TABLE cb_sliding AS
SELECT customer, month, dunning.dso_countback(ar_end, sales, days)
         OVER (PARTITION BY customer ORDER BY month ROWS 11 PRECEDING) AS v
  FROM kpi_bench.cm;
CREATE TEMP TABLE cb_running AS
SELECT customer, month, dunning.dso_countback(ar_end, sales, days, 12)
         OVER (PARTITION BY customer ORDER BY month ROWS UNBOUNDED PRECEDING) AS v
  FROM kpi_bench.cm;
SELECT (SELECT count(*) FROM cb_sql) AS plain_sql_rows,
       (SELECT count(*) FROM ((TABLE cb_sliding EXCEPT TABLE cb_sql) UNION ALL (TABLE cb_sql EXCEPT TABLE cb_sliding)) d)
         AS sliding_mismatches,
       (SELECT count(*) FROM ((TABLE cb_running EXCEPT TABLE cb_sql) UNION ALL (TABLE cb_sql EXCEPT TABLE cb_running)) d)
         AS running_mismatches,
       (SELECT count(*) FROM cb_rcte) AS rcte_rows,
       (SELECT count(*) FROM ((TABLE cb_sliding EXCEPT TABLE cb_rcte) UNION ALL (TABLE cb_rcte EXCEPT TABLE cb_sliding)) d)
         AS rcte_mismatches,
       (SELECT count(*) FROM cb_window) AS window_rows,
       (SELECT count(*) FROM ((TABLE cb_sliding EXCEPT TABLE cb_window) UNION ALL (TABLE cb_window EXCEPT TABLE cb_sliding)) d)
         AS window_mismatches;
DROP TABLE cb_sql, cb_sliding, cb_running, cb_rcte, cb_window;
INSERT INTO result SELECT '2', 'serial', q, (bench_util.best_ms(sql, n)).* FROM (VALUES
  ('window machinery: count(*) OVER 12 months', 'SELECT count(*) OVER (PARTITION BY customer ORDER BY month ROWS 11 PRECEDING) FROM kpi_bench.cm', 3),
  ('window floor: count(sales) OVER 12 months (reads the rows)', 'SELECT count(sales) OVER (PARTITION BY customer ORDER BY month ROWS 11 PRECEDING) FROM kpi_bench.cm', 3),
  ('window floor, running frame: count(sales) OVER (ROWS UNBOUNDED PRECEDING)', 'SELECT count(sales) OVER (PARTITION BY customer ORDER BY month ROWS UNBOUNDED PRECEDING) FROM kpi_bench.cm', 3),
  ('numeric-result floor, running frame: max(sales) OVER (ROWS UNBOUNDED PRECEDING)', 'SELECT max(sales) OVER (PARTITION BY customer ORDER BY month ROWS UNBOUNDED PRECEDING) FROM kpi_bench.cm', 3),
  ('built-in sum(sales) OVER 12 months', 'SELECT sum(sales) OVER (PARTITION BY customer ORDER BY month ROWS 11 PRECEDING) FROM kpi_bench.cm', 3),
  ('dunning.dso_countback(ar_end, sales, days) OVER 12 months (ROWS 11 PRECEDING)', 'SELECT dunning.dso_countback(ar_end, sales, days) OVER (PARTITION BY customer ORDER BY month ROWS 11 PRECEDING) FROM kpi_bench.cm', 5),
  ('dunning.dso_countback(ar_end, sales, days, 12) OVER running frame (ROWS UNBOUNDED PRECEDING)', 'SELECT dunning.dso_countback(ar_end, sales, days, 12) OVER (PARTITION BY customer ORDER BY month ROWS UNBOUNDED PRECEDING) FROM kpi_bench.cm', 5)) v(q, sql, n);
CREATE TEMP TABLE plain_sql (q, sql) AS VALUES
  ('plain SQL countback (lateral window walk)', 'SELECT * FROM kpi_bench.countback_sql'),
  ('plain SQL countback (recursive CTE)', 'SELECT * FROM kpi_bench.countback_rcte'),
  ('plain SQL countback (window sums, self-join)', 'SELECT * FROM kpi_bench.countback_window');
INSERT INTO result SELECT '2', 'serial', q || ', jit ' || current_setting('jit'), (bench_util.best_ms(sql, 2)).* FROM plain_sql;
SET jit = off;
INSERT INTO result SELECT '2', 'serial', q || ', jit off', (bench_util.best_ms(sql, 2)).* FROM plain_sql
 WHERE NOT EXISTS (SELECT FROM result WHERE query = q || ', jit off');
RESET jit;
\endif

\if :p3
\echo == part 3: the views
\timing on
SELECT dunning.refresh_kpi();
SELECT dunning.refresh_kpi();
\timing off
SET max_parallel_workers_per_gather = 2;
INSERT INTO result SELECT '3', 'default', q, (bench_util.best_ms(sql, n)).* FROM (VALUES
  ('REFRESH customer_risk (the unmaterialized query)', 'SELECT count(*) FROM dunning.customer_risk_as_of(CURRENT_DATE)', 1),
  ('customer_risk: read all 100k rows', 'SELECT * FROM dunning.customer_risk', 3),
  ('customer_risk: one customer', 'SELECT * FROM dunning.customer_risk WHERE customer_id = 4242', 3),
  ('customer_risk: 100 riskiest', 'SELECT * FROM dunning.customer_risk ORDER BY risk_score DESC NULLS LAST, exposure DESC LIMIT 100', 3),
  ('REFRESH kpi_monthly (the unmaterialized query)',
   'SELECT * FROM (' || rtrim(pg_get_viewdef('dunning.kpi_monthly'::regclass), ';') || ') x', 1),
  ('kpi_monthly: read all rows', 'SELECT * FROM dunning.kpi_monthly', 3),
  ('kpi_as_of(end of last month): one month', 'SELECT * FROM dunning.kpi_as_of((date_trunc(''month'', CURRENT_DATE) - interval ''1 day'')::date)', 2),
  ('aging (plain view): all customers', 'SELECT * FROM dunning.aging', 3),
  ('aging_total (plain view)', 'SELECT * FROM dunning.aging_total', 3),
  ('aging_total_as_of(90 days ago)', 'SELECT * FROM dunning.aging_total_as_of(CURRENT_DATE - 90)', 2),
  ('cash_forecast (plain view)', 'SELECT * FROM dunning.cash_forecast', 3)) v(q, sql, n);
\endif

SELECT part, mode, query, ms, workers FROM result ORDER BY part, query, mode;
\if :p1
SELECT mode,
       round(max(ms) FILTER (WHERE query = 'dunning.weighted_days_late') / max(ms) FILTER (WHERE query LIKE 'floor%'), 2) AS weighted_vs_floor,
       round(max(ms) FILTER (WHERE query = 'dunning.weighted_days_late') / max(ms) FILTER (WHERE query LIKE 'plain SQL%'), 2) AS weighted_vs_sql
  FROM result WHERE part = '1' AND query NOT LIKE 'paid_invoice%' GROUP BY mode;
\endif
\if :p2
-- Each form against each plain formulation, at the server's jit setting and
-- with jit off.
SELECT f.query AS countback, f.ms, s.q AS plain_sql,
       p.ms AS plain_ms, round(p.ms / f.ms, 1) AS speedup,
       o.ms AS plain_ms_jit_off, round(o.ms / f.ms, 1) AS speedup_vs_jit_off
  FROM result f
  CROSS JOIN plain_sql s
  JOIN result p ON p.part = '2' AND p.query = s.q || ', jit ' || current_setting('jit')
  JOIN result o ON o.part = '2' AND o.query = s.q || ', jit off'
 WHERE f.part = '2' AND f.query LIKE 'dunning.dso_countback%'
 ORDER BY f.ms, p.ms;
\endif
