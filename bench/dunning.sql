-- Bench of dunning.run(): 100,000 customers, 1,000,000 open invoices.
-- Loaded by bench/dunning.sh into a fresh database; prints the timings.
-- Resolves pg_catalog and dunning objects only (doc/security.md): nothing
-- another role planted in public is called when a superuser runs it.
SET search_path = pg_catalog, pg_temp;
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
INSERT INTO dunning.customer (customer_id, name, email, phone, postal_address, country, language, timezone, segment, collector)
SELECT g, 'Customer ' || g, 'ap' || g || '@example.com', '+32 2 555 ' || g, 'Street ' || g,
       (ARRAY['BE', 'FR', 'DE', 'US'])[1 + g % 4], (ARRAY['fr', 'en', 'de', 'en'])[1 + g % 4],
       (ARRAY['Europe/Brussels', 'Europe/Paris', 'Europe/Berlin', 'America/New_York'])[1 + g % 4],
       CASE WHEN g % 10 = 0 THEN 'key' END, 'collector' || (g % 20)
  FROM generate_series(1, 100000) g;
INSERT INTO dunning.segment_scenario VALUES ('key', 2);
INSERT INTO dunning.reference_rate VALUES ('EUR', '2025-01-01', 4.5, 'bench');
-- 10 invoices per customer, due between 120 days before and 10 days after 2026-03-16.
INSERT INTO dunning.invoice (invoice_id, customer_id, invoice_number, issued_on, due_on, amount, currency)
SELECT g, 1 + (g - 1) / 10, 'B-' || g, DATE '2026-03-16' - 150 + (g::bigint * 7919 % 130)::integer,
       DATE '2026-03-16' - 120 + (g::bigint * 7919 % 130)::integer, 10 + (g::bigint * 31 % 5000) + 0.25,
       CASE WHEN g % 17 = 0 THEN 'USD' ELSE 'EUR' END
  FROM generate_series(1, 1000000) g;
INSERT INTO dunning.dispute (invoice_id, reason) SELECT g, 'price' FROM generate_series(1, 1000000, 997) g;
VACUUM ANALYZE;
SELECT count(*) AS open_invoices FROM dunning.invoice WHERE settled_amount < abs(amount);
\timing on
SELECT dunning.run('2026-03-16 15:00+00') AS first_run;
SELECT dunning.run('2026-03-16 15:00+00') AS second_run_nothing_new;
SELECT dunning.run('2026-03-16 15:30+00') AS third_run_30_minutes_later;
SELECT count(*) AS previewed_next_day FROM dunning.preview('2026-03-17 15:00+00');
\timing off
SELECT count(*) AS actions, sum(jsonb_array_length(payload->'invoices')) AS items FROM dunning.action;
SELECT step_name, count(*) FROM dunning.action GROUP BY 1 ORDER BY 1;
