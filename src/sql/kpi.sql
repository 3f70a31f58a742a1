-- @code
-----------------------------------------------------------------------------
-- KPI surface: settlement dates, point-in-time ledger, customer risk,
-- segments, aging, monthly KPIs, cash forecast (documentation: doc/kpi.md)
--
-- One model of time for everything below: a settlement (an allocation of a
-- payment or of a credit note, or a write-off) counts from its *settlement
-- date*, the later of its own date and the invoice's issue date:
--   payment allocation    payment.received_on
--   credit-note allocation the credit note's issued_on (both sides of it)
--   write-off             received_on of the payment it names, else its written_off_on
-- An invoice is paid on the latest settlement date of its settlements (the
-- day the last one completed it).  What was open on any day D is then the
-- items issued on or before D minus their settlements dated on or before D:
-- every *_as_of function reconstructs the past from the ledger this way, so
-- a month's figures can be reproduced later.  invoice.settled_on holds each
-- item's latest settlement date (allocation.sql keeps it): an item settled
-- on or before D is, at the end of D, as it is now, so only the items
-- settled after D need their settlements read.  The settlements with their
-- dates are kept too (dunning_internal.settlement_fact, allocation.sql),
-- and dunning.settlement reads them.  AR is the sum of open items
-- (invoices and credit notes); unapplied cash is shown apart, never netted
-- into AR.
--
-- Plain views read the open items (aging, cash_forecast: one sequential
-- scan; no index mentions settled_amount, see 050_ledger_storage.sql) or
-- kept per-item history (settlement: the settlement facts; paid_invoice:
-- invoice.settled_on).  The two
-- views that summarise the whole history (customer_risk, kpi_monthly) are
-- materialized and refreshed by dunning.refresh_kpi(): measured at 5M
-- invoices in doc/kpi.md.
-----------------------------------------------------------------------------

-----------------------------------------------------------------------------
-- Settlements and paid dates
-----------------------------------------------------------------------------
-- The settlements as the ledger's triggers keep them
-- (dunning_internal.settlement_fact, allocation.sql: written with each
-- allocation and write-off, made again when a date they are taken from
-- changes, checked by dunning.rebuild_totals() against
-- dunning_internal.ledger_settlement, the same rows from the joins).  One
-- table read: a filter on the customer and item, or on the settlement date,
-- reaches its indexes, and the whole book is one scan, not four joins.
CREATE OR REPLACE VIEW dunning.settlement AS
SELECT f.invoice_id, f.customer_id, f.currency, f.due_on, f.kind,
       CASE WHEN f.kind <> 'write_off' THEN f.source_id END AS allocation_id,
       CASE WHEN f.kind = 'write_off' THEN f.source_id END AS write_off_id,
       f.amount::numeric(20,4) AS amount, f.open_change::numeric(20,4) AS open_change, f.settled_on
  FROM dunning_internal.settlement_fact f;
COMMENT ON VIEW dunning.settlement IS
    'every active settlement of an open item with its settlement date (the later of its own date and the invoice date): payment and credit-note allocations, the credit note side of the latter, write-offs';
COMMENT ON COLUMN dunning.settlement.invoice_id IS 'the item whose open amount it reduces: an invoice, or the credit note for kind credit_note_applied';
COMMENT ON COLUMN dunning.settlement.customer_id IS 'the item''s customer';
COMMENT ON COLUMN dunning.settlement.currency IS 'ISO 4217 currency of the item';
COMMENT ON COLUMN dunning.settlement.due_on IS 'due date of the item';
COMMENT ON COLUMN dunning.settlement.kind IS 'payment (cash), credit_note (an invoice settled by a credit note), credit_note_applied (the credit note consumed), write_off';
COMMENT ON COLUMN dunning.settlement.allocation_id IS 'the allocation; NULL for a write-off';
COMMENT ON COLUMN dunning.settlement.write_off_id IS 'the write-off; NULL for an allocation';
COMMENT ON COLUMN dunning.settlement.amount IS 'amount settled, > 0';
COMMENT ON COLUMN dunning.settlement.open_change IS 'change of the item''s open amount: -amount for an invoice, +amount for a credit note';
COMMENT ON COLUMN dunning.settlement.settled_on IS 'settlement date: payment received_on, credit note issued_on, write-off''s payment received_on or its written_off_on; never before the invoice date';
CREATE OR REPLACE VIEW dunning.paid_invoice AS
-- The paid date is the latest settlement date, maintained per item in
-- invoice.settled_on (allocation.sql): one read of the invoice table, and a
-- filter on customer_id reaches invoice_customer_idx.
SELECT i.invoice_id, i.customer_id, i.currency, i.issued_on, i.due_on, i.amount::numeric(20,4) AS amount,
       i.settled_on AS paid_on,
       i.settled_on - i.due_on AS days_late,
       i.settled_on - i.issued_on AS days_to_pay
  FROM dunning.invoice i
 WHERE i.amount > 0 AND i.settled_amount = i.amount AND i.settled_on IS NOT NULL;
COMMENT ON VIEW dunning.paid_invoice IS
    'fully settled invoices with their paid date: the latest settlement date of their settlements';
COMMENT ON COLUMN dunning.paid_invoice.invoice_id IS 'the invoice';
COMMENT ON COLUMN dunning.paid_invoice.customer_id IS 'the customer';
COMMENT ON COLUMN dunning.paid_invoice.currency IS 'ISO 4217 currency';
COMMENT ON COLUMN dunning.paid_invoice.issued_on IS 'invoice date';
COMMENT ON COLUMN dunning.paid_invoice.due_on IS 'due date';
COMMENT ON COLUMN dunning.paid_invoice.amount IS 'invoice amount (> 0)';
COMMENT ON COLUMN dunning.paid_invoice.paid_on IS 'date of the settlement that completed it (latest settlement date)';
COMMENT ON COLUMN dunning.paid_invoice.days_late IS 'paid_on - due_on, signed (negative when paid early)';
COMMENT ON COLUMN dunning.paid_invoice.days_to_pay IS 'paid_on - issued_on';

