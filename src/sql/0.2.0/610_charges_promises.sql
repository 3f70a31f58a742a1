-----------------------------------------------------------------------------
-- Late-payment charges: reference rates, statutory interest
-----------------------------------------------------------------------------
CREATE TABLE dunning.reference_rate (
    currency    char(3) NOT NULL,
    valid_from  date NOT NULL,
    rate        numeric NOT NULL,
    source      text,
    PRIMARY KEY (currency, valid_from),
    CONSTRAINT reference_rate_currency_iso4217 CHECK (dunning.is_currency(currency)),
    CONSTRAINT reference_rate_range CHECK (rate > -100 AND rate < 100)
);
COMMENT ON TABLE dunning.reference_rate IS
    'reference rates of statutory interest (euro area: ECB main refinancing rate), each valid from its date until the next one';
COMMENT ON COLUMN dunning.reference_rate.currency IS 'currency of the invoices it applies to';
COMMENT ON COLUMN dunning.reference_rate.valid_from IS 'first day the rate applies';
COMMENT ON COLUMN dunning.reference_rate.rate IS 'rate in percent per year (4.5 = 4.5 %)';
COMMENT ON COLUMN dunning.reference_rate.source IS 'where the rate comes from';

-- The arithmetic (src/runner.c): simple interest on what was outstanding
-- each day of (from_date, to_date] -- amount minus the payments dated on or
-- before that day -- at the reference rate in force that day (rate_from /
-- rates, ascending) + margin, per day-count basis, summed over the segments
-- where rate, outstanding amount and (ACT/ACT) year are constant, rounded
-- once to digits.  NULL when a day has no reference rate.
CREATE FUNCTION dunning.accrue_interest(amount numeric, from_date date, to_date date, margin numeric,
                                        basis text, digits integer, rate_from date[], rates numeric[],
                                        paid_on date[] DEFAULT NULL, paid numeric[] DEFAULT NULL)
RETURNS numeric
    AS 'MODULE_PATHNAME', 'accrue_interest'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION dunning.accrue_interest(numeric, date, date, numeric, text, integer, date[], numeric[], date[], numeric[]) IS
    'simple interest on amount less the payments (paid_on, paid) made so far, for each day of (from_date, to_date], at the rate in force (rate_from, rates) + margin, rounded to digits (internal: see late_interest, invoice_late_interest)';

-- Simple interest on amount for the days after from_date up to and
-- including to_date, at each period's reference rate + margin, summed over
-- the rate periods (and the calendar years for ACT/ACT), rounded once to the
-- currency's minor unit.  NULL when a day of the span has no reference rate.
CREATE FUNCTION dunning.late_interest(amount numeric, currency char(3), from_date date, to_date date,
                                      margin numeric, basis text DEFAULT NULL)
RETURNS numeric
    LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    b text := COALESCE(basis, (SELECT s.day_count_basis FROM dunning.settings s));
    digits integer := dunning.currency_minor_unit(currency);
BEGIN
    IF amount IS NULL OR from_date IS NULL OR to_date IS NULL OR margin IS NULL THEN
        RETURN NULL;
    END IF;
    IF digits IS NULL THEN
        RAISE EXCEPTION 'unknown currency %', currency USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN (SELECT dunning.accrue_interest(amount, from_date, to_date, margin, b, digits,
                                           array_agg(r.valid_from ORDER BY r.valid_from),
                                           array_agg(r.rate ORDER BY r.valid_from))
              FROM dunning.reference_rate r WHERE r.currency = late_interest.currency);
END
$fn$;
COMMENT ON FUNCTION dunning.late_interest(numeric, char, date, date, numeric, text) IS
    'statutory interest on amount for the days after from_date up to to_date at reference rate + margin (percent), across rate changes, day count basis (default: setting), rounded to the currency; NULL when a day has no reference rate';

-- What an invoice owes in statutory interest at to_date: from its due date,
-- on the amount actually outstanding each day (a partial payment, credit
-- note or write-off reduces the base from its settlement date on, as
-- dunning.settlement dates it), across rate changes, rounded once.
CREATE FUNCTION dunning.invoice_late_interest(invoice_id bigint, to_date date, margin numeric,
                                              basis text DEFAULT NULL)
