-- @schema
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
    jurisdiction               char(2),
    max_new_episodes_per_day   integer,
    renotice_days              integer,
    confirm_payments           boolean,
    confirmation_window_days   integer,
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
    CONSTRAINT setting_notify_channel_valid CHECK (notify_channel ~ '^[a-z_][a-z0-9_]{0,62}$'),
    CONSTRAINT setting_jurisdiction_valid CHECK (jurisdiction ~ '^[A-Z]{2}$'),
    CONSTRAINT setting_max_new_episodes_valid CHECK (max_new_episodes_per_day BETWEEN 1 AND 10000000),
    CONSTRAINT setting_renotice_days_valid CHECK (renotice_days BETWEEN 1 AND 365),
    CONSTRAINT setting_confirmation_window_valid CHECK (confirmation_window_days BETWEEN 1 AND 90)
);
-- @code
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
COMMENT ON COLUMN dunning.setting.jurisdiction IS 'country whose late-payment law applies to the creditor''s claims (dunning.late_payment_rule: FR, DE, GB, ...); default EU (Directive 2011/7/EU)';
COMMENT ON COLUMN dunning.setting.max_new_episodes_per_day IS 'go-live pacing: at most this many customers start a dunning episode per day, the most overdue first (default NULL: no cap)';
COMMENT ON COLUMN dunning.setting.renotice_days IS 'a customer whose episode is at a rung gets a new notice at that rung for items that fell overdue since its last notice, at most every this many days (default 14)';
COMMENT ON COLUMN dunning.setting.confirm_payments IS 'true: a payment that settles reminded invoices gets a confirmation (channel thanks), one per customer and day (default true)';
COMMENT ON COLUMN dunning.setting.confirmation_window_days IS 'payments received up to this many days before a run are confirmed (default 10)';
CREATE OR REPLACE VIEW dunning.settings AS
SELECT COALESCE(s.default_scenario_id, 1) AS default_scenario_id,
       COALESCE(s.min_days_between_contacts, 5) AS min_days_between_contacts,
       COALESCE(s.max_contacts_per_week, 2) AS max_contacts_per_week,
       COALESCE(s.materiality_amount, 5)::numeric(20,4) AS materiality_amount,
       COALESCE(s.weekend_days, ARRAY[6, 7]) AS weekend_days,
       COALESCE(s.max_attempts, 5) AS max_attempts,
       COALESCE(s.retry_delay, interval '15 minutes') AS retry_delay,
       COALESCE(s.day_count_basis, 'ACT/365') AS day_count_basis,
       s.pay_link_base,
       COALESCE(s.pay_link_validity, interval '30 days') AS pay_link_validity,
       COALESCE(s.notify_channel, 'dunning_action') AS notify_channel,
       COALESCE(s.jurisdiction, 'EU')::char(2) AS jurisdiction,
       s.max_new_episodes_per_day,
       COALESCE(s.renotice_days, 14) AS renotice_days,
       COALESCE(s.confirm_payments, true) AS confirm_payments,
       COALESCE(s.confirmation_window_days, 10) AS confirmation_window_days
  FROM (SELECT) AS one
  LEFT JOIN dunning.setting s ON s.id;
