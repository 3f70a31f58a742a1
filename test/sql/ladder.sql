-- pgTAP: the dunning ladder of issue 11 (doc/dunning.md, "The ladder"), rule
-- by rule, on a simulated spring: each day runs dunning.run at 10:00 UTC and
-- marks every queued message sent at 11:00, as a sender would (calls and
-- tasks are left to the collectors).  The customers:
--   1 a forgotten backlog invoice 200 days overdue at go-live, never pays
--   2 one invoice, never pays; later pays and starts a new episode
--   3 disputes its invoice after reminder 1
--   4 promises to pay after reminder 1 and breaks the promise
--   5 agrees on a payment plan and misses an instalment
--   6 has no e-mail address; a letter fails for good
--   7 pays one of two reminded invoices; a new invoice comes due
--   8 a collector holds its level
BEGIN;
CREATE EXTENSION IF NOT EXISTS dunning;
SELECT plan(96);

CREATE FUNCTION pg_temp.run(d date) RETURNS integer LANGUAGE sql AS $$
    SELECT dunning.run(d + time '10:00' AT TIME ZONE 'UTC') $$;
CREATE FUNCTION pg_temp.send(d date) RETURNS void LANGUAGE sql AS $$
    SELECT dunning.mark_sent(a.action_id, d + time '11:00' AT TIME ZONE 'UTC')
      FROM dunning.action a WHERE a.status = 'queued' AND a.channel NOT IN ('call', 'task');
    SELECT dunning.mark_sent(a.action_id, d + time '16:00' AT TIME ZONE 'UTC')
      FROM dunning.action a WHERE a.status = 'queued' AND a.channel = 'call';
$$;
CREATE FUNCTION pg_temp.day(d date) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE n integer;
BEGIN
    n := pg_temp.run(d);
    PERFORM pg_temp.send(d);
    RETURN n;
END $$;
CREATE FUNCTION pg_temp.days(a date, b date) RETURNS integer LANGUAGE sql AS $$
    SELECT sum(pg_temp.day(d::date))::integer FROM generate_series(a, b, '1 day') d $$;
CREATE FUNCTION pg_temp.notices(c bigint, since date DEFAULT '-infinity', until date DEFAULT 'infinity')
RETURNS text LANGUAGE sql AS $$
    SELECT string_agg(a.step_name, ',' ORDER BY a.action_date, a.action_id) FROM dunning.action a
     WHERE a.customer_id = c AND a.kind = 'notice' AND a.action_date BETWEEN since AND until $$;
CREATE FUNCTION pg_temp.pay(inv bigint, d date) RETURNS void LANGUAGE sql AS $$
    INSERT INTO dunning.payment (received_on, amount, currency, customer_id)
    SELECT d, i.amount - i.settled_amount, i.currency, i.customer_id FROM dunning.invoice i WHERE i.invoice_id = inv;
    SELECT dunning.allocate((SELECT max(payment_id) FROM dunning.payment), inv);
$$;

INSERT INTO dunning.customer (customer_id, name, email, phone, postal_address, timezone, collector) VALUES
  (1, 'Backlog SA', 'ap@backlog.example', '+33 1 00 00 00 01', '1 rue A, Paris', 'UTC', 'alice'),
  (2, 'Repeat SA', 'ap@repeat.example', '+33 1 00 00 00 02', '2 rue B, Paris', 'UTC', 'alice'),
  (3, 'Dispute SA', 'ap@dispute.example', NULL, '3 rue C, Paris', 'UTC', 'bob'),
  (4, 'Promise SA', 'ap@promise.example', NULL, '4 rue D, Paris', 'UTC', 'bob'),
  (5, 'Plan SA', 'ap@plan.example', NULL, '5 rue E, Paris', 'UTC', 'bob'),
  (6, 'NoMail SA', NULL, NULL, '6 rue F, Paris', 'UTC', 'carol'),
  (7, 'Thanks SA', 'ap@thanks.example', NULL, '7 rue G, Paris', 'UTC', 'carol'),
  (8, 'Held SA', 'ap@held.example', NULL, '8 rue H, Paris', 'UTC', 'carol');
INSERT INTO dunning.invoice (invoice_id, customer_id, invoice_number, issued_on, due_on, amount) VALUES
  (101, 1, 'B-1', '2025-07-15', '2025-08-14', 900.00), (102, 1, 'B-2', '2026-01-20', '2026-02-20', 100.00),
  (201, 2, 'R-1', '2026-01-20', '2026-02-22', 600.00),
  (301, 3, 'D-1', '2026-01-20', '2026-02-22', 300.00),
  (401, 4, 'P-1', '2026-01-20', '2026-02-22', 300.00),
  (501, 5, 'L-1', '2026-01-20', '2026-02-22', 600.00),
  (601, 6, 'N-1', '2026-01-20', '2026-02-22', 300.00),
  (701, 7, 'T-1', '2026-01-20', '2026-02-22', 300.00), (702, 7, 'T-2', '2026-01-20', '2026-02-22', 200.00),
  (703, 7, 'T-3', '2026-02-20', '2026-03-20', 150.00),
  (801, 8, 'H-1', '2026-01-20', '2026-02-22', 300.00);
-- Statistics for the planner (the extension was created in this transaction).
ANALYZE;

