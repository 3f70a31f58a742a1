-- Dunning scenarios and the runner: grouping, suspensions, guardrails,
-- business days, local send times, promises, charges, rendering, tokens.
-- Every date and as_of is fixed: nothing here depends on today.
\set VERBOSITY terse
CREATE EXTENSION dunning;


-- A fixed signing key so that payment links (and bodies) are reproducible.
INSERT INTO dunning.signing_key (key_id, secret) VALUES (1, decode(repeat('5a', 32), 'hex'));
INSERT INTO dunning.setting (pay_link_base) VALUES ('https://pay.example.com/p');
INSERT INTO dunning.holiday (country, day, name) VALUES ('FR', '2026-03-16', 'test holiday');
-- ECB main refinancing rate, simplified (domain.md: 4.5 % + 8 = 12.5 %).
INSERT INTO dunning.reference_rate (currency, valid_from, rate, source) VALUES
  ('EUR', '2025-07-01', 4.0, 'test'), ('EUR', '2026-01-01', 4.5, 'test');
INSERT INTO dunning.segment_scenario (segment, scenario_id) VALUES ('key', 2);

INSERT INTO dunning.customer (customer_id, name, email, phone, postal_address, country, language, timezone, segment, collector, on_hold) VALUES
  (1, 'Acme SA', 'ap@acme.example', '+32 2 555 01 01', 'Rue Haute 1, 1000 Bruxelles', 'BE', 'fr-BE', 'Europe/Brussels', NULL, 'alice', false),
  (2, 'Globex Corp', 'ap@globex.example', NULL, NULL, 'US', 'en', 'America/New_York', NULL, 'bob', false),
  (3, 'Initech Ltd', 'ap@initech.example', NULL, NULL, 'GB', 'en', 'Europe/London', NULL, NULL, true),
  (4, 'Soylent Corp', 'ap@soylent.example', NULL, NULL, 'US', 'en', 'UTC', NULL, NULL, false),
  (5, 'Umbrella BV', 'ap@umbrella.example', NULL, NULL, 'NL', 'en', 'Europe/Amsterdam', NULL, NULL, false),
  (6, 'Stark Industries', 'ap@stark.example', NULL, 'Starkstrasse 1, Berlin', 'DE', 'en', 'Europe/Berlin', 'key', 'alice', false),
  (7, 'Wayne & <Sons>', 'ap@wayne.example', NULL, NULL, 'US', 'en', 'UTC', NULL, NULL, false),
  (8, 'Tyrell Corp', NULL, NULL, NULL, 'US', 'en', 'UTC', NULL, NULL, false),
  (9, 'Cyberdyne', 'ap@cyberdyne.example', NULL, NULL, 'US', 'en', 'UTC', NULL, NULL, false),
  (10, 'Oceanic SARL', 'ap@oceanic.example', NULL, NULL, 'FR', 'fr', 'Europe/Paris', NULL, NULL, false),
  (11, 'Hooli Inc', 'ap@hooli.example', '+1 555 0111', NULL, 'US', 'en', 'UTC', 'retail', 'bob', false);
INSERT INTO dunning.customer_setting (customer_id, snoozed_until, note) VALUES (4, '2026-03-20', 'CFO on holiday');