COMMENT ON VIEW dunning.settings IS 'the dunning settings in force: dunning.setting''s values, else the defaults; UPDATE it to change a setting (NULL restores the default)';
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
COMMENT ON COLUMN dunning.settings.jurisdiction IS 'late-payment law of the creditor (EU: the Directive default)';
COMMENT ON COLUMN dunning.settings.max_new_episodes_per_day IS 'go-live pacing: most new dunning episodes per day; NULL: no cap';
COMMENT ON COLUMN dunning.settings.renotice_days IS 'least days between two notices at the same rung (new overdue items)';
COMMENT ON COLUMN dunning.settings.confirm_payments IS 'whether payments of reminded invoices are confirmed';
COMMENT ON COLUMN dunning.settings.confirmation_window_days IS 'how many days back payments are confirmed';
-- A setting is changed through the view, whose one row always exists:
-- UPDATE dunning.settings SET max_new_episodes_per_day = 50 writes the
-- columns the statement changed into dunning.setting (creating its row),
-- and keeps the others as they were (set, or NULL for the default); NULL
-- restores a default.  (An UPDATE of dunning.setting finds no row until one
-- was made.)  The table's checks and privileges apply: the caller's rights.
CREATE OR REPLACE FUNCTION dunning_internal.settings_update() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    INSERT INTO dunning.setting AS s (id, default_scenario_id, min_days_between_contacts, max_contacts_per_week, materiality_amount, weekend_days, max_attempts, retry_delay, day_count_basis, pay_link_base, pay_link_validity, notify_channel, jurisdiction, max_new_episodes_per_day, renotice_days, confirm_payments, confirmation_window_days)
    VALUES (true,
            CASE WHEN NEW.default_scenario_id IS DISTINCT FROM OLD.default_scenario_id THEN NEW.default_scenario_id END,
            CASE WHEN NEW.min_days_between_contacts IS DISTINCT FROM OLD.min_days_between_contacts THEN NEW.min_days_between_contacts END,
            CASE WHEN NEW.max_contacts_per_week IS DISTINCT FROM OLD.max_contacts_per_week THEN NEW.max_contacts_per_week END,
            CASE WHEN NEW.materiality_amount IS DISTINCT FROM OLD.materiality_amount THEN NEW.materiality_amount END,
            CASE WHEN NEW.weekend_days IS DISTINCT FROM OLD.weekend_days THEN NEW.weekend_days END,
            CASE WHEN NEW.max_attempts IS DISTINCT FROM OLD.max_attempts THEN NEW.max_attempts END,
            CASE WHEN NEW.retry_delay IS DISTINCT FROM OLD.retry_delay THEN NEW.retry_delay END,
            CASE WHEN NEW.day_count_basis IS DISTINCT FROM OLD.day_count_basis THEN NEW.day_count_basis END,
            CASE WHEN NEW.pay_link_base IS DISTINCT FROM OLD.pay_link_base THEN NEW.pay_link_base END,
            CASE WHEN NEW.pay_link_validity IS DISTINCT FROM OLD.pay_link_validity THEN NEW.pay_link_validity END,
            CASE WHEN NEW.notify_channel IS DISTINCT FROM OLD.notify_channel THEN NEW.notify_channel END,
            CASE WHEN NEW.jurisdiction IS DISTINCT FROM OLD.jurisdiction THEN NEW.jurisdiction END,
            CASE WHEN NEW.max_new_episodes_per_day IS DISTINCT FROM OLD.max_new_episodes_per_day THEN NEW.max_new_episodes_per_day END,
            CASE WHEN NEW.renotice_days IS DISTINCT FROM OLD.renotice_days THEN NEW.renotice_days END,
            CASE WHEN NEW.confirm_payments IS DISTINCT FROM OLD.confirm_payments THEN NEW.confirm_payments END,
            CASE WHEN NEW.confirmation_window_days IS DISTINCT FROM OLD.confirmation_window_days THEN NEW.confirmation_window_days END)
    ON CONFLICT (id) DO UPDATE SET
            default_scenario_id = CASE WHEN NEW.default_scenario_id IS DISTINCT FROM OLD.default_scenario_id THEN NEW.default_scenario_id ELSE s.default_scenario_id END,
            min_days_between_contacts = CASE WHEN NEW.min_days_between_contacts IS DISTINCT FROM OLD.min_days_between_contacts THEN NEW.min_days_between_contacts ELSE s.min_days_between_contacts END,
            max_contacts_per_week = CASE WHEN NEW.max_contacts_per_week IS DISTINCT FROM OLD.max_contacts_per_week THEN NEW.max_contacts_per_week ELSE s.max_contacts_per_week END,
            materiality_amount = CASE WHEN NEW.materiality_amount IS DISTINCT FROM OLD.materiality_amount THEN NEW.materiality_amount ELSE s.materiality_amount END,
            weekend_days = CASE WHEN NEW.weekend_days IS DISTINCT FROM OLD.weekend_days THEN NEW.weekend_days ELSE s.weekend_days END,
            max_attempts = CASE WHEN NEW.max_attempts IS DISTINCT FROM OLD.max_attempts THEN NEW.max_attempts ELSE s.max_attempts END,
            retry_delay = CASE WHEN NEW.retry_delay IS DISTINCT FROM OLD.retry_delay THEN NEW.retry_delay ELSE s.retry_delay END,
            day_count_basis = CASE WHEN NEW.day_count_basis IS DISTINCT FROM OLD.day_count_basis THEN NEW.day_count_basis ELSE s.day_count_basis END,
            pay_link_base = CASE WHEN NEW.pay_link_base IS DISTINCT FROM OLD.pay_link_base THEN NEW.pay_link_base ELSE s.pay_link_base END,
            pay_link_validity = CASE WHEN NEW.pay_link_validity IS DISTINCT FROM OLD.pay_link_validity THEN NEW.pay_link_validity ELSE s.pay_link_validity END,
            notify_channel = CASE WHEN NEW.notify_channel IS DISTINCT FROM OLD.notify_channel THEN NEW.notify_channel ELSE s.notify_channel END,
            jurisdiction = CASE WHEN NEW.jurisdiction IS DISTINCT FROM OLD.jurisdiction THEN NEW.jurisdiction ELSE s.jurisdiction END,
            max_new_episodes_per_day = CASE WHEN NEW.max_new_episodes_per_day IS DISTINCT FROM OLD.max_new_episodes_per_day THEN NEW.max_new_episodes_per_day ELSE s.max_new_episodes_per_day END,
            renotice_days = CASE WHEN NEW.renotice_days IS DISTINCT FROM OLD.renotice_days THEN NEW.renotice_days ELSE s.renotice_days END,
            confirm_payments = CASE WHEN NEW.confirm_payments IS DISTINCT FROM OLD.confirm_payments THEN NEW.confirm_payments ELSE s.confirm_payments END,
            confirmation_window_days = CASE WHEN NEW.confirmation_window_days IS DISTINCT FROM OLD.confirmation_window_days THEN NEW.confirmation_window_days ELSE s.confirmation_window_days END;
    RETURN NEW;