-----------------------------------------------------------------------------
-- Go-live, Monday 2026-03-02 (rule 2: the backlog starts at the first rung)
-----------------------------------------------------------------------------
SELECT is(pg_temp.day('2026-03-02'), 8, 'go-live: every customer with an overdue item gets one notice');
SELECT is_empty($$SELECT 1 FROM dunning.action WHERE kind = 'notice' AND step_name <> 'reminder 1'$$,
    'rule 2: at go-live every notice is at the first rung, the 200-day backlog included');
SELECT is((SELECT string_agg((ai.days_overdue)::text, ',' ORDER BY ai.days_overdue) FROM dunning.action_item ai
            JOIN dunning.action a USING (action_id) WHERE a.customer_id = 1), '10,200',
          'rule 1: a notice lists all overdue items, each with its own days overdue');
SELECT is((SELECT level || ':' || next_step_name || ':' || next_earliest_on FROM dunning.customer_ladder WHERE customer_id = 1),
          '1:reminder 2:2026-03-16', 'rule 1: customer_ladder shows the level, the next rung and its earliest day');
SELECT is((SELECT channel FROM dunning.action WHERE customer_id = 6), 'letter',
          'rule 7: no e-mail address: the e-mail step goes by letter');
SELECT pg_temp.days('2026-03-03', '2026-03-04');

-- Wednesday 03-05: 3 disputes, 4 promises for 03-20, 5 agrees on a plan, 8 is held.
SELECT ok(dunning.open_dispute(301, 'price', NULL, NULL, NULL, '2026-03-05') > 0, 'rule 4: dispute opened after reminder 1');
SELECT ok(dunning.promise_to_pay(ARRAY[401]::bigint[], 300, '2026-03-20', 'end of month', made_on => '2026-03-05') > 0,
          'rule 4: promise to pay');
SELECT ok(dunning.agree_payment_plan(ARRAY[501]::bigint[], ARRAY['2026-03-10', '2026-04-10']::date[],
                                     ARRAY[300, 300]::numeric[], 'two halves', 5, '2026-03-05') > 0,
          'rule 5: payment plan agreed');
SELECT lives_ok($$SELECT dunning.hold_level(8, '2026-04-30', 'CFO promised a review')$$, 'rule 1: a collector holds a level');
SELECT is((SELECT reason FROM dunning.level_change WHERE customer_id = 8 AND event = 'hold'),
          'CFO promised a review (until 2026-04-30)', 'the hold is logged with why');
SELECT pg_temp.day('2026-03-05');
-- Friday 03-06: 7 pays T-1.
SELECT pg_temp.pay(701, '2026-03-06');
SELECT pg_temp.day('2026-03-06');
SELECT is((SELECT string_agg(i.invoice_number, ',') FROM dunning.action a JOIN dunning.action_item ai USING (action_id)
             JOIN dunning.invoice i USING (invoice_id) WHERE a.customer_id = 7 AND a.kind = 'confirmation'),
          'T-1', 'rule 6: the payment of a reminded invoice is confirmed the same day, the unpaid one is not thanked');
SELECT is((SELECT channel FROM dunning.action WHERE customer_id = 7 AND kind = 'confirmation'), 'thanks',
          'confirmations use channel thanks');
SELECT is((SELECT payload->'remaining'->>'EUR' FROM dunning.action WHERE customer_id = 7 AND kind = 'confirmation'),
          '350.00', 'and say what remains open');
SELECT pg_temp.days('2026-03-07', '2026-03-10');
SELECT is(pg_temp.notices(5), 'reminder 1', 'rule 5: no notice while the plan is kept');
SELECT pg_temp.days('2026-03-11', '2026-03-13');
SELECT is((SELECT string_agg(action_date::text, ',') FROM dunning.action WHERE customer_id = 5 AND kind = 'instalment'),
          '2026-03-11', 'rule 5: a missed instalment gets its own reminder, once');
SELECT is(pg_temp.notices(1), 'reminder 1', 'rule 2: no climb before the spacing (14 days between the reminders)');
SELECT is((SELECT waits_for FROM dunning.customer_ladder WHERE customer_id = 1), 'spacing', 'and customer_ladder says why');

-- Monday 03-16: 6's reminder 2 letter fails for good.
SELECT ok(pg_temp.run('2026-03-16') >= 5, 'the reminders 2 are due');
SELECT is((SELECT status FROM dunning.payment_plan WHERE customer_id = 5), 'broken',
          'rule 5: the plan breaks when the instalment is still missed after its grace days');
SELECT ok(dunning.mark_failed(a.action_id, 'address unknown', false) IS NULL, 'a letter fails for good')
  FROM dunning.action a WHERE a.customer_id = 6 AND a.status = 'queued';
SELECT pg_temp.send('2026-03-16');
SELECT is(pg_temp.notices(5), 'reminder 1,reminder 2', 'rule 5: after the broken plan the ladder resumes at the next rung');
SELECT is((SELECT string_agg(ai.days_overdue::text, ',' ORDER BY ai.days_overdue) FROM dunning.action a
             JOIN dunning.action_item ai USING (action_id)
            WHERE a.customer_id = 7 AND a.kind = 'notice' AND a.action_date = '2026-03-16'),
          '-4,22', 'rule 6: an item coming due is folded into the notice of a customer past the first rung');
SELECT is_empty($$SELECT 1 FROM dunning.action WHERE customer_id = 7 AND kind = 'pre_due'$$,
    'rule 6: and gets no pre-due reminder of its own');
