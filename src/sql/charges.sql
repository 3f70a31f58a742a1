-- @schema
-----------------------------------------------------------------------------
-- Late-payment charges: reference rate series, statutory rules, fixed
-- compensation, materiality (doc/charges.md)
-----------------------------------------------------------------------------
-- Shipped rows (seeded) are written by every install and update from the
-- lists in dunning_internal.shipped_* below, are read only and stay out of
-- pg_dump.  A user row with the key of a shipped row replaces it (the keys of
-- series_rate and of the rule tables include seeded): a rate the extension
-- ships wrongly, or a house threshold, is corrected by inserting a row.
CREATE TABLE dunning.rate_series (
    series       text PRIMARY KEY,
    currency     char(3),
    description  text NOT NULL,
    period       text NOT NULL DEFAULT 'on_change',
    source       text,
    seeded       boolean NOT NULL DEFAULT false,
    CONSTRAINT rate_series_name_valid CHECK (series ~ '^[A-Z][A-Z0-9_]{1,39}$'),
    CONSTRAINT rate_series_currency_iso4217 CHECK (dunning.is_currency(currency)),
    CONSTRAINT rate_series_period_known CHECK (period IN ('on_change', 'half_year', 'year')),
    CONSTRAINT rate_series_source_when_seeded CHECK (source IS NOT NULL OR NOT seeded)
);
CREATE TABLE dunning.series_rate (
    series      text NOT NULL REFERENCES dunning.rate_series,
    valid_from  date NOT NULL,
    rate        numeric NOT NULL,
    source      text,
    seeded      boolean NOT NULL DEFAULT false,
    PRIMARY KEY (series, valid_from, seeded),
    CONSTRAINT series_rate_range CHECK (rate > -100 AND rate < 100),
    CONSTRAINT series_rate_source_when_seeded CHECK (source IS NOT NULL OR NOT seeded)
);
CREATE TABLE dunning.currency_rate_series (
    currency  char(3) PRIMARY KEY,
    series    text NOT NULL REFERENCES dunning.rate_series,
    seeded    boolean NOT NULL DEFAULT false,
    CONSTRAINT currency_rate_series_currency_iso4217 CHECK (dunning.is_currency(currency))
);
CREATE TABLE dunning.late_payment_rule (
    jurisdiction    text NOT NULL,
    customer_kind   text NOT NULL,
    rate_series     text REFERENCES dunning.rate_series,
    fixing          text NOT NULL DEFAULT 'daily',
    fixing_day      text,
    fixed_for_debt  boolean NOT NULL DEFAULT false,
    margin          numeric,
    round_up_to     numeric,
    compounding     text NOT NULL DEFAULT 'simple',
    notes           text,
    source          text NOT NULL,
    seeded          boolean NOT NULL DEFAULT false,
    PRIMARY KEY (jurisdiction, customer_kind, seeded),
    CONSTRAINT late_payment_rule_jurisdiction_valid CHECK (jurisdiction ~ '^[A-Z]{2}$'),
    CONSTRAINT late_payment_rule_customer_kind_known CHECK (customer_kind IN ('b2b', 'b2c')),
    CONSTRAINT late_payment_rule_fixing_known CHECK (fixing IN ('daily', 'semiannual')),
    CONSTRAINT late_payment_rule_fixing_day_known
        CHECK ((fixing = 'semiannual') = (fixing_day IS NOT NULL) AND fixing_day IN ('day_before', 'first_day')),
    CONSTRAINT late_payment_rule_fixed_for_debt_semiannual CHECK (NOT fixed_for_debt OR fixing = 'semiannual'),
    CONSTRAINT late_payment_rule_margin_with_series
        CHECK ((rate_series IS NULL) = (margin IS NULL) AND margin BETWEEN -100 AND 100),
    CONSTRAINT late_payment_rule_round_up_to_valid CHECK (round_up_to > 0 AND round_up_to <= 10),
    CONSTRAINT late_payment_rule_compounding_known CHECK (compounding IN ('simple', 'annual'))
);
CREATE TABLE dunning.compensation_rule (
    currency       char(3) NOT NULL,
    customer_kind  text NOT NULL,
    debt_from      numeric NOT NULL DEFAULT 0,
    amount         numeric,
    source         text NOT NULL,
    seeded         boolean NOT NULL DEFAULT false,
    PRIMARY KEY (currency, customer_kind, debt_from, seeded),
    CONSTRAINT compensation_rule_currency_iso4217 CHECK (dunning.is_currency(currency)),
    CONSTRAINT compensation_rule_customer_kind_known CHECK (customer_kind IN ('b2b', 'b2c')),
    CONSTRAINT compensation_rule_debt_from_valid CHECK (debt_from >= 0 AND debt_from < 'Infinity'),
    CONSTRAINT compensation_rule_amount_valid
        CHECK (amount >= 0 AND amount = pg_catalog.round(amount, dunning.currency_minor_unit(currency)))
);
CREATE TABLE dunning.materiality_rule (
    currency       char(3) NOT NULL,
    customer_kind  text NOT NULL,
    amount         numeric NOT NULL,
    source         text,
    seeded         boolean NOT NULL DEFAULT false,
    PRIMARY KEY (currency, customer_kind, seeded),
    CONSTRAINT materiality_rule_currency_iso4217 CHECK (dunning.is_currency(currency)),
    CONSTRAINT materiality_rule_customer_kind_known CHECK (customer_kind IN ('b2b', 'b2c')),
    CONSTRAINT materiality_rule_amount_valid
        CHECK (amount >= 0 AND amount = pg_catalog.round(amount, dunning.currency_minor_unit(currency))),
    CONSTRAINT materiality_rule_source_when_seeded CHECK (source IS NOT NULL OR NOT seeded)
);
-- @code
COMMENT ON TABLE dunning.rate_series IS
    'reference rate series (ECB_MRO, BOE_BASE, DE_BASIS, national legal rates, your own): what each is and how long a value holds';
COMMENT ON COLUMN dunning.rate_series.series IS 'name (upper case, digits, _)';
COMMENT ON COLUMN dunning.rate_series.currency IS 'currency of the debts the series is the reference for (informative)';
COMMENT ON COLUMN dunning.rate_series.description IS 'who sets it and what it is';
COMMENT ON COLUMN dunning.rate_series.period IS
    'on_change: a value holds until the next one; half_year / year: a value holds only within its half-year / year (a later date without a value is an error, not the old value)';
COMMENT ON COLUMN dunning.rate_series.source IS 'where the series is published';
COMMENT ON COLUMN dunning.rate_series.seeded IS 'true for a series shipped with the extension (read only, not dumped)';
COMMENT ON TABLE dunning.series_rate IS
    'values of the rate series, each valid from its date until the next; a row of yours with the date of a shipped row replaces it';
COMMENT ON COLUMN dunning.series_rate.series IS 'the series';
COMMENT ON COLUMN dunning.series_rate.valid_from IS 'first day the value applies (the day a central bank''s change takes effect)';
COMMENT ON COLUMN dunning.series_rate.rate IS 'rate in percent per year (4.5 = 4.5 %)';
COMMENT ON COLUMN dunning.series_rate.source IS 'where the value comes from; shipped values not confirmed by their publisher say SECONDARY or UNCONFIRMED';
COMMENT ON COLUMN dunning.series_rate.seeded IS 'true for a value shipped with the extension (read only, not dumped)';
COMMENT ON TABLE dunning.currency_rate_series IS
    'the series the currency-based functions (late_interest, invoice_late_interest, the reference_rate view) use for a currency: EUR ECB_MRO, GBP BOE_BASE';
COMMENT ON COLUMN dunning.currency_rate_series.currency IS 'ISO 4217 currency';
COMMENT ON COLUMN dunning.currency_rate_series.series IS 'its reference rate series';
COMMENT ON COLUMN dunning.currency_rate_series.seeded IS 'true for a mapping shipped with the extension (read only, not dumped)';
COMMENT ON TABLE dunning.late_payment_rule IS
    'statutory late-payment interest per jurisdiction and customer kind: reference series + margin and how the reference is fixed; a row of yours with the key of a shipped one replaces it';
COMMENT ON COLUMN dunning.late_payment_rule.jurisdiction IS 'ISO 3166-1 country whose law applies, or EU (Directive 2011/7/EU default); setting.jurisdiction picks the creditor''s';
COMMENT ON COLUMN dunning.late_payment_rule.customer_kind IS 'b2b (the debtor is a business) or b2c (a consumer): customer.kind';
COMMENT ON COLUMN dunning.late_payment_rule.rate_series IS 'reference series; NULL: the law gives no statutory interest (agree a rate by contract)';
COMMENT ON COLUMN dunning.late_payment_rule.fixing IS
    'daily: the reference in force each day; semiannual: one reference per half-year (1 Jan - 30 Jun, 1 Jul - 31 Dec)';
COMMENT ON COLUMN dunning.late_payment_rule.fixing_day IS
    'semiannual only: day_before (value in force on 31 Dec / 30 Jun, "the most recent operation before 1 Jan / 1 Jul") or first_day (in force on 1 Jan / 1 Jul)';
