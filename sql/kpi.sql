-- KPI surface (src/sql/kpi.sql, doc/kpi.md): a hand-made ledger
-- of January-March 2026 where every figure can be checked by hand (the sums
-- are in the comments), KPI formulas of /work/shared/domain.md.  Pinned
-- figures use the *_as_of functions with fixed dates; the views that depend
-- on today are fed with data relative to CURRENT_DATE and print only
-- figures that do not depend on the day the test runs.
\set VERBOSITY terse
CREATE EXTENSION dunning;

-- Empty ledger: no rows, no error, nothing to divide.
SELECT (SELECT count(*) FROM dunning.kpi_as_of('2026-03-31')) AS kpi_rows,
       (SELECT count(*) FROM dunning.aging_as_of('2026-03-31')) AS aging_rows,
       (SELECT count(*) FROM dunning.customer_risk_as_of('2026-03-31')) AS risk_rows,
       (SELECT count(*) FROM dunning.open_items_as_of('2026-03-31')) AS open_rows,
       (SELECT count(*) FROM dunning.aging) AS aging_view_rows,
       (SELECT count(*) FROM dunning.aging_total) AS aging_total_rows,
       (SELECT count(*) FROM dunning.aging_total_as_of('2026-03-31')) AS aging_total_as_of_rows,
       (SELECT count(*) FROM dunning.cash_forecast) AS forecast_rows,
       (SELECT count(*) FROM dunning.kpi_monthly) AS monthly_rows,
       dunning.refresh_segments('2026-03-31') AS segment_changes;
-- NULL day: no rows.  The functions are not STRICT (so that they inline):
-- a NULL day matches nothing.
SELECT (SELECT count(*) FROM dunning.kpi_as_of(NULL)) AS null_as_of,
       (SELECT count(*) FROM dunning.customer_risk_as_of(NULL)) AS null_risk,
       (SELECT count(*) FROM dunning.aging_as_of(NULL)) AS null_aging,
       (SELECT count(*) FROM dunning.open_items_as_of(NULL)) AS null_open;
SELECT dunning.refresh_segments(NULL);

-- The ledger.  EUR: Acme pays I-1/I-2/I-3 (1,000 / 2,000 / 3,000) 2 / 5 / 4
-- days late (domain.md's payer example); Globex owes I-4 (4,000, 1,000 paid
-- on 10 March), I-5 is settled by credit note C-1 on 20 February, I-6 is
-- disputed; Acme's I-7 (100) is paid 99 + a 1.00 bank-fee write-off, C-2
-- (-50) stays open and 200 of cash is unapplied.  USD: Initech owes I-8.
INSERT INTO dunning.customer (customer_id, name, credit_limit) VALUES
  (1, 'Acme SA', 10000), (2, 'Globex GmbH', 4000), (3, 'Initech Inc', NULL), (4, 'Nobody Ltd', 500);
INSERT INTO dunning.invoice (invoice_id, customer_id, invoice_number, issued_on, due_on, amount, currency) VALUES
  (1, 1, 'I-1', '2026-01-05', '2026-02-04', 1000.00, 'EUR'),
  (2, 1, 'I-2', '2026-01-10', '2026-02-09', 2000.00, 'EUR'),
  (3, 1, 'I-3', '2026-01-20', '2026-02-19', 3000.00, 'EUR'),
  (4, 2, 'I-4', '2026-01-15', '2026-02-14', 4000.00, 'EUR'),
  (5, 2, 'I-5', '2026-02-10', '2026-03-12',  500.00, 'EUR'),
  (6, 2, 'I-6', '2026-03-05', '2026-04-04', 1500.00, 'EUR'),
  (7, 1, 'I-7', '2026-03-01', '2026-03-31',  100.00, 'EUR'),
  (8, 3, 'I-8', '2026-02-01', '2026-03-03',  700.00, 'USD'),
  (9, 2, 'C-1', '2026-02-20', '2026-02-20', -500.00, 'EUR'),
  (10, 1, 'C-2', '2026-03-20', '2026-03-20', -50.00, 'EUR');
