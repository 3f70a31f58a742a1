-----------------------------------------------------------------------------
-- KPI surface: settlement dates, point-in-time ledger, customer risk,
-- segments, aging, monthly KPIs, cash forecast (documentation: doc/kpi.md)
--
-- One model of time for everything below: a settlement (an allocation of a
-- payment or of a credit note, or a write-off) counts from its *settlement
-- date*, the later of its own date and the invoice's issue date:
--   payment allocation    payment.received_on
--   credit-note allocation the credit note's issued_on (both sides of it)
--   write-off             received_on of the payment it names, else created_at::date
-- An invoice is paid on the latest settlement date of its settlements (the
-- day the last one completed it).  What was open on any day D is then the
-- items issued on or before D minus their settlements dated on or before D:
-- every *_as_of function reconstructs the past from the ledger this way, so
-- a month's figures can be reproduced later.  AR is the sum of open items
-- (invoices and credit notes); unapplied cash is shown apart, never netted
-- into AR.
--
-- Plain views read the open items (aging, cash_forecast: one sequential
-- scan; no index mentions settled_amount, see 050_ledger_storage.sql) or
-- per-item history (settlement, paid_invoice).  The two
-- views that summarise the whole history (customer_risk, kpi_monthly) are
-- materialized and refreshed by dunning.refresh_kpi(): measured at 5M
-- invoices in doc/kpi.md.
-----------------------------------------------------------------------------

-----------------------------------------------------------------------------
-- Settlements and paid dates
-----------------------------------------------------------------------------
-- The IS NOT NULL conditions change no row (a NULL key never joins); they
-- let the planner see that the credit-note branches read a handful of
-- allocations (partial index allocation_credit_note_idx) instead of hashing
-- the whole invoice table twice for each of them.
CREATE VIEW dunning.settlement AS
SELECT a.invoice_id, i.customer_id, i.currency, i.due_on,
       'payment'::text AS kind, a.allocation_id, NULL::bigint AS write_off_id,
       a.amount, -a.amount AS open_change,
       GREATEST(p.received_on, i.issued_on) AS settled_on
  FROM dunning.allocation a
  JOIN dunning.payment p ON p.payment_id = a.payment_id
  JOIN dunning.invoice i ON i.invoice_id = a.invoice_id
 WHERE a.payment_id IS NOT NULL
UNION ALL
SELECT a.invoice_id, i.customer_id, i.currency, i.due_on,
       'credit_note', a.allocation_id, NULL,
       a.amount, -a.amount,
       GREATEST(cn.issued_on, i.issued_on)
  FROM dunning.allocation a
  JOIN dunning.invoice cn ON cn.invoice_id = a.credit_note_id
  JOIN dunning.invoice i ON i.invoice_id = a.invoice_id
 WHERE a.credit_note_id IS NOT NULL
UNION ALL
SELECT a.credit_note_id, cn.customer_id, cn.currency, cn.due_on,
       'credit_note_applied', a.allocation_id, NULL,
       a.amount, a.amount,
       GREATEST(cn.issued_on, i.issued_on)
  FROM dunning.allocation a
  JOIN dunning.invoice cn ON cn.invoice_id = a.credit_note_id
  JOIN dunning.invoice i ON i.invoice_id = a.invoice_id
 WHERE a.credit_note_id IS NOT NULL
UNION ALL
SELECT w.invoice_id, i.customer_id, i.currency, i.due_on,
       'write_off', NULL, w.write_off_id,
       w.amount, -w.amount,
       GREATEST(COALESCE(p.received_on, w.created_at::date), i.issued_on)
  FROM dunning.write_off w
  JOIN dunning.invoice i ON i.invoice_id = w.invoice_id
  LEFT JOIN dunning.payment p ON p.payment_id = w.payment_id;
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
COMMENT ON COLUMN dunning.settlement.settled_on IS 'settlement date: payment received_on, credit note issued_on, write-off''s payment received_on or created_at::date; never before the invoice date';

CREATE VIEW dunning.paid_invoice AS
-- Payment allocations (nearly every settlement) are read per invoice
-- straight from allocation and payment, where the planner knows how many
-- invoices there are; their settlement date is GREATEST(received_on,
-- issued_on), so the latest is GREATEST(max(received_on), issued_on).  The
-- other settlements come from dunning.settlement.
SELECT i.invoice_id, i.customer_id, i.currency, i.issued_on, i.due_on, i.amount, l.paid_on,
       l.paid_on - i.due_on AS days_late,
       l.paid_on - i.issued_on AS days_to_pay
  FROM dunning.invoice i
  LEFT JOIN (SELECT a.invoice_id, pg_catalog.max(p.received_on) AS received_on
               FROM dunning.allocation a
               JOIN dunning.payment p ON p.payment_id = a.payment_id
              WHERE a.payment_id IS NOT NULL
              GROUP BY a.invoice_id) y ON y.invoice_id = i.invoice_id
  LEFT JOIN (SELECT x.invoice_id, pg_catalog.max(x.settled_on) AS settled_on
               FROM dunning.settlement x
              WHERE x.kind <> 'payment' AND x.kind <> 'credit_note_applied'
              GROUP BY x.invoice_id) o ON o.invoice_id = i.invoice_id
 CROSS JOIN LATERAL (
       SELECT GREATEST(CASE WHEN y.received_on IS NOT NULL THEN GREATEST(y.received_on, i.issued_on) END,
                       o.settled_on) AS paid_on) l
 WHERE i.amount > 0 AND i.settled_amount = i.amount AND l.paid_on IS NOT NULL;
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
CREATE FUNCTION dunning.open_items_as_of(as_of date)
RETURNS TABLE (invoice_id bigint, customer_id bigint, currency char(3), issued_on date, due_on date,
               amount numeric, open_amount numeric, days_past_due integer)
    LANGUAGE sql STABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $fn$
    SELECT i.invoice_id, i.customer_id, i.currency, i.issued_on, i.due_on, i.amount,
           i.amount + COALESCE(-y.applied, 0) + COALESCE(s.change, 0),
           GREATEST(open_items_as_of.as_of - i.due_on, 0)
      FROM dunning.invoice i
      -- payment allocations per invoice straight from allocation and
      -- payment (for an item issued by as_of, GREATEST(received_on,
      -- issued_on) <= as_of exactly when received_on <= as_of); the other
      -- settlements from dunning.settlement
      LEFT JOIN (SELECT a.invoice_id, pg_catalog.sum(a.amount) AS applied
                   FROM dunning.allocation a
                   JOIN dunning.payment p ON p.payment_id = a.payment_id
                  WHERE a.payment_id IS NOT NULL AND p.received_on <= open_items_as_of.as_of
                  GROUP BY a.invoice_id) y ON y.invoice_id = i.invoice_id
      LEFT JOIN (SELECT x.invoice_id, pg_catalog.sum(x.open_change) AS change
                   FROM dunning.settlement x
                  WHERE x.kind <> 'payment' AND x.settled_on <= open_items_as_of.as_of
                  GROUP BY x.invoice_id) s ON s.invoice_id = i.invoice_id
     WHERE i.issued_on <= open_items_as_of.as_of
       AND i.amount + COALESCE(-y.applied, 0) + COALESCE(s.change, 0) <> 0;
