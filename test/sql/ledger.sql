-- pgTAP: the ledger model's contract, security and invariants.
BEGIN;
CREATE EXTENSION IF NOT EXISTS dunning;
SELECT plan(105);

-- The contract: names that integrations and outside tests use.
SELECT has_schema('dunning');
SELECT columns_are('dunning', 'customer', ARRAY['customer_id', 'external_ref', 'name', 'email', 'phone',
    'postal_address', 'country', 'language', 'timezone', 'segment', 'credit_limit', 'collector',
    'on_hold', 'created_at', 'subdivision', 'kind', 'risk_segment']);
SELECT col_type_is('dunning', 'customer', 'country', 'character(2)', 'col_type_is customer, country, character(2)');
SELECT col_default_is('dunning', 'customer', 'language', 'en', 'col_default_is customer, language, en');
SELECT col_default_is('dunning', 'customer', 'on_hold', 'false', 'col_default_is customer, on_hold, false');
SELECT col_is_pk('dunning', 'invoice', ARRAY['customer_id', 'invoice_id'], 'col_is_pk invoice, (customer_id, invoice_id)');
SELECT index_is_unique('dunning', 'invoice', 'invoice_number_per_customer_key',
                       'invoice numbers are unique per customer (normalised)');
SELECT fk_ok('dunning', 'invoice', 'customer_id', 'dunning', 'customer', 'customer_id');
SELECT col_type_is('dunning', 'invoice', 'amount', 'numeric', 'col_type_is invoice, amount, numeric');
SELECT col_type_is('dunning', 'invoice', 'due_on', 'date', 'col_type_is invoice, due_on, date');
SELECT col_type_is('dunning', 'invoice', 'currency', 'character(3)', 'col_type_is invoice, currency, character(3)');
SELECT col_default_is('dunning', 'invoice', 'currency', 'EUR', 'col_default_is invoice, currency, EUR');
SELECT col_is_null('dunning', 'payment', 'customer_id', 'col_is_null payment, customer_id');
SELECT col_type_is('dunning', 'payment', 'received_on', 'date', 'col_type_is payment, received_on, date');
SELECT has_column('dunning', 'payment', 'payer_iban', 'payment.payer_iban');
SELECT has_column('dunning', 'payment', 'remittance_info', 'payment.remittance_info');
SELECT has_column('dunning', 'allocation', 'credit_note_id', 'allocation.credit_note_id');
SELECT has_column('dunning', 'dispute', 'resolved_on', 'dispute.resolved_on');
SELECT function_returns('dunning', 'allocate', ARRAY['bigint', 'bigint', 'numeric'], 'bigint');
SELECT has_view('dunning', 'open_item', 'view open_item');
SELECT has_view('dunning', 'customer_balance', 'view customer_balance');
SELECT has_column('dunning', 'open_item', 'open_amount', 'open_item.open_amount');
SELECT has_column('dunning', 'open_item', 'days_past_due', 'open_item.days_past_due');

-- Roles exist, nest, and have what they need and no more.
SELECT has_role('dunning_admin');
SELECT has_role('dunning_collector');
SELECT has_role('dunning_analyst');
SELECT is_member_of('dunning_collector', 'dunning_admin');
SELECT is_member_of('dunning_analyst', 'dunning_collector');
SELECT table_privs_are('dunning', 'invoice', 'dunning_analyst', ARRAY['SELECT']);
SELECT function_privs_are('dunning', 'allocate', ARRAY['bigint', 'bigint', 'numeric'],
                          'dunning_collector', ARRAY['EXECUTE']);
SELECT function_privs_are('dunning', 'allocate', ARRAY['bigint', 'bigint', 'numeric'],
                          'public', ARRAY[]::text[]);

