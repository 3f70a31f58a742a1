#!/usr/bin/env bash
# Two builds of dunning, the same figures: lettering, run and the KPIs, on
# the same generated ledgers, best of 3 by the backend's CPU time (utime +
# stime from /proc/<pid>/stat, so no client or network in it; parallel
# workers off, since their CPU would not be counted), the runs of the two
# alternating.  Each server must have its build installed; the script
# creates its own databases there (bench_v_*) and leaves them.
#
# Usage: A='host=/tmp port=5445' B='host=/tmp port=5446' bench/versions.sh [CUSTOMERS]
#        (libpq connection strings, default 5,000 customers, seed 42)
# Prints one line per figure: A ms, B ms, B/A, and whether both wrote the
# same rows (md5 of the allocations or actions).
set -euo pipefail
cd "$(dirname "$0")/.."
customers=${1:-5000}
: "${A:?set A to a libpq connection string (the first build)}"
: "${B:?set B to a libpq connection string (the second build)}"

on() { psql -X -qAt -v ON_ERROR_STOP=1 -d "$1 dbname=$2" "${@:3}"; }

# cpu_ms SERVER DB SQL: backend CPU milliseconds of SQL (its rows discarded)
cpu_ms() {
    on "$1" "$2" <<SQL
SET max_parallel_workers_per_gather = 0;
SELECT (split_part(s, ' ', 14)::bigint + split_part(s, ' ', 15)::bigint) AS c0
  FROM pg_read_file('/proc/self/stat') s \gset
\o /dev/null
$3;
\o
-- clock ticks of 10 ms (USER_HZ is 100 on Linux)
SELECT ((split_part(s, ' ', 14)::bigint + split_part(s, ' ', 15)::bigint) - :c0) * 10
  FROM pg_read_file('/proc/self/stat') s;
SQL
}

fresh() {   # fresh SERVER DB [TEMPLATE]
    on "$1" postgres -c "DROP DATABASE IF EXISTS $2" -c "CREATE DATABASE $2 ${3:+TEMPLATE $3}" 2>/dev/null
}

for s in "$A" "$B"; do
    fresh "$s" bench_v_letter
    on "$s" bench_v_letter -c "SET client_min_messages = warning" -c "CREATE EXTENSION dunning"
    on "$s" bench_v_letter -v customers="$customers" -v seed=42 -f scripts/sample_ledger.sql >/dev/null
    on "$s" bench_v_letter -c "VACUUM ANALYZE"
    fresh "$s" bench_v_run
    on "$s" bench_v_run -c "SET client_min_messages = warning" -c "CREATE EXTENSION dunning"
    on "$s" bench_v_run -v customers="$customers" -f bench/dunning_data.sql >/dev/null
done

declare -A best
note() {    # note NAME SIDE MS
    local k="$1|$2"
    if [ -z "${best[$k]:-}" ] || [ "$3" -lt "${best[$k]}" ]; then best[$k]=$3; fi
}
names=()
figure() { [[ " ${names[*]} " == *" $1 "* ]] || names+=("$1"); }
declare -A rows

for round in 1 2 3; do
    for side in A B; do
        s=${!side}
        # lettering: a copy of the loaded ledger each round
        fresh "$s" bench_v_l bench_v_letter
        last=$(on "$s" bench_v_l -c "SELECT coalesce(max(allocation_id), 0) FROM dunning.allocation")
        figure auto_letter; note auto_letter $side "$(cpu_ms "$s" bench_v_l "SELECT * FROM dunning.auto_letter()")"
        rows[auto_letter|$side]=$(on "$s" bench_v_l -c "SELECT count(*) || ' ' || md5(string_agg(t, ',' ORDER BY t))
            FROM (SELECT concat_ws(':', customer_id, payment_id, invoice_id, credit_note_id, amount) t
                    FROM dunning.allocation WHERE allocation_id > $last) x")
        # the KPIs, on the lettered ledger
        for q in "refresh_kpi|SELECT dunning.refresh_kpi()" \
                 "kpi_as_of(today)|SELECT * FROM dunning.kpi_as_of(CURRENT_DATE)" \
                 "kpi_as_of(-150d)|SELECT * FROM dunning.kpi_as_of(CURRENT_DATE - 150)" \
                 "aging_as_of(-150d)|SELECT * FROM dunning.aging_as_of(CURRENT_DATE - 150)" \
                 "customer_risk_as_of(today)|SELECT * FROM dunning.customer_risk_as_of(CURRENT_DATE)" \
                 "settlement|SELECT count(*), sum(amount) FROM dunning.settlement"; do
            figure "${q%%|*}"; note "${q%%|*}" $side "$(cpu_ms "$s" bench_v_l "${q#*|}")"
        done
        # the collection run, first and second on one day (bench/dunning_data.sql's)
        fresh "$s" bench_v_r bench_v_run
        figure run_first; note run_first $side "$(cpu_ms "$s" bench_v_r "SELECT dunning.run('2026-03-16 15:00+00')")"
        # a second run that day finds nothing to do: ten of them in one
        # session, per run (one run is a few 10 ms clock ticks)
        figure run_second; note run_second $side "$(( $(cpu_ms "$s" bench_v_r \
            "$(printf "SELECT dunning.run('2026-03-16 15:00+00');%.0s" {1..10})") / 10 ))"
        rows[run_first|$side]=$(on "$s" bench_v_r -c "SELECT count(*) || ' ' || md5(string_agg(t, ',' ORDER BY t))
            FROM (SELECT concat_ws(':', customer_id, step_id, channel, action_date, status) t FROM dunning.action) x")
    done
done

printf '%-28s %9s %9s %7s  %s\n' figure "A ms" "B ms" "B/A" "same rows"
for n in "${names[@]}"; do
    a=${best[$n|A]}; b=${best[$n|B]}
    same=""
    [ -n "${rows[$n|A]:-}" ] && { [ "${rows[$n|A]}" = "${rows[$n|B]}" ] && same="yes (${rows[$n|A]%% *})" || same="NO"; }
    printf '%-28s %9d %9d %7s  %s\n' "$n" "$a" "$b" "$(awk -v a="$a" -v b="$b" 'BEGIN { printf (a > 0 ? "%.2f" : "-"), b / a }')" "$same"
done