SELECT ok(EXISTS (SELECT 1 FROM dunning.collector_worklist WHERE customer_id = 6 AND reason = 'delivery failed'),
          'rule 7: the failed delivery shows in the worklist');
SELECT pg_temp.day('2026-03-17');
SELECT is((SELECT channel || ':' || step_name || ':' || (replaces_action_id IS NOT NULL)::text FROM dunning.action
            WHERE customer_id = 6 ORDER BY action_id DESC LIMIT 1), 'task:reminder 2:true',
          'rule 7: the next run carries the lost notice on the next channel (a task for the collector)');
SELECT ok(NOT EXISTS (SELECT 1 FROM dunning.collector_worklist WHERE customer_id = 6 AND reason = 'delivery failed')
          AND EXISTS (SELECT 1 FROM dunning.collector_worklist WHERE customer_id = 6 AND reason = 'task'),
          'rule 7: the worklist now shows the task instead');
SELECT pg_temp.days('2026-03-18', '2026-05-29');

-----------------------------------------------------------------------------
-- Rule 2: one rung at a time, at the spacing; rule 3: legal ends automation
-----------------------------------------------------------------------------
SELECT is(pg_temp.notices(1), 'reminder 1,reminder 2,collector call,formal notice,legal escalation',
          'rule 2: the backlog climbs every rung in order');
SELECT is((SELECT string_agg(CASE WHEN action_date - prev >= spacing AND action_date - prev < spacing + 3
                                  THEN 'ok' ELSE (action_date - prev)::text END, ',' ORDER BY action_date) FROM (
             SELECT a.action_date, lag(a.action_date) OVER (ORDER BY a.action_date) AS prev, g.spacing_days AS spacing
               FROM dunning.action a JOIN dunning.scenario_rung g USING (step_id)
              WHERE a.customer_id = 1 AND a.kind = 'notice') x WHERE prev IS NOT NULL),
          'ok,ok,ok,ok', 'rule 2: each rung at its spacing after the previous one (14, 9, 15, 30 days; the next business day)');
SELECT is((SELECT count(*) FROM dunning.legal_case WHERE customer_id = 1 AND status = 'open'), 1::bigint,
          'rule 3: the legal notice opens a legal case');
SELECT ok(EXISTS (SELECT 1 FROM dunning.collector_worklist WHERE customer_id = 1 AND reason = 'legal case'),
          'rule 3: the worklist shows the legal case');
INSERT INTO dunning.invoice (invoice_id, customer_id, invoice_number, issued_on, due_on, amount)
VALUES (103, 1, 'B-3', '2026-05-01', '2026-05-10', 50.00);
SELECT pg_temp.days('2026-05-30', '2026-06-30');
SELECT is(pg_temp.notices(1), 'reminder 1,reminder 2,collector call,formal notice,legal escalation',
          'rule 3: no automated notice after legal, a new overdue item included');
SELECT is((SELECT waits_for FROM dunning.customer_ladder WHERE customer_id = 1), 'legal case', 'it waits for the case');
SELECT pg_temp.pay(102, '2026-07-01');
SELECT pg_temp.day('2026-07-01');
SELECT is((SELECT count(*) FROM dunning.action WHERE customer_id = 1 AND kind = 'confirmation'), 1::bigint,
          'rule 3: payments are still confirmed during a legal case');
SELECT throws_ok($$SELECT dunning.close_legal_case(1, 'won')$$, '22023', NULL, 'a case closes with a known outcome');
SELECT throws_ok($$SELECT dunning.close_legal_case(1, 'settled', NULL, '2026-01-01')$$, '22023', NULL,
                 'a case does not close before it opened');
SELECT throws_ok($$SELECT dunning.close_legal_case(1, 'settled', NULL, CURRENT_DATE + 1)$$, '22023', NULL,
                 'nor on a day to come (closing takes effect at once)');
SELECT ok(dunning.close_legal_case(1, 'settled', 'agreement with the debtor', '2026-07-01') > 0, 'rule 3: a person closes the case');
SELECT is((SELECT changed_on || ' ' || event || ' by ' || changed_by FROM dunning.level_change WHERE customer_id = 1 ORDER BY change_id DESC LIMIT 1),
          '2026-07-01 legal_close by ' || current_user, 'closing is logged on its day, with who');
SELECT is((SELECT closed_on FROM dunning.legal_case WHERE customer_id = 1), '2026-07-01'::date, 'the case closed on that day');
SELECT pg_temp.day('2026-07-02');
SELECT is((SELECT string_agg(a.step_name || ' ' || a.channel || ' ' || translate(a.subject, U&'\00A0', ' '), ', ')
             FROM dunning.action a WHERE a.customer_id = 1 AND a.kind = 'notice' AND a.action_date >= '2026-07-02')
          || ' / open cases: ' || (SELECT count(*) FROM dunning.legal_case WHERE customer_id = 1 AND status = 'open'),
          'legal escalation email Second reminder: EUR 950.00 overdue / open cases: 0',
          'rule 1: still overdue after the case, the customer stays at its rung (no reminder 1 inside the episode); the item overdue since the legal notice is named there in writing, in the words of the last written rung: no new case');
SELECT ok(dunning.set_level(1, 4, 'back to the call', '2026-07-03') IS NOT NULL,
          'a person who wants the customer lower sets the level by hand');

-----------------------------------------------------------------------------
-- Rule 1: the episode; the level never goes down inside it
-----------------------------------------------------------------------------
SELECT is(pg_temp.notices(2), 'reminder 1,reminder 2,collector call,formal notice,legal escalation',
          'customer 2 climbed with its one invoice');
