-- @schema
-- dunning install script: the topic files of src/sql/ in the order of
-- src/sql/topics (see src/sql/README.md).  Everything is schema-qualified:
-- the script never depends on search_path.

\echo Use "CREATE EXTENSION dunning" to load this file. \quit

-- Roles are cluster-wide, so the extension may already have created them in
-- another database of this cluster: create each one only when it is missing.
-- They are not members of the extension and survive DROP EXTENSION.
--   dunning_admin      configures the engine, loads and corrects ledger data
--   dunning_collector  works the ledger: letters payments, records disputes
--   dunning_analyst    reads everything, changes nothing (BI tools)
DO $roles$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['dunning_analyst', 'dunning_collector', 'dunning_admin'] LOOP
        IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) r) THEN
            EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', r);
        END IF;
    END LOOP;
    -- A collector can do what an analyst can; an admin what a collector can.
    IF NOT pg_catalog.pg_has_role('dunning_collector', 'dunning_analyst', 'MEMBER') THEN
        GRANT dunning_analyst TO dunning_collector;
    END IF;
    IF NOT pg_catalog.pg_has_role('dunning_admin', 'dunning_collector', 'MEMBER') THEN
        GRANT dunning_collector TO dunning_admin;
    END IF;
END
$roles$;
-- @code
GRANT USAGE ON SCHEMA dunning TO dunning_analyst;

-- The roles are not members of the extension: DROP EXTENSION leaves them
-- (another database of the cluster may use them).  Before dropping the
-- extension from the last database that has it, this drops them: it takes
-- back what they were granted in this database (DROP OWNED, refused when
-- they own anything) and drops them; a privilege left in another database
-- stops it, named.  Then DROP EXTENSION dunning.
CREATE OR REPLACE FUNCTION dunning.drop_roles() RETURNS integer
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    r text;
    n integer := 0;
    owned text;
BEGIN
    FOREACH r IN ARRAY ARRAY['dunning_admin', 'dunning_collector', 'dunning_analyst'] LOOP
        CONTINUE WHEN NOT EXISTS (SELECT FROM pg_roles WHERE rolname = r);
        SELECT string_agg(pg_describe_object(d.classid, d.objid, d.objsubid), ', ') INTO owned
          FROM pg_shdepend d
         WHERE d.refclassid = 'pg_authid'::regclass AND d.refobjid = r::regrole AND d.deptype = 'o';
        IF owned IS NOT NULL THEN
            RAISE EXCEPTION 'role % owns objects: %', r, left(owned, 200)
                USING ERRCODE = 'dependent_objects_still_exist',
                      HINT = 'Reassign them (REASSIGN OWNED BY ... TO ...) first.';
        END IF;
        EXECUTE format('DROP OWNED BY %I', r);
        BEGIN
            EXECUTE format('DROP ROLE %I', r);
        EXCEPTION WHEN dependent_objects_still_exist THEN
            RAISE EXCEPTION 'role % is still used in another database of the cluster', r
                USING ERRCODE = 'dependent_objects_still_exist',
                      DETAIL = (SELECT string_agg(DISTINCT db.datname, ', ') FROM pg_shdepend d
                                  JOIN pg_database db ON db.oid = d.dbid
                                 WHERE d.refclassid = 'pg_authid'::regclass AND d.refobjid = r::regrole),
                      HINT = 'There: DROP EXTENSION dunning, then DROP SCHEMA dunning (the extension leaves its schema, and the schema its grant); run dunning.drop_roles() in the last database.';
        END;
        n := n + 1;
    END LOOP;
    RETURN n;
END
$fn$;
COMMENT ON FUNCTION dunning.drop_roles() IS
    'drops the roles the extension created (dunning_admin, dunning_collector, dunning_analyst) when no other database uses them; run it just before DROP EXTENSION dunning in the last database that has it; returns how many it dropped';

-- Internals (helpers the public functions call) live in dunning_internal,
-- which analysts and BI tools do not see.
-- @schema
CREATE SCHEMA dunning_internal;
COMMENT ON SCHEMA dunning_internal IS 'internals of the dunning extension: not an interface, may change in any release';

-- The advisory-lock keys of the jobs that run one at a time per database
-- (auto_letter, run, import_statement, refresh_segments), defined once in C
-- (src/lock_keys.c), where auto_letter takes its own.
-- @code
CREATE OR REPLACE FUNCTION dunning_internal.lock_key(job text) RETURNS bigint
    AS 'MODULE_PATHNAME', 'lock_key'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dunning_internal.lock_key(text) IS
    'the advisory-lock key of a job run one at a time per database (auto_letter, run, import_statement, refresh_segments); an unknown job is refused (22023) (internal)';
-- refresh_segments runs as its caller (its log names who ran it): an admin
-- takes its lock, and may call this function and nothing else of the schema
GRANT USAGE ON SCHEMA dunning_internal TO dunning_admin;
GRANT EXECUTE ON FUNCTION dunning_internal.lock_key(text) TO dunning_admin;

-- A writing that holds its foreign keys by construction may skip their
-- per-row checks with session_replication_role = replica (the facility of
-- pg_restore --disable-triggers; bank.sql, runner.sql) only on a single node
-- (Citus has its own paths), run by a superuser (only a superuser sets that
-- parameter: the SECURITY DEFINER owner of the caller, the role of CREATE
-- EXTENSION), and where that mode changes nothing else: no trigger on the
-- tables written, fired by the events the writing does (tgtype bits: 4
-- INSERT, 8 DELETE, 16 UPDATE), that replica mode skips (enabled in origin
-- mode) or fires only then (ENABLE REPLICA), other than the named triggers
-- and the internal triggers of the named foreign keys (either side); and no
-- rule on them in those modes.
CREATE OR REPLACE FUNCTION dunning_internal.replica_mode_writing_possible(tables regclass[], events integer,
                                                                          known_triggers name[],
                                                                          known_foreign_keys name[])
RETURNS boolean
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp
AS $fn$
    SELECT NOT dunning_internal.ledger_distributed()
       AND COALESCE((SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = CURRENT_USER), false)
       AND NOT EXISTS (
               SELECT FROM pg_catalog.pg_trigger t
                WHERE t.tgrelid = ANY (tables) AND t.tgenabled IN ('O', 'R') AND (t.tgtype & events) <> 0
                  AND t.tgname <> ALL (known_triggers)
                  AND NOT EXISTS (SELECT FROM pg_catalog.pg_constraint k
                                   WHERE k.oid = t.tgconstraint AND k.contype = 'f'
                                     AND k.conname = ANY (known_foreign_keys)))
       AND NOT EXISTS (SELECT FROM pg_catalog.pg_rewrite r
                        WHERE r.ev_class = ANY (tables) AND r.ev_enabled IN ('O', 'R') AND r.ev_type <> '1');
$fn$;
COMMENT ON FUNCTION dunning_internal.replica_mode_writing_possible(regclass[], integer, name[], name[]) IS
    'whether a writing of these events (tgtype bits) on these tables may use session_replication_role = replica: a single node, run by a superuser, and that mode skips only the named triggers and the internal triggers of the named foreign keys, and fires nothing extra (no ENABLE REPLICA trigger or rule) (internal: trusted_bank_write_possible, trusted_run_write_possible)';
