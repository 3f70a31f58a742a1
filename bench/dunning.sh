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
# "WALL ROWS CPU" of one statement: ms of wall clock measured by the server,
# its result, and the backend's CPU ms (user + system, from /proc; "-" when
# the server is not on this machine).  The CPU time is what to compare on a
# loaded machine: the wall clock waits for a core.
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
source bench/cpu.bash
timed() {
    local out
    out=$(psql -X -qAt -v ON_ERROR_STOP=1 -d "$1" 2>&1 <<SQL | sed -n 's/.*NOTICE:  //p'
$(cpu_mark 0)
DO \$\$DECLARE t timestamptz := clock_timestamp(); n integer;
   BEGIN n := $2; RAISE NOTICE '% %', round(extract(epoch FROM clock_timestamp() - t) * 1000), n; END\$\$;
$(cpu_mark 1)
SQL
)
    echo "$out $(cpu_ms)"
}
reset_cur='TRUNCATE dunning.action, dunning.action_item, dunning.customer_dunning, dunning.level_change, dunning.legal_case'
reset_old='TRUNCATE dunning.action, dunning.action_item'
declare -A first second first_cpu second_cpu
for i in 1 2 3; do
    for v in old cur; do
        db=dunning_bench_$v; r=reset_$v
        q $db -c "${!r}" -c "VACUUM ANALYZE dunning.action, dunning.action_item" >/dev/null
        [ $v = cur ] && q $db -c "VACUUM ANALYZE dunning.customer_dunning" >/dev/null
        read -r fw fn fc <<< "$(timed $db "dunning.run('2026-03-16 15:00+00')")"
        read -r sw sn sc <<< "$(timed $db "dunning.run('2026-03-16 15:00+00')")"
        echo "run $i $v: first $fw ms (CPU $fc ms, $fn actions), second $sw ms (CPU $sc ms, $sn actions)"
        first[$v]="${first[$v]:-} $fw"; second[$v]="${second[$v]:-} $sw"
        first_cpu[$v]="${first_cpu[$v]:-} $fc"; second_cpu[$v]="${second_cpu[$v]:-} $sc"
    done
done
best() { printf '%s\n' $1 | sort -n | head -1; }
for v in old cur; do
    echo "best of 3, $v: first $(best "${first[$v]}") ms (CPU $(best "${first_cpu[$v]}") ms)," \
         "second $(best "${second[$v]}") ms (CPU $(best "${second_cpu[$v]}") ms)"
done
echo "first run, current / 0.2.0: $(echo "scale=3; $(best "${first[cur]}") / $(best "${first[old]}")" | bc) wall clock"
case "$(best "${first_cpu[cur]}")$(best "${first_cpu[old]}")" in
    *[!0-9]*|'') ;;
    *) echo "first run, current / 0.2.0: $(echo "scale=3; $(best "${first_cpu[cur]}") / $(best "${first_cpu[old]}")" | bc) backend CPU" ;;
esac
q dunning_bench_cur -c "SELECT step_name || ': ' || count(*) FROM dunning.action GROUP BY step_name ORDER BY 1"
[ "${KEEP:-0}" = 1 ] || psql -X -q -d postgres -c "DROP DATABASE dunning_bench_cur" -c "DROP DATABASE dunning_bench_old"
