-- DSO family: worked examples of /work/shared/domain.md (KPI formulas) and
-- the edge cases documented in doc/scoring.md.
\set VERBOSITY terse
CREATE EXTENSION dunning;

-- domain.md: DSO 15,000 / 10,000 x 30 = 45; best possible 4,000 / 10,000 x
-- 30 = 12; ADD = 45 - 12 = 33; CEI 55.93 % (79.6 % with the total-sales trap).
SELECT dunning.dso(15000, 10000, 30) AS dso,
       dunning.best_possible_dso(4000, 10000, 30) AS best_possible,
       dunning.average_days_delinquent(15000, 4000, 10000, 30) AS add,
       round(dunning.cei(6200, 10890, 6340, 3590, 3), 2) AS cei,
       round(dunning.cei(6200, 10890 * 3, 6340, 3590, 3), 1) AS cei_trap;
-- Zero or negative sales, zero months, non-positive CEI denominator: NULL.
SELECT dunning.dso(15000, 0, 30) AS zero_sales, dunning.dso(15000, -5, 30) AS negative_sales,
       dunning.average_days_delinquent(1, 1, 0, 30) AS add_zero_sales,
       dunning.cei(6200, 10890, 6340, 3590, 0) AS zero_months,
       dunning.cei(0, 0, 0, 0, 3) AS zero_denominator,
       dunning.dso(NULL, 1, 30) AS null_ar;
-- Negative AR (customer in credit) gives a negative simple DSO.
SELECT dunning.dso(-1500, 10000, 30) AS in_credit;

-- domain.md: countback, AR 212,000 with sales 100,000 / 80,000 / 70,000
-- (30 days each, newest first) -> 30 + 30 + 32,000 / 70,000 x 30 = 73.71.
CREATE TEMP TABLE period (customer int, month int, ar_end numeric, sales numeric, days int);
INSERT INTO period VALUES
  (1, 1, 150000, 70000, 30), (1, 2, 190000, 80000, 30), (1, 3, 212000, 100000, 30);
SELECT round(dunning.dso_countback(ar_end, sales, days ORDER BY month), 2) AS countback,
       dunning.dso_countback(ar_end, sales, days ORDER BY month) AS full_precision,
       round(dunning.rolling_dso(ar_end, sales, days ORDER BY month), 2) AS simple_3_months
FROM period;
-- As a window: AR beyond the frame's sales is counted at the oldest
-- period's rate (month 1: 30 + 80,000 / 70,000 x 30).
SELECT month, round(dunning.dso_countback(ar_end, sales, days) OVER w, 4) AS countback,
       round(dunning.rolling_dso(ar_end, sales, days) OVER w, 4) AS simple
FROM period WINDOW w AS (ORDER BY month ROWS 1 PRECEDING) ORDER BY month;

-- Over the newest periods only (4-argument forms).  With 2 periods the walk
-- runs out after months 3 and 2, and the excess counts at month 2's rate:
-- 30 + 30 + 32,000 / 80,000 x 30 = 72 instead of 73.71; the simple DSO is
-- 212,000 x 60 / 180,000 = 70.67 instead of 76.32.  3 or 12 periods keep all.
SELECT round(dunning.dso_countback(ar_end, sales, days, 2 ORDER BY month), 2) AS countback_2,
       round(dunning.dso_countback(ar_end, sales, days, 3 ORDER BY month), 2) AS countback_3,
       round(dunning.dso_countback(ar_end, sales, days, 12 ORDER BY month), 2) AS countback_12,
       round(dunning.rolling_dso(ar_end, sales, days, 2 ORDER BY month), 2) AS simple_2,
       round(dunning.rolling_dso(ar_end, sales, days, 1 ORDER BY month), 2) AS simple_1
FROM period;
-- Over a running frame, 2 periods give the ROWS 1 PRECEDING window above;
-- over a sliding frame longer than the periods, the periods win (ROWS 2
-- PRECEDING), over a shorter one the frame (ROWS 0 PRECEDING: one month).
SELECT month, round(dunning.dso_countback(ar_end, sales, days, 2) OVER running, 4) AS countback,
       round(dunning.rolling_dso(ar_end, sales, days, 2) OVER running, 4) AS simple,
       round(dunning.dso_countback(ar_end, sales, days, 2) OVER (ORDER BY month ROWS 2 PRECEDING), 4) AS frame_3,
       round(dunning.dso_countback(ar_end, sales, days, 2) OVER (ORDER BY month ROWS 0 PRECEDING), 4) AS frame_1
FROM period WINDOW running AS (ORDER BY month ROWS UNBOUNDED PRECEDING) ORDER BY month;
-- periods must be a constant from 1 to 10000 (22023, with a hint).
\set VERBOSITY default
SELECT dunning.dso_countback(100, 100, 30, 0);
SELECT dunning.rolling_dso(100, 100, 30, -12);
SELECT dunning.dso_countback(100, 100, 30, NULL);
SELECT dunning.dso_countback(100, 100, 30, 10001);
SELECT dunning.dso_countback(ar_end, sales, days, month ORDER BY month) FROM period;
\set VERBOSITY terse

