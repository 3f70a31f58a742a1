-- pgTAP: invariants of the KPI aggregates (src/payer_agg.c, src/dso_agg.c).
--   serial == parallel plans (and the parallel plan really is partial),
--   rolling frames == recomputation, combine of split states == whole,
--   the state text round trip (how Citus ships partial states), SQLSTATEs.
BEGIN;
CREATE EXTENSION IF NOT EXISTS dunning;
SELECT plan(48);

-- A regular table (parallel workers cannot read temporary ones); rolled back.
CREATE TABLE public.tap_item AS
SELECT (i % 97)::int AS customer,
       date '2025-01-01' + (i * 13 % 400)::int AS due_on,
       date '2025-01-01' + (i * 13 % 400)::int + (i * 7919 % 71 - 15)::int AS paid_on,
       CASE WHEN i % 50 = 0 THEN -(i % 300 + 0.5) ELSE round((i * 104729 % 100000) / 100.0 + 1, 2) END AS amount,
       (i * 31 % 500)::int AS age
FROM generate_series(1::bigint, 60000) AS i;
ALTER TABLE public.tap_item SET (parallel_workers = 2);
ANALYZE public.tap_item;

\i test/lib/plan_of.sql

-- Serial results.
SET LOCAL max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE serial_global AS
SELECT dunning.weighted_days_late(due_on, paid_on, amount) AS w,
       dunning.avg_days_late(due_on, paid_on) AS a,
       dunning.days_beyond_terms(due_on, paid_on, amount) AS b,
       dunning.avg_days_to_pay(due_on - 30, paid_on, amount) AS p,
       dunning.paydex(due_on, paid_on, amount) AS x,
       dunning.payment_risk_score(due_on, CASE WHEN age % 5 = 0 THEN NULL ELSE paid_on END, amount, date '2026-03-01') AS r,
       dunning.aging_buckets(due_on, amount, date '2026-03-01') AS g
FROM public.tap_item;
CREATE TEMP TABLE serial_grouped AS
SELECT customer, dunning.weighted_days_late(due_on, paid_on, amount) AS w,
       dunning.paydex(due_on, paid_on, amount) AS x,
       dunning.aging_buckets(due_on, amount, date '2026-03-01') AS g
FROM public.tap_item GROUP BY customer;

-- Parallel results, forced.
SET LOCAL max_parallel_workers_per_gather = 2;
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
SET LOCAL force_parallel_mode = on;

SELECT alike(pg_temp.plan_of($$SELECT dunning.weighted_days_late(due_on, paid_on, amount) FROM public.tap_item$$),
            '%Partial Aggregate%', 'weighted_days_late runs as a partial aggregate');
SELECT alike(pg_temp.plan_of($$SELECT dunning.payment_risk_score(due_on, paid_on, amount, date '2026-03-01'), dunning.aging_buckets(due_on, amount, date '2026-03-01') FROM public.tap_item$$),
            '%Partial Aggregate%', 'risk score and aging buckets run as partial aggregates');
SELECT alike(pg_temp.plan_of($$SELECT customer, dunning.paydex(due_on, paid_on, amount) FROM public.tap_item GROUP BY customer$$),
            '%Partial%Aggregate%', 'grouped paydex runs as a partial aggregate');

CREATE TEMP TABLE parallel_global AS
SELECT dunning.weighted_days_late(due_on, paid_on, amount) AS w,
       dunning.avg_days_late(due_on, paid_on) AS a,
       dunning.days_beyond_terms(due_on, paid_on, amount) AS b,
       dunning.avg_days_to_pay(due_on - 30, paid_on, amount) AS p,
       dunning.paydex(due_on, paid_on, amount) AS x,
       dunning.payment_risk_score(due_on, CASE WHEN age % 5 = 0 THEN NULL ELSE paid_on END, amount, date '2026-03-01') AS r,
       dunning.aging_buckets(due_on, amount, date '2026-03-01') AS g
FROM public.tap_item;
CREATE TEMP TABLE parallel_grouped AS
SELECT customer, dunning.weighted_days_late(due_on, paid_on, amount) AS w,
       dunning.paydex(due_on, paid_on, amount) AS x,
       dunning.aging_buckets(due_on, amount, date '2026-03-01') AS g
