-- @code

-----------------------------------------------------------------------------
-- Payment links: signed, expiring tokens (HMAC-SHA256, src/render.c)
-----------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION dunning_internal.hmac_sha256(data bytea, key bytea) RETURNS bytea
    AS 'MODULE_PATHNAME', 'hmac_sha256'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dunning_internal.hmac_sha256(bytea, bytea) IS 'HMAC-SHA256 of data with key (internal)';
CREATE OR REPLACE FUNCTION dunning_internal.random_bytes(n integer) RETURNS bytea
    AS 'MODULE_PATHNAME', 'random_bytes'
    LANGUAGE C VOLATILE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dunning_internal.random_bytes(integer) IS 'n bytes from the strong random source (internal)';
CREATE OR REPLACE FUNCTION dunning_internal.timing_safe_equal(a bytea, b bytea) RETURNS boolean
    AS 'MODULE_PATHNAME', 'timing_safe_equal'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dunning_internal.timing_safe_equal(bytea, bytea) IS 'byte-string equality in constant time (internal)';
-- @schema

-- The signing key: only admins read it.  Created on first use (not at
-- install), so a restored dump keeps verifying the links already sent.
CREATE TABLE dunning.signing_key (
    key_id      integer PRIMARY KEY DEFAULT 1,
    secret      bytea NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT signing_key_single CHECK (key_id = 1),
    CONSTRAINT signing_key_length CHECK (pg_catalog.length(secret) >= 32)
);
-- @code
COMMENT ON TABLE dunning.signing_key IS 'secret key of payment-link tokens (admins only); replace it to revoke every link';
COMMENT ON COLUMN dunning.signing_key.key_id IS 'always 1';
COMMENT ON COLUMN dunning.signing_key.secret IS 'at least 32 random bytes';
COMMENT ON COLUMN dunning.signing_key.created_at IS 'when the key was made';
CREATE OR REPLACE FUNCTION dunning_internal.signing_secret() RETURNS bytea
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    k bytea;
BEGIN
    SELECT s.secret INTO k FROM dunning.signing_key s WHERE s.key_id = 1;
    IF k IS NULL THEN
        INSERT INTO dunning.signing_key (key_id, secret) VALUES (1, dunning_internal.random_bytes(32))
        ON CONFLICT (key_id) DO NOTHING;
        SELECT s.secret INTO k FROM dunning.signing_key s WHERE s.key_id = 1;
    END IF;
    RETURN k;
END
$fn$;
COMMENT ON FUNCTION dunning_internal.signing_secret() IS 'the payment-link key, made on first use (internal)';
CREATE OR REPLACE FUNCTION dunning_internal.base64url(data bytea) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp
    RETURN pg_catalog.translate(pg_catalog.encode(data, 'base64'), E'+/=\n', '-_');
COMMENT ON FUNCTION dunning_internal.base64url(bytea) IS 'base64url without padding (RFC 4648 section 5)';
CREATE OR REPLACE FUNCTION dunning_internal.base64url_decode(data text) RETURNS bytea
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp
    RETURN pg_catalog.decode(pg_catalog.rpad(pg_catalog.translate(data, '-_', '+/'),
                             ((pg_catalog.length(data) + 3) / 4) * 4, '='), 'base64');
COMMENT ON FUNCTION dunning_internal.base64url_decode(text) IS 'inverse of dunning_internal.base64url';

-- Token = base64url(claims) "." base64url(HMAC-SHA256(claims)), claims =
-- "customer_id|invoice ids (distinct, in text order, comma)|amounts|expiry
-- (Unix seconds)", in C (src/render.c): the runner signs one per action.
CREATE OR REPLACE FUNCTION dunning_internal.pay_token_with_key(customer_id bigint, invoice_ids bigint[], amount text,
                                           expires_at timestamptz, secret bytea)
RETURNS text
    AS 'MODULE_PATHNAME', 'pay_token_with_key'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION dunning_internal.pay_token_with_key(bigint, bigint[], text, timestamptz, bytea) IS
    'payment token signed with the given key (internal)';
