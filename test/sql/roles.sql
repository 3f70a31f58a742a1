-- pgTAP: the three roles, role by role.  Every function granted to a role
-- works for that role (called under SET ROLE with real arguments: no
-- "permission denied" from anything it calls), every relation it may read
-- reads, and the role table of doc/security.md holds.
BEGIN;
CREATE EXTENSION IF NOT EXISTS dunning;
SELECT plan(12);

-- A small ledger with something of everything.
INSERT INTO dunning.customer (customer_id, name, email, phone, country, timezone, collector) VALUES
  (1, 'Acme SA', 'ap@acme.example', '+32 2 555 01 01', 'BE', 'UTC', 'alice'),
  (2, 'Globex Ltd', 'ap@globex.example', NULL, 'GB', 'UTC', 'bob');
INSERT INTO dunning.invoice (invoice_id, customer_id, invoice_number, issued_on, due_on, amount, currency) VALUES
  (1, 1, 'R-1', '2026-01-01', '2026-01-31', 100.00, 'EUR'), (2, 1, 'R-2', '2026-01-05', '2026-02-04', 200.00, 'EUR'),
  (3, 1, 'R-3-CN', '2026-01-10', '2026-01-10', -20.00, 'EUR'), (4, 2, 'G-4', '2026-01-01', '2026-01-31', 300.00, 'EUR'),
  (5, 1, 'R-5', '2026-01-05', '2026-02-04', 120.00, 'EUR');
INSERT INTO dunning.payment (payment_id, received_on, amount, currency, customer_id, remittance_info) VALUES
  (1, '2026-02-10', 50.00, 'EUR', 1, 'R-1'), (2, '2026-02-11', 300.00, 'EUR', NULL, 'G-4 thanks'),
  (3, '2026-02-12', 80.00, 'EUR', 1, NULL), (4, '2026-02-12', 9.00, 'EUR', 1, NULL);
INSERT INTO dunning.reference_rate (currency, valid_from, rate) VALUES ('EUR', '2025-01-01', 4.0);
INSERT INTO dunning.setting (id, pay_link_base) VALUES (true, 'https://pay.example/p');
SELECT dunning.allocate(1, 1, 10.00);
SELECT dunning.run('2026-03-10 12:00+00');
INSERT INTO dunning.proposal (customer_id, payment_id, rank, invoice_ids, amounts, confidence, method, reason)
VALUES (1, 3, 1, '{2}', '{80.00}', 0.5, 'amount', 'test'), (1, 4, 1, '{5}', '{9.00}', 0.5, 'amount', 'test');