-----------------------------------------------------------------------------
-- Point in time: what was open on a day
-----------------------------------------------------------------------------
-- The *_as_of functions are plain SQL functions without STRICT, SET or
-- SECURITY DEFINER, every name qualified: the planner inlines them into the
-- calling query, so a filter on customer_id reaches the ledger's indexes
-- (one customer costs milliseconds, not the whole book).  Their settlements
-- are grouped by customer and item and joined on both, for the same reason.
-- Each comes in two forms: f(as_of), the whole book, and f(as_of,
-- customer_id), one customer (NULL: every customer), which holds the query.
-- On a single node both inline and a filter on customer_id reaches the
-- indexes either way; on Citus (doc/scale-out.md) only the customer given
-- as an argument reaches every table the query reads, so it runs on that
-- customer's shard.  The test (customer_id IS NULL OR x.customer_id =
-- customer_id) folds away when the argument is a NULL constant.  A query
-- that calls one of them does not also filter a table by the customer
-- (aging_as_of joins dunning.customer by the open items' customer): Citus
-- would send the whole query to the shard and run the function there.
CREATE OR REPLACE FUNCTION dunning.open_items_as_of(as_of date, customer_id bigint)
RETURNS TABLE (invoice_id bigint, customer_id bigint, currency char(3), issued_on date, due_on date,
               amount numeric, open_amount numeric, days_past_due integer)
    LANGUAGE sql STABLE PARALLEL SAFE
AS $fn$
    -- Backwards from today: an item's open amount at the end of as_of is
    -- its open amount now (the running total settled_amount, the sum of its
    -- active settlements) less the open changes of its settlements dated
    -- after as_of.  Only the items whose latest settlement date
    -- (invoice.settled_on, maintained) is after as_of have such settlements:
    -- those items (few for a recent day: the ones settled since) are a
    -- branch of their own whose settlements are read through the indexes,
    -- so the past is not rebuilt from the whole history.  Two branches, not
    -- a CASE around the look-up: the planner prices a sub-select inside CASE
    -- for every row, and the inflated total switched on JIT compilation
    -- that took 90 % of a kpi_as_of call.  Money at the scale of the views
    -- (numeric(20,4)), whichever settlements an item had.
    SELECT i.invoice_id, i.customer_id, i.currency, i.issued_on, i.due_on, i.amount::numeric(20,4),
           (i.amount - pg_catalog.sign(i.amount) * i.settled_amount - i.change)::numeric(20,4),
           GREATEST(open_items_as_of.as_of - i.due_on, 0)
      FROM (SELECT j.invoice_id, j.customer_id, j.currency, j.issued_on, j.due_on, j.amount, j.settled_amount,
                   0 AS change
              FROM dunning.invoice j
             WHERE j.issued_on <= open_items_as_of.as_of
               AND (j.settled_on <= open_items_as_of.as_of OR j.settled_on IS NULL)
               AND (open_items_as_of.customer_id IS NULL OR j.customer_id = open_items_as_of.customer_id)
            UNION ALL
            SELECT j.invoice_id, j.customer_id, j.currency, j.issued_on, j.due_on, j.amount, j.settled_amount,
                   l.change
              FROM dunning.invoice j
             CROSS JOIN LATERAL (SELECT pg_catalog.sum(x.open_change) AS change
                                   FROM dunning.settlement x
                                  WHERE x.customer_id = j.customer_id AND x.invoice_id = j.invoice_id
                                    AND x.settled_on > open_items_as_of.as_of) l
             WHERE j.issued_on <= open_items_as_of.as_of AND j.settled_on > open_items_as_of.as_of
               AND (open_items_as_of.customer_id IS NULL OR j.customer_id = open_items_as_of.customer_id)) i
     WHERE i.amount - pg_catalog.sign(i.amount) * i.settled_amount - i.change <> 0
       -- an infinite day: 22023, as everywhere (doc/errors.md); SQL that stays
       -- inlinable cannot RAISE, so date_trunc refuses a unit naming the fault
       AND pg_catalog.date_trunc(CASE WHEN pg_catalog.isfinite(open_items_as_of.as_of) OR open_items_as_of.as_of IS NULL THEN 'day'
                                      ELSE 'as_of must be a finite day' END, TIMESTAMP '2000-01-01') IS NOT NULL;
$fn$;
COMMENT ON FUNCTION dunning.open_items_as_of(date, bigint) IS
    'the items of one customer (NULL: of every customer) open at the end of as_of, as dunning.open_items_as_of(date) gives them';
CREATE OR REPLACE FUNCTION dunning.open_items_as_of(as_of date)
RETURNS TABLE (invoice_id bigint, customer_id bigint, currency char(3), issued_on date, due_on date,
               amount numeric, open_amount numeric, days_past_due integer)
    LANGUAGE sql STABLE PARALLEL SAFE
AS $fn$
    SELECT * FROM dunning.open_items_as_of(open_items_as_of.as_of, NULL::bigint);
$fn$;
COMMENT ON FUNCTION dunning.open_items_as_of(date) IS
    'invoices and credit notes open at the end of as_of, reconstructed from the ledger: issued on or before as_of, minus their settlements dated on or before as_of';

-- dunning.open_item as it was at the end of as_of, under the view's name
-- with _as_of like every other pair (open_items_as_of, 0.2.0's name, stays):
-- the same columns, the items of open_items_as_of with their number,
-- customer and reference, in dispute when a dispute was open at the end of
-- as_of.  open_item_as_of(today) is open_item (test/sql/kpi.sql).
CREATE OR REPLACE FUNCTION dunning.open_item_as_of(as_of date, customer_id bigint DEFAULT NULL)
RETURNS TABLE (invoice_id bigint, invoice_number text, customer_id bigint, customer_name text, issued_on date,
               due_on date, currency char(3), amount numeric, open_amount numeric, days_past_due integer,
               is_overdue boolean, is_credit_note boolean, in_dispute boolean, reference text)
    LANGUAGE sql STABLE PARALLEL SAFE
AS $fn$
    SELECT o.invoice_id, i.invoice_number, o.customer_id, c.name, o.issued_on, o.due_on, o.currency,
           o.amount, o.open_amount, o.days_past_due, o.due_on < open_item_as_of.as_of, o.amount < 0,
           EXISTS (SELECT FROM dunning.dispute d
                    WHERE d.customer_id = o.customer_id AND d.invoice_id = o.invoice_id
                      AND d.opened_on <= open_item_as_of.as_of
                      AND (d.resolved_on IS NULL OR d.resolved_on > open_item_as_of.as_of)),
           i.reference
      FROM dunning.open_items_as_of(open_item_as_of.as_of, open_item_as_of.customer_id) o
      JOIN dunning.invoice i ON i.customer_id = o.customer_id AND i.invoice_id = o.invoice_id
      JOIN dunning.customer c ON c.customer_id = o.customer_id;
$fn$;
COMMENT ON FUNCTION dunning.open_item_as_of(date, bigint) IS
    'dunning.open_item as it was at the end of as_of (same columns), of one customer or (NULL) every customer: the items open then, their days past due then, in_dispute for a dispute open then';

-----------------------------------------------------------------------------
-- Aging
-----------------------------------------------------------------------------
-- Today's aging reads the open items directly; aging_as_of reconstructs any
-- past day.  Same columns, same buckets.  One row per customer and currency
-- (is_total stays for the readers of 0.2.0: always false); the totals per
-- currency are their own view, dunning.aging_total (and aging_total_as_of),
-- summed from these rows.  A filter on customer_id reaches the per-customer
-- scan (invoice_customer_idx).  Amounts are numeric(20,4): BI tools read
-- their precision and scale.
CREATE OR REPLACE VIEW dunning.aging AS
SELECT a.customer_id, c.name AS customer_name, a.currency, false AS is_total, CURRENT_DATE AS as_of,
       a.not_due, a.days_1_30, a.days_31_60, a.days_61_90, a.days_91_120, a.days_over_120,
       a.open_credit_notes, a.open_amount, a.open_invoice_count
  FROM (SELECT o.customer_id, o.currency,
               COALESCE(pg_catalog.sum(o.open_amount) FILTER (WHERE o.amount > 0 AND o.days_past_due = 0), 0)::numeric(20,4) AS not_due,
               COALESCE(pg_catalog.sum(o.open_amount) FILTER (WHERE o.amount > 0 AND o.days_past_due BETWEEN 1 AND 30), 0)::numeric(20,4) AS days_1_30,
               COALESCE(pg_catalog.sum(o.open_amount) FILTER (WHERE o.amount > 0 AND o.days_past_due BETWEEN 31 AND 60), 0)::numeric(20,4) AS days_31_60,
               COALESCE(pg_catalog.sum(o.open_amount) FILTER (WHERE o.amount > 0 AND o.days_past_due BETWEEN 61 AND 90), 0)::numeric(20,4) AS days_61_90,
               COALESCE(pg_catalog.sum(o.open_amount) FILTER (WHERE o.amount > 0 AND o.days_past_due BETWEEN 91 AND 120), 0)::numeric(20,4) AS days_91_120,
               COALESCE(pg_catalog.sum(o.open_amount) FILTER (WHERE o.amount > 0 AND o.days_past_due > 120), 0)::numeric(20,4) AS days_over_120,
               COALESCE(pg_catalog.sum(o.open_amount) FILTER (WHERE o.amount < 0), 0)::numeric(20,4) AS open_credit_notes,
               pg_catalog.sum(o.open_amount)::numeric(20,4) AS open_amount,
               pg_catalog.count(*) FILTER (WHERE o.amount > 0) AS open_invoice_count
          FROM dunning.open_item o
         GROUP BY o.customer_id, o.currency) a
  JOIN dunning.customer c ON c.customer_id = a.customer_id;
CREATE OR REPLACE FUNCTION dunning.aging_as_of(as_of date, customer_id bigint)
RETURNS TABLE (customer_id bigint, customer_name text, currency char(3), is_total boolean, as_of date,
               not_due numeric, days_1_30 numeric, days_31_60 numeric, days_61_90 numeric,
               days_91_120 numeric, days_over_120 numeric, open_credit_notes numeric,
               open_amount numeric, open_invoice_count bigint)
    LANGUAGE sql STABLE PARALLEL SAFE
AS $fn$
    SELECT a.customer_id, c.name, a.currency, false, aging_as_of.as_of,
           a.b0, a.b1, a.b2, a.b3, a.b4, a.b5, a.cn, a.open_amount, a.n
      FROM (SELECT o.customer_id, o.currency,
                   COALESCE(pg_catalog.sum(o.open_amount) FILTER (WHERE o.amount > 0 AND o.days_past_due = 0), 0)::numeric(20,4) AS b0,
                   COALESCE(pg_catalog.sum(o.open_amount) FILTER (WHERE o.amount > 0 AND o.days_past_due BETWEEN 1 AND 30), 0)::numeric(20,4) AS b1,
                   COALESCE(pg_catalog.sum(o.open_amount) FILTER (WHERE o.amount > 0 AND o.days_past_due BETWEEN 31 AND 60), 0)::numeric(20,4) AS b2,
                   COALESCE(pg_catalog.sum(o.open_amount) FILTER (WHERE o.amount > 0 AND o.days_past_due BETWEEN 61 AND 90), 0)::numeric(20,4) AS b3,
                   COALESCE(pg_catalog.sum(o.open_amount) FILTER (WHERE o.amount > 0 AND o.days_past_due BETWEEN 91 AND 120), 0)::numeric(20,4) AS b4,
                   COALESCE(pg_catalog.sum(o.open_amount) FILTER (WHERE o.amount > 0 AND o.days_past_due > 120), 0)::numeric(20,4) AS b5,
                   COALESCE(pg_catalog.sum(o.open_amount) FILTER (WHERE o.amount < 0), 0)::numeric(20,4) AS cn,
                   pg_catalog.sum(o.open_amount)::numeric(20,4) AS open_amount,
                   pg_catalog.count(*) FILTER (WHERE o.amount > 0) AS n
              FROM dunning.open_items_as_of(aging_as_of.as_of, aging_as_of.customer_id) o
             GROUP BY o.customer_id, o.currency) a
      JOIN dunning.customer c ON c.customer_id = a.customer_id;
$fn$;
COMMENT ON FUNCTION dunning.aging_as_of(date, bigint) IS
    'the rows of one customer (NULL: of every customer) of dunning.aging_as_of(date)';
CREATE OR REPLACE FUNCTION dunning.aging_as_of(as_of date)
RETURNS TABLE (customer_id bigint, customer_name text, currency char(3), is_total boolean, as_of date,
               not_due numeric, days_1_30 numeric, days_31_60 numeric, days_61_90 numeric,
               days_91_120 numeric, days_over_120 numeric, open_credit_notes numeric,
               open_amount numeric, open_invoice_count bigint)
    LANGUAGE sql STABLE PARALLEL SAFE
AS $fn$
    SELECT * FROM dunning.aging_as_of(aging_as_of.as_of, NULL::bigint);
$fn$;
COMMENT ON FUNCTION dunning.aging_as_of(date) IS
    'dunning.aging as it was at the end of as_of, reconstructed from the ledger (same columns; the totals: dunning.aging_total_as_of)';
COMMENT ON VIEW dunning.aging IS
    'open invoices by days past due today, per customer and currency; open credit notes apart; plain view over the open items; totals per currency in dunning.aging_total';
COMMENT ON COLUMN dunning.aging.customer_id IS 'the customer';
COMMENT ON COLUMN dunning.aging.customer_name IS 'the customer''s name';
COMMENT ON COLUMN dunning.aging.currency IS 'ISO 4217 currency of the figures in this row';
COMMENT ON COLUMN dunning.aging.is_total IS 'always false since 0.3.0 (the totals are in dunning.aging_total); kept for the readers of 0.2.0';
COMMENT ON COLUMN dunning.aging.as_of IS 'the day the ages are counted at (today)';
COMMENT ON COLUMN dunning.aging.not_due IS 'open amount of invoices not yet due (due today or later)';
COMMENT ON COLUMN dunning.aging.days_1_30 IS 'open amount of invoices 1-30 days past due';
COMMENT ON COLUMN dunning.aging.days_31_60 IS 'open amount of invoices 31-60 days past due';
COMMENT ON COLUMN dunning.aging.days_61_90 IS 'open amount of invoices 61-90 days past due';
COMMENT ON COLUMN dunning.aging.days_91_120 IS 'open amount of invoices 91-120 days past due';
COMMENT ON COLUMN dunning.aging.days_over_120 IS 'open amount of invoices more than 120 days past due';
COMMENT ON COLUMN dunning.aging.open_credit_notes IS 'open amount of credit notes (<= 0), not aged';
COMMENT ON COLUMN dunning.aging.open_amount IS 'all open items: the six buckets + open_credit_notes';
COMMENT ON COLUMN dunning.aging.open_invoice_count IS 'number of open invoices';
CREATE OR REPLACE VIEW dunning.aging_total AS
SELECT a.currency, CURRENT_DATE AS as_of,
       pg_catalog.sum(a.not_due)::numeric(20,4) AS not_due,
       pg_catalog.sum(a.days_1_30)::numeric(20,4) AS days_1_30,
       pg_catalog.sum(a.days_31_60)::numeric(20,4) AS days_31_60,
       pg_catalog.sum(a.days_61_90)::numeric(20,4) AS days_61_90,
       pg_catalog.sum(a.days_91_120)::numeric(20,4) AS days_91_120,
       pg_catalog.sum(a.days_over_120)::numeric(20,4) AS days_over_120,
       pg_catalog.sum(a.open_credit_notes)::numeric(20,4) AS open_credit_notes,
       pg_catalog.sum(a.open_amount)::numeric(20,4) AS open_amount,
       pg_catalog.sum(a.open_invoice_count)::bigint AS open_invoice_count,
       pg_catalog.count(*) AS customer_count
  FROM dunning.aging a
 GROUP BY a.currency;
CREATE OR REPLACE FUNCTION dunning.aging_total_as_of(as_of date)
RETURNS TABLE (currency char(3), as_of date,
               not_due numeric, days_1_30 numeric, days_31_60 numeric, days_61_90 numeric,
               days_91_120 numeric, days_over_120 numeric, open_credit_notes numeric,
               open_amount numeric, open_invoice_count bigint, customer_count bigint)
    LANGUAGE sql STABLE PARALLEL SAFE
AS $fn$
    SELECT a.currency, aging_total_as_of.as_of,
           pg_catalog.sum(a.not_due)::numeric(20,4), pg_catalog.sum(a.days_1_30)::numeric(20,4),
           pg_catalog.sum(a.days_31_60)::numeric(20,4), pg_catalog.sum(a.days_61_90)::numeric(20,4),
           pg_catalog.sum(a.days_91_120)::numeric(20,4), pg_catalog.sum(a.days_over_120)::numeric(20,4),
           pg_catalog.sum(a.open_credit_notes)::numeric(20,4), pg_catalog.sum(a.open_amount)::numeric(20,4),
           pg_catalog.sum(a.open_invoice_count)::bigint, pg_catalog.count(*)
      FROM dunning.aging_as_of(aging_total_as_of.as_of) a
     GROUP BY a.currency;
$fn$;
COMMENT ON FUNCTION dunning.aging_total_as_of(date) IS
    'dunning.aging_total as it was at the end of as_of, reconstructed from the ledger (same columns)';
COMMENT ON VIEW dunning.aging_total IS
    'open invoices by days past due today, in total per currency (the sum of the customers'' rows of dunning.aging); totals are never summed across currencies';
COMMENT ON COLUMN dunning.aging_total.currency IS 'ISO 4217 currency of the figures in this row';
COMMENT ON COLUMN dunning.aging_total.as_of IS 'the day the ages are counted at (today)';
COMMENT ON COLUMN dunning.aging_total.not_due IS 'open amount of invoices not yet due (due today or later)';
COMMENT ON COLUMN dunning.aging_total.days_1_30 IS 'open amount of invoices 1-30 days past due';
COMMENT ON COLUMN dunning.aging_total.days_31_60 IS 'open amount of invoices 31-60 days past due';
COMMENT ON COLUMN dunning.aging_total.days_61_90 IS 'open amount of invoices 61-90 days past due';
COMMENT ON COLUMN dunning.aging_total.days_91_120 IS 'open amount of invoices 91-120 days past due';
COMMENT ON COLUMN dunning.aging_total.days_over_120 IS 'open amount of invoices more than 120 days past due';
COMMENT ON COLUMN dunning.aging_total.open_credit_notes IS 'open amount of credit notes (<= 0), not aged';
COMMENT ON COLUMN dunning.aging_total.open_amount IS 'all open items of the currency (its AR): the six buckets + open_credit_notes';
COMMENT ON COLUMN dunning.aging_total.open_invoice_count IS 'number of open invoices';
COMMENT ON COLUMN dunning.aging_total.customer_count IS 'number of customers with something open in the currency';

-----------------------------------------------------------------------------
-- Monthly KPIs
-----------------------------------------------------------------------------
-- kpi_as_of computes one period straight from the ledger; kpi_monthly all
-- months at once from monthly flows (AR by roll-forward).  The tests check
-- that they agree.  Periods: calendar months; the current one runs to today.
CREATE OR REPLACE FUNCTION dunning.kpi_as_of(as_of date)
RETURNS TABLE (currency char(3), month date, period_end date, days integer,
               invoiced numeric, credit_notes numeric, net_sales numeric, invoice_count bigint,
               collected numeric, written_off numeric,
               ar_begin numeric, ar_end numeric, current_ar_end numeric, overdue_ar_end numeric,
               dso numeric, dso_countback_3m numeric, best_possible_dso numeric,
               average_days_delinquent numeric, cei numeric, collection_rate numeric,
               disputed_amount numeric, dispute_count bigint, dispute_rate numeric,
               dispute_count_rate numeric)
    LANGUAGE sql STABLE PARALLEL SAFE
AS $fn$
    WITH p AS (
        SELECT pg_catalog.date_trunc('month', kpi_as_of.as_of::timestamp)::date AS m
    ), items AS (
        -- Every item issued by as_of, summed per currency in one pass: its
        -- first issue day, and AR at the end of as_of and at the end of the
        -- day before the period starts, as open_items_as_of computes it
        -- for one day: an item's open amount at day D is its open amount
        -- now less what its settlements dated after D changed.  Only the
        -- items settled last in the period or later have such settlements: a
        -- branch of their own (few rows) whose settlements are read through
        -- the indexes; the other branch is a plain grouped scan (parallel).
        -- An item open at neither day adds 0.  The settlements dated in the
        -- period (cash applied, write-offs) are among those read: an item
        -- with one is settled last in the period or later.
        SELECT o.currency, pg_catalog.min(o.issued_on) AS first_on, pg_catalog.sum(o.open_now) AS ar_end,
               pg_catalog.sum(o.open_now) FILTER (WHERE o.due_on >= kpi_as_of.as_of) AS current_ar,
               pg_catalog.sum(o.open_now) FILTER (WHERE o.issued_on < pg_catalog.date_trunc('month', kpi_as_of.as_of::timestamp)::date) AS ar_begin,
               NULL::numeric AS collected, NULL::numeric AS written_off
          FROM (SELECT j.currency, j.issued_on, j.due_on,
                       (j.amount - pg_catalog.sign(j.amount) * j.settled_amount)::numeric(20,4) AS open_now
                  FROM dunning.invoice j
                 WHERE j.issued_on <= kpi_as_of.as_of
                   AND (j.settled_on < pg_catalog.date_trunc('month', kpi_as_of.as_of::timestamp)::date
                        OR j.settled_on IS NULL)) o
         GROUP BY o.currency
        UNION ALL
        SELECT o.currency, pg_catalog.min(o.issued_on), pg_catalog.sum(o.open_end),
               pg_catalog.sum(o.open_end) FILTER (WHERE o.due_on >= kpi_as_of.as_of),
               pg_catalog.sum(o.open_begin) FILTER (WHERE o.issued_on < pg_catalog.date_trunc('month', kpi_as_of.as_of::timestamp)::date),
               pg_catalog.sum(o.collected), pg_catalog.sum(o.written_off)
          FROM (SELECT j.currency, j.issued_on, j.due_on, l.collected, l.written_off,
                       (j.amount - pg_catalog.sign(j.amount) * j.settled_amount
                        - COALESCE(l.after_end, 0))::numeric(20,4) AS open_end,
                       (j.amount - pg_catalog.sign(j.amount) * j.settled_amount
                        - COALESCE(l.after_begin, 0))::numeric(20,4) AS open_begin
                  FROM dunning.invoice j
                 CROSS JOIN LATERAL (SELECT pg_catalog.sum(x.open_change) FILTER (WHERE x.settled_on > kpi_as_of.as_of) AS after_end,
                                            pg_catalog.sum(x.open_change) AS after_begin,
                                            pg_catalog.sum(x.amount) FILTER (WHERE x.kind = 'payment'
                                                                              AND x.settled_on <= kpi_as_of.as_of) AS collected,
                                            pg_catalog.sum(x.amount) FILTER (WHERE x.kind = 'write_off'
                                                                              AND x.settled_on <= kpi_as_of.as_of) AS written_off
                                       FROM dunning.settlement x
                                      WHERE x.customer_id = j.customer_id AND x.invoice_id = j.invoice_id
                                        AND x.settled_on >= pg_catalog.date_trunc('month', kpi_as_of.as_of::timestamp)::date) l
                 WHERE j.issued_on <= kpi_as_of.as_of
                   AND j.settled_on >= pg_catalog.date_trunc('month', kpi_as_of.as_of::timestamp)::date) o
         GROUP BY o.currency
    ), cur AS (
        -- each currency: its first month, AR at both days, cash applied
        -- and written off in the period
        SELECT t.currency, pg_catalog.date_trunc('month', pg_catalog.min(t.first_on)::timestamp)::date AS first_m,
               pg_catalog.sum(t.ar_end) AS ar_end, pg_catalog.sum(t.current_ar) AS current_ar,
               pg_catalog.sum(t.ar_begin) AS ar_begin, pg_catalog.sum(t.collected) AS collected,
               pg_catalog.sum(t.written_off) AS written_off
          FROM items t
         GROUP BY t.currency
    ), sales AS (
        -- This period and the two before it (countback), by issue month.
        SELECT i.currency, pg_catalog.date_trunc('month', i.issued_on::timestamp)::date AS m,
               pg_catalog.sum(i.amount) FILTER (WHERE i.amount > 0) AS invoiced,
               pg_catalog.sum(i.amount) FILTER (WHERE i.amount < 0) AS credit_notes,
               pg_catalog.count(*) FILTER (WHERE i.amount > 0) AS n
          FROM dunning.invoice i, p
         WHERE i.issued_on >= (p.m - interval '2 months')::date AND i.issued_on <= kpi_as_of.as_of
         GROUP BY 1, 2
    ), periods AS (
        SELECT c.currency, g.m::date AS m,
               (CASE WHEN g.m::date = p.m THEN kpi_as_of.as_of
                     ELSE (g.m + interval '1 month - 1 day')::date END - g.m::date + 1) AS days,
               COALESCE(s.invoiced, 0) + COALESCE(s.credit_notes, 0) AS net_sales
          FROM cur c CROSS JOIN p
          CROSS JOIN pg_catalog.generate_series((p.m - interval '2 months')::timestamp, p.m::timestamp, interval '1 month') g(m)
          LEFT JOIN sales s ON s.currency = c.currency AND s.m = g.m::date
         WHERE g.m::date >= c.first_m   -- no period before the currency's first invoice
    ), disputes AS (
        SELECT i.currency, pg_catalog.sum(COALESCE(d.amount, pg_catalog.abs(i.amount))) AS amount,
               pg_catalog.count(*) AS n
          FROM dunning.dispute d JOIN dunning.invoice i ON i.invoice_id = d.invoice_id AND i.customer_id = d.customer_id, p
         WHERE d.opened_on BETWEEN p.m AND kpi_as_of.as_of
         GROUP BY 1
    ), countback AS (
        SELECT pr.currency,
               dunning.dso_countback(CASE WHEN pr.m = p.m THEN COALESCE(e.ar_end, 0) END, pr.net_sales, pr.days
                                     ORDER BY pr.m) AS v
          FROM periods pr CROSS JOIN p JOIN cur e ON e.currency = pr.currency
         GROUP BY 1
    ), f AS (
        SELECT c.currency, p.m, kpi_as_of.as_of - p.m + 1 AS days,
               COALESCE(s.invoiced, 0) AS invoiced, COALESCE(s.credit_notes, 0) AS credit_notes,
               COALESCE(s.invoiced, 0) + COALESCE(s.credit_notes, 0) AS net_sales,
               COALESCE(s.n, 0) AS n,
               COALESCE(c.collected, 0) AS collected, COALESCE(c.written_off, 0) AS written_off,
               COALESCE(c.ar_begin, 0) AS ar_begin, COALESCE(c.ar_end, 0) AS ar_end,
               COALESCE(c.current_ar, 0) AS current_ar,
               COALESCE(d.amount, 0) AS disputed, COALESCE(d.n, 0) AS disputes,
               cb.v AS countback
          FROM cur c CROSS JOIN p
          LEFT JOIN sales s ON s.currency = c.currency AND s.m = p.m
          LEFT JOIN disputes d ON d.currency = c.currency
          LEFT JOIN countback cb ON cb.currency = c.currency
    )
    -- the values of kpi_monthly's columns, with their precision and scale
    SELECT f.currency, f.m, kpi_as_of.as_of, f.days,
           f.invoiced::numeric(20,4), f.credit_notes::numeric(20,4), f.net_sales::numeric(20,4), f.n,
           f.collected::numeric(20,4), f.written_off::numeric(20,4),
           f.ar_begin::numeric(20,4), f.ar_end::numeric(20,4), f.current_ar::numeric(20,4),
           (f.ar_end - f.current_ar)::numeric(20,4),
           pg_catalog.round(dunning.dso(f.ar_end, f.net_sales, f.days), 2)::numeric(38,2),
           pg_catalog.round(f.countback, 2)::numeric(38,2),
           pg_catalog.round(dunning.best_possible_dso(f.current_ar, f.net_sales, f.days), 2)::numeric(38,2),
           pg_catalog.round(dunning.average_days_delinquent(f.ar_end, f.current_ar, f.net_sales, f.days), 2)::numeric(38,2),
           pg_catalog.round(dunning.cei(f.ar_begin, f.net_sales, f.ar_end, f.current_ar, 1), 2)::numeric(38,2),
           (CASE WHEN f.ar_begin + f.net_sales > 0
                 THEN pg_catalog.round(f.collected * 100 / (f.ar_begin + f.net_sales), 2) END)::numeric(38,2),
           f.disputed::numeric(20,4), f.disputes,
           (CASE WHEN f.invoiced > 0 THEN pg_catalog.round(f.disputed * 100 / f.invoiced, 2) END)::numeric(38,2),
           (CASE WHEN f.n > 0 THEN pg_catalog.round(f.disputes * 100.0 / f.n, 2) END)::numeric(38,2)
      FROM f
    -- an infinite day: 22023, as everywhere (doc/errors.md); SQL that stays
    -- inlinable cannot RAISE, so date_trunc refuses a unit naming the fault
     WHERE pg_catalog.date_trunc(CASE WHEN pg_catalog.isfinite(kpi_as_of.as_of) OR kpi_as_of.as_of IS NULL THEN 'day'
                                      ELSE 'as_of must be a finite day' END, TIMESTAMP '2000-01-01') IS NOT NULL;
$fn$;
COMMENT ON FUNCTION dunning.kpi_as_of(date) IS
    'the KPIs of the month containing as_of, from its first day to as_of, per currency, straight from the ledger; for a month end it is that month''s dunning.kpi_monthly row';
-- Populates a materialized view created WITH NO DATA: at install, over the
-- empty ledger; at an update (which recreates the views whose columns
-- change), over the data there, which may break bounds the new version adds
-- (doc/ledger.md, "Bounds"): then the view stays unpopulated, a warning
-- says why, and dunning.refresh_kpi() computes it once the rows are
-- corrected.
CREATE OR REPLACE FUNCTION dunning_internal.populate(view_name regclass) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF NOT (SELECT c.relispopulated FROM pg_catalog.pg_class c WHERE c.oid = view_name) THEN
        EXECUTE pg_catalog.format('REFRESH MATERIALIZED VIEW %s', view_name);
    END IF;
EXCEPTION WHEN data_exception THEN
    RAISE WARNING 'dunning: % is not computed: %', view_name, SQLERRM
        USING HINT = 'Correct the rows the update named, then SELECT dunning.refresh_kpi();';
END
$fn$;
COMMENT ON FUNCTION dunning_internal.populate(regclass) IS
    'populates a materialized view of the extension at install or update; when the data there breaks a bound it stays unpopulated with a warning, for dunning.refresh_kpi() to compute later (internal)';
CREATE MATERIALIZED VIEW IF NOT EXISTS dunning.kpi_monthly AS
-- One pass over the invoices and one over the settlements, each summed per
-- currency and day (and due day): the monthly flows and the not-yet-due AR
-- at every month end are then computed from those few thousand rows.  Sums
-- of numeric are exact and keep the largest scale, so regrouping changes
-- nothing.
WITH inv AS MATERIALIZED (
    SELECT i.currency, i.issued_on, i.due_on,
           pg_catalog.sum(i.amount) FILTER (WHERE i.amount > 0) AS invoiced,
           pg_catalog.sum(i.amount) FILTER (WHERE i.amount < 0) AS credit_notes,
           pg_catalog.count(*) FILTER (WHERE i.amount > 0) AS n,
           pg_catalog.sum(i.amount) AS amount
      FROM dunning.invoice i
     WHERE i.issued_on <= CURRENT_DATE
     GROUP BY 1, 2, 3
), stl AS MATERIALIZED (
    -- (dunning.settlement reads the settlement facts the ledger's triggers
    -- keep: one scan of the whole book's settlements, 3 s at 4.8M
    -- allocations, where joining each to its invoice and payment took 19.)
    -- The due day is kept only where not_due needs it (settled before it
    -- was due): the settlements made late, most of them, fall into one
    -- group per currency, kind and day (3x fewer groups, a third
    -- less time at 2,000 customers; the same figures)
    SELECT s.currency, s.kind, s.settled_on, CASE WHEN s.due_on >= s.settled_on THEN s.due_on END AS due_on,
           pg_catalog.sum(s.amount) AS amount, pg_catalog.sum(s.open_change) AS open_change
      FROM dunning.settlement s
     WHERE s.settled_on <= CURRENT_DATE
     GROUP BY 1, 2, 3, 4
), starts AS (
    SELECT v.currency, pg_catalog.date_trunc('month', pg_catalog.min(v.issued_on)::timestamp) AS m
      FROM inv v
     GROUP BY 1
), months AS (
    SELECT f.currency, g.m::date AS month,
           LEAST((g.m + interval '1 month - 1 day')::date, CURRENT_DATE) AS period_end
      FROM starts f,
           pg_catalog.generate_series(f.m, pg_catalog.date_trunc('month', CURRENT_DATE::timestamp),
                                      interval '1 month') g(m)
), issued AS (
    SELECT v.currency, pg_catalog.date_trunc('month', v.issued_on::timestamp)::date AS month,
           pg_catalog.sum(v.invoiced) AS invoiced,
           pg_catalog.sum(v.credit_notes) AS credit_notes,
           pg_catalog.sum(v.n)::bigint AS n
      FROM inv v
     GROUP BY 1, 2
), settled AS (
    SELECT s.currency, pg_catalog.date_trunc('month', s.settled_on::timestamp)::date AS month,
           pg_catalog.sum(s.amount) FILTER (WHERE s.kind = 'payment') AS collected,
           pg_catalog.sum(s.amount) FILTER (WHERE s.kind = 'write_off') AS written_off
      FROM stl s
     WHERE s.kind IN ('payment', 'write_off')
     GROUP BY 1, 2
), not_due AS (
    -- Not yet due AR at each period end E: items with issued_on <= E <= due_on,
    -- less their settlements dated on or before E.
    SELECT x.currency, x.month, pg_catalog.sum(x.v) AS v
      FROM (SELECT v.currency, g.m::date AS month, v.amount AS v,
                   LEAST((g.m + interval '1 month - 1 day')::date, CURRENT_DATE) AS e, v.issued_on AS since, v.due_on
              FROM inv v,
                   pg_catalog.generate_series(pg_catalog.date_trunc('month', v.issued_on::timestamp),
                                              pg_catalog.date_trunc('month', v.due_on::timestamp),
                                              interval '1 month') g(m)
             WHERE v.due_on >= v.issued_on
            UNION ALL
            SELECT s.currency, g.m::date, s.open_change,
                   LEAST((g.m + interval '1 month - 1 day')::date, CURRENT_DATE), s.settled_on, s.due_on
              FROM stl s,
                   pg_catalog.generate_series(pg_catalog.date_trunc('month', s.settled_on::timestamp),
                                              pg_catalog.date_trunc('month', s.due_on::timestamp),
                                              interval '1 month') g(m)
             WHERE s.due_on >= s.settled_on) x
     WHERE x.e >= x.since AND x.e <= x.due_on
     GROUP BY 1, 2
), disputes AS (
    SELECT i.currency, pg_catalog.date_trunc('month', d.opened_on::timestamp)::date AS month,
           pg_catalog.sum(COALESCE(d.amount, pg_catalog.abs(i.amount))) AS amount, pg_catalog.count(*) AS n
      FROM dunning.dispute d JOIN dunning.invoice i ON i.invoice_id = d.invoice_id AND i.customer_id = d.customer_id
     WHERE d.opened_on <= CURRENT_DATE
     GROUP BY 1, 2
), flows AS (
    SELECT m.currency, m.month, m.period_end, (m.period_end - m.month + 1) AS days,
           COALESCE(i.invoiced, 0) AS invoiced, COALESCE(i.credit_notes, 0) AS credit_notes,
           COALESCE(i.invoiced, 0) + COALESCE(i.credit_notes, 0) AS net_sales,
           COALESCE(i.n, 0) AS n,
           COALESCE(s.collected, 0) AS collected, COALESCE(s.written_off, 0) AS written_off,
           -- roll-forward: AR end = AR begin + net sales - collected - written off
           pg_catalog.sum(COALESCE(i.invoiced, 0) + COALESCE(i.credit_notes, 0)
                          - COALESCE(s.collected, 0) - COALESCE(s.written_off, 0))
               OVER (PARTITION BY m.currency ORDER BY m.month) AS ar_end,
           COALESCE(nd.v, 0) AS current_ar,
           COALESCE(d.amount, 0) AS disputed, COALESCE(d.n, 0) AS disputes
      FROM months m
      LEFT JOIN issued i ON i.currency = m.currency AND i.month = m.month
      LEFT JOIN settled s ON s.currency = m.currency AND s.month = m.month
      LEFT JOIN not_due nd ON nd.currency = m.currency AND nd.month = m.month
      LEFT JOIN disputes d ON d.currency = m.currency AND d.month = m.month
), f AS (
    SELECT fl.*, fl.ar_end - fl.net_sales + fl.collected + fl.written_off AS ar_begin,
           dunning.dso_countback(fl.ar_end, fl.net_sales, fl.days)
               OVER (PARTITION BY fl.currency ORDER BY fl.month ROWS 2 PRECEDING) AS countback
      FROM flows fl
)
-- Declared precision and scale for BI tools: money numeric(20,4), days and
-- percentages numeric(38,2) (a ratio over tiny sales has no useful bound).
SELECT f.currency, f.month, f.period_end, f.days,
       f.invoiced::numeric(20,4) AS invoiced, f.credit_notes::numeric(20,4) AS credit_notes,
       f.net_sales::numeric(20,4) AS net_sales, f.n AS invoice_count,
       f.collected::numeric(20,4) AS collected, f.written_off::numeric(20,4) AS written_off,
       f.ar_begin::numeric(20,4) AS ar_begin, f.ar_end::numeric(20,4) AS ar_end,
       f.current_ar::numeric(20,4) AS current_ar_end, (f.ar_end - f.current_ar)::numeric(20,4) AS overdue_ar_end,
       pg_catalog.round(dunning.dso(f.ar_end, f.net_sales, f.days), 2)::numeric(38,2) AS dso,
       pg_catalog.round(f.countback, 2)::numeric(38,2) AS dso_countback_3m,
       pg_catalog.round(dunning.best_possible_dso(f.current_ar, f.net_sales, f.days), 2)::numeric(38,2) AS best_possible_dso,
       pg_catalog.round(dunning.average_days_delinquent(f.ar_end, f.current_ar, f.net_sales, f.days), 2)::numeric(38,2) AS average_days_delinquent,
       pg_catalog.round(dunning.cei(f.ar_begin, f.net_sales, f.ar_end, f.current_ar, 1), 2)::numeric(38,2) AS cei,
       (CASE WHEN f.ar_begin + f.net_sales > 0
             THEN pg_catalog.round(f.collected * 100 / (f.ar_begin + f.net_sales), 2) END)::numeric(38,2) AS collection_rate,
       f.disputed::numeric(20,4) AS disputed_amount, f.disputes AS dispute_count,
       (CASE WHEN f.invoiced > 0 THEN pg_catalog.round(f.disputed * 100 / f.invoiced, 2) END)::numeric(38,2) AS dispute_rate,
       (CASE WHEN f.n > 0 THEN pg_catalog.round(f.disputes * 100.0 / f.n, 2) END)::numeric(38,2) AS dispute_count_rate,
       pg_catalog.now() AS refreshed_at
  FROM f
WITH NO DATA;
CREATE UNIQUE INDEX IF NOT EXISTS kpi_monthly_currency_month_idx ON dunning.kpi_monthly (currency, month);
SELECT dunning_internal.populate('dunning.kpi_monthly');
COMMENT ON MATERIALIZED VIEW dunning.kpi_monthly IS
    'receivable KPIs per calendar month and currency, as of the last dunning.refresh_kpi() (the current month runs to that day); reproduce any month with dunning.kpi_as_of(month end)';
COMMENT ON COLUMN dunning.kpi_monthly.currency IS 'ISO 4217 currency of every amount of the row';
COMMENT ON COLUMN dunning.kpi_monthly.month IS 'first day of the month';
COMMENT ON COLUMN dunning.kpi_monthly.period_end IS 'last day counted: the month end, or the refresh day for the current month';
COMMENT ON COLUMN dunning.kpi_monthly.days IS 'calendar days of the period (month to date for the current month)';
COMMENT ON COLUMN dunning.kpi_monthly.invoiced IS 'invoices issued in the period (> 0 amounts)';
COMMENT ON COLUMN dunning.kpi_monthly.credit_notes IS 'credit notes issued in the period (<= 0)';
COMMENT ON COLUMN dunning.kpi_monthly.net_sales IS 'invoiced + credit_notes: the credit sales of the DSO formulas';
COMMENT ON COLUMN dunning.kpi_monthly.invoice_count IS 'number of invoices issued in the period';
COMMENT ON COLUMN dunning.kpi_monthly.collected IS 'cash applied to invoices, by payment date (payment allocations dated in the period)';
COMMENT ON COLUMN dunning.kpi_monthly.written_off IS 'write-offs dated in the period';
COMMENT ON COLUMN dunning.kpi_monthly.ar_begin IS 'AR (open invoices + open credit notes) at the end of the previous day of the period start';
COMMENT ON COLUMN dunning.kpi_monthly.ar_end IS 'AR at period end: ar_begin + net_sales - collected - written_off';
COMMENT ON COLUMN dunning.kpi_monthly.current_ar_end IS 'part of ar_end not yet due at period end (due on or after it)';
COMMENT ON COLUMN dunning.kpi_monthly.overdue_ar_end IS 'part of ar_end past due at period end';
COMMENT ON COLUMN dunning.kpi_monthly.dso IS 'simple DSO: ar_end x days / net_sales (2 decimals); NULL when net_sales <= 0';
COMMENT ON COLUMN dunning.kpi_monthly.dso_countback_3m IS 'countback DSO over this period and the two before it (dunning.dso_countback, 2 decimals)';
COMMENT ON COLUMN dunning.kpi_monthly.best_possible_dso IS 'current_ar_end x days / net_sales (2 decimals); NULL when net_sales <= 0';
COMMENT ON COLUMN dunning.kpi_monthly.average_days_delinquent IS 'ADD = dso - best_possible_dso (2 decimals); NULL when net_sales <= 0';
COMMENT ON COLUMN dunning.kpi_monthly.cei IS 'collection effectiveness index in percent over the period (N = 1): (ar_begin + net_sales - ar_end) / (ar_begin + net_sales - current_ar_end) x 100; NULL when the denominator <= 0';
COMMENT ON COLUMN dunning.kpi_monthly.collection_rate IS 'collected / (ar_begin + net_sales) in percent; NULL when the denominator <= 0';
COMMENT ON COLUMN dunning.kpi_monthly.disputed_amount IS 'amount of the disputes opened in the period (the whole invoice when the dispute has no amount)';
COMMENT ON COLUMN dunning.kpi_monthly.dispute_count IS 'disputes opened in the period';
COMMENT ON COLUMN dunning.kpi_monthly.dispute_rate IS 'disputed_amount / invoiced in percent; NULL when nothing was invoiced';
COMMENT ON COLUMN dunning.kpi_monthly.dispute_count_rate IS 'dispute_count / invoice_count in percent; NULL when no invoice was issued';
COMMENT ON COLUMN dunning.kpi_monthly.refreshed_at IS 'when the figures were computed: the start of the transaction of the last dunning.refresh_kpi()';


-----------------------------------------------------------------------------
-- Refresh of the materialized views
-----------------------------------------------------------------------------
-- jit off for the refreshes: compiling the expressions of plans this size
-- costs more than it saves (CPU of the refresh halved at 1M invoices,
-- doc/kpi.md "Refresh").  work_mem 64MB: at the default 4MB kpi_monthly's
-- groupings of the invoices and settlements per day sort on disk and its
-- hash joins run in batches; with 64MB they hash in memory (the groups are
-- a few thousand rows): kpi_monthly's CPU -32 % at 1M invoices (doc/kpi.md).
CREATE OR REPLACE FUNCTION dunning.refresh_kpi() RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET jit = off
    SET work_mem = '64MB'
AS $fn$
BEGIN
    -- CONCURRENTLY: readers keep the previous figures until the new ones
    -- are committed; a view an update left unpopulated is computed plainly.
    IF (SELECT c.relispopulated FROM pg_catalog.pg_class c WHERE c.oid = 'dunning.customer_risk'::pg_catalog.regclass) THEN
        REFRESH MATERIALIZED VIEW CONCURRENTLY dunning.customer_risk;
    ELSE
        REFRESH MATERIALIZED VIEW dunning.customer_risk;
    END IF;
    IF (SELECT c.relispopulated FROM pg_catalog.pg_class c WHERE c.oid = 'dunning.kpi_monthly'::pg_catalog.regclass) THEN
        REFRESH MATERIALIZED VIEW CONCURRENTLY dunning.kpi_monthly;
    ELSE
        REFRESH MATERIALIZED VIEW dunning.kpi_monthly;
    END IF;
END
$fn$;
COMMENT ON FUNCTION dunning.refresh_kpi() IS
    'recomputes dunning.customer_risk and dunning.kpi_monthly as of today without blocking their readers (run nightly, and after loading or restoring data)';

-- Privileges of the objects above (PUBLIC has none: security.sql).
GRANT EXECUTE ON FUNCTION dunning.open_item_as_of(date, bigint),
    dunning.open_items_as_of(date),
    dunning.open_items_as_of(date, bigint),
    dunning.aging_as_of(date),
    dunning.aging_as_of(date, bigint),
    dunning.aging_total_as_of(date),
    dunning.kpi_as_of(date)
    TO dunning_analyst;
GRANT EXECUTE ON FUNCTION dunning.refresh_kpi()
    TO dunning_admin;
GRANT SELECT ON dunning.settlement,
    dunning.paid_invoice,
    dunning.aging,
    dunning.aging_total,
    dunning.kpi_monthly
    TO dunning_analyst;
