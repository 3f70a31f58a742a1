-- Benchmark of the KPI aggregates against plain SQL (run: bench/aggregates.sh).
-- Builds scratch tables in the current database (schema dunning_bench),
-- checks that the C aggregates return exactly what the SQL formulations
-- return, then times each query three times in a serial and in a parallel
-- plan.  Needs the dunning extension installed in the database.
-- Resolves pg_catalog and dunning objects only (doc/security.md): nothing
-- another role planted in public is called when a superuser runs it.
SET search_path = pg_catalog, pg_temp;
\set ON_ERROR_STOP on
\pset pager off
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS dunning_bench CASCADE;
CREATE SCHEMA dunning_bench;

-- 5M paid items over 100k customers: amounts with cents, due dates over two
-- years, paid between 20 days early and 60 days late.
CREATE UNLOGGED TABLE dunning_bench.item AS
SELECT (i % 100000)::int AS customer,
       d AS due_on,
       d + ((i * 7919) % 81 - 20)::int AS paid_on,
       ((i * 104729) % 1000000 / 100.0 + 10)::numeric(12,2) AS amount
FROM generate_series(1::bigint, 5000000) AS i,
     LATERAL (SELECT date '2024-01-01' + ((i * 31) % 730)::int AS d) AS x;
ALTER TABLE dunning_bench.item SET (parallel_workers = 2);
VACUUM ANALYZE dunning_bench.item;

-- 10k customers x 24 months: month-end AR and sales per month.
CREATE UNLOGGED TABLE dunning_bench.month AS
SELECT c AS customer, m AS month,
       ((c * 37 + m * 11) % 5000 * 10 + 1000)::numeric(14,2) AS sales,
       ((c * 53 + m * 29) % 20000 * 10 + 500)::numeric(14,2) AS ar_end,
       30 AS days
FROM generate_series(1, 10000) AS c, generate_series(1, 24) AS m;
CREATE INDEX ON dunning_bench.month (customer, month);
VACUUM ANALYZE dunning_bench.month;

-- Plain-SQL countback: for each month, its own frame of up to 12 months,
-- walked newest first with window sums; the first month whose cumulative
-- sales reach the AR ends the walk; otherwise the excess is counted at the
-- oldest month's rate (the semantics of dunning.dso_countback).
CREATE VIEW dunning_bench.countback_sql AS
SELECT a.customer, a.month,
  CASE WHEN a.ar_end <= 0 THEN 0 ELSE coalesce(
    (SELECT (f.full_prev * f.sales + (a.ar_end - f.cum_prev) * f.days) / f.sales
       FROM (SELECT b.month, b.sales, b.days,
                    coalesce(sum(b.sales) OVER p, 0) AS cum_prev,
                    coalesce(sum(b.days) OVER p, 0) AS full_prev
               FROM dunning_bench.month b
              WHERE b.customer = a.customer AND b.month BETWEEN a.month - 11 AND a.month
             WINDOW p AS (ORDER BY b.month DESC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)) f
      WHERE f.sales > 0 AND a.ar_end - f.cum_prev <= f.sales
      ORDER BY f.month DESC LIMIT 1),
    (SELECT CASE WHEN o.sales > 0 THEN (t.days * o.sales + (a.ar_end - t.sales) * o.days) / o.sales END
       FROM (SELECT sum(b.sales) AS sales, sum(b.days) AS days, min(b.month) AS first
               FROM dunning_bench.month b
              WHERE b.customer = a.customer AND b.month BETWEEN a.month - 11 AND a.month) t
       JOIN dunning_bench.month o ON o.customer = a.customer AND o.month = t.first))
  END AS v
FROM dunning_bench.month a;

\ir best_ms.sql

-- Correctness first: every row identical (0 expected in each column).
SELECT
  (SELECT count(*) FROM (
     SELECT customer, dunning.weighted_days_late(due_on, paid_on, amount) AS v
       FROM dunning_bench.item GROUP BY customer
     EXCEPT
     SELECT customer, sum(amount * (paid_on - due_on)) / sum(amount)
       FROM dunning_bench.item GROUP BY customer) d) AS weighted_mismatches,
  (SELECT count(*) FROM (
     SELECT customer, month, dunning.dso_countback(ar_end, sales, days)
              OVER (PARTITION BY customer ORDER BY month ROWS 11 PRECEDING) AS v
       FROM dunning_bench.month
     EXCEPT
     SELECT * FROM dunning_bench.countback_sql) d) AS countback_mismatches
\gset
\echo weighted_mismatches :weighted_mismatches countback_mismatches :countback_mismatches

CREATE TEMP TABLE result (mode text, query text, ms numeric, workers int);