-- One call per function a role is granted (directly, not through the role
-- below it), and the SQLSTATE it may end with ('' = none): its own answer,
-- never 42501.
CREATE TEMP TABLE call (role name, fn text, sql text, may_fail text DEFAULT '', ord serial);
INSERT INTO call (role, fn, sql, may_fail) VALUES
  ('dunning_analyst', 'reference_valid(text,text)', $$SELECT dunning.reference_valid('RF18539007547034')$$, ''),
  ('dunning_analyst', 'reference_normalize(text,text)', $$SELECT dunning.reference_normalize('RF18 5390 0754 7034')$$, ''),
  ('dunning_analyst', 'reference_scheme(text)', $$SELECT dunning.reference_scheme('RF18539007547034')$$, ''),
  ('dunning_analyst', 'reference_create(text,text)', $$SELECT dunning.reference_create('539007547034', 'rf')$$, ''),
  ('dunning_analyst', 'reference_format(text,text)', $$SELECT dunning.reference_format('RF18539007547034')$$, ''),
  ('dunning_analyst', 'extract_references(text)', $$SELECT * FROM dunning.extract_references('pay RF18539007547034')$$, ''),
  ('dunning_analyst', 'iban_valid(text)', $$SELECT dunning.iban_valid('BE71 0961 2345 6769')$$, ''),
  ('dunning_analyst', 'iban_normalize(text)', $$SELECT dunning.iban_normalize('BE71 0961 2345 6769')$$, ''),
  ('dunning_analyst', 'normalize_invoice_number(text)', $$SELECT dunning.normalize_invoice_number('inv-0001')$$, ''),
  ('dunning_analyst', 'invoice_number_similarity(text,text)', $$SELECT dunning.invoice_number_similarity('A-1', 'A-2')$$, ''),
  ('dunning_analyst', 'remittance_tokens(text)', $$SELECT * FROM dunning.remittance_tokens('INV 12 and 13')$$, ''),
  ('dunning_analyst', 'best_invoice_number_match(text,text)', $$SELECT dunning.best_invoice_number_match('INV 12', 'INV-12')$$, ''),
  ('dunning_analyst', 'normalize_company_name(text)', $$SELECT dunning.normalize_company_name('Acme S.A.')$$, ''),
  ('dunning_analyst', 'company_name_similarity(text,text)', $$SELECT dunning.company_name_similarity('Acme SA', 'ACME')$$, ''),
  ('dunning_analyst', 'company_name_words(text)', $$SELECT dunning.company_name_words('Acme Widgets SA')$$, ''),
  ('dunning_analyst', 'customer_ref_key(text)', $$SELECT dunning.customer_ref_key('C-000123')$$, ''),
  ('dunning_analyst', 'is_currency(text)', $$SELECT dunning.is_currency('EUR')$$, ''),
  ('dunning_analyst', 'currency_minor_unit(text)', $$SELECT dunning.currency_minor_unit('JPY')$$, ''),
  ('dunning_analyst', 'normalize_phone(text,character)', $$SELECT dunning.normalize_phone('02 555 01 01', 'BE')$$, ''),
  ('dunning_analyst', 'letter_code(bigint)', $$SELECT dunning.letter_code(700)$$, ''),
  ('dunning_analyst', 'weighted_days_late(date,date,numeric)', $$SELECT dunning.weighted_days_late(due_on, due_on + 3, amount) FROM dunning.invoice$$, ''),
  ('dunning_analyst', 'avg_days_late(date,date)', $$SELECT dunning.avg_days_late(due_on, due_on + 3) FROM dunning.invoice$$, ''),
  ('dunning_analyst', 'days_beyond_terms(date,date,numeric)', $$SELECT dunning.days_beyond_terms(due_on, due_on + 3, amount) FROM dunning.invoice$$, ''),
  ('dunning_analyst', 'avg_days_to_pay(date,date,numeric)', $$SELECT dunning.avg_days_to_pay(issued_on, due_on, amount) FROM dunning.invoice$$, ''),
  ('dunning_analyst', 'paydex(date,date,numeric)', $$SELECT dunning.paydex(due_on, due_on + 3, amount) FROM dunning.invoice$$, ''),
  ('dunning_analyst', 'paydex_score(numeric)', $$SELECT dunning.paydex_score(10)$$, ''),
  ('dunning_analyst', 'payment_risk_score(date,date,numeric,date)', $$SELECT dunning.payment_risk_score(due_on, NULL, amount, DATE '2026-03-01') FROM dunning.invoice$$, ''),
  ('dunning_analyst', 'risk_figures(numeric,numeric,numeric,date,date,date,date,date)', $$SELECT dunning.risk_figures(amount, amount - settled_amount, settled_amount, due_on, issued_on, settled_on, DATE '2026-03-01', DATE '2025-03-01') FROM dunning.invoice$$, ''),
  ('dunning_analyst', 'aging_buckets(date,numeric,date)', $$SELECT dunning.aging_buckets(due_on, amount, DATE '2026-03-01') FROM dunning.invoice$$, ''),
  ('dunning_analyst', 'dso_countback(numeric,numeric,integer)', $$SELECT dunning.dso_countback(212000, s, 30 ORDER BY k) FROM (VALUES (1, 70000), (2, 80000), (3, 100000)) v(k, s)$$, ''),
  ('dunning_analyst', 'dso_countback(numeric,numeric,integer,integer)', $$SELECT dunning.dso_countback(212000, s, 30, 2 ORDER BY k) FROM (VALUES (1, 70000), (2, 80000), (3, 100000)) v(k, s)$$, ''),
  ('dunning_analyst', 'rolling_dso(numeric,numeric,integer)', $$SELECT dunning.rolling_dso(212000, s, 30) OVER (ORDER BY k) FROM (VALUES (1, 70000), (2, 80000)) v(k, s)$$, ''),
  ('dunning_analyst', 'rolling_dso(numeric,numeric,integer,integer)', $$SELECT dunning.rolling_dso(212000, s, 30, 2) OVER (ORDER BY k) FROM (VALUES (1, 70000), (2, 80000)) v(k, s)$$, ''),
  ('dunning_analyst', 'dso(numeric,numeric,integer)', $$SELECT dunning.dso(15000, 10000, 30)$$, ''),
  ('dunning_analyst', 'best_possible_dso(numeric,numeric,integer)', $$SELECT dunning.best_possible_dso(4000, 10000, 30)$$, ''),
  ('dunning_analyst', 'average_days_delinquent(numeric,numeric,numeric,integer)', $$SELECT dunning.average_days_delinquent(15000, 4000, 10000, 30)$$, ''),
  ('dunning_analyst', 'cei(numeric,numeric,numeric,numeric,integer)', $$SELECT dunning.cei(6200, 10890, 6340, 3590, 3)$$, ''),
  ('dunning_analyst', 'fee_tolerance(character)', $$SELECT * FROM dunning.fee_tolerance('EUR')$$, ''),
  ('dunning_analyst', 'suggest(bigint,integer)', $$SELECT * FROM dunning.suggest(2)$$, ''),
  ('dunning_analyst', 'accrue_interest(numeric,date,date,numeric,text,integer,date[],numeric[],date[],numeric[])',
   $$SELECT dunning.accrue_interest(100, '2026-01-01', '2026-02-01', 8, 'ACT/365', 2, '{2025-01-01}', '{4}')$$, ''),
  ('dunning_analyst', 'late_interest(numeric,character,date,date,numeric,text)', $$SELECT dunning.late_interest(10000, 'EUR', '2026-01-01', '2026-02-15', 8)$$, ''),
  ('dunning_analyst', 'invoice_late_interest(bigint,date,numeric,text)', $$SELECT dunning.invoice_late_interest(1, '2026-03-01', 8)$$, ''),
  ('dunning_analyst', 'open_items_as_of(date)', $$SELECT * FROM dunning.open_items_as_of('2026-03-01')$$, ''),
  ('dunning_analyst', 'aging_as_of(date)', $$SELECT * FROM dunning.aging_as_of('2026-03-01')$$, ''),
  ('dunning_analyst', 'open_items_as_of(date,bigint)', $$SELECT * FROM dunning.open_items_as_of('2026-03-01', 1)$$, ''),
  ('dunning_analyst', 'open_item_as_of(date,bigint)', $$SELECT * FROM dunning.open_item_as_of('2026-03-01', 1)$$, ''),
  ('dunning_analyst', 'aging_as_of(date,bigint)', $$SELECT * FROM dunning.aging_as_of('2026-03-01', 1)$$, ''),
  ('dunning_analyst', 'customer_risk_as_of(date,bigint)', $$SELECT * FROM dunning.customer_risk_as_of('2026-03-01', 1)$$, ''),
  ('dunning_analyst', 'aging_total_as_of(date)', $$SELECT * FROM dunning.aging_total_as_of('2026-03-01')$$, ''),
  ('dunning_analyst', 'kpi_as_of(date)', $$SELECT * FROM dunning.kpi_as_of('2026-02-28')$$, ''),
  ('dunning_analyst', 'customer_risk_as_of(date)', $$SELECT * FROM dunning.customer_risk_as_of('2026-03-01')$$, ''),
  ('dunning_analyst', 'cash_forecast_as_of(date)', $$SELECT * FROM dunning.cash_forecast_as_of('2026-03-01')$$, ''),
  ('dunning_analyst', 'cash_forecast_item_as_of(date)', $$SELECT * FROM dunning.cash_forecast_item_as_of('2026-03-01')$$, ''),
  ('dunning_analyst', 'invoice_state_as_of(date)', $$SELECT * FROM dunning.invoice_state_as_of('2026-03-01')$$, ''),
  ('dunning_analyst', 'cash_forecast_backtest(date,integer)', $$SELECT * FROM dunning.cash_forecast_backtest('2026-02-01', 2)$$, ''),
  ('dunning_analyst', 'step_effectiveness_as_of(date)', $$SELECT * FROM dunning.step_effectiveness_as_of('2026-03-01')$$, ''),
  ('dunning_analyst', 'payment_plan_status(date)', $$SELECT * FROM dunning.payment_plan_status('2026-03-01')$$, ''),
  ('dunning_analyst', 'customer_timeline(bigint)', $$SELECT * FROM dunning.customer_timeline(1)$$, ''),
  ('dunning_analyst', 'is_business_day(date,character,text)', $$SELECT dunning.is_business_day('2026-03-02', 'BE')$$, ''),
  ('dunning_analyst', 'is_holiday(date,character,text)', $$SELECT dunning.is_holiday('2026-12-25', 'DE', 'DE-BY')$$, ''),
  ('dunning_analyst', 'holidays(character,date,date,text)', $$SELECT * FROM dunning.holidays('FR', '2026-01-01', '2026-12-31')$$, ''),
  ('dunning_analyst', 'easter_sunday(integer)', $$SELECT dunning.easter_sunday(2026)$$, ''),
  ('dunning_analyst', 'rate_on(text,date)', $$SELECT dunning.rate_on('ECB_MRO', '2025-06-01')$$, ''),
  ('dunning_analyst', 'late_payment_rule_in_force(text,text)', $$SELECT * FROM dunning.late_payment_rule_in_force('FR', 'b2b')$$, ''),
  ('dunning_analyst', 'statutory_rate(text,text,date,date)', $$SELECT * FROM dunning.statutory_rate('FR', 'b2b', '2025-06-01')$$, ''),
  ('dunning_analyst', 'statutory_rate_schedule(text,text,date,date,date)',
   $$SELECT * FROM dunning.statutory_rate_schedule('EU', 'b2b', '2024-01-16', '2024-12-31')$$, ''),
  ('dunning_analyst', 'invoice_statutory_interest(bigint,date,text,text)', $$SELECT dunning.invoice_statutory_interest(1, '2025-06-30', 'EU')$$, ''),
  ('dunning_analyst', 'fixed_compensation(character,text,numeric)', $$SELECT dunning.fixed_compensation('GBP', 'b2b', 5000.00)$$, ''),
  ('dunning_analyst', 'materiality(character,text)', $$SELECT dunning.materiality('JPY', 'b2c')$$, ''),
  ('dunning_analyst', 'template_is_valid(text)', $$SELECT dunning.template_is_valid('Dear {{customer_name}}')$$, ''),
  ('dunning_analyst', 'render_template(text,jsonb,text)', $$SELECT dunning.render_template('Dear {{customer_name}}', '{"customer_name": "x"}', 'html')$$, ''),
  ('dunning_analyst', 'verify_pay_token(text,timestamp with time zone)', $$SELECT * FROM dunning.verify_pay_token('abc.def')$$, ''),
  ('dunning_analyst', 'cron_job_name()', $$SELECT dunning.cron_job_name()$$, ''),
  ('dunning_analyst', 'cron_refresh_job_name()', $$SELECT dunning.cron_refresh_job_name()$$, ''),
  ('dunning_collector', 'confirm_proposal(bigint)', $$SELECT dunning.confirm_proposal((SELECT proposal_id FROM dunning.proposal WHERE payment_id = 3 AND status = 'pending'))$$, ''),
  ('dunning_collector', 'reject_proposal(bigint,text)', $$SELECT dunning.reject_proposal((SELECT proposal_id FROM dunning.proposal WHERE payment_id = 4 AND status = 'pending'), 'no')$$, ''),
  ('dunning_collector', 'mark_failed(bigint,text,boolean)', $$SELECT dunning.mark_failed((SELECT min(action_id) FROM dunning.action WHERE status IN ('queued', 'failed')), 'bounce')$$, ''),
  ('dunning_collector', 'mark_sent(bigint,timestamp with time zone,text)', $$SELECT dunning.mark_sent((SELECT min(action_id) FROM dunning.action WHERE status IN ('queued', 'failed')))$$, ''),
  ('dunning_collector', 'allocate(bigint,bigint,numeric)', $$SELECT dunning.allocate(1, 2, 5.00)$$, ''),
  ('dunning_collector', 'allocate_credit_note(bigint,bigint,numeric)', $$SELECT dunning.allocate_credit_note(3, 2, 5.00)$$, ''),
  ('dunning_collector', 'unallocate(bigint)', $$SELECT dunning.unallocate((SELECT min(allocation_id) FROM dunning.allocation))$$, ''),
  ('dunning_collector', 'unletter(bigint,text)', $$SELECT dunning.unletter((SELECT max(letter_id) FROM dunning.letter WHERE unlettered_at IS NULL AND letter_id IN (SELECT letter_id FROM dunning.allocation)), 'test')$$, ''),
  ('dunning_collector', 'unletter_code(bigint,text,text)', $$SELECT dunning.unletter_code(1, (SELECT letter_code FROM dunning.letter WHERE customer_id = 1 AND unlettered_at IS NULL AND letter_id IN (SELECT letter_id FROM dunning.allocation) LIMIT 1))$$, ''),
  ('dunning_collector', 'auto_letter(real)', $$SELECT * FROM dunning.auto_letter()$$, ''),
  ('dunning_collector', 'pay_token(bigint,bigint[],text,timestamp with time zone)', $$SELECT dunning.pay_token(1, '{5}', 'EUR 120.00', now() + interval '1 day')$$, ''),
  ('dunning_collector', 'revoke_pay_token(text,text)', $$SELECT dunning.revoke_pay_token(dunning.pay_token(1, '{5}', 'EUR 1.00', now() + interval '1 day'))$$, ''),
  ('dunning_collector', 'set_level(bigint,integer,text,date)', $$SELECT dunning.set_level(2, 2, 'called')$$, ''),
  ('dunning_collector', 'hold_level(bigint,date,text)', $$SELECT dunning.hold_level(2, '2026-04-01', 'review')$$, ''),
  ('dunning_collector', 'release_level(bigint,text)', $$SELECT dunning.release_level(2)$$, ''),
  ('dunning_collector', 'close_legal_case(bigint,text,text,date)', $$SELECT dunning.close_legal_case(2, 'paid')$$, '55000'),
  ('dunning_collector', 'agree_payment_plan(bigint[],date[],numeric[],text,integer,date)',
   $$SELECT dunning.agree_payment_plan('{4}', '{2026-04-01}', '{300}', 'one go', 5, '2026-03-01')$$, ''),
  ('dunning_collector', 'cancel_payment_plan(bigint,bigint,text)',
   $$SELECT dunning.cancel_payment_plan(2, (SELECT max(plan_id) FROM dunning.payment_plan), 'changed mind')$$, ''),
  ('dunning_collector', 'promise_to_pay(bigint[],numeric,date,text,date)', $$SELECT dunning.promise_to_pay('{5}', 50, '2026-04-01')$$, ''),
  ('dunning_collector', 'cancel_promise(bigint,text)', $$SELECT dunning.cancel_promise(dunning.promise_to_pay('{5}', 10, '2026-04-01'))$$, ''),
  ('dunning_collector', 'refresh_promises(timestamp with time zone)', $$SELECT dunning.refresh_promises()$$, ''),
  ('dunning_collector', 'open_dispute(bigint,text,numeric,text,text,date)', $$SELECT dunning.open_dispute(4, 'price', 10)$$, ''),
  ('dunning_collector', 'resolve_dispute(bigint,text,text,date)', $$SELECT dunning.resolve_dispute(dunning.open_dispute(4, 'quality'), 'rejected')$$, ''),
  ('dunning_collector', 'cancel_paid_actions()', $$SELECT dunning.cancel_paid_actions()$$, ''),
  ('dunning_collector', 'claim_actions(text,integer,text,interval)', $$SELECT * FROM dunning.claim_actions('email', 5)$$, ''),
  ('dunning_collector', 'release_actions(bigint[])', $$SELECT dunning.release_actions('{1,2}')$$, ''),
  ('dunning_collector', 'next_send_at(text[])', $$SELECT dunning.next_send_at('{email,sms}')$$, ''),
  ('dunning_collector', 'message_id(bigint,text)', $$SELECT dunning.message_id((SELECT min(action_id) FROM dunning.action))$$, ''),
  ('dunning_collector', 'record_bounce(text,text,text)', $$SELECT dunning.record_bounce('<1.x@dunning.invalid>', 'hard', 'user unknown')$$, '42704'),
  ('dunning_collector', 'mark_sent_many(bigint[],text[])', $$SELECT dunning.mark_sent_many('{}'::bigint[], '{}'::text[])$$, ''),
  ('dunning_collector', 'preview(timestamp with time zone)', $$SELECT * FROM dunning.preview('2026-03-20 12:00+00')$$, ''),
  ('dunning_admin', 'run(timestamp with time zone)', $$SELECT dunning.run('2026-03-20 12:00+00')$$, ''),
  ('dunning_admin', 'copy_scenario(text,text)', $$SELECT dunning.copy_scenario('standard', 'mine')$$, ''),
  ('dunning_admin', 'rebuild_totals()', $$SELECT dunning.rebuild_totals()$$, ''),
  ('dunning_admin', 'import_statement(bytea,text,text,boolean)',
   $$SELECT * FROM dunning.import_statement(convert_to(E':20:R-1\n:25:BE71096123456769\n:60F:C260301EUR0,\n:61:260301C5,00NTRFNONREF//R-1\n:86:R-5\n:62F:C260301EUR5,\n-', 'UTF8'))$$, ''),
  ('dunning_admin', 'import_statement(text,text,boolean)',
   $$SELECT * FROM dunning.import_statement(E':20:R-2\n:25:BE71096123456769\n:60F:C260302EUR5,\n:61:260302D5,00NTRFNONREF//R-2\n:62F:C260302EUR0,\n-', 'mt940', false)$$, ''),
  ('dunning_admin', 'erase_customer(bigint,boolean,text)', $$SELECT dunning.erase_customer(2, true, 'test')$$, ''),
  ('dunning_admin', 'refresh_segments(date)', $$SELECT * FROM dunning.refresh_segments('2026-03-01')$$, ''),
  ('dunning_admin', 'refresh_kpi()', $$SELECT dunning.refresh_kpi()$$, ''),
  ('dunning_admin', 'extend_holidays(integer,integer)', $$SELECT dunning.extend_holidays(2031, 2030)$$, ''),
  ('dunning_admin', 'schedule(text)', $$SELECT dunning.schedule()$$, '55000'),
  ('dunning_admin', 'schedule_refresh(text)', $$SELECT dunning.schedule_refresh()$$, '55000'),
  ('dunning_admin', 'unschedule()', $$SELECT dunning.unschedule()$$, '55000');

