-- pgTAP: run()'s writing without per-row foreign-key checks (runner.sql,
-- doc/dunning.md "The items' integrity checks"): taken here (a superuser,
-- READ COMMITTED, no other trigger), it writes what the checked writing
-- writes, leaves the foreign keys in force and replica mode off, and gives
-- way to a trigger a DBA adds.  A delete or key change of an invoice or a
-- customer takes the lock the run holds.  (The races themselves, and the
-- NOTIFY of a trusted run's actions: test/t/dunning_concurrency.sh.)
BEGIN;
CREATE EXTENSION IF NOT EXISTS dunning;
SELECT plan(21);

INSERT INTO dunning.customer (customer_id, name, email, postal_address, timezone)
SELECT g, 'Customer ' || g, CASE WHEN g % 4 <> 0 THEN 'c' || g || '@example.com' END, g || ' Main Street', 'UTC'
  FROM generate_series(1, 12) g;
-- three invoices each: 70, 40 and 5 days overdue on 2026-03-16, one not due
INSERT INTO dunning.invoice (invoice_id, customer_id, invoice_number, issued_on, due_on, amount, currency)
SELECT 10 * c + k, c, 'W-' || c || '-' || k, '2025-11-01',
       DATE '2026-03-16' - (ARRAY[70, 40, 5, -10])[k], 100 * k + c, CASE WHEN c % 5 = 0 THEN 'USD' ELSE 'EUR' END
  FROM generate_series(1, 12) c, generate_series(1, 4) k;
SELECT dunning.open_dispute(32, 'price', notes => 'disputed by phone', opened_on => DATE '2026-03-01');
ANALYZE;

CREATE TEMP TABLE fired (invoice_id bigint);
CREATE FUNCTION pg_temp.note_item() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO fired VALUES (NEW.invoice_id);
    RETURN NULL;
END $$;
-- what a run wrote, without the ids a sequence gave
CREATE FUNCTION pg_temp.written() RETURNS TABLE (r text) LANGUAGE sql AS $$
    SELECT format('action %s|%s|%s|%s|%s|%s|%s|%s', a.customer_id, a.kind, a.step_name, a.channel, a.action_date,
                  a.status, md5(a.body), md5(a.payload::text))
      FROM dunning.action a
    UNION ALL
    SELECT format('item %s|%s|%s|%s|%s|%s|%s', ai.customer_id, ai.invoice_id, ai.currency, ai.open_amount,
                  ai.days_overdue, ai.interest, ai.compensation)
      FROM dunning.action_item ai
    UNION ALL
    SELECT format('state %s|%s|%s|%s', s.customer_id, s.level_step_id, s.episode_started_on, s.last_contact_on)
      FROM dunning.customer_dunning s
    UNION ALL
    SELECT format('log %s|%s|%s', l.customer_id, l.event, l.changed_on) FROM dunning.level_change l
$$;

SELECT ok(dunning_internal.trusted_run_write_possible(), 'a plain install run by a superuser writes without the per-row checks');
SELECT is((SELECT string_agg(tgrelid::regclass || '.' || tgname, ' ' ORDER BY tgname) FROM pg_trigger WHERE tgenabled = 'A'
             AND tgrelid IN ('dunning.action'::regclass, 'dunning.invoice'::regclass, 'dunning.customer'::regclass)),
          'dunning.action.action_notify dunning.action.action_queued dunning.customer.customer_references_wait_for_run dunning.invoice.invoice_references_wait_for_run',
          'the NOTIFY of new actions and the guards of invoice and customer fire in replica mode too (ENABLE ALWAYS)');

-- (the runs below are rolled back; what the tests need is kept in psql
-- variables, and the tests run after the rollbacks)
SAVEPOINT runs;
SELECT dunning.run('2026-03-16 10:00+00') AS made_trusted \gset
SELECT array_agg(r) AS trusted_rows FROM pg_temp.written() \gset
SELECT current_setting('session_replication_role') AS role_after \gset
SELECT count(*) AS run_lock FROM pg_locks
 WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND mode = 'ExclusiveLock'
   AND ((classid::bigint << 32) | objid::bigint) = dunning_internal.lock_key('run_references') \gset
ROLLBACK TO SAVEPOINT runs;
CREATE TRIGGER dba_item_log AFTER INSERT ON dunning.action_item FOR EACH ROW EXECUTE FUNCTION pg_temp.note_item();
SELECT dunning_internal.trusted_run_write_possible() AS trusted_with_trigger \gset
SELECT dunning.run('2026-03-16 10:00+00') AS made_checked \gset
SELECT array_agg(r) AS checked_rows FROM pg_temp.written() \gset
SELECT count(*) AS fired_checked FROM fired \gset
SELECT count(*) AS run_lock_checked FROM pg_locks
 WHERE locktype = 'advisory' AND pid = pg_backend_pid()
   AND ((classid::bigint << 32) | objid::bigint) = dunning_internal.lock_key('run_references') \gset
ROLLBACK TO SAVEPOINT runs;
CREATE TRIGGER dba_item_log AFTER INSERT ON dunning.action_item FOR EACH ROW EXECUTE FUNCTION pg_temp.note_item();
ALTER TABLE dunning.action_item ENABLE ALWAYS TRIGGER dba_item_log;
SELECT dunning_internal.trusted_run_write_possible() AS trusted_with_always \gset
SELECT dunning.run('2026-03-16 10:00+00') AS made_always \gset
SELECT count(*) AS fired_always FROM fired \gset
ROLLBACK TO SAVEPOINT runs;
CREATE RULE dba_state_notice AS ON UPDATE TO dunning.customer_dunning DO ALSO NOTIFY dba_states;
SELECT dunning_internal.trusted_run_write_possible() AS trusted_with_rule \gset
ROLLBACK TO SAVEPOINT runs;
CREATE TRIGGER dba_state_replica BEFORE UPDATE ON dunning.customer_dunning FOR EACH ROW EXECUTE FUNCTION pg_temp.note_item();
ALTER TABLE dunning.customer_dunning ENABLE REPLICA TRIGGER dba_state_replica;
SELECT dunning_internal.trusted_run_write_possible() AS trusted_with_replica \gset
ROLLBACK TO SAVEPOINT runs;

SELECT is(:made_trusted, 12, 'the trusted run writes a notice for each of the 12 customers');
SELECT ok(NOT EXISTS (SELECT FROM unnest(:'trusted_rows'::text[]) r WHERE r LIKE 'item 3|32|%')
          AND EXISTS (SELECT FROM unnest(:'trusted_rows'::text[]) r WHERE r LIKE 'item 3|31|%'),
          '... listing its overdue items, the disputed one left out');
SELECT ok(NOT :'trusted_with_trigger'::boolean, 'a trigger a DBA put on dunning.action_item turns the trusted writing off');
SELECT is(:made_checked, :made_trusted, '... and the checked run writes as many actions');
SELECT bag_eq(format('SELECT unnest(%L::text[])', :'trusted_rows'), format('SELECT unnest(%L::text[])', :'checked_rows'),
              'the trusted and the checked writing write the same actions, items, states and level log');
SELECT cmp_ok(cardinality(:'trusted_rows'::text[]), '>', 50, '... (rows compared)');
SELECT is(:fired_checked::bigint, (SELECT count(*) FROM unnest(:'checked_rows'::text[]) r WHERE r LIKE 'item %'),
          '... and the DBA''s trigger fired for each item of the checked writing');
SELECT ok(:'trusted_with_always'::boolean, 'a trigger enabled ALWAYS (it fires in replica mode too) leaves the trusted writing on');
SELECT is(:fired_always::bigint, :fired_checked::bigint, '... and fires for each item of a trusted writing');
SELECT ok(NOT :'trusted_with_rule'::boolean, 'a rule on dunning.customer_dunning (replica mode skips rules) turns it off');
SELECT ok(NOT :'trusted_with_replica'::boolean, 'a trigger enabled REPLICA (it would fire only then) turns it off');
SELECT is(:'role_after'::text, 'origin', 'after a trusted run the session is back in origin mode');
SELECT is(:run_lock::integer, 1, 'a trusted run holds run_references exclusively until its transaction ends');
SELECT is(:run_lock_checked::integer, 0, 'a checked run does not take it');

-- The foreign keys stay in force after a trusted run.
SELECT is(dunning.run('2026-03-16 10:00+00'), :made_trusted, 'a trusted run again, kept this time');
SELECT throws_ok($$DELETE FROM dunning.invoice WHERE invoice_id = 11$$, '23503', NULL,
                 'an invoice a trusted run listed cannot be deleted (action_item_invoice_fkey)');
SELECT throws_ok($$DELETE FROM dunning.customer WHERE customer_id = 1$$, '23503', NULL,
                 'nor a customer it dunned (action_customer_id_fkey)');

-- The guards: deletes and key changes of invoices and customers take
-- run_references shared (the lock of a rolled-back savepoint goes with it).
CREATE FUNCTION pg_temp.holds_shared(s text) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE held boolean;
BEGIN
    EXECUTE s;
    SELECT EXISTS (SELECT FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND mode = 'ShareLock'
                      AND ((classid::bigint << 32) | objid::bigint) = dunning_internal.lock_key('run_references'))
      INTO held;
    RAISE EXCEPTION USING ERRCODE = 'P0001', MESSAGE = held::text;
EXCEPTION WHEN raise_exception THEN
    RETURN SQLERRM::boolean;
END $$;
SELECT is(ARRAY[pg_temp.holds_shared('DELETE FROM dunning.invoice WHERE false'),
                pg_temp.holds_shared('UPDATE dunning.invoice SET customer_id = customer_id WHERE false'),
                pg_temp.holds_shared('UPDATE dunning.invoice SET invoice_id = invoice_id WHERE false'),
                pg_temp.holds_shared('DELETE FROM dunning.customer WHERE false'),
                pg_temp.holds_shared('UPDATE dunning.customer SET customer_id = customer_id WHERE false')],
          ARRAY[true, true, true, true, true],
          'a delete or key change of an invoice or a customer takes run_references shared, even of no row');
SELECT is(ARRAY[pg_temp.holds_shared('UPDATE dunning.invoice SET invoice_number = invoice_number WHERE false'),
                pg_temp.holds_shared('UPDATE dunning.customer SET name = name WHERE false'),
                pg_temp.holds_shared($i$INSERT INTO dunning.invoice (invoice_id, customer_id, invoice_number, issued_on, due_on, amount)
                                        VALUES (9999, 1, 'W-9999', '2026-01-01', '2026-02-01', 1)$i$)],
          ARRAY[false, false, false],
          'other updates and inserts do not');

SELECT * FROM finish();
ROLLBACK;