INSERT INTO dunning.invoice (invoice_id, customer_id, invoice_number, issued_on, due_on, amount, currency) VALUES
  (101, 1, 'A-101', '2026-02-07', '2026-03-09', 1000.00, 'EUR'),
  (102, 1, 'A-102', '2026-02-03', '2026-03-05',  500.00, 'EUR'),
  (103, 1, 'A-103', '2026-02-07', '2026-03-09',  200.00, 'USD'),
  (104, 1, 'A-104', '2026-02-18', '2026-03-20',  300.00, 'EUR'),
  (105, 1, 'A-105-CN', '2026-02-18', '2026-02-18', -50.00, 'EUR'),
  (106, 1, 'A-106', '2026-01-30', '2026-03-01',  400.00, 'EUR'),
  (201, 2, 'G-201', '2026-02-07', '2026-03-09',  750.00, 'EUR'),
  (301, 3, 'I-301', '2026-01-01', '2026-02-01',  900.00, 'EUR'),
  (401, 4, 'S-401', '2026-01-30', '2026-03-01',  640.00, 'EUR'),
  (501, 5, 'U-501', '2026-01-30', '2026-03-01',  100.00, 'EUR'),
  (502, 5, 'U-502', '2026-01-30', '2026-03-01',  200.00, 'EUR'),
  (503, 5, 'U-503', '2026-01-30', '2026-03-01',  300.00, 'EUR'),
  (601, 6, 'SI-601', '2025-12-31', '2026-01-30', 10000.00, 'EUR'),
  (701, 7, 'W-701', '2026-02-07', '2026-03-09',  120.00, 'EUR'),
  (801, 8, 'T-801', '2026-02-07', '2026-03-09',  100.00, 'EUR'),
  (901, 9, 'C-901', '2026-02-07', '2026-03-09',    3.00, 'EUR'),
  (1001, 10, 'O-1001', '2026-02-07', '2026-03-09', 80.00, 'EUR'),
  (1101, 11, 'H-1101', '2026-01-21', '2026-02-20', 1100.00, 'EUR');
-- 106 is paid; 501 is disputed; 502 is covered by a promise until 2026-03-18.
INSERT INTO dunning.payment (payment_id, received_on, amount, currency, customer_id) VALUES
  (1, '2026-03-02', 400.00, 'EUR', 1);
SELECT dunning.allocate(1, 106) > 0 AS paid_106;
SELECT dunning.open_dispute(501, 'price', NULL, 'carol', 'customer says 90', '2026-03-10') AS dispute;
SELECT dunning.promise_to_pay(ARRAY[502]::bigint[], 200.00, '2026-03-18', 'will pay Wednesday') AS promise;
-- Promises: one customer, one currency, real invoices.
SELECT dunning.promise_to_pay(ARRAY[101, 201]::bigint[], 10, '2026-03-18');
SELECT dunning.promise_to_pay(ARRAY[999]::bigint[], 10, '2026-03-18');
SELECT dunning.promise_to_pay(ARRAY[502]::bigint[], -1, '2026-03-18');

-- Stark was called about its invoice in February (before go-live): a
-- collector puts it on the call rung, so its next notice is the formal notice.
SELECT dunning.set_level(6, 4, 'called on 2026-02-27, no payment', '2026-02-27');
-- Where each customer is: scenario by segment, else the default.
SELECT customer_id, scenario_id, assigned_by FROM dunning.customer_scenario ORDER BY customer_id;

-----------------------------------------------------------------------------
-- Monday 2026-03-16 09:30 UTC: 10:30 in Brussels and Paris, 05:30 in New York.
-----------------------------------------------------------------------------
SELECT customer_id, step_name, channel, action_date, recipient, language, invoice_count, totals
  FROM dunning.preview('2026-03-16 09:30+00') ORDER BY customer_id;
SELECT count(*) AS nothing_written FROM dunning.action;
-- 06:00 UTC: 07:00 in Brussels and Paris, before every customer's send time
-- (09:00 local): nobody is evaluated yet, and the run says so
SELECT dunning.run('2026-03-16 06:00+00') AS created_too_early;
SELECT count(*) FILTER (WHERE evaluated_on IS NOT NULL) AS evaluated FROM dunning.customer_dunning;
SELECT dunning.run('2026-03-16 09:30+00') AS created;
SELECT action_id, customer_id, step_name, channel, action_date, status, recipient, last_error,
       payload->'totals' AS totals
  FROM dunning.action ORDER BY action_id;
-- One message per customer and step, all its items that reached the step.
SELECT a.customer_id, a.step_name, string_agg(i.invoice_number, ',' ORDER BY i.invoice_number) AS invoices
  FROM dunning.action a JOIN dunning.action_item ai USING (action_id) JOIN dunning.invoice i USING (invoice_id)
 GROUP BY a.action_id, a.customer_id, a.step_name ORDER BY a.customer_id;
