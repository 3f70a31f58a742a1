#!/usr/bin/env bash
# The 90-day simulation of issue 11 at any size, against the server the PG* variables name
# (the current build installed); prints the figures of the issue's "Done when" with examples
# of every violation and the time each phase took (doc/dunning.md, "The 90-day simulation").
#   bash bench/dunning_simulation.sh [CUSTOMERS [DAYS [SEED]]]      (default 2000 90 11)
# EXAMPLES=n examples per figure (default 5), SELFTEST=1 also runs the checker's mutation
# test, KEEP=1 keeps the database (dunning_sim_bench, or DB=...); GO_LIVE=2026-03-02,
# RUNS=08:30,10:00 (daily run times, Europe/London), MISSED=45,46 (days without a run),
# BOOKING=before|between (payments booked before the runs or after the first) change the
# simulation (test/sim/generate.sql).
set -euo pipefail
CUSTOMERS=${1:-2000}; DAYS=${2:-90}; SEED=${3:-11}
DB=${DB:-dunning_sim_bench}
SIM="$(cd "$(dirname "$0")/../test/sim" && pwd)"
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
psql -X -q -d $DB -c "CREATE EXTENSION dunning"
echo "dunning $(psql -X -At -d $DB -c "SELECT extversion FROM pg_extension WHERE extname = 'dunning'"), $CUSTOMERS customers, $DAYS days, seed $SEED, go-live ${GO_LIVE:-2026-03-02}"
t0=$(date +%s.%N)
psql -X -q -o /dev/null -v ON_ERROR_STOP=1 -v customers=$CUSTOMERS -v days=$DAYS -v seed=$SEED \
     -v go_live=${GO_LIVE:-2026-03-02} -v runs=${RUNS:-08:30,10:00} -v missed=${MISSED-45,46} -v booking=${BOOKING:-before} -d $DB -f "$SIM/generate.sql"
t1=$(date +%s.%N)
psql -X -q -o /dev/null -v ON_ERROR_STOP=1 -d $DB -f "$SIM/day.sql" -c "SET client_min_messages = notice" -c "CALL sim.simulate()"
t2=$(date +%s.%N)
psql -X -q -v ON_ERROR_STOP=1 -v examples=${EXAMPLES:-5} -d $DB -f "$SIM/check.sql"
t3=$(date +%s.%N)
printf 'time: generate %.0f s, simulate %.0f s (run() %s ms in all), check %.0f s\n' \
    "$(echo "$t1 - $t0" | bc)" "$(echo "$t2 - $t1" | bc)" \
    "$(psql -X -At -d $DB -c "SELECT round(sum(run_ms)) FROM sim.day_log")" "$(echo "$t3 - $t2" | bc)"
if [ "${SELFTEST:-0}" = 1 ]; then
    psql -X -q -o /dev/null -v ON_ERROR_STOP=1 -d $DB -f "$SIM/selftest.sql"
    echo "checker self-test (one injected violation per figure):"
    psql -X -At -F ' ' -d $DB -c "SELECT key, CASE WHEN detected THEN 'found' WHEN NOT detected THEN 'MISSED' ELSE 'no case to mutate' END FROM sim.mut_expect ORDER BY key"
    psql -X -q -o /dev/null -d $DB -v quiet=1 -f "$SIM/check.sql"
fi
[ "${KEEP:-0}" = 1 ] || psql -X -q -d postgres -c "DROP DATABASE $DB"
