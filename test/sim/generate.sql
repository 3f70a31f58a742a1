-- test/sim/generate.sql: the ledger at go-live of the 90-day dunning simulation
-- (doc/dunning.md, "The 90-day simulation").
--
--   psql -v ON_ERROR_STOP=1 -v customers=300 -v seed=11 -v go_live=2026-03-02 -v days=90 \
--        [-v history=730] [-v runs=08:30,10:00] [-v missed=45,46] [-v booking=before] -f test/sim/generate.sql
--
-- runs: times of the daily runs (Europe/London: 09:30 and 11:00 in CET, so customers in
-- CET are evaluated at the first and those in the UK at the second); missed: days after
-- go-live with no run at all (an outage; '' for none); booking: payments are booked
-- before the day's runs (before, the default) or between the first and the second run.
--
-- Run it in a database where CREATE EXTENSION dunning was done and the ledger is empty.
-- It uses only the contract of issue 11: inserts into customer, invoice and payment
-- with explicit ids, dunning.allocate(), dunning.open_dispute(..., opened_on => d),
-- dunning.resolve_dispute(). The behaviour of every customer and invoice lives in the
-- side schema sim, which the day step (test/sim/day.sql) and the checker
-- (test/sim/check.sql) read. Every draw is a hash of (seed, key, purpose), never
-- random(): the data depends only on (seed, customers, go_live, days, history).
\if :{?customers}
\else
\set customers 300
\endif
\if :{?seed}
\else
\set seed 11
\endif
\if :{?go_live}
\else
\set go_live 2026-03-02
\endif
\if :{?days}
\else
\set days 90
\endif
\if :{?history}
\else
\set history 730
\endif
\if :{?runs}
\else
\set runs '08:30,10:00'
\endif
\if :{?missed}
\else
\set missed '45,46'
\endif
\if :{?booking}
\else
\set booking before
\endif

SELECT (:customers)::int BETWEEN 1 AND 1000000 AND (:days)::int BETWEEN 1 AND 366 AND :'booking' IN ('before', 'between')
       AND (:history)::int BETWEEN 60 AND 1500 AND abs((:seed)::bigint) < 9000000000000000
       AND NOT EXISTS (SELECT FROM dunning.customer) AND NOT EXISTS (SELECT FROM dunning.invoice)
       AS sim_ok \gset
\if :sim_ok
\else
DO $$BEGIN RAISE EXCEPTION 'sim: customers 1..1000000, days 1..366, history 60..1500, |seed| < 9e15, on an empty ledger'; END$$;
\quit
\endif

BEGIN;
SET LOCAL client_min_messages = warning;
SET LOCAL jit = off;
SET LOCAL work_mem = '128MB';
DROP SCHEMA IF EXISTS sim CASCADE;
CREATE SCHEMA sim;
COMMENT ON SCHEMA sim IS '90-day dunning simulation: customer behaviour, harness logs, checker';

CREATE TABLE sim.params AS
SELECT (:seed)::bigint AS seed, (:customers)::int AS customers, (:'go_live')::date AS go_live,
       (:days)::int AS days, (:history)::int AS history_days,
       (:'go_live')::date + (:days)::int - 1 AS last_day,
       string_to_array(:'runs', ',')::time[] AS run_times,
       string_to_array(nullif(:'missed', ''), ',')::int[] AS missed_days,
       :'booking'::text AS booking;
COMMENT ON TABLE sim.params IS
    'the run: run_times are the times (Europe/London) of the daily runs, missed_days the days (0 = go-live) without any run, booking when payments are booked (before the runs, or between the first and the second)';

-----------------------------------------------------------------------------
-- Draws: hashes of (seed, key, salt); keys < 2^32, salts < 1000
-----------------------------------------------------------------------------
CREATE FUNCTION sim.u(k bigint, salt int) RETURNS float8
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
RETURN ((hashint8extended(k, (:seed)::bigint * 1000 + salt) >> 11) & 9007199254740991)::float8
       / 9007199254740992.0;
-- integer in [lo, hi]
CREATE FUNCTION sim.ui(k bigint, salt int, lo int, hi int) RETURNS int
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
RETURN lo + floor(sim.u(k, salt) * (hi - lo + 1))::int;
-- standard normal (Box-Muller)
CREATE FUNCTION sim.z(k bigint, salt int) RETURNS float8
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
RETURN sqrt(-2 * ln(sim.u(k, salt) + 1e-17)) * cos(2 * pi() * sim.u(k, salt + 500));

