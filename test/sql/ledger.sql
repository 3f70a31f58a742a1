-- pgTAP: the ledger model's contract, security and invariants.
BEGIN;
CREATE EXTENSION IF NOT EXISTS dunning;
SELECT plan(53);

-- The contract: names that integrations and outside tests use.
SELECT has_schema('dunning');
SELECT columns_are('dunning', 'customer', ARRAY['customer_id', 'external_ref', 'name', 'email', 'phone',
    'postal_address', 'country', 'language', 'timezone', 'segment', 'credit_limit', 'collector',
    'on_hold', 'created_at', 'subdivision', 'kind']);
SELECT col_type_is('dunning', 'customer', 'country', 'character(2)', 'col_type_is customer, country, character(2)');
SELECT col_default_is('dunning', 'customer', 'language', 'en', 'col_default_is customer, language, en');
SELECT col_default_is('dunning', 'customer', 'on_hold', 'false', 'col_default_is customer, on_hold, false');
SELECT col_is_pk('dunning', 'invoice', 'invoice_id', 'col_is_pk invoice, invoice_id');
SELECT col_is_unique('dunning', 'invoice', 'invoice_number', 'col_is_unique invoice, invoice_number');
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
SELECT throws_ok($$SELECT dunning.allocate(999, 2)$$, '23503', NULL, 'unknown payment: foreign_key_violation');
SELECT throws_ok($$UPDATE dunning.invoice SET settled_amount = 0 WHERE invoice_id = 2$$, '42501', NULL,
                 'settled_amount is read only');

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

SELECT * FROM finish();
ROLLBACK;