COMMENT ON COLUMN dunning.late_payment_rule.fixed_for_debt IS 'true: the reference of the half-year interest starts to run in holds for the debt''s whole life (GB)';
COMMENT ON COLUMN dunning.late_payment_rule.margin IS 'percentage points added to the reference';
COMMENT ON COLUMN dunning.late_payment_rule.round_up_to IS 'the total is rounded up to a multiple of this (BE: 0.5); NULL: not rounded';
COMMENT ON COLUMN dunning.late_payment_rule.compounding IS 'simple, or annual (NL: interest is added to the debt after each year)';
COMMENT ON COLUMN dunning.late_payment_rule.notes IS 'floors, scope and what is not modelled';
COMMENT ON COLUMN dunning.late_payment_rule.source IS 'the law the rule comes from';
COMMENT ON COLUMN dunning.late_payment_rule.seeded IS 'true for a rule shipped with the extension (read only, not dumped)';
COMMENT ON TABLE dunning.compensation_rule IS
    'fixed recovery compensation per late invoice, per currency, customer kind and debt band; a row of yours with the key of a shipped one replaces it';
COMMENT ON COLUMN dunning.compensation_rule.currency IS 'ISO 4217 currency of the debt';
COMMENT ON COLUMN dunning.compensation_rule.customer_kind IS 'b2b or b2c';
COMMENT ON COLUMN dunning.compensation_rule.debt_from IS 'the band applies to debts from this amount up to the next band''s';
COMMENT ON COLUMN dunning.compensation_rule.amount IS 'the fixed sum; NULL: the law gives none';
COMMENT ON COLUMN dunning.compensation_rule.source IS 'the law the amount comes from';
COMMENT ON COLUMN dunning.compensation_rule.seeded IS 'true for a rule shipped with the extension (read only, not dumped)';
COMMENT ON TABLE dunning.materiality_rule IS
    'smallest total per currency and customer kind worth a reminder; a row of yours with the key of a shipped one replaces it';
COMMENT ON COLUMN dunning.materiality_rule.currency IS 'ISO 4217 currency';
COMMENT ON COLUMN dunning.materiality_rule.customer_kind IS 'b2b or b2c';
COMMENT ON COLUMN dunning.materiality_rule.amount IS 'the threshold, in the currency''s minor units';
COMMENT ON COLUMN dunning.materiality_rule.source IS 'why this amount (the shipped ones: a house default, not law)';
COMMENT ON COLUMN dunning.materiality_rule.seeded IS 'true for a threshold shipped with the extension (read only, not dumped)';
CREATE OR REPLACE TRIGGER rate_series_seeded_read_only BEFORE INSERT OR UPDATE OR DELETE ON dunning.rate_series
    FOR EACH ROW EXECUTE FUNCTION dunning_internal.shipped_row_guard('Add a series of your own (seeded = false).');
CREATE OR REPLACE TRIGGER series_rate_seeded_read_only BEFORE INSERT OR UPDATE OR DELETE ON dunning.series_rate
    FOR EACH ROW EXECUTE FUNCTION dunning_internal.shipped_row_guard(
        'Insert a row of your own (seeded = false) with the same series and valid_from: it replaces the shipped value.');
CREATE OR REPLACE TRIGGER currency_rate_series_seeded_read_only BEFORE INSERT OR UPDATE OR DELETE ON dunning.currency_rate_series
    FOR EACH ROW EXECUTE FUNCTION dunning_internal.shipped_row_guard('Map other currencies (seeded = false).');
CREATE OR REPLACE TRIGGER late_payment_rule_seeded_read_only BEFORE INSERT OR UPDATE OR DELETE ON dunning.late_payment_rule
    FOR EACH ROW EXECUTE FUNCTION dunning_internal.shipped_row_guard(
        'Insert a rule of your own (seeded = false) with the same jurisdiction and customer_kind: it replaces the shipped one.');
CREATE OR REPLACE TRIGGER compensation_rule_seeded_read_only BEFORE INSERT OR UPDATE OR DELETE ON dunning.compensation_rule
    FOR EACH ROW EXECUTE FUNCTION dunning_internal.shipped_row_guard(
        'Insert a rule of your own (seeded = false) with the same currency, customer_kind and debt_from: it replaces the shipped one.');
CREATE OR REPLACE TRIGGER materiality_rule_seeded_read_only BEFORE INSERT OR UPDATE OR DELETE ON dunning.materiality_rule
    FOR EACH ROW EXECUTE FUNCTION dunning_internal.shipped_row_guard(
        'Insert a threshold of your own (seeded = false) with the same currency and customer_kind: it replaces the shipped one.');

-----------------------------------------------------------------------------
-- Rates in force
-----------------------------------------------------------------------------
CREATE OR REPLACE VIEW dunning.rate_history AS
SELECT DISTINCT ON (r.series, r.valid_from) r.series, r.valid_from, r.rate::numeric(10,6) AS rate, r.source, r.seeded
  FROM dunning.series_rate r
 ORDER BY r.series, r.valid_from, r.seeded;
COMMENT ON VIEW dunning.rate_history IS
    'the values of every rate series, one per date: your row where you gave one for a shipped date, else the shipped one';
COMMENT ON COLUMN dunning.rate_history.series IS 'the series';
COMMENT ON COLUMN dunning.rate_history.valid_from IS 'first day the value applies';
COMMENT ON COLUMN dunning.rate_history.rate IS 'rate in percent per year';
COMMENT ON COLUMN dunning.rate_history.source IS 'where the value comes from';
COMMENT ON COLUMN dunning.rate_history.seeded IS 'true: the shipped value; false: yours';

-- The reference rates of 0.2.0, per currency: the history of the currency's
-- series (currency_rate_series).  Writable for compatibility: a row inserted
-- here goes into series_rate, in the currency's series (a series named after
-- the currency is created for a currency without one).
CREATE OR REPLACE VIEW dunning.reference_rate AS
SELECT m.currency, h.valid_from, h.rate, h.source, h.series, h.seeded
  FROM dunning.currency_rate_series m
  JOIN dunning.rate_history h ON h.series = m.series;
COMMENT ON VIEW dunning.reference_rate IS
    'reference rates per currency (the currency''s series in currency_rate_series: EUR ECB_MRO, GBP BOE_BASE), each valid from its date until the next; inserts go to series_rate';
COMMENT ON COLUMN dunning.reference_rate.currency IS 'currency of the invoices it applies to';
COMMENT ON COLUMN dunning.reference_rate.valid_from IS 'first day the rate applies';
COMMENT ON COLUMN dunning.reference_rate.rate IS 'rate in percent per year (4.5 = 4.5 %)';
COMMENT ON COLUMN dunning.reference_rate.source IS 'where the rate comes from';
COMMENT ON COLUMN dunning.reference_rate.series IS 'the rate series it belongs to';
COMMENT ON COLUMN dunning.reference_rate.seeded IS 'true: shipped with the extension (read only)';
CREATE OR REPLACE FUNCTION dunning_internal.reference_rate_write() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    s text;
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT m.series INTO s FROM dunning.currency_rate_series m WHERE m.currency = NEW.currency;
        IF NOT FOUND THEN
            s := NEW.currency;
            INSERT INTO dunning.rate_series (series, currency, description)
            VALUES (s, NEW.currency, 'reference rate of ' || NEW.currency || ' (created by an insert into dunning.reference_rate)')
                ON CONFLICT (series) DO NOTHING;
            INSERT INTO dunning.currency_rate_series (currency, series) VALUES (NEW.currency, s);
        END IF;
        INSERT INTO dunning.series_rate (series, valid_from, rate, source, seeded)
        VALUES (s, NEW.valid_from, NEW.rate, NEW.source, COALESCE(NEW.seeded, false));
        RETURN NEW;
    ELSIF TG_OP = 'UPDATE' THEN
        UPDATE dunning.series_rate r SET valid_from = NEW.valid_from, rate = NEW.rate, source = NEW.source
         WHERE r.series = OLD.series AND r.valid_from = OLD.valid_from AND r.seeded = OLD.seeded;
        RETURN NEW;
    END IF;
    DELETE FROM dunning.series_rate r
     WHERE r.series = OLD.series AND r.valid_from = OLD.valid_from AND r.seeded = OLD.seeded;
    RETURN OLD;
END
$fn$;
COMMENT ON FUNCTION dunning_internal.reference_rate_write() IS
    'trigger: writes through dunning.reference_rate into series_rate, in the currency''s series (internal)';
CREATE OR REPLACE TRIGGER reference_rate_write INSTEAD OF INSERT OR UPDATE OR DELETE ON dunning.reference_rate
    FOR EACH ROW EXECUTE FUNCTION dunning_internal.reference_rate_write();

CREATE OR REPLACE FUNCTION dunning.rate_on(series text, day date) RETURNS numeric
    LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    period text;
    v record;