RETURNS numeric
    LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    inv record;
    b text := COALESCE(basis, (SELECT s.day_count_basis FROM dunning.settings s));
BEGIN
    IF invoice_id IS NULL OR to_date IS NULL OR margin IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT i.amount, i.currency, i.due_on, i.settled_amount INTO inv
      FROM dunning.invoice i WHERE i.invoice_id = invoice_late_interest.invoice_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'invoice % does not exist', invoice_id USING ERRCODE = 'undefined_object';
    END IF;
    IF inv.amount < 0 THEN
        RAISE EXCEPTION 'invoice % is a credit note: it bears no interest', invoice_id
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN dunning.accrue_interest(inv.amount, inv.due_on, to_date, margin, b,
                                   dunning.currency_minor_unit(inv.currency),
                                   (SELECT array_agg(r.valid_from ORDER BY r.valid_from) FROM dunning.reference_rate r
                                     WHERE r.currency = inv.currency),
                                   (SELECT array_agg(r.rate ORDER BY r.valid_from) FROM dunning.reference_rate r
                                     WHERE r.currency = inv.currency),
                                   p.paid_on, p.paid)
      FROM (SELECT array_agg(x.settled_on) AS paid_on, array_agg(x.amount) AS paid
              FROM dunning.settlement x
             WHERE x.invoice_id = invoice_late_interest.invoice_id AND x.kind <> 'credit_note_applied') p;
END
$fn$;
COMMENT ON FUNCTION dunning.invoice_late_interest(bigint, date, numeric, text) IS
    'statutory interest an invoice owes at to_date: from its due date, on the amount outstanding each day (partial payments, credit notes, write-offs reduce the base from their settlement date on), at reference rate + margin across rate changes, day count basis (default: setting), rounded to the currency; NULL when a day has no reference rate';

-----------------------------------------------------------------------------
-- Payment links: signed, expiring tokens (HMAC-SHA256, src/render.c)
-----------------------------------------------------------------------------
CREATE FUNCTION dunning.hmac_sha256(data bytea, key bytea) RETURNS bytea
    AS 'MODULE_PATHNAME', 'hmac_sha256'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dunning.hmac_sha256(bytea, bytea) IS 'HMAC-SHA256 of data with key (internal)';
CREATE FUNCTION dunning.random_bytes(n integer) RETURNS bytea
    AS 'MODULE_PATHNAME', 'random_bytes'
    LANGUAGE C VOLATILE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dunning.random_bytes(integer) IS 'n bytes from the strong random source (internal)';
CREATE FUNCTION dunning.timing_safe_equal(a bytea, b bytea) RETURNS boolean
    AS 'MODULE_PATHNAME', 'timing_safe_equal'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dunning.timing_safe_equal(bytea, bytea) IS 'byte-string equality in constant time (internal)';

-- The signing key: only admins read it.  Created on first use (not at
-- install), so a restored dump keeps verifying the links already sent.
CREATE TABLE dunning.signing_key (
    key_id      integer PRIMARY KEY DEFAULT 1,
    secret      bytea NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT signing_key_single CHECK (key_id = 1),
    CONSTRAINT signing_key_length CHECK (pg_catalog.length(secret) >= 32)
);
COMMENT ON TABLE dunning.signing_key IS 'secret key of payment-link tokens (admins only); replace it to revoke every link';
COMMENT ON COLUMN dunning.signing_key.key_id IS 'always 1';
COMMENT ON COLUMN dunning.signing_key.secret IS 'at least 32 random bytes';
COMMENT ON COLUMN dunning.signing_key.created_at IS 'when the key was made';

CREATE FUNCTION dunning.signing_secret() RETURNS bytea
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    k bytea;
BEGIN
    SELECT s.secret INTO k FROM dunning.signing_key s WHERE s.key_id = 1;
    IF k IS NULL THEN
        INSERT INTO dunning.signing_key (key_id, secret) VALUES (1, dunning.random_bytes(32))
        ON CONFLICT (key_id) DO NOTHING;
        SELECT s.secret INTO k FROM dunning.signing_key s WHERE s.key_id = 1;
    END IF;
    RETURN k;