SELECT is((SELECT string_agg(event, ',' ORDER BY change_id) FROM dunning.level_change WHERE customer_id = 2),
          'episode_start,climb,climb,climb,climb,climb,legal_open', 'every change of level is logged');
SELECT pg_temp.pay(201, '2026-07-03');
SELECT pg_temp.day('2026-07-03');
SELECT is((SELECT episode_started_on FROM dunning.customer_dunning WHERE customer_id = 2), NULL,
          'rule 1: the episode ends on the first day nothing is overdue');
SELECT ok(EXISTS (SELECT 1 FROM dunning.level_change WHERE customer_id = 2 AND event = 'episode_end'), 'logged as such');
SELECT ok(dunning.close_legal_case(2, 'paid') > 0, 'close 2''s case');
INSERT INTO dunning.invoice (invoice_id, customer_id, invoice_number, issued_on, due_on, amount) VALUES
  (202, 2, 'R-2', '2026-06-01', '2026-07-06', 100.00), (203, 2, 'R-3', '2026-06-01', '2026-07-17', 100.00),
  (204, 2, 'R-4', '2026-06-01', '2026-07-27', 100.00);
SELECT pg_temp.days('2026-07-06', '2026-07-27');
SELECT is(pg_temp.notices(2, '2026-07-06'), 'reminder 1,reminder 2',
          'a new episode climbs from the foot: reminder 1, then reminder 2');
SELECT pg_temp.pay(202, '2026-07-28');
SELECT pg_temp.days('2026-07-28', '2026-08-20');
SELECT is(pg_temp.notices(2, '2026-07-28'), 'reminder 2,collector call',
          'rule 1: items falling due later join the episode at its level (reminder 2 again for them), then it climbs');
SELECT is_empty($$
    SELECT 1 FROM (SELECT st.step_no, lag(st.step_no) OVER (ORDER BY a.action_date) AS prev
                     FROM dunning.action a JOIN dunning.scenario_step st USING (step_id)
                    WHERE a.customer_id = 2 AND a.kind = 'notice' AND a.action_date >= '2026-07-06') x
     WHERE x.step_no < x.prev$$, 'rule 1: no descent inside the episode');

-----------------------------------------------------------------------------
-- Rule 4: disputes and promises; rule 1: holds
-----------------------------------------------------------------------------
SELECT is(pg_temp.notices(3), 'reminder 1', 'rule 4: no notice while the dispute is open');
SELECT is((SELECT waits_for FROM dunning.customer_ladder WHERE customer_id = 3), 'dispute', 'it waits for the dispute');
SELECT lives_ok($$SELECT dunning.resolve_dispute((SELECT dispute_id FROM dunning.dispute WHERE invoice_id = 301),
                                                  'rejected', 'price was right', '2026-08-20')$$, 'dispute rejected');
SELECT pg_temp.days('2026-08-21', '2026-08-24');
SELECT is(pg_temp.notices(3), 'reminder 1,reminder 2',
          'rule 4: a resolved dispute resumes at the rung after the last one sent, not where the days would be');
SELECT is(pg_temp.notices(4, '2026-03-03', '2026-03-20'), NULL, 'rule 4: no notice while the promise runs');
SELECT is((SELECT status FROM dunning.promise WHERE 401 = ANY (invoice_ids)), 'broken', 'the promise broke');
SELECT is(split_part(pg_temp.notices(4, '2026-03-21'), ',', 1), 'reminder 2', 'rule 4: a broken promise climbs one rung');
SELECT is(pg_temp.notices(8, '2026-03-03', '2026-04-30'), NULL, 'rule 1: no climb while the level is held');
SELECT is(split_part(pg_temp.notices(8, '2026-05-01'), ',', 1), 'reminder 2', 'the held customer climbs after the hold');

-----------------------------------------------------------------------------
-- Guardrails and confirmations over the whole spring
-----------------------------------------------------------------------------
SELECT is_empty($$SELECT customer_id, action_date FROM dunning.action
                   WHERE channel IN ('email', 'sms', 'letter', 'legal') GROUP BY 1, 2 HAVING count(*) > 1$$,
    'never two contacts on one day');
SELECT is_empty($$SELECT a.customer_id, a.action_date FROM dunning.action a
                   WHERE a.channel IN ('email', 'sms', 'letter', 'legal')
                     AND (SELECT count(*) FROM dunning.action b
                           WHERE b.customer_id = a.customer_id AND b.channel IN ('email', 'sms', 'letter', 'legal')
                             AND b.action_date BETWEEN a.action_date - 6 AND a.action_date) > 2$$,
    'at most two contacts in any 7 days');
SELECT is_empty($$SELECT 1 FROM dunning.action a JOIN dunning.action_item ai USING (action_id)
                   JOIN dunning.invoice i USING (invoice_id)
                  WHERE a.kind = 'confirmation' AND i.settled_amount < i.amount$$, 'rule 6: never a thanks for an unpaid item');

-----------------------------------------------------------------------------
-- Rule 8: business and risk segments
-----------------------------------------------------------------------------
UPDATE dunning.customer SET segment = 'key_account' WHERE customer_id = 8;
INSERT INTO dunning.segment_scenario (segment, scenario_id, source) VALUES ('key_account', 2, 'business');
SELECT lives_ok($$SELECT dunning.refresh_segments('2026-09-01')$$, 'refresh_segments');
SELECT is((SELECT segment FROM dunning.customer WHERE customer_id = 8), 'key_account',
          'rule 8: refresh_segments never overwrites the business segment');
