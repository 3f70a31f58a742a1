-- pgTAP: the outbox as a work queue (src/sql/outbox.sql): leases, idempotent
-- mark_sent, per-row cancellation at claim time, recipients never sent,
-- Message-IDs, bounces and the permanent-failure hook.  NOTIFY payloads and
-- concurrent claims are in test/t/sender_concurrency.sh.
BEGIN;
CREATE EXTENSION IF NOT EXISTS dunning;
SELECT plan(62);

-- The interface dunning-sender and outside senders call.
SELECT has_function('dunning', 'claim_actions', ARRAY['text', 'integer', 'text', 'interval'], 'claim_actions(channel, max_count, worker, lease)');
SELECT has_function('dunning', 'mark_sent', ARRAY['bigint', 'timestamp with time zone', 'text'], 'mark_sent(action_id, sent_at, provider_message_id)');
SELECT has_function('dunning', 'record_bounce', ARRAY['text', 'text', 'text'], 'record_bounce(message_id, kind, reason)');
SELECT has_function('dunning_internal', 'on_action_failed', ARRAY['bigint'], 'the permanent-failure hook');
SELECT columns_are('dunning', 'sender_setting', ARRAY['name', 'value'], 'sender_setting: name, value');
SELECT ok(has_function_privilege('dunning_collector', 'dunning.claim_actions(text, integer, text, interval)', 'EXECUTE')
          AND has_function_privilege('dunning_collector', 'dunning.record_bounce(text, text, text)', 'EXECUTE')
          AND NOT has_function_privilege('dunning_analyst', 'dunning.claim_actions(text, integer, text, interval)', 'EXECUTE')
          AND has_table_privilege('dunning_analyst', 'dunning.sender_setting', 'SELECT')
          AND NOT has_table_privilege('dunning_collector', 'dunning.sender_setting', 'UPDATE')
          AND has_table_privilege('dunning_admin', 'dunning.sender_setting', 'UPDATE'),
          'collectors send, analysts read the sender settings, admins change them');
SELECT is_empty($$
    SELECT p.oid::regprocedure FROM pg_proc p
     WHERE p.pronamespace IN ('dunning'::regnamespace, 'dunning_internal'::regnamespace)
       AND p.proname IN ('claim_actions', 'mark_sent', 'mark_failed', 'release_actions', 'next_send_at', 'message_id',
                         'record_bounce', 'cancel_paid_actions', 'fail_action', 'notify_actions', 'on_action_failed')
       AND (has_function_privilege('public', p.oid, 'EXECUTE')
            OR NOT EXISTS (SELECT FROM unnest(p.proconfig) c WHERE c = 'search_path=pg_catalog, pg_temp'))$$,
    'outbox functions: no PUBLIC execute, search_path pinned');

-- Data: customer 1; invoice 1 open, invoice 2 paid.
INSERT INTO dunning.customer (customer_id, name, email, timezone) VALUES (1, 'Acme', 'ap@acme.test', 'UTC');
INSERT INTO dunning.invoice (invoice_id, customer_id, invoice_number, issued_on, due_on, amount)
VALUES (1, 1, 'F-1', '2026-01-01', '2026-01-31', 100), (2, 1, 'F-2', '2026-01-01', '2026-01-31', 50);
INSERT INTO dunning.payment (payment_id, received_on, amount, customer_id) VALUES (1, '2026-02-10', 50, 1);
SELECT dunning.allocate(1, 2);
-- The hook records its calls here.
CREATE TEMP TABLE hook_calls (action_id bigint);
CREATE OR REPLACE FUNCTION dunning_internal.on_action_failed(action_id bigint) RETURNS void
    LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$ INSERT INTO pg_temp.hook_calls VALUES (action_id) $$;
-- Actions 101..110 by e-mail (101-106 open, 107 covers the paid invoice only,
-- 108 a CR/LF recipient, 109 not an address, 110 a thanks on the paid
-- invoice); 111 by SMS.
INSERT INTO dunning.action (action_id, customer_id, scenario_id, step_id, step_name, offset_days, action_date, channel,
                            recipient, language, subject, body, payload, as_of)
SELECT g, 1, 1, g, 's' || g, 7, DATE '2026-03-01' + (g - 101), CASE g WHEN 110 THEN 'thanks' WHEN 111 THEN 'sms' ELSE 'email' END,
       CASE g WHEN 108 THEN E'ap@acme.test\r\nBcc: all@acme.test' WHEN 109 THEN 'nobody' WHEN 111 THEN '+32 2 555 01 11'
              ELSE 'ap@acme.test' END,
       'en', 'Reminder', '<p>Pay</p>', '{}', '2026-03-16 09:00+00'
  FROM generate_series(101, 111) g;