-----------------------------------------------------------------------------
-- The harness's own calendar: weekends and national public holidays of the
-- countries used (banks are closed: no payment; the business days of the
-- "confirmed within 3 business days" figure). The extension's calendar is
-- not read.
-----------------------------------------------------------------------------
CREATE FUNCTION sim.easter(y int) RETURNS date LANGUAGE plpgsql IMMUTABLE STRICT AS $fn$
DECLARE a int := y % 19; b int := y / 100; c int := y % 100; d int; e int; f int; g int;
        h int; i int; k int; l int; m int;
BEGIN
    d := b / 4; e := b % 4; f := (b + 8) / 25; g := (b - f + 1) / 3;
    h := (19 * a + b - d - g + 15) % 30; i := c / 4; k := c % 4;
    l := (32 + 2 * e + 2 * i - h - k) % 7; m := (a + 11 * h + 22 * l) / 451;
    RETURN make_date(y, (h + l - 7 * m + 114) / 31, (h + l - 7 * m + 114) % 31 + 1);
END $fn$;

CREATE TABLE sim.holiday (country text, day date, PRIMARY KEY (country, day));
INSERT INTO sim.holiday
SELECT DISTINCT h.country, h.day
  FROM sim.params p,
       generate_series(extract(year FROM p.go_live)::int - p.history_days / 365 - 1,
                       extract(year FROM p.go_live)::int + 1) y,
       LATERAL (SELECT sim.easter(y) AS e) e,
       LATERAL (VALUES
         ('FR', make_date(y, 1, 1)), ('FR', e.e + 1), ('FR', make_date(y, 5, 1)), ('FR', make_date(y, 5, 8)),
         ('FR', e.e + 39), ('FR', e.e + 50), ('FR', make_date(y, 7, 14)), ('FR', make_date(y, 8, 15)),
         ('FR', make_date(y, 11, 1)), ('FR', make_date(y, 11, 11)), ('FR', make_date(y, 12, 25)),
         ('DE', make_date(y, 1, 1)), ('DE', e.e - 2), ('DE', e.e + 1), ('DE', make_date(y, 5, 1)),
         ('DE', e.e + 39), ('DE', e.e + 50), ('DE', make_date(y, 10, 3)), ('DE', make_date(y, 12, 25)),
         ('DE', make_date(y, 12, 26)),
         ('BE', make_date(y, 1, 1)), ('BE', e.e + 1), ('BE', make_date(y, 5, 1)), ('BE', e.e + 39),
         ('BE', e.e + 50), ('BE', make_date(y, 7, 21)), ('BE', make_date(y, 8, 15)), ('BE', make_date(y, 11, 1)),
         ('BE', make_date(y, 11, 11)), ('BE', make_date(y, 12, 25)),
         ('NL', make_date(y, 1, 1)), ('NL', e.e + 1),
         ('NL', CASE WHEN extract(isodow FROM make_date(y, 4, 27)) = 7 THEN make_date(y, 4, 26) ELSE make_date(y, 4, 27) END),
         ('NL', e.e + 39), ('NL', e.e + 50), ('NL', make_date(y, 12, 25)), ('NL', make_date(y, 12, 26)),
         ('GB', make_date(y, 1, 1) + CASE extract(isodow FROM make_date(y, 1, 1))::int WHEN 6 THEN 2 WHEN 7 THEN 1 ELSE 0 END),
         ('GB', e.e - 2), ('GB', e.e + 1),
         ('GB', make_date(y, 5, 1) + (8 - extract(isodow FROM make_date(y, 5, 1))::int) % 7),     -- first Monday of May
         ('GB', make_date(y, 5, 31) - (extract(isodow FROM make_date(y, 5, 31))::int - 1)),       -- last Monday of May
         ('GB', make_date(y, 8, 31) - (extract(isodow FROM make_date(y, 8, 31))::int - 1)),       -- last Monday of August
         ('GB', make_date(y, 12, 25) + CASE extract(isodow FROM make_date(y, 12, 25))::int WHEN 6 THEN 2 WHEN 7 THEN 2 ELSE 0 END),
         ('GB', make_date(y, 12, 26) + CASE extract(isodow FROM make_date(y, 12, 26))::int WHEN 6 THEN 2 WHEN 7 THEN 2 ELSE 0 END),
         ('ES', make_date(y, 1, 1)), ('ES', make_date(y, 1, 6)), ('ES', e.e - 2), ('ES', make_date(y, 5, 1)),
         ('ES', make_date(y, 8, 15)), ('ES', make_date(y, 10, 12)), ('ES', make_date(y, 11, 1)),
         ('ES', make_date(y, 12, 6)), ('ES', make_date(y, 12, 8)), ('ES', make_date(y, 12, 25)),
         ('IT', make_date(y, 1, 1)), ('IT', make_date(y, 1, 6)), ('IT', e.e + 1), ('IT', make_date(y, 4, 25)),
         ('IT', make_date(y, 5, 1)), ('IT', make_date(y, 6, 2)), ('IT', make_date(y, 8, 15)),
         ('IT', make_date(y, 11, 1)), ('IT', make_date(y, 12, 8)), ('IT', make_date(y, 12, 25)),
         ('IT', make_date(y, 12, 26))) AS h (country, day);

