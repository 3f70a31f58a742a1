\echo Use "ALTER EXTENSION dunning UPDATE TO '0.2.0'" to load this file. \quit

-----------------------------------------------------------------------------
-- 0.2.0: matching building blocks, payer scoring aggregates, lettering engine
-----------------------------------------------------------------------------
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
CREATE FUNCTION dunning.reference_valid(ref text, scheme text DEFAULT NULL) RETURNS boolean
    AS 'MODULE_PATHNAME', 'reference_valid'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION dunning.reference_valid(text, text) IS
    'true when ref has correct check digits in scheme (rf, be_ogm, no_kid10, no_kid11, fi, ch_qrr; NULL = any); spaces, lower-case RF and OGM decoration accepted';

CREATE FUNCTION dunning.reference_normalize(ref text, scheme text DEFAULT NULL) RETURNS text
    AS 'MODULE_PATHNAME', 'reference_normalize'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION dunning.reference_normalize(text, text) IS
    'electronic form of a valid reference (no spaces, upper case, OGM as 12 digits); NULL when not valid in scheme (NULL = any)';

CREATE FUNCTION dunning.reference_scheme(ref text) RETURNS text
    AS 'MODULE_PATHNAME', 'reference_scheme'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dunning.reference_scheme(text) IS
    'scheme of a valid reference, first of rf, ch_qrr, be_ogm, fi, no_kid10, no_kid11 that accepts it; NULL when none does';

CREATE FUNCTION dunning.reference_create(base text, scheme text) RETURNS text
    AS 'MODULE_PATHNAME', 'reference_create'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dunning.reference_create(text, text) IS
    'reference of scheme made of base plus its check digits, electronic form (be_ogm and ch_qrr bases are zero-padded); error on a bad base or scheme';

CREATE FUNCTION dunning.reference_format(ref text, scheme text DEFAULT NULL) RETURNS text
    AS 'MODULE_PATHNAME', 'reference_format'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION dunning.reference_format(text, text) IS
    'printed form of a valid reference (RF in groups of 4, OGM as +++ddd/dddd/ddddd+++, QRR 2 + groups of 5, fi groups of 5 from the right); NULL when not valid';

CREATE FUNCTION dunning.extract_references(txt text)
    RETURNS TABLE (scheme text, reference text, start_pos integer)
    AS 'MODULE_PATHNAME', 'extract_references'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 2;
COMMENT ON FUNCTION dunning.extract_references(text) IS
    'valid structured references found in free remittance text, left to right: scheme, electronic form, 1-based character position; linear time';

-- IBAN.
CREATE FUNCTION dunning.iban_valid(txt text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'iban_valid'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dunning.iban_valid(text) IS
    'true when txt is an IBAN: registry length of its country and mod 97 = 1; spaces and lower case accepted';

CREATE FUNCTION dunning.iban_normalize(txt text) RETURNS text
    AS 'MODULE_PATHNAME', 'iban_normalize'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dunning.iban_normalize(text) IS
    'electronic form of a valid IBAN (upper case, no spaces); NULL when not valid';

-- Invoice numbers in remittance text.
CREATE FUNCTION dunning.normalize_invoice_number(txt text) RETURNS text
    AS 'MODULE_PATHNAME', 'normalize_invoice_number'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dunning.normalize_invoice_number(text) IS
    'comparable form of an invoice number: upper case, separators dropped, O/I/L between digits read as 0/1, leading zeros of digit groups stripped';

CREATE FUNCTION dunning.invoice_number_similarity(a text, b text) RETURNS real
    AS 'MODULE_PATHNAME', 'invoice_number_similarity'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dunning.invoice_number_similarity(text, text) IS
    '1 - OSA (Damerau-Levenshtein) distance / longer length of the normalised invoice numbers (first 64 characters); 0 when either is empty';

CREATE FUNCTION dunning.remittance_tokens(txt text) RETURNS SETOF text
    AS 'MODULE_PATHNAME', 'remittance_tokens'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 8;
COMMENT ON FUNCTION dunning.remittance_tokens(text) IS
    'candidate invoice-number tokens of a remittance text (field tags, dates, amounts, IBANs dropped; split numbers joined), in text order, at most 64';

CREATE FUNCTION dunning.best_invoice_number_match(txt text, invoice_number text) RETURNS real
    AS 'MODULE_PATHNAME', 'best_invoice_number_match'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dunning.best_invoice_number_match(text, text) IS
    'best invoice_number_similarity of invoice_number to a token (or two adjacent tokens) of the remittance text; 0 when none';

-- Payer names.
CREATE FUNCTION dunning.normalize_company_name(txt text) RETURNS text
    AS 'MODULE_PATHNAME', 'normalize_company_name'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dunning.normalize_company_name(text) IS
    'words of a company name folded to lower-case ASCII, punctuation and legal forms (SA, GmbH, Ltd, ...) removed, sorted';

CREATE FUNCTION dunning.company_name_similarity(a text, b text) RETURNS real
    AS 'MODULE_PATHNAME', 'company_name_similarity'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dunning.company_name_similarity(text, text) IS
    'similarity in [0,1] of two company names, robust to word order, legal forms, case, accents, punctuation, typos and truncation';

-- Privileges: pure functions, for everyone who reads the ledger.
REVOKE ALL ON FUNCTION
    dunning.reference_valid(text, text),
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
    dunning.company_name_similarity(text, text)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    dunning.reference_valid(text, text),
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
    dunning.company_name_similarity(text, text)
    TO dunning_analyst;
-----------------------------------------------------------------------------
-- Payer scoring and DSO KPIs (C: src/payer_agg.c, src/dso_agg.c;
-- documentation: doc/scoring.md; worked examples: domain.md)
--
-- Order-independent aggregates keep a small fixed-size state type of their
-- own (int128 accumulators of amounts in 1/10000 units), have a combine
-- function and are PARALLEL SAFE: exact in serial and parallel plans, and
-- splittable by Citus, which ships partial states as text.  Aggregates that
-- make sense over sliding frames also have a moving-aggregate mode.
-----------------------------------------------------------------------------

-- State types ---------------------------------------------------------------
CREATE TYPE dunning.payer_state;
CREATE FUNCTION dunning.payer_state_in(cstring) RETURNS dunning.payer_state
    AS 'MODULE_PATHNAME', 'payer_state_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION dunning.payer_state_out(dunning.payer_state) RETURNS cstring
    AS 'MODULE_PATHNAME', 'payer_state_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE dunning.payer_state (
    INPUT = dunning.payer_state_in,
    OUTPUT = dunning.payer_state_out,
    INTERNALLENGTH = 64,
    ALIGNMENT = double,
    STORAGE = plain
);
COMMENT ON TYPE dunning.payer_state IS
    'state of the payer aggregates: (rows, sum of days, sum of amounts, sum of amount x days), amounts in 1/10000 units';
COMMENT ON FUNCTION dunning.payer_state_in(cstring) IS 'input function of dunning.payer_state';
COMMENT ON FUNCTION dunning.payer_state_out(dunning.payer_state) IS 'output function of dunning.payer_state';

CREATE TYPE dunning.risk_state;
CREATE FUNCTION dunning.risk_state_in(cstring) RETURNS dunning.risk_state
    AS 'MODULE_PATHNAME', 'risk_state_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION dunning.risk_state_out(dunning.risk_state) RETURNS cstring
    AS 'MODULE_PATHNAME', 'risk_state_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE dunning.risk_state (
    INPUT = dunning.risk_state_in,
    OUTPUT = dunning.risk_state_out,
    INTERNALLENGTH = 64,
    ALIGNMENT = double,
    STORAGE = plain
);
COMMENT ON TYPE dunning.risk_state IS
    'state of dunning.payment_risk_score: (has as_of, as_of day number, sum of weight x amount, sum of weight x amount x capped days late)';
COMMENT ON FUNCTION dunning.risk_state_in(cstring) IS 'input function of dunning.risk_state';
COMMENT ON FUNCTION dunning.risk_state_out(dunning.risk_state) IS 'output function of dunning.risk_state';

CREATE TYPE dunning.aging_state;
CREATE FUNCTION dunning.aging_state_in(cstring) RETURNS dunning.aging_state
    AS 'MODULE_PATHNAME', 'aging_state_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION dunning.aging_state_out(dunning.aging_state) RETURNS cstring
    AS 'MODULE_PATHNAME', 'aging_state_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE dunning.aging_state (
    INPUT = dunning.aging_state_in,
    OUTPUT = dunning.aging_state_out,
    INTERNALLENGTH = 144,
    ALIGNMENT = double,
    STORAGE = plain
);
COMMENT ON TYPE dunning.aging_state IS
    'state of dunning.aging_buckets: (has as_of, as_of day number, scale, six bucket sums in 1/10000 units)';
COMMENT ON FUNCTION dunning.aging_state_in(cstring) IS 'input function of dunning.aging_state';
COMMENT ON FUNCTION dunning.aging_state_out(dunning.aging_state) IS 'output function of dunning.aging_state';

-- Support functions of the payer aggregates ---------------------------------
CREATE FUNCTION dunning.payer_late_sfunc(dunning.payer_state, date, date, numeric)
    RETURNS dunning.payer_state
    AS 'MODULE_PATHNAME', 'payer_late_sfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION dunning.payer_late_invfunc(dunning.payer_state, date, date, numeric)
    RETURNS dunning.payer_state
    AS 'MODULE_PATHNAME', 'payer_late_invfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION dunning.payer_beyond_sfunc(dunning.payer_state, date, date, numeric)
    RETURNS dunning.payer_state
    AS 'MODULE_PATHNAME', 'payer_beyond_sfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION dunning.payer_beyond_invfunc(dunning.payer_state, date, date, numeric)
    RETURNS dunning.payer_state
    AS 'MODULE_PATHNAME', 'payer_beyond_invfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION dunning.payer_days_sfunc(dunning.payer_state, date, date)
    RETURNS dunning.payer_state
    AS 'MODULE_PATHNAME', 'payer_days_sfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION dunning.payer_days_invfunc(dunning.payer_state, date, date)
    RETURNS dunning.payer_state
    AS 'MODULE_PATHNAME', 'payer_days_invfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION dunning.payer_state_combine(dunning.payer_state, dunning.payer_state)
    RETURNS dunning.payer_state
    AS 'MODULE_PATHNAME', 'payer_state_combine' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION dunning.payer_weighted_final(dunning.payer_state) RETURNS numeric
    AS 'MODULE_PATHNAME', 'payer_weighted_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION dunning.payer_avg_final(dunning.payer_state) RETURNS numeric
    AS 'MODULE_PATHNAME', 'payer_avg_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION dunning.payer_paydex_final(dunning.payer_state) RETURNS integer
    AS 'MODULE_PATHNAME', 'payer_paydex_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dunning.payer_late_sfunc(dunning.payer_state, date, date, numeric) IS
    'transition of the weighted payer aggregates: adds amount and amount x (to - from)';
COMMENT ON FUNCTION dunning.payer_late_invfunc(dunning.payer_state, date, date, numeric) IS
    'inverse transition of dunning.payer_late_sfunc (moving-aggregate mode)';
COMMENT ON FUNCTION dunning.payer_beyond_sfunc(dunning.payer_state, date, date, numeric) IS
    'transition of dunning.days_beyond_terms: like payer_late_sfunc with early days counted as 0';
COMMENT ON FUNCTION dunning.payer_beyond_invfunc(dunning.payer_state, date, date, numeric) IS
    'inverse transition of dunning.payer_beyond_sfunc (moving-aggregate mode)';
COMMENT ON FUNCTION dunning.payer_days_sfunc(dunning.payer_state, date, date) IS
    'transition of dunning.avg_days_late: counts rows and sums paid_on - due_on';
COMMENT ON FUNCTION dunning.payer_days_invfunc(dunning.payer_state, date, date) IS
    'inverse transition of dunning.payer_days_sfunc (moving-aggregate mode)';
COMMENT ON FUNCTION dunning.payer_state_combine(dunning.payer_state, dunning.payer_state) IS
    'combines two partial payer states (parallel and distributed aggregation)';
COMMENT ON FUNCTION dunning.payer_weighted_final(dunning.payer_state) IS
    'final of the weighted payer aggregates: sum(amount x days) / sum(amount), NULL when sum(amount) <= 0';
COMMENT ON FUNCTION dunning.payer_avg_final(dunning.payer_state) IS
    'final of dunning.avg_days_late: sum(days) / count';
COMMENT ON FUNCTION dunning.payer_paydex_final(dunning.payer_state) IS
    'final of dunning.paydex: the weighted days through the PAYDEX chart';