$fn$;
COMMENT ON FUNCTION dunning.open_items_as_of(date) IS
    'invoices and credit notes open at the end of as_of, reconstructed from the ledger: issued on or before as_of, minus their settlements dated on or before as_of';

-----------------------------------------------------------------------------
-- Aging
-----------------------------------------------------------------------------
-- Today's aging reads the open items directly; aging_as_of
-- reconstructs any past day.  Same columns, same buckets.
-- Per customer (over dunning.open_item, with aging_as_of's buckets), then the
-- totals per currency summed from those rows, as two branches of a UNION ALL
-- rather than GROUPING SETS: a filter on customer_id reaches the per-customer
-- scan (invoice_customer_idx) and folds the totals' branch away, so one
-- customer's aging does not aggregate the whole book.  NOT MATERIALIZED
-- keeps both references of per inlined, so that the filter can get in.
CREATE VIEW dunning.aging AS
WITH per AS NOT MATERIALIZED (
    SELECT o.currency, o.customer_id,
           pg_catalog.sum(o.open_amount) AS open_amount,
           pg_catalog.sum(o.open_amount) FILTER (WHERE o.amount > 0 AND o.days_past_due = 0) AS b0,
           pg_catalog.sum(o.open_amount) FILTER (WHERE o.amount > 0 AND o.days_past_due BETWEEN 1 AND 30) AS b1,
           pg_catalog.sum(o.open_amount) FILTER (WHERE o.amount > 0 AND o.days_past_due BETWEEN 31 AND 60) AS b2,
           pg_catalog.sum(o.open_amount) FILTER (WHERE o.amount > 0 AND o.days_past_due BETWEEN 61 AND 90) AS b3,
           pg_catalog.sum(o.open_amount) FILTER (WHERE o.amount > 0 AND o.days_past_due BETWEEN 91 AND 120) AS b4,
           pg_catalog.sum(o.open_amount) FILTER (WHERE o.amount > 0 AND o.days_past_due > 120) AS b5,
           pg_catalog.sum(o.open_amount) FILTER (WHERE o.amount < 0) AS cn,
           pg_catalog.count(*) FILTER (WHERE o.amount > 0) AS n
      FROM dunning.open_item o
     GROUP BY o.currency, o.customer_id
), a AS NOT MATERIALIZED (
    SELECT per.*, 0 AS g FROM per
    UNION ALL
    SELECT per.currency, NULL::bigint, pg_catalog.sum(per.open_amount), pg_catalog.sum(per.b0),
           pg_catalog.sum(per.b1), pg_catalog.sum(per.b2), pg_catalog.sum(per.b3), pg_catalog.sum(per.b4),
           pg_catalog.sum(per.b5), pg_catalog.sum(per.cn), pg_catalog.sum(per.n)::bigint, 1
      FROM per
     GROUP BY per.currency
)
SELECT a.customer_id, c.name AS customer_name, a.currency, a.g = 1 AS is_total, CURRENT_DATE AS as_of,
       COALESCE(a.b0, 0) AS not_due, COALESCE(a.b1, 0) AS days_1_30, COALESCE(a.b2, 0) AS days_31_60,
       COALESCE(a.b3, 0) AS days_61_90, COALESCE(a.b4, 0) AS days_91_120, COALESCE(a.b5, 0) AS days_over_120,
       COALESCE(a.cn, 0) AS open_credit_notes, a.open_amount, a.n AS open_invoice_count
  FROM a LEFT JOIN dunning.customer c ON c.customer_id = a.customer_id;

CREATE FUNCTION dunning.aging_as_of(as_of date)
RETURNS TABLE (customer_id bigint, customer_name text, currency char(3), is_total boolean, as_of date,
               not_due numeric, days_1_30 numeric, days_31_60 numeric, days_61_90 numeric,
               days_91_120 numeric, days_over_120 numeric, open_credit_notes numeric,
               open_amount numeric, open_invoice_count bigint)
    LANGUAGE sql STABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $fn$
    WITH a AS (
        SELECT o.currency, o.customer_id,
               pg_catalog.sum(o.open_amount) AS open_amount,
               pg_catalog.sum(o.open_amount) FILTER (WHERE o.amount > 0 AND o.days_past_due = 0) AS b0,
               pg_catalog.sum(o.open_amount) FILTER (WHERE o.amount > 0 AND o.days_past_due BETWEEN 1 AND 30) AS b1,
               pg_catalog.sum(o.open_amount) FILTER (WHERE o.amount > 0 AND o.days_past_due BETWEEN 31 AND 60) AS b2,
               pg_catalog.sum(o.open_amount) FILTER (WHERE o.amount > 0 AND o.days_past_due BETWEEN 61 AND 90) AS b3,
               pg_catalog.sum(o.open_amount) FILTER (WHERE o.amount > 0 AND o.days_past_due BETWEEN 91 AND 120) AS b4,
               pg_catalog.sum(o.open_amount) FILTER (WHERE o.amount > 0 AND o.days_past_due > 120) AS b5,
               pg_catalog.sum(o.open_amount) FILTER (WHERE o.amount < 0) AS cn,
               pg_catalog.count(*) FILTER (WHERE o.amount > 0) AS n,
               GROUPING(o.customer_id) AS g
          FROM dunning.open_items_as_of(aging_as_of.as_of) o
         GROUP BY GROUPING SETS ((o.currency, o.customer_id), (o.currency))
    )
    SELECT a.customer_id, c.name, a.currency, a.g = 1, aging_as_of.as_of,
           COALESCE(a.b0, 0), COALESCE(a.b1, 0), COALESCE(a.b2, 0), COALESCE(a.b3, 0),
           COALESCE(a.b4, 0), COALESCE(a.b5, 0), COALESCE(a.cn, 0), a.open_amount, a.n
      FROM a LEFT JOIN dunning.customer c ON c.customer_id = a.customer_id;
$fn$;
COMMENT ON FUNCTION dunning.aging_as_of(date) IS
    'dunning.aging as it was at the end of as_of, reconstructed from the ledger (same columns)';

COMMENT ON VIEW dunning.aging IS
    'open invoices by days past due today, per customer and currency and in total per currency (is_total, customer_id NULL); open credit notes apart; plain view over the open items';
COMMENT ON COLUMN dunning.aging.customer_id IS 'the customer; NULL on the total row of the currency';
COMMENT ON COLUMN dunning.aging.customer_name IS 'the customer''s name; NULL on the total row';
COMMENT ON COLUMN dunning.aging.currency IS 'ISO 4217 currency of the figures in this row';
COMMENT ON COLUMN dunning.aging.is_total IS 'true for the total row of the currency (all customers)';
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

-----------------------------------------------------------------------------
-- Credit insurance
-----------------------------------------------------------------------------
CREATE TABLE dunning.credit_insurance (
    credit_insurance_id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    customer_id     bigint NOT NULL REFERENCES dunning.customer,
    insurer         text NOT NULL,
    policy_ref      text,
    insured_limit   numeric NOT NULL,
    currency        char(3) NOT NULL DEFAULT 'EUR',
    valid_from      date NOT NULL,
    valid_to        date,
    created_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT credit_insurance_insurer_not_blank CHECK (pg_catalog.btrim(insurer) <> ''),
    CONSTRAINT credit_insurance_limit_valid CHECK (insured_limit >= 0 AND insured_limit < 'Infinity'),
    CONSTRAINT credit_insurance_currency_iso4217 CHECK (dunning.is_currency(currency)),
    CONSTRAINT credit_insurance_valid_to_not_before_valid_from CHECK (valid_to >= valid_from)
);
CREATE INDEX credit_insurance_customer_idx ON dunning.credit_insurance (customer_id, valid_from);
COMMENT ON TABLE dunning.credit_insurance IS
    'credit-insurance cover per customer (insured limit granted by an insurer over a period); load with INSERT or COPY';
COMMENT ON COLUMN dunning.credit_insurance.credit_insurance_id IS 'identity';
COMMENT ON COLUMN dunning.credit_insurance.customer_id IS 'the insured customer (debtor)';
COMMENT ON COLUMN dunning.credit_insurance.insurer IS 'the credit insurer';
COMMENT ON COLUMN dunning.credit_insurance.policy_ref IS 'policy or limit decision reference of the insurer';
COMMENT ON COLUMN dunning.credit_insurance.insured_limit IS 'insured limit (>= 0; 0 = cover withdrawn)';
COMMENT ON COLUMN dunning.credit_insurance.currency IS 'ISO 4217 currency of the limit';
COMMENT ON COLUMN dunning.credit_insurance.valid_from IS 'first day of the cover';
COMMENT ON COLUMN dunning.credit_insurance.valid_to IS 'last day of the cover; NULL = until further notice';
COMMENT ON COLUMN dunning.credit_insurance.created_at IS 'when the row was loaded';

-----------------------------------------------------------------------------
-- Customer risk
-----------------------------------------------------------------------------
-- Money is counted in the customer's main currency (the one it was invoiced
-- in most often, ties by code) so nothing adds amounts of two currencies;
-- open items in other currencies are counted in other_currency_open_items.
CREATE FUNCTION dunning.customer_risk_as_of(as_of date)
RETURNS TABLE (customer_id bigint, customer_name text, segment text, currency char(3), as_of date,
               open_invoices numeric, open_credit_notes numeric, unapplied_payments numeric,
               balance numeric, overdue_amount numeric, max_days_past_due integer,
               other_currency_open_items bigint,
               paid_invoices_12m bigint, paid_amount_12m numeric,
               weighted_days_late numeric, days_beyond_terms numeric, avg_days_to_pay numeric,
               paydex integer, risk_score integer,
               credit_limit numeric, exposure numeric, available_credit numeric, over_limit boolean,
               insurer text, insured_limit numeric, uninsured_exposure numeric)
    LANGUAGE sql STABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $fn$
    -- One pass over the ledger: the items joined with their payment
    -- allocations and payments (plus the few other settlements), grouped per
    -- item (open amount and cash applied as of as_of, latest settlement
    -- date), then per customer and currency; the main currency is then
    -- picked from those groups.  Every figure is a sum, count or aggregate
    -- of the same rows the definitions in doc/kpi.md name, so regrouping
    -- changes nothing (numeric sums are exact and keep the largest scale).
    WITH rest AS (
        -- Settlements other than payment allocations (credit notes,
        -- write-offs): few rows, at most one row per item here
        SELECT x.invoice_id,
               pg_catalog.sum(x.open_change) FILTER (WHERE x.settled_on <= customer_risk_as_of.as_of) AS change,
               pg_catalog.max(x.settled_on) FILTER (WHERE x.kind <> 'credit_note_applied') AS last_settled_on
          FROM dunning.settlement x
         WHERE x.kind <> 'payment'
         GROUP BY x.invoice_id
    ), item0 AS (
        -- Items issued by as_of (a settlement is never dated before its
        -- item, so nothing issued later matters) with their payment
        -- allocations, by far the most settlements, read straight from
        -- allocation and payment: for such an item the settlement date
        -- GREATEST(received_on, issued_on) is on or before as_of exactly
        -- when received_on is.  Grouped by customer, currency and item so
        -- that the per-customer aggregate below reads them in order.
        SELECT i.customer_id, i.currency, i.invoice_id, i.due_on, i.issued_on, i.amount, i.settled_amount,
               pg_catalog.sum(a.amount) FILTER (WHERE p.received_on <= customer_risk_as_of.as_of) AS applied,
               pg_catalog.max(p.received_on) AS last_received_on,
               pg_catalog.max(o.change) AS change,
               pg_catalog.max(o.last_settled_on) AS last_other_on
          FROM dunning.invoice i
          LEFT JOIN (dunning.allocation a JOIN dunning.payment p ON p.payment_id = a.payment_id)
                 ON a.invoice_id = i.invoice_id AND a.payment_id IS NOT NULL
          LEFT JOIN rest o ON o.invoice_id = i.invoice_id
         WHERE i.issued_on <= customer_risk_as_of.as_of
         GROUP BY i.customer_id, i.currency, i.invoice_id
    ), item AS (
        -- open amount as of as_of (amount + the open changes of the
        -- settlements dated by then), cash applied by then, and paid_on:
        -- the paid date of dunning.paid_invoice (the latest settlement
        -- date) when it is on or before as_of
        SELECT it.customer_id, it.currency, it.due_on, it.issued_on, it.amount,
               it.amount + COALESCE(-it.applied, 0) + COALESCE(it.change, 0) AS open_amount,
               CASE WHEN it.amount > 0 AND it.settled_amount = it.amount
                     AND l.last_settled_on <= customer_risk_as_of.as_of
                    THEN l.last_settled_on END AS paid_on,
               it.applied AS cash_applied
          FROM item0 it
          -- latest settlement date (NULL when none); GREATEST skips NULLs
          CROSS JOIN LATERAL (
                SELECT GREATEST(CASE WHEN it.last_received_on IS NOT NULL
                                     THEN GREATEST(it.last_received_on, it.issued_on) END,
                                it.last_other_on) AS last_settled_on) l
    ), g AS (
        SELECT it.customer_id, it.currency,
               pg_catalog.count(*) FILTER (WHERE it.amount > 0) AS n,
               pg_catalog.sum(it.open_amount) FILTER (WHERE it.amount > 0 AND it.open_amount <> 0) AS open_invoices,
               pg_catalog.sum(it.open_amount) FILTER (WHERE it.amount < 0 AND it.open_amount <> 0) AS open_credit_notes,
               pg_catalog.sum(it.open_amount) FILTER (WHERE it.amount > 0 AND it.open_amount <> 0
                                                       AND it.due_on < customer_risk_as_of.as_of) AS overdue,
               pg_catalog.max(GREATEST(customer_risk_as_of.as_of - it.due_on, 0))
                   FILTER (WHERE it.amount > 0 AND it.open_amount <> 0) AS max_dpd,
               pg_catalog.count(*) FILTER (WHERE it.open_amount <> 0) AS open_items,
               pg_catalog.sum(it.cash_applied) AS cash_applied,
               pg_catalog.count(*) FILTER (WHERE it.paid_on > customer_risk_as_of.as_of - 365) AS paid_n,
               pg_catalog.sum(it.amount) FILTER (WHERE it.paid_on > customer_risk_as_of.as_of - 365) AS paid_amount,
               dunning.weighted_days_late(it.due_on, it.paid_on, it.amount)
                   FILTER (WHERE it.paid_on > customer_risk_as_of.as_of - 365) AS wdl,
               dunning.days_beyond_terms(it.due_on, it.paid_on, it.amount)
                   FILTER (WHERE it.paid_on > customer_risk_as_of.as_of - 365) AS dbt,
               dunning.avg_days_to_pay(it.issued_on, it.paid_on, it.amount)
                   FILTER (WHERE it.paid_on > customer_risk_as_of.as_of - 365) AS dtp,
               dunning.paydex(it.due_on, it.paid_on, it.amount)
                   FILTER (WHERE it.paid_on > customer_risk_as_of.as_of - 365) AS paydex,
               -- paid items (by as_of) with their paid date, open ones (paid
               -- later or not at all) with none: the score ages them to as_of
               dunning.payment_risk_score(it.due_on, it.paid_on, it.amount, customer_risk_as_of.as_of)
                   FILTER (WHERE it.amount > 0) AS score
          FROM item it
         GROUP BY it.customer_id, it.currency
    ), main AS (
        -- the currency invoiced most often, ties by code
        SELECT DISTINCT ON (g.customer_id) g.*
          FROM g
         WHERE g.n > 0
         ORDER BY g.customer_id, g.n DESC, g.currency
    ), other AS (
        SELECT g.customer_id, pg_catalog.sum(g.open_items)::bigint AS other
          FROM g JOIN main m ON m.customer_id = g.customer_id AND m.currency <> g.currency
         GROUP BY g.customer_id
    ), received AS (
        SELECT p.customer_id, p.currency, pg_catalog.sum(p.amount) AS amount
          FROM dunning.payment p
         WHERE p.received_on <= customer_risk_as_of.as_of AND p.customer_id IS NOT NULL
         GROUP BY p.customer_id, p.currency
    ), cover AS (
        SELECT ci.customer_id,
               pg_catalog.string_agg(DISTINCT ci.insurer, ', ') AS insurer,
               pg_catalog.sum(ci.insured_limit) AS insured_limit
          FROM dunning.credit_insurance ci
          JOIN main m ON m.customer_id = ci.customer_id AND m.currency = ci.currency
         WHERE ci.valid_from <= customer_risk_as_of.as_of
           AND (ci.valid_to IS NULL OR ci.valid_to >= customer_risk_as_of.as_of)
         GROUP BY ci.customer_id
    ), f AS (
        SELECT c.customer_id, c.name, c.segment, m.currency, c.credit_limit,
               COALESCE(m.open_invoices, 0) AS open_invoices,
               COALESCE(m.open_credit_notes, 0) AS open_credit_notes,
               -- payments received minus cash applied to the customer's items
               COALESCE(k.amount, 0) - COALESCE(m.cash_applied, 0) AS unapplied,
               COALESCE(m.overdue, 0) AS overdue, COALESCE(m.max_dpd, 0) AS max_dpd,
               COALESCE(o.other, 0) AS other,
               COALESCE(m.paid_n, 0) AS n, COALESCE(m.paid_amount, 0) AS paid_amount,
               m.wdl, m.dbt, m.dtp, m.paydex, m.score, v.insurer, v.insured_limit
          FROM dunning.customer c
          LEFT JOIN main m ON m.customer_id = c.customer_id
          LEFT JOIN other o ON o.customer_id = c.customer_id
          LEFT JOIN received k ON k.customer_id = c.customer_id AND k.currency = m.currency
          LEFT JOIN cover v ON v.customer_id = c.customer_id
    ), fb AS (
        SELECT f.*, f.open_invoices + f.open_credit_notes - f.unapplied AS balance FROM f
    )
    SELECT f.customer_id, f.name, f.segment, f.currency, customer_risk_as_of.as_of,
           f.open_invoices, f.open_credit_notes, f.unapplied, f.balance, f.overdue, f.max_dpd, f.other,
           f.n, f.paid_amount,
           pg_catalog.round(f.wdl, 2), pg_catalog.round(f.dbt, 2), pg_catalog.round(f.dtp, 2),
           f.paydex, f.score,
           f.credit_limit, GREATEST(f.balance, 0),
           f.credit_limit - GREATEST(f.balance, 0),
           COALESCE(GREATEST(f.balance, 0) > f.credit_limit, false),
           f.insurer, COALESCE(f.insured_limit, 0),
           GREATEST(GREATEST(f.balance, 0) - COALESCE(f.insured_limit, 0), 0)
      FROM fb f;