-- A token binds the ledger: it is made only for open invoices of its
-- customer, for positive amounts per currency no larger than what those
-- invoices have open, expiring within a year.  amount is the text the link
-- shows, "EUR 120.00" or "EUR 100.00 + USD 20.00" (what dunning.run puts in
-- its links).
CREATE OR REPLACE FUNCTION dunning.pay_token(customer_id bigint, invoice_ids bigint[], amount text, expires_at timestamptz)
RETURNS text
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    ids bigint[];
    bad record;
BEGIN
    IF customer_id IS NULL OR expires_at IS NULL OR amount IS NULL OR invoice_ids IS NULL THEN
        RAISE EXCEPTION 'pay_token needs a customer, invoices, an amount and an expiry'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF NOT (expires_at > '-infinity' AND expires_at <= pg_catalog.now() + interval '1 year') THEN
        RAISE EXCEPTION 'a payment link expires within a year from now, not at %', expires_at
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF length(amount) > 100
       OR amount !~ '^[A-Z]{3} [0-9]{1,12}(\.[0-9]{1,4})?( \+ [A-Z]{3} [0-9]{1,12}(\.[0-9]{1,4})?)*$' THEN
        RAISE EXCEPTION 'amount must read like "EUR 120.00" or "EUR 100.00 + USD 20.00", not "%"', left(amount, 100)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT array_agg(DISTINCT x ORDER BY x) INTO ids FROM unnest(invoice_ids) x;
    IF ids IS NULL OR array_position(ids, NULL) IS NOT NULL OR cardinality(ids) > 1000 THEN
        RAISE EXCEPTION 'a payment link names 1 to 1000 invoices, none NULL'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- every invoice: of that customer, an invoice, still open
    SELECT x.id, i.invoice_id IS NULL AS missing, i.amount < 0 AS credit_note INTO bad
      FROM unnest(ids) x(id)
      LEFT JOIN dunning.invoice i ON i.customer_id = pay_token.customer_id AND i.invoice_id = x.id
     WHERE i.invoice_id IS NULL OR i.amount < 0 OR i.settled_amount >= i.amount
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'invoice % is %', bad.id,
                CASE WHEN bad.missing THEN 'not an invoice of customer ' || customer_id
                     WHEN bad.credit_note THEN 'a credit note' ELSE 'settled' END
            USING ERRCODE = CASE WHEN bad.missing THEN 'undefined_object' ELSE 'check_violation' END,
                  HINT = 'A payment link is for open invoices of its customer.';
    END IF;
    -- every amount: positive, in a currency of the invoices, at most what is open
    SELECT a.cur, a.amt, o.open INTO bad
      FROM (SELECT m[1] AS cur, m[2]::numeric AS amt
              FROM regexp_matches(amount, '([A-Z]{3}) ([0-9.]+)', 'g') m) a
      LEFT JOIN (SELECT i.currency::text AS cur, sum(i.amount - i.settled_amount) AS open
                   FROM dunning.invoice i
                  WHERE i.customer_id = pay_token.customer_id AND i.invoice_id = ANY (ids)
                  GROUP BY i.currency) o ON o.cur = a.cur
     WHERE a.amt <= 0 OR o.open IS NULL OR a.amt > o.open
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'amount % % is %', bad.cur, bad.amt,
                CASE WHEN bad.amt <= 0 THEN 'not positive'
                     WHEN bad.open IS NULL THEN 'in no currency of the invoices'
                     ELSE 'above the ' || bad.open || ' they have open' END
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN dunning_internal.pay_token_with_key(customer_id, ids, amount, expires_at, dunning_internal.signing_secret());
END
$fn$;
COMMENT ON FUNCTION dunning.pay_token(bigint, bigint[], text, timestamptz) IS
    'signed payment token for open invoices of a customer and an amount per currency ("EUR 120.00", at most what is open), expiring at expires_at (at most a year from now); HMAC-SHA256 with the key of dunning.signing_key';
-- @schema