-- Acme's A-104 reached its pre-due reminder too, but one contact a day is the
-- limit (5 days between contacts): the most severe step goes first.
-- The same run again, and a preview of it: nothing new.
SELECT dunning.run('2026-03-16 09:30+00') AS created_again;
SELECT count(*) AS preview_again FROM dunning.preview('2026-03-16 09:30+00');

-- The French reminder of Acme (HTML e-mail), and Wayne's escaped name.
SELECT subject, body FROM dunning.action WHERE customer_id = 1;
SELECT subject, body FROM dunning.action WHERE customer_id = 7;
-- Stark's formal notice: statutory interest 10,000 x 12.5 % x 45/365 = 154.11
-- plus the fixed 40 EUR (domain.md), to the cent.
SELECT ai.invoice_id, ai.days_overdue, ai.open_amount, ai.interest, ai.compensation
  FROM dunning.action_item ai JOIN dunning.action a USING (action_id) WHERE a.customer_id = 6;
SELECT payload->'charges' AS charges, body FROM dunning.action WHERE customer_id = 6;

-- 14:30 UTC is 10:30 in New York: Globex's send time has come.
SELECT customer_id, step_name, action_date FROM dunning.preview('2026-03-16 14:30+00');
SELECT dunning.run('2026-03-16 14:30+00') AS created_new_york;

-----------------------------------------------------------------------------
-- Tuesday 2026-03-17: Oceanic's holiday is over; the others were contacted
-- yesterday (minimum 5 days between contacts).
-----------------------------------------------------------------------------
SELECT dunning.run('2026-03-17 09:30+00') AS created_tuesday;
SELECT customer_id, step_name, action_date FROM dunning.action WHERE action_date = '2026-03-17';

-- Senders: sent, failed with retries, cancelled when paid before sending.
SELECT dunning.mark_sent(a.action_id, '2026-03-16 11:00+00') FROM dunning.action a WHERE a.customer_id = 1;
SELECT dunning.mark_failed(a.action_id, 'mailbox full') IS NOT NULL AS will_retry
  FROM dunning.action a WHERE a.customer_id = 2;
SELECT status, attempts, last_error FROM dunning.action WHERE customer_id = 2;
SELECT dunning.mark_failed(a.action_id, 'bounced', false) AS given_up FROM dunning.action a WHERE a.customer_id = 2;
SELECT status, attempts, last_error, next_attempt_at FROM dunning.action WHERE customer_id = 2;
-- a second report of the same delivery changes nothing
SELECT dunning.mark_sent(a.action_id) FROM dunning.action a WHERE a.customer_id = 1;
SELECT status, sent_at FROM dunning.action WHERE customer_id = 1;
INSERT INTO dunning.payment (payment_id, received_on, amount, currency, customer_id) VALUES
  (2, '2026-03-17', 120.00, 'EUR', 7);
SELECT dunning.allocate(2, 701) > 0 AS paid_701;
SELECT dunning.cancel_paid_actions() AS cancelled;
SELECT customer_id, status, last_error FROM dunning.action WHERE customer_id = 7;
SELECT dunning.mark_sent(a.action_id) FROM dunning.action a WHERE a.customer_id = 7;

-----------------------------------------------------------------------------
-- Saturday 2026-03-21: a day off everywhere, nothing is created.
-----------------------------------------------------------------------------
SELECT dunning.run('2026-03-21 10:00+00') AS created_saturday;

-- Hooli changes segment: it keeps its rung and climbs the new scenario's ladder.
UPDATE dunning.customer SET segment = 'key' WHERE customer_id = 11;

