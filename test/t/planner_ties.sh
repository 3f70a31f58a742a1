#!/usr/bin/env bash
# A bank import retried after a failed one (its rows rolled back, the table
# analyzed meanwhile: statistics of an empty table that has pages) checks
# each entry's payment (where it checks them: with a DBA's trigger on the
# payments; without, it writes without per-row triggers) through payment_pkey, not by reading the whole
# payment_customer_payment_key (where payment_id comes second) for every
# entry: the key made last wins the tie of costs (src/sql/ledger.sql).
. "$(dirname "$0")/lib.bash"
top=$(cd "$(dirname "$0")/../.." && pwd)
DB=dunning_planner_ties
fresh_db $DB
is "$(psql -X -qAt -d $DB -f "$top/test/t/planner_ties.sql" | tr '\n' ' ')" "" \
   "every look-up index is newer than the keys that hold its column later (test/t/planner_ties.sql)"
bankfile $DB TIE-1 2000
psql -X -q -o /dev/null -v ON_ERROR_STOP=1 -d $DB <<SQL
BEGIN;
SELECT * FROM dunning.import_statement((SELECT doc FROM bankfile), letter => false);
ROLLBACK;
ANALYZE dunning.payment;
SQL
ok $? "an import of 2,000 credits rolled back, the payments analyzed"
is "$(q $DB "SELECT relpages > 0 AND reltuples = 0 FROM pg_class WHERE oid = 'dunning.payment'::regclass")" "t" \
   "the payments' statistics: pages, no row"
# the plans of the import's foreign-key checks, as the client sees them
explained() {
    psql -X -q -d $DB -v ON_ERROR_STOP=1 2>&1 <<SQL
LOAD 'auto_explain';
SET auto_explain.log_min_duration = 0;
SET auto_explain.log_nested_statements = on;
SET auto_explain.log_level = notice;
SET client_min_messages = notice;
$1
SQL
}
count_checks() { grep -c 'Query Text: SELECT 1 FROM ONLY "dunning"."payment" x WHERE "payment_id"'; }
# the writing without per-row triggers (doc/bank.md) checks nothing per row
plans=$(explained "BEGIN; SELECT entries FROM dunning.import_statement((SELECT doc FROM bankfile), letter => false); ROLLBACK;")
ok $? "the import again, rolled back"
is "$(echo "$plans" | count_checks)" "0" "written without per-row triggers: no check of an entry's payment"
# a DBA's trigger on dunning.payment makes the import check every key
psql -X -q -o /dev/null -v ON_ERROR_STOP=1 -d $DB <<'SQL'
CREATE FUNCTION public.dba_noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
CREATE TRIGGER dba_noop AFTER INSERT ON dunning.payment FOR EACH ROW EXECUTE FUNCTION public.dba_noop();
SQL
plans=$(explained "SELECT entries FROM dunning.import_statement((SELECT doc FROM bankfile), letter => false);")
ok $? "with a DBA's trigger on the payments, the import again"
checks=$(echo "$plans" | grep -A3 'FROM ONLY "dunning"."payment" x WHERE "payment_id"' | grep -c 'Index Scan using payment_pkey')
all=$(echo "$plans" | count_checks)
ok $([ "$all" -ge 2000 ] && [ "$checks" = "$all" ]; echo $?) \
   "its $all checks of an entry's payment use payment_pkey ($checks)"
is "$(q $DB "SELECT count(*) FROM dunning.payment")" "2000" "2,000 payments"
drop_db $DB
done_testing