END
$fn$;
COMMENT ON FUNCTION dunning_internal.settings_update() IS
    'INSTEAD OF UPDATE of dunning.settings: the columns changed written into dunning.setting (its row made if need be), the others kept (internal: trigger)';
CREATE OR REPLACE TRIGGER settings_update INSTEAD OF UPDATE ON dunning.settings
    FOR EACH ROW EXECUTE FUNCTION dunning_internal.settings_update();
-- @schema

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
-- @code
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
-- @schema
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
    fallback_channels   text[] NOT NULL DEFAULT '{}',
    min_days_since_previous integer,
    CONSTRAINT scenario_step_no_unique UNIQUE (scenario_id, step_no),
    CONSTRAINT scenario_step_offset_unique UNIQUE (scenario_id, offset_days),
    CONSTRAINT scenario_step_no_positive CHECK (step_no > 0),
    -- {{step}} may stand in a subject: one line
    CONSTRAINT scenario_step_name_one_line CHECK (name !~ '[[:cntrl:]]' AND pg_catalog.length(name) <= 100),
    CONSTRAINT scenario_step_offset_range CHECK (offset_days BETWEEN -365 AND 3650),
    CONSTRAINT scenario_step_channel_known
        CHECK (channel IN ('email', 'sms', 'letter', 'call', 'task', 'legal', 'thanks')),
    CONSTRAINT scenario_step_min_overdue_amount_valid
        CHECK (min_overdue_amount >= 0 AND min_overdue_amount < 'Infinity'),
    CONSTRAINT scenario_step_min_days_overdue_valid CHECK (min_days_overdue >= 0),
    CONSTRAINT scenario_step_fee_valid CHECK (fee >= 0 AND fee < 'Infinity'),
    CONSTRAINT scenario_step_name_not_blank CHECK (pg_catalog.btrim(name) <> ''),
    CONSTRAINT scenario_step_fallback_channels_known
        CHECK (fallback_channels <@ ARRAY['email', 'sms', 'letter', 'call', 'task', 'legal']::text[]
               AND pg_catalog.array_position(fallback_channels, channel) IS NULL
               AND pg_catalog.array_position(fallback_channels, NULL) IS NULL),
    CONSTRAINT scenario_step_min_days_since_previous_valid CHECK (min_days_since_previous BETWEEN 0 AND 3650)
);
ALTER TABLE dunning.setting ADD CONSTRAINT setting_default_scenario_fk
    FOREIGN KEY (default_scenario_id) REFERENCES dunning.scenario;
