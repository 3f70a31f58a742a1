-- @schema
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
CREATE TYPE dunning_internal.payer_state;
-- @code
CREATE OR REPLACE FUNCTION dunning_internal.payer_state_in(cstring) RETURNS dunning_internal.payer_state
    AS 'MODULE_PATHNAME', 'payer_state_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OR REPLACE FUNCTION dunning_internal.payer_state_out(dunning_internal.payer_state) RETURNS cstring
    AS 'MODULE_PATHNAME', 'payer_state_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
-- @schema
CREATE TYPE dunning_internal.payer_state (
    INPUT = dunning_internal.payer_state_in,
    OUTPUT = dunning_internal.payer_state_out,
    INTERNALLENGTH = 64,
    ALIGNMENT = double,
    STORAGE = plain
);
-- @code
COMMENT ON TYPE dunning_internal.payer_state IS
    'state of the payer aggregates: (rows, sum of days, sum of amounts, sum of amount x days), amounts in 1/10000 units';
COMMENT ON FUNCTION dunning_internal.payer_state_in(cstring) IS 'input function of dunning_internal.payer_state';
COMMENT ON FUNCTION dunning_internal.payer_state_out(dunning_internal.payer_state) IS 'output function of dunning_internal.payer_state';
-- @schema
CREATE TYPE dunning_internal.risk_state;
-- @code
CREATE OR REPLACE FUNCTION dunning_internal.risk_state_in(cstring) RETURNS dunning_internal.risk_state
    AS 'MODULE_PATHNAME', 'risk_state_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OR REPLACE FUNCTION dunning_internal.risk_state_out(dunning_internal.risk_state) RETURNS cstring
    AS 'MODULE_PATHNAME', 'risk_state_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
-- @schema
CREATE TYPE dunning_internal.risk_state (
    INPUT = dunning_internal.risk_state_in,
    OUTPUT = dunning_internal.risk_state_out,
    INTERNALLENGTH = 64,
    ALIGNMENT = double,
    STORAGE = plain
);
-- @code
COMMENT ON TYPE dunning_internal.risk_state IS
    'state of dunning.payment_risk_score: (has as_of, as_of day number, sum of weight x amount, sum of weight x amount x capped days late)';
COMMENT ON FUNCTION dunning_internal.risk_state_in(cstring) IS 'input function of dunning_internal.risk_state';
COMMENT ON FUNCTION dunning_internal.risk_state_out(dunning_internal.risk_state) IS 'output function of dunning_internal.risk_state';
-- @schema
CREATE TYPE dunning_internal.aging_state;
-- @code
CREATE OR REPLACE FUNCTION dunning_internal.aging_state_in(cstring) RETURNS dunning_internal.aging_state
    AS 'MODULE_PATHNAME', 'aging_state_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OR REPLACE FUNCTION dunning_internal.aging_state_out(dunning_internal.aging_state) RETURNS cstring
    AS 'MODULE_PATHNAME', 'aging_state_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
-- @schema
CREATE TYPE dunning_internal.aging_state (
    INPUT = dunning_internal.aging_state_in,
    OUTPUT = dunning_internal.aging_state_out,
    INTERNALLENGTH = 144,
    ALIGNMENT = double,
    STORAGE = plain
);
-- @code
COMMENT ON TYPE dunning_internal.aging_state IS
    'state of dunning.aging_buckets: (has as_of, as_of day number, scale, six bucket sums in 1/10000 units)';
COMMENT ON FUNCTION dunning_internal.aging_state_in(cstring) IS 'input function of dunning_internal.aging_state';
COMMENT ON FUNCTION dunning_internal.aging_state_out(dunning_internal.aging_state) IS 'output function of dunning_internal.aging_state';