SELECT is((SELECT count(*) FROM dunning.customer WHERE risk_segment IS NOT NULL), 8::bigint,
          'rule 8: it writes the risk segment');
INSERT INTO dunning.segment_scenario (segment, scenario_id, source)
SELECT DISTINCT risk_segment, 2, 'risk' FROM dunning.customer WHERE customer_id = 7;
SELECT is((SELECT scenario_id || ':' || assigned_by FROM dunning.customer_scenario WHERE customer_id = 7), '2:risk_segment',
          'rule 8: a scenario can map from the risk segment');
INSERT INTO dunning.segment_scenario (segment, scenario_id, source)
SELECT DISTINCT risk_segment, 1, 'risk' FROM dunning.customer WHERE customer_id = 8
ON CONFLICT DO NOTHING;
SELECT is((SELECT scenario_id || ':' || assigned_by FROM dunning.customer_scenario WHERE customer_id = 8), '2:segment',
          'rule 8: the business mapping wins over the risk mapping');

-----------------------------------------------------------------------------
-- Rule 1: an episode that ended on a day no evaluation saw; rule 2: a rung
-- whose minimum overdue amount is out of reach is passed over
--   9 pays on 09-21, booked on 09-24, after its next invoice fell due 09-22
--  10 the same, paid on 09-23: the next invoice was overdue first
--  11 owes 80 EUR: the collector call (from 100 EUR) is out of reach
--  12 disputes one of two invoices before any reminder; pays the other after
--     the collector call, and the dispute is rejected: the disputed invoice
--     has never been in writing when the formal notice is due
--  13 the same, but the written reminder's e-mail fails for good
--  14 a collector set its level to the call by hand (called before go-live)
--  15 as 12, without e-mail, on a ladder whose reminder 2 falls back to a
--     call before a letter: the written reminder goes by letter, not by call
--  16 a backlog invoice 63 days overdue: its first reminder's e-mail fails
--     for good while reminder 2 is already due
-----------------------------------------------------------------------------
INSERT INTO dunning.customer (customer_id, name, email, phone, timezone) VALUES
  (9, 'Late Booking SA', 'ap@late-booking.example', NULL, 'UTC'), (10, 'Overlap SA', 'ap@overlap.example', NULL, 'UTC'),
  (11, 'Small SA', 'ap@small.example', NULL, 'UTC'), (12, 'Quiet Dispute SA', 'ap@quiet.example', '+33 1 00 00 00 12', 'UTC'),
  (13, 'Bounce SA', 'ap@bounce.example', '+33 1 00 00 00 13', 'UTC'),
  (14, 'Called SA', 'ap@called.example', '+33 1 00 00 00 14', 'UTC');
INSERT INTO dunning.customer (customer_id, name, phone, postal_address, timezone) VALUES
  (15, 'Paper SA', '+33 1 00 00 00 15', '15 rue P, Paris', 'UTC');
INSERT INTO dunning.customer (customer_id, name, email, postal_address, timezone) VALUES
  (16, 'Dead Mail SA', 'ap@dead-mail.example', '16 rue Q, Paris', 'UTC');
INSERT INTO dunning.scenario (name, description) VALUES ('call first', 'reminder 2 falls back to a call before a letter');
INSERT INTO dunning.scenario_step (scenario_id, step_no, name, offset_days, channel, template, min_overdue_amount, fallback_channels)
SELECT sc.scenario_id, v.*
  FROM dunning.scenario sc,
       (VALUES (1, 'reminder 1', 7, 'email', 'reminder_1', NULL::numeric, '{letter}'::text[]),
               (2, 'reminder 2', 21, 'email', 'reminder_2', NULL, '{call,letter}'),
               (3, 'collector call', 30, 'call', 'call', 100, '{task}'),
               (4, 'formal notice', 45, 'letter', 'formal_notice', NULL, '{email}')) v
 WHERE sc.name = 'call first';
INSERT INTO dunning.customer_setting (customer_id, scenario_id)
SELECT 15, scenario_id FROM dunning.scenario WHERE name = 'call first';
INSERT INTO dunning.invoice (invoice_id, customer_id, invoice_number, issued_on, due_on, amount) VALUES
  (901, 9, 'LB-1', '2026-08-01', '2026-09-01', 600.00), (902, 9, 'LB-2', '2026-08-22', '2026-09-22', 100.00),
  (1001, 10, 'OV-1', '2026-08-01', '2026-09-01', 600.00), (1002, 10, 'OV-2', '2026-08-22', '2026-09-22', 100.00),
  (1101, 11, 'SM-1', '2026-08-01', '2026-09-01', 80.00),
  (1201, 12, 'QD-1', '2026-07-01', '2026-08-01', 500.00), (1202, 12, 'QD-2', '2026-07-01', '2026-08-01', 400.00),
  (1301, 13, 'PO-1', '2026-07-01', '2026-08-01', 500.00), (1302, 13, 'PO-2', '2026-07-01', '2026-08-01', 400.00);