CREATE INDEX scenario_step_scenario_idx ON dunning.scenario_step (scenario_id, offset_days);
-- @code
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
COMMENT ON COLUMN dunning.scenario_step.fallback_channels IS 'channels tried in order when the customer has no recipient for channel, or a delivery failed for good (e.g. {letter} for an e-mail step); when none is left the collector gets a task';
COMMENT ON COLUMN dunning.scenario_step.min_days_since_previous IS 'least days between the previous rung''s notice and this one; NULL: the difference of their offset_days';
COMMENT ON COLUMN dunning.scenario_step.send_time IS 'local time (customer time zone) from which the step''s actions of a business day are created';
COMMENT ON COLUMN dunning.scenario_step.charges IS 'true: the action shows late-payment charges when the scenario enables them';
COMMENT ON COLUMN dunning.scenario_step.seeded IS 'true for a step shipped with the extension (read only, not dumped)';

-- Steps are kept in offset order: step_no increases with offset_days.
-- Checked per row, for the row's scenario, after the statement: a
-- statement trigger's transition table cannot be joined with a reference
-- table on Citus (no step could be added there).
CREATE OR REPLACE FUNCTION dunning_internal.scenario_step_check_order() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    bad record;
BEGIN
    SELECT a.scenario_id, a.name AS a_name, b.name AS b_name INTO bad
      FROM dunning.scenario_step a
      JOIN dunning.scenario_step b ON b.scenario_id = a.scenario_id
                                 AND b.step_no > a.step_no AND b.offset_days < a.offset_days
     WHERE a.scenario_id = NEW.scenario_id
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'steps of scenario % are out of order: "%" comes after "%" but fires earlier',
                bad.scenario_id, left(bad.b_name, 100), left(bad.a_name, 100)
            USING ERRCODE = 'check_violation',
                  HINT = 'Number the steps (step_no) in the order of their offset_days.';
    END IF;
    RETURN NULL;
END
$fn$;
COMMENT ON FUNCTION dunning_internal.scenario_step_check_order() IS
    'trigger on scenario_step: step_no increases with offset_days within a scenario (internal)';
CREATE OR REPLACE TRIGGER scenario_step_order_insert AFTER INSERT ON dunning.scenario_step
    FOR EACH ROW EXECUTE FUNCTION dunning_internal.scenario_step_check_order();
CREATE OR REPLACE TRIGGER scenario_step_order_update AFTER UPDATE ON dunning.scenario_step
    FOR EACH ROW EXECUTE FUNCTION dunning_internal.scenario_step_check_order();
-- @schema

-----------------------------------------------------------------------------
-- Which customer follows which scenario
-----------------------------------------------------------------------------
CREATE TABLE dunning.segment_scenario (
    segment      text NOT NULL,
    scenario_id  bigint NOT NULL REFERENCES dunning.scenario,
    source       text NOT NULL DEFAULT 'business',
    CONSTRAINT segment_scenario_pkey PRIMARY KEY (source, segment),
    CONSTRAINT segment_scenario_source_known CHECK (source IN ('business', 'risk'))
);
-- @code
COMMENT ON TABLE dunning.segment_scenario IS
    'scenario of each business segment (customer.segment, set by people) or risk segment (customer.risk_segment, set by refresh_segments); a business mapping wins over a risk mapping; unmapped customers get the default scenario';
