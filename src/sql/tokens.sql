-- @code

-----------------------------------------------------------------------------
-- Payment links: signed, expiring tokens (HMAC-SHA256, src/render.c)
-----------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION dunning.hmac_sha256(data bytea, key bytea) RETURNS bytea
    AS 'MODULE_PATHNAME', 'hmac_sha256'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dunning.hmac_sha256(bytea, bytea) IS 'HMAC-SHA256 of data with key (internal)';
CREATE OR REPLACE FUNCTION dunning.random_bytes(n integer) RETURNS bytea
    AS 'MODULE_PATHNAME', 'random_bytes'
    LANGUAGE C VOLATILE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dunning.random_bytes(integer) IS 'n bytes from the strong random source (internal)';
CREATE OR REPLACE FUNCTION dunning.timing_safe_equal(a bytea, b bytea) RETURNS boolean
    AS 'MODULE_PATHNAME', 'timing_safe_equal'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dunning.timing_safe_equal(bytea, bytea) IS 'byte-string equality in constant time (internal)';
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
CREATE OR REPLACE FUNCTION dunning.signing_secret() RETURNS bytea
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
CREATE OR REPLACE FUNCTION dunning.base64url(data bytea) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp
    RETURN pg_catalog.translate(pg_catalog.encode(data, 'base64'), E'+/=\n', '-_');
COMMENT ON FUNCTION dunning.base64url(bytea) IS 'base64url without padding (RFC 4648 section 5)';
CREATE OR REPLACE FUNCTION dunning.base64url_decode(data text) RETURNS bytea
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp
    RETURN pg_catalog.decode(pg_catalog.rpad(pg_catalog.translate(data, '-_', '+/'),
                             ((pg_catalog.length(data) + 3) / 4) * 4, '='), 'base64');
COMMENT ON FUNCTION dunning.base64url_decode(text) IS 'inverse of dunning.base64url';

-- Token = base64url(claims) "." base64url(HMAC-SHA256(claims)), claims =
-- "customer_id|invoice ids (distinct, in text order, comma)|amounts|expiry
-- (Unix seconds)", in C (src/render.c): the runner signs one per action.
CREATE OR REPLACE FUNCTION dunning.pay_token_with_key(customer_id bigint, invoice_ids bigint[], amount text,
                                           expires_at timestamptz, secret bytea)
RETURNS text
    AS 'MODULE_PATHNAME', 'pay_token_with_key'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION dunning.pay_token_with_key(bigint, bigint[], text, timestamptz, bytea) IS
    'payment token signed with the given key (internal)';
CREATE OR REPLACE FUNCTION dunning.pay_token(customer_id bigint, invoice_ids bigint[], amount text, expires_at timestamptz)
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
SELECT pg_catalog.pg_extension_config_dump('dunning.signing_key', '');

-- Privileges of the objects above (PUBLIC has none: security.sql).
GRANT EXECUTE ON FUNCTION dunning.verify_pay_token(text, timestamptz)
    TO dunning_analyst;
GRANT EXECUTE ON FUNCTION dunning.pay_token(bigint, bigint[], text, timestamptz)
    TO dunning_collector;
GRANT SELECT, INSERT, UPDATE, DELETE ON dunning.signing_key
    TO dunning_admin;
