-- Bench data of bench/dunning.sh: :customers customers (default 100,000),
-- 10 invoices each (1,000,000 open), due between 120 days before and 10 days
-- after 2026-03-16; the same rows whatever the extension version.
-- Resolves pg_catalog and dunning objects only (doc/security.md): nothing
-- another role planted in public is called when a superuser runs it.
SET search_path = pg_catalog, pg_temp;
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
\if :{?customers}
\else
\set customers 100000
\endif
INSERT INTO dunning.customer (customer_id, name, email, phone, postal_address, country, language, timezone, segment, collector)
SELECT g, 'Customer ' || g, 'ap' || g || '@example.com', '+32 2 555 ' || g, 'Street ' || g,
       (ARRAY['BE', 'FR', 'DE', 'US'])[1 + g % 4], (ARRAY['fr', 'en', 'de', 'en'])[1 + g % 4],
       (ARRAY['Europe/Brussels', 'Europe/Paris', 'Europe/Berlin', 'America/New_York'])[1 + g % 4],
       CASE WHEN g % 10 = 0 THEN 'key' END, 'collector' || (g % 20)
  FROM generate_series(1, :customers) g;
INSERT INTO dunning.segment_scenario (segment, scenario_id) VALUES ('key', 2);
INSERT INTO dunning.reference_rate (currency, valid_from, rate, source) VALUES ('EUR', '2025-01-01', 4.5, 'bench');
-- 10 invoices per customer, due between 120 days before and 10 days after 2026-03-16.
INSERT INTO dunning.invoice (invoice_id, customer_id, invoice_number, issued_on, due_on, amount, currency)
SELECT g, 1 + (g - 1) / 10, 'B-' || g, DATE '2026-03-16' - 150 + (g::bigint * 7919 % 130)::integer,
       DATE '2026-03-16' - 120 + (g::bigint * 7919 % 130)::integer, 10 + (g::bigint * 31 % 5000) + 0.25,
       CASE WHEN g % 17 = 0 THEN 'USD' ELSE 'EUR' END
  FROM generate_series(1, :customers * 10) g;
INSERT INTO dunning.dispute (invoice_id, reason) SELECT g, 'price' FROM generate_series(1, :customers * 10, 997) g;
VACUUM ANALYZE;
SELECT count(*) AS open_invoices FROM dunning.invoice WHERE settled_amount < abs(amount);
