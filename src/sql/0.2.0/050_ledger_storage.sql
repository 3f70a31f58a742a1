-----------------------------------------------------------------------------
-- Storage of the ledger: settling must be a HOT update
-----------------------------------------------------------------------------
-- Every allocation updates invoice.settled_amount and payment.allocated_amount
-- (the statement triggers of 0.1.0).  An update can be HOT (no new index
-- entries, the new row version on the same page) only if no index mentions
-- the updated column, predicates included, and the page has room.  0.1.0 had
-- two partial indexes on "open" (settled_amount < abs(amount), allocated_amount
-- < amount): with them every settlement wrote a new entry in every index of
-- the table.  Measured at 1 M open invoices (bench/lettering_scale.sh), the
-- totals' updates were two thirds of auto_letter's time.
--
-- So: no index mentions the totals, and the two tables keep 20 % of each page
-- free for the settled versions of its rows.  Open items are found through
-- invoice_customer_idx (per customer) or a sequential scan (the whole book,
-- where an index would visit most pages anyway).  The fill factor applies
-- to pages written from now on; VACUUM FULL (or pg_repack) applies it to an
-- existing ledger.
DROP INDEX dunning.invoice_open_idx;
DROP INDEX dunning.payment_unallocated_idx;
ALTER TABLE dunning.invoice SET (fillfactor = 80);
ALTER TABLE dunning.payment SET (fillfactor = 80);