FROM public.tap_item GROUP BY customer;

SELECT is((SELECT w::text FROM parallel_global), (SELECT w::text FROM serial_global), 'weighted_days_late: parallel == serial, to the last digit');
SELECT is((SELECT a::text FROM parallel_global), (SELECT a::text FROM serial_global), 'avg_days_late: parallel == serial');
SELECT is((SELECT b::text FROM parallel_global), (SELECT b::text FROM serial_global), 'days_beyond_terms: parallel == serial');
SELECT is((SELECT p::text FROM parallel_global), (SELECT p::text FROM serial_global), 'avg_days_to_pay: parallel == serial');
SELECT is((SELECT x FROM parallel_global), (SELECT x FROM serial_global), 'paydex: parallel == serial');
SELECT is((SELECT r FROM parallel_global), (SELECT r FROM serial_global), 'payment_risk_score: parallel == serial');
SELECT is((SELECT g::text FROM parallel_global), (SELECT g::text FROM serial_global), 'aging_buckets: parallel == serial');
SELECT is((SELECT count(*) FROM (SELECT customer, w::text, x, g::text FROM parallel_grouped
                                 EXCEPT SELECT customer, w::text, x, g::text FROM serial_grouped) d),
          0::bigint, 'grouped aggregates: parallel == serial for all 97 customers');
RESET force_parallel_mode;
SET LOCAL max_parallel_workers_per_gather = 0;

-- Exactness against plain SQL.
SELECT is((SELECT w FROM serial_global),
          (SELECT sum(amount * (paid_on - due_on)) / sum(amount) FROM public.tap_item),
          'weighted_days_late == sum(amount x days) / sum(amount)');
SELECT is((SELECT g FROM serial_global),
          (SELECT ARRAY[coalesce(sum(amount) FILTER (WHERE d <= 0), 0.00), sum(amount) FILTER (WHERE d BETWEEN 1 AND 30),
                        sum(amount) FILTER (WHERE d BETWEEN 31 AND 60), sum(amount) FILTER (WHERE d BETWEEN 61 AND 90),
                        sum(amount) FILTER (WHERE d BETWEEN 91 AND 120), sum(amount) FILTER (WHERE d > 120)]
             FROM (SELECT date '2026-03-01' - due_on AS d, amount FROM public.tap_item) s),
          'aging_buckets == sums by bucket (an empty bucket is 0)');

-- Combine of split partial states == whole; states survive the text round
-- trip that Citus uses between nodes.
CREATE AGGREGATE pg_temp.payer_partial(date, date, numeric) (
    SFUNC = dunning_internal.payer_late_sfunc, STYPE = dunning_internal.payer_state);
CREATE AGGREGATE pg_temp.risk_partial(date, date, numeric, date) (
    SFUNC = dunning_internal.risk_sfunc, STYPE = dunning_internal.risk_state);
CREATE AGGREGATE pg_temp.aging_partial(date, numeric, date) (
    SFUNC = dunning_internal.aging_sfunc, STYPE = dunning_internal.aging_state);
CREATE TEMP TABLE split AS
SELECT customer % 3 AS part,
       pg_temp.payer_partial(due_on, paid_on, amount)::text AS payer,
       pg_temp.risk_partial(due_on, CASE WHEN age % 5 = 0 THEN NULL ELSE paid_on END, amount, date '2026-03-01')::text AS risk,
       pg_temp.aging_partial(due_on, amount, date '2026-03-01')::text AS aging
FROM public.tap_item GROUP BY 1;
SELECT is(dunning_internal.payer_weighted_final(dunning_internal.payer_state_combine(dunning_internal.payer_state_combine(
              (SELECT payer FROM split WHERE part = 0)::dunning_internal.payer_state,
              (SELECT payer FROM split WHERE part = 1)::dunning_internal.payer_state),
              (SELECT payer FROM split WHERE part = 2)::dunning_internal.payer_state))::text,
          (SELECT w::text FROM serial_global), 'payer states: combine of three text-shipped splits == whole');