$fn$;
COMMENT ON FUNCTION dunning.customer_risk_as_of(date) IS
    'dunning.customer_risk as it was at the end of as_of, reconstructed from the ledger (same columns; segment and credit limit are today''s)';

CREATE MATERIALIZED VIEW dunning.customer_risk AS
SELECT * FROM dunning.customer_risk_as_of(CURRENT_DATE);
CREATE UNIQUE INDEX customer_risk_customer_idx ON dunning.customer_risk (customer_id);
COMMENT ON MATERIALIZED VIEW dunning.customer_risk IS
    'per customer, as of the last dunning.refresh_kpi(): balance, overdue, payment behaviour of the last 12 months, PAYDEX-style and risk scores, segment, credit limit and exposure, credit-insurance cover; money in the customer''s main currency';
COMMENT ON COLUMN dunning.customer_risk.customer_id IS 'the customer';
COMMENT ON COLUMN dunning.customer_risk.customer_name IS 'the customer''s name';
COMMENT ON COLUMN dunning.customer_risk.segment IS 'risk segment (customer.segment, written by dunning.refresh_segments)';
COMMENT ON COLUMN dunning.customer_risk.currency IS 'main currency: the one the customer was invoiced in most often (ties: first code); every amount of the row is in it; NULL without invoices';
COMMENT ON COLUMN dunning.customer_risk.as_of IS 'the day the figures were computed for (the refresh day)';
COMMENT ON COLUMN dunning.customer_risk.open_invoices IS 'open amount of invoices (>= 0)';
COMMENT ON COLUMN dunning.customer_risk.open_credit_notes IS 'open amount of credit notes (<= 0)';
COMMENT ON COLUMN dunning.customer_risk.unapplied_payments IS 'payments received and not yet allocated (>= 0)';
COMMENT ON COLUMN dunning.customer_risk.balance IS 'open invoices + open credit notes - unapplied payments';
COMMENT ON COLUMN dunning.customer_risk.overdue_amount IS 'open amount of invoices past due';
COMMENT ON COLUMN dunning.customer_risk.max_days_past_due IS 'days past due of the oldest overdue open invoice, 0 when none';
COMMENT ON COLUMN dunning.customer_risk.other_currency_open_items IS 'open items in other currencies (not in the amounts of this row)';
COMMENT ON COLUMN dunning.customer_risk.paid_invoices_12m IS 'invoices paid in the 365 days up to as_of';
COMMENT ON COLUMN dunning.customer_risk.paid_amount_12m IS 'their amount (the weight of the day figures)';
COMMENT ON COLUMN dunning.customer_risk.weighted_days_late IS 'amount-weighted signed days late of the invoices paid in the last 12 months (2 decimals); NULL without any';
COMMENT ON COLUMN dunning.customer_risk.days_beyond_terms IS 'amount-weighted days beyond terms, early counting 0, same invoices (2 decimals)';
COMMENT ON COLUMN dunning.customer_risk.avg_days_to_pay IS 'amount-weighted days from invoice date to paid date, same invoices (2 decimals)';
COMMENT ON COLUMN dunning.customer_risk.paydex IS 'PAYDEX-style score 1-100 of the same invoices (80 = pays on time)';
COMMENT ON COLUMN dunning.customer_risk.risk_score IS 'dunning.payment_risk_score 0-100 as of as_of over every invoice (paid ones decaying, open ones in full); NULL without invoices';
COMMENT ON COLUMN dunning.customer_risk.credit_limit IS 'customer.credit_limit; NULL = none set';
COMMENT ON COLUMN dunning.customer_risk.exposure IS 'outstanding: the balance, 0 when in credit';
COMMENT ON COLUMN dunning.customer_risk.available_credit IS 'credit_limit - exposure (negative when over the limit); NULL without a limit';
COMMENT ON COLUMN dunning.customer_risk.over_limit IS 'true when exposure exceeds the credit limit; false without a limit';
COMMENT ON COLUMN dunning.customer_risk.insurer IS 'insurer(s) of the covers in force on as_of in the main currency; NULL when uninsured';
COMMENT ON COLUMN dunning.customer_risk.insured_limit IS 'sum of the insured limits in force on as_of in the main currency (0 when uninsured)';
COMMENT ON COLUMN dunning.customer_risk.uninsured_exposure IS 'exposure above the insured limit';

