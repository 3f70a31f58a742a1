-- Payer scoring aggregates: worked examples of /work/shared/domain.md
-- (KPI formulas) and the edge cases documented in doc/scoring.md.
\set VERBOSITY terse
CREATE EXTENSION dunning;

-- domain.md: items 1,000 / 2,000 / 3,000 paid 2 / 5 / 4 days late ->
-- weighted 4.00, plain average 3.67.
CREATE TEMP TABLE paid (customer int, issued_on date, due_on date, paid_on date, amount numeric);
INSERT INTO paid VALUES
  (1, '2026-01-01', '2026-01-31', '2026-02-02', 1000.00),
  (1, '2026-01-01', '2026-01-31', '2026-02-05', 2000.00),
  (1, '2026-01-01', '2026-01-31', '2026-02-04', 3000.00);
SELECT round(dunning.weighted_days_late(due_on, paid_on, amount), 2) AS weighted,
       round(dunning.avg_days_late(due_on, paid_on), 2) AS average,
       dunning.weighted_days_late(due_on, paid_on, amount) AS weighted_full,
       dunning.paydex(due_on, paid_on, amount) AS paydex
FROM paid;
-- Same as the plain SQL formulas, exactly.
SELECT dunning.weighted_days_late(due_on, paid_on, amount)
         = sum(amount * (paid_on - due_on)) / sum(amount) AS same_weighted,
       dunning.avg_days_late(due_on, paid_on) = avg(paid_on - due_on) AS same_average
FROM paid;
-- Average days to pay: weighted paid_on - issued_on = 30 + 4.
SELECT round(dunning.avg_days_to_pay(issued_on, paid_on, amount), 2) AS days_to_pay FROM paid;

-- domain.md: days beyond terms, terms 30, paid on day 37 -> 7; early counts 0
-- (unlike weighted_days_late, which is signed).
SELECT dunning.days_beyond_terms(date '2026-01-31', date '2026-02-07', 500) AS dbt;
SELECT round(dunning.days_beyond_terms(due_on, paid_on, amount), 2) AS dbt,
       round(dunning.weighted_days_late(due_on, paid_on, amount), 2) AS signed
FROM (VALUES (date '2026-01-31', date '2026-01-21', 100.00),
             (date '2026-01-31', date '2026-02-10', 100.00)) AS v(due_on, paid_on, amount);

-- domain.md: PAYDEX anchors, 10 late ~73, 33 late -> 49, 45 late -> 45, and
-- our tail (1 from 177 days late on), rounding half up.
SELECT d AS days, dunning.paydex_score(d) AS score
FROM unnest(ARRAY[-45, -30, -25, -20, -10, 0, 10, 15, 22, 30, 33, 45, 60, 90, 120,
                  150, 175.5, 176, 177, 1000, 0.75, 2.25, -0.5]::numeric[]) AS d;
SELECT dunning.paydex_score('Infinity') AS plus_inf, dunning.paydex_score('-Infinity') AS minus_inf;
SELECT dunning.paydex_score('NaN');
-- paydex() is paydex_score() of the exact weighted days.
SELECT dunning.paydex(due_on, paid_on, amount) AS paydex,
       dunning.paydex_score(dunning.weighted_days_late(due_on, paid_on, amount)) AS via_score
FROM (VALUES (date '2026-01-01', date '2026-01-11', 1.00),
             (date '2026-01-01', date '2026-02-20', 2.00),
             (date '2026-01-01', date '2025-12-20', 7.00)) AS v(due_on, paid_on, amount);

-- Edge cases.
-- Empty input: NULL.
SELECT dunning.weighted_days_late(due_on, paid_on, amount) AS weighted,
       dunning.avg_days_late(due_on, paid_on) AS average,
       dunning.paydex(due_on, paid_on, amount) AS paydex,
       dunning.days_beyond_terms(due_on, paid_on, amount) AS dbt
FROM paid WHERE false;
-- Rows with a NULL (unpaid items) are skipped; only NULLs: NULL.
SELECT round(dunning.weighted_days_late(due_on, paid_on, amount), 2) AS weighted,
       dunning.avg_days_late(due_on, paid_on) AS average