SELECT is(dunning_internal.payer_paydex_final(dunning_internal.payer_state_combine(
              (SELECT payer FROM split WHERE part = 2)::dunning_internal.payer_state,
              dunning_internal.payer_state_combine((SELECT payer FROM split WHERE part = 0)::dunning_internal.payer_state,
                                          (SELECT payer FROM split WHERE part = 1)::dunning_internal.payer_state))),
          (SELECT x FROM serial_global), 'payer states: combine is associative and commutative (paydex)');
SELECT is(dunning_internal.risk_final(dunning_internal.risk_state_combine(dunning_internal.risk_state_combine(
              (SELECT risk FROM split WHERE part = 0)::dunning_internal.risk_state,
              (SELECT risk FROM split WHERE part = 1)::dunning_internal.risk_state),
              (SELECT risk FROM split WHERE part = 2)::dunning_internal.risk_state)),
          (SELECT r FROM serial_global), 'risk states: combine of splits == whole');
SELECT is(dunning_internal.aging_final(dunning_internal.aging_state_combine(dunning_internal.aging_state_combine(
              (SELECT aging FROM split WHERE part = 0)::dunning_internal.aging_state,
              (SELECT aging FROM split WHERE part = 1)::dunning_internal.aging_state),
              (SELECT aging FROM split WHERE part = 2)::dunning_internal.aging_state))::text,
          (SELECT g::text FROM serial_global), 'aging states: combine of splits == whole');

-- Rolling frames == recomputation of every frame.
CREATE TEMP TABLE tap_seq AS
SELECT customer, row_number() OVER (PARTITION BY customer ORDER BY age, due_on, amount) AS rn,
       due_on, paid_on, amount
FROM public.tap_item WHERE customer < 8;
SELECT is((SELECT count(*) FROM (
             SELECT customer, rn,
                    dunning.weighted_days_late(due_on, paid_on, amount) OVER w AS wl,
                    dunning.days_beyond_terms(due_on, paid_on, amount) OVER w AS bt,
                    dunning.avg_days_late(due_on, paid_on) OVER w AS al
               FROM tap_seq WINDOW w AS (PARTITION BY customer ORDER BY rn ROWS 9 PRECEDING)) r
           WHERE ROW(r.wl, r.bt, r.al) IS DISTINCT FROM
                 (SELECT ROW(dunning.weighted_days_late(f.due_on, f.paid_on, f.amount),
                             dunning.days_beyond_terms(f.due_on, f.paid_on, f.amount),
                             dunning.avg_days_late(f.due_on, f.paid_on))
                    FROM tap_seq f WHERE f.customer = r.customer AND f.rn BETWEEN r.rn - 9 AND r.rn)),
          0::bigint, 'payer aggregates over ROWS 9 PRECEDING == recomputed frames (credit notes included)');
CREATE TEMP TABLE tap_month AS
SELECT c AS customer, m AS month,
       CASE WHEN (c * m) % 13 = 0 THEN 0 WHEN (c + m) % 19 = 0 THEN -750.25
            WHEN (c * m) % 29 = 0 THEN NULL ELSE (c * 37 + m * 11) % 60 * 1000 + 0.5 END AS sales,
       CASE WHEN m % 31 = 0 THEN NULL ELSE (c * 53 + m * 29) % 300 * 1000 - 2000 END AS ar_end,
       28 + (m % 4) AS days
FROM generate_series(1, 20) AS c, generate_series(1, 48) AS m;
SELECT is((SELECT count(*) FROM (
             SELECT customer, month,
                    dunning.dso_countback(ar_end, sales, days) OVER w AS cb,
                    dunning.rolling_dso(ar_end, sales, days) OVER w AS s
               FROM tap_month WINDOW w AS (PARTITION BY customer ORDER BY month ROWS 11 PRECEDING)) r
           WHERE r.cb IS DISTINCT FROM
                   (SELECT dunning.dso_countback(m2.ar_end, m2.sales, m2.days ORDER BY m2.month) FROM tap_month m2
                     WHERE m2.customer = r.customer AND m2.month BETWEEN r.month - 11 AND r.month)
              OR r.s IS DISTINCT FROM
                   (SELECT dunning.rolling_dso(m2.ar_end, m2.sales, m2.days ORDER BY m2.month) FROM tap_month m2
                     WHERE m2.customer = r.customer AND m2.month BETWEEN r.month - 11 AND r.month)),
          0::bigint, 'dso_countback and rolling_dso over ROWS 11 PRECEDING == recomputed frames (960 months)');
