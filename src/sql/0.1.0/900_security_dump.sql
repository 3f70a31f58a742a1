-----------------------------------------------------------------------------
-- Privileges.  Runs last: it covers every object created above.
-----------------------------------------------------------------------------
-- Functions are executable by PUBLIC by default: take that back, then give
-- the read-only helpers to analysts and the writers to collectors.
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA dunning FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    dunning.is_currency(text),
    dunning.currency_minor_unit(text)
    TO dunning_analyst;
GRANT EXECUTE ON FUNCTION
    dunning.allocate(bigint, bigint, numeric),
    dunning.allocate_credit_note(bigint, bigint, numeric),
    dunning.unallocate(bigint)
    TO dunning_collector;
GRANT EXECUTE ON FUNCTION dunning.rebuild_totals() TO dunning_admin;

-- Analysts read everything; collectors record disputes and fix payers;
-- admins load and correct the ledger.  Allocations are written only through
-- the functions above.
GRANT SELECT ON ALL TABLES IN SCHEMA dunning TO dunning_analyst;
GRANT INSERT, UPDATE ON dunning.dispute TO dunning_collector;
GRANT UPDATE (customer_id) ON dunning.payment TO dunning_collector;
GRANT INSERT, UPDATE, DELETE ON dunning.customer, dunning.invoice, dunning.payment, dunning.dispute
    TO dunning_admin;

-----------------------------------------------------------------------------
-- pg_dump keeps the rows users load.  Sequences of the identity columns are
-- dumped too so that restored databases go on numbering where they were.
-----------------------------------------------------------------------------
SELECT pg_catalog.pg_extension_config_dump('dunning.customer', '');
SELECT pg_catalog.pg_extension_config_dump('dunning.invoice', '');
SELECT pg_catalog.pg_extension_config_dump('dunning.payment', '');
SELECT pg_catalog.pg_extension_config_dump('dunning.allocation', '');
SELECT pg_catalog.pg_extension_config_dump('dunning.dispute', '');
SELECT pg_catalog.pg_extension_config_dump('dunning.customer_customer_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('dunning.invoice_invoice_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('dunning.payment_payment_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('dunning.allocation_allocation_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('dunning.dispute_dispute_id_seq', '');