SELECT dunning.open_dispute(i, 'quantity', NULL, NULL, NULL, '2026-08-20') FROM unnest(ARRAY[1202, 1302]) i;
INSERT INTO dunning.invoice (invoice_id, customer_id, invoice_number, issued_on, due_on, amount) VALUES
  (1401, 14, 'CA-1', '2026-07-01', '2026-08-01', 700.00),
  (1501, 15, 'PP-1', '2026-07-01', '2026-08-01', 500.00), (1502, 15, 'PP-2', '2026-07-01', '2026-08-01', 400.00),
  (1601, 16, 'DM-1', '2026-06-01', '2026-07-01', 300.00);
SELECT dunning.open_dispute(1502, 'quantity', NULL, NULL, NULL, '2026-08-20');
SELECT dunning.set_level(14, 4, 'called on 09-01, no payment', '2026-09-01');
SELECT pg_temp.run('2026-09-02');
SELECT dunning.mark_failed(a.action_id, 'mailbox unknown', false)
  FROM dunning.action a WHERE a.customer_id = 16 AND a.status = 'queued';
SELECT pg_temp.send('2026-09-02');
SELECT pg_temp.days('2026-09-03', '2026-09-23');
SELECT is((SELECT string_agg(step_name || ' ' || channel || ' ' || action_date || ' ' || status
                             || COALESCE(' replaces ' || replaces_action_id, ''), ', ' ORDER BY action_id)
             FROM dunning.action WHERE customer_id = 16),
          (SELECT format('reminder 1 email 2026-09-02 failed, reminder 1 letter 2026-09-07 sent replaces %s, reminder 2 letter 2026-09-21 sent',
                         min(action_id)) FROM dunning.action WHERE customer_id = 16),
          'rule 7: a lost reminder is carried on its next channel before the climb that is already due (after the guardrail''s 5 days), the climb at its spacing from it, and not to the address that bounced');
SELECT is((SELECT count(*)::integer FROM dunning.level_change WHERE customer_id = 16 AND event = 'climb'), 2,
          'the carried reminder is no climb: reminder 1, then reminder 2');
SELECT is(pg_temp.notices(9) || '/' || pg_temp.notices(10), 'reminder 1,reminder 2/reminder 1,reminder 2',
          '9 and 10 reached reminder 2');
SELECT pg_temp.pay(901, '2026-09-21');
SELECT pg_temp.pay(1001, '2026-09-23');
SELECT pg_temp.days('2026-09-24', '2026-09-25');
-- 12 pays the undisputed invoice after the call, and its dispute is rejected
SELECT pg_temp.pay(i, '2026-09-26') FROM unnest(ARRAY[1201, 1301, 1501]) i;
SELECT dunning.resolve_dispute((SELECT dispute_id FROM dunning.dispute WHERE invoice_id = i),
                               'rejected', 'quantities were right', '2026-09-26') FROM unnest(ARRAY[1202, 1302, 1502]) i;
SELECT pg_temp.days('2026-09-26', '2026-10-11');
SELECT pg_temp.run('2026-10-12');
SELECT dunning.mark_failed(a.action_id, 'mailbox unknown', false)
  FROM dunning.action a WHERE a.customer_id = 13 AND a.action_date = '2026-10-12';
SELECT pg_temp.send('2026-10-12');
SELECT pg_temp.days('2026-10-13', '2026-10-20');
SELECT is((SELECT level_step_name || ' since ' || level_on || ', last notice ' || last_notice_on
             FROM dunning.customer_ladder WHERE customer_id = 12),
          'collector call since 2026-09-25, last notice 2026-10-12',
          'rule 1: a notice at the same rung (the written reminder) leaves the day the level was reached');
SELECT is((SELECT changed_on || ' ' || event FROM dunning.level_change
            WHERE customer_id = 9 AND changed_on > '2026-09-02' AND event LIKE 'episode%' ORDER BY change_id LIMIT 1),
          '2026-09-22 episode_end',
          'rule 1: paid by value date before the next item fell overdue: the episode ended that day, seen when the payment was booked');
SELECT is((SELECT episode_started_on FROM dunning.customer_dunning WHERE customer_id = 9), '2026-09-24'::date,
          'and a new episode started');
SELECT is(split_part(pg_temp.notices(9, '2026-09-24'), ',', 1), 'reminder 1',
          'rule 1: the new episode starts at the foot of the ladder, not at reminder 2');
SELECT is((SELECT episode_started_on FROM dunning.customer_dunning WHERE customer_id = 10), '2026-09-02'::date,
          'rule 1: paid after the next item fell overdue: something was overdue every day, the episode goes on');
SELECT is(split_part(pg_temp.notices(10, '2026-09-24'), ',', 1), 'reminder 2',
          'its new item joins the episode at its level');
SELECT is(pg_temp.notices(11), 'reminder 1,reminder 2,formal notice',
          'rule 2: the collector call (from 100 EUR) is passed over for 80 EUR: the formal notice follows at its day');
SELECT is((SELECT reason FROM dunning.level_change l JOIN dunning.action a USING (action_id)
            WHERE l.customer_id = 11 AND a.step_name = 'formal notice'),
          'an item reached the rung; passed over collector call (no currency at its minimum overdue amount)',
          'the level log says which rung was passed over and why');
SELECT is((SELECT action_date FROM dunning.action WHERE customer_id = 11 AND step_name = 'formal notice'),
          '2026-10-16'::date, 'the formal notice goes at its own offset (45 days), the spacing counted from reminder 2');

