-----------------------------------------------------------------------------
-- The lettering engine (C, src/letter.c)
-----------------------------------------------------------------------------
CREATE FUNCTION dunning.auto_letter(
    min_confidence real DEFAULT 0.9,
    OUT examined bigint, OUT lettered bigint, OUT proposed bigint, OUT left_unmatched bigint,
    OUT amount_lettered numeric, OUT write_offs bigint, OUT write_off_amount numeric)
    AS 'MODULE_PATHNAME', 'auto_letter'
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    SET cursor_tuple_fraction = 1 SET work_mem = '256MB';
COMMENT ON FUNCTION dunning.auto_letter(real) IS
    'letters every unlettered payment whose best answer reaches min_confidence, stores the others as proposals; returns counts (examined, lettered, proposed, left unmatched), the amount lettered and the write-offs';

CREATE FUNCTION dunning.suggest(payment_id bigint, max_results integer DEFAULT 5)
RETURNS TABLE (rank integer, customer_id bigint, invoice_ids bigint[], amounts numeric[], write_off numeric,
               confidence real, method text, reason text)
    AS 'MODULE_PATHNAME', 'suggest'
    LANGUAGE C STABLE STRICT SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    SET cursor_tuple_fraction = 1 ROWS 5;
COMMENT ON FUNCTION dunning.suggest(bigint, integer) IS
    'ranked answers of the matcher for one payment (what of it is not yet allocated): invoices, amounts (negative for a netted credit note), write-off, confidence and the signals used; writes nothing';

-- The keys the matcher finds payers by (src/letter.c): the words of a customer
-- name, and a customer number quoted in remittance text.
CREATE FUNCTION dunning.company_name_words(name text) RETURNS text[]
    AS 'MODULE_PATHNAME', 'company_name_words'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dunning.company_name_words(text) IS
    'words of a company name''s normal form (normalize_company_name) of two characters or more, each once: the words the matcher finds payers by';
CREATE FUNCTION dunning.customer_ref_key(external_ref text) RETURNS text
    AS 'MODULE_PATHNAME', 'customer_ref_key'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dunning.customer_ref_key(text) IS
    'a customer number as the matcher compares it with remittance tokens (invoice-number normal form); NULL when shorter than 4 characters';

REVOKE ALL ON FUNCTION dunning.company_name_words(text), dunning.customer_ref_key(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dunning.company_name_words(text), dunning.customer_ref_key(text) TO dunning_analyst;

-- suggest() loads only the customers a payment can concern (by payer, IBAN,
-- quoted customer number, name word, or open item), through these and the
-- invoice indexes below, instead of every customer as auto_letter does.
CREATE INDEX customer_name_words_idx ON dunning.customer USING gin (dunning.company_name_words(name));
CREATE INDEX customer_ref_key_idx ON dunning.customer (dunning.customer_ref_key(external_ref));
-- The payers of earlier payments from an account (payer_iban never changes
-- once written, so settling a payment stays a HOT update).
CREATE INDEX payment_payer_iban_idx ON dunning.payment ((pg_catalog.upper(pg_catalog.replace(payer_iban, ' ', ''))))
    WHERE payer_iban IS NOT NULL;

-- suggest() finds the items a payment names through these.  None mentions
-- settled_amount, so settling an invoice stays a HOT update (050).
CREATE INDEX invoice_number_norm_idx ON dunning.invoice (dunning.normalize_invoice_number(invoice_number));
CREATE INDEX invoice_reference_norm_idx ON dunning.invoice (dunning.reference_normalize(reference))
    WHERE reference IS NOT NULL;
CREATE INDEX invoice_amount_units_idx ON dunning.invoice ((pg_catalog.abs(amount) * 10000));

REVOKE ALL ON FUNCTION dunning.auto_letter(real), dunning.suggest(bigint, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dunning.auto_letter(real) TO dunning_collector;
GRANT EXECUTE ON FUNCTION dunning.suggest(bigint, integer) TO dunning_analyst;