-- Revoked links: what dunning.revoke_pay_token said no to before expiry.
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
-- @code
COMMENT ON TABLE dunning.revoked_pay_token IS 'payment links revoked before they expire (dunning.revoke_pay_token); verify_pay_token says revoked';
COMMENT ON COLUMN dunning.revoked_pay_token.customer_id IS 'the customer of the link';
COMMENT ON COLUMN dunning.revoked_pay_token.token_hash IS 'SHA-256 of the token';
COMMENT ON COLUMN dunning.revoked_pay_token.revoked_at IS 'when it was revoked';
COMMENT ON COLUMN dunning.revoked_pay_token.revoked_by IS 'database role that revoked it';
COMMENT ON COLUMN dunning.revoked_pay_token.expires_at IS 'when the token expires anyway (the row may be deleted after)';
COMMENT ON COLUMN dunning.revoked_pay_token.reason IS 'why';
CREATE OR REPLACE FUNCTION dunning.verify_pay_token(token text, at timestamptz DEFAULT pg_catalog.now(),
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
    IF NOT pg_catalog.isfinite(at) THEN
        RAISE EXCEPTION 'at must be finite, got %', at USING ERRCODE = 'invalid_parameter_value';
    END IF;
    valid := false;
    IF token IS NULL OR length(token) > 20000 OR token !~ '^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$' THEN
        reason := 'malformed';
        RETURN;
    END IF;
    parts := string_to_array(token, '.');
    BEGIN
        claims := dunning_internal.base64url_decode(parts[1]);
        SELECT s.secret INTO secret FROM dunning.signing_key s WHERE s.key_id = 1;
        IF secret IS NULL OR NOT dunning_internal.timing_safe_equal(dunning_internal.base64url_decode(parts[2]),
                                                           dunning_internal.hmac_sha256(claims, secret)) THEN
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
    ELSIF EXISTS (SELECT FROM dunning.revoked_pay_token r
                   WHERE r.customer_id = verify_pay_token.customer_id AND r.token_hash = sha256(convert_to(token, 'UTF8'))) THEN
        reason := 'revoked';
    -- still payable: every invoice open, of its customer
    ELSIF cardinality(invoice_ids) = 0
          OR EXISTS (SELECT FROM unnest(invoice_ids) x(id)
                       LEFT JOIN dunning.invoice i ON i.customer_id = verify_pay_token.customer_id AND i.invoice_id = x.id
                      WHERE i.invoice_id IS NULL OR i.settled_amount >= pg_catalog.abs(i.amount)) THEN
        reason := 'no longer payable';
    ELSE
        valid := true;
        reason := 'ok';
    END IF;
END
$fn$;
COMMENT ON FUNCTION dunning.verify_pay_token(text, timestamptz) IS
    'checks a payment token: valid only when its signature is ours, it has not expired at at, was not revoked, and all its invoices are still open; says why not (malformed, bad signature, expired, revoked, no longer payable) and returns its claims';
CREATE OR REPLACE FUNCTION dunning.revoke_pay_token(token text, reason text DEFAULT NULL) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v record;
    n integer;
BEGIN
    v := dunning.verify_pay_token(token);
    IF v.reason IN ('malformed', 'bad signature') THEN
        RAISE EXCEPTION 'not a payment token of this database (%)', v.reason USING ERRCODE = 'invalid_parameter_value';
    END IF;
    INSERT INTO dunning.revoked_pay_token (customer_id, token_hash, expires_at, reason)
    VALUES (v.customer_id, sha256(convert_to(token, 'UTF8')), v.expires_at, left(revoke_pay_token.reason, 200))
    ON CONFLICT DO NOTHING;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n > 0;
END
$fn$;
COMMENT ON FUNCTION dunning.revoke_pay_token(text, text) IS
    'revokes one payment link before it expires (verify_pay_token then says revoked); true when newly revoked; replacing dunning.signing_key revokes every link';
SELECT pg_catalog.pg_extension_config_dump('dunning.signing_key', '');
SELECT pg_catalog.pg_extension_config_dump('dunning.revoked_pay_token', '');

-- Privileges of the objects above (PUBLIC has none: security.sql).
GRANT EXECUTE ON FUNCTION dunning.verify_pay_token(text, timestamptz)
    TO dunning_analyst;
GRANT EXECUTE ON FUNCTION dunning.pay_token(bigint, bigint[], text, timestamptz),
    dunning.revoke_pay_token(text, text)
    TO dunning_collector;
GRANT SELECT ON dunning.revoked_pay_token
    TO dunning_collector;
GRANT SELECT, INSERT, UPDATE, DELETE ON dunning.signing_key
    TO dunning_admin;
GRANT DELETE ON dunning.revoked_pay_token
    TO dunning_admin;
