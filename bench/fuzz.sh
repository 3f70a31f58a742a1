#!/usr/bin/env bash
# Fuzzing of dunning (doc/security.md, "Fuzzing"), against the server named
# by the PG* variables, the extension installed:
#   1. hostile values for every function and aggregate of the extension
#      (bench/fuzz_hostile.sql: every argument position swept through its
#      type's hostile values, then COMBOS random combinations per function),
#      as superuser, each call rolled back; one psql per function, a
#      statement timeout per function;
#   2. sqlsmith (Debian package sqlsmith) for SQLSMITH_SECONDS, connected as
#      a role that is a member of dunning_admin (the most a non-superuser
#      gets), random queries over every table, view and function it may use.
# A crash is seen by a canary session opened first: the postmaster ends every
# session when a backend crashes.  Prints the figures: calls, outcomes by
# SQLSTATE class, internal errors (XX000), messages over 1,000 characters,
# functions that hit the timeout, crashes.  Exits non-zero on a crash.
# Usage: bench/fuzz.sh   (COMBOS=500 SQLSMITH_SECONDS=600 CUSTOMERS=30 FUZZ_TIMEOUT=120s)
set -uo pipefail
cd "$(dirname "$0")/.."
db=${FUZZ_DB:-dunning_fuzz}
combos=${COMBOS:-500}
smith_seconds=${SQLSMITH_SECONDS:-600}
role=dunning_fuzzer
out=$(mktemp -d)
export PGOPTIONS="-c client_min_messages=warning"
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" || exit 1
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "CREATE EXTENSION dunning" || exit 1
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -v customers="${CUSTOMERS:-30}" -v quiet=true -f scripts/sample_ledger.sql >/dev/null || exit 1
psql -X -q -v ON_ERROR_STOP=1 -d "$db" <<'SQL' >/dev/null || exit 1
SELECT * FROM dunning.auto_letter();
INSERT INTO dunning.setting (id, pay_link_base) VALUES (true, 'https://pay.example/p');
SELECT dunning.run();
SELECT dunning.refresh_kpi();
SQL
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -v combos="$combos" -f bench/fuzz_hostile.sql > $out/build || { cat $out/build; exit 1; }

# The canary: a session that lives as long as no backend crashes.
coproc CANARY { psql -X -qAt -d "$db" 2>&1; }
echo "SELECT 'canary ' || pg_backend_pid();" >&"${CANARY[1]}"
read -r -t 10 canary_line <&"${CANARY[0]}"
canary_alive() {
    echo "SELECT 'alive';" >&"${CANARY[1]}" 2>/dev/null || return 1
    local line; read -r -t 10 line <&"${CANARY[0]}" && [ "$line" = alive ]
}

# 1. Hostile values, one function at a time.
start=$(date +%s)
crashed=0
timeouts=()
for fn in $(psql -X -qAt -d "$db" -c "SELECT fn::oid FROM fuzz.fn ORDER BY fn::text"); do
    PGOPTIONS="$PGOPTIONS -c statement_timeout=${FUZZ_TIMEOUT:-120s}" \
        psql -X -qAt -d "$db" -c "SELECT fuzz.run_function($fn::oid::regprocedure)" > $out/run 2>&1
    rc=$?
    if [ $rc -ne 0 ]; then
        name=$(psql -X -qAt -d "$db" -c "SELECT $fn::oid::regprocedure" 2>/dev/null)
        if grep -q "statement timeout" $out/run; then
            timeouts+=("$name")
        else
            echo "# $name: $(head -3 $out/run)"
            canary_alive || { crashed=$((crashed + 1)); echo "# CRASH in $name"; break; }
        fi
    fi
done
hostile_seconds=$(( $(date +%s) - start ))
canary_alive || crashed=$((crashed + 1))

echo "== hostile values: $(psql -X -qAt -d "$db" -c "SELECT count(*) FROM fuzz.fn") functions, ${hostile_seconds}s"
psql -X -q -d "$db" <<'SQL'
SELECT count(*) AS calls,
       count(*) FILTER (WHERE state = 'P0F00') AS returned,
       count(*) FILTER (WHERE state <> 'P0F00') AS refused,
       count(*) FILTER (WHERE state = 'XX000') AS internal_errors,
       count(*) FILTER (WHERE message_length > 1000) AS messages_over_1000_chars,
       round(max(ms)) AS slowest_call_ms
  FROM fuzz.result;
SELECT left(state, 2) AS class, count(*) AS calls,
       string_agg(DISTINCT state, ' ' ORDER BY state) AS sqlstates
  FROM fuzz.result WHERE state <> 'P0F00' GROUP BY 1 ORDER BY 2 DESC;
SELECT r.fn, r.state, left(r.message, 120) AS message, c.sql
  FROM fuzz.result r JOIN fuzz.call c USING (id)
 WHERE r.state = 'XX000' OR r.message_length > 1000 LIMIT 20;
SQL
[ ${#timeouts[@]} -gt 0 ] && echo "functions that hit the timeout: ${timeouts[*]}"

# 2. sqlsmith as a member of dunning_admin.
if command -v sqlsmith >/dev/null && [ "$smith_seconds" -gt 0 ] && [ $crashed -eq 0 ]; then
    psql -X -q -d "$db" -c "DROP ROLE IF EXISTS $role" -c "CREATE ROLE $role NOLOGIN IN ROLE dunning_admin" 2>/dev/null
    conn="dbname=$db options='-c role=$role -c statement_timeout=2s'"
    [ -n "${PGHOST:-}" ] && conn="$conn host=$PGHOST"
    [ -n "${PGPORT:-}" ] && conn="$conn port=$PGPORT"
    [ -n "${PGUSER:-}" ] && conn="$conn user=$PGUSER"
    # --verbose prints a character per query: . ran, e error, others (t timeout, C broken connection)
    timeout "${smith_seconds}s" stdbuf -o0 sqlsmith --verbose --target="$conn" --exclude-catalog \
        --seed="${SQLSMITH_SEED:-42}" > $out/smith 2>&1
    dots=$(tr -cd '.' < <(grep -E '^[.eCSt]+$' $out/smith) | wc -c)
    errs=$(tr -cd 'e' < <(grep -E '^[.eCSt]+$' $out/smith) | wc -c)
    others=$(tr -cd 'CSt' < <(grep -E '^[.eCSt]+$' $out/smith) | wc -c)
    canary_alive || crashed=$((crashed + 1))
    echo "== sqlsmith: ${smith_seconds}s as $role: $((dots + errs + others)) queries, $dots ran, $errs errors, $others other (timeouts, broken connections)"
    grep -iE "connection|terminat|crash" $out/smith | sort | uniq -c | head -5 | sed 's/^/# /'
    psql -X -q -d postgres -c "DROP ROLE IF EXISTS $role" 2>/dev/null
fi

echo "== crashes: $crashed"
exec {CANARY[1]}>&-
[ -n "${KEEP:-}" ] || psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" 2>/dev/null
rm -rf $out
[ $crashed -eq 0 ]