-- per country and day: business day?, running count of business days, the
-- first business day on or after the day
CREATE TABLE sim.cal AS
WITH d AS (
    SELECT c.country, g::date AS day,
           extract(isodow FROM g) < 6 AND NOT EXISTS (SELECT FROM sim.holiday h WHERE h.country = c.country AND h.day = g::date) AS is_bd
      FROM sim.params p,
           (VALUES ('FR'), ('DE'), ('BE'), ('NL'), ('GB'), ('ES'), ('IT')) c (country),
           generate_series(p.go_live - p.history_days - 40, p.last_day + 400, interval '1 day') g
)
SELECT d.country, d.day, d.is_bd,
       count(*) FILTER (WHERE d.is_bd) OVER (PARTITION BY d.country ORDER BY d.day) AS bd_no,
       min(d.day) FILTER (WHERE d.is_bd) OVER (PARTITION BY d.country ORDER BY d.day DESC) AS next_bd
  FROM d;
ALTER TABLE sim.cal ADD PRIMARY KEY (country, day);
COMMENT ON TABLE sim.cal IS 'the harness calendar: business days per country (weekends and national holidays off)';

-----------------------------------------------------------------------------
-- Customers and their behaviour (hidden from the ledger)
-----------------------------------------------------------------------------
--   prompt            pays every invoice within terms (due date -4 .. +3 days, sd 2)
--   late              pays at its own delay after the due date (mean 8..75 days, sd 3..12),
--                     or within 2..6 days of a formal notice or legal letter listing the item
--   after_reminder    pays the items listed in its first reminder within its lag (1..6 days);
--                     an item never reminded is paid 75..95 days after its due date
--   disputer          pays 0..8 days late; disputes 20 % of its invoices (at receipt or after
--                     the first reminder); resolved -> pays 2..5 days later, rejected -> pays
--                     2..5 days after the next reminder, credited -> settled that day
--   promise_keeper    promises (promise_to_pay) 1..2 days after the first reminder listing
--                     items, 7..14 days ahead, and keeps 90 % of its promises
--   promise_breaker   same, keeps 15 %; after a broken promise pays 2..5 days after the next reminder
--   never             stopped paying 20..300 days before go-live; is invoiced 60 days more
-- 8 % of the invoices of prompt, late, disputer and never customers paid on a planned day
-- are paid in two parts (30..60 % first, 7..20 days before the rest).
-- 5 % of the customers outside GB also get a fifth of their invoices in USD or GBP.
-- plus "forgotten": 15 % of prompt and 10 % of late customers left one old invoice
-- (due 60..500 days before go-live) unpaid by oversight and pay it 2..6 days after the
-- first reminder that lists it.
CREATE TABLE sim.customer_profile AS
WITH c AS (
    SELECT g AS customer_id, sim.u(g, 1) AS uc, sim.u(g, 2) AS uk, p.go_live
      FROM sim.params p, generate_series(1, p.customers) g
)
SELECT c.customer_id,
       CASE WHEN c.uc < .44 THEN 'prompt' WHEN c.uc < .64 THEN 'late' WHEN c.uc < .76 THEN 'after_reminder'
            WHEN c.uc < .84 THEN 'disputer' WHEN c.uc < .89 THEN 'promise_keeper'
            WHEN c.uc < .94 THEN 'promise_breaker' ELSE 'never' END AS klass,
       k.country, k.tz, k.lang, CASE WHEN k.country = 'GB' THEN 'GBP' ELSE 'EUR' END AS currency,
       least(0.8, greatest(1 / 120.0, exp(ln(1 / 22.0) + 0.9 * sim.z(c.customer_id, 3)))) AS rate,
       least(20000, greatest(40, exp(ln(700) + 0.9 * sim.z(c.customer_id, 4)))) AS median_amount,
       CASE WHEN sim.u(c.customer_id, 5) < .10 THEN 14 WHEN sim.u(c.customer_id, 5) < .65 THEN 30
            WHEN sim.u(c.customer_id, 5) < .85 THEN 45 ELSE 60 END AS terms,
       sim.ui(c.customer_id, 6, -4, 3) AS prompt_mean,
       sim.ui(c.customer_id, 7, 8, 75) AS late_mean,
       sim.ui(c.customer_id, 8, 3, 12) AS late_sd,
       sim.ui(c.customer_id, 9, 1, 6) AS lag,
       c.go_live - sim.ui(c.customer_id, 10, 20, 300) AS stop_on,
       sim.u(c.customer_id, 11) AS u_forgotten,
       sim.u(c.customer_id, 12) >= .08 AS has_email,
       sim.u(c.customer_id, 12) >= .08 OR sim.u(c.customer_id, 13) >= .05 AS has_postal,
       sim.u(c.customer_id, 14) < .7 AS has_phone
  FROM c
 CROSS JOIN LATERAL (
       SELECT x.country, x.tz, x.lang
         FROM (VALUES (.25, 'FR', 'Europe/Paris', 'fr'), (.47, 'DE', 'Europe/Berlin', 'de'),
                      (.62, 'BE', 'Europe/Brussels', 'fr'), (.75, 'NL', 'Europe/Amsterdam', 'nl'),
                      (.85, 'GB', 'Europe/London', 'en'), (.93, 'ES', 'Europe/Madrid', 'es'),
                      (1.01, 'IT', 'Europe/Rome', 'it')) x (cum, country, tz, lang)
        WHERE c.uk < x.cum ORDER BY x.cum LIMIT 1) k;
