#!/usr/bin/env bash
# The 90-day simulation of issue 11 (doc/dunning.md, "The 90-day simulation"): a ledger of
# 300 customers with two years of history, 90 days of invoices, payments, disputes and
# promises by customers that react to the reminders they get, dunning.run() every day and
# every queued action marked sent; then every figure of the issue's "Done when" (one TAP
# line each, examples of violations as diagnostics), and the checker's own mutation test.
# Only the contract of the issue is used (test/sim/*.sql).  SIM_CUSTOMERS, SIM_DAYS,
# SIM_SEED change the size; KEEP=1 keeps the database.
. "$(dirname "$0")/lib.bash"
DB=dunning_simulation
SIM="$(cd "$(dirname "$0")/../sim" && pwd)"
CUSTOMERS=${SIM_CUSTOMERS:-300}; DAYS=${SIM_DAYS:-90}; SEED=${SIM_SEED:-11}
run() { psql -X -q -o /dev/null -v ON_ERROR_STOP=1 -d $DB "$@"; }

fresh_db $DB
ok $? "database with the extension"
run -v customers=$CUSTOMERS -v days=$DAYS -v seed=$SEED -f "$SIM/generate.sql"
ok $? "ledger at go-live: $CUSTOMERS customers, two years of history (seed $SEED)"
run -f "$SIM/day.sql" -c "CALL sim.simulate()"
ok $? "$DAYS days simulated: $(q $DB "SELECT sum(invoices) || ' invoices, ' || sum(payments) || ' payments, ' || sum(created) || ' actions' FROM sim.day_log")"
run -v quiet=1 -f "$SIM/check.sql"
ok $? "checker ran"

q $DB "SELECT '# ' || what || ': ' || value FROM sim.info ORDER BY ord"
while IFS='|' read -r key figure shown threshold pass detail; do
    [ "$pass" = t ]
    ok $? "$figure: $shown (want $threshold; $detail)"
    if [ "$pass" != t ]; then
        q $DB "SELECT '#   customer ' || e.customer_id || ' (' || c.klass || ') ' || COALESCE(e.day::text, '') || ': ' || e.note
                      || E'\n#     ' || COALESCE(sim.timeline(e.customer_id), '')
                 FROM (SELECT DISTINCT ON (customer_id) * FROM sim.example WHERE key = '$key' ORDER BY customer_id, day) e
                 JOIN sim.customer_profile c USING (customer_id)
                ORDER BY e.day NULLS FIRST, e.customer_id LIMIT 3"
    fi
done < <(q $DB "SELECT key, figure, shown, threshold, pass, detail FROM sim.result WHERE threshold <> 'info' ORDER BY ord")
q $DB "SELECT '# ' || figure || ': ' || shown || ' (' || COALESCE(detail, '') || ')' FROM sim.result WHERE threshold = 'info'"

# The checker can fail: one injected violation per figure is found.
run -f "$SIM/selftest.sql"
ok $? "checker self-test ran"
while IFS='|' read -r key customer detected; do
    if [ -z "$customer" ]; then
        TAP_N=$((TAP_N + 1)); echo "ok $TAP_N # SKIP no case of '$key' to mutate in this run"; continue
    fi
    [ "$detected" = t ]
    ok $? "checker finds an injected violation of '$key' (customer $customer)"
done < <(q $DB "SELECT key, customer_id, detected FROM sim.mut_expect ORDER BY key")

[ "${KEEP:-0}" = 1 ] || drop_db $DB
done_testing
