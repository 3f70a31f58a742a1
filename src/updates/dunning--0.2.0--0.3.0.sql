\echo Use "ALTER EXTENSION dunning UPDATE TO '0.3.0'" to load this file. \quit

-----------------------------------------------------------------------------
-- dunning 0.2.0 -> 0.3.0, hand part (see src/sql/README.md): what the schema
-- regions of the topic files have in 0.3.0 and 0.2.0 did not (new schemas,
-- tables, columns, indexes; data moved into them), and the drops of objects
-- that cannot be replaced in place.  The code regions of every topic file
-- (functions, views, triggers, comments, grants) follow at the marker.
-----------------------------------------------------------------------------
CREATE SCHEMA dunning_internal;
COMMENT ON SCHEMA dunning_internal IS 'internals of the dunning extension: not an interface, may change in any release';

-- ledger: customers get a subdivision (holiday calendar) and a kind.
ALTER TABLE dunning.customer
    ADD COLUMN subdivision text,
    ADD COLUMN kind text NOT NULL DEFAULT 'b2b',
    ADD CONSTRAINT customer_subdivision_iso3166_2
        CHECK (subdivision ~ '^[A-Z]{2}-[A-Z0-9]{1,3}(-[A-Z0-9]{1,12})?$'),
    ADD CONSTRAINT customer_subdivision_in_country
        CHECK (subdivision IS NULL OR (country IS NOT NULL AND pg_catalog.left(subdivision, 2) = country)),
    ADD CONSTRAINT customer_kind_known CHECK (kind IN ('b2b', 'b2c'));

-- dunning: the creditor's late-payment jurisdiction.
ALTER TABLE dunning.setting
    ADD COLUMN jurisdiction char(2),
    ADD CONSTRAINT setting_jurisdiction_valid CHECK (jurisdiction ~ '^[A-Z]{2}$');

