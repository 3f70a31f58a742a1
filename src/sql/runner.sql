-- @code

-----------------------------------------------------------------------------
-- What is due: shared by run() (writes) and preview() (does not)
-----------------------------------------------------------------------------
-- The step an item takes now (src/runner.c): of its scenario's steps, the
-- one with the highest offset that the item reached (due_on + offset_days
-- <= local date, pre-due steps only before the due date, send_time <= local
-- time, min_days_overdue, min_overdue_amount against the customer's overdue
-- total in the item currency) and that lies beyond how far it went
-- (last_offset).  Steps are read once per query.
CREATE OR REPLACE FUNCTION dunning.pick_step(scenario_id bigint, days_overdue integer, last_offset integer,
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
CREATE OR REPLACE FUNCTION dunning.due_actions(as_of timestamptz)
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
CREATE OR REPLACE FUNCTION dunning.run(as_of timestamptz DEFAULT pg_catalog.now()) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET jit = off
AS $fn$
DECLARE
    created integer;
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
    -- the NOTIFY (channel and action ids) comes from the trigger action_notify
    RETURN created;
END
$fn$;
COMMENT ON FUNCTION dunning.run(timestamptz) IS
    'creates every dunning action due at as_of (once: a second or concurrent run creates nothing twice), refreshes promises, cancels unsent actions whose items are paid, NOTIFYs the notify channel; returns the number of actions created';
CREATE OR REPLACE FUNCTION dunning.preview(as_of timestamptz DEFAULT pg_catalog.now())
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

-- When an invoice was paid: the latest date among what settled it
-- (payments' received_on, credit notes' issued_on, write-offs' day).
CREATE OR REPLACE VIEW dunning.step_effectiveness AS
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

-- Privileges of the objects above (PUBLIC has none: security.sql).
GRANT SELECT ON dunning.step_effectiveness
    TO dunning_analyst;
GRANT EXECUTE ON FUNCTION dunning.preview(timestamptz)
    TO dunning_collector;
GRANT EXECUTE ON FUNCTION dunning.run(timestamptz)
    TO dunning_admin;
