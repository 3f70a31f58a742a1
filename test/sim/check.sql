-- test/sim/check.sql: the figures of issue 11's "Done when" over a simulated run
-- (doc/dunning.md, "The 90-day simulation").  Run after CALL sim.simulate():
--
--   psql -v ON_ERROR_STOP=1 [-v examples=3] -f test/sim/check.sql
--
-- Reads only the outbox (dunning.action: action_id, customer_id, step_id, channel,
-- action_date, status; dunning.action_item: action_id, invoice_id), the steps of the
-- shipped scenario "standard" (scenario_step: step_id, step_no, offset_days, channel,
-- min_overdue_amount), the ledger the harness wrote (dunning.invoice, dunning.payment and
-- the harness's log of its allocate() calls, sim.alloc_log) and the harness's own records
-- (disputes and promises it made, the customers' classes, its calendar).  Fills
-- sim.result (one row per figure) and sim.example (violations), then prints both.
--
-- Definitions (all days are action_date, the customer-local day of an action):
--   step, rung    a step of "standard"; its rung is its step_no.  Post-due rungs: offset_days >= 0
--                 (reminder 1 .. legal); the pre-due step has offset_days < 0.
--   formal        a notice at the first post-due rung whose channel is letter or legal (formal
--                 notice) or above (legal escalation), whatever channel carried it.
--   legal         a notice at the step whose channel is legal.
--   action        a row of dunning.action with status sent (every queued action is marked sent
--                 each day; failed and cancelled ones never reached anyone and are counted apart).
--   notice        an action at a step of "standard"; thanks: an action on channel thanks.
--   contact       an action on channel email, sms, letter or legal that is not a thanks.
--   paid_on       the day an invoice became fully settled: received_on of the payment that the
--                 harness's allocations completed it with.
--   overdue       invoice i is overdue on day d when due_on < d and it is not paid on or before d
--                 (payments of day d are booked before the run of day d).
--   episode       a maximal run of days (go-live .. last day) on which the customer has an overdue
--                 invoice (disputed and promised ones included); it starts when one falls overdue and
--                 ends on the first day with none.
--   level         within an episode, the highest post-due rung of the notices sent so far.
\if :{?examples}
\else
\set examples 3
\endif
SET client_min_messages = warning;
SELECT set_config('sim.examples', :'examples', false) AS sim_x \gset

DROP TABLE IF EXISTS sim.c_step, sim.c_act, sim.c_item, sim.c_inv, sim.c_episode, sim.c_ladder,
                     sim.c_protected, sim.c_confirm, sim.c_remind, sim.c_never,
                     sim.result, sim.example, sim.info CASCADE;

-- The outbox as the checker sees it: the contract's columns, plus what the harness's
-- self-test (test/sim/selftest.sql) adds or hides; both tables are empty otherwise.
CREATE TABLE IF NOT EXISTS sim.mut_action (action_id bigint, customer_id bigint, step_id bigint, channel text,
                                           action_date date, status text);
CREATE TABLE IF NOT EXISTS sim.mut_item (action_id bigint, invoice_id bigint);
CREATE TABLE IF NOT EXISTS sim.mut_hide (customer_id bigint, what text);   -- thanks | notice | formal
CREATE OR REPLACE VIEW sim.outbox_action AS
SELECT a.action_id, a.customer_id, a.step_id, a.channel, a.action_date, a.status
  FROM dunning.action a
 WHERE NOT EXISTS (SELECT FROM sim.mut_hide h
                    WHERE h.customer_id = a.customer_id
                      AND CASE h.what WHEN 'thanks' THEN a.channel = 'thanks'
                                      ELSE EXISTS (SELECT FROM dunning.scenario_step st
                                                    WHERE st.step_id = a.step_id AND st.offset_days >= 0
                                                      AND a.channel <> 'thanks'
                                                      AND (h.what = 'notice' OR st.step_no >= (
                                                           SELECT min(x.step_no) FROM dunning.scenario_step x
                                                            WHERE x.scenario_id = st.scenario_id AND x.offset_days >= 0
                                                              AND x.channel IN ('letter', 'legal')))) END)
UNION ALL
SELECT m.action_id, m.customer_id, m.step_id, m.channel, m.action_date, m.status FROM sim.mut_action m;
CREATE OR REPLACE VIEW sim.outbox_item AS
SELECT ai.action_id, ai.invoice_id FROM dunning.action_item ai
UNION ALL
SELECT m.action_id, m.invoice_id FROM sim.mut_item m;

CREATE TABLE sim.c_step AS
SELECT st.step_id, st.step_no, st.offset_days, st.channel, st.min_overdue_amount
  FROM dunning.scenario_step st JOIN dunning.scenario sc ON sc.scenario_id = st.scenario_id
 WHERE sc.name = 'standard';
CREATE VIEW sim.k AS
SELECT p.go_live, p.last_day, p.days,
       (SELECT min(step_no) FROM sim.c_step WHERE offset_days >= 0 AND channel <> 'thanks') AS first_rung,
       (SELECT min(offset_days) FROM sim.c_step WHERE offset_days >= 0 AND channel <> 'thanks') AS first_offset,
       (SELECT min(step_no) FROM sim.c_step WHERE offset_days >= 0 AND channel IN ('letter', 'legal')) AS formal_rung,
       (SELECT min(offset_days) FROM sim.c_step WHERE offset_days >= 0 AND channel IN ('letter', 'legal')) AS formal_offset,
       (SELECT min(step_no) FROM sim.c_step WHERE channel = 'legal') AS legal_rung
  FROM sim.params p;

CREATE TABLE sim.c_act AS
SELECT a.action_id, a.customer_id, a.step_id, a.channel, a.action_date, a.status, s.step_no, s.offset_days,
       CASE WHEN a.channel = 'thanks' THEN 'thanks'
            WHEN s.step_id IS NULL THEN 'other'
            WHEN s.offset_days < 0 THEN 'pre_due'
            ELSE 'notice' END AS what,
       a.channel IN ('email', 'sms', 'letter', 'legal') AS contact
  FROM sim.outbox_action a LEFT JOIN sim.c_step s ON s.step_id = a.step_id
 WHERE a.status = 'sent';
CREATE INDEX ON sim.c_act (customer_id, action_date);
CREATE TABLE sim.c_item AS
SELECT ai.action_id, ai.invoice_id FROM sim.outbox_item ai JOIN sim.c_act a USING (action_id);
CREATE INDEX ON sim.c_item (invoice_id);

CREATE TABLE sim.c_inv AS
WITH cum AS (
    SELECT l.invoice_id, p.received_on,
           sum(l.amount) OVER (PARTITION BY l.invoice_id ORDER BY p.received_on, l.payment_id) AS settled
      FROM sim.alloc_log l JOIN dunning.payment p ON p.payment_id = l.payment_id
), paid AS (
    SELECT c.invoice_id, min(c.received_on) AS paid_on
      FROM cum c JOIN dunning.invoice i ON i.invoice_id = c.invoice_id
     WHERE c.settled >= i.amount GROUP BY c.invoice_id
)
SELECT i.invoice_id, i.customer_id, i.due_on, i.amount, paid.paid_on
  FROM dunning.invoice i LEFT JOIN paid ON paid.invoice_id = i.invoice_id
 WHERE i.amount > 0;
ALTER TABLE sim.c_inv ADD PRIMARY KEY (invoice_id);
CREATE INDEX ON sim.c_inv (customer_id);

CREATE TABLE sim.c_episode AS
SELECT x.customer_id, lower(x.r) AS started_on, upper(x.r) - 1 AS ended_on
  FROM (SELECT i.customer_id,
               unnest(range_agg(daterange(greatest(i.due_on + 1, k.go_live),
                                          least(COALESCE(i.paid_on, k.last_day + 1), k.last_day + 1), '[)'))) AS r
          FROM sim.c_inv i, sim.k
         WHERE greatest(i.due_on + 1, k.go_live) < least(COALESCE(i.paid_on, k.last_day + 1), k.last_day + 1)
         GROUP BY i.customer_id) x;
CREATE INDEX ON sim.c_episode (customer_id, started_on);

-- overdue total of a customer on a day, without the items under an open dispute or promise
CREATE OR REPLACE FUNCTION sim.overdue_total(c bigint, d date) RETURNS numeric LANGUAGE sql STABLE
RETURN (SELECT COALESCE(sum(i.amount), 0) FROM sim.c_inv i JOIN sim.item s USING (invoice_id)
         WHERE i.customer_id = c AND i.due_on < d AND (i.paid_on IS NULL OR i.paid_on > d)
           AND NOT COALESCE(s.disp_opened_on <= d AND (s.disp_closed_on IS NULL OR s.disp_closed_on > d), false)
           AND NOT COALESCE(s.promise_made_on <= d AND s.promised_on >= d, false));

-- every notice with its episode and the level before it
CREATE TABLE sim.c_ladder AS
SELECT a.*, e.started_on AS episode,
       max(a.step_no) FILTER (WHERE a.what = 'notice')
           OVER (PARTITION BY a.customer_id, e.started_on ORDER BY a.action_date, a.step_no, a.action_id
                 ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS level_before
  FROM sim.c_act a
  LEFT JOIN sim.c_episode e ON e.customer_id = a.customer_id AND a.action_date BETWEEN e.started_on AND e.ended_on
 WHERE a.what IN ('notice', 'pre_due');
ALTER TABLE sim.c_ladder ADD COLUMN next_rung int, ADD COLUMN gated_skip boolean NOT NULL DEFAULT false;
-- the rung a notice may climb to: the next post-due rung above the level, passing over rungs
-- whose min_overdue_amount the customer's overdue total (undisputed, unpromised) does not reach
UPDATE sim.c_ladder l SET next_rung = (
        SELECT min(s.step_no) FROM sim.c_step s, sim.k
         WHERE s.offset_days >= 0 AND s.channel <> 'thanks' AND s.step_no > COALESCE(l.level_before, k.first_rung - 1)
           AND (s.min_overdue_amount IS NULL OR s.step_no >= l.step_no
                OR s.min_overdue_amount <= sim.overdue_total(l.customer_id, l.action_date)))
 WHERE l.what = 'notice' AND l.episode IS NOT NULL;
UPDATE sim.c_ladder l SET gated_skip = true
  FROM sim.k
 WHERE l.what = 'notice' AND l.episode IS NOT NULL AND l.step_no <= l.next_rung
   AND l.step_no > COALESCE(l.level_before, k.first_rung - 1) + 1;

-- A customer's timeline: actions as s<rung>:<channel>[items] or thanks[items] (!failed,
-- !cancelled when not sent), payments, disputes, promises, episode brackets.
CREATE OR REPLACE FUNCTION sim.timeline(c bigint, from_day date DEFAULT NULL, to_day date DEFAULT NULL) RETURNS text
    LANGUAGE sql STABLE
RETURN (
    SELECT string_agg(to_char(e.day, 'MM-DD') || ' ' || e.what, ', ' ORDER BY e.day, e.o, e.what)
      FROM (SELECT a.action_date AS day, 2 AS o,
                   CASE WHEN a.channel = 'thanks' THEN 'thanks' WHEN s.step_no IS NULL THEN a.channel
                        ELSE 's' || s.step_no || ':' || a.channel END
                   || '[' || (SELECT count(*) FROM sim.outbox_item i WHERE i.action_id = a.action_id) || ']'
                   || CASE WHEN a.status <> 'sent' THEN '!' || a.status ELSE '' END AS what
              FROM sim.outbox_action a LEFT JOIN sim.c_step s ON s.step_id = a.step_id WHERE a.customer_id = c
            UNION ALL
            SELECT l.day, 1, CASE l.event WHEN 'pay' THEN 'PAY(' || l.detail || ')'
                                          WHEN 'promise' THEN 'PROMISE(to ' || substr(l.detail, 6) || ')'
                                          ELSE upper(l.event) || '(' || l.detail || ')' END
              FROM sim.event_log l WHERE l.customer_id = c
            UNION ALL
            SELECT e.started_on, 0, '{ep' FROM sim.c_episode e WHERE e.customer_id = c
            UNION ALL
            SELECT e.ended_on + 1, 0, 'ep}' FROM sim.c_episode e, sim.k
             WHERE e.customer_id = c AND e.ended_on < k.last_day) e
     WHERE (from_day IS NULL OR e.day >= from_day) AND (to_day IS NULL OR e.day <= to_day));

CREATE TABLE sim.result (ord int PRIMARY KEY, key text UNIQUE, figure text, value numeric, shown text,
                         threshold text, pass boolean, detail text);
CREATE TABLE sim.example (key text, customer_id bigint, day date, note text);

-- 1. level descents inside an episode: a post-due notice below the level, or a pre-due
--    reminder once the level is past the first post-due rung (pre-due reminders are folded
--    into the notices from then on)
INSERT INTO sim.example
SELECT 'descent', l.customer_id, l.action_date,
       's' || l.step_no || ' after level s' || l.level_before
  FROM sim.c_ladder l, sim.k
 WHERE l.episode IS NOT NULL
   AND ((l.what = 'notice' AND l.step_no < l.level_before) OR (l.what = 'pre_due' AND l.level_before > k.first_rung));
-- 2. automated contacts after the legal notice
INSERT INTO sim.example
SELECT 'after_legal', a.customer_id, a.action_date,
       CASE WHEN a.step_no IS NULL THEN a.channel ELSE 's' || a.step_no || ':' || a.channel END
       || ' after legal of ' || to_char(g.action_date, 'MM-DD')
  FROM sim.c_act a
  JOIN (SELECT DISTINCT ON (customer_id) customer_id, action_id, action_date
          FROM sim.c_act, sim.k WHERE what = 'notice' AND step_no = k.legal_rung
         ORDER BY customer_id, action_date, action_id) g ON g.customer_id = a.customer_id
 WHERE a.contact AND a.what <> 'thanks' AND a.action_id <> g.action_id
   AND (a.action_date > g.action_date OR (a.action_date = g.action_date AND a.action_id > g.action_id));
-- 3. skipped rungs: a notice above the next rung the level allows
INSERT INTO sim.example
SELECT 'skip', l.customer_id, l.action_date,
       's' || l.step_no || ' after ' || COALESCE('level s' || l.level_before, 'no notice in the episode')
       || ' (next rung s' || l.next_rung || ')'
       || CASE WHEN l.action_date = k.go_live THEN ' at go-live' ELSE '' END
  FROM sim.c_ladder l, sim.k
 WHERE l.what = 'notice' AND l.episode IS NOT NULL AND l.step_no > l.next_rung;
-- 4. formal notices and legal on go-live day
INSERT INTO sim.example
SELECT 'golive_formal', a.customer_id, a.action_date, 's' || a.step_no || ':' || a.channel
  FROM sim.c_act a, sim.k
 WHERE a.what = 'notice' AND a.step_no >= k.formal_rung AND a.action_date = k.go_live;
-- 5. thanks listing an invoice not fully paid on the thanks' day
INSERT INTO sim.example
SELECT 'thanks_unpaid', a.customer_id, a.action_date,
       'invoice ' || i.invoice_id || CASE WHEN v.paid_on IS NULL THEN ' unpaid' ELSE ' paid ' || to_char(v.paid_on, 'MM-DD') END
  FROM sim.c_act a JOIN sim.c_item i USING (action_id) JOIN sim.c_inv v USING (invoice_id)
 WHERE a.what = 'thanks' AND (v.paid_on IS NULL OR v.paid_on > a.action_date);
-- 6. more than 2 contacts in a 7-day window (counted once per window start at a contact)
INSERT INTO sim.example
SELECT 'week3', a.customer_id, a.action_date, count(*) || ' contacts in ' || to_char(a.action_date, 'MM-DD') || '..'
       || to_char(a.action_date + 6, 'MM-DD')
  FROM sim.c_act a JOIN sim.c_act b ON b.customer_id = a.customer_id AND b.contact AND b.what <> 'thanks'
                                   AND b.action_date BETWEEN a.action_date AND a.action_date + 6
 WHERE a.contact AND a.what <> 'thanks'
 GROUP BY a.customer_id, a.action_id, a.action_date HAVING count(*) > 2;
-- 7. two contacts on one day
INSERT INTO sim.example
SELECT 'day2', a.customer_id, a.action_date, count(*) || ' contacts: '
       || string_agg(CASE WHEN a.step_no IS NULL THEN a.channel ELSE 's' || a.step_no || ':' || a.channel END, ' ' ORDER BY a.action_id)
  FROM sim.c_act a WHERE a.contact AND a.what <> 'thanks'
 GROUP BY a.customer_id, a.action_date HAVING count(*) > 1;
-- 8. notices listing an invoice paid before the action date
INSERT INTO sim.example
SELECT 'settled', a.customer_id, a.action_date,
       's' || a.step_no || ' lists invoice ' || i.invoice_id || ' paid ' || to_char(v.paid_on, 'MM-DD')
  FROM sim.c_act a JOIN sim.c_item i USING (action_id) JOIN sim.c_inv v USING (invoice_id)
 WHERE a.what IN ('notice', 'pre_due') AND v.paid_on < a.action_date;
-- 9. protected customers: every invoice open on or after go-live was paid within 30 days of
--    its due date or within 8 days of the first contact notice listing it (or is still within
--    that limit at the end); they must never get a formal notice or legal
CREATE TABLE sim.c_protected AS
SELECT v.customer_id,
       bool_and(CASE WHEN v.paid_on IS NOT NULL THEN v.paid_on <= greatest(v.due_on + 30, f.first_on + 8)
                     ELSE k.last_day <= greatest(v.due_on + 30, f.first_on + 8) END) AS protected
  FROM sim.c_inv v CROSS JOIN sim.k
  LEFT JOIN LATERAL (SELECT min(a.action_date) AS first_on FROM sim.c_item i JOIN sim.c_act a USING (action_id)
                      WHERE i.invoice_id = v.invoice_id AND a.what = 'notice' AND a.contact) f ON true
 WHERE v.paid_on IS NULL OR v.paid_on >= k.go_live
 GROUP BY v.customer_id;
INSERT INTO sim.example
SELECT 'protected', a.customer_id, min(a.action_date), string_agg('s' || a.step_no || ':' || a.channel, ' ' ORDER BY a.action_date)
  FROM sim.c_act a JOIN sim.c_protected p ON p.customer_id = a.customer_id AND p.protected, sim.k
 WHERE a.what = 'notice' AND a.step_no >= k.formal_rung
 GROUP BY a.customer_id;
-- 10. reminded-then-paid invoices confirmed within 3 business days: an invoice listed by a
--     contact notice or pre-due reminder on or before the day it was paid, paid during the
--     simulation at least 3 business days (harness calendar of the customer's country) before
--     its end; confirmed when a thanks listing it is dated from the payment day to 3 business
--     days after
CREATE TABLE sim.c_confirm AS
SELECT v.invoice_id, v.customer_id, v.paid_on, w.day AS window_end,
       EXISTS (SELECT FROM sim.c_item i JOIN sim.c_act a USING (action_id)
                WHERE i.invoice_id = v.invoice_id AND a.what = 'thanks'
                  AND a.action_date BETWEEN v.paid_on AND w.day) AS confirmed
  FROM sim.c_inv v
  JOIN sim.customer_profile c ON c.customer_id = v.customer_id
  JOIN sim.cal p ON p.country = c.country AND p.day = v.paid_on
  JOIN sim.cal w ON w.country = c.country AND w.is_bd AND w.bd_no = p.bd_no + 3
  CROSS JOIN sim.k
 WHERE v.paid_on BETWEEN k.go_live AND k.last_day AND w.day <= k.last_day
   AND EXISTS (SELECT FROM sim.c_item i JOIN sim.c_act a USING (action_id)
                WHERE i.invoice_id = v.invoice_id AND a.what IN ('notice', 'pre_due') AND a.contact
                  AND a.action_date <= v.paid_on);
INSERT INTO sim.example
SELECT 'confirm', c.customer_id, c.paid_on, 'invoice ' || c.invoice_id || ' paid, no thanks by ' || to_char(c.window_end, 'MM-DD')
  FROM sim.c_confirm c WHERE NOT c.confirmed;
-- 11. customers with an overdue item reminded: a customer counts when on some business day
--     (its country's) of the simulation one of its invoices is open after that day's payments,
--     at least (first post-due offset + 7) days overdue, and neither under an open dispute nor
--     an open promise; it is reminded when it got a post-due notice (any channel) during the
--     simulation
CREATE TABLE sim.c_remind AS
SELECT e.customer_id,
       EXISTS (SELECT FROM sim.c_act a WHERE a.customer_id = e.customer_id AND a.what = 'notice') AS reminded
  FROM (SELECT DISTINCT v.customer_id
          FROM sim.c_inv v JOIN sim.item s USING (invoice_id) CROSS JOIN sim.k
          CROSS JOIN LATERAL generate_series(greatest(k.go_live, v.due_on + k.first_offset + 7),
                                             least(k.last_day, COALESCE(v.paid_on - 1, k.last_day)), interval '1 day') g
          JOIN sim.cal b ON b.country = s.country AND b.day = g::date AND b.is_bd
         WHERE NOT COALESCE(s.disp_opened_on <= g::date AND (s.disp_closed_on IS NULL OR s.disp_closed_on > g::date), false)
           AND NOT COALESCE(s.promise_made_on <= g::date AND s.promised_on >= g::date, false)) e;
INSERT INTO sim.example
SELECT 'reminded', r.customer_id, NULL, 'overdue, never reminded' FROM sim.c_remind r WHERE NOT r.reminded;
-- 12. never-payers (class never) with an unpaid invoice whose first reminder was possible (at
--     go-live or first offset days after its due date) at least (formal offset - first offset
--     + 10) days before the end, time to climb to the formal notice one rung at a time: they
--     reach a formal notice or legal within the simulation
CREATE TABLE sim.c_never AS
SELECT c.customer_id,
       EXISTS (SELECT FROM sim.c_act a WHERE a.customer_id = c.customer_id AND a.what = 'notice'
                                         AND a.step_no >= k.formal_rung) AS reached
  FROM sim.customer_profile c, sim.k
 WHERE c.klass = 'never'
   AND EXISTS (SELECT FROM sim.c_inv v WHERE v.customer_id = c.customer_id AND v.paid_on IS NULL
                                        AND k.last_day - greatest(k.go_live, v.due_on + k.first_offset)
                                            >= k.formal_offset - k.first_offset + 10);
INSERT INTO sim.example
SELECT 'never', n.customer_id, NULL, 'never pays, no formal notice or legal' FROM sim.c_never n WHERE NOT n.reached;

-- 13. (information) customers in an episode at the end whose oldest open item (not disputed,
--     not promised) is at least (formal offset + 15) days overdue but who stand below the
--     formal notice: a climb that stalled
INSERT INTO sim.example
SELECT 'stalled', e.customer_id, k.last_day,
       'level ' || COALESCE('s' || x.lvl, 'none') || ', oldest item ' || y.maxd || ' days overdue, overdue total ' || y.total
  FROM sim.c_episode e CROSS JOIN sim.k
  CROSS JOIN LATERAL (SELECT max(l.step_no) AS lvl FROM sim.c_ladder l
                       WHERE l.customer_id = e.customer_id AND l.episode = e.started_on AND l.what = 'notice') x
  CROSS JOIN LATERAL (SELECT max(k.last_day - v.due_on) AS maxd, sum(v.amount) AS total
                        FROM sim.c_inv v JOIN sim.item s USING (invoice_id)
                       WHERE v.customer_id = e.customer_id AND v.due_on < k.last_day AND v.paid_on IS NULL
                         AND NOT COALESCE(s.disp_opened_on <= k.last_day AND s.disp_closed_on IS NULL, false)
                         AND NOT COALESCE(s.promised_on >= k.last_day, false)) y
 WHERE e.ended_on = k.last_day AND y.maxd >= k.formal_offset + 15 AND COALESCE(x.lvl, 0) < k.formal_rung;

INSERT INTO sim.result (ord, key, figure, value, threshold, pass, detail)
SELECT x.ord, x.key, x.figure, x.value, x.threshold,
       CASE WHEN x.threshold = '= 0' THEN x.value = 0 WHEN x.threshold = 'info' THEN NULL
            ELSE x.value >= substring(x.threshold FROM '[0-9.]+')::numeric END,
       x.detail
  FROM (
    SELECT 1 AS ord, 'descent' AS key, 'level descents inside an episode' AS figure,
           (SELECT count(*) FROM sim.example WHERE key = 'descent')::numeric AS value, '= 0' AS threshold,
           (SELECT count(*) FILTER (WHERE l.what = 'pre_due') || ' of them pre-due reminders'
              FROM sim.c_ladder l, sim.k WHERE l.episode IS NOT NULL
               AND ((l.what = 'notice' AND l.step_no < l.level_before) OR (l.what = 'pre_due' AND l.level_before > k.first_rung))) AS detail
    UNION ALL
    SELECT 2, 'after_legal', 'automated contacts after legal', (SELECT count(*) FROM sim.example WHERE key = 'after_legal'), '= 0',
           (SELECT count(DISTINCT customer_id) || ' customers' FROM sim.example WHERE key = 'after_legal')
    UNION ALL
    SELECT 3, 'skip', 'skipped rungs (go-live included)', (SELECT count(*) FROM sim.example WHERE key = 'skip'), '= 0',
           (SELECT count(*) FILTER (WHERE day = k.go_live) || ' at go-live; ' FROM sim.example, sim.k WHERE key = 'skip')
           || (SELECT count(*) || ' rungs passed over for min_overdue_amount (allowed)' FROM sim.c_ladder WHERE gated_skip)
    UNION ALL
    SELECT 4, 'golive_formal', 'formal notices or legal on go-live day', (SELECT count(*) FROM sim.example WHERE key = 'golive_formal'), '= 0',
           (SELECT count(*) || ' actions on go-live day' FROM sim.c_act, sim.k WHERE action_date = k.go_live)
    UNION ALL
    SELECT 5, 'thanks_unpaid', 'thanks for unpaid items', (SELECT count(*) FROM sim.example WHERE key = 'thanks_unpaid'), '= 0',
           (SELECT count(*) || ' thanks sent' FROM sim.c_act WHERE what = 'thanks')
    UNION ALL
    SELECT 6, 'week3', 'windows of 7 days with more than 2 contacts', (SELECT count(*) FROM sim.example WHERE key = 'week3'), '= 0',
           (SELECT count(DISTINCT customer_id) || ' customers' FROM sim.example WHERE key = 'week3')
    UNION ALL
    SELECT 7, 'day2', 'days with 2 or more contacts', (SELECT count(*) FROM sim.example WHERE key = 'day2'), '= 0',
           (SELECT count(DISTINCT customer_id) || ' customers' FROM sim.example WHERE key = 'day2')
    UNION ALL
    SELECT 8, 'settled', 'reminders listing items settled before the action date', (SELECT count(*) FROM sim.example WHERE key = 'settled'), '= 0',
           (SELECT count(*) || ' listing items settled on the action date itself' FROM sim.c_act a JOIN sim.c_item i USING (action_id)
              JOIN sim.c_inv v USING (invoice_id) WHERE a.what IN ('notice', 'pre_due') AND v.paid_on = a.action_date)
    UNION ALL
    SELECT 9, 'protected', 'protected customers (pay within 30 days of due or 8 days of first reminder) at formal or legal',
           (SELECT count(*) FROM sim.example WHERE key = 'protected'), '= 0',
           (SELECT count(*) FILTER (WHERE protected) || ' protected of ' || count(*) || ' customers with items open since go-live' FROM sim.c_protected)
    UNION ALL
    -- the rates: share of the cases that are fine
    SELECT r.ord, r.key, r.figure, COALESCE(round(100.0 * r.n_ok / nullif(r.n_all, 0), 1), 0), r.threshold,
           r.n_ok || ' of ' || r.n_all
      FROM (VALUES
            (10, 'confirm', 'reminded-then-paid invoices confirmed within 3 business days (%)', '>= 95',
             (SELECT count(*) FILTER (WHERE confirmed) FROM sim.c_confirm), (SELECT count(*) FROM sim.c_confirm)),
            (11, 'reminded', 'customers with an overdue item reminded (%)', '>= 95',
             (SELECT count(*) FILTER (WHERE reminded) FROM sim.c_remind), (SELECT count(*) FROM sim.c_remind)),
            (12, 'never', 'never-payers reaching a formal notice or legal (%)', '>= 90',
             (SELECT count(*) FILTER (WHERE reached) FROM sim.c_never), (SELECT count(*) FROM sim.c_never)))
           AS r (ord, key, figure, threshold, n_ok, n_all)
    UNION ALL
    SELECT 13, 'stalled', 'customers stalled below the formal notice with an item 60+ days overdue at the end',
           (SELECT count(*) FROM sim.example WHERE key = 'stalled'), 'info',
           (SELECT 'at s' || string_agg(l || ': ' || n, ', s' ORDER BY l) FROM (
                SELECT substring(note FROM 'level s?([a-z0-9]+)') AS l, count(*) AS n FROM sim.example WHERE key = 'stalled' GROUP BY 1) z)
  ) x;
UPDATE sim.result SET shown = CASE WHEN threshold IN ('= 0', 'info') THEN value::bigint::text ELSE value || ' %' END;

-- What else happened (no threshold)
CREATE TABLE sim.info AS
SELECT 1 AS ord, 'customers (classes)' AS what,
       (SELECT count(*) || ': ' || string_agg(klass || ' ' || n, ', ' ORDER BY n DESC)
          FROM (SELECT klass, count(*) AS n FROM sim.customer_profile GROUP BY klass) x) AS value
UNION ALL SELECT 2, 'invoices (at go-live / open at go-live / issued in the simulation)',
       (SELECT count(*) FILTER (WHERE issued_on < k.go_live) || ' / '
               || count(*) FILTER (WHERE issued_on < k.go_live AND (paid_on IS NULL OR paid_on >= k.go_live)) || ' / '
               || count(*) FILTER (WHERE issued_on >= k.go_live)
          FROM sim.item, sim.k)
UNION ALL SELECT 3, 'customers in an episode at go-live',
       (SELECT count(*)::text FROM sim.c_episode, sim.k WHERE started_on = k.go_live)
UNION ALL SELECT 4, 'payments / disputes opened / resolved / promises in the simulation',
       (SELECT sum(payments) || ' / ' || sum(disputes_opened) || ' / ' || sum(disputes_resolved) || ' / ' || sum(promises) FROM sim.day_log)
UNION ALL SELECT 5, 'actions sent by step (rung:channel)',
       (SELECT string_agg(s || ' ' || n, ', ' ORDER BY o, s) FROM (
            SELECT CASE WHEN step_no IS NULL THEN channel ELSE 's' || step_no || ':' || channel END AS s,
                   COALESCE(step_no, 99) AS o, count(*) AS n
              FROM sim.c_act GROUP BY 1, 2) x)
UNION ALL SELECT 6, 'actions on go-live day', (SELECT count(*)::text FROM sim.c_act, sim.k WHERE action_date = k.go_live)
UNION ALL SELECT 7, 'actions not sent (failed / cancelled / queued)',
       (SELECT count(*) FILTER (WHERE status = 'failed') || ' / ' || count(*) FILTER (WHERE status = 'cancelled')
               || ' / ' || count(*) FILTER (WHERE status = 'queued') FROM sim.outbox_action)
UNION ALL SELECT 8, 'pre-due reminders at level s' || (SELECT first_rung FROM sim.k) || ' (allowed)',
       (SELECT count(*)::text FROM sim.c_ladder l, sim.k WHERE l.what = 'pre_due' AND l.level_before = k.first_rung)
UNION ALL SELECT 9, 'notices outside any episode (nothing overdue that day)',
       (SELECT count(*)::text FROM sim.c_ladder WHERE what = 'notice' AND episode IS NULL)
UNION ALL SELECT 10, 'runs: times (Europe/London), days without a run, run() time per day total / max (ms)',
       (SELECT array_to_string(p.run_times, ' ') || '; ' || COALESCE(array_to_string(p.missed_days, ' '), 'none') || '; '
               || round(sum(l.run_ms)) || ' / ' || round(max(l.run_ms)) FROM sim.day_log l, sim.params p GROUP BY p.run_times, p.missed_days)
UNION ALL SELECT 11, 'ledger check: invoices whose settled_amount differs from the harness''s allocations',
       (SELECT count(*)::text FROM dunning.invoice i LEFT JOIN (SELECT invoice_id, sum(amount) AS s FROM sim.alloc_log GROUP BY 1) l USING (invoice_id)
         WHERE i.settled_amount <> COALESCE(l.s, 0));

\if :{?quiet}
\else
\pset footer off
\echo
\echo '== 90-day simulation: figures of issue 11 ("Done when")'
SELECT ord AS "#", figure, shown AS value, threshold, CASE WHEN pass THEN 'ok' WHEN NOT pass THEN 'FAIL' ELSE '' END AS "ok?", detail
  FROM sim.result ORDER BY ord;
\echo '== context'
SELECT what, value FROM sim.info ORDER BY ord;
\echo '== steps of "standard" (s<step_no>): offset, channel, min_overdue_amount'
SELECT 's' || step_no AS rung, offset_days, channel, min_overdue_amount FROM sim.c_step ORDER BY step_no;
\echo '== examples of violations: customer, class, day, what; then its timeline'
\echo '   (s<rung>:<channel>[items], thanks[items], !failed/!cancelled: not sent, PAY(invoices settled+parts),'
\echo '    DISPUTE/RESOLVED/REJECTED/CREDITED(invoice), PROMISE(to day kept|broken), {ep .. ep} an episode)'
SELECT r.ord AS "#", r.key, x.customer_id, c.klass || CASE WHEN c.forgotten THEN '+forgotten' ELSE '' END AS class,
       x.day, x.note, sim.timeline(x.customer_id) AS timeline
  FROM sim.result r
  CROSS JOIN LATERAL (
        SELECT * FROM (SELECT DISTINCT ON (e.customer_id) e.* FROM sim.example e WHERE e.key = r.key
                        ORDER BY e.customer_id, e.day) e
         ORDER BY e.day NULLS FIRST, e.customer_id LIMIT current_setting('sim.examples')::int) x
  JOIN sim.customer_profile c ON c.customer_id = x.customer_id
 ORDER BY r.ord, x.day, x.customer_id;
\endif