-- calendar: holidays per subdivision, shipped days (seeded, written by the
-- code region's sync), the rules and one-offs they come from.  A user's day
-- of 0.2.0 stays the user's, also where a shipped day has the same date.
ALTER TABLE dunning.holiday
    ADD COLUMN subdivision text NOT NULL DEFAULT '',
    ADD COLUMN seeded boolean NOT NULL DEFAULT false,
    DROP CONSTRAINT holiday_pkey,
    ADD PRIMARY KEY (country, day, subdivision),
    ADD CONSTRAINT holiday_subdivision_in_country
        CHECK (subdivision = '' OR (subdivision ~ '^[A-Z]{2}-[A-Z0-9]{1,3}(-[A-Z0-9]{1,12})?$'
                                    AND pg_catalog.left(subdivision, 2) = country));
DROP FUNCTION dunning.is_business_day(date, char);
CREATE TABLE dunning.holiday_rule (
    country        char(2) NOT NULL,
    subdivision    text NOT NULL DEFAULT '',
    name           text NOT NULL,
    month          integer,
    day            integer,
    easter_offset  integer,
    weekday        integer,
    nth            integer,
    observed       text NOT NULL DEFAULT 'none',
    from_year      integer,
    to_year        integer,
    every_years    integer,
    source         text NOT NULL,
    seeded         boolean NOT NULL DEFAULT false,
    PRIMARY KEY (country, subdivision, name),
    CONSTRAINT holiday_rule_country_iso3166 CHECK (country ~ '^[A-Z]{2}$'),
    CONSTRAINT holiday_rule_subdivision_in_country
        CHECK (subdivision = '' OR (subdivision ~ '^[A-Z]{2}-[A-Z0-9]{1,3}(-[A-Z0-9]{1,12})?$'
                                    AND pg_catalog.left(subdivision, 2) = country)),
    CONSTRAINT holiday_rule_one_kind
        CHECK ((easter_offset IS NOT NULL AND month IS NULL AND day IS NULL AND weekday IS NULL)
               OR (easter_offset IS NULL AND month BETWEEN 1 AND 12
                   AND day BETWEEN 1 AND CASE WHEN month = 2 THEN 28 WHEN month IN (4, 6, 9, 11) THEN 30 ELSE 31 END)),
    CONSTRAINT holiday_rule_easter_offset_range CHECK (easter_offset BETWEEN -100 AND 100),
    CONSTRAINT holiday_rule_weekday_nth
        CHECK ((weekday IS NULL) = (nth IS NULL) AND weekday BETWEEN 1 AND 7 AND nth BETWEEN -5 AND 5 AND nth <> 0),
    CONSTRAINT holiday_rule_observed_known
        CHECK (observed IN ('none', 'next_free_weekday', 'nearest_weekday', 'sunday_to_saturday')),
    CONSTRAINT holiday_rule_years CHECK (from_year <= to_year AND every_years > 0),
    CONSTRAINT holiday_rule_name_not_blank CHECK (pg_catalog.btrim(name) <> '')
);
CREATE TABLE dunning.holiday_one_off (
    country      char(2) NOT NULL,
    subdivision  text NOT NULL DEFAULT '',
    day          date NOT NULL,
    name         text NOT NULL,
    cancels      boolean NOT NULL DEFAULT false,
    source       text NOT NULL,
    seeded       boolean NOT NULL DEFAULT false,
    PRIMARY KEY (country, subdivision, day),
    CONSTRAINT holiday_one_off_country_iso3166 CHECK (country ~ '^[A-Z]{2}$'),
    CONSTRAINT holiday_one_off_subdivision_in_country
        CHECK (subdivision = '' OR (subdivision ~ '^[A-Z]{2}-[A-Z0-9]{1,3}(-[A-Z0-9]{1,12})?$'
                                    AND pg_catalog.left(subdivision, 2) = country)),
    CONSTRAINT holiday_one_off_name_not_blank CHECK (pg_catalog.btrim(name) <> '')
);

-- charges: rate series replace the per-currency reference_rate table (now a
-- view of the currency's series).  The rows users entered in 0.2.0 move to
-- series_rate as theirs: EUR into ECB_MRO, GBP into BOE_BASE (where one has
-- the date of a shipped value it replaces it, as any user row does), any
-- other currency into a series of its own named after it.  The shipped
-- series and values come with the code region's sync.
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
INSERT INTO dunning.rate_series (series, currency, description, source, seeded)
VALUES ('ECB_MRO', 'EUR', 'ECB main refinancing operations', 'ECB', true),
       ('BOE_BASE', 'GBP', 'Bank of England Bank Rate', 'Bank of England', true);
INSERT INTO dunning.currency_rate_series (currency, series, seeded)
VALUES ('EUR', 'ECB_MRO', true), ('GBP', 'BOE_BASE', true);
INSERT INTO dunning.rate_series (series, currency, description)
SELECT DISTINCT r.currency, r.currency, 'reference rate of ' || r.currency || ' (entered in dunning 0.2.0)'
  FROM dunning.reference_rate r WHERE r.currency NOT IN ('EUR', 'GBP');
INSERT INTO dunning.currency_rate_series (currency, series)
SELECT DISTINCT r.currency, r.currency FROM dunning.reference_rate r WHERE r.currency NOT IN ('EUR', 'GBP');
INSERT INTO dunning.series_rate (series, valid_from, rate, source)
SELECT m.series, r.valid_from, r.rate, r.source
  FROM dunning.reference_rate r JOIN dunning.currency_rate_series m ON m.currency = r.currency;
ALTER EXTENSION dunning DROP TABLE dunning.reference_rate;
DROP TABLE dunning.reference_rate;

-- outbox: the sender's work queue (leases), provider message ids, the
-- settings of dunning-sender; claim_actions and mark_sent gain arguments
ALTER TABLE dunning.action
    ADD COLUMN provider_message_id text,
    ADD COLUMN claimed_by text,
    ADD COLUMN lease_until timestamptz,
    ADD COLUMN claim_pid integer;
DROP INDEX dunning.action_pending_idx;
CREATE INDEX action_due_idx ON dunning.action (channel, action_id)
    WHERE status = 'queued' OR (status = 'failed' AND next_attempt_at IS NOT NULL);
CREATE INDEX action_provider_message_idx ON dunning.action (provider_message_id)
    WHERE provider_message_id IS NOT NULL;
CREATE TABLE dunning.sender_setting (
    name   text PRIMARY KEY,
    value  text NOT NULL,
    CONSTRAINT sender_setting_name_known CHECK (name IN (
        'smtp-url', 'smtp-from', 'smtp-credentials-file', 'smtp-ca-file', 'sms-url', 'sms-token-file',
        'webhook-url', 'webhook-token-file', 'channels', 'test-to', 'test-sms-to', 'rate', 'concurrency',
        'batch', 'lease', 'timeout', 'poll', 'message-id-domain', 'log-format')),
    CONSTRAINT sender_setting_no_credentials CHECK (value !~ '^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*@')
);
DROP FUNCTION dunning.claim_actions(text, integer);
DROP FUNCTION dunning.mark_sent(bigint, timestamptz);

-- @code regions
