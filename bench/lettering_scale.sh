#!/usr/bin/env bash
# Lettering at scale: auto_letter() alone on a large generated ledger.
# Usage: bench/lettering_scale.sh DB [EXTRA_DAYS]
#   DB          a database holding a generated ledger (scripts/sample_ledger.sql,
#               e.g. -v customers=100000: 5.4 M invoices, 234,000 unlettered payments)
#   EXTRA_DAYS  unletter the history of that many more days before the cutoff, to
#               reach the issue's size (13 days: about 1 M open invoices and 300,000
#               unlettered payments)
# Prints the ledger size, auto_letter's time and throughput, and its quality.
set -euo pipefail
cd "$(dirname "$0")/.."
db=$1; extra=${2:-0}
ms() { date +%s%3N; }
if [ "$extra" -gt 0 ]; then
    psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "
        DELETE FROM dunning.write_off w USING dunning.payment p, dunning_sample.params s
         WHERE w.payment_id = p.payment_id AND p.received_on >= s.lettered_before - $extra;
        DELETE FROM dunning.allocation a USING dunning.payment p, dunning_sample.params s
         WHERE a.payment_id = p.payment_id AND p.received_on >= s.lettered_before - $extra
           AND a.payment_id IS NOT NULL;" \
        -c "VACUUM ANALYZE dunning.invoice, dunning.payment, dunning.allocation"
fi
psql -X -q -d "$db" -c "DROP SCHEMA IF EXISTS bench_eval CASCADE" -c "CREATE SCHEMA bench_eval" \
     -c "CREATE TABLE bench_eval.work AS SELECT payment_id FROM dunning.payment WHERE allocated_amount = 0" \
     -c "CREATE TABLE bench_eval.before AS SELECT max(allocation_id) AS last_allocation FROM dunning.allocation" 2>/dev/null
psql -X -qAt -d "$db" -c "SELECT 'ledger: ' || (SELECT count(*) FROM dunning.invoice) || ' invoices, '
    || (SELECT count(*) FROM dunning.invoice WHERE settled_amount < abs(amount)) || ' open, '
    || (SELECT count(*) FROM dunning.customer) || ' customers, '
    || (SELECT count(*) FROM bench_eval.work) || ' unlettered payments'"
t=$(ms)
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "SET client_min_messages = debug1" -c "SELECT * FROM dunning.auto_letter()" 2>&1
took=$(( $(ms) - t ))
n=$(psql -X -qAt -d "$db" -c "SELECT count(*) FROM bench_eval.work")
echo "auto_letter: $took ms for $n payments: $(( n * 1000 / (took > 0 ? took : 1) )) payments/s, allocations written included"
psql -X -q -d "$db" -c "CREATE VIEW bench_eval.engine AS
    SELECT a.payment_id, a.invoice_id, a.amount FROM dunning.allocation a, bench_eval.before b
     WHERE a.payment_id IS NOT NULL AND a.allocation_id > b.last_allocation"
psql -X -q -d "$db" -c "CREATE VIEW bench_eval.engine_all AS
    SELECT a.* FROM dunning.allocation a, bench_eval.before b WHERE a.allocation_id > b.last_allocation"
psql -X -q -d "$db" -v pred=bench_eval.engine -v label=dunning -f bench/lettering_quality.sql

# Floors, on the same data in the same run:
#  - read: a sequential scan of the rows auto_letter reads (open invoices, payments);
#  - write: the ledger's own cost of recording exactly the letters, allocations
#    and write-offs auto_letter wrote, as bulk INSERT ... SELECT statements (one
#    per table, triggers and foreign keys included), after undoing them;
#  - bare write: the same rows with no trigger and no foreign-key check at all
#    (session_replication_role = replica), the running totals applied by one
#    bulk UPDATE per table, rolled back: what storing these rows in these
#    tables costs before any checking, whoever writes them.
[ "${FLOOR:-1}" = 0 ] && exit 0
psql -X -q -v ON_ERROR_STOP=1 -d "$db" <<'SQL'
CREATE TABLE bench_eval.letters AS
    SELECT l.* FROM dunning.letter l
     WHERE l.letter_id IN (SELECT letter_id FROM bench_eval.engine_all);