INSERT INTO dunning.action_item (customer_id, action_id, invoice_id, step_id, offset_days, currency, open_amount, days_overdue)
SELECT 1, g, CASE WHEN g IN (107, 110) THEN 2 ELSE 1 END, g, 7, 'EUR', 100, 44 FROM generate_series(101, 111) g;

-- A claim leases the rows it returns, oldest first.
SELECT results_eq($$SELECT action_id FROM dunning.claim_actions('email', 2, 'w1')$$, ARRAY[101::bigint, 102],
    'claim_actions returns the oldest queued actions of the channel');
SELECT is((SELECT count(*) FROM dunning.action WHERE action_id IN (101, 102) AND claimed_by = 'w1'
             AND lease_until > clock_timestamp() + interval '4 minutes' AND claim_pid = pg_backend_pid()), 2::bigint,
    'the claim records who, until when (default lease 5 minutes) and the session');
SELECT is((SELECT count(*) FROM dunning.action WHERE action_id IN (101, 102) AND status = 'queued'), 2::bigint,
    'claimed actions stay queued');
SELECT results_eq($$SELECT action_id FROM dunning.claim_actions('email', 3, 'w2')$$, ARRAY[103::bigint, 104, 105],
    'a second claim skips the leased actions');
-- Per row at claim time: a paid action is cancelled, bad recipients fail for good.
SELECT results_eq($$SELECT action_id FROM dunning.claim_actions('email', 100, 'w3')$$, ARRAY[106::bigint],
    'the claim keeps going past cancelled and failed candidates');
SELECT is((SELECT status || ' ' || last_error FROM dunning.action WHERE action_id = 107), 'cancelled items paid before sending',
    'an action whose items are all paid is cancelled at claim time');
SELECT is((SELECT status || '|' || COALESCE(next_attempt_at::text, 'no retry') || '|' || last_error
             FROM dunning.action WHERE action_id = 108),
          'failed|no retry|recipient contains a line break (CR or LF): never sent', 'a CR/LF recipient fails for good');
SELECT is((SELECT last_error FROM dunning.action WHERE action_id = 109), 'not an e-mail address: nobody',
    'a malformed address fails for good, named');
SELECT results_eq($$SELECT action_id FROM hook_calls ORDER BY 1$$, ARRAY[108::bigint, 109],
    'each recipient failure calls the permanent-failure hook once');
SELECT results_eq($$SELECT action_id FROM dunning.claim_actions('thanks', 10, 'w3')$$, ARRAY[110::bigint],
    'a payment confirmation is not cancelled for its paid items');
SELECT is_empty($$SELECT * FROM dunning.claim_actions('email', 10, 'w4')$$, 'nothing left to claim');
SELECT is(dunning.next_send_at(ARRAY['email']),
          (SELECT min(lease_until) FROM dunning.action WHERE channel = 'email' AND lease_until IS NOT NULL),
    'next_send_at: the end of the earliest lease when everything is leased');
SELECT ok(dunning.next_send_at(ARRAY['sms']) <= clock_timestamp(), 'next_send_at: now when one is queued');
SELECT is(dunning.next_send_at(ARRAY['letter']), NULL, 'next_send_at: NULL when nothing is pending');

-- A lease ends when it expires, or when its session is gone.
UPDATE dunning.action SET lease_until = clock_timestamp() - interval '1 second' WHERE action_id = 101;
UPDATE dunning.action SET claim_pid = 2147483647 WHERE action_id = 102;  -- above any pid_max
SELECT results_eq($$SELECT action_id FROM dunning.claim_actions('email', 10, 'w5', '1 minute')$$, ARRAY[101::bigint, 102],
    'an expired lease and the lease of a session that is gone return the action to the queue');
SELECT is((SELECT claimed_by FROM dunning.action WHERE action_id = 102), 'w5', 'the new claim holds it');
SELECT is(dunning.release_actions(ARRAY[101, 102, 103]::bigint[]), 3, 'release_actions gives back this session''s leases');
SELECT is((SELECT count(*) FROM dunning.action WHERE action_id IN (101, 102, 103) AND lease_until IS NULL), 3::bigint,
    'released actions are claimable again');

-- mark_sent: with the provider's id; again: nothing; another id: an error.
SELECT lives_ok($$SELECT dunning.mark_sent(101, '2026-03-16 10:00+00', '<101.x@acme.test>')$$, 'mark_sent with a provider id');
SELECT is((SELECT status || ' ' || provider_message_id || ' ' || COALESCE(lease_until::text, 'unleased')
             FROM dunning.action WHERE action_id = 101), 'sent <101.x@acme.test> unleased', 'sent, with its id, lease ended');