-- Rule 2: a formal notice names no item the customer has not had in writing
SELECT pg_temp.days('2026-10-21', '2026-10-28');
SELECT is(pg_temp.notices(12), 'reminder 1,reminder 2,collector call,collector call,formal notice',
          'rule 2: the disputed invoice, reached only by the call, is written to at the call''s rung before the formal notice');
SELECT is((SELECT a.action_date || ' ' || a.channel || ' ' || string_agg(ai.invoice_id::text, ',')
             FROM dunning.action a JOIN dunning.action_item ai USING (action_id)
            WHERE a.customer_id = 12 AND a.step_name = 'collector call' AND a.channel <> 'call'
            GROUP BY a.action_id, a.action_date, a.channel), '2026-10-12 email 1202',
          'on the formal notice''s day (Saturday 10-10 moved to Monday), by e-mail, listing the invoice never written to');
SELECT is((SELECT translate(subject, U&'\00A0', ' ') FROM dunning.action WHERE customer_id = 12 AND action_date = '2026-10-12'),
          'Second reminder: EUR 400.00 overdue',
          'in the words of the last written rung (reminder 2), at the level of the call');
SELECT is((SELECT l.event || ': ' || l.reason FROM dunning.level_change l JOIN dunning.action a USING (action_id)
            WHERE l.customer_id = 12 AND a.action_date = '2026-10-12'),
          'renotice: in writing first: no item that reached the next rung, a formal one, has been in a written notice',
          'the level log says why the level stays');
SELECT is((SELECT action_date FROM dunning.action WHERE customer_id = 12 AND step_name = 'formal notice'),
          '2026-10-27'::date, 'the formal notice follows at its spacing after the written reminder');
SELECT is((SELECT string_agg(step_name || ' ' || channel || ' ' || action_date, ',' ORDER BY action_id) FROM dunning.action
            WHERE customer_id = 13 AND kind = 'notice' AND action_date >= '2026-10-01'),
          'collector call email 2026-10-12,collector call call 2026-10-13,formal notice task 2026-10-28',
          'a written reminder that failed for good is carried on at once (no postal address: by the rung''s call), and does not hold the formal notice back twice (a task: its e-mail fallback is the address that bounced)');
SELECT is((SELECT string_agg(step_name || ' ' || action_date, ',' ORDER BY action_id) FROM dunning.action
            WHERE customer_id = 14 AND kind = 'notice'),
          'formal notice 2026-09-15,legal escalation 2026-10-15',
          'an item overdue when a person set the level by hand counts as dealt with: the formal notice goes at its day, legal 30 days on');
SELECT is((SELECT string_agg(step_name || ' ' || channel || ' ' || action_date, ',' ORDER BY action_id) FROM dunning.action
            WHERE customer_id = 15 AND kind = 'notice' AND action_date >= '2026-10-01'),
          'collector call letter 2026-10-12,formal notice letter 2026-10-27',
          'the written reminder goes by a channel that writes (a letter), not by the call its rung falls back to first');

-- A customer without e-mail whose invoice comes due: its pre-due reminder
-- (e-mail, no fallback) is skipped, and says so apart from the rungs
INSERT INTO dunning.customer (customer_id, name, postal_address, timezone) VALUES (17, 'Post Only SA', '17 rue R, Paris', 'UTC');
INSERT INTO dunning.invoice (invoice_id, customer_id, invoice_number, issued_on, due_on, amount)
VALUES (1701, 17, 'PO-17', '2026-10-01', '2026-11-02', 300.00);
SELECT pg_temp.run('2026-10-29');
SELECT is((SELECT COALESCE(waits_for, '-') || ' ' || COALESCE(next_step_name, '-') FROM dunning.customer_ladder WHERE customer_id = 17),
          'no pre-due recipient reminder 1',
          'a pre-due reminder without a recipient waits as such, not as "no recipient" beside the next rung');

-- Renotice: on a ladder of one rung, an item the notice named a few days
-- overdue calls for no notice of its own; one not overdue then does
INSERT INTO dunning.scenario (name, description) VALUES ('one rung', 'a single reminder');
INSERT INTO dunning.scenario_step (scenario_id, step_no, name, offset_days, channel, template, fallback_channels)
SELECT sc.scenario_id, 1, 'reminder 1', 7, 'email', 'reminder_1', '{letter}' FROM dunning.scenario sc WHERE sc.name = 'one rung';
INSERT INTO dunning.customer (customer_id, name, email, timezone) VALUES (18, 'Named SA', 'ap@named.example', 'UTC');
INSERT INTO dunning.customer_setting (customer_id, scenario_id) SELECT 18, scenario_id FROM dunning.scenario WHERE name = 'one rung';
INSERT INTO dunning.invoice (invoice_id, customer_id, invoice_number, issued_on, due_on, amount)
VALUES (1801, 18, 'NA-1', '2026-09-10', '2026-10-10', 300.00), (1802, 18, 'NA-2', '2026-09-26', '2026-10-26', 200.00);
SELECT pg_temp.days('2026-10-30', '2026-11-20');
SELECT is(pg_temp.notices(18), 'reminder 1',
          'renotice: the item 4 days overdue that reminder 1 named reaches the rung later, and calls for no notice');