-- Every SECURITY DEFINER function pins search_path.
SELECT is_empty($$
    SELECT p.oid::regprocedure FROM pg_proc p
      JOIN pg_depend d ON d.objid = p.oid AND d.deptype = 'e'
      JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'dunning'
     WHERE p.prosecdef AND NOT EXISTS (SELECT FROM unnest(p.proconfig) c WHERE c LIKE 'search_path=%')
$$, 'every SECURITY DEFINER function sets search_path');
-- Every table, view and their columns carry a comment (BI tools show them).
SELECT is_empty($$
    SELECT c.oid::regclass::text FROM pg_class c
     WHERE c.relnamespace = 'dunning'::regnamespace AND c.relkind IN ('r', 'v', 'm')
       AND obj_description(c.oid, 'pg_class') IS NULL
    UNION ALL
    SELECT c.oid::regclass::text || '.' || a.attname FROM pg_class c
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
     WHERE c.relnamespace = 'dunning'::regnamespace AND c.relkind IN ('r', 'v', 'm')
       AND col_description(c.oid, a.attnum) IS NULL
$$, 'every table, view and column has a COMMENT');
SELECT is_empty($$
    SELECT p.oid::regprocedure::text FROM pg_proc p
     WHERE p.pronamespace = 'dunning'::regnamespace AND p.prorettype <> 'trigger'::regtype
       AND has_function_privilege('dunning_analyst', p.oid, 'EXECUTE')
       AND obj_description(p.oid, 'pg_proc') IS NULL
$$, 'every function a role may call has a COMMENT');

-- Analysts read and cannot write; collectors letter through functions only.
INSERT INTO dunning.customer (customer_id, name) VALUES (1, 'Acme SA'), (2, 'Globex');
INSERT INTO dunning.invoice (invoice_id, customer_id, invoice_number, issued_on, due_on, amount)
SELECT g, 1 + g % 2, 'T-' || g, DATE '2026-01-01' + g, DATE '2026-01-31' + g, 100 + g
  FROM generate_series(1, 40) g;
INSERT INTO dunning.payment (payment_id, received_on, amount, customer_id)
SELECT g, DATE '2026-03-01' + g, 150, 1 + g % 2 FROM generate_series(1, 30) g;

SET LOCAL ROLE dunning_analyst;
SELECT is((SELECT count(*)::int FROM dunning.open_item), 40, 'analyst reads open_item');
SELECT throws_ok($$INSERT INTO dunning.customer (name) VALUES ('x')$$, '42501', NULL,
                 'analyst cannot load customers');
SELECT throws_ok($$SELECT dunning.allocate(2, 2)$$, '42501', NULL, 'analyst cannot letter');
RESET ROLE;
SET LOCAL ROLE dunning_collector;
SELECT isnt(dunning.allocate(2, 2), NULL::bigint, 'collector letters with allocate()');
SELECT throws_ok($$INSERT INTO dunning.allocation (payment_id, invoice_id, amount) VALUES (4, 4, 1)$$,
                 '42501', NULL, 'collector cannot insert allocations directly');
SELECT throws_ok($$UPDATE dunning.invoice SET amount = 1 WHERE invoice_id = 3$$, '42501', NULL,
                 'collector cannot change invoices');
RESET ROLE;

-- Error codes of the public write path.
SELECT throws_ok($$SELECT dunning.allocate(2, 2, 1000)$$, '23514', NULL, 'over-allocation: check_violation');
SELECT throws_ok($$SELECT dunning.allocate(2, 4, -1)$$, '22023', NULL, 'negative amount: invalid_parameter_value');
SELECT throws_ok($$SELECT dunning.allocate(999, 2)$$, '42704', NULL, 'unknown payment: undefined_object (doc/errors.md)');
SELECT throws_ok($$SELECT dunning.confirm_proposal(-1)$$, '42704', NULL, 'confirm an unknown proposal: undefined_object');
SELECT throws_ok($$SELECT dunning.reject_proposal(-1)$$, '42704', NULL, 'reject an unknown proposal: undefined_object');
SELECT throws_ok($$SELECT dunning.unletter_code(1, 'ZZ')$$, '42704', 'customer 1 has no letter group ZZ', 'unletter an unknown letter code: named, undefined_object');
SELECT throws_ok($$SELECT dunning.cancel_payment_plan(1, -1)$$, '42704', NULL, 'cancel an unknown payment plan: undefined_object');
SELECT throws_ok($$UPDATE dunning.invoice SET settled_amount = 0 WHERE invoice_id = 2$$, '42501', NULL,
                 'settled_amount is read only');