SELECT lives_ok($$SELECT dunning.mark_sent(101, now(), '<101.x@acme.test>')$$, 'mark_sent again, same id: no error');
SELECT lives_ok($$SELECT dunning.mark_sent(101)$$, 'mark_sent again without an id: no error');
SELECT is((SELECT sent_at FROM dunning.action WHERE action_id = 101), '2026-03-16 10:00+00'::timestamptz,
    'a second mark_sent changes nothing');
SELECT throws_ok($$SELECT dunning.mark_sent(101, now(), '<other@acme.test>')$$, '55000',
    'action 101 was sent as <101.x@acme.test>, not as <other@acme.test>', 'mark_sent with another provider id: 55000');
SELECT lives_ok($$SELECT dunning.mark_sent(102, '2026-03-16 10:00+00')$$, 'mark_sent without a claim or an id (the old contract)');
SELECT throws_ok($$SELECT dunning.mark_sent(107)$$, '55000', NULL, 'mark_sent of a cancelled action: 55000');

-- mark_sent_many: each as mark_sent; one that cannot be marked is reported, the others kept.
SELECT results_eq($$SELECT action_id, error FROM dunning.mark_sent_many(ARRAY[105, 107, 101, -5]::bigint[],
                                                                     ARRAY['<105.y@acme.test>', NULL, '<101.x@acme.test>', NULL])$$,
    $$VALUES (107::bigint, 'action 107 is cancelled and cannot be marked sent'), (-5, 'action -5 does not exist')$$,
    'mark_sent_many reports what it could not mark');
SELECT is((SELECT status || ' ' || provider_message_id FROM dunning.action WHERE action_id = 105), 'sent <105.y@acme.test>',
    '...and marks the others in the same transaction');
SELECT throws_ok($$SELECT * FROM dunning.mark_sent_many(ARRAY[1, 2]::bigint[], ARRAY['a'])$$, '22023', NULL,
    'mark_sent_many: as many provider ids as actions');
UPDATE dunning.action SET status = 'queued', sent_at = NULL, provider_message_id = NULL,
       lease_until = clock_timestamp() + interval '5 minutes', claim_pid = pg_backend_pid() WHERE action_id = 105;

-- mark_failed: retried with backoff, then given up (hook once).
SELECT isnt(dunning.mark_failed(103, '451 4.3.0 try later'), NULL, 'a transient failure is retried');
SELECT is((SELECT status || ' ' || attempts || ' ' || last_error FROM dunning.action WHERE action_id = 103),
          'failed 1 451 4.3.0 try later', 'attempts and the error recorded');
SELECT is(dunning.mark_failed(104, '550 5.1.1 no such user', false), NULL, 'a permanent failure is not retried');
SELECT results_eq($$SELECT action_id FROM hook_calls WHERE action_id = 104$$, ARRAY[104::bigint], 'the hook runs for it');
SELECT is(dunning.mark_failed(104, 'again', false), NULL, 'marking a given-up action failed again...');
SELECT is((SELECT count(*) FROM hook_calls WHERE action_id = 104), 1::bigint, '...does not call the hook twice');
UPDATE dunning.setting SET max_attempts = 2;
INSERT INTO dunning.setting (max_attempts) SELECT 2 WHERE NOT EXISTS (SELECT FROM dunning.setting);
UPDATE dunning.action SET next_attempt_at = clock_timestamp() - interval '1 second' WHERE action_id = 103;
SELECT results_eq($$SELECT action_id FROM dunning.claim_actions('email', 10, 'w6')$$, ARRAY[103::bigint],
    'a failed action due for its retry is claimed again (the others are leased)');
SELECT is(dunning.mark_failed(103, 'still 451'), NULL, 'attempts exhausted: given up');
SELECT is((SELECT count(*) FROM hook_calls WHERE action_id = 103), 1::bigint, 'exhausted attempts call the hook');

-- Message-IDs: stable, per database, recognised by record_bounce.
SELECT is(dunning.message_id(105, 'acme.test'), dunning.message_id(105, 'acme.test'), 'message_id is the same every time');
SELECT matches(dunning.message_id(105, 'acme.test'), '^<105\.[0-9a-f]{16}@acme\.test>$', 'message_id: <action_id.hash@domain>');
SELECT throws_ok($$SELECT dunning.message_id(105, E'x>\r\nBcc: y')$$, '22023', NULL, 'message_id refuses a bad domain');
SELECT is(dunning.record_bounce(dunning.message_id(105, 'elsewhere.test'), 'soft', 'mailbox full'), 105::bigint,
    'record_bounce recognises our Message-ID even before mark_sent');
SELECT ok((SELECT status = 'failed' AND next_attempt_at IS NOT NULL AND last_error = 'soft bounce: mailbox full'
             FROM dunning.action WHERE action_id = 105), 'a soft bounce is a failed attempt, retried');
SELECT is(dunning.record_bounce('101.x@acme.test', 'hard', '5.1.1 user unknown'), 101::bigint,
    'record_bounce finds a sent action by its provider id (with or without <>)');