INSERT INTO dunning.invoice (invoice_id, customer_id, invoice_number, issued_on, due_on, amount)
VALUES (1803, 18, 'NA-3', '2026-10-10', '2026-11-10', 100.00);
SELECT pg_temp.days('2026-11-21', '2026-11-23');
SELECT is((SELECT string_agg(a.action_date || ':' || (SELECT string_agg(ai.invoice_id::text, ',' ORDER BY ai.invoice_id)
                                                        FROM dunning.action_item ai WHERE ai.action_id = a.action_id), ' ' ORDER BY a.action_id)
             FROM dunning.action a WHERE a.customer_id = 18 AND a.kind = 'notice'),
          '2026-10-30:1801,1802 2026-11-23:1801,1802,1803',
          'an invoice not yet due at the notice, loaded late and past the rung, gets one at the same rung (on the next business day), naming all');
-- ... and so does one the ERP sends weeks after it fell overdue (loaded after
-- that notice was made: created_at, which a load in this transaction sets
-- to now()), at the renotice spacing (checked at the end)
INSERT INTO dunning.invoice (invoice_id, customer_id, invoice_number, issued_on, due_on, amount, created_at)
VALUES (1804, 18, 'NA-4', '2026-10-05', '2026-11-05', 50.00, now() + interval '1 minute');

-- An address that bounced is written to again once it is changed
INSERT INTO dunning.customer (customer_id, name, email, postal_address, timezone)
VALUES (19, 'New Mail SA', 'ap@old-mail.example', '19 rue S, Paris', 'UTC');
INSERT INTO dunning.invoice (invoice_id, customer_id, invoice_number, issued_on, due_on, amount)
VALUES (1901, 19, 'NM-1', '2026-10-16', '2026-11-16', 300.00);
SELECT pg_temp.run('2026-11-24');
SELECT dunning.mark_failed(a.action_id, 'mailbox unknown', false) FROM dunning.action a WHERE a.customer_id = 19 AND a.status = 'queued';
SELECT pg_temp.send('2026-11-24');
SELECT pg_temp.days('2026-11-25', '2026-12-01');
UPDATE dunning.customer SET email = 'ap@new-mail.example' WHERE customer_id = 19;
SELECT pg_temp.days('2026-12-02', '2026-12-15');
SELECT is((SELECT string_agg(step_name || ' ' || channel || ' ' || recipient || ' ' || status, ', ' ORDER BY action_id)
             FROM dunning.action WHERE customer_id = 19),
          'reminder 1 email ap@old-mail.example failed, reminder 1 letter 19 rue S, Paris sent, reminder 2 email ap@new-mail.example sent',
          'the next rung goes to the new e-mail address');
SELECT pg_temp.pay(1601, '2026-12-16');
SELECT pg_temp.day('2026-12-16');
SELECT is((SELECT channel || ' ' || recipient FROM dunning.action WHERE customer_id = 16 AND kind = 'confirmation'),
          'thanks 16 rue Q, Paris', 'the confirmation does not go to the e-mail address that bounced either: by letter');

-- Rule 1: an episode whose end is seen only after a notice went in what is
-- now the next one (the payment booked days later) goes on from that notice
INSERT INTO dunning.customer (customer_id, name, email, timezone) VALUES (20, 'Slow Bank SA', 'ap@slow-bank.example', 'UTC');
INSERT INTO dunning.invoice (invoice_id, customer_id, invoice_number, issued_on, due_on, amount)
VALUES (2001, 20, 'SB-1', '2026-11-01', '2026-12-01', 400.00), (2002, 20, 'SB-2', '2026-11-30', '2026-12-30', 100.00);
SELECT pg_temp.days('2026-12-17', '2027-01-03');
INSERT INTO dunning.payment (received_on, amount, currency, customer_id) VALUES ('2026-12-30', 400.00, 'EUR', 20);
SELECT dunning.allocate((SELECT max(payment_id) FROM dunning.payment), 2001);
SELECT pg_temp.days('2027-01-04', '2027-01-12');
SELECT is(pg_temp.notices(20), 'reminder 1,reminder 2',
          'paid by value date the day the next invoice fell due, booked after reminder 2 went: no reminder 1 again');
SELECT is((SELECT episode_started_on || ' ' || level_step_id FROM dunning.customer_dunning WHERE customer_id = 20),
          (SELECT '2026-12-17 ' || step_id FROM dunning.scenario_step WHERE scenario_id = 1 AND step_no = 3),
          'the episode goes on at reminder 2');

SELECT is((SELECT string_agg(a.action_date || ':' || (SELECT string_agg(ai.invoice_id::text, ',' ORDER BY ai.invoice_id)
                                                        FROM dunning.action_item ai WHERE ai.action_id = a.action_id), ' ' ORDER BY a.action_id)
             FROM dunning.action a WHERE a.customer_id = 18 AND a.kind = 'notice' AND a.action_date > '2026-11-23'),
          '2026-12-07:1801,1802,1803,1804',
          'an invoice loaded weeks overdue after the last notice gets a notice at the same rung, renotice_days after the last, naming all');

-- Rule 4 in the timeline: the promise on the day it was made (given: a
-- replayed history is not dated by the wall clock), then its end.
SELECT results_eq($$SELECT day, event FROM dunning.customer_timeline(4) WHERE event LIKE 'promise%' ORDER BY day$$,
    $$SELECT * FROM (VALUES (DATE '2026-03-05', 'promise to pay')) v
      UNION ALL SELECT status_on, 'promise ' || status FROM dunning.promise WHERE customer_id = 4$$,
    'the timeline shows the promise on the day it was made, and its end');
SELECT is((SELECT status FROM dunning.promise WHERE customer_id = 4), 'broken', '...broken');

SELECT * FROM finish();
ROLLBACK;