-- The granted functions: exactly those with a call above (a new grant needs
-- a call here).
CREATE TEMP TABLE granted AS
SELECT r.rolname AS role, substr(p.oid::regprocedure::text, length('dunning.') + 1) AS fn
  FROM pg_proc p CROSS JOIN (VALUES ('dunning_analyst'::name, NULL::name), ('dunning_collector', 'dunning_analyst'),
                                    ('dunning_admin', 'dunning_collector')) r(rolname, below)
 WHERE p.pronamespace = 'dunning'::regnamespace AND has_function_privilege(r.rolname, p.oid, 'EXECUTE')
   AND (r.below IS NULL OR NOT has_function_privilege(r.below, p.oid, 'EXECUTE'));
SELECT set_eq($$SELECT role, fn FROM granted$$, $$SELECT role, fn FROM call$$,
              'every function granted to a role has a call in this test, role by role');

-- Each call under its role, in a subtransaction: the SQLSTATE it ended with.
CREATE TEMP TABLE outcome (role name, fn text, state text, message text);
GRANT INSERT ON outcome TO PUBLIC;
CREATE FUNCTION pg_temp.try(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE st text; msg text;
BEGIN
    EXECUTE q;
    RETURN '';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
    RETURN st || ' ' || msg;
END $$;
DO $$
DECLARE
    c record;
    res text;
BEGIN
    FOR c IN SELECT * FROM call ORDER BY ord LOOP
        EXECUTE format('SET LOCAL ROLE %I', c.role);
        res := pg_temp.try(c.sql);
        RESET ROLE;
        INSERT INTO outcome VALUES (c.role, c.fn, split_part(res, ' ', 1), res);
    END LOOP;
END
$$;
SELECT is_empty($$SELECT o.role, o.fn, o.message FROM outcome o JOIN call c USING (role, fn)
                   WHERE o.state <> c.may_fail AND o.role = 'dunning_analyst'$$,
                'every function granted to dunning_analyst works for it');
SELECT is_empty($$SELECT o.role, o.fn, o.message FROM outcome o JOIN call c USING (role, fn)
                   WHERE o.state <> c.may_fail AND o.role = 'dunning_collector'$$,
                'every function granted to dunning_collector works for it');
SELECT is_empty($$SELECT o.role, o.fn, o.message FROM outcome o JOIN call c USING (role, fn)
                   WHERE o.state <> c.may_fail AND o.role = 'dunning_admin'$$,
                'every function granted to dunning_admin works for it');
SELECT is_empty($$SELECT role, fn FROM outcome WHERE state = '42501'$$, 'no call was refused a privilege');

-- Every relation a role may read, it reads (whole rows where it has the
-- table, its columns where it has columns only).
CREATE TEMP TABLE readable AS
SELECT r.rolname AS role, c.oid::regclass::text AS rel,
       CASE WHEN has_table_privilege(r.rolname, c.oid, 'SELECT') THEN '*'
            ELSE (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) FROM pg_attribute a
                   WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                     AND has_column_privilege(r.rolname, c.oid, a.attnum, 'SELECT')) END AS cols
  FROM pg_class c CROSS JOIN (VALUES ('dunning_analyst'::name), ('dunning_collector'), ('dunning_admin')) r(rolname)
 WHERE c.relnamespace = 'dunning'::regnamespace AND c.relkind IN ('r', 'v', 'm')
   AND has_any_column_privilege(r.rolname, c.oid, 'SELECT');