FROM (VALUES (date '2026-01-31', date '2026-02-02', 10.00),
             (date '2026-01-31', NULL, 99.00),
             (NULL, date '2026-02-02', 99.00),
             (date '2026-01-31', date '2026-02-10', NULL)) AS v(due_on, paid_on, amount);
SELECT dunning.weighted_days_late(due_on, paid_on, amount) AS all_null
FROM (VALUES (date '2026-01-31', NULL::date, 10.00)) AS v(due_on, paid_on, amount);
-- Zero total amount and a credit note outweighing the invoices: NULL.
SELECT dunning.weighted_days_late(d, d + 3, a) AS zero_total
FROM (VALUES (date '2026-01-01', 0.00)) AS v(d, a);
SELECT dunning.weighted_days_late(d, d + 3, a) AS net_zero,
       dunning.paydex(d, d + 3, a) AS paydex
FROM (VALUES (date '2026-01-01', 100.00), (date '2026-01-01', -100.00)) AS v(d, a);
SELECT dunning.weighted_days_late(d, d + 3, a) AS negative_total
FROM (VALUES (date '2026-01-01', 100.00), (date '2026-01-01', -150.00)) AS v(d, a);
-- A credit note subtracts its weight (signed formula, as in plain SQL).
SELECT dunning.weighted_days_late(d, d + k, a) AS with_credit_note,
       sum(a * k) / sum(a) AS plain_sql
FROM (VALUES (date '2026-01-01', 10, 300.00), (date '2026-01-01', 40, -100.00)) AS v(d, k, a);
-- Errors: more than 4 decimals, NaN, infinite amounts and dates, huge amounts.
SELECT dunning.weighted_days_late(date '2026-01-01', date '2026-01-02', 1.00001);
SELECT dunning.weighted_days_late(date '2026-01-01', date '2026-01-02', 1.00010) AS ok_trailing_zero;
SELECT dunning.weighted_days_late(date '2026-01-01', date '2026-01-02', 'NaN');
SELECT dunning.weighted_days_late(date '2026-01-01', date '2026-01-02', 'Infinity');
SELECT dunning.weighted_days_late(date '2026-01-01', date 'infinity', 1);
SELECT dunning.weighted_days_late(date '2026-01-01', date '2026-01-02', 1e15);
SELECT dunning.weighted_days_late(date '2026-01-01', date '2026-01-02', 922337203685477.5807) AS largest;
SELECT dunning.weighted_days_late(d, d + 1, a) AS tiny_and_huge
FROM (VALUES (date '2026-01-01', 0.0001), (date '2026-01-01', 922337203685477)) AS v(d, a);

-- Rolling: a moving frame gives what recomputing each frame gives.
CREATE TEMP TABLE hist AS
SELECT i, date '2025-01-01' + i * 9 AS due_on,
       date '2025-01-01' + i * 9 + (i * 7) % 23 - 8 AS paid_on,
       CASE WHEN i % 11 = 0 THEN NULL ELSE (i * 37 % 1000) + 0.25 END AS amount
FROM generate_series(1, 60) AS i;
SELECT count(*) AS rows,
       count(*) FILTER (WHERE r.w IS NOT DISTINCT FROM
           (SELECT dunning.weighted_days_late(h2.due_on, h2.paid_on, h2.amount)
              FROM hist h2 WHERE h2.i BETWEEN r.i - 5 AND r.i)) AS same_weighted,
       count(*) FILTER (WHERE r.a IS NOT DISTINCT FROM
           (SELECT dunning.avg_days_late(h2.due_on, h2.paid_on)
              FROM hist h2 WHERE h2.i BETWEEN r.i - 5 AND r.i)) AS same_average,
       count(*) FILTER (WHERE r.p IS NOT DISTINCT FROM
           (SELECT dunning.paydex(h2.due_on, h2.paid_on, h2.amount)
              FROM hist h2 WHERE h2.i BETWEEN r.i - 5 AND r.i)) AS same_paydex
