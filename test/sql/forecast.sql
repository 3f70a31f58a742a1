-- pgTAP: the cash forecast and step effectiveness (src/sql/forecast.sql,
-- doc/kpi.md "Cash forecast").  A hand-made ledger, one case per currency
-- so that each currency's pool holds only its own case, forecast made at
-- the end of 2026-06-30 (D): week 1 = 07-01..07-07, week 2 = 07-08..07-14,
-- week 3 = 07-15..07-21, week 4 = 07-22..07-28, week 5 = 07-29..08-04.
-- History weights: an invoice due a days before D weighs 0.5^(a / 365).
BEGIN;
CREATE EXTENSION IF NOT EXISTS dunning;
SELECT plan(54);

-- Contract ------------------------------------------------------------------
SELECT has_view('dunning', 'cash_forecast', 'view cash_forecast');
SELECT has_view('dunning', 'cash_forecast_item', 'view cash_forecast_item');
SELECT has_view('dunning', 'step_effectiveness', 'view step_effectiveness');
SELECT has_table('dunning', 'forecast_setting', 'table forecast_setting');
SELECT has_function('dunning', 'cash_forecast_as_of', ARRAY['date'], 'cash_forecast_as_of(date)');
SELECT has_function('dunning', 'cash_forecast_item_as_of', ARRAY['date'], 'cash_forecast_item_as_of(date)');
SELECT has_function('dunning', 'cash_forecast_backtest', ARRAY['date', 'integer'], 'cash_forecast_backtest(date, integer)');
SELECT has_function('dunning', 'step_effectiveness_as_of', ARRAY['date'], 'step_effectiveness_as_of(date)');
SELECT is((SELECT count(*)::int FROM dunning.cash_forecast_as_of('2026-06-30')), 0, 'empty ledger: no forecast');

-- The ledger ------------------------------------------------------------------
INSERT INTO dunning.customer (customer_id, name) VALUES
  (1, 'Tenday AG'), (2, 'Slowpoke Ltd'), (3, 'Latecomer Ltd'), (4, 'Never Ltd'), (5, 'Promiser Inc'),
  (6, 'Planner AB'), (7, 'Court A/S'), (8, 'Quarrel AS'), (9, 'Quibble AS'), (10, 'Backtest Sp'),
  (11, 'Newco AG'), (12, 'Twostep sro');