-- An infinite day or instant given to any function: 22023, whatever the
-- function (doc/errors.md), before anything is read or written (kpi_as_of
-- of infinity used to generate months until the disk was full).
CREATE TEMP TABLE infinite_call (q text);
INSERT INTO infinite_call VALUES
  ($$SELECT count(*) FROM dunning.open_items_as_of('infinity')$$),
  ($$SELECT count(*) FROM dunning.open_items_as_of('-infinity', 1)$$),
  ($$SELECT count(*) FROM dunning.open_item_as_of('infinity')$$),
  ($$SELECT count(*) FROM dunning.aging_as_of('infinity')$$),
  ($$SELECT count(*) FROM dunning.aging_total_as_of('-infinity')$$),
  ($$SELECT count(*) FROM dunning.customer_risk_as_of('infinity')$$),
  ($$SELECT count(*) FROM dunning.customer_risk_as_of('infinity', 1)$$),
  ($$SELECT count(*) FROM dunning.kpi_as_of('infinity')$$),
  ($$SELECT count(*) FROM dunning.invoice_state_as_of('infinity')$$),
  ($$SELECT count(*) FROM dunning.cash_forecast_item_as_of('infinity')$$),
  ($$SELECT count(*) FROM dunning.cash_forecast_as_of('-infinity')$$),
  ($$SELECT count(*) FROM dunning.step_effectiveness_as_of('infinity')$$),
  ($$SELECT count(*) FROM dunning.cash_forecast_backtest('infinity')$$),
  ($$SELECT count(*) FROM dunning.payment_plan_status('infinity')$$),
  ($$SELECT dunning.refresh_segments('-infinity')$$),
  ($$SELECT dunning.is_holiday('infinity', 'FR')$$),
  ($$SELECT dunning.is_business_day('-infinity', 'FR')$$),
  ($$SELECT count(*) FROM dunning.holidays('FR', '2026-01-01', 'infinity')$$),
  ($$SELECT dunning.rate_on('ECB_MRO', 'infinity')$$),
  ($$SELECT dunning.statutory_rate('FR', 'b2b', 'infinity')$$),
  ($$SELECT dunning.statutory_rate_schedule('FR', 'b2b', '2026-01-01', 'infinity')$$),
  ($$SELECT dunning.invoice_statutory_interest(2, 'infinity')$$),
  ($$SELECT dunning.late_interest(100, 'EUR', '2026-01-01', 'infinity', 5)$$),
  ($$SELECT dunning.accrue_interest(100, '2026-01-01', 'infinity', 5, 'ACT/365', 2, '{2025-01-01}', '{4}')$$),
  ($$SELECT dunning.promise_to_pay(ARRAY[2]::bigint[], 10, 'infinity')$$),
  ($$SELECT dunning.promise_to_pay(ARRAY[2]::bigint[], 10, '2026-05-01', made_on => '-infinity')$$),
  ($$SELECT dunning.refresh_promises('infinity')$$),
  ($$SELECT dunning.open_dispute(2, 'quality', opened_on => 'infinity')$$),
  ($$SELECT dunning.resolve_dispute(1, 'resolved', NULL, 'infinity')$$),
  ($$SELECT dunning.agree_payment_plan(ARRAY[2]::bigint[], ARRAY['infinity']::date[], ARRAY[10]::numeric[])$$),
  ($$SELECT dunning.set_level(1, 1, 'by hand', 'infinity')$$),
  ($$SELECT dunning.hold_level(1, 'infinity', 'by hand')$$),
  ($$SELECT dunning.close_legal_case(1, 'paid', NULL, 'infinity')$$),
  ($$SELECT dunning.run('infinity')$$),
  ($$SELECT count(*) FROM dunning.preview('-infinity')$$),
  ($$SELECT dunning.mark_sent(1, 'infinity')$$),
  ($$SELECT dunning.pay_token(1, '{2}', 'EUR 1.00', 'infinity')$$),
  ($$SELECT * FROM dunning.verify_pay_token('x', 'infinity')$$);
