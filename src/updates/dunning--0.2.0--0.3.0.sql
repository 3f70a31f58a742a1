\echo Use "ALTER EXTENSION dunning UPDATE TO '0.3.0'" to load this file. \quit

-----------------------------------------------------------------------------
-- dunning 0.2.0 -> 0.3.0, hand part (see src/sql/README.md): what the schema
-- regions of the topic files have in 0.3.0 and 0.2.0 did not (new schemas,
-- tables, columns, indexes; data moved into them), and the drops of objects
-- that cannot be replaced in place.  The code regions of every topic file
-- (functions, views, triggers, comments, grants) follow at the marker; the
-- bounds that existing rows may violate are added after them (they need the
-- new functions), reported rather than failed.
-----------------------------------------------------------------------------
CREATE SCHEMA dunning_internal;
COMMENT ON SCHEMA dunning_internal IS 'internals of the dunning extension: not an interface, may change in any release';
-- The internals 0.2.0 had in schema dunning: the lettering's writers, the
-- token and rendering helpers, the trigger functions, the aggregates'
-- support functions (transition, inverse, combine, final, state I/O).
DO $move$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN SELECT p.oid::regprocedure FROM pg_catalog.pg_proc p
              WHERE p.pronamespace = 'dunning'::regnamespace
                AND p.proname = ANY (ARRAY['allocate_internal', 'letter_items', 'next_letter_numbers', 'open_letter',
                                           'base64url', 'base64url_decode', 'hmac_sha256', 'random_bytes',
                                           'signing_secret', 'timing_safe_equal', 'pay_token_with_key',
                                           'render_action', 'allocation_after_truncate', 'allocation_immutable',
                                           'allocation_keep_history', 'allocation_sync', 'invoice_keep_settled',
                                           'scenario_step_check_order', 'seeded_read_only',
                                           'segment_rule_seeded_read_only', 'totals_read_only',
                                           'totals_reset_on_insert', 'write_off_immutable', 'write_off_keep_history',
                                           'write_off_sync',
                                           -- the aggregates' support functions
                                           'payer_state_in', 'payer_state_out', 'risk_state_in', 'risk_state_out',
                                           'aging_state_in', 'aging_state_out', 'payer_late_sfunc', 'payer_late_invfunc',
                                           'payer_beyond_sfunc', 'payer_beyond_invfunc', 'payer_days_sfunc',
                                           'payer_days_invfunc', 'payer_state_combine', 'payer_weighted_final',
                                           'payer_avg_final', 'payer_paydex_final', 'risk_sfunc', 'risk_state_combine',
                                           'risk_final', 'aging_sfunc', 'aging_state_combine', 'aging_final',
                                           'dso_period_sfunc', 'dso_period_invfunc', 'dso_countback_final',
                                           'rolling_dso_final']) LOOP
        EXECUTE pg_catalog.format('ALTER FUNCTION %s SET SCHEMA dunning_internal', f);
    END LOOP;
END
$move$;
-- the aggregates' state types (their I/O functions moved above)
ALTER TYPE dunning.payer_state SET SCHEMA dunning_internal;
ALTER TYPE dunning.risk_state SET SCHEMA dunning_internal;
ALTER TYPE dunning.aging_state SET SCHEMA dunning_internal;
-- the letter codes' counter: no analyst reads it
ALTER TABLE dunning.letter_counter SET SCHEMA dunning_internal;

-----------------------------------------------------------------------------
-- Every customer-owned row carries its customer; keys start with it and
-- foreign keys include it (allocation.sql, ledger.sql, lettering.sql).
-----------------------------------------------------------------------------
-- A row that crosses customers cannot get the new keys: say which, and stop.
DO $check$
DECLARE
    bad text;
BEGIN
    SELECT string_agg(x.what, ', ') INTO bad FROM (
        SELECT 'allocation ' || a.allocation_id AS what
          FROM dunning.allocation a
          JOIN dunning.invoice i ON i.invoice_id = a.invoice_id
          LEFT JOIN dunning.payment p ON p.payment_id = a.payment_id
          LEFT JOIN dunning.invoice c ON c.invoice_id = a.credit_note_id
         WHERE p.customer_id IS DISTINCT FROM i.customer_id AND a.payment_id IS NOT NULL
            OR c.customer_id <> i.customer_id
        UNION ALL
        SELECT 'write-off ' || w.write_off_id
          FROM dunning.write_off w
          JOIN dunning.invoice i ON i.invoice_id = w.invoice_id
          JOIN dunning.payment p ON p.payment_id = w.payment_id
         WHERE p.customer_id IS DISTINCT FROM i.customer_id
         LIMIT 20) x;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'dunning 0.3.0: these rows settle items of another customer: %', bad
            USING ERRCODE = 'foreign_key_violation',
                  HINT = 'Unletter them with dunning.unletter() under 0.2.0, then update again.';
    END IF;
END
$check$;

ALTER TABLE dunning.invoice DROP CONSTRAINT invoice_invoice_number_key;
ALTER TABLE dunning.payment ADD CONSTRAINT payment_customer_payment_key UNIQUE (customer_id, payment_id)
    INCLUDE (received_on, currency, amount);

ALTER TABLE dunning.allocation DROP CONSTRAINT allocation_payment_id_fkey,
    DROP CONSTRAINT allocation_credit_note_id_fkey, DROP CONSTRAINT allocation_invoice_id_fkey,
    DROP CONSTRAINT allocation_letter_id_fkey, DROP CONSTRAINT allocation_pkey,
    ADD COLUMN customer_id bigint;
ALTER TABLE dunning.write_off DROP CONSTRAINT write_off_invoice_id_fkey,
    DROP CONSTRAINT write_off_payment_id_fkey, DROP CONSTRAINT write_off_letter_id_fkey,
    DROP CONSTRAINT write_off_pkey,
    ADD COLUMN customer_id bigint;
ALTER TABLE dunning.proposal DROP CONSTRAINT proposal_letter_id_fkey, DROP CONSTRAINT proposal_pkey;
-- payment_pkey made again, after payment_customer_payment_key (ledger.sql
-- says why: the newest index wins a tie of costs); the proposals' foreign
-- key to it is taken off and put back around it.
ALTER TABLE dunning.proposal DROP CONSTRAINT proposal_payment_id_fkey;
ALTER TABLE dunning.payment DROP CONSTRAINT payment_pkey, ADD CONSTRAINT payment_pkey PRIMARY KEY (payment_id);
ALTER TABLE dunning.proposal ADD CONSTRAINT proposal_payment_id_fkey FOREIGN KEY (payment_id) REFERENCES dunning.payment;
ALTER TABLE dunning.dispute DROP CONSTRAINT dispute_invoice_id_fkey, DROP CONSTRAINT dispute_pkey,
    ADD COLUMN customer_id bigint;