FROM (SELECT i,
             dunning.weighted_days_late(due_on, paid_on, amount) OVER w AS w,
             dunning.avg_days_late(due_on, paid_on) OVER w AS a,
             dunning.paydex(due_on, paid_on, amount) OVER w AS p
        FROM hist WINDOW w AS (ORDER BY i ROWS 5 PRECEDING)) AS r;

-- Behavioural risk score (doc/scoring.md): one item paid 30 days late, 150
-- days before as_of (weight 2^(-150/90)), one open item 60 days overdue
-- (weight 1) -> round(100 x (0.315 x 30 + 60) / (120 x 1.315)) = 44.
SELECT dunning.payment_risk_score(due_on, paid_on, amount, date '2026-06-30') AS risk
FROM (VALUES (date '2026-01-01', date '2026-01-31', 100.00),
             (date '2026-05-01', NULL, 100.00)) AS v(due_on, paid_on, amount);
-- Always on time: 0; open 120+ days overdue: 100; paid after as_of counts
-- as open at as_of; credit notes and NULLs are skipped; nothing left: NULL.
SELECT dunning.payment_risk_score(d, d, 50, date '2026-06-30') AS on_time,
       dunning.payment_risk_score(d, NULL, 50, date '2026-06-30') AS open_180_days
FROM (VALUES (date '2026-01-01')) AS v(d);
SELECT dunning.payment_risk_score(date '2026-06-01', date '2026-07-15', 10, date '2026-06-30') AS paid_later;
SELECT dunning.payment_risk_score(date '2026-01-01', NULL, -10, date '2026-06-30') AS credit_note_only;
SELECT dunning.payment_risk_score(due_on, paid_on, amount, as_of) AS two_as_of
FROM (VALUES (date '2026-01-01', NULL::date, 1, date '2026-06-30'),
             (date '2026-01-01', NULL, 1, date '2026-07-01')) AS v(due_on, paid_on, amount, as_of);

-- Aging buckets at 2026-06-30: not yet due and due today are current.
SELECT dunning.aging_buckets(due_on, open_amount, date '2026-06-30') AS buckets
FROM (VALUES (date '2026-07-15', 100.00), (date '2026-06-30', 1.50),
             (date '2026-06-29', 10), (date '2026-05-31', 20), (date '2026-05-30', 30),
             (date '2026-04-01', 40), (date '2026-03-02', 50), (date '2026-03-01', 60),
             (date '2025-01-01', 70), (date '2026-05-01', -5), (NULL, 999)) AS v(due_on, open_amount);
SELECT (dunning.aging_buckets(due_on, open_amount, date '2026-06-30'))[6] AS over_120
FROM (VALUES (date '2025-01-01', 12)) AS v(due_on, open_amount);
SELECT dunning.aging_buckets(due_on, open_amount, date '2026-06-30') AS empty
FROM (VALUES (date '2025-01-01', 12)) AS v(due_on, open_amount) WHERE false;

-- State types: the text form Citus ships between nodes.
SELECT '(3,11,60000000,240000000)'::dunning_internal.payer_state AS payer_state;
SELECT dunning_internal.payer_weighted_final('(3,11,60000000,240000000)') AS from_text;
SELECT '(1,2,3)'::dunning_internal.payer_state;
SELECT '(-1,0,0,0)'::dunning_internal.payer_state;
SELECT '(1,2,3,4) x'::dunning_internal.payer_state;
SELECT '(1,2,3,999999999999999999999999999999999999999999)'::dunning_internal.payer_state;
SELECT '(2,0,0,0)'::dunning_internal.risk_state;
SELECT '(1,0,1001,0,0,0,0,0,0)'::dunning_internal.aging_state;

-- Analysts may call the aggregates.
SET ROLE dunning_analyst;
SELECT round(dunning.weighted_days_late(d, d + k, a), 2) AS as_analyst,
       dunning.paydex_score(10) AS score, dunning.dso(15000, 10000, 30) AS dso
FROM (VALUES (date '2026-01-01', 2, 1000), (date '2026-01-01', 5, 2000), (date '2026-01-01', 4, 3000)) AS v(d, k, a);
SELECT dunning_internal.payer_weighted_final('(3,11,60000000,240000000)') AS support_function;
RESET ROLE;

DROP EXTENSION dunning;