CREATE TEMP TABLE infinite_answer (q text, sqlstate text);
DO $$
DECLARE
    c record;
    code text;
BEGIN
    FOR c IN SELECT q FROM infinite_call LOOP
        BEGIN
            EXECUTE c.q;
            code := 'no error';
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE;
        END;
        INSERT INTO infinite_answer VALUES (c.q, code);
    END LOOP;
END
$$;
SELECT is_empty($$SELECT q, sqlstate FROM infinite_answer WHERE sqlstate <> '22023'$$,
                'an infinite day, to any of 37 calls: 22023 (invalid_parameter_value)');

-- Invariant under a storm of random allocations (valid and invalid, with
-- and without amounts): nothing is ever over-allocated and the running
-- totals equal the allocations.
DO $$
DECLARE
    k int;
BEGIN
    FOR k IN 1..600 LOOP
        BEGIN
            IF k % 5 = 0 AND EXISTS (SELECT FROM dunning.allocation) THEN
                PERFORM dunning.unallocate((SELECT min(allocation_id) + (k % 7) FROM dunning.allocation));
            ELSE
                PERFORM dunning.allocate(1 + (k * 7919) % 30, 1 + (k * 104729) % 40,
                                         CASE WHEN k % 3 = 0 THEN NULL ELSE (k % 90) + 0.37 END);
            END IF;
        EXCEPTION WHEN check_violation OR undefined_object THEN
            NULL;
        END;
    END LOOP;
END
$$;
SELECT cmp_ok((SELECT count(*)::int FROM dunning.allocation), '>', 20, 'the storm made allocations');
SELECT is_empty($$
    SELECT i.invoice_id FROM dunning.invoice i
      LEFT JOIN (SELECT invoice_id, sum(amount) s FROM dunning.allocation GROUP BY 1) a USING (invoice_id)
     WHERE COALESCE(a.s, 0) > i.amount OR COALESCE(a.s, 0) <> i.settled_amount
$$, 'no invoice over-allocated; settled_amount = sum of allocations');
SELECT is_empty($$
    SELECT p.payment_id FROM dunning.payment p
      LEFT JOIN (SELECT payment_id, sum(amount) s FROM dunning.allocation GROUP BY 1) a USING (payment_id)
     WHERE COALESCE(a.s, 0) > p.amount OR COALESCE(a.s, 0) <> p.allocated_amount
$$, 'no payment over-allocated; allocated_amount = sum of allocations');
SELECT is(dunning.rebuild_totals(), 0::bigint, 'rebuild_totals finds nothing to correct');
SELECT is_empty($$SELECT FROM dunning.allocation a JOIN dunning.invoice i USING (invoice_id)
                   JOIN dunning.payment p USING (payment_id) WHERE p.customer_id <> i.customer_id$$,
                'allocations never cross customers');

-- Storage: settling is a HOT update (src/sql/ledger.sql).
RESET ROLE;
SELECT is_empty($$
    SELECT x.indexrelid::regclass
      FROM pg_index x
      JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attname IN ('settled_amount', 'allocated_amount')
     WHERE x.indrelid IN ('dunning.invoice'::regclass, 'dunning.payment'::regclass)
       AND (a.attnum = ANY (x.indkey)
            OR coalesce(pg_get_expr(x.indexprs, x.indrelid), '') ~ a.attname
            OR coalesce(pg_get_expr(x.indpred, x.indrelid), '') ~ a.attname)$$,
    'no index of invoice or payment mentions the running totals');