BEGIN
    IF NOT pg_catalog.isfinite(day) THEN
        RAISE EXCEPTION 'day must be finite, got %', day USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF series IS NULL OR day IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT s.period INTO period FROM dunning.rate_series s WHERE s.series = rate_on.series;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'rate series "%" does not exist', pg_catalog.left(series, 100)
            USING ERRCODE = 'undefined_object';
    END IF;
    -- rate_history's rule (your row over the shipped one of the same date),
    -- read from series_rate: the value as stored, not at the view's scale
    SELECT h.valid_from, h.rate INTO v FROM dunning.series_rate h
     WHERE h.series = rate_on.series AND h.valid_from <= day
     ORDER BY h.valid_from DESC, h.seeded LIMIT 1;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'rate series % has no value in force on %', series, day
            USING ERRCODE = 'no_data_found',
                  HINT = 'Add the value to dunning.series_rate (series, valid_from, rate, source).';
    END IF;
    -- half-years numbered 2 x year + (0 | 1): a value of an earlier one does not hold
    IF (period = 'half_year'
        AND pg_catalog.date_part('year', v.valid_from) * 2 + (pg_catalog.date_part('month', v.valid_from) >= 7)::integer
          < pg_catalog.date_part('year', day) * 2 + (pg_catalog.date_part('month', day) >= 7)::integer)
       OR (period = 'year' AND pg_catalog.date_part('year', v.valid_from) < pg_catalog.date_part('year', day)) THEN
        RAISE EXCEPTION 'rate series % has no value for the % of %: its last value (%) is from %',
                series, CASE period WHEN 'year' THEN 'year' ELSE 'half-year' END, day, v.rate, v.valid_from
            USING ERRCODE = 'no_data_found',
                  DETAIL = 'Its values are published per ' || CASE period WHEN 'year' THEN 'year' ELSE 'half-year' END
                           || ' and hold only for it.',
                  HINT = 'Add the published value to dunning.series_rate (series, valid_from, rate, source).';
    END IF;
    RETURN v.rate;
END
$fn$;
COMMENT ON FUNCTION dunning.rate_on(text, date) IS
    'the value of a rate series in force on a day (percent per year); an error (P0002) when none is known, never an old value past its half-year or year';