END
$fn$;
COMMENT ON FUNCTION dunning.signing_secret() IS 'the payment-link key, made on first use (internal)';

CREATE FUNCTION dunning.base64url(data bytea) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp
    RETURN pg_catalog.translate(pg_catalog.encode(data, 'base64'), E'+/=\n', '-_');
COMMENT ON FUNCTION dunning.base64url(bytea) IS 'base64url without padding (RFC 4648 section 5)';

CREATE FUNCTION dunning.base64url_decode(data text) RETURNS bytea
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp
    RETURN pg_catalog.decode(pg_catalog.rpad(pg_catalog.translate(data, '-_', '+/'),
                             ((pg_catalog.length(data) + 3) / 4) * 4, '='), 'base64');
COMMENT ON FUNCTION dunning.base64url_decode(text) IS 'inverse of dunning.base64url';

-- Token = base64url(claims) "." base64url(HMAC-SHA256(claims)), claims =
-- "customer_id|invoice ids (distinct, in text order, comma)|amounts|expiry
-- (Unix seconds)", in C (src/render.c): the runner signs one per action.
CREATE FUNCTION dunning.pay_token_with_key(customer_id bigint, invoice_ids bigint[], amount text,
                                           expires_at timestamptz, secret bytea)
RETURNS text
    AS 'MODULE_PATHNAME', 'pay_token_with_key'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION dunning.pay_token_with_key(bigint, bigint[], text, timestamptz, bytea) IS
    'payment token signed with the given key (internal)';

CREATE FUNCTION dunning.pay_token(customer_id bigint, invoice_ids bigint[], amount text, expires_at timestamptz)
RETURNS text
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF customer_id IS NULL OR expires_at IS NULL OR amount IS NULL THEN
        RAISE EXCEPTION 'pay_token needs a customer, an amount and an expiry' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF amount ~ '[|]' THEN
        RAISE EXCEPTION 'amount must not contain "|": %', amount USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN dunning.pay_token_with_key(customer_id, invoice_ids, amount, expires_at, dunning.signing_secret());
END
$fn$;
COMMENT ON FUNCTION dunning.pay_token(bigint, bigint[], text, timestamptz) IS
    'signed, expiring payment token for a customer''s invoices and amount (text such as "EUR 120.00"); HMAC-SHA256 with the key of dunning.signing_key';

CREATE FUNCTION dunning.verify_pay_token(token text, at timestamptz DEFAULT pg_catalog.now(),
    OUT valid boolean, OUT reason text, OUT customer_id bigint, OUT invoice_ids bigint[],
    OUT amount text, OUT expires_at timestamptz)
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    parts text[];
    claims bytea;
    fields text[];
    secret bytea;
BEGIN
    valid := false;
    IF token IS NULL OR token !~ '^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$' THEN
        reason := 'malformed';
        RETURN;
    END IF;
    parts := string_to_array(token, '.');
    BEGIN
        claims := dunning.base64url_decode(parts[1]);
        SELECT s.secret INTO secret FROM dunning.signing_key s WHERE s.key_id = 1;
        IF secret IS NULL OR NOT dunning.timing_safe_equal(dunning.base64url_decode(parts[2]),
                                                           dunning.hmac_sha256(claims, secret)) THEN
            reason := 'bad signature';
            RETURN;
        END IF;
        fields := string_to_array(convert_from(claims, 'UTF8'), '|');
    EXCEPTION WHEN invalid_parameter_value OR character_not_in_repertoire OR untranslatable_character THEN
        reason := 'malformed';
        RETURN;
    END;
    IF cardinality(fields) <> 4 THEN
        reason := 'malformed';
        RETURN;
    END IF;
    customer_id := fields[1]::bigint;
    invoice_ids := CASE WHEN fields[2] = '' THEN '{}'::bigint[] ELSE string_to_array(fields[2], ',')::bigint[] END;
    amount := fields[3];
    expires_at := to_timestamp(fields[4]::bigint);
    IF at >= expires_at THEN
        reason := 'expired';
        RETURN;
    END IF;
    valid := true;
    reason := 'ok';