INSERT INTO dunning.invoice (invoice_id, customer_id, invoice_number, issued_on, due_on, amount)
    VALUES (990001, 1, 'HOT-1', '2026-01-01', '2026-01-31', 10);
INSERT INTO dunning.payment (payment_id, received_on, amount, customer_id)
    VALUES (990001, '2026-02-01', 10, 1);
CREATE TEMP TABLE hot_before AS
    SELECT relid, n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables
     WHERE relid IN ('dunning.invoice'::regclass, 'dunning.payment'::regclass);
SELECT isnt(dunning.allocate(990001, 990001), NULL::bigint, 'allocate a fresh invoice');
SELECT results_eq($$
    SELECT s.relid::regclass::text, s.n_tup_upd - b.n_tup_upd, s.n_tup_hot_upd - b.n_tup_hot_upd
      FROM pg_stat_xact_user_tables s JOIN hot_before b USING (relid) ORDER BY 1$$,
    $$VALUES ('dunning.invoice', 1::bigint, 1::bigint), ('dunning.payment', 1::bigint, 1::bigint)$$,
    'settling an invoice and allocating a payment are HOT updates (no new index entries)');

-- A hostile object on the search path does not capture the extension.
CREATE FUNCTION public.abs(numeric) RETURNS numeric LANGUAGE sql AS 'SELECT 0::numeric';
SET LOCAL search_path = public, dunning;
SELECT is((SELECT count(*)::int FROM dunning.open_item WHERE open_amount <> 0),
          (SELECT count(*)::int FROM dunning.invoice WHERE settled_amount < amount),
          'views ignore a public.abs() planted on the search path');
RESET search_path;

-----------------------------------------------------------------------------
-- Issue 13, point 3: bad rows never take the ledger down.  Dates and
-- amounts outside what the engine computes with are refused at load,
-- naming the row's table and the constraint.
-----------------------------------------------------------------------------
SELECT throws_ok($$INSERT INTO dunning.invoice (customer_id, invoice_number, issued_on, due_on, amount)
                   VALUES (1, 'B-1', '2026-01-01', 'infinity', 10)$$, '23514',
                 'new row for relation "invoice" violates check constraint "invoice_due_on_in_range"', 'a due date of infinity');
SELECT throws_ok($$INSERT INTO dunning.invoice (customer_id, invoice_number, issued_on, due_on, amount)
                   VALUES (1, 'B-2', '-infinity', '2026-01-01', 10)$$, '23514', NULL, 'an issue date of -infinity');
SELECT throws_ok($$INSERT INTO dunning.invoice (customer_id, invoice_number, issued_on, due_on, amount)
                   VALUES (1, 'B-3', '1899-12-31', '1900-01-30', 10)$$, '23514', NULL, 'an issue date before 1900');
SELECT throws_ok($$INSERT INTO dunning.invoice (customer_id, invoice_number, issued_on, due_on, amount)
                   VALUES (1, 'B-4', '2026-01-01', '2036-01-31', 10)$$, '23514',
                 'new row for relation "invoice" violates check constraint "invoice_due_on_in_range"', 'terms beyond ten years');
SELECT throws_ok($$INSERT INTO dunning.invoice (customer_id, invoice_number, issued_on, due_on, amount)
                   VALUES (1, 'B-5', '2026-01-01', '2026-01-31', 1e20)$$, '23514',
                 'new row for relation "invoice" violates check constraint "invoice_amount_in_range"', 'an invoice of 1e20');
SELECT throws_ok($$INSERT INTO dunning.invoice (customer_id, invoice_number, issued_on, due_on, amount)
                   VALUES (1, 'B-6', '2026-01-01', '2026-01-31', -1e12)$$, '23514', NULL, 'a credit note of -1e12');
