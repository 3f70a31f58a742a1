#!/usr/bin/env bash
# Two sessions import the same bank file at once: the payments are created
# once (import_statement takes an advisory lock; the duplicate key
# bank_entry_once backs it), the second session reports every entry as a
# duplicate.  Then many sessions at once, and the warnings of a statement
# that does not follow the previous one.
. "$(dirname "$0")/lib.bash"
top=$(cd "$(dirname "$0")/../.." && pwd)
DB=dunning_bank_concurrency
fresh_db $DB
bankfile $DB CONC-1 500
ok $? "a camt.053 of 500 credits generated"

dir=$(mktemp -d)
import="SELECT entries, new_payments, duplicates FROM dunning.import_statement((SELECT doc FROM bankfile), letter => false)"
# A holds its transaction open 2 s after importing; B starts meanwhile.
psql -X -At -d $DB -c "BEGIN" -c "$import" -c "SELECT pg_sleep(2)" -c "COMMIT" > $dir/a 2>&1 &
a=$!
sleep 0.5
psql -X -At -d $DB -c "$import" > $dir/b 2>&1
wait $a
is "$(grep '|' $dir/a)" "500|500|0" "session A imports 500 entries, 500 payments"
is "$(grep '|' $dir/b)" "0|0|500" "session B, at the same time, waits and finds 500 duplicates"
is "$(q $DB "SELECT count(*) FROM dunning.payment")" "500" "the payments exist once"

echo "$import;" > $dir/import.sql
pgbench -n -c 4 -j 2 -t 3 -f $dir/import.sql $DB > $dir/out 2>&1
ok $? "4 sessions x 3 imports of the same file at once"
is "$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' $dir/out)" "0" "no import failed"
is "$(q $DB "SELECT count(*) || ' ' || count(DISTINCT payment_id) FROM dunning.bank_entry")" "500 500" \
   "still 500 entries and 500 payments"

# The next statement skips two numbers and opens at another balance: warnings.
psql -X -q -o /dev/null -d $DB > $dir/w 2>&1 <<SQL
\i $top/test/bank/generate.sql
SELECT * FROM dunning.import_statement(pg_temp.camt_document('053', 8, 'CONC-2', DATE '2026-03-03', 100, '{P}',
                                       '{BE68539007547034}', '{5}', '{x}', 'BE71096123456769', 10), letter => false);
SQL
grep -q "WARNING:  bank statement CONC-2 of account BE71096123456769 opens at 100, the previous one (CONC-1, 2026-03-02) closed at 130250" $dir/w
ok $? "an opening balance that is not the previous closing balance is a warning"
grep -q "WARNING:  bank statements of account BE71096123456769 skip from number 7 to 10: 2 missing" $dir/w
ok $? "a gap in statement numbers is a warning"
is "$(q $DB "SELECT count(*) FROM dunning.bank_statement")" "2" "... and the statement is imported"
rm -rf $dir
drop_db $DB
done_testing