SELECT is((SELECT count(*) FROM (
             SELECT customer, month,
                    dunning.dso_countback(ar_end, sales, days) OVER (PARTITION BY customer ORDER BY month) AS cb
               FROM tap_month) r
           WHERE r.cb IS DISTINCT FROM
                   (SELECT dunning.dso_countback(m2.ar_end, m2.sales, m2.days ORDER BY m2.month) FROM tap_month m2
                     WHERE m2.customer = r.customer AND m2.month <= r.month)),
          0::bigint, 'dso_countback over a growing frame == recomputed');

-- The same rolling countback against an independent plain-SQL computation
-- in numeric (the formulation of bench/aggregates.sql): credit notes
-- (negative sales), zero sales, ar_end <= 0, AR beyond the frame's sales.
CREATE TEMP TABLE tap_month2 AS
SELECT customer, month, COALESCE(sales, 0) AS sales, COALESCE(ar_end, -1) AS ar_end, days FROM tap_month;
SELECT is((SELECT count(*) FROM (
             SELECT customer, month,
                    dunning.dso_countback(ar_end, sales, days)
                        OVER (PARTITION BY customer ORDER BY month ROWS 11 PRECEDING) AS cb
               FROM tap_month2) r
           JOIN tap_month2 a USING (customer, month)
           WHERE r.cb IS DISTINCT FROM
             CASE WHEN a.ar_end <= 0 THEN 0 ELSE coalesce(
               (SELECT (f.full_prev * f.sales + (a.ar_end - f.cum_prev) * f.days) / f.sales
                  FROM (SELECT b.month, b.sales, b.days,
                               coalesce(sum(b.sales) OVER p, 0) AS cum_prev,
                               coalesce(sum(b.days) OVER p, 0) AS full_prev
                          FROM tap_month2 b
                         WHERE b.customer = a.customer AND b.month BETWEEN a.month - 11 AND a.month
                        WINDOW p AS (ORDER BY b.month DESC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)) f
                 WHERE f.sales > 0 AND a.ar_end - f.cum_prev <= f.sales
                 ORDER BY f.month DESC LIMIT 1),
               (SELECT CASE WHEN o.sales > 0 THEN (t.days * o.sales + (a.ar_end - t.sales) * o.days) / o.sales END
                  FROM (SELECT sum(b.sales) AS sales, sum(b.days) AS days, min(b.month) AS first
                          FROM tap_month2 b
                         WHERE b.customer = a.customer AND b.month BETWEEN a.month - 11 AND a.month) t
                  JOIN tap_month2 o ON o.customer = a.customer AND o.month = t.first))
             END),
          0::bigint, 'rolling dso_countback == plain SQL countback in numeric (960 months)');

-- The finals divide in 128-bit integers when the result fits (dso_agg.c,
-- dunning_int128_div) and build the numeric themselves: the result must be
-- the numeric division of the same scaled integers, value, display scale
-- and stored digits (numeric_send), on every magnitude, and fall back to
-- numeric where it does not fit.  A one-row frame of rolling_dso is
-- ar x days / sales.
SELECT setseed(0.4242);
CREATE TEMP TABLE tap_div AS
SELECT round(((random() - 0.3) * 10 ^ (floor(random() * 19) - 4))::numeric, 4) AS ar,
       round((random() * 10 ^ (floor(random() * 19) - 4))::numeric, 4) AS sales,
       1 + floor(random() * random() * 5000)::int AS days