SELECT throws_ok($$INSERT INTO dunning.payment (received_on, amount) VALUES ('2026-01-01', 1e12)$$, '23514',
                 'new row for relation "payment" violates check constraint "payment_amount_in_range"', 'a payment of 1e12');
SELECT throws_ok($$INSERT INTO dunning.payment (received_on, amount) VALUES ('infinity', 1)$$, '23514',
                 'new row for relation "payment" violates check constraint "payment_received_on_in_range"', 'a payment dated infinity');
SELECT throws_ok($$INSERT INTO dunning.customer (name, credit_limit) VALUES ('x', 1e15)$$, '23514', NULL, 'a credit limit of 1e15');
-- The worst values allowed (both ends of the date range, terms of ten
-- years, amounts just below 10^12 in 0-, 2- and 3-decimal currencies) for
-- one customer: every set-based job runs for the whole ledger.
INSERT INTO dunning.customer (customer_id, name, timezone) VALUES (9, 'Extreme Ltd', 'Pacific/Kiritimati');
INSERT INTO dunning.invoice (invoice_id, customer_id, invoice_number, issued_on, due_on, amount, currency) VALUES
  (901, 9, 'X-1', '1900-01-01', '1910-01-01', 999999999999.99, 'EUR'),
  (902, 9, 'X-2', '1900-01-01', '1900-01-01', -999999999999.99, 'EUR'),
  (903, 9, 'X-3', '2999-12-31', '2999-12-31', 999999999999.99, 'EUR'),
  (904, 9, 'X-4', '1989-12-31', '1999-12-31', 999999999999, 'JPY'),
  (905, 9, 'X-5', '2026-06-01', '2036-05-30', 999999999999.999, 'KWD'),
  (906, 9, 'X-6', '2989-12-31', '2999-12-31', 999999999999.99, 'EUR');
INSERT INTO dunning.payment (payment_id, received_on, amount, currency, customer_id, remittance_info) VALUES
  (901, '1900-01-01', 999999999999.99, 'EUR', 9, 'X-1'),
  (902, '2999-12-31', 999999999999.99, 'EUR', NULL, 'X-3'),
  (903, '2999-12-31', 999999999999.99, 'EUR', NULL, NULL),
  (904, '1900-01-01', 999999999999, 'JPY', 9, 'X-4');
INSERT INTO dunning.dispute (invoice_id, amount, reason, opened_on) VALUES (903, 999999999999.99, 'all of it', '2999-12-31');
SELECT lives_ok($$SELECT * FROM dunning.auto_letter(0.5)$$, 'auto_letter with the worst values allowed');
SELECT isnt_empty($$SELECT FROM dunning.allocation WHERE payment_id = 902 AND invoice_id = 903$$,
                  '... letters them like any other');
SELECT lives_ok($$SELECT dunning.refresh_kpi()$$, 'refresh_kpi with the worst values allowed');
SELECT lives_ok($$SELECT * FROM dunning.kpi_as_of('2026-02-28')$$, 'kpi_as_of');
SELECT lives_ok($$SELECT * FROM dunning.kpi_as_of('2999-12-31')$$, 'kpi_as_of at the end of the range');
SELECT lives_ok($$SELECT * FROM dunning.kpi_as_of('1900-01-31')$$, 'kpi_as_of at its start');
SELECT lives_ok($$SELECT * FROM dunning.refresh_segments(CURRENT_DATE)$$, 'refresh_segments');
SELECT lives_ok($$SELECT dunning.run(now())$$, 'run');
SELECT lives_ok($$SELECT * FROM dunning.customer_risk_as_of('2999-12-31')$$, 'customer_risk_as_of');
SELECT lives_ok($$SELECT * FROM dunning.aging_as_of('1900-01-01')$$, 'aging_as_of');
SELECT lives_ok($$SELECT count(*) FROM dunning.cash_forecast$$, 'cash_forecast');
SELECT is(dunning.rebuild_totals(), 0::bigint, 'and the totals agree');

