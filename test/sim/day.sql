-- test/sim/day.sql: one simulated day, and the loop over the days
-- (doc/dunning.md, "The 90-day simulation").  Load after test/sim/generate.sql:
--
--   psql -v ON_ERROR_STOP=1 -f test/sim/day.sql -c 'CALL sim.simulate()'
--
-- Each day, in this order, through the contract of issue 11 only:
--   1. the day's invoices are inserted (explicit ids);
--   2. the customers read the reminders sent to them before today (sent actions on
--      e-mail, SMS, letter or legal at a step of the standard scenario from the due
--      date on, with their action_item rows) and react as their class says: pay the
--      listed items after their lag, promise, dispute;
--   3. disputes are opened (open_dispute(..., opened_on => d)) and resolved
--      (resolve_dispute(id, status, notes, d)) on customer business days;
--   4. promises made today (promise_to_pay); promises whose day passed unpaid are broken;
--   5. payments: one per customer and bank day, received_on = d, allocated with allocate()
--      (some items are paid in two parts); booked before the runs, or with
--      sim.params.booking = 'between' after the first run of the day (a statement imported
--      in the morning);
--   6. dunning.run(d + t) at each time t of sim.params.run_times (Europe/London; default
--      08:30 and 10:00), except on the missed days (default days 45 and 46: an outage);
--   7. after each run every queued action is marked sent (mark_sent(action_id, as_of + 5 minutes)).
-- The day's payments: one per customer, currency and bank day, settling the items due to be
-- paid (the rest of an item partly paid) and the first parts of items paid in two parts,
-- received_on = d, allocated with allocate(); returns how many payments and allocations.
CREATE OR REPLACE FUNCTION sim.pay(d date, OUT n_pay int, OUT n_alloc int)
    LANGUAGE plpgsql SET client_min_messages = warning
AS $fn$
DECLARE
    r record;
    pid bigint;
BEGIN
    n_pay := 0;
    n_alloc := 0;
    FOR r IN SELECT x.customer_id, x.currency, array_agg(x.invoice_id ORDER BY x.invoice_id) AS ids,
                    array_agg(x.amount ORDER BY x.invoice_id) AS amounts, array_agg(x.full_ ORDER BY x.invoice_id) AS fulls,
                    sum(x.amount) AS amount, count(*) FILTER (WHERE NOT x.full_) AS parts
               FROM (SELECT i.customer_id, i.currency, i.invoice_id, COALESCE(i.pay_on <= d, false) AS full_,
                            CASE WHEN NOT COALESCE(i.pay_on <= d, false) THEN i.part_amount
                                 WHEN i.part_paid_on IS NOT NULL THEN i.amount - i.part_amount ELSE i.amount END AS amount
                       FROM sim.item i JOIN sim.cal k ON k.country = i.country AND k.day = d
                      WHERE k.is_bd AND i.paid_on IS NULL AND i.issued_on <= d
                        AND (i.pay_on <= d OR (i.part_on <= d AND i.part_paid_on IS NULL))
                        AND (i.dispute_id IS NULL OR i.disp_closed_on IS NOT NULL)) x
              GROUP BY x.customer_id, x.currency ORDER BY x.customer_id, x.currency
    LOOP
        pid := nextval('sim.payment_seq');
        INSERT INTO dunning.payment (payment_id, received_on, amount, currency, customer_id, payer_name,
                                     remittance_info, external_ref)
        VALUES (pid, d, r.amount, r.currency, r.customer_id, 'customer ' || r.customer_id,
                'payment of ' || cardinality(r.ids) || ' invoice(s)', 'SIMPAY' || pid);
        PERFORM dunning.allocate(pid, x.invoice_id, x.amount)
           FROM unnest(r.ids, r.amounts) AS x (invoice_id, amount);
        INSERT INTO sim.alloc_log SELECT pid, x.invoice_id, x.amount, d FROM unnest(r.ids, r.amounts) AS x (invoice_id, amount);
        UPDATE sim.item i SET paid_on = d, payment_id = pid
          FROM unnest(r.ids, r.fulls) AS x (invoice_id, full_)
         WHERE i.invoice_id = x.invoice_id AND x.full_;
        UPDATE sim.item i SET part_paid_on = d
          FROM unnest(r.ids, r.fulls) AS x (invoice_id, full_)
         WHERE i.invoice_id = x.invoice_id AND NOT x.full_;
        INSERT INTO sim.event_log VALUES (d, r.customer_id, 'pay',
            (cardinality(r.ids) - r.parts) || CASE WHEN r.parts > 0 THEN '+' || r.parts || ' part' ELSE '' END);
        n_pay := n_pay + 1;
        n_alloc := n_alloc + cardinality(r.ids);
    END LOOP;