SELECT is((SELECT status || '|' || COALESCE(sent_at::text, '-') || '|' || COALESCE(next_attempt_at::text, 'no retry') || '|' || last_error
             FROM dunning.action WHERE action_id = 101), 'failed|-|no retry|hard bounce: 5.1.1 user unknown',
    'a hard bounce fails a sent action for good');
SELECT lives_ok($$SELECT dunning.record_bounce('<101.x@acme.test>', 'hard', 'again')$$, 'the same DSN twice...');
SELECT is((SELECT count(*) FROM hook_calls WHERE action_id = 101), 1::bigint, '...calls the hook once');
SELECT throws_ok($$SELECT dunning.record_bounce('<106.0123456789abcdef@acme.test>', 'hard')$$, '42704', NULL,
    'a forged Message-ID names no action');
SELECT throws_ok($$SELECT dunning.record_bounce('x', 'bouncy')$$, '22023', NULL, 'bounce kind hard or soft');

-- The NOTIFY of new actions (payloads: test/t/sender_concurrency.sh) takes
-- the actions the row trigger action_queued noted (src/action_notify.c),
-- not a transition table.  With the statement trigger off, the notes stay
-- for take_queued_actions to show.
SELECT is_empty($$SELECT FROM pg_trigger WHERE tgrelid = 'dunning.action'::regclass AND tgnewtable IS NOT NULL$$,
    'no trigger on dunning.action keeps a transition table (a copy of every inserted row)');
SELECT is_empty($$SELECT * FROM dunning_internal.take_queued_actions()$$,
    'the statement trigger took the notes of every INSERT above');
ALTER TABLE dunning.action DISABLE TRIGGER action_notify;
INSERT INTO dunning.action (action_id, customer_id, scenario_id, step_id, step_name, offset_days, action_date, channel,
                            recipient, language, subject, body, payload, as_of, status, sent_at)
SELECT g, 1, 1, g, 's' || g, 7, DATE '2026-05-01' + (g - 201), CASE WHEN g % 2 = 0 THEN 'sms' ELSE 'letter' END,
       'ap@acme.test', 'en', 'Reminder', '<p>Pay</p>', '{}', '2026-03-16 09:00+00',
       CASE WHEN g = 205 THEN 'sent' ELSE 'queued' END, CASE WHEN g = 205 THEN now() END
  FROM (SELECT 210 - g AS g FROM generate_series(0, 9) g) x;
SELECT results_eq($$SELECT channel, action_ids FROM dunning_internal.take_queued_actions()$$,
    $$VALUES ('letter', ARRAY[201, 203, 207, 209]::bigint[]), ('sms', ARRAY[202, 204, 206, 208, 210]::bigint[])$$,
    'the queued actions of an INSERT, per channel by name, ids in order (a sent one is not noted)');
SELECT is_empty($$SELECT * FROM dunning_internal.take_queued_actions()$$, '... taken once');
INSERT INTO dunning.action (action_id, customer_id, scenario_id, step_id, step_name, offset_days, action_date, channel,
                            recipient, language, subject, body, payload, as_of)
VALUES (221, 1, 1, 221, 's', 7, '2026-06-01', 'email', 'ap@acme.test', 'en', 'R', 'B', '{}', now());
SAVEPOINT notes;
INSERT INTO dunning.action (action_id, customer_id, scenario_id, step_id, step_name, offset_days, action_date, channel,
                            recipient, language, subject, body, payload, as_of)
VALUES (222, 1, 1, 222, 's', 7, '2026-06-02', 'email', 'ap@acme.test', 'en', 'R', 'B', '{}', now());
ROLLBACK TO SAVEPOINT notes;
SELECT results_eq($$SELECT channel, action_ids FROM dunning_internal.take_queued_actions()$$,
    $$VALUES ('email', ARRAY[221]::bigint[])$$,
    'a rolled-back INSERT''s notes go with its savepoint; those taken before it stay');
SAVEPOINT notes2;
INSERT INTO dunning.action (action_id, customer_id, scenario_id, step_id, step_name, offset_days, action_date, channel,
                            recipient, language, subject, body, payload, as_of)
VALUES (223, 1, 1, 223, 's', 7, '2026-06-03', 'email', 'ap@acme.test', 'en', 'R', 'B', '{}', now());
RELEASE SAVEPOINT notes2;
SELECT results_eq($$SELECT channel, action_ids FROM dunning_internal.take_queued_actions()$$,
    $$VALUES ('email', ARRAY[223]::bigint[])$$, '... and a released savepoint keeps them');
ALTER TABLE dunning.action ENABLE ALWAYS TRIGGER action_notify;

SELECT * FROM finish();
ROLLBACK;