INSERT INTO dunning.payment (payment_id, received_on, amount, currency, customer_id) VALUES
  (1, '2026-02-06', 1000.00, 'EUR', 1), (2, '2026-02-14', 2000.00, 'EUR', 1),
  (3, '2026-02-23', 3000.00, 'EUR', 1), (4, '2026-03-10', 1000.00, 'EUR', 2),
  (5, '2026-03-25',   99.00, 'EUR', 1), (6, '2026-03-28',  200.00, 'EUR', 1);
SELECT dunning.allocate(1, 1), dunning.allocate(2, 2), dunning.allocate(3, 3),
       dunning.allocate(4, 4), dunning.allocate(5, 7), dunning.allocate_credit_note(9, 5);
INSERT INTO dunning.write_off (invoice_id, payment_id, amount, reason) VALUES (7, 5, 1.00, 'bank_fee');
INSERT INTO dunning.dispute (invoice_id, amount, reason, opened_on) VALUES (6, NULL, 'price', '2026-03-15');
INSERT INTO dunning.credit_insurance (customer_id, insurer, insured_limit, currency, valid_from, valid_to) VALUES
  (2, 'Atradius', 3000, 'EUR', '2026-01-01', '2026-12-31'),
  (1, 'Coface', 5000, 'EUR', '2025-01-01', '2026-02-28');

-- Settlement dates: payments by received_on, the credit note on its issue
-- date (both sides), the write-off on the date of the payment it names.
SELECT invoice_id, kind, amount, open_change, settled_on FROM dunning.settlement
 ORDER BY settled_on, invoice_id, kind;
-- Paid dates: I-5 was paid by the credit note, I-7 on 25 March (payment +
-- write-off); I-4 (part paid) is not paid.
SELECT invoice_id, due_on, paid_on, days_late, days_to_pay FROM dunning.paid_invoice ORDER BY invoice_id;

-- What was open on 15 February: I-1 and I-2 are paid, I-3 is not yet due,
-- I-4 is 1 day late, C-1 does not exist yet.
SELECT invoice_id, amount, open_amount, days_past_due FROM dunning.open_items_as_of('2026-02-15') ORDER BY invoice_id;
SELECT customer_name, currency, is_total, not_due, days_1_30, days_31_60, open_credit_notes, open_amount,
       open_invoice_count
  FROM dunning.aging_as_of('2026-02-15') ORDER BY currency, is_total, customer_id;
-- The totals per currency, in their own view since 0.3.0.
SELECT currency, not_due, days_1_30, days_31_60, open_credit_notes, open_amount, open_invoice_count,
       customer_count
  FROM dunning.aging_total_as_of('2026-02-15') ORDER BY currency;
-- 31 March: I-4 (3,000 open) is 45 days past due, I-6 not due, C-2 open;
-- I-8 (USD) 28 days past due.  The buckets add up to the open invoices.
SELECT customer_name, currency, is_total, not_due, days_1_30, days_31_60, days_61_90, days_91_120,
       days_over_120, open_credit_notes, open_amount, open_invoice_count
  FROM dunning.aging_as_of('2026-03-31') ORDER BY currency, is_total, customer_id;
SELECT currency, not_due, days_1_30, days_31_60, days_61_90, days_91_120, days_over_120, open_credit_notes,
       open_amount, open_invoice_count, customer_count
  FROM dunning.aging_total_as_of('2026-03-31') ORDER BY currency;