INSERT INTO dunning.invoice (invoice_id, customer_id, invoice_number, issued_on, due_on, amount, currency) VALUES
  -- CHF: Tenday paid four invoices 10 days late; 11 is due on 07-01
  (1, 1, 'T-1', '2026-02-01', '2026-03-01', 1000.00, 'CHF'),
  (2, 1, 'T-2', '2026-03-01', '2026-04-01', 1000.00, 'CHF'),
  (3, 1, 'T-3', '2026-04-01', '2026-05-01', 1000.00, 'CHF'),
  (4, 1, 'T-4', '2026-05-01', '2026-06-01', 1000.00, 'CHF'),
  (11, 1, 'T-11', '2026-06-01', '2026-07-01', 500.00, 'CHF'),
  -- CHF: Newco is new, its two invoices are not due yet
  (12, 11, 'W-12', '2026-06-01', '2026-07-01', 100.00, 'CHF'),
  (13, 11, 'W-13', '2026-06-05', '2026-07-05', 200.00, 'CHF'),
  -- CZK: Twostep paid two invoices on their due date and two 20 days
  -- late; 124 is 10 days overdue
  (121, 12, 'Z-121', '2026-02-01', '2026-03-01', 100.00, 'CZK'),
  (122, 12, 'Z-122', '2026-03-01', '2026-04-01', 100.00, 'CZK'),
  (123, 12, 'Z-123', '2026-04-01', '2026-05-01', 100.00, 'CZK'),
  (124, 12, 'Z-124', '2026-04-15', '2026-05-15', 100.00, 'CZK'),
  (125, 12, 'Z-125', '2026-05-20', '2026-06-20', 300.00, 'CZK'),
  -- GBP: Slowpoke pays 10 days late but 21 is 100 days overdue; Latecomer
  -- paid 31 120 days late; Never's 41 is 200 days overdue
  (21, 2, 'S-21', '2026-02-20', '2026-03-22', 800.00, 'GBP'),
  (22, 2, 'S-22', '2026-04-01', '2026-05-01', 100.00, 'GBP'),
  (23, 2, 'S-23', '2026-05-01', '2026-06-01', 100.00, 'GBP'),
  (31, 3, 'L-31', '2025-12-01', '2026-01-01', 100.00, 'GBP'),
  (41, 4, 'N-41', '2025-11-12', '2025-12-12', 100.00, 'GBP'),
  -- USD: Promiser owes 51, 30 days overdue
  (51, 5, 'P-51', '2026-05-01', '2026-05-31', 1000.00, 'USD'),
  -- SEK: Planner owes 61 under a payment plan
  (61, 6, 'A-61', '2026-03-31', '2026-04-30', 3000.00, 'SEK'),
  -- DKK: Court is at legal
  (71, 7, 'C-71', '2026-01-29', '2026-02-28', 2600.00, 'DKK'),
  -- NOK: Quibble's 91 was disputed and paid 50 days late; Quarrel's 81 is disputed
  (81, 8, 'Q-81', '2026-05-11', '2026-06-10', 900.00, 'NOK'),
  (91, 9, 'Q-91', '2026-01-01', '2026-02-01', 400.00, 'NOK'),
  -- PLN: the backtest's ledger
  (101, 10, 'B-101', '2026-05-20', '2026-06-20', 1000.00, 'PLN'),
  (102, 10, 'B-102', '2026-06-10', '2026-07-10', 2000.00, 'PLN'),
  (103, 10, 'B-103', '2026-07-05', '2026-08-05', 500.00, 'PLN'),
  (104, 10, 'B-104', '2026-06-01', '2026-07-01', 700.00, 'PLN'),
  (105, 10, 'B-105', '2026-05-25', '2026-06-25', 400.00, 'PLN');
INSERT INTO dunning.payment (payment_id, received_on, amount, currency, customer_id) VALUES
  (1, '2026-03-11', 1000.00, 'CHF', 1), (2, '2026-04-11', 1000.00, 'CHF', 1),
  (3, '2026-05-11', 1000.00, 'CHF', 1), (4, '2026-06-11', 1000.00, 'CHF', 1),
  (22, '2026-05-11', 100.00, 'GBP', 2), (23, '2026-06-11', 100.00, 'GBP', 2),
  (31, '2026-05-01', 100.00, 'GBP', 3),
  (121, '2026-03-01', 100.00, 'CZK', 12), (122, '2026-04-01', 100.00, 'CZK', 12),
  (123, '2026-05-21', 100.00, 'CZK', 12), (124, '2026-06-04', 100.00, 'CZK', 12),
  (91, '2026-03-23', 400.00, 'NOK', 9),
  (101, '2026-07-02', 300.00, 'PLN', 10), (102, '2026-07-09', 700.00, 'PLN', 10),
  (103, '2026-07-20', 2000.00, 'PLN', 10), (104, '2026-07-06', 500.00, 'PLN', 10),
  (105, '2026-08-15', 700.00, 'PLN', 10), (106, '2026-06-30', 150.00, 'PLN', 10),
  (107, '2026-07-03', 250.00, 'PLN', 10);
SELECT dunning.allocate(p, i) FROM (VALUES (1, 1), (2, 2), (3, 3), (4, 4), (22, 22), (23, 23), (31, 31), (91, 91),
                                           (101, 101), (102, 101), (103, 102), (104, 103), (105, 104),
                                           (106, 105), (107, 105), (121, 121), (122, 122), (123, 123), (124, 124)) v (p, i);
INSERT INTO dunning.dispute (invoice_id, reason, opened_on, status, resolved_on) VALUES
  (91, 'quality', '2026-02-05', 'resolved', '2026-03-20'),
  (81, 'price', '2026-06-12', 'open', NULL);

