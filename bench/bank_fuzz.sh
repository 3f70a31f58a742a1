#!/usr/bin/env bash
# Fuzzing of the bank file readers (doc/bank.md, "Fuzzing"), against the
# server named by the PG* variables, the extension installed: the sample
# files of test/bank/ (and generated camt documents of other versions)
# mutated at random (bytes flipped, ranges cut, doubled or moved, random
# bytes or XML/MT940 tokens inserted, cut short), each mutant read by
# dunning_internal.read_bank_file and, every IMPORT_EVERY-th, imported with
# dunning.import_statement (rolled back).  Outcomes are counted by
# SQLSTATE; a crash ends the psql session of its batch (the postmaster
# restarts every backend), which is counted and stops the run.
# Usage: bench/bank_fuzz.sh   (MUTANTS=20000 BATCH=1000 IMPORT_EVERY=5 SEED=1)
set -uo pipefail
cd "$(dirname "$0")/.."
db=${FUZZ_DB:-dunning_bank_fuzz}
mutants=${MUTANTS:-20000}
batch=${BATCH:-1000}
export PGOPTIONS="-c client_min_messages=error"
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" || exit 1
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "CREATE EXTENSION dunning" || exit 1
{
    echo '\i test/bank/generate.sql'
    echo 'CREATE TABLE sample (name text PRIMARY KEY, content bytea);'
    for f in test/bank/*.xml test/bank/*.sta; do
        echo "INSERT INTO sample VALUES ('$(basename $f)', decode('$(base64 -w0 $f)', 'base64'));"
    done
    cat <<'SQL'
INSERT INTO sample
SELECT 'generated ' || k || ' ' || v, convert_to(pg_temp.camt_document(k, v, 'FZ-' || k || '-' || v, DATE '2026-06-01', 10,
           '{Hooli AG,Pied Piper,Initech}', '{CH9300762011623852957,GB82WEST12345698765432,BE68539007547034}',
           '{10.00,-3.50,700.25}', '{INV-1,x,RF18539007547034}'), 'UTF8')
  FROM (VALUES ('053'), ('054')) k(k), (VALUES (2), (5), (10)) v(v);
CREATE TABLE outcome (state text PRIMARY KEY, n bigint NOT NULL DEFAULT 0);
\i test/bank/mutate.sql
-- count mutants: read each; import every import_every-th (then roll back).
CREATE FUNCTION run(count int, import_every int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    m bytea;
    st text;
BEGIN
    FOR i IN 1..count LOOP
        SELECT mutate(content) INTO m FROM sample ORDER BY random() LIMIT 1;
        BEGIN
            IF i % import_every = 0 THEN
                PERFORM * FROM dunning.import_statement(m, letter => i % 2 = 0);
                RAISE EXCEPTION 'imported' USING ERRCODE = 'P0001';
            END IF;
            PERFORM * FROM dunning_internal.read_bank_file(m, NULL, NULL);
            st := 'read';
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE;
            IF st = 'P0001' THEN st := 'imported'; END IF;
        END;
        INSERT INTO outcome VALUES (st, 1) ON CONFLICT (state) DO UPDATE SET n = outcome.n + 1;
    END LOOP;
END $$;
SQL
} | psql -X -q -v ON_ERROR_STOP=1 -d "$db" >/dev/null || exit 1

start=$(date +%s)
done_n=0
crashed=0
while [ $done_n -lt $mutants ]; do
    n=$(( mutants - done_n < batch ? mutants - done_n : batch ))
    out=$(psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "SELECT setseed(${SEED:-1} * 0.0001 + $done_n * 0.00000001)" \
               -c "SELECT run($n, ${IMPORT_EVERY:-5})" 2>&1)
    if [ $? -ne 0 ]; then
        echo "# batch at $done_n: $out" | head -5
        if ! psql -X -qAt -d "$db" -c "SELECT 1" >/dev/null 2>&1 || echo "$out" | grep -q "server closed the connection"; then
            crashed=$((crashed + 1))
            break
        fi
    fi
    done_n=$((done_n + n))
done
echo "mutants: $done_n in $(( $(date +%s) - start )) s, crashes: $crashed"
psql -X -qAt -d "$db" -F ' ' -c "SELECT 'outcome', state, n FROM outcome ORDER BY n DESC"
psql -X -qAt -d "$db" -c "SELECT 'internal errors (XX000): ' || COALESCE(sum(n), 0) FROM outcome WHERE state LIKE 'XX%'"
[ -z "${KEEP:-}" ] && psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db"
[ $crashed -eq 0 ]