ALTER TABLE sim.customer_profile ADD PRIMARY KEY (customer_id);
ALTER TABLE sim.customer_profile
    ADD COLUMN keep_rate float8,
    ADD COLUMN forgotten boolean NOT NULL DEFAULT false;
UPDATE sim.customer_profile
   SET keep_rate = CASE klass WHEN 'promise_keeper' THEN .9 WHEN 'promise_breaker' THEN .15 END;
COMMENT ON TABLE sim.customer_profile IS 'hidden behaviour of each simulated customer (class, pace, reaction lag)';

-----------------------------------------------------------------------------
-- Invoices: every seller business day, at the customer's rate
-----------------------------------------------------------------------------
CREATE TABLE sim.item AS
WITH sd AS (
    SELECT g::date AS day, (g::date - (p.go_live - p.history_days)) AS day_no,
           CASE WHEN extract(month FROM g) = 8 THEN .6
                WHEN extract(month FROM g) = 12 AND extract(day FROM g) > 20 THEN .3
                WHEN extract(day FROM g + interval '3 days') < extract(day FROM g) THEN 1.5
                ELSE 1.0 END AS season
      FROM sim.params p, generate_series(p.go_live - p.history_days, p.last_day, interval '1 day') g
     WHERE extract(isodow FROM g) < 6 AND to_char(g, 'MM-DD') NOT IN ('01-01', '12-25', '12-26')
), inv AS (
    SELECT c.customer_id, sd.day AS issued_on, sd.day + c.terms AS due_on,
           greatest(15, round((c.median_amount * exp(0.45 * sim.z(c.customer_id * 2048 + sd.day_no, 21)))::numeric, 2))
               AS amount
      FROM sim.customer_profile c JOIN sd ON sim.u(c.customer_id * 2048 + sd.day_no, 20) < c.rate * sd.season
     WHERE NOT (c.klass = 'never' AND sd.day > c.stop_on + 60)
)
SELECT row_number() OVER (ORDER BY issued_on, customer_id) AS invoice_id, inv.*
  FROM inv;