FROM generate_series(1, 20000);
DELETE FROM tap_div WHERE sales <= 0 OR abs(ar) >= 900000000000000;
INSERT INTO tap_div VALUES (0, 1, 1), (0, 99999999999999, 30), (1, 3, 1), (2, 3, 1), (-2, 3, 1),
    (0.0001, 99999999999999.9999, 9999), (99999999999999, 0.0001, 5000), (1, 1, 1), (9999, 9999, 30),
    (10000, 9999, 30), (9999, 10000, 30), (0.5, 1, 1), (-0.5, 1, 1), (212000, 70000, 30),
    (922337203685477.5, 0.0001, 2147483647), (1, 0.0003, 1), (2, 0.0003, 1);
SELECT is((SELECT count(*) FROM (
             SELECT ar, sales, days,
                    dunning.rolling_dso(ar, sales, days) OVER (ROWS BETWEEN CURRENT ROW AND CURRENT ROW) AS r
               FROM tap_div) x
           WHERE x.r::text IS DISTINCT FROM ((round(x.ar * 10000) * x.days) / round(x.sales * 10000))::text
              OR numeric_send(x.r) IS DISTINCT FROM numeric_send((round(x.ar * 10000) * x.days) / round(x.sales * 10000))),
          0::bigint, 'integer division of the finals == numeric division, digit for digit, scale and digit array');

-- The 4-argument forms keep the newest `periods` periods of the frame: over
-- any frame they equal the 3-argument aggregate recomputed over the newest
-- min(periods, frame rows) rows of that frame.  Random months (a regular
-- table, for the parallel check below) with NULL, zero and negative sales,
-- NULL days, NULL and non-positive AR, and gaps between months (RANGE).
SELECT setseed(0.2718);
CREATE TABLE public.tap_cb AS
SELECT c AS customer, m AS month,
       CASE WHEN x < 0.03 THEN NULL WHEN x < 0.08 THEN 0 WHEN x < 0.13 THEN -round((random() * 5000)::numeric, 2)
            ELSE round((random() * 100000)::numeric, 2) END AS sales,
       CASE WHEN y < 0.03 THEN NULL WHEN y < 0.10 THEN -round((random() * 1000)::numeric, 2)
            WHEN y < 0.12 THEN 0 WHEN y < 0.35 THEN round((random() * 1500000)::numeric, 2)
            ELSE round((random() * random() * 600000)::numeric, 2) END AS ar_end,
       CASE WHEN random() < 0.01 THEN NULL ELSE 28 + (m % 4) END AS days
FROM generate_series(1, 30) AS c, generate_series(1, 40) AS m,
     LATERAL (SELECT random() + 0 * c * m AS x, random() + 0 * c * m AS y) AS r;
DELETE FROM public.tap_cb WHERE random() < 0.1;
ALTER TABLE public.tap_cb ADD COLUMN rn bigint;
UPDATE public.tap_cb t SET rn = o.rn
  FROM (SELECT customer, month, row_number() OVER (PARTITION BY customer ORDER BY month) AS rn FROM public.tap_cb) o
 WHERE o.customer = t.customer AND o.month = t.month;
ALTER TABLE public.tap_cb SET (parallel_workers = 2);
ANALYZE public.tap_cb;
-- Rows (of the window over `col`) whose 4-argument results differ, to the
-- last digit, from the 3-argument aggregates over the newest `periods` rows
-- with col between col - before and col + after.
CREATE FUNCTION pg_temp.cb_mismatches(col text, frame text, before int, after int, periods int)
RETURNS bigint LANGUAGE plpgsql AS $f$
DECLARE n bigint;
BEGIN
    EXECUTE format($q$
        SELECT count(*) FROM (
            SELECT customer, %1$I AS k,
                   dunning.dso_countback(ar_end, sales, days, %5$s) OVER w AS cb,
                   dunning.rolling_dso(ar_end, sales, days, %5$s) OVER w AS s
              FROM public.tap_cb WINDOW w AS (PARTITION BY customer ORDER BY %1$I %2$s)) r
        CROSS JOIN LATERAL (
            SELECT dunning.dso_countback(f.ar_end, f.sales, f.days ORDER BY f.rn) AS cb,
                   dunning.rolling_dso(f.ar_end, f.sales, f.days ORDER BY f.rn) AS s
              FROM (SELECT * FROM public.tap_cb t
                     WHERE t.customer = r.customer AND t.%1$I BETWEEN r.k - %3$s AND r.k + %4$s
                     ORDER BY t.rn DESC LIMIT %5$s) f) x
        WHERE r.cb::text IS DISTINCT FROM x.cb::text OR r.s::text IS DISTINCT FROM x.s::text$q$,
        col, frame, before, after, periods) INTO n;
    RETURN n;
