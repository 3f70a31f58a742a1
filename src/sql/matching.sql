-- @code
-----------------------------------------------------------------------------
-- Matching building blocks (C, src/reference.c and src/textmatch.c)
-----------------------------------------------------------------------------
-- Pure functions on text that the lettering engine calls per payment and
-- per candidate invoice: structured payment references, IBANs, invoice
-- numbers and payer names in noisy remittance data.  See doc/matching.md.
-- They assume a UTF-8 database; in another server encoding every non-ASCII
-- character is treated as a separator (no accent folding), never an error.

-- Structured payment references.  The functions taking a scheme are not
-- STRICT: a NULL scheme means "any scheme"; a NULL reference gives NULL.
CREATE OR REPLACE FUNCTION dunning.reference_valid(ref text, scheme text DEFAULT NULL) RETURNS boolean
    AS 'MODULE_PATHNAME', 'reference_valid'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION dunning.reference_valid(text, text) IS
    'true when ref has correct check digits in scheme (rf, be_ogm, no_kid10, no_kid11, fi, ch_qrr; NULL = any); spaces, lower-case RF and OGM decoration accepted';
CREATE OR REPLACE FUNCTION dunning.reference_normalize(ref text, scheme text DEFAULT NULL) RETURNS text
    AS 'MODULE_PATHNAME', 'reference_normalize'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION dunning.reference_normalize(text, text) IS
    'electronic form of a valid reference (no spaces, upper case, OGM as 12 digits); NULL when not valid in scheme (NULL = any)';
CREATE OR REPLACE FUNCTION dunning.reference_scheme(ref text) RETURNS text
    AS 'MODULE_PATHNAME', 'reference_scheme'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dunning.reference_scheme(text) IS
    'scheme of a valid reference, first of rf, ch_qrr, be_ogm, fi, no_kid10, no_kid11 that accepts it; NULL when none does';
CREATE OR REPLACE FUNCTION dunning.reference_create(base text, scheme text) RETURNS text
    AS 'MODULE_PATHNAME', 'reference_create'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dunning.reference_create(text, text) IS
    'reference of scheme made of base plus its check digits, electronic form (be_ogm and ch_qrr bases are zero-padded); error on a bad base or scheme';
CREATE OR REPLACE FUNCTION dunning.reference_format(ref text, scheme text DEFAULT NULL) RETURNS text
    AS 'MODULE_PATHNAME', 'reference_format'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION dunning.reference_format(text, text) IS
    'printed form of a valid reference (RF in groups of 4, OGM as +++ddd/dddd/ddddd+++, QRR 2 + groups of 5, fi groups of 5 from the right); NULL when not valid';
CREATE OR REPLACE FUNCTION dunning.extract_references(txt text)
    RETURNS TABLE (scheme text, reference text, start_pos integer)
    AS 'MODULE_PATHNAME', 'extract_references'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 2;
COMMENT ON FUNCTION dunning.extract_references(text) IS
    'valid structured references found in free remittance text, left to right: scheme, electronic form, 1-based character position; linear time';

-- IBAN.
CREATE OR REPLACE FUNCTION dunning.iban_valid(txt text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'iban_valid'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dunning.iban_valid(text) IS
    'true when txt is an IBAN: registry length of its country and mod 97 = 1; spaces and lower case accepted';
CREATE OR REPLACE FUNCTION dunning.iban_normalize(txt text) RETURNS text
    AS 'MODULE_PATHNAME', 'iban_normalize'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dunning.iban_normalize(text) IS
    'electronic form of a valid IBAN (upper case, no spaces); NULL when not valid';

-- Invoice numbers in remittance text.
CREATE OR REPLACE FUNCTION dunning.normalize_invoice_number(txt text) RETURNS text
    AS 'MODULE_PATHNAME', 'normalize_invoice_number'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dunning.normalize_invoice_number(text) IS
    'comparable form of an invoice number: upper case, separators dropped, O/I/L between digits read as 0/1, leading zeros of digit groups stripped';
CREATE OR REPLACE FUNCTION dunning.invoice_number_similarity(a text, b text) RETURNS real
    AS 'MODULE_PATHNAME', 'invoice_number_similarity'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dunning.invoice_number_similarity(text, text) IS
    '1 - OSA (Damerau-Levenshtein) distance / longer length of the normalised invoice numbers (first 64 characters); 0 when either is empty';
CREATE OR REPLACE FUNCTION dunning.remittance_tokens(txt text) RETURNS SETOF text
    AS 'MODULE_PATHNAME', 'remittance_tokens'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 8;
COMMENT ON FUNCTION dunning.remittance_tokens(text) IS
    'candidate invoice-number tokens of a remittance text (field tags, dates, amounts, IBANs dropped; split numbers joined), in text order, at most 64';
CREATE OR REPLACE FUNCTION dunning.best_invoice_number_match(txt text, invoice_number text) RETURNS real
    AS 'MODULE_PATHNAME', 'best_invoice_number_match'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dunning.best_invoice_number_match(text, text) IS
    'best invoice_number_similarity of invoice_number to a token (or two adjacent tokens) of the remittance text; 0 when none';

-- Payer names.
CREATE OR REPLACE FUNCTION dunning.normalize_company_name(txt text) RETURNS text
    AS 'MODULE_PATHNAME', 'normalize_company_name'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dunning.normalize_company_name(text) IS
    'words of a company name folded to lower-case ASCII, punctuation and legal forms (SA, GmbH, Ltd, ...) removed, sorted';
CREATE OR REPLACE FUNCTION dunning.company_name_similarity(a text, b text) RETURNS real
    AS 'MODULE_PATHNAME', 'company_name_similarity'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dunning.company_name_similarity(text, text) IS
    'similarity in [0,1] of two company names, robust to word order, legal forms, case, accents, punctuation, typos and truncation';

-- The keys the matcher finds payers by (src/letter*.c): the words of a customer
-- name, and a customer number quoted in remittance text.
CREATE OR REPLACE FUNCTION dunning.company_name_words(name text) RETURNS text[]
    AS 'MODULE_PATHNAME', 'company_name_words'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dunning.company_name_words(text) IS
    'words of a company name''s normal form (normalize_company_name) of two characters or more, each once: the words the matcher finds payers by';
CREATE OR REPLACE FUNCTION dunning.customer_ref_key(external_ref text) RETURNS text
    AS 'MODULE_PATHNAME', 'customer_ref_key'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dunning.customer_ref_key(text) IS
    'a customer number as the matcher compares it with remittance tokens (invoice-number normal form); NULL when shorter than 4 characters';

-- Privileges of the objects above (PUBLIC has none: security.sql).
GRANT EXECUTE ON FUNCTION dunning.reference_valid(text, text),
    dunning.reference_normalize(text, text),
    dunning.reference_scheme(text),
    dunning.reference_create(text, text),
    dunning.reference_format(text, text),
    dunning.extract_references(text),
    dunning.iban_valid(text),
    dunning.iban_normalize(text),
    dunning.normalize_invoice_number(text),
    dunning.invoice_number_similarity(text, text),
    dunning.remittance_tokens(text),
    dunning.best_invoice_number_match(text, text),
    dunning.normalize_company_name(text),
    dunning.company_name_similarity(text, text),
    dunning.company_name_words(text),
    dunning.customer_ref_key(text)
    TO dunning_analyst;