-----------------------------------------------------------------------------
-- Segments
-----------------------------------------------------------------------------
CREATE TABLE dunning.segment_rule (
    segment    text NOT NULL,
    min_score  integer NOT NULL,
    seeded     boolean NOT NULL DEFAULT false,
    PRIMARY KEY (seeded, segment),
    CONSTRAINT segment_rule_min_score_unique UNIQUE (seeded, min_score),
    CONSTRAINT segment_rule_segment_not_blank CHECK (pg_catalog.btrim(segment) <> ''),
    CONSTRAINT segment_rule_min_score_range CHECK (min_score BETWEEN 0 AND 100)
);
COMMENT ON TABLE dunning.segment_rule IS
    'risk segments by risk score: a score gets the rule with the highest min_score <= score; the user rules (seeded false) replace the seeded defaults as soon as one exists';
COMMENT ON COLUMN dunning.segment_rule.segment IS 'segment name written to customer.segment';
COMMENT ON COLUMN dunning.segment_rule.min_score IS 'lowest risk score (0-100) of the segment';
COMMENT ON COLUMN dunning.segment_rule.seeded IS 'true for the defaults the extension installs (read only, not dumped)';
INSERT INTO dunning.segment_rule (segment, min_score, seeded) VALUES
    ('low', 0, true), ('medium', 25, true), ('high', 50, true), ('critical', 75, true);