ALTER TABLE sim.item ADD PRIMARY KEY (invoice_id);
CREATE INDEX ON sim.item (customer_id);
CREATE INDEX ON sim.item (issued_on);
ALTER TABLE sim.item
    ADD COLUMN currency char(3),
    ADD COLUMN klass text,
    ADD COLUMN country text,
    ADD COLUMN pay_on date,              -- the day the customer pays (first bank day on or after)
    ADD COLUMN react_kind text,          -- pay | promise | dispute: what a reminder makes it do; promising, promised: in a promise
    ADD COLUMN react_after date,         -- only reminders after this day count
    ADD COLUMN react_min_rung int,       -- only reminders at this step_no or higher count (NULL: any reminder)
    ADD COLUMN react_lag int,            -- days from the reminder to the reaction
    ADD COLUMN disp_open_on date,        -- when the customer opens a dispute
    ADD COLUMN disp_days int,            -- how long the dispute lasts
    ADD COLUMN disp_outcome text,        -- resolved | rejected | credited
    ADD COLUMN disp_reason text,
    ADD COLUMN dispute_id bigint,
    ADD COLUMN disp_opened_on date,
    ADD COLUMN disp_res_on date,
    ADD COLUMN disp_closed_on date,
    ADD COLUMN promise_on date,
    ADD COLUMN promise_id bigint,
    ADD COLUMN promise_made_on date,
    ADD COLUMN promised_on date,
    ADD COLUMN promise_kept boolean,
    ADD COLUMN forgotten boolean NOT NULL DEFAULT false,
    ADD COLUMN part_on date,             -- a first partial payment (part_amount) on this day
    ADD COLUMN part_amount numeric,
    ADD COLUMN part_paid_on date,
    ADD COLUMN first_reminded_on date,
    ADD COLUMN paid_on date,
    ADD COLUMN payment_id bigint;
COMMENT ON TABLE sim.item IS 'every invoice of the simulation (history and the simulated days) with the behaviour of its customer towards it';

-- 5 % of the customers outside GB are also invoiced in USD or GBP (a fifth of their invoices)
UPDATE sim.item i SET currency = CASE WHEN c.country <> 'GB' AND sim.u(c.customer_id, 16) < .05
                                            AND sim.u(i.invoice_id, 44) < .2
                                       THEN CASE WHEN sim.u(c.customer_id, 17) < .5 THEN 'USD' ELSE 'GBP' END
                                       ELSE c.currency END,
                      klass = c.klass, country = c.country
  FROM sim.customer_profile c WHERE c.customer_id = i.customer_id;

-- the forgotten invoice: the customer's invoice due 60..500 days before go-live
-- nearest to a drawn day
WITH f AS (
    SELECT DISTINCT ON (i.customer_id) i.customer_id, i.invoice_id
      FROM sim.item i JOIN sim.customer_profile c USING (customer_id), sim.params p
     WHERE ((c.klass = 'prompt' AND c.u_forgotten < .15) OR (c.klass = 'late' AND c.u_forgotten < .10))
       AND i.due_on BETWEEN p.go_live - 500 AND p.go_live - 60
     ORDER BY i.customer_id, abs(i.due_on - (p.go_live - sim.ui(i.customer_id, 15, 60, 500))), i.invoice_id
)
UPDATE sim.item i SET forgotten = true FROM f WHERE f.invoice_id = i.invoice_id;
UPDATE sim.customer_profile c SET forgotten = true
 WHERE EXISTS (SELECT FROM sim.item i WHERE i.customer_id = c.customer_id AND i.forgotten);

