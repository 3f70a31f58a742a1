-- The point-in-time functions and paid_invoice, one customer against the
-- whole book (bench/as_of.sh; figures in doc/kpi.md, "Bench: as of").  The
-- functions inline (plain SQL, no STRICT, no SET), so a customer filter
-- reaches the ledger's indexes.  Best of n runs of EXPLAIN ANALYZE (the
-- query runs in full, nothing is sent to the client).
--   psql -v as_of=2026-12-05 -v refresh=0 -f bench/as_of.sql
\set ON_ERROR_STOP 1
SET search_path = pg_catalog, pg_temp;
\if :{?as_of}
\else
\set as_of `date +%F`
\endif
\if :{?refresh}
\else
\set refresh 0
\endif
\ir best_ms.sql
SET jit = off;
-- A customer from the middle of the book, with the median number of invoices.
SELECT customer_id AS cust, n AS cust_invoices
  FROM (SELECT customer_id, count(*) AS n, row_number() OVER (ORDER BY count(*), customer_id) AS r,
               count(*) OVER () AS customers
          FROM dunning.invoice GROUP BY customer_id) x
 WHERE r = customers / 2 \gset
SELECT (SELECT count(*) FROM dunning.customer) AS customers, (SELECT count(*) FROM dunning.invoice) AS invoices,
       (SELECT count(*) FROM dunning.allocation) AS allocations, :cust AS customer, :cust_invoices AS its_invoices,
       :'as_of'::date AS as_of;
CREATE TEMP TABLE result (query text, scope text, ms numeric, workers int);
INSERT INTO result SELECT q, s, (bench_util.best_ms(sql, n)).* FROM (VALUES
  ('customer_risk_as_of(as_of)', 'one customer',
   format('SELECT * FROM dunning.customer_risk_as_of(%L) WHERE customer_id = %s', :'as_of', :cust), 5),
  ('customer_risk_as_of(as_of)', 'whole book',
   format('SELECT * FROM dunning.customer_risk_as_of(%L)', :'as_of'), 1),
  ('aging_as_of(as_of - 90)', 'one customer',
   format('SELECT * FROM dunning.aging_as_of(%L::date - 90) WHERE customer_id = %s', :'as_of', :cust), 5),
  ('aging_as_of(as_of - 90)', 'whole book',
   format('SELECT * FROM dunning.aging_as_of(%L::date - 90)', :'as_of'), 1),
  ('open_items_as_of(as_of - 90)', 'one customer',
   format('SELECT * FROM dunning.open_items_as_of(%L::date - 90) WHERE customer_id = %s', :'as_of', :cust), 5),
  ('open_items_as_of(as_of - 90)', 'whole book',
   format('SELECT * FROM dunning.open_items_as_of(%L::date - 90)', :'as_of'), 1),
  ('paid_invoice', 'one customer', format('SELECT * FROM dunning.paid_invoice WHERE customer_id = %s', :cust), 5),
  ('paid_invoice', 'whole book', 'SELECT * FROM dunning.paid_invoice', 1),
  ('aging (today)', 'one customer', format('SELECT * FROM dunning.aging WHERE customer_id = %s', :cust), 5),
  ('aging (today)', 'whole book', 'SELECT * FROM dunning.aging', 1),
  ('aging_total (today)', 'whole book', 'SELECT * FROM dunning.aging_total', 1),
  ('kpi_as_of(end of the month before as_of)', 'whole book',
   format('SELECT * FROM dunning.kpi_as_of((date_trunc(''month'', %L::date) - interval ''1 day'')::date)', :'as_of'), 1)
  ) v(q, s, sql, n);
SELECT b.query, o.ms AS one_customer_ms, b.ms AS whole_book_ms,
       CASE WHEN o.ms IS NOT NULL THEN round(b.ms / GREATEST(o.ms, 0.1), 0) END AS whole_over_one,
       b.workers AS book_workers
  FROM result b LEFT JOIN result o ON o.query = b.query AND o.scope = 'one customer'
 WHERE b.scope = 'whole book'
 ORDER BY b.query;
\if :refresh
\echo == refresh_kpi() (both materialized views, CONCURRENTLY), twice
\timing on
SELECT dunning.refresh_kpi();
SELECT dunning.refresh_kpi();
\timing off
\endif