CREATE FUNCTION dunning.segment_rule_seeded_read_only() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF (TG_OP <> 'INSERT' AND OLD.seeded) OR (TG_OP <> 'DELETE' AND NEW.seeded) THEN
        RAISE EXCEPTION 'seeded segment rules are read only'
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Insert your own rules (seeded = false): as soon as one exists they replace the seeded ones.';
    END IF;
    RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
END
$fn$;
CREATE TRIGGER segment_rule_seeded_read_only BEFORE INSERT OR UPDATE OR DELETE ON dunning.segment_rule
    FOR EACH ROW EXECUTE FUNCTION dunning.segment_rule_seeded_read_only();

CREATE TABLE dunning.segment_override (
    customer_id  bigint PRIMARY KEY REFERENCES dunning.customer,
    segment      text NOT NULL,
    reason       text NOT NULL,
    until        date,
    created_at   timestamptz NOT NULL DEFAULT pg_catalog.now(),
    created_by   name NOT NULL DEFAULT CURRENT_USER,
    CONSTRAINT segment_override_segment_not_blank CHECK (pg_catalog.btrim(segment) <> ''),
    CONSTRAINT segment_override_reason_not_blank CHECK (pg_catalog.btrim(reason) <> '')
);
COMMENT ON TABLE dunning.segment_override IS
    'manual segment of a customer that dunning.refresh_segments keeps instead of the score''s, until a day or for good';