-----------------------------------------------------------------------------
-- Statutory rules: what the runner asks
-----------------------------------------------------------------------------
-- The rule in force for a jurisdiction (NULL: the setting's, default EU) and
-- customer kind: the user's row before the shipped one.  An error when there
-- is none, or when the law gives no statutory interest: never a zero rate.
CREATE OR REPLACE FUNCTION dunning.late_payment_rule_in_force(jurisdiction text, customer_kind text)
RETURNS dunning.late_payment_rule
    LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    j text := pg_catalog.upper(COALESCE(jurisdiction, (SELECT s.jurisdiction FROM dunning.settings s)));
    r dunning.late_payment_rule;
BEGIN
    IF customer_kind NOT IN ('b2b', 'b2c') THEN
        RAISE EXCEPTION 'customer kind must be b2b or b2c, not "%"', pg_catalog.left(customer_kind, 100)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT * INTO r FROM dunning.late_payment_rule l
     WHERE l.jurisdiction = j AND l.customer_kind = late_payment_rule_in_force.customer_kind
     ORDER BY l.seeded LIMIT 1;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no statutory late-payment rule for jurisdiction "%" and % customers', pg_catalog.left(j, 100), customer_kind
            USING ERRCODE = 'no_data_found',
                  HINT = 'Add one to dunning.late_payment_rule, or set dunning.setting.jurisdiction (NULL = EU). '
                         'None is shipped for the US: interest there is agreed by contract.';
    END IF;
    IF r.rate_series IS NULL THEN
        RAISE EXCEPTION 'the law of % gives no statutory late-payment interest on debts of % customers', j, customer_kind
            USING ERRCODE = 'no_data_found', DETAIL = COALESCE(r.notes, r.source),
                  HINT = 'Interest must be agreed by contract: add a rule of your own to dunning.late_payment_rule.';
    END IF;
    RETURN r;
END
$fn$;
COMMENT ON FUNCTION dunning.late_payment_rule_in_force(text, text) IS
    'the late-payment rule in force for a jurisdiction (NULL: setting, default EU) and customer kind (your row before the shipped one); P0002 when there is none or the law gives no statutory interest';

CREATE OR REPLACE FUNCTION dunning.statutory_rate(jurisdiction text, customer_kind text, on_date date,
                                                  running_since date DEFAULT NULL,
                                                  OUT rate_series text, OUT reference_date date,
                                                  OUT reference_rate numeric, OUT margin numeric, OUT total numeric)
    LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    r dunning.late_payment_rule;
    h date;
BEGIN
    -- (a NULL one is left to the checks below)
    IF NOT (pg_catalog.isfinite(on_date) AND pg_catalog.isfinite(running_since)) THEN
        RAISE EXCEPTION 'on_date and running_since must be finite, got %, %', on_date, running_since
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF customer_kind IS NULL OR on_date IS NULL THEN
        RETURN;
    END IF;
    r := dunning.late_payment_rule_in_force(jurisdiction, customer_kind);
    rate_series := r.rate_series;
    IF r.fixing = 'daily' THEN
        reference_date := on_date;
    ELSE
        h := CASE WHEN r.fixed_for_debt THEN COALESCE(running_since, on_date) ELSE on_date END;
        h := pg_catalog.make_date(pg_catalog.date_part('year', h)::integer,
                                  CASE WHEN pg_catalog.date_part('month', h) >= 7 THEN 7 ELSE 1 END, 1);
        reference_date := CASE r.fixing_day WHEN 'day_before' THEN h - 1 ELSE h END;
    END IF;
    reference_rate := dunning.rate_on(r.rate_series, reference_date);
    margin := r.margin;
    total := reference_rate + r.margin;
    IF r.round_up_to IS NOT NULL THEN
        total := pg_catalog.ceil(total / r.round_up_to) * r.round_up_to;
    END IF;
END
$fn$;
COMMENT ON FUNCTION dunning.statutory_rate(text, text, date, date) IS
    'statutory late-payment rate on on_date for a jurisdiction (NULL: setting, default EU) and customer kind: series, the day its reference was fixed, the reference, margin and total (rounded as the law says); for a rule fixed per debt (GB) the reference of the half-year running_since falls in; P0002 when no rule, no statutory interest or no reference is known';

-- The statutory total in force from each day of [from_date, to_date] it may
-- change on (from_date, each half-year, each change of a daily-fixed series),
-- as the rate_from / totals arrays of accrue_interest (margin 0).  It does
-- not depend on the debt except for a rule fixed per debt (GB), where
-- running_since (the debt's first day of interest) fixes it: a caller
-- computes it once per jurisdiction and kind (and, for GB, half-year of
-- running_since) and runs accrue_interest per item.
CREATE OR REPLACE FUNCTION dunning.statutory_rate_schedule(jurisdiction text, customer_kind text,
                                                           from_date date, to_date date,
                                                           running_since date DEFAULT NULL,
                                                           OUT rate_from date[], OUT totals numeric[])
    LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    r dunning.late_payment_rule;
BEGIN
    -- (a NULL one is left to the checks below)
    IF NOT (pg_catalog.isfinite(from_date) AND pg_catalog.isfinite(to_date) AND pg_catalog.isfinite(running_since)) THEN
        RAISE EXCEPTION 'from_date, to_date and running_since must be finite, got %, %, %', from_date, to_date, running_since
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF customer_kind IS NULL OR from_date IS NULL OR to_date IS NULL THEN
        RETURN;
    END IF;
    r := dunning.late_payment_rule_in_force(jurisdiction, customer_kind);
    SELECT pg_catalog.array_agg(d.day ORDER BY d.day),
           pg_catalog.array_agg((dunning.statutory_rate(r.jurisdiction, customer_kind, d.day, running_since)).total
                                ORDER BY d.day)
      INTO rate_from, totals
      FROM (SELECT from_date AS day
            UNION
            SELECT g::date FROM pg_catalog.generate_series(pg_catalog.date_trunc('year', from_date), to_date,
                                                           interval '6 months') g
             WHERE g > from_date
            UNION
            SELECT h.valid_from FROM dunning.rate_history h
             WHERE r.fixing = 'daily' AND h.series = r.rate_series
               AND h.valid_from > from_date AND h.valid_from <= to_date) d;
END
$fn$;
COMMENT ON FUNCTION dunning.statutory_rate_schedule(text, text, date, date, date) IS
    'the statutory total (reference + margin) in force from each day of from_date..to_date it may change on, as the rate_from and totals arrays of accrue_interest; for a rule fixed per debt (GB) the total of running_since''s half-year; errors as statutory_rate';

-- The interest of an invoice under the statutory rule: from the day after its
-- due date to to_date, on the amount outstanding each day (as
-- invoice_late_interest), at the statutory total of each day's half-year (or
-- day, or the debt's fixing), compounded yearly where the law says so.
CREATE OR REPLACE FUNCTION dunning.invoice_statutory_interest(invoice_id bigint, to_date date,
                                                              jurisdiction text DEFAULT NULL, basis text DEFAULT NULL)
RETURNS numeric
    LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    inv record;
    r dunning.late_payment_rule;
    b text := COALESCE(basis, (SELECT s.day_count_basis FROM dunning.settings s));
    p record;
    froms date[];
    totals numeric[];
    lo date;
    hi date;
    result numeric := 0;
BEGIN
    IF NOT pg_catalog.isfinite(to_date) THEN
        RAISE EXCEPTION 'to_date must be finite, got %', to_date USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF invoice_id IS NULL OR to_date IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT i.amount, i.currency, i.due_on, c.kind, dunning.currency_minor_unit(i.currency) AS digits INTO inv
      FROM dunning.invoice i JOIN dunning.customer c ON c.customer_id = i.customer_id
     WHERE i.invoice_id = invoice_statutory_interest.invoice_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'invoice % does not exist', invoice_id USING ERRCODE = 'undefined_object';
    END IF;
    IF inv.amount < 0 THEN
        RAISE EXCEPTION 'invoice % is a credit note: it bears no interest', invoice_id
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF to_date <= inv.due_on THEN
        RETURN pg_catalog.round(0, inv.digits);
    END IF;
    r := dunning.late_payment_rule_in_force(jurisdiction, inv.kind);
    SELECT sc.rate_from, sc.totals INTO froms, totals
      FROM dunning.statutory_rate_schedule(r.jurisdiction, inv.kind, inv.due_on + 1, to_date, inv.due_on + 1) sc;
    SELECT pg_catalog.array_agg(x.settled_on) AS paid_on, pg_catalog.array_agg(x.amount) AS paid INTO p
      FROM dunning.settlement x
     WHERE x.invoice_id = invoice_statutory_interest.invoice_id AND x.kind <> 'credit_note_applied';
    IF r.compounding = 'simple' THEN
        RETURN dunning.accrue_interest(inv.amount, inv.due_on, to_date, 0, b, inv.digits, froms, totals, p.paid_on, p.paid);
    END IF;
    -- annual: after each year of delay its interest is added to the debt
    lo := inv.due_on;
    WHILE lo < to_date LOOP
        hi := LEAST(to_date, (lo + interval '1 year')::date);
        result := result + dunning.accrue_interest(inv.amount + result, lo, hi, 0, b, inv.digits, froms, totals,
                                                   p.paid_on, p.paid);
        lo := hi;
    END LOOP;
    RETURN result;
END
$fn$;
COMMENT ON FUNCTION dunning.invoice_statutory_interest(bigint, date, text, text) IS
    'statutory late-payment interest an invoice owes at to_date under the rule of jurisdiction (NULL: setting, default EU) for its customer''s kind: from the due date, on the amount outstanding each day, at reference + margin fixed as the law says, compounded yearly where it says so, rounded to the currency; P0002 when no rule applies';

CREATE OR REPLACE FUNCTION dunning.fixed_compensation(currency char(3), customer_kind text, debt_amount numeric)
RETURNS numeric
    LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v record;
BEGIN
    IF currency IS NULL OR customer_kind IS NULL OR debt_amount IS NULL THEN
        RETURN NULL;
    END IF;
    IF customer_kind NOT IN ('b2b', 'b2c') THEN
        RAISE EXCEPTION 'customer kind must be b2b or b2c, not "%"', pg_catalog.left(customer_kind, 100)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF NOT EXISTS (SELECT FROM dunning.compensation_rule c
                    WHERE c.currency = fixed_compensation.currency AND c.customer_kind = fixed_compensation.customer_kind) THEN
        RAISE EXCEPTION 'no fixed-compensation rule for % debts of % customers', currency, customer_kind
            USING ERRCODE = 'no_data_found',
                  HINT = 'Add one to dunning.compensation_rule (amount NULL: the law gives none).';
    END IF;
    -- the band of the debt: the user's row before the shipped one
    SELECT c.amount INTO v FROM dunning.compensation_rule c
     WHERE c.currency = fixed_compensation.currency AND c.customer_kind = fixed_compensation.customer_kind
       AND c.debt_from <= debt_amount
     ORDER BY c.debt_from DESC, c.seeded LIMIT 1;
    RETURN v.amount;
END
$fn$;
COMMENT ON FUNCTION dunning.fixed_compensation(char, text, numeric) IS
    'fixed recovery compensation for one late invoice of debt_amount (EUR b2b 40; GBP b2b 40 / 70 / 100 by band); NULL when the law gives none (b2c); P0002 when the currency has no rule for that kind';

CREATE OR REPLACE FUNCTION dunning.materiality(currency char(3), customer_kind text) RETURNS numeric
    LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v numeric;
BEGIN
    IF currency IS NULL OR customer_kind IS NULL THEN
        RETURN NULL;
    END IF;
    IF customer_kind NOT IN ('b2b', 'b2c') THEN
        RAISE EXCEPTION 'customer kind must be b2b or b2c, not "%"', pg_catalog.left(customer_kind, 100)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT m.amount INTO v FROM dunning.materiality_rule m
     WHERE m.currency = materiality.currency AND m.customer_kind = materiality.customer_kind
     ORDER BY m.seeded LIMIT 1;
    IF FOUND THEN
        RETURN v;
    END IF;
    SELECT s.materiality_amount INTO v FROM dunning.setting s;
    IF v IS NOT NULL THEN
        RETURN v;
    END IF;
    RAISE EXCEPTION 'no materiality threshold for % and % customers', pg_catalog.left(currency, 100), customer_kind
        USING ERRCODE = 'no_data_found',
              HINT = 'Add one to dunning.materiality_rule, or set dunning.setting.materiality_amount for every currency without one.';
END
$fn$;
COMMENT ON FUNCTION dunning.materiality(char, text) IS
    'smallest total of a currency worth a reminder to a customer of that kind: materiality_rule, else setting.materiality_amount when set; P0002 otherwise';

-----------------------------------------------------------------------------
-- Interest at a given margin over a currency's reference (0.2.0's functions)
-----------------------------------------------------------------------------
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
    'simple interest on amount less the payments (paid_on, paid) made so far, for each day of (from_date, to_date], at the rate in force (rate_from, rates) + margin, rounded to digits; NULL when a day has no rate (what late_interest, invoice_late_interest and the runner compute with; with statutory_rate_schedule''s arrays, the statutory interest)';

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
        RAISE EXCEPTION 'unknown currency %', left(currency, 100) USING ERRCODE = 'invalid_parameter_value';
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

-----------------------------------------------------------------------------
-- The shipped data (research of 2026-12-04: doc/charges.md).  Written again
-- by every install and update (dunning_internal.sync_shipped_charges), so a
-- release corrects a value by changing these lists.
-----------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION dunning_internal.shipped_rate_series()
RETURNS TABLE (series text, currency char(3), description text, period text, source text)
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp
AS $fn$
VALUES
    ('ECB_MRO', 'EUR'::char(3), 'European Central Bank: fixed rate of the main refinancing operations, from the day a change takes effect (the settlement of the next operation), not the day it is announced', 'on_change',
     'ECB key interest rates, https://www.ecb.europa.eu/stats/policy_and_exchange_rates/key_ecb_interest_rates/html/index.en.html'),
    ('BOE_BASE', 'GBP', 'Bank of England: Bank Rate (official bank rate), from the day of the change', 'on_change',
     'Bank of England, Official Bank Rate history (database)'),
    ('DE_BASIS', 'EUR', 'Deutsche Bundesbank: Basiszinssatz of BGB §247, reset on 1 January and 1 July by the change of the ECB main refinancing rate', 'half_year',
     'BGB §247 (gesetze-in-app.de/BGB/247); published by the Bundesbank in the Bundesanzeiger'),
    ('FR_TAUX_LEGAL_AUTRES', 'EUR', 'France: taux de l''intérêt légal for creditors other than natural persons not acting for business purposes ("autres cas"), set by arrêté each half-year', 'half_year',
     'Code monétaire et financier L313-2 and D313-1-A (droit-pratique.fr)'),
    ('BE_TAUX_LEGAL', 'EUR', 'Belgium: taux d''intérêt légal (loi du 5 mai 1865), set each year', 'year',
     'Loi du 5 mai 1865 relative au prêt à intérêt, art. 2; the rate is published each year in the Moniteur belge'),
    ('NL_WETTELIJKE_RENTE', 'EUR', 'Netherlands: wettelijke rente for non-commercial transactions (BW 6:119), set by decree, reviewed each half-year', 'half_year',
     'BW 6:119 and 6:120 lid 1 (viajuridica.nl); e-justice.europa.eu interest rates, Netherlands'),
    ('ES_INTERES_LEGAL', 'EUR', 'Spain: interés legal del dinero, set each year in the Ley de Presupuestos Generales del Estado', 'year',
     'Código Civil art. 1108 (es.wikipedia, rankia)'),
    ('IT_SAGGIO_LEGALE', 'EUR', 'Italy: saggio degli interessi legali (codice civile art. 1284), set each year by decree of the Ministry of Economy and Finance', 'year',
     'Codice civile art. 1284 (winkler-sandrini.it)')
$fn$;
COMMENT ON FUNCTION dunning_internal.shipped_rate_series() IS 'the rate series shipped with this version (internal: synced into dunning.rate_series)';

CREATE OR REPLACE FUNCTION dunning_internal.shipped_series_rates()
RETURNS TABLE (series text, valid_from date, rate numeric, source text)
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp
AS $fn$
WITH src (k, source) AS (VALUES
    ('ecb', 'ECB key interest rates table (main refinancing operations, fixed rate; date = the day the new rate took effect): copies at http://www.bsi.si./en/ecb-interest-rates (Banka Slovenije), sdw.zentral-bank.eu (mirror of ecb.europa.eu key_ecb_interest_rates) and https://www.banque-france.fr/en/policy-rates'),
    ('boe', 'https://www.uktaxcalculators.co.uk/tax-news/2025/12/18/bank-of-england-cuts-interest-rates-for-christmas-calculator (table citing the BoE Official Bank Rate history)')
), r (series, valid_from, rate, k, source) AS (VALUES
    ('ECB_MRO', '2014-09-10'::date, 0.05, 'ecb'::text, NULL::text),
    ('ECB_MRO', '2016-03-16'::date, 0.00, 'ecb', NULL),
    ('ECB_MRO', '2022-07-27'::date, 0.50, 'ecb', NULL),
    ('ECB_MRO', '2022-09-14'::date, 1.25, 'ecb', NULL),
    ('ECB_MRO', '2022-11-02'::date, 2.00, 'ecb', NULL),
    ('ECB_MRO', '2022-12-21'::date, 2.50, 'ecb', NULL),
    ('ECB_MRO', '2023-02-08'::date, 3.00, 'ecb', NULL),
    ('ECB_MRO', '2023-03-22'::date, 3.50, 'ecb', NULL),
    ('ECB_MRO', '2023-05-10'::date, 3.75, 'ecb', NULL),
    ('ECB_MRO', '2023-06-21'::date, 4.00, 'ecb', NULL),
    ('ECB_MRO', '2023-08-02'::date, 4.25, 'ecb', NULL),
    ('ECB_MRO', '2023-09-20'::date, 4.50, 'ecb', NULL),
    ('ECB_MRO', '2024-06-12'::date, 4.25, 'ecb', NULL),
    ('ECB_MRO', '2024-09-18'::date, 3.65, 'ecb', NULL),
    ('ECB_MRO', '2024-10-23'::date, 3.40, 'ecb', NULL),
    ('ECB_MRO', '2024-12-18'::date, 3.15, 'ecb', NULL),
    ('ECB_MRO', '2025-02-05'::date, 2.90, 'ecb', NULL),
    ('ECB_MRO', '2025-03-12'::date, 2.65, 'ecb', NULL),
    ('ECB_MRO', '2025-04-23'::date, 2.40, 'ecb', NULL),
    ('ECB_MRO', '2025-06-11'::date, 2.15, NULL, 'https://cordmagazine.com/news/ecb-cuts-rates-for-first-time-in-years/ (in effect from 11 June 2025); held at the meetings up to 2026-04-30 (econostream-media.com, brusselstimes.com, https://www.hedgwatch.com/News/Article/f35c30971bf0c4b9de6ae1b5073bab52fad4d1e5)'),
    ('ECB_MRO', '2026-06-17'::date, 2.40, NULL, 'SECONDARY, not confirmed on ecb.europa.eu: ECB press release of 11 June 2026 (+25 bp) quoted word for word in public repository files; the ECB page itself was not read'),
    ('ECB_MRO', '2026-09-16'::date, 2.65, NULL, 'SECONDARY, not confirmed on ecb.europa.eu: ECB press release of 10 Sep 2026 (+25 bp), https://www.ecb.europa.eu/press/pr/date/2026/html/ecb.mp260910~314e508016.en.html, quoted word for word in public repository files. UNCONFIRMED: the decision of 29 Oct 2026 is not included'),
    ('BOE_BASE', '2009-03-05'::date, 0.50, NULL, 'UNCONFIRMED day of month (from the Bank of England database, not in the cited text): https://trussle.com/mortgages/bank-of-england-base-rate (March 2009: 0.50%); value in force on 2015-01-01'),
    ('BOE_BASE', '2016-08-04'::date, 0.25, NULL, 'UNCONFIRMED day of month (from the Bank of England database, not in the cited text): https://trussle.com/mortgages/bank-of-england-base-rate (Aug 2016: 0.25%)'),
    ('BOE_BASE', '2017-11-02'::date, 0.50, NULL, 'UNCONFIRMED day of month (from the Bank of England database, not in the cited text): https://trussle.com/mortgages/bank-of-england-base-rate (November 2017: 0.50%)'),
    ('BOE_BASE', '2018-08-02'::date, 0.75, NULL, 'https://review.clateway.com/wiki/view_html.php?lang=en&q=Official_bank_rate (Wikipedia copy citing BoE database: 2 August 2018)'),
    ('BOE_BASE', '2020-03-11'::date, 0.25, NULL, 'https://covid19.health.org.uk/theme/bank-england-reduces-bank-rate-support-economy-first-time-during-pandemic'),
    ('BOE_BASE', '2020-03-19'::date, 0.10, NULL, 'https://review.clateway.com/wiki/view_html.php?lang=en&q=Official_bank_rate (19 March 2020)'),
    ('BOE_BASE', '2021-12-16'::date, 0.25, NULL, 'UNCONFIRMED day of month (from the Bank of England database, not in the cited text): https://rmiaccountancy.com/bank-of-england-raises-base-rate-to-0-25/ (MPC meeting ending 15 Dec 2021; announced/effective 16 Dec per BoE history)'),
    ('BOE_BASE', '2022-02-03'::date, 0.50, NULL, 'UNCONFIRMED day of month (from the Bank of England database, not in the cited text): https://inverclydechamber.co.uk/bank-of-england-raises-interest-rates-again-as-prices-surge (0.25 -> 0.5%)'),
    ('BOE_BASE', '2022-03-17'::date, 0.75, NULL, 'https://www.thetimes.co.uk/article/bank-of-englands-note-of-caution-on-interest-rates-at-an-uncertain-time-r95fjsh7x (2022-03-17)'),
    ('BOE_BASE', '2022-05-05'::date, 1.00, NULL, 'UNCONFIRMED day of month (from the Bank of England database, not in the cited text): https://tradingeconomics.com:443/united-kingdom/interest-rate (May 2022 meeting: 1%)'),
    ('BOE_BASE', '2022-06-16'::date, 1.25, NULL, 'UNCONFIRMED day of month (from the Bank of England database, not in the cited text): https://www.thetimes.co.uk/article/interest-rates-rise-to-1-25-as-bank-of-england-tackles-inflation-mj86pmvvn (June 2022)'),
    ('BOE_BASE', '2022-08-04'::date, 1.75, NULL, 'https://caymanmama.com/uk-rate-of-interest-the-financial-institution-of-england-simply-made-its-greatest-hike-in-27-years/ (2022-08-04)'),
    ('BOE_BASE', '2022-09-22'::date, 2.25, NULL, 'UNCONFIRMED day of month (from the Bank of England database, not in the cited text): https://www.nfda-uk.co.uk/press-room/newsletter/2022/39/bank-of-england-raised-interest-rates-again (Sept 2022)'),
    ('BOE_BASE', '2022-11-03'::date, 3.00, NULL, 'https://www.channel4.com/news/interest-rates-rise-to-3-as-bank-of-england-warns-of-long-recession (3 Nov 2022)'),
    ('BOE_BASE', '2022-12-15'::date, 3.50, 'boe', NULL),
    ('BOE_BASE', '2023-02-02'::date, 4.00, 'boe', NULL),
    ('BOE_BASE', '2023-03-23'::date, 4.25, 'boe', NULL),
    ('BOE_BASE', '2023-05-11'::date, 4.50, 'boe', NULL),
    ('BOE_BASE', '2023-06-22'::date, 5.00, 'boe', NULL),
    ('BOE_BASE', '2023-08-03'::date, 5.25, 'boe', NULL),
    ('BOE_BASE', '2024-08-01'::date, 5.00, 'boe', NULL),
    ('BOE_BASE', '2024-11-07'::date, 4.75, 'boe', NULL),
    ('BOE_BASE', '2025-02-06'::date, 4.50, 'boe', NULL),
    ('BOE_BASE', '2025-05-08'::date, 4.25, 'boe', NULL),
    ('BOE_BASE', '2025-08-07'::date, 4.00, 'boe', NULL),
    ('BOE_BASE', '2025-12-18'::date, 3.75, NULL, 'https://www.uktaxcalculators.co.uk/tax-news/2025/12/18/bank-of-england-cuts-interest-rates-for-christmas-calculator (table citing the BoE Official Bank Rate history); held at 3.75 on 2026-02-05, 03-19, 04-30 and 06-18 (expressandstar, hedgwatch, fxmacrodata, titanfx) and, SECONDARY, on 2026-09-17 (MPC 6-3). UNCONFIRMED: the decision of 5 Nov 2026 is not included'),
    ('DE_BASIS', '2015-01-01'::date, -0.83, NULL, 'https://www.stb-gerd-maier.de/verzugszins-basiszins-75 (01.01.2015-30.06.2015 -0,83) (Basiszinssatz, BGB §247)'),
    ('DE_BASIS', '2015-07-01'::date, -0.83, NULL, 'https://steuerberater-steinbach.de/2017/04/verzugszinsen-40/ (table) (Basiszinssatz, BGB §247)'),
    ('DE_BASIS', '2016-01-01'::date, -0.83, NULL, 'https://steuerberater-steinbach.de/2017/04/verzugszinsen-40/ (table) (Basiszinssatz, BGB §247)'),
    ('DE_BASIS', '2016-07-01'::date, -0.88, NULL, 'https://boersen-zeitung.de/banken-finanzen/basiszins-sinkt-auf-minus-088-prozent (Basiszinssatz, BGB §247)'),
    ('DE_BASIS', '2017-01-01'::date, -0.88, NULL, 'http://fachberatung-schuldnerberatung-nrw.de/2017/02/verzugszinssatz-bleibt-unveraendert/ (Basiszinssatz, BGB §247)'),
    ('DE_BASIS', '2017-07-01'::date, -0.88, NULL, 'https://stb-bruns.com/basiszinssatz-wurde-angepasst/ (-0,88 since 1.7.2016 until 31.12.2022) (Basiszinssatz, BGB §247)'),
    ('DE_BASIS', '2018-01-01'::date, -0.88, NULL, 'https://stb-bruns.com/basiszinssatz-wurde-angepasst/ (Basiszinssatz, BGB §247)'),
    ('DE_BASIS', '2018-07-01'::date, -0.88, NULL, 'https://stb-bruns.com/basiszinssatz-wurde-angepasst/ (Basiszinssatz, BGB §247)'),
    ('DE_BASIS', '2019-01-01'::date, -0.88, NULL, 'https://stb-bruns.com/basiszinssatz-wurde-angepasst/ (Basiszinssatz, BGB §247)'),
    ('DE_BASIS', '2019-07-01'::date, -0.88, NULL, 'https://lifepr.de/inaktiv/deutsche-bundesbank/bekanntgabe-des-basiszinssatzes-zum-1-juli-2019-basiszinssatz-bleibt-unveraendert-bei-0-88/boxid/757316 (Bundesbank release)'),
    ('DE_BASIS', '2020-01-01'::date, -0.88, NULL, 'https://stb-bruns.com/basiszinssatz-wurde-angepasst/ (Basiszinssatz, BGB §247)'),
    ('DE_BASIS', '2020-07-01'::date, -0.88, NULL, 'https://lifepr.de/inaktiv/deutsche-bundesbank/bekanntgabe-des-basiszinssatzes-zum-1-juli-2020-basiszinssatz-bleibt-unveraendert-bei-0-88/boxid/805297 (Bundesbank release)'),
    ('DE_BASIS', '2021-01-01'::date, -0.88, NULL, 'https://lifepr.de/inaktiv/deutsche-bundesbank/bekanntgabe-des-basiszinssatzes-zum-1-januar-2021-basiszinssatz-bleibt-unveraendert-bei-0-88/boxid/829433 (Bundesbank release)'),
    ('DE_BASIS', '2021-07-01'::date, -0.88, NULL, 'https://stb-bruns.com/basiszinssatz-wurde-angepasst/ (Basiszinssatz, BGB §247)'),
    ('DE_BASIS', '2022-01-01'::date, -0.88, NULL, 'https://stb-bruns.com/basiszinssatz-wurde-angepasst/ (Basiszinssatz, BGB §247)'),
    ('DE_BASIS', '2022-07-01'::date, -0.88, NULL, 'https://anlegerschutz.blogspot.com/2022/12/basiszinssatz-nach-247-bgb-ab-1-januar.html (-0,88 ab 01.07.2022) (Basiszinssatz, BGB §247)'),
    ('DE_BASIS', '2023-01-01'::date, 1.62, NULL, 'https://www.hasepost.de/bundesbank-aendert-nach-sieben-jahren-erstmals-den-basiszinssatz-343862/ ; https://stb-bruns.com/basiszinssatz-wurde-angepasst/ (Basiszinssatz, BGB §247)'),
    ('DE_BASIS', '2023-07-01'::date, 3.12, NULL, 'https://hasepost.de/bundesbank-erhoeht-basiszinssatz-auf-hoechsten-stand-seit-22-jahren-431516 (von 3,12 auf 3,62) (Basiszinssatz, BGB §247)'),
    ('DE_BASIS', '2024-01-01'::date, 3.62, NULL, 'https://www.vdwbayern.de/2024/01/10/basiszinssatzes-zum-1-januar-2024-anpassung-auf-362/ (Basiszinssatz, BGB §247)'),
    ('DE_BASIS', '2024-07-01'::date, 3.37, NULL, 'SECONDARY: public repository text (3,37 ab 1. Juli 2024), and derived by BGB §247 from the ECB table (MRO 4.50 -> 4.25); the Bundesbank release itself was not read'),
    ('DE_BASIS', '2025-01-01'::date, 2.27, NULL, 'https://www.iww.de/ak/wirtschaftlichkeit/aktuelle-gesetzgebung-basiszinssatz-sinkt-zum-1725-auf-127-prozent-f168236 (von 2,27 auf 1,27) (Basiszinssatz, BGB §247)'),
    ('DE_BASIS', '2025-07-01'::date, 1.27, NULL, 'https://www.iww.de/ak/wirtschaftlichkeit/aktuelle-gesetzgebung-basiszinssatz-sinkt-zum-1725-auf-127-prozent-f168236 (Basiszinssatz, BGB §247)'),
    ('DE_BASIS', '2026-01-01'::date, 1.27, NULL, 'https://finanzmarktnachrichten.de/basiszinssatz-bleibt-ab-1-januar-2026-bei-127 (Bundesbank text; Bundesanzeiger 24.12.2025) (Basiszinssatz, BGB §247)'),
    ('DE_BASIS', '2026-07-01'::date, 1.52, NULL, 'SECONDARY: public repository files citing the Bundesbank; consistent with BGB §247 (MRO 2.15 -> 2.40 on 2026-06-17); the Bundesbank release itself was not read. The value from 2027-01-01 is not published yet'),
    -- national legal rates (the b2c rules below)
    ('FR_TAUX_LEGAL_AUTRES', '2026-01-01', 2.62, NULL,
     'Arrêté du 15 décembre 2025 (JORF 26 Dec 2025), https://juriblio.fr/arretes/arrete-du-15-decembre-2025/187383136: 2.62 % for the other cases, first half of 2026 (6.67 % for natural-person creditors not acting for business purposes). The second half of 2026 was not found'),
    ('BE_TAUX_LEGAL', '2024-01-01', 5.75, NULL, 'Taux d''intérêt légal 2024 (embuild.be, leuropeinfo, vjn-legal)'),
    ('BE_TAUX_LEGAL', '2025-01-01', 4.50, NULL, 'Taux d''intérêt légal 2025 (embuild.be, leuropeinfo, vjn-legal)'),
    ('BE_TAUX_LEGAL', '2026-01-01', 4.50, NULL,
     'Taux d''intérêt légal 2026, https://embuild.be/fr/actualit%C3%A9s/le-retard-de-paiement-le-taux-dint%C3%A9r%C3%AAt-applicable-en-2026 (also leuropeinfo, vjn-legal)'),
    ('NL_WETTELIJKE_RENTE', '2024-01-01', 7.00, NULL,
     'Wettelijke rente niet-handelstransacties 7 % from 2024-01-01 (e-justice.europa.eu, metaalunie, nl.wikipedia copy). The values from 2024-07-01 on were not found'),
    ('ES_INTERES_LEGAL', '2016-01-01', 3.00, NULL, 'Interés legal del dinero 2016 (padulles.net: 3.00 % for 2016-2020)'),
    ('ES_INTERES_LEGAL', '2017-01-01', 3.00, NULL, 'Interés legal del dinero 2017 (padulles.net: 3.00 % for 2016-2020)'),
    ('ES_INTERES_LEGAL', '2018-01-01', 3.00, NULL, 'Interés legal del dinero 2018 (padulles.net: 3.00 % for 2016-2020)'),
    ('ES_INTERES_LEGAL', '2019-01-01', 3.00, NULL, 'Interés legal del dinero 2019 (padulles.net: 3.00 % for 2016-2020)'),
    ('ES_INTERES_LEGAL', '2020-01-01', 3.00, NULL,
     'Interés legal del dinero 2020 (padulles.net: 3.00 % for 2016-2020). The values from 2021 on were not found and are not shipped'),
    ('IT_SAGGIO_LEGALE', '2025-01-01', 2.00, NULL,
     'Derived from https://winkler-sandrini.it/de/service-mnu-de/homepage-aktuell/veroeffentlichung-rundschreiben-veraenderung-des-gesetzlichen-zinsfusses-2 (the rate of 2025, replaced by 1.60 % on 2026-01-01; set yearly)'),
    ('IT_SAGGIO_LEGALE', '2026-01-01', 1.60, NULL,
     'https://winkler-sandrini.it/de/service-mnu-de/homepage-aktuell/veroeffentlichung-rundschreiben-veraenderung-des-gesetzlichen-zinsfusses-2 (1.60 % from 2026-01-01, down from 2.00 %)')
)
SELECT r.series, r.valid_from, r.rate, COALESCE(r.source, src.source)
  FROM r LEFT JOIN src ON src.k = r.k;
$fn$;
COMMENT ON FUNCTION dunning_internal.shipped_series_rates() IS
    'the rate values shipped with this version, with their sources (internal: synced into dunning.series_rate)';

CREATE OR REPLACE FUNCTION dunning_internal.shipped_late_payment_rules()
RETURNS TABLE (jurisdiction text, customer_kind text, rate_series text, fixing text, fixing_day text,
               fixed_for_debt boolean, margin numeric, round_up_to numeric, compounding text, notes text, source text)
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp
AS $fn$
VALUES
    ('EU', 'b2b', 'ECB_MRO', 'semiannual', 'day_before', false, 8::numeric, NULL::numeric, 'simple',
     'The Directive''s minimum ("at least eight percentage points"): a member state may set more (FR 10, DE over its own base rate). Reference: the ECB rate of its most recent main refinancing operation before 1 January / 1 July. Commercial transactions only; plus EUR 40 per late invoice (compensation_rule)',
     'Directive 2011/7/EU art. 2(6)-(8), https://www.legislation.gov.uk/eudr/2011/7/article/2'),
    ('EU', 'b2c', NULL, 'daily', NULL, false, NULL, NULL, 'simple',
     'Directive 2011/7/EU covers commercial transactions only: consumer late interest is national law',
     'Directive 2011/7/EU art. 1-2, https://www.legislation.gov.uk/eudr/2011/7/article/2'),
    ('FR', 'b2b', 'ECB_MRO', 'semiannual', 'first_day', false, 10, NULL, 'simple',
     'ECB rate in force on 1 January (first half) / 1 July (second half) + 10 points unless the contract says otherwise; a contractual rate can never be below three times the taux d''intérêt légal (autres cas: series FR_TAUX_LEGAL_AUTRES); due without a reminder; plus EUR 40 (D441-5)',
     'Code de commerce L441-10 (dormane.fr, jurisexpert.net quoting L441-6; exeoffice.eu citing Légifrance LEGIARTI000038414392)'),
    ('FR', 'b2c', 'FR_TAUX_LEGAL_AUTRES', 'daily', NULL, false, 0, NULL, 'simple',
     'The taux de l''intérêt légal for creditors that are not natural persons; runs from the formal notice (mise en demeure), not from the due date; + 5 points two months after an enforceable judgment (not modelled); no EUR 40',
     'Code monétaire et financier L313-2 and D313-1-A (droit-pratique.fr); Code civil 1231-6 (article number UNCONFIRMED)'),
    ('DE', 'b2b', 'DE_BASIS', 'semiannual', 'first_day', false, 9, NULL, 'simple',
     'Entgeltforderungen where no consumer is a party, contracts from 29 July 2014 (older contracts: + 8 points); Basiszinssatz of 1 January / 1 July; plus EUR 40 Pauschale (§288(5))',
     'BGB §288(2) and §247 (wfg-ww.de, vdwbayern.de, stb-gerd-maier.de)'),
    ('DE', 'b2c', 'DE_BASIS', 'semiannual', 'first_day', false, 5, NULL, 'simple',
     'Verzugszins where the debtor is a consumer; no Pauschale (§288(5) applies to non-consumers only); default only 30 days after the invoice if the invoice said so (§286(3))',
     'BGB §288(1) and §247 (wfg-ww.de)'),
    ('GB', 'b2b', 'BOE_BASE', 'semiannual', 'day_before', true, 8, NULL, 'simple',
     'Bank Rate in force on 31 December (interest starting 1 Jan - 30 Jun) or 30 June (starting 1 Jul - 31 Dec) immediately before interest starts to run, fixed for the whole life of the debt. Scotland has its own Orders with the same rate (UNCONFIRMED detail). Plus GBP 40 / 70 / 100 (s.5A)',
     'Late Payment of Commercial Debts (Rate of Interest) (No. 3) Order 2002, SI 2002/1675 art. 4 (legislation.gov.uk; quoted by debtcollectionservice.uk/interest)'),
    ('GB', 'b2c', NULL, 'daily', NULL, false, NULL, NULL, 'simple',
     'The Late Payment Act covers business debts only: interest on a consumer debt is contractual (or court interest, County Courts Act 1984 s.69: UNCONFIRMED)',
     'Late Payment of Commercial Debts (Interest) Act 1998 (windinguppetitionsolicitors)'),
    ('BE', 'b2b', 'ECB_MRO', 'semiannual', 'day_before', false, 8, 0.5, 'simple',
     'ECB rate + 8 points rounded up to the next half point, published each half-year in the Moniteur belge (H1 2026: 2.15 + 8 = 10.15 -> 10.5 %)',
     'Loi du 2 août 2002 concernant la lutte contre le retard de paiement dans les transactions commerciales, art. 5 al. 2 as amended 22 Nov 2013 (eubelius.com)'),
    ('BE', 'b2c', 'BE_TAUX_LEGAL', 'daily', NULL, false, 0, NULL, 'simple',
     'Without a contract clause the legal rate; a clause may give interest capped at the loi-2002 rate (CDE Livre XIX, from 1 Sept 2023 / 1 Dec 2023); the first reminder is free',
     'Loi du 5 mai 1865 art. 2; Code de droit économique Livre XIX, loi du 4 mai 2023 (elegis.be, cairnlegal.be)'),
    ('NL', 'b2b', 'ECB_MRO', 'semiannual', 'day_before', false, 8, NULL, 'annual',
     'Wettelijke handelsrente: ECB rate of the most recent main refinancing operation before 1 January / 1 July + 8 points; after each year the interest is added to the debt (6:119 lid 2)',
     'BW 6:119a and 6:120 lid 2 (e-justice.europa.eu: 12.50 % H1 2024; metaalunie: 12.25 % H2 2024); compounding: viajuridica.nl, rechtnet.nl, wrente.nl'),
    ('NL', 'b2c', 'NL_WETTELIJKE_RENTE', 'daily', NULL, false, 0, NULL, 'annual',
     'Wettelijke rente for non-commercial transactions, set by decree; compounded yearly (6:119 lid 2); collection costs only after a free 14-day letter (BW 6:96 lid 6)',
     'BW 6:119 and 6:120 lid 1 (viajuridica.nl, huurregels.nl)'),
    ('ES', 'b2b', 'ECB_MRO', 'semiannual', 'day_before', false, 8, NULL, 'simple',
     'ECB rate of the most recent main refinancing operation before the half-year + 8 points, published by the Treasury in the BOE (e.g. BOE-A-2019-18736: 8.00 % for H1 2020)',
     'Ley 3/2004 art. 7.2 (boe.es)'),
    ('ES', 'b2c', 'ES_INTERES_LEGAL', 'daily', NULL, false, 0, NULL, 'simple',
     'Interés legal del dinero, fixed each year in the budget law',
     'Código Civil art. 1108 (es.wikipedia, rankia)'),
    ('IT', 'b2b', 'ECB_MRO', 'semiannual', 'first_day', false, 8, NULL, 'simple',
     'Reference rate in force on 1 January / 1 July (art. 5(2)), published by the MEF in the Gazzetta Ufficiale; simple interest on a daily basis. The wording of the + 8 points (art. 2(e) as amended) was not read: UNCONFIRMED, from secondary texts',
     'D.Lgs. 231/2002 art. 2 and 5 as amended by D.Lgs. 192/2012 (notiziedellascuola.it)'),
    ('IT', 'b2c', 'IT_SAGGIO_LEGALE', 'daily', NULL, false, 0, NULL, 'simple',
     'Saggio degli interessi legali, set each year by MEF decree (1.60 % from 2026-01-01); from the start of court proceedings the commercial rate applies (art. 1284 c. 4: UNCONFIRMED, not modelled)',
     'Codice civile art. 1284 (winkler-sandrini.it)')
$fn$;
COMMENT ON FUNCTION dunning_internal.shipped_late_payment_rules() IS
    'the late-payment rules shipped with this version (internal: synced into dunning.late_payment_rule)';

CREATE OR REPLACE FUNCTION dunning_internal.shipped_compensation_rules()
RETURNS TABLE (currency char(3), customer_kind text, debt_from numeric, amount numeric, source text)
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp
AS $fn$
VALUES
    ('EUR'::char(3), 'b2b', 0::numeric, 40::numeric,
     'Directive 2011/7/EU art. 6(1) (a minimum fixed sum of EUR 40 per late invoice, without a reminder; EUR-Lex CELEX 62017CC0287); national texts: FR Code de commerce D441-5, DE BGB §288(5), ES Ley 3/2004 art. 8, IT D.Lgs. 231/2002 art. 6(2), BE loi du 2 août 2002 art. 6 (UNCONFIRMED wording), NL BW 6:96 lid 4 with the BIK scale as default. Per invoice: CJEU C-585/20 of 20 Oct 2022 (case number UNCONFIRMED), STS 612/2021'),
    ('EUR', 'b2c', 0, NULL,
     'None by statute for consumers: the Directive covers business debts only; DE §288(5) and FR D441-5 exclude consumers. BE (capped scale) and NL (BIK scale after a 14-day letter) allow costs only under conditions: add a rule of your own where they are met'),
    ('GBP', 'b2b', 0, 40, 'Late Payment of Commercial Debts (Interest) Act 1998 s.5A(2)(a): a debt of less than GBP 1,000'),
    ('GBP', 'b2b', 1000, 70, 'Late Payment of Commercial Debts (Interest) Act 1998 s.5A(2)(b): GBP 1,000 or more but less than GBP 10,000'),
    ('GBP', 'b2b', 10000, 100, 'Late Payment of Commercial Debts (Interest) Act 1998 s.5A(2)(c): GBP 10,000 or more'),
    ('GBP', 'b2c', 0, NULL, 'None: the Late Payment of Commercial Debts (Interest) Act 1998 covers business debts only')
$fn$;
COMMENT ON FUNCTION dunning_internal.shipped_compensation_rules() IS
    'the fixed-compensation rules shipped with this version (internal: synced into dunning.compensation_rule)';

-- House defaults: about EUR 5 at late-2026 exchange rates, rounded to an
-- amount people write, in the currency's minor units.
CREATE OR REPLACE FUNCTION dunning_internal.shipped_materiality_rules()
RETURNS TABLE (currency char(3), customer_kind text, amount numeric, source text)
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp
AS $fn$
SELECT v.currency::char(3), k.kind, v.amount,
       'house default of dunning (about EUR 5, rounded), not law: replace it with a row of your own'
  FROM (VALUES ('EUR', 5::numeric), ('USD', 5), ('GBP', 5), ('CHF', 5), ('CAD', 5), ('AUD', 5), ('NZD', 5),
               ('SGD', 5), ('JPY', 500), ('CNY', 40), ('HKD', 40), ('TWD', 150), ('KRW', 7000), ('INR', 500),
               ('SEK', 50), ('NOK', 50), ('DKK', 40), ('ISK', 700), ('PLN', 20), ('CZK', 100), ('HUF', 2000),
               ('RON', 25), ('TRY', 200), ('ILS', 20), ('AED', 20), ('SAR', 20), ('QAR', 20), ('KWD', 1.500),
               ('BHD', 2.000), ('OMR', 2.000), ('JOD', 4.000), ('TND', 15.000), ('MXN', 100), ('BRL', 30),
               ('ZAR', 100), ('THB', 200), ('MYR', 25), ('IDR', 80000), ('PHP', 300)) AS v (currency, amount)
 CROSS JOIN (VALUES ('b2b'), ('b2c')) AS k (kind);
$fn$;
COMMENT ON FUNCTION dunning_internal.shipped_materiality_rules() IS
    'the materiality thresholds shipped with this version (internal: synced into dunning.materiality_rule)';

-- Makes the seeded rows of the charges tables exactly what this version
-- ships: run by CREATE EXTENSION and by every update.
CREATE OR REPLACE FUNCTION dunning_internal.sync_shipped_charges() RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    PERFORM pg_catalog.set_config('dunning.seeding', 'on', true);
    INSERT INTO dunning.rate_series AS t (series, currency, description, period, source, seeded)
    SELECT s.*, true FROM dunning_internal.shipped_rate_series() s
        ON CONFLICT (series) DO UPDATE
       SET currency = excluded.currency, description = excluded.description, period = excluded.period,
           source = excluded.source
     WHERE t.seeded;
    DELETE FROM dunning.series_rate t
     WHERE t.seeded AND NOT EXISTS (SELECT FROM dunning_internal.shipped_series_rates() s
                                     WHERE (s.series, s.valid_from) = (t.series, t.valid_from));
    INSERT INTO dunning.series_rate AS t (series, valid_from, rate, source, seeded)
    SELECT s.*, true FROM dunning_internal.shipped_series_rates() s
        ON CONFLICT (series, valid_from, seeded) DO UPDATE SET rate = excluded.rate, source = excluded.source;
    DELETE FROM dunning.currency_rate_series t WHERE t.seeded AND t.currency NOT IN ('EUR', 'GBP');
    INSERT INTO dunning.currency_rate_series AS t (currency, series, seeded)
    VALUES ('EUR', 'ECB_MRO', true), ('GBP', 'BOE_BASE', true)
        ON CONFLICT (currency) DO UPDATE SET series = excluded.series WHERE t.seeded;
    DELETE FROM dunning.late_payment_rule t
     WHERE t.seeded AND NOT EXISTS (SELECT FROM dunning_internal.shipped_late_payment_rules() s
                                     WHERE (s.jurisdiction, s.customer_kind) = (t.jurisdiction, t.customer_kind));
    INSERT INTO dunning.late_payment_rule AS t (jurisdiction, customer_kind, rate_series, fixing, fixing_day, fixed_for_debt,
                                               margin, round_up_to, compounding, notes, source, seeded)
    SELECT s.*, true FROM dunning_internal.shipped_late_payment_rules() s
        ON CONFLICT (jurisdiction, customer_kind, seeded) DO UPDATE
       SET rate_series = excluded.rate_series, fixing = excluded.fixing, fixing_day = excluded.fixing_day,
           fixed_for_debt = excluded.fixed_for_debt, margin = excluded.margin, round_up_to = excluded.round_up_to,
           compounding = excluded.compounding, notes = excluded.notes, source = excluded.source;
    DELETE FROM dunning.compensation_rule t
     WHERE t.seeded AND NOT EXISTS (SELECT FROM dunning_internal.shipped_compensation_rules() s
                                     WHERE (s.currency, s.customer_kind, s.debt_from) = (t.currency, t.customer_kind, t.debt_from));
    INSERT INTO dunning.compensation_rule AS t (currency, customer_kind, debt_from, amount, source, seeded)
    SELECT s.*, true FROM dunning_internal.shipped_compensation_rules() s
        ON CONFLICT (currency, customer_kind, debt_from, seeded) DO UPDATE
       SET amount = excluded.amount, source = excluded.source;
    DELETE FROM dunning.materiality_rule t
     WHERE t.seeded AND NOT EXISTS (SELECT FROM dunning_internal.shipped_materiality_rules() s
                                     WHERE (s.currency, s.customer_kind) = (t.currency, t.customer_kind));
    INSERT INTO dunning.materiality_rule AS t (currency, customer_kind, amount, source, seeded)
    SELECT s.*, true FROM dunning_internal.shipped_materiality_rules() s
        ON CONFLICT (currency, customer_kind, seeded) DO UPDATE SET amount = excluded.amount, source = excluded.source;
    DELETE FROM dunning.rate_series t
     WHERE t.seeded AND NOT EXISTS (SELECT FROM dunning_internal.shipped_rate_series() s WHERE s.series = t.series);
    PERFORM pg_catalog.set_config('dunning.seeding', 'off', true);
END
$fn$;
COMMENT ON FUNCTION dunning_internal.sync_shipped_charges() IS
    'makes the seeded rate series, rates, currency series, late-payment, compensation and materiality rules those this version ships (internal: run by install and update)';
SELECT dunning_internal.sync_shipped_charges();

-- pg_dump keeps the users' rows; the shipped ones come back with CREATE EXTENSION.
SELECT pg_catalog.pg_extension_config_dump('dunning.rate_series', 'WHERE NOT seeded');
SELECT pg_catalog.pg_extension_config_dump('dunning.series_rate', 'WHERE NOT seeded');
SELECT pg_catalog.pg_extension_config_dump('dunning.currency_rate_series', 'WHERE NOT seeded');
SELECT pg_catalog.pg_extension_config_dump('dunning.late_payment_rule', 'WHERE NOT seeded');
SELECT pg_catalog.pg_extension_config_dump('dunning.compensation_rule', 'WHERE NOT seeded');
SELECT pg_catalog.pg_extension_config_dump('dunning.materiality_rule', 'WHERE NOT seeded');

-- Privileges of the objects above (PUBLIC has none: security.sql).
GRANT SELECT ON dunning.rate_series,
    dunning.series_rate,
    dunning.currency_rate_series,
    dunning.rate_history,
    dunning.reference_rate,
    dunning.late_payment_rule,
    dunning.compensation_rule,
    dunning.materiality_rule
    TO dunning_analyst;
GRANT INSERT, UPDATE, DELETE ON dunning.rate_series,
    dunning.series_rate,
    dunning.currency_rate_series,
    dunning.reference_rate,
    dunning.late_payment_rule,
    dunning.compensation_rule,
    dunning.materiality_rule
    TO dunning_admin;
GRANT EXECUTE ON FUNCTION dunning.late_interest(numeric, char, date, date, numeric, text),
    dunning.invoice_late_interest(bigint, date, numeric, text),
    dunning.accrue_interest(numeric, date, date, numeric, text, integer, date[], numeric[], date[], numeric[]),
    dunning.rate_on(text, date),
    dunning.late_payment_rule_in_force(text, text),
    dunning.statutory_rate(text, text, date, date),
    dunning.statutory_rate_schedule(text, text, date, date, date),
    dunning.invoice_statutory_interest(bigint, date, text, text),
    dunning.fixed_compensation(char, text, numeric),
    dunning.materiality(char, text)
    TO dunning_analyst;