-- Payer aggregates ----------------------------------------------------------
CREATE AGGREGATE dunning.weighted_days_late(due_on date, paid_on date, amount numeric) (
    SFUNC = dunning.payer_late_sfunc,
    STYPE = dunning.payer_state,
    FINALFUNC = dunning.payer_weighted_final,
    COMBINEFUNC = dunning.payer_state_combine,
    MSFUNC = dunning.payer_late_sfunc,
    MINVFUNC = dunning.payer_late_invfunc,
    MSTYPE = dunning.payer_state,
    MFINALFUNC = dunning.payer_weighted_final,
    MINITCOND = '(0,0,0,0)',
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE dunning.weighted_days_late(date, date, numeric) IS
    'amount-weighted signed days late: sum(amount x (paid_on - due_on)) / sum(amount); rows with a NULL are skipped; NULL when no row or sum(amount) <= 0';

CREATE AGGREGATE dunning.avg_days_late(due_on date, paid_on date) (
    SFUNC = dunning.payer_days_sfunc,
    STYPE = dunning.payer_state,
    FINALFUNC = dunning.payer_avg_final,
    COMBINEFUNC = dunning.payer_state_combine,
    MSFUNC = dunning.payer_days_sfunc,
    MINVFUNC = dunning.payer_days_invfunc,
    MSTYPE = dunning.payer_state,
    MFINALFUNC = dunning.payer_avg_final,
    MINITCOND = '(0,0,0,0)',
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE dunning.avg_days_late(date, date) IS
    'plain mean of paid_on - due_on over paid items (signed); rows with a NULL are skipped; NULL when no row';

CREATE AGGREGATE dunning.days_beyond_terms(due_on date, paid_on date, amount numeric) (
    SFUNC = dunning.payer_beyond_sfunc,
    STYPE = dunning.payer_state,
    FINALFUNC = dunning.payer_weighted_final,
    COMBINEFUNC = dunning.payer_state_combine,
    MSFUNC = dunning.payer_beyond_sfunc,
    MINVFUNC = dunning.payer_beyond_invfunc,
    MSTYPE = dunning.payer_state,
    MFINALFUNC = dunning.payer_weighted_final,
    MINITCOND = '(0,0,0,0)',
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE dunning.days_beyond_terms(date, date, numeric) IS
    'amount-weighted days paid beyond terms, early or on time counting 0 (Experian style); NULL like weighted_days_late';

CREATE AGGREGATE dunning.avg_days_to_pay(issued_on date, paid_on date, amount numeric) (
    SFUNC = dunning.payer_late_sfunc,
    STYPE = dunning.payer_state,
    FINALFUNC = dunning.payer_weighted_final,
    COMBINEFUNC = dunning.payer_state_combine,
    MSFUNC = dunning.payer_late_sfunc,
    MINVFUNC = dunning.payer_late_invfunc,
    MSTYPE = dunning.payer_state,
    MFINALFUNC = dunning.payer_weighted_final,
    MINITCOND = '(0,0,0,0)',
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE dunning.avg_days_to_pay(date, date, numeric) IS
    'amount-weighted mean of paid_on - issued_on; NULL like weighted_days_late';

CREATE AGGREGATE dunning.paydex(due_on date, paid_on date, amount numeric) (
    SFUNC = dunning.payer_late_sfunc,
    STYPE = dunning.payer_state,
    FINALFUNC = dunning.payer_paydex_final,
    COMBINEFUNC = dunning.payer_state_combine,
    MSFUNC = dunning.payer_late_sfunc,
    MINVFUNC = dunning.payer_late_invfunc,
    MSTYPE = dunning.payer_state,
    MFINALFUNC = dunning.payer_paydex_final,
    MINITCOND = '(0,0,0,0)',
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE dunning.paydex(date, date, numeric) IS
    'PAYDEX-style score 1-100 of the amount-weighted signed days late (dunning.paydex_score of dunning.weighted_days_late, computed exactly)';

CREATE FUNCTION dunning.paydex_score(days numeric) RETURNS integer
    AS 'MODULE_PATHNAME', 'paydex_score' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dunning.paydex_score(numeric) IS
    'PAYDEX chart: signed days from the due date to a score 1-100, piecewise linear, rounded half up (100 at 30 early, 80 on time, 20 at 120 late, 1 from 177 late)';

-- Behavioural risk score ----------------------------------------------------
CREATE FUNCTION dunning.risk_sfunc(dunning.risk_state, date, date, numeric, date)
    RETURNS dunning.risk_state
    AS 'MODULE_PATHNAME', 'risk_sfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION dunning.risk_state_combine(dunning.risk_state, dunning.risk_state)
    RETURNS dunning.risk_state
    AS 'MODULE_PATHNAME', 'risk_state_combine' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION dunning.risk_final(dunning.risk_state) RETURNS integer
    AS 'MODULE_PATHNAME', 'risk_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dunning.risk_sfunc(dunning.risk_state, date, date, numeric, date) IS
    'transition of dunning.payment_risk_score';
COMMENT ON FUNCTION dunning.risk_state_combine(dunning.risk_state, dunning.risk_state) IS
    'combines two partial risk states; as_of must agree';
COMMENT ON FUNCTION dunning.risk_final(dunning.risk_state) IS
    'final of dunning.payment_risk_score';

CREATE AGGREGATE dunning.payment_risk_score(due_on date, paid_on date, amount numeric, as_of date) (
    SFUNC = dunning.risk_sfunc,
    STYPE = dunning.risk_state,
    FINALFUNC = dunning.risk_final,
    COMBINEFUNC = dunning.risk_state_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE dunning.payment_risk_score(date, date, numeric, date) IS
    'behavioural risk 0 (pays on time) to 100 (120+ days late): amount-weighted capped days late, paid items decaying with a 90-day half-life, open items at full weight';

-- Aging buckets -------------------------------------------------------------
CREATE FUNCTION dunning.aging_sfunc(dunning.aging_state, date, numeric, date)
    RETURNS dunning.aging_state
    AS 'MODULE_PATHNAME', 'aging_sfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION dunning.aging_state_combine(dunning.aging_state, dunning.aging_state)
    RETURNS dunning.aging_state
    AS 'MODULE_PATHNAME', 'aging_state_combine' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION dunning.aging_final(dunning.aging_state) RETURNS numeric[]
    AS 'MODULE_PATHNAME', 'aging_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dunning.aging_sfunc(dunning.aging_state, date, numeric, date) IS
    'transition of dunning.aging_buckets';
COMMENT ON FUNCTION dunning.aging_state_combine(dunning.aging_state, dunning.aging_state) IS
    'combines two partial aging states; as_of must agree';
COMMENT ON FUNCTION dunning.aging_final(dunning.aging_state) IS
    'final of dunning.aging_buckets';

CREATE AGGREGATE dunning.aging_buckets(due_on date, open_amount numeric, as_of date) (
    SFUNC = dunning.aging_sfunc,
    STYPE = dunning.aging_state,
    FINALFUNC = dunning.aging_final,
    COMBINEFUNC = dunning.aging_state_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE dunning.aging_buckets(date, numeric, date) IS
    'open amounts by days past due at as_of: numeric[6] = {current, 1-30, 31-60, 61-90, 91-120, over 120}';

-- DSO over periods (order-dependent: rows oldest first) ---------------------
CREATE FUNCTION dunning.dso_period_sfunc(internal, numeric, numeric, integer) RETURNS internal
    AS 'MODULE_PATHNAME', 'dso_period_sfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION dunning.dso_period_invfunc(internal, numeric, numeric, integer) RETURNS internal
    AS 'MODULE_PATHNAME', 'dso_period_invfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION dunning.dso_countback_final(internal) RETURNS numeric
    AS 'MODULE_PATHNAME', 'dso_countback_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION dunning.rolling_dso_final(internal) RETURNS numeric
    AS 'MODULE_PATHNAME', 'rolling_dso_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION dunning.dso_period_sfunc(internal, numeric, numeric, integer) IS
    'transition of the period DSO aggregates: queues the period as the newest';
COMMENT ON FUNCTION dunning.dso_period_invfunc(internal, numeric, numeric, integer) IS
    'inverse transition of the period DSO aggregates: drops the oldest period';
COMMENT ON FUNCTION dunning.dso_countback_final(internal) IS
    'final of dunning.dso_countback';
COMMENT ON FUNCTION dunning.rolling_dso_final(internal) IS
    'final of dunning.rolling_dso';

CREATE AGGREGATE dunning.dso_countback(ar_end numeric, sales numeric, days integer) (
    SFUNC = dunning.dso_period_sfunc,
    STYPE = internal,
    FINALFUNC = dunning.dso_countback_final,
    MSFUNC = dunning.dso_period_sfunc,
    MINVFUNC = dunning.dso_period_invfunc,
    MSTYPE = internal,
    MFINALFUNC = dunning.dso_countback_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE dunning.dso_countback(numeric, numeric, integer) IS
    'countback (exhaustion) DSO over periods given oldest first; the last row''s ar_end is the receivable; use ORDER BY in the call or a window';

CREATE AGGREGATE dunning.rolling_dso(ar_end numeric, sales numeric, days integer) (
    SFUNC = dunning.dso_period_sfunc,
    STYPE = internal,
    FINALFUNC = dunning.rolling_dso_final,
    MSFUNC = dunning.dso_period_sfunc,
    MINVFUNC = dunning.dso_period_invfunc,
    MSTYPE = internal,
    MFINALFUNC = dunning.rolling_dso_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE dunning.rolling_dso(numeric, numeric, integer) IS
    'simple DSO of a run of periods given oldest first: last ar_end x sum(days) / sum(sales); with current AR it is the best possible DSO';

-- The same over the newest `periods` periods only: the state keeps at most
-- that many (a full queue drops its oldest), so over a running frame (ROWS
-- UNBOUNDED PRECEDING) it is a rolling DSO without the inverse transition.
CREATE FUNCTION dunning.dso_period_sfunc(internal, numeric, numeric, integer, integer) RETURNS internal
    AS 'MODULE_PATHNAME', 'dso_period_sfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION dunning.dso_period_invfunc(internal, numeric, numeric, integer, integer) RETURNS internal
    AS 'MODULE_PATHNAME', 'dso_period_invfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION dunning.dso_period_sfunc(internal, numeric, numeric, integer, integer) IS
    'transition of the period DSO aggregates over the newest periods: queues the period as the newest, dropping the oldest when periods are queued';
COMMENT ON FUNCTION dunning.dso_period_invfunc(internal, numeric, numeric, integer, integer) IS
    'inverse transition of the period DSO aggregates over the newest periods: the frame loses its oldest row; drops the oldest period when the frame gets shorter than the queue';

CREATE AGGREGATE dunning.dso_countback(ar_end numeric, sales numeric, days integer, periods integer) (
    SFUNC = dunning.dso_period_sfunc,
    STYPE = internal,
    FINALFUNC = dunning.dso_countback_final,
    MSFUNC = dunning.dso_period_sfunc,
    MINVFUNC = dunning.dso_period_invfunc,
    MSTYPE = internal,
    MFINALFUNC = dunning.dso_countback_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE dunning.dso_countback(numeric, numeric, integer, integer) IS
    'countback (exhaustion) DSO over the newest periods (a constant 1-10000) of the rows given oldest first; over ROWS UNBOUNDED PRECEDING it is a rolling countback at the cost of a running aggregate';

CREATE AGGREGATE dunning.rolling_dso(ar_end numeric, sales numeric, days integer, periods integer) (
    SFUNC = dunning.dso_period_sfunc,
    STYPE = internal,
    FINALFUNC = dunning.rolling_dso_final,
    MSFUNC = dunning.dso_period_sfunc,
    MINVFUNC = dunning.dso_period_invfunc,
    MSTYPE = internal,
    MFINALFUNC = dunning.rolling_dso_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE dunning.rolling_dso(numeric, numeric, integer, integer) IS
    'simple DSO over the newest periods (a constant 1-10000) of the rows given oldest first: last ar_end x sum(days) / sum(sales) of those periods';

-- Scalar KPIs (domain.md) ---------------------------------------------------
CREATE FUNCTION dunning.dso(ar numeric, sales numeric, days integer) RETURNS numeric
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN CASE WHEN sales OPERATOR(pg_catalog.>) 0
                THEN (ar OPERATOR(pg_catalog.*) days) OPERATOR(pg_catalog./) sales END;
COMMENT ON FUNCTION dunning.dso(numeric, numeric, integer) IS
    'simple DSO: ar x days / sales; NULL when sales <= 0';

CREATE FUNCTION dunning.best_possible_dso(current_ar numeric, sales numeric, days integer)
    RETURNS numeric
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN dunning.dso(current_ar, sales, days);
COMMENT ON FUNCTION dunning.best_possible_dso(numeric, numeric, integer) IS
    'best possible DSO: current (not yet due) AR x days / sales; NULL when sales <= 0';

CREATE FUNCTION dunning.average_days_delinquent(ar numeric, current_ar numeric, sales numeric, days integer)
    RETURNS numeric
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN CASE WHEN sales OPERATOR(pg_catalog.>) 0
                THEN ((ar OPERATOR(pg_catalog.-) current_ar) OPERATOR(pg_catalog.*) days)
                     OPERATOR(pg_catalog./) sales END;
COMMENT ON FUNCTION dunning.average_days_delinquent(numeric, numeric, numeric, integer) IS
    'ADD = DSO - best possible DSO = (ar - current_ar) x days / sales; NULL when sales <= 0';

CREATE FUNCTION dunning.cei(beginning_ar numeric, sales numeric, ending_ar numeric,
                            ending_current_ar numeric, months integer)
    RETURNS numeric
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    -- OPERATOR(...) spellings all share one precedence: parenthesised fully.
    -- Multiplied through by months so that only the last division rounds:
    -- (months b + sales - months e) x 100 / (months b + sales - months c).
    RETURN CASE WHEN months OPERATOR(pg_catalog.>) 0
                 AND ((months OPERATOR(pg_catalog.*) beginning_ar) OPERATOR(pg_catalog.+) sales)
                     OPERATOR(pg_catalog.>) (months OPERATOR(pg_catalog.*) ending_current_ar)
                THEN ((((months OPERATOR(pg_catalog.*) beginning_ar) OPERATOR(pg_catalog.+) sales)
                       OPERATOR(pg_catalog.-) (months OPERATOR(pg_catalog.*) ending_ar))
                      OPERATOR(pg_catalog.*) 100)
                     OPERATOR(pg_catalog./)
                     (((months OPERATOR(pg_catalog.*) beginning_ar) OPERATOR(pg_catalog.+) sales)
                      OPERATOR(pg_catalog.-) (months OPERATOR(pg_catalog.*) ending_current_ar)) END;
COMMENT ON FUNCTION dunning.cei(numeric, numeric, numeric, numeric, integer) IS
    'collection effectiveness index in percent: (beginning AR + sales / months - ending AR) / (beginning AR + sales / months - ending current AR) x 100; NULL when months <= 0 or the denominator <= 0';

-- Privileges ----------------------------------------------------------------
REVOKE ALL ON FUNCTION
    dunning.payer_state_in(cstring), dunning.payer_state_out(dunning.payer_state),
    dunning.risk_state_in(cstring), dunning.risk_state_out(dunning.risk_state),
    dunning.aging_state_in(cstring), dunning.aging_state_out(dunning.aging_state),
    dunning.payer_late_sfunc(dunning.payer_state, date, date, numeric),
    dunning.payer_late_invfunc(dunning.payer_state, date, date, numeric),
    dunning.payer_beyond_sfunc(dunning.payer_state, date, date, numeric),
    dunning.payer_beyond_invfunc(dunning.payer_state, date, date, numeric),
    dunning.payer_days_sfunc(dunning.payer_state, date, date),
    dunning.payer_days_invfunc(dunning.payer_state, date, date),
    dunning.payer_state_combine(dunning.payer_state, dunning.payer_state),
    dunning.payer_weighted_final(dunning.payer_state),
    dunning.payer_avg_final(dunning.payer_state),
    dunning.payer_paydex_final(dunning.payer_state),
    dunning.risk_sfunc(dunning.risk_state, date, date, numeric, date),
    dunning.risk_state_combine(dunning.risk_state, dunning.risk_state),
    dunning.risk_final(dunning.risk_state),
    dunning.aging_sfunc(dunning.aging_state, date, numeric, date),
    dunning.aging_state_combine(dunning.aging_state, dunning.aging_state),
    dunning.aging_final(dunning.aging_state),
    dunning.dso_period_sfunc(internal, numeric, numeric, integer),
    dunning.dso_period_invfunc(internal, numeric, numeric, integer),
    dunning.dso_period_sfunc(internal, numeric, numeric, integer, integer),
    dunning.dso_period_invfunc(internal, numeric, numeric, integer, integer),
    dunning.dso_countback_final(internal),
    dunning.rolling_dso_final(internal)
    FROM PUBLIC;

GRANT EXECUTE ON FUNCTION
    dunning.weighted_days_late(date, date, numeric),
    dunning.avg_days_late(date, date),
    dunning.days_beyond_terms(date, date, numeric),
    dunning.avg_days_to_pay(date, date, numeric),
    dunning.paydex(date, date, numeric),
    dunning.paydex_score(numeric),
    dunning.payment_risk_score(date, date, numeric, date),
    dunning.aging_buckets(date, numeric, date),
    dunning.dso_countback(numeric, numeric, integer),
    dunning.rolling_dso(numeric, numeric, integer),
    dunning.dso_countback(numeric, numeric, integer, integer),
    dunning.rolling_dso(numeric, numeric, integer, integer),
    dunning.dso(numeric, numeric, integer),
    dunning.best_possible_dso(numeric, numeric, integer),
    dunning.average_days_delinquent(numeric, numeric, numeric, integer),
    dunning.cei(numeric, numeric, numeric, numeric, integer)
    TO dunning_analyst;
-----------------------------------------------------------------------------
-- Lettering: letter groups, write-offs, history, proposals
-----------------------------------------------------------------------------
-- A letter groups what settles what for one customer: allocations of
-- payments and credit notes, and write-offs of small differences.  It has a
-- code per customer account (AA, AB, ..., ZZ, AAA, ...) and is unlettered as
-- a whole.  dunning.allocation keeps listing exactly the active allocations.

CREATE TABLE dunning.letter (
    letter_id       bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    customer_id     bigint NOT NULL REFERENCES dunning.customer,
    letter_code     text NOT NULL,
    method          text NOT NULL,
    confidence      real,
    explanation     text,
    created_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    created_by      name NOT NULL DEFAULT CURRENT_USER,
    unlettered_at   timestamptz,
    unlettered_by   name,
    unletter_reason text,
    CONSTRAINT letter_code_per_customer UNIQUE (customer_id, letter_code),
    CONSTRAINT letter_method_known
        CHECK (method IN ('manual', 'reference', 'invoice_number', 'amount', 'combination', 'proposal')),
    CONSTRAINT letter_confidence_range CHECK (confidence >= 0 AND confidence <= 1),
    CONSTRAINT letter_unlettered_complete CHECK ((unlettered_at IS NULL) = (unlettered_by IS NULL))
);
COMMENT ON TABLE dunning.letter IS
    'letter groups: what settled what for one customer, with a per-customer code; unlettered as a whole';
COMMENT ON COLUMN dunning.letter.letter_id IS 'identity';
COMMENT ON COLUMN dunning.letter.customer_id IS 'the customer account the group belongs to';
COMMENT ON COLUMN dunning.letter.letter_code IS 'code of the group within the customer account: AA, AB, ..., ZZ, AAA, ...';
COMMENT ON COLUMN dunning.letter.method IS 'how it was lettered: manual, reference, invoice_number, amount, combination, proposal (a confirmed proposal)';
COMMENT ON COLUMN dunning.letter.confidence IS 'matcher confidence in [0,1]; NULL for manual lettering';
COMMENT ON COLUMN dunning.letter.explanation IS 'the signals that led to the lettering, for a human';
COMMENT ON COLUMN dunning.letter.created_at IS 'when it was lettered';
COMMENT ON COLUMN dunning.letter.created_by IS 'database role that lettered';
COMMENT ON COLUMN dunning.letter.unlettered_at IS 'when it was unlettered; NULL while active';
COMMENT ON COLUMN dunning.letter.unlettered_by IS 'database role that unlettered it';
COMMENT ON COLUMN dunning.letter.unletter_reason IS 'why it was unlettered';

-- Per-customer counter of letter codes: an upsert hands out codes without a
-- race between sessions.  Every letter updates its customer's row, so half of
-- each page is kept free for HOT updates (a page holds ~220 counters: at the
-- default fill factor a lettering run of 230,000 letters made 205,000 non-HOT
-- updates, each a new primary-key entry; at 50, 63 % are HOT).
CREATE TABLE dunning.letter_counter (
    customer_id  bigint PRIMARY KEY REFERENCES dunning.customer,
    last_number  bigint NOT NULL
) WITH (fillfactor = 50);
COMMENT ON TABLE dunning.letter_counter IS 'last letter number handed out per customer (internal)';
COMMENT ON COLUMN dunning.letter_counter.customer_id IS 'the customer';
COMMENT ON COLUMN dunning.letter_counter.last_number IS 'number of the last letter code given (0 = AA)';

-- Letter code of the n-th group of an account (n from 0): two letters, then
-- three, ...: AA..ZZ are 0..675, AAA follows.  In C (src/letter.c): auto_letter
-- calls it for every letter it writes.
CREATE FUNCTION dunning.letter_code(n bigint) RETURNS text
    AS 'MODULE_PATHNAME', 'letter_code'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dunning.letter_code(bigint) IS
    'letter code of the n-th letter group of an account, n from 0: AA, AB, ..., ZZ, AAA, ...';

-- Takes the next count letter numbers of a customer; returns the first.
CREATE FUNCTION dunning.next_letter_numbers(p_customer_id bigint, p_count integer) RETURNS bigint
    LANGUAGE sql SET search_path = pg_catalog, pg_temp
AS $fn$
    INSERT INTO dunning.letter_counter AS c (customer_id, last_number)
    VALUES (p_customer_id, p_count - 1)
    ON CONFLICT (customer_id) DO UPDATE SET last_number = c.last_number + p_count
    RETURNING last_number - p_count + 1;
$fn$;

-- Allocations carry their letter, method and confidence.
ALTER TABLE dunning.allocation
    ADD COLUMN letter_id bigint REFERENCES dunning.letter,
    ADD COLUMN letter_code text,
    ADD COLUMN method text NOT NULL DEFAULT 'manual',
    ADD COLUMN confidence real;
CREATE INDEX allocation_letter_idx ON dunning.allocation (letter_id) WHERE letter_id IS NOT NULL;
COMMENT ON COLUMN dunning.allocation.letter_id IS 'the letter group it belongs to';
COMMENT ON COLUMN dunning.allocation.letter_code IS 'code of the letter group within the customer account (AA, AB, ...)';
COMMENT ON COLUMN dunning.allocation.method IS 'how it was made: manual, reference, invoice_number, amount, combination, proposal';
COMMENT ON COLUMN dunning.allocation.confidence IS 'matcher confidence in [0,1]; NULL for manual lettering';

-----------------------------------------------------------------------------
-- Write-offs: small differences closed on purpose
-----------------------------------------------------------------------------
CREATE TABLE dunning.write_off (
    write_off_id  bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    invoice_id    bigint NOT NULL REFERENCES dunning.invoice,
    payment_id    bigint REFERENCES dunning.payment,
    letter_id     bigint REFERENCES dunning.letter,
    amount        numeric NOT NULL,
    reason        text NOT NULL DEFAULT 'bank_fee',
    created_at    timestamptz NOT NULL DEFAULT pg_catalog.now(),
    created_by    name NOT NULL DEFAULT CURRENT_USER,
    CONSTRAINT write_off_amount_positive CHECK (amount > 0 AND amount < 'Infinity'),
    CONSTRAINT write_off_reason_known CHECK (reason IN ('bank_fee', 'rounding', 'small_balance', 'manual'))
);
CREATE INDEX write_off_invoice_idx ON dunning.write_off (invoice_id);
CREATE INDEX write_off_letter_idx ON dunning.write_off (letter_id) WHERE letter_id IS NOT NULL;
COMMENT ON TABLE dunning.write_off IS
    'active write-offs: small differences (bank fees, rounding) that settle the rest of an invoice on purpose';
COMMENT ON COLUMN dunning.write_off.write_off_id IS 'identity';
COMMENT ON COLUMN dunning.write_off.invoice_id IS 'the invoice whose rest is written off';
COMMENT ON COLUMN dunning.write_off.payment_id IS 'the payment that fell short, when there is one';
COMMENT ON COLUMN dunning.write_off.letter_id IS 'the letter group it belongs to';
COMMENT ON COLUMN dunning.write_off.amount IS 'amount written off, > 0, in the invoice currency';
COMMENT ON COLUMN dunning.write_off.reason IS 'bank_fee, rounding, small_balance or manual';
COMMENT ON COLUMN dunning.write_off.created_at IS 'when it was written off';
COMMENT ON COLUMN dunning.write_off.created_by IS 'database role that wrote it off';

-- Write-offs settle invoices like allocations do (same running total, same
-- CHECK); the transition table's name is one of two constants.
CREATE FUNCTION dunning.write_off_sync() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    sign integer := CASE TG_OP WHEN 'INSERT' THEN 1 ELSE -1 END;
BEGIN
    IF sign > 0 THEN
        IF EXISTS (SELECT FROM new_rows r JOIN dunning.invoice i USING (invoice_id) WHERE i.amount < 0) THEN
            RAISE EXCEPTION 'a write-off settles an invoice, not a credit note'
                USING ERRCODE = 'check_violation';
        END IF;
    END IF;
    EXECUTE pg_catalog.format($q$
        UPDATE dunning.invoice i
           SET settled_amount = i.settled_amount + $1 * d.total
          FROM (SELECT r.invoice_id, sum(r.amount) AS total FROM %I r GROUP BY r.invoice_id) d
         WHERE i.invoice_id = d.invoice_id$q$,
        CASE TG_OP WHEN 'INSERT' THEN 'new_rows' ELSE 'old_rows' END)
    USING sign;
    RETURN NULL;
END
$fn$;
CREATE TRIGGER write_off_sync_insert AFTER INSERT ON dunning.write_off
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dunning.write_off_sync();
CREATE TRIGGER write_off_sync_delete AFTER DELETE ON dunning.write_off
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dunning.write_off_sync();
CREATE FUNCTION dunning.write_off_immutable() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    RAISE EXCEPTION 'write-offs cannot be updated'
        USING ERRCODE = 'feature_not_supported',
              HINT = 'Unletter its letter group with dunning.unletter() and letter again.';
END
$fn$;
CREATE TRIGGER write_off_immutable BEFORE UPDATE ON dunning.write_off
    FOR EACH ROW EXECUTE FUNCTION dunning.write_off_immutable();

-----------------------------------------------------------------------------
-- History: every allocation and write-off that was removed
-----------------------------------------------------------------------------
CREATE TABLE dunning.letter_history (
    kind            text NOT NULL,
    id              bigint NOT NULL,
    letter_id       bigint,
    payment_id      bigint,
    credit_note_id  bigint,
    invoice_id      bigint NOT NULL,
    amount          numeric NOT NULL,
    method          text,
    created_at      timestamptz NOT NULL,
    created_by      name NOT NULL,
    removed_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    removed_by      name NOT NULL DEFAULT CURRENT_USER,
    CONSTRAINT letter_history_kind_known CHECK (kind IN ('allocation', 'write_off'))
);
CREATE INDEX letter_history_letter_idx ON dunning.letter_history (letter_id);
CREATE INDEX letter_history_payment_idx ON dunning.letter_history (payment_id);
COMMENT ON TABLE dunning.letter_history IS
    'allocations and write-offs that were removed (unlettered), with who and when';
COMMENT ON COLUMN dunning.letter_history.kind IS 'allocation or write_off';
COMMENT ON COLUMN dunning.letter_history.id IS 'allocation_id or write_off_id of the removed row';
COMMENT ON COLUMN dunning.letter_history.letter_id IS 'the letter group it belonged to';
COMMENT ON COLUMN dunning.letter_history.payment_id IS 'the payment, when there was one';
COMMENT ON COLUMN dunning.letter_history.credit_note_id IS 'the credit note, for a credit-note allocation';
COMMENT ON COLUMN dunning.letter_history.invoice_id IS 'the invoice it settled';
COMMENT ON COLUMN dunning.letter_history.amount IS 'amount it settled';
COMMENT ON COLUMN dunning.letter_history.method IS 'how it had been made';
COMMENT ON COLUMN dunning.letter_history.created_at IS 'when it had been made';
COMMENT ON COLUMN dunning.letter_history.created_by IS 'who had made it';
COMMENT ON COLUMN dunning.letter_history.removed_at IS 'when it was removed';
COMMENT ON COLUMN dunning.letter_history.removed_by IS 'who removed it';

CREATE FUNCTION dunning.allocation_keep_history() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    INSERT INTO dunning.letter_history
           (kind, id, letter_id, payment_id, credit_note_id, invoice_id, amount, method, created_at, created_by)
    SELECT 'allocation', r.allocation_id, r.letter_id, r.payment_id, r.credit_note_id, r.invoice_id,
           r.amount, r.method, r.created_at, r.created_by
      FROM old_rows r;
    RETURN NULL;
END
$fn$;
CREATE TRIGGER allocation_keep_history AFTER DELETE ON dunning.allocation
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dunning.allocation_keep_history();
CREATE FUNCTION dunning.write_off_keep_history() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    INSERT INTO dunning.letter_history
           (kind, id, letter_id, payment_id, invoice_id, amount, method, created_at, created_by)
    SELECT 'write_off', r.write_off_id, r.letter_id, r.payment_id, r.invoice_id, r.amount, r.reason,
           r.created_at, r.created_by
      FROM old_rows r;
    RETURN NULL;
END
$fn$;
CREATE TRIGGER write_off_keep_history AFTER DELETE ON dunning.write_off
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dunning.write_off_keep_history();

-- The running totals now also count write-offs.
CREATE OR REPLACE FUNCTION dunning.rebuild_totals() RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    fixed bigint;
    n bigint;
BEGIN
    PERFORM pg_catalog.set_config('dunning.internal_write', 'on', true);
    LOCK TABLE dunning.allocation, dunning.write_off IN SHARE MODE;
    UPDATE dunning.invoice i
       SET settled_amount = COALESCE(d.total, 0)
      FROM dunning.invoice i2
      LEFT JOIN (SELECT t.id, sum(t.amount) AS total
                   FROM (SELECT a.invoice_id AS id, a.amount FROM dunning.allocation a
                         UNION ALL
                         SELECT a.credit_note_id, a.amount FROM dunning.allocation a
                          WHERE a.credit_note_id IS NOT NULL
                         UNION ALL
                         SELECT w.invoice_id, w.amount FROM dunning.write_off w) t
                  GROUP BY t.id) d ON d.id = i2.invoice_id
     WHERE i.invoice_id = i2.invoice_id
       AND i.settled_amount IS DISTINCT FROM COALESCE(d.total, 0);
    GET DIAGNOSTICS fixed = ROW_COUNT;
    UPDATE dunning.payment p
       SET allocated_amount = COALESCE(d.total, 0)
      FROM dunning.payment p2
      LEFT JOIN (SELECT a.payment_id, sum(a.amount) AS total
                   FROM dunning.allocation a WHERE a.payment_id IS NOT NULL
                  GROUP BY a.payment_id) d ON d.payment_id = p2.payment_id
     WHERE p.payment_id = p2.payment_id
       AND p.allocated_amount IS DISTINCT FROM COALESCE(d.total, 0);
    GET DIAGNOSTICS n = ROW_COUNT;
    PERFORM pg_catalog.set_config('dunning.internal_write', 'off', true);
    RETURN fixed + n;
END
$fn$;
CREATE TRIGGER write_off_after_truncate AFTER TRUNCATE ON dunning.write_off
    FOR EACH STATEMENT EXECUTE FUNCTION dunning.allocation_after_truncate();

-----------------------------------------------------------------------------
-- Proposals: answers the matcher was not sure enough of
-----------------------------------------------------------------------------
CREATE TABLE dunning.proposal (
    proposal_id   bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    payment_id    bigint NOT NULL REFERENCES dunning.payment,
    rank          integer NOT NULL,
    customer_id   bigint REFERENCES dunning.customer,
    invoice_ids   bigint[] NOT NULL,
    amounts       numeric[] NOT NULL,
    write_off     numeric NOT NULL DEFAULT 0,
    confidence    real NOT NULL,
    method        text NOT NULL,
    reason        text NOT NULL,
    status        text NOT NULL DEFAULT 'pending',
    created_at    timestamptz NOT NULL DEFAULT pg_catalog.now(),
    decided_at    timestamptz,
    decided_by    name,
    letter_id     bigint REFERENCES dunning.letter,
    CONSTRAINT proposal_status_known CHECK (status IN ('pending', 'confirmed', 'rejected', 'superseded')),
    CONSTRAINT proposal_arrays_match
        CHECK (pg_catalog.cardinality(invoice_ids) = pg_catalog.cardinality(amounts)
               AND pg_catalog.cardinality(invoice_ids) > 0),
    CONSTRAINT proposal_confidence_range CHECK (confidence >= 0 AND confidence <= 1)
);
CREATE UNIQUE INDEX proposal_pending_rank ON dunning.proposal (payment_id, rank) WHERE status = 'pending';
COMMENT ON TABLE dunning.proposal IS
    'lettering proposals awaiting a human: confirm with dunning.confirm_proposal(), reject with dunning.reject_proposal()';
COMMENT ON COLUMN dunning.proposal.proposal_id IS 'identity';
COMMENT ON COLUMN dunning.proposal.payment_id IS 'the payment to letter';
COMMENT ON COLUMN dunning.proposal.rank IS '1 = the best answer for this payment';
COMMENT ON COLUMN dunning.proposal.customer_id IS 'the customer the answer assumes';
COMMENT ON COLUMN dunning.proposal.invoice_ids IS 'invoices (and credit notes, negative amounts) the payment would settle';
COMMENT ON COLUMN dunning.proposal.amounts IS 'amount for each of invoice_ids (negative for a credit note netted)';
COMMENT ON COLUMN dunning.proposal.write_off IS 'difference that would be written off (bank fee), >= 0';
COMMENT ON COLUMN dunning.proposal.confidence IS 'matcher confidence in [0,1]';
COMMENT ON COLUMN dunning.proposal.method IS 'main signal: reference, invoice_number, amount, combination';
COMMENT ON COLUMN dunning.proposal.reason IS 'human-readable list of the signals used';
COMMENT ON COLUMN dunning.proposal.status IS 'pending, confirmed, rejected or superseded';
COMMENT ON COLUMN dunning.proposal.created_at IS 'when it was proposed';
COMMENT ON COLUMN dunning.proposal.decided_at IS 'when it was confirmed or rejected';
COMMENT ON COLUMN dunning.proposal.decided_by IS 'who decided';
COMMENT ON COLUMN dunning.proposal.letter_id IS 'the letter group a confirmation created';

-----------------------------------------------------------------------------
-- Settings of the matcher
-----------------------------------------------------------------------------
CREATE TABLE dunning.lettering_setting (
    currency              char(3) PRIMARY KEY,
    fee_tolerance_amount  numeric NOT NULL,
    fee_tolerance_percent numeric NOT NULL,
    CONSTRAINT lettering_setting_currency_iso4217 CHECK (dunning.is_currency(currency) OR currency = '*'),
    CONSTRAINT lettering_setting_tolerances CHECK (fee_tolerance_amount >= 0 AND fee_tolerance_percent >= 0
                                                   AND fee_tolerance_percent <= 10)
);
COMMENT ON TABLE dunning.lettering_setting IS
    'write-off tolerance per currency (row ''*'' for every other currency; without rows: 15.00 and 2 percent): a payment short of the open amount by at most min(amount, percent of the open amount) closes it with a write-off';
COMMENT ON COLUMN dunning.lettering_setting.currency IS 'ISO 4217 code, or * for every other currency';
COMMENT ON COLUMN dunning.lettering_setting.fee_tolerance_amount IS 'largest difference written off, in the currency';
COMMENT ON COLUMN dunning.lettering_setting.fee_tolerance_percent IS 'largest difference written off, in percent of the open amount';

-- Tolerance in force for a currency: its row, else the '*' row, else 15.00
-- and 2 percent.
CREATE FUNCTION dunning.fee_tolerance(currency char(3), OUT amount numeric, OUT percent numeric)
    LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $fn$
    SELECT COALESCE((SELECT s.fee_tolerance_amount FROM dunning.lettering_setting s
                      WHERE s.currency IN (fee_tolerance.currency, '*') ORDER BY s.currency = '*' LIMIT 1), 15.00),
           COALESCE((SELECT s.fee_tolerance_percent FROM dunning.lettering_setting s
                      WHERE s.currency IN (fee_tolerance.currency, '*') ORDER BY s.currency = '*' LIMIT 1), 2.0);
$fn$;
COMMENT ON FUNCTION dunning.fee_tolerance(char) IS
    'write-off tolerance in force for a currency: (amount, percent); defaults 15.00 and 2 percent';

-- Opens a letter group for a customer and returns (letter_id, letter_code).
CREATE FUNCTION dunning.open_letter(p_customer_id bigint, p_method text, p_confidence real,
                                    p_explanation text, OUT letter_id bigint, OUT letter_code text)
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    letter_code := dunning.letter_code(dunning.next_letter_numbers(p_customer_id, 1));
    INSERT INTO dunning.letter (customer_id, letter_code, method, confidence, explanation)
    VALUES (p_customer_id, letter_code, p_method, p_confidence, p_explanation)
    RETURNING letter.letter_id INTO letter_id;
END
$fn$;

-- Manual lettering now opens a letter group per allocation.  Same checks,
-- same lock order as in 0.1.0; the allocation row carries its letter.
CREATE OR REPLACE FUNCTION dunning.allocate_internal(
    p_payment_id bigint, p_credit_note_id bigint, p_invoice_id bigint, p_amount numeric)
RETURNS bigint
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    inv dunning.invoice;
    src_available numeric;
    src_name text;
    src_currency char(3);
    src_customer bigint;
    inv_currency char(3);
    inv_customer bigint;
    inv_available numeric;
    amt numeric;
    new_id bigint;
    digits integer;
    l record;
BEGIN
    IF p_invoice_id IS NULL OR num_nonnulls(p_payment_id, p_credit_note_id) <> 1 THEN
        RAISE EXCEPTION 'allocation needs an invoice and exactly one of a payment or a credit note'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF p_amount IS NOT NULL AND NOT (p_amount > 0 AND p_amount < 'Infinity') THEN
        RAISE EXCEPTION 'allocation amount must be positive and finite, got %', p_amount
            USING ERRCODE = 'invalid_parameter_value';
    END IF;

    IF p_payment_id IS NOT NULL THEN
        SELECT p.amount - p.allocated_amount, p.currency, p.customer_id
          INTO src_available, src_currency, src_customer
          FROM dunning.payment p WHERE p.payment_id = p_payment_id FOR NO KEY UPDATE;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'payment % does not exist', p_payment_id USING ERRCODE = 'foreign_key_violation';
        END IF;
        src_name := 'payment ' || p_payment_id;
    END IF;
    FOR inv IN
        SELECT * FROM dunning.invoice i
         WHERE i.invoice_id IN (p_invoice_id, p_credit_note_id)
         ORDER BY i.invoice_id FOR NO KEY UPDATE
    LOOP
        IF inv.invoice_id = p_credit_note_id THEN
            IF inv.amount > 0 THEN
                RAISE EXCEPTION 'invoice % is not a credit note', p_credit_note_id
                    USING ERRCODE = 'check_violation',
                          HINT = 'A credit note is an invoice row with a negative amount.';
            END IF;
            src_available := -inv.amount - inv.settled_amount;
            src_currency := inv.currency;
            src_customer := inv.customer_id;
            src_name := 'credit note ' || p_credit_note_id;
        ELSE
            IF inv.amount < 0 THEN
                RAISE EXCEPTION 'invoice % is a credit note and cannot be settled', p_invoice_id
                    USING ERRCODE = 'check_violation',
                          HINT = 'Letter the credit note against an invoice with dunning.allocate_credit_note().';
            END IF;
            inv_available := inv.amount - inv.settled_amount;
            inv_currency := inv.currency;
            inv_customer := inv.customer_id;
            digits := dunning.currency_minor_unit(inv.currency);
        END IF;
    END LOOP;
    IF inv_available IS NULL THEN
        RAISE EXCEPTION 'invoice % does not exist', p_invoice_id USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF src_available IS NULL THEN
        RAISE EXCEPTION 'credit note % does not exist', p_credit_note_id USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF src_currency <> inv_currency THEN
        RAISE EXCEPTION '% is in % but invoice % is in %', src_name, src_currency, p_invoice_id, inv_currency
            USING ERRCODE = 'check_violation';
    END IF;
    IF src_customer <> inv_customer THEN
        RAISE EXCEPTION '% is from customer % but invoice % belongs to customer %',
                src_name, src_customer, p_invoice_id, inv_customer
            USING ERRCODE = 'check_violation',
                  HINT = 'Letter items of one customer; for a payment, correct payment.customer_id or set it to NULL.';
    END IF;

    amt := COALESCE(p_amount, least(src_available, inv_available));
    IF amt <> round(amt, digits) THEN
        RAISE EXCEPTION 'allocation amount % has more decimals than % allows', amt, src_currency
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF amt <= 0 THEN
        RAISE EXCEPTION 'nothing to allocate: % has % unallocated and invoice % has % open',
                src_name, src_available, p_invoice_id, inv_available
            USING ERRCODE = 'check_violation';
    END IF;
    IF amt > src_available THEN
        RAISE EXCEPTION 'allocation of % exceeds the % unallocated on %', amt, src_available, src_name
            USING ERRCODE = 'check_violation',
                  HINT = 'Pass a smaller amount, or NULL to allocate as much as both sides allow.';
    END IF;
    IF amt > inv_available THEN
        RAISE EXCEPTION 'allocation of % exceeds the % open on invoice %', amt, inv_available, p_invoice_id
            USING ERRCODE = 'check_violation',
                  HINT = 'Pass a smaller amount, or NULL to allocate as much as both sides allow.';
    END IF;

    l := dunning.open_letter(inv_customer, 'manual', NULL, 'manual allocation by ' || current_user);
    INSERT INTO dunning.allocation (payment_id, credit_note_id, invoice_id, amount, letter_id, letter_code)
    VALUES (p_payment_id, p_credit_note_id, p_invoice_id, amt, l.letter_id, l.letter_code)
    RETURNING allocation_id INTO new_id;
    RETURN new_id;
END
$fn$;

-----------------------------------------------------------------------------
-- Unlettering and proposals
-----------------------------------------------------------------------------
CREATE FUNCTION dunning.unletter(letter_id bigint, reason text DEFAULT NULL) RETURNS numeric
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    l dunning.letter;
    released numeric := 0;
    n numeric;
BEGIN
    SELECT * INTO l FROM dunning.letter x WHERE x.letter_id = unletter.letter_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'letter % does not exist', unletter.letter_id USING ERRCODE = 'undefined_object';
    END IF;
    IF l.unlettered_at IS NOT NULL THEN
        RAISE EXCEPTION 'letter % (%) is already unlettered', l.letter_id, l.letter_code
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    -- Writers' lock order: payments, then invoice rows by id.
    PERFORM FROM dunning.payment p
     WHERE p.payment_id IN (SELECT a.payment_id FROM dunning.allocation a WHERE a.letter_id = l.letter_id
                            UNION SELECT w.payment_id FROM dunning.write_off w WHERE w.letter_id = l.letter_id)
     ORDER BY p.payment_id FOR NO KEY UPDATE;
    PERFORM FROM dunning.invoice i
     WHERE i.invoice_id IN (SELECT a.invoice_id FROM dunning.allocation a WHERE a.letter_id = l.letter_id
                            UNION SELECT a.credit_note_id FROM dunning.allocation a WHERE a.letter_id = l.letter_id
                            UNION SELECT w.invoice_id FROM dunning.write_off w WHERE w.letter_id = l.letter_id)
     ORDER BY i.invoice_id FOR NO KEY UPDATE;
    WITH d AS (DELETE FROM dunning.allocation a WHERE a.letter_id = l.letter_id RETURNING a.amount)
    SELECT COALESCE(sum(d.amount), 0) INTO n FROM d;
    released := released + n;
    WITH d AS (DELETE FROM dunning.write_off w WHERE w.letter_id = l.letter_id RETURNING w.amount)
    SELECT COALESCE(sum(d.amount), 0) INTO n FROM d;
    released := released + n;
    UPDATE dunning.letter x
       SET unlettered_at = pg_catalog.now(), unlettered_by = CURRENT_USER, unletter_reason = reason
     WHERE x.letter_id = l.letter_id;
    RETURN released;
END
$fn$;
COMMENT ON FUNCTION dunning.unletter(bigint, text) IS
    'unletters a whole letter group: removes its allocations and write-offs (kept in dunning.letter_history) and reopens the items exactly; returns the amount released';

CREATE FUNCTION dunning.unletter_code(customer_id bigint, letter_code text, reason text DEFAULT NULL) RETURNS numeric
    LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
    SELECT dunning.unletter(
        (SELECT COALESCE(min(l.letter_id), -1) FROM dunning.letter l
          WHERE l.customer_id = unletter_code.customer_id AND l.letter_code = upper(unletter_code.letter_code)),
        reason);
$fn$;
COMMENT ON FUNCTION dunning.unletter_code(bigint, text, text) IS
    'unletters the letter group with this code (AA, AB, ...) in a customer account; see unletter(letter_id)';

CREATE FUNCTION dunning.reject_proposal(proposal_id bigint, reason text DEFAULT NULL) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    UPDATE dunning.proposal p
       SET status = 'rejected', decided_at = pg_catalog.now(), decided_by = CURRENT_USER,
           reason = p.reason || COALESCE('; rejected: ' || reject_proposal.reason, '')
     WHERE p.proposal_id = reject_proposal.proposal_id AND p.status = 'pending';
    IF NOT FOUND THEN
        RAISE EXCEPTION 'proposal % is not pending', reject_proposal.proposal_id
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
END
$fn$;
COMMENT ON FUNCTION dunning.reject_proposal(bigint, text) IS
    'rejects a pending proposal (kept with its reason; auto_letter does not propose it again)';

CREATE FUNCTION dunning.confirm_proposal(proposal_id bigint) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    p dunning.proposal;
    pay dunning.payment;
    l record;
    k integer;
    inv dunning.invoice;
    pay_total numeric := 0;
BEGIN
    SELECT * INTO p FROM dunning.proposal x WHERE x.proposal_id = confirm_proposal.proposal_id FOR UPDATE;
    IF NOT FOUND OR p.status <> 'pending' THEN
        RAISE EXCEPTION 'proposal % is not pending', confirm_proposal.proposal_id
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    -- Lock in the writers' order, then check that the proposal still fits.
    SELECT * INTO pay FROM dunning.payment x WHERE x.payment_id = p.payment_id FOR NO KEY UPDATE;
    PERFORM FROM dunning.invoice i WHERE i.invoice_id = ANY (p.invoice_ids) ORDER BY i.invoice_id FOR NO KEY UPDATE;
    FOR k IN 1..cardinality(p.invoice_ids) LOOP
        SELECT * INTO inv FROM dunning.invoice i WHERE i.invoice_id = p.invoice_ids[k];
        IF p.amounts[k] > 0 THEN
            pay_total := pay_total + p.amounts[k];
        ELSE
            pay_total := pay_total + p.amounts[k];   -- a netted credit note
        END IF;
        IF pg_catalog.abs(p.amounts[k]) > pg_catalog.abs(inv.amount) - inv.settled_amount THEN
            RAISE EXCEPTION 'proposal % is stale: item % has only % open',
                    p.proposal_id, inv.invoice_id, pg_catalog.abs(inv.amount) - inv.settled_amount
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      HINT = 'Run dunning.auto_letter() or dunning.suggest() again.';
        END IF;
    END LOOP;
    IF pay_total > pay.amount - pay.allocated_amount THEN
        RAISE EXCEPTION 'proposal % is stale: payment % has only % unallocated',
                p.proposal_id, pay.payment_id, pay.amount - pay.allocated_amount
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Run dunning.auto_letter() or dunning.suggest() again.';
    END IF;
    l := dunning.open_letter(p.customer_id, 'proposal', p.confidence, p.reason);
    PERFORM dunning.letter_items(l.letter_id, l.letter_code, p.payment_id, p.invoice_ids, p.amounts,
                                 p.write_off, 'proposal', p.confidence);
    UPDATE dunning.proposal x
       SET status = CASE WHEN x.proposal_id = p.proposal_id THEN 'confirmed' ELSE 'superseded' END,
           decided_at = pg_catalog.now(), decided_by = CURRENT_USER,
           letter_id = CASE WHEN x.proposal_id = p.proposal_id THEN l.letter_id END
     WHERE x.payment_id = p.payment_id AND x.status = 'pending';
    RETURN l.letter_id;
END
$fn$;
COMMENT ON FUNCTION dunning.confirm_proposal(bigint) IS
    'letters a pending proposal if it still fits (else an error saying what changed); the payment''s other proposals are superseded; returns the letter id';

-- Writes the allocations of one letter group: positive amounts are settled
-- by the payment (and by the netted credit notes first), negative amounts are
-- credit notes netted against the group's invoices; write_off closes the
-- last invoice.  Rows must be locked by the caller.
CREATE FUNCTION dunning.letter_items(p_letter_id bigint, p_letter_code text, p_payment_id bigint,
                                     p_invoice_ids bigint[], p_amounts numeric[], p_write_off numeric,
                                     p_method text, p_confidence real)
RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    k integer;
    j integer;
    need numeric[] := p_amounts;
    credit numeric;
    take numeric;
    last_invoice bigint;
BEGIN
    -- Net each credit note against the invoices of the group, in order.
    FOR k IN 1..cardinality(p_invoice_ids) LOOP
        CONTINUE WHEN p_amounts[k] >= 0;
        credit := -p_amounts[k];
        FOR j IN 1..cardinality(p_invoice_ids) LOOP
            EXIT WHEN credit = 0;
            CONTINUE WHEN need[j] <= 0;
            take := least(credit, need[j]);
            INSERT INTO dunning.allocation (credit_note_id, invoice_id, amount, letter_id, letter_code, method, confidence)
            VALUES (p_invoice_ids[k], p_invoice_ids[j], take, p_letter_id, p_letter_code, p_method, p_confidence);
            need[j] := need[j] - take;
            credit := credit - take;
        END LOOP;
        IF credit > 0 THEN
            RAISE EXCEPTION 'credit note % exceeds the invoices of its group', p_invoice_ids[k]
                USING ERRCODE = 'check_violation';
        END IF;
    END LOOP;
    INSERT INTO dunning.allocation (payment_id, invoice_id, amount, letter_id, letter_code, method, confidence)
    SELECT p_payment_id, p_invoice_ids[s.i], need[s.i], p_letter_id, p_letter_code, p_method, p_confidence
      FROM generate_subscripts(p_invoice_ids, 1) AS s(i) WHERE need[s.i] > 0;
    IF p_write_off > 0 THEN
        SELECT p_invoice_ids[s.i] INTO last_invoice
          FROM generate_subscripts(p_invoice_ids, 1) AS s(i) WHERE p_amounts[s.i] > 0 ORDER BY s.i DESC LIMIT 1;
        INSERT INTO dunning.write_off (invoice_id, payment_id, letter_id, amount, reason)
        VALUES (last_invoice, p_payment_id, p_letter_id, p_write_off, 'bank_fee');
    END IF;
END
$fn$;

CREATE VIEW dunning.unapplied_payment AS
SELECT p.payment_id, p.received_on, p.customer_id, p.currency, p.amount,
       p.amount - p.allocated_amount AS unapplied_amount,
       p.allocated_amount > 0 AS partly_applied,
       p.payer_name, p.payer_iban, p.remittance_info, p.reference
  FROM dunning.payment p
 WHERE p.allocated_amount < p.amount;
COMMENT ON VIEW dunning.unapplied_payment IS
    'payments (or the rest of payments) not allocated to any invoice: unmatched cash and overpayments';
COMMENT ON COLUMN dunning.unapplied_payment.payment_id IS 'the payment';
COMMENT ON COLUMN dunning.unapplied_payment.received_on IS 'booking date';
COMMENT ON COLUMN dunning.unapplied_payment.customer_id IS 'the payer when known';
COMMENT ON COLUMN dunning.unapplied_payment.currency IS 'ISO 4217 currency';
COMMENT ON COLUMN dunning.unapplied_payment.amount IS 'amount received';
COMMENT ON COLUMN dunning.unapplied_payment.unapplied_amount IS 'amount not allocated';
COMMENT ON COLUMN dunning.unapplied_payment.partly_applied IS 'true for the rest of a partly allocated payment (an overpayment)';
COMMENT ON COLUMN dunning.unapplied_payment.payer_name IS 'debtor name as the bank reports it';
COMMENT ON COLUMN dunning.unapplied_payment.payer_iban IS 'debtor account as the bank reports it';
COMMENT ON COLUMN dunning.unapplied_payment.remittance_info IS 'unstructured remittance text';
COMMENT ON COLUMN dunning.unapplied_payment.reference IS 'structured creditor reference';

-- The internal helpers carry a comment too (\df+ shows what they are for).
COMMENT ON FUNCTION dunning.next_letter_numbers(bigint, integer) IS
    'internal: takes the next count letter numbers of a customer (letter_counter upsert); returns the first';
COMMENT ON FUNCTION dunning.open_letter(bigint, text, real, text) IS
    'internal: opens a letter group for a customer; returns its letter_id and letter_code';
COMMENT ON FUNCTION dunning.allocate_internal(bigint, bigint, bigint, numeric) IS
    'internal: one allocation of a payment or a credit note in its own letter group, rows locked in the writers'' order (payment, then invoices by id); behind allocate() and allocate_credit_note()';
COMMENT ON FUNCTION dunning.letter_items(bigint, text, bigint, bigint[], numeric[], numeric, text, real) IS
    'internal: writes the allocations and write-off of a letter group over rows the caller has locked (confirm_proposal)';

-- Privileges and pg_dump for the objects above.
REVOKE ALL ON FUNCTION dunning.letter_code(bigint), dunning.next_letter_numbers(bigint, integer),
    dunning.fee_tolerance(char), dunning.open_letter(bigint, text, real, text),
    dunning.unletter(bigint, text), dunning.unletter_code(bigint, text, text),
    dunning.reject_proposal(bigint, text), dunning.confirm_proposal(bigint),
    dunning.letter_items(bigint, text, bigint, bigint[], numeric[], numeric, text, real),
    dunning.write_off_sync(), dunning.write_off_immutable(), dunning.allocation_keep_history(),
    dunning.write_off_keep_history()
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dunning.letter_code(bigint), dunning.fee_tolerance(char) TO dunning_analyst;
GRANT EXECUTE ON FUNCTION dunning.unletter(bigint, text), dunning.unletter_code(bigint, text, text),
    dunning.reject_proposal(bigint, text), dunning.confirm_proposal(bigint) TO dunning_collector;
GRANT SELECT ON dunning.letter, dunning.letter_counter, dunning.write_off, dunning.letter_history,
    dunning.proposal, dunning.lettering_setting, dunning.unapplied_payment TO dunning_analyst;
GRANT INSERT, UPDATE, DELETE ON dunning.lettering_setting TO dunning_admin;
SELECT pg_catalog.pg_extension_config_dump('dunning.letter', '');
SELECT pg_catalog.pg_extension_config_dump('dunning.letter_letter_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('dunning.letter_counter', '');
SELECT pg_catalog.pg_extension_config_dump('dunning.write_off', '');
SELECT pg_catalog.pg_extension_config_dump('dunning.write_off_write_off_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('dunning.letter_history', '');
SELECT pg_catalog.pg_extension_config_dump('dunning.proposal', '');
SELECT pg_catalog.pg_extension_config_dump('dunning.proposal_proposal_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('dunning.lettering_setting', '');
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
-----------------------------------------------------------------------------
-- Dunning scenarios: steps, templates, segment mapping, calendar, settings
-----------------------------------------------------------------------------
-- A scenario is the ordered list of steps taken on a customer's items:
-- each step fires offset_days after an item's due date (negative: before),
-- on a business day of the customer's calendar, at or after its local send
-- time in the customer's time zone.  The runner (dunning.run) groups the
-- items that reached a step into one action per customer.  See
-- doc/dunning.md.

-- Settings: one optional row; dunning.settings shows the values in force
-- (the row's, else the defaults).  The table starts empty so that pg_dump
-- keeps exactly what an admin set.
CREATE TABLE dunning.setting (
    id                         boolean PRIMARY KEY DEFAULT true,
    default_scenario_id        bigint,
    min_days_between_contacts  integer,
    max_contacts_per_week      integer,
    materiality_amount         numeric,
    weekend_days               integer[],
    max_attempts               integer,
    retry_delay                interval,
    day_count_basis            text,
    pay_link_base              text,
    pay_link_validity          interval,
    notify_channel             text,
    CONSTRAINT setting_single_row CHECK (id),
    CONSTRAINT setting_min_days_valid CHECK (min_days_between_contacts BETWEEN 0 AND 365),
    CONSTRAINT setting_max_contacts_valid CHECK (max_contacts_per_week BETWEEN 1 AND 50),
    CONSTRAINT setting_materiality_valid CHECK (materiality_amount >= 0 AND materiality_amount < 'Infinity'),
    CONSTRAINT setting_weekend_days_valid CHECK (weekend_days <@ ARRAY[1, 2, 3, 4, 5, 6, 7]),
    CONSTRAINT setting_max_attempts_valid CHECK (max_attempts BETWEEN 1 AND 100),
    CONSTRAINT setting_retry_delay_valid CHECK (retry_delay > interval '0'),
    CONSTRAINT setting_day_count_basis_known CHECK (day_count_basis IN ('ACT/365', 'ACT/360', 'ACT/ACT')),
    CONSTRAINT setting_pay_link_base_url CHECK (pay_link_base ~ '^https?://[^\s<>"'']+$'),
    CONSTRAINT setting_pay_link_validity_valid CHECK (pay_link_validity > interval '0'),
    CONSTRAINT setting_notify_channel_valid CHECK (notify_channel ~ '^[a-z_][a-z0-9_]{0,62}$')
);
COMMENT ON TABLE dunning.setting IS
    'dunning settings: at most one row; a NULL column means the default (see dunning.settings)';
COMMENT ON COLUMN dunning.setting.id IS 'always true: the table holds at most one row';
COMMENT ON COLUMN dunning.setting.default_scenario_id IS 'scenario of customers whose segment has no mapping (default: the shipped scenario standard)';
COMMENT ON COLUMN dunning.setting.min_days_between_contacts IS 'guardrail: minimum days between two contacts of a customer (default 5)';
COMMENT ON COLUMN dunning.setting.max_contacts_per_week IS 'guardrail: at most this many contacts of a customer in 7 days (default 2)';
COMMENT ON COLUMN dunning.setting.materiality_amount IS 'guardrail: items of one currency are not dunned while their total in the action is below this (default 5)';
COMMENT ON COLUMN dunning.setting.weekend_days IS 'ISO days of the week that are days off (1 = Monday; default {6,7})';
COMMENT ON COLUMN dunning.setting.max_attempts IS 'send attempts before a failed action is given up (default 5)';
COMMENT ON COLUMN dunning.setting.retry_delay IS 'delay before the first retry of a failed action, doubled at each attempt (default 15 minutes)';
COMMENT ON COLUMN dunning.setting.day_count_basis IS 'day count of statutory interest: ACT/365 (default), ACT/360 or ACT/ACT';
COMMENT ON COLUMN dunning.setting.pay_link_base IS 'base URL of payment links ({{pay_link}}); NULL: no link';
COMMENT ON COLUMN dunning.setting.pay_link_validity IS 'how long a payment link stays valid (default 30 days)';
COMMENT ON COLUMN dunning.setting.notify_channel IS 'NOTIFY channel told about new actions (default dunning_action)';

CREATE VIEW dunning.settings AS
SELECT COALESCE(s.default_scenario_id, 1) AS default_scenario_id,
       COALESCE(s.min_days_between_contacts, 5) AS min_days_between_contacts,
       COALESCE(s.max_contacts_per_week, 2) AS max_contacts_per_week,
       COALESCE(s.materiality_amount, 5) AS materiality_amount,
       COALESCE(s.weekend_days, ARRAY[6, 7]) AS weekend_days,
       COALESCE(s.max_attempts, 5) AS max_attempts,
       COALESCE(s.retry_delay, interval '15 minutes') AS retry_delay,
       COALESCE(s.day_count_basis, 'ACT/365') AS day_count_basis,
       s.pay_link_base,
       COALESCE(s.pay_link_validity, interval '30 days') AS pay_link_validity,
       COALESCE(s.notify_channel, 'dunning_action') AS notify_channel
  FROM (SELECT) AS one
  LEFT JOIN dunning.setting s ON s.id;
COMMENT ON VIEW dunning.settings IS 'the dunning settings in force: dunning.setting''s values, else the defaults';
COMMENT ON COLUMN dunning.settings.default_scenario_id IS 'scenario of customers whose segment has no mapping';
COMMENT ON COLUMN dunning.settings.min_days_between_contacts IS 'minimum days between two contacts of a customer';
COMMENT ON COLUMN dunning.settings.max_contacts_per_week IS 'most contacts of a customer in 7 days';
COMMENT ON COLUMN dunning.settings.materiality_amount IS 'smallest total per currency worth a reminder';
COMMENT ON COLUMN dunning.settings.weekend_days IS 'ISO days of the week that are days off';
COMMENT ON COLUMN dunning.settings.max_attempts IS 'send attempts before a failed action is given up';
COMMENT ON COLUMN dunning.settings.retry_delay IS 'first retry delay, doubled at each attempt';
COMMENT ON COLUMN dunning.settings.day_count_basis IS 'day count of statutory interest';
COMMENT ON COLUMN dunning.settings.pay_link_base IS 'base URL of payment links; NULL: no link';
COMMENT ON COLUMN dunning.settings.pay_link_validity IS 'validity of payment links';
COMMENT ON COLUMN dunning.settings.notify_channel IS 'NOTIFY channel told about new actions';

-----------------------------------------------------------------------------
-- Scenarios and steps
-----------------------------------------------------------------------------
-- Shipped rows (seeded = true) are read only and stay out of pg_dump (CREATE
-- EXTENSION brings them back); copy a scenario (dunning.copy_scenario) to
-- change it.  User rows get ids from 1000 on.
CREATE TABLE dunning.scenario (
    scenario_id         bigint GENERATED BY DEFAULT AS IDENTITY (START WITH 1000) PRIMARY KEY,
    name                text NOT NULL UNIQUE,
    description         text,
    charges_enabled     boolean NOT NULL DEFAULT false,
    fixed_compensation  numeric,
    compensation_currency char(3) NOT NULL DEFAULT 'EUR',
    interest_margin     numeric,
    seeded              boolean NOT NULL DEFAULT false,
    created_at          timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT scenario_name_not_blank CHECK (pg_catalog.btrim(name) <> ''),
    CONSTRAINT scenario_fixed_compensation_valid
        CHECK (fixed_compensation >= 0 AND fixed_compensation < 'Infinity'),
    CONSTRAINT scenario_compensation_currency_iso4217 CHECK (dunning.is_currency(compensation_currency)),
    CONSTRAINT scenario_interest_margin_valid CHECK (interest_margin >= 0 AND interest_margin <= 100)
);
COMMENT ON TABLE dunning.scenario IS
    'dunning scenarios: the ordered steps taken on overdue items, and their late-payment charges';
COMMENT ON COLUMN dunning.scenario.scenario_id IS 'identity (shipped scenarios below 1000)';
COMMENT ON COLUMN dunning.scenario.name IS 'unique name';
COMMENT ON COLUMN dunning.scenario.description IS 'what the scenario is for';
COMMENT ON COLUMN dunning.scenario.charges_enabled IS 'true: steps marked with charges show late-payment interest and compensation';
COMMENT ON COLUMN dunning.scenario.fixed_compensation IS 'fixed recovery compensation per invoice (EU: 40 EUR); NULL: none';
COMMENT ON COLUMN dunning.scenario.compensation_currency IS 'currency of fixed_compensation: charged only on invoices in that currency';
COMMENT ON COLUMN dunning.scenario.interest_margin IS 'percentage points added to the reference rate (EU: at least 8); NULL: no interest';
COMMENT ON COLUMN dunning.scenario.seeded IS 'true for a scenario shipped with the extension (read only, not dumped)';
COMMENT ON COLUMN dunning.scenario.created_at IS 'when the row was created';

CREATE TABLE dunning.scenario_step (
    step_id             bigint GENERATED BY DEFAULT AS IDENTITY (START WITH 1000) PRIMARY KEY,
    scenario_id         bigint NOT NULL REFERENCES dunning.scenario ON DELETE CASCADE,
    step_no             integer NOT NULL,
    name                text NOT NULL,
    offset_days         integer NOT NULL,
    channel             text NOT NULL,
    template            text NOT NULL,
    min_overdue_amount  numeric,
    min_days_overdue    integer,
    fee                 numeric,
    send_time           time NOT NULL DEFAULT '09:00',
    charges             boolean NOT NULL DEFAULT false,
    seeded              boolean NOT NULL DEFAULT false,
    CONSTRAINT scenario_step_no_unique UNIQUE (scenario_id, step_no),
    CONSTRAINT scenario_step_offset_unique UNIQUE (scenario_id, offset_days),
    CONSTRAINT scenario_step_no_positive CHECK (step_no > 0),
    CONSTRAINT scenario_step_offset_range CHECK (offset_days BETWEEN -365 AND 3650),
    CONSTRAINT scenario_step_channel_known
        CHECK (channel IN ('email', 'sms', 'letter', 'call', 'task', 'legal', 'thanks')),
    CONSTRAINT scenario_step_min_overdue_amount_valid
        CHECK (min_overdue_amount >= 0 AND min_overdue_amount < 'Infinity'),
    CONSTRAINT scenario_step_min_days_overdue_valid CHECK (min_days_overdue >= 0),
    CONSTRAINT scenario_step_fee_valid CHECK (fee >= 0 AND fee < 'Infinity'),
    CONSTRAINT scenario_step_name_not_blank CHECK (pg_catalog.btrim(name) <> '')
);
ALTER TABLE dunning.setting ADD CONSTRAINT setting_default_scenario_fk
    FOREIGN KEY (default_scenario_id) REFERENCES dunning.scenario;

CREATE INDEX scenario_step_scenario_idx ON dunning.scenario_step (scenario_id, offset_days);
COMMENT ON TABLE dunning.scenario_step IS
    'steps of a scenario, in offset order: what is sent how many days from the due date';
COMMENT ON COLUMN dunning.scenario_step.step_id IS 'identity (shipped steps below 1000)';
COMMENT ON COLUMN dunning.scenario_step.scenario_id IS 'the scenario';
COMMENT ON COLUMN dunning.scenario_step.step_no IS 'position in the scenario (1 = first); steps must be in offset order';
COMMENT ON COLUMN dunning.scenario_step.name IS 'name of the step (pre-due reminder, reminder 1, formal notice, ...)';
COMMENT ON COLUMN dunning.scenario_step.offset_days IS 'days from the due date when the step fires; negative = before the due date';
COMMENT ON COLUMN dunning.scenario_step.channel IS 'email, sms, letter, call, task, legal or thanks';
COMMENT ON COLUMN dunning.scenario_step.template IS 'template key (dunning.template) of the message, per language';
COMMENT ON COLUMN dunning.scenario_step.min_overdue_amount IS 'the step fires only when the customer''s overdue total in the item currency reaches this';
COMMENT ON COLUMN dunning.scenario_step.min_days_overdue IS 'the step fires only on items at least this many days overdue';
COMMENT ON COLUMN dunning.scenario_step.fee IS 'administrative fee shown in the action (in the item currency); NULL: none';
COMMENT ON COLUMN dunning.scenario_step.send_time IS 'local time (customer time zone) from which the step''s actions of a business day are created';
COMMENT ON COLUMN dunning.scenario_step.charges IS 'true: the action shows late-payment charges when the scenario enables them';
COMMENT ON COLUMN dunning.scenario_step.seeded IS 'true for a step shipped with the extension (read only, not dumped)';

-- Steps are kept in offset order: step_no increases with offset_days.
CREATE FUNCTION dunning.scenario_step_check_order() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    bad record;
BEGIN
    SELECT a.scenario_id, a.name AS a_name, b.name AS b_name INTO bad
      FROM dunning.scenario_step a
      JOIN dunning.scenario_step b ON b.scenario_id = a.scenario_id
                                 AND b.step_no > a.step_no AND b.offset_days < a.offset_days
     WHERE a.scenario_id IN (SELECT n.scenario_id FROM new_rows n)
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'steps of scenario % are out of order: "%" comes after "%" but fires earlier',
                bad.scenario_id, bad.b_name, bad.a_name
            USING ERRCODE = 'check_violation',
                  HINT = 'Number the steps (step_no) in the order of their offset_days.';
    END IF;
    RETURN NULL;
END
$fn$;
CREATE TRIGGER scenario_step_order_insert AFTER INSERT ON dunning.scenario_step
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dunning.scenario_step_check_order();
CREATE TRIGGER scenario_step_order_update AFTER UPDATE ON dunning.scenario_step
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dunning.scenario_step_check_order();

-----------------------------------------------------------------------------
-- Templates (rendered in C, src/render.c: pure substitution, never SQL)
-----------------------------------------------------------------------------
CREATE FUNCTION dunning.template_is_valid(template text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'template_is_valid'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dunning.template_is_valid(text) IS
    'true when every {{placeholder}} of the template is one the renderer knows (see doc/dunning.md)';

CREATE FUNCTION dunning.render_template(template text, data jsonb, mode text) RETURNS text
    AS 'MODULE_PATHNAME', 'render_template'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dunning.render_template(text, jsonb, text) IS
    'renders a template by substituting {{placeholders}} with values of data, escaped for mode (text, html, sms: one message at most); never evaluates anything';

CREATE FUNCTION dunning.render_action(template text, data jsonb, extra jsonb, mode text) RETURNS text
    AS 'MODULE_PATHNAME', 'render_action'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dunning.render_action(text, jsonb, jsonb, text) IS
    'render_template over data with the keys of extra added (extra wins), without merging the documents (internal: the runner)';

CREATE TABLE dunning.template (
    template_key  text NOT NULL,
    language      text NOT NULL,
    subject       text NOT NULL DEFAULT '',
    body          text NOT NULL,
    table_header  text[],
    seeded        boolean NOT NULL DEFAULT false,
    PRIMARY KEY (template_key, language),
    CONSTRAINT template_key_format CHECK (template_key ~ '^[a-z0-9_.-]+$'),
    CONSTRAINT template_language_tag CHECK (language ~ '^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$'),
    CONSTRAINT template_subject_placeholders_known CHECK (dunning.template_is_valid(subject)),
    CONSTRAINT template_body_placeholders_known CHECK (dunning.template_is_valid(body)),
    CONSTRAINT template_table_header_four CHECK (pg_catalog.cardinality(table_header) = 4)
);
COMMENT ON TABLE dunning.template IS
    'message templates per key and language; {{placeholders}} are filled from the action''s data (doc/dunning.md lists them)';
COMMENT ON COLUMN dunning.template.template_key IS 'key that steps name';
COMMENT ON COLUMN dunning.template.language IS 'language (BCP 47); a customer gets its language, else the primary subtag, else en';
COMMENT ON COLUMN dunning.template.subject IS 'subject line (e-mail) or title';
COMMENT ON COLUMN dunning.template.body IS 'body: HTML for e-mail (values are escaped), plain text otherwise';
COMMENT ON COLUMN dunning.template.table_header IS 'titles of the four columns of {{invoice_table}} in this language; NULL: English';
COMMENT ON COLUMN dunning.template.seeded IS 'true for a template shipped with the extension (read only, not dumped)';

-----------------------------------------------------------------------------
-- Which customer follows which scenario
-----------------------------------------------------------------------------
CREATE TABLE dunning.segment_scenario (
    segment      text PRIMARY KEY,
    scenario_id  bigint NOT NULL REFERENCES dunning.scenario
);
COMMENT ON TABLE dunning.segment_scenario IS
    'scenario of each customer segment (customer.segment); unmapped segments get the default scenario';
COMMENT ON COLUMN dunning.segment_scenario.segment IS 'a value of customer.segment';
COMMENT ON COLUMN dunning.segment_scenario.scenario_id IS 'the scenario its customers follow';

CREATE TABLE dunning.customer_setting (
    customer_id    bigint PRIMARY KEY REFERENCES dunning.customer ON DELETE CASCADE,
    scenario_id    bigint REFERENCES dunning.scenario,
    snoozed_until  date,
    note           text
);
COMMENT ON TABLE dunning.customer_setting IS
    'per-customer dunning overrides: a scenario other than the segment''s, a snooze';
COMMENT ON COLUMN dunning.customer_setting.customer_id IS 'the customer';
COMMENT ON COLUMN dunning.customer_setting.scenario_id IS 'scenario of this customer, overriding its segment''s; NULL: the segment''s';
COMMENT ON COLUMN dunning.customer_setting.snoozed_until IS 'no reminder up to and including this local date';
COMMENT ON COLUMN dunning.customer_setting.note IS 'why (free text)';

-- The scenario each customer follows now: the override, else its segment's,
-- else the default.  A segment change takes effect at the next run, from the
-- next step on (the runner remembers how far each item went, in offset days).
CREATE VIEW dunning.customer_scenario AS
SELECT c.customer_id,
       COALESCE(cs.scenario_id, ss.scenario_id, st.default_scenario_id) AS scenario_id,
       CASE WHEN cs.scenario_id IS NOT NULL THEN 'customer'
            WHEN ss.scenario_id IS NOT NULL THEN 'segment'
            ELSE 'default' END AS assigned_by
  FROM dunning.customer c
 CROSS JOIN dunning.settings st
  LEFT JOIN dunning.customer_setting cs ON cs.customer_id = c.customer_id
  LEFT JOIN dunning.segment_scenario ss ON ss.segment = c.segment;
COMMENT ON VIEW dunning.customer_scenario IS 'the scenario each customer follows now and why';
COMMENT ON COLUMN dunning.customer_scenario.customer_id IS 'the customer';
COMMENT ON COLUMN dunning.customer_scenario.scenario_id IS 'its scenario';
COMMENT ON COLUMN dunning.customer_scenario.assigned_by IS 'customer (override), segment (mapping) or default';

-----------------------------------------------------------------------------
-- Business days
-----------------------------------------------------------------------------
CREATE TABLE dunning.holiday (
    country  char(2) NOT NULL,
    day      date NOT NULL,
    name     text,
    PRIMARY KEY (country, day),
    CONSTRAINT holiday_country_iso3166 CHECK (country ~ '^[A-Z]{2}$')
);
COMMENT ON TABLE dunning.holiday IS 'public holidays per country: no action is created on them for customers of that country';
COMMENT ON COLUMN dunning.holiday.country IS 'ISO 3166-1 alpha-2 country (customer.country)';
COMMENT ON COLUMN dunning.holiday.day IS 'the day off';
COMMENT ON COLUMN dunning.holiday.name IS 'name of the holiday';

CREATE FUNCTION dunning.is_business_day(day date, country char(2) DEFAULT NULL) RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT NOT (pg_catalog.date_part('isodow', day)::integer = ANY (s.weekend_days))
           AND NOT EXISTS (SELECT FROM dunning.holiday h WHERE h.country = is_business_day.country AND h.day = is_business_day.day)
      FROM dunning.settings s;
END;
COMMENT ON FUNCTION dunning.is_business_day(date, char) IS
    'true when day is neither a weekend day (setting weekend_days) nor a holiday of country';

-----------------------------------------------------------------------------
-- Shipped rows are read only
-----------------------------------------------------------------------------
CREATE FUNCTION dunning.seeded_read_only() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF pg_catalog.current_setting('dunning.seeding', true) = 'on' THEN
        RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    RAISE EXCEPTION 'rows shipped with dunning (seeded) cannot be changed or removed: % of %', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'Copy the scenario with dunning.copy_scenario() (its templates keep working) and change the copy.';
END
$fn$;
CREATE TRIGGER scenario_seeded_read_only BEFORE UPDATE OR DELETE ON dunning.scenario
    FOR EACH ROW WHEN (OLD.seeded) EXECUTE FUNCTION dunning.seeded_read_only();
CREATE TRIGGER scenario_step_seeded_read_only BEFORE UPDATE OR DELETE ON dunning.scenario_step
    FOR EACH ROW WHEN (OLD.seeded) EXECUTE FUNCTION dunning.seeded_read_only();
CREATE TRIGGER template_seeded_read_only BEFORE UPDATE OR DELETE ON dunning.template
    FOR EACH ROW WHEN (OLD.seeded) EXECUTE FUNCTION dunning.seeded_read_only();

CREATE FUNCTION dunning.copy_scenario(source_name text, new_name text) RETURNS bigint
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    src dunning.scenario;
    new_id bigint;
BEGIN
    SELECT * INTO src FROM dunning.scenario s WHERE s.name = source_name;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'scenario "%" does not exist', source_name USING ERRCODE = 'undefined_object';
    END IF;
    INSERT INTO dunning.scenario (name, description, charges_enabled, fixed_compensation,
                                  compensation_currency, interest_margin)
    VALUES (new_name, src.description, src.charges_enabled, src.fixed_compensation,
            src.compensation_currency, src.interest_margin)
    RETURNING scenario_id INTO new_id;
    INSERT INTO dunning.scenario_step (scenario_id, step_no, name, offset_days, channel, template,
                                       min_overdue_amount, min_days_overdue, fee, send_time, charges)
    SELECT new_id, st.step_no, st.name, st.offset_days, st.channel, st.template,
           st.min_overdue_amount, st.min_days_overdue, st.fee, st.send_time, st.charges
      FROM dunning.scenario_step st WHERE st.scenario_id = src.scenario_id;
    RETURN new_id;
END
$fn$;
COMMENT ON FUNCTION dunning.copy_scenario(text, text) IS
    'copies a scenario and its steps under a new name (changeable, dumped); returns the new scenario id';

-----------------------------------------------------------------------------
-- The shipped scenario "standard", English and French
-----------------------------------------------------------------------------
SELECT pg_catalog.set_config('dunning.seeding', 'on', true);
INSERT INTO dunning.scenario (scenario_id, name, description, charges_enabled, fixed_compensation,
                              compensation_currency, interest_margin, seeded)
VALUES (1, 'standard', 'pre-due reminder, two reminders, formal notice, legal escalation',
        false, 40, 'EUR', 8, true),
       (2, 'standard_with_charges', 'standard, with EU late-payment interest (reference rate + 8) and 40 EUR compensation from the formal notice on',
        true, 40, 'EUR', 8, true);
INSERT INTO dunning.scenario_step (step_id, scenario_id, step_no, name, offset_days, channel, template,
                                   min_overdue_amount, min_days_overdue, fee, send_time, charges, seeded)
SELECT s.scenario_id * 10 + v.step_no, s.scenario_id, v.step_no, v.name, v.offset_days, v.channel, v.template,
       v.min_amount, NULL, NULL, '09:00', v.charges, true
  FROM (VALUES (1), (2)) AS s (scenario_id),
       (VALUES (1, 'pre-due reminder', -5, 'email', 'pre_due', NULL::numeric, false),
               (2, 'reminder 1', 7, 'email', 'reminder_1', NULL, false),
               (3, 'reminder 2', 21, 'email', 'reminder_2', NULL, false),
               (4, 'collector call', 30, 'call', 'call', 100, false),
               (5, 'formal notice', 45, 'letter', 'formal_notice', NULL, true),
               (6, 'legal escalation', 75, 'legal', 'legal', 500, true)) AS v (step_no, name, offset_days, channel, template, min_amount, charges);

INSERT INTO dunning.template (template_key, language, subject, body, table_header, seeded) VALUES
('pre_due', 'en', 'Upcoming payment: {{total}}',
 '<p>Dear {{customer_name}},</p>
<p>This is a friendly reminder that the following invoices fall due soon:</p>
{{invoice_table}}
<p>Total: {{total}}.</p>
<p>You can pay online: <a href="{{pay_link}}">{{pay_link}}</a></p>
<p>Thank you for your business.</p>', NULL, true),
('pre_due', 'fr', 'Échéance prochaine : {{total}}',
 '<p>Bonjour {{customer_name}},</p>
<p>Nous vous rappelons que les factures suivantes arrivent bientôt à échéance :</p>
{{invoice_table}}
<p>Total : {{total}}.</p>
<p>Vous pouvez payer en ligne : <a href="{{pay_link}}">{{pay_link}}</a></p>
<p>Merci de votre confiance.</p>', ARRAY['Facture', 'Échéance', 'Jours de retard', 'Montant dû'], true),
('reminder_1', 'en', 'Payment reminder: {{total}} overdue',
 '<p>Dear {{customer_name}},</p>
<p>Our records show that the following invoices are overdue:</p>
{{invoice_table}}
<p>Total overdue: {{total}}. If you have already paid, please ignore this message.</p>
<p>Pay online: <a href="{{pay_link}}">{{pay_link}}</a></p>', NULL, true),
('reminder_1', 'fr', 'Rappel de paiement : {{total}} échu',
 '<p>Bonjour {{customer_name}},</p>
<p>Sauf erreur de notre part, les factures suivantes restent impayées :</p>
{{invoice_table}}
<p>Total échu : {{total}}. Si vous avez déjà payé, merci de ne pas tenir compte de ce message.</p>
<p>Payer en ligne : <a href="{{pay_link}}">{{pay_link}}</a></p>', ARRAY['Facture', 'Échéance', 'Jours de retard', 'Montant dû'], true),
('reminder_2', 'en', 'Second reminder: {{total}} overdue',
 '<p>Dear {{customer_name}},</p>
<p>Despite our first reminder, the following invoices are still unpaid ({{max_days_overdue}} days overdue at most):</p>
{{invoice_table}}
<p>Please pay {{total}} without delay: <a href="{{pay_link}}">{{pay_link}}</a></p>', NULL, true),
('reminder_2', 'fr', 'Second rappel : {{total}} échu',
 '<p>Bonjour {{customer_name}},</p>
<p>Malgré notre premier rappel, les factures suivantes restent impayées (jusqu''à {{max_days_overdue}} jours de retard) :</p>
{{invoice_table}}
<p>Merci de régler {{total}} sans délai : <a href="{{pay_link}}">{{pay_link}}</a></p>', ARRAY['Facture', 'Échéance', 'Jours de retard', 'Montant dû'], true),
('call', 'en', 'Call {{customer_name}}: {{total}} overdue',
 'Call {{customer_name}} about {{invoice_count}} overdue invoices ({{total}}, up to {{max_days_overdue}} days).
{{invoice_table}}', NULL, true),
('call', 'fr', 'Appeler {{customer_name}} : {{total}} échu',
 'Appeler {{customer_name}} au sujet de {{invoice_count}} factures échues ({{total}}, jusqu''à {{max_days_overdue}} jours).
{{invoice_table}}', ARRAY['Facture', 'Échéance', 'Jours de retard', 'Montant dû'], true),
('formal_notice', 'en', 'Formal notice: {{total}} overdue',
 'Dear {{customer_name}},

FORMAL NOTICE

The following invoices remain unpaid despite our reminders:
{{invoice_table}}
Amount due: {{total}}.
Late-payment charges: {{charges}}
Total with charges: {{total_with_charges}}

Unless payment is received within 8 days, we will take legal action without further notice.
Pay online: {{pay_link}}', NULL, true),
('formal_notice', 'fr', 'Mise en demeure : {{total}} impayé',
 'Madame, Monsieur ({{customer_name}}),

MISE EN DEMEURE

Les factures suivantes restent impayées malgré nos relances :
{{invoice_table}}
Montant dû : {{total}}.
Pénalités de retard : {{charges}}
Total avec pénalités : {{total_with_charges}}

À défaut de paiement sous 8 jours, nous engagerons une procédure judiciaire sans autre avis.
Payer en ligne : {{pay_link}}', ARRAY['Facture', 'Échéance', 'Jours de retard', 'Montant dû'], true),
('legal', 'en', 'Legal escalation: {{customer_name}}, {{total}}',
 'Hand the account of {{customer_name}} ({{customer_ref}}) to legal collection.
Amount due: {{total}}; charges: {{charges}}; total {{total_with_charges}}.
{{invoice_table}}', NULL, true),
('legal', 'fr', 'Contentieux : {{customer_name}}, {{total}}',
 'Transmettre le compte de {{customer_name}} ({{customer_ref}}) au contentieux.
Montant dû : {{total}} ; pénalités : {{charges}} ; total {{total_with_charges}}.
{{invoice_table}}', ARRAY['Facture', 'Échéance', 'Jours de retard', 'Montant dû'], true),
('sms_reminder', 'en', '', '{{customer_name}}: {{total}} overdue ({{invoice_table}}). Pay: {{pay_link}}', NULL, true),
('sms_reminder', 'fr', '', '{{customer_name}} : {{total}} impayé ({{invoice_table}}). Payer : {{pay_link}}', NULL, true),
('thanks', 'en', 'Thank you for your payment',
 '<p>Dear {{customer_name}},</p><p>Thank you: your account is up to date.</p>', NULL, true),
('thanks', 'fr', 'Merci pour votre paiement',
 '<p>Bonjour {{customer_name}},</p><p>Merci : votre compte est à jour.</p>', NULL, true);
SELECT pg_catalog.set_config('dunning.seeding', 'off', true);
-----------------------------------------------------------------------------
-- Late-payment charges: reference rates, statutory interest
-----------------------------------------------------------------------------
CREATE TABLE dunning.reference_rate (
    currency    char(3) NOT NULL,
    valid_from  date NOT NULL,
    rate        numeric NOT NULL,
    source      text,
    PRIMARY KEY (currency, valid_from),
    CONSTRAINT reference_rate_currency_iso4217 CHECK (dunning.is_currency(currency)),
    CONSTRAINT reference_rate_range CHECK (rate > -100 AND rate < 100)
);
COMMENT ON TABLE dunning.reference_rate IS
    'reference rates of statutory interest (euro area: ECB main refinancing rate), each valid from its date until the next one';
COMMENT ON COLUMN dunning.reference_rate.currency IS 'currency of the invoices it applies to';
COMMENT ON COLUMN dunning.reference_rate.valid_from IS 'first day the rate applies';
COMMENT ON COLUMN dunning.reference_rate.rate IS 'rate in percent per year (4.5 = 4.5 %)';
COMMENT ON COLUMN dunning.reference_rate.source IS 'where the rate comes from';

-- The arithmetic (src/runner.c): simple interest on what was outstanding
-- each day of (from_date, to_date] -- amount minus the payments dated on or
-- before that day -- at the reference rate in force that day (rate_from /
-- rates, ascending) + margin, per day-count basis, summed over the segments
-- where rate, outstanding amount and (ACT/ACT) year are constant, rounded
-- once to digits.  NULL when a day has no reference rate.
CREATE FUNCTION dunning.accrue_interest(amount numeric, from_date date, to_date date, margin numeric,
                                        basis text, digits integer, rate_from date[], rates numeric[],
                                        paid_on date[] DEFAULT NULL, paid numeric[] DEFAULT NULL)
RETURNS numeric
    AS 'MODULE_PATHNAME', 'accrue_interest'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION dunning.accrue_interest(numeric, date, date, numeric, text, integer, date[], numeric[], date[], numeric[]) IS
    'simple interest on amount less the payments (paid_on, paid) made so far, for each day of (from_date, to_date], at the rate in force (rate_from, rates) + margin, rounded to digits (internal: see late_interest, invoice_late_interest)';

-- Simple interest on amount for the days after from_date up to and
-- including to_date, at each period's reference rate + margin, summed over
-- the rate periods (and the calendar years for ACT/ACT), rounded once to the
-- currency's minor unit.  NULL when a day of the span has no reference rate.
CREATE FUNCTION dunning.late_interest(amount numeric, currency char(3), from_date date, to_date date,
                                      margin numeric, basis text DEFAULT NULL)
RETURNS numeric
    LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    b text := COALESCE(basis, (SELECT s.day_count_basis FROM dunning.settings s));
    digits integer := dunning.currency_minor_unit(currency);
BEGIN
    IF amount IS NULL OR from_date IS NULL OR to_date IS NULL OR margin IS NULL THEN
        RETURN NULL;
    END IF;
    IF digits IS NULL THEN
        RAISE EXCEPTION 'unknown currency %', currency USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN (SELECT dunning.accrue_interest(amount, from_date, to_date, margin, b, digits,
                                           array_agg(r.valid_from ORDER BY r.valid_from),
                                           array_agg(r.rate ORDER BY r.valid_from))
              FROM dunning.reference_rate r WHERE r.currency = late_interest.currency);
END
$fn$;
COMMENT ON FUNCTION dunning.late_interest(numeric, char, date, date, numeric, text) IS
    'statutory interest on amount for the days after from_date up to to_date at reference rate + margin (percent), across rate changes, day count basis (default: setting), rounded to the currency; NULL when a day has no reference rate';

-- What an invoice owes in statutory interest at to_date: from its due date,
-- on the amount actually outstanding each day (a partial payment, credit
-- note or write-off reduces the base from its settlement date on, as
-- dunning.settlement dates it), across rate changes, rounded once.
CREATE FUNCTION dunning.invoice_late_interest(invoice_id bigint, to_date date, margin numeric,
                                              basis text DEFAULT NULL)
RETURNS numeric
    LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    inv record;
    b text := COALESCE(basis, (SELECT s.day_count_basis FROM dunning.settings s));
BEGIN
    IF invoice_id IS NULL OR to_date IS NULL OR margin IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT i.amount, i.currency, i.due_on, i.settled_amount INTO inv
      FROM dunning.invoice i WHERE i.invoice_id = invoice_late_interest.invoice_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'invoice % does not exist', invoice_id USING ERRCODE = 'undefined_object';
    END IF;
    IF inv.amount < 0 THEN
        RAISE EXCEPTION 'invoice % is a credit note: it bears no interest', invoice_id
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN dunning.accrue_interest(inv.amount, inv.due_on, to_date, margin, b,
                                   dunning.currency_minor_unit(inv.currency),
                                   (SELECT array_agg(r.valid_from ORDER BY r.valid_from) FROM dunning.reference_rate r
                                     WHERE r.currency = inv.currency),
                                   (SELECT array_agg(r.rate ORDER BY r.valid_from) FROM dunning.reference_rate r
                                     WHERE r.currency = inv.currency),
                                   p.paid_on, p.paid)
      FROM (SELECT array_agg(x.settled_on) AS paid_on, array_agg(x.amount) AS paid
              FROM dunning.settlement x
             WHERE x.invoice_id = invoice_late_interest.invoice_id AND x.kind <> 'credit_note_applied') p;
END
$fn$;
COMMENT ON FUNCTION dunning.invoice_late_interest(bigint, date, numeric, text) IS
    'statutory interest an invoice owes at to_date: from its due date, on the amount outstanding each day (partial payments, credit notes, write-offs reduce the base from their settlement date on), at reference rate + margin across rate changes, day count basis (default: setting), rounded to the currency; NULL when a day has no reference rate';

-----------------------------------------------------------------------------
-- Payment links: signed, expiring tokens (HMAC-SHA256, src/render.c)
-----------------------------------------------------------------------------
CREATE FUNCTION dunning.hmac_sha256(data bytea, key bytea) RETURNS bytea
    AS 'MODULE_PATHNAME', 'hmac_sha256'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dunning.hmac_sha256(bytea, bytea) IS 'HMAC-SHA256 of data with key (internal)';
CREATE FUNCTION dunning.random_bytes(n integer) RETURNS bytea
    AS 'MODULE_PATHNAME', 'random_bytes'
    LANGUAGE C VOLATILE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dunning.random_bytes(integer) IS 'n bytes from the strong random source (internal)';
CREATE FUNCTION dunning.timing_safe_equal(a bytea, b bytea) RETURNS boolean
    AS 'MODULE_PATHNAME', 'timing_safe_equal'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dunning.timing_safe_equal(bytea, bytea) IS 'byte-string equality in constant time (internal)';

-- The signing key: only admins read it.  Created on first use (not at
-- install), so a restored dump keeps verifying the links already sent.
CREATE TABLE dunning.signing_key (
    key_id      integer PRIMARY KEY DEFAULT 1,
    secret      bytea NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT signing_key_single CHECK (key_id = 1),
    CONSTRAINT signing_key_length CHECK (pg_catalog.length(secret) >= 32)
);
COMMENT ON TABLE dunning.signing_key IS 'secret key of payment-link tokens (admins only); replace it to revoke every link';
COMMENT ON COLUMN dunning.signing_key.key_id IS 'always 1';
COMMENT ON COLUMN dunning.signing_key.secret IS 'at least 32 random bytes';
COMMENT ON COLUMN dunning.signing_key.created_at IS 'when the key was made';

CREATE FUNCTION dunning.signing_secret() RETURNS bytea
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    k bytea;
BEGIN
    SELECT s.secret INTO k FROM dunning.signing_key s WHERE s.key_id = 1;
    IF k IS NULL THEN
        INSERT INTO dunning.signing_key (key_id, secret) VALUES (1, dunning.random_bytes(32))
        ON CONFLICT (key_id) DO NOTHING;
        SELECT s.secret INTO k FROM dunning.signing_key s WHERE s.key_id = 1;
    END IF;
    RETURN k;
END
$fn$;
COMMENT ON FUNCTION dunning.signing_secret() IS 'the payment-link key, made on first use (internal)';

CREATE FUNCTION dunning.base64url(data bytea) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp
    RETURN pg_catalog.translate(pg_catalog.encode(data, 'base64'), E'+/=\n', '-_');
COMMENT ON FUNCTION dunning.base64url(bytea) IS 'base64url without padding (RFC 4648 section 5)';

CREATE FUNCTION dunning.base64url_decode(data text) RETURNS bytea
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp
    RETURN pg_catalog.decode(pg_catalog.rpad(pg_catalog.translate(data, '-_', '+/'),
                             ((pg_catalog.length(data) + 3) / 4) * 4, '='), 'base64');
COMMENT ON FUNCTION dunning.base64url_decode(text) IS 'inverse of dunning.base64url';

-- Token = base64url(claims) "." base64url(HMAC-SHA256(claims)), claims =
-- "customer_id|invoice ids (distinct, in text order, comma)|amounts|expiry
-- (Unix seconds)", in C (src/render.c): the runner signs one per action.
CREATE FUNCTION dunning.pay_token_with_key(customer_id bigint, invoice_ids bigint[], amount text,
                                           expires_at timestamptz, secret bytea)
RETURNS text
    AS 'MODULE_PATHNAME', 'pay_token_with_key'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION dunning.pay_token_with_key(bigint, bigint[], text, timestamptz, bytea) IS
    'payment token signed with the given key (internal)';

CREATE FUNCTION dunning.pay_token(customer_id bigint, invoice_ids bigint[], amount text, expires_at timestamptz)
RETURNS text
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF customer_id IS NULL OR expires_at IS NULL OR amount IS NULL THEN
        RAISE EXCEPTION 'pay_token needs a customer, an amount and an expiry' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF amount ~ '[|]' THEN
        RAISE EXCEPTION 'amount must not contain "|": %', amount USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN dunning.pay_token_with_key(customer_id, invoice_ids, amount, expires_at, dunning.signing_secret());
END
$fn$;
COMMENT ON FUNCTION dunning.pay_token(bigint, bigint[], text, timestamptz) IS
    'signed, expiring payment token for a customer''s invoices and amount (text such as "EUR 120.00"); HMAC-SHA256 with the key of dunning.signing_key';

CREATE FUNCTION dunning.verify_pay_token(token text, at timestamptz DEFAULT pg_catalog.now(),
    OUT valid boolean, OUT reason text, OUT customer_id bigint, OUT invoice_ids bigint[],
    OUT amount text, OUT expires_at timestamptz)
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    parts text[];
    claims bytea;
    fields text[];
    secret bytea;
BEGIN
    valid := false;
    IF token IS NULL OR token !~ '^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$' THEN
        reason := 'malformed';
        RETURN;
    END IF;
    parts := string_to_array(token, '.');
    BEGIN
        claims := dunning.base64url_decode(parts[1]);
        SELECT s.secret INTO secret FROM dunning.signing_key s WHERE s.key_id = 1;
        IF secret IS NULL OR NOT dunning.timing_safe_equal(dunning.base64url_decode(parts[2]),
                                                           dunning.hmac_sha256(claims, secret)) THEN
            reason := 'bad signature';
            RETURN;
        END IF;
        fields := string_to_array(convert_from(claims, 'UTF8'), '|');
    EXCEPTION WHEN invalid_parameter_value OR character_not_in_repertoire OR untranslatable_character THEN
        reason := 'malformed';
        RETURN;
    END;
    IF cardinality(fields) <> 4 THEN
        reason := 'malformed';
        RETURN;
    END IF;
    customer_id := fields[1]::bigint;
    invoice_ids := CASE WHEN fields[2] = '' THEN '{}'::bigint[] ELSE string_to_array(fields[2], ',')::bigint[] END;
    amount := fields[3];
    expires_at := to_timestamp(fields[4]::bigint);
    IF at >= expires_at THEN
        reason := 'expired';
        RETURN;
    END IF;
    valid := true;
    reason := 'ok';
END
$fn$;
COMMENT ON FUNCTION dunning.verify_pay_token(text, timestamptz) IS
    'checks a payment token: valid only when its signature is ours and it has not expired at at; says why not (malformed, bad signature, expired) and returns its claims';

-----------------------------------------------------------------------------
-- Promises to pay
-----------------------------------------------------------------------------
CREATE TABLE dunning.promise (
    promise_id       bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    customer_id      bigint NOT NULL REFERENCES dunning.customer,
    invoice_ids      bigint[] NOT NULL,
    amount           numeric NOT NULL,
    currency         char(3) NOT NULL,
    promised_on      date NOT NULL,
    open_at_promise  numeric NOT NULL,
    status           text NOT NULL DEFAULT 'open',
    status_on        date,
    note             text,
    created_at       timestamptz NOT NULL DEFAULT pg_catalog.now(),
    created_by       name NOT NULL DEFAULT CURRENT_USER,
    CONSTRAINT promise_amount_positive CHECK (amount > 0 AND amount < 'Infinity'),
    CONSTRAINT promise_status_known CHECK (status IN ('open', 'kept', 'broken', 'cancelled')),
    CONSTRAINT promise_status_on_set CHECK ((status = 'open') = (status_on IS NULL)),
    CONSTRAINT promise_has_invoices CHECK (pg_catalog.cardinality(invoice_ids) > 0)
);
CREATE INDEX promise_open_idx ON dunning.promise (customer_id) WHERE status = 'open';
COMMENT ON TABLE dunning.promise IS
    'promises to pay: they suspend dunning of their invoices until the promised date; kept or broken is set from the ledger';
COMMENT ON COLUMN dunning.promise.promise_id IS 'identity';
COMMENT ON COLUMN dunning.promise.customer_id IS 'the customer who promised';
COMMENT ON COLUMN dunning.promise.invoice_ids IS 'the invoices the promise covers';
COMMENT ON COLUMN dunning.promise.amount IS 'amount promised';
COMMENT ON COLUMN dunning.promise.currency IS 'currency of the invoices and the amount';
COMMENT ON COLUMN dunning.promise.promised_on IS 'date by which the customer promised to pay';
COMMENT ON COLUMN dunning.promise.open_at_promise IS 'open amount of the invoices when the promise was recorded';
COMMENT ON COLUMN dunning.promise.status IS 'open; kept (the amount was paid); broken (the date passed unpaid: dunning resumes); cancelled';
COMMENT ON COLUMN dunning.promise.status_on IS 'customer-local date the status left open';
COMMENT ON COLUMN dunning.promise.note IS 'what was said';
COMMENT ON COLUMN dunning.promise.created_at IS 'when it was recorded';
COMMENT ON COLUMN dunning.promise.created_by IS 'database role that recorded it';

CREATE FUNCTION dunning.promise_to_pay(invoice_ids bigint[], amount numeric, promised_on date, note text DEFAULT NULL)
RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    info record;
    new_id bigint;
BEGIN
    IF invoice_ids IS NULL OR cardinality(invoice_ids) = 0 OR amount IS NULL OR promised_on IS NULL THEN
        RAISE EXCEPTION 'a promise needs invoices, an amount and a date' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF NOT (amount > 0 AND amount < 'Infinity') THEN
        RAISE EXCEPTION 'promised amount must be positive and finite, got %', amount USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT count(DISTINCT i.invoice_id) AS n, count(DISTINCT i.customer_id) AS customers,
           count(DISTINCT i.currency) AS currencies, min(i.customer_id) AS customer_id,
           min(i.currency) AS currency, sum(i.amount - i.settled_amount) AS open_amount,
           bool_or(i.amount < 0) AS credit_note
      INTO info
      FROM dunning.invoice i WHERE i.invoice_id = ANY (promise_to_pay.invoice_ids);
    IF info.n <> (SELECT count(DISTINCT x) FROM unnest(promise_to_pay.invoice_ids) x) THEN
        RAISE EXCEPTION 'a promise names an invoice that does not exist' USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF info.customers <> 1 OR info.currencies <> 1 OR info.credit_note THEN
        RAISE EXCEPTION 'a promise covers invoices of one customer in one currency'
            USING ERRCODE = 'check_violation', HINT = 'Record one promise per customer and currency.';
    END IF;
    IF info.open_amount <= 0 THEN
        RAISE EXCEPTION 'the invoices of the promise are already settled' USING ERRCODE = 'check_violation';
    END IF;
    INSERT INTO dunning.promise (customer_id, invoice_ids, amount, currency, promised_on, open_at_promise, note)
    VALUES (info.customer_id, (SELECT array_agg(DISTINCT x ORDER BY x) FROM unnest(promise_to_pay.invoice_ids) x),
            amount, info.currency, promised_on, info.open_amount, note)
    RETURNING promise_id INTO new_id;
    RETURN new_id;
END
$fn$;
COMMENT ON FUNCTION dunning.promise_to_pay(bigint[], numeric, date, text) IS
    'records a promise to pay amount on the invoices by promised_on (one customer, one currency); dunning of those invoices is suspended until then; returns the promise id';

-- Sets kept (paid at least the amount since the promise) and broken (the
-- promised date is over in the customer's time zone and it was not kept).
CREATE FUNCTION dunning.refresh_promises(as_of timestamptz DEFAULT pg_catalog.now()) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    n integer;
BEGIN
    WITH st AS (
        SELECT p.promise_id,
               (as_of AT TIME ZONE c.timezone)::date AS local_date,
               p.open_at_promise - (SELECT COALESCE(sum(i.amount - i.settled_amount), 0)
                                      FROM dunning.invoice i WHERE i.invoice_id = ANY (p.invoice_ids)) AS paid,
               p.amount, p.promised_on
          FROM dunning.promise p JOIN dunning.customer c USING (customer_id)
         WHERE p.status = 'open'
    )
    UPDATE dunning.promise p
       SET status = CASE WHEN st.paid >= st.amount THEN 'kept' ELSE 'broken' END,
           status_on = st.local_date
      FROM st
     WHERE p.promise_id = st.promise_id
       AND (st.paid >= st.amount OR st.promised_on < st.local_date);
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$fn$;
COMMENT ON FUNCTION dunning.refresh_promises(timestamptz) IS
    'marks open promises kept (the amount was paid) or broken (the date passed, not paid) as of as_of; returns how many changed; dunning.run() calls it';

CREATE FUNCTION dunning.cancel_promise(promise_id bigint, note text DEFAULT NULL) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    UPDATE dunning.promise p
       SET status = 'cancelled', status_on = CURRENT_DATE,
           note = COALESCE(p.note || E'\n', '') || COALESCE(cancel_promise.note, 'cancelled')
     WHERE p.promise_id = cancel_promise.promise_id AND p.status = 'open';
    IF NOT FOUND THEN
        IF EXISTS (SELECT FROM dunning.promise p WHERE p.promise_id = cancel_promise.promise_id) THEN
            RAISE EXCEPTION 'promise % is not open', promise_id USING ERRCODE = 'object_not_in_prerequisite_state';
        END IF;
        RAISE EXCEPTION 'promise % does not exist', promise_id USING ERRCODE = 'undefined_object';
    END IF;
END
$fn$;
COMMENT ON FUNCTION dunning.cancel_promise(bigint, text) IS 'withdraws an open promise: dunning of its invoices resumes';

-----------------------------------------------------------------------------
-- Disputes workflow
-----------------------------------------------------------------------------
ALTER TABLE dunning.dispute ADD COLUMN owner text, ADD COLUMN notes text;
COMMENT ON COLUMN dunning.dispute.owner IS 'who works on the dispute';
COMMENT ON COLUMN dunning.dispute.notes IS 'work notes, newest last';

CREATE FUNCTION dunning.open_dispute(invoice_id bigint, reason text, amount numeric DEFAULT NULL,
                                     owner text DEFAULT NULL, notes text DEFAULT NULL,
                                     opened_on date DEFAULT CURRENT_DATE)
RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    new_id bigint;
BEGIN
    IF reason IS NULL OR btrim(reason) = '' THEN
        RAISE EXCEPTION 'a dispute needs a reason' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF NOT EXISTS (SELECT FROM dunning.invoice i WHERE i.invoice_id = open_dispute.invoice_id) THEN
        RAISE EXCEPTION 'invoice % does not exist', invoice_id USING ERRCODE = 'foreign_key_violation';
    END IF;
    INSERT INTO dunning.dispute (invoice_id, amount, reason, owner, notes, opened_on)
    VALUES (invoice_id, amount, btrim(reason), owner, notes, COALESCE(opened_on, CURRENT_DATE))
    RETURNING dispute_id INTO new_id;
    RETURN new_id;
END
$fn$;
COMMENT ON FUNCTION dunning.open_dispute(bigint, text, numeric, text, text, date) IS
    'opens a dispute on an invoice (suspends its dunning); returns the dispute id';

CREATE FUNCTION dunning.resolve_dispute(dispute_id bigint, status text, notes text DEFAULT NULL,
                                        resolved_on date DEFAULT CURRENT_DATE)
RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF status IS NULL OR status NOT IN ('resolved', 'rejected', 'credited') THEN
        RAISE EXCEPTION 'a dispute is closed as resolved, rejected or credited, not %', COALESCE(status, 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    UPDATE dunning.dispute d
       SET status = resolve_dispute.status, resolved_on = COALESCE(resolve_dispute.resolved_on, CURRENT_DATE),
           notes = CASE WHEN resolve_dispute.notes IS NULL THEN d.notes
                        ELSE COALESCE(d.notes || E'\n', '') || resolve_dispute.notes END
     WHERE d.dispute_id = resolve_dispute.dispute_id AND d.status = 'open';
    IF NOT FOUND THEN
        IF EXISTS (SELECT FROM dunning.dispute d WHERE d.dispute_id = resolve_dispute.dispute_id) THEN
            RAISE EXCEPTION 'dispute % is not open', dispute_id USING ERRCODE = 'object_not_in_prerequisite_state';
        END IF;
        RAISE EXCEPTION 'dispute % does not exist', dispute_id USING ERRCODE = 'undefined_object';
    END IF;
END
$fn$;
COMMENT ON FUNCTION dunning.resolve_dispute(bigint, text, text, date) IS
    'closes an open dispute as resolved, rejected or credited (dunning of the invoice resumes if it is still open)';

CREATE VIEW dunning.dispute_root_cause AS
SELECT d.reason,
       pg_catalog.date_trunc('month', d.opened_on)::date AS month,
       count(*) AS disputes,
       sum(COALESCE(d.amount, i.amount)) AS disputed_amount,
       i.currency,
       count(*) FILTER (WHERE d.status = 'open') AS still_open,
       count(*) FILTER (WHERE d.status = 'credited') AS credited,
       count(*) FILTER (WHERE d.status = 'rejected') AS rejected,
       round(avg(d.resolved_on - d.opened_on), 1) AS avg_days_to_close
  FROM dunning.dispute d
  JOIN dunning.invoice i USING (invoice_id)
 GROUP BY d.reason, pg_catalog.date_trunc('month', d.opened_on), i.currency;
COMMENT ON VIEW dunning.dispute_root_cause IS 'disputes by reason and month of opening: count, amount, outcome, time to close';
COMMENT ON COLUMN dunning.dispute_root_cause.reason IS 'dispute reason';
COMMENT ON COLUMN dunning.dispute_root_cause.month IS 'first day of the month the disputes were opened';
COMMENT ON COLUMN dunning.dispute_root_cause.disputes IS 'number of disputes';
COMMENT ON COLUMN dunning.dispute_root_cause.disputed_amount IS 'amount disputed (the invoice amount when the dispute has none)';
COMMENT ON COLUMN dunning.dispute_root_cause.currency IS 'currency of the amounts';
COMMENT ON COLUMN dunning.dispute_root_cause.still_open IS 'how many are still open';
COMMENT ON COLUMN dunning.dispute_root_cause.credited IS 'how many ended in a credit note';
COMMENT ON COLUMN dunning.dispute_root_cause.rejected IS 'how many were rejected';
COMMENT ON COLUMN dunning.dispute_root_cause.avg_days_to_close IS 'mean days from opening to closing of the closed ones';
-----------------------------------------------------------------------------
-- The outbox: actions the runner created, for senders and collectors
-----------------------------------------------------------------------------
CREATE TABLE dunning.action (
    action_id        bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    customer_id      bigint NOT NULL REFERENCES dunning.customer,
    scenario_id      bigint NOT NULL,
    step_id          bigint NOT NULL,
    step_name        text NOT NULL,
    offset_days      integer NOT NULL,
    action_date      date NOT NULL,
    channel          text NOT NULL,
    recipient        text,
    language         text NOT NULL,
    collector        text,
    subject          text,
    body             text,
    payload          jsonb NOT NULL,
    status           text NOT NULL DEFAULT 'queued',
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz,
    last_error       text,
    as_of            timestamptz NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT pg_catalog.now(),
    sent_at          timestamptz,
    cancelled_at     timestamptz,
    CONSTRAINT action_once_per_customer_step_day UNIQUE (customer_id, step_id, action_date),
    CONSTRAINT action_channel_known
        CHECK (channel IN ('email', 'sms', 'letter', 'call', 'task', 'legal', 'thanks')),
    CONSTRAINT action_status_known CHECK (status IN ('queued', 'sent', 'failed', 'cancelled')),
    CONSTRAINT action_sent_at_iff_sent CHECK ((status = 'sent') = (sent_at IS NOT NULL)),
    CONSTRAINT action_cancelled_at_iff_cancelled CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL)),
    CONSTRAINT action_attempts_valid CHECK (attempts >= 0)
);
-- The unique key also serves the per-customer look-ups of the guardrails.
CREATE INDEX action_pending_idx ON dunning.action (channel, action_id) WHERE status IN ('queued', 'failed');
COMMENT ON TABLE dunning.action IS
    'outbox of dunning actions: one message (or call, task) per customer and step and day, rendered, with its invoices in payload';
COMMENT ON COLUMN dunning.action.action_id IS 'identity';
COMMENT ON COLUMN dunning.action.customer_id IS 'the customer';
COMMENT ON COLUMN dunning.action.scenario_id IS 'scenario the step belongs to';
COMMENT ON COLUMN dunning.action.step_id IS 'the step taken';
COMMENT ON COLUMN dunning.action.step_name IS 'name of the step when it was taken';
COMMENT ON COLUMN dunning.action.offset_days IS 'offset of the step (days from the due date) when it was taken';
COMMENT ON COLUMN dunning.action.action_date IS 'the customer-local business day the action belongs to';
COMMENT ON COLUMN dunning.action.channel IS 'email, sms, letter, call, task, legal or thanks';
COMMENT ON COLUMN dunning.action.recipient IS 'e-mail address, phone number, postal address or collector; NULL: the customer has none for the channel (the action is failed)';
COMMENT ON COLUMN dunning.action.language IS 'language of the template used';
COMMENT ON COLUMN dunning.action.collector IS 'collector in charge of the customer';
COMMENT ON COLUMN dunning.action.subject IS 'rendered subject';
COMMENT ON COLUMN dunning.action.body IS 'rendered body (HTML for e-mail)';
COMMENT ON COLUMN dunning.action.payload IS 'structured content: invoices, totals per currency, charges, pay link';
COMMENT ON COLUMN dunning.action.status IS 'queued, then sent, failed (retried until max_attempts) or cancelled (its items were paid before sending)';
COMMENT ON COLUMN dunning.action.attempts IS 'failed send attempts so far';
COMMENT ON COLUMN dunning.action.next_attempt_at IS 'when a failed action may be retried; NULL: given up (or not failed)';
COMMENT ON COLUMN dunning.action.last_error IS 'last send error';
COMMENT ON COLUMN dunning.action.as_of IS 'as_of of the run that created it';
COMMENT ON COLUMN dunning.action.created_at IS 'when it was created';
COMMENT ON COLUMN dunning.action.sent_at IS 'when it was sent';
COMMENT ON COLUMN dunning.action.cancelled_at IS 'when it was cancelled';

-- Which items an action covers.  (invoice, step) is unique: an item reaches
-- each step at most once; its highest offset is how far it went.
CREATE TABLE dunning.action_item (
    action_id     bigint NOT NULL REFERENCES dunning.action ON DELETE CASCADE,
    invoice_id    bigint NOT NULL REFERENCES dunning.invoice,
    step_id       bigint NOT NULL,
    offset_days   integer NOT NULL,
    currency      char(3) NOT NULL,
    open_amount   numeric NOT NULL,
    days_overdue  integer NOT NULL,
    interest      numeric,
    compensation  numeric,
    PRIMARY KEY (action_id, invoice_id),
    CONSTRAINT action_item_once_per_step UNIQUE (invoice_id, step_id)
);
COMMENT ON TABLE dunning.action_item IS 'the invoices of each action, with what was open and charged then';
COMMENT ON COLUMN dunning.action_item.action_id IS 'the action';
COMMENT ON COLUMN dunning.action_item.invoice_id IS 'an invoice it covers';
COMMENT ON COLUMN dunning.action_item.step_id IS 'the step taken on the invoice';
COMMENT ON COLUMN dunning.action_item.offset_days IS 'offset of that step: the invoice went this far';
COMMENT ON COLUMN dunning.action_item.currency IS 'invoice currency';
COMMENT ON COLUMN dunning.action_item.open_amount IS 'open amount when the action was created';
COMMENT ON COLUMN dunning.action_item.days_overdue IS 'days past due on the action date (negative: before the due date)';
COMMENT ON COLUMN dunning.action_item.interest IS 'late-payment interest shown, when the step charges it';
COMMENT ON COLUMN dunning.action_item.compensation IS 'fixed compensation shown, when the step charges it';

-----------------------------------------------------------------------------
-- What is due: shared by run() (writes) and preview() (does not)
-----------------------------------------------------------------------------
-- The step an item takes now (src/runner.c): of its scenario's steps, the
-- one with the highest offset that the item reached (due_on + offset_days
-- <= local date, pre-due steps only before the due date, send_time <= local
-- time, min_days_overdue, min_overdue_amount against the customer's overdue
-- total in the item currency) and that lies beyond how far it went
-- (last_offset).  Steps are read once per query.
CREATE FUNCTION dunning.pick_step(scenario_id bigint, days_overdue integer, last_offset integer,
                                  local_time time, overdue_total numeric)
RETURNS bigint
    AS 'MODULE_PATHNAME', 'pick_step'
    LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION dunning.pick_step(bigint, integer, integer, time, numeric) IS
    'the step of the scenario an item takes now: the highest one it reached and has not had; NULL when none (internal)';

-- Customer first: only customers that may be contacted now (not on hold or
-- snoozed, a business day at their local time, within the contact
-- guardrails) have their open items looked at; then each item takes the
-- highest step it reached (beyond how far it went already) that is due at
-- this local time; items of one step are grouped per customer, currencies
-- below the materiality threshold are left for later, and the most severe
-- groups the guardrails allow become actions.
--
-- Written for a million open items: rows stay narrow until the grouping
-- (customer details, charges and texts are added per action, not per item);
-- one sort (customer, step, currency) serves the per-currency totals, the
-- ranking of steps and the grouping; interest is computed only for the
-- items that end in an action.
CREATE FUNCTION dunning.due_actions(as_of timestamptz)
RETURNS TABLE (customer_id bigint, scenario_id bigint, step_id bigint, step_name text, offset_days integer,
               action_date date, channel text, recipient text, language text, collector text,
               subject text, body text, payload jsonb, items jsonb)
    -- JIT compiling this large query costs seconds and saves nothing; the
    -- sort of the picked items fits in memory up to about two million items
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp SET jit = off SET work_mem = '256MB'
AS $fn$
WITH s AS MATERIALIZED (
    SELECT st.*, CASE WHEN st.pay_link_base IS NOT NULL THEN dunning.signing_secret() END AS secret
      FROM dunning.settings st
), steps AS MATERIALIZED (
    SELECT st.step_id, st.name, st.offset_days, st.channel, st.template, st.fee,
           st.charges AND sc.charges_enabled AS charged, sc.fixed_compensation, sc.compensation_currency,
           sc.interest_margin
      FROM dunning.scenario_step st JOIN dunning.scenario sc ON sc.scenario_id = st.scenario_id
), rates AS MATERIALIZED (
    SELECT r.currency, pg_catalog.array_agg(r.valid_from ORDER BY r.valid_from) AS rate_from,
           pg_catalog.array_agg(r.rate ORDER BY r.valid_from) AS rates
      FROM dunning.reference_rate r GROUP BY r.currency
), promised AS MATERIALIZED (
    -- invoices covered by open promises, one row each: hashed, not rescanned per item
    SELECT p.customer_id, pg_catalog.unnest(p.invoice_ids) AS invoice_id, p.promised_on
      FROM dunning.promise p WHERE p.status = 'open'
), cu AS MATERIALIZED (
    SELECT c.customer_id, sc.scenario_id, l.local_date, l.local_time,
           CASE WHEN s.min_days_between_contacts > 0 THEN LEAST(1, s.max_contacts_per_week - g.week_contacts)
                ELSE s.max_contacts_per_week - g.week_contacts END AS allowed
      FROM dunning.customer c
     CROSS JOIN s
      LEFT JOIN dunning.customer_setting cs ON cs.customer_id = c.customer_id
      LEFT JOIN dunning.segment_scenario ss ON ss.segment = c.segment
     CROSS JOIN LATERAL (SELECT COALESCE(cs.scenario_id, ss.scenario_id, s.default_scenario_id) AS scenario_id) sc
     CROSS JOIN LATERAL (SELECT (as_of AT TIME ZONE c.timezone)::date AS local_date,
                                (as_of AT TIME ZONE c.timezone)::time AS local_time) l
     CROSS JOIN LATERAL (
            SELECT max(a.action_date) AS last_contact,
                   count(*) FILTER (WHERE a.action_date > l.local_date - 7) AS week_contacts
              FROM dunning.action a
             WHERE a.customer_id = c.customer_id AND a.action_date > l.local_date - 366
               AND a.action_date <= l.local_date
               AND a.status <> 'cancelled' AND a.channel <> 'task') g
     WHERE NOT c.on_hold
       AND (cs.snoozed_until IS NULL OR cs.snoozed_until < l.local_date)
       AND NOT (pg_catalog.date_part('isodow', l.local_date)::integer = ANY (s.weekend_days))
       AND NOT EXISTS (SELECT FROM dunning.holiday h WHERE h.country = c.country AND h.day = l.local_date)
       AND (g.last_contact IS NULL OR l.local_date - g.last_contact >= s.min_days_between_contacts)
       AND g.week_contacts < s.max_contacts_per_week
       -- a scenario step could fire at this local time
       AND EXISTS (SELECT FROM dunning.scenario_step st
                    WHERE st.scenario_id = sc.scenario_id AND st.send_time <= l.local_time)
), it AS (
    SELECT cu.customer_id, cu.scenario_id, cu.local_date, cu.local_time, cu.allowed,
           i.invoice_id, i.invoice_number, i.due_on, i.currency, i.amount, i.settled_amount,
           i.amount - i.settled_amount AS open_amount,
           (SELECT max(ai.offset_days) FROM dunning.action_item ai WHERE ai.invoice_id = i.invoice_id) AS last_offset,
           sum(CASE WHEN i.due_on < cu.local_date THEN i.amount - i.settled_amount END)
               OVER (PARTITION BY cu.customer_id, i.currency) AS overdue_total
      FROM cu
      JOIN dunning.invoice i
        ON i.customer_id = cu.customer_id AND i.settled_amount < pg_catalog.abs(i.amount) AND i.amount > 0
     WHERE NOT EXISTS (SELECT FROM dunning.dispute d WHERE d.invoice_id = i.invoice_id AND d.status = 'open')
       AND NOT EXISTS (SELECT FROM promised p
                        WHERE p.invoice_id = i.invoice_id AND p.customer_id = i.customer_id
                          AND p.promised_on >= cu.local_date)
), pick AS (
    SELECT x.*, -st.offset_days AS severity, st.charged, st.fee, st.interest_margin,
           st.fixed_compensation, st.compensation_currency
      FROM (SELECT it.*, dunning.pick_step(it.scenario_id, it.local_date - it.due_on, it.last_offset,
                                           it.local_time, it.overdue_total) AS step_id
              FROM it) x
      JOIN steps st ON st.step_id = x.step_id
), per_currency AS (
    -- totals of each customer, step and currency on every item row; severity
    -- (-offset_days) orders the steps so that one sort serves every window
    SELECT p.*,
           sum(p.open_amount) OVER (PARTITION BY p.customer_id, p.severity, p.currency) AS cur_total
      FROM pick p
), ranked AS (
    -- currencies below the materiality threshold wait for later; of the
    -- rest, the most severe steps the customer's guardrails allow today
    SELECT r.* FROM (
        SELECT k.*, pg_catalog.dense_rank() OVER (PARTITION BY k.customer_id ORDER BY k.severity) AS rk
          FROM per_currency k CROSS JOIN s
         WHERE k.cur_total >= s.materiality_amount) r
     WHERE r.rk <= r.allowed
), charged AS (
    -- charges of the items that make an action: interest on what was
    -- outstanding each day since the due date (partial payments prorated)
    SELECT k.*,
           k.local_date - k.due_on AS days_overdue,
           CASE WHEN k.charged AND k.interest_margin IS NOT NULL AND k.local_date > k.due_on
                THEN dunning.accrue_interest(
                         k.amount, k.due_on, k.local_date, k.interest_margin, s.day_count_basis,
                         dunning.currency_minor_unit(k.currency),
                         (SELECT r.rate_from FROM rates r WHERE r.currency = k.currency),
                         (SELECT r.rates FROM rates r WHERE r.currency = k.currency),
                         pd.paid_on, pd.paid) END AS interest,
           CASE WHEN k.charged AND k.local_date > k.due_on AND k.currency = k.compensation_currency
                THEN round(k.fixed_compensation, dunning.currency_minor_unit(k.currency)) END AS compensation
      FROM ranked k
     CROSS JOIN s
      -- settlement history, only for the charged items partly paid
      LEFT JOIN LATERAL (
            SELECT pg_catalog.array_agg(x.settled_on) AS paid_on, pg_catalog.array_agg(x.amount) AS paid
              FROM dunning.settlement x
             WHERE x.invoice_id = k.invoice_id AND x.kind <> 'credit_note_applied'
               AND k.charged AND k.settled_amount > 0) pd ON true
), cur AS (
    -- per-currency figures, on every item row (window aggregates reuse the
    -- sort of the ranking: no sort per action)
    SELECT c.*,
           sum(COALESCE(c.interest, 0)) OVER w AS cur_interest,
           sum(COALESCE(c.compensation, 0)) OVER w AS cur_compensation,
           pg_catalog.row_number() OVER w = 1 AS first_of_currency
      FROM charged c
    WINDOW w AS (PARTITION BY c.customer_id, c.severity, c.currency)
), texts AS (
    SELECT c.*,
           pg_catalog.string_agg(c.currency || ' ' || c.cur_total::text, ' + ')
               FILTER (WHERE c.first_of_currency) OVER a AS total_text,
           pg_catalog.string_agg(CASE
               WHEN c.charged THEN c.currency || ' '
                    || (c.cur_interest + c.cur_compensation + COALESCE(c.fee, 0))::text
                    || ' (interest ' || c.cur_interest::text || ', compensation ' || c.cur_compensation::text
                    || COALESCE(', fee ' || c.fee::text, '') || ')'
               WHEN c.fee IS NOT NULL THEN c.currency || ' ' || c.fee::text || ' (fee)' END, ' + ')
               FILTER (WHERE c.first_of_currency) OVER a AS charges_text,
           pg_catalog.string_agg(c.currency || ' '
               || (c.cur_total + CASE WHEN c.charged THEN c.cur_interest + c.cur_compensation ELSE 0 END
                   + COALESCE(c.fee, 0))::text, ' + ')
               FILTER (WHERE c.first_of_currency) OVER a AS total_with_charges_text
      FROM cur c
    WINDOW a AS (PARTITION BY c.customer_id, c.severity ORDER BY c.currency
                 ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
), grp AS (
    -- one action per customer and step
    SELECT k.customer_id, max(k.step_id) AS step_id, max(k.scenario_id) AS scenario_id,
           max(k.local_date) AS local_date,
           max(k.total_text) AS total_text, max(k.charges_text) AS charges_text,
           max(k.total_with_charges_text) AS total_with_charges_text,
           pg_catalog.jsonb_object_agg(k.currency, k.cur_total) FILTER (WHERE k.first_of_currency) AS totals,
           pg_catalog.jsonb_object_agg(k.currency, pg_catalog.jsonb_build_object(
               'interest', CASE WHEN k.charged THEN k.cur_interest END,
               'compensation', CASE WHEN k.charged THEN k.cur_compensation END,
               'fee', k.fee)) FILTER (WHERE k.first_of_currency) AS charges,
           count(*) AS invoice_count,
           pg_catalog.array_agg(k.invoice_id) AS invoice_ids,
           max(k.days_overdue) AS max_days,
           min(k.due_on) AS oldest_due_on,
           pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
               'invoice_id', k.invoice_id, 'number', k.invoice_number, 'due_on', k.due_on,
               'days_overdue', k.days_overdue, 'open_amount', k.open_amount, 'currency', k.currency,
               'interest', k.interest, 'compensation', k.compensation)
               ORDER BY k.due_on, k.invoice_number) AS invoices
      FROM texts k
     GROUP BY k.customer_id, k.severity
), msg AS (
    SELECT g.*, st.name AS step_name, st.offset_days, st.channel,
           c.name, c.external_ref, c.email, c.phone, c.postal_address, c.collector,
           c.language AS customer_language,
           CASE WHEN t1.template_key IS NOT NULL THEN t1.language
                WHEN t2.template_key IS NOT NULL THEN t2.language ELSE t3.language END AS template_language,
           CASE WHEN t1.template_key IS NOT NULL THEN t1.subject
                WHEN t2.template_key IS NOT NULL THEN t2.subject ELSE t3.subject END AS t_subject,
           CASE WHEN t1.template_key IS NOT NULL THEN t1.body
                WHEN t2.template_key IS NOT NULL THEN t2.body ELSE t3.body END AS t_body,
           CASE WHEN t1.template_key IS NOT NULL THEN t1.table_header
                WHEN t2.template_key IS NOT NULL THEN t2.table_header ELSE t3.table_header END AS table_header,
           (SELECT p.promised_on FROM dunning.promise p
             WHERE p.customer_id = g.customer_id AND p.status = 'open'
             ORDER BY p.invoice_ids && g.invoice_ids DESC, p.promised_on LIMIT 1) AS promise_date,
           CASE WHEN s.pay_link_base IS NOT NULL
                THEN s.pay_link_base
                     || CASE WHEN s.pay_link_base ~ '[?]' THEN '&' ELSE '?' END || 't='
                     || dunning.pay_token_with_key(g.customer_id, g.invoice_ids, g.total_text,
                                                   as_of + s.pay_link_validity, s.secret)
           END AS pay_link
      FROM grp g
      JOIN steps st ON st.step_id = g.step_id
      JOIN dunning.customer c ON c.customer_id = g.customer_id
     CROSS JOIN s
      -- the template in the customer's language, else its primary subtag, else English
      LEFT JOIN dunning.template t1 ON t1.template_key = st.template AND t1.language = c.language
      LEFT JOIN dunning.template t2 ON t2.template_key = st.template
                                   AND t2.language = pg_catalog.split_part(c.language, '-', 1)
      LEFT JOIN dunning.template t3 ON t3.template_key = st.template AND t3.language = 'en'
), doc AS (
    SELECT m.*,
           pg_catalog.jsonb_build_object(
               'customer_id', m.customer_id, 'customer_name', m.name, 'customer_ref', m.external_ref,
               'scenario_id', m.scenario_id, 'step_id', m.step_id, 'step', m.step_name,
               'action_date', m.local_date, 'as_of', as_of,
               'invoice_count', m.invoice_count, 'totals', m.totals, 'charges', m.charges,
               'max_days_overdue', m.max_days, 'oldest_due_on', m.oldest_due_on,
               'promise_date', m.promise_date,
               'invoices', m.invoices, 'pay_link', m.pay_link) AS payload,
           CASE WHEN m.channel IN ('email', 'thanks') THEN 'html'
                WHEN m.channel = 'sms' THEN 'sms' ELSE 'text' END AS mode
      FROM msg m
)
SELECT d.customer_id, d.scenario_id, d.step_id, d.step_name, d.offset_days, d.local_date, d.channel,
       CASE d.channel WHEN 'email' THEN d.email WHEN 'thanks' THEN d.email
                      WHEN 'sms' THEN d.phone WHEN 'call' THEN d.phone
                      WHEN 'task' THEN d.collector ELSE d.postal_address END,
       COALESCE(d.template_language, d.customer_language),
       d.collector,
       dunning.render_action(d.t_subject, d.payload, r.extra, 'text'),
       dunning.render_action(d.t_body, d.payload, r.extra, d.mode),
       d.payload,
       d.invoices
  FROM doc d
 CROSS JOIN LATERAL (
        -- rendering-only values, looked up before the payload's
        SELECT pg_catalog.jsonb_build_object(
                   'total', d.total_text, 'charges', COALESCE(d.charges_text, ''),
                   'total_with_charges', d.total_with_charges_text,
                   'collector', d.collector, 'pay_link', COALESCE(d.pay_link, ''),
                   'table_header', pg_catalog.to_jsonb(d.table_header)) AS extra) r
$fn$;
COMMENT ON FUNCTION dunning.due_actions(timestamptz) IS
    'the actions a run at as_of would create, rendered, with their items (internal: call dunning.preview or dunning.run)';

-----------------------------------------------------------------------------
-- The runner
-----------------------------------------------------------------------------
-- One run at a time (advisory transaction lock, pg_partman's pattern): a
-- second concurrent run waits, then finds the first one's actions and
-- creates nothing twice; the unique keys are the last line of defence.
CREATE FUNCTION dunning.run(as_of timestamptz DEFAULT pg_catalog.now()) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET jit = off
AS $fn$
DECLARE
    created integer;
    chan text;
BEGIN
    IF as_of IS NULL THEN
        RAISE EXCEPTION 'dunning.run needs an as_of instant' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF NOT (as_of > '-infinity' AND as_of < 'infinity') THEN
        RAISE EXCEPTION 'as_of must be finite, got %', as_of USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- 'dunning' in ASCII: one run at a time, in every database of the cluster
    -- separately (advisory locks are per database).
    PERFORM pg_advisory_xact_lock(110, 1970172526);
    PERFORM dunning.refresh_promises(as_of);
    PERFORM dunning.cancel_paid_actions();

    WITH d AS MATERIALIZED (
        SELECT * FROM dunning.due_actions(as_of)
    ), ins AS (
        INSERT INTO dunning.action AS a (customer_id, scenario_id, step_id, step_name, offset_days, action_date,
                                         channel, recipient, language, collector, subject, body, payload,
                                         status, last_error, as_of)
        SELECT d.customer_id, d.scenario_id, d.step_id, d.step_name, d.offset_days, d.action_date,
               d.channel, d.recipient, d.language, d.collector, d.subject, d.body, d.payload,
               CASE WHEN d.recipient IS NULL OR d.body IS NULL THEN 'failed' ELSE 'queued' END,
               CASE WHEN d.body IS NULL THEN 'no template ' || d.step_name || ' for language ' || d.language
                    WHEN d.recipient IS NULL THEN 'customer has no recipient for channel ' || d.channel END,
               as_of
          FROM d
        ON CONFLICT ON CONSTRAINT action_once_per_customer_step_day DO NOTHING
        RETURNING a.action_id, a.step_id, a.offset_days, a.payload->'invoices' AS invoices
    ), it AS (
        -- the items come back with the inserted rows: no join of the two sets
        INSERT INTO dunning.action_item (action_id, invoice_id, step_id, offset_days, currency, open_amount,
                                         days_overdue, interest, compensation)
        SELECT ins.action_id, (e->>'invoice_id')::bigint, ins.step_id, ins.offset_days, e->>'currency',
               (e->>'open_amount')::numeric, (e->>'days_overdue')::integer,
               (e->>'interest')::numeric, (e->>'compensation')::numeric
          FROM ins CROSS JOIN LATERAL jsonb_array_elements(ins.invoices) e
    )
    SELECT count(*) INTO created FROM ins;

    -- The next run looks actions up per customer and per invoice: after a
    -- big batch, fresh statistics keep those look-ups on the indexes.
    IF created >= 1000 THEN
        -- the columns those look-ups filter on (payload and bodies are
        -- large and never filtered on: sampling them costs seconds)
        ANALYZE dunning.action (customer_id, step_id, action_date, status, channel),
                dunning.action_item (action_id, invoice_id, step_id, offset_days);
    END IF;
    IF created > 0 THEN
        SELECT s.notify_channel INTO chan FROM dunning.settings s;
        PERFORM pg_notify(chan, created::text);
    END IF;
    RETURN created;
END
$fn$;
COMMENT ON FUNCTION dunning.run(timestamptz) IS
    'creates every dunning action due at as_of (once: a second or concurrent run creates nothing twice), refreshes promises, cancels unsent actions whose items are paid, NOTIFYs the notify channel; returns the number of actions created';

CREATE FUNCTION dunning.preview(as_of timestamptz DEFAULT pg_catalog.now())
RETURNS TABLE (customer_id bigint, step_id bigint, step_name text, action_date date, channel text,
               recipient text, language text, invoice_count integer, totals jsonb, subject text, body text,
               payload jsonb)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET jit = off
AS $fn$
    SELECT d.customer_id, d.step_id, d.step_name, d.action_date, d.channel, d.recipient, d.language,
           pg_catalog.jsonb_array_length(d.items), d.payload->'totals', d.subject, d.body, d.payload
      FROM dunning.due_actions(as_of) d
      -- what a run would skip: the same action made already
     WHERE NOT EXISTS (SELECT FROM dunning.action a
                        WHERE a.customer_id = d.customer_id AND a.step_id = d.step_id
                          AND a.action_date = d.action_date)
     ORDER BY d.customer_id, d.offset_days DESC
$fn$;
COMMENT ON FUNCTION dunning.preview(timestamptz) IS
    'the actions dunning.run(as_of) would create, without writing anything (the payment-link key aside, made on first use)';

-----------------------------------------------------------------------------
-- Senders: cancel, mark sent or failed
-----------------------------------------------------------------------------
CREATE FUNCTION dunning.cancel_paid_actions() RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    n integer;
BEGIN
    UPDATE dunning.action a
       SET status = 'cancelled', cancelled_at = pg_catalog.now(), next_attempt_at = NULL,
           last_error = COALESCE(a.last_error, 'items paid before sending')
     WHERE a.status IN ('queued', 'failed')
       -- per action, stop at its first open item (OFFSET 0 keeps this a
       -- per-row probe of two indexes instead of a join of every item
       -- with every invoice)
       AND NOT EXISTS (SELECT FROM dunning.action_item ai
                         JOIN dunning.invoice i ON i.invoice_id = ai.invoice_id
                        WHERE ai.action_id = a.action_id AND i.settled_amount < pg_catalog.abs(i.amount)
                       OFFSET 0);
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$fn$;
COMMENT ON FUNCTION dunning.cancel_paid_actions() IS
    'cancels every queued or failed action whose invoices are all settled; returns how many';

CREATE FUNCTION dunning.mark_sent(action_id bigint, sent_at timestamptz DEFAULT pg_catalog.now()) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    st text;
BEGIN
    SELECT a.status INTO st FROM dunning.action a WHERE a.action_id = mark_sent.action_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'action % does not exist', action_id USING ERRCODE = 'undefined_object';
    END IF;
    IF st NOT IN ('queued', 'failed') THEN
        RAISE EXCEPTION 'action % is % and cannot be marked sent', action_id, st
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    UPDATE dunning.action a
       SET status = 'sent', sent_at = COALESCE(mark_sent.sent_at, pg_catalog.now()), next_attempt_at = NULL
     WHERE a.action_id = mark_sent.action_id;
END
$fn$;
COMMENT ON FUNCTION dunning.mark_sent(bigint, timestamptz) IS 'records that a queued (or failed) action was sent';

CREATE FUNCTION dunning.mark_failed(action_id bigint, error text, retry boolean DEFAULT true) RETURNS timestamptz
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    a dunning.action;
    s record;
    nxt timestamptz;
BEGIN
    SELECT * INTO a FROM dunning.action x WHERE x.action_id = mark_failed.action_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'action % does not exist', action_id USING ERRCODE = 'undefined_object';
    END IF;
    IF a.status NOT IN ('queued', 'failed') THEN
        RAISE EXCEPTION 'action % is % and cannot be marked failed', action_id, a.status
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    SELECT * INTO s FROM dunning.settings;
    IF retry AND a.attempts + 1 < s.max_attempts THEN
        nxt := pg_catalog.now() + s.retry_delay * power(2, a.attempts)::integer;
    END IF;
    UPDATE dunning.action x
       SET status = 'failed', attempts = x.attempts + 1, next_attempt_at = nxt,
           last_error = COALESCE(mark_failed.error, 'unknown error')
     WHERE x.action_id = mark_failed.action_id;
    RETURN nxt;
END
$fn$;
COMMENT ON FUNCTION dunning.mark_failed(bigint, text, boolean) IS
    'records a failed send attempt; returns when to retry (delay doubling from retry_delay), NULL when given up (max_attempts reached or retry false)';

CREATE FUNCTION dunning.claim_actions(channel text, max_count integer DEFAULT 100)
RETURNS SETOF dunning.action
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF max_count IS NULL OR max_count < 1 OR max_count > 10000 THEN
        RAISE EXCEPTION 'max_count must be between 1 and 10000, got %', max_count
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM dunning.cancel_paid_actions();
    RETURN QUERY
    SELECT a.* FROM dunning.action a
     WHERE a.channel = claim_actions.channel AND a.recipient IS NOT NULL AND a.body IS NOT NULL
       AND (a.status = 'queued' OR (a.status = 'failed' AND a.next_attempt_at <= pg_catalog.now()))
     ORDER BY a.action_id
     LIMIT max_count
       FOR UPDATE SKIP LOCKED;
END
$fn$;
COMMENT ON FUNCTION dunning.claim_actions(text, integer) IS
    'for a sender: locks and returns up to max_count actions of a channel to send now (queued, or failed and due for retry), skipping rows other senders hold; mark each sent or failed in the same transaction';

-----------------------------------------------------------------------------
-- Views for people
-----------------------------------------------------------------------------
CREATE VIEW dunning.collector_worklist AS
SELECT COALESCE(a.collector, '(unassigned)') AS collector,
       a.action_id, a.customer_id, c.name AS customer_name, a.channel, a.action_date, a.step_name,
       c.phone, a.subject,
       (a.payload->>'max_days_overdue')::integer AS max_days_overdue,
       a.payload->'totals' AS totals,
       pg_catalog.row_number() OVER (PARTITION BY COALESCE(a.collector, '(unassigned)')
                                     ORDER BY (a.payload->>'max_days_overdue')::integer DESC NULLS LAST,
                                              a.offset_days DESC, a.action_date, a.action_id) AS urgency_rank
  FROM dunning.action a
  JOIN dunning.customer c ON c.customer_id = a.customer_id
 WHERE a.channel IN ('call', 'task') AND a.status = 'queued' AND a.action_date <= CURRENT_DATE;
COMMENT ON VIEW dunning.collector_worklist IS
    'calls and tasks to do today per collector (queued, dated today or before), most urgent first (urgency_rank 1)';
COMMENT ON COLUMN dunning.collector_worklist.collector IS 'collector in charge ((unassigned) when none)';
COMMENT ON COLUMN dunning.collector_worklist.action_id IS 'the action; mark it sent when done';
COMMENT ON COLUMN dunning.collector_worklist.customer_id IS 'the customer';
COMMENT ON COLUMN dunning.collector_worklist.customer_name IS 'the customer''s name';
COMMENT ON COLUMN dunning.collector_worklist.channel IS 'call or task';
COMMENT ON COLUMN dunning.collector_worklist.action_date IS 'day it was due';
COMMENT ON COLUMN dunning.collector_worklist.step_name IS 'the step';
COMMENT ON COLUMN dunning.collector_worklist.phone IS 'number to call';
COMMENT ON COLUMN dunning.collector_worklist.subject IS 'what to do';
COMMENT ON COLUMN dunning.collector_worklist.max_days_overdue IS 'days overdue of the oldest item';
COMMENT ON COLUMN dunning.collector_worklist.totals IS 'open totals per currency';
COMMENT ON COLUMN dunning.collector_worklist.urgency_rank IS '1 = most urgent of the collector (oldest overdue, then latest step)';

-- When an invoice was paid: the latest date among what settled it
-- (payments' received_on, credit notes' issued_on, write-offs' day).
CREATE VIEW dunning.step_effectiveness AS
WITH closed AS (
    SELECT i.invoice_id,
           (SELECT max(x.d) FROM (
                SELECT p.received_on AS d FROM dunning.allocation a
                  JOIN dunning.payment p ON p.payment_id = a.payment_id WHERE a.invoice_id = i.invoice_id
                UNION ALL
                SELECT cn.issued_on FROM dunning.allocation a
                  JOIN dunning.invoice cn ON cn.invoice_id = a.credit_note_id WHERE a.invoice_id = i.invoice_id
                UNION ALL
                SELECT w.created_at::date FROM dunning.write_off w WHERE w.invoice_id = i.invoice_id) x) AS paid_on
      FROM dunning.invoice i
     WHERE i.settled_amount = pg_catalog.abs(i.amount)
       AND EXISTS (SELECT FROM dunning.action_item ai WHERE ai.invoice_id = i.invoice_id)
)
SELECT a.scenario_id, a.step_id, a.step_name, a.channel,
       count(DISTINCT a.action_id) AS actions,
       count(*) AS items,
       round(avg(CASE WHEN c.paid_on <= a.action_date + 7 THEN 1 ELSE 0 END), 4) AS paid_within_7,
       round(avg(CASE WHEN c.paid_on <= a.action_date + 14 THEN 1 ELSE 0 END), 4) AS paid_within_14,
       round(avg(CASE WHEN c.paid_on <= a.action_date + 30 THEN 1 ELSE 0 END), 4) AS paid_within_30
  FROM dunning.action a
  JOIN dunning.action_item ai ON ai.action_id = a.action_id
  LEFT JOIN closed c ON c.invoice_id = ai.invoice_id
 WHERE a.status = 'sent'
 GROUP BY a.scenario_id, a.step_id, a.step_name, a.channel;
COMMENT ON VIEW dunning.step_effectiveness IS
    'per step: sent actions and their items, and the share of items paid within 7, 14 and 30 days after the action date';
COMMENT ON COLUMN dunning.step_effectiveness.scenario_id IS 'the scenario';
COMMENT ON COLUMN dunning.step_effectiveness.step_id IS 'the step';
COMMENT ON COLUMN dunning.step_effectiveness.step_name IS 'its name';
COMMENT ON COLUMN dunning.step_effectiveness.channel IS 'its channel';
COMMENT ON COLUMN dunning.step_effectiveness.actions IS 'sent actions';
COMMENT ON COLUMN dunning.step_effectiveness.items IS 'invoices in those actions';
COMMENT ON COLUMN dunning.step_effectiveness.paid_within_7 IS 'share (0..1) of the items fully paid at most 7 days after the action date';
COMMENT ON COLUMN dunning.step_effectiveness.paid_within_14 IS 'same within 14 days';
COMMENT ON COLUMN dunning.step_effectiveness.paid_within_30 IS 'same within 30 days';
-----------------------------------------------------------------------------
-- pg_cron: schedule the runner (no hard dependency on pg_cron)
-----------------------------------------------------------------------------
-- pg_cron 1.4 schedules in GMT at minute granularity; the runner handles the
-- customers' local send times itself, so a job every few minutes is right.
-- cron_expr is passed to cron.schedule as a parameter, never spliced into SQL.
-- When pg_cron lives in another database (cron.database_name), run there:
--   SELECT cron.schedule_in_database('dunning-run:<db>', '*/15 * * * *',
--                                    'SELECT dunning.run()', '<db>');
CREATE FUNCTION dunning.cron_job_name() RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
    RETURN 'dunning-run:' || pg_catalog.current_database();
COMMENT ON FUNCTION dunning.cron_job_name() IS 'name of this database''s pg_cron job: dunning-run:<database>';

CREATE FUNCTION dunning.schedule(cron_expr text DEFAULT '*/15 * * * *') RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    job bigint;
BEGIN
    IF cron_expr IS NULL OR btrim(cron_expr) = '' THEN
        RAISE EXCEPTION 'dunning.schedule needs a cron expression' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_extension e WHERE e.extname = 'pg_cron') THEN
        RAISE EXCEPTION 'pg_cron is not installed in database %', current_database()
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'CREATE EXTENSION pg_cron in the database named by cron.database_name (shared_preload_libraries must list pg_cron); '
                         || 'when that is another database, schedule from there: SELECT cron.schedule_in_database('''
                         || dunning.cron_job_name() || ''', ''*/15 * * * *'', ''SELECT dunning.run()'', '''
                         || current_database() || ''');';
    END IF;
    -- cron.schedule(job_name, schedule, command) replaces a job of the same
    -- name and owner: calling schedule() again changes the schedule.
    EXECUTE 'SELECT cron.schedule($1, $2, $3)' INTO job
        USING dunning.cron_job_name(), btrim(cron_expr), 'SELECT dunning.run()';
    RETURN job;
END
$fn$;
COMMENT ON FUNCTION dunning.schedule(text) IS
    'registers (or re-schedules) the pg_cron job dunning-run:<database> running dunning.run() on cron_expr (GMT, minute granularity); returns its job id; SQLSTATE 55000 when pg_cron is missing';

CREATE FUNCTION dunning.unschedule() RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    job bigint;
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_extension e WHERE e.extname = 'pg_cron') THEN
        RAISE EXCEPTION 'pg_cron is not installed in database %', current_database()
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'When pg_cron lives in another database, run there: SELECT cron.unschedule('''
                         || dunning.cron_job_name() || ''');';
    END IF;
    EXECUTE 'SELECT j.jobid FROM cron.job j WHERE j.jobname = $1 AND j.username = current_user'
        INTO job USING dunning.cron_job_name();
    IF job IS NULL THEN
        RETURN false;
    END IF;
    EXECUTE 'SELECT cron.unschedule($1)' USING job;
    RETURN true;
END
$fn$;
COMMENT ON FUNCTION dunning.unschedule() IS
    'removes the pg_cron job dunning-run:<database>; returns false when there was none; SQLSTATE 55000 when pg_cron is missing';
-----------------------------------------------------------------------------
-- Dunning: privileges and pg_dump configuration.  Runs after every dunning
-- part above.
-----------------------------------------------------------------------------
REVOKE ALL ON FUNCTION
    dunning.scenario_step_check_order(), dunning.template_is_valid(text), dunning.render_template(text, jsonb, text),
    dunning.render_action(text, jsonb, jsonb, text),
    dunning.is_business_day(date, char), dunning.seeded_read_only(), dunning.copy_scenario(text, text),
    dunning.late_interest(numeric, char, date, date, numeric, text), dunning.hmac_sha256(bytea, bytea),
    dunning.accrue_interest(numeric, date, date, numeric, text, integer, date[], numeric[], date[], numeric[]),
    dunning.invoice_late_interest(bigint, date, numeric, text),
    dunning.pick_step(bigint, integer, integer, time, numeric),
    dunning.random_bytes(integer), dunning.timing_safe_equal(bytea, bytea), dunning.signing_secret(),
    dunning.base64url(bytea), dunning.base64url_decode(text),
    dunning.pay_token_with_key(bigint, bigint[], text, timestamptz, bytea),
    dunning.pay_token(bigint, bigint[], text, timestamptz), dunning.verify_pay_token(text, timestamptz),
    dunning.promise_to_pay(bigint[], numeric, date, text), dunning.refresh_promises(timestamptz),
    dunning.cancel_promise(bigint, text), dunning.open_dispute(bigint, text, numeric, text, text, date),
    dunning.resolve_dispute(bigint, text, text, date), dunning.due_actions(timestamptz),
    dunning.run(timestamptz), dunning.preview(timestamptz), dunning.cancel_paid_actions(),
    dunning.mark_sent(bigint, timestamptz), dunning.mark_failed(bigint, text, boolean),
    dunning.claim_actions(text, integer), dunning.cron_job_name(), dunning.schedule(text), dunning.unschedule()
    FROM PUBLIC;

-- Analysts: read (never the signing key), render, check.
GRANT SELECT ON dunning.setting, dunning.settings, dunning.scenario, dunning.scenario_step, dunning.template,
    dunning.segment_scenario, dunning.customer_setting, dunning.customer_scenario, dunning.holiday,
    dunning.reference_rate, dunning.promise, dunning.dispute_root_cause, dunning.action, dunning.action_item,
    dunning.collector_worklist, dunning.step_effectiveness
    TO dunning_analyst;
GRANT EXECUTE ON FUNCTION dunning.template_is_valid(text), dunning.render_template(text, jsonb, text),
    dunning.is_business_day(date, char), dunning.late_interest(numeric, char, date, date, numeric, text),
    dunning.invoice_late_interest(bigint, date, numeric, text),
    dunning.verify_pay_token(text, timestamptz), dunning.preview(timestamptz), dunning.cron_job_name()
    TO dunning_analyst;
-- Collectors: promises, disputes, snoozes, sending.
GRANT EXECUTE ON FUNCTION dunning.promise_to_pay(bigint[], numeric, date, text),
    dunning.cancel_promise(bigint, text), dunning.refresh_promises(timestamptz),
    dunning.open_dispute(bigint, text, numeric, text, text, date),
    dunning.resolve_dispute(bigint, text, text, date), dunning.cancel_paid_actions(),
    dunning.mark_sent(bigint, timestamptz), dunning.mark_failed(bigint, text, boolean),
    dunning.claim_actions(text, integer), dunning.pay_token(bigint, bigint[], text, timestamptz)
    TO dunning_collector;
GRANT INSERT, UPDATE, DELETE ON dunning.customer_setting TO dunning_collector;
-- Admins: configure, run, schedule.
GRANT INSERT, UPDATE, DELETE ON dunning.setting, dunning.scenario, dunning.scenario_step, dunning.template,
    dunning.segment_scenario, dunning.holiday, dunning.reference_rate, dunning.promise
    TO dunning_admin;
GRANT SELECT, INSERT, UPDATE, DELETE ON dunning.signing_key TO dunning_admin;
GRANT EXECUTE ON FUNCTION dunning.copy_scenario(text, text), dunning.run(timestamptz),
    dunning.schedule(text), dunning.unschedule()
    TO dunning_admin;

-- pg_dump: users' rows and the identity sequences; shipped rows stay out.
SELECT pg_catalog.pg_extension_config_dump('dunning.setting', '');
SELECT pg_catalog.pg_extension_config_dump('dunning.scenario', 'WHERE NOT seeded');
SELECT pg_catalog.pg_extension_config_dump('dunning.scenario_scenario_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('dunning.scenario_step', 'WHERE NOT seeded');
SELECT pg_catalog.pg_extension_config_dump('dunning.scenario_step_step_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('dunning.template', 'WHERE NOT seeded');
SELECT pg_catalog.pg_extension_config_dump('dunning.segment_scenario', '');
SELECT pg_catalog.pg_extension_config_dump('dunning.customer_setting', '');
SELECT pg_catalog.pg_extension_config_dump('dunning.holiday', '');
SELECT pg_catalog.pg_extension_config_dump('dunning.reference_rate', '');
SELECT pg_catalog.pg_extension_config_dump('dunning.signing_key', '');
SELECT pg_catalog.pg_extension_config_dump('dunning.promise', '');
SELECT pg_catalog.pg_extension_config_dump('dunning.promise_promise_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('dunning.action', '');
SELECT pg_catalog.pg_extension_config_dump('dunning.action_action_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('dunning.action_item', '');