-- Edge cases of the countback.
SELECT dunning.dso_countback(ar, s, d ORDER BY m) AS result, label FROM (VALUES
  ('AR exactly one month',  1, 100, 100, 30),
  ('AR zero',               2, 0, 100, 30),
  ('AR negative',           3, -50, 100, 30),
  ('AR NULL',               4, NULL, 100, 30)) AS v(label, m, ar, s, d)
GROUP BY label ORDER BY label;
-- Zero and negative sales months are counted in full and not subtracted.
SELECT round(dunning.dso_countback(ar_end, sales, days ORDER BY month), 4) AS with_zero_and_negative
FROM (VALUES (1, NULL::numeric, 100::numeric, 31), (2, NULL, -20, 28), (3, 150, 0, 31))
     AS v(month, ar_end, sales, days);
-- AR beyond all sales and the oldest month without sales: NULL.
SELECT dunning.dso_countback(ar_end, sales, days ORDER BY month) AS cannot_extrapolate
FROM (VALUES (1, NULL::numeric, 0::numeric, 30), (2, 500, 100, 30)) AS v(month, ar_end, sales, days);
-- A month with unknown sales matters only when the walk reaches it.
SELECT dunning.dso_countback(ar_end, sales, days ORDER BY month) AS unknown_not_reached,
       dunning.rolling_dso(ar_end, sales, days ORDER BY month) AS simple_unknown
FROM (VALUES (1, NULL::numeric, NULL::numeric, 30), (2, 50, 100, 30)) AS v(month, ar_end, sales, days);
SELECT dunning.dso_countback(ar_end, sales, days ORDER BY month) AS unknown_reached
FROM (VALUES (1, NULL::numeric, NULL::numeric, 30), (2, 150, 100, 30)) AS v(month, ar_end, sales, days);
-- Empty input: NULL.  Errors: days not positive, more than 4 decimals.
SELECT dunning.dso_countback(ar_end, sales, days) AS empty FROM period WHERE false;
SELECT dunning.dso_countback(100, 100, 0);
SELECT dunning.dso_countback(100, 100.00001, 30);

-- Rolling 12 months equals recomputing each frame, with a moving frame of
-- ROWS 11 PRECEDING over 40 months of varied data per customer.
CREATE TEMP TABLE months AS
SELECT c AS customer, m AS month,
       CASE WHEN (c * m) % 17 = 0 THEN 0 WHEN (c + m) % 23 = 0 THEN -500.5
            ELSE (c * 37 + m * 11) % 50 * 1000 + 0.25 END AS sales,
       (c * 53 + m * 29) % 200 * 1000 - 5000 AS ar_end,
       28 + (m % 4) AS days
FROM generate_series(1, 5) AS c, generate_series(1, 40) AS m;
SELECT count(*) AS rows,
       count(*) FILTER (WHERE r.cb IS NOT DISTINCT FROM
           (SELECT dunning.dso_countback(m2.ar_end, m2.sales, m2.days ORDER BY m2.month)
              FROM months m2 WHERE m2.customer = r.customer AND m2.month BETWEEN r.month - 11 AND r.month)) AS same_countback,
       count(*) FILTER (WHERE r.s IS NOT DISTINCT FROM
           (SELECT dunning.rolling_dso(m2.ar_end, m2.sales, m2.days ORDER BY m2.month)
              FROM months m2 WHERE m2.customer = r.customer AND m2.month BETWEEN r.month - 11 AND r.month)) AS same_simple,
       count(*) FILTER (WHERE r.s IS NOT DISTINCT FROM
           dunning.dso(r.ar_end, r.sum_sales, r.sum_days::int)) AS simple_is_scalar_over_window
FROM (SELECT customer, month, ar_end,
             dunning.dso_countback(ar_end, sales, days) OVER w AS cb,
             dunning.rolling_dso(ar_end, sales, days) OVER w AS s,
             sum(sales) OVER w AS sum_sales, sum(days) OVER w AS sum_days
        FROM months WINDOW w AS (PARTITION BY customer ORDER BY month ROWS 11 PRECEDING)) AS r;
-- The 4-argument forms over a running frame give the same 12-month figures.
SELECT count(*) AS rows,
       count(*) FILTER (WHERE r.cb IS NOT DISTINCT FROM r.cb12 AND r.s IS NOT DISTINCT FROM r.s12) AS same_as_sliding
FROM (SELECT dunning.dso_countback(ar_end, sales, days) OVER w AS cb,
             dunning.rolling_dso(ar_end, sales, days) OVER w AS s,
             dunning.dso_countback(ar_end, sales, days, 12) OVER running AS cb12,
             dunning.rolling_dso(ar_end, sales, days, 12) OVER running AS s12
        FROM months
      WINDOW w AS (PARTITION BY customer ORDER BY month ROWS 11 PRECEDING),
             running AS (PARTITION BY customer ORDER BY month ROWS UNBOUNDED PRECEDING)) AS r;

DROP EXTENSION dunning;