-----------------------------------------------------------------------------
-- Monday 2026-03-23: Umbrella's promise of 2026-03-18 was not kept: broken;
-- its next rung (reminder 2) waits for its spacing (14 days after reminder
-- 1, 2026-03-30).  Soylent's snooze is over: its first notice, at the first
-- rung although its invoice is 22 days overdue.  Hooli (new scenario) keeps
-- its rung, reminder 1, and climbs the new ladder from there on 03-30.
-----------------------------------------------------------------------------
SELECT dunning.run('2026-03-23 09:30+00') AS created_monday;
SELECT promise_id, status, status_on FROM dunning.promise ORDER BY promise_id;
SELECT a.customer_id, a.scenario_id, a.step_name, a.channel, a.action_date,
       string_agg(i.invoice_number, ',' ORDER BY i.invoice_number) AS invoices
  FROM dunning.action a JOIN dunning.action_item ai USING (action_id) JOIN dunning.invoice i USING (invoice_id)
 WHERE a.action_date = '2026-03-23'
 GROUP BY a.customer_id, a.action_id ORDER BY a.customer_id;
SELECT collector, customer_name, channel, step_name, max_days_overdue, totals, urgency_rank
  FROM dunning.collector_worklist ORDER BY collector, urgency_rank;

-- A dispute resolved lets its invoice resume; a second run creates nothing twice.
SELECT dunning.resolve_dispute(d.dispute_id, 'rejected', 'price was right', '2026-03-24')
  FROM dunning.dispute d WHERE d.invoice_id = 501;
SELECT reason, month, disputes, disputed_amount, currency, still_open, rejected, avg_days_to_close
  FROM dunning.dispute_root_cause;
SELECT dunning.run('2026-03-23 09:30+00') AS created_again;
-- One notice per customer and day, every action has items.
SELECT count(*) AS two_notices_a_day FROM (
    SELECT customer_id, action_date FROM dunning.action WHERE kind = 'notice' GROUP BY 1, 2 HAVING count(*) > 1) x;
SELECT count(*) AS empty_actions FROM dunning.action a
 WHERE NOT EXISTS (SELECT FROM dunning.action_item ai WHERE ai.action_id = a.action_id);
-- Effectiveness: Acme's reminder was sent on 2026-03-16; 101 is paid on 2026-03-20.
INSERT INTO dunning.payment (payment_id, received_on, amount, currency, customer_id) VALUES
  (3, '2026-03-20', 1000.00, 'EUR', 1);
SELECT dunning.allocate(3, 101) > 0 AS paid_101;
SELECT step_name, channel, actions, items, paid_within_7, paid_within_14, paid_within_30
  FROM dunning.step_effectiveness;

-----------------------------------------------------------------------------
-- Late-payment interest across rate changes and day-count bases.
-----------------------------------------------------------------------------
SELECT dunning.late_interest(10000.00, 'EUR', '2026-01-30', '2026-03-16', 8) AS domain_md_154_11,
       dunning.late_interest(10000.00, 'EUR', '2026-01-30', '2026-03-16', 8, 'ACT/360') AS act_360,
       -- 31 days of December at 4.0 + 8, 29 days of January at 4.5 + 8
       dunning.late_interest(10000.00, 'EUR', '2025-11-30', '2026-01-29', 8) AS across_rates,
       dunning.late_interest(10000.00, 'EUR', '2025-11-30', '2026-01-29', 8, 'ACT/ACT') AS act_act,
       dunning.late_interest(1000, 'JPY', '2026-01-30', '2026-03-16', 8) AS no_rate,
       dunning.late_interest(10000.00, 'EUR', '2026-03-16', '2026-03-16', 8) AS zero_days;
SELECT dunning.late_interest(100, 'EUR', '2026-01-30', '2026-03-16', 8, 'ACT/999');

-----------------------------------------------------------------------------
-- Rendering: escaping per channel, SMS within one message, no evaluation.
-----------------------------------------------------------------------------
SELECT dunning.render_template('Hi {{customer_name}}, {{ total }} due. {{unknown}} {{pay_link}}',
       '{"customer_name": "<b>O''Hara & Co</b>", "total": "EUR 10.00", "pay_link": "https://x/?a=1&b=2"}', 'html');
