-- @schema
-----------------------------------------------------------------------------
-- The runner: one evaluation per customer and day (doc/dunning.md)
-----------------------------------------------------------------------------
-- Payments received lately are looked up by day for the confirmations.
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
-- A row of due_actions: an evaluation, what it decided and the action it
-- makes, if any (on Citus the runner holds a customer's rows in an array).
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
-- @code
COMMENT ON TYPE dunning_internal.evaluation IS 'what one evaluation of the runner decided (internal: due_actions)';
COMMENT ON TYPE dunning_internal.action_items_summary IS 'what the items of one action add up to: their count in the totals, ids, largest days overdue, oldest due date, last currency, the payload''s items, and per currency the totals, charges, totals with charges and the items coming due (internal: summarize_action_items)';
COMMENT ON TYPE dunning_internal.due_action IS 'one row of dunning_internal.due_actions: an evaluation, what it decided, the action it makes (internal: run and preview)';

-- What the items of one action add up to, in one pass over them (C:
-- src/action_summary.c): the payload's items oldest first, and per
-- currency what is overdue, what comes due and the charges.  About a
-- million items at a go-live: one aggregate per action instead of a sort
-- and an aggregate per action, another per action and currency, and a join.
CREATE OR REPLACE FUNCTION dunning_internal.summarize_action_items_add(
        internal, invoice_id bigint, number text, due_on date, days_overdue integer, open_amount numeric,
        currency text, interest numeric, compensation numeric, confirmation boolean, paid_on date,
        in_total boolean, charged boolean, fee numeric)
RETURNS internal AS 'MODULE_PATHNAME', 'summarize_action_items_add' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION dunning_internal.summarize_action_items_add(internal, bigint, text, date, integer, numeric, text,
                                                                numeric, numeric, boolean, date, boolean, boolean,
                                                                numeric) IS
    'transition function of dunning_internal.summarize_action_items (internal)';
CREATE OR REPLACE FUNCTION dunning_internal.summarize_action_items_final(internal)
RETURNS dunning_internal.action_items_summary
    AS 'MODULE_PATHNAME', 'summarize_action_items_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION dunning_internal.summarize_action_items_final(internal) IS
    'final function of dunning_internal.summarize_action_items (internal)';
CREATE OR REPLACE AGGREGATE dunning_internal.summarize_action_items(
        invoice_id bigint, number text, due_on date, days_overdue integer, open_amount numeric, currency text,
        interest numeric, compensation numeric, confirmation boolean, paid_on date, in_total boolean,
        charged boolean, fee numeric) (
    SFUNC = dunning_internal.summarize_action_items_add, STYPE = internal,
    FINALFUNC = dunning_internal.summarize_action_items_final, FINALFUNC_MODIFY = READ_WRITE);
COMMENT ON AGGREGATE dunning_internal.summarize_action_items(bigint, text, date, integer, numeric, text, numeric,
                                                             numeric, boolean, date, boolean, boolean, numeric) IS
    'what the items of one action add up to (type action_items_summary): the payload''s items oldest first (by due_on, number: [{invoice_id, number, due_on, days_overdue, open_amount, currency, interest, compensation}], a confirmation''s items also {settled_amount, paid_on}), their ids, and per currency the totals (in_total), the items coming due, the charges (interest and compensation where charged, fee) (internal: due_actions)';

-----------------------------------------------------------------------------
-- What is due: shared by run() (writes) and preview() (does not)
-----------------------------------------------------------------------------
-- The episodes opened on a day: the go-live pacing caps them.
-- (PL/pgSQL: Citus plans a statement with constants, not a SQL function's
-- parameters)
CREATE OR REPLACE FUNCTION dunning_internal.episodes_opened_on(day date) RETURNS bigint
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    RETURN (SELECT count(*) FROM dunning.customer_dunning d WHERE d.episode_started_on = day);
END
$fn$;
COMMENT ON FUNCTION dunning_internal.episodes_opened_on(date) IS
    'how many customers'' dunning episodes opened on day (internal: the go-live pacing of the runner)';
-- The statutory rate schedule of an overdue item, or NULLs when the law of
-- the jurisdiction has no rule for the kind or the rates stop short: the run
-- goes on for every other customer (the item's interest is then NULL).
CREATE OR REPLACE FUNCTION dunning_internal.statutory_schedule(jurisdiction text, customer_kind text,
                                                               from_date date, to_date date,
                                                               OUT rate_from date[], OUT totals numeric[])
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    SELECT x.rate_from, x.totals INTO rate_from, totals
      FROM dunning.statutory_rate_schedule(jurisdiction, customer_kind, from_date, to_date, from_date + 1) x;
EXCEPTION WHEN no_data_found OR invalid_parameter_value THEN
    rate_from := NULL;
    totals := NULL;
END
$fn$;
COMMENT ON FUNCTION dunning_internal.statutory_schedule(text, text, date, date) IS
    'dunning.statutory_rate_schedule, or NULLs instead of an error when no rule or rate applies (internal: the runner)';

-- Each customer is evaluated once per local day, at the first run after its
-- scenario's earliest send time: its open items say whether it is in an
-- episode (an overdue item) and which rung its most overdue dunnable item
-- reached; its state (dunning.customer_dunning) says which rung it stands
-- on.  The decision, in order:
--   climb     a notice one rung up, when an item reached it, the level is
--             not held and the last notice was delivered its spacing ago;
--   warn      instead of a climb to a formal rung (letter or legal) when
--             no item that reached it has been in writing (a written
--             notice sent or failed for good, or a level set by hand since
--             it fell overdue): a notice at the same rung, in the words of
--             the highest written rung below the formal ones;
--   renotice  a notice at the same rung listing items that fell overdue
--             since the last notice, renotice_days after it;
--   pre_due   a reminder of items coming due, only outside an episode or
--             at its foot (past the first rung they are folded into the
--             next notice instead).
-- A notice lists every dunnable overdue item of the customer (each with its
-- own days overdue) in the currencies that reach the materiality threshold,
-- and the items coming due it folds in.  Paused items (open dispute, open
-- promise, active payment plan) are neither counted nor listed.  Every
-- evaluation row says why nothing was sent when something is overdue.
-- Payment confirmations (settled items that a notice or pre-due reminder
-- listed) and reminders of missed plan instalments come as rows of their own.
--
-- Written for a million open items: the items are read once, aggregated per
-- customer and currency, and only the customers that get an action have
-- their items read again, rendered and charged.
--
-- one (Citus, doc/scale-out.md): that customer alone.  Every distributed
-- table read names it, as (one IS NULL OR t.customer_id = one) where the
-- table is read for itself and as t.customer_id = COALESCE(one, x.customer_id)
-- where it is looked up from another row; each plan is made for the value
-- (force_custom_plan, EXECUTE), so on a single node (one NULL) both fold
-- away and on Citus both become customer_id = <constant>, which routes the
-- whole statement to the customer's shard.
CREATE OR REPLACE FUNCTION dunning_internal.due_actions(as_of timestamptz, one bigint DEFAULT NULL,
                                                       started_before bigint DEFAULT NULL)
RETURNS SETOF dunning_internal.due_action
    -- JIT compiling these large queries costs seconds and saves nothing; the
    -- sorts of the items fit in memory up to about two million items
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp SET jit = off SET work_mem = '256MB'
    SET enable_nestloop = on SET enable_sort = on ROWS 100000
    -- one: the customer alone (on Citus), folded into each statement's plan
    SET plan_cache_mode = force_custom_plan
AS $fn$
#variable_conflict use_column
DECLARE
    evals dunning_internal.evaluation[];
    -- episodes opened on the as_of day: the go-live pacing counts them
    started_today bigint := started_before;
    secret bytea;
BEGIN
IF started_today IS NULL THEN
    started_today := dunning_internal.episodes_opened_on((as_of AT TIME ZONE 'UTC')::date);
END IF;
-- Phase 1: evaluate every customer due, from its open items read once.
-- Hash joins only: the row estimates of its chained CTEs are unreliable
-- and a nested loop over two CTEs is quadratic (LATERAL look-ups stay).
PERFORM pg_catalog.set_config('enable_nestloop', 'off', true);
PERFORM pg_catalog.set_config('enable_sort', 'off', true);
WITH s AS MATERIALIZED (
    SELECT st.*, started_today AS started_today FROM dunning.settings st
), rung AS MATERIALIZED (
    SELECT g.scenario_id, g.step_id, g.rung, g.offset_days, g.spacing_days, g.is_last, g.name, g.channel,
           st.template, st.min_overdue_amount, st.min_days_overdue, st.min_days_since_previous, st.send_time,
           st.fee, st.fallback_channels, st.charges AND sc.charges_enabled AS charged, sc.fixed_compensation, sc.compensation_currency,
           sc.interest_margin, g.formal,
           -- the written reminder a formal rung waits for is sent at the
           -- level as the highest written rung below the formal ones at or
           -- below it is: its template, and its channels that write
           wr.template AS written_template, wr.channel AS written_channel,
           ARRAY(SELECT x FROM pg_catalog.unnest(wr.fallback_channels) x WHERE x IN ('email', 'sms', 'letter'))
               AS written_fallback
      FROM (-- a formal rung: a letter or legal above the first written rung (e-mail,
            -- SMS or letter); it names only items the customer has had in writing
            SELECT f.*, f.channel IN ('letter', 'legal') AND f.rung > f.first_written AS formal
              FROM (SELECT r.*, min(r.rung) FILTER (WHERE r.channel IN ('email', 'sms', 'letter'))
                                    OVER (PARTITION BY r.scenario_id) AS first_written
                      FROM dunning.scenario_rung r) f) g
      JOIN dunning.scenario_step st ON st.step_id = g.step_id
      JOIN dunning.scenario sc ON sc.scenario_id = g.scenario_id
      LEFT JOIN LATERAL (
            -- (a written rung is not formal: an e-mail or SMS, or the first written letter)
            SELECT b.rung, bs.template, b.channel, bs.fallback_channels
              FROM dunning.scenario_rung b JOIN dunning.scenario_step bs ON bs.step_id = b.step_id
             WHERE b.scenario_id = g.scenario_id AND b.rung <= g.rung
               AND (b.channel IN ('email', 'sms') OR b.channel = 'letter' AND b.rung = g.first_written)
             ORDER BY b.rung DESC LIMIT 1) wr ON true
), pre AS MATERIALIZED (
    -- the pre-due step of each scenario: its first step before the due date
    SELECT DISTINCT ON (st.scenario_id) st.scenario_id, st.step_id, st.name, st.offset_days, st.channel,
           st.template, st.send_time, st.fee, st.fallback_channels
      FROM dunning.scenario_step st
     WHERE st.offset_days < 0 AND st.channel <> 'thanks'
     ORDER BY st.scenario_id, st.step_no
), sct AS MATERIALIZED (
    SELECT st.scenario_id, min(st.send_time) AS first_send_time,
           min(st.offset_days) FILTER (WHERE st.offset_days >= 0 AND st.channel <> 'thanks') AS first_rung_offset
      FROM dunning.scenario_step st GROUP BY st.scenario_id
), due AS MATERIALIZED (
    -- who may be due, in narrow rows (most runs of a day find nobody): no
    -- evaluation yet on the customer's local day, and the earliest send
    -- time of any scenario come there; cu decides with its scenario's
    SELECT c.customer_id
      FROM dunning.customer c
      LEFT JOIN dunning.customer_dunning d ON d.customer_id = c.customer_id
     WHERE (d.evaluated_on IS NULL OR d.evaluated_on < (as_of AT TIME ZONE c.timezone)::date)
       AND (as_of AT TIME ZONE c.timezone)::time >= (SELECT min(x.first_send_time) FROM sct x)
       AND (one IS NULL OR c.customer_id = one)
), cu AS MATERIALIZED (
    -- customers due for their daily evaluation
    SELECT c.customer_id, c.kind, c.timezone, csn.scenario_id, l.local_date, l.local_time, sct.first_rung_offset,
           p.offset_days AS pre_offset, d.customer_id IS NOT NULL AS has_state,
           d.episode_started_on, d.level_step_id AS state_level_step_id, d.level_offset AS state_level_offset,
           d.scenario_id AS state_scenario_id, d.held_until, d.last_notice_action_id,
           d.last_notice_on, d.last_pre_due_on, d.last_contact_on, d.recent_contacts, d.legal_case_id,
           -- when the last notice was made: an invoice loaded after it was not in it
           -- (by primary key; phase 1 runs without nested loops)
           CASE WHEN d.last_notice_action_id IS NOT NULL THEN (
               SELECT n.created_at FROM dunning.action n
                WHERE n.customer_id = COALESCE(one, d.customer_id) AND n.action_id = d.last_notice_action_id)
           END AS last_notice_made_at,
           c.email, c.phone, c.postal_address, c.collector,
           c.on_hold OR COALESCE(cs.snoozed_until >= l.local_date, false) AS on_hold,
           pg_catalog.date_part('isodow', l.local_date)::integer = ANY (s.weekend_days)
             OR EXISTS (SELECT 1 FROM dunning.holiday h
                         WHERE h.country = c.country AND h.day = l.local_date
                           AND h.subdivision IN ('', COALESCE(c.subdivision, '')))
             AS day_off
      FROM due
      JOIN dunning.customer c ON c.customer_id = due.customer_id
     CROSS JOIN s
      JOIN dunning.customer_scenario csn ON csn.customer_id = c.customer_id
      LEFT JOIN dunning.customer_setting cs ON cs.customer_id = c.customer_id
     CROSS JOIN LATERAL (SELECT (as_of AT TIME ZONE c.timezone)::date AS local_date,
                                (as_of AT TIME ZONE c.timezone)::time AS local_time) l
      JOIN sct ON sct.scenario_id = csn.scenario_id
      LEFT JOIN pre p ON p.scenario_id = csn.scenario_id
      LEFT JOIN dunning.customer_dunning d ON d.customer_id = c.customer_id
     WHERE (d.evaluated_on IS NULL OR d.evaluated_on < l.local_date)
       AND (one IS NULL OR c.customer_id = one)
       AND l.local_time >= sct.first_send_time
       -- (evaluated once: when nobody is due, none of the joins above is built)
       AND EXISTS (SELECT FROM due)
), mat AS MATERIALIZED (
    -- materiality per currency and customer kind: the rule (a user's before
    -- the shipped one), else the amount an admin set for every currency;
    -- a currency with neither is not dunned (waits_for says so)
    SELECT DISTINCT ON (m.currency, m.customer_kind) m.currency, m.customer_kind, m.amount
      FROM dunning.materiality_rule m ORDER BY m.currency, m.customer_kind, m.seeded
), paused AS MATERIALIZED (
    -- the invoices an open dispute, an open promise or an active payment
    -- plan covers, one row each: hashed, not rescanned per item
    SELECT x.invoice_id, bool_or(x.why = 'dispute') AS disputed, max(x.promised_on) AS promised_on,
           bool_or(x.why = 'plan') AS planned
      FROM (SELECT d.invoice_id, 'dispute' AS why, NULL::date AS promised_on
              FROM dunning.dispute d WHERE d.status = 'open' AND (one IS NULL OR d.customer_id = one)
            UNION ALL
            SELECT pg_catalog.unnest(p.invoice_ids), 'promise', p.promised_on
              FROM dunning.promise p WHERE p.status = 'open' AND (one IS NULL OR p.customer_id = one)
            UNION ALL
            SELECT pi.invoice_id, 'plan', NULL
              FROM dunning.payment_plan_item pi
              JOIN dunning.payment_plan p ON p.customer_id = pi.customer_id AND p.plan_id = pi.plan_id
             WHERE p.status = 'active' AND (one IS NULL OR p.customer_id = one)) x
     GROUP BY x.invoice_id
), open_items AS (
    -- the open items of those customers, with their days overdue and why
    -- they are not dunned; a customer without open items gives one row of NULLs
    SELECT cu.customer_id, cu.kind, i.currency, i.due_on, i.amount - i.settled_amount AS open_amount,
           cu.local_date - i.due_on AS days,
           COALESCE(pa.disputed, false) AS disputed,
           COALESCE(pa.promised_on >= cu.local_date, false) AS promised,
           COALESCE(pa.planned, false) AS planned,
           pa.invoice_id IS NULL OR NOT (pa.disputed OR pa.planned OR COALESCE(pa.promised_on >= cu.local_date, false))
               AS dunnable,
           cu.first_rung_offset,
           -- at the first rung, and not named by the last notice: an item that
           -- reached the rung since it (one already overdue then was named,
           -- unless it was loaded since), or one loaded since that notice was
           -- made, however overdue (an invoice the ERP sent late); only those
           -- are looked up
           -- (false first for a customer without a notice: AND stops only at
           -- false; a count, not EXISTS: no hashed sub-plan reading every item)
           cu.last_notice_on IS NOT NULL AND cu.local_date - i.due_on >= cu.first_rung_offset
             AND (i.due_on + cu.first_rung_offset > cu.last_notice_on OR i.created_at > cu.last_notice_made_at)
             AND (i.due_on >= cu.last_notice_on
                  OR (SELECT count(*) FROM dunning.action_item ai
                       WHERE ai.customer_id = COALESCE(one, cu.customer_id)
                         AND ai.action_id = cu.last_notice_action_id AND ai.invoice_id = i.invoice_id) = 0)
               AS unnamed_at_rung1,
           -- coming due, in the pre-due window and not reminded yet
           cu.local_date - i.due_on <= 0 AND cu.local_date - i.due_on >= cu.pre_offset
             AND (cu.last_pre_due_on IS NULL OR i.due_on + cu.pre_offset > cu.last_pre_due_on) AS coming
      FROM cu
      LEFT JOIN dunning.invoice i
        ON i.customer_id = cu.customer_id AND i.amount > 0 AND i.settled_amount < i.amount
           AND (one IS NULL OR i.customer_id = one)
      LEFT JOIN paused pa ON pa.invoice_id = i.invoice_id
), pc AS (
    -- one pass over the items, per customer and currency
    SELECT x.customer_id, x.kind, x.currency,
           bool_or(x.days > 0) AS has_overdue,
           min(x.due_on) FILTER (WHERE x.days > 0) AS oldest_due_on,
           max(x.days) FILTER (WHERE x.days > 0 AND x.dunnable) AS max_days,
           bool_or(x.days > 0 AND x.disputed) AS overdue_disputed,
           bool_or(x.days > 0 AND x.promised) AS overdue_promised,
           bool_or(x.days > 0 AND x.planned) AS overdue_planned,
           COALESCE(bool_or(x.days > 0 AND x.dunnable AND x.unnamed_at_rung1), false) AS unnamed_at_rung1,
           sum(x.open_amount) FILTER (WHERE x.days > 0 AND x.dunnable) AS overdue_total,
           sum(x.open_amount) FILTER (WHERE x.coming AND x.dunnable) AS coming_total
      FROM open_items x
     GROUP BY x.customer_id, x.kind, x.currency
), pcust AS (
    -- per customer, with its currencies' totals and materiality thresholds
    -- as parallel arrays
    SELECT p.customer_id, COALESCE(bool_or(p.has_overdue), false) AS has_overdue, min(p.oldest_due_on) AS oldest_due_on,
           max(p.max_days) AS max_days,
           bool_or(p.overdue_disputed) AS overdue_disputed, bool_or(p.overdue_promised) AS overdue_promised,
           bool_or(p.overdue_planned) AS overdue_planned, bool_or(p.unnamed_at_rung1) AS unnamed_at_rung1,
           COALESCE(bool_or(p.coming_total > 0), false) AS coming_due,
           pg_catalog.array_agg(p.currency) FILTER (WHERE p.currency IS NOT NULL) AS currencies,
           pg_catalog.array_agg(COALESCE(p.overdue_total, 0)) FILTER (WHERE p.currency IS NOT NULL) AS overdue_totals,
           pg_catalog.array_agg(COALESCE(p.coming_total, 0)) FILTER (WHERE p.currency IS NOT NULL) AS coming_totals,
           pg_catalog.array_agg(COALESCE(m.amount, st.materiality_amount))
               FILTER (WHERE p.currency IS NOT NULL) AS materialities
      FROM pc p
      LEFT JOIN mat m ON m.currency = p.currency AND m.customer_kind = p.kind
      LEFT JOIN dunning.setting st ON st.id
     GROUP BY p.customer_id
), ev AS (
    -- the episode, the level on the current scenario's ladder, the rung due
    SELECT cu.*, pc.has_overdue, pc.max_days, pc.overdue_disputed, pc.overdue_promised, pc.overdue_planned,
           pc.unnamed_at_rung1, pc.coming_due, pc.currencies, pc.overdue_totals, pc.coming_totals,
           pc.materialities,
           CASE WHEN NOT pc.has_overdue
                THEN CASE WHEN cu.episode_started_on IS NOT NULL THEN 'end' ELSE 'none' END
                WHEN rs.restart THEN 'restart'
                WHEN cu.episode_started_on IS NOT NULL THEN 'open'
                WHEN s.max_new_episodes_per_day IS NULL THEN 'start'
                -- go-live pacing: the most overdue customers first
                WHEN pg_catalog.row_number() OVER (PARTITION BY cu.episode_started_on IS NULL AND pc.has_overdue
                                                  ORDER BY pc.max_days DESC NULLS LAST, cu.customer_id)
                     <= s.max_new_episodes_per_day - s.started_today THEN 'start'
                ELSE 'deferred' END AS episode,
           lv.rung AS level_rung, lv.step_id AS level_step_id, lv.offset_days AS level_offset,
           lv.min_overdue_amount AS level_min_amount, lv.min_days_overdue AS level_min_days,
           CASE WHEN rs.restart THEN pc.oldest_due_on END AS ended_on,
           dr.rung AS due_rung, la.status AS last_notice_status, la.channel AS last_notice_channel,
           -- a notice whose delivery failed for good: carried on the next channel
           la.status = 'failed' AND la.next_attempt_at IS NULL AS last_notice_lost
      FROM cu
      JOIN pcust pc ON pc.customer_id = cu.customer_id
     CROSS JOIN s
      -- An open episode whose overdue items all fell due since it started:
      -- were the items before them settled (by value date) before the
      -- oldest of them fell overdue?  Then nothing was overdue that day and
      -- the episode ended, though no evaluation saw it (no run that day, or
      -- the payment booked later): a new episode starts at level 0.  Not
      -- when a notice went since that day, at the level then: the customer
      -- has heard that rung in what is now the new episode, and the ladder
      -- goes on from it (a reminder 1 after it would be a descent).
     CROSS JOIN LATERAL (
            -- (sub-plans by index, not joins: phase 1 runs without nested loops)
            SELECT CASE WHEN cu.episode_started_on IS NOT NULL AND pc.oldest_due_on >= cu.episode_started_on
                             AND NOT COALESCE(cu.last_notice_on > pc.oldest_due_on, false)
                   THEN NOT EXISTS (
                            SELECT 1 FROM dunning.allocation a
                             WHERE a.customer_id = COALESCE(one, cu.customer_id)
                               AND (SELECT i.due_on FROM dunning.invoice i
                                     WHERE i.customer_id = COALESCE(one, a.customer_id) AND i.invoice_id = a.invoice_id)
                                   < pc.oldest_due_on
                               AND COALESCE((SELECT p.received_on FROM dunning.payment p
                                              WHERE p.payment_id = a.payment_id AND (one IS NULL OR p.customer_id = one)),
                                            (SELECT cn.issued_on FROM dunning.invoice cn
                                              WHERE cn.customer_id = COALESCE(one, a.customer_id)
                                                AND cn.invoice_id = a.credit_note_id)) > pc.oldest_due_on)
                        AND NOT EXISTS (
                            SELECT 1 FROM dunning.write_off w
                             WHERE w.customer_id = COALESCE(one, cu.customer_id)
                               AND w.written_off_on > pc.oldest_due_on
                               AND (SELECT i.due_on FROM dunning.invoice i
                                     WHERE i.customer_id = COALESCE(one, w.customer_id) AND i.invoice_id = w.invoice_id)
                                   < pc.oldest_due_on)
                   ELSE false END AS restart) rs
      LEFT JOIN LATERAL (
            SELECT g.rung, g.step_id, g.offset_days, g.min_overdue_amount, g.min_days_overdue FROM rung g
             WHERE g.scenario_id = cu.scenario_id AND g.offset_days <= cu.state_level_offset
             ORDER BY g.rung DESC LIMIT 1) lv ON cu.episode_started_on IS NOT NULL AND pc.has_overdue AND NOT rs.restart
      LEFT JOIN LATERAL (
            SELECT g.rung FROM rung g
             WHERE g.scenario_id = cu.scenario_id AND g.offset_days <= pc.max_days
             ORDER BY g.rung DESC LIMIT 1) dr ON true
      -- per customer, by primary key
      LEFT JOIN LATERAL (
            SELECT a.status, a.channel, a.next_attempt_at FROM dunning.action a
             WHERE a.action_id = cu.last_notice_action_id AND (one IS NULL OR a.customer_id = one)) la ON true
), asks AS (
    -- what the ladder asks for today: a notice lost for good is carried on
    -- its next channel first (a climb would leave the rung the customer
    -- never heard unsaid, and go to the same dead address), then a climb,
    -- then a notice for items that fell overdue since the last one
    SELECT ev.*,
           CASE WHEN ev.episode = 'open' AND ev.level_rung >= 1 AND ev.max_days IS NOT NULL AND ev.last_notice_lost
                     AND ev.last_notice_channel <> 'task'
                     -- (when the level's step can go: its minimum out of reach would
                     -- hold a due climb back for ever)
                     AND ev.max_days >= COALESCE(ev.level_min_days, 0)
                     AND (ev.level_min_amount IS NULL
                          OR EXISTS (SELECT 1 FROM ROWS FROM (pg_catalog.unnest(ev.overdue_totals),
                                                              pg_catalog.unnest(ev.materialities)) u (o, m)
                                      WHERE u.o >= u.m AND u.o >= ev.level_min_amount)) THEN 'renotice'
                WHEN ev.episode IN ('start', 'restart', 'open') AND ev.due_rung > COALESCE(ev.level_rung, 0)
                     AND NOT COALESCE(ev.held_until >= ev.local_date, false) THEN 'climb'
                WHEN ev.episode = 'open' AND ev.level_rung >= 1 AND ev.max_days IS NOT NULL
                     AND (ev.unnamed_at_rung1
                          OR ev.last_notice_status = 'cancelled' OR ev.last_notice_lost) THEN 'renotice'
                WHEN ev.coming_due AND COALESCE(ev.level_rung, 0) = 0 AND ev.pre_offset IS NOT NULL THEN 'pre_due'
           END AS asks
      FROM ev
), want AS MATERIALIZED (
    -- A climb goes to the lowest rung due whose minimum overdue amount some
    -- material currency reaches, passing over the rungs below it that none
    -- reaches (else to the next rung, which waits for it).  A formal rung
    -- is climbed to only when an item that reached it has been in writing
    -- (a notice by e-mail, SMS, letter or legal listed it, sent or failed
    -- for good) or was overdue when a person set the level: else the
    -- customer first gets a written reminder at its level ('warn'), so
    -- that an item paused by a dispute, promise or plan, or reached only
    -- by a call, does not make a formal notice the first it hears of.
    SELECT a.*, CASE WHEN un.unwritten THEN 'warn' ELSE a.asks END AS want,
           c.climb_rung, c.climb_spacing
      FROM asks a
      LEFT JOIN LATERAL (
            SELECT g.rung AS climb_rung, g.offset_days AS climb_offset, g.formal AS climb_formal,
                   g.min_overdue_amount AS climb_min_amount,
                   CASE WHEN g.rung = COALESCE(a.level_rung, 0) + 1 THEN g.spacing_days
                        ELSE COALESCE(g.min_days_since_previous, g.offset_days - a.level_offset, 0) END AS climb_spacing
              FROM rung g
             WHERE g.scenario_id = a.scenario_id AND g.rung > COALESCE(a.level_rung, 0) AND g.rung <= a.due_rung
             ORDER BY g.min_overdue_amount IS NULL
                      OR EXISTS (SELECT 1 FROM ROWS FROM (pg_catalog.unnest(a.overdue_totals),
                                                          pg_catalog.unnest(a.materialities)) u (o, m)
                                  WHERE u.o >= u.m AND u.o >= g.min_overdue_amount) DESC,
                      g.rung
             LIMIT 1) c ON a.asks = 'climb'
      LEFT JOIN LATERAL (
            -- (sub-plans by index, not joins: phase 1 runs without nested loops)
            SELECT CASE WHEN c.climb_formal AND a.level_rung >= 1
                             -- (a customer it cannot write to climbs: its notices go as tasks;
                             -- the reminder goes by the first of these channels it can be sent by)
                             AND EXISTS (SELECT 1 FROM rung lv
                                           CROSS JOIN pg_catalog.unnest(lv.written_channel || lv.written_fallback) ch
                                          WHERE lv.scenario_id = a.scenario_id AND lv.rung = a.level_rung
                                            AND CASE ch WHEN 'email' THEN a.email WHEN 'sms' THEN a.phone
                                                        WHEN 'letter' THEN a.postal_address END IS NOT NULL
                                            -- not the channel whose delivery the last notice lost,
                                            -- nor an address lost (as chan says it)
                                            AND ch IS DISTINCT FROM CASE WHEN a.last_notice_lost THEN a.last_notice_channel END
                                            AND NOT EXISTS (SELECT 1 FROM dunning.action x
                                                     WHERE x.customer_id = COALESCE(one, a.customer_id) AND x.recipient = CASE ch WHEN 'email' THEN a.email WHEN 'sms' THEN a.phone ELSE a.postal_address END
                                                       AND x.channel IN ('email', 'thanks', 'sms', 'letter', 'legal') AND x.status = 'failed'
                                                       AND x.next_attempt_at IS NULL AND x.attempts BETWEEN 1 AND (SELECT s.max_attempts FROM s) - 1
                                                       AND NOT EXISTS (SELECT 1 FROM dunning.action y
                                                                        WHERE y.customer_id = x.customer_id AND y.action_id > x.action_id
                                                                          AND y.recipient = x.recipient AND y.status = 'sent')))
                        THEN NOT EXISTS (
                       SELECT 1 FROM dunning.invoice i
                        WHERE i.customer_id = COALESCE(one, a.customer_id) AND i.amount > 0
                          AND i.settled_amount < i.amount AND i.due_on <= a.local_date - c.climb_offset
                          AND i.currency = ANY (ARRAY(
                                  SELECT u.c FROM ROWS FROM (pg_catalog.unnest(a.currencies), pg_catalog.unnest(a.overdue_totals),
                                                             pg_catalog.unnest(a.materialities)) u (c, o, m)
                                   WHERE u.o >= u.m AND u.o >= COALESCE(c.climb_min_amount, 0)))
                          -- dunnable
                          AND (SELECT count(*) FROM dunning.dispute d
                                WHERE d.customer_id = COALESCE(one, i.customer_id) AND d.invoice_id = i.invoice_id
                                  AND d.status = 'open') = 0
                          AND (SELECT count(*) FROM dunning.promise p
                                WHERE p.customer_id = COALESCE(one, i.customer_id) AND p.status = 'open'
                                  AND i.invoice_id = ANY (p.invoice_ids) AND p.promised_on >= a.local_date) = 0
                          AND (SELECT count(*) FROM dunning.payment_plan_item pi
                                WHERE pi.customer_id = COALESCE(one, i.customer_id) AND pi.invoice_id = i.invoice_id
                                  AND (SELECT p.status FROM dunning.payment_plan p
                                        WHERE p.customer_id = COALESCE(one, pi.customer_id)
                                          AND p.plan_id = pi.plan_id) = 'active') = 0
                          -- in writing (or tried: a written notice that failed for good
                          -- does not hold the climb back twice), or vouched for by the
                          -- person who set the level by hand after it fell overdue
                          AND ((SELECT count(*) FROM dunning.level_change l
                                 WHERE l.customer_id = COALESCE(one, i.customer_id) AND l.event = 'set'
                                   AND l.to_step_id IS NOT NULL AND l.changed_on > i.due_on
                                   AND l.changed_on <= a.local_date) > 0
                           OR (SELECT count(*) FROM dunning.action_item ai
                                WHERE ai.customer_id = COALESCE(one, i.customer_id) AND ai.invoice_id = i.invoice_id
                                  AND (SELECT x.kind = 'notice' AND x.status IN ('sent', 'failed')
                                              AND dunning_internal.is_contact(x.channel)
                                         FROM dunning.action x
                                        WHERE x.customer_id = COALESCE(one, ai.customer_id)
                                          AND x.action_id = ai.action_id)) > 0))
                   ELSE false END AS unwritten) un ON true
), tgt AS (
    SELECT w.*, t.*
      FROM want w
      LEFT JOIN LATERAL (
            -- a notice at the level; at a formal rung, for items that fell
            -- overdue since (not a lost notice carried on), in the words and
            -- written channels of the written rung below it, as 'warn' is:
            -- no new item is first named in a formal notice, and no legal
            -- case opens again after a person closed one
            SELECT g.step_id AS t_step_id, g.name AS t_name, g.offset_days AS t_offset,
                   CASE WHEN fw.written THEN g.written_channel ELSE g.channel END AS t_channel,
                   CASE WHEN fw.written THEN g.written_template ELSE g.template END AS t_template,
                   g.send_time AS t_send_time,
                   CASE WHEN fw.written THEN g.written_fallback ELSE g.fallback_channels END AS t_fallback,
                   g.min_overdue_amount AS t_min_amount, g.min_days_overdue AS t_min_days, g.fee AS t_fee,
                   g.spacing_days AS t_spacing, g.rung AS t_rung, g.channel = 'legal' AND NOT fw.written AS t_legal,
                   g.charged AS t_charged, g.interest_margin AS t_margin, g.fixed_compensation AS t_compensation,
                   g.compensation_currency AS t_compensation_currency, NULL::text AS passed_over
              FROM rung g
             CROSS JOIN LATERAL (SELECT COALESCE(g.formal AND NOT w.last_notice_lost, false) AS written) fw
             WHERE w.want = 'renotice' AND g.scenario_id = w.scenario_id AND g.rung = w.level_rung
            UNION ALL
            SELECT g.step_id, g.name, g.offset_days, g.channel, g.template, g.send_time, g.fallback_channels,
                   g.min_overdue_amount, g.min_days_overdue, g.fee, w.climb_spacing,
                   g.rung, g.channel = 'legal', g.charged, g.interest_margin, g.fixed_compensation,
                   g.compensation_currency,
                   (SELECT pg_catalog.string_agg(b.name, ', ' ORDER BY b.rung) FROM rung b
                     WHERE b.scenario_id = g.scenario_id AND b.rung > COALESCE(w.level_rung, 0) AND b.rung < g.rung)
              FROM rung g
             WHERE w.want = 'climb' AND g.scenario_id = w.scenario_id AND g.rung = w.climb_rung
            UNION ALL
            -- the written reminder before a formal rung: at the level, as
            -- the written rung at or below it is sent, held to the formal
            -- rung's spacing and minimums
            SELECT g.step_id, g.name, g.offset_days, g.written_channel, g.written_template, g.send_time,
                   g.written_fallback, f.min_overdue_amount, f.min_days_overdue, g.fee, w.climb_spacing,
                   g.rung, false, g.charged, g.interest_margin, g.fixed_compensation, g.compensation_currency, NULL
              FROM rung g JOIN rung f ON f.scenario_id = g.scenario_id AND f.rung = w.climb_rung
             WHERE w.want = 'warn' AND g.scenario_id = w.scenario_id AND g.rung = w.level_rung
            UNION ALL
            SELECT p.step_id, p.name, p.offset_days, p.channel, p.template, p.send_time, p.fallback_channels,
                   NULL, NULL, p.fee, 0, 0, false, false, NULL, NULL, NULL, NULL
              FROM pre p
             WHERE w.want = 'pre_due' AND p.scenario_id = w.scenario_id) t ON true
), tgt2 AS (
    -- the channels to try, and which currencies the action would claim:
    -- material, and at the step's minimum
    SELECT t.*, ARRAY[t.t_channel] || t.t_fallback
                || CASE WHEN t.want = 'pre_due' OR 'task' = ANY (t.t_fallback) OR t.t_channel = 'task'
                        THEN '{}'::text[] ELSE ARRAY['task'] END AS t_channels,
           ARRAY(SELECT u.c FROM ROWS FROM (pg_catalog.unnest(t.currencies), pg_catalog.unnest(t.overdue_totals), pg_catalog.unnest(t.materialities)) u (c, o, m)
                  WHERE u.o >= u.m AND u.o >= COALESCE(t.t_min_amount, 0)) AS material,
           ARRAY(SELECT u.c FROM ROWS FROM (pg_catalog.unnest(t.currencies), pg_catalog.unnest(t.coming_totals), pg_catalog.unnest(t.materialities)) u (c, o, m)
                  WHERE u.o >= u.m) AS coming_material,
           EXISTS (SELECT 1 FROM ROWS FROM (pg_catalog.unnest(t.overdue_totals), pg_catalog.unnest(t.materialities)) u (o, m)
                    WHERE u.o >= u.m) AS any_material,
           EXISTS (SELECT 1 FROM ROWS FROM (pg_catalog.unnest(t.overdue_totals), pg_catalog.unnest(t.coming_totals), pg_catalog.unnest(t.materialities)) u (o, k, m)
                    WHERE u.m IS NULL AND (u.o > 0 OR u.k > 0)) AS missing_materiality
      FROM tgt t
), chan AS (
    -- the channel: the step's, else its fallbacks in order, else a task for
    -- the collector (a pre-due reminder has no task: it is skipped)
    SELECT t.*, ch.channel AS a_channel, ch.recipient AS a_recipient,
           cardinality(t.material) > 0 AS any_at_minimum, cardinality(t.coming_material) > 0 AS any_coming_material
      FROM tgt2 t
      LEFT JOIN LATERAL (
            SELECT r.channel, r.recipient
              FROM (SELECT u.channel, u.k,
                           CASE u.channel WHEN 'email' THEN t.email WHEN 'sms' THEN t.phone WHEN 'call' THEN t.phone
                                          WHEN 'task' THEN COALESCE(t.collector, '(unassigned)')
                                          ELSE t.postal_address END AS recipient
                      FROM pg_catalog.unnest(t.t_channels) WITH ORDINALITY AS u (channel, k)) r
             WHERE r.recipient IS NOT NULL
               -- after a delivery lost for good, only the channels after its own
               AND (NOT (t.want IN ('renotice', 'warn') AND t.last_notice_lost)
                    OR r.k > COALESCE(pg_catalog.array_position(t.t_channels, t.last_notice_channel), 0))
               -- not an address lost: a delivery to it given up before its
               -- retries ran out (by the sender, mark_failed(retry => false),
               -- or a hard bounce; not a notice without a template, nor
               -- retries run out), and none delivered to it since.  Written
               -- the same in un, inst and conf_cu.
               AND NOT (r.channel <> ALL (ARRAY['call', 'task']) AND EXISTS (SELECT 1 FROM dunning.action x
                                     WHERE x.customer_id = COALESCE(one, t.customer_id) AND x.recipient = r.recipient
                                       AND x.channel IN ('email', 'thanks', 'sms', 'letter', 'legal') AND x.status = 'failed'
                                       AND x.next_attempt_at IS NULL AND x.attempts BETWEEN 1 AND (SELECT s.max_attempts FROM s) - 1
                                       AND NOT EXISTS (SELECT 1 FROM dunning.action y
                                                        WHERE y.customer_id = x.customer_id AND y.action_id > x.action_id
                                                          AND y.recipient = x.recipient AND y.status = 'sent')))
             ORDER BY r.k LIMIT 1) ch ON t.want IS NOT NULL
), dec AS (
    -- why nothing goes today, or NULL: it goes
    SELECT h.*,
           CASE WHEN h.want IS NULL THEN
                    CASE WHEN NOT h.has_overdue THEN NULL
                         WHEN h.legal_case_id IS NOT NULL THEN 'legal case'
                         WHEN h.episode = 'deferred' THEN 'capacity'
                         WHEN h.max_days IS NULL AND h.overdue_disputed THEN 'dispute'
                         WHEN h.max_days IS NULL AND h.overdue_promised THEN 'promise'
                         WHEN h.max_days IS NULL AND h.overdue_planned THEN 'plan'
                         WHEN h.due_rung > COALESCE(h.level_rung, 0) THEN 'hold'
                         WHEN h.due_rung IS NULL THEN 'first rung not reached'
                         ELSE 'next rung not reached' END
                WHEN h.legal_case_id IS NOT NULL THEN 'legal case'
                WHEN h.on_hold THEN 'hold'
                WHEN h.day_off THEN 'calendar'
                WHEN h.want IN ('climb', 'warn') AND h.level_rung >= 1
                     AND (h.last_notice_status = 'queued' OR h.last_notice_status = 'failed' AND NOT h.last_notice_lost)
                     THEN 'delivery'
                WHEN h.want IN ('climb', 'warn') AND h.level_rung >= 1 AND h.local_date - h.last_notice_on < h.t_spacing
                     THEN 'spacing'
                WHEN h.want = 'renotice'
                     AND (h.last_notice_status = 'queued' OR h.last_notice_status = 'failed' AND NOT h.last_notice_lost)
                     THEN 'delivery'
                WHEN h.want = 'renotice' AND h.last_notice_status IS DISTINCT FROM 'cancelled' AND NOT h.last_notice_lost
                     AND h.local_date - h.last_notice_on < s.renotice_days THEN 'spacing'
                WHEN h.want = 'pre_due' AND NOT COALESCE(h.any_coming_material, false)
                     THEN CASE WHEN h.missing_materiality THEN 'no materiality rule' ELSE 'materiality' END
                WHEN h.want <> 'pre_due' AND NOT COALESCE(h.any_material, false)
                     THEN CASE WHEN h.missing_materiality THEN 'no materiality rule' ELSE 'materiality' END
                WHEN h.want <> 'pre_due' AND NOT COALESCE(h.any_at_minimum, false) THEN 'step minimum'
                WHEN h.want <> 'pre_due' AND h.max_days < h.t_min_days THEN 'days overdue'
                -- (a pre-due reminder has no fallback: said apart, not to read as the next rung's)
                WHEN h.a_channel IS NULL THEN CASE WHEN h.want = 'pre_due' THEN 'no pre-due recipient' ELSE 'no recipient' END
                WHEN h.local_time < h.t_send_time THEN 'send time'
                WHEN dunning_internal.is_contact(h.a_channel)
                     AND (h.last_contact_on >= h.local_date - GREATEST(s.min_days_between_contacts, 1) + 1
                          OR (SELECT count(*) FROM pg_catalog.unnest(h.recent_contacts) x
                               WHERE x > h.local_date - 7) >= s.max_contacts_per_week)
                     THEN 'guardrail'
           END AS waits
      FROM chan h CROSS JOIN s
)
SELECT pg_catalog.array_agg(ROW(
           d.customer_id, d.kind, d.scenario_id, d.local_date, d.local_time, d.episode, d.state_level_step_id,
           d.level_rung, d.level_step_id, d.level_offset, d.want, d.waits, d.pre_offset, d.last_pre_due_on,
           d.last_notice_action_id, d.last_notice_lost, d.t_step_id, d.t_name, d.t_offset, d.t_template,
           d.t_fee, d.t_rung, d.t_legal, d.t_charged, d.t_margin, d.t_compensation, d.t_compensation_currency,
           d.a_channel, d.a_recipient, d.material, d.coming_material, d.legal_case_id, d.on_hold, d.day_off,
           d.last_contact_on, d.recent_contacts, d.ended_on, d.passed_over)::dunning_internal.evaluation)
  FROM dec d
  INTO evals;
PERFORM pg_catalog.set_config('enable_nestloop', 'on', true);
PERFORM pg_catalog.set_config('enable_sort', 'on', true);
-- Phase 2: the actions of the customers that get one, with their items,
-- charges and texts.  Planned for this run's evaluations (EXECUTE): the
-- planner sees how many customers act.  The payment-link key is read here,
-- where the runner runs (a statement on Citus runs on a worker).
IF (SELECT st.pay_link_base IS NOT NULL FROM dunning.settings st) THEN
    secret := dunning_internal.signing_secret();
END IF;
RETURN QUERY EXECUTE $q$
WITH s AS MATERIALIZED (
    SELECT st.*, $4::bytea AS secret, 0 AS started_today
      FROM dunning.settings st
), e AS MATERIALIZED (
    -- the evaluations of phase 1 (the parameter's size gives the planner the true row count)
    SELECT * FROM pg_catalog.unnest($1::dunning_internal.evaluation[])
), go AS MATERIALIZED (
    SELECT e.* FROM e WHERE e.want IS NOT NULL AND e.waits IS NULL
), disputed AS MATERIALIZED (
    SELECT DISTINCT d.invoice_id FROM dunning.dispute d
     WHERE d.status = 'open' AND ($3 IS NULL OR d.customer_id = $3)
), promised AS MATERIALIZED (
    -- invoices covered by open promises, one row each: hashed, not rescanned per item
    SELECT x.invoice_id, max(x.promised_on) AS promised_on
      FROM (SELECT pg_catalog.unnest(p.invoice_ids) AS invoice_id, p.promised_on
              FROM dunning.promise p WHERE p.status = 'open' AND ($3 IS NULL OR p.customer_id = $3)) x
     GROUP BY x.invoice_id
), planned AS MATERIALIZED (
    SELECT DISTINCT pi.invoice_id
      FROM dunning.payment_plan_item pi
      JOIN dunning.payment_plan p ON p.customer_id = pi.customer_id AND p.plan_id = pi.plan_id
     WHERE p.status = 'active' AND ($3 IS NULL OR p.customer_id = $3)
), it AS MATERIALIZED (
    -- the items of the customers that get a notice or a pre-due reminder:
    -- dunnable, in the currencies the action claims (a notice also folds in
    -- the items coming due).  Narrow rows: the action's own fields are
    -- joined once per action, after the items are added up.
    SELECT g.customer_id, CASE WHEN g.want = 'pre_due' THEN 'pre_due' ELSE 'notice' END AS kind,
           i.invoice_id, i.invoice_number, i.due_on, i.currency, i.amount, i.settled_amount,
           i.amount - i.settled_amount AS open_amount, x.days AS days_overdue,
           -- a notice's totals are what is overdue (items coming due are
           -- folded in, listed apart); a pre-due reminder's what comes due
           x.days > 0 OR g.want = 'pre_due' AS in_total, g.local_date,
           g.t_charged AS charged, g.t_fee AS fee, g.t_margin AS interest_margin,
           g.t_compensation AS fixed_compensation, g.t_compensation_currency AS compensation_currency,
           g.kind AS customer_kind, NULL::date AS paid_on
      FROM go g
      JOIN dunning.invoice i
        ON i.customer_id = g.customer_id AND i.amount > 0 AND i.settled_amount < i.amount
           AND ($3 IS NULL OR i.customer_id = $3)
      LEFT JOIN disputed dp ON dp.invoice_id = i.invoice_id
      LEFT JOIN promised pr ON pr.invoice_id = i.invoice_id AND pr.promised_on >= g.local_date
      LEFT JOIN planned pl ON pl.invoice_id = i.invoice_id
     CROSS JOIN LATERAL (
            SELECT g.local_date - i.due_on AS days,
                   g.local_date - i.due_on <= 0 AND g.local_date - i.due_on >= g.pre_offset
                     AND (g.last_pre_due_on IS NULL OR i.due_on + g.pre_offset > g.last_pre_due_on) AS coming) x
     WHERE dp.invoice_id IS NULL AND pr.invoice_id IS NULL AND pl.invoice_id IS NULL
       AND CASE WHEN g.want = 'pre_due' THEN x.coming AND i.currency = ANY (g.coming_material)
                ELSE (x.days > 0 AND i.currency = ANY (g.material)) OR x.coming END
), inst AS MATERIALIZED (
    -- missed instalments of active plans, reminded once, on a day without
    -- another contact of the customer
    SELECT d.customer_id, p.plan_id, k.instalment_no, k.due_on AS instalment_due_on, k.amount AS instalment_amount,
           d.local_date, d.local_time, ch.channel AS a_channel, ch.recipient AS a_recipient
      FROM e d
     CROSS JOIN s
      JOIN dunning.payment_plan p ON p.customer_id = d.customer_id AND p.status = 'active'
                                 AND ($3 IS NULL OR p.customer_id = $3)
      -- the first instalment missed of each active plan: the first due
      -- before the customer's day whose running total the payments do not
      -- reach (as payment_plan_state says it), from the plan's progress
      CROSS JOIN LATERAL (SELECT v.instalment_no AS missed_instalment
                            FROM dunning_internal.payment_plan_progress v
                           WHERE v.customer_id = COALESCE($3, p.customer_id) AND v.plan_id = p.plan_id
                             AND v.due_on < d.local_date AND v.running > v.paid
                           ORDER BY v.instalment_no LIMIT 1) ps
      JOIN dunning.payment_plan_instalment k
        ON k.customer_id = p.customer_id AND k.plan_id = p.plan_id AND k.instalment_no = ps.missed_instalment
      JOIN dunning.customer c ON c.customer_id = d.customer_id
     -- by e-mail, else a letter, else a task (not to an address lost, as chan says it)
     CROSS JOIN LATERAL (SELECT NOT (c.email IS NOT NULL AND EXISTS (SELECT 1 FROM dunning.action x
                                                                      WHERE x.customer_id = COALESCE($3, c.customer_id) AND x.recipient = c.email
                                                                        AND x.channel IN ('email', 'thanks', 'sms', 'letter', 'legal') AND x.status = 'failed'
                                                                        AND x.next_attempt_at IS NULL AND x.attempts BETWEEN 1 AND s.max_attempts - 1
                                                                        AND NOT EXISTS (SELECT 1 FROM dunning.action y
                                                                                         WHERE y.customer_id = x.customer_id AND y.action_id > x.action_id
                                                                                           AND y.recipient = x.recipient AND y.status = 'sent')))
                                AS email_ok) em
     CROSS JOIN LATERAL (SELECT CASE WHEN c.email IS NOT NULL AND em.email_ok THEN 'email' WHEN c.postal_address IS NOT NULL
                                     THEN 'letter' ELSE 'task' END AS channel,
                                COALESCE(CASE WHEN em.email_ok THEN c.email END, c.postal_address, c.collector, '(unassigned)')
                                    AS recipient) ch
     WHERE k.reminded_on IS NULL AND d.legal_case_id IS NULL AND NOT d.on_hold AND NOT d.day_off
       -- a hashed subplan, built once (an anti join was planned as a hash
       -- of billions of estimated rows built again for every instalment)
       AND d.customer_id NOT IN (SELECT g.customer_id FROM go g)
       -- (a customer never contacted has no last contact: not a guardrail)
       AND NOT (ch.channel <> 'task'
                AND (COALESCE(d.last_contact_on >= d.local_date - GREATEST(s.min_days_between_contacts, 1) + 1, false)
                     OR (SELECT count(*) FROM pg_catalog.unnest(d.recent_contacts) x
                          WHERE x > d.local_date - 7) >= s.max_contacts_per_week))
), conf AS MATERIALIZED (
    -- settled invoices that a notice or a pre-due reminder listed and no
    -- confirmation did yet, settled by payments received lately
    SELECT i.customer_id, i.invoice_id, i.invoice_number, i.due_on, i.currency, i.amount AS open_amount,
           max(p.received_on) AS paid_on
      FROM s
      JOIN dunning.payment p ON p.received_on >= ($2 AT TIME ZONE 'UTC')::date - s.confirmation_window_days
                            AND ($3 IS NULL OR p.customer_id = $3)
     -- per payment by index (a hash join would read every allocation)
     CROSS JOIN LATERAL (SELECT a.invoice_id FROM dunning.allocation a
                          WHERE a.payment_id = p.payment_id AND ($3 IS NULL OR a.customer_id = $3)) a
     CROSS JOIN LATERAL (SELECT i.* FROM dunning.invoice i
                          WHERE i.invoice_id = a.invoice_id AND ($3 IS NULL OR i.customer_id = $3)) i
     WHERE s.confirm_payments AND i.amount > 0 AND i.settled_amount >= i.amount
       AND EXISTS (SELECT 1 FROM dunning.action_item ai
                      JOIN dunning.action x ON x.customer_id = ai.customer_id AND x.action_id = ai.action_id
                    WHERE ai.customer_id = COALESCE($3, i.customer_id) AND ai.invoice_id = i.invoice_id
                      AND x.kind IN ('notice', 'pre_due') AND x.status IN ('queued', 'sent'))
       AND NOT EXISTS (SELECT 1 FROM dunning.action_item ai
                          JOIN dunning.action x ON x.customer_id = ai.customer_id AND x.action_id = ai.action_id
                        WHERE ai.customer_id = COALESCE($3, i.customer_id) AND ai.invoice_id = i.invoice_id
                          AND x.kind = 'confirmation' AND x.status <> 'cancelled')
     GROUP BY i.customer_id, i.invoice_id, i.invoice_number, i.due_on, i.currency, i.amount
), conf_cu AS MATERIALIZED (
    -- confirmations go on the customer's business days, by e-mail (else a
    -- letter; not to an address a delivery was lost to, as notices: chan)
    SELECT x.customer_id, l.local_date, r.a_recipient
      FROM (SELECT DISTINCT conf.customer_id FROM conf) x
      JOIN dunning.customer c ON c.customer_id = x.customer_id AND ($3 IS NULL OR c.customer_id = $3)
     CROSS JOIN s
     CROSS JOIN LATERAL (SELECT ($2 AT TIME ZONE c.timezone)::date AS local_date,
                                ($2 AT TIME ZONE c.timezone)::time AS local_time) l
     CROSS JOIN LATERAL (
            SELECT CASE WHEN c.email IS NOT NULL AND NOT EXISTS (SELECT 1 FROM dunning.action x
                                     WHERE x.customer_id = COALESCE($3, c.customer_id) AND x.recipient = c.email
                                       AND x.channel IN ('email', 'thanks', 'sms', 'letter', 'legal') AND x.status = 'failed'
                                       AND x.next_attempt_at IS NULL AND x.attempts BETWEEN 1 AND s.max_attempts - 1
                                       AND NOT EXISTS (SELECT 1 FROM dunning.action y
                                                        WHERE y.customer_id = x.customer_id AND y.action_id > x.action_id
                                                          AND y.recipient = x.recipient AND y.status = 'sent'))
                        THEN c.email ELSE c.postal_address END AS a_recipient) r
     WHERE NOT (pg_catalog.date_part('isodow', l.local_date)::integer = ANY (s.weekend_days))
       AND NOT EXISTS (SELECT 1 FROM dunning.holiday h
                        WHERE h.country = c.country AND h.day = l.local_date
                          AND h.subdivision IN ('', COALESCE(c.subdivision, '')))
       AND r.a_recipient IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM dunning.action a
                        WHERE a.customer_id = COALESCE($3, x.customer_id) AND a.kind = 'confirmation'
                          AND a.action_date = l.local_date)
), src AS (
    -- one row per item of each action to make: notices and pre-due reminders,
    -- instalment reminders, confirmations
    SELECT it.* FROM it
    UNION ALL
    SELECT n.customer_id, 'instalment', i.invoice_id, i.invoice_number, i.due_on, i.currency, i.amount,
           i.settled_amount, i.amount - i.settled_amount, n.local_date - i.due_on, true, n.local_date,
           false, NULL, NULL, NULL, NULL, NULL, NULL
      FROM inst n
      JOIN dunning.payment_plan_item pi ON pi.customer_id = n.customer_id AND pi.plan_id = n.plan_id
                                       AND ($3 IS NULL OR pi.customer_id = $3)
      JOIN dunning.invoice i ON i.customer_id = pi.customer_id AND i.invoice_id = pi.invoice_id AND i.settled_amount < i.amount
    UNION ALL
    SELECT k.customer_id, 'confirmation', k.invoice_id, k.invoice_number, k.due_on, k.currency, k.open_amount,
           k.open_amount, k.open_amount, cc.local_date - k.due_on, true, cc.local_date,
           false, NULL, NULL, NULL, NULL, NULL, k.paid_on
      FROM conf k JOIN conf_cu cc ON cc.customer_id = k.customer_id
), rates AS MATERIALIZED (
    SELECT r.currency, pg_catalog.array_agg(r.valid_from ORDER BY r.valid_from) AS rate_from,
           pg_catalog.array_agg(r.rate ORDER BY r.valid_from) AS rates
      FROM dunning.reference_rate r GROUP BY r.currency
), sched AS MATERIALIZED (
    -- the statutory rate schedule of each customer kind over the days the
    -- charged items without a scenario margin need, computed once (the
    -- statutory rule fixes the rate by day or half-year, not by debt; a
    -- jurisdiction that fixes it per debt (GB) gets its half-years' rates).
    -- Only notices charge (instalment reminders and confirmations do not):
    -- read from it, src is read once and not copied into a store of its own
    SELECT x.customer_kind, ss.rate_from, ss.totals
      FROM (SELECT k.customer_kind, min(k.due_on) AS first_day, max(k.local_date) AS last_day FROM it k
             WHERE k.charged AND k.interest_margin IS NULL AND k.days_overdue > 0
               -- (a one-time test: no step charges without a margin, no scan of it)
               AND EXISTS (SELECT FROM go g WHERE g.t_charged AND g.t_margin IS NULL)
             GROUP BY k.customer_kind) x
     CROSS JOIN s
     CROSS JOIN LATERAL dunning_internal.statutory_schedule(s.jurisdiction, x.customer_kind, x.first_day, x.last_day) ss
), charged AS (
    -- charges of the overdue items of charged steps: interest on what was
    -- outstanding each day since the due date (partial payments prorated)
    -- A scenario's interest_margin applies to its currency's reference rate;
    -- without one, the statutory rule of the creditor's jurisdiction and the
    -- customer's kind (charges.sql).  Its fixed compensation applies in its
    -- currency; in other currencies the compensation rule of the currency,
    -- kind and debt band.  No rule: no figure (NULL), never a silent zero.
    -- (read once, by its: not stored, each item goes on to its action's sums)
    SELECT k.customer_id, k.kind, k.invoice_id, k.invoice_number, k.due_on, k.currency, k.open_amount,
           k.days_overdue, k.in_total, k.charged, k.fee, k.paid_on,
           CASE WHEN k.charged AND k.days_overdue > 0 AND k.interest_margin IS NOT NULL
                THEN dunning.accrue_interest(
                         k.amount, k.due_on, k.local_date, k.interest_margin, s.day_count_basis,
                         dunning.currency_minor_unit(k.currency),
                         (SELECT r.rate_from FROM rates r WHERE r.currency = k.currency),
                         (SELECT r.rates FROM rates r WHERE r.currency = k.currency),
                         pd.paid_on, pd.paid)
                WHEN k.charged AND k.days_overdue > 0
                THEN dunning.accrue_interest(
                         k.amount, k.due_on, k.local_date, 0, s.day_count_basis,
                         dunning.currency_minor_unit(k.currency), sr.rate_from, sr.totals, pd.paid_on, pd.paid)
           END AS interest,
           CASE WHEN NOT k.charged OR k.days_overdue <= 0 THEN NULL
                WHEN k.currency = k.compensation_currency AND k.fixed_compensation IS NOT NULL
                THEN round(k.fixed_compensation, dunning.currency_minor_unit(k.currency))
                ELSE (SELECT round(cr.amount, dunning.currency_minor_unit(k.currency))
                        FROM dunning.compensation_rule cr
                       WHERE cr.currency = k.currency AND cr.customer_kind = k.customer_kind
                         AND cr.debt_from <= k.amount
                       ORDER BY cr.debt_from DESC, cr.seeded LIMIT 1) END AS compensation
      FROM src k
     CROSS JOIN s
      LEFT JOIN sched sr ON sr.customer_kind = k.customer_kind
                        AND k.charged AND k.days_overdue > 0 AND k.interest_margin IS NULL
      -- settlement history, only for the charged items partly paid
      LEFT JOIN LATERAL (
            SELECT pg_catalog.array_agg(x.settled_on) AS paid_on, pg_catalog.array_agg(x.amount) AS paid
              FROM dunning.settlement x
             WHERE x.customer_id = COALESCE($3, k.customer_id) AND x.invoice_id = k.invoice_id
               AND x.kind <> 'credit_note_applied'
               AND k.charged AND k.settled_amount > 0) pd ON true
), its AS (
    -- per action: its items, oldest first, and what they add up to per
    -- currency: the totals overdue, the items coming due, the charges, and
    -- the amounts a payment link's token claims (machine text, not shown:
    -- the renderer writes the amounts of the payload in the template's
    -- language).  One pass over the items (C: src/action_summary.c); its
    -- fields taken apart outside the grouping (the aggregate, with its
    -- subplans, would be one call per field)
    SELECT y.customer_id, y.kind, (y.summary).*
      FROM (SELECT k.customer_id, k.kind,
                   dunning_internal.summarize_action_items(k.invoice_id, k.invoice_number, k.due_on, k.days_overdue,
                                                           k.open_amount, k.currency, k.interest, k.compensation,
                                                           k.kind = 'confirmation', k.paid_on, k.in_total,
                                                           k.charged, k.fee) AS summary
              FROM charged k
             GROUP BY k.customer_id, k.kind) y
), hdr AS (
    -- one action per customer and kind: the notice or pre-due reminder of
    -- an evaluation (with what the evaluation decided), instalment
    -- reminders, confirmations
    SELECT g.customer_id, CASE WHEN g.want = 'pre_due' THEN 'pre_due' ELSE 'notice' END AS kind,
           g.scenario_id, g.t_step_id AS step_id, g.t_name AS step_name, g.t_offset AS offset_days,
           g.t_template AS template, g.a_channel AS channel, g.a_recipient AS recipient, g.t_rung AS rung,
           g.local_date, NULL::bigint AS plan_id, NULL::integer AS instalment_no,
           NULL::date AS instalment_due_on, NULL::numeric AS instalment_amount,
           g.episode, g.from_step_id, g.level_step_id, g.level_offset, g.want, g.t_legal,
           g.last_notice_lost, g.last_notice_action_id, g.ended_on, g.passed_over
      FROM go g
    UNION ALL
    SELECT n.customer_id, 'instalment', NULL, NULL, 'instalment reminder', NULL, 'instalment_reminder',
           n.a_channel, n.a_recipient, NULL, n.local_date, n.plan_id, n.instalment_no,
           n.instalment_due_on, n.instalment_amount, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
      FROM inst n
    UNION ALL
    SELECT cc.customer_id, 'confirmation', NULL, NULL, 'payment confirmation', NULL, 'payment_confirmation',
           'thanks', cc.a_recipient, NULL, cc.local_date, NULL, NULL, NULL, NULL,
           NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
      FROM conf_cu cc
), msg AS (
    SELECT g.*, x.token_amount, x.totals, x.charges, x.totals_with_charges, x.coming_totals,
           x.invoice_count, x.invoice_ids, x.max_days_overdue AS max_days, x.oldest_due_on,
           CASE WHEN g.kind = 'instalment' THEN x.last_currency END AS instalment_currency, x.invoices,
           c.name, c.external_ref, c.collector, c.language AS customer_language,
           COALESCE(t1.language, t2.language, t3.language) AS template_language,
           COALESCE(t1.subject, t2.subject, t3.subject) AS t_subject,
           COALESCE(t1.body, t2.body, t3.body) AS t_body,
           CASE WHEN t1.template_key IS NOT NULL THEN t1.table_header
                WHEN t2.template_key IS NOT NULL THEN t2.table_header ELSE t3.table_header END AS table_header,
           (SELECT p.promised_on FROM dunning.promise p
             WHERE p.customer_id = COALESCE($3, g.customer_id) AND p.status = 'open'
             ORDER BY p.invoice_ids && x.invoice_ids DESC, p.promised_on LIMIT 1) AS promise_date,
           pk.pay_link
      FROM hdr g
      -- an action without items is not made (a plan whose items are settled)
      JOIN its x ON x.customer_id = g.customer_id AND x.kind = g.kind
      JOIN dunning.customer c ON c.customer_id = g.customer_id AND ($3 IS NULL OR c.customer_id = $3)
     CROSS JOIN s
      -- the template in the customer's language, else its primary subtag, else English
      LEFT JOIN dunning.template t1 ON t1.template_key = g.template AND t1.language = c.language
      LEFT JOIN dunning.template t2 ON t2.template_key = g.template
                                   AND t2.language = pg_catalog.split_part(c.language, '-', 1)
      LEFT JOIN dunning.template t3 ON t3.template_key = g.template AND t3.language = 'en'
      -- signed once per action (OFFSET 0), though the payload and the
      -- rendering both use it
     CROSS JOIN LATERAL (
            SELECT CASE WHEN s.pay_link_base IS NOT NULL AND g.kind <> 'confirmation'
                        THEN s.pay_link_base
                             || CASE WHEN s.pay_link_base ~ '[?]' THEN '&' ELSE '?' END || 't='
                             || dunning_internal.pay_token_with_key(g.customer_id, x.invoice_ids, x.token_amount,
                                                           $2 + s.pay_link_validity, s.secret)
                   END AS pay_link OFFSET 0) pk
), doc AS (
    -- the payload in a lateral subquery kept apart (OFFSET 0): built once per
    -- action, not once for each of its three uses below (subject, body, the
    -- column), as an inlined expression would be
    SELECT m.*, pl.payload,
           CASE WHEN m.channel IN ('email', 'thanks') THEN 'html'
                WHEN m.channel = 'sms' THEN 'sms' ELSE 'text' END AS mode
      FROM msg m
     CROSS JOIN LATERAL (SELECT pg_catalog.jsonb_build_object(
               'customer_id', m.customer_id, 'customer_name', m.name, 'customer_ref', m.external_ref,
               'kind', m.kind, 'scenario_id', m.scenario_id, 'step_id', m.step_id, 'step', m.step_name,
               'rung', m.rung, 'action_date', m.local_date, 'as_of', $2,
               'invoice_count', m.invoice_count, 'totals', m.totals, 'charges', m.charges,
               'totals_with_charges', m.totals_with_charges, 'coming_totals', m.coming_totals,
               'max_days_overdue', m.max_days, 'oldest_due_on', m.oldest_due_on,
               'promise_date', m.promise_date, 'plan_id', m.plan_id, 'instalment_no', m.instalment_no,
               'instalment_due_on', m.instalment_due_on, 'instalment_amount', m.instalment_amount,
               'instalment_currency', m.instalment_currency,
               'remaining', CASE WHEN m.kind = 'confirmation' THEN (
                   SELECT pg_catalog.jsonb_object_agg(r.currency, r.open_total) FROM (
                       SELECT i.currency, sum(i.amount - i.settled_amount) AS open_total
                         FROM dunning.invoice i
                        WHERE i.customer_id = COALESCE($3, m.customer_id) AND i.settled_amount < pg_catalog.abs(i.amount)
                        GROUP BY i.currency HAVING sum(i.amount - i.settled_amount) > 0) r) END,
               'invoices', m.invoices, 'pay_link', m.pay_link) AS payload OFFSET 0) pl
), rendered AS (
    SELECT d.customer_id, d.kind, d.scenario_id, d.step_id, d.step_name, d.offset_days, d.local_date, d.channel,
           d.recipient, COALESCE(d.template_language, d.customer_language) AS language, d.collector,
           dunning_internal.render_action(d.t_subject, d.payload, r.extra, 'text') AS subject,
           dunning_internal.render_action(d.t_body, d.payload, r.extra, d.mode) AS body,
           d.payload, d.plan_id, d.instalment_no,
           d.episode, d.from_step_id, d.level_step_id, d.level_offset, d.want, d.t_legal,
           d.last_notice_lost, d.last_notice_action_id, d.ended_on, d.passed_over
      FROM doc d
     CROSS JOIN LATERAL (
            -- rendering-only values, looked up before the payload's: the
            -- language the template is written in (amounts and dates follow it)
            SELECT pg_catalog.jsonb_build_object(
                       'language', COALESCE(d.template_language, d.customer_language),
                       'collector', d.collector, 'pay_link', COALESCE(d.pay_link, ''),
                       'table_header', pg_catalog.to_jsonb(d.table_header)) AS extra OFFSET 0) r
)
-- every action, with what the evaluation that made it decided; then every
-- evaluation without an action, with why it waits
SELECT r.customer_id, r.local_date, r.kind IN ('notice', 'pre_due'), r.scenario_id, r.episode, r.from_step_id,
       CASE WHEN r.kind NOT IN ('notice', 'pre_due') OR r.episode IN ('end', 'none', 'deferred') THEN NULL
            WHEN r.kind = 'notice' THEN r.step_id ELSE r.level_step_id END,
       CASE WHEN r.kind NOT IN ('notice', 'pre_due') OR r.episode IN ('end', 'none', 'deferred') THEN NULL
            WHEN r.kind = 'notice' THEN r.offset_days ELSE r.level_offset END,
       NULL, CASE WHEN r.kind = 'notice' THEN r.want ELSE r.kind END,
       COALESCE(r.kind = 'notice' AND r.t_legal, false),
       CASE WHEN r.kind = 'notice' AND r.want = 'renotice' AND r.last_notice_lost THEN r.last_notice_action_id END,
       r.kind, r.step_id, r.step_name, r.offset_days, r.channel, r.recipient, r.language, r.collector,
       r.subject, r.body, r.payload, r.plan_id, r.instalment_no, r.ended_on,
       CASE WHEN r.kind = 'notice' THEN r.passed_over END
  FROM rendered r
UNION ALL
SELECT d.customer_id, d.local_date, true, d.scenario_id, d.episode, d.from_step_id,
       CASE WHEN d.episode IN ('end', 'none', 'deferred') THEN NULL ELSE d.level_step_id END,
       CASE WHEN d.episode IN ('end', 'none', 'deferred') THEN NULL ELSE d.level_offset END,
       COALESCE(d.waits, CASE WHEN d.want IS NOT NULL THEN 'nothing to claim' END), NULL, false, NULL,
       NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, d.ended_on, NULL
  FROM e d
 -- a hashed subplan: the customers with a notice or a pre-due reminder
 WHERE d.customer_id NOT IN (SELECT it.customer_id FROM it)
$q$ USING evals, as_of, one, secret;
END
$fn$;
COMMENT ON FUNCTION dunning_internal.due_actions(timestamptz, bigint, bigint) IS
    'the evaluation of every customer due for it at as_of (episode, level, why it waits) with its notice or pre-due reminder, plus the payment confirmations and instalment reminders due, rendered, with their items; one: that customer alone (Citus), started_before: the episodes opened that day so far (go-live pacing; NULL: counted) (internal: run and preview)';

-- On Citus the runner goes customer by customer (doc/scale-out.md), each
-- statement routed to the one shard that holds the customer.  The three
-- helpers below are the parts of that walk, shared by run and preview.
--
-- The workers plan each statement with their own settings: JIT would
-- compile each one for seconds (the runner's queries are large).  Citus
-- sends a SET LOCAL to the workers with the BEGIN of each remote
-- transaction block, and a read-only statement outside BEGIN ... COMMIT
-- goes without one: the locking read opens the distributed transaction
-- (the settings row, FOR KEY SHARE: it stops nothing but its deletion).
CREATE OR REPLACE FUNCTION dunning_internal.begin_customer_walk() RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    SET LOCAL citus.propagate_set_commands = 'local';
    SET LOCAL jit = off;
    PERFORM FROM dunning.setting s FOR KEY SHARE;
END
$fn$;
COMMENT ON FUNCTION dunning_internal.begin_customer_walk() IS
    'on Citus: makes the workers plan the runner''s statements without JIT for the rest of the transaction, opened by a locking read (internal: run and preview)';
-- The order of the walk: the go-live pacing takes the customers oldest
-- overdue item first (a single node ranks by days overdue of the items it
-- duns; the two differ only for items under dispute, promise or plan).
CREATE OR REPLACE FUNCTION dunning_internal.customers_oldest_overdue_first() RETURNS SETOF bigint
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp
AS $fn$
    SELECT c.customer_id FROM dunning.customer c
      LEFT JOIN (SELECT i.customer_id, min(i.due_on) AS oldest_due_on FROM dunning.invoice i
                  WHERE i.amount > 0 AND i.settled_amount < i.amount GROUP BY i.customer_id) o
        ON o.customer_id = c.customer_id
     ORDER BY o.oldest_due_on NULLS LAST, c.customer_id
$fn$;
COMMENT ON FUNCTION dunning_internal.customers_oldest_overdue_first() IS
    'every customer, the one whose oldest unpaid invoice fell due first at the head, those with none last (internal: the runner''s walk on Citus)';
-- The go-live pacing carries the count of episodes opened from one customer
-- to the next.
CREATE OR REPLACE FUNCTION dunning_internal.episodes_opened(due dunning_internal.due_action[]) RETURNS bigint
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp
AS $fn$
    SELECT count(*) FROM pg_catalog.unnest(due) d WHERE d.evaluated AND d.episode IN ('start', 'restart')
$fn$;
COMMENT ON FUNCTION dunning_internal.episodes_opened(dunning_internal.due_action[]) IS
    'how many of the given due rows open a dunning episode (internal: the go-live pacing of the runner''s walk on Citus)';
CREATE OR REPLACE FUNCTION dunning_internal.due_actions_by_customer(as_of timestamptz)
RETURNS SETOF dunning_internal.due_action
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    one bigint;
    started bigint;
    due dunning_internal.due_action[];
BEGIN
    PERFORM dunning_internal.begin_customer_walk();
    started := dunning_internal.episodes_opened_on((as_of AT TIME ZONE 'UTC')::date);
    FOR one IN SELECT * FROM dunning_internal.customers_oldest_overdue_first() LOOP
        due := ARRAY(SELECT d FROM dunning_internal.due_actions(as_of, one, started) d);
        RETURN QUERY SELECT * FROM pg_catalog.unnest(due);
        started := started + dunning_internal.episodes_opened(due);
    END LOOP;
END
$fn$;
COMMENT ON FUNCTION dunning_internal.due_actions_by_customer(timestamptz) IS
    'on Citus: dunning_internal.due_actions of every customer, one customer at a time (each statement on one shard), the go-live pacing carried from one to the next (internal: preview)';

-----------------------------------------------------------------------------
-- The runner
-----------------------------------------------------------------------------
-- The runner's statements join a dozen tables of the extension.  A table
-- with rows that has never been analyzed has no statistics: the planner
-- takes 200 distinct values per column, the estimates of the joins multiply
-- (65 million rows for 300 customers, measured) and each hash table is sized
-- for them, so a day's run took seconds instead of milliseconds.  Autovacuum
-- analyzes a table once enough rows changed, but only after the writing
-- sessions report their counts: a session that runs day after day without
-- going idle (a procedure, a simulation, a go-live replay) never does.  So
-- the runner analyzes such tables itself, once: those with pages but no
-- rows counted by any ANALYZE or VACUUM (reltuples < 1).  An empty table
-- costs nothing; on Citus the coordinator's tables are empty shells.
CREATE OR REPLACE FUNCTION dunning_internal.analyze_unanalyzed_tables() RETURNS integer
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    t regclass;
    analyzed integer := 0;
BEGIN
    FOR t IN SELECT c.oid FROM pg_class c
              WHERE c.relnamespace IN ('dunning'::regnamespace, 'dunning_internal'::regnamespace)
                AND c.relkind IN ('r', 'm') AND c.reltuples < 1
                AND pg_relation_size(c.oid) > 0
              ORDER BY c.oid LOOP
        EXECUTE format('ANALYZE %s', t);
        analyzed := analyzed + 1;
    END LOOP;
    RETURN analyzed;
END
$fn$;
COMMENT ON FUNCTION dunning_internal.analyze_unanalyzed_tables() IS
    'analyzes the tables of the extension that hold pages but were never counted by ANALYZE or VACUUM (pg_class.reltuples < 1); returns how many (internal: run, before it plans)';

-- The run's writing without per-row foreign-key checks.  A first run
-- writes about ten items per notice, each with two foreign keys (to its
-- action and to its invoice) that PostgreSQL checks with a query and a
-- FOR KEY SHARE lock per row; the actions, states, legal cases and level
-- log name their customer the same way.  Every one of those keys holds by
-- construction (the actions are the statement's own, the invoices and
-- customers the rows it just read) except against one thing: another
-- session deleting, or changing the key of, an invoice or a customer the
-- run has read, between that read and the run's commit, which the row lock
-- would have made wait.  Here a lock on the run's side replaces the row
-- locks: every delete or key change of an invoice or a customer takes the
-- advisory lock run_references shared, until its transaction ends (the
-- triggers below, enabled ALWAYS so that replica mode and pg_restore take it
-- too), and the run writes unchecked only once it holds that lock
-- exclusively, taken without waiting (when a delete is in flight, the run
-- writes checked instead; a delete that comes while the run holds it waits
-- for the run's commit, then fails on the foreign key, as it would have).
-- The run's statements read after taking it (READ COMMITTED: each takes
-- its snapshot then; a REPEATABLE READ snapshot may be older, so that run
-- writes checked), so what it read no one can have deleted by its commit.
-- doc/dunning.md, "The items' integrity checks".
CREATE OR REPLACE FUNCTION dunning_internal.references_wait_for_run() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    PERFORM pg_catalog.pg_advisory_xact_lock_shared(dunning_internal.lock_key('run_references'));
    RETURN NULL;
END
$fn$;
COMMENT ON FUNCTION dunning_internal.references_wait_for_run() IS
    'trigger: a delete or key change of invoices or customers takes the advisory lock run_references shared until its transaction ends, so it waits for a run writing without per-row foreign-key checks, and such a run does not start while it is in flight (internal)';
CREATE OR REPLACE TRIGGER invoice_references_wait_for_run BEFORE DELETE OR UPDATE OF customer_id, invoice_id ON dunning.invoice
    FOR EACH STATEMENT EXECUTE FUNCTION dunning_internal.references_wait_for_run();
ALTER TABLE dunning.invoice ENABLE ALWAYS TRIGGER invoice_references_wait_for_run;
CREATE OR REPLACE TRIGGER customer_references_wait_for_run BEFORE DELETE OR UPDATE OF customer_id ON dunning.customer
    FOR EACH STATEMENT EXECUTE FUNCTION dunning_internal.references_wait_for_run();
ALTER TABLE dunning.customer ENABLE ALWAYS TRIGGER customer_references_wait_for_run;

-- Whether this run may write without the per-row checks: a single node, a
-- superuser running it (the owner of run(): only a superuser sets
-- session_replication_role), READ COMMITTED, and no trigger or rule on the
-- tables it writes that replica mode would change (a trigger a DBA added to
-- dunning.action must fire).  The caller then takes run_references
-- without waiting.
CREATE OR REPLACE FUNCTION dunning_internal.trusted_run_write_possible() RETURNS boolean
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp
AS $fn$
    SELECT pg_catalog.current_setting('transaction_isolation') = 'read committed'
       AND dunning_internal.replica_mode_writing_possible(
               ARRAY['dunning.action', 'dunning.action_item', 'dunning.legal_case', 'dunning.customer_dunning',
                     'dunning.level_change', 'dunning.payment_plan_instalment']::regclass[],
               4 | 16,                                 -- inserts, and updates (states, instalments)
               '{}'::name[],
               ARRAY['action_customer_id_fkey', 'action_item_action_fkey', 'action_item_invoice_fkey',
                     'customer_dunning_customer_id_fkey', 'level_change_customer_id_fkey',
                     'legal_case_customer_id_fkey', 'payment_plan_instalment_customer_id_plan_id_fkey']::name[]);
$fn$;
COMMENT ON FUNCTION dunning_internal.trusted_run_write_possible() IS
    'whether run() may write its actions, items, states and log without per-row foreign-key checks (session_replication_role = replica, once it holds the advisory lock run_references): a single node, run by a superuser, READ COMMITTED, and no trigger or rule on the tables it writes that replica mode would skip or add (internal)';

-- One run at a time (advisory transaction lock, pg_partman's pattern): a
-- second concurrent run waits, then finds the customers evaluated for the
-- day and creates nothing twice; the unique keys are the last line of
-- defence.  One statement evaluates and applies: actions and their items,
-- the customers' state, legal cases, the instalments reminded, the level log.
CREATE OR REPLACE FUNCTION dunning.run(as_of timestamptz DEFAULT pg_catalog.now()) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET jit = off
    -- the day's actions are held once in memory (about 6 kB each), not spilled
    SET work_mem = '256MB'
AS $fn$
DECLARE
    created integer := 0;
    made_now integer;
    one bigint;
    due dunning_internal.due_action[];
    -- on Citus, the episodes opened that day so far (go-live pacing)
    started bigint;
    -- the statement that applies what is due (from $3 on Citus, see below)
    apply_due text;
    -- whether it writes without per-row foreign-key checks (above)
    trusted boolean;
    role_before text;
BEGIN
    IF as_of IS NULL THEN
        RAISE EXCEPTION 'dunning.run needs an as_of instant' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF NOT (as_of > '-infinity' AND as_of < 'infinity') THEN
        RAISE EXCEPTION 'as_of must be finite, got %', as_of USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- one run at a time, in every database of the cluster separately
    -- (advisory locks are per database; the keys: src/lock_keys.c)
    PERFORM pg_advisory_xact_lock(dunning_internal.lock_key('run'));
    PERFORM dunning_internal.analyze_unanalyzed_tables();
    PERFORM dunning.refresh_promises(as_of);
    PERFORM dunning_internal.refresh_payment_plans(as_of);
    -- every unsent action at the day's first run, then those listing what was settled since
    PERFORM dunning_internal.cancel_paid_actions_of_run(as_of);

    -- $1 as_of, $2 the customer (NULL: every customer), $3 its due rows
    apply_due := $q$
    WITH d AS MATERIALIZED (
        SELECT * FROM %s
    ), ins AS (
        INSERT INTO dunning.action AS a (customer_id, kind, replaces_action_id, scenario_id, step_id, step_name,
                                         offset_days, action_date, channel, recipient, language, collector,
                                         subject, body, payload, status, last_error, as_of)
        SELECT d.customer_id, d.kind, d.replaces_action_id, d.scenario_id, d.step_id, d.step_name, d.offset_days,
               d.action_date, d.channel, d.recipient, d.language, d.collector, d.subject, d.body, d.payload,
               CASE WHEN d.body IS NULL THEN 'failed' ELSE 'queued' END,
               CASE WHEN d.body IS NULL THEN 'no template ' || d.step_name || ' for language ' || d.language END,
               $1
          FROM d
         WHERE d.kind IS NOT NULL
        ON CONFLICT ON CONSTRAINT action_once_per_customer_kind_day DO NOTHING
        RETURNING a.customer_id, a.kind, a.action_id, a.channel, a.step_id, a.offset_days,
                  a.payload->'invoices' AS invoices,
                  -- a notice's items not yet overdue are apart from its
                  -- totals (phase 2 added them up): it folds items coming due in
                  pg_catalog.jsonb_typeof(a.payload->'coming_totals') = 'object' AS folds_coming
    ), items AS (
        -- the items come back with the inserted rows: no join of the two sets
        INSERT INTO dunning.action_item (customer_id, action_id, invoice_id, step_id, offset_days, currency,
                                         open_amount, days_overdue, interest, compensation)
        SELECT ins.customer_id, ins.action_id, (e->>'invoice_id')::bigint, ins.step_id, ins.offset_days,
               e->>'currency', (e->>'open_amount')::numeric, (e->>'days_overdue')::integer,
               (e->>'interest')::numeric, (e->>'compensation')::numeric
          FROM ins CROSS JOIN LATERAL pg_catalog.jsonb_array_elements(ins.invoices) e
    ), made AS MATERIALIZED (
        SELECT ins.customer_id, ins.kind, ins.action_id,
               dunning_internal.is_contact(ins.channel) AS contact,
               ins.folds_coming
          FROM ins
    ), lc AS (
        -- the legal rung's notice opens a legal case
        INSERT INTO dunning.legal_case (customer_id, opened_on, action_id)
        SELECT d.customer_id, d.action_date, m.action_id
          FROM d JOIN made m ON m.customer_id = d.customer_id AND m.kind = 'notice'
         WHERE d.opens_legal
        ON CONFLICT DO NOTHING
        RETURNING customer_id, case_id
    ), st AS (
        INSERT INTO dunning.customer_dunning AS s (
               customer_id, scenario_id, episode_started_on, level_step_id, level_offset, level_on,
               last_notice_action_id, last_notice_on, last_pre_due_on, last_contact_on, recent_contacts,
               legal_case_id, evaluated_on, waits_for, updated_at)
        SELECT d.customer_id, d.scenario_id,
               CASE WHEN d.episode IN ('start', 'restart') THEN d.action_date
                    WHEN d.episode = 'open' THEN x.episode_started_on END,
               d.level_step_id, d.level_offset,
               CASE WHEN n.action_id IS NOT NULL AND d.event = 'climb' THEN d.action_date
                    WHEN d.episode = 'open' THEN x.level_on END,
               CASE WHEN n.action_id IS NOT NULL THEN n.action_id
                    WHEN d.episode = 'open' THEN x.last_notice_action_id END,
               CASE WHEN n.action_id IS NOT NULL THEN d.action_date WHEN d.episode = 'open' THEN x.last_notice_on END,
               CASE WHEN p.action_id IS NOT NULL OR n.folds_coming THEN d.action_date ELSE x.last_pre_due_on END,
               CASE WHEN c.contacts > 0 THEN d.action_date ELSE x.last_contact_on END,
               ARRAY(SELECT y FROM pg_catalog.unnest(x.recent_contacts) y WHERE y > d.action_date - 7)
               || CASE WHEN c.contacts > 0 THEN ARRAY[d.action_date] ELSE '{}'::date[] END,
               COALESCE(x.legal_case_id, l.case_id),
               CASE WHEN d.waits_for = 'send time' THEN x.evaluated_on ELSE d.action_date END,
               d.waits_for, pg_catalog.now()
          FROM d
          LEFT JOIN dunning.customer_dunning x ON x.customer_id = d.customer_id AND ($2 IS NULL OR x.customer_id = $2)
          LEFT JOIN made n ON n.customer_id = d.customer_id AND n.kind = 'notice'
          LEFT JOIN made p ON p.customer_id = d.customer_id AND p.kind = 'pre_due'
          LEFT JOIN lc l ON l.customer_id = d.customer_id
          -- the contacts of the day (a notice, reminder or instalment reminder by e-mail, SMS, letter or legal)
          LEFT JOIN (SELECT mm.customer_id, count(*) FILTER (WHERE mm.contact) AS contacts
                       FROM made mm WHERE mm.kind <> 'confirmation' GROUP BY mm.customer_id) c
                 ON c.customer_id = d.customer_id
         WHERE d.evaluated
        ON CONFLICT (customer_id) DO UPDATE
           SET scenario_id = EXCLUDED.scenario_id, episode_started_on = EXCLUDED.episode_started_on,
               level_step_id = EXCLUDED.level_step_id, level_offset = EXCLUDED.level_offset,
               level_on = EXCLUDED.level_on, last_notice_action_id = EXCLUDED.last_notice_action_id,
               last_notice_on = EXCLUDED.last_notice_on, last_pre_due_on = EXCLUDED.last_pre_due_on,
               last_contact_on = EXCLUDED.last_contact_on, recent_contacts = EXCLUDED.recent_contacts,
               legal_case_id = EXCLUDED.legal_case_id, evaluated_on = EXCLUDED.evaluated_on,
               waits_for = EXCLUDED.waits_for, updated_at = EXCLUDED.updated_at
    ), inst AS (
        UPDATE dunning.payment_plan_instalment k
           SET reminded_on = d.action_date
          FROM d JOIN made m ON m.customer_id = d.customer_id AND m.kind = 'instalment'
         WHERE d.kind = 'instalment' AND k.customer_id = d.customer_id AND ($2 IS NULL OR k.customer_id = $2)
           AND k.plan_id = d.plan_id
           AND k.instalment_no = d.instalment_no
    ), log AS (
        INSERT INTO dunning.level_change (customer_id, changed_on, event, from_step_id, to_step_id, action_id, reason)
        SELECT d.customer_id, e.day, e.event, e.from_step, e.to_step, e.action_id, e.reason
          FROM d
          LEFT JOIN made n ON n.customer_id = d.customer_id AND n.kind = 'notice'
         CROSS JOIN LATERAL (VALUES
                -- a restart: the episode ended on a day no evaluation saw
                (CASE WHEN d.episode = 'restart' THEN 'episode_end' END, d.from_step_id, NULL::bigint,
                 NULL::bigint, 'nothing was overdue that day (seen later: settled by then, booked since)',
                 d.ended_on),
                (CASE WHEN d.episode IN ('start', 'restart') THEN 'episode_start' END, NULL, NULL, NULL,
                 'an item fell overdue', d.action_date),
                (CASE WHEN n.action_id IS NOT NULL AND d.event = 'climb' THEN 'climb'
                      WHEN n.action_id IS NOT NULL THEN 'renotice' END,
                 d.from_step_id, d.level_step_id, n.action_id,
                 CASE WHEN d.event = 'climb' AND d.passed_over IS NOT NULL
                      THEN 'an item reached the rung; passed over ' || d.passed_over
                           || ' (no currency at its minimum overdue amount)'
                      WHEN d.event = 'climb' THEN 'an item reached the next rung'
                      WHEN d.event = 'warn' THEN 'in writing first: no item that reached the next rung, a formal one, has been in a written notice'
                      WHEN d.replaces_action_id IS NOT NULL THEN 'the last notice''s delivery failed for good'
                      ELSE 'items fell overdue since the last notice' END, d.action_date),
                (CASE WHEN n.action_id IS NOT NULL AND d.opens_legal THEN 'legal_open' END,
                 d.level_step_id, d.level_step_id, n.action_id,
                 'legal escalation: automation stops until the case is closed', d.action_date),
                (CASE WHEN d.episode = 'end' THEN 'episode_end' END, d.from_step_id, NULL, NULL,
                 'nothing overdue any more', d.action_date)) AS e (event, from_step, to_step, action_id, reason, day)
         WHERE d.evaluated AND e.event IS NOT NULL
    )
    SELECT count(*) FROM made
    $q$;
    IF NOT dunning_internal.ledger_distributed() THEN
        -- (the lock is tried last: it is taken only for the trusted writing)
        trusted := dunning_internal.trusted_run_write_possible()
                   AND pg_catalog.pg_try_advisory_xact_lock(dunning_internal.lock_key('run_references'));
        IF trusted THEN
            role_before := pg_catalog.current_setting('session_replication_role');
            PERFORM pg_catalog.set_config('session_replication_role', 'replica', true);
        END IF;
        EXECUTE format(apply_due, 'dunning_internal.due_actions($1)') INTO created
            USING as_of, NULL::bigint, NULL::dunning_internal.due_action[];
        IF trusted THEN
            PERFORM pg_catalog.set_config('session_replication_role', role_before, true);
        END IF;
    ELSE
        -- On Citus each customer's due rows are computed and applied before
        -- the next customer's: every statement names its customer
        -- (customer_id = one) and goes to the one shard that holds it, and
        -- one customer's actions at a time are held.
        PERFORM dunning_internal.begin_customer_walk();
        started := dunning_internal.episodes_opened_on((as_of AT TIME ZONE 'UTC')::date);
        FOR one IN SELECT * FROM dunning_internal.customers_oldest_overdue_first() LOOP
            due := ARRAY(SELECT d FROM dunning_internal.due_actions(as_of, one, started) d);
            -- (not due for its evaluation, nothing to confirm or remind)
            CONTINUE WHEN pg_catalog.cardinality(due) = 0;
            EXECUTE format(apply_due, 'pg_catalog.unnest($3)') INTO made_now USING as_of, one, due;
            created := created + made_now;
            started := started + dunning_internal.episodes_opened(due);
        END LOOP;
    END IF;
    -- Nothing made, and in no customer's time zone has the earliest send
    -- time of any scenario come: say so (a run scheduled before it
    -- evaluates nobody).  (Uncorrelated, so that Citus plans it.)
    IF created = 0 AND EXISTS (SELECT 1 FROM dunning.customer)
       AND NOT EXISTS (SELECT 1 FROM dunning.customer c
                        WHERE (as_of AT TIME ZONE c.timezone)::time
                              >= (SELECT min(st.send_time) FROM dunning.scenario_step st)) THEN
        RAISE NOTICE 'dunning.run: no customer is due yet at %: a customer is evaluated once a day, at the first run after its scenario''s send time (local)', as_of
            USING HINT = 'Run later in the day (dunning.schedule() runs it every 15 minutes), or see scenario_step.send_time.';
    END IF;

    -- The next run looks actions up per customer and per invoice: after a
    -- big batch, fresh statistics keep those look-ups on the indexes.
    IF created >= 1000 THEN
        -- the columns those look-ups filter on (payload and bodies are
        -- large and never filtered on: sampling them costs seconds)
        ANALYZE dunning.action (customer_id, kind, step_id, action_date, status, channel),
                dunning.action_item (customer_id, action_id, invoice_id),
                dunning.customer_dunning;
    END IF;
    -- the NOTIFY (channel and action ids) comes from the trigger action_notify
    RETURN created;
END
$fn$;
COMMENT ON FUNCTION dunning.run(timestamptz) IS
    'evaluates every customer due for its daily evaluation at as_of and creates the notices, pre-due reminders, payment confirmations and instalment reminders due (once: a second or concurrent run creates nothing twice); keeps each customer''s episode and level (dunning.customer_ladder), logs level changes, opens legal cases, refreshes promises and payment plans, cancels unsent actions whose items are paid, NOTIFYs the notify channel; returns the number of actions created';

CREATE OR REPLACE FUNCTION dunning.preview(as_of timestamptz DEFAULT pg_catalog.now())
RETURNS TABLE (customer_id bigint, step_id bigint, step_name text, action_date date, channel text,
               recipient text, language text, invoice_count integer, totals jsonb, subject text, body text,
               payload jsonb)
    -- (volatile: on Citus it sets what the workers plan with, for the transaction)
    LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET jit = off
AS $fn$
    SELECT d.customer_id, d.step_id, d.step_name, d.action_date, d.channel, d.recipient, d.language,
           pg_catalog.jsonb_array_length(d.payload->'invoices'), d.payload->'totals', d.subject, d.body, d.payload
      FROM (SELECT * FROM dunning_internal.due_actions(as_of) WHERE NOT dunning_internal.ledger_distributed()
            UNION ALL
            SELECT * FROM dunning_internal.due_actions_by_customer(as_of) WHERE dunning_internal.ledger_distributed()) d
      -- (what a run made that day is not due again: a customer is evaluated
      -- once a day, a confirmation made once a day, an instalment reminded once)
     WHERE d.kind IS NOT NULL
       -- an infinite instant: 22023, as run() (doc/errors.md; date_trunc
       -- refuses a unit naming the fault, before anything is read)
       AND pg_catalog.date_trunc(CASE WHEN pg_catalog.isfinite(preview.as_of) OR preview.as_of IS NULL THEN 'day'
                                      ELSE 'as_of must be finite' END, TIMESTAMP '2000-01-01') IS NOT NULL
     ORDER BY d.customer_id, d.kind
$fn$;
COMMENT ON FUNCTION dunning.preview(timestamptz) IS
    'the actions dunning.run(as_of) would create, without writing anything (the payment-link key aside, made on first use)';

-- Privileges of the objects above (PUBLIC has none: security.sql).
GRANT EXECUTE ON FUNCTION dunning.preview(timestamptz)
    TO dunning_collector;
GRANT EXECUTE ON FUNCTION dunning.run(timestamptz)
    TO dunning_admin;
