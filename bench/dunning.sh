#!/usr/bin/env bash
# Bench of dunning.run() against 0.2.0, in one session on the same data:
# 100,000 customers, 1,000,000 open invoices (bench/dunning_data.sql), loaded
# into two databases of the server the PG* variables name, one with the
# current version and one with `CREATE EXTENSION dunning VERSION '0.2.0'`
# (the frozen 0.2.0 scripts on the same build).  Then, alternating, three
# first runs on each (go-live: every state and action removed before each)
# and a second run right after each first run; the best of 3 of each.
#   bash bench/dunning.sh [CUSTOMERS]        (default 100000; KEEP=1 keeps the databases)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
q() { psql -X -qAt -v ON_ERROR_STOP=1 -d "$@"; }
for v in cur old; do
    db=dunning_bench_$v
    psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
    if [ $v = old ]; then q $db -c "SET client_min_messages = warning; CREATE EXTENSION dunning VERSION '0.2.0'"
    else q $db -c "SET client_min_messages = warning; CREATE EXTENSION dunning"; fi
    q $db -v customers=$n -f bench/dunning_data.sql
done
echo "open invoices: $(q dunning_bench_cur -c "SELECT count(*) FROM dunning.invoice WHERE settled_amount < abs(amount)")," \
     "customers: $(q dunning_bench_cur -c "SELECT count(*) FROM dunning.customer")"
# ms of one statement (wall clock, measured by the server)
timed() { q "$1" -c "DO \$\$DECLARE t timestamptz := clock_timestamp(); n integer;
                     BEGIN n := $2; RAISE NOTICE '% %', round(extract(epoch FROM clock_timestamp() - t) * 1000), n; END\$\$" 2>&1 \
          | sed -n 's/.*NOTICE:  //p'; }
reset_cur='TRUNCATE dunning.action, dunning.action_item, dunning.customer_dunning, dunning.level_change, dunning.legal_case'
reset_old='TRUNCATE dunning.action, dunning.action_item'
declare -A first second
for i in 1 2 3; do
    for v in old cur; do
        db=dunning_bench_$v; r=reset_$v
        q $db -c "${!r}" -c "VACUUM ANALYZE dunning.action, dunning.action_item" >/dev/null
        [ $v = cur ] && q $db -c "VACUUM ANALYZE dunning.customer_dunning" >/dev/null
        f=$(timed $db "dunning.run('2026-03-16 15:00+00')")
        s=$(timed $db "dunning.run('2026-03-16 15:00+00')")
        echo "run $i $v: first ${f% *} ms (${f#* } actions), second ${s% *} ms (${s#* } actions)"
        first[$v]="${first[$v]:-} ${f% *}"; second[$v]="${second[$v]:-} ${s% *}"
    done
done
best() { printf '%s\n' $1 | sort -n | head -1; }
for v in old cur; do echo "best of 3, $v: first $(best "${first[$v]}") ms, second $(best "${second[$v]}") ms"; done
echo "first run, current / 0.2.0: $(echo "scale=3; $(best "${first[cur]}") / $(best "${first[old]}")" | bc)"
q dunning_bench_cur -c "SELECT step_name || ': ' || count(*) FROM dunning.action GROUP BY step_name ORDER BY 1"
[ "${KEEP:-0}" = 1 ] || psql -X -q -d postgres -c "DROP DATABASE dunning_bench_cur" -c "DROP DATABASE dunning_bench_old"