SELECT dunning.render_template('{{customer_name}}: {{invoice_table}}',
       '{"customer_name": "A\nB", "invoices": [{"number": "N<1>", "due_on": "2026-01-01", "days_overdue": 3, "open_amount": 10.5, "currency": "EUR"}]}', 'text');
SELECT dunning.render_template('{{customer_name}} {{invoice_table}}',
       '{"customer_name": "X", "invoices": [{"number": "N<1>", "due_on": "2026-01-01", "days_overdue": 3, "open_amount": 10.5, "currency": "EUR"}]}', 'html');
SELECT r, length(r) AS chars FROM dunning.render_template(
       '{{customer_name}}: {{total}} overdue ({{invoice_table}}). Pay: {{pay_link}}',
       jsonb_build_object('customer_name', 'Acme SA', 'total', 'EUR 1234.00', 'pay_link', 'https://pay.example.com/p?t=abc',
                          'invoices', (SELECT jsonb_agg(jsonb_build_object('number', 'INV-2026-' || g)) FROM generate_series(1, 20) g)),
       'sms') r;
SELECT length(dunning.render_template('{{customer_name}} ' || repeat('é', 100), '{"customer_name": "Zoë"}', 'sms')) AS ucs2_chars;
SELECT dunning.render_template('{{customer_name}}', '{"customer_name": "x''); DROP TABLE dunning.action; --"}', 'text') AS never_sql;
SELECT dunning.render_template('x', '{}', 'pdf');
SELECT dunning.template_is_valid('{{customer_name}} {{ total }} {not a mark} {{ }}') AS ok,
       dunning.template_is_valid('{{customer_name}} {{password}}') AS unknown_placeholder;
INSERT INTO dunning.template (template_key, language, subject, body) VALUES ('mine', 'en', 'x', '{{secret}}');
UPDATE dunning.template SET body = 'changed' WHERE template_key = 'pre_due' AND language = 'en';

-----------------------------------------------------------------------------
-- Payment links: signed, expiring, tamper-evident.
-----------------------------------------------------------------------------
SELECT dunning.pay_token(1, ARRAY[104, 102]::bigint[], 'EUR 800.00', '2026-04-15 09:30+00') AS token \gset
SELECT :'token' AS token;
SELECT * FROM dunning.verify_pay_token(:'token', '2026-03-20 00:00+00');
SELECT valid, reason FROM dunning.verify_pay_token(:'token', '2026-04-15 09:30+00');
-- Claims changed (customer 1 -> 2), signature kept.
SELECT valid, reason FROM dunning.verify_pay_token(
    dunning_internal.base64url(convert_to(replace(convert_from(dunning_internal.base64url_decode(split_part(:'token', '.', 1)), 'UTF8'), '1|102', '2|102'), 'UTF8'))
    || '.' || split_part(:'token', '.', 2), '2026-03-20 00:00+00');
-- Signature changed in one character.
SELECT valid, reason FROM dunning.verify_pay_token(
    split_part(:'token', '.', 1) || '.' || translate(split_part(:'token', '.', 2), 'AaBb', 'BbAa'), '2026-03-20 00:00+00');