-- Monthly KPIs straight from the ledger, at each month end.
-- EUR January (31 days): invoiced 10,000, AR 10,000 all current ->
--   DSO = best possible = 10,000 x 31 / 10,000 = 31, ADD 0; CEI's
--   denominator 0 + 10,000 - 10,000 = 0 -> NULL; countback 31.
-- EUR February (28 days): I-5 500 and C-1 -500 -> net sales 0 -> DSO NULL
--   (never a division by zero); collected 6,000; AR 10,000 - 6,000 = 4,000,
--   none current; CEI = (10,000 + 0 - 4,000) / (10,000 + 0 - 0) = 60 %;
--   collection rate 6,000 / (10,000 + 0) = 60 %; countback: February counts
--   its 28 days (no sales), then 4,000 / 10,000 x 31 = 12.40 -> 40.40.
-- EUR March (31 days): invoiced 1,600, C-2 -50 -> net 1,550; collected
--   1,000 + 99 = 1,099, written off 1; AR 4,000 + 1,550 - 1,099 - 1 = 4,450
--   of which I-6 1,500 current -> DSO 4,450 x 31 / 1,550 = 89, best possible
--   1,500 x 31 / 1,550 = 30, ADD 59; CEI (4,000 + 1,550 - 4,450) / (4,000 +
--   1,550 - 1,500) = 1,100 / 4,050 = 27.16 %; collection rate 1,099 / 5,550 =
--   19.80 %; countback 31 + 28 + 2,900 / 10,000 x 31 = 67.99; disputes: I-6
--   (whole invoice, 1,500) -> 1,500 / 1,600 = 93.75 % by amount, 1 of 2
--   invoices = 50 % by count.
-- USD February: 700 invoiced, all current -> DSO 28; March: no sales -> DSO
--   NULL, countback 31 + 700 / 700 x 28 = 59, CEI (700 - 700) / 700 = 0.
\x on
SELECT k.* FROM (VALUES (date '2026-01-31'), ('2026-02-28'), ('2026-03-31')) d(day),
       dunning.kpi_as_of(d.day) k ORDER BY k.currency, k.month;
\x off
-- Month to date: 10 March.
SELECT currency, month, period_end, days, invoiced, collected, ar_begin, ar_end, dso
  FROM dunning.kpi_as_of('2026-03-10') ORDER BY currency;