END
$fn$;
COMMENT ON FUNCTION dunning.verify_pay_token(text, timestamptz) IS
    'checks a payment token: valid only when its signature is ours and it has not expired at at; says why not (malformed, bad signature, expired) and returns its claims';

-----------------------------------------------------------------------------
-- Promises to pay
-----------------------------------------------------------------------------
CREATE TABLE dunning.promise (
    promise_id       bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    customer_id      bigint NOT NULL REFERENCES dunning.customer,
    invoice_ids      bigint[] NOT NULL,
    amount           numeric NOT NULL,
    currency         char(3) NOT NULL,
    promised_on      date NOT NULL,
    open_at_promise  numeric NOT NULL,
    status           text NOT NULL DEFAULT 'open',
    status_on        date,
    note             text,
    created_at       timestamptz NOT NULL DEFAULT pg_catalog.now(),
    created_by       name NOT NULL DEFAULT CURRENT_USER,
    CONSTRAINT promise_amount_positive CHECK (amount > 0 AND amount < 'Infinity'),
    CONSTRAINT promise_status_known CHECK (status IN ('open', 'kept', 'broken', 'cancelled')),
    CONSTRAINT promise_status_on_set CHECK ((status = 'open') = (status_on IS NULL)),
    CONSTRAINT promise_has_invoices CHECK (pg_catalog.cardinality(invoice_ids) > 0)
);
CREATE INDEX promise_open_idx ON dunning.promise (customer_id) WHERE status = 'open';
COMMENT ON TABLE dunning.promise IS
    'promises to pay: they suspend dunning of their invoices until the promised date; kept or broken is set from the ledger';
COMMENT ON COLUMN dunning.promise.promise_id IS 'identity';
COMMENT ON COLUMN dunning.promise.customer_id IS 'the customer who promised';
COMMENT ON COLUMN dunning.promise.invoice_ids IS 'the invoices the promise covers';
COMMENT ON COLUMN dunning.promise.amount IS 'amount promised';
COMMENT ON COLUMN dunning.promise.currency IS 'currency of the invoices and the amount';
COMMENT ON COLUMN dunning.promise.promised_on IS 'date by which the customer promised to pay';
COMMENT ON COLUMN dunning.promise.open_at_promise IS 'open amount of the invoices when the promise was recorded';
COMMENT ON COLUMN dunning.promise.status IS 'open; kept (the amount was paid); broken (the date passed unpaid: dunning resumes); cancelled';
COMMENT ON COLUMN dunning.promise.status_on IS 'customer-local date the status left open';
COMMENT ON COLUMN dunning.promise.note IS 'what was said';
COMMENT ON COLUMN dunning.promise.created_at IS 'when it was recorded';
COMMENT ON COLUMN dunning.promise.created_by IS 'database role that recorded it';

CREATE FUNCTION dunning.promise_to_pay(invoice_ids bigint[], amount numeric, promised_on date, note text DEFAULT NULL)
RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    info record;
    new_id bigint;
BEGIN
    IF invoice_ids IS NULL OR cardinality(invoice_ids) = 0 OR amount IS NULL OR promised_on IS NULL THEN
        RAISE EXCEPTION 'a promise needs invoices, an amount and a date' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF NOT (amount > 0 AND amount < 'Infinity') THEN
        RAISE EXCEPTION 'promised amount must be positive and finite, got %', amount USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT count(DISTINCT i.invoice_id) AS n, count(DISTINCT i.customer_id) AS customers,
           count(DISTINCT i.currency) AS currencies, min(i.customer_id) AS customer_id,
           min(i.currency) AS currency, sum(i.amount - i.settled_amount) AS open_amount,
           bool_or(i.amount < 0) AS credit_note
      INTO info
      FROM dunning.invoice i WHERE i.invoice_id = ANY (promise_to_pay.invoice_ids);
    IF info.n <> (SELECT count(DISTINCT x) FROM unnest(promise_to_pay.invoice_ids) x) THEN
        RAISE EXCEPTION 'a promise names an invoice that does not exist' USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF info.customers <> 1 OR info.currencies <> 1 OR info.credit_note THEN
        RAISE EXCEPTION 'a promise covers invoices of one customer in one currency'
            USING ERRCODE = 'check_violation', HINT = 'Record one promise per customer and currency.';
    END IF;
    IF info.open_amount <= 0 THEN
        RAISE EXCEPTION 'the invoices of the promise are already settled' USING ERRCODE = 'check_violation';
    END IF;
    INSERT INTO dunning.promise (customer_id, invoice_ids, amount, currency, promised_on, open_at_promise, note)
    VALUES (info.customer_id, (SELECT array_agg(DISTINCT x ORDER BY x) FROM unnest(promise_to_pay.invoice_ids) x),
            amount, info.currency, promised_on, info.open_amount, note)
    RETURNING promise_id INTO new_id;
    RETURN new_id;