COMMENT ON COLUMN dunning.segment_override.customer_id IS 'the customer';
COMMENT ON COLUMN dunning.segment_override.segment IS 'the segment to keep';
COMMENT ON COLUMN dunning.segment_override.reason IS 'why (logged with every change it causes)';
COMMENT ON COLUMN dunning.segment_override.until IS 'last day the override holds; NULL = until removed';
COMMENT ON COLUMN dunning.segment_override.created_at IS 'when it was set';
COMMENT ON COLUMN dunning.segment_override.created_by IS 'database role that set it';

CREATE TABLE dunning.segment_change (
    segment_change_id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    customer_id  bigint NOT NULL REFERENCES dunning.customer,
    old_segment  text,
    new_segment  text,
    risk_score   integer,
    reason       text NOT NULL,
    as_of        date NOT NULL,
    changed_at   timestamptz NOT NULL DEFAULT pg_catalog.now(),
    changed_by   name NOT NULL DEFAULT CURRENT_USER
);
CREATE INDEX segment_change_customer_idx ON dunning.segment_change (customer_id, changed_at);
COMMENT ON TABLE dunning.segment_change IS 'every change of customer.segment made by dunning.refresh_segments, with why';
COMMENT ON COLUMN dunning.segment_change.segment_change_id IS 'identity';
COMMENT ON COLUMN dunning.segment_change.customer_id IS 'the customer';
COMMENT ON COLUMN dunning.segment_change.old_segment IS 'segment before (NULL = none)';
COMMENT ON COLUMN dunning.segment_change.new_segment IS 'segment after (NULL = no score)';
COMMENT ON COLUMN dunning.segment_change.risk_score IS 'the customer''s risk score as of as_of';
COMMENT ON COLUMN dunning.segment_change.reason IS 'why: the score and the rule, or the override and its reason';
COMMENT ON COLUMN dunning.segment_change.as_of IS 'the day the score was computed for';
COMMENT ON COLUMN dunning.segment_change.changed_at IS 'when it changed';
COMMENT ON COLUMN dunning.segment_change.changed_by IS 'database role that ran the refresh';

CREATE FUNCTION dunning.refresh_segments(as_of date DEFAULT CURRENT_DATE) RETURNS integer
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    n integer;
    user_rules boolean;
BEGIN
    IF as_of IS NULL THEN
        RAISE EXCEPTION 'as_of must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    -- One refresh at a time: two would log the same change twice.
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('dunning.refresh_segments'));
    user_rules := EXISTS (SELECT FROM dunning.segment_rule r WHERE NOT r.seeded);
    WITH target AS (
        SELECT c.customer_id, c.segment AS old_segment, s.risk_score,
               CASE WHEN o.customer_id IS NOT NULL THEN o.segment ELSE r.segment END AS new_segment,
               CASE WHEN o.customer_id IS NOT NULL
                    THEN pg_catalog.format('override: %s%s', o.reason,
                                           COALESCE(' (until ' || pg_catalog.to_char(o.until, 'YYYY-MM-DD') || ')', ''))
                    WHEN s.risk_score IS NULL THEN 'no invoice: no risk score'
                    ELSE pg_catalog.format('risk score %s: rule %s (from %s)', s.risk_score, r.segment, r.min_score)
               END AS why
          FROM dunning.customer c
          LEFT JOIN dunning.customer_risk_as_of(refresh_segments.as_of) s ON s.customer_id = c.customer_id
          LEFT JOIN dunning.segment_override o
                 ON o.customer_id = c.customer_id
                AND (o.until IS NULL OR o.until >= refresh_segments.as_of)
          LEFT JOIN LATERAL (
                SELECT sr.segment, sr.min_score FROM dunning.segment_rule sr
                 WHERE sr.seeded = NOT user_rules AND sr.min_score <= s.risk_score
                 ORDER BY sr.min_score DESC LIMIT 1) r ON true
    ), changed AS (
        UPDATE dunning.customer c SET segment = t.new_segment
          FROM target t
         WHERE c.customer_id = t.customer_id AND c.segment IS DISTINCT FROM t.new_segment
        RETURNING c.customer_id, t.old_segment, t.new_segment, t.risk_score, t.why
    )
    INSERT INTO dunning.segment_change (customer_id, old_segment, new_segment, risk_score, reason, as_of)
    SELECT ch.customer_id, ch.old_segment, ch.new_segment, ch.risk_score, ch.why, refresh_segments.as_of
      FROM changed ch;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$fn$;
COMMENT ON FUNCTION dunning.refresh_segments(date) IS
    'writes customer.segment from the risk score as of as_of by dunning.segment_rule, keeping overrides in force; logs each change in dunning.segment_change; returns the number of changes (0 on a second run)';