-- The materialized monthly view agrees with kpi_as_of at every past month
-- end (the months up to this one exist, the ledger's ones are pinned).
SELECT dunning.refresh_kpi();
SELECT currency, month, invoiced, net_sales, collected, written_off, ar_begin, ar_end, current_ar_end,
       dso, dso_countback_3m, best_possible_dso, average_days_delinquent, cei, collection_rate,
       dispute_rate, dispute_count_rate
  FROM dunning.kpi_monthly WHERE month <= '2026-03-01' ORDER BY currency, month;
SELECT count(*) >= 5 AS months_checked,
       count(*) FILTER (WHERE ROW(m.*) IS DISTINCT FROM ROW(k.*)) AS disagreeing
  FROM (SELECT currency, month, period_end, days, invoiced, credit_notes, net_sales, invoice_count, collected, written_off, ar_begin, ar_end, current_ar_end, overdue_ar_end, dso, dso_countback_3m, best_possible_dso, average_days_delinquent, cei, collection_rate, disputed_amount, dispute_count, dispute_rate, dispute_count_rate FROM dunning.kpi_monthly) m
  JOIN LATERAL dunning.kpi_as_of(m.period_end) k ON k.currency = m.currency
 WHERE m.period_end < CURRENT_DATE;

-- Customer risk on 31 March.  Acme (EUR): paid in the last 12 months
-- I-1/I-2/I-3 + I-7 (paid 6 days early): weighted (2,000 + 10,000 + 12,000 -
-- 600) / 6,100 = 3.84, beyond terms 24,000 / 6,100 = 3.93, days to pay
-- (32,000 + 70,000 + 102,000 + 2,400) / 6,100 = 33.84, PAYDEX 80 - 3.84 x
-- 10 / 15 = 77; balance -50 (C-2) - 200 (unapplied) = -250, exposure 0; its
-- Coface cover ended on 28 February.  Globex: I-5 paid 20 days early
-- (credit note), PAYDEX 90; open 3,000 + 1,500 = 4,500 > limit 4,000 ->
-- over limit by 500; Atradius covers 3,000 -> 1,500 uninsured; risk 100 x
-- 4,000 x 45 / (120 x (4,000 + 1,500 + 500 x 2^(-39/90))) = 26.  Initech:
-- no paid invoice, risk 100 x 28 / 120 = 23.  Nobody: no invoice.
SELECT customer_id AS id, currency AS cur, open_invoices, open_credit_notes AS credit_notes,
       unapplied_payments AS unapplied, balance, overdue_amount AS overdue, max_days_past_due AS dpd,
       paid_invoices_12m AS paid_n, paid_amount_12m AS paid_amount
  FROM dunning.customer_risk_as_of('2026-03-31') ORDER BY 1;
SELECT customer_id AS id, weighted_days_late AS wdl, days_beyond_terms AS dbt, avg_days_to_pay AS dtp,
       paydex, risk_score AS risk, credit_limit, exposure, available_credit, over_limit, insurer,
       insured_limit, uninsured_exposure
  FROM dunning.customer_risk_as_of('2026-03-31') ORDER BY 1;
-- The risk scores by the formula of doc/scoring.md, in floating point.
SELECT p.customer_id AS id,
       round(100 * sum(w * i.amount * least(greatest(coalesce(p.paid_on, '2026-03-31') - i.due_on, 0), 120))
             / (120 * sum(w * i.amount))) AS risk_by_formula
  FROM (SELECT i.invoice_id, i.customer_id, pi.paid_on FROM dunning.invoice i
          LEFT JOIN dunning.paid_invoice pi USING (invoice_id) WHERE i.amount > 0) p
  JOIN dunning.invoice i USING (invoice_id),
       LATERAL (SELECT CASE WHEN p.paid_on IS NULL THEN 1
                            ELSE power(2, -(date '2026-03-31' - p.paid_on) / 90.0) END AS w) x
 GROUP BY 1 ORDER BY 1;

-- Risk segments (customer.risk_segment) from the risk score (seeded rules: low 0, medium 25, high 50,
-- critical 75), logged; a second run changes nothing.
SELECT segment, min_score FROM dunning.segment_rule ORDER BY min_score;
SELECT dunning.refresh_segments('2026-03-31') AS changes;
SELECT dunning.refresh_segments('2026-03-31') AS changes_again;
-- An override wins over the score until its last day.
INSERT INTO dunning.segment_override (customer_id, segment, reason, until)
VALUES (3, 'high', 'insolvency rumour', '2026-12-31');
SELECT dunning.refresh_segments('2026-03-31') AS changes_with_override;
-- User rules replace the seeded ones as soon as one exists; seeded rows are
-- read only.
INSERT INTO dunning.segment_rule (segment, min_score) VALUES ('watch', 0), ('alert', 20);
UPDATE dunning.segment_rule SET min_score = 30 WHERE segment = 'medium';
SELECT dunning.refresh_segments('2026-03-31') AS changes_with_user_rules;
-- The override has expired by 15 January 2027: Initech's own score counts.
SELECT dunning.refresh_segments('2027-01-15') AS changes_after_override;
SELECT customer_id, old_segment, new_segment, risk_score, reason, as_of
  FROM dunning.segment_change ORDER BY segment_change_id;
SELECT customer_id, segment, risk_segment FROM dunning.customer ORDER BY 1;

-- Today's views, on data relative to CURRENT_DATE (CHF).  Umbrella paid H-1
-- 10 days late 30 days ago (its weighted days late: 10).  The cash forecast
-- (made at the end of today: week 1 = the 7 days from tomorrow; doc/kpi.md)
-- learns from the CHF history: at 10 days late H-1 was paid and O-2 (500,
-- due 20 days ago) was not, and nothing was ever paid later.  An invoice due
-- d days ago weighs 0.5^(d/365), so the chance of a payment at 10 days is
-- w(H-1) / (w(H-1) + w(O-2)) = 1 / (1 + 2^(20/365)) = 49.05 %.  O-1 (1,000,
-- due in 20 days): 490.51 in week 5 (paid on day 30); O-3 (300, Hooli, no
-- history of its own: the CHF pool): 147.15 in week 2 (day 13); O-2, 20
-- days overdue, is past anything ever paid in CHF, O-5 (50, due in 100
-- days) beyond the 13 weeks, O-4 disputed with no disputed invoice ever
-- paid: nothing expected.  EUR and USD hold only invoices overdue far
-- longer than anything paid: 0 in every week (0.2.0 put the 3,000 and 700
-- of them in week 1).
INSERT INTO dunning.customer (customer_id, name, credit_limit) VALUES (5, 'Umbrella AG', 1000), (6, 'Hooli SA', NULL);
INSERT INTO dunning.invoice (invoice_id, customer_id, invoice_number, issued_on, due_on, amount, currency) VALUES
  (11, 5, 'H-1', CURRENT_DATE - 70, CURRENT_DATE - 40, 100.00, 'CHF'),
  (12, 5, 'O-1', CURRENT_DATE - 10, CURRENT_DATE + 20, 1000.00, 'CHF'),
  (13, 5, 'O-2', CURRENT_DATE - 50, CURRENT_DATE - 20, 500.00, 'CHF'),
  (14, 6, 'O-3', CURRENT_DATE - 27, CURRENT_DATE + 3, 300.00, 'CHF'),
  (15, 6, 'O-4', CURRENT_DATE - 29, CURRENT_DATE + 1, 200.00, 'CHF'),
  (16, 5, 'O-5', CURRENT_DATE - 1, CURRENT_DATE + 100, 50.00, 'CHF');
INSERT INTO dunning.payment (payment_id, received_on, amount, currency, customer_id)
VALUES (7, CURRENT_DATE - 30, 100.00, 'CHF', 5);
SELECT dunning.allocate(7, 11);
INSERT INTO dunning.dispute (invoice_id, reason, opened_on) VALUES (15, 'quality', CURRENT_DATE);
SELECT dunning.refresh_kpi();
SELECT currency, week, week_start - CURRENT_DATE AS starts_in, week_end - week_start + 1 AS days,
       expected_amount, invoice_count
  FROM dunning.cash_forecast ORDER BY currency, week;
SELECT customer_id AS id, currency AS cur, balance, overdue_amount AS overdue,
       CASE WHEN currency = 'CHF' THEN weighted_days_late END AS chf_wdl,
       credit_limit, exposure, over_limit, uninsured_exposure, as_of = CURRENT_DATE AS today
  FROM dunning.customer_risk ORDER BY 1;
SELECT customer_name, currency, is_total, not_due, days_1_30, days_over_120, open_credit_notes, open_amount
  FROM dunning.aging ORDER BY currency, is_total, customer_id;
SELECT currency, not_due, days_1_30, days_over_120, open_credit_notes, open_amount, customer_count
  FROM dunning.aging_total ORDER BY currency;
-- The materialized views tell when they were computed: by the last refresh.
SELECT (SELECT bool_and(refreshed_at > now() - interval '1 hour' AND refreshed_at <= now())
          FROM dunning.customer_risk) AS risk_refreshed_recently,
       (SELECT count(DISTINCT refreshed_at) FROM dunning.kpi_monthly) AS kpi_refresh_times;
-- Today's plain views are the point-in-time functions at today.
SELECT (SELECT count(*) FROM (SELECT * FROM dunning.aging EXCEPT SELECT * FROM dunning.aging_as_of(CURRENT_DATE)) d)
       + (SELECT count(*) FROM (SELECT * FROM dunning.aging_as_of(CURRENT_DATE) EXCEPT SELECT * FROM dunning.aging) d)
         AS aging_differences,
       (SELECT count(*) FROM (SELECT customer_id, customer_name, segment, currency, as_of, open_invoices, open_credit_notes, unapplied_payments, balance, overdue_amount, max_days_past_due, other_currency_open_items, paid_invoices_12m, paid_amount_12m, weighted_days_late, days_beyond_terms, avg_days_to_pay, paydex, risk_score, credit_limit, exposure, available_credit, over_limit, insurer, insured_limit, uninsured_exposure FROM dunning.customer_risk
                              EXCEPT SELECT * FROM dunning.customer_risk_as_of(CURRENT_DATE)) d)
         AS risk_differences,
       (SELECT count(*) FROM (SELECT * FROM dunning.aging_total EXCEPT SELECT * FROM dunning.aging_total_as_of(CURRENT_DATE)) d)
       + (SELECT count(*) FROM (SELECT * FROM dunning.aging_total_as_of(CURRENT_DATE) EXCEPT SELECT * FROM dunning.aging_total) d)
         AS aging_total_differences;

DROP EXTENSION dunning;