SELECT valid, reason FROM dunning.verify_pay_token('not a token');
SELECT valid, reason FROM dunning.verify_pay_token('abc.def');
-- A link is bound to the ledger: only open invoices of its customer, for
-- a positive amount not above what they have open; once its invoices are
-- paid it says so; it can be revoked.
SELECT dunning.pay_token(1, ARRAY[101]::bigint[], 'EUR 10.00', '2026-04-15 09:30+00');  -- 101 is paid
SELECT dunning.pay_token(1, ARRAY[201]::bigint[], 'EUR 10.00', '2026-04-15 09:30+00');  -- customer 2's
SELECT dunning.pay_token(1, ARRAY[999999]::bigint[], 'EUR 10.00', '2026-04-15 09:30+00');
SELECT dunning.pay_token(1, ARRAY[102]::bigint[], 'EUR -5.00', '2026-04-15 09:30+00');
SELECT dunning.pay_token(1, ARRAY[102]::bigint[], 'EUR 0.00', '2026-04-15 09:30+00');
SELECT dunning.pay_token(1, ARRAY[102]::bigint[], 'EUR 500.01', '2026-04-15 09:30+00');
SELECT dunning.pay_token(1, ARRAY[102]::bigint[], 'USD 5.00', '2026-04-15 09:30+00');
SELECT dunning.pay_token(1, ARRAY[105]::bigint[], 'EUR 5.00', '2026-04-15 09:30+00');   -- a credit note
SELECT dunning.pay_token(1, ARRAY[102]::bigint[], 'EUR 5.00', 'infinity');
SELECT dunning.revoke_pay_token(:'token', 'sent to the wrong address') AS revoked,
       dunning.revoke_pay_token(:'token') AS revoked_again;