-----------------------------------------------------------------------------
-- Monthly KPIs
-----------------------------------------------------------------------------
-- kpi_as_of computes one period straight from the ledger; kpi_monthly all
-- months at once from monthly flows (AR by roll-forward).  The tests check
-- that they agree.  Periods: calendar months; the current one runs to today.
CREATE FUNCTION dunning.kpi_as_of(as_of date)
RETURNS TABLE (currency char(3), month date, period_end date, days integer,
               invoiced numeric, credit_notes numeric, net_sales numeric, invoice_count bigint,
               collected numeric, written_off numeric,
               ar_begin numeric, ar_end numeric, current_ar_end numeric, overdue_ar_end numeric,
               dso numeric, dso_countback_3m numeric, best_possible_dso numeric,
               average_days_delinquent numeric, cei numeric, collection_rate numeric,
               disputed_amount numeric, dispute_count bigint, dispute_rate numeric,
               dispute_count_rate numeric)
    LANGUAGE sql STABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $fn$
    WITH p AS (
        SELECT pg_catalog.date_trunc('month', kpi_as_of.as_of::timestamp)::date AS m
    ), cur AS (
        SELECT i.currency, pg_catalog.date_trunc('month', pg_catalog.min(i.issued_on)::timestamp)::date AS first_m
          FROM dunning.invoice i
         WHERE i.issued_on <= kpi_as_of.as_of
         GROUP BY i.currency
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
    ), ar_end AS (
        SELECT o.currency, pg_catalog.sum(o.open_amount) AS ar,
               pg_catalog.sum(o.open_amount) FILTER (WHERE o.due_on >= kpi_as_of.as_of) AS current_ar
          FROM dunning.open_items_as_of(kpi_as_of.as_of) o GROUP BY 1
    ), ar_begin AS (
        SELECT o.currency, pg_catalog.sum(o.open_amount) AS ar
          FROM p, dunning.open_items_as_of(p.m - 1) o GROUP BY 1
    ), settled AS (
        SELECT s.currency,
               pg_catalog.sum(s.amount) FILTER (WHERE s.kind = 'payment') AS collected,
               pg_catalog.sum(s.amount) FILTER (WHERE s.kind = 'write_off') AS written_off
          FROM dunning.settlement s, p
         WHERE s.settled_on BETWEEN p.m AND kpi_as_of.as_of AND s.kind IN ('payment', 'write_off')
         GROUP BY 1
    ), disputes AS (
        SELECT i.currency, pg_catalog.sum(COALESCE(d.amount, pg_catalog.abs(i.amount))) AS amount,
               pg_catalog.count(*) AS n
          FROM dunning.dispute d JOIN dunning.invoice i ON i.invoice_id = d.invoice_id, p
         WHERE d.opened_on BETWEEN p.m AND kpi_as_of.as_of
         GROUP BY 1
    ), countback AS (
        SELECT pr.currency,
               dunning.dso_countback(CASE WHEN pr.m = p.m THEN COALESCE(e.ar, 0) END, pr.net_sales, pr.days
                                     ORDER BY pr.m) AS v
          FROM periods pr CROSS JOIN p LEFT JOIN ar_end e ON e.currency = pr.currency
         GROUP BY 1
    ), f AS (
        SELECT c.currency, p.m, kpi_as_of.as_of - p.m + 1 AS days,
               COALESCE(s.invoiced, 0) AS invoiced, COALESCE(s.credit_notes, 0) AS credit_notes,
               COALESCE(s.invoiced, 0) + COALESCE(s.credit_notes, 0) AS net_sales,
               COALESCE(s.n, 0) AS n,
               COALESCE(st.collected, 0) AS collected, COALESCE(st.written_off, 0) AS written_off,
               COALESCE(b.ar, 0) AS ar_begin, COALESCE(e.ar, 0) AS ar_end,
               COALESCE(e.current_ar, 0) AS current_ar,
               COALESCE(d.amount, 0) AS disputed, COALESCE(d.n, 0) AS disputes,
               cb.v AS countback
          FROM cur c CROSS JOIN p
          LEFT JOIN sales s ON s.currency = c.currency AND s.m = p.m
          LEFT JOIN settled st ON st.currency = c.currency
          LEFT JOIN ar_begin b ON b.currency = c.currency
          LEFT JOIN ar_end e ON e.currency = c.currency
          LEFT JOIN disputes d ON d.currency = c.currency
          LEFT JOIN countback cb ON cb.currency = c.currency
    )
    SELECT f.currency, f.m, kpi_as_of.as_of, f.days,
           f.invoiced, f.credit_notes, f.net_sales, f.n, f.collected, f.written_off,
           f.ar_begin, f.ar_end, f.current_ar, f.ar_end - f.current_ar,
           pg_catalog.round(dunning.dso(f.ar_end, f.net_sales, f.days), 2),
           pg_catalog.round(f.countback, 2),
           pg_catalog.round(dunning.best_possible_dso(f.current_ar, f.net_sales, f.days), 2),
           pg_catalog.round(dunning.average_days_delinquent(f.ar_end, f.current_ar, f.net_sales, f.days), 2),
           pg_catalog.round(dunning.cei(f.ar_begin, f.net_sales, f.ar_end, f.current_ar, 1), 2),
           CASE WHEN f.ar_begin + f.net_sales > 0
                THEN pg_catalog.round(f.collected * 100 / (f.ar_begin + f.net_sales), 2) END,
           f.disputed, f.disputes,
           CASE WHEN f.invoiced > 0 THEN pg_catalog.round(f.disputed * 100 / f.invoiced, 2) END,
           CASE WHEN f.n > 0 THEN pg_catalog.round(f.disputes * 100.0 / f.n, 2) END
      FROM f;
$fn$;
COMMENT ON FUNCTION dunning.kpi_as_of(date) IS
    'the KPIs of the month containing as_of, from its first day to as_of, per currency, straight from the ledger; for a month end it is that month''s dunning.kpi_monthly row';

CREATE MATERIALIZED VIEW dunning.kpi_monthly AS
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
    SELECT s.currency, s.kind, s.settled_on, s.due_on,
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
      FROM dunning.dispute d JOIN dunning.invoice i ON i.invoice_id = d.invoice_id
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
SELECT f.currency, f.month, f.period_end, f.days,
       f.invoiced, f.credit_notes, f.net_sales, f.n AS invoice_count, f.collected, f.written_off,
       f.ar_begin, f.ar_end, f.current_ar AS current_ar_end, f.ar_end - f.current_ar AS overdue_ar_end,
       pg_catalog.round(dunning.dso(f.ar_end, f.net_sales, f.days), 2) AS dso,
       pg_catalog.round(f.countback, 2) AS dso_countback_3m,
       pg_catalog.round(dunning.best_possible_dso(f.current_ar, f.net_sales, f.days), 2) AS best_possible_dso,
       pg_catalog.round(dunning.average_days_delinquent(f.ar_end, f.current_ar, f.net_sales, f.days), 2) AS average_days_delinquent,
       pg_catalog.round(dunning.cei(f.ar_begin, f.net_sales, f.ar_end, f.current_ar, 1), 2) AS cei,
       CASE WHEN f.ar_begin + f.net_sales > 0
            THEN pg_catalog.round(f.collected * 100 / (f.ar_begin + f.net_sales), 2) END AS collection_rate,
       f.disputed AS disputed_amount, f.disputes AS dispute_count,
       CASE WHEN f.invoiced > 0 THEN pg_catalog.round(f.disputed * 100 / f.invoiced, 2) END AS dispute_rate,
       CASE WHEN f.n > 0 THEN pg_catalog.round(f.disputes * 100.0 / f.n, 2) END AS dispute_count_rate
  FROM f;
