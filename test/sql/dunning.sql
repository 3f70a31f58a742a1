-- pgTAP: invariants and errors of the dunning scenarios, runner and outbox.
BEGIN;
CREATE EXTENSION IF NOT EXISTS dunning;
SELECT plan(83);

-- The interface outside tests rely on.
SELECT has_function('dunning', 'run', ARRAY['timestamp with time zone'], 'dunning.run(timestamptz)');
SELECT function_returns('dunning', 'run', ARRAY['timestamp with time zone'], 'integer', 'run returns the number of actions');
SELECT has_function('dunning', 'preview', ARRAY['timestamp with time zone'], 'dunning.preview(timestamptz)');
SELECT has_function('dunning', 'schedule', ARRAY['text'], 'dunning.schedule(text)');
SELECT has_function('dunning', 'unschedule', ARRAY[]::text[], 'dunning.unschedule()');
SELECT has_table('dunning', 'action', 'outbox dunning.action');
SELECT has_table('dunning', 'scenario', 'dunning.scenario');
SELECT has_table('dunning', 'scenario_step', 'dunning.scenario_step');
SELECT is((SELECT pg_get_expr(adbin, adrelid) FROM pg_attrdef
            WHERE adrelid = 'dunning.scenario_step'::regclass
              AND adnum = (SELECT attnum FROM pg_attribute WHERE attrelid = 'dunning.scenario_step'::regclass AND attname = 'send_time')),
          '''09:00:00''::time without time zone', 'local send time defaults to 09:00');
SELECT is((SELECT string_agg(channel || ':' || offset_days, ',' ORDER BY step_no) FROM dunning.scenario_step WHERE scenario_id = 1),
          'email:-5,email:7,email:21,call:30,letter:45,legal:75', 'the shipped scenario: pre-due, reminders, call, formal notice, legal');
SELECT is((SELECT string_agg(DISTINCT language, ',') FROM dunning.template WHERE seeded), 'de,en,fr', 'shipped templates in English, French and German');
SELECT is_empty($$
    SELECT st.template FROM dunning.scenario_step st
     WHERE NOT EXISTS (SELECT FROM dunning.template t WHERE t.template_key = st.template AND t.language = 'en')$$,
    'every shipped step has an English template');
SELECT is_empty($$SELECT template_key, language FROM dunning.template
                   WHERE NOT dunning.template_is_valid(subject) OR NOT dunning.template_is_valid(body)$$,
    'every template uses known placeholders only');
-- Security.
SELECT is_empty($$
    SELECT p.oid::regprocedure FROM pg_proc p
     WHERE p.pronamespace IN ('dunning'::regnamespace, 'dunning_internal'::regnamespace) AND p.proname IN
           ('run', 'preview', 'schedule', 'unschedule', 'mark_sent', 'mark_failed', 'claim_actions', 'due_actions',
            'promise_to_pay', 'refresh_promises', 'pay_token', 'verify_pay_token', 'late_interest', 'cancel_paid_actions')
       AND NOT EXISTS (SELECT FROM unnest(p.proconfig) c WHERE c = 'search_path=pg_catalog, pg_temp')$$,
    'dunning functions pin search_path = pg_catalog, pg_temp');
SELECT is_empty($$
    SELECT p.oid::regprocedure FROM pg_proc p
     WHERE p.pronamespace IN ('dunning'::regnamespace, 'dunning_internal'::regnamespace)
       AND has_function_privilege('public', p.oid, 'EXECUTE')
       AND p.proname IN ('run', 'preview', 'schedule', 'unschedule', 'mark_sent', 'due_actions', 'pay_token',
                         'signing_secret', 'hmac_sha256', 'random_bytes')$$,
    'PUBLIC may not call the dunning functions');
SELECT ok(NOT has_table_privilege('dunning_analyst', 'dunning.signing_key', 'SELECT')
          AND NOT has_table_privilege('dunning_collector', 'dunning.signing_key', 'SELECT')
          AND has_table_privilege('dunning_admin', 'dunning.signing_key', 'SELECT'), 'only admins read the signing key');
SELECT ok(has_function_privilege('dunning_collector', 'dunning.preview(timestamptz)', 'EXECUTE')
          AND NOT has_function_privilege('dunning_analyst', 'dunning.preview(timestamptz)', 'EXECUTE')
          AND NOT has_function_privilege('dunning_analyst', 'dunning.run(timestamptz)', 'EXECUTE')
          AND NOT has_function_privilege('dunning_collector', 'dunning.run(timestamptz)', 'EXECUTE')
          AND has_function_privilege('dunning_admin', 'dunning.run(timestamptz)', 'EXECUTE'), 'collectors preview (payment links), admins run');
SELECT ok(has_function_privilege('dunning_collector', 'dunning.mark_sent(bigint, timestamptz, text)', 'EXECUTE')
          AND has_function_privilege('dunning_collector', 'dunning.promise_to_pay(bigint[], numeric, date, text, date)', 'EXECUTE')
          AND NOT has_function_privilege('dunning_analyst', 'dunning.mark_sent(bigint, timestamptz, text)', 'EXECUTE')
          AND has_function_privilege('dunning_admin', 'dunning.schedule(text)', 'EXECUTE')
          AND NOT has_function_privilege('dunning_collector', 'dunning.schedule(text)', 'EXECUTE'),
   'collectors record promises and mark sent; admins schedule');
SELECT is((SELECT string_agg(cfg::regclass::text || ' ' || cond, ', ' ORDER BY cfg::regclass::text)
             FROM pg_extension e, unnest(e.extconfig, e.extcondition) u(cfg, cond)
            WHERE e.extname = 'dunning' AND cfg::regclass::text IN ('dunning.scenario', 'dunning.scenario_step', 'dunning.template')),
          'dunning.scenario WHERE NOT seeded, dunning.scenario_step WHERE NOT seeded, dunning.template WHERE NOT seeded',
          'shipped rows stay out of pg_dump');

-- Data: 30 customers x 4 invoices over 90 days, some paid, disputed, promised.
INSERT INTO dunning.customer (customer_id, name, email, phone, postal_address, country, timezone, collector, on_hold)
SELECT g, 'Customer ' || g, 'c' || g || '@example.com', '+1 555 01' || lpad(g::text, 2, '0'), 'Street ' || g, 'BE',
       (ARRAY['UTC', 'Europe/Brussels', 'Asia/Tokyo'])[1 + g % 3], 'col' || (g % 3), g % 10 = 0
  FROM generate_series(1, 30) g;
INSERT INTO dunning.invoice (invoice_id, customer_id, invoice_number, issued_on, due_on, amount)
SELECT g, 1 + (g - 1) / 4, 'P-' || g, DATE '2026-01-01', DATE '2026-01-01' + (g * 37 % 90), 100 + g
  FROM generate_series(1, 120) g;
INSERT INTO dunning.payment (payment_id, received_on, amount, customer_id)
SELECT g, DATE '2026-02-01', 100 + g, 1 + (g - 1) / 4 FROM generate_series(1, 120, 7) g;
SELECT dunning.allocate(g, g) FROM generate_series(1, 120, 7) g;
INSERT INTO dunning.dispute (invoice_id, reason) SELECT g, 'quality' FROM generate_series(2, 120, 11) g;

SELECT is((SELECT count(*) FROM dunning.preview('2026-03-16 12:00+00')),
          (SELECT dunning.run('2026-03-16 12:00+00'))::bigint, 'preview lists exactly what run creates');
SELECT is(dunning.run('2026-03-16 12:00+00'), 0, 'a second run creates nothing');
SELECT is_empty($$SELECT customer_id FROM dunning.action WHERE kind = 'notice' AND step_name <> 'reminder 1'$$,
    'go-live: every first notice is at the first rung, whatever the days overdue');
SELECT is_empty($$SELECT customer_id, action_date FROM dunning.action GROUP BY 1, 2 HAVING count(*) > 1$$,
    'one contact per customer and day (minimum delay 5 days)');
SELECT is_empty($$SELECT ai.invoice_id FROM dunning.action_item ai JOIN dunning.invoice i USING (invoice_id)
                   WHERE i.invoice_id IN (SELECT generate_series(1, 120, 7))$$, 'settled invoices are never dunned');
SELECT is_empty($$SELECT ai.invoice_id FROM dunning.action_item ai JOIN dunning.dispute d USING (invoice_id)
                   WHERE d.status = 'open'$$, 'disputed invoices are never dunned');
SELECT is_empty($$SELECT a.action_id FROM dunning.action a JOIN dunning.customer c USING (customer_id) WHERE c.on_hold$$,
    'customers on hold are never dunned');
SELECT is_empty($$SELECT a.action_id FROM dunning.action a
                   WHERE (SELECT sum(ai.open_amount) FROM dunning.action_item ai
                           WHERE ai.action_id = a.action_id AND (ai.days_overdue > 0 OR a.kind = 'pre_due'))
                         <> (SELECT sum(v::numeric) FROM jsonb_each_text(a.payload->'totals') t(k, v))$$,
    'payload totals add up to the overdue items (pre-due: the items coming due)');
SELECT is_empty($$SELECT a.action_id FROM dunning.action a
                   WHERE extract(isodow FROM a.action_date) IN (6, 7)$$, 'nothing is dated on a weekend');
SELECT ok((SELECT count(*) FROM dunning.action) > 10, 'the run created actions');
-- Weekend: nothing; the next climb waits for the spacing of 14 days (a
-- Monday), the ones due on the weekend go on the Monday after.
SELECT dunning.mark_sent(a.action_id, '2026-03-16 13:00+00') FROM dunning.action a WHERE a.status = 'queued';
SELECT is(dunning.run('2026-03-28 12:00+00'), 0, 'nothing on a Saturday');
SELECT is(dunning.run('2026-03-29 12:00+00'), 0, 'nothing on a Sunday');
SELECT ok((SELECT count(*) FROM dunning.customer_dunning WHERE waits_for = 'calendar') > 0,
          'the customers due wait for the calendar');
SELECT ok(dunning.run('2026-04-01 12:00+00') > 0, 'the next business day catches up');
SELECT is_empty($$SELECT a.customer_id FROM dunning.action a WHERE a.kind = 'notice' AND a.action_date > '2026-03-20'
                    AND a.step_name <> 'reminder 2'$$, 'the second notices are one rung up: reminder 2');
-- Holidays: a BE holiday stops every BE customer.
INSERT INTO dunning.holiday (country, day, name) VALUES ('BE', '2026-03-30', 'test');
SELECT is(dunning.run('2026-03-30 12:00+00'), 0, 'nothing on a holiday of the customers'' country');
SELECT ok(NOT dunning.is_business_day('2026-03-30', 'BE') AND dunning.is_business_day('2026-03-30', 'FR')
          AND NOT dunning.is_business_day('2026-03-29'), 'is_business_day: holidays per country, weekends');
-- Guardrails with no minimum delay and one contact a week: never two
-- contacts a day, and the weekly maximum holds.
UPDATE dunning.customer SET on_hold = true;
INSERT INTO dunning.customer (customer_id, name, email, phone, postal_address, timezone) VALUES (99, 'Busy', 'b@x.example', '+1 555 0199', 'a', 'UTC');
INSERT INTO dunning.invoice (invoice_id, customer_id, invoice_number, issued_on, due_on, amount) VALUES
  (991, 99, 'BUSY-1', '2026-01-01', '2026-04-06', 100), (992, 99, 'BUSY-2', '2026-01-01', '2026-03-25', 100),
  (993, 99, 'BUSY-3', '2026-01-01', '2026-03-10', 100);
INSERT INTO dunning.setting (min_days_between_contacts, max_contacts_per_week, renotice_days) VALUES (0, 1, 1);
SELECT is(dunning.run('2026-04-02 12:00+00'), 1, 'one notice, at the first rung, with both overdue items');
SELECT is((SELECT string_agg(step_name || ':' || (SELECT string_agg(ai.days_overdue::text, '/' ORDER BY ai.days_overdue)
                                                  FROM dunning.action_item ai WHERE ai.action_id = a.action_id), ',')
             FROM dunning.action a WHERE customer_id = 99), 'reminder 1:-4/8/23',
          'reminder 1 lists both overdue items with their own days, and folds in the one coming due');
SELECT dunning.mark_sent(a.action_id, '2026-04-02 13:00+00') FROM dunning.action a WHERE a.customer_id = 99;
SELECT is(dunning.run('2026-04-03 12:00+00'), 0, 'the weekly maximum holds the next day');
SELECT is(dunning.run('2026-04-09 12:00+00'), 0, 'a week later: reminder 2 waits for its spacing (14 days)');
SELECT is((SELECT waits_for FROM dunning.customer_dunning WHERE customer_id = 99), 'spacing', 'and says so');
SELECT is(dunning.run('2026-04-16 12:00+00'), 1, 'two weeks later the next rung goes');
SELECT is((SELECT step_name FROM dunning.action WHERE customer_id = 99 AND action_date = '2026-04-16'), 'reminder 2',
          'one rung up although an item is past the call''s offset');
-- Promises: kept when paid, broken when the date passes.
SELECT lives_ok($$SELECT dunning.promise_to_pay(ARRAY[991]::bigint[], 50, '2026-05-01')$$, 'promise recorded');
SELECT is((SELECT made_on FROM dunning.promise WHERE 991 = ANY (invoice_ids)),
          (SELECT (now() AT TIME ZONE c.timezone)::date FROM dunning.customer c WHERE c.customer_id = 99),
          'made_on not given: the customer''s today');
INSERT INTO dunning.payment (payment_id, received_on, amount, customer_id) VALUES (999, '2026-04-20', 60, 99);
SELECT dunning.allocate(999, 991);
SELECT is(dunning.refresh_promises('2026-04-21 12:00+00'), 1, 'refresh_promises sees the payment');
SELECT is((SELECT status FROM dunning.promise WHERE 991 = ANY (invoice_ids)), 'kept', 'a paid promise is kept');
SELECT lives_ok($$SELECT dunning.promise_to_pay(ARRAY[992]::bigint[], 100, '2026-04-22')$$, 'second promise recorded');
SELECT is(dunning.refresh_promises('2026-04-23 12:00+00'), 1, 'the date passed');
SELECT is((SELECT status FROM dunning.promise WHERE 992 = ANY (invoice_ids)), 'broken', 'an unpaid promise past its date is broken');

-- Errors, with their SQLSTATEs.
SELECT throws_ok($$SELECT dunning.run(NULL)$$, '22004', NULL, 'run(NULL)');
SELECT throws_ok($$SELECT dunning.run('infinity')$$, '22023', NULL, 'run(infinity)');
SELECT throws_ok($$SELECT dunning.schedule()$$, '55000', NULL, 'schedule without pg_cron: 55000');
SELECT throws_ok($$SELECT dunning.unschedule()$$, '55000', NULL, 'unschedule without pg_cron: 55000');
SELECT throws_ok($$SELECT dunning.mark_sent(-1)$$, '42704', NULL, 'mark_sent of an unknown action');
SELECT lives_ok($$SELECT dunning.mark_sent((SELECT min(action_id) FROM dunning.action WHERE status = 'queued'))$$, 'mark_sent');
SELECT lives_ok($$SELECT dunning.mark_sent((SELECT min(action_id) FROM dunning.action WHERE status = 'sent'))$$,
                'mark_sent twice: a no-op');
SELECT throws_ok($$SELECT dunning.claim_actions('email', 0)$$, '22023', NULL, 'claim_actions max_count');
SELECT throws_ok($$SELECT dunning.render_template('x', '{}', 'pdf')$$, '22023', NULL, 'unknown render mode');
SELECT throws_ok($$SELECT dunning.late_interest(1, 'EUR', '2026-01-01', '2026-02-01', 8, '30/360')$$, '22023', NULL, 'unknown day count');
SELECT throws_ok($$SELECT dunning.promise_to_pay(ARRAY[1, 5]::bigint[], 10, '2026-05-01')$$, '23514', NULL, 'promise across customers');
SELECT throws_ok($$SELECT dunning.promise_to_pay(ARRAY[-5]::bigint[], 10, '2026-05-01')$$, '42704', NULL, 'promise on an unknown invoice');
SELECT throws_ok($$SELECT dunning.promise_to_pay(NULL, 10, '2026-05-01')$$, '22004', NULL, 'promise without invoices');
SELECT throws_ok($$SELECT dunning.promise_to_pay(ARRAY[1, NULL]::bigint[], 10, '2026-05-01')$$, '22004', NULL, 'promise naming a NULL invoice');
SELECT throws_ok($$UPDATE dunning.scenario_step SET fee = 5 WHERE step_id = 12$$, '42501', NULL, 'shipped steps are read only');
SELECT throws_ok($$INSERT INTO dunning.template (template_key, language, body) VALUES ('x', 'en', '{{nope}}')$$,
                 '23514', NULL, 'unknown placeholder refused');
SELECT throws_ok($$SELECT dunning.resolve_dispute(-1, 'resolved')$$, '42704', NULL, 'resolve an unknown dispute');
SELECT throws_ok($$SELECT dunning.copy_scenario('missing', 'x')$$, '42704', NULL, 'copy an unknown scenario');
SELECT throws_ok($$INSERT INTO dunning.setting (id, min_days_between_contacts) VALUES (true, -1)
                   ON CONFLICT (id) DO UPDATE SET min_days_between_contacts = -1$$, '23514', NULL, 'bad guardrail refused');
-- Settings changed through the view, whose one row always exists.
DELETE FROM dunning.setting;
UPDATE dunning.settings SET max_new_episodes_per_day = 40;
SELECT is((SELECT max_new_episodes_per_day FROM dunning.setting), 40,
          'UPDATE dunning.settings makes the row of dunning.setting when there is none');
UPDATE dunning.settings SET renotice_days = 7;
SELECT results_eq($$SELECT max_new_episodes_per_day, renotice_days, min_days_between_contacts FROM dunning.setting$$,
                  $$VALUES (40, 7, NULL::integer)$$,
                  'a second UPDATE keeps what the first set and stores no default it did not change');
UPDATE dunning.settings SET max_new_episodes_per_day = NULL;
SELECT results_eq($$SELECT max_new_episodes_per_day, renotice_days, min_days_between_contacts FROM dunning.settings$$,
                  $$VALUES (NULL::integer, 7, 5)$$, 'NULL restores a default (pacing off)');
SELECT throws_ok($$UPDATE dunning.settings SET max_contacts_per_week = 0$$, '23514', NULL,
                 'the checks of dunning.setting hold through the view');
SET LOCAL ROLE dunning_analyst;
SELECT throws_ok($$UPDATE dunning.settings SET max_contacts_per_week = 3$$, '42501', NULL,
                 'an analyst may read the settings, not change them');
RESET ROLE;
-- Tokens (the key is made on first use).
SELECT isnt(dunning.pay_token(1, ARRAY[2]::bigint[], 'EUR 1.00', now() + interval '30 days'), NULL, 'pay_token makes a token');
SELECT ok((SELECT valid FROM dunning.verify_pay_token(dunning.pay_token(1, ARRAY[2]::bigint[], 'EUR 1.00', now() + interval '30 days'), now() + interval '29 days')),
          'a fresh token verifies');
SELECT ok(NOT (SELECT valid FROM dunning.verify_pay_token(dunning.pay_token(1, ARRAY[2]::bigint[], 'EUR 1.00', now() + interval '30 days') || 'x', now() + interval '29 days')),
          'a token with a changed signature does not');

-- the advisory-lock keys, defined once (src/lock_keys.c): one per job, an
-- unknown job refused, and run() holds its own
SELECT is((SELECT count(DISTINCT dunning_internal.lock_key(j))
             FROM unnest(ARRAY['auto_letter', 'run', 'import_statement', 'refresh_segments']) j), 4::bigint,
          'four jobs run one at a time, four lock keys');
SELECT throws_ok($$SELECT dunning_internal.lock_key('nightly')$$, '22023', NULL, 'no lock key for an unknown job');
SELECT dunning.run('2026-06-01 12:00+00');
SELECT is((SELECT count(*) FROM pg_locks l
            WHERE l.locktype = 'advisory' AND l.pid = pg_backend_pid() AND l.objsubid = 1 AND l.mode = 'ExclusiveLock'
              AND (l.classid::bigint << 32) + l.objid::bigint = dunning_internal.lock_key('run')), 1::bigint,
          'run() holds the lock of its key');
-- Tables never analyzed (a session that runs day after day without going
-- idle reports no counts to autovacuum): run() analyzes those holding rows
-- before it plans, and leaves empty ones alone.
UPDATE pg_class SET reltuples = -1
 WHERE oid IN ('dunning.action'::regclass, 'dunning.customer_dunning'::regclass, 'dunning.write_off'::regclass);
SELECT dunning.run('2026-06-02 12:00+00');
SELECT ok((SELECT bool_and(reltuples >= 1) FROM pg_class
            WHERE oid IN ('dunning.action'::regclass, 'dunning.customer_dunning'::regclass)),
          'run() analyzes the tables with rows that were never analyzed');
SELECT is((SELECT reltuples FROM pg_class WHERE oid = 'dunning.write_off'::regclass), -1::real,
          'and leaves an empty one alone');
SELECT is(dunning_internal.analyze_unanalyzed_tables(), 0, 'after which none is left');
SELECT * FROM finish();
ROLLBACK;