END $f$;
SELECT is(pg_temp.cb_mismatches(col, frame, before, after, periods), 0::bigint,
          format('4-arg forms, %s periods over %s == recomputed%s', periods, frame, note))
  FROM (VALUES ('rn', 'ROWS UNBOUNDED PRECEDING', 1000, 0, 12, ' (the last 12 rows)'),
               ('rn', 'ROWS 11 PRECEDING', 11, 0, 12, ' (frame = periods)'),
               ('rn', 'ROWS 4 PRECEDING', 4, 0, 12, ' (frame shorter than periods)'),
               ('rn', 'ROWS 12 PRECEDING', 12, 0, 12, ' (frame one longer than periods)'),
               ('rn', 'ROWS 19 PRECEDING', 19, 0, 12, ' (frame longer than periods)'),
               ('rn', 'ROWS 5 PRECEDING', 5, 0, 1, ' (the last row alone)'),
               ('rn', 'ROWS BETWEEN 6 PRECEDING AND 2 FOLLOWING', 6, 2, 4, ' (frames shrink at the partition end)'),
               ('month', 'RANGE BETWEEN 8 PRECEDING AND CURRENT ROW', 8, 0, 5, ' (months with gaps)'),
               ('month', 'RANGE BETWEEN 3 PRECEDING AND CURRENT ROW', 3, 0, 5, ' (months with gaps)'),
               ('rn', 'ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING', 1000, 1000, 12, ' (the whole partition)'))
       AS v(col, frame, before, after, periods, note);
SELECT is((SELECT count(*) FROM (
             SELECT customer, dunning.dso_countback(ar_end, sales, days, 12 ORDER BY month)::text AS cb,
                    dunning.rolling_dso(ar_end, sales, days, 12 ORDER BY month)::text AS s
               FROM public.tap_cb GROUP BY customer
             EXCEPT
             SELECT customer, dunning.dso_countback(ar_end, sales, days ORDER BY month)::text,
                    dunning.rolling_dso(ar_end, sales, days ORDER BY month)::text
               FROM public.tap_cb t WHERE rn > (SELECT max(rn) - 12 FROM public.tap_cb u WHERE u.customer = t.customer)
              GROUP BY customer) d),
          0::bigint, '4-arg forms as grouped aggregates (ORDER BY in the call) == 3-arg over the last 12 months');
SELECT ok((SELECT count(*) FILTER (WHERE cb4 IS DISTINCT FROM cb3) > 50
              AND count(*) FILTER (WHERE s4 IS NOT NULL AND s3 IS NULL) > 100
             FROM (SELECT dunning.dso_countback(ar_end, sales, days, 12) OVER w AS cb4,
                          dunning.dso_countback(ar_end, sales, days) OVER w AS cb3,
                          dunning.rolling_dso(ar_end, sales, days, 12) OVER w AS s4,
                          dunning.rolling_dso(ar_end, sales, days) OVER w AS s3
                     FROM public.tap_cb WINDOW w AS (PARTITION BY customer ORDER BY rn ROWS UNBOUNDED PRECEDING)) r),
          'the random months make the limit matter: countbacks walking past 12 months, NULL months dropped out of the 12');

-- Serial == forced parallel (the aggregates are parallel safe without a
-- combine function: the whole window runs in a worker).
CREATE TEMP VIEW cb_running AS
SELECT customer, month, dunning.dso_countback(ar_end, sales, days, 12) OVER running AS cb,
       dunning.rolling_dso(ar_end, sales, days, 12) OVER running AS s
  FROM public.tap_cb WINDOW running AS (PARTITION BY customer ORDER BY month ROWS UNBOUNDED PRECEDING);