-- Payment plan of each invoice, by class.  "History" is everything before
-- go-live: a previous (manual) collection process, so reactive customers paid
-- at the pace that process got from them.
UPDATE sim.item i SET
    pay_on = CASE
        WHEN i.forgotten THEN NULL
        WHEN i.klass = 'prompt' THEN greatest(i.issued_on + 2, i.due_on + round(c.prompt_mean + 2 * sim.z(i.invoice_id, 30))::int)
        WHEN i.klass = 'late' THEN i.due_on + greatest(1, round(c.late_mean + c.late_sd * sim.z(i.invoice_id, 30))::int)
        WHEN i.klass = 'after_reminder' THEN i.due_on + 7 + c.lag + sim.ui(i.invoice_id, 31, 0, 5)
        WHEN i.klass = 'disputer' THEN greatest(i.issued_on + 2, i.due_on + round(4 + 3 * sim.z(i.invoice_id, 30))::int)
        WHEN i.klass LIKE 'promise%' THEN i.due_on + sim.ui(i.invoice_id, 31, 15, 35)
        WHEN i.klass = 'never' THEN i.due_on + sim.ui(i.invoice_id, 31, 10, 30)
    END,
    disp_open_on = CASE WHEN i.klass = 'disputer' AND sim.u(i.invoice_id, 32) < .2 THEN
                   CASE WHEN sim.u(i.invoice_id, 33) < .6 THEN i.issued_on + sim.ui(i.invoice_id, 34, 5, 25)
                        ELSE i.due_on + sim.ui(i.invoice_id, 34, 10, 15) END END,
    disp_days = sim.ui(i.invoice_id, 35, 10, 45),
    disp_outcome = CASE WHEN sim.u(i.invoice_id, 36) < .4 THEN 'resolved'
                        WHEN sim.u(i.invoice_id, 36) < .8 THEN 'rejected' ELSE 'credited' END,
    disp_reason = (ARRAY['price', 'quality', 'not received', 'quantity', 'damaged', 'missing PO'])
                  [sim.ui(i.invoice_id, 37, 1, 6)]
  FROM sim.customer_profile c WHERE c.customer_id = i.customer_id;
-- never-payers: nothing due after they stopped
UPDATE sim.item i SET pay_on = NULL
  FROM sim.customer_profile c WHERE c.customer_id = i.customer_id AND i.klass = 'never' AND i.pay_on >= c.stop_on;
-- disputed invoices: paid after the resolution
UPDATE sim.item i SET
    disp_res_on = i.disp_open_on + i.disp_days,
    pay_on = CASE i.disp_outcome
                  WHEN 'resolved' THEN i.disp_open_on + i.disp_days + sim.ui(i.invoice_id, 38, 2, 5)
                  WHEN 'rejected' THEN i.disp_open_on + i.disp_days + sim.ui(i.invoice_id, 38, 10, 20)
                  ELSE i.disp_open_on + i.disp_days END
 WHERE i.disp_open_on IS NOT NULL;

-- From go-live on the reactive customers wait for a reminder: an item not paid
-- in the history (its planned day falls on or after go-live) reacts.
UPDATE sim.item i SET
    react_kind = 'pay', react_after = '-infinity', react_lag = c.lag + sim.ui(i.invoice_id, 39, 0, 1),
    pay_on = i.due_on + 75 + sim.ui(i.invoice_id, 40, 0, 20)
  FROM sim.customer_profile c, sim.params p, sim.cal k
 WHERE c.customer_id = i.customer_id AND i.klass = 'after_reminder'
   AND k.country = i.country AND k.day = i.pay_on AND k.next_bd >= p.go_live;
UPDATE sim.item i SET react_kind = 'promise', react_after = '-infinity', pay_on = i.due_on + 90
  FROM sim.params p, sim.cal k
 WHERE i.klass LIKE 'promise%' AND k.country = i.country AND k.day = i.pay_on AND k.next_bd >= p.go_live;
UPDATE sim.item i SET react_kind = 'pay', react_after = '-infinity', react_lag = sim.ui(i.invoice_id, 39, 2, 6)
 WHERE i.forgotten;
-- late payers also pay within days of a formal notice or a legal letter
UPDATE sim.item i SET react_kind = 'pay', react_after = '-infinity', react_lag = sim.ui(i.invoice_id, 39, 2, 6),
       react_min_rung = (SELECT min(st.step_no) FROM dunning.scenario_step st JOIN dunning.scenario s USING (scenario_id)
                          WHERE s.name = 'standard' AND st.offset_days >= 0 AND st.channel IN ('letter', 'legal'))
 WHERE i.klass = 'late' AND NOT i.forgotten;
-- disputes after a reminder, when that reminder falls after go-live: the
-- customer disputes 1..3 days after the first reminder listing the item (at
-- the latest 25 days after the due date)
UPDATE sim.item i SET react_kind = 'dispute', react_after = '-infinity',
       disp_open_on = i.due_on + 25, disp_res_on = NULL, pay_on = NULL
  FROM sim.params p
 WHERE i.disp_open_on IS NOT NULL AND i.disp_open_on >= p.go_live AND sim.u(i.invoice_id, 33) >= .6;
