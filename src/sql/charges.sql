-- @schema
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
-- @code
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
CREATE OR REPLACE FUNCTION dunning.accrue_interest(amount numeric, from_date date, to_date date, margin numeric,
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
CREATE OR REPLACE FUNCTION dunning.late_interest(amount numeric, currency char(3), from_date date, to_date date,
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
CREATE OR REPLACE FUNCTION dunning.invoice_late_interest(invoice_id bigint, to_date date, margin numeric,
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
SELECT pg_catalog.pg_extension_config_dump('dunning.reference_rate', '');

-- Privileges of the objects above (PUBLIC has none: security.sql).
GRANT SELECT ON dunning.reference_rate
    TO dunning_analyst;
GRANT INSERT, UPDATE, DELETE ON dunning.reference_rate
    TO dunning_admin;
GRANT EXECUTE ON FUNCTION dunning.late_interest(numeric, char, date, date, numeric, text),
    dunning.invoice_late_interest(bigint, date, numeric, text)
    TO dunning_analyst;