SET LOCAL max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE cb_serial AS SELECT * FROM cb_running;
SET LOCAL max_parallel_workers_per_gather = 2;
SET LOCAL force_parallel_mode = on;
SELECT alike(pg_temp.plan_of('SELECT * FROM cb_running'), '%Gather%',
             'the 4-arg forms over a running frame run in a worker when parallelism is forced');
CREATE TEMP TABLE cb_parallel AS SELECT * FROM cb_running;
SELECT is((SELECT count(*) FROM ((TABLE cb_serial EXCEPT TABLE cb_parallel)
                                 UNION ALL (TABLE cb_parallel EXCEPT TABLE cb_serial)) d),
          0::bigint, '4-arg forms over a running frame: forced parallel == serial (EXCEPT both ways)');
RESET force_parallel_mode;
SET LOCAL max_parallel_workers_per_gather = 0;

-- Errors and their SQLSTATEs.
SELECT throws_ok($$SELECT dunning.weighted_days_late(current_date, current_date, 0.00001)$$,
                 '22003', NULL, 'more than 4 decimals: 22003');
SELECT throws_ok($$SELECT dunning.paydex(current_date, current_date, 'NaN')$$,
                 '22023', NULL, 'NaN amount: 22023');
SELECT throws_ok($$SELECT dunning.avg_days_late(current_date, 'infinity')$$,
                 '22008', NULL, 'infinite date: 22008');
SELECT throws_ok($$SELECT dunning.aging_buckets(d, 1, a) FROM (VALUES (current_date, current_date), (current_date, current_date + 1)) v(d, a)$$,
                 '22023', NULL, 'two as_of dates: 22023');
SELECT throws_ok($$SELECT dunning.dso_countback(1, 1, -30)$$,
                 '22023', NULL, 'non-positive days: 22023');
SELECT throws_ok($$SELECT dunning.dso_countback(1, 1, 30, 0)$$,
                 '22023', 'periods must be between 1 and 10000, got 0', 'periods 0: 22023');
SELECT throws_ok($$SELECT dunning.rolling_dso(1, 1, 30, 10001)$$,
                 '22023', 'periods must be between 1 and 10000, got 10001', 'periods above 10000: 22023');
SELECT throws_ok($$SELECT dunning.dso_countback(1, 1, 30, NULL)$$,
                 '22023', 'periods must not be NULL', 'periods NULL: 22023');
SELECT throws_ok($$SELECT dunning.dso_countback(1, 1, 30, p) OVER (ORDER BY p ROWS UNBOUNDED PRECEDING) FROM generate_series(12, 13) p$$,
                 '22023', 'periods must be the same in every row, got 13 after 12', 'periods changing along a window: 22023');
SELECT throws_ok($$SELECT 'garbage'::dunning_internal.payer_state$$,
                 '22P02', NULL, 'malformed state text: 22P02');
SELECT throws_ok($$SELECT dunning.paydex_score('NaN')$$,
                 '22023', NULL, 'paydex_score(NaN): 22023');

-- The aggregates' support functions (transition, inverse, combine, final,
-- serialization) and the state types' I/O are internals: none in schema
-- dunning.
SELECT is_empty($$
    SELECT f::regprocedure::text FROM (
        SELECT unnest(ARRAY[a.aggtransfn, a.aggfinalfn, a.aggcombinefn, a.aggserialfn, a.aggdeserialfn,
                            a.aggmtransfn, a.aggminvtransfn, a.aggmfinalfn])::oid AS f
          FROM pg_aggregate a
        UNION
        SELECT unnest(ARRAY[t.typinput, t.typoutput, t.typreceive, t.typsend])::oid
          FROM pg_type t WHERE t.typnamespace = 'dunning'::regnamespace AND t.typtype = 'b' AND t.typelem = 0) x
      JOIN pg_proc p ON p.oid = x.f
     WHERE p.pronamespace = 'dunning'::regnamespace
$$, 'no aggregate support function or state I/O function in schema dunning');
SELECT * FROM finish();
ROLLBACK;