CREATE TABLE bench_eval.allocations AS SELECT * FROM bench_eval.engine_all;
CREATE TABLE bench_eval.write_offs AS
    SELECT w.* FROM dunning.write_off w WHERE w.letter_id IN (SELECT letter_id FROM bench_eval.letters);
DELETE FROM dunning.write_off WHERE write_off_id IN (SELECT write_off_id FROM bench_eval.write_offs);
DELETE FROM dunning.allocation WHERE allocation_id IN (SELECT allocation_id FROM bench_eval.allocations);
DELETE FROM dunning.letter_history WHERE letter_id IN (SELECT letter_id FROM bench_eval.letters);
DELETE FROM dunning.letter WHERE letter_id IN (SELECT letter_id FROM bench_eval.letters);
VACUUM ANALYZE dunning.invoice, dunning.payment, dunning.allocation, dunning.letter;
SQL
t=$(ms)
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "SET max_parallel_workers_per_gather = 0" \
     -c "SELECT count(*) FROM dunning.invoice WHERE settled_amount < abs(amount)" \
     -c "SELECT count(*) FROM dunning.payment WHERE allocated_amount = 0" >/dev/null
read_ms=$(( $(ms) - t ))
t=$(ms)
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "SET max_parallel_workers_per_gather = 2" \
     -c "SELECT count(*) FROM dunning.invoice WHERE settled_amount < abs(amount)" \
     -c "SELECT count(*) FROM dunning.payment WHERE allocated_amount = 0" >/dev/null
read_par_ms=$(( $(ms) - t ))
psql -X -q -d "$db" -c "CHECKPOINT"
t=$(ms)
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "BEGIN" -c "SET LOCAL session_replication_role = replica" \
     -c "INSERT INTO dunning.letter SELECT * FROM bench_eval.letters ORDER BY letter_id" \
     -c "INSERT INTO dunning.allocation SELECT * FROM bench_eval.allocations ORDER BY invoice_id" \
     -c "INSERT INTO dunning.write_off SELECT * FROM bench_eval.write_offs" \
     -c "UPDATE dunning.payment p SET allocated_amount = p.allocated_amount + d.total
           FROM (SELECT payment_id, sum(amount) AS total FROM bench_eval.allocations
                  WHERE payment_id IS NOT NULL GROUP BY 1) d
          WHERE p.payment_id = d.payment_id" \
     -c "UPDATE dunning.invoice i SET settled_amount = i.settled_amount + d.total
           FROM (SELECT id, sum(amount) AS total
                   FROM (SELECT invoice_id AS id, amount FROM bench_eval.allocations
                         UNION ALL SELECT credit_note_id, amount FROM bench_eval.allocations
                                    WHERE credit_note_id IS NOT NULL
                         UNION ALL SELECT invoice_id, amount FROM bench_eval.write_offs) u
                  GROUP BY 1) d
          WHERE i.invoice_id = d.id" \
     -c "ROLLBACK"
bare_ms=$(( $(ms) - t ))
psql -X -q -d "$db" -c "VACUUM ANALYZE dunning.invoice, dunning.payment, dunning.allocation, dunning.letter" -c "CHECKPOINT"
t=$(ms)
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "BEGIN" \
     -c "INSERT INTO dunning.letter SELECT * FROM bench_eval.letters ORDER BY letter_id" \
     -c "INSERT INTO dunning.allocation (payment_id, credit_note_id, invoice_id, amount, letter_id, letter_code, method, confidence)
         SELECT payment_id, credit_note_id, invoice_id, amount, letter_id, letter_code, method, confidence
           FROM bench_eval.allocations ORDER BY invoice_id" \
     -c "INSERT INTO dunning.write_off SELECT * FROM bench_eval.write_offs" -c "COMMIT"
write_ms=$(( $(ms) - t ))
echo "floors: read (seq scan of open invoices and payments) $read_ms ms serial, $read_par_ms ms parallel;"
echo "        write (bulk INSERT of the same letters, allocations, write-offs) $write_ms ms;"
echo "        bare write (the same rows, no trigger, no foreign key, totals by one UPDATE per table) $bare_ms ms;"
echo "        auto_letter $took ms"
