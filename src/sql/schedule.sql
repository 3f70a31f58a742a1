-- @code
-----------------------------------------------------------------------------
-- pg_cron: schedule the runner and the nightly refresh (no hard dependency
-- on pg_cron)
-----------------------------------------------------------------------------
-- pg_cron 1.4 schedules in GMT at minute granularity; the runner handles the
-- customers' local send times itself, so a job every few minutes is right.
-- cron_expr is passed to cron.schedule as a parameter, never spliced into SQL.
-- When pg_cron lives in another database (cron.database_name), run there:
--   SELECT cron.schedule_in_database('dunning-run:<db>', '*/15 * * * *',
--                                    'SELECT dunning.run()', '<db>');
-- cron.schedule(job_name, schedule, command) replaces a job of the same name
-- and owner: scheduling again changes the schedule and never adds a job.
CREATE OR REPLACE FUNCTION dunning.cron_job_name() RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
    RETURN 'dunning-run:' || pg_catalog.current_database();
COMMENT ON FUNCTION dunning.cron_job_name() IS 'name of this database''s pg_cron job: dunning-run:<database>';
CREATE OR REPLACE FUNCTION dunning.cron_refresh_job_name() RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
    RETURN 'dunning-refresh:' || pg_catalog.current_database();
COMMENT ON FUNCTION dunning.cron_refresh_job_name() IS
    'name of this database''s pg_cron job refreshing the risk segments and the KPI materialized views: dunning-refresh:<database>';
-- SQLSTATE 55000 with the way to go when pg_cron is not in this database.
CREATE OR REPLACE FUNCTION dunning_internal.require_pg_cron(job_name text, cron_expr text, command text) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_extension e WHERE e.extname = 'pg_cron') THEN
        RAISE EXCEPTION 'pg_cron is not installed in database %', current_database()
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'CREATE EXTENSION pg_cron in the database named by cron.database_name (shared_preload_libraries must list pg_cron); '
                         || 'when that is another database, schedule from there: SELECT cron.schedule_in_database('''
                         || job_name || ''', ''' || cron_expr || ''', ''' || pg_catalog.replace(command, '''', '''''')
                         || ''', ''' || current_database() || '''); unschedule with SELECT cron.unschedule('''
                         || job_name || ''');';
    END IF;
END
$fn$;
COMMENT ON FUNCTION dunning_internal.require_pg_cron(text, text, text) IS
    'raises SQLSTATE 55000 when pg_cron is not installed in this database, with the cron.schedule_in_database call to use instead';
-- What the nightly job runs: segments first (customer_risk shows them), then
-- both materialized views (readers keep the previous figures meanwhile).
CREATE OR REPLACE FUNCTION dunning_internal.refresh_command() RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
    RETURN 'SELECT dunning.refresh_segments(); SELECT dunning.refresh_kpi()';
CREATE OR REPLACE FUNCTION dunning.schedule_refresh(cron_expr text DEFAULT '0 2 * * *') RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    job bigint;
BEGIN
    IF cron_expr IS NULL OR btrim(cron_expr) = '' THEN
        RAISE EXCEPTION 'dunning.schedule_refresh needs a cron expression' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    PERFORM dunning_internal.require_pg_cron(dunning.cron_refresh_job_name(), '0 2 * * *',
                                             dunning_internal.refresh_command());
    EXECUTE 'SELECT cron.schedule($1, $2, $3)' INTO job
        USING dunning.cron_refresh_job_name(), btrim(cron_expr), dunning_internal.refresh_command();
    RETURN job;
END
$fn$;
COMMENT ON FUNCTION dunning_internal.refresh_command() IS
    'the SQL the nightly refresh job runs: segments, then both materialized views concurrently (internal)';
COMMENT ON FUNCTION dunning.schedule_refresh(text) IS
    'registers (or re-schedules) the pg_cron job dunning-refresh:<database> running dunning.refresh_segments() then dunning.refresh_kpi() on cron_expr (GMT; default 02:00 every night); returns its job id; SQLSTATE 55000 when pg_cron is missing';
CREATE OR REPLACE FUNCTION dunning.schedule(cron_expr text DEFAULT '*/15 * * * *') RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    job bigint;
    has_refresh boolean;
BEGIN
    IF cron_expr IS NULL OR btrim(cron_expr) = '' THEN
        RAISE EXCEPTION 'dunning.schedule needs a cron expression' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    PERFORM dunning_internal.require_pg_cron(dunning.cron_job_name(), '*/15 * * * *', 'SELECT dunning.run()');
    EXECUTE 'SELECT cron.schedule($1, $2, $3)' INTO job
        USING dunning.cron_job_name(), btrim(cron_expr), 'SELECT dunning.run()';
    -- The nightly refresh comes with the runner; a schedule of its own
    -- (schedule_refresh) is kept.
    EXECUTE 'SELECT EXISTS (SELECT FROM cron.job j WHERE j.jobname = $1 AND j.username = current_user)'
        INTO has_refresh USING dunning.cron_refresh_job_name();
    IF NOT has_refresh THEN
        PERFORM dunning.schedule_refresh();
    END IF;
    RETURN job;
END
$fn$;
COMMENT ON FUNCTION dunning.schedule(text) IS
    'registers (or re-schedules) the pg_cron job dunning-run:<database> running dunning.run() on cron_expr (GMT, minute granularity), and the nightly refresh dunning-refresh:<database> unless it exists (dunning.schedule_refresh changes its time); returns the runner job''s id; SQLSTATE 55000 when pg_cron is missing';
CREATE OR REPLACE FUNCTION dunning.unschedule() RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    job bigint;
    found_any boolean := false;
BEGIN
    PERFORM dunning_internal.require_pg_cron(dunning.cron_job_name(), '*/15 * * * *', 'SELECT dunning.run()');
    FOR job IN EXECUTE 'SELECT j.jobid FROM cron.job j WHERE j.jobname IN ($1, $2) AND j.username = current_user'
        USING dunning.cron_job_name(), dunning.cron_refresh_job_name()
    LOOP
        EXECUTE 'SELECT cron.unschedule($1)' USING job;
        found_any := true;
    END LOOP;
    RETURN found_any;
END
$fn$;
COMMENT ON FUNCTION dunning.unschedule() IS
    'removes the pg_cron jobs dunning-run:<database> and dunning-refresh:<database>; returns false when there was none; SQLSTATE 55000 when pg_cron is missing';

-- Privileges of the objects above (PUBLIC has none: security.sql).
GRANT EXECUTE ON FUNCTION dunning.cron_job_name(),
    dunning.cron_refresh_job_name()
    TO dunning_analyst;
GRANT EXECUTE ON FUNCTION dunning.schedule(text),
    dunning.schedule_refresh(text),
    dunning.unschedule()
    TO dunning_admin;