-- Support functions of the payer aggregates ---------------------------------
CREATE OR REPLACE FUNCTION dunning_internal.payer_late_sfunc(dunning_internal.payer_state, date, date, numeric)
    RETURNS dunning_internal.payer_state
    AS 'MODULE_PATHNAME', 'payer_late_sfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE OR REPLACE FUNCTION dunning_internal.payer_late_invfunc(dunning_internal.payer_state, date, date, numeric)
    RETURNS dunning_internal.payer_state
    AS 'MODULE_PATHNAME', 'payer_late_invfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE OR REPLACE FUNCTION dunning_internal.payer_beyond_sfunc(dunning_internal.payer_state, date, date, numeric)
    RETURNS dunning_internal.payer_state
    AS 'MODULE_PATHNAME', 'payer_beyond_sfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE OR REPLACE FUNCTION dunning_internal.payer_beyond_invfunc(dunning_internal.payer_state, date, date, numeric)
    RETURNS dunning_internal.payer_state
    AS 'MODULE_PATHNAME', 'payer_beyond_invfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE OR REPLACE FUNCTION dunning_internal.payer_days_sfunc(dunning_internal.payer_state, date, date)
    RETURNS dunning_internal.payer_state
    AS 'MODULE_PATHNAME', 'payer_days_sfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE OR REPLACE FUNCTION dunning_internal.payer_days_invfunc(dunning_internal.payer_state, date, date)
    RETURNS dunning_internal.payer_state
    AS 'MODULE_PATHNAME', 'payer_days_invfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE OR REPLACE FUNCTION dunning_internal.payer_state_combine(dunning_internal.payer_state, dunning_internal.payer_state)
    RETURNS dunning_internal.payer_state
    AS 'MODULE_PATHNAME', 'payer_state_combine' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OR REPLACE FUNCTION dunning_internal.payer_weighted_final(dunning_internal.payer_state) RETURNS numeric
    AS 'MODULE_PATHNAME', 'payer_weighted_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OR REPLACE FUNCTION dunning_internal.payer_avg_final(dunning_internal.payer_state) RETURNS numeric
    AS 'MODULE_PATHNAME', 'payer_avg_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OR REPLACE FUNCTION dunning_internal.payer_paydex_final(dunning_internal.payer_state) RETURNS integer
    AS 'MODULE_PATHNAME', 'payer_paydex_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dunning_internal.payer_late_sfunc(dunning_internal.payer_state, date, date, numeric) IS
    'transition of the weighted payer aggregates: adds amount and amount x (to - from)';
COMMENT ON FUNCTION dunning_internal.payer_late_invfunc(dunning_internal.payer_state, date, date, numeric) IS
    'inverse transition of dunning_internal.payer_late_sfunc (moving-aggregate mode)';
COMMENT ON FUNCTION dunning_internal.payer_beyond_sfunc(dunning_internal.payer_state, date, date, numeric) IS
    'transition of dunning.days_beyond_terms: like payer_late_sfunc with early days counted as 0';
COMMENT ON FUNCTION dunning_internal.payer_beyond_invfunc(dunning_internal.payer_state, date, date, numeric) IS
    'inverse transition of dunning_internal.payer_beyond_sfunc (moving-aggregate mode)';
COMMENT ON FUNCTION dunning_internal.payer_days_sfunc(dunning_internal.payer_state, date, date) IS
    'transition of dunning.avg_days_late: counts rows and sums paid_on - due_on';
COMMENT ON FUNCTION dunning_internal.payer_days_invfunc(dunning_internal.payer_state, date, date) IS
    'inverse transition of dunning_internal.payer_days_sfunc (moving-aggregate mode)';
COMMENT ON FUNCTION dunning_internal.payer_state_combine(dunning_internal.payer_state, dunning_internal.payer_state) IS
    'combines two partial payer states (parallel and distributed aggregation)';
COMMENT ON FUNCTION dunning_internal.payer_weighted_final(dunning_internal.payer_state) IS
    'final of the weighted payer aggregates: sum(amount x days) / sum(amount), NULL when sum(amount) <= 0';
COMMENT ON FUNCTION dunning_internal.payer_avg_final(dunning_internal.payer_state) IS
    'final of dunning.avg_days_late: sum(days) / count';
COMMENT ON FUNCTION dunning_internal.payer_paydex_final(dunning_internal.payer_state) IS
    'final of dunning.paydex: the weighted days through the PAYDEX chart';

