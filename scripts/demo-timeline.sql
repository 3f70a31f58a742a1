-- The end of the demo (scripts/demo-send): six weekly runs after the demo's
-- day, every queued action marked sent in between, as if nobody paid; then
-- the timeline of the customer who climbed highest.  All rolled back.
--   psql -v as_of=YYYY-MM-DD -f scripts/demo-timeline.sql
SET search_path = pg_catalog, pg_temp;
BEGIN;
SELECT set_config('demo.as_of', :'as_of', true) AS as_of \gset
DO $$
BEGIN
    FOR k IN 1..6 LOOP
        PERFORM dunning.mark_sent(a.action_id,
                    ((current_setting('demo.as_of')::date + 7 * (k - 1)) + time '17:00') AT TIME ZONE 'UTC')
           FROM dunning.action a WHERE a.status = 'queued';
        PERFORM dunning.run(((current_setting('demo.as_of')::date + 7 * k) + time '16:00') AT TIME ZONE 'UTC');
    END LOOP;
END $$;
SELECT d.customer_id AS customer, c.name
  FROM dunning.customer_dunning d JOIN dunning.customer c USING (customer_id)
 ORDER BY d.level_offset DESC NULLS LAST, d.customer_id LIMIT 1 \gset
\echo customer :customer (:name), from 30 days before the day of the demo
SELECT t.day, t.event, t.detail, cardinality(t.invoice_ids) AS invoices
  FROM dunning.customer_timeline(:customer) WITH ORDINALITY t
 WHERE t.day >= :'as_of'::date - 30
 ORDER BY t.ordinality;
ROLLBACK;