CREATE UNIQUE INDEX kpi_monthly_currency_month_idx ON dunning.kpi_monthly (currency, month);
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

-----------------------------------------------------------------------------
-- Cash forecast
-----------------------------------------------------------------------------
CREATE VIEW dunning.cash_forecast AS
WITH hist AS (
    SELECT r.customer_id, r.currency, r.weighted_days_late, r.paid_amount_12m
      FROM dunning.customer_risk r
     WHERE r.weighted_days_late IS NOT NULL
), portfolio AS (
    SELECT h.currency,
           pg_catalog.sum(h.weighted_days_late * h.paid_amount_12m)
               / pg_catalog.sum(h.paid_amount_12m) AS days_late
      FROM hist h
     GROUP BY h.currency
    HAVING pg_catalog.sum(h.paid_amount_12m) > 0
), item AS (
    SELECT i.currency, i.amount - i.settled_amount AS open_amount,
           GREATEST(i.due_on + pg_catalog.round(COALESCE(h.weighted_days_late, pf.days_late, 0))::integer,
                    CURRENT_DATE) AS expected_on
      FROM dunning.invoice i
      LEFT JOIN hist h ON h.customer_id = i.customer_id AND h.currency = i.currency
      LEFT JOIN portfolio pf ON pf.currency = i.currency
     WHERE i.settled_amount < i.amount AND i.amount > 0
       AND NOT EXISTS (SELECT FROM dunning.dispute d WHERE d.invoice_id = i.invoice_id AND d.status = 'open')
), weekly AS (
    SELECT it.currency, (it.expected_on - CURRENT_DATE) / 7 + 1 AS week,
           pg_catalog.sum(it.open_amount) AS amount, pg_catalog.count(*) AS n
      FROM item it
     WHERE it.expected_on < CURRENT_DATE + 91
     GROUP BY 1, 2
)
SELECT c.currency, w.week, CURRENT_DATE + 7 * (w.week - 1) AS week_start, CURRENT_DATE + 7 * w.week - 1 AS week_end,
       COALESCE(k.amount, 0) AS expected_amount, COALESCE(k.n, 0) AS invoice_count
  FROM (SELECT DISTINCT it.currency FROM item it) c
 CROSS JOIN pg_catalog.generate_series(1, 13) w(week)
  LEFT JOIN weekly k ON k.currency = c.currency AND k.week = w.week;
COMMENT ON VIEW dunning.cash_forecast IS
    'expected cash-in per currency for the 13 weeks from today: each open invoice not in dispute is expected on due_on + its customer''s weighted days late (customer_risk, same currency), else the currency''s amount-weighted average, else on its due date; expected dates in the past fall in week 1';
COMMENT ON COLUMN dunning.cash_forecast.currency IS 'ISO 4217 currency';
COMMENT ON COLUMN dunning.cash_forecast.week IS 'week number, 1 = the 7 days from today';
COMMENT ON COLUMN dunning.cash_forecast.week_start IS 'first day of the week';
COMMENT ON COLUMN dunning.cash_forecast.week_end IS 'last day of the week';
COMMENT ON COLUMN dunning.cash_forecast.expected_amount IS 'open amount of the invoices expected to be paid in the week';
COMMENT ON COLUMN dunning.cash_forecast.invoice_count IS 'number of those invoices';

-----------------------------------------------------------------------------
-- Refresh of the materialized views
-----------------------------------------------------------------------------
CREATE FUNCTION dunning.refresh_kpi() RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    -- CONCURRENTLY: readers keep the previous figures until the new ones
    -- are committed.
    REFRESH MATERIALIZED VIEW CONCURRENTLY dunning.customer_risk;
    REFRESH MATERIALIZED VIEW CONCURRENTLY dunning.kpi_monthly;
END
$fn$;
COMMENT ON FUNCTION dunning.refresh_kpi() IS
    'recomputes dunning.customer_risk and dunning.kpi_monthly as of today without blocking their readers (run nightly, and after loading or restoring data)';

-----------------------------------------------------------------------------
-- Privileges and pg_dump
-----------------------------------------------------------------------------
REVOKE ALL ON FUNCTION
    dunning.open_items_as_of(date), dunning.aging_as_of(date), dunning.customer_risk_as_of(date),
    dunning.kpi_as_of(date), dunning.refresh_segments(date), dunning.refresh_kpi(),
    dunning.segment_rule_seeded_read_only()
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    dunning.open_items_as_of(date), dunning.aging_as_of(date), dunning.customer_risk_as_of(date),
    dunning.kpi_as_of(date)
    TO dunning_analyst;
GRANT EXECUTE ON FUNCTION dunning.refresh_segments(date), dunning.refresh_kpi() TO dunning_admin;
GRANT SELECT ON dunning.settlement, dunning.paid_invoice, dunning.aging, dunning.credit_insurance,
    dunning.customer_risk, dunning.segment_rule, dunning.segment_override, dunning.segment_change,
    dunning.kpi_monthly, dunning.cash_forecast
    TO dunning_analyst;
GRANT INSERT, UPDATE, DELETE ON dunning.credit_insurance, dunning.segment_rule, dunning.segment_override
    TO dunning_admin;
GRANT INSERT ON dunning.segment_change TO dunning_admin;
SELECT pg_catalog.pg_extension_config_dump('dunning.credit_insurance', '');
SELECT pg_catalog.pg_extension_config_dump('dunning.credit_insurance_credit_insurance_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('dunning.segment_rule', 'WHERE NOT seeded');
SELECT pg_catalog.pg_extension_config_dump('dunning.segment_override', '');
SELECT pg_catalog.pg_extension_config_dump('dunning.segment_change', '');
SELECT pg_catalog.pg_extension_config_dump('dunning.segment_change_segment_change_id_seq', '');
