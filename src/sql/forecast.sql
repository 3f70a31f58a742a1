-- @code
-----------------------------------------------------------------------------
-- Cash forecast
-----------------------------------------------------------------------------
CREATE OR REPLACE VIEW dunning.cash_forecast AS
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

-- Privileges of the objects above (PUBLIC has none: security.sql).
GRANT SELECT ON dunning.cash_forecast
    TO dunning_analyst;
