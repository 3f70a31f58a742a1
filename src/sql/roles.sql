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

-- Internals (helpers the public functions call) live in dunning_internal,
-- which analysts and BI tools do not see.
-- @schema
CREATE SCHEMA dunning_internal;
COMMENT ON SCHEMA dunning_internal IS 'internals of the dunning extension: not an interface, may change in any release';
