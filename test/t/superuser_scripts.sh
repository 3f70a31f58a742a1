#!/usr/bin/env bash
# The scripts a superuser runs (the sample generator, the demo, the bench
# SQL) resolve pg_catalog and dunning objects only: an ordinary role that may
# create objects in public plants better-matching overloads of what the
# scripts call (an operator <(float8, numeric), cardinality(text[]),
# ln(integer), ||(text, integer), to_char(date, text), and more); each one
# logs its call and tries to make its owner a superuser.  After the scripts
# ran as superuser with the default search_path, nothing was called.
. "$(dirname "$0")/lib.bash"
top=$(cd "$(dirname "$0")/../.." && pwd)
DB=dunning_planted
ROLE=dunning_mallory
fresh_db $DB
psql -X -q -d postgres -c "DROP ROLE IF EXISTS $ROLE" -c "CREATE ROLE $ROLE NOLOGIN" >/dev/null 2>&1
psql -X -q -o /dev/null -v ON_ERROR_STOP=1 -d $DB <<SQL
-- Many installs still let every role create in public (before PostgreSQL 15,
-- or granted back): the worst case.
GRANT CREATE, USAGE ON SCHEMA public TO $ROLE;
SET ROLE $ROLE;
CREATE TABLE public.trap_log (what text, by_role name DEFAULT current_user, at timestamptz DEFAULT now());
GRANT INSERT, SELECT ON public.trap_log TO PUBLIC;
-- What a planted function does when a superuser calls it: say so, and
-- try to take over.
CREATE FUNCTION public.trap(what text) RETURNS void LANGUAGE plpgsql AS \$\$
BEGIN
    INSERT INTO public.trap_log (what) VALUES (what);
    BEGIN
        EXECUTE 'ALTER ROLE $ROLE SUPERUSER';
    EXCEPTION WHEN insufficient_privilege THEN NULL;
    END;
END \$\$;
GRANT EXECUTE ON FUNCTION public.trap(text) TO PUBLIC;
CREATE FUNCTION public.trap_lt(a float8, b numeric) RETURNS boolean LANGUAGE plpgsql AS
  \$\$ BEGIN PERFORM public.trap('<(float8, numeric)'); RETURN a::numeric < b; END \$\$;
CREATE OPERATOR public.< (LEFTARG = float8, RIGHTARG = numeric, FUNCTION = public.trap_lt);
CREATE FUNCTION public.trap_gt(a float8, b numeric) RETURNS boolean LANGUAGE plpgsql AS
  \$\$ BEGIN PERFORM public.trap('>(float8, numeric)'); RETURN a::numeric > b; END \$\$;
CREATE OPERATOR public.> (LEFTARG = float8, RIGHTARG = numeric, FUNCTION = public.trap_gt);
CREATE FUNCTION public.trap_cat(a text, b integer) RETURNS text LANGUAGE plpgsql AS
  \$\$ BEGIN PERFORM public.trap('||(text, integer)'); RETURN a || b::text; END \$\$;
CREATE OPERATOR public.|| (LEFTARG = text, RIGHTARG = integer, FUNCTION = public.trap_cat);
CREATE FUNCTION public.trap_cat2(a integer, b text) RETURNS text LANGUAGE plpgsql AS
  \$\$ BEGIN PERFORM public.trap('||(integer, text)'); RETURN a::text || b; END \$\$;
CREATE OPERATOR public.|| (LEFTARG = integer, RIGHTARG = text, FUNCTION = public.trap_cat2);
CREATE FUNCTION public.trap_eq(a text, b integer) RETURNS boolean LANGUAGE plpgsql AS
  \$\$ BEGIN PERFORM public.trap('=(text, integer)'); RETURN a = b::text; END \$\$;
CREATE OPERATOR public.= (LEFTARG = text, RIGHTARG = integer, FUNCTION = public.trap_eq);
CREATE FUNCTION public.cardinality(a text[]) RETURNS integer LANGUAGE plpgsql AS
  \$\$ BEGIN PERFORM public.trap('cardinality(text[])'); RETURN pg_catalog.cardinality(a); END \$\$;
CREATE FUNCTION public.ln(a integer) RETURNS float8 LANGUAGE plpgsql AS
  \$\$ BEGIN PERFORM public.trap('ln(integer)'); RETURN pg_catalog.ln(a::float8); END \$\$;
CREATE FUNCTION public.to_char(d date, f text) RETURNS text LANGUAGE plpgsql AS
  \$\$ BEGIN PERFORM public.trap('to_char(date, text)'); RETURN pg_catalog.to_char(d::timestamp, f); END \$\$;
CREATE FUNCTION public.lpad(s text, n bigint, f text) RETURNS text LANGUAGE plpgsql AS
  \$\$ BEGIN PERFORM public.trap('lpad(text, bigint, text)'); RETURN pg_catalog.lpad(s, n::int, f); END \$\$;
CREATE FUNCTION public.round(x float8, n integer) RETURNS numeric LANGUAGE plpgsql AS
  \$\$ BEGIN PERFORM public.trap('round(float8, integer)'); RETURN pg_catalog.round(x::numeric, n); END \$\$;
CREATE FUNCTION public.floor(x numeric) RETURNS numeric LANGUAGE plpgsql AS
  \$\$ BEGIN PERFORM public.trap('floor(numeric)'); RETURN pg_catalog.floor(x); END \$\$;