-- disputes planned after go-live: paid once resolved (set by the day step)
UPDATE sim.item i SET pay_on = NULL, disp_res_on = NULL
  FROM sim.params p
 WHERE i.disp_open_on >= p.go_live;
-- disputes open at go-live and resolved after it: the day step decides the payment
UPDATE sim.item i SET pay_on = NULL
  FROM sim.params p
 WHERE i.disp_open_on < p.go_live AND i.disp_res_on >= p.go_live;
-- rejected before go-live but not paid by then: pays after the next reminder
UPDATE sim.item i SET react_kind = 'pay', react_after = i.disp_res_on, react_lag = sim.ui(i.invoice_id, 39, 2, 5),
       pay_on = i.disp_res_on + 40
  FROM sim.params p, sim.cal k
 WHERE i.disp_outcome = 'rejected' AND i.disp_res_on < p.go_live
   AND k.country = i.country AND k.day = i.pay_on AND k.next_bd >= p.go_live;

-- 8 % of the invoices paid on a planned day (not disputed) are paid in two parts:
-- 30..60 % 7..20 days before the rest
UPDATE sim.item i SET part_amount = round(i.amount * (.3 + .3 * sim.u(i.invoice_id, 42))::numeric, 2),
                      part_on = greatest(i.issued_on + 2, i.pay_on - sim.ui(i.invoice_id, 43, 7, 20))
 WHERE i.pay_on IS NOT NULL AND i.disp_open_on IS NULL AND NOT i.forgotten
   AND i.klass IN ('prompt', 'late', 'disputer', 'never') AND sim.u(i.invoice_id, 41) < .08;

-- What was paid before go-live: on the first bank day on or after the planned day.
UPDATE sim.item i SET paid_on = k.next_bd
  FROM sim.params p, sim.cal k
 WHERE k.country = i.country AND k.day = i.pay_on AND k.next_bd < p.go_live AND i.react_kind IS DISTINCT FROM 'dispute';
UPDATE sim.item i SET part_paid_on = k.next_bd
  FROM sim.params p, sim.cal k
 WHERE k.country = i.country AND k.day = i.part_on AND k.next_bd < p.go_live AND k.next_bd < COALESCE(i.paid_on, 'infinity');

-----------------------------------------------------------------------------
-- The ledger at go-live, through the contract
-----------------------------------------------------------------------------
INSERT INTO dunning.customer (customer_id, external_ref, name, email, phone, postal_address, country,
                              language, timezone, segment, collector)
SELECT c.customer_id, 'SIM' || lpad(c.customer_id::text, 6, '0'),
       (ARRAY['Atlas', 'Borealis', 'Cobalt', 'Delta', 'Ember', 'Fjord', 'Granite', 'Harbor', 'Iris', 'Juniper'])
           [1 + c.customer_id % 10] || ' ' || c.customer_id || ' '
       || CASE c.country WHEN 'FR' THEN 'SAS' WHEN 'DE' THEN 'GmbH' WHEN 'BE' THEN 'SRL' WHEN 'NL' THEN 'B.V.'
                         WHEN 'GB' THEN 'Ltd' WHEN 'ES' THEN 'S.L.' ELSE 'S.r.l.' END,
       CASE WHEN c.has_email THEN 'ap' || c.customer_id || '@customer' || c.customer_id || '.example' END,
       CASE WHEN c.has_phone THEN '+32 2 555 ' || lpad(c.customer_id::text, 6, '0') END,
       CASE WHEN c.has_postal THEN c.customer_id || ' Main Street, ' || c.country END,
       c.country, c.lang, c.tz,
       CASE WHEN c.rate > .3 THEN 'key_account' WHEN c.median_amount < 200 THEN 'micro' ELSE 'sme' END,
       'team-' || lower(c.country)
  FROM sim.customer_profile c ORDER BY c.customer_id;

INSERT INTO dunning.invoice (invoice_id, customer_id, invoice_number, issued_on, due_on, amount, currency)
SELECT i.invoice_id, i.customer_id, 'SIM-' || lpad(i.invoice_id::text, 8, '0'), i.issued_on, i.due_on,
       i.amount, i.currency
  FROM sim.item i, sim.params p
 WHERE i.issued_on < p.go_live ORDER BY i.invoice_id;

