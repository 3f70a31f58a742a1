-- pgTAP: every customer-owned table is keyed by customer (issue 16, point 1):
-- its primary and unique keys start with customer_id and its foreign keys to
-- other customer-owned tables include it, so all rows of a customer can live
-- together (one node, or one Citus shard group: doc/scale-out.md).
BEGIN;
CREATE EXTENSION IF NOT EXISTS dunning;
SELECT plan(6);

CREATE TEMP VIEW owned AS
SELECT c.oid AS rel, c.relname
  FROM pg_class c
 WHERE c.relnamespace = 'dunning'::regnamespace AND c.relkind = 'r'
   AND EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'customer_id' AND NOT a.attisdropped);

-- the keys a single node keeps that a cluster cannot hold as such: the
-- customer's and the payment's external references (unique over all
-- customers), the payment's own key (unidentified cash has no customer yet),
-- one pending answer per rank and payment (its answers may name different
-- customers).  dunning.distribute() turns them into plain indexes.
CREATE TEMP VIEW single_node_only (name) AS
VALUES ('customer_external_ref_key'), ('payment_external_ref_key'), ('payment_pkey'), ('proposal_pending_rank');

SELECT cmp_ok((SELECT count(*) FROM owned), '>=', 25::bigint, 'the customer-owned tables are found');

SELECT is(ARRAY(SELECT o.relname::text FROM owned o
                 WHERE NOT EXISTS (SELECT FROM pg_constraint k WHERE k.conrelid = o.rel AND k.contype = 'p')
                   AND o.relname NOT IN ('letter_history')
                 ORDER BY 1),
          '{}'::text[], 'every customer-owned table has a primary key (letter_history is a log)');

SELECT is(ARRAY(SELECT i.indexrelid::regclass::text
                  FROM owned o JOIN pg_index i ON i.indrelid = o.rel
                 WHERE i.indisunique
                   AND (SELECT a.attname FROM pg_attribute a WHERE a.attrelid = o.rel AND a.attnum = i.indkey[0])
                       IS DISTINCT FROM 'customer_id'
                   AND o.relname <> 'customer'
                   AND i.indexrelid::regclass::text NOT IN (SELECT 'dunning.' || name FROM single_node_only)
                 ORDER BY 1),
          '{}'::text[], 'every primary and unique key of a customer-owned table starts with customer_id');

SELECT is(ARRAY(SELECT k.conname::text
                  FROM pg_constraint k JOIN owned f ON f.rel = k.conrelid JOIN owned t ON t.rel = k.confrelid
                 WHERE k.contype = 'f'
                   AND NOT (k.conkey[1] = (SELECT attnum FROM pg_attribute WHERE attrelid = k.conrelid AND attname = 'customer_id')
                            AND k.confkey[1] = (SELECT attnum FROM pg_attribute WHERE attrelid = k.confrelid AND attname = 'customer_id'))
                   AND k.conname <> 'proposal_payment_id_fkey'
                 ORDER BY 1),
          '{}'::text[], 'every foreign key between customer-owned tables goes through customer_id');

SELECT is(ARRAY(SELECT a.attrelid::regclass::text || '.' || a.attname
                  FROM owned o JOIN pg_attribute a ON a.attrelid = o.rel
                 WHERE a.attidentity <> ''
                   AND NOT EXISTS (SELECT FROM pg_index i WHERE i.indrelid = o.rel AND i.indkey[0] = a.attnum)
                   AND NOT EXISTS (SELECT FROM pg_index i WHERE i.indrelid = o.rel AND i.indisprimary
                                     AND i.indkey[1] = a.attnum AND o.relname IN ('credit_insurance', 'segment_change',
                                         'payer_history', 'erasure', 'level_change', 'legal_case', 'payment_plan', 'write_off'))
                 ORDER BY 1),
          '{}'::text[], 'identities are found by an index of their own (or are never looked up alone)');

-- the keys hold: another customer's invoice cannot be named by an action item
INSERT INTO dunning.customer (customer_id, name) VALUES (1, 'Acme SA'), (2, 'Globex Ltd');
INSERT INTO dunning.invoice (invoice_id, customer_id, invoice_number, issued_on, due_on, amount)
VALUES (1, 1, 'A-1', '2026-01-01', '2026-01-31', 100.00);
INSERT INTO dunning.action (action_id, customer_id, step_name, action_date, channel, language, payload, as_of, kind)
VALUES (1, 2, 'thanks', '2026-02-01', 'thanks', 'en', '{}', now(), 'confirmation');
SELECT throws_ok($$INSERT INTO dunning.action_item (customer_id, action_id, invoice_id, currency, open_amount, days_overdue)
                   VALUES (2, 1, 1, 'EUR', 0, 0)$$,
                 '23503', NULL, 'an action item cannot name another customer''s invoice');

SELECT * FROM finish();
ROLLBACK;