COMMENT ON COLUMN dunning.segment_scenario.segment IS 'a value of customer.segment (source business) or customer.risk_segment (source risk)';
COMMENT ON COLUMN dunning.segment_scenario.scenario_id IS 'the scenario its customers follow';
COMMENT ON COLUMN dunning.segment_scenario.source IS 'business (customer.segment) or risk (customer.risk_segment)';
-- @schema
CREATE TABLE dunning.customer_setting (
    customer_id    bigint PRIMARY KEY REFERENCES dunning.customer ON DELETE CASCADE,
    scenario_id    bigint REFERENCES dunning.scenario,
    snoozed_until  date,
    note           text
);
-- @code
COMMENT ON TABLE dunning.customer_setting IS
    'per-customer dunning overrides: a scenario other than the segment''s, a snooze';
COMMENT ON COLUMN dunning.customer_setting.customer_id IS 'the customer';
COMMENT ON COLUMN dunning.customer_setting.scenario_id IS 'scenario of this customer, overriding its segment''s; NULL: the segment''s';
COMMENT ON COLUMN dunning.customer_setting.snoozed_until IS 'no reminder up to and including this local date';
COMMENT ON COLUMN dunning.customer_setting.note IS 'why (free text)';

-- The scenario each customer follows now: the override, else its business
-- segment's, else its risk segment's, else the default.  A change takes
-- effect at the next run: the customer keeps its rung (matched by offset
-- days) and climbs the new scenario's ladder from there.
CREATE OR REPLACE VIEW dunning.customer_scenario AS
SELECT c.customer_id,
       COALESCE(cs.scenario_id, sb.scenario_id, sr.scenario_id, st.default_scenario_id) AS scenario_id,
       CASE WHEN cs.scenario_id IS NOT NULL THEN 'customer'
            WHEN sb.scenario_id IS NOT NULL THEN 'segment'
            WHEN sr.scenario_id IS NOT NULL THEN 'risk_segment'
            ELSE 'default' END AS assigned_by
  FROM dunning.customer c
 CROSS JOIN dunning.settings st
  LEFT JOIN dunning.customer_setting cs ON cs.customer_id = c.customer_id
  LEFT JOIN dunning.segment_scenario sb ON sb.source = 'business' AND sb.segment = c.segment
  LEFT JOIN dunning.segment_scenario sr ON sr.source = 'risk' AND sr.segment = c.risk_segment;
COMMENT ON VIEW dunning.customer_scenario IS 'the scenario each customer follows now and why';
COMMENT ON COLUMN dunning.customer_scenario.customer_id IS 'the customer';
COMMENT ON COLUMN dunning.customer_scenario.scenario_id IS 'its scenario';
COMMENT ON COLUMN dunning.customer_scenario.assigned_by IS 'customer (override), segment (business segment mapping), risk_segment (risk segment mapping) or default';

-----------------------------------------------------------------------------
-- Shipped rows are read only
-----------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION dunning_internal.seeded_read_only() RETURNS trigger
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
COMMENT ON FUNCTION dunning_internal.seeded_read_only() IS
    'trigger on the shipped scenarios, steps and templates: seeded rows are read only (42501) (internal)';
CREATE OR REPLACE TRIGGER scenario_seeded_read_only BEFORE UPDATE OR DELETE ON dunning.scenario
    FOR EACH ROW WHEN (OLD.seeded) EXECUTE FUNCTION dunning_internal.seeded_read_only();
CREATE OR REPLACE TRIGGER scenario_step_seeded_read_only BEFORE UPDATE OR DELETE ON dunning.scenario_step
    FOR EACH ROW WHEN (OLD.seeded) EXECUTE FUNCTION dunning_internal.seeded_read_only();
CREATE OR REPLACE FUNCTION dunning.copy_scenario(source_name text, new_name text) RETURNS bigint
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    src dunning.scenario;
    new_id bigint;