-- Harness logs: what the harness booked (the checker's ledger).
CREATE TABLE sim.alloc_log (payment_id bigint, invoice_id bigint, amount numeric, received_on date,
                            PRIMARY KEY (payment_id, invoice_id));
CREATE TABLE sim.event_log (day date, customer_id bigint, event text, detail text);
CREATE SEQUENCE sim.payment_seq;

-- what each invoice received before go-live: a partial payment, the rest (or all)
CREATE TABLE sim._leg AS
SELECT i.invoice_id, i.customer_id, i.currency, i.part_paid_on AS day, i.part_amount AS amount
  FROM sim.item i WHERE i.part_paid_on IS NOT NULL
UNION ALL
SELECT i.invoice_id, i.customer_id, i.currency, i.paid_on,
       i.amount - CASE WHEN i.part_paid_on IS NOT NULL THEN i.part_amount ELSE 0 END
  FROM sim.item i WHERE i.paid_on IS NOT NULL;
-- one payment per customer, currency and bank day
CREATE TABLE sim._hpay AS
SELECT row_number() OVER (ORDER BY day, customer_id, currency) AS payment_id, customer_id, day, currency,
       sum(amount) AS amount, count(*) AS n
  FROM sim._leg GROUP BY customer_id, day, currency;
INSERT INTO dunning.payment (payment_id, received_on, amount, currency, customer_id, payer_name, remittance_info,
                             external_ref)
SELECT h.payment_id, h.day, h.amount, h.currency, h.customer_id, c.name, 'payment of ' || h.n || ' invoice(s)',
       'SIMPAY' || h.payment_id
  FROM sim._hpay h JOIN dunning.customer c USING (customer_id) ORDER BY h.payment_id;
SELECT setval('sim.payment_seq', greatest(1, (SELECT max(payment_id) FROM sim._hpay))) AS sim_x \gset
UPDATE sim.item i SET payment_id = h.payment_id
  FROM sim._hpay h WHERE h.customer_id = i.customer_id AND h.day = i.paid_on AND h.currency = i.currency;
INSERT INTO sim.alloc_log
SELECT h.payment_id, l.invoice_id, l.amount, l.day
  FROM sim._leg l JOIN sim._hpay h ON h.customer_id = l.customer_id AND h.day = l.day AND h.currency = l.currency;
-- allocate() plans its look-ups better with statistics
ANALYZE dunning.customer, dunning.invoice, dunning.payment;
SELECT count(dunning.allocate(l.payment_id, l.invoice_id, l.amount)) AS history_allocations
  FROM (SELECT * FROM sim.alloc_log ORDER BY payment_id, invoice_id) l \gset
DROP TABLE sim._hpay, sim._leg;

-- disputes of the history: opened (and resolved) on their days
UPDATE sim.item i
   SET dispute_id = dunning.open_dispute(invoice_id => i.invoice_id, reason => i.disp_reason,
                                         opened_on => i.disp_open_on),
       disp_opened_on = i.disp_open_on
  FROM sim.params p
 WHERE i.disp_open_on < p.go_live AND i.react_kind IS DISTINCT FROM 'dispute';
SELECT count(*) FROM (
    SELECT dunning.resolve_dispute(i.dispute_id, i.disp_outcome, 'settled before go-live', i.disp_res_on)
      FROM sim.item i, sim.params p
     WHERE i.dispute_id IS NOT NULL AND i.disp_res_on < p.go_live ORDER BY i.dispute_id) x \gset
UPDATE sim.item i SET disp_closed_on = i.disp_res_on
  FROM sim.params p WHERE i.dispute_id IS NOT NULL AND i.disp_res_on < p.go_live;

CREATE TABLE sim.state (last_action_id bigint NOT NULL DEFAULT 0, days_done int NOT NULL DEFAULT 0);
INSERT INTO sim.state DEFAULT VALUES;
CREATE TABLE sim.day_log (day date PRIMARY KEY, invoices int, payments int, allocations int, disputes_opened int,
                          disputes_resolved int, promises int, created int, marked_sent int, run_ms numeric);
COMMIT;
ANALYZE dunning.customer, dunning.invoice, dunning.payment, dunning.dispute, sim.item, sim.alloc_log, sim.cal;