END
$fn$;

CREATE OR REPLACE FUNCTION sim.day(d date) RETURNS void
    LANGUAGE plpgsql SET client_min_messages = warning
AS $fn$
DECLARE
    p sim.params;
    as_of timestamptz;
    t time;
    run_times_of_day time[];
    day_no int;
    last_id bigint;
    max_id bigint;
    r record;
    prid bigint;
    promised date;
    keep boolean;
    n_inv int;
    n_pay int := 0;
    n_alloc int := 0;
    n_dopen int := 0;
    n_dres int := 0;
    n_prom int := 0;
    created int := 0;
    n_sent int := 0;
    t0 timestamptz;
    run_ms numeric;
BEGIN
    SELECT * INTO p FROM sim.params;
    day_no := d - (p.go_live - p.history_days);

    -- 1. the day's invoices
    INSERT INTO dunning.invoice (invoice_id, customer_id, invoice_number, issued_on, due_on, amount, currency)
    SELECT i.invoice_id, i.customer_id, 'SIM-' || lpad(i.invoice_id::text, 8, '0'), i.issued_on, i.due_on,
           i.amount, i.currency
      FROM sim.item i WHERE i.issued_on = d ORDER BY i.invoice_id;
    GET DIAGNOSTICS n_inv = ROW_COUNT;

    -- 2. reminders received since the last day: sent post-due notices on a contact channel
    SELECT s.last_action_id INTO last_id FROM sim.state s;
    SELECT COALESCE(max(a.action_id), last_id) INTO max_id FROM dunning.action a WHERE a.action_id > last_id;
    DROP TABLE IF EXISTS pg_temp.sim_rem;
    CREATE TEMP TABLE sim_rem ON COMMIT DROP AS
    SELECT ai.invoice_id, a.action_date, st.step_no
      FROM dunning.action a
      JOIN dunning.action_item ai ON ai.action_id = a.action_id
      JOIN dunning.scenario_step st ON st.step_id = a.step_id
      JOIN dunning.scenario sc ON sc.scenario_id = st.scenario_id AND sc.name = 'standard'
     WHERE a.action_id > last_id AND a.action_id <= max_id AND a.status = 'sent'
       AND a.channel IN ('email', 'sms', 'letter', 'legal') AND st.offset_days >= 0;
    UPDATE sim.item i SET first_reminded_on = x.first_on
      FROM (SELECT invoice_id, min(action_date) AS first_on FROM sim_rem GROUP BY invoice_id) x
     WHERE x.invoice_id = i.invoice_id AND i.first_reminded_on IS NULL;
    UPDATE sim.item i SET
        pay_on = CASE WHEN i.react_kind = 'pay'
                      THEN least(COALESCE(i.pay_on, 'infinity'), greatest(d, x.on_ + i.react_lag)) ELSE i.pay_on END,
        promise_on = CASE WHEN i.react_kind = 'promise'
                          THEN greatest(d, x.on_ + 1 + sim.ui(i.customer_id * 2048 + (x.on_ - p.go_live + p.history_days), 50, 0, 1))
                          ELSE i.promise_on END,
        disp_open_on = CASE WHEN i.react_kind = 'dispute'
                            THEN least(i.disp_open_on, greatest(d, x.on_ + sim.ui(i.invoice_id, 51, 1, 3)))
                            ELSE i.disp_open_on END,
        react_kind = CASE WHEN i.react_kind = 'promise' THEN 'promising' END
      FROM (SELECT i.invoice_id, min(m.action_date) AS on_
              FROM sim.item i JOIN sim_rem m ON m.invoice_id = i.invoice_id
             WHERE i.paid_on IS NULL AND i.react_kind IN ('pay', 'promise', 'dispute')
               AND m.action_date > i.react_after
               AND (i.react_min_rung IS NULL OR m.step_no >= i.react_min_rung)
             GROUP BY i.invoice_id) x
     WHERE x.invoice_id = i.invoice_id;

    -- 3. disputes opened and resolved on the customer's business days
    FOR r IN SELECT i.invoice_id, i.customer_id, i.disp_reason
               FROM sim.item i JOIN sim.cal k ON k.country = i.country AND k.day = d
              WHERE k.is_bd AND i.disp_open_on <= d AND i.dispute_id IS NULL AND i.paid_on IS NULL
                AND i.issued_on <= d
              ORDER BY i.invoice_id
    LOOP
        UPDATE sim.item i
           SET dispute_id = dunning.open_dispute(invoice_id => r.invoice_id, reason => r.disp_reason, opened_on => d),
               disp_opened_on = d, disp_res_on = d + i.disp_days, react_kind = NULL, pay_on = NULL
         WHERE i.invoice_id = r.invoice_id;
        INSERT INTO sim.event_log VALUES (d, r.customer_id, 'dispute', r.invoice_id::text);
        n_dopen := n_dopen + 1;
    END LOOP;
    FOR r IN SELECT i.invoice_id, i.customer_id, i.dispute_id, i.disp_outcome
               FROM sim.item i JOIN sim.cal k ON k.country = i.country AND k.day = d
              WHERE k.is_bd AND i.dispute_id IS NOT NULL AND i.disp_closed_on IS NULL AND i.disp_res_on <= d
              ORDER BY i.dispute_id
    LOOP
        PERFORM dunning.resolve_dispute(r.dispute_id, r.disp_outcome, 'closed in the simulation', d);
        UPDATE sim.item i SET
            disp_closed_on = d,
            pay_on = CASE i.disp_outcome WHEN 'resolved' THEN d + sim.ui(i.invoice_id, 52, 2, 5)
                                         WHEN 'credited' THEN d ELSE d + 40 END,
            react_kind = CASE WHEN i.disp_outcome = 'rejected' THEN 'pay' END,
            react_after = CASE WHEN i.disp_outcome = 'rejected' THEN d END,
            react_lag = CASE WHEN i.disp_outcome = 'rejected' THEN sim.ui(i.invoice_id, 53, 2, 5) END,
            react_min_rung = NULL
         WHERE i.invoice_id = r.invoice_id;
        INSERT INTO sim.event_log VALUES (d, r.customer_id, r.disp_outcome, r.invoice_id::text);
        n_dres := n_dres + 1;
    END LOOP;

    -- 4. broken promises (the day passed unpaid): pay after the next reminder; new promises
    UPDATE sim.item i SET react_kind = 'pay', react_after = i.promised_on, react_lag = sim.ui(i.invoice_id, 54, 2, 5)
     WHERE i.react_kind = 'promised' AND NOT i.promise_kept AND i.promised_on < d AND i.paid_on IS NULL;
    FOR r IN SELECT i.customer_id, i.currency, array_agg(i.invoice_id ORDER BY i.invoice_id) AS ids,
                    sum(i.amount) AS amount
               FROM sim.item i JOIN sim.cal k ON k.country = i.country AND k.day = d
              WHERE k.is_bd AND i.react_kind = 'promising' AND i.promise_on <= d AND i.paid_on IS NULL
                AND (i.dispute_id IS NULL OR i.disp_closed_on IS NOT NULL)
              GROUP BY i.customer_id, i.currency ORDER BY i.customer_id
    LOOP
        promised := d + 7 + sim.ui(r.customer_id * 2048 + day_no, 55, 0, 7);
        keep := sim.u(r.customer_id * 2048 + day_no, 56)
                < (SELECT c.keep_rate FROM sim.customer_profile c WHERE c.customer_id = r.customer_id);
        prid := dunning.promise_to_pay(r.ids, r.amount, promised, 'promised on the phone');
        UPDATE sim.item i SET react_kind = 'promised', promise_id = prid, promise_made_on = d, promised_on = promised,
               promise_kept = keep,
               pay_on = CASE WHEN keep THEN least(i.pay_on, greatest(d + 1, promised - sim.ui(i.invoice_id, 57, 0, 3)))
                             ELSE i.pay_on END
         WHERE i.invoice_id = ANY (r.ids);
        INSERT INTO sim.event_log VALUES (d, r.customer_id, 'promise', promised::text || CASE WHEN keep THEN ' kept' ELSE ' broken' END);
        n_prom := n_prom + 1;
    END LOOP;

    -- 5. payments (before the runs, or after the first one: sim.params.booking)
    IF p.booking = 'before' THEN
        SELECT * INTO n_pay, n_alloc FROM sim.pay(d);
    END IF;

    -- 6. the runs of the day, 7. after each, every queued action is sent
    run_ms := 0;
    run_times_of_day := CASE WHEN d - p.go_live = ANY (COALESCE(p.missed_days, '{}')) THEN '{}'::time[]
                             ELSE p.run_times END;
    FOREACH t IN ARRAY run_times_of_day
    LOOP
        as_of := (d + t) AT TIME ZONE 'Europe/London';
        t0 := clock_timestamp();
        created := created + dunning.run(as_of);
        run_ms := run_ms + round(extract(epoch FROM clock_timestamp() - t0)::numeric * 1000, 1);
        FOR r IN SELECT a.action_id FROM dunning.action a WHERE a.status = 'queued' ORDER BY a.action_id LOOP
            PERFORM dunning.mark_sent(r.action_id, as_of + interval '5 minutes');
            n_sent := n_sent + 1;
        END LOOP;
        IF p.booking = 'between' AND t = p.run_times[1] THEN
            SELECT * INTO n_pay, n_alloc FROM sim.pay(d);
        END IF;
    END LOOP;
    IF p.booking = 'between' AND NOT (p.run_times[1] = ANY (run_times_of_day)) THEN   -- no run today
        SELECT * INTO n_pay, n_alloc FROM sim.pay(d);
    END IF;

    UPDATE sim.state SET last_action_id = max_id;
    INSERT INTO sim.day_log VALUES (d, n_inv, n_pay, n_alloc, n_dopen, n_dres, n_prom, created, n_sent, run_ms);
END
$fn$;
COMMENT ON FUNCTION sim.day(date) IS 'one simulated day: invoices, customer reactions, disputes, promises, payments, run, mark_sent';

-- The loop: one transaction per day; resumable (sim.state.days_done); NOTICE every 10 days.
CREATE OR REPLACE PROCEDURE sim.simulate(max_days int DEFAULT NULL)
    LANGUAGE plpgsql
AS $fn$
DECLARE
    p sim.params;
    done int;
    todo int;
BEGIN
    SELECT * INTO p FROM sim.params;
    SELECT s.days_done INTO done FROM sim.state s;
    todo := least(p.days - done, COALESCE(max_days, p.days));
    FOR k IN 1 .. todo LOOP
        PERFORM sim.day(p.go_live + done);
        done := done + 1;
        UPDATE sim.state SET days_done = done;
        COMMIT;
        IF done % 10 = 0 OR done = p.days THEN
            RAISE NOTICE 'sim: % days done (%)', done, p.go_live + done - 1;
        END IF;
    END LOOP;
END
$fn$;
