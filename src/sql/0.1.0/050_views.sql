-----------------------------------------------------------------------------
-- Open items and balances
-----------------------------------------------------------------------------
CREATE VIEW dunning.open_item AS
SELECT i.invoice_id,
       i.invoice_number,
       i.customer_id,
       c.name AS customer_name,
       i.issued_on,
       i.due_on,
       i.currency,
       i.amount,
       i.amount - pg_catalog.sign(i.amount) * i.settled_amount AS open_amount,
       GREATEST(CURRENT_DATE - i.due_on, 0) AS days_past_due,
       i.due_on < CURRENT_DATE AS is_overdue,
       i.amount < 0 AS is_credit_note,
       EXISTS (SELECT FROM dunning.dispute d
                WHERE d.invoice_id = i.invoice_id AND d.status = 'open') AS in_dispute,
       i.reference
  FROM dunning.invoice i
  JOIN dunning.customer c ON c.customer_id = i.customer_id
 WHERE i.settled_amount < pg_catalog.abs(i.amount);
COMMENT ON VIEW dunning.open_item IS
    'every invoice and credit note not fully settled, with its open amount and days past due as of today';
COMMENT ON COLUMN dunning.open_item.invoice_id IS 'the invoice (or credit note)';
COMMENT ON COLUMN dunning.open_item.invoice_number IS 'number printed on the invoice';
COMMENT ON COLUMN dunning.open_item.customer_id IS 'the customer';
COMMENT ON COLUMN dunning.open_item.customer_name IS 'the customer''s name';
COMMENT ON COLUMN dunning.open_item.issued_on IS 'invoice date';
COMMENT ON COLUMN dunning.open_item.due_on IS 'due date';
COMMENT ON COLUMN dunning.open_item.currency IS 'ISO 4217 currency';
COMMENT ON COLUMN dunning.open_item.amount IS 'gross amount (negative for a credit note)';
COMMENT ON COLUMN dunning.open_item.open_amount IS 'amount minus what allocations settled (same sign as amount)';
COMMENT ON COLUMN dunning.open_item.days_past_due IS 'days since the due date as of today, 0 when not yet due';
COMMENT ON COLUMN dunning.open_item.is_overdue IS 'true when the due date is before today';
COMMENT ON COLUMN dunning.open_item.is_credit_note IS 'true for a credit note';
COMMENT ON COLUMN dunning.open_item.in_dispute IS 'true when an open dispute covers the invoice';
COMMENT ON COLUMN dunning.open_item.reference IS 'structured payment reference of the invoice';

CREATE VIEW dunning.customer_balance AS
WITH items AS (
    SELECT i.customer_id, i.currency,
           sum(i.amount - i.settled_amount) FILTER (WHERE i.amount > 0) AS open_invoices,
           sum(i.amount + i.settled_amount) FILTER (WHERE i.amount < 0) AS open_credit_notes,
           sum(i.amount - i.settled_amount) FILTER (WHERE i.amount > 0 AND i.due_on < CURRENT_DATE) AS overdue,
           count(*) FILTER (WHERE i.amount > 0) AS open_invoice_count,
           min(i.due_on) FILTER (WHERE i.amount > 0) AS oldest_due_on
      FROM dunning.invoice i
     WHERE i.settled_amount < pg_catalog.abs(i.amount)
     GROUP BY i.customer_id, i.currency
), cash AS (
    SELECT p.customer_id, p.currency, sum(p.amount - p.allocated_amount) AS unapplied
      FROM dunning.payment p
     WHERE p.customer_id IS NOT NULL AND p.allocated_amount < p.amount
     GROUP BY p.customer_id, p.currency
)
SELECT c.customer_id,
       c.name AS customer_name,
       b.currency,
       COALESCE(b.open_invoices, 0) AS open_invoices,
       COALESCE(b.open_credit_notes, 0) AS open_credit_notes,
       COALESCE(b.unapplied, 0) AS unapplied_payments,
       COALESCE(b.open_invoices, 0) + COALESCE(b.open_credit_notes, 0) - COALESCE(b.unapplied, 0) AS balance,
       COALESCE(b.overdue, 0) AS overdue_amount,
       COALESCE(b.open_invoice_count, 0) AS open_invoice_count,
       b.oldest_due_on,
       GREATEST(CURRENT_DATE - b.oldest_due_on, 0) AS max_days_past_due
  FROM (SELECT COALESCE(items.customer_id, cash.customer_id) AS customer_id,
               COALESCE(items.currency, cash.currency) AS currency,
               items.open_invoices, items.open_credit_notes, items.overdue,
               items.open_invoice_count, items.oldest_due_on, cash.unapplied
          FROM items FULL JOIN cash
            ON cash.customer_id = items.customer_id AND cash.currency = items.currency) b
  JOIN dunning.customer c ON c.customer_id = b.customer_id;
COMMENT ON VIEW dunning.customer_balance IS
    'per customer and currency: open invoices, open credit notes, unapplied payments and the resulting balance; customers with nothing open are absent';
COMMENT ON COLUMN dunning.customer_balance.customer_id IS 'the customer';
COMMENT ON COLUMN dunning.customer_balance.customer_name IS 'the customer''s name';
COMMENT ON COLUMN dunning.customer_balance.currency IS 'ISO 4217 currency of the figures in this row';
COMMENT ON COLUMN dunning.customer_balance.open_invoices IS 'sum of the open amounts of invoices (>= 0)';
COMMENT ON COLUMN dunning.customer_balance.open_credit_notes IS 'sum of the open amounts of credit notes (<= 0)';
COMMENT ON COLUMN dunning.customer_balance.unapplied_payments IS 'payments of the customer not yet allocated (>= 0)';
COMMENT ON COLUMN dunning.customer_balance.balance IS 'what the customer owes: open invoices + open credit notes - unapplied payments';
COMMENT ON COLUMN dunning.customer_balance.overdue_amount IS 'open amount of invoices due before today';
COMMENT ON COLUMN dunning.customer_balance.open_invoice_count IS 'number of open invoices';
COMMENT ON COLUMN dunning.customer_balance.oldest_due_on IS 'due date of the oldest open invoice';
COMMENT ON COLUMN dunning.customer_balance.max_days_past_due IS 'days past due of the oldest open invoice, 0 when none is overdue';
