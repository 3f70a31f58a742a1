-- @code
-----------------------------------------------------------------------------
-- pg_cron: schedule the runner (no hard dependency on pg_cron)
-----------------------------------------------------------------------------
-- pg_cron 1.4 schedules in GMT at minute granularity; the runner handles the
-- customers' local send times itself, so a job every few minutes is right.
-- cron_expr is passed to cron.schedule as a parameter, never spliced into SQL.
-- When pg_cron lives in another database (cron.database_name), run there:
--   SELECT cron.schedule_in_database('dunning-run:<db>', '*/15 * * * *',
--                                    'SELECT dunning.run()', '<db>');
CREATE OR REPLACE FUNCTION dunning.cron_job_name() RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
    RETURN 'dunning-run:' || pg_catalog.current_database();
COMMENT ON FUNCTION dunning.cron_job_name() IS 'name of this database''s pg_cron job: dunning-run:<database>';
CREATE OR REPLACE FUNCTION dunning.schedule(cron_expr text DEFAULT '*/15 * * * *') RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    job bigint;
BEGIN
    IF cron_expr IS NULL OR btrim(cron_expr) = '' THEN
        RAISE EXCEPTION 'dunning.schedule needs a cron expression' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_extension e WHERE e.extname = 'pg_cron') THEN
        RAISE EXCEPTION 'pg_cron is not installed in database %', current_database()
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'CREATE EXTENSION pg_cron in the database named by cron.database_name (shared_preload_libraries must list pg_cron); '
                         || 'when that is another database, schedule from there: SELECT cron.schedule_in_database('''
                         || dunning.cron_job_name() || ''', ''*/15 * * * *'', ''SELECT dunning.run()'', '''
                         || current_database() || ''');';
    END IF;
    -- cron.schedule(job_name, schedule, command) replaces a job of the same
    -- name and owner: calling schedule() again changes the schedule.
    EXECUTE 'SELECT cron.schedule($1, $2, $3)' INTO job
        USING dunning.cron_job_name(), btrim(cron_expr), 'SELECT dunning.run()';
    RETURN job;
END
$fn$;
COMMENT ON FUNCTION dunning.schedule(text) IS
    'registers (or re-schedules) the pg_cron job dunning-run:<database> running dunning.run() on cron_expr (GMT, minute granularity); returns its job id; SQLSTATE 55000 when pg_cron is missing';
CREATE OR REPLACE FUNCTION dunning.unschedule() RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    job bigint;
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_extension e WHERE e.extname = 'pg_cron') THEN
        RAISE EXCEPTION 'pg_cron is not installed in database %', current_database()
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'When pg_cron lives in another database, run there: SELECT cron.unschedule('''
                         || dunning.cron_job_name() || ''');';
    END IF;
    EXECUTE 'SELECT j.jobid FROM cron.job j WHERE j.jobname = $1 AND j.username = current_user'
        INTO job USING dunning.cron_job_name();
    IF job IS NULL THEN
        RETURN false;
    END IF;
    EXECUTE 'SELECT cron.unschedule($1)' USING job;
    RETURN true;
END
$fn$;
COMMENT ON FUNCTION dunning.unschedule() IS
    'removes the pg_cron job dunning-run:<database>; returns false when there was none; SQLSTATE 55000 when pg_cron is missing';

-- Privileges of the objects above (PUBLIC has none: security.sql).
GRANT EXECUTE ON FUNCTION dunning.cron_job_name()
    TO dunning_analyst;
GRANT EXECUTE ON FUNCTION dunning.schedule(text),
    dunning.unschedule()
    TO dunning_admin;