-----------------------------------------------------------------------------
-- Point 4: what reminders carry is one line; contact data is plausible
-----------------------------------------------------------------------------
SELECT throws_ok($$INSERT INTO dunning.customer (name, email) VALUES ('x', E'a@b.example\r\nBcc: all@evil.example')$$, '23514',
                 'new row for relation "customer" violates check constraint "customer_email_plausible"',
                 'an e-mail address with CR/LF (header injection)');
SELECT throws_ok($$INSERT INTO dunning.customer (name, email) VALUES ('x', 'not an address')$$, '23514', NULL,
                 'an implausible e-mail address');
SELECT throws_ok($$INSERT INTO dunning.customer (name, email) VALUES ('x', 'a@b.example, c@d.example')$$, '23514', NULL,
                 'two addresses in one');
SELECT throws_ok($$INSERT INTO dunning.customer (name) VALUES (E'Acme\r\nBcc: x@y.example')$$, '23514',
                 'new row for relation "customer" violates check constraint "customer_name_one_line"', 'a name with CR/LF');
SELECT throws_ok($$INSERT INTO dunning.customer (name, postal_address) VALUES ('x', E'1 Rd\nTown')$$, '23514', NULL,
                 'a postal address on several lines (it is a recipient)');
SELECT throws_ok($$INSERT INTO dunning.customer (name, collector) VALUES ('x', E'bob\r\n')$$, '23514', NULL, 'a collector with CR/LF');
SELECT throws_ok($$INSERT INTO dunning.customer (name, phone) VALUES ('x', E'+32 2 555 01 01\r\n')$$, '23514',
                 NULL, 'a phone number with CR/LF');
SELECT throws_ok($$INSERT INTO dunning.customer (name, phone) VALUES ('x', '555-0101')$$, '23514',
                 NULL, 'a national phone number without a country');
SELECT results_eq($$
    WITH c AS (INSERT INTO dunning.customer (name, phone, country) VALUES
                 ('p1', '+32 (0)2 555.01.01', 'BE'), ('p2', '0032 2/555 01 01', NULL), ('p3', '02 555 01 01', 'BE'),
                 ('p4', '(212) 555-0199', 'US'), ('p5', '06 12 34 56 78', 'FR'), ('p6', '+44 (0) 20 7946 0958', NULL)
               RETURNING name, phone)
    SELECT phone FROM c ORDER BY name$$,
    $$VALUES ('+3225550101'), ('+3225550101'), ('+3225550101'), ('+12125550199'), ('+33612345678'), ('+442079460958')$$,
    'phone numbers with spaces, dots, dashes, slashes and brackets are stored in E.164');
SELECT throws_ok($$INSERT INTO dunning.template (template_key, language, subject, body)
                   VALUES ('t', 'en', E'Hello\r\nBcc: x@y.example', 'b')$$, '23514',
                 'new row for relation "template" violates check constraint "template_subject_one_line"',
                 'a template subject with CR/LF');
SELECT throws_ok($$INSERT INTO dunning.template (template_key, language, subject, body)
                   VALUES ('t', 'en', 'Due: {{ invoice_table }}', 'b')$$, '23514', NULL,
                 'a subject that would render the multi-line invoice table');
SELECT is_empty($$SELECT action_id FROM dunning.action WHERE recipient ~ '[\r\n]' OR subject ~ '[\r\n]'$$,
                'no action carries CR/LF in a recipient or subject');
SELECT throws_matching($$SELECT dunning.copy_scenario(repeat('q', 1000000), 'x')$$, '^[^q]*q{100}[^q]*$',
                       'copy_scenario quotes a 1 MB name at 100 characters');
SELECT throws_matching($$SELECT dunning.resolve_dispute(1, repeat('q', 1000000))$$, '^[^q]*q{100}[^q]*$',
                       'resolve_dispute quotes a 1 MB status at 100 characters');