SELECT valid, reason FROM dunning.verify_pay_token(:'token', '2026-03-20 00:00+00');
-- The links in the actions verify while their invoices are open (customer
-- 1's action names 101, paid since).
SELECT a.customer_id, v.valid, v.reason, v.customer_id = a.customer_id AS same_customer, v.amount
  FROM dunning.action a,
       dunning.verify_pay_token(substring(a.payload->>'pay_link' FROM 't=(.*)$'), '2026-03-23 10:00+00') v
 WHERE a.customer_id IN (1, 6) ORDER BY a.action_id;

-----------------------------------------------------------------------------
-- Configuration: shipped rows are read only; copies are not.
-----------------------------------------------------------------------------
UPDATE dunning.scenario_step SET offset_days = 10 WHERE step_id = 12;
DELETE FROM dunning.scenario WHERE scenario_id = 1;
SELECT dunning.copy_scenario('standard', 'gentle') AS copy_id \gset
UPDATE dunning.scenario_step SET offset_days = offset_days + 7 WHERE scenario_id = :copy_id AND step_no > 1;
SELECT step_no, name, offset_days, channel FROM dunning.scenario_step WHERE scenario_id = :copy_id ORDER BY step_no;
UPDATE dunning.scenario_step SET offset_days = 100 WHERE scenario_id = :copy_id AND step_no = 2;
INSERT INTO dunning.scenario_step (scenario_id, step_no, name, offset_days, channel, template)
VALUES (:copy_id, 9, 'fax', 200, 'fax', 'legal');
SELECT dunning.copy_scenario('nope', 'x');
SELECT dunning.run(NULL);
SELECT dunning.run('infinity');
SELECT dunning.mark_sent(424242);
SELECT dunning.resolve_dispute(1, 'maybe');
SELECT dunning.schedule('*/5 * * * *');
SELECT dunning.unschedule();

-----------------------------------------------------------------------------
-- Late interest on what was actually outstanding (domain.md, late payment
-- rules): invoice 1,000.00 EUR due 2025-12-01, 400.00 paid on 2026-01-16,
-- reference rate 4.0 % until 2025-12-31 and 4.5 % from 2026-01-01, margin 8,
-- ACT/365.  Interest to 2026-01-30 runs on the days 2025-12-02 .. 2026-01-30:
--   2025-12-02 .. 12-31  30 days  1,000.00 x 12.0 %  360,000 / 36,500 =  9.8630
--   2026-01-01 .. 01-15  15 days  1,000.00 x 12.5 %  187,500 / 36,500 =  5.1370
--   2026-01-16 .. 01-30  15 days    600.00 x 12.5 %  112,500 / 36,500 =  3.0822
--   total 660,000 / 36,500 = 18.0822 -> 18.08
-- (the payment reduces the base from its own day on).  Interest on today's
-- open amount for the whole span would be 600 x 735 / 36,500 = 12.08, on the
-- full amount 1,000 x 735 / 36,500 = 20.14: both wrong.  To 2026-01-31 one
-- more day at 600.00 x 12.5 %: 667,500 / 36,500 = 18.2877 -> 18.29.
-----------------------------------------------------------------------------
INSERT INTO dunning.customer (customer_id, name, email, postal_address, country, language, timezone, segment) VALUES
  (12, 'Partial Payer GmbH', 'ap@partial.example', 'Hauptstrasse 2, Wien', 'AT', 'en', 'UTC', 'key');
INSERT INTO dunning.invoice (invoice_id, customer_id, invoice_number, issued_on, due_on, amount, currency) VALUES
  (1201, 12, 'PP-1201', '2025-11-01', '2025-12-01', 1000.00, 'EUR');
INSERT INTO dunning.payment (payment_id, received_on, amount, currency, customer_id) VALUES
  (12, '2026-01-16', 400.00, 'EUR', 12);
SELECT dunning.allocate(12, 1201) > 0 AS paid_400_of_1201;
SELECT dunning.invoice_late_interest(1201, '2026-01-30', 8) AS prorated_18_08,
       dunning.invoice_late_interest(1201, '2026-01-31', 8) AS one_day_more_18_29,
       dunning.invoice_late_interest(1201, '2026-01-15', 8) AS before_the_payment,
       dunning.late_interest(600.00, 'EUR', '2025-12-01', '2026-01-30', 8) AS open_amount_whole_span_12_08,
       dunning.late_interest(1000.00, 'EUR', '2025-12-01', '2026-01-30', 8) AS full_amount_whole_span_20_14;
-- before_the_payment: 1,000 x (12 x 30 + 12.5 x 15) / 36,500 = 547,500 / 36,500 = 15.00.
-- The runner shows the same figure in the formal notice (segment key:
-- scenario with charges; 60 days overdue on Friday 2026-01-30; a collector
-- set it on the call rung).
SELECT dunning.set_level(12, 4, 'called, no payment', '2026-01-20');
SELECT customer_id, step_name, channel, payload->'invoices'->0->'open_amount' AS open_amount,
       payload->'invoices'->0->'interest' AS interest, payload->'charges' AS charges
  FROM dunning.preview('2026-01-30 09:30+00') WHERE customer_id = 12;
SELECT dunning.accrue_interest(1000.00, '2025-12-01', '2026-01-30', 8, 'ACT/365', 2,
                               ARRAY['2025-07-01', '2026-01-01']::date[], ARRAY[4.0, 4.5],
                               ARRAY['2026-01-16']::date[], ARRAY[400.00]) AS kernel_18_08,
       -- a payment before the span reduces all of it; one after it changes nothing
       dunning.accrue_interest(1000.00, '2025-12-01', '2026-01-30', 8, 'ACT/365', 2,
                               ARRAY['2025-07-01', '2026-01-01']::date[], ARRAY[4.0, 4.5],
                               ARRAY['2026-02-10', '2025-11-20']::date[], ARRAY[100.00, 400.00]) AS paid_before_12_08,
       dunning.accrue_interest(1000.00, '2025-12-01', '2026-01-30', 8, 'ACT/365', 2,
                               ARRAY['2026-01-01']::date[], ARRAY[4.5], NULL, NULL) AS no_rate_in_december;
SELECT dunning.invoice_late_interest(-1, '2026-01-30', 8);

-----------------------------------------------------------------------------
-- {{promise_date}}: the customer's open promise (one covering the action's
-- items first, else the nearest), rendered and escaped per channel.
-----------------------------------------------------------------------------
INSERT INTO dunning.scenario (name, description) VALUES ('promise test', 'one step per channel') RETURNING scenario_id AS promise_scenario \gset
INSERT INTO dunning.template (template_key, language, subject, body) VALUES
  ('promise_email', 'en', 'Promised by {{promise_date}}',
   '<p>{{customer_name}}: you promised to pay by {{promise_date}}; {{total}} is overdue besides.</p>'),
  ('promise_sms', 'en', '', '{{customer_name}}: promised by {{promise_date}}, {{total}} overdue ({{invoice_table}})'),
  ('promise_letter', 'en', 'Your promise of {{ promise_date }}',
   'Dear {{customer_name}},
you promised to pay by {{promise_date}}. Also overdue:
{{invoice_table}}');
INSERT INTO dunning.scenario_step (scenario_id, step_no, name, offset_days, channel, template) VALUES
  (:promise_scenario, 1, 'mail', 7, 'email', 'promise_email'),
  (:promise_scenario, 2, 'text', 14, 'sms', 'promise_sms'),
  (:promise_scenario, 3, 'letter', 21, 'letter', 'promise_letter');
INSERT INTO dunning.customer (customer_id, name, email, phone, postal_address, country, language, timezone) VALUES
  (13, 'Mail & <Co>', 'ap@mail.example', NULL, NULL, 'US', 'en', 'UTC'),
  (14, 'Text & <Co>', NULL, '+1 555 0114', NULL, 'US', 'en', 'UTC'),
  (15, 'Letter & <Co>', NULL, NULL, '1 Letter Lane', 'US', 'en', 'UTC');
INSERT INTO dunning.customer_setting (customer_id, scenario_id) SELECT g, :promise_scenario FROM generate_series(13, 15) g;
-- Monday 2026-04-06: the first invoices are 10, 16 and 25 days overdue
-- (email, sms, letter); the second ones are covered by promises.
INSERT INTO dunning.invoice (invoice_id, customer_id, invoice_number, issued_on, due_on, amount, currency) VALUES
  (1301, 13, 'M-1301', '2026-02-25', '2026-03-27', 130.00, 'EUR'), (1302, 13, 'M-1302', '2026-02-25', '2026-03-27', 50.00, 'EUR'),
  (1401, 14, 'T-1401', '2026-02-19', '2026-03-21', 140.00, 'EUR'), (1402, 14, 'T-1402', '2026-02-19', '2026-03-21', 50.00, 'EUR'),
  (1501, 15, 'L-1501', '2026-02-10', '2026-03-12', 150.00, 'EUR'), (1502, 15, 'L-1502', '2026-02-10', '2026-03-12', 50.00, 'EUR');
SELECT dunning.promise_to_pay(ARRAY[1302]::bigint[], 50.00, '2026-04-20') IS NOT NULL AS promised_13,
       dunning.promise_to_pay(ARRAY[1402]::bigint[], 50.00, '2026-04-21') IS NOT NULL AS promised_14,
       dunning.promise_to_pay(ARRAY[1502]::bigint[], 50.00, '2026-04-22') IS NOT NULL AS promised_15,
       dunning.promise_to_pay(ARRAY[1502]::bigint[], 10.00, '2026-05-30') IS NOT NULL AS later_promise_15;
-- (a collector already reached 14 by e-mail, and 15 by e-mail and SMS)
SELECT dunning.set_level(14, 1, 'mailed by hand', '2026-03-28'), dunning.set_level(15, 2, 'texted by hand', '2026-03-28');
SELECT customer_id, channel, payload->>'promise_date' AS promise_date, invoice_count, subject, body
  FROM dunning.preview('2026-04-06 09:30+00') WHERE customer_id IN (13, 14, 15) ORDER BY customer_id;
-- Without an open promise the placeholder is empty.
SELECT dunning.cancel_promise(p.promise_id) FROM dunning.promise p WHERE p.customer_id = 13;
SELECT customer_id, payload->'promise_date' AS promise_date, body
  FROM dunning.preview('2026-04-06 09:30+00') WHERE customer_id = 13;
-- A value is escaped like any other (HTML for e-mail, one line for SMS).
SELECT dunning_internal.render_action('<b>{{promise_date}}</b> {{customer_name}}', '{"promise_date": "<2026-04-20>"}',
                             '{"customer_name": "A&B\nC"}', 'html') AS html,
       dunning_internal.render_action('{{promise_date}} {{customer_name}}', '{"promise_date": "2026-04-20"}',
                             '{"customer_name": "A&B\nC"}', 'sms') AS sms;

DROP EXTENSION dunning;