END
$fn$;
COMMENT ON FUNCTION dunning.promise_to_pay(bigint[], numeric, date, text) IS
    'records a promise to pay amount on the invoices by promised_on (one customer, one currency); dunning of those invoices is suspended until then; returns the promise id';

-- Sets kept (paid at least the amount since the promise) and broken (the
-- promised date is over in the customer's time zone and it was not kept).
CREATE FUNCTION dunning.refresh_promises(as_of timestamptz DEFAULT pg_catalog.now()) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    n integer;
BEGIN
    WITH st AS (
        SELECT p.promise_id,
               (as_of AT TIME ZONE c.timezone)::date AS local_date,
               p.open_at_promise - (SELECT COALESCE(sum(i.amount - i.settled_amount), 0)
                                      FROM dunning.invoice i WHERE i.invoice_id = ANY (p.invoice_ids)) AS paid,
               p.amount, p.promised_on
          FROM dunning.promise p JOIN dunning.customer c USING (customer_id)
         WHERE p.status = 'open'
    )
    UPDATE dunning.promise p
       SET status = CASE WHEN st.paid >= st.amount THEN 'kept' ELSE 'broken' END,
           status_on = st.local_date
      FROM st
     WHERE p.promise_id = st.promise_id
       AND (st.paid >= st.amount OR st.promised_on < st.local_date);
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$fn$;
COMMENT ON FUNCTION dunning.refresh_promises(timestamptz) IS
    'marks open promises kept (the amount was paid) or broken (the date passed, not paid) as of as_of; returns how many changed; dunning.run() calls it';

CREATE FUNCTION dunning.cancel_promise(promise_id bigint, note text DEFAULT NULL) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    UPDATE dunning.promise p
       SET status = 'cancelled', status_on = CURRENT_DATE,
           note = COALESCE(p.note || E'\n', '') || COALESCE(cancel_promise.note, 'cancelled')
     WHERE p.promise_id = cancel_promise.promise_id AND p.status = 'open';
    IF NOT FOUND THEN
        IF EXISTS (SELECT FROM dunning.promise p WHERE p.promise_id = cancel_promise.promise_id) THEN
            RAISE EXCEPTION 'promise % is not open', promise_id USING ERRCODE = 'object_not_in_prerequisite_state';
        END IF;
        RAISE EXCEPTION 'promise % does not exist', promise_id USING ERRCODE = 'undefined_object';
    END IF;
END
$fn$;
COMMENT ON FUNCTION dunning.cancel_promise(bigint, text) IS 'withdraws an open promise: dunning of its invoices resumes';

-----------------------------------------------------------------------------
-- Disputes workflow
-----------------------------------------------------------------------------
ALTER TABLE dunning.dispute ADD COLUMN owner text, ADD COLUMN notes text;
COMMENT ON COLUMN dunning.dispute.owner IS 'who works on the dispute';
COMMENT ON COLUMN dunning.dispute.notes IS 'work notes, newest last';

CREATE FUNCTION dunning.open_dispute(invoice_id bigint, reason text, amount numeric DEFAULT NULL,
                                     owner text DEFAULT NULL, notes text DEFAULT NULL,
                                     opened_on date DEFAULT CURRENT_DATE)
RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    new_id bigint;
BEGIN
    IF reason IS NULL OR btrim(reason) = '' THEN
        RAISE EXCEPTION 'a dispute needs a reason' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF NOT EXISTS (SELECT FROM dunning.invoice i WHERE i.invoice_id = open_dispute.invoice_id) THEN
        RAISE EXCEPTION 'invoice % does not exist', invoice_id USING ERRCODE = 'foreign_key_violation';
    END IF;
    INSERT INTO dunning.dispute (invoice_id, amount, reason, owner, notes, opened_on)
    VALUES (invoice_id, amount, btrim(reason), owner, notes, COALESCE(opened_on, CURRENT_DATE))
    RETURNING dispute_id INTO new_id;
    RETURN new_id;
END
$fn$;
COMMENT ON FUNCTION dunning.open_dispute(bigint, text, numeric, text, text, date) IS
    'opens a dispute on an invoice (suspends its dunning); returns the dispute id';

CREATE FUNCTION dunning.resolve_dispute(dispute_id bigint, status text, notes text DEFAULT NULL,
                                        resolved_on date DEFAULT CURRENT_DATE)
RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF status IS NULL OR status NOT IN ('resolved', 'rejected', 'credited') THEN
        RAISE EXCEPTION 'a dispute is closed as resolved, rejected or credited, not %', COALESCE(status, 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    UPDATE dunning.dispute d
       SET status = resolve_dispute.status, resolved_on = COALESCE(resolve_dispute.resolved_on, CURRENT_DATE),
           notes = CASE WHEN resolve_dispute.notes IS NULL THEN d.notes
                        ELSE COALESCE(d.notes || E'\n', '') || resolve_dispute.notes END
     WHERE d.dispute_id = resolve_dispute.dispute_id AND d.status = 'open';
    IF NOT FOUND THEN
        IF EXISTS (SELECT FROM dunning.dispute d WHERE d.dispute_id = resolve_dispute.dispute_id) THEN
            RAISE EXCEPTION 'dispute % is not open', dispute_id USING ERRCODE = 'object_not_in_prerequisite_state';
        END IF;
        RAISE EXCEPTION 'dispute % does not exist', dispute_id USING ERRCODE = 'undefined_object';
    END IF;
END
$fn$;
COMMENT ON FUNCTION dunning.resolve_dispute(bigint, text, text, date) IS
    'closes an open dispute as resolved, rejected or credited (dunning of the invoice resumes if it is still open)';

CREATE VIEW dunning.dispute_root_cause AS
SELECT d.reason,
       pg_catalog.date_trunc('month', d.opened_on)::date AS month,
       count(*) AS disputes,
       sum(COALESCE(d.amount, i.amount)) AS disputed_amount,
       i.currency,
       count(*) FILTER (WHERE d.status = 'open') AS still_open,
       count(*) FILTER (WHERE d.status = 'credited') AS credited,
       count(*) FILTER (WHERE d.status = 'rejected') AS rejected,
       round(avg(d.resolved_on - d.opened_on), 1) AS avg_days_to_close
  FROM dunning.dispute d
  JOIN dunning.invoice i USING (invoice_id)
 GROUP BY d.reason, pg_catalog.date_trunc('month', d.opened_on), i.currency;
COMMENT ON VIEW dunning.dispute_root_cause IS 'disputes by reason and month of opening: count, amount, outcome, time to close';
COMMENT ON COLUMN dunning.dispute_root_cause.reason IS 'dispute reason';
COMMENT ON COLUMN dunning.dispute_root_cause.month IS 'first day of the month the disputes were opened';
COMMENT ON COLUMN dunning.dispute_root_cause.disputes IS 'number of disputes';
COMMENT ON COLUMN dunning.dispute_root_cause.disputed_amount IS 'amount disputed (the invoice amount when the dispute has none)';
COMMENT ON COLUMN dunning.dispute_root_cause.currency IS 'currency of the amounts';
COMMENT ON COLUMN dunning.dispute_root_cause.still_open IS 'how many are still open';
COMMENT ON COLUMN dunning.dispute_root_cause.credited IS 'how many ended in a credit note';
COMMENT ON COLUMN dunning.dispute_root_cause.rejected IS 'how many were rejected';
COMMENT ON COLUMN dunning.dispute_root_cause.avg_days_to_close IS 'mean days from opening to closing of the closed ones';
