#!/usr/bin/env bash
# Roles for DROP EXTENSION (issue 13, point 7): the three cluster-wide roles
# survive DROP EXTENSION (another database may use them); dunning.drop_roles()
# drops them from the last database that has the extension, refuses (naming
# the database) while another one still uses them, and refuses a role that
# owns something.  The dropping is done in a transaction that is rolled
# back: the cluster keeps its roles for the other tests.
. "$(dirname "$0")/lib.bash"
A=dunning_roles_a; B=dunning_roles_b
fresh_db $A
fresh_db $B
q postgres "DROP ROLE IF EXISTS dunning_roles_alice; CREATE ROLE dunning_roles_alice LOGIN IN ROLE dunning_collector" >/dev/null

err=$(psql -X -q -v ON_ERROR_STOP=1 -d $A -c "SELECT dunning.drop_roles()" 2>&1)
ok $([ $? -ne 0 ]; echo $?) "drop_roles refuses while another database uses the roles"
ok $(echo "$err" | grep -q "$B"; echo $?) "... and names it: $(echo "$err" | grep DETAIL | head -1)"
is "$(q $A "SELECT count(*) FROM pg_roles WHERE rolname IN ('dunning_admin', 'dunning_collector', 'dunning_analyst')")" "3" \
   "nothing was dropped"

err=$(psql -X -q -v ON_ERROR_STOP=1 -d $A -c "BEGIN" -c "CREATE TABLE public.owned_by_admin (x int)" \
        -c "ALTER TABLE public.owned_by_admin OWNER TO dunning_admin" -c "SELECT dunning.drop_roles()" 2>&1)
ok $(echo "$err" | grep -q "role dunning_admin owns objects: table public.owned_by_admin"; echo $?) "a role that owns a table is not dropped: named"

drop_db $B
others=$(q $A "SELECT string_agg(DISTINCT d.datname, ', ') FROM pg_shdepend s JOIN pg_database d ON d.oid = s.dbid
                WHERE s.refclassid = 'pg_authid'::regclass AND d.datname <> '$A'
                  AND s.refobjid IN (SELECT oid FROM pg_roles WHERE rolname IN ('dunning_admin', 'dunning_collector', 'dunning_analyst'))")
if [ -n "$others" ]; then
    echo "# skipped: databases outside this test use the roles ($others): the last-database path cannot run here"
    ok 0 "skip (drop_roles in the last database)"
    ok 0 "skip"
    ok 0 "skip"
else
    out=$(psql -X -qAt -v ON_ERROR_STOP=1 -d $A \
            -c "BEGIN" \
            -c "SELECT dunning.drop_roles()" \
            -c "SELECT count(*) FROM pg_roles WHERE rolname IN ('dunning_admin', 'dunning_collector', 'dunning_analyst')" \
            -c "SELECT count(*) FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member WHERE r.rolname = 'dunning_roles_alice'" \
            -c "DROP EXTENSION dunning" \
            -c "SELECT count(*) FROM pg_extension WHERE extname = 'dunning'" \
            -c "ROLLBACK" 2>&1)
    is "$(echo $out)" "3 0 0 0" "in the last database: the three roles dropped, memberships gone, then DROP EXTENSION"
    is "$(q $A "SELECT count(*) FROM pg_roles WHERE rolname IN ('dunning_admin', 'dunning_collector', 'dunning_analyst')")" "3" \
       "(rolled back: the roles are still there for the other tests)"
    ok $(q $A "SELECT has_function_privilege('dunning_admin', 'dunning.drop_roles()', 'EXECUTE')" | grep -q f; echo $?) \
       "no role of the extension may call it (superusers only)"
fi
drop_db $A
q postgres "DROP ROLE IF EXISTS dunning_roles_alice" >/dev/null
done_testing