-- Per-customer payer KPIs, serial then parallel.
SET max_parallel_workers_per_gather = 0;
INSERT INTO result SELECT 'serial', q, (bench_util.best_ms(sql)).* FROM (VALUES
  ('floor: sum(amount)', 'SELECT customer, sum(amount) FROM dunning_bench.item GROUP BY customer'),
  ('plain SQL weighted', 'SELECT customer, sum(amount * (paid_on - due_on)) / sum(amount) FROM dunning_bench.item GROUP BY customer'),
  ('dunning.weighted_days_late', 'SELECT customer, dunning.weighted_days_late(due_on, paid_on, amount) FROM dunning_bench.item GROUP BY customer'),
  ('dunning.paydex', 'SELECT customer, dunning.paydex(due_on, paid_on, amount) FROM dunning_bench.item GROUP BY customer')
) AS v(q, sql);

SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
INSERT INTO result SELECT 'parallel', q, (bench_util.best_ms(sql)).* FROM (VALUES
  ('floor: sum(amount)', 'SELECT customer, sum(amount) FROM dunning_bench.item GROUP BY customer'),
  ('plain SQL weighted', 'SELECT customer, sum(amount * (paid_on - due_on)) / sum(amount) FROM dunning_bench.item GROUP BY customer'),
  ('dunning.weighted_days_late', 'SELECT customer, dunning.weighted_days_late(due_on, paid_on, amount) FROM dunning_bench.item GROUP BY customer'),
  ('dunning.paydex', 'SELECT customer, dunning.paydex(due_on, paid_on, amount) FROM dunning_bench.item GROUP BY customer')
) AS v(q, sql);

-- Global (one group): the case Citus splits into partials.
INSERT INTO result SELECT 'parallel', q, (bench_util.best_ms(sql)).* FROM (VALUES
  ('global floor: sum(amount)', 'SELECT sum(amount) FROM dunning_bench.item'),
  ('global plain SQL weighted', 'SELECT sum(amount * (paid_on - due_on)) / sum(amount) FROM dunning_bench.item'),
  ('global dunning.weighted_days_late', 'SELECT dunning.weighted_days_late(due_on, paid_on, amount) FROM dunning_bench.item')
) AS v(q, sql);
SET max_parallel_workers_per_gather = 0;
INSERT INTO result SELECT 'serial', q, (bench_util.best_ms(sql)).* FROM (VALUES
  ('global floor: sum(amount)', 'SELECT sum(amount) FROM dunning_bench.item'),
  ('global plain SQL weighted', 'SELECT sum(amount * (paid_on - due_on)) / sum(amount) FROM dunning_bench.item'),
  ('global dunning.weighted_days_late', 'SELECT dunning.weighted_days_late(due_on, paid_on, amount) FROM dunning_bench.item')
) AS v(q, sql);

-- 12-month rolling countback DSO per customer (240k months).
INSERT INTO result SELECT 'serial', q, (bench_util.best_ms(sql, n)).* FROM (VALUES
  ('rolling countback: dunning.dso_countback', 'SELECT customer, month, dunning.dso_countback(ar_end, sales, days) OVER (PARTITION BY customer ORDER BY month ROWS 11 PRECEDING) FROM dunning_bench.month', 3),
  ('rolling countback: plain SQL', 'SELECT * FROM dunning_bench.countback_sql', 1),
  ('rolling simple DSO: dunning.rolling_dso', 'SELECT customer, month, dunning.rolling_dso(ar_end, sales, days) OVER (PARTITION BY customer ORDER BY month ROWS 11 PRECEDING) FROM dunning_bench.month', 3),
  ('rolling weighted days late (5M rows, 100k partitions)', 'SELECT dunning.weighted_days_late(due_on, paid_on, amount) OVER (PARTITION BY customer ORDER BY due_on ROWS 11 PRECEDING) FROM dunning_bench.item', 1)
) AS v(q, sql, n);

SELECT r.mode, r.query, r.ms, r.workers,
       round(r.ms / f.ms, 2) AS vs_floor,
       round(r.ms / p.ms, 2) AS vs_plain_sql
FROM result r
LEFT JOIN result f ON f.mode = r.mode AND f.query = CASE WHEN r.query LIKE 'global%' THEN 'global floor: sum(amount)' ELSE 'floor: sum(amount)' END AND r.query NOT LIKE 'rolling%'
LEFT JOIN result p ON p.mode = r.mode AND p.query = CASE WHEN r.query LIKE 'global%' THEN 'global plain SQL weighted'
                                                        WHEN r.query LIKE 'rolling countback%' THEN 'rolling countback: plain SQL'
                                                        WHEN r.query LIKE 'rolling%' THEN NULL
                                                        ELSE 'plain SQL weighted' END
ORDER BY r.query LIKE 'rolling%', r.query LIKE 'global%', r.mode DESC, r.ms;

DROP SCHEMA dunning_bench CASCADE;