-- Customer behaviour ------------------------------------------------------------
-- Tenday paid 10 days late each time: 11, due 07-01, is expected on 07-11,
-- week 2, in full (the CHF pool is Tenday's own history).  Its own weight:
-- n / (n + 5), n = the weights of its four paid invoices (due 121, 90, 60
-- and 29 days before D).
SELECT results_eq($$SELECT week, expected_amount, basis FROM dunning.cash_forecast_item_as_of('2026-06-30')
                     WHERE invoice_id = 11$$,
                  $$VALUES (2, 500.00, 'history')$$,
                  'a customer paying 10 days late: an item due on the first day lands in week 2, in full');
SELECT is((SELECT own_weight FROM dunning.cash_forecast_item_as_of('2026-06-30') WHERE invoice_id = 11),
          (SELECT round((n / (n + 5))::numeric, 4)
             FROM (SELECT power(0.5, 121 / 365.0) + power(0.5, 90 / 365.0) + power(0.5, 60 / 365.0)
                          + power(0.5, 29 / 365.0) AS n) x),
          'its own history weighs n / (n + credibility)');
-- A new customer: Newco's invoices are not due yet and say nothing of when
-- it pays (own weight 0): Tenday's CHF history, 10 days late, weeks 2 and 3.
SELECT results_eq($$SELECT invoice_id, week, expected_amount, own_weight FROM dunning.cash_forecast_item_as_of('2026-06-30')
                     WHERE customer_id = 11 ORDER BY invoice_id$$,
                  $$VALUES (12::bigint, 2, 100.00, 0.0000), (13, 3, 200.00, 0.0000)$$,
                  'a new customer: the pool of its currency, whole');
-- Knowing that an item survived its age: Twostep paid half its invoices on
-- the due date and half 20 days late; 125, 10 days overdue, can only be of
-- the second kind: all of it on day 20, 07-10, week 2 (not half).
SELECT results_eq($$SELECT week, expected_amount FROM dunning.cash_forecast_item_as_of('2026-06-30') WHERE invoice_id = 125$$,
                  $$VALUES (2, 300.00)$$,
                  'an item 10 days overdue of a customer paying on time or 20 days late: day 20, in full');
-- Long overdue: Slowpoke's 21 is 100 days overdue, beyond anything in its
-- own history (own weight 0): the GBP pool.  Of what the pool saw still
-- open at 100 days, Latecomer's 31 (due 180 days before D) was paid at 120
-- days and Never's 41 (due 200 days before D) is still open: 21 has the
-- chance w31 / (w31 + w41) of being paid at 120 days, 07-20, week 3;
-- 0.2.0 put all of it in week 1.
SELECT results_eq($$SELECT week, expected_amount, own_weight FROM dunning.cash_forecast_item_as_of('2026-06-30')
                     WHERE invoice_id = 21 ORDER BY week NULLS LAST$$,
                  $$SELECT v.week, v.amount, v.w
                      FROM (SELECT (power(0.5, 180 / 365.0)
                                    / (power(0.5, 180 / 365.0) + power(0.5, 200 / 365.0)))::numeric AS p) x
                     CROSS JOIN LATERAL (VALUES (3, round(800 * x.p, 2), 0.0000),
                                                (NULL, 800 - round(800 * x.p, 2), NULL)) v (week, amount, w)$$,
                  'long overdue: the pool''s chance of a payment that late, on its day; the rest later or never');
SELECT ok((SELECT probability BETWEEN 0.50 AND 0.52 FROM dunning.cash_forecast_item_as_of('2026-06-30')
            WHERE invoice_id = 21 AND week = 3), 'long overdue: a probability below 1 (about 51 %)');
SELECT results_eq($$SELECT week, expected_amount FROM dunning.cash_forecast_item_as_of('2026-06-30')
                     WHERE invoice_id = 41$$,
                  $$VALUES (NULL::integer, 100.00)$$,
                  'older than anything ever paid: nothing expected within 13 weeks');

-- Disputes ------------------------------------------------------------------------
-- Quarrel's 81 is disputed: the pool of disputed invoices (any currency)
-- holds Quibble's 91, paid 50 days late: 81, due 06-10, on 07-30, week 5.
SELECT results_eq($$SELECT week, expected_amount, basis FROM dunning.cash_forecast_item_as_of('2026-06-30')
                     WHERE invoice_id = 81$$,
                  $$VALUES (5, 900.00, 'dispute')$$,
                  'a disputed item follows the history of disputed invoices');
SELECT is((SELECT DISTINCT basis FROM dunning.cash_forecast_item_as_of('2026-06-11') WHERE invoice_id = 81),
          'history', 'as of 06-11 the dispute (opened 06-12) was not there yet');

-- Promises ------------------------------------------------------------------------
-- Promiser promised 600 of 51's 1,000 for 07-10 (week 2) on 06-25.  No
-- promise was ever settled: taken at its word, 600 in week 2; the other
-- 400 follow the history, and no USD invoice was ever paid: later or never.
INSERT INTO dunning.promise (customer_id, invoice_ids, amount, currency, promised_on, open_at_promise, created_at)
VALUES (5, '{51}', 600.00, 'USD', '2026-07-10', 1000.00, '2026-06-25 10:00+00');
SELECT results_eq($$SELECT week, expected_amount, basis FROM dunning.cash_forecast_item_as_of('2026-06-30')
                     WHERE invoice_id = 51 ORDER BY week NULLS LAST$$,
                  $$VALUES (2, 600.00, 'promise'), (NULL, 400.00, 'promise')$$,
                  'a promise dated in week 2 lands in week 2');
-- Its record: one promise kept, one broken before D.  Overall rate (1 + 1)
-- / (2 + 1) = 2/3; Promiser's (1 + 2 x 2/3) / (2 + 2) = 7/12: 350 of 600.
INSERT INTO dunning.promise (customer_id, invoice_ids, amount, currency, promised_on, open_at_promise,
                             status, status_on, created_at) VALUES
  (5, '{51}', 100.00, 'USD', '2026-06-10', 1000.00, 'kept', '2026-06-10', '2026-06-01 10:00+00'),
  (5, '{51}', 100.00, 'USD', '2026-06-15', 1000.00, 'broken', '2026-06-16', '2026-06-01 10:00+00');
SELECT is((SELECT expected_amount FROM dunning.cash_forecast_item_as_of('2026-06-30') WHERE invoice_id = 51 AND week = 2),
          350.00, 'a customer who kept one promise of two: 7/12 of the promised amount');
-- As of 06-14 the promise of 06-15 was open (broken on 06-16) and the one
-- settled by then was kept: rate (1 + 2 x 1) / (1 + 2) = 1.
SELECT is((SELECT expected_amount FROM dunning.cash_forecast_item_as_of('2026-06-14') WHERE invoice_id = 51 AND week = 1),
          100.00, 'as of 06-14: the promise open then, with the record of then (week 1 = 06-15..06-21)');

-- Payment plans -------------------------------------------------------------------
-- Planner agreed on 06-15 to pay 61 in three instalments of 1,000 (06-20,
-- 07-05, 07-25) and paid 500 on 06-18: the missed 500 of the first is due
-- now (week 1) with the second (07-05), the third in week 4.
SELECT lives_ok($$SELECT dunning.agree_payment_plan('{61}', '{2026-06-20,2026-07-05,2026-07-25}',
                                                   '{1000,1000,1000}', 'three months', 5, '2026-06-15')$$,
                'a payment plan');
INSERT INTO dunning.payment (payment_id, received_on, amount, currency, customer_id) VALUES (61, '2026-06-18', 500.00, 'SEK', 6);
SELECT dunning.allocate(61, 61);
SELECT results_eq($$SELECT week, expected_amount, basis FROM dunning.cash_forecast_item_as_of('2026-06-30')
                     WHERE invoice_id = 61 ORDER BY week$$,
                  $$VALUES (1, 1500.00, 'plan'), (4, 1000.00, 'plan')$$,
                  'a payment plan: missed instalments now, the others on their days');
SELECT is((SELECT count(*)::int FROM dunning.cash_forecast_item_as_of('2026-06-14') WHERE invoice_id = 61 AND basis = 'plan'),
          0, 'as of 06-14 the plan was not agreed yet');

-- Legal -------------------------------------------------------------------------
-- Court is at legal since 05-15: 30 % of 2,600 over 26 weeks, 30.00 a week.
INSERT INTO dunning.legal_case (customer_id, opened_on) VALUES (7, '2026-05-15');
SELECT results_eq($$SELECT count(*)::int, min(expected_amount), max(expected_amount), min(week), max(week),
                           min(probability), bool_and(basis = 'legal')
                      FROM dunning.cash_forecast_item_as_of('2026-06-30') WHERE invoice_id = 71 AND week IS NOT NULL$$,
                  $$VALUES (13, 30.00, 30.00, 1, 13, 0.011538, true)$$,
                  'a legal item gets its collection probability, spread evenly');
INSERT INTO dunning.forecast_setting (legal_collection_rate, legal_collection_weeks) VALUES (0.5, 10);
SELECT results_eq($$SELECT week, expected_amount FROM dunning.cash_forecast_item_as_of('2026-06-30')
                     WHERE invoice_id = 71 AND (week IS NULL OR week > 9) ORDER BY week NULLS LAST$$,
                  $$VALUES (10, 130.00), (NULL, 1300.00)$$,
                  'forecast_setting: 50 % over 10 weeks, the rest later or never');
SELECT is((SELECT count(*)::int FROM dunning.cash_forecast_item_as_of('2026-05-14') WHERE basis = 'legal'),
          0, 'as of 05-14 the case was not open yet');
DELETE FROM dunning.forecast_setting;

-- Every item adds up: the weeks and the rest are its open amount ------------------
SELECT is_empty($$SELECT invoice_id FROM dunning.cash_forecast_item_as_of('2026-06-30')
                   GROUP BY invoice_id HAVING sum(expected_amount) <> min(open_amount) OR min(open_amount) <> max(open_amount)
                       OR min(probability) < 0 OR sum(probability) > 1.000001$$,
                'per item: the weeks and the later-or-never row add up to its open amount');
SELECT set_eq($$SELECT invoice_id FROM dunning.cash_forecast_item_as_of('2026-06-30')$$,
              $$SELECT invoice_id FROM dunning.open_items_as_of('2026-06-30') WHERE amount > 0$$,
              'every invoice open at D, and only those');
SELECT results_eq($$SELECT currency, week, expected_amount FROM dunning.cash_forecast_as_of('2026-06-30')
                     WHERE currency = 'CHF' AND expected_amount <> 0 ORDER BY week$$,
                  $$VALUES ('CHF'::char(3), 2, 600.00), ('CHF', 3, 200.00)$$,
                  'cash_forecast_as_of adds up the items');
SELECT is((SELECT count(*)::int FROM dunning.cash_forecast_as_of('2026-06-30')), 13 * 8,
          '13 weeks for each currency with an open invoice, also when nothing is expected in them (PLN)');
SELECT results_eq($$SELECT week_start, week_end FROM dunning.cash_forecast_as_of('2026-06-30') WHERE currency = 'CHF' AND week IN (1, 13) ORDER BY week$$,
                  $$VALUES ('2026-07-01'::date, '2026-07-07'::date), ('2026-09-23', '2026-09-29')$$,
                  'week 1 starts the day after as_of');
-- Today's views are the functions at today.
SELECT is_empty($$SELECT * FROM dunning.cash_forecast EXCEPT SELECT * FROM dunning.cash_forecast_as_of(CURRENT_DATE)$$,
                'cash_forecast = cash_forecast_as_of(today)');
SELECT is_empty($$SELECT * FROM dunning.cash_forecast_as_of(CURRENT_DATE) EXCEPT SELECT * FROM dunning.cash_forecast$$,
                'cash_forecast_as_of(today) = cash_forecast');
SELECT is_empty($$SELECT invoice_id, week, expected_amount, basis FROM dunning.cash_forecast_item
                  EXCEPT SELECT invoice_id, week, expected_amount, basis FROM dunning.cash_forecast_item_as_of(CURRENT_DATE)$$,
                'cash_forecast_item = cash_forecast_item_as_of(today)');
SELECT is((SELECT format_type(atttypid, atttypmod) FROM pg_attribute
            WHERE attrelid = 'dunning.cash_forecast_item'::regclass AND attname = 'expected_amount'),
          'numeric(20,4)', 'cash_forecast_item: money with its precision and scale');

-- Backtest ------------------------------------------------------------------------
-- Open at D in PLN: 101 (1,000) and 102 (2,000), 104 (700), 105 (250 of
-- 400: 150 came in on D itself); 103 is issued after D.  Received: 300 on
-- 07-02 and 700 on 07-09 for 101, 250 on 07-03 for 105, 2,000 on 07-20 for
-- 102 (weeks 1, 2, 1, 3); 500 for 103 on 07-06 (not open at D) and 700 for
-- 104 on 08-15 (week 7) do not count in 4 weeks.
SELECT results_eq($$SELECT week, actual_amount FROM dunning.cash_forecast_backtest('2026-06-30') WHERE currency = 'PLN'$$,
                  $$VALUES (1, 550.00), (2, 700.00), (3, 2000.00), (4, 0)$$,
                  'backtest: the cash received on the items open at D, week by week, exactly');
SELECT results_eq($$SELECT week, actual_amount FROM dunning.cash_forecast_backtest('2026-06-30', 7)
                     WHERE currency = 'PLN' AND week > 4$$,
                  $$VALUES (5, 0), (6, 0), (7, 700.00)$$,
                  'backtest over 7 weeks');
SELECT is_empty($$SELECT b.week FROM dunning.cash_forecast_backtest('2026-06-30') b
                    JOIN dunning.cash_forecast_as_of('2026-06-30') f USING (currency, week)
                   WHERE b.forecast_amount <> f.expected_amount OR b.error <> b.forecast_amount - b.actual_amount$$,
                'backtest: forecast = cash_forecast_as_of, error = forecast - actual');
SELECT is((SELECT DISTINCT wape FROM dunning.cash_forecast_backtest('2026-06-30') WHERE currency = 'PLN'),
          (SELECT round(100 * sum(abs(error)) / 3250, 2) FROM dunning.cash_forecast_backtest('2026-06-30') WHERE currency = 'PLN'),
          'backtest: WAPE = sum |error| / sum actual, in percent');
SELECT is((SELECT count(*)::int FROM dunning.cash_forecast_backtest('2026-06-30') WHERE currency = 'CHF' AND actual_amount = 0), 4,
          'backtest: a currency with a forecast and no receipts has its weeks');
SELECT throws_ok($$SELECT * FROM dunning.cash_forecast_backtest('2026-06-30', 14)$$, '22023',
                 'a backtest covers 1 to 13 weeks, not 14', 'backtest: at most 13 weeks');

-- Step effectiveness: matured windows only --------------------------------------
-- A reminder of 07-05 listed 101 (paid 07-09: 4 days later), 102 (07-20:
-- 15 days) and 104 (08-15: 41 days); one of 05-25 listed 22, paid on 05-11,
-- before it: left out.
INSERT INTO dunning.action (action_id, customer_id, scenario_id, step_id, step_name, offset_days, action_date,
                            channel, language, payload, status, as_of, sent_at) VALUES
  (1, 10, 1, (SELECT step_id FROM dunning.scenario_step WHERE scenario_id = 1 AND offset_days > 0 ORDER BY step_no LIMIT 1),
   'reminder 1', 7, '2026-07-05', 'email', 'en', '{}', 'sent', '2026-07-05 09:00+00', '2026-07-05 09:05+00'),
  (2, 2, 1, (SELECT step_id FROM dunning.scenario_step WHERE scenario_id = 1 AND offset_days > 0 ORDER BY step_no LIMIT 1),
   'reminder 1', 7, '2026-05-25', 'email', 'en', '{}', 'sent', '2026-05-25 09:00+00', '2026-05-25 09:05+00');
INSERT INTO dunning.action_item (action_id, invoice_id, currency, open_amount, days_overdue, customer_id) VALUES
  (1, 101, 'PLN', 700.00, 15, 10), (1, 102, 'PLN', 2000.00, -5, 10), (1, 104, 'PLN', 700.00, 4, 10),
  (2, 22, 'GBP', 100.00, 24, 2);
SELECT results_eq($$SELECT paid_within_7, items_7 FROM dunning.step_effectiveness_as_of('2026-07-11')$$,
                  $$VALUES (NULL::numeric, 0::bigint)$$,
                  'as of 07-11 no window has passed: NULL, not 0 %');
SELECT results_eq($$SELECT items, items_7, paid_within_7, items_14, paid_within_14 FROM dunning.step_effectiveness_as_of('2026-07-12')$$,
                  $$VALUES (3::bigint, 3::bigint, 0.3333, 0::bigint, NULL::numeric)$$,
                  'as of 07-12: the 7-day window has passed (1 of 3 paid), the 14-day one not: NULL, not 33 %');
SELECT results_eq($$SELECT items_14, paid_within_14, items_30, paid_within_30 FROM dunning.step_effectiveness_as_of('2026-07-19')$$,
                  $$VALUES (3::bigint, 0.3333, 0::bigint, NULL::numeric)$$,
                  'as of 07-19: 14 days passed, 102 (paid on day 15) not within them; 30 days not yet');
SELECT results_eq($$SELECT paid_within_7, paid_within_14, paid_within_30 FROM dunning.step_effectiveness_as_of('2026-08-04')$$,
                  $$VALUES (0.3333, 0.3333, 0.6667)$$,
                  'as of 08-04: all three windows, 104 unpaid within 30 days');
SELECT results_eq($$SELECT actions, items FROM dunning.step_effectiveness$$,
                  $$VALUES (1::bigint, 3::bigint)$$,
                  'an item settled before its action is left out (and an action left with none)');
SELECT is_empty($$SELECT * FROM dunning.step_effectiveness EXCEPT SELECT * FROM dunning.step_effectiveness_as_of(CURRENT_DATE)$$,
                'step_effectiveness = step_effectiveness_as_of(today)');

-- Privileges --------------------------------------------------------------------
CREATE TEMP TABLE owner_forecast AS SELECT * FROM dunning.cash_forecast_item_as_of('2026-06-30');
GRANT SELECT ON owner_forecast TO dunning_analyst;
SELECT ok((SELECT count(*) FROM owner_forecast) > 0, 'the owner''s forecast as of 2026-06-30 has rows');
SET LOCAL ROLE dunning_analyst;
SELECT lives_ok($$SELECT * FROM dunning.cash_forecast_backtest('2026-06-30'); SELECT * FROM dunning.cash_forecast_item;
                  SELECT * FROM dunning.step_effectiveness; SELECT * FROM dunning.forecast_setting$$,
                'an analyst reads the forecast, the backtest and the effectiveness');
-- cash_forecast_item_as_of runs with the analyst's rights (inlined: no
-- SECURITY DEFINER) and gives what it gives its owner
SELECT set_eq($$SELECT * FROM dunning.cash_forecast_item_as_of('2026-06-30')$$, 'SELECT * FROM owner_forecast',
              'an analyst''s forecast as of a day is its owner''s');
SELECT ok((SELECT count(*) FROM dunning.invoice_state_as_of('2026-06-30')) > 0, 'an analyst reads invoice_state_as_of');
RESET ROLE;
\i test/lib/plan_of.sql
SELECT unalike(pg_temp.plan_of($$SELECT * FROM dunning.cash_forecast_as_of('2026-06-30') WHERE week = 1$$),
               '%Function Scan on cash_forecast%', 'the forecast''s functions are inlined into the calling query');
-- today's views plan it with JIT off (a function SET clause, which the
-- inlinable functions cannot have)
SELECT is((SELECT count(*) FROM pg_proc p JOIN pg_rewrite r ON true JOIN pg_depend d
             ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid AND d.refobjid = p.oid
            WHERE r.ev_class IN ('dunning.cash_forecast'::regclass, 'dunning.cash_forecast_item'::regclass)
              AND 'jit=off' = ANY (p.proconfig)), 2::bigint,
          'each of today''s two views reads a function that sets jit = off');

SELECT * FROM finish();
ROLLBACK;
