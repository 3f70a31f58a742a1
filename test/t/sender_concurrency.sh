#!/usr/bin/env bash
# Exactly once under concurrency: eight sessions claiming at once never
# hold the same action; two dunning-senders running at once deliver each
# action once; a sender killed with -9 mid-batch and started again loses no
# action, and what it delivers again carries the original Message-ID.
# NOTIFY payloads name the channel and the action ids.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/sender_lib.bash"
DB=dunning_sender_conc
trap "${KEEP:+:} sender_cleanup; ${KEEP:+:} drop_db $DB" EXIT
sender_db $DB
ok $? "test database"

# -- Claims from 8 sessions at once -----------------------------------------
# Each session claims 12 times 25 actions, each claim its own transaction.
# They start together and each stays connected until all are done (a lease
# dies with its session: a session that left early would hand its actions
# back, and a loaded machine once let one leave after a fixed sleep).
actions $DB 1 2000 email "'c' || g || '@example.com'"
q $DB "CREATE TABLE claimed (action_id bigint, pid integer);
       CREATE TABLE arrived (phase integer, pid integer);
       CREATE FUNCTION wait_for_all(phase integer) RETURNS void LANGUAGE plpgsql AS \$\$
       BEGIN
           FOR i IN 1 .. 12000 LOOP   -- at most 4 minutes
               IF (SELECT count(*) FROM arrived a WHERE a.phase = wait_for_all.phase) >= 8 THEN RETURN; END IF;
               PERFORM pg_sleep(0.02);
           END LOOP;
           RAISE EXCEPTION 'not all 8 sessions reached phase %', phase;
       END \$\$" > /dev/null
{
    echo "INSERT INTO arrived VALUES (1, pg_backend_pid());"
    echo "SELECT wait_for_all(1);"
    for i in $(seq 12); do
        echo "INSERT INTO claimed SELECT action_id, pg_backend_pid() FROM dunning.claim_actions('email', 25, 'bench');"
    done
    echo "INSERT INTO arrived VALUES (2, pg_backend_pid());"
    echo "SELECT wait_for_all(2);"
} > $work/claim.sql
pids=
for i in $(seq 8); do psql -X -q -v ON_ERROR_STOP=1 -d $DB -f $work/claim.sql > /dev/null 2>> $work/claim.err & pids="$pids $!"; done
rc=0; for p in $pids; do wait $p || rc=1; done
ok $rc "8 sessions x 12 claims of 25 ran at once"
is "$(q $DB "SELECT count(*), count(DISTINCT action_id), count(DISTINCT pid) FROM claimed" | tr '|' ' ')" "2000 2000 8" \
   "2,000 actions claimed by 8 sessions, none twice (a committed lease keeps the others off)"
is "$(q $DB "SELECT count(*) FROM dunning.action WHERE lease_until IS NOT NULL")" "2000" "every claim recorded its lease"
# the sessions are gone: their leases are void, the actions claimable again
is "$(q $DB "SELECT count(*) FROM dunning.claim_actions('email', 10000, 'next')")" "2000" \
   "the leases of sessions that ended return the actions to the queue"
q $DB "TRUNCATE dunning.action CASCADE" > /dev/null

# -- NOTIFY: the channel and the action ids ----------------------------------
cat > $work/notify.sql <<SQL
LISTEN dunning_action;
INSERT INTO dunning.action (action_id, customer_id, scenario_id, step_id, step_name, offset_days, action_date,
                            channel, recipient, language, subject, body, payload, as_of)
SELECT g, 1, 1, g, 's', 7, DATE '2020-01-01' + g::integer, CASE WHEN g % 3 = 0 THEN 'sms' ELSE 'email' END,
       CASE WHEN g % 3 = 0 THEN '+32 2 555 00 00' ELSE 'n@example.com' END, 'en', 's', 'b', '{}', now()
  FROM generate_series(5001, 5030) g;
INSERT INTO dunning.action (action_id, customer_id, scenario_id, step_id, step_name, offset_days, action_date,
                            channel, recipient, language, subject, body, payload, as_of)
SELECT g, 1, 1, g, 's', 7, DATE '2020-01-01' + g::integer, 'letter', 'Street 1', 'en', 's', 'b', '{}', now()
  FROM generate_series(6001, 7500) g;
SQL
out=$(psql -X -d $DB -f $work/notify.sql 2>&1)
payloads=$(echo "$out" | sed -n 's/^Asynchronous notification "dunning_action" with payload "\(.*\)" received from server process with PID [0-9]*\.$/\1/p')
is "$(echo "$payloads" | grep -c .)" "3" "one NOTIFY per channel and statement"
is "$(psql -X -qAt -v p="$payloads" -d $DB <<'SQL'
WITH p AS (SELECT x::jsonb AS j FROM regexp_split_to_table(:'p', E'\n') x),
named AS (SELECT j->>'channel' AS channel, jsonb_array_elements_text(j->'action_ids')::bigint AS action_id
            FROM p WHERE j ? 'action_ids'
          UNION ALL
          SELECT j->>'channel', g FROM p, generate_series((j->>'first_action_id')::bigint, (j->>'last_action_id')::bigint) g
           WHERE j ? 'first_action_id')