DO $$
DECLARE
    t record;
    res text;
BEGIN
    FOR t IN SELECT * FROM readable LOOP
        EXECUTE format('SET LOCAL ROLE %I', t.role);
        res := pg_temp.try(format('SELECT %s FROM %s LIMIT 1', t.cols, t.rel));
        RESET ROLE;
        INSERT INTO outcome VALUES (t.role, t.rel, split_part(res, ' ', 1), res);
    END LOOP;
END
$$;
SELECT is_empty($$SELECT o.role, o.fn, o.message FROM outcome o JOIN readable r ON r.role = o.role AND r.rel = o.fn
                   WHERE o.state <> ''$$, 'every table and view a role may read reads for it');

-- The role table (doc/security.md): what each role must not have.
SELECT is_empty($$
    SELECT r, x FROM (VALUES ('dunning_analyst', 'dunning.customer', 'email'), ('dunning_analyst', 'dunning.customer', 'phone'),
                             ('dunning_analyst', 'dunning.customer', 'postal_address'),
                             ('dunning_analyst', 'dunning.payment', 'payer_iban'), ('dunning_analyst', 'dunning.payment', 'payer_name'),
                             ('dunning_analyst', 'dunning.payment', 'remittance_info'),
                             ('dunning_analyst', 'dunning.bank_entry', 'counterparty_name'),
                             ('dunning_analyst', 'dunning.bank_entry', 'counterparty_iban'),
                             ('dunning_analyst', 'dunning.bank_entry', 'remittance'),
                             ('dunning_analyst', 'dunning.action', 'recipient'), ('dunning_analyst', 'dunning.action', 'payload'),
                             ('dunning_analyst', 'dunning.action', 'body'), ('dunning_analyst', 'dunning.action', 'subject')) v(r, t, x)
     WHERE has_column_privilege(r, t, x, 'SELECT')$$,
    'analysts read no e-mail, phone, postal address, payer name, IBAN, remittance text (of payments or bank entries), nor what the outbox sends');