CREATE FUNCTION public.exp(x integer) RETURNS float8 LANGUAGE plpgsql AS
  \$\$ BEGIN PERFORM public.trap('exp(integer)'); RETURN pg_catalog.exp(x::float8); END \$\$;
CREATE FUNCTION public.abs(x integer) RETURNS integer LANGUAGE plpgsql AS
  \$\$ BEGIN PERFORM public.trap('abs(integer)'); RETURN pg_catalog.abs(x); END \$\$;
CREATE FUNCTION public.left(s text, n bigint) RETURNS text LANGUAGE plpgsql AS
  \$\$ BEGIN PERFORM public.trap('left(text, bigint)'); RETURN pg_catalog.left(s, n::int); END \$\$;
CREATE FUNCTION public.generate_series(a integer, b bigint) RETURNS SETOF bigint LANGUAGE plpgsql AS
  \$\$ BEGIN PERFORM public.trap('generate_series(integer, bigint)'); RETURN QUERY SELECT pg_catalog.generate_series(a::bigint, b); END \$\$;
RESET ROLE;
SQL
ok $? "an ordinary role planted $(q $DB "SELECT count(*) FROM pg_proc WHERE pronamespace = 'public'::regnamespace") functions and $(q $DB "SELECT count(*) FROM pg_operator WHERE oprnamespace = 'public'::regnamespace") operators in public"

# The trap works: a careless query with the default search_path calls it.
q $DB "SELECT 1.5::float8 < 2::numeric" >/dev/null
is "$(q $DB "SELECT count(*) FROM public.trap_log")" "1" \
   "the planted operator is called by a query that does not pin its search path"
is "$(q $DB "SELECT rolsuper FROM pg_roles WHERE rolname = '$ROLE'")" "t" "... and its owner took over"
q $DB "TRUNCATE public.trap_log; ALTER ROLE $ROLE NOSUPERUSER" >/dev/null

# The scripts, as superuser, default search_path ("\$user", public),
# function calls tracked.
export PGOPTIONS="$PGOPTIONS -c track_functions=all"
q $DB "SELECT pg_stat_reset()" >/dev/null
psql -X -q -o /dev/null -v ON_ERROR_STOP=1 -d $DB -v customers=40 -v quiet=false -f "$top/scripts/sample_ledger.sql" >/dev/null 2>&1
ok $? "scripts/sample_ledger.sql ran as superuser"
psql -X -q -o /dev/null -v ON_ERROR_STOP=1 -d $DB -f "$top/scripts/demo.sql" >/dev/null 2>&1
ok $? "scripts/demo.sql ran as superuser"
psql -X -q -o /dev/null -v ON_ERROR_STOP=1 -d $DB -v as_of=2026-11-23 -f "$top/scripts/demo-timeline.sql" >/dev/null 2>&1
ok $? "scripts/demo-timeline.sql ran as superuser"
psql -X -q -o /dev/null -v ON_ERROR_STOP=1 -d $DB \
     -c "CREATE SCHEMA bench_eval" \
     -c "CREATE TABLE bench_eval.work AS SELECT payment_id FROM dunning.payment WHERE allocated_amount = 0" \
     -c "CREATE VIEW bench_eval.engine AS SELECT payment_id, invoice_id, amount FROM dunning.allocation WHERE payment_id IS NOT NULL" 2>&1
psql -X -q -o /dev/null -v ON_ERROR_STOP=1 -d $DB -v pred=bench_eval.engine -v label=dunning \
     -f "$top/bench/lettering_quality.sql" 2>&1
ok $? "bench/lettering_quality.sql ran as superuser"
psql -X -q -o /dev/null -v ON_ERROR_STOP=1 -d $DB -f "$top/bench/plain_matcher.sql" 2>&1
ok $? "bench/plain_matcher.sql ran as superuser"

is "$(q $DB "SELECT count(*) FROM public.trap_log")" "0" "no planted function or operator was called"
is "$(q $DB "SELECT rolsuper FROM pg_roles WHERE rolname = '$ROLE'")" "f" "the planting role is still not a superuser"
sleep 1   # statistics reach the cumulative view at the end of each transaction, with a short delay
is "$(q $DB "SELECT COALESCE(string_agg(funcname, ', '), '') FROM pg_stat_user_functions WHERE schemaname = 'public'")" "" \
   "no function of schema public was called at all (track_functions = all)"

# Every SQL script of scripts/ and bench/ pins its search path before its
# first statement (or is only \ir'd by one that does).
unpinned=""
for f in "$top"/scripts/*.sql "$top"/bench/*.sql; do
    case "$(basename "$f")" in best_ms.sql) continue ;; esac
    first=$(grep -v -E '^\s*(--|\\|$)' "$f" | head -1)
    case "$first" in
        "SET search_path = pg_catalog, pg_temp;"|"SELECT pg_catalog.current_setting('search_path') AS sl_search_path \\gset") ;;
        *) unpinned="$unpinned $(basename "$f")" ;;
    esac
done
is "$unpinned" "" "every SQL script of scripts/ and bench/ pins search_path = pg_catalog, pg_temp first"

drop_db $DB
psql -X -q -d postgres -c "DROP ROLE IF EXISTS $ROLE" >/dev/null 2>&1
done_testing