BEGIN
    SELECT * INTO src FROM dunning.scenario s WHERE s.name = source_name;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'scenario "%" does not exist', left(source_name, 100) USING ERRCODE = 'undefined_object';
    END IF;
    INSERT INTO dunning.scenario (name, description, charges_enabled, fixed_compensation,
                                  compensation_currency, interest_margin)
    VALUES (new_name, src.description, src.charges_enabled, src.fixed_compensation,
            src.compensation_currency, src.interest_margin)
    RETURNING scenario_id INTO new_id;
    INSERT INTO dunning.scenario_step (scenario_id, step_no, name, offset_days, channel, template,
                                       min_overdue_amount, min_days_overdue, fee, send_time, charges,
                                       fallback_channels, min_days_since_previous)
    SELECT new_id, st.step_no, st.name, st.offset_days, st.channel, st.template,
           st.min_overdue_amount, st.min_days_overdue, st.fee, st.send_time, st.charges,
           st.fallback_channels, st.min_days_since_previous
      FROM dunning.scenario_step st WHERE st.scenario_id = src.scenario_id;
    RETURN new_id;
END
$fn$;
COMMENT ON FUNCTION dunning.copy_scenario(text, text) IS
    'copies a scenario and its steps under a new name (changeable, dumped); returns the new scenario id';
-- @schema

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
-- Fallbacks: an e-mail reminder goes by letter to a customer without an
-- e-mail address; a call without a phone number, a letter without a postal
-- address become tasks of the collector (who finds another way).
INSERT INTO dunning.scenario_step (step_id, scenario_id, step_no, name, offset_days, channel, template,
                                   min_overdue_amount, min_days_overdue, fee, send_time, charges, seeded,
                                   fallback_channels)
SELECT s.scenario_id * 10 + v.step_no, s.scenario_id, v.step_no, v.name, v.offset_days, v.channel, v.template,
       v.min_amount, NULL, NULL, '09:00', v.charges, true, v.fallback
  FROM (VALUES (1), (2)) AS s (scenario_id),
       (VALUES (1, 'pre-due reminder', -5, 'email', 'pre_due', NULL::numeric, false, '{}'::text[]),
               (2, 'reminder 1', 7, 'email', 'reminder_1', NULL, false, '{letter}'),
               (3, 'reminder 2', 21, 'email', 'reminder_2', NULL, false, '{letter}'),
               (4, 'collector call', 30, 'call', 'call', 100, false, '{task}'),
               (5, 'formal notice', 45, 'letter', 'formal_notice', NULL, true, '{email}'),
               (6, 'legal escalation', 75, 'legal', 'legal', 500, true, '{task}')) AS v (step_no, name, offset_days, channel, template, min_amount, charges, fallback);
SELECT pg_catalog.set_config('dunning.seeding', 'off', true);
-- @code

-- pg_dump: users' rows and the identity sequences; shipped rows stay out.
SELECT pg_catalog.pg_extension_config_dump('dunning.setting', '');
SELECT pg_catalog.pg_extension_config_dump('dunning.scenario', 'WHERE NOT seeded');
SELECT pg_catalog.pg_extension_config_dump('dunning.scenario_scenario_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('dunning.scenario_step', 'WHERE NOT seeded');
SELECT pg_catalog.pg_extension_config_dump('dunning.scenario_step_step_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('dunning.segment_scenario', '');
SELECT pg_catalog.pg_extension_config_dump('dunning.customer_setting', '');

-- Privileges of the objects above (PUBLIC has none: security.sql).
GRANT SELECT ON dunning.setting,
    dunning.settings,
    dunning.scenario,
    dunning.scenario_step,
    dunning.segment_scenario,
    dunning.customer_setting,
    dunning.customer_scenario
    TO dunning_analyst;
GRANT UPDATE ON dunning.settings
    TO dunning_admin;
GRANT INSERT, UPDATE, DELETE ON dunning.setting,
    dunning.scenario,
    dunning.scenario_step,
    dunning.segment_scenario
    TO dunning_admin;
GRANT INSERT, UPDATE, DELETE ON dunning.customer_setting
    TO dunning_collector;
GRANT EXECUTE ON FUNCTION dunning.copy_scenario(text, text)
    TO dunning_admin;
