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
# The writing without per-row foreign-key checks (doc/bank.md): a statement
# imported before, found again by a file, is locked as the check would lock
# it.  LOCK-1 holds no entry; A imports a file of the same statement with
# two entries and holds its transaction open; B deletes the statement
# meanwhile: B waits for A, then fails on the foreign key (without the lock
# B's delete would pass and leave A's entries naming no statement).
psql -X -q -o /dev/null -v ON_ERROR_STOP=1 -d $DB <<SQL
\i $top/test/bank/generate.sql
SELECT dunning.import_statement(pg_temp.camt_document('053', 8, 'LOCK-1', DATE '2026-03-09', 50, '{}', '{}', '{}', '{}'),
                                letter => false);
CREATE TABLE lockfile AS
SELECT pg_temp.camt_document('053', 8, 'LOCK-1', DATE '2026-03-09', 50, '{In,Out}', '{BE68539007547034,BE68539007547034}',
                             '{10,-10}', '{L-1,L-2}') AS doc;
SQL
ok $? "a statement without entries imported, a file of it with two entries made"
is "$(q $DB "SELECT dunning_internal.trusted_bank_write_possible()")" "t" "(the import writes without per-row triggers here)"
psql -X -At -d $DB -c "BEGIN" \
     -c "SELECT entries FROM dunning.import_statement((SELECT doc FROM lockfile), letter => false)" \
     -c "SELECT pg_sleep(2)" -c "COMMIT" > $dir/la 2>&1 &
a=$!
sleep 0.7
t0=$(date +%s%3N)
psql -X -At -d $DB -c "DELETE FROM dunning.bank_statement WHERE statement_ref = 'LOCK-1'" > $dir/lb 2>&1
waited=$(( $(date +%s%3N) - t0 ))
wait $a
is "$(grep -x '[0-9]*' $dir/la)" "2" "session A writes the two entries into the statement it found"
grep -q 'violates foreign key constraint "bank_entry_statement_id_fkey"' $dir/lb
ok $? "session B's delete of that statement meanwhile fails on the foreign key"
[ "$waited" -ge 700 ]
ok $? "... after waiting for A's lock on the statement (waited $waited ms)"
is "$(q $DB "SELECT count(*) FROM dunning.bank_entry e WHERE NOT EXISTS (SELECT FROM dunning.bank_statement s WHERE s.statement_id = e.statement_id)")" \
   "0" "no entry names a missing statement"
rm -rf $dir
drop_db $DB
done_testing