SELECT ok(NOT has_table_privilege('dunning_analyst', 'dunning.unapplied_payment', 'SELECT')
          AND NOT has_table_privilege('dunning_analyst', 'dunning.collector_worklist', 'SELECT')
          AND NOT has_function_privilege('dunning_analyst', 'dunning.preview(timestamptz)', 'EXECUTE')
          AND NOT has_function_privilege('dunning_analyst', 'dunning.pay_token(bigint, bigint[], text, timestamptz)', 'EXECUTE'),
          'analysts get no payment link (preview, outbox payloads, pay_token) and no personal data through views');
SELECT ok(has_table_privilege('dunning_collector', 'dunning.customer', 'SELECT')
          AND has_table_privilege('dunning_collector', 'dunning.unapplied_payment', 'SELECT')
          AND has_table_privilege('dunning_collector', 'dunning.action', 'SELECT')
          AND has_function_privilege('dunning_collector', 'dunning.preview(timestamptz)', 'EXECUTE'),
          'collectors see the contact data and the outbox they need to collect');
SELECT is_empty($$
    SELECT r, t, x FROM (VALUES ('dunning_admin'), ('dunning_collector'), ('dunning_analyst')) r(r),
           (VALUES ('dunning.invoice', 'settled_amount'), ('dunning.payment', 'allocated_amount')) c(t, x)
     WHERE has_column_privilege(r, t, x, 'UPDATE')$$,
    'no role may update the running totals');
