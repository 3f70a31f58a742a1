-- test/sim/selftest.sql: the checker's own mutation test.  Run after test/sim/check.sql
-- on a simulated database: it injects one violation of every figure into the outbox as
-- the checker sees it (sim.mut_action, sim.mut_item: fake actions with negative ids;
-- sim.mut_hide: real actions hidden), runs the checker again and lists, per figure,
-- whether the injected case was found (sim.mut_expect.detected).  The injected rows are
-- removed at the end; sim.result then holds the mutated figures (run check.sql again
-- for the real ones).  Nothing of the extension is changed.
SET client_min_messages = warning;
TRUNCATE sim.mut_action, sim.mut_item, sim.mut_hide;
DROP TABLE IF EXISTS sim.mut_expect;
CREATE TABLE sim.mut_expect (key text PRIMARY KEY, customer_id bigint, detected boolean);

DO $$
DECLARE
    k record;
    s2 bigint; s3 bigint; s1 bigint; formal bigint; legal bigint;
    used bigint[] := '{}';
    c record;
    inv record;
    cust bigint;
BEGIN
    SELECT * INTO k FROM sim.k;
    SELECT step_id INTO s1 FROM sim.c_step WHERE offset_days < 0 AND channel <> 'thanks' ORDER BY step_no LIMIT 1;
    SELECT step_id INTO s2 FROM sim.c_step WHERE step_no = k.first_rung;
    SELECT step_id INTO s3 FROM sim.c_step WHERE step_no > k.first_rung AND offset_days >= 0 ORDER BY step_no LIMIT 1;
    SELECT step_id INTO formal FROM sim.c_step WHERE step_no = k.formal_rung;
    SELECT step_id INTO legal FROM sim.c_step WHERE step_no = k.legal_rung;

    -- episodes of 12 days or more, one per customer, for the patterns placed in an episode
    CREATE TEMP TABLE cand ON COMMIT DROP AS
    SELECT DISTINCT ON (e.customer_id) e.customer_id, e.started_on, e.ended_on
      FROM sim.c_episode e WHERE e.ended_on - e.started_on >= 12
     ORDER BY e.customer_id, e.started_on;
    -- the patterns: actions at a step, on a channel, some days into the episode (NULL: go-live)
    --   descent: s3 then s2; after_legal: legal then an e-mail; skip: legal one day into an
    --   episode not yet near the formal notice; golive_formal; week3: 3 contacts in 5 days;
    --   day2: 2 contacts on a day
    CREATE TEMP TABLE pat ON COMMIT DROP AS
    SELECT v.*, CASE v.step WHEN 's1' THEN s1 WHEN 's2' THEN s2 WHEN 's3' THEN s3 WHEN 'formal' THEN formal
                            ELSE legal END AS step_id
      FROM (VALUES (1, 'descent', 11, 's3', 'email', 2), (1, 'descent', 12, 's2', 'email', 4),
                   (2, 'after_legal', 21, 'legal', 'legal', 1), (2, 'after_legal', 22, 's2', 'email', 3),
                   (3, 'skip', 31, 'legal', 'legal', 1),
                   (4, 'golive_formal', 41, 'formal', 'letter', NULL),
                   (5, 'week3', 61, 's1', 'email', 1), (5, 'week3', 62, 's1', 'email', 3), (5, 'week3', 63, 's1', 'email', 5),
                   (6, 'day2', 71, 's1', 'email', 1), (6, 'day2', 72, 's1', 'sms', 1))
           AS v (o, key, n, step, channel, off);
    FOR c IN SELECT DISTINCT o, key FROM pat ORDER BY o LOOP
        SELECT d.customer_id INTO cust FROM cand d
         WHERE d.customer_id <> ALL (used)
           AND (c.key <> 'skip' OR NOT EXISTS (
                SELECT FROM sim.c_act a WHERE a.customer_id = d.customer_id AND a.what = 'notice'
                   AND a.action_date BETWEEN d.started_on AND d.started_on + 1 AND a.step_no >= k.formal_rung - 1))
         ORDER BY d.customer_id LIMIT 1;
        INSERT INTO sim.mut_action
        SELECT -p.n, d.customer_id, p.step_id, p.channel, COALESCE(d.started_on + p.off, k.go_live), 'sent'
          FROM pat p JOIN cand d ON d.customer_id = cust WHERE p.key = c.key;
        INSERT INTO sim.mut_expect VALUES (c.key, cust); used := used || COALESCE(cust, -1);
    END LOOP;
    -- thanks for an invoice still unpaid at the end
    SELECT * INTO inv FROM sim.c_inv v WHERE v.paid_on IS NULL AND v.due_on < k.last_day
       AND v.customer_id <> ALL (used) ORDER BY v.customer_id, v.invoice_id LIMIT 1;
    INSERT INTO sim.mut_action VALUES (-51, inv.customer_id, NULL, 'thanks', k.last_day, 'sent');
    INSERT INTO sim.mut_item VALUES (-51, inv.invoice_id);
    INSERT INTO sim.mut_expect VALUES ('thanks_unpaid', inv.customer_id); used := used || COALESCE(inv.customer_id, -1);
    -- a reminder listing an invoice paid the day before
    SELECT * INTO inv FROM sim.c_inv v WHERE v.paid_on BETWEEN k.go_live AND k.last_day - 1
       AND v.customer_id <> ALL (used) ORDER BY v.customer_id, v.invoice_id LIMIT 1;
    INSERT INTO sim.mut_action VALUES (-81, inv.customer_id, s2, 'email', inv.paid_on + 1, 'sent');
    INSERT INTO sim.mut_item VALUES (-81, inv.invoice_id);
    INSERT INTO sim.mut_expect VALUES ('settled', inv.customer_id); used := used || COALESCE(inv.customer_id, -1);
    -- a formal notice to a protected customer
    SELECT p.customer_id INTO cust FROM sim.c_protected p WHERE p.protected AND p.customer_id <> ALL (used)
     ORDER BY p.customer_id LIMIT 1;
    INSERT INTO sim.mut_action VALUES (-91, cust, formal, 'letter', k.last_day, 'sent');
    INSERT INTO sim.mut_expect VALUES ('protected', cust); used := used || COALESCE(cust, -1);
    -- hidden: the thanks of a customer whose payment was confirmed, the notices of a
    -- customer that was reminded, the formal notices of a never-payer that got one
    SELECT x.customer_id INTO cust FROM sim.c_confirm x WHERE x.confirmed AND x.customer_id <> ALL (used)
     ORDER BY x.customer_id LIMIT 1;
    INSERT INTO sim.mut_hide VALUES (cust, 'thanks');
    INSERT INTO sim.mut_expect VALUES ('confirm', cust); used := used || COALESCE(cust, -1);
    SELECT x.customer_id INTO cust FROM sim.c_remind x WHERE x.reminded AND x.customer_id <> ALL (used)
     ORDER BY x.customer_id LIMIT 1;
    INSERT INTO sim.mut_hide VALUES (cust, 'notice');
    INSERT INTO sim.mut_expect VALUES ('reminded', cust); used := used || COALESCE(cust, -1);
    SELECT x.customer_id INTO cust FROM sim.c_never x WHERE x.reached AND x.customer_id <> ALL (used)
     ORDER BY x.customer_id LIMIT 1;
    INSERT INTO sim.mut_hide VALUES (cust, 'formal');
    INSERT INTO sim.mut_expect VALUES ('never', cust); used := used || COALESCE(cust, -1);
END $$;

\set quiet 1
\ir check.sql
\unset quiet
-- detected is NULL when the run had no case to mutate (e.g. no confirmation at all to hide)
UPDATE sim.mut_expect m
   SET detected = EXISTS (SELECT FROM sim.example e WHERE e.key = m.key AND e.customer_id = m.customer_id)
 WHERE m.customer_id IS NOT NULL;
TRUNCATE sim.mut_action, sim.mut_item, sim.mut_hide;
