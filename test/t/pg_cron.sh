#!/usr/bin/env bash
# pg_cron runs the dunning runner for real: needs a server with pg_cron in
# shared_preload_libraries and cron.database_name = postgres (scripts/cluster).
# 1. dunning installed next to pg_cron (database postgres): dunning.schedule()
#    registers the job idempotently, a run shows up in cron.job_run_details
#    with status succeeded and the actions it made are there; the nightly
#    refresh job comes with it, once, and runs (refreshed_at moves);
#    unschedule() removes both.
# 2. dunning in another database: the documented cron.schedule_in_database path.
# Skipped when pg_cron is not preloaded.
. "$(dirname "$0")/lib.bash"
if ! q postgres "SHOW shared_preload_libraries" | grep -q pg_cron; then
    echo "1..0 # SKIP pg_cron is not in shared_preload_libraries"; exit 0
fi
if [ "$(q postgres "SHOW cron.database_name")" != "postgres" ]; then
    echo "1..0 # SKIP cron.database_name is not postgres"; exit 0
fi
DB=dunning_cron
WAIT=${DUNNING_CRON_WAIT:-150}

# A time zone where it is now between 09:30 and 23:30 (the shipped steps send
# from 09:00 local time), with no weekend days (load sets weekend_days to {}):
# the run pg_cron starts has work to do whatever the day and hour (one of the
# Etc/GMT zones, which span 26 hours, always is in that window).
TZ_NAME=$(q postgres "SELECT name FROM pg_timezone_names
                       WHERE name ~ '^Etc/GMT[-+][0-9]+$'
                         AND (now() AT TIME ZONE name)::time BETWEEN '09:30' AND '23:30'
                       ORDER BY name LIMIT 1")
if [ -z "$TZ_NAME" ]; then
    echo "Bail out! no Etc/GMT zone is between 09:30 and 23:30: the time zone data is incomplete"; exit 1
fi
load() {    # 20 customers in $TZ_NAME, each with an invoice 10 days overdue there; no weekend
    psql -X -q -o /dev/null -v ON_ERROR_STOP=1 -d "$1" <<SQL
INSERT INTO dunning.setting (id, weekend_days) VALUES (true, '{}')
    ON CONFLICT (id) DO UPDATE SET weekend_days = '{}';
INSERT INTO dunning.customer (name, email, timezone)
SELECT 'Cron customer ' || g, 'c' || g || '@example.com', '$TZ_NAME' FROM generate_series(1, 20) g;
INSERT INTO dunning.invoice (customer_id, invoice_number, issued_on, due_on, amount)
SELECT c.customer_id, 'CRON-' || c.customer_id, (now() AT TIME ZONE '$TZ_NAME')::date - 40,
       (now() AT TIME ZONE '$TZ_NAME')::date - 10, 100
  FROM dunning.customer c;
SQL
}
wait_run() {    # wait_run JOBNAME: waits for a succeeded run of the job; prints its status
    local t=0 st=
    while [ $t -lt $WAIT ]; do
        st=$(q postgres "SELECT d.status FROM cron.job_run_details d JOIN cron.job j USING (jobid)
                          WHERE j.jobname = '$1' AND d.status IN ('succeeded', 'failed')
                          ORDER BY d.runid DESC LIMIT 1")
        [ -n "$st" ] && break
        sleep 5; t=$((t + 5))
    done
    echo "${st:-timeout}"
}

q postgres "CREATE EXTENSION IF NOT EXISTS pg_cron" >/dev/null 2>&1
ok $? "pg_cron created in database postgres"
# Other suites may have left dunning in postgres: start clean.
q postgres "SET client_min_messages = warning; DROP EXTENSION IF EXISTS dunning CASCADE" >/dev/null
fresh_db $DB && load $DB
ok $? "database $DB with due items (customers in $TZ_NAME)"

# Without pg_cron in the database: a clear error, with the way to go.
err=$(psql -X -qAt -d $DB -c "SELECT dunning.schedule('* * * * *')" 2>&1)
echo "$err" | grep -q "pg_cron is not installed" && echo "$err" | grep -q "schedule_in_database"
ok $? "schedule() without pg_cron in the database says so and hints at cron.schedule_in_database"
is "$(psql -X -qAt -d $DB -v VERBOSITY=verbose -c "\\set VERBOSITY verbose" -c "SELECT dunning.unschedule()" 2>&1 | sed -n 's/.*ERROR: *\([0-9A-Z]\{5\}\):.*/\1/p')" \
   "55000" "unschedule() without pg_cron: SQLSTATE 55000"

# 1. dunning next to pg_cron.
q postgres "SET client_min_messages = warning; CREATE EXTENSION dunning" >/dev/null && load postgres
ok $? "dunning installed in postgres with due items"
job=$(q postgres "SELECT dunning.schedule('* * * * *')")
ok $([ -n "$job" ]; echo $?) "dunning.schedule('* * * * *') registered job $job"
is "$(q postgres "SELECT dunning.schedule('* * * * *')")" "$job" "schedule() again is idempotent (same job)"
is "$(q postgres "SELECT count(*) || ' ' || min(schedule) || ' ' || min(command) FROM cron.job WHERE jobname = dunning.cron_job_name()")" \
   "1 * * * * * SELECT dunning.run()" "one job named $(q postgres "SELECT dunning.cron_job_name()") running dunning.run()"
st=$(wait_run dunning-run:postgres)
is "$st" "succeeded" "pg_cron ran dunning.run() (cron.job_run_details status)"
[ "$st" != "succeeded" ] && q postgres "SELECT status || ': ' || return_message FROM cron.job_run_details ORDER BY runid DESC LIMIT 3" | sed 's/^/# /'
is "$(q postgres "SELECT count(*) || ' ' || min(step_name) || ' ' || min(status) FROM dunning.action")" "20 reminder 1 queued" \
   "the scheduled run created the 20 reminders"
# The nightly refresh of segments and KPIs comes with schedule(), once.
refresh_cmd='SELECT dunning.refresh_segments(); SELECT dunning.refresh_kpi()'
is "$(q postgres "SELECT count(*) || ' ' || min(schedule) || ' ' || min(command) FROM cron.job WHERE jobname = dunning.cron_refresh_job_name()")" \
   "1 0 2 * * * $refresh_cmd" "schedule() added the nightly refresh job dunning-refresh:postgres (02:00 GMT)"
q postgres "SELECT dunning.schedule('* * * * *')" >/dev/null
is "$(q postgres "SELECT count(*) FROM cron.job WHERE jobname IN ('dunning-run:postgres', 'dunning-refresh:postgres')")" "2" \
   "schedule() again adds no job"
rjob=$(q postgres "SELECT jobid FROM cron.job WHERE jobname = 'dunning-refresh:postgres'")
is "$(q postgres "SELECT dunning.schedule_refresh('* * * * *')")" "$rjob" "schedule_refresh() re-schedules the same job"
q postgres "SELECT dunning.schedule('* * * * *')" >/dev/null
is "$(q postgres "SELECT schedule FROM cron.job WHERE jobname = 'dunning-refresh:postgres'")" "* * * * *" \
   "schedule() keeps the refresh's own schedule"
before=$(q postgres "SELECT max(refreshed_at) FROM dunning.kpi_monthly")
st=$(wait_run dunning-refresh:postgres)
is "$st" "succeeded" "pg_cron ran the refresh (cron.job_run_details status)"
[ "$st" != "succeeded" ] && q postgres "SELECT status || ': ' || return_message FROM cron.job_run_details ORDER BY runid DESC LIMIT 3" | sed 's/^/# /'
is "$(q postgres "SELECT (SELECT min(refreshed_at) FROM dunning.kpi_monthly) > '${before:-1900-01-01}'::timestamptz
                     AND (SELECT min(refreshed_at) FROM dunning.customer_risk) > '${before:-1900-01-01}'::timestamptz
                     AND (SELECT count(*) FROM dunning.customer WHERE risk_segment IS NOT NULL) = 20")" "t" \
   "the refresh recomputed kpi_monthly, customer_risk (refreshed_at) and the segments"
is "$(q postgres "SELECT dunning.unschedule()")" "t" "unschedule() removes the jobs"
is "$(q postgres "SELECT count(*) FROM cron.job WHERE jobname IN ('dunning-run:postgres', 'dunning-refresh:postgres')")" "0" "no job left"
is "$(q postgres "SELECT dunning.unschedule()")" "f" "unschedule() again: nothing to remove"

# 2. dunning in another database than pg_cron's.
jid=$(q postgres "SELECT cron.schedule_in_database('dunning-run:$DB', '* * * * *', 'SELECT dunning.run()', '$DB')")
ok $([ -n "$jid" ]; echo $?) "cron.schedule_in_database for $DB (job $jid)"
is "$(wait_run dunning-run:$DB)" "succeeded" "pg_cron ran dunning.run() in $DB"
is "$(q $DB "SELECT count(*) FROM dunning.action")" "20" "the run in $DB created the 20 reminders"
q postgres "SELECT cron.unschedule('dunning-run:$DB')" >/dev/null
ok $? "job of $DB unscheduled"

q postgres "SET client_min_messages = warning; DROP EXTENSION dunning CASCADE;
            DELETE FROM cron.job_run_details WHERE command IN ('SELECT dunning.run()', '$refresh_cmd')" >/dev/null
drop_db $DB
done_testing