-- Payer aggregates ----------------------------------------------------------
CREATE OR REPLACE AGGREGATE dunning.weighted_days_late(due_on date, paid_on date, amount numeric) (
    SFUNC = dunning_internal.payer_late_sfunc,
    STYPE = dunning_internal.payer_state,
    FINALFUNC = dunning_internal.payer_weighted_final,
    COMBINEFUNC = dunning_internal.payer_state_combine,
    MSFUNC = dunning_internal.payer_late_sfunc,
    MINVFUNC = dunning_internal.payer_late_invfunc,
    MSTYPE = dunning_internal.payer_state,
    MFINALFUNC = dunning_internal.payer_weighted_final,
    MINITCOND = '(0,0,0,0)',
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE dunning.weighted_days_late(date, date, numeric) IS
    'amount-weighted signed days late: sum(amount x (paid_on - due_on)) / sum(amount); rows with a NULL are skipped; NULL when no row or sum(amount) <= 0';
CREATE OR REPLACE AGGREGATE dunning.avg_days_late(due_on date, paid_on date) (
    SFUNC = dunning_internal.payer_days_sfunc,
    STYPE = dunning_internal.payer_state,
    FINALFUNC = dunning_internal.payer_avg_final,
    COMBINEFUNC = dunning_internal.payer_state_combine,
    MSFUNC = dunning_internal.payer_days_sfunc,
    MINVFUNC = dunning_internal.payer_days_invfunc,
    MSTYPE = dunning_internal.payer_state,
    MFINALFUNC = dunning_internal.payer_avg_final,
    MINITCOND = '(0,0,0,0)',
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE dunning.avg_days_late(date, date) IS
    'plain mean of paid_on - due_on over paid items (signed); rows with a NULL are skipped; NULL when no row';
CREATE OR REPLACE AGGREGATE dunning.days_beyond_terms(due_on date, paid_on date, amount numeric) (
    SFUNC = dunning_internal.payer_beyond_sfunc,
    STYPE = dunning_internal.payer_state,
    FINALFUNC = dunning_internal.payer_weighted_final,
    COMBINEFUNC = dunning_internal.payer_state_combine,
    MSFUNC = dunning_internal.payer_beyond_sfunc,
    MINVFUNC = dunning_internal.payer_beyond_invfunc,
    MSTYPE = dunning_internal.payer_state,
    MFINALFUNC = dunning_internal.payer_weighted_final,
    MINITCOND = '(0,0,0,0)',
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE dunning.days_beyond_terms(date, date, numeric) IS
    'amount-weighted days paid beyond terms, early or on time counting 0 (Experian style); NULL like weighted_days_late';
CREATE OR REPLACE AGGREGATE dunning.avg_days_to_pay(issued_on date, paid_on date, amount numeric) (
    SFUNC = dunning_internal.payer_late_sfunc,
    STYPE = dunning_internal.payer_state,
    FINALFUNC = dunning_internal.payer_weighted_final,
    COMBINEFUNC = dunning_internal.payer_state_combine,
    MSFUNC = dunning_internal.payer_late_sfunc,
    MINVFUNC = dunning_internal.payer_late_invfunc,
    MSTYPE = dunning_internal.payer_state,
    MFINALFUNC = dunning_internal.payer_weighted_final,
    MINITCOND = '(0,0,0,0)',
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE dunning.avg_days_to_pay(date, date, numeric) IS
    'amount-weighted mean of paid_on - issued_on; NULL like weighted_days_late';
CREATE OR REPLACE AGGREGATE dunning.paydex(due_on date, paid_on date, amount numeric) (
    SFUNC = dunning_internal.payer_late_sfunc,
    STYPE = dunning_internal.payer_state,
    FINALFUNC = dunning_internal.payer_paydex_final,
    COMBINEFUNC = dunning_internal.payer_state_combine,
    MSFUNC = dunning_internal.payer_late_sfunc,
    MINVFUNC = dunning_internal.payer_late_invfunc,
    MSTYPE = dunning_internal.payer_state,
    MFINALFUNC = dunning_internal.payer_paydex_final,
    MINITCOND = '(0,0,0,0)',
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE dunning.paydex(date, date, numeric) IS
    'PAYDEX-style score 1-100 of the amount-weighted signed days late (dunning.paydex_score of dunning.weighted_days_late, computed exactly)';
CREATE OR REPLACE FUNCTION dunning.paydex_score(days numeric) RETURNS integer
    AS 'MODULE_PATHNAME', 'paydex_score' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dunning.paydex_score(numeric) IS
    'PAYDEX chart: signed days from the due date to a score 1-100, piecewise linear, rounded half up (100 at 30 early, 80 on time, 20 at 120 late, 1 from 177 late)';

-- Behavioural risk score ----------------------------------------------------
CREATE OR REPLACE FUNCTION dunning_internal.risk_sfunc(dunning_internal.risk_state, date, date, numeric, date)
    RETURNS dunning_internal.risk_state
    AS 'MODULE_PATHNAME', 'risk_sfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE OR REPLACE FUNCTION dunning_internal.risk_state_combine(dunning_internal.risk_state, dunning_internal.risk_state)
    RETURNS dunning_internal.risk_state
    AS 'MODULE_PATHNAME', 'risk_state_combine' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OR REPLACE FUNCTION dunning_internal.risk_final(dunning_internal.risk_state) RETURNS integer
    AS 'MODULE_PATHNAME', 'risk_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dunning_internal.risk_sfunc(dunning_internal.risk_state, date, date, numeric, date) IS
    'transition of dunning.payment_risk_score';
COMMENT ON FUNCTION dunning_internal.risk_state_combine(dunning_internal.risk_state, dunning_internal.risk_state) IS
    'combines two partial risk states; as_of must agree';
COMMENT ON FUNCTION dunning_internal.risk_final(dunning_internal.risk_state) IS
    'final of dunning.payment_risk_score';
CREATE OR REPLACE AGGREGATE dunning.payment_risk_score(due_on date, paid_on date, amount numeric, as_of date) (
    SFUNC = dunning_internal.risk_sfunc,
    STYPE = dunning_internal.risk_state,
    FINALFUNC = dunning_internal.risk_final,
    COMBINEFUNC = dunning_internal.risk_state_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE dunning.payment_risk_score(date, date, numeric, date) IS
    'behavioural risk 0 (pays on time) to 100 (120+ days late): amount-weighted capped days late, paid items decaying with a 90-day half-life, open items at full weight';

-- Aging buckets -------------------------------------------------------------
CREATE OR REPLACE FUNCTION dunning_internal.aging_sfunc(dunning_internal.aging_state, date, numeric, date)
    RETURNS dunning_internal.aging_state
    AS 'MODULE_PATHNAME', 'aging_sfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE OR REPLACE FUNCTION dunning_internal.aging_state_combine(dunning_internal.aging_state, dunning_internal.aging_state)
    RETURNS dunning_internal.aging_state
    AS 'MODULE_PATHNAME', 'aging_state_combine' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OR REPLACE FUNCTION dunning_internal.aging_final(dunning_internal.aging_state) RETURNS numeric[]
    AS 'MODULE_PATHNAME', 'aging_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dunning_internal.aging_sfunc(dunning_internal.aging_state, date, numeric, date) IS
    'transition of dunning.aging_buckets';
COMMENT ON FUNCTION dunning_internal.aging_state_combine(dunning_internal.aging_state, dunning_internal.aging_state) IS
    'combines two partial aging states; as_of must agree';
COMMENT ON FUNCTION dunning_internal.aging_final(dunning_internal.aging_state) IS
    'final of dunning.aging_buckets';
CREATE OR REPLACE AGGREGATE dunning.aging_buckets(due_on date, open_amount numeric, as_of date) (
    SFUNC = dunning_internal.aging_sfunc,
    STYPE = dunning_internal.aging_state,
    FINALFUNC = dunning_internal.aging_final,
    COMBINEFUNC = dunning_internal.aging_state_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE dunning.aging_buckets(date, numeric, date) IS
    'open amounts by days past due at as_of: numeric[6] = {current, 1-30, 31-60, 61-90, 91-120, over 120}';

-- DSO over periods (order-dependent: rows oldest first) ---------------------
CREATE OR REPLACE FUNCTION dunning_internal.dso_period_sfunc(internal, numeric, numeric, integer) RETURNS internal
    AS 'MODULE_PATHNAME', 'dso_period_sfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE OR REPLACE FUNCTION dunning_internal.dso_period_invfunc(internal, numeric, numeric, integer) RETURNS internal
    AS 'MODULE_PATHNAME', 'dso_period_invfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE OR REPLACE FUNCTION dunning_internal.dso_countback_final(internal) RETURNS numeric
    AS 'MODULE_PATHNAME', 'dso_countback_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE OR REPLACE FUNCTION dunning_internal.rolling_dso_final(internal) RETURNS numeric
    AS 'MODULE_PATHNAME', 'rolling_dso_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION dunning_internal.dso_period_sfunc(internal, numeric, numeric, integer) IS
    'transition of the period DSO aggregates: queues the period as the newest';
COMMENT ON FUNCTION dunning_internal.dso_period_invfunc(internal, numeric, numeric, integer) IS
    'inverse transition of the period DSO aggregates: drops the oldest period';
COMMENT ON FUNCTION dunning_internal.dso_countback_final(internal) IS
    'final of dunning.dso_countback';
COMMENT ON FUNCTION dunning_internal.rolling_dso_final(internal) IS
    'final of dunning.rolling_dso';
CREATE OR REPLACE AGGREGATE dunning.dso_countback(ar_end numeric, sales numeric, days integer) (
    SFUNC = dunning_internal.dso_period_sfunc,
    STYPE = internal,
    FINALFUNC = dunning_internal.dso_countback_final,
    MSFUNC = dunning_internal.dso_period_sfunc,
    MINVFUNC = dunning_internal.dso_period_invfunc,
    MSTYPE = internal,
    MFINALFUNC = dunning_internal.dso_countback_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE dunning.dso_countback(numeric, numeric, integer) IS
    'countback (exhaustion) DSO over periods given oldest first; the last row''s ar_end is the receivable; use ORDER BY in the call or a window';
CREATE OR REPLACE AGGREGATE dunning.rolling_dso(ar_end numeric, sales numeric, days integer) (
    SFUNC = dunning_internal.dso_period_sfunc,
    STYPE = internal,
    FINALFUNC = dunning_internal.rolling_dso_final,
    MSFUNC = dunning_internal.dso_period_sfunc,
    MINVFUNC = dunning_internal.dso_period_invfunc,
    MSTYPE = internal,
    MFINALFUNC = dunning_internal.rolling_dso_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE dunning.rolling_dso(numeric, numeric, integer) IS
    'simple DSO of a run of periods given oldest first: last ar_end x sum(days) / sum(sales); with current AR it is the best possible DSO';

-- The same over the newest `periods` periods only: the state keeps at most
-- that many (a full queue drops its oldest), so over a running frame (ROWS
-- UNBOUNDED PRECEDING) it is a rolling DSO without the inverse transition.
CREATE OR REPLACE FUNCTION dunning_internal.dso_period_sfunc(internal, numeric, numeric, integer, integer) RETURNS internal
    AS 'MODULE_PATHNAME', 'dso_period_sfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE OR REPLACE FUNCTION dunning_internal.dso_period_invfunc(internal, numeric, numeric, integer, integer) RETURNS internal
    AS 'MODULE_PATHNAME', 'dso_period_invfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION dunning_internal.dso_period_sfunc(internal, numeric, numeric, integer, integer) IS
    'transition of the period DSO aggregates over the newest periods: queues the period as the newest, dropping the oldest when periods are queued';
COMMENT ON FUNCTION dunning_internal.dso_period_invfunc(internal, numeric, numeric, integer, integer) IS
    'inverse transition of the period DSO aggregates over the newest periods: the frame loses its oldest row; drops the oldest period when the frame gets shorter than the queue';
CREATE OR REPLACE AGGREGATE dunning.dso_countback(ar_end numeric, sales numeric, days integer, periods integer) (
    SFUNC = dunning_internal.dso_period_sfunc,
    STYPE = internal,
    FINALFUNC = dunning_internal.dso_countback_final,
    MSFUNC = dunning_internal.dso_period_sfunc,
    MINVFUNC = dunning_internal.dso_period_invfunc,
    MSTYPE = internal,
    MFINALFUNC = dunning_internal.dso_countback_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE dunning.dso_countback(numeric, numeric, integer, integer) IS
    'countback (exhaustion) DSO over the newest periods (a constant 1-10000) of the rows given oldest first; over ROWS UNBOUNDED PRECEDING it is a rolling countback at the cost of a running aggregate';
CREATE OR REPLACE AGGREGATE dunning.rolling_dso(ar_end numeric, sales numeric, days integer, periods integer) (
    SFUNC = dunning_internal.dso_period_sfunc,
    STYPE = internal,
    FINALFUNC = dunning_internal.rolling_dso_final,
    MSFUNC = dunning_internal.dso_period_sfunc,
    MINVFUNC = dunning_internal.dso_period_invfunc,
    MSTYPE = internal,
    MFINALFUNC = dunning_internal.rolling_dso_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE dunning.rolling_dso(numeric, numeric, integer, integer) IS
    'simple DSO over the newest periods (a constant 1-10000) of the rows given oldest first: last ar_end x sum(days) / sum(sales) of those periods';

-- Scalar KPIs (domain.md) ---------------------------------------------------
CREATE OR REPLACE FUNCTION dunning.dso(ar numeric, sales numeric, days integer) RETURNS numeric
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN CASE WHEN sales OPERATOR(pg_catalog.>) 0
                THEN (ar OPERATOR(pg_catalog.*) days) OPERATOR(pg_catalog./) sales END;
COMMENT ON FUNCTION dunning.dso(numeric, numeric, integer) IS
    'simple DSO: ar x days / sales; NULL when sales <= 0';
CREATE OR REPLACE FUNCTION dunning.best_possible_dso(current_ar numeric, sales numeric, days integer)
    RETURNS numeric
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN dunning.dso(current_ar, sales, days);
COMMENT ON FUNCTION dunning.best_possible_dso(numeric, numeric, integer) IS
    'best possible DSO: current (not yet due) AR x days / sales; NULL when sales <= 0';
CREATE OR REPLACE FUNCTION dunning.average_days_delinquent(ar numeric, current_ar numeric, sales numeric, days integer)
    RETURNS numeric
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN CASE WHEN sales OPERATOR(pg_catalog.>) 0
                THEN ((ar OPERATOR(pg_catalog.-) current_ar) OPERATOR(pg_catalog.*) days)
                     OPERATOR(pg_catalog./) sales END;
COMMENT ON FUNCTION dunning.average_days_delinquent(numeric, numeric, numeric, integer) IS
    'ADD = DSO - best possible DSO = (ar - current_ar) x days / sales; NULL when sales <= 0';
CREATE OR REPLACE FUNCTION dunning.cei(beginning_ar numeric, sales numeric, ending_ar numeric,
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

-- Privileges of the objects above (PUBLIC has none: security.sql).
GRANT EXECUTE ON FUNCTION dunning.weighted_days_late(date, date, numeric),
    dunning.avg_days_late(date, date),
    dunning.days_beyond_terms(date, date, numeric),
    dunning.avg_days_to_pay(date, date, numeric),
    dunning.paydex(date, date, numeric),
    dunning.paydex_score(numeric),
    dunning.payment_risk_score(date, date, numeric, date),
    dunning.aging_buckets(date, numeric, date),
    dunning.dso_countback(numeric, numeric, integer),
    dunning.dso_countback(numeric, numeric, integer, integer),
    dunning.rolling_dso(numeric, numeric, integer),
    dunning.rolling_dso(numeric, numeric, integer, integer),
    dunning.dso(numeric, numeric, integer),
    dunning.best_possible_dso(numeric, numeric, integer),
    dunning.average_days_delinquent(numeric, numeric, numeric, integer),
    dunning.cei(numeric, numeric, numeric, numeric, integer)
    TO dunning_analyst;
