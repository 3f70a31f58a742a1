-- Hostile values for every function of dunning (bench/fuzz.sh, doc/security.md).
-- Builds fuzz.call: for every function and aggregate of schemas dunning and
-- dunning_internal (trigger functions and those taking internal aside), one
-- call per argument position and hostile value of its type (the other
-- arguments ordinary), then :combos calls with every argument drawn at
-- random from its type's values (hostile and ordinary).  fuzz.run_function
-- runs one function's calls, each in a subtransaction rolled back whatever
-- it did, and records the SQLSTATE, the message length and the time.
SET search_path = pg_catalog, pg_temp;
\if :{?combos}
\else
\set combos 500
\endif
DROP SCHEMA IF EXISTS fuzz CASCADE;
CREATE SCHEMA fuzz;
-- Values per type (SQL expressions); hostile = false marks the ordinary one
-- used for the other arguments of a position sweep.
CREATE TABLE fuzz.value (type text, expr text, hostile boolean DEFAULT true);
INSERT INTO fuzz.value (type, expr, hostile) VALUES
  ('text', $$'INV-000012'$$, false), ('text', 'NULL::text', true), ('text', $$''$$, true), ('text', $$' '$$, true),
  ('text', $$repeat('x', 1000000)$$, true), ('text', $$E'a\r\nBcc: evil@example.com'$$, true),
  ('text', $$E'\x01\x02\x7f'$$, true), ('text', $$'☃ Ünïcödé 中文 '$$, true), ('text', $$'%s%n%x'$$, true),
  ('text', $$'RF18539007547034'$$, true), ('text', $$'''; DROP TABLE dunning.invoice; --'$$, true),
  ('text', $$'{{customer_name}}{{pay_link}}{{invoice_table}}'$$, true), ('text', $$repeat('{{', 50000)$$, true),
  ('text', $$'NaN'$$, true), ('text', $$'infinity'$$, true), ('text', $$repeat('9', 100000)$$, true),
  ('text', $$'html'$$, true), ('text', $$'sms'$$, true), ('text', $$'EUR 1.00'$$, true), ('text', $$'be_ogm'$$, true),
  ('text', $$'ACT/ACT'$$, true), ('text', $$'resolved'$$, true), ('text', $$'standard'$$, true),
  ('text', $$repeat('INV-1 ', 200000)$$, true), ('text', $$E'\u200b\u202e'$$, true),
  ('bigint', '1', false), ('bigint', 'NULL::bigint', true), ('bigint', '0', true), ('bigint', '-1', true),
  ('bigint', '9223372036854775807', true), ('bigint', '(-9223372036854775807 - 1)', true), ('bigint', '2', true),
  ('bigint', '100', true), ('bigint', '700', true),
  ('integer', '5', false), ('integer', 'NULL::integer', true), ('integer', '0', true), ('integer', '-1', true),
  ('integer', '2147483647', true), ('integer', '(-2147483647 - 1)', true), ('integer', '1000000', true),
  ('real', '0.9', false), ('real', 'NULL::real', true), ('real', $$'NaN'::real$$, true), ('real', $$'Infinity'::real$$, true),
  ('real', $$'-Infinity'::real$$, true), ('real', '-1', true), ('real', '0', true), ('real', '2', true), ('real', '1e38', true),
  ('numeric', '100.00', false), ('numeric', 'NULL::numeric', true), ('numeric', $$'NaN'::numeric$$, true),
  ('numeric', $$'Infinity'::numeric$$, true), ('numeric', $$'-Infinity'::numeric$$, true), ('numeric', '1e20', true),
  ('numeric', '-1e20', true), ('numeric', '0', true), ('numeric', '-0.001', true), ('numeric', '1e-100', true),
  ('numeric', $$repeat('9', 131072)::numeric$$, true), ('numeric', '0.123456789012345678901234567890', true),
  ('numeric', '999999999999.99', true),
  ('date', $$'2026-03-01'::date$$, false), ('date', 'NULL::date', true), ('date', $$'infinity'::date$$, true),
  ('date', $$'-infinity'::date$$, true), ('date', $$'4713-01-01 BC'::date$$, true), ('date', $$'5874897-12-31'::date$$, true),
  ('date', $$'1900-01-01'::date$$, true), ('date', $$'2999-12-31'::date$$, true), ('date', $$'294276-12-31'::date$$, true),
  ('timestamp with time zone', $$'2026-03-01 12:00+00'::timestamptz$$, false),
  ('timestamp with time zone', 'NULL::timestamptz', true), ('timestamp with time zone', $$'infinity'::timestamptz$$, true),
  ('timestamp with time zone', $$'-infinity'::timestamptz$$, true),
  ('timestamp with time zone', $$'4713-01-01 00:00+00 BC'::timestamptz$$, true),
  ('timestamp with time zone', $$'294276-12-31 23:59+00'::timestamptz$$, true),
  ('time without time zone', $$'09:00'::time$$, false), ('time without time zone', 'NULL::time', true),
  ('time without time zone', $$'24:00'::time$$, true), ('time without time zone', $$'00:00'::time$$, true),
  ('boolean', 'true', false), ('boolean', 'NULL::boolean', true), ('boolean', 'false', true),
  ('bytea', $$'\x0102'::bytea$$, false), ('bytea', 'NULL::bytea', true), ('bytea', $$''::bytea$$, true),
  ('bytea', $$decode(repeat('ff', 1000000), 'hex')$$, true),
  ('character', $$'EUR'::bpchar$$, false), ('character', 'NULL::bpchar', true), ('character', $$''::bpchar$$, true),
  ('character', $$'XXX'::bpchar$$, true), ('character', $$'eu'::bpchar$$, true), ('character', $$'BE'::bpchar$$, true),
  ('character', $$repeat('E', 1000000)::bpchar$$, true),
  ('cstring', $$'0'::cstring$$, false), ('cstring', $$''::cstring$$, true), ('cstring', $$'garbage'::cstring$$, true),
  ('cstring', $$'(1,2,3,4,5,6,7,8,9)'::cstring$$, true), ('cstring', $$repeat('9', 100000)::cstring$$, true),
  ('cstring', $$'1e400'::cstring$$, true), ('cstring', $$'-1,-1,-1,-1,-1,-1,-1,-1,-1,-1,-1,-1'::cstring$$, true),
  ('jsonb', $$'{"customer_name": "Acme", "invoices": []}'::jsonb$$, false), ('jsonb', 'NULL::jsonb', true),
  ('jsonb', $$'{}'::jsonb$$, true), ('jsonb', $$'[]'::jsonb$$, true), ('jsonb', $$'null'::jsonb$$, true),
  ('jsonb', $$(repeat('[', 5000) || repeat(']', 5000))::jsonb$$, true),
  ('jsonb', $$'{"invoices": "x", "customer_name": 1, "table_header": 7}'::jsonb$$, true),
  ('jsonb', $$jsonb_build_object('invoices', (SELECT jsonb_agg(jsonb_build_object('number', g, 'open_amount', 1e20,
             'due_on', 'x', 'days_overdue', 'NaN')) FROM generate_series(1, 20000) g))$$, true),
  ('jsonb', $$jsonb_build_object('customer_name', repeat('<script>', 100000), 'pay_link', E'\r\n')$$, true),
  ('bigint[]', $$'{1,2}'::bigint[]$$, false), ('bigint[]', 'NULL::bigint[]', true), ('bigint[]', $$'{}'::bigint[]$$, true),
  ('bigint[]', $$'{NULL}'::bigint[]$$, true), ('bigint[]', $$'{-1,9223372036854775807}'::bigint[]$$, true),
  ('bigint[]', $$(SELECT array_agg(g) FROM generate_series(1, 100000) g)$$, true),
  ('bigint[]', $$'{{1},{2}}'::bigint[]$$, true), ('bigint[]', $$'{1,1,1,1}'::bigint[]$$, true),
  ('numeric[]', $$'{100.00,50.00}'::numeric[]$$, false), ('numeric[]', 'NULL::numeric[]', true),
  ('numeric[]', $$'{}'::numeric[]$$, true), ('numeric[]', $$'{NaN,Infinity,-Infinity}'::numeric[]$$, true),
  ('numeric[]', $$'{NULL,1e20}'::numeric[]$$, true),
  ('numeric[]', $$(SELECT array_agg(g::numeric) FROM generate_series(1, 100000) g)$$, true),
  ('date[]', $$'{2025-01-01,2026-01-01}'::date[]$$, false), ('date[]', 'NULL::date[]', true),
  ('date[]', $$'{}'::date[]$$, true), ('date[]', $$'{infinity,-infinity}'::date[]$$, true),
  ('date[]', $$'{2026-01-01,2025-01-01,NULL}'::date[]$$, true),
  ('date[]', $$(SELECT array_agg('2020-01-01'::date + g) FROM generate_series(1, 100000) g)$$, true),
  ('dunning.letter', $$(SELECT l FROM dunning.letter l LIMIT 1)$$, false), ('dunning.letter', 'NULL::dunning.letter', true),
  ('dunning.letter', $$ROW(-1, -1, 'ZZ', 'manual', NULL, NULL, now(), 'x', NULL, NULL, NULL)::dunning.letter$$, true);
-- the state types take the values of their text form
INSERT INTO fuzz.value (type, expr, hostile)
SELECT t, replace(v.expr, '::cstring', '::text') || '::' || t, v.hostile
  FROM fuzz.value v, unnest(ARRAY['dunning_internal.payer_state', 'dunning_internal.risk_state', 'dunning_internal.aging_state']) t
 WHERE v.type = 'cstring' AND v.expr <> $$'0'::cstring$$;
INSERT INTO fuzz.value (type, expr, hostile)
SELECT t, 'NULL::' || t, false FROM unnest(ARRAY['dunning_internal.payer_state', 'dunning_internal.risk_state', 'dunning_internal.aging_state']) t;

-- The functions: every argument of a type above.
CREATE TABLE fuzz.fn AS
SELECT p.oid::regprocedure AS fn, p.prokind = 'a' AS is_agg, p.proretset AS is_srf,
       (SELECT array_agg(format_type(t, NULL) ORDER BY k) FROM unnest(p.proargtypes) WITH ORDINALITY a(t, k)) AS types
  FROM pg_proc p
 WHERE p.pronamespace IN ('dunning'::regnamespace, 'dunning_internal'::regnamespace)
   AND p.prorettype <> 'trigger'::regtype;
DELETE FROM fuzz.fn f WHERE EXISTS (SELECT FROM unnest(COALESCE(f.types, '{}')) t
                                     WHERE t NOT IN (SELECT type FROM fuzz.value));
-- the call text of a function with these argument expressions
CREATE FUNCTION fuzz.call_text(f fuzz.fn, args text[]) RETURNS text LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN f.is_agg
                THEN format('SELECT %s(%s) FROM generate_series(1, 3)', f.fn::regproc, array_to_string(args, ', '))
                WHEN f.is_srf
                THEN format('SELECT count(*) FROM %s(%s)', f.fn::regproc, COALESCE(array_to_string(args, ', '), ''))
                ELSE format('SELECT %s(%s)', f.fn::regproc, COALESCE(array_to_string(args, ', '), '')) END
$$;
CREATE TABLE fuzz.call (id bigserial PRIMARY KEY, fn regprocedure, sql text);
-- position sweeps (and one call of a function without arguments)
INSERT INTO fuzz.call (fn, sql)
SELECT f.fn, fuzz.call_text(f, (SELECT array_agg(CASE WHEN k = pos THEN v.expr
                                                    ELSE (SELECT b.expr FROM fuzz.value b WHERE b.type = t AND NOT b.hostile
                                                           LIMIT 1) END ORDER BY k)
                                 FROM unnest(f.types) WITH ORDINALITY a(t, k)))
  FROM fuzz.fn f
  CROSS JOIN LATERAL generate_series(1, COALESCE(cardinality(f.types), 0)) pos
  JOIN fuzz.value v ON v.type = f.types[pos] AND v.hostile
 ORDER BY f.fn::text, pos;
INSERT INTO fuzz.call (fn, sql) SELECT f.fn, fuzz.call_text(f, NULL) FROM fuzz.fn f WHERE f.types IS NULL;
-- random combinations (deterministic: setseed)
SELECT setseed(0.42);
INSERT INTO fuzz.call (fn, sql)
SELECT f.fn, fuzz.call_text(f, (SELECT array_agg((SELECT v.expr FROM fuzz.value v WHERE v.type = t
                                                    ORDER BY random() + k * 0 + n * 0 LIMIT 1) ORDER BY k)
                                 FROM unnest(f.types) WITH ORDINALITY a(t, k)))
  FROM fuzz.fn f CROSS JOIN generate_series(1, :combos) n
 WHERE f.types IS NOT NULL;
CREATE INDEX ON fuzz.call (fn);

CREATE TABLE fuzz.result (id bigint, fn regprocedure, state text, message_length integer, message text, ms numeric);
-- One function's calls, each rolled back (P0F00 is "it returned").
CREATE FUNCTION fuzz.run_function(f regprocedure) RETURNS bigint LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    c record;
    st text;
    msg text;
    t timestamptz;
    n bigint := 0;
BEGIN
    FOR c IN SELECT * FROM fuzz.call WHERE fn = f ORDER BY id LOOP
        t := clock_timestamp();
        BEGIN
            EXECUTE c.sql;
            RAISE EXCEPTION USING ERRCODE = 'P0F00';
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
        END;
        INSERT INTO fuzz.result VALUES (c.id, f, st, length(msg), left(msg, 300),
                                        extract(epoch FROM clock_timestamp() - t) * 1000);
        n := n + 1;
    END LOOP;
    RETURN n;
END
$$;
SELECT count(*) AS functions, (SELECT count(*) FROM fuzz.call) AS calls FROM fuzz.fn;