SELECT ok(NOT has_function_privilege('dunning_analyst', 'dunning.erase_customer(bigint, boolean, text)', 'EXECUTE')
          AND NOT has_function_privilege('dunning_collector', 'dunning.erase_customer(bigint, boolean, text)', 'EXECUTE')
          AND NOT has_function_privilege('dunning_admin', 'dunning.drop_roles()', 'EXECUTE')
          AND NOT has_table_privilege('dunning_collector', 'dunning.signing_key', 'SELECT'),
          'erasure is an admin''s; dropping the roles a superuser''s; the signing key an admin''s');

-- Schema dunning holds the public surface only: nothing in it is described
-- as internal, and no type of its own but the row types of its tables and
-- views (the aggregates' state types are internals).
SELECT is_empty($$
    SELECT d.classoid::regclass::text, d.objoid
      FROM pg_description d
     WHERE d.objsubid = 0 AND d.description ~* '\minternal\M'
       AND ((d.classoid = 'pg_proc'::regclass AND (SELECT p.pronamespace FROM pg_proc p WHERE p.oid = d.objoid) = 'dunning'::regnamespace)
         OR (d.classoid = 'pg_class'::regclass AND (SELECT c.relnamespace FROM pg_class c WHERE c.oid = d.objoid) = 'dunning'::regnamespace)
         OR (d.classoid = 'pg_type'::regclass AND (SELECT t.typnamespace FROM pg_type t WHERE t.oid = d.objoid) = 'dunning'::regnamespace))
    UNION ALL
    SELECT 'pg_type', t.oid FROM pg_type t
     WHERE t.typnamespace = 'dunning'::regnamespace AND t.typtype = 'b' AND t.typelem = 0
$$, 'nothing in schema dunning is an internal (comments, base types)');
SELECT * FROM finish();
ROLLBACK;