SELECT count(*) FILTER (WHERE n.action_id IS NULL) || ' ' || count(*) FILTER (WHERE a.action_id IS NULL)
  FROM named n FULL JOIN dunning.action a ON a.action_id = n.action_id AND a.channel = n.channel
SQL
)" "0 0" "the payloads name every new action with its channel, and no other"
ok $(echo "$payloads" | grep -q '"channel" : "letter", "first_action_id" : 6001, "last_action_id" : 7500, "count" : 1500' &&
     echo "$payloads" | grep -q '"channel" : "sms", "action_ids" : \[5001,5004,' &&
     [ "$(echo "$payloads" | awk '{ if (length($0) > m) m = length($0) } END { print m }')" -lt 8000 ]; echo $?) \
   "ids as a list, or a range past 400 of them; every payload under 8,000 bytes"
q $DB "TRUNCATE dunning.action CASCADE" > /dev/null

# -- Two senders at once -----------------------------------------------------
start_sink smtp two --delay 2
actions $DB 1 600 email "'c' || g || '@example.com'"
smtp="--smtp-url smtp://127.0.0.1:$(port two) --smtp-from billing@acme.test --batch 20"
"$SENDER" -d $DB --once $smtp --worker-name A 2> $work/logA &
a=$!
"$SENDER" -d $DB --once $smtp --worker-name B 2> $work/logB &
b=$!
wait $a; ra=$?
wait $b; rb=$?
is "$ra $rb" "0 0" "two senders ran at once and ended"
is "$(q $DB "SELECT status, count(*) FROM dunning.action GROUP BY 1")" "sent|600" "600 actions sent"
is "$($PY -c "import json; r=[json.loads(l) for l in open('$work/two/index.jsonl')]; print(len(r), len({x['action'] for x in r}))")" \
   "600 600" "the sink received 600 messages for 600 actions: 0 duplicates"
is "$(q $DB "SELECT count(DISTINCT claimed_by) FROM dunning.action")" "2" "both senders delivered a share ($(q $DB "SELECT string_agg(claimed_by || ':' || n, ' ') FROM (SELECT claimed_by, count(*) n FROM dunning.action GROUP BY 1 ORDER BY 1) x"))"

# -- kill -9 mid-batch, then a restart ---------------------------------------
start_sink smtp crash --delay 10
actions $DB 1001 400 email "'k' || g || '@example.com'"
smtp="--smtp-url smtp://127.0.0.1:$(port crash) --smtp-from billing@acme.test --batch 50"
"$SENDER" -d $DB $smtp 2> $work/logK &
k=$!
wait_until 30 sh -c "[ \$(wc -l < $work/crash/index.jsonl 2>/dev/null || echo 0) -ge 60 ]"
kill -9 $k
wait $k 2> /dev/null
before=$(received crash)
ok $([ "$before" -ge 60 ] && [ "$before" -lt 400 ]; echo $?) "killed with -9 after $before of 400 messages"
is "$(q $DB "SELECT count(*) > 0 FROM dunning.action WHERE action_id > 1000 AND status = 'queued' AND lease_until > now()")" "t" \
   "the dead sender's leases are still there"
t0=$(date +%s)
"$SENDER" -d $DB --once $smtp 2> $work/logK2
is $? 0 "a restarted sender (--once) ran"
ok $([ $(( $(date +%s) - t0 )) -lt 60 ]; echo $?) "...without waiting for the dead sender's leases (5 minutes) to expire"
is "$(q $DB "SELECT status, count(*) FROM dunning.action WHERE action_id > 1000 GROUP BY 1")" "sent|400" "0 actions lost: all 400 sent"
dups=$($PY - "$work/crash/index.jsonl" <<'PY'
import json, sys, collections
ids = collections.defaultdict(set); n = collections.Counter()
for r in map(json.loads, open(sys.argv[1])):
    n[r['action']] += 1; ids[r['action']].add(r['message_id'])
print(len(n), sum(c - 1 for c in n.values()), max(len(s) for s in ids.values()))
PY
)
is "$(echo "$dups" | cut -d' ' -f1,3)" "400 1" "the sink got every action, each always under one Message-ID"
ok $([ "$(echo "$dups" | cut -d' ' -f2)" -le 50 ]; echo $?) \
   "re-deliveries: $(echo "$dups" | cut -d' ' -f2) (at most what was delivered and not yet marked at the kill: the message on the wire, those delivered during one commit)"
is "$(q $DB "SELECT count(*) FROM dunning.action WHERE action_id > 1000 AND provider_message_id <> dunning.message_id(action_id, 'acme.test')")" "0" \
   "each recorded Message-ID is the action's"
grep -h 'level=error' $work/log* | head -5 | sed 's/^/# /'
done_testing