ALTER TABLE dunning.letter_history ADD COLUMN customer_id bigint;
ALTER TABLE dunning.letter DROP CONSTRAINT letter_pkey;
-- Unidentified cash on Citus (doc/scale-out.md): a distributed table cannot
-- hold a NULL customer, so dunning.distribute() moves payments without one
-- here, whole (their row as jsonb: any column order), and lettering moves one
-- back into dunning.payment, with its customer, when it identifies the payer
-- (dunning_internal.identify_payer, logged in dunning.payer_history).  Empty
-- on a single node, where such payments stay in dunning.payment.
CREATE TABLE dunning.payment_suspense (
    payment_id  bigint PRIMARY KEY,
    payment     jsonb NOT NULL,
    moved_at    timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT payment_suspense_row_of_payment CHECK ((payment ->> 'payment_id')::bigint = payment_id)
);
-- Every customer-owned table is keyed by customer first (Citus colocates a
-- customer's rows by it, doc/scale-out.md); the identities keep an index.
ALTER TABLE dunning.action_item DROP CONSTRAINT action_item_invoice_id_fkey;
ALTER TABLE dunning.invoice DROP CONSTRAINT invoice_pkey,
    ADD CONSTRAINT invoice_pkey PRIMARY KEY (customer_id, invoice_id) INCLUDE (issued_on, due_on, currency);
CREATE INDEX invoice_id_idx ON dunning.invoice (invoice_id);
ALTER TABLE dunning.promise DROP CONSTRAINT promise_pkey,
    ADD CONSTRAINT promise_pkey PRIMARY KEY (customer_id, promise_id);
CREATE INDEX promise_id_idx ON dunning.promise (promise_id);
-- the day a promise was made (those of 0.2.0: the day they were recorded, the customer's)
ALTER TABLE dunning.promise ADD COLUMN made_on date;
UPDATE dunning.promise p SET made_on = (p.created_at AT TIME ZONE c.timezone)::date
  FROM dunning.customer c WHERE c.customer_id = p.customer_id;
ALTER TABLE dunning.promise ALTER COLUMN made_on SET NOT NULL;
DROP FUNCTION dunning.promise_to_pay(bigint[], numeric, date, text);
ALTER TABLE dunning.credit_insurance DROP CONSTRAINT credit_insurance_pkey,
    ADD CONSTRAINT credit_insurance_pkey PRIMARY KEY (customer_id, credit_insurance_id);
ALTER TABLE dunning.segment_change DROP CONSTRAINT segment_change_pkey,
    ADD CONSTRAINT segment_change_pkey PRIMARY KEY (customer_id, segment_change_id);

-- Allocations and write-offs are immutable to users: their triggers refuse
-- this update, which only adds the customer they already have.
ALTER TABLE dunning.allocation DISABLE TRIGGER allocation_immutable;
ALTER TABLE dunning.write_off DISABLE TRIGGER write_off_immutable;
UPDATE dunning.allocation a SET customer_id = i.customer_id FROM dunning.invoice i WHERE i.invoice_id = a.invoice_id;
UPDATE dunning.write_off w SET customer_id = i.customer_id FROM dunning.invoice i WHERE i.invoice_id = w.invoice_id;
ALTER TABLE dunning.allocation ENABLE TRIGGER allocation_immutable;
ALTER TABLE dunning.write_off ENABLE TRIGGER write_off_immutable;
UPDATE dunning.dispute d SET customer_id = i.customer_id FROM dunning.invoice i WHERE i.invoice_id = d.invoice_id;
-- removed rows: their invoice's customer (an invoice is never moved while lettered)
UPDATE dunning.letter_history h SET customer_id = i.customer_id FROM dunning.invoice i WHERE i.invoice_id = h.invoice_id;
DELETE FROM dunning.letter_history h WHERE h.customer_id IS NULL;
-- a proposal without a customer (none is written so) assumes its first item's
UPDATE dunning.proposal p SET customer_id = i.customer_id
  FROM dunning.invoice i WHERE p.customer_id IS NULL AND i.invoice_id = p.invoice_ids[1];
DELETE FROM dunning.proposal p WHERE p.customer_id IS NULL;

ALTER TABLE dunning.letter ADD CONSTRAINT letter_pkey PRIMARY KEY (customer_id, letter_id);
CREATE INDEX letter_id_idx ON dunning.letter (letter_id);
ALTER TABLE dunning.allocation ALTER COLUMN customer_id SET NOT NULL,
    ADD CONSTRAINT allocation_pkey PRIMARY KEY (customer_id, allocation_id),
    ADD CONSTRAINT allocation_payment_fkey FOREIGN KEY (customer_id, payment_id)
        REFERENCES dunning.payment (customer_id, payment_id),
    ADD CONSTRAINT allocation_credit_note_fkey FOREIGN KEY (customer_id, credit_note_id)
        REFERENCES dunning.invoice (customer_id, invoice_id),
    ADD CONSTRAINT allocation_invoice_fkey FOREIGN KEY (customer_id, invoice_id)
        REFERENCES dunning.invoice (customer_id, invoice_id),
    ADD CONSTRAINT allocation_letter_fkey FOREIGN KEY (customer_id, letter_id)
        REFERENCES dunning.letter (customer_id, letter_id);
CREATE INDEX allocation_id_idx ON dunning.allocation (allocation_id);
ALTER TABLE dunning.write_off ALTER COLUMN customer_id SET NOT NULL,
    ADD CONSTRAINT write_off_pkey PRIMARY KEY (customer_id, write_off_id),
    ADD CONSTRAINT write_off_invoice_fkey FOREIGN KEY (customer_id, invoice_id)
        REFERENCES dunning.invoice (customer_id, invoice_id),
    ADD CONSTRAINT write_off_payment_fkey FOREIGN KEY (customer_id, payment_id)
        REFERENCES dunning.payment (customer_id, payment_id),
    ADD CONSTRAINT write_off_letter_fkey FOREIGN KEY (customer_id, letter_id)
        REFERENCES dunning.letter (customer_id, letter_id);
CREATE INDEX write_off_payment_idx ON dunning.write_off (payment_id) WHERE payment_id IS NOT NULL;
ALTER TABLE dunning.letter_history ALTER COLUMN customer_id SET NOT NULL,
    ADD CONSTRAINT letter_history_pkey PRIMARY KEY (customer_id, kind, id);
ALTER TABLE dunning.proposal ALTER COLUMN customer_id SET NOT NULL,
    ADD CONSTRAINT proposal_pkey PRIMARY KEY (customer_id, proposal_id),
    ADD CONSTRAINT proposal_letter_fkey FOREIGN KEY (customer_id, letter_id)
        REFERENCES dunning.letter (customer_id, letter_id);
CREATE INDEX proposal_id_idx ON dunning.proposal (proposal_id);
ALTER TABLE dunning.dispute ALTER COLUMN customer_id SET NOT NULL,
    ADD CONSTRAINT dispute_pkey PRIMARY KEY (customer_id, dispute_id),
    ADD CONSTRAINT dispute_invoice_fkey FOREIGN KEY (customer_id, invoice_id)
        REFERENCES dunning.invoice (customer_id, invoice_id);
CREATE INDEX dispute_id_idx ON dunning.dispute (dispute_id);

-- Invoice numbers: unique per customer up to case, spaces and punctuation.
-- A unique index cannot be left half valid: duplicates stop the update, named.
DO $check$
DECLARE
    bad text;
BEGIN
    SELECT string_agg(x.nums, '; ') INTO bad FROM (
        SELECT 'customer ' || i.customer_id || ': ' || string_agg(i.invoice_number, ', ' ORDER BY i.invoice_id) AS nums
          FROM dunning.invoice i
         GROUP BY i.customer_id, dunning.normalize_invoice_number(i.invoice_number)
        HAVING count(*) > 1
         LIMIT 20) x;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'dunning 0.3.0: invoice numbers that differ only by case, spaces or punctuation: %', bad
            USING ERRCODE = 'unique_violation',
                  HINT = 'Renumber one of each pair (they break lettering), then update again.';
    END IF;
END
$check$;
CREATE UNIQUE INDEX invoice_number_per_customer_key
    ON dunning.invoice (customer_id, dunning.normalize_invoice_number(invoice_number));

-- Bounds that replace older ones (the new ones are added after the code).
ALTER TABLE dunning.customer DROP CONSTRAINT customer_credit_limit_valid;
ALTER TABLE dunning.invoice DROP CONSTRAINT invoice_amount_finite;
ALTER TABLE dunning.payment DROP CONSTRAINT payment_amount_finite;
ALTER TABLE dunning.dispute DROP CONSTRAINT dispute_amount_positive;
ALTER TABLE dunning.allocation DROP CONSTRAINT allocation_amount_positive;
ALTER TABLE dunning.write_off DROP CONSTRAINT write_off_amount_positive;

-----------------------------------------------------------------------------
-- New tables
-----------------------------------------------------------------------------
CREATE TABLE dunning.payer_history (
    payer_history_id  bigint GENERATED BY DEFAULT AS IDENTITY,
    customer_id       bigint NOT NULL,
    payment_id        bigint NOT NULL,
    identified_at     timestamptz NOT NULL DEFAULT pg_catalog.now(),
    identified_by     name NOT NULL DEFAULT CURRENT_USER,
    cleared_at        timestamptz,
    cleared_by        name,
    cleared_reason    text,
    CONSTRAINT payer_history_pkey PRIMARY KEY (customer_id, payer_history_id),
    CONSTRAINT payer_history_cleared_complete CHECK ((cleared_at IS NULL) = (cleared_by IS NULL))
);
CREATE INDEX payer_history_payment_idx ON dunning.payer_history (payment_id) WHERE cleared_at IS NULL;
CREATE TABLE dunning.revoked_pay_token (
    customer_id  bigint NOT NULL REFERENCES dunning.customer,
    token_hash   bytea NOT NULL,
    revoked_at   timestamptz NOT NULL DEFAULT pg_catalog.now(),
    revoked_by   name NOT NULL DEFAULT CURRENT_USER,
    expires_at   timestamptz NOT NULL,
    reason       text,
    PRIMARY KEY (customer_id, token_hash),
    CONSTRAINT revoked_pay_token_hash_length CHECK (pg_catalog.length(token_hash) = 32)
);

CREATE TABLE dunning.erasure (
    erasure_id   bigint GENERATED BY DEFAULT AS IDENTITY,
    customer_id  bigint NOT NULL REFERENCES dunning.customer,
    erased_at    timestamptz NOT NULL DEFAULT pg_catalog.now(),
    erased_by    name NOT NULL DEFAULT CURRENT_USER,
    reason       text,
    name_kept    boolean NOT NULL,
    erased       jsonb NOT NULL,
    CONSTRAINT erasure_pkey PRIMARY KEY (customer_id, erasure_id)
);

-----------------------------------------------------------------------------
-- Privileges that 0.3.0 narrows (the code regions grant what remains):
-- no role updates the running totals; analysts read no personal data.
-----------------------------------------------------------------------------
REVOKE UPDATE ON dunning.invoice, dunning.payment FROM dunning_admin;
REVOKE SELECT ON dunning.customer, dunning.payment, dunning.unapplied_payment, dunning.action,
    dunning.collector_worklist FROM dunning_analyst;
REVOKE EXECUTE ON FUNCTION dunning.preview(timestamptz) FROM dunning_analyst;

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
-- The figures of a set of items that customer_risk_as_of computes per
-- customer and currency in one pass (the aggregate dunning.risk_figures, C).
CREATE TYPE dunning.risk_figures AS (
    invoices bigint, open_invoices numeric, open_credit_notes numeric, overdue numeric,
    max_days_past_due integer, open_items bigint, cash_applied numeric,
    paid_12m bigint, paid_amount_12m numeric, weighted_days_late numeric, days_beyond_terms numeric,
    avg_days_to_pay numeric, paydex integer, risk_score integer
);
-- The check of new allocations joins the rows inside allocation_sync now.
DROP TRIGGER allocation_check_rows ON dunning.allocation;
DROP FUNCTION dunning.allocation_check_rows();

-- Segments: customer.segment is the business segment people set;
-- refresh_segments now writes customer.risk_segment.  0.2.0 wrote its risk
-- segments into customer.segment: move them, and give back the business
-- segment each customer had before refresh_segments first changed it.
ALTER TABLE dunning.customer ADD COLUMN risk_segment text;
UPDATE dunning.customer c
   SET risk_segment = c.segment, segment = f.old_segment
  FROM (SELECT DISTINCT ON (sc.customer_id) sc.customer_id, sc.old_segment
          FROM dunning.segment_change sc ORDER BY sc.customer_id, sc.changed_at, sc.segment_change_id) f
 WHERE f.customer_id = c.customer_id;
ALTER TABLE dunning.segment_scenario ADD COLUMN source text NOT NULL DEFAULT 'business',
    ADD CONSTRAINT segment_scenario_source_known CHECK (source IN ('business', 'risk')),
    DROP CONSTRAINT segment_scenario_pkey,
    ADD CONSTRAINT segment_scenario_pkey PRIMARY KEY (source, segment);
-- 0.2.0 mapped the risk segments it wrote into customer.segment: those
-- mappings now read customer.risk_segment.
UPDATE dunning.segment_scenario s SET source = 'risk'
 WHERE s.segment IN (SELECT r.segment FROM dunning.segment_rule r)
   AND NOT EXISTS (SELECT 1 FROM dunning.customer c WHERE c.segment = s.segment);

-- Settings and steps of the ladder.
ALTER TABLE dunning.setting
    ADD COLUMN max_new_episodes_per_day integer,
    ADD COLUMN renotice_days integer,
    ADD COLUMN confirm_payments boolean,
    ADD COLUMN confirmation_window_days integer,
    ADD CONSTRAINT setting_max_new_episodes_valid CHECK (max_new_episodes_per_day BETWEEN 1 AND 10000000),
    ADD CONSTRAINT setting_renotice_days_valid CHECK (renotice_days BETWEEN 1 AND 365),
    ADD CONSTRAINT setting_confirmation_window_valid CHECK (confirmation_window_days BETWEEN 1 AND 90);
ALTER TABLE dunning.scenario_step
    ADD COLUMN fallback_channels text[] NOT NULL DEFAULT '{}',
    ADD COLUMN min_days_since_previous integer,
    ADD CONSTRAINT scenario_step_fallback_channels_known
        CHECK (fallback_channels <@ ARRAY['email', 'sms', 'letter', 'call', 'task', 'legal']::text[]
               AND pg_catalog.array_position(fallback_channels, channel) IS NULL
               AND pg_catalog.array_position(fallback_channels, NULL) IS NULL),
    ADD CONSTRAINT scenario_step_min_days_since_previous_valid CHECK (min_days_since_previous BETWEEN 0 AND 3650);
SELECT pg_catalog.set_config('dunning.seeding', 'on', true);
UPDATE dunning.scenario_step st
   SET fallback_channels = v.fallback
  FROM (VALUES (2, '{letter}'::text[]), (3, '{letter}'), (4, '{task}'), (5, '{email}'), (6, '{task}')) AS v (step_no, fallback)
 WHERE st.seeded AND st.scenario_id IN (1, 2) AND st.step_no = v.step_no;
SELECT pg_catalog.set_config('dunning.seeding', 'off', true);

-- The outbox: kinds of action, notices carried on another channel.
ALTER TABLE dunning.action
    ALTER COLUMN scenario_id DROP NOT NULL,
    ALTER COLUMN step_id DROP NOT NULL,
    ALTER COLUMN offset_days DROP NOT NULL,
    ADD COLUMN kind text NOT NULL DEFAULT 'notice',
    ADD COLUMN replaces_action_id bigint,
    ALTER COLUMN body SET COMPRESSION lz4,
    ALTER COLUMN payload SET COMPRESSION lz4,
    DROP CONSTRAINT action_once_per_customer_step_day;
UPDATE dunning.action a SET kind = 'pre_due' WHERE a.offset_days < 0;
ALTER TABLE dunning.action
    ADD CONSTRAINT action_once_per_customer_kind_day UNIQUE (customer_id, kind, action_date),
    ADD CONSTRAINT action_kind_known CHECK (kind IN ('notice', 'pre_due', 'confirmation', 'instalment')),
    ADD CONSTRAINT action_step_of_notice CHECK (kind IN ('confirmation', 'instalment') OR step_id IS NOT NULL);
ALTER TABLE dunning.action_item
    ALTER COLUMN step_id DROP NOT NULL,
    ALTER COLUMN offset_days DROP NOT NULL,
    ADD COLUMN customer_id bigint,
    DROP CONSTRAINT action_item_once_per_step,
    DROP CONSTRAINT action_item_action_id_fkey,
    DROP CONSTRAINT action_item_pkey;
ALTER TABLE dunning.action DROP CONSTRAINT action_pkey,
    ADD CONSTRAINT action_pkey PRIMARY KEY (customer_id, action_id);
CREATE INDEX action_id_idx ON dunning.action (action_id);
UPDATE dunning.action_item ai SET customer_id = a.customer_id FROM dunning.action a WHERE a.action_id = ai.action_id;
ALTER TABLE dunning.action_item
    ALTER COLUMN customer_id SET NOT NULL,
    ADD CONSTRAINT action_item_pkey PRIMARY KEY (customer_id, action_id, invoice_id),
    ADD CONSTRAINT action_item_action_fkey FOREIGN KEY (customer_id, action_id)
        REFERENCES dunning.action (customer_id, action_id) ON DELETE CASCADE,
    ADD CONSTRAINT action_item_invoice_fkey FOREIGN KEY (customer_id, invoice_id)
        REFERENCES dunning.invoice (customer_id, invoice_id);
CREATE TABLE dunning_internal.newly_settled (
    customer_id bigint NOT NULL,
    queued_id   bigint GENERATED ALWAYS AS IDENTITY,
    invoice_id  bigint NOT NULL,
    CONSTRAINT newly_settled_pkey PRIMARY KEY (customer_id, queued_id)
);
CREATE TABLE dunning_internal.cancellation_pass (
    singleton    boolean PRIMARY KEY DEFAULT true,
    full_pass_on date NOT NULL,
    CONSTRAINT cancellation_pass_one_row CHECK (singleton)
);
CREATE INDEX payment_received_idx ON dunning.payment (received_on);
-- What the evaluation of one customer decided (phase 1 of due_actions),
-- handed to phase 2 as an array.
CREATE TYPE dunning_internal.evaluation AS (
    customer_id bigint, kind text, scenario_id bigint, local_date date, local_time time, episode text,
    from_step_id bigint, level_rung integer, level_step_id bigint, level_offset integer, want text, waits text,
    pre_offset integer, last_pre_due_on date, last_notice_action_id bigint, last_notice_lost boolean,
    t_step_id bigint, t_name text, t_offset integer, t_template text, t_fee numeric, t_rung integer,
    t_legal boolean, t_charged boolean, t_margin numeric, t_compensation numeric,
    t_compensation_currency char(3), a_channel text, a_recipient text, material text[], coming_material text[],
    legal_case_id bigint, on_hold boolean, day_off boolean, last_contact_on date, recent_contacts date[],
    ended_on date, passed_over text);
CREATE TYPE dunning_internal.due_action AS (
    customer_id bigint, action_date date, evaluated boolean, scenario_id bigint, episode text,
    from_step_id bigint, level_step_id bigint, level_offset integer, waits_for text, event text,
    opens_legal boolean, replaces_action_id bigint,
    kind text, step_id bigint, step_name text, offset_days integer, channel text, recipient text,
    language text, collector text, subject text, body text, payload jsonb,
    plan_id bigint, instalment_no integer, ended_on date, passed_over text);
-- What the items of one action add up to (dunning_internal.summarize_action_items).
CREATE TYPE dunning_internal.action_items_summary AS (
    invoice_count bigint, invoice_ids bigint[], max_days_overdue integer, oldest_due_on date, last_currency text,
    invoices jsonb, token_amount text, totals jsonb, charges jsonb, totals_with_charges jsonb,
    coming_totals jsonb);

-- New tables: the ladder (ladder.sql) and payment plans (plans.sql).
-----------------------------------------------------------------------------
-- The dunning ladder: one level per customer (doc/dunning.md, "The ladder")
-----------------------------------------------------------------------------
-- A customer's dunning *episode* starts on the first day it has an overdue
-- item and ends on the first day it has none.  Inside an episode the
-- customer stands on a rung of its scenario's ladder (the steps from the due
-- date on, in step order), never goes down, and climbs at most one rung at a
-- time: the rung it is due for is the highest one that any of its overdue
-- items reached by its own days overdue (as SAP does), and a notice at the
-- next rung needs the previous one delivered at least its spacing before.
-- dunning.run() keeps this state; people read it through
-- dunning.customer_ladder and change it with set_level / hold_level /
-- close_legal_case, every change logged in dunning.level_change.
CREATE TABLE dunning.customer_dunning (
    customer_id            bigint PRIMARY KEY REFERENCES dunning.customer ON DELETE CASCADE,
    scenario_id            bigint,
    episode_started_on     date,
    level_step_id          bigint,
    level_offset           integer,
    level_on               date,
    held_until             date,
    hold_reason            text,
    last_notice_action_id  bigint,
    last_notice_on         date,
    last_pre_due_on        date,
    last_contact_on        date,
    recent_contacts        date[] NOT NULL DEFAULT '{}',
    legal_case_id          bigint,
    evaluated_on           date,
    waits_for              text,
    updated_at             timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT customer_dunning_level_in_episode
        CHECK (level_step_id IS NULL OR episode_started_on IS NOT NULL),
    CONSTRAINT customer_dunning_level_complete CHECK ((level_step_id IS NULL) = (level_offset IS NULL))
);

CREATE TABLE dunning.level_change (
    customer_id    bigint NOT NULL REFERENCES dunning.customer ON DELETE CASCADE,
    change_id      bigint GENERATED BY DEFAULT AS IDENTITY,
    changed_on     date NOT NULL,
    event          text NOT NULL,
    from_step_id   bigint,
    to_step_id     bigint,
    action_id      bigint,
    reason         text,
    changed_at     timestamptz NOT NULL DEFAULT pg_catalog.now(),
    changed_by     name NOT NULL DEFAULT CURRENT_USER,
    PRIMARY KEY (customer_id, change_id),
    CONSTRAINT level_change_event_known CHECK (event IN (
        'episode_start', 'climb', 'renotice', 'episode_end', 'set', 'hold', 'release',
        'legal_open', 'legal_close', 'scenario_change'))
);

CREATE TABLE dunning.legal_case (
    customer_id    bigint NOT NULL REFERENCES dunning.customer ON DELETE CASCADE,
    case_id        bigint GENERATED BY DEFAULT AS IDENTITY,
    opened_on      date NOT NULL,
    action_id      bigint,
    status         text NOT NULL DEFAULT 'open',
    closed_on      date,
    outcome        text,
    notes          text,
    closed_by      name,
    PRIMARY KEY (customer_id, case_id),
    CONSTRAINT legal_case_status_known CHECK (status IN ('open', 'closed')),
    CONSTRAINT legal_case_closed_complete
        CHECK ((status = 'closed') = (closed_on IS NOT NULL AND outcome IS NOT NULL)),
    CONSTRAINT legal_case_outcome_known
        CHECK (outcome IN ('paid', 'settled', 'payment_plan', 'written_off', 'withdrawn', 'insolvency'))
);
CREATE UNIQUE INDEX legal_case_one_open ON dunning.legal_case (customer_id) WHERE status = 'open';
-----------------------------------------------------------------------------
-- Payment plans: instalments agreed on a set of items (doc/dunning.md)
-----------------------------------------------------------------------------
-- While a plan is kept its items are not dunned.  An instalment is missed
-- when its day has passed and what the plan's items received since the plan
-- was agreed is less than the instalments due so far; a missed instalment
-- gets its own reminder (once), and when it is still missed grace_days later
-- the plan breaks: its items rejoin the ladder at the next rung.  When the
-- instalments are all paid (or the items settled) the plan is kept.
-- dunning.run() refreshes the status (dunning_internal.refresh_payment_plans).
CREATE TABLE dunning.payment_plan (
    customer_id       bigint NOT NULL REFERENCES dunning.customer,
    plan_id           bigint GENERATED BY DEFAULT AS IDENTITY,
    currency          char(3) NOT NULL,
    agreed_on         date NOT NULL,
    grace_days        integer NOT NULL DEFAULT 5,
    open_at_agreement numeric NOT NULL,
    status            text NOT NULL DEFAULT 'active',
    status_on         date,
    note              text,
    created_at        timestamptz NOT NULL DEFAULT pg_catalog.now(),
    created_by        name NOT NULL DEFAULT CURRENT_USER,
    PRIMARY KEY (customer_id, plan_id),
    CONSTRAINT payment_plan_status_known CHECK (status IN ('active', 'kept', 'broken', 'cancelled')),
    CONSTRAINT payment_plan_status_on_set CHECK ((status = 'active') = (status_on IS NULL)),
    CONSTRAINT payment_plan_grace_days_valid CHECK (grace_days BETWEEN 0 AND 365),
    CONSTRAINT payment_plan_open_positive CHECK (open_at_agreement > 0)
);
CREATE INDEX payment_plan_active_idx ON dunning.payment_plan (customer_id) WHERE status = 'active';

CREATE TABLE dunning.payment_plan_item (
    customer_id  bigint NOT NULL,
    plan_id      bigint NOT NULL,
    invoice_id   bigint NOT NULL,
    PRIMARY KEY (customer_id, plan_id, invoice_id),
    CONSTRAINT payment_plan_item_invoice_fkey FOREIGN KEY (customer_id, invoice_id)
        REFERENCES dunning.invoice (customer_id, invoice_id),
    FOREIGN KEY (customer_id, plan_id) REFERENCES dunning.payment_plan ON DELETE CASCADE
);

CREATE TABLE dunning.payment_plan_instalment (
    customer_id    bigint NOT NULL,
    plan_id        bigint NOT NULL,
    instalment_no  integer NOT NULL,
    due_on         date NOT NULL,
    amount         numeric NOT NULL,
    reminded_on    date,
    PRIMARY KEY (customer_id, plan_id, instalment_no),
    FOREIGN KEY (customer_id, plan_id) REFERENCES dunning.payment_plan ON DELETE CASCADE,
    CONSTRAINT payment_plan_instalment_amount_positive CHECK (amount > 0 AND amount < 'Infinity')
);

-- Objects replaced by others of another shape.
DROP FUNCTION dunning.due_actions(timestamptz);
DROP FUNCTION dunning.pick_step(bigint, integer, integer, time, numeric);

-- Cash forecast: the assumptions a treasurer may change (forecast.sql).
CREATE TABLE dunning.forecast_setting (
    id                      boolean PRIMARY KEY DEFAULT true,
    history_days            integer,
    half_life_days          integer,
    credibility             numeric,
    legal_collection_rate   numeric,
    legal_collection_weeks  integer,
    CONSTRAINT forecast_setting_single_row CHECK (id),
    CONSTRAINT forecast_setting_history_days_valid CHECK (history_days BETWEEN 90 AND 3650),
    CONSTRAINT forecast_setting_half_life_days_valid CHECK (half_life_days BETWEEN 7 AND 36500),
    CONSTRAINT forecast_setting_credibility_valid CHECK (credibility >= 0 AND credibility <= 1000),
    CONSTRAINT forecast_setting_legal_collection_rate_valid
        CHECK (legal_collection_rate >= 0 AND legal_collection_rate <= 1),
    CONSTRAINT forecast_setting_legal_collection_weeks_valid CHECK (legal_collection_weeks BETWEEN 1 AND 520)
);

-----------------------------------------------------------------------------
-- Bank statements in (bank.sql): returned payments (ledger.sql), the
-- statements and their entries, the row type of the C readers.
-----------------------------------------------------------------------------
ALTER TABLE dunning.payment ADD COLUMN returned_on date, ADD COLUMN return_reason text,
    ADD CONSTRAINT payment_returned_not_allocated CHECK (returned_on IS NULL OR allocated_amount = 0),
    ADD CONSTRAINT payment_return_complete
        CHECK ((returned_on IS NULL) = (return_reason IS NULL) AND pg_catalog.length(return_reason) <= 100);
CREATE TABLE dunning.bank_statement (
    statement_id     bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    account          text NOT NULL,
    account_iban     text,
    statement_ref    text,
    sequence_no      text,
    currency         char(3),
    opening_balance  numeric,
    opening_on       date,
    closing_balance  numeric,
    closing_on       date,
    from_on          date,
    to_on            date,
    format           text NOT NULL,
    version          text,
    imported_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    imported_by      name NOT NULL DEFAULT CURRENT_USER,
    CONSTRAINT bank_statement_format_known CHECK (format IN ('camt.053', 'camt.054', 'mt940')),
    CONSTRAINT bank_statement_texts_short
        CHECK (pg_catalog.length(account) <= 70 AND pg_catalog.length(statement_ref) <= 140
               AND pg_catalog.length(sequence_no) <= 40 AND pg_catalog.length(version) <= 10),
    -- A statement imported again is the same row (its entries are duplicates).
    CONSTRAINT bank_statement_once UNIQUE NULLS NOT DISTINCT
        (account, format, statement_ref, sequence_no, opening_on, opening_balance, closing_on, closing_balance,
         from_on, to_on)
);
CREATE INDEX bank_statement_account_idx ON dunning.bank_statement (account, closing_on);
CREATE TABLE dunning.bank_entry (
    entry_id              bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    statement_id          bigint NOT NULL REFERENCES dunning.bank_statement,
    entry_no              integer NOT NULL,
    txn_no                integer NOT NULL,
    account               text NOT NULL,
    booked_on             date NOT NULL,
    value_on              date,
    amount                numeric NOT NULL,
    currency              char(3) NOT NULL,
    counterparty_name     text,
    counterparty_iban     text,
    remittance            text,
    structured_reference  text,
    end_to_end_id         text,
    bank_ref              text,
    txn_ref               text,
    bank_code             text,
    reversal              boolean NOT NULL DEFAULT false,
    return_reason         text,
    occurrence            integer NOT NULL,
    payment_id            bigint UNIQUE REFERENCES dunning.payment,
    returned_payment_id   bigint REFERENCES dunning.payment,
    reverses_entry_id     bigint REFERENCES dunning.bank_entry,
    created_at            timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT bank_entry_payment_of_credit CHECK (payment_id IS NULL OR amount > 0),
    CONSTRAINT bank_entry_return_of_debit CHECK (returned_payment_id IS NULL OR amount < 0),
    CONSTRAINT bank_entry_refs_short
        CHECK (pg_catalog.length(bank_ref) <= 140 AND pg_catalog.length(end_to_end_id) <= 140
               AND pg_catalog.length(txn_ref) <= 140 AND pg_catalog.length(account) <= 70),
    -- The duplicate key (doc/bank.md, "Duplicates"): an entry imported again
    -- (the same file, an overlapping statement) finds its row here.
    CONSTRAINT bank_entry_once UNIQUE NULLS NOT DISTINCT
        (account, booked_on, amount, bank_ref, end_to_end_id, txn_ref, occurrence)
);
CREATE INDEX bank_entry_statement_idx ON dunning.bank_entry (statement_id);
CREATE INDEX bank_entry_returned_payment_idx ON dunning.bank_entry (returned_payment_id)
    WHERE returned_payment_id IS NOT NULL;
CREATE INDEX bank_entry_reverses_idx ON dunning.bank_entry (reverses_entry_id) WHERE reverses_entry_id IS NOT NULL;

-- A row of a bank file as the C readers give it (src/bank_import.c).
CREATE TYPE dunning_internal.bank_row AS (
    stmt_no int4, format text, version text, statement_ref text, sequence_no text, account_iban text,
    account_id text, currency text, from_on date, to_on date, opening_balance numeric, opening_on date,
    closing_balance numeric, closing_on date,
    entry_no int4, txn_no int4, booked_on date, value_on date, entry_amount numeric, amount numeric,
    entry_currency text, txn_currency text, reversal boolean, returned boolean, return_reason text,
    counterparty_name text, counterparty_iban text, remittance text, structured_reference text,
    end_to_end_id text, bank_ref text, txn_ref text, bank_code text, occurrence int4,
    ref_seen int4);

-- BI-ready views (kpi.sql, risk.sql and the views of the other topics):
-- their columns now declare precision and scale (numeric(20,4) money, ...)
-- and char lengths, and the materialized views tell when they were
-- refreshed; a view's column types cannot change in place, so the views of
-- 0.2.0 whose columns change are dropped here, dependents first, and the
-- code regions create them again (the materialized views with their data).
DROP VIEW dunning.aging;
DROP VIEW dunning.open_item;
DROP MATERIALIZED VIEW dunning.kpi_monthly;
DROP VIEW dunning.paid_invoice;
DROP VIEW dunning.settlement;
DROP VIEW dunning.cash_forecast;
DROP MATERIALIZED VIEW dunning.customer_risk;
DROP VIEW dunning.customer_balance;
DROP VIEW dunning.dispute_root_cause;
DROP VIEW dunning.customer_scenario;
DROP VIEW dunning.settings;
DROP VIEW dunning.step_effectiveness;
DROP VIEW dunning.unapplied_payment;

-- A write-off's day (allocation.sql), stored from now on: the day 0.2.0
-- dated it by (created_at::date, in this session's time zone), written by a
-- rewrite of the table (no trigger fires), then its default and bound.
ALTER TABLE dunning.write_off ADD COLUMN written_off_on date;
ALTER TABLE dunning.write_off ALTER COLUMN written_off_on TYPE date USING created_at::date;
ALTER TABLE dunning.write_off ALTER COLUMN written_off_on SET DEFAULT CURRENT_DATE,
    ALTER COLUMN written_off_on SET NOT NULL;

-- The latest settlement date per item (ledger.sql), maintained from now on
-- by the triggers of allocation.sql: filled here from the settlements, dated
-- as dunning.settlement dates them: dunning_internal.settlement_date is
-- created here for it, the rule written once (allocation.sql's code region,
-- appended below, redefines it identically and adds its comment and grant).
-- Not by an
-- UPDATE of every item, which writes a second version of each row, inserts
-- it into every index (two of them on expressions) and fires the 0.2.0 row
-- triggers, leaving the table and its indexes twice their size (31.7 min
-- at 5.4M invoices): the dates are computed once into a keyed work table,
-- and the column is then filled by a rewrite of the table (ALTER COLUMN
-- TYPE ... USING, same type), which writes each row once, fires no
-- trigger and rebuilds the indexes in bulk.  Measured in doc/kpi.md.
ALTER TABLE dunning.invoice ADD COLUMN settled_on date;
CREATE FUNCTION dunning_internal.settlement_date(received_on date, credit_note_issued_on date,
                                                 written_off_on date, invoice_issued_on date)
RETURNS date
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $fn$
    SELECT GREATEST(COALESCE(settlement_date.received_on, settlement_date.credit_note_issued_on,
                             settlement_date.written_off_on),
                    settlement_date.invoice_issued_on)
$fn$;
CREATE TABLE dunning_internal.settled_on_backfill (invoice_id bigint PRIMARY KEY, last_on date NOT NULL);
INSERT INTO dunning_internal.settled_on_backfill (invoice_id, last_on)
SELECT t.id, max(t.settled_on)
  FROM (SELECT a.invoice_id AS id,
               dunning_internal.settlement_date(p.received_on, c.issued_on, NULL, x.issued_on) AS settled_on
          FROM dunning.allocation a
          JOIN dunning.invoice x ON x.invoice_id = a.invoice_id
          LEFT JOIN dunning.payment p ON p.payment_id = a.payment_id
          LEFT JOIN dunning.invoice c ON c.invoice_id = a.credit_note_id
        UNION ALL
        SELECT a.credit_note_id, dunning_internal.settlement_date(NULL, c.issued_on, NULL, x.issued_on)
          FROM dunning.allocation a
          JOIN dunning.invoice x ON x.invoice_id = a.invoice_id
          JOIN dunning.invoice c ON c.invoice_id = a.credit_note_id
        UNION ALL
        SELECT w.invoice_id, dunning_internal.settlement_date(p.received_on, NULL, w.written_off_on, x.issued_on)
          FROM dunning.write_off w
          JOIN dunning.invoice x ON x.invoice_id = w.invoice_id
          LEFT JOIN dunning.payment p ON p.payment_id = w.payment_id) t
 WHERE t.settled_on IS NOT NULL
 GROUP BY t.id;
ANALYZE dunning_internal.settled_on_backfill;
CREATE FUNCTION dunning_internal.settled_on_backfill(p_invoice_id bigint) RETURNS date
    LANGUAGE sql STABLE
AS $fn$
    SELECT b.last_on FROM dunning_internal.settled_on_backfill b WHERE b.invoice_id = p_invoice_id
$fn$;
ALTER TABLE dunning.invoice ALTER COLUMN settled_on TYPE date
    USING dunning_internal.settled_on_backfill(invoice_id);
DROP FUNCTION dunning_internal.settled_on_backfill(bigint);
DROP TABLE dunning_internal.settled_on_backfill;

-- The settlement facts (allocation.sql), kept by the triggers from now on;
-- filled from the ledger by allocation.sql's code region
-- (dunning_internal.repair_settlement_facts, after ledger_settlement).
CREATE TABLE dunning_internal.settlement_fact (
    customer_id bigint NOT NULL,
    invoice_id  bigint NOT NULL,
    kind        text NOT NULL,
    source_id   bigint NOT NULL,
    currency    char(3) NOT NULL,
    due_on      date NOT NULL,
    settled_on  date NOT NULL,
    amount      numeric NOT NULL,
    open_change numeric NOT NULL,
    CONSTRAINT settlement_fact_pkey PRIMARY KEY (customer_id, invoice_id, kind, source_id)
);
CREATE INDEX settlement_fact_settled_idx ON dunning_internal.settlement_fact (settled_on);

-- @code regions

-- The settlement facts of the ledger brought from 0.2.0, made once by the
-- rule the code regions above define (allocation.sql).
SELECT dunning_internal.repair_settlement_facts();

-----------------------------------------------------------------------------
-- Bounds (ledger.sql, allocation.sql): existing rows are checked, not
-- trusted.  Phone numbers are first stored in E.164 where they can be.  A
-- bound that existing rows violate is added NOT VALID (new and updated rows
-- are checked) and the rows are reported in a WARNING; correct them, then
-- ALTER TABLE ... VALIDATE CONSTRAINT ... (doc/ledger.md, "Bounds").
-----------------------------------------------------------------------------
UPDATE dunning.customer c SET phone = dunning.normalize_phone(c.phone, c.country)
 WHERE c.phone IS NOT NULL AND dunning.normalize_phone(c.phone, c.country) IS NOT NULL
   AND dunning.normalize_phone(c.phone, c.country) <> c.phone;
DO $bounds$
DECLARE
    b record;
    bad text;
BEGIN
    FOR b IN
        SELECT * FROM (VALUES
          ('customer', 'customer_id', 'customer_credit_limit_valid', 'credit_limit >= 0 AND credit_limit < 1e12'),
          ('customer', 'customer_id', 'customer_name_one_line', 'name !~ ''[[:cntrl:]]'' AND pg_catalog.length(name) <= 200'),
          ('customer', 'customer_id', 'customer_external_ref_one_line',
           'external_ref !~ ''[[:cntrl:]]'' AND pg_catalog.length(external_ref) <= 100'),
          ('customer', 'customer_id', 'customer_email_plausible',
           'pg_catalog.length(email) <= 254 AND email ~ ''^[^][[:space:][:cntrl:]<>()",;:@\\]{1,64}@[^][[:space:][:cntrl:]<>()",;:@\\.]+(\.[^][[:space:][:cntrl:]<>()",;:@\\.]+)+$'''),
          ('customer', 'customer_id', 'customer_phone_e164', 'phone ~ ''^\+[1-9][0-9]{6,14}$'''),
          ('customer', 'customer_id', 'customer_postal_address_one_line',
           'postal_address !~ ''[[:cntrl:]]'' AND pg_catalog.length(postal_address) <= 500'),
          ('customer', 'customer_id', 'customer_collector_one_line',
           'collector !~ ''[[:cntrl:]]'' AND pg_catalog.length(collector) <= 100'),
          ('invoice', 'invoice_id', 'invoice_amount_in_range', 'amount > -1e12 AND amount < 1e12'),
          ('invoice', 'invoice_id', 'invoice_issued_on_in_range',
           'issued_on BETWEEN DATE ''1900-01-01'' AND DATE ''2999-12-31'''),
          ('invoice', 'invoice_id', 'invoice_due_on_in_range',
           'due_on <= DATE ''2999-12-31'' AND due_on <= issued_on + 3660'),
          ('invoice', 'invoice_id', 'invoice_number_one_line',
           'invoice_number !~ ''[[:cntrl:]]'' AND pg_catalog.length(invoice_number) <= 100'),
          ('payment', 'payment_id', 'payment_amount_in_range', 'amount < 1e12'),
          ('payment', 'payment_id', 'payment_received_on_in_range',
           'received_on BETWEEN DATE ''1900-01-01'' AND DATE ''2999-12-31'''),
          ('dispute', 'dispute_id', 'dispute_amount_positive', 'amount > 0 AND amount < 1e12'),
          ('dispute', 'dispute_id', 'dispute_dates_in_range',
           'opened_on BETWEEN DATE ''1900-01-01'' AND DATE ''2999-12-31'' AND resolved_on <= DATE ''2999-12-31'''),
          ('allocation', 'allocation_id', 'allocation_amount_positive', 'amount > 0 AND amount < 1e12'),
          ('write_off', 'write_off_id', 'write_off_amount_positive', 'amount > 0 AND amount < 1e12'),
          ('write_off', 'write_off_id', 'write_off_written_off_on_in_range',
           'written_off_on BETWEEN DATE ''1900-01-01'' AND DATE ''2999-12-31'''),
          ('scenario_step', 'step_id', 'scenario_step_name_one_line',
           'name !~ ''[[:cntrl:]]'' AND pg_catalog.length(name) <= 100'),
          ('template', 'template_key', 'template_subject_one_line',
           'subject !~ ''[\r\n]'' AND subject !~ ''\{\{\s*invoice_table\s*\}\}'' AND pg_catalog.length(subject) <= 300'))
          AS v(tbl, key, name, expr)
    LOOP
        EXECUTE format('ALTER TABLE dunning.%I ADD CONSTRAINT %I CHECK (%s) NOT VALID', b.tbl, b.name, b.expr);
        EXECUTE format('SELECT string_agg(k::text, '', '') FROM (SELECT %I AS k FROM dunning.%I WHERE (%s) IS FALSE ORDER BY 1 LIMIT 20) x',
                       b.key, b.tbl, b.expr) INTO bad;
        IF bad IS NULL THEN
            EXECUTE format('ALTER TABLE dunning.%I VALIDATE CONSTRAINT %I', b.tbl, b.name);
        ELSE
            RAISE WARNING 'dunning 0.3.0: rows of dunning.% violate % (% %): left NOT VALID', b.tbl, b.name, b.key, bad
                USING HINT = format('Correct them, then ALTER TABLE dunning.%I VALIDATE CONSTRAINT %I.', b.tbl, b.name);
        END IF;
    END LOOP;
    -- Disputes above their invoice's amount (checked by a trigger on new rows).
    SELECT string_agg(d.dispute_id::text, ', ') INTO bad
      FROM dunning.dispute d JOIN dunning.invoice i ON i.customer_id = d.customer_id AND i.invoice_id = d.invoice_id
     WHERE d.amount > pg_catalog.abs(i.amount);
    IF bad IS NOT NULL THEN
        RAISE WARNING 'dunning 0.3.0: disputes above their invoice''s amount: %', bad
            USING HINT = 'Correct their amount (NULL: the whole invoice).';
    END IF;
END
$bounds$;

-----------------------------------------------------------------------------
-- The ladder carried over from 0.2.0's outbox (doc/dunning.md, "Updating
-- from 0.2.0").  0.2.0 kept no level: without this, the first run of 0.3.0
-- would start every customer again at reminder 1, after a formal notice or
-- a legal escalation.  A customer whose 0.2.0 notices at a rung listed an
-- item still open has been overdue since: it is in an episode, at the
-- highest rung those notices reached (its last notice at that rung dates
-- the level); a legal escalation opens its legal case.  Every customer
-- keeps its last contacts (the guardrails) and its last pre-due reminder.
-- Each carried level is logged in level_change.
-----------------------------------------------------------------------------
DO $carry$
DECLARE
    n_episodes bigint;
    n_legal bigint;
BEGIN
    WITH notice AS (
        -- 0.2.0's notices at a rung, sent or still to be (not cancelled, not
        -- given up: 0.2.0 left a customer without e-mail failed for ever),
        -- that listed an item overdue then and still open
        SELECT a.customer_id, a.action_id, a.action_date, a.step_id, r.offset_days, r.rung, r.channel, r.scenario_id
          FROM dunning.action a
          JOIN dunning.scenario_rung r ON r.step_id = a.step_id
         WHERE a.kind = 'notice' AND (a.status IN ('sent', 'queued') OR a.status = 'failed' AND a.next_attempt_at IS NOT NULL)
           AND EXISTS (SELECT FROM dunning.action_item ai
                         JOIN dunning.invoice i ON i.customer_id = ai.customer_id AND i.invoice_id = ai.invoice_id
                        WHERE ai.customer_id = a.customer_id AND ai.action_id = a.action_id
                          AND i.amount > 0 AND i.settled_amount < i.amount AND i.due_on < a.action_date)
    ), reached AS (
        SELECT DISTINCT ON (n.customer_id) n.*
          FROM notice n ORDER BY n.customer_id, n.rung DESC, n.action_date DESC, n.action_id DESC
    ), latest AS (
        SELECT DISTINCT ON (n.customer_id) n.customer_id, n.action_id, n.action_date
          FROM notice n ORDER BY n.customer_id, n.action_date DESC, n.action_id DESC
    ), contacts AS (
        SELECT a.customer_id,
               max(a.action_date) FILTER (WHERE dunning_internal.is_contact(a.channel)) AS last_contact_on,
               pg_catalog.array_agg(DISTINCT a.action_date)
                   FILTER (WHERE dunning_internal.is_contact(a.channel)
                             AND a.action_date > (SELECT max(x.action_date) FROM dunning.action x) - 7) AS recent,
               max(a.action_date) FILTER (WHERE a.kind = 'pre_due') AS last_pre_due_on
          FROM dunning.action a
         WHERE a.status <> 'cancelled'
         GROUP BY a.customer_id
    ), carried AS MATERIALIZED (
        SELECT c.customer_id, COALESCE(r.scenario_id, csn.scenario_id) AS scenario_id, r.step_id, r.offset_days,
               r.action_date AS level_on, r.action_id AS level_action_id, r.channel = 'legal' AS at_legal,
               -- the day its oldest item still open fell overdue
               CASE WHEN r.customer_id IS NOT NULL
                    THEN (SELECT min(i.due_on) + 1 FROM dunning.invoice i
                           WHERE i.customer_id = c.customer_id AND i.amount > 0 AND i.settled_amount < i.amount
                             AND i.due_on < r.action_date) END AS episode_started_on,
               l.action_id AS last_notice_action_id, l.action_date AS last_notice_on, c.last_contact_on,
               COALESCE(c.recent, '{}') AS recent_contacts, c.last_pre_due_on,
               CASE WHEN r.channel = 'legal'
                    THEN pg_catalog.nextval(pg_catalog.pg_get_serial_sequence('dunning.legal_case', 'case_id')) END AS case_id
          FROM contacts c
          JOIN dunning.customer_scenario csn ON csn.customer_id = c.customer_id
          LEFT JOIN reached r ON r.customer_id = c.customer_id
          LEFT JOIN latest l ON l.customer_id = c.customer_id
    ), legal AS (
        INSERT INTO dunning.legal_case (customer_id, case_id, opened_on, action_id, notes)
        SELECT k.customer_id, k.case_id, k.level_on, k.level_action_id, 'opened by the update from 0.2.0: its legal escalation'
          FROM carried k WHERE k.case_id IS NOT NULL
    ), state AS (
        INSERT INTO dunning.customer_dunning (customer_id, scenario_id, episode_started_on, level_step_id, level_offset,
                                              level_on, last_notice_action_id, last_notice_on, last_pre_due_on,
                                              last_contact_on, recent_contacts, legal_case_id)
        SELECT k.customer_id, k.scenario_id, k.episode_started_on, k.step_id, k.offset_days, k.level_on,
               k.last_notice_action_id, k.last_notice_on, k.last_pre_due_on, k.last_contact_on, k.recent_contacts, k.case_id
          FROM carried k
    ), logged AS (
        INSERT INTO dunning.level_change (customer_id, changed_on, event, from_step_id, to_step_id, action_id, reason)
        SELECT k.customer_id, e.day, e.event, NULL, e.to_step, e.action_id, e.reason
          FROM carried k
         CROSS JOIN LATERAL (VALUES
                ('episode_start', k.episode_started_on, NULL::bigint, NULL::bigint,
                 'carried over from 0.2.0: an item listed by its notices is still open'),
                ('climb', k.level_on, k.step_id, k.level_action_id,
                 'carried over from 0.2.0: the highest rung its notices on items still open reached'),
                (CASE WHEN k.at_legal THEN 'legal_open' END, k.level_on, k.step_id, k.level_action_id,
                 'carried over from 0.2.0: legal escalation, automation stops until the case is closed'))
                AS e (event, day, to_step, action_id, reason)
         WHERE k.step_id IS NOT NULL AND e.event IS NOT NULL
    )
    SELECT pg_catalog.count(*) FILTER (WHERE k.step_id IS NOT NULL), pg_catalog.count(*) FILTER (WHERE k.at_legal)
      INTO n_episodes, n_legal
      FROM carried k;
    -- (an update shows warnings only)
    IF n_legal > 0 THEN
        RAISE WARNING 'dunning 0.3.0: % customers carried over from 0.2.0 at legal: their legal cases are open, and no automated reminder reaches them until a person closes the case (% customers in an episode in all)',
            n_legal, n_episodes
            USING HINT = 'See dunning.collector_worklist; close a case with dunning.close_legal_case(customer_id, outcome, notes).';
    END IF;
END
$carry$;

-----------------------------------------------------------------------------
-- The materialized views: the code regions above computed them before the
-- settlement facts they read were made (every payment then looked
-- unapplied); computed again over them.  A bound the data breaks leaves a
-- view unpopulated with a warning, as at install (dunning_internal.populate).
-----------------------------------------------------------------------------
REFRESH MATERIALIZED VIEW dunning.kpi_monthly WITH NO DATA;
SELECT dunning_internal.populate('dunning.kpi_monthly');
REFRESH MATERIALIZED VIEW dunning.customer_risk WITH NO DATA;
SELECT dunning_internal.populate('dunning.customer_risk');
