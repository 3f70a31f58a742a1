-- @schema
-----------------------------------------------------------------------------
-- Cash forecast and step effectiveness (doc/kpi.md, "Cash forecast")
-----------------------------------------------------------------------------
-- The forecast's assumptions a treasurer may change: at most one row; a
-- NULL column means the default (written in each column's comment).
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
-- @code
COMMENT ON TABLE dunning.forecast_setting IS
    'assumptions of the cash forecast: at most one row; a NULL column means the default (doc/kpi.md, "Cash forecast")';
COMMENT ON COLUMN dunning.forecast_setting.id IS 'always true: the table holds at most one row';
COMMENT ON COLUMN dunning.forecast_setting.history_days IS 'payment history learned from: invoices due in this many days before the forecast day (default 730)';
COMMENT ON COLUMN dunning.forecast_setting.half_life_days IS 'recency: an invoice due this many days earlier weighs half as much (default 365)';
COMMENT ON COLUMN dunning.forecast_setting.credibility IS 'weight of the currency''s pool against a customer''s own history: the customer''s share is n / (n + credibility), n its recency-weighted invoices still comparable (default 5)';
COMMENT ON COLUMN dunning.forecast_setting.legal_collection_rate IS 'share of the open amount of a customer at legal expected to be collected (default 0.30)';
COMMENT ON COLUMN dunning.forecast_setting.legal_collection_weeks IS 'weeks over which that share is expected, in equal parts (default 26)';

-----------------------------------------------------------------------------
-- Point in time: each invoice's state at the end of a day
-----------------------------------------------------------------------------
-- Like dunning.open_items_as_of (doc/kpi.md, "Time"), for every invoice
-- issued by as_of, open or not: its open amount, the cash applied and the
-- latest settlement date, all counting only settlements dated by as_of.
-- SQL, no STRICT and no SET (every name qualified), so that it is inlined
-- into the queries that call it (a customer filter reaches the indexes).
CREATE OR REPLACE FUNCTION dunning.invoice_state_as_of(as_of date)
RETURNS TABLE (invoice_id bigint, customer_id bigint, currency char(3), issued_on date, due_on date,
               amount numeric, open_amount numeric, cash_applied numeric, last_settled_on date)
    LANGUAGE sql STABLE PARALLEL SAFE
AS $fn$
    SELECT i.invoice_id, i.customer_id, i.currency, i.issued_on, i.due_on, i.amount,
           i.amount - COALESCE(y.applied, 0) + COALESCE(s.change, 0),
           COALESCE(y.applied, 0),
           GREATEST(y.received_on, s.settled_on, i.issued_on)
      FROM dunning.invoice i
      LEFT JOIN (SELECT a.customer_id, a.invoice_id, pg_catalog.sum(a.amount) AS applied,
                        pg_catalog.max(p.received_on) AS received_on
                   FROM dunning.allocation a
                   JOIN dunning.payment p ON p.customer_id = a.customer_id AND p.payment_id = a.payment_id
                  WHERE a.payment_id IS NOT NULL AND p.received_on <= invoice_state_as_of.as_of
                  GROUP BY a.customer_id, a.invoice_id) y ON y.customer_id = i.customer_id AND y.invoice_id = i.invoice_id
      LEFT JOIN (SELECT x.customer_id, x.invoice_id, pg_catalog.sum(x.open_change) AS change,
                        pg_catalog.max(x.settled_on) AS settled_on
                   FROM dunning.settlement x
                  WHERE (x.kind = 'credit_note' OR x.kind = 'write_off')
                    AND x.settled_on <= invoice_state_as_of.as_of
                  GROUP BY x.customer_id, x.invoice_id) s ON s.customer_id = i.customer_id AND s.invoice_id = i.invoice_id
     WHERE i.amount > 0 AND i.issued_on <= invoice_state_as_of.as_of
       -- an infinite day: 22023, as everywhere (doc/errors.md); SQL that stays
       -- inlinable cannot RAISE, so date_trunc refuses a unit naming the fault
       AND pg_catalog.date_trunc(CASE WHEN pg_catalog.isfinite(invoice_state_as_of.as_of) OR invoice_state_as_of.as_of IS NULL THEN 'day'
                                      ELSE 'as_of must be a finite day' END, TIMESTAMP '2000-01-01') IS NOT NULL;
$fn$;
COMMENT ON FUNCTION dunning.invoice_state_as_of(date) IS
    'every invoice issued by as_of, open or settled, as it stood at the end of that day: its open amount, the cash applied and its latest settlement date, counting only the payments received and the credit notes and write-offs dated by as_of';

-----------------------------------------------------------------------------
-- The forecast per item and week
-----------------------------------------------------------------------------
-- Made at the end of as_of: the invoices open then, weeks from as_of + 1
-- (week 1: as_of + 1 .. as_of + 7), behaviour learned from the settlements
-- dated by as_of, disputes, legal cases, promises and plans as they stood.
-- Today's views are this function at today: week 1 starts tomorrow.
--
-- The model (doc/kpi.md): an invoice's *delay* is its exit day minus its
-- due date; history is every invoice due in the last history_days, weighted
-- 0.5^(age / half_life); an invoice settled by as_of exits at its delay
-- (cash for the share of it settled by cash), one still open is censored
-- at its age.  Kaplan-Meier then gives, per customer and per currency (the
-- pool; disputed invoices have a pool of their own), the survival S(t) and
-- the cumulative cash incidence F(t).  An open item of age a is known to
-- survive a, so its cash in week k is (F(a + 7k) - F(a + 7k - 7)) / S(a);
-- the customer's curve and the pool's are mixed with the customer's
-- credibility n / (n + credibility), n = the weight of its history beyond
-- age a.  Promises, payment plans and legal cases replace the model for
-- what they cover.
--
-- Like every *_as_of function: SQL, no STRICT and no SET, every name
-- qualified and public, so that it is inlined into the calling query and
-- runs with the caller's rights and settings.  A customer filter does not
-- make it much cheaper (every customer's history makes the pools), but a
-- session reading the whole book pays for JIT: doc/kpi.md, "Cost".
-- A curve is a step function kept as two sorted arrays (the delays ts and
-- the values): its value at x is that of the last delay <= x, 0 before the
-- first (width_bucket's binary search).
CREATE OR REPLACE FUNCTION dunning.cash_forecast_item_as_of(as_of date)
RETURNS TABLE (invoice_id bigint, customer_id bigint, currency char(3), due_on date, open_amount numeric,
               basis text, own_weight numeric, week integer, week_start date, week_end date,
               probability numeric, expected_amount numeric)
    LANGUAGE sql STABLE PARALLEL SAFE
AS $fn$
    WITH prm AS (
        SELECT COALESCE(s.history_days, 730) AS history_days,
               COALESCE(s.half_life_days, 365)::float8 AS half_life,
               COALESCE(s.credibility, 5)::float8 AS credibility,
               COALESCE(s.legal_collection_rate, 0.30) AS legal_rate,
               COALESCE(s.legal_collection_weeks, 26) AS legal_weeks
          FROM (SELECT) AS one
          LEFT JOIN (SELECT s.* FROM dunning.forecast_setting s LIMIT 1) s ON true
    ), st AS (
        -- the disputes joined, not looked up per row (Citus plans no
        -- correlated subquery next to a function's rows)
        SELECT v.*, dd.invoice_id IS NOT NULL AS disputed
          FROM dunning.invoice_state_as_of(cash_forecast_item_as_of.as_of) v
          LEFT JOIN (SELECT DISTINCT d.customer_id, d.invoice_id FROM dunning.dispute d
                      WHERE d.opened_on <= cash_forecast_item_as_of.as_of) dd
            ON dd.customer_id = v.customer_id AND dd.invoice_id = v.invoice_id
    ), obs AS (
        -- history: an invoice settled by as_of exits at its delay, the cash
        -- share of it as cash; one still open is censored at its age
        SELECT s.customer_id, s.disputed,
               CASE WHEN s.disputed THEN '' ELSE s.currency END AS pool,
               CASE WHEN s.open_amount = 0 THEN s.last_settled_on - s.due_on
                    ELSE cash_forecast_item_as_of.as_of - s.due_on END AS t,
               r.r AS n,
               CASE WHEN s.open_amount = 0 OR cash_forecast_item_as_of.as_of - s.due_on > 0 THEN r.r ELSE 0 END AS c,
               CASE WHEN s.open_amount = 0 THEN r.r END AS e,
               CASE WHEN s.open_amount = 0 THEN r.r * (LEAST(s.cash_applied, s.amount) / s.amount)::float8 END AS ec
          FROM st s
         CROSS JOIN prm
         CROSS JOIN LATERAL (
               SELECT pg_catalog.power(0.5::float8,
                                       GREATEST(cash_forecast_item_as_of.as_of - s.due_on, 0) / prm.half_life) AS r) r
         WHERE s.due_on >= cash_forecast_item_as_of.as_of - prm.history_days
    ), grp AS (
        -- per curve and delay: a customer's undisputed history (customer_id
        -- set), the pool of a currency or of disputed invoices (pool set)
        SELECT o.customer_id, NULL::text AS pool, o.t, pg_catalog.sum(o.n) AS n, pg_catalog.sum(o.c) AS c,
               pg_catalog.sum(o.e) AS e, pg_catalog.sum(o.ec) AS ec
          FROM obs o
         WHERE NOT o.disputed
         GROUP BY o.customer_id, o.t
        UNION ALL
        SELECT NULL, o.pool, o.t, pg_catalog.sum(o.n), pg_catalog.sum(o.c), pg_catalog.sum(o.e), pg_catalog.sum(o.ec)
          FROM obs o
         GROUP BY o.pool, o.t
    ), haz AS (
        -- Kaplan-Meier: at risk at t = the weight of what exits or is
        -- censored at t or later; log(1 - exits / at risk), cash exits / at risk
        SELECT g.customer_id, g.pool, g.t, g.c,
               pg_catalog.ln(GREATEST(1 - COALESCE(g.e, 0) / g.at_risk, 1e-12)) AS lg,
               COALESCE(g.ec, 0) / g.at_risk AS hc
          FROM (SELECT g.*, pg_catalog.sum(g.n) OVER (PARTITION BY g.customer_id, g.pool ORDER BY g.t DESC)
                                AS at_risk
                  FROM grp g) g
    ), cum AS (
        SELECT h.customer_id, h.pool, h.t, h.lg, h.hc,
               pg_catalog.sum(h.c) OVER w AS cum_c, pg_catalog.sum(h.lg) OVER w AS log_s
          FROM haz h
        WINDOW w AS (PARTITION BY h.customer_id, h.pool ORDER BY h.t ROWS UNBOUNDED PRECEDING)
    ), curve AS (
        -- step functions of the delay: log S(t), F(t) (cash incidence:
        -- the sum of S(t-) * cash hazard), weight of the history up to t
        SELECT c.customer_id, c.pool,
               pg_catalog.array_agg(c.t ORDER BY c.t) AS ts,
               pg_catalog.array_agg(c.log_s ORDER BY c.t) AS log_s,
               pg_catalog.array_agg(c.cash ORDER BY c.t) AS cash,
               pg_catalog.array_agg(c.cum_c ORDER BY c.t) AS cum_c,
               pg_catalog.max(c.cum_c) AS c_total
          FROM (SELECT c.*,
                       pg_catalog.sum(pg_catalog.exp(GREATEST(c.log_s - c.lg, -700)) * c.hc)
                           OVER (PARTITION BY c.customer_id, c.pool ORDER BY c.t ROWS UNBOUNDED PRECEDING) AS cash
                  FROM cum c) c
         GROUP BY c.customer_id, c.pool
    ), item AS (
        -- the invoices open at the end of as_of
        SELECT s.invoice_id, s.customer_id, s.currency, s.due_on, s.open_amount
          FROM st s
         WHERE s.open_amount > 0
    ), open_dispute AS (
        SELECT DISTINCT d.customer_id, d.invoice_id
          FROM dunning.dispute d
         WHERE d.opened_on <= cash_forecast_item_as_of.as_of AND (d.resolved_on IS NULL OR d.resolved_on > cash_forecast_item_as_of.as_of)
    ), at_legal AS (
        SELECT DISTINCT l.customer_id
          FROM dunning.legal_case l
         WHERE l.opened_on <= cash_forecast_item_as_of.as_of AND (l.closed_on IS NULL OR l.closed_on > cash_forecast_item_as_of.as_of)
    ), kept_by_customer AS (
        -- how often promises and plans were kept (settled by as_of), per
        -- customer, then overall (customer_id NULL)
        SELECT x.what, x.customer_id,
               pg_catalog.count(*) FILTER (WHERE x.status = 'kept')::float8 AS kept,
               pg_catalog.count(*)::float8 AS n
          FROM (SELECT 'promise'::text AS what, p.customer_id, p.status
                  FROM dunning.promise p
                 WHERE p.status IN ('kept', 'broken') AND p.status_on <= cash_forecast_item_as_of.as_of
                UNION ALL
                SELECT 'plan', p.customer_id, p.status
                  FROM dunning.payment_plan p
                 WHERE p.status IN ('kept', 'broken') AND p.status_on <= cash_forecast_item_as_of.as_of) x
         GROUP BY x.what, x.customer_id
    ), kept AS (
        SELECT k.what, k.customer_id, k.kept, k.n FROM kept_by_customer k
        UNION ALL
        SELECT k.what, NULL, pg_catalog.sum(k.kept), pg_catalog.sum(k.n) FROM kept_by_customer k GROUP BY k.what
    ), promised AS (
        -- per item of an open promise dated after as_of: the share of its
        -- open amount promised (what is promised and not paid yet, over the
        -- promise's open items), and the day; the latest promise wins
        SELECT DISTINCT ON (x.invoice_id) x.invoice_id, x.customer_id, x.promised_on, x.share
          FROM (SELECT pr.promise_id, pr.customer_id, pr.promised_on, it.invoice_id,
                       LEAST(GREATEST(pr.amount - (pr.open_at_promise - pg_catalog.sum(it.open_amount) OVER wp), 0)
                             / pg_catalog.sum(it.open_amount) OVER wp, 1) AS share
                  FROM dunning.promise pr
                 CROSS JOIN LATERAL pg_catalog.unnest(pr.invoice_ids) AS u (invoice_id)
                  JOIN item it ON it.invoice_id = u.invoice_id AND it.customer_id = pr.customer_id
                 WHERE pr.promised_on > cash_forecast_item_as_of.as_of
                   AND pr.created_at::date <= cash_forecast_item_as_of.as_of
                   AND (pr.status = 'open' OR pr.status_on > cash_forecast_item_as_of.as_of)
                WINDOW wp AS (PARTITION BY pr.promise_id)) x
         ORDER BY x.invoice_id, x.promise_id DESC
    ), plan_item AS (
        -- items of a payment plan in force at as_of, with what the plan's
        -- items still owe and what they received since the agreement
        SELECT p.customer_id, p.plan_id, it.invoice_id,
               pg_catalog.sum(it.open_amount) OVER wp AS plan_open,
               p.open_at_agreement - pg_catalog.sum(it.open_amount) OVER wp AS paid
          FROM dunning.payment_plan p
          JOIN dunning.payment_plan_item pi ON pi.customer_id = p.customer_id AND pi.plan_id = p.plan_id
          JOIN item it ON it.customer_id = pi.customer_id AND it.invoice_id = pi.invoice_id
         WHERE p.agreed_on <= cash_forecast_item_as_of.as_of AND (p.status = 'active' OR p.status_on > cash_forecast_item_as_of.as_of)
        WINDOW wp AS (PARTITION BY p.customer_id, p.plan_id)
    ), plan_due AS (
        -- per plan and instalment: the share of the plan's open amount it
        -- still brings (the instalments' running total beyond what was
        -- paid, capped at what is open), on its day; missed ones now
        SELECT k.customer_id, k.plan_id, GREATEST(k.due_on, cash_forecast_item_as_of.as_of + 1) AS on_date,
               (LEAST(k.cum_still, k.plan_open) - LEAST(k.cum_still - k.still, k.plan_open)) / k.plan_open AS share
          FROM (SELECT k.*, pg_catalog.sum(k.still) OVER (PARTITION BY k.customer_id, k.plan_id
                                                          ORDER BY k.instalment_no) AS cum_still
                  FROM (SELECT k.customer_id, k.plan_id, k.instalment_no, k.due_on, pl.plan_open,
                               GREATEST(LEAST(pg_catalog.sum(k.amount) OVER (PARTITION BY k.customer_id, k.plan_id
                                                                            ORDER BY k.instalment_no) - pl.paid,
                                              k.amount), 0) AS still
                          FROM dunning.payment_plan_instalment k
                          JOIN (SELECT DISTINCT x.customer_id, x.plan_id, x.plan_open, x.paid
                                  FROM plan_item x) pl
                            ON pl.customer_id = k.customer_id AND pl.plan_id = k.plan_id) k) k
    ), keep_rate AS (
        -- a customer's rate: its own record plus two of the overall rate;
        -- overall: the record plus one kept (with no record at all, a
        -- promise or plan is taken at its word)
        SELECT w.what, c.customer_id,
               (COALESCE(kc.kept, 0) + 2 * pa.rate) / (COALESCE(kc.n, 0) + 2) AS rate
          FROM (VALUES ('promise'), ('plan')) AS w (what)
         CROSS JOIN LATERAL (SELECT COALESCE((ka.kept + 1) / (ka.n + 1), 1) AS rate
                               FROM (SELECT) AS one
                               LEFT JOIN kept ka ON ka.what = w.what AND ka.customer_id IS NULL) pa
         CROSS JOIN (SELECT pm.customer_id FROM promised pm UNION SELECT pi.customer_id FROM plan_item pi) c
          LEFT JOIN kept kc ON kc.what = w.what AND kc.customer_id = c.customer_id
    ), basis AS (
        -- per item: what it is expected from, and the share left to the
        -- payment-behaviour model
        SELECT it.*, cash_forecast_item_as_of.as_of - it.due_on AS age, od.invoice_id IS NOT NULL AS disputed,
               CASE WHEN lg.customer_id IS NOT NULL THEN 'legal'
                    WHEN pi.invoice_id IS NOT NULL THEN 'plan'
                    WHEN pm.invoice_id IS NOT NULL THEN 'promise'
                    WHEN od.invoice_id IS NOT NULL THEN 'dispute'
                    ELSE 'history' END AS basis,
               pi.plan_id, pm.promised_on, pm.share AS promised_share
          FROM item it
          LEFT JOIN at_legal lg ON lg.customer_id = it.customer_id
          LEFT JOIN plan_item pi ON pi.invoice_id = it.invoice_id
          LEFT JOIN promised pm ON pm.invoice_id = it.invoice_id
          LEFT JOIN open_dispute od ON od.customer_id = it.customer_id AND od.invoice_id = it.invoice_id
    ), lump AS (
        -- shares of an item expected on a day: plan instalments, promises
        SELECT b.invoice_id, pd.on_date, kr.rate * pd.share AS share
          FROM basis b
          JOIN plan_due pd ON pd.customer_id = b.customer_id AND pd.plan_id = b.plan_id
          JOIN keep_rate kr ON kr.what = 'plan' AND kr.customer_id = b.customer_id
         WHERE b.basis = 'plan'
        UNION ALL
        SELECT b.invoice_id, b.promised_on, kr.rate * b.promised_share
          FROM basis b
          JOIN keep_rate kr ON kr.what = 'promise' AND kr.customer_id = b.customer_id
         WHERE b.basis = 'promise'
    ), model AS (
        -- per item: the share left to the model and its chances per week
        -- from its customer's curve (cw[k]: own weight x the curve's cash
        -- incidence between ages a + 7k - 7 and a + 7k, over S(a): knowing
        -- that the item survived its age; nothing when S(a) < 1e-9), and
        -- the weight of the pool's (wp)
        SELECT m.invoice_id, m.pool, m.age, z.own_weight,
               CASE WHEN z.own_weight > 0 AND m.c_log_s_age > -20
                    THEN ARRAY(SELECT m.share * z.own_weight / pg_catalog.exp(m.c_log_s_age)
                                      * (COALESCE(m.c_cash[pg_catalog.width_bucket(m.age + 7 * k, m.c_ts)], 0)
                                         - COALESCE(m.c_cash[pg_catalog.width_bucket(m.age + 7 * k - 7, m.c_ts)], 0))
                                 FROM pg_catalog.generate_series(1, 13) AS k ORDER BY k) END AS cw,
               m.share * (1 - z.own_weight) AS wp
          FROM (SELECT b.invoice_id, b.age, 1 - COALESCE(lt.share, 0) AS share,
                       CASE WHEN b.disputed THEN '' ELSE b.currency::text END AS pool,
                       cc.ts AS c_ts, cc.cash AS c_cash,
                       COALESCE(cc.log_s[pg_catalog.width_bucket(b.age, cc.ts)], 0) AS c_log_s_age,
                       CASE WHEN b.disputed OR cc.customer_id IS NULL THEN 0
                            ELSE cc.c_total - COALESCE(cc.cum_c[pg_catalog.width_bucket(b.age, cc.ts)], 0) END AS n_beyond
                  FROM basis b
                  LEFT JOIN (SELECT l.invoice_id, pg_catalog.sum(l.share) AS share FROM lump l GROUP BY l.invoice_id) lt
                    ON lt.invoice_id = b.invoice_id
                  LEFT JOIN curve cc ON cc.customer_id = b.customer_id AND NOT b.disputed
                 WHERE b.basis <> 'legal') m
         CROSS JOIN prm
         CROSS JOIN LATERAL (SELECT m.n_beyond / (m.n_beyond + prm.credibility) AS own_weight) z
    ), pool_week AS (
        -- the pools' chances per week (q[k], as cw), once per age that occurs
        SELECT x.pool, x.age,
               CASE WHEN x.log_s_age > -20
                    THEN ARRAY(SELECT (COALESCE(x.cash[pg_catalog.width_bucket(x.age + 7 * k, x.ts)], 0)
                                       - COALESCE(x.cash[pg_catalog.width_bucket(x.age + 7 * k - 7, x.ts)], 0))
                                      / pg_catalog.exp(x.log_s_age)
                                 FROM pg_catalog.generate_series(1, 13) AS k ORDER BY k) END AS q
          FROM (SELECT a.pool, a.age, pc.ts, pc.cash, COALESCE(pc.log_s[pg_catalog.width_bucket(a.age, pc.ts)], 0) AS log_s_age
                  FROM (SELECT DISTINCT m.pool, m.age FROM model m WHERE m.wp > 0) a
                  JOIN curve pc ON pc.customer_id IS NULL AND pc.pool = a.pool) x
    ), model_week AS (
        SELECT m.invoice_id, w.week, m.own_weight,
               COALESCE(m.cw[w.week], 0) + m.wp * COALESCE(pw.q[w.week], 0) AS share
          FROM model m
          LEFT JOIN pool_week pw ON pw.pool = m.pool AND pw.age = m.age
         CROSS JOIN pg_catalog.generate_series(1, 13) AS w (week)
    ), share AS (
        -- per item and week: the model's share (every week of an item not at
        -- legal) plus its promised or planned lumps, or the legal share
        SELECT mw.invoice_id, mw.week, mw.own_weight, mw.share + COALESCE(l.share, 0) AS share
          FROM model_week mw
          LEFT JOIN (SELECT l.invoice_id, (l.on_date - cash_forecast_item_as_of.as_of - 1) / 7 + 1 AS week,
                            pg_catalog.sum(l.share) AS share
                       FROM lump l
                      WHERE l.on_date <= cash_forecast_item_as_of.as_of + 91
                      GROUP BY 1, 2) l ON l.invoice_id = mw.invoice_id AND l.week = mw.week
        UNION ALL
        SELECT b.invoice_id, w.week, NULL, prm.legal_rate / prm.legal_weeks
          FROM basis b
         CROSS JOIN prm
         CROSS JOIN pg_catalog.generate_series(1, LEAST(prm.legal_weeks, 13)) AS w (week)
         WHERE b.basis = 'legal'
    ), weekly AS (
        SELECT b.invoice_id, b.customer_id, b.currency, b.due_on, b.open_amount, b.basis,
               y.own_weight, y.week, y.share AS probability,
               pg_catalog.round(b.open_amount * y.share::numeric,
                                dunning.currency_minor_unit(b.currency)) AS expected_amount
          FROM basis b
          JOIN share y ON y.invoice_id = b.invoice_id
    )
    SELECT w.invoice_id, w.customer_id, w.currency, w.due_on, w.open_amount, w.basis,
           pg_catalog.round(w.own_weight::numeric, 4), w.week, cash_forecast_item_as_of.as_of + 7 * w.week - 6,
           cash_forecast_item_as_of.as_of + 7 * w.week, pg_catalog.round(w.probability::numeric, 6), w.expected_amount
      FROM weekly w
     WHERE w.expected_amount <> 0
    UNION ALL
    -- what is not expected within the 13 weeks: later, or never
    SELECT b.invoice_id, b.customer_id, b.currency, b.due_on, b.open_amount, b.basis, NULL, NULL, NULL, NULL,
           pg_catalog.round(1 - COALESCE(r.expected_amount / b.open_amount, 0), 6),
           b.open_amount - COALESCE(r.expected_amount, 0)
      FROM basis b
      LEFT JOIN (SELECT w.invoice_id, pg_catalog.sum(w.expected_amount) AS expected_amount
                   FROM weekly w GROUP BY w.invoice_id) r ON r.invoice_id = b.invoice_id
     WHERE b.open_amount <> COALESCE(r.expected_amount, 0);
$fn$;
COMMENT ON FUNCTION dunning.cash_forecast_item_as_of(date) IS
    'the cash forecast per invoice open at the end of as_of and week (week 1 = as_of + 1 .. as_of + 7), and the part expected later or never (week NULL): what cash_forecast_as_of adds up';

-----------------------------------------------------------------------------
-- Per currency and week; today's views; the backtest
-----------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION dunning.cash_forecast_as_of(as_of date)
RETURNS TABLE (currency char(3), week integer, week_start date, week_end date, expected_amount numeric,
               invoice_count bigint)
    -- inlinable (no SET; every name qualified)
    LANGUAGE sql STABLE PARALLEL SAFE
AS $fn$
    WITH f AS (
        SELECT f.currency, f.week, pg_catalog.sum(f.expected_amount) AS amount, pg_catalog.count(*) AS n
          FROM dunning.cash_forecast_item_as_of(cash_forecast_as_of.as_of) f
         GROUP BY f.currency, f.week
    )
    -- every currency with an open invoice (its rows of week NULL, later or
    -- never, name it when nothing is expected within the 13 weeks)
    SELECT c.currency, w.week, cash_forecast_as_of.as_of + 7 * w.week - 6, cash_forecast_as_of.as_of + 7 * w.week,
           COALESCE(f.amount, 0), COALESCE(f.n, 0)
      FROM (SELECT DISTINCT f.currency FROM f) c
     CROSS JOIN pg_catalog.generate_series(1, 13) AS w (week)
      LEFT JOIN f ON f.currency = c.currency AND f.week = w.week;
$fn$;
COMMENT ON FUNCTION dunning.cash_forecast_as_of(date) IS
    'the cash forecast as it was made at the end of as_of: the invoices open then, the history settled by then, promises, plans, disputes and legal cases as they stood; week 1 = as_of + 1 .. as_of + 7';

-- Today's views read the forecast through the two functions below, which
-- plan it with JIT off: under the server default (jit = on) compiling a
-- plan this size took 3 times the forecast itself (2,000 customers: 5.9-8.2
-- s against 1.8-2.6 s; doc/kpi.md, "Cost").  The *_as_of functions cannot
-- carry the setting (it would stop their inlining); the views can, this way.
CREATE OR REPLACE FUNCTION dunning_internal.cash_forecast_today()
RETURNS TABLE (currency char(3), week integer, week_start date, week_end date, expected_amount numeric,
               invoice_count bigint)
    LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp SET jit = off SET work_mem = '64MB'
AS $fn$
    SELECT * FROM dunning.cash_forecast_as_of(CURRENT_DATE);
$fn$;
COMMENT ON FUNCTION dunning_internal.cash_forecast_today() IS
    'dunning.cash_forecast_as_of(today) planned with JIT off (internal: the view dunning.cash_forecast)';
CREATE OR REPLACE FUNCTION dunning_internal.cash_forecast_item_today()
RETURNS TABLE (invoice_id bigint, customer_id bigint, currency char(3), due_on date, open_amount numeric,
               basis text, own_weight numeric, week integer, week_start date, week_end date,
               probability numeric, expected_amount numeric)
    LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp SET jit = off SET work_mem = '64MB'
AS $fn$
    SELECT * FROM dunning.cash_forecast_item_as_of(CURRENT_DATE);
$fn$;
COMMENT ON FUNCTION dunning_internal.cash_forecast_item_today() IS
    'dunning.cash_forecast_item_as_of(today) planned with JIT off (internal: the view dunning.cash_forecast_item)';

CREATE OR REPLACE VIEW dunning.cash_forecast AS
SELECT f.currency::char(3) AS currency, f.week, f.week_start, f.week_end,
       f.expected_amount::numeric(20,4) AS expected_amount, f.invoice_count
  FROM dunning_internal.cash_forecast_today() f;
COMMENT ON VIEW dunning.cash_forecast IS
    'expected cash-in per currency for the 13 weeks from tomorrow: each open invoice spread over the weeks by the payment history of its customer (blended with its currency''s), or by its promise, payment plan or legal case; cash_forecast_as_of(today) (doc/kpi.md, "Cash forecast")';
COMMENT ON COLUMN dunning.cash_forecast.currency IS 'ISO 4217 currency';
COMMENT ON COLUMN dunning.cash_forecast.week IS 'week number, 1 = the 7 days from tomorrow';
COMMENT ON COLUMN dunning.cash_forecast.week_start IS 'first day of the week';
COMMENT ON COLUMN dunning.cash_forecast.week_end IS 'last day of the week';
COMMENT ON COLUMN dunning.cash_forecast.expected_amount IS 'cash expected in the week: the sum over the open invoices of their open amount times the probability of their payment in the week';
COMMENT ON COLUMN dunning.cash_forecast.invoice_count IS 'number of invoices with some cash expected in the week';

CREATE OR REPLACE VIEW dunning.cash_forecast_item AS
SELECT f.invoice_id, f.customer_id, f.currency::char(3) AS currency, f.due_on, f.open_amount::numeric(20,4) AS open_amount, f.basis,
       f.own_weight::numeric(5,4) AS own_weight, f.week, f.week_start, f.week_end,
       f.probability::numeric(7,6) AS probability, f.expected_amount::numeric(20,4) AS expected_amount
  FROM dunning_internal.cash_forecast_item_today() f;
COMMENT ON VIEW dunning.cash_forecast_item IS
    'the cash forecast per open invoice and week for the 13 weeks from tomorrow (the weeks with cash expected), and the part expected later or never (week NULL): what dunning.cash_forecast adds up; cash_forecast_item_as_of(today)';
COMMENT ON COLUMN dunning.cash_forecast_item.invoice_id IS 'the invoice';
COMMENT ON COLUMN dunning.cash_forecast_item.customer_id IS 'its customer';
COMMENT ON COLUMN dunning.cash_forecast_item.currency IS 'ISO 4217 currency';
COMMENT ON COLUMN dunning.cash_forecast_item.due_on IS 'its due date';
COMMENT ON COLUMN dunning.cash_forecast_item.open_amount IS 'its open amount';
COMMENT ON COLUMN dunning.cash_forecast_item.basis IS 'what it is expected from: history (payment history of the customer and of its currency), dispute (history of disputed invoices), promise, plan (payment plan instalments), legal (open legal case)';
COMMENT ON COLUMN dunning.cash_forecast_item.own_weight IS 'weight (0..1) of the customer''s own history against its currency''s in what is expected from history; NULL on the later-or-never row and when nothing is expected from history';
COMMENT ON COLUMN dunning.cash_forecast_item.week IS 'week number, 1 = the 7 days from tomorrow; NULL: after the 13 weeks, or never';
COMMENT ON COLUMN dunning.cash_forecast_item.week_start IS 'first day of the week';
COMMENT ON COLUMN dunning.cash_forecast_item.week_end IS 'last day of the week';
COMMENT ON COLUMN dunning.cash_forecast_item.probability IS 'share (0..1) of the open amount expected as cash in the week (week NULL: the rest)';
COMMENT ON COLUMN dunning.cash_forecast_item.expected_amount IS 'open amount times probability, rounded to the currency''s minor unit (week NULL: the rest of the open amount)';

CREATE OR REPLACE FUNCTION dunning_internal.forecast_weeks_checked(weeks integer)
RETURNS integer
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF weeks IS NULL OR weeks NOT BETWEEN 1 AND 13 THEN
        RAISE EXCEPTION 'a backtest covers 1 to 13 weeks, not %', weeks USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN weeks;
END
$fn$;
COMMENT ON FUNCTION dunning_internal.forecast_weeks_checked(integer) IS
    'weeks, when it is between 1 and 13 (the forecast''s horizon); an error otherwise (internal: cash_forecast_backtest)';

-- The forecast made at the end of as_of against the cash that came in on
-- the invoices open then (payment allocations by received_on), week by week.
CREATE OR REPLACE FUNCTION dunning.cash_forecast_backtest(as_of date, weeks integer DEFAULT 4)
RETURNS TABLE (currency char(3), week integer, week_start date, week_end date, forecast_amount numeric,
               actual_amount numeric, error numeric, wape numeric)
    LANGUAGE sql STABLE SECURITY DEFINER PARALLEL SAFE SET search_path = pg_catalog, pg_temp SET jit = off
    SET work_mem = '64MB'
AS $fn$
    WITH f AS (
        SELECT f.currency, f.week, f.expected_amount
          FROM dunning.cash_forecast_as_of(cash_forecast_backtest.as_of) f
         WHERE f.week <= dunning_internal.forecast_weeks_checked(cash_forecast_backtest.weeks)
    ), a AS (
        SELECT s.currency, (p.received_on - cash_forecast_backtest.as_of - 1) / 7 + 1 AS week,
               pg_catalog.sum(al.amount) AS amount
          FROM dunning.invoice_state_as_of(cash_forecast_backtest.as_of) s
          JOIN dunning.allocation al ON al.customer_id = s.customer_id AND al.invoice_id = s.invoice_id
                                    AND al.payment_id IS NOT NULL
          JOIN dunning.payment p ON p.customer_id = al.customer_id AND p.payment_id = al.payment_id
         WHERE s.open_amount > 0 AND p.received_on > cash_forecast_backtest.as_of
           AND p.received_on <= cash_forecast_backtest.as_of
                                 + 7 * dunning_internal.forecast_weeks_checked(cash_forecast_backtest.weeks)
         GROUP BY 1, 2
    ), g AS (
        SELECT c.currency, w.week, COALESCE(f.expected_amount, 0) AS forecast_amount,
               COALESCE(a.amount, 0) AS actual_amount
          FROM (SELECT f.currency FROM f UNION SELECT a.currency FROM a) c
         CROSS JOIN pg_catalog.generate_series(1, dunning_internal.forecast_weeks_checked(cash_forecast_backtest.weeks)) AS w (week)
          LEFT JOIN f ON f.currency = c.currency AND f.week = w.week
          LEFT JOIN a ON a.currency = c.currency AND a.week = w.week
    )
    SELECT g.currency, g.week, cash_forecast_backtest.as_of + 7 * g.week - 6, cash_forecast_backtest.as_of + 7 * g.week,
           g.forecast_amount, g.actual_amount, g.forecast_amount - g.actual_amount,
           pg_catalog.round(100 * pg_catalog.sum(pg_catalog.abs(g.forecast_amount - g.actual_amount)) OVER wc
                            / NULLIF(pg_catalog.sum(g.actual_amount) OVER wc, 0), 2)
      FROM g
    WINDOW wc AS (PARTITION BY g.currency)
     ORDER BY g.currency, g.week;
$fn$;
COMMENT ON FUNCTION dunning.cash_forecast_backtest(date, integer) IS
    'the cash forecast made at the end of as_of against the cash received on the invoices open then, per currency and week (1 to 13 weeks): forecast, actual (payment allocations by received_on), error (forecast - actual), and the currency''s WAPE over the weeks in percent (sum of |error| / sum of actual)';

-----------------------------------------------------------------------------
-- Step effectiveness: only matured windows
-----------------------------------------------------------------------------
-- Each sent action (confirmations aside) and each of its invoices not
-- settled before the action date; the invoice's paid date is the latest
-- settlement date of dunning.settlement, counting settlements dated by
-- as_of.  An item counts for "paid within N days" only once N days have
-- passed since the action date (action_date + N <= as_of): a window still
-- open would count as unpaid what may yet be paid.
CREATE OR REPLACE FUNCTION dunning.step_effectiveness_as_of(as_of date)
RETURNS TABLE (scenario_id bigint, step_id bigint, step_name text, channel text, actions bigint, items bigint,
               paid_within_7 numeric, paid_within_14 numeric, paid_within_30 numeric,
               items_7 bigint, items_14 bigint, items_30 bigint)
    -- inlinable (no SET; every name qualified): Citus plans the inlined
    -- query, and a filter on the result reaches the tables
    LANGUAGE sql STABLE PARALLEL SAFE
AS $fn$
    WITH item AS (
        SELECT a.scenario_id, a.step_id, a.step_name, a.channel, a.action_id, a.action_date, x.paid_on
          FROM dunning.action a
          JOIN dunning.action_item ai ON ai.customer_id = a.customer_id AND ai.action_id = a.action_id
          JOIN dunning.invoice i ON i.customer_id = ai.customer_id AND i.invoice_id = ai.invoice_id
         CROSS JOIN LATERAL (
               SELECT CASE WHEN i.amount + pg_catalog.sum(s.open_change) = 0 THEN pg_catalog.max(s.settled_on) END AS paid_on,
                      pg_catalog.max(s.settled_on) FILTER (WHERE s.settled_on < a.action_date) IS NOT NULL
                          AND i.amount + pg_catalog.sum(s.open_change) FILTER (WHERE s.settled_on < a.action_date) = 0
                          AS paid_before
                 FROM dunning.settlement s
                WHERE s.customer_id = ai.customer_id AND s.invoice_id = ai.invoice_id
                  AND s.settled_on <= step_effectiveness_as_of.as_of) x
         WHERE a.status = 'sent' AND a.kind <> 'confirmation' AND a.action_date <= step_effectiveness_as_of.as_of
           AND NOT x.paid_before
    )
    SELECT it.scenario_id, it.step_id, it.step_name, it.channel,
           pg_catalog.count(DISTINCT it.action_id), pg_catalog.count(*),
           pg_catalog.round(pg_catalog.avg(CASE WHEN it.paid_on <= it.action_date + 7 THEN 1 ELSE 0 END)
                            FILTER (WHERE it.action_date + 7 <= step_effectiveness_as_of.as_of), 4),
           pg_catalog.round(pg_catalog.avg(CASE WHEN it.paid_on <= it.action_date + 14 THEN 1 ELSE 0 END)
                            FILTER (WHERE it.action_date + 14 <= step_effectiveness_as_of.as_of), 4),
           pg_catalog.round(pg_catalog.avg(CASE WHEN it.paid_on <= it.action_date + 30 THEN 1 ELSE 0 END)
                            FILTER (WHERE it.action_date + 30 <= step_effectiveness_as_of.as_of), 4),
           pg_catalog.count(*) FILTER (WHERE it.action_date + 7 <= step_effectiveness_as_of.as_of),
           pg_catalog.count(*) FILTER (WHERE it.action_date + 14 <= step_effectiveness_as_of.as_of),
           pg_catalog.count(*) FILTER (WHERE it.action_date + 30 <= step_effectiveness_as_of.as_of)
      FROM item it
    -- an infinite day: 22023, as everywhere (doc/errors.md); SQL that stays
    -- inlinable cannot RAISE, so date_trunc refuses a unit naming the fault
     WHERE pg_catalog.date_trunc(CASE WHEN pg_catalog.isfinite(step_effectiveness_as_of.as_of) OR step_effectiveness_as_of.as_of IS NULL THEN 'day'
                                      ELSE 'as_of must be a finite day' END, TIMESTAMP '2000-01-01') IS NOT NULL
     GROUP BY it.scenario_id, it.step_id, it.step_name, it.channel;
$fn$;
COMMENT ON FUNCTION dunning.step_effectiveness_as_of(date) IS
    'dunning.step_effectiveness as of the end of as_of: per step, sent actions up to as_of and their items, the share paid within 7, 14 and 30 days of the action date over the items whose window has passed by as_of (settlements dated by as_of)';

CREATE OR REPLACE VIEW dunning.step_effectiveness AS
SELECT e.scenario_id, e.step_id, e.step_name, e.channel, e.actions, e.items,
       e.paid_within_7::numeric(5,4) AS paid_within_7, e.paid_within_14::numeric(5,4) AS paid_within_14,
       e.paid_within_30::numeric(5,4) AS paid_within_30, e.items_7, e.items_14, e.items_30
  FROM dunning.step_effectiveness_as_of(CURRENT_DATE) e;
COMMENT ON VIEW dunning.step_effectiveness IS
    'per step: sent actions and their items (those not settled before the action), and the share of items paid within 7, 14 and 30 days after the action date, counting only items whose window has passed (NULL: none yet)';
COMMENT ON COLUMN dunning.step_effectiveness.scenario_id IS 'the scenario';
COMMENT ON COLUMN dunning.step_effectiveness.step_id IS 'the step';
COMMENT ON COLUMN dunning.step_effectiveness.step_name IS 'its name';
COMMENT ON COLUMN dunning.step_effectiveness.channel IS 'its channel';
COMMENT ON COLUMN dunning.step_effectiveness.actions IS 'sent actions';
COMMENT ON COLUMN dunning.step_effectiveness.items IS 'invoices in those actions, but those settled before the action date';
COMMENT ON COLUMN dunning.step_effectiveness.paid_within_7 IS 'share (0..1) of the items whose action is at least 7 days old that were fully paid at most 7 days after the action date; NULL when none is';
COMMENT ON COLUMN dunning.step_effectiveness.paid_within_14 IS 'same within 14 days, over the items whose action is at least 14 days old';
COMMENT ON COLUMN dunning.step_effectiveness.paid_within_30 IS 'same within 30 days, over the items whose action is at least 30 days old';
COMMENT ON COLUMN dunning.step_effectiveness.items_7 IS 'items counted in paid_within_7 (their action at least 7 days old)';
COMMENT ON COLUMN dunning.step_effectiveness.items_14 IS 'items counted in paid_within_14';
COMMENT ON COLUMN dunning.step_effectiveness.items_30 IS 'items counted in paid_within_30';

SELECT pg_catalog.pg_extension_config_dump('dunning.forecast_setting', '');

-- Privileges of the objects above (PUBLIC has none: security.sql).
GRANT SELECT ON dunning.forecast_setting, dunning.cash_forecast, dunning.cash_forecast_item,
    dunning.step_effectiveness
    TO dunning_analyst;
GRANT INSERT, UPDATE, DELETE ON dunning.forecast_setting
    TO dunning_admin;
GRANT EXECUTE ON FUNCTION dunning.invoice_state_as_of(date),
    dunning.cash_forecast_as_of(date), dunning.cash_forecast_item_as_of(date),
    dunning.cash_forecast_backtest(date, integer), dunning.step_effectiveness_as_of(date)
    TO dunning_analyst;
-- (named by the views only: analysts have no USAGE on dunning_internal)
GRANT EXECUTE ON FUNCTION dunning_internal.cash_forecast_today(), dunning_internal.cash_forecast_item_today()
    TO dunning_analyst;