-----------------------------------------------------------------------------
-- Point 9: plausible disputes and invoice numbers
-----------------------------------------------------------------------------
INSERT INTO dunning.invoice (invoice_id, customer_id, invoice_number, issued_on, due_on, amount)
VALUES (950, 1, 'HX-0001', '2026-01-01', '2026-01-31', 100.00);
SELECT throws_ok($$SELECT dunning.open_dispute(950, 'price', 100.01)$$, '23514', NULL, 'a dispute above the invoice''s amount');
SELECT throws_ok($$INSERT INTO dunning.dispute (invoice_id, reason, amount) VALUES (950, 'price', 500)$$, '23514',
                 NULL, '... also loaded directly');
SELECT throws_ok($$SELECT dunning.open_dispute(950, 'price', 0)$$, '23514', NULL, 'a dispute of zero');
SELECT throws_ok($$SELECT dunning.open_dispute(950, 'price', -5)$$, '23514', NULL, 'a negative dispute');
SELECT lives_ok($$SELECT dunning.open_dispute(950, 'price', 100.00), dunning.open_dispute(950, 'quality')$$,
                'a dispute of the whole invoice (or of no amount) is fine');
SELECT lives_ok($$SELECT dunning.open_dispute(990001, 'quality', 10)$$, 'a dispute on a paid invoice is a legitimate claim');
SELECT throws_ok($$INSERT INTO dunning.invoice (customer_id, invoice_number, issued_on, due_on, amount)
                   VALUES (1, 'hx 0001', '2026-01-01', '2026-01-31', 1)$$, '23505', NULL,
                 'hx 0001 next to HX-0001 of the same customer');
SELECT throws_ok($$INSERT INTO dunning.invoice (customer_id, invoice_number, issued_on, due_on, amount)
                   VALUES (1, 'HX0001', '2026-01-01', '2026-01-31', 1)$$, '23505', NULL, 'HX0001 too');
SELECT throws_ok($$INSERT INTO dunning.invoice (customer_id, invoice_number, issued_on, due_on, amount)
                   VALUES (1, 'hx.1', '2026-01-01', '2026-01-31', 1)$$, '23505', NULL, 'and hx.1 (leading zeros)');
SELECT lives_ok($$INSERT INTO dunning.invoice (invoice_id, customer_id, invoice_number, issued_on, due_on, amount)
                   VALUES (951, 1, 'HX-0002', '2026-01-01', '2026-01-31', 1)$$, 'HX-0002 is another number');

-- On Citus an INSERT of unidentified cash is turned into an INSERT into
-- dunning_internal.payment_entry (src/payment_route.c), which the hook does
-- only while the view has the table's columns under the same numbers: a
-- column added to dunning.payment must be added to the view too.
SELECT is((SELECT array_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod) ORDER BY a.attnum)
             FROM pg_attribute a WHERE a.attrelid = 'dunning_internal.payment_entry'::regclass AND a.attnum > 0),
          (SELECT array_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod) ORDER BY a.attnum)
             FROM pg_attribute a WHERE a.attrelid = 'dunning.payment'::regclass AND a.attnum > 0 AND NOT a.attisdropped),
          'payment_entry has dunning.payment''s columns, in its order');
-- On a single node the hook turns nothing: unidentified cash stays in dunning.payment.
INSERT INTO dunning.payment (payment_id, received_on, amount, payer_name) VALUES (95001, '2026-11-24', 12.34, 'NOBODY');
SELECT is((SELECT count(*) FROM dunning.payment WHERE payment_id = 95001 AND customer_id IS NULL)
          + (SELECT count(*) FROM dunning.payment_suspense) * 10, 1::bigint,
          'single node: a payment of unknown payer is a row of dunning.payment, the suspense stays empty');

SELECT * FROM finish();
ROLLBACK;
